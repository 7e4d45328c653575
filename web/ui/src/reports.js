// The reports panel: pick a published report, colour the Badia regions by
// one of its figures, list the checks it fails, and chart its publisher's
// running totals over time (one line per region, published points marked),
// with the series as CSV.
import L from './leaflet-global.js';
import { getJSON } from './api.js';
import { h } from './dom.js';
import { fmtDate, fmtNumber, getLang, regionName } from './i18n.js';
import { classColor, classify, classLabel, classOf } from './regions.js';

const METRICS = ['killed', 'operations', 'military', 'militia', 'isis', 'other_armed', 'civilians',
  'truffle_gatherers', 'children', 'women'];

const labels = {
  en: {
    title: 'Published reports', pick: 'Report', none: '— none —', colourBy: 'Figure',
    checks: 'Failed checks', noChecks: 'No check fails.', chart: 'Running totals over time',
    csv: 'Download the series (CSV)', enlarge: 'Enlarge chart', shrink: 'Close', total: 'Total (headline)',
    noClaim: 'not stated', published: 'published figure', drop: 'below an earlier figure',
    interpolated: 'date placed between dated snapshots', asOf: 'as of', reconciled: '{m} of {n} figures match the incidents',
    noSeries: 'No figures for this metric.', loading: 'Loading…',
    r_regional_sum: 'Regional lines vs headline', r_subset: 'Part larger than its whole', r_parts: 'Parts vs total killed',
    r_conflict: 'Two values for one figure', r_series_decrease: 'Running total went down',
    m_killed: 'killed', m_operations: 'operations', m_military: 'military', m_militia: 'Iran-backed militia',
    m_isis: 'ISIS', m_other_armed: 'other armed', m_civilians: 'civilians', m_truffle_gatherers: 'truffle gatherers',
    m_children: 'children', m_women: 'women',
  },
  ar: {
    title: 'التقارير المنشورة', pick: 'التقرير', none: '— لا شيء —', colourBy: 'الرقم',
    checks: 'تدقيقات لم تتحقق', noChecks: 'لا يوجد تعارض.', chart: 'الحصائل التراكمية عبر الزمن',
    csv: 'تنزيل السلسلة (CSV)', enlarge: 'تكبير الرسم', shrink: 'إغلاق', total: 'المجموع (العنوان)',
    noClaim: 'غير مذكور', published: 'رقم منشور', drop: 'أقل من رقم سابق',
    interpolated: 'تاريخ مقدّر بين لقطتين مؤرختين', asOf: 'حتى', reconciled: '{m} من {n} أرقام تطابق الحوادث',
    noSeries: 'لا أرقام لهذا المؤشر.', loading: 'جارٍ التحميل…',
    r_regional_sum: 'الأرقام الإقليمية مقابل العنوان', r_subset: 'جزء أكبر من الكل', r_parts: 'الأجزاء مقابل مجموع القتلى',
    r_conflict: 'قيمتان لرقم واحد', r_series_decrease: 'انخفاض في حصيلة تراكمية',
    m_killed: 'القتلى', m_operations: 'العمليات', m_military: 'العسكريون', m_militia: 'الميليشيات الموالية لإيران',
    m_isis: 'التنظيم', m_other_armed: 'مسلحون آخرون', m_civilians: 'المدنيون', m_truffle_gatherers: 'جامعو الكمأة',
    m_children: 'الأطفال', m_women: 'النساء',
  },
};

