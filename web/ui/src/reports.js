// The reports panel: pick a published report, colour the Badia regions by
// one of its figures, list the checks it fails, and chart its publisher's
// running totals over time (one line per region, published points marked),
// with the series as CSV.
import L from './leaflet-global.js';
import { getJSON } from './api.js';
import { h } from './dom.js';
import { fmtDate, fmtDateParts, fmtNumber, onLangChange, regionName, t } from './i18n.js';
import { classColor, classify, classLabel, classOf } from './regions.js';

const METRICS = ['killed', 'operations', 'military', 'militia', 'isis', 'other_armed', 'civilians',
  'truffle_gatherers', 'children', 'women'];

// tr reads the reports' words from the catalogue (keys rep_*, rm_*, r_*).
const tr = (key, vars) => t(key.startsWith('m_') ? 'r' + key : /^rc?_/.test(key) ? key : 'rep_' + key, vars);

// Distinct line colours (Okabe-Ito), readable by colour-blind viewers.
const LINE_COLORS = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#D55E00', '#0072B2', '#CC79A7', '#999933', '#882255'];

// largest is the largest value report r claims for scope and metric, or null.
function largest(r, scope, metric) {
  let v = null;
  for (const c of r.claims || []) if (c.scope === scope && c.metric === metric && (v === null || c.value > v)) v = c.value;
  return v;
}

// checkMessage says what a failed check found in the page's language, from
// the check's rule, scope, metric and figures (the server's message is English).
export function checkMessage(c, scopeName) {
  const figs = c.figures || [];
  const n = (v) => fmtNumber(v);
  const metric = (m) => tr('m_' + m);
  const scope = scopeName(c.scope);
  switch (c.rule) {
    case 'regional_sum': {
      const [head, lo, hi] = figs;
      const sum = hi ? tr('rc_regional_range', { lo: n(lo.value), hi: n(hi.value) }) : n(lo?.value);
      // The regions that state no figure are named in the sum's label.
      const missing = /; (.+) state no figure/.exec(lo?.label || '')?.[1]?.split(', ').map(scopeName);
      const text = tr('rc_regional_sum', { h: n(head?.value), metric: metric(c.metric), sum });
      return missing ? `${text} ${tr('rc_missing', { regions: list(missing) })}` : text;
    }
    case 'subset':
      return tr('rc_subset', { scope, p: n(figs[0]?.value), part: metric(figs[0]?.metric), w: n(figs[1]?.value), whole: metric(figs[1]?.metric) });
    case 'parts': {
      const parts = figs.slice(1, -1).map((f) => `${metric(f.metric)} ${n(f.value)}`);
      return tr('rc_parts', { scope, parts: parts.join(' + '), sum: n(figs[figs.length - 1]?.value), k: n(figs[0]?.value) });
    }
    case 'conflict':
      return tr('rc_conflict', { scope, metric: metric(c.metric), values: list(figs.map((f) => n(f.value))) });
    case 'series_decrease':
      return tr('rc_series_decrease', { scope, metric: metric(c.metric), now: n(figs[0]?.value), before: n(figs[1]?.value) });
    default:
      return c.message;
  }
}

function list(items) {
  if (items.length <= 1) return items.join('');
  return tr('rc_list', { a: items.slice(0, -1).join(t('comma')), b: items[items.length - 1] });
}

export class ReportsPanel {
  // map: the Leaflet map; badia: () => the Badia regions FeatureCollection;
  // state: the page state's report part ({id, metric}); changed(): the
  // state changed (write the URL).
  constructor(map, badia, state, changed) {
    this.map = map;
    this.badia = badia;
    this.state = state;
    this.changed = changed;
    this.reports = [];
    this.report = null;
    this.metric = METRICS.includes(state.metric) ? state.metric : 'killed';
    this.series = null;
    this.layer = null;
    map.createPane('report-regions').style.zIndex = 360;
    this.root = h('section', { id: 'reports-panel', class: 'reports', 'aria-labelledby': 'reports-title' });
    document.getElementById('panel').append(this.root);
    this.render();
  }

  async start() {
    try {
      const body = await getJSON('/api/reports');
      this.reports = body.reports || [];
    } catch (err) {
      this.error = err.message;
    }
    this.root.dataset.ready = 'true';
    this.render();
    // A report chosen in the page URL.
    if (this.state.id && this.reports.some((r) => String(r.id) === this.state.id)) await this.select(this.state.id, { keepMetric: true });
  }

