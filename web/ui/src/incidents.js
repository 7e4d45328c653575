// The incident layer: clustered markers built from GeoJSON when the result is
// small, Mapbox vector tiles (leaflet.vectorgrid) when it is large and the
// server has tiles. Both show the same filter's incidents.
import L from './leaflet-global.js';
import 'leaflet.markercluster';
import 'leaflet.vectorgrid';
import { DRAWN_PRECISION } from './api.js';
import { h, popupOptions } from './dom.js';
import { actorLabel, eventTypeLabel, fmtDate, fmtNumber, getLang, t, tn, translated } from './i18n.js';
import { GROUPS } from './regions.js';

// leaflet.vectorgrid 1.3 calls L.DomEvent.fakeStop on every pointer event over
// a drawn feature, and Leaflet 1.8 removed it: restore Leaflet 1.7's version.
if (typeof L.DomEvent.fakeStop !== 'function') {
  L.DomEvent.fakeStop = (e) => {
    e._stopped = true;
  };
}

// Its points are CircleMarkers with a pixel position and no latlng, which
// Leaflet 1.9 reads from a clicked CircleMarker: give them theirs first.
const fireTileEvent = L.Canvas.Tile.prototype._fireEvent;
L.Canvas.Tile.prototype._fireEvent = function fireWithLatLng(layers, e, type) {
  for (const layer of layers || []) {
    if (layer._point && !layer._latlng && this._map) {
      layer._latlng = this._map.layerPointToLatLng(layer._point.add(this.getOffset()));
    }
  }
  return fireTileEvent.call(this, layers, e, type);
};

// The MVT layers inside an incident tile (geo/tile.go).
const MVT_INCIDENTS = 'incidents';
const MVT_CLUSTERS = 'clusters';
const MVT_TILE_INFO = 'tile_info';
const TILE_PANE = 'incidentTiles';

// Up to this many incidents are fetched and clustered; more go to tiles when
// the server has them.
export const MARKER_LIMIT = 5000;

// Colours of the ACLED event types; anything else is grey.
export const EVENT_COLORS = {
  Battles: '#1f5fa8',
  'Explosions/Remote violence': '#d7301f',
  'Violence against civilians': '#7b3294',
  'Strategic developments': '#2b8a3e',
  Protests: '#e6a100',
  Riots: '#a35f00',
};
export const OTHER_COLOR = '#555';

export function eventColor(type) {
  return EVENT_COLORS[type] || OTHER_COLOR;
}

function killedOf(p) {
  if (typeof p.killed === 'number') return p.killed;
  return ['military', 'isis', 'other_armed', 'civilians', 'unknown'].reduce((s, g) => s + (p[g] || 0), 0);
}

function sourcesOf(p) {
  let s = p.sources;
  if (typeof s === 'string') {
    try {
      s = JSON.parse(s);
    } catch {
      return s ? [{ name: s }] : [];
    }
  }
  return Array.isArray(s) ? s : [];
}

