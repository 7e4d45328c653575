// The region layers: governorates and Badia regions drawn from /api/regions
// (so the map needs no basemap), one of them coloured by the chosen measure,
// with its legend classes and popups of the region's totals.
import L from './leaflet-global.js';
import { h, popupOptions } from './dom.js';
import { fmtDate, fmtNumber, regionName, t, tn } from './i18n.js';

// Class 0 is "none"; classes 1..5 rise from light to dark (a sequential
// yellow-orange-red ramp, readable by most colour-blind viewers).
export const CLASS_COLORS = ['#f4f1ea', '#fee8a8', '#fdb863', '#f07b3f', '#c93b2b', '#7a1a1a'];

// The casualty groups a region's totals carry, in the order popups list them.
export const GROUPS = ['military', 'militia', 'isis', 'other_armed', 'civilians', 'children', 'women',
  'truffle_gatherers', 'unknown', 'injured', 'abducted'];

// measureValue reads measure m out of a region's properties, flat
// (props.killed) or nested under casualties/totals.
export function measureValue(props, m) {
  for (const obj of [props, props.totals, props.casualties, props.totals?.casualties]) {
    if (obj && typeof obj[m] === 'number') return obj[m];
  }
  return 0;
}

function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

// The lower bounds of classes 1..5 when the classes are fixed: the same in
// every view, so two views (two filters, two periods) can be compared.
export const FIXED_BREAKS = [1, 10, 50, 250, 1000];

// classify splits 1..max into at most five equal classes of round width
// (mode 'adaptive'), or takes the fixed breaks (mode 'fixed'); 0 stays a
// class of its own so "none" is never coloured like "a few".
export function classify(values, mode = 'adaptive') {
  if (mode === 'fixed') return { fixed: true, breaks: FIXED_BREAKS, count: FIXED_BREAKS.length };
  const max = Math.max(0, ...values);
  if (max === 0) return { step: 1, count: 0 };
  const step = max <= 5 ? 1 : niceStep(max / 5);
  return { step, count: Math.ceil(max / step) };
}

export function classOf(v, cls) {
  if (!v || v <= 0) return 0;
  if (cls.fixed) return cls.breaks.filter((b) => v >= b).length;
  return Math.min(Math.ceil(v / cls.step), cls.count);
}

export function classColor(i, cls) {
  if (i === 0) return CLASS_COLORS[0];
  if (cls.fixed) return CLASS_COLORS[i];
  // Spread the classes used over the whole ramp.
  const idx = cls.count <= 1 ? 5 : Math.round(1 + ((i - 1) * 4) / (cls.count - 1));
  return CLASS_COLORS[idx];
}

export function classLabel(i, cls) {
  if (i === 0) return fmtNumber(0);
  if (cls.fixed) {
    const lo = cls.breaks[i - 1];
    const next = cls.breaks[i];
    if (next === undefined) return `≥ ${fmtNumber(lo)}`;
    return next - 1 === lo ? fmtNumber(lo) : `${fmtNumber(lo)}–${fmtNumber(next - 1)}`;
  }
  const lo = (i - 1) * cls.step + 1;
  const hi = i * cls.step;
  return lo === hi ? fmtNumber(lo) : `${fmtNumber(lo)}–${fmtNumber(hi)}`;
}

// The lines of a region's totals (web/lines.go), by how precisely the
// incidents are located: a governorate holds point, district and
// governorate lines; a Badia region its points, and beside them its
// governorate's incidents located too coarsely to place in or out of it.
const REGION_LINES = { governorate: ['point', 'district', 'governorate'], badia: ['point', 'left_out'] };

// linesList says how a region's incidents are located, line by line, in words.
function linesList(props, nameOf) {
  const lines = props.lines || {};
  const names = (REGION_LINES[props.kind] || []).filter((l) => lines[l]?.operations > 0);
  if (!names.length) return null;
  return [h('p', { class: 'popup-sub' }, t('howCounted')),
    h('dl', { class: 'region-lines' }, names.map((l) => {
      const v = lines[l];
      const label = l === 'left_out' ? t('line_left_out', { gov: nameOf(props.parent) || props.parent || '' }) : t('line_' + l);
      return [h('dt', {}, label), h('dd', { dataset: { line: l, value: v.operations, killed: v.killed } },
        `${tn('lineIncidents', v.operations)} · ${tn('killedN', v.killed)}`)];
    }))];
}

