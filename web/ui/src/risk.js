// The truffle-picking risk layer: the scored hexagon grid of /api/risk/zones
// with its legend, a check of any clicked point (/api/risk/check), an area
// check of a drawn rectangle or polygon (POST /api/risk/check), and the zones
// as GeoJSON or KML downloads. The model is documented in docs/RISK.md.
import L from './leaflet-global.js';
import { getJSON } from './api.js';
import { h } from './dom.js';
import { fmtNumber, getLang } from './i18n.js';

export const LEVELS = ['low', 'moderate', 'high', 'severe'];
export const LEVEL_COLORS = { low: '#1a9850', moderate: '#fec008', high: '#fd8c24', severe: '#d71a1c' };

const labels = {
  en: {
    title: 'Truffle-picking risk', show: 'Show risk zones', date: 'Reference date', legend: 'Risk level',
    low: 'low', moderate: 'moderate', high: 'high', severe: 'severe', score: 'score',
    rect: 'Check a rectangle', poly: 'Check a polygon', cancel: 'Cancel drawing',
    drawRect: 'Click two opposite corners.', drawPoly: 'Click the corners; click the first one (or double-click) to finish.',
    geojson: 'Zones (GeoJSON)', kml: 'Zones (KML)', clickHint: 'Click the map to check a place.',
    checkTitle: 'Risk here', region: 'Badia region', outside: 'outside the Badia', season: 'in the truffle season',
    offSeason: 'outside the truffle season', reasons: 'Main reasons', km: 'km', killed: 'killed',
    counts: 'Incidents within 10 / 25 / 50 km', days: 'last {d} days', areaTitle: 'Risk over this area',
    highest: 'highest', weighted: 'area-weighted', cells: 'cells', none: 'No incident counts here.', loading: 'Checking…',
  },
  ar: {
    title: 'خطر جمع الكمأة', show: 'عرض مناطق الخطر', date: 'التاريخ المرجعي', legend: 'مستوى الخطر',
    low: 'منخفض', moderate: 'متوسط', high: 'مرتفع', severe: 'شديد', score: 'الدرجة',
    rect: 'فحص مستطيل', poly: 'فحص مضلع', cancel: 'إلغاء الرسم',
    drawRect: 'انقر زاويتين متقابلتين.', drawPoly: 'انقر الزوايا؛ انقر الأولى (أو انقر مرتين) للإنهاء.',
    geojson: 'المناطق (GeoJSON)', kml: 'المناطق (KML)', clickHint: 'انقر على الخريطة لفحص مكان.',
    checkTitle: 'الخطر هنا', region: 'منطقة البادية', outside: 'خارج البادية', season: 'ضمن موسم الكمأة',
    offSeason: 'خارج موسم الكمأة', reasons: 'أهم الأسباب', km: 'كم', killed: 'قتلى',
    counts: 'الحوادث ضمن 10 / 25 / 50 كم', days: 'آخر {d} يوماً', areaTitle: 'الخطر في هذه المنطقة',
    highest: 'الأعلى', weighted: 'المرجّح بالمساحة', cells: 'خلايا', none: 'لا حوادث محسوبة هنا.', loading: 'جارٍ الفحص…',
  },
};

