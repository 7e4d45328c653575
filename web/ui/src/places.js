// The places layer: the bundled gazetteer of /api/places (every place UCDP
// locates exactly, the Badia anchor places) drawn as labels of their own,
// with no basemap and no network beyond this server. The server has worked
// out from which zoom each label shows (min_zoom, by importance), so the
// labels thin out as the map zooms out. Arabic names where the data has
// them; elsewhere the English name, marked as such.
import L from './leaflet-global.js';
import { getJSON } from './api.js';
import { h } from './dom.js';
import { getLang, onLangChange } from './i18n.js';

export class PlacesLayer {
  constructor(map) {
    this.map = map;
    this.features = [];
    this.attribution = '';
    this.shown = new Map(); // id -> label element
    this.highlighted = null;
    this.pane = map.createPane('places');
    this.pane.style.zIndex = 420; // above regions and risk cells, below markers
    this.pane.style.pointerEvents = 'none';
    map.on('zoomstart', () => this.pane.classList.add('moving'));
    map.on('zoomend moveend resize', () => {
      this.pane.classList.remove('moving');
      this.update();
    });
    onLangChange(() => {
      for (const el of this.shown.values()) el.remove();
      this.shown.clear();
      this.update();
    });
  }

  // load fetches the gazetteer once; the labels follow the view from then on.
  async load() {
    const fc = await getJSON('/api/places');
    this.features = fc.features || [];
    this.byID = new Map(this.features.map((f) => [f.id, f]));
    this.attribution = fc.attribution || '';
    this.update();
    return this;
  }

  counts() {
    return { n: this.features.length, ar: this.features.filter((f) => f.properties.name_ar).length };
  }

  name(p) {
    return getLang() === 'ar' && p.name_ar ? p.name_ar : p.name_en;
  }

  label(f) {
    const p = f.properties;
    const untranslated = getLang() === 'ar' && !p.name_ar;
    const size = p.importance >= 200 ? 'l' : p.importance >= 40 ? 'm' : 's';
    return h('div', {
      class: `place-label place-${p.kind} place-${size}${p.badia_anchor ? ' place-anchor' : ''}`,
      dataset: { id: f.id, minZoom: p.min_zoom },
      translate: untranslated ? 'no' : undefined,
      lang: untranslated ? 'en' : undefined,
    }, h('span', { class: 'place-dot', 'aria-hidden': 'true' }), h('span', { class: 'place-name' }, this.name(p)));
  }

  // update shows the labels of the view at this zoom, and the highlighted
  // place whatever its zoom.
  update() {
    if (!this.features.length) return;
    const z = this.map.getZoom();
    const view = this.map.getBounds().pad(0.1);
    const want = new Set();
    for (const f of this.features) {
      const p = f.properties;
      if (p.min_zoom > z && f.id !== this.highlighted) continue;
      const [lon, lat] = f.geometry.coordinates;
      if (!view.contains([lat, lon])) continue;
      want.add(f.id);
    }
    for (const [id, el] of this.shown) {
      if (!want.has(id)) {
        el.remove();
        this.shown.delete(id);
      }
    }
    for (const id of want) {
      const f = this.byID.get(id);
      let el = this.shown.get(id);
      if (!el) {
        el = this.label(f);
        this.shown.set(id, el);
        this.pane.append(el);
      }
      el.classList.toggle('place-highlight', id === this.highlighted);
      const [lon, lat] = f.geometry.coordinates;
      L.DomUtil.setPosition(el, this.map.latLngToLayerPoint([lat, lon]));
    }
    this.pane.dataset.count = String(this.shown.size);
  }

  // highlight marks place id (a search result) and keeps its label shown.
  highlight(id) {
    this.highlighted = this.byID?.has(id) ? id : null;
    this.update();
  }
}