  scopeName(code) {
    if (code === 'total') return tr('rc_total');
    const f = (this.badia()?.features || []).find((x) => x.properties.code === code);
    return f ? regionName(f.properties) : code;
  }

  async select(id, { keepMetric = false } = {}) {
    this.report = null;
    this.series = null;
    this.reconciliation = null;
    this.pendingId = id;
    this.state.id = id ? String(id) : '';
    this.state.metric = id ? this.metric : '';
    this.changed();
    if (id) {
      this.root.dataset.state = 'loading';
      this.render();
      const r = await getJSON(`/api/reports/${encodeURIComponent(id)}`);
      const [series, rec] = await Promise.all([this.fetchSeries(r), getJSON(`/api/reports/${r.id}/reconciliation`)]);
      if (String(this.pendingId) !== String(id)) return;
      this.report = r;
      this.series = series;
      // Colour by a figure the report gives per region when the chosen one
      // is only a headline (the seed states no regional killed).
      const regional = (m) => (r.claims || []).some((c) => c.scope !== 'total' && c.metric === m);
      if (!keepMetric && !regional(this.metric)) {
        const m = METRICS.find(regional);
        if (m) {
          this.metric = m;
          this.series = await this.fetchSeries(r);
        }
      }
      this.state.metric = this.metric;
      this.changed();
      this.reconciliation = rec;
    }
    this.root.dataset.state = 'idle';
    this.render();
    this.drawRegions();
  }

  seriesURL(r, format) {
    const q = new URLSearchParams({ publisher: r.publisher, period_start: r.period_start, metric: this.metric });
    if (format) q.set('format', format);
    return `/api/reports/series?${q}`;
  }

  fetchSeries(r) {
    return getJSON(this.seriesURL(r));
  }

  async setMetric(m) {
    this.metric = m;
    if (this.report) {
      this.state.metric = m;
      this.changed();
      this.series = await this.fetchSeries(this.report);
    }
    this.render();
    this.drawRegions();
  }

  // drawRegions colours the Badia regions by the report's figure of the
  // chosen metric; regions the report gives no figure for stay hatched grey.
  drawRegions() {
    this.layer?.remove();
    this.layer = null;
    const fc = this.badia();
    if (!this.report || !fc) return;
    const values = fc.features.map((f) => largest(this.report, f.properties.code, this.metric)).filter((v) => v !== null);
    this.cls = classify(values);
    this.layer = L.geoJSON(fc, {
      pane: 'report-regions',
      style: (f) => {
        const v = largest(this.report, f.properties.code, this.metric);
        return v === null
          ? { color: '#6b4f2a', weight: 1, fillColor: '#bdb6a8', fillOpacity: 0.35, dashArray: '2 3' }
          : { color: '#3d2f22', weight: 2, fillColor: classColor(classOf(v, this.cls), this.cls), fillOpacity: 0.85 };
      },
      onEachFeature: (f, l) => {
        const v = largest(this.report, f.properties.code, this.metric);
        l.bindTooltip(`${regionName(f.properties)}: ${v === null ? tr('noClaim') : fmtNumber(v)} ${tr('m_' + this.metric)}`, { sticky: true });
        l.on('add', () => {
          const el = l.getElement();
          if (!el) return;
          el.classList.add('report-region');
          el.dataset.code = f.properties.code;
          el.dataset.value = v === null ? '' : String(v);
          el.dataset.fill = v === null ? '' : classColor(classOf(v, this.cls), this.cls);
        });
      },
    }).addTo(this.map);
    this.renderLegend();
  }

  render() {
    const r = this.report;
    const select = h('select', { id: 'report-select', onchange: (e) => this.select(e.target.value) },
      h('option', { value: '' }, tr('none')),
      this.reports.map((x) => h('option', { value: x.id, selected: String(x.id) === String(this.pendingId ?? '') },
        `${x.title}${x.period_end || x.published_on ? ` (${tr('asOf', { date: fmtDate(x.period_end || x.published_on) })})` : ''}`)));
    const metric = h('select', { id: 'report-metric', onchange: (e) => this.setMetric(e.target.value) },
      METRICS.map((m) => h('option', { value: m, selected: m === this.metric }, tr('m_' + m))));
    this.root.replaceChildren(...[
      h('h2', { id: 'reports-title' }, tr('title')),
      this.error ? h('p', { class: 'error' }, this.error) : null,
      h('div', { class: 'field' }, h('label', { for: 'report-select' }, tr('pick')), select),
      h('div', { class: 'field' }, h('label', { for: 'report-metric' }, tr('colourBy')), metric),
      h('div', { id: 'report-legend', class: 'report-legend' }),
      r ? this.renderReport(r) : null,
    ].filter(Boolean));
    this.renderLegend();
  }