// regionPopup lists a region's totals for the current filter and how
// precisely its incidents are located; nameOf names a governorate by code.
export function regionPopup(props, nameOf = () => '') {
  const rows = [['m_operations', measureValue(props, 'operations')], ['m_killed', measureValue(props, 'killed')],
    ...GROUPS.map((g) => [`m_${g}`, measureValue(props, g)]).filter(([, v]) => v > 0)];
  const first = props.first_date || props.totals?.first_date;
  const last = props.last_date || props.totals?.last_date;
  return h('div', { class: 'popup region-popup', dataset: { code: props.code } },
    h('h3', {}, regionName(props)),
    h('p', { class: 'popup-sub' }, t('regionTotals')),
    h('dl', {},
      rows.map(([k, v]) => [h('dt', {}, t(k)), h('dd', { dataset: { measure: k.slice(2), value: v } }, fmtNumber(v))]),
      first ? [h('dt', {}, t('firstDate')), h('dd', {}, fmtDate(first))] : null,
      last ? [h('dt', {}, t('lastDate')), h('dd', {}, fmtDate(last))] : null),
    linesList(props, nameOf));
}

// RegionLayers draws the governorates beneath the Badia regions; the kind
// being coloured is interactive, the other only outlines.
export class RegionLayers {
  // takesClicks: () => true while another layer (the risk check) owns the
  // map's clicks; a region then opens no popup.
  // nameOf names a governorate by its code (for the popups' lines).
  constructor(map, takesClicks = () => false, nameOf = () => '') {
    this.map = map;
    this.takesClicks = takesClicks;
    this.nameOf = nameOf;
    this.pane = map.createPane('regions');
    this.pane.style.zIndex = 350; // above tiles, below markers and popups
    this.layers = { governorate: null, badia: null };
    this.byCode = new Map();
  }

  // draw replaces both layers. data: {governorate: FeatureCollection, badia:
  // FeatureCollection}; choro: the kind coloured; measure; cls: classify().
  // attribution: HTML credit line for the region layers.
  draw(data, choro, measure, cls, attribution) {
    for (const l of Object.values(this.layers)) if (l) l.remove();
    this.byCode.clear();
    for (const kind of ['governorate', 'badia']) {
      const coloured = kind === choro;
      const layer = L.geoJSON(data[kind], {
        pane: 'regions',
        interactive: coloured,
        attribution: kind === 'governorate' ? attribution : undefined,
        style: (f) => {
          if (!coloured) {
            return kind === 'badia'
              ? { color: '#6b4f2a', weight: 1.5, dashArray: '4 3', fill: false }
              : { color: '#8a8170', weight: 1, fillColor: '#e9e4d8', fillOpacity: 0.6 };
          }
          const c = classOf(measureValue(f.properties, measure), cls);
          return { color: kind === 'badia' ? '#6b4f2a' : '#5d564a', weight: kind === 'badia' ? 1.5 : 1,
            fillColor: classColor(c, cls), fillOpacity: 0.75 };
        },
        onEachFeature: (f, l) => {
          if (coloured) {
            l.on('click', (e) => {
              if (!this.takesClicks()) this.popup(l, e.latlng);
            });
            this.byCode.set(f.properties.code, l);
            l.on('mouseover', () => l.setStyle({ weight: 3 }));
            l.on('mouseout', () => l.setStyle({ weight: kind === 'badia' ? 1.5 : 1 }));
          }
          l.on('add', () => {
            const el = l.getElement();
            if (!el) return;
            el.classList.add('region', `region-${kind}`);
            el.dataset.code = f.properties.code;
            el.dataset.kind = kind;
            if (coloured) {
              const v = measureValue(f.properties, measure);
              el.dataset.value = v;
              el.dataset.class = classOf(v, cls);
            }
          });
        },
      });
      layer.addTo(this.map);
      this.layers[kind] = layer;
    }
    // Badia outlines stay visible on top of a governorate choropleth.
    this.layers.badia.bringToFront();
  }

  // popup opens layer's totals at latlng.
  popup(l, latlng) {
    L.popup(popupOptions(this.map, { maxWidth: 300 })).setLatLng(latlng)
      .setContent(regionPopup(l.feature.properties, this.nameOf)).openOn(this.map);
  }

  bounds(kind) {
    const l = this.layers[kind];
    return l && l.getBounds().isValid() ? l.getBounds() : null;
  }

  // openAt opens the popup of the coloured region under latlng, if any: in
  // vector-tile mode the incident tiles lie above the regions and take every
  // click, so the map passes on the clicks that hit no incident.
  openAt(latlng) {
    for (const l of this.byCode.values()) {
      if (l.getBounds().contains(latlng) && geometryContains(l.feature.geometry, latlng.lng, latlng.lat)) {
        this.popup(l, latlng);
        return true;
      }
    }
    return false;
  }

  // open zooms to a coloured region and opens its popup (used from the table).
  open(code) {
    const l = this.byCode.get(code);
    if (!l) return;
    this.map.fitBounds(l.getBounds(), { maxZoom: 9 });
    this.popup(l, l.getBounds().getCenter());
  }
}

// geometryContains reports whether a GeoJSON Polygon or MultiPolygon holds
// the point lon, lat (even-odd rule over every ring, so holes are out).
function geometryContains(g, lon, lat) {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  let inside = false;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}