function safeURL(u) {
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

// placeOf names where an incident happened for its marker's label: its
// location name, or in Arabic, when that name is not Arabic, its region's
// (set by the page, which holds the regions).
export const naming = { region: () => '', governorate: () => '' };

// popupExtras.actions(p) answers what an incident's popup offers beside
// its facts (history, edit, retract: editor.js), or null.
export const popupExtras = { actions: () => null };
const ARABIC = /[\u0600-\u06FF]/;
function placeOf(p) {
  if (getLang() === 'ar' && !ARABIC.test(p.location_name || '')) return naming.region(p) || t('incident');
  return p.location_name || t('incident');
}

function incidentLabel(p) {
  return `${placeOf(p)}${t('comma')}${fmtDate(p.date_start)}: ${eventTypeLabel(p.event_type || '')}${t('comma')}` +
    `${tn('killedN', killedOf(p))}`;
}

// value shows a data value in the page's language when the catalogue has it,
// else as the data gives it, marked so (translate="no", its own direction).
function value(v, label = eventTypeLabel) {
  const shown = label(v);
  return translated(v) ? h('bdi', {}, shown) : h('bdi', { translate: 'no', dir: 'auto' }, shown);
}

// locatedOf is the class of an incident's location precision
// (geo/precision.go): point, district, governorate or country.
export function locatedOf(p) {
  const gp = Number(p.geo_precision) || 1;
  if (gp <= 2) return 'point';
  if (gp === 3) return 'district';
  if (gp <= 5) return 'governorate';
  return 'country';
}

// drawable says whether a map draws the incident: located at least to a district.
export function drawable(p) {
  return (Number(p.geo_precision) || 1) <= DRAWN_PRECISION;
}

// countedIn says in words which governorate an incident is counted in and
// why (its join_basis).
function countedIn(p) {
  const basis = p.join_basis || (p.governorate ? 'point' : 'none');
  const gov = naming.governorate(p.governorate) || p.governorate || t('noGovernorate');
  return t('basis_' + basis, { gov });
}

// incidentPopup shows one incident's date and precision, place, type,
// casualties by group, sources as links and notes, how precisely it is
// located and what it is counted in, and whether it is illustrative.
export function incidentPopup(p) {
  const dp = p.date_precision ? ` (${t('precision')}: ${t('dp_' + p.date_precision)})` : '';
  const gp = p.geo_precision ? ` (${t('precision')}: ${t('gp_' + p.geo_precision)})` : '';
  const date = p.date_end && p.date_end !== p.date_start
    ? `${fmtDate(p.date_start)} – ${fmtDate(p.date_end)}` : fmtDate(p.date_start);
  const groups = GROUPS.filter((g) => p[g] > 0);
  const sources = sourcesOf(p);
  // Data text (names, notes) may be in another script than the page: <bdi>
  // and dir="auto" keep its punctuation in place inside either direction.
  const data = (text) => h('bdi', { translate: 'no', dir: 'auto' }, text);
  const type = [p.event_type, p.sub_event_type].filter(Boolean);
  const located = locatedOf(p);
  const illustrative = p.illustrative === true || p.illustrative === 'true';
  return h('div', { class: 'popup incident-popup', dataset: { id: p.id ?? '' } },
    illustrative ? h('p', { class: 'badge illustrative', title: t('illustrativeTitle') }, t('illustrative')) : null,
    p.draft ? h('p', { class: 'badge draft' }, t('draftBadge')) : null,
    h('h3', { dir: 'auto', translate: 'no' }, p.location_name || t('incident')),
    h('dl', {},
      h('dt', {}, t('date')), h('dd', { class: 'incident-date' }, date, dp),
      h('dt', {}, t('place')), h('dd', {}, p.location_name ? data(p.location_name) : '—', gp),
      h('dt', {}, t('located')), h('dd', { class: 'located', dataset: { located } }, t('located_' + located)),
      h('dt', {}, t('countedIn')), h('dd', { class: 'join-basis', dataset: { basis: p.join_basis || '' } }, countedIn(p)),
      type.length ? [h('dt', {}, t('type')), h('dd', {}, type.map((x, i) => [i ? ' · ' : '', value(x)]))] : null,
      p.perpetrator ? [h('dt', {}, t('perpetrator')), h('dd', {}, value(p.perpetrator, actorLabel))] : null,
      p.target ? [h('dt', {}, t('target')), h('dd', {}, value(p.target, actorLabel))] : null,
      h('dt', {}, t('casualties')),
      h('dd', {},
        groups.length === 0 && killedOf(p) === 0 ? t('noCasualties') : h('ul', { class: 'casualties' },
          h('li', { dataset: { group: 'killed', value: killedOf(p) } }, `${t('m_killed')}: ${fmtNumber(killedOf(p))}`),
          groups.map((g) => h('li', { dataset: { group: g, value: p[g] } }, `${t('m_' + g)}: ${fmtNumber(p[g])}`)))),
      sources.length ? [h('dt', {}, t('sources')), h('dd', {}, h('ul', { class: 'sources' },
        sources.map((s) => {
          const url = s.url && safeURL(s.url);
          const text = [s.name, s.headline].filter(Boolean).join(': ') || s.url;
          return h('li', {}, url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', dir: 'auto', translate: 'no' }, text) : data(text),
            s.date ? ` (${fmtDate(s.date)})` : '');
        })))] : null,
      p.notes ? [h('dt', {}, t('notes')), h('dd', { class: 'notes', dir: 'auto', translate: 'no' }, p.notes)] : null),
    popupExtras.actions(p));
}

// markerIcon is a dot coloured by event type, sized by the killed; an
// incident located to a district only gets a dashed ring around it.
function markerIcon(p) {
  const killed = killedOf(p);
  const size = killed >= 20 ? 22 : killed >= 5 ? 18 : 14;
  const ring = locatedOf(p) === 'district';
  return L.divIcon({
    className: ring ? 'incident-icon ring' : 'incident-icon',
    html: `<span style="background:${eventColor(p.event_type)}"></span>`,
    iconSize: ring ? [size + RING_PX, size + RING_PX] : [size, size],
  });
}
// The ring's width beside the dot, in pixels.
const RING_PX = 18;

export class IncidentLayer {
  constructor(map) {
    this.map = map;
    this.mode = 'markers';
    this.cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      iconCreateFunction: (c) => {
        const n = c.getChildCount();
        const size = n < 10 ? 'small' : n < 100 ? 'medium' : 'large';
        return L.divIcon({
          html: `<div><span aria-hidden="true">${fmtNumber(n)}</span><span class="visually-hidden">${tn('clusterLabel', n)}</span></div>`,
          className: `marker-cluster marker-cluster-${size}`,
          iconSize: L.point(40, 40),
        });
      },
    });
    // Enter on a focused cluster does what a click does: zoom in, or spread
    // the markers out when they share one spot.
    this.cluster.on('clusterkeypress', (e) => {
      if (e.originalEvent.keyCode !== 13) return;
      const c = e.layer;
      if (map.getZoom() >= map.getMaxZoom() || c.getBounds().getNorthEast().equals(c.getBounds().getSouthWest())) c.spiderfy();
      else c.zoomToBounds({ padding: [20, 20] });
    });
    this.tiles = null;
    this.count = 0;
    this.undrawn = 0; // incidents of the markers' pages located too coarsely to draw
  }

  // relabel gives every marker its label in the page's language.
  relabel() {
    for (const m of this.cluster.getLayers()) {
      const label = incidentLabel(m.feature.properties);
      m.options.title = label;
      const el = m.getElement();
      if (el) {
        el.title = label;
        el.setAttribute('aria-label', label);
      }
    }
  }

  clear() {
    this.cluster.clearLayers();
    this.count = 0;
    this.undrawn = 0;
    if (this.tiles) {
      this.tiles.remove();
      this.tiles = null;
    }
  }

  // showMarkers starts a fresh marker set; addFeatures adds a page of it.
  showMarkers() {
    this.clear();
    this.mode = 'markers';
    if (!this.map.hasLayer(this.cluster)) this.cluster.addTo(this.map);
  }

  addFeatures(features) {
    const markers = [];
    for (const f of features) {
      const p = { ...f.properties, id: f.id ?? f.properties?.id };
      if (!f.geometry || f.geometry.type !== 'Point' || !drawable(p)) {
        this.undrawn++;
        continue;
      }
      const [lon, lat] = f.geometry.coordinates;
      const m = L.marker([lat, lon], { icon: markerIcon(p), keyboard: true, title: incidentLabel(p) });
      m.feature = { properties: p };
      // Options are worked out when the popup opens: the map may have
      // changed size (a phone turned, the panel folded) since.
      const open = () => L.popup(popupOptions(this.map, { maxWidth: 320, offset: [0, -4] })).setLatLng(m.getLatLng())
        .setContent(incidentPopup(p)).openOn(this.map);
      m.on('click', open);
      // Enter on a focused marker, as Leaflet's own popups do.
      m.on('keypress', (e) => { if (e.originalEvent.keyCode === 13) open(); });
      m.on('add', () => {
        const el = m.getElement();
        if (el) {
          el.setAttribute('aria-label', incidentLabel(p));
          el.dataset.id = p.id ?? '';
        }
      });
      markers.push(m);
    }
    this.cluster.addLayers(markers);
    this.count += markers.length;
  }

  // showTiles draws the incidents of filter query fq as vector tiles
  // described by tileJSON: clusters below the server's cluster zoom, one point
  // per incident above it. A click on an incident fetches its full
  // properties; a click on a cluster zooms in on it.
  showTiles(tj, fq, fetchIncident) {
    this.clear();
    this.mode = 'tiles';
    if (this.map.hasLayer(this.cluster)) this.cluster.remove();
    // TileJSON's URL carries the filter TileJSON was asked with: put this
    // view's filter in its place.
    const template = ((tj.tiles && tj.tiles[0]) || '/tiles/incidents/{z}/{x}/{y}.mvt').split('?')[0];
    const url = fq ? `${template}?${fq}` : template;
    const clusterMax = tj.vector_layers?.find((l) => l.id === MVT_CLUSTERS)?.maxzoom ?? -1;
    // Above the region polygons (overlayPane), as markers are, or those
    // would take every click meant for a tile-drawn incident.
    if (!this.map.getPane(TILE_PANE)) {
      const pane = this.map.createPane(TILE_PANE);
      pane.style.zIndex = 450;
      // Leaflet keeps a tile canvas's clicks from the map: one that hits no
      // incident is passed on as the map's own click (for the region
      // beneath it, or the risk check).
      L.DomEvent.on(pane, 'click', (ev) => {
        if (ev === this.featureClick || this.map.dragging?.moved()) return;
        this.map.fire('click', {
          originalEvent: ev, latlng: this.map.mouseEventToLatLng(ev),
          layerPoint: this.map.mouseEventToLayerPoint(ev), containerPoint: this.map.mouseEventToContainerPoint(ev),
        });
      });
    }
    this.tiles = L.vectorGrid.protobuf(url, {
      pane: TILE_PANE,
      rendererFactory: L.canvas.tile,
      interactive: true,
      maxNativeZoom: tj.maxzoom ?? 14,
      // The symbolizer a click reports keeps only the properties, so the
      // feature id (the incident id, or the cluster cell) is copied there.
      getFeatureId: (f) => {
        f.properties.id = f.id;
        return f.id;
      },
      vectorTileLayerStyles: {
        [MVT_INCIDENTS]: (p) => {
          const dot = {
            radius: killedOf(p) >= 5 ? 6 : 4, fill: true, fillOpacity: 0.85, weight: 1, color: '#fff',
            fillColor: eventColor(p.event_type),
          };
          if (locatedOf(p) !== 'district') return dot;
          return [{ radius: dot.radius + RING_PX / 2, fill: false, weight: 1.5, color: '#3d2f22', dashArray: '3 3' }, dot];
        },
        [MVT_CLUSTERS]: (p) => ({
          radius: p.count >= 100 ? 12 : p.count >= 10 ? 9 : 6, fill: true, fillOpacity: 0.7, weight: 1.5,
          color: '#fff', fillColor: '#b2432f',
        }),
        // What the tile holds (points plus clusters add up to the matches): not drawn.
        [MVT_TILE_INFO]: [],
      },
    });
    this.tiles.on('click', async (e) => {
      const p = e.layer?.properties;
      if (!p || p.id === undefined) return;
      // The click is this feature's: the map's click handlers (the region
      // beneath, the risk check) do not see it.
      this.featureClick = e.originalEvent;
      L.DomEvent.stopPropagation(e);
      if (typeof p.count === 'number') {
        // A cluster: zoom in towards it, past the cluster zoom at most.
        this.map.setView(e.latlng, Math.min(Math.max(this.map.getZoom() + 2, 0), clusterMax + 1));
        return;
      }
      try {
        const f = await fetchIncident(p.id);
        L.popup(popupOptions(this.map, { maxWidth: 320 })).setLatLng(e.latlng)
          .setContent(incidentPopup({ ...f.properties, id: f.id ?? p.id })).openOn(this.map);
      } catch (err) {
        if (err.name === 'AbortError') return;
        L.popup(popupOptions(this.map)).setLatLng(e.latlng).setContent(t('errorLoad', { msg: err.message })).openOn(this.map);
      }
    });
    this.tiles.addTo(this.map);
  }
}
