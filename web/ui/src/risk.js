// The truffle-picking risk layer: the scored hexagon grid of /api/risk/zones
// with its legend, a check of any clicked point (/api/risk/check), an area
// check of a drawn rectangle or polygon (POST /api/risk/check), and the zones
// as GeoJSON or KML downloads. The model is documented in docs/RISK.md.
//
// The planner chooses which incidents the model counts: all of them (the
// default) or only the map's filter, and the box says which. Its choices
// (shown, date, counted incidents) live in the page URL.
import L from './leaflet-global.js';
import { getJSON } from './api.js';
import { h, popupOptions } from './dom.js';
import { actorLabel, eventTypeLabel, fmtDate, fmtNumber, getLang, onLangChange, regionName, t, tn } from './i18n.js';

export const LEVELS = ['low', 'moderate', 'high', 'severe'];
export const LEVEL_COLORS = { low: '#1a9850', moderate: '#fec008', high: '#fd8c24', severe: '#d71a1c', not_assessed: '#bbbbbb' };
// The thresholds the server scores with, until its first answer says them.
const DEFAULT_THRESHOLDS = { moderate: 0.1, high: 1, severe: 10 };
const PHONE = '(max-width: 760px)';

// The box the API takes points in (geo.SyriaBound); a click outside it is
// answered here, without asking.
const SYRIA = L.latLngBounds([31.9, 35.2], [37.8, 42.9]);
const DAY_MS = 864e5;
const days = (a, b) => Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / DAY_MS);