  renderLegend() {
    const div = this.root.querySelector('#report-legend');
    if (!div) return;
    if (!this.report || !this.cls) {
      div.replaceChildren();
      return;
    }
    const items = [];
    for (let i = 1; i <= this.cls.count; i++) {
      items.push(h('li', {}, h('span', { class: 'swatch', style: `background:${classColor(i, this.cls)}` }), classLabel(i, this.cls)));
    }
    items.push(h('li', {}, h('span', { class: 'swatch nofigure' }), tr('noClaim')));
    div.replaceChildren(h('ul', { class: 'legend-classes', 'aria-label': tr('m_' + this.metric) }, items));
  }

  renderReport(r) {
    const checks = r.failed_checks || [];
    const rec = this.reconciliation;
    const matched = rec ? rec.rows.filter((x) => x.match).length : 0;
    return h('div', { class: 'report-detail' },
      r.url ? h('p', {}, h('a', { href: r.url, target: '_blank', rel: 'noopener' }, tr('link'))) : null,
      rec ? h('p', { id: 'report-reconciled', class: 'help' }, tr('reconciled', { m: fmtNumber(matched), n: fmtNumber(rec.rows.length) })) : null,
      h('h3', {}, tr('checks')),
      checks.length === 0 ? h('p', { class: 'help' }, tr('noChecks'))
        : h('ul', { id: 'report-checks', class: 'report-checks' }, checks.map((c) => h('li', { dataset: { rule: c.rule, scope: c.scope, metric: c.metric } },
          h('strong', {}, tr('r_' + c.rule)), ': ', h('span', { class: 'check-message' }, checkMessage(c, (code) => this.scopeName(code)))))),
      h('h3', {}, tr('chart')),
      this.renderChart(),
      h('p', { class: 'row' },
        h('a', { id: 'series-csv', class: 'button', href: this.seriesURL(r, 'csv'), download: '' }, tr('csv')),
        h('button', { type: 'button', id: 'chart-enlarge', onclick: () => { this.root.classList.toggle('chart-big'); this.render(); } },
          this.root.classList.contains('chart-big') ? tr('shrink') : tr('enlarge'))));
  }