function tr(key) {
  const l = labels[getLang()] || labels.en;
  return l[key] ?? labels.en[key] ?? key;
}

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function lastDayOf(ym) {
  const [y, m] = ym.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

// initRisk adds the risk control to map. filterQuery returns the page's
// filter query; months returns the data's months (YYYY-MM), whose last one
// gives the default date.
export function initRisk(map, filterQuery, months) {
  const pane = map.createPane('risk');
  pane.style.zIndex = 350; // above the region fills, below markers and popups
  const layer = L.geoJSON(null, {
    pane: 'risk',
    style: (f) => ({ color: '#555', weight: 0.3, fillColor: LEVEL_COLORS[f.properties.level], fillOpacity: f.properties.level === 'low' ? 0.08 : 0.45, className: `risk-cell risk-${f.properties.level}` }),
    interactive: false,
  });
  const state = { on: false, date: '', drawing: null, seq: 0 };

  const control = L.control({ position: 'topright' });
  let el;
  control.onAdd = () => {
    el = L.DomUtil.create('div', 'leaflet-control risk-control');
    L.DomEvent.disableClickPropagation(el);
    L.DomEvent.disableScrollPropagation(el);
    render();
    return el;
  };
  control.addTo(map);

  function zonesQuery(extra = {}) {
    const q = new URLSearchParams(filterQuery());
    q.set('date', currentDate());
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return q.toString();
  }

  function currentDate() {
    if (state.date) return state.date;
    const to = new URLSearchParams(filterQuery()).get('to');
    if (to) return to;
    const ms = months();
    if (ms && ms.length) return lastDayOf(ms[ms.length - 1]);
    return new Date().toISOString().slice(0, 10);
  }

  function render() {
    if (!el) return;
    el.replaceChildren();
    el.dir = getLang() === 'ar' ? 'rtl' : 'ltr';
    const box = h('label', { class: 'risk-toggle' });
    const cb = h('input', { type: 'checkbox', id: 'risk-toggle' });
    cb.checked = state.on;
    cb.addEventListener('change', () => { state.on = cb.checked; refresh(); render(); });
    box.append(cb, ' ', tr('show'));
    el.append(h('strong', {}, tr('title')), box);
    if (!state.on) return;
    const date = h('input', { type: 'date', id: 'risk-date', value: currentDate() });
    date.addEventListener('change', () => { state.date = date.value; refresh(); render(); });
    el.append(h('label', { class: 'risk-date' }, tr('date'), ' ', date));
    const legend = h('div', { class: 'risk-legend', id: 'risk-legend' }, h('div', {}, tr('legend')));
    for (const lv of LEVELS) {
      legend.append(h('div', { class: 'risk-legend-row', 'data-level': lv },
        h('span', { class: 'risk-swatch', style: `background:${LEVEL_COLORS[lv]}` }), ' ', tr(lv)));
    }
    el.append(legend, h('div', { class: 'risk-hint' }, tr('clickHint')));
    const rect = h('button', { type: 'button', id: 'risk-draw-rect' }, tr('rect'));
    const poly = h('button', { type: 'button', id: 'risk-draw-poly' }, tr('poly'));
    rect.addEventListener('click', () => startDrawing('rect'));
    poly.addEventListener('click', () => startDrawing('poly'));
    el.append(h('div', { class: 'risk-buttons' }, rect, poly));
    if (state.drawing) {
      const cancel = h('button', { type: 'button', id: 'risk-draw-cancel' }, tr('cancel'));
      cancel.addEventListener('click', stopDrawing);
      el.append(h('div', { class: 'risk-hint' }, tr(state.drawing.mode === 'rect' ? 'drawRect' : 'drawPoly')), cancel);
    }
    el.append(h('div', { class: 'risk-downloads' },
      h('a', { href: `/api/risk/zones.geojson?${zonesQuery()}`, id: 'risk-geojson', download: '' }, tr('geojson')), ' · ',
      h('a', { href: `/api/risk/zones.kml?${zonesQuery()}`, id: 'risk-kml', download: '' }, tr('kml'))));
  }

  async function refresh() {
    const seq = ++state.seq;
    if (!state.on) {
      layer.remove();
      return;
    }
    document.body.dataset.risk = 'loading';
    try {
      const fc = await getJSON(`/api/risk/zones?${zonesQuery()}`);
      if (seq !== state.seq) return;
      layer.clearLayers();
      layer.addData(fc);
      layer.addTo(map);
      document.body.dataset.risk = 'idle';
    } catch (err) {
      document.body.dataset.risk = 'error';
      el?.append(h('div', { class: 'risk-error' }, err.message));
    }
  }

  function contributorsHTML(list) {
    if (!list.length) return `<p>${esc(tr('none'))}</p>`;
    const rows = list.slice(0, 5).map((c) => `<li>${esc(c.date)} · ${esc(c.sub_event_type || c.event_type)} · ${fmtNumber(c.distance_km)} ${esc(tr('km'))} · ${fmtNumber(c.killed)} ${esc(tr('killed'))}${c.victims?.truffle_gatherers ? ` (${fmtNumber(c.victims.truffle_gatherers)} 🍄)` : ''}${c.location_name ? ' · ' + esc(c.location_name) : ''}</li>`);
    return `<div>${esc(tr('reasons'))}:</div><ol class="risk-reasons">${rows.join('')}</ol>`;
  }

  function levelHTML(level, score) {
    return `<span class="risk-level risk-level-${esc(level)}" data-level="${esc(level)}" style="background:${LEVEL_COLORS[level]}">${esc(tr(level))}</span> <span class="risk-score">${esc(tr('score'))} ${fmtNumber(Math.round(score * 100) / 100)}</span>`;
  }

  async function checkPoint(latlng) {
    const popup = L.popup({ maxWidth: 360, className: 'risk-popup' }).setLatLng(latlng).setContent(tr('loading')).openOn(map);
    const q = new URLSearchParams(zonesQuery());
    q.set('lon', latlng.lng.toFixed(6));
    q.set('lat', latlng.lat.toFixed(6));
    try {
      const r = await getJSON(`/api/risk/check?${q}`);
      const region = r.region ? (getLang() === 'ar' ? r.region.name_ar : r.region.name_en) : tr('outside');
      const counts = {};
      for (const n of r.counts) (counts[n.days] ||= []).push(fmtNumber(n.incidents));
      const countRows = Object.entries(counts).map(([d, v]) => `<div>${esc(tr('days').replace('{d}', d))}: ${v.join(' / ')}</div>`).join('');
      popup.setContent(`<div class="risk-check" data-cell="${esc(r.cell.cell)}"><strong>${esc(tr('checkTitle'))} (${esc(r.date)})</strong><br>` +
        `${levelHTML(r.level, r.score)}<br>${esc(tr('region'))}: ${esc(region)} · ${esc(tr(r.truffle_season ? 'season' : 'offSeason'))}` +
        `${contributorsHTML(r.contributors)}<div>${esc(tr('counts'))}</div>${countRows}</div>`);
    } catch (err) {
      popup.setContent(`<div class="risk-error">${esc(err.message)}</div>`);
    }
  }

  async function checkArea(latlngs) {
    const ring = latlngs.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
    ring.push(ring[0]);
    const shape = L.polygon(latlngs, { color: '#333', weight: 2, fill: false, dashArray: '4 4', className: 'risk-area' }).addTo(map);
    const popup = L.popup({ maxWidth: 360, className: 'risk-popup' }).setLatLng(shape.getBounds().getCenter()).setContent(tr('loading')).openOn(map);
    popup.on('remove', () => shape.remove());
    try {
      const res = await fetch(`/api/risk/check?${zonesQuery()}`, {
        method: 'POST', headers: { 'Content-Type': 'application/geo+json', Accept: 'application/json' },
        body: JSON.stringify({ type: 'Polygon', coordinates: [ring] }),
      });
      const r = await res.json();
      if (!res.ok) throw new Error(r.detail || res.statusText);
      popup.setContent(`<div class="risk-area-check"><strong>${esc(tr('areaTitle'))} (${esc(r.date)})</strong><br>` +
        `${esc(tr('highest'))}: ${r.highest ? levelHTML(r.highest.level, r.highest.score) : '-'}<br>` +
        `${esc(tr('weighted'))}: ${levelHTML(r.area_weighted.level, r.area_weighted.score)}<br>` +
        `${fmtNumber(Math.round(r.area_km2))} km² · ${fmtNumber(r.cells.length)} ${esc(tr('cells'))}` +
        `${contributorsHTML(r.contributors)}</div>`);
    } catch (err) {
      popup.setContent(`<div class="risk-error">${esc(err.message)}</div>`);
    }
  }

  // A small drawing interaction: clicks add corners; a rectangle takes two,
  // a polygon ends on its first corner or a double-click.
  function startDrawing(mode) {
    stopDrawing();
    state.drawing = { mode, points: [], shape: L.polyline([], { color: '#333', weight: 2, dashArray: '4 4' }).addTo(map) };
    map.doubleClickZoom.disable();
    map.getContainer().classList.add('risk-drawing');
    render();
  }

  function stopDrawing() {
    if (!state.drawing) return;
    state.drawing.shape.remove();
    state.drawing = null;
    map.doubleClickZoom.enable();
    map.getContainer().classList.remove('risk-drawing');
    render();
  }

  function drawClick(latlng) {
    const d = state.drawing;
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
    const pts = state.drawing.points;
    stopDrawing();
    if (pts.length >= 3) checkArea(pts);
  }

  map.on('click', (e) => {
    if (state.drawing) drawClick(e.latlng);
    else if (state.on) checkPoint(e.latlng);
  });
  map.on('dblclick', () => {
    if (state.drawing?.mode === 'poly') finishPolygon();
  });
  map.getContainer().addEventListener('keydown', (e) => {
    if (e.key === 'Escape') stopDrawing();
  });

  return {
    layer,
    show(on = true) { state.on = on; render(); return refresh(); },
    setDate(d) { state.date = d; render(); return refresh(); },
    refresh,
    checkPoint,
    checkArea,
    startDrawing,
    // takesClicks: a map click is a risk check or a vertex being drawn.
    takesClicks: () => state.on || state.drawing !== null,
    render,
  };
}