function tr(key, vars = {}) {
  const s = labels[getLang()]?.[key] ?? labels.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

// Distinct line colours (Okabe-Ito), readable by colour-blind viewers.
const LINE_COLORS = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#D55E00', '#0072B2', '#CC79A7', '#999933', '#882255'];

// largest is the largest value report r claims for scope and metric, or null.
function largest(r, scope, metric) {
  let v = null;
  for (const c of r.claims || []) if (c.scope === scope && c.metric === metric && (v === null || c.value > v)) v = c.value;
  return v;
}

export class ReportsPanel {
  // map: the Leaflet map; badia: () => the Badia regions FeatureCollection.
  constructor(map, badia) {
    this.map = map;
    this.badia = badia;
    this.reports = [];
    this.report = null;
    this.metric = 'killed';
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
  }

  async select(id) {
    this.report = null;
    this.series = null;
    this.reconciliation = null;
    this.pendingId = id;
    if (id) {
      this.root.dataset.state = 'loading';
      this.render();
      const r = await getJSON(`/api/reports/${encodeURIComponent(id)}`);
      const [series, rec] = await Promise.all([this.fetchSeries(r), getJSON(`/api/reports/${r.id}/reconciliation`)]);
      this.report = r;
      this.series = series;
      // Colour by a figure the report gives per region when the chosen one
      // is only a headline (the seed states no regional killed).
      const regional = (m) => (r.claims || []).some((c) => c.scope !== 'total' && c.metric === m);
      if (!regional(this.metric)) {
        const m = METRICS.find(regional);
        if (m) {
          this.metric = m;
          this.series = await this.fetchSeries(r);
        }
      }
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
    if (this.report) this.series = await this.fetchSeries(this.report);
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
        `${x.title}${x.period_end || x.published_on ? ` (${tr('asOf')} ${fmtDate(x.period_end || x.published_on)})` : ''}`)));
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
      r.url ? h('p', {}, h('a', { href: r.url, target: '_blank', rel: 'noopener' }, r.url.length > 60 ? r.url.slice(0, 57) + '…' : r.url)) : null,
      rec ? h('p', { id: 'report-reconciled', class: 'help' }, tr('reconciled', { m: fmtNumber(matched), n: fmtNumber(rec.rows.length) })) : null,
      h('h3', {}, tr('checks')),
      checks.length === 0 ? h('p', { class: 'help' }, tr('noChecks'))
        : h('ul', { id: 'report-checks', class: 'report-checks' }, checks.map((c) => h('li', { dataset: { rule: c.rule, scope: c.scope, metric: c.metric } },
          h('strong', {}, tr('r_' + c.rule)), ' ', c.message))),
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
  renderChart() {
    const ser = this.series;
    const fig = h('figure', { id: 'series-chart', class: 'series-chart' });
    if (!ser || !ser.lines.length) {
      fig.append(h('p', { class: 'help' }, ser ? tr('noSeries') : tr('loading')));
      return fig;
    }
    const W = 640; const H = 380;
    const m = { l: 48, r: 12, t: 12, b: 40 };
    const dates = ser.snapshots.map((s) => Date.parse(s.date + 'T00:00:00Z'));
    let x0 = Math.min(...dates); let x1 = Math.max(...dates);
    if (x0 === x1) { x0 -= 864e5 * 15; x1 += 864e5 * 15; }
    let ymax = 0;
    for (const l of ser.lines) for (const p of l.points) ymax = Math.max(ymax, p.published ?? 0, p.cumulative ?? 0);
    const step = niceStep(Math.max(ymax, 1) / 5);
    ymax = Math.max(step, Math.ceil(ymax / step) * step);
    const X = (t) => m.l + ((t - x0) / (x1 - x0)) * (W - m.l - m.r);
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
    const months = [];
    const d = new Date(x0); d.setUTCDate(1);
    for (d.setUTCMonth(d.getUTCMonth() + 1); d.getTime() <= x1; d.setUTCMonth(d.getUTCMonth() + 1)) months.push(d.getTime());
    const every = Math.ceil(months.length / 8) || 1;
    months.forEach((t, i) => {
      if (i % every) return;
      svg.append(s('line', { x1: X(t), x2: X(t), y1: H - m.b, y2: H - m.b + 4, class: 'axis' }),
        s('text', { x: X(t), y: H - m.b + 16, 'text-anchor': 'middle', class: 'tick' },
          new Intl.DateTimeFormat(getLang() === 'ar' ? 'ar-SY' : 'en', { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(t)));
    });
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis' }),
      s('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, class: 'axis' }));
    const names = new Map((this.badia()?.features || []).map((f) => [f.properties.code, regionName(f.properties)]));
    const legend = h('ul', { class: 'chart-legend' });
    ser.lines.forEach((line, i) => {
      const color = LINE_COLORS[i % LINE_COLORS.length];
      const name = line.scope === 'total' ? tr('total') : names.get(line.scope) || line.scope;
      const pts = line.points.filter((p) => p.cumulative !== null);
      const g = s('g', { class: 'series-line', 'data-scope': line.scope });
      if (pts.length) {
        // A running total holds its value until the next figure: draw steps.
        let dpath = '';
        pts.forEach((p, k) => {
          const x = X(Date.parse(p.date + 'T00:00:00Z')); const y = Y(p.cumulative);
          dpath += k === 0 ? `M${x},${y}` : `H${x}V${y}`;
        });
        g.append(s('path', { d: dpath, fill: 'none', stroke: color, 'stroke-width': line.scope === 'total' ? 2.5 : 1.8 }));
      }
      for (const p of line.points) {
        if (p.published === null) continue;
        const x = X(Date.parse(p.date + 'T00:00:00Z'));
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
      const x = X(Date.parse(snap.date + 'T00:00:00Z'));
      svg.append(s('line', { x1: x, x2: x, y1: m.t, y2: H - m.b, class: 'current' }));
    }
    legend.append(h('li', {}, h('span', { class: 'dot-swatch' }), tr('published')),
      h('li', {}, h('span', { class: 'dot-swatch hollow' }), tr('drop')));
    fig.append(svg, h('figcaption', {}, `${tr('m_' + ser.metric)} — ${ser.publisher}, ${fmtDate(ser.period_start)}`), legend);
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
export function initReports(map, badia) {
  const panel = new ReportsPanel(map, badia);
  document.getElementById('lang-switch')?.addEventListener('click', () => {
    panel.render();
    panel.drawRegions();
  });
  panel.start();
  return panel;
}