  // renderChart draws the series as SVG: time on x, the running total on y,
  // one line per scope (the cumulative figure), a dot at each published
  // figure (hollow when below an earlier one: the line holds its high).
  // The time axis is labelled with months over a long span, and with the
  // snapshots' own dates over a short one (a single report is one date).
  renderChart() {
    const ser = this.series;
    const fig = h('figure', { id: 'series-chart', class: 'series-chart' });
    if (!ser || !ser.lines.length) {
      fig.append(h('p', { class: 'help' }, ser ? tr('noSeries') : tr('loading')));
      return fig;
    }
    const W = 640; const H = 380;
    const m = { l: 48, r: 24, t: 12, b: 40 };
    const day = (iso) => Date.parse(iso + 'T00:00:00Z');
    const dates = [...new Set(ser.snapshots.map((s) => day(s.date)))].sort((a, b) => a - b);
    let x0 = dates[0]; let x1 = dates[dates.length - 1];
    // Room on both sides, so a lone date sits in the middle, not on an axis.
    const pad = Math.max((x1 - x0) * 0.04, 864e5 * 10);
    x0 -= pad; x1 += pad;
    let ymax = 0;
    for (const l of ser.lines) for (const p of l.points) ymax = Math.max(ymax, p.published ?? 0, p.cumulative ?? 0);
    const step = niceStep(Math.max(ymax, 1) / 5);
    ymax = Math.max(step, Math.ceil(ymax / step) * step);
    const X = (tm) => m.l + ((tm - x0) / (x1 - x0)) * (W - m.l - m.r);
    const Y = (v) => H - m.b - (v / ymax) * (H - m.t - m.b);
    const NS = 'http://www.w3.org/2000/svg';
    const s = (tag, attrs, ...kids) => {
      const el = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
      for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
      return el;
    };
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart', 'aria-label': `${tr('chart')}: ${tr('m_' + ser.metric)}` });
    // Axes and grid.
    for (let v = 0; v <= ymax; v += step) {
      svg.append(s('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), class: 'grid' }),
        s('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmtNumber(v)));
    }
    // Month ticks when the span holds at least three month starts; else a
    // tick at each snapshot date.
    const months = [];
    const d = new Date(x0); d.setUTCDate(1);
    for (d.setUTCMonth(d.getUTCMonth() + 1); d.getTime() <= x1; d.setUTCMonth(d.getUTCMonth() + 1)) months.push(d.getTime());
    const ticks = months.length >= 3 ? months : dates;
    const fmt = months.length >= 3 ? { month: 'short', year: '2-digit' } : { day: 'numeric', month: 'short', year: 'numeric' };
    const every = Math.ceil(ticks.length / (months.length >= 3 ? 8 : 4)) || 1;
    ticks.forEach((tm, i) => {
      if (i % every) return;
      svg.append(s('line', { x1: X(tm), x2: X(tm), y1: H - m.b, y2: H - m.b + 4, class: 'axis' }),
        s('text', { x: X(tm), y: H - m.b + 16, 'text-anchor': 'middle', class: 'tick x-tick' }, fmtDateParts(tm, fmt)));
    });
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis' }),
      s('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, class: 'axis' }));
    const legend = h('ul', { class: 'chart-legend' });
    ser.lines.forEach((line, i) => {
      const color = LINE_COLORS[i % LINE_COLORS.length];
      const name = line.scope === 'total' ? tr('total') : this.scopeName(line.scope);
      const pts = line.points.filter((p) => p.cumulative !== null);
      const g = s('g', { class: 'series-line', 'data-scope': line.scope });
      if (pts.length) {
        // A running total holds its value until the next figure: draw steps.
        let dpath = '';
        pts.forEach((p, k) => {
          const x = X(day(p.date)); const y = Y(p.cumulative);
          dpath += k === 0 ? `M${x},${y}` : `H${x}V${y}`;
        });
        g.append(s('path', { d: dpath, fill: 'none', stroke: color, 'stroke-width': line.scope === 'total' ? 2.5 : 1.8 }));
      }
      for (const p of line.points) {
        if (p.published === null) continue;
        const x = X(day(p.date));
        const c = s('circle', { cx: x, cy: Y(p.published), r: 3.5, stroke: color, 'stroke-width': 1.5,
          fill: p.drop ? '#fff' : color, class: p.drop ? 'point drop' : 'point', 'data-report': p.report_id });
        c.append(s('title', {}, `${name}: ${fmtNumber(p.published)} — ${fmtDate(p.date)}${p.date_source === 'interpolated' ? ` (${tr('interpolated')})` : ''}${p.drop ? ` — ${tr('drop')}` : ''}`));
        g.append(c);
      }
      svg.append(g);
      legend.append(h('li', {}, h('span', { class: 'line-swatch', style: `background:${color}` }), name));
    });
    // Mark the chosen report's date.
    const snap = ser.snapshots.find((x) => x.report_id === this.report?.id);
    if (snap) {
      const x = X(day(snap.date));
      svg.append(s('line', { x1: x, x2: x, y1: m.t, y2: H - m.b, class: 'current' }));
    }
    legend.append(h('li', {}, h('span', { class: 'dot-swatch' }), tr('published')),
      h('li', {}, h('span', { class: 'dot-swatch hollow' }), tr('drop')));
    fig.append(svg, h('figcaption', {}, `${tr('m_' + ser.metric)} — `, h('bdi', { translate: 'no' }, ser.publisher), `${t('comma')}${fmtDate(ser.period_start)}`), legend);
    return fig;
  }
}

function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const k of [1, 2, 5, 10]) if (k * p >= x) return k * p;
  return 10 * p;
}

// initReports adds the reports panel to the page; it re-renders when the
// language changes and recolours when the Badia regions reload.
export function initReports(map, badia, state, changed) {
  const panel = new ReportsPanel(map, badia, state, changed);
  onLangChange(() => {
    panel.render();
    panel.drawRegions();
  });
  panel.start();
  return panel;
}