// initRisk adds the risk control to map. opts: state (the page state's risk
// part: on, date, filter), filterQuery() (the map's filter query),
// describeFilter() (that filter in words), changed() (the state changed:
// write the URL).
export function initRisk(map, { state, filterQuery, describeFilter, changed }) {
  const pane = map.createPane('risk');
  pane.style.zIndex = 350; // above the region fills, below markers and popups
  pane.style.pointerEvents = 'none'; // its canvas must not take the regions' clicks
  // Thousands of hexagons: drawn on a canvas, far lighter than as SVG paths.
  const layer = L.geoJSON(null, {
    pane: 'risk',
    renderer: L.canvas({ pane: 'risk' }),
    style: (f) => ({ color: '#555', weight: 0.3, fillColor: LEVEL_COLORS[f.properties.level], fillOpacity: f.properties.level === 'low' ? 0.08 : 0.45, className: `risk-cell risk-${f.properties.level}` }),
    interactive: false,
  });
  // What the last zones answer said about itself.
  const answer = { date: '', source: '', stale: false, latest: '', thresholds: DEFAULT_THRESHOLDS, error: '' };
  let drawing = null;
  let seq = 0;
  // On a phone the box starts folded to one button, so it does not cover the map.
  let folded = window.matchMedia(PHONE).matches;

  const control = L.control({ position: 'topright' });
  let el;
  control.onAdd = () => {
    el = L.DomUtil.create('div', 'leaflet-control risk-control');
    el.id = 'risk-control';
    L.DomEvent.disableClickPropagation(el);
    L.DomEvent.disableScrollPropagation(el);
    // Leaflet tells a control's click from the map's by walking up from the
    // target; a button this box re-renders is gone by then, and its click
    // would reach the map (a risk check under the box): stop it here.
    L.DomEvent.on(el, 'click', L.DomEvent.stopPropagation);
    render();
    return el;
  };
  control.addTo(map);

  function riskFilterQuery() {
    return state.filter === 'map' ? filterQuery() : '';
  }

  function zonesQuery(extra = {}) {
    const q = new URLSearchParams(riskFilterQuery());
    if (state.date) q.set('date', state.date);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return q.toString();
  }

  function meaning(level, thr = answer.thresholds) {
    const a = { low: thr.moderate, moderate: thr.moderate, high: thr.high, severe: thr.severe }[level];
    const b = { moderate: thr.high, high: thr.severe }[level];
    return t('risk_meaning_' + level, { a: fmtNumber(a), b: fmtNumber(b) });
  }

  function staleNote(date, latest) {
    return h('p', { class: 'risk-stale', role: 'note' },
      t('risk_stale', { date: fmtDate(date), latest: fmtDate(latest), days: fmtNumber(days(latest, date)) }));
  }

  function render() {
    if (!el) return;
    el.replaceChildren();
    el.dir = getLang() === 'ar' ? 'rtl' : 'ltr';
    el.classList.toggle('folded', folded);
    el.dataset.on = String(state.on);
    const fold = h('button', { type: 'button', id: 'risk-fold', class: 'risk-fold', 'aria-expanded': String(!folded),
      'aria-label': folded ? t('risk_openLabel') : t('risk_collapse'), title: folded ? t('risk_openLabel') : t('risk_collapse') },
    folded ? t('risk_open') : '▴');
    fold.addEventListener('click', () => {
      folded = !folded;
      render();
    });
    if (folded) {
      el.append(fold);
      if (state.on) el.append(h('span', { class: 'risk-mini', 'aria-hidden': 'true' },
        LEVELS.map((lv) => h('span', { class: 'risk-swatch', style: `background:${LEVEL_COLORS[lv]}` }))));
      return;
    }
    const cb = h('input', { type: 'checkbox', id: 'risk-toggle' });
    cb.checked = state.on;
    cb.addEventListener('change', () => {
      state.on = cb.checked;
      changed();
      refresh();
      render();
    });
    el.append(h('div', { class: 'risk-head' }, h('strong', {}, t('risk_title')), fold),
      h('label', { class: 'risk-toggle' }, cb, ' ', t('risk_show')));
    if (!state.on) return;
    const date = h('input', { type: 'date', id: 'risk-date', value: state.date || answer.date });
    date.addEventListener('change', () => {
      state.date = date.value;
      changed();
      refresh();
      render();
    });
    el.append(h('label', { class: 'risk-date' }, t('risk_date'), ' ', date));
    if (!state.date && answer.source === 'latest incident') el.append(h('p', { class: 'risk-hint' }, t('risk_dateLatest')));
    const counted = h('select', { id: 'risk-filter' },
      h('option', { value: 'all', selected: state.filter !== 'map' }, t('risk_countAll')),
      h('option', { value: 'map', selected: state.filter === 'map' }, t('risk_countMap')));
    counted.addEventListener('change', () => {
      state.filter = counted.value;
      changed();
      refresh();
      render();
    });
    const words = describeFilter();
    el.append(h('label', { class: 'risk-counted' }, t('risk_counted'), ' ', counted),
      h('p', { class: 'risk-uses', id: 'risk-uses' }, state.filter !== 'map' ? t('risk_usesAll')
        : words ? t('risk_usesMap', { filter: words }) : t('risk_usesMapNone')));
    if (answer.stale) el.append(staleNote(answer.date, answer.latest));
    const legend = h('div', { class: 'risk-legend', id: 'risk-legend' }, h('div', {}, t('risk_legend')));
    for (const lv of LEVELS) {
      legend.append(h('div', { class: 'risk-legend-row', 'data-level': lv, title: meaning(lv) },
        h('span', { class: 'risk-swatch', style: `background:${LEVEL_COLORS[lv]}` }), ' ', t('risk_' + lv),
        h('span', { class: 'risk-meaning' }, ` (${meaning(lv)})`)));
    }
    // What a score counts (docs/RISK.md, "The scale"), beside the thresholds.
    legend.append(h('p', { class: 'risk-hint', id: 'risk-scale' },
      t('risk_scale', { one: fmtNumber(1), ten: fmtNumber(10), hundred: fmtNumber(100) })));
    legend.append(h('p', { class: 'risk-hint' }, t('risk_lowNotSafe')));
    el.append(legend, h('div', { class: 'risk-hint' }, t('risk_clickHint')));
    const rect = h('button', { type: 'button', id: 'risk-draw-rect' }, t('risk_rect'));
    const poly = h('button', { type: 'button', id: 'risk-draw-poly' }, t('risk_poly'));
    rect.addEventListener('click', () => startDrawing('rect'));
    poly.addEventListener('click', () => startDrawing('poly'));
    el.append(h('div', { class: 'risk-buttons' }, rect, poly));
    if (drawing) {
      const cancel = h('button', { type: 'button', id: 'risk-draw-cancel' }, t('risk_cancel'));
      cancel.addEventListener('click', stopDrawing);
      el.append(h('div', { class: 'risk-hint' }, t(drawing.mode === 'rect' ? 'risk_drawRect' : 'risk_drawPoly')), cancel);
    }
    el.append(h('div', { class: 'risk-downloads' },
      h('a', { href: `/api/risk/zones.geojson?${zonesQuery()}`, id: 'risk-geojson', download: '' }, t('risk_geojson')), ' · ',
      h('a', { href: `/api/risk/zones.kml?${zonesQuery()}`, id: 'risk-kml', download: '' }, t('risk_kml'))));
    if (answer.error) el.append(h('div', { class: 'risk-error' }, answer.error));
  }

  async function refresh() {
    const mine = ++seq;
    if (!state.on) {
      layer.remove();
      delete document.body.dataset.risk;
      return;
    }
    document.body.dataset.risk = 'loading';
    try {
      const fc = await getJSON(`/api/risk/zones?${zonesQuery()}`);
      if (mine !== seq) return;
      Object.assign(answer, { date: fc.date, source: fc.date_source, stale: Boolean(fc.stale), latest: fc.latest_incident || '',
        thresholds: fc.model?.thresholds || DEFAULT_THRESHOLDS, error: '' });
      layer.clearLayers();
      layer.addData(fc);
      layer.addTo(map);
      const levels = {};
      for (const f of fc.features) levels[f.properties.level] = (levels[f.properties.level] || 0) + 1;
      pane.dataset.cells = String(fc.features.length);
      pane.dataset.levels = JSON.stringify(levels);
      document.body.dataset.risk = 'idle';
    } catch (err) {
      if (mine !== seq) return;
      answer.error = t('errorLoad', { msg: err.message });
      document.body.dataset.risk = 'error';
    }
    render();
  }

  function levelBadge(level, score) {
    return [h('span', { class: `risk-level risk-level-${level}`, dataset: { level }, style: `background:${LEVEL_COLORS[level] || '#ccc'}` },
      t('risk_' + level)), level === 'not_assessed' ? null : [' ', h('span', { class: 'risk-score' }, `${t('risk_score')} ${fmtNumber(Math.round(score * 100) / 100)}`)]];
  }

  // reason says in the page's language why an incident counts, from the
  // answer's fields (the server's own sentence is English).
  function reason(c) {
    const label = c.victims_label === 'killed or injured' ? 'risk_victims_killed_or_injured' : 'risk_victims_killed';
    const dist = `${fmtNumber(c.distance_km, { maximumFractionDigits: 1 })} ${t('km')}`;
    return t('risk_reason', { kind: t('risk_kind_' + c.kind), date: fmtDate(c.date), age: tn('risk_ageDays', c.age_days),
      dist, victims: tn(label, c.victims_counted ?? c.killed) });
  }

  function contributors(list) {
    if (!list.length) return h('p', {}, t('risk_none'));
    return [h('div', {}, t('risk_reasons'), ':'), h('ol', { class: 'risk-reasons' }, list.slice(0, 5).map((c) =>
      h('li', { dataset: { id: c.id } }, reason(c),
        c.victims?.truffle_gatherers ? ` (${tn('risk_truffle', c.victims.truffle_gatherers)})` : '',
        c.sub_event_type || c.event_type ? [' · ', eventTypeLabel(c.sub_event_type || c.event_type)] : '',
        c.location_name ? [' · ', h('bdi', { translate: 'no', dir: 'auto' }, c.location_name)] : '',
        c.perpetrator && actorLabel(c.perpetrator) !== c.perpetrator ? [' · ', actorLabel(c.perpetrator)] : '')))];
  }

  function countsTable(counts) {
    const byDays = {};
    for (const n of counts) (byDays[n.days] ||= []).push(n);
    return h('div', { class: 'risk-counts' }, h('div', {}, t('risk_countsTitle')),
      Object.entries(byDays).map(([d, ns]) => h('div', { dataset: { days: d } }, `${tn('risk_days', Number(d))}: `,
        ns.sort((a, b) => a.within_km - b.within_km).map((n) => fmtNumber(n.incidents)).join(' / '))));
  }

  function checkPopup(latlng) {
    return L.popup(popupOptions(map, { maxWidth: 360, className: 'risk-popup' })).setLatLng(latlng)
      .setContent(h('div', { class: 'risk-loading' }, t('risk_checking'))).openOn(map);
  }

  function regionOf(r) {
    return r ? regionName(r) : t('risk_outside');
  }

  async function checkPoint(latlng) {
    const popup = checkPopup(latlng);
    if (!SYRIA.contains(latlng)) {
      popup.setContent(h('div', { class: 'risk-check', dataset: { level: 'not_assessed' } },
        levelBadge('not_assessed', 0), h('p', { class: 'risk-not-assessed' }, t('risk_notAssessed'))));
      return;
    }
    const q = new URLSearchParams(zonesQuery());
    q.set('lon', latlng.lng.toFixed(6));
    q.set('lat', latlng.lat.toFixed(6));
    try {
      const r = await getJSON(`/api/risk/check?${q}`);
      const assessed = r.level !== 'not_assessed';
      popup.setContent(h('div', { class: 'risk-check', dataset: { cell: r.cell.cell, level: r.level, stale: String(Boolean(r.stale)) } },
        h('strong', {}, t('risk_checkTitle', { date: fmtDate(r.date) })), h('br'),
        levelBadge(r.level, r.score),
        assessed ? h('p', { class: 'risk-meaning' }, meaning(r.level, r.model?.thresholds)) : h('p', { class: 'risk-not-assessed' }, t('risk_notAssessed')),
        r.stale ? staleNote(r.date, r.latest_incident) : null,
        h('p', {}, `${t('risk_region')}: `, regionOf(r.region), ' · ', t(r.truffle_season ? 'risk_season' : 'risk_offSeason')),
        assessed ? contributors(r.contributors) : null,
        countsTable(r.counts),
        r.left_out?.incidents ? h('p', { class: 'risk-hint' }, tn('risk_leftOut', r.left_out.incidents)) : null));
    } catch (err) {
      popup.setContent(h('div', { class: 'risk-error' }, err.message));
    }
  }

  async function checkArea(latlngs) {
    const ring = latlngs.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
    ring.push(ring[0]);
    const shape = L.polygon(latlngs, { color: '#333', weight: 2, fill: false, dashArray: '4 4', className: 'risk-area' }).addTo(map);
    const popup = checkPopup(shape.getBounds().getCenter());
    popup.on('remove', () => shape.remove());
    try {
      const res = await fetch(`/api/risk/check?${zonesQuery()}`, {
        method: 'POST', headers: { 'Content-Type': 'application/geo+json', Accept: 'application/json' },
        body: JSON.stringify({ type: 'Polygon', coordinates: [ring] }),
      });
      const r = await res.json();
      if (!res.ok) throw new Error(r.detail || res.statusText);
      const w = r.area_weighted;
      popup.setContent(h('div', { class: 'risk-area-check', dataset: { level: w.level } },
        h('strong', {}, t('risk_areaTitle', { date: fmtDate(r.date) })), h('br'),
        `${t('risk_highest')}: `, r.highest ? levelBadge(r.highest.level, r.highest.score) : '—', h('br'),
        `${t('risk_weighted')}: `, levelBadge(w.level, w.score),
        w.level === 'not_assessed' ? h('p', { class: 'risk-not-assessed' }, t('risk_notAssessed')) : null,
        r.stale ? staleNote(r.date, r.latest_incident) : null,
        h('p', {}, `${fmtNumber(Math.round(r.area_km2))} ${t('km')}² · ${tn('risk_cells', r.cells.length)}`),
        contributors(r.contributors)));
    } catch (err) {
      popup.setContent(h('div', { class: 'risk-error' }, err.message));
    }
  }

  // A small drawing interaction: clicks add corners; a rectangle takes two,
  // a polygon ends on its first corner or a double-click.
  function startDrawing(mode) {
    stopDrawing();
    drawing = { mode, points: [], shape: L.polyline([], { color: '#333', weight: 2, dashArray: '4 4' }).addTo(map) };
    map.doubleClickZoom.disable();
    map.getContainer().classList.add('risk-drawing');
    render();
  }

  function stopDrawing() {
    if (!drawing) return;
    drawing.shape.remove();
    drawing = null;
    map.doubleClickZoom.enable();
    map.getContainer().classList.remove('risk-drawing');
    render();
  }

  function drawClick(latlng) {
    const d = drawing;
    if (d.mode === 'rect') {
      d.points.push(latlng);
      if (d.points.length === 2) {
        const b = L.latLngBounds(d.points);
        stopDrawing();
        checkArea([b.getSouthWest(), b.getSouthEast(), b.getNorthEast(), b.getNorthWest()]);
        return;
      }
    } else {
      const first = d.points[0];
      if (d.points.length >= 3 && map.latLngToContainerPoint(first).distanceTo(map.latLngToContainerPoint(latlng)) < 8) {
        finishPolygon();
        return;
      }
      const prev = d.points[d.points.length - 1];
      if (!prev || !prev.equals(latlng)) d.points.push(latlng);
    }
    d.shape.setLatLngs(d.points);
  }

  function finishPolygon() {
    const pts = drawing.points;
    stopDrawing();
    if (pts.length >= 3) checkArea(pts);
  }

  map.on('click', (e) => {
    if (drawing) drawClick(e.latlng);
    else if (state.on) checkPoint(e.latlng);
  });
  map.on('dblclick', () => {
    if (drawing?.mode === 'poly') finishPolygon();
  });
  map.getContainer().addEventListener('keydown', (e) => {
    if (e.key === 'Escape') stopDrawing();
  });
  onLangChange(render);
  if (state.on) refresh();

  return {
    layer,
    show(on = true) {
      state.on = on;
      changed();
      render();
      return refresh();
    },
    setDate(d) {
      state.date = d;
      changed();
      render();
      return refresh();
    },
    // mapFilterChanged: the map's filter moved; the zones follow it only
    // when the planner chose to count the map's filter.
    mapFilterChanged() {
      render();
      if (state.on && state.filter === 'map') refresh();
    },
    unfold() {
      folded = false;
      render();
    },
    refresh,
    checkPoint,
    checkArea,
    startDrawing,
    // takesClicks: a map click is a risk check or a vertex being drawn.
    takesClicks: () => state.on || drawing !== null,
    render,
  };
}
