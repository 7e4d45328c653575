// The badiamap web map: a filter panel with chips of the active filters,
// region choropleth, clustered incidents, place labels, a search box, a
// timeline with a brush, a legend and a table of counts, the risk and
// reports panels, all driven by one filter that lives in the page URL, in
// English or Arabic.
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';
import './app.css';
import L from './leaflet-global.js';
import * as api from './api.js';
import { h, popupOptions } from './dom.js';
import {
  applyLabels, dir, eventTypeLabel, fmtDate, fmtNumber, onLangChange, regionName, setLang, t, tn,
} from './i18n.js';
import { EVENT_COLORS, IncidentLayer, incidentPopup, MARKER_LIMIT, naming, OTHER_COLOR } from './incidents.js';
import { PlacesLayer } from './places.js';
import { classColor, classify, classLabel, measureValue, RegionLayers } from './regions.js';
import { initEditor } from './editor.js';
import { initReports } from './reports.js';
import { initRisk } from './risk.js';
import { initSearch } from './search.js';
import {
  filterQuery, FILTER_PARAMS, LIST_PARAMS, MEASURES, pageURL, parseLocation, VICTIMS, withoutDates,
} from './state.js';
import { Timeline } from './timeline.js';
import { imageName, mapImage, printView, saveBlob, share, watchPrint } from './viewtools.js';

// Syria, for the first view before any region has loaded.
const SYRIA = L.latLngBounds([32.3, 35.6], [37.4, 42.4]);
const PAGE_SIZE = 1000;
const PHONE = window.matchMedia('(max-width: 760px)');
// A click on a checkbox or a list is drawn at once; typing a date waits for
// the next key.
const DEBOUNCE_MS = { discrete: 30, typing: 300 };

const $ = (id) => document.getElementById(id);

const st = parseLocation(location);
// tiles=off in the page URL keeps the map on markers whatever the size.
const tilesAllowed = new URLSearchParams(location.search).get('tiles') !== 'off';

// What the last load brought, so a language or measure change redraws
// without asking the server again.
// undrawn: incidents of the filter located too coarsely to draw;
// illustrative: how many of the filter's incidents are illustrative.
const data = {
  governorate: null, badia: null, matched: 0, undrawn: 0, illustrative: 0, eventTypes: [], sources: [], presentTypes: [],
  credits: [], total: null, span: null, timeline: { key: null, rows: [] },
};
let loadController = null;
let loadSeq = 0;
// A message about the filter itself (a value left out), shown until the next change.
let notice = '';

// ---- map ----------------------------------------------------------------

const map = L.map('map', { zoomControl: false, minZoom: 4, maxZoom: 18, preferCanvas: false });
map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener" translate="no">Leaflet</a>');
const zoom = L.control.zoom({ zoomInTitle: t('zoomIn'), zoomOutTitle: t('zoomOut') }).addTo(map);

// Leaflet's scale bar in the page's units and digits.
const Scale = L.Control.Scale.extend({
  _updateMetric(maxMeters) {
    const meters = this._getRoundNum(maxMeters);
    const label = meters < 1000 ? `${fmtNumber(meters)} ${t('m')}` : `${fmtNumber(meters / 1000)} ${t('km')}`;
    this._updateScale(this._mScale, label, meters / maxMeters);
  },
});
const scale = new Scale({ imperial: false }).addTo(map);
// Escape closes a popup wherever the focus is (Leaflet's own handler needs
// the map focused): one opened from the region table or the search too.
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !e.defaultPrevented) map.closePopup();
});
if (st.view) map.setView([st.view.lat, st.view.lon], st.view.z);
else map.fitBounds(SYRIA);

const osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
  maxZoom: 19,
  crossOrigin: 'anonymous', // so "Download image" can draw its tiles
  attribution: '&copy; <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener" translate="no">OpenStreetMap</a>',
});
function applyBasemap() {
  if (st.basemap) osm.addTo(map);
  else osm.remove();
  $('basemap').checked = st.basemap;
}

let risk = null;
let editor = null;
// Whether another layer owns the map's clicks: the risk check, or placing a new incident.
const clicksTaken = () => (risk?.takesClicks() ?? false) || (editor?.takesClicks() ?? false);
const findRegion = (kind, code) => data[kind]?.features.find((f) => f.properties.code === code)?.properties;
const governorateName = (code) => regionName(findRegion('governorate', code));
const regionLayers = new RegionLayers(map, clicksTaken, governorateName);
const incidents = new IncidentLayer(map);
const places = new PlacesLayer(map);
naming.region = (p) => regionName(findRegion('badia', p.region) || findRegion('governorate', p.governorate));
naming.governorate = governorateName;

// A button beside the zoom buttons: show every incident of the filter.
const fitControl = L.control({ position: 'topleft' });
fitControl.onAdd = () => {
  const bar = L.DomUtil.create('div', 'leaflet-bar fit-control');
  const btn = L.DomUtil.create('button', '', bar);
  btn.type = 'button';
  btn.id = 'fit-results';
  btn.innerHTML = '<span aria-hidden="true">⤢</span>';
  btn.dataset.i18nLabel = 'fitResults';
  btn.dataset.i18nTitle = 'fitResults';
  L.DomEvent.disableClickPropagation(bar);
  L.DomEvent.on(btn, 'click', fitResults);
  return bar;
};
fitControl.addTo(map);

function fitResults() {
  let b = incidents.mode === 'markers' && incidents.count > 0 ? incidents.cluster.getBounds() : null;
  if (!b || !b.isValid()) b = regionLayers.bounds(st.choro) || SYRIA;
  map.fitBounds(b, { padding: [30, 30], maxZoom: 11 });
}

// The legend folds to its title (folded at first on a phone).
let legendFolded = PHONE.matches;
const legend = L.control({ position: 'bottomright' });
legend.onAdd = () => {
  const div = L.DomUtil.create('div', 'legend');
  div.id = 'legend';
  L.DomEvent.disableClickPropagation(div);
  // Its toggle is re-rendered on click: keep that click from the map (risk.js).
  L.DomEvent.on(div, 'click', L.DomEvent.stopPropagation);
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
legend.addTo(map);

// data-moving says the map is being moved (a fly, a pan): the tests wait on it.
map.on('movestart', () => { document.body.dataset.moving = 'true'; });
map.on('moveend', () => {
  document.body.dataset.moving = 'false';
  const c = map.getCenter();
  st.view = { z: map.getZoom(), lat: c.lat, lon: c.lng };
  syncURL();
});
// Leaflet labels a popup's close button in English.
map.on('popupopen', (e) => e.popup.getElement()?.querySelector('.leaflet-popup-close-button')?.setAttribute('aria-label', t('closePopup')));
watchPrint(map);

// ---- URL ----------------------------------------------------------------

function currentURL() {
  return pageURL(st, location.pathname);
}

function syncURL() {
  const url = currentURL();
  if (url !== location.pathname + location.search + location.hash) history.replaceState(null, '', url);
}

// ---- panel ----------------------------------------------------------------

// fillSelect fills a list with [value, label, attrs] options.
function fillSelect(sel, options, value) {
  sel.replaceChildren(...options.map(([v, label, attrs]) => h('option', { value: v, ...attrs }, label)));
  sel.value = value ?? '';
}

function renderChecklist(container, name, fc) {
  const chosen = new Set(st.filter[name] || []);
  const features = [...(fc?.features || [])].sort((a, b) =>
    regionName(a.properties).localeCompare(regionName(b.properties), document.documentElement.lang));
  container.replaceChildren(...features.map((f) => {
    const code = f.properties.code;
    const id = `${name}-${code}`;
    return h('div', { class: 'check' },
      h('input', { type: 'checkbox', id, name, value: code, checked: chosen.has(code) }),
      h('label', { for: id }, regionName(f.properties)));
  }));
}

function renderPanel() {
  renderChecklist($('governorate-list'), 'governorate', data.governorate);
  renderChecklist($('region-list'), 'region', data.badia);
  const et = st.filter.event_type || [];
  fillSelect($('event-type'), [['', t('any')], ...data.eventTypes.map((e) => [e, eventTypeLabel(e)])], et[0] || '');
  const vi = st.filter.victim || [];
  fillSelect($('victim'), [['', t('any')], ...VICTIMS.map((v) => [v, t('v_' + v)])], vi[0] || '');
  fillSelect($('source'), [['', t('any')], ...sourceOptions()], st.filter.source?.[0] || '');
  fillSelect($('measure'), MEASURES.map((m) => [m, t('m_' + m)]), st.measure);
  $('choro').value = st.choro;
  $('classes').value = st.classes;
  $('from').value = st.filter.from || '';
  $('to').value = st.filter.to || '';
  applyBasemap();
  renderChips();
}

// The sources the source list offers: the most cited, and the one chosen.
const SOURCE_OPTIONS = 60;

// sourceOptions are the source list's [value, label] pairs.
function sourceOptions() {
  const shown = data.sources.slice(0, SOURCE_OPTIONS);
  const chosen = st.filter.source?.[0];
  // Source names are data, in the script their publisher uses.
  const asData = { translate: 'no', dir: 'auto' };
  const opts = shown.map((s) => [s.name, `${s.name} (${fmtNumber(s.operations)})`, asData]);
  if (chosen && !shown.some((s) => s.name.toLowerCase() === chosen.toLowerCase())) opts.unshift([chosen, chosen, asData]);
  return opts;
}

// chipText names one value of filter parameter name in words.
function chipText(name, value) {
  const region = (kind) => data[kind]?.features.find((f) => f.properties.code === value)?.properties;
  switch (name) {
    case 'governorate': return regionName(region('governorate')) || value;
    case 'region': return regionName(region('badia')) || value;
    case 'event_type':
    case 'sub_event_type': return eventTypeLabel(value);
    case 'victim': return VICTIMS.includes(value) ? t('v_' + value) : value;
    case 'q': return t('chipSearch', { q: value });
    case 'min_killed': return t('chipMinKilled', { n: fmtNumber(Number(value)) });
    case 'bbox': return t('chipBbox');
    case 'source': return t('chipSource', { name: value });
    case 'precision': return t('chipPrecision', { p: t('gp_' + value) });
    case 'illustrative': return t(['1', 'true'].includes(value) ? 'chipIllustrativeOnly' : 'chipRealOnly');
    default: return t('chipOther', { name, value });
  }
}

// chips lists the active filters: {name, value, text}; the date range is one chip.
function chips() {
  const out = [];
  const f = st.filter;
  if (f.from || f.to) {
    const text = f.from && f.to ? t('chipDates', { from: fmtDate(f.from), to: fmtDate(f.to) })
      : f.from ? t('chipSince', { from: fmtDate(f.from) }) : t('chipUntil', { to: fmtDate(f.to) });
    out.push({ name: 'dates', value: '', text });
  }
  for (const name of FILTER_PARAMS) {
    if (name === 'from' || name === 'to' || f[name] === undefined) continue;
    for (const value of LIST_PARAMS.has(name) ? f[name] : [f[name]]) out.push({ name, value, text: chipText(name, value) });
  }
  return out;
}

function describeFilter() {
  return chips().map((c) => c.text).join(t('comma'));
}

function renderChips() {
  const list = $('chip-list');
  const all = chips();
  list.replaceChildren(...(all.length === 0 ? [h('li', { class: 'chip-none' }, t('noFilter'))] : all.map((c) =>
    h('li', { class: 'chip', dataset: { name: c.name, value: c.value } },
      h('span', { class: 'chip-text' }, c.text),
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': t('removeChip', { name: c.text }), title: t('removeChip', { name: c.text }),
        onclick: () => removeFilter(c.name, c.value) }, h('span', { 'aria-hidden': 'true' }, '×'))))));
}

function removeFilter(name, value) {
  if (name === 'dates') setDates('', '');
  else if (LIST_PARAMS.has(name)) {
    st.filter[name] = (st.filter[name] || []).filter((v) => v !== value);
    if (!st.filter[name].length) delete st.filter[name];
  } else delete st.filter[name];
  renderPanel();
  changed();
  $('chip-list').querySelector('button')?.focus() ?? $('filters').querySelector('input')?.focus();
}

function setDates(from, to) {
  if (from) st.filter.from = from;
  else delete st.filter.from;
  if (to) st.filter.to = to;
  else delete st.filter.to;
  $('from').value = from || '';
  $('to').value = to || '';
}

let debounce = null;
// changed: the filter changed; the URL, the chips and the timeline's
// choice follow at once, the map after a short debounce. It answers a
// promise of the map drawn.
function changed({ typing = false } = {}) {
  notice = '';
  syncURL();
  renderChips();
  timeline.setRange({ from: st.filter.from || '', to: st.filter.to || '' });
  risk?.mapFilterChanged();
  document.body.dataset.state = 'loading';
  clearTimeout(debounce?.timer);
  const pending = debounce ?? {};
  pending.promise ??= new Promise((resolve) => { pending.resolve = resolve; });
  pending.timer = setTimeout(() => {
    debounce = null;
    load().then(pending.resolve);
  }, typing ? DEBOUNCE_MS.typing : DEBOUNCE_MS.discrete);
  debounce = pending;
  return pending.promise;
}

function debouncePending() {
  return debounce !== null;
}

function wirePanel() {
  const form = $('filters');
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('change', (e) => {
    const el = e.target;
    switch (el.name) {
      case 'governorate':
      case 'region': {
        const set = new Set(st.filter[el.name] || []);
        if (el.checked) set.add(el.value);
        else set.delete(el.value);
        st.filter[el.name] = [...set];
        if (!set.size) delete st.filter[el.name];
        break;
      }
      case 'event_type':
      case 'victim':
      case 'source':
        if (el.value) st.filter[el.name] = [el.value];
        else delete st.filter[el.name];
        break;
      case 'from':
      case 'to':
        setDates($('from').value, $('to').value);
        changed({ typing: true });
        return;
      case 'measure':
        st.measure = el.value;
        syncURL();
        draw();
        return;
      case 'choro':
        st.choro = el.value;
        syncURL();
        draw();
        return;
      case 'classes':
        st.classes = el.value;
        syncURL();
        draw();
        return;
      case 'basemap':
        st.basemap = el.checked;
        syncURL();
        applyBasemap();
        return;
      default:
        return;
    }
    changed();
  });
  $('reset').addEventListener('click', () => {
    timeline.stop();
    st.filter = {};
    renderPanel();
    changed();
  });
  $('lang-switch').addEventListener('click', () => {
    st.lang = st.lang === 'ar' ? 'en' : 'ar';
    applyLang();
    syncURL();
    renderPanel();
    draw();
    // Cluster icons carry counts formatted for the language, markers their
    // labels (in tile mode the cluster group is off the map and has none).
    if (incidents.mode === 'markers') {
      incidents.cluster.refreshClusters();
      incidents.relabel();
    }
  });
  $('panel-toggle').addEventListener('click', () => {
    const open = !document.body.classList.contains('panel-open');
    document.body.classList.toggle('panel-open', open);
    $('panel-toggle').setAttribute('aria-expanded', String(open));
    $('panel-toggle').textContent = t(open ? 'hideFilters' : 'showFilters');
    if (open) ($('chip-list').querySelector('button') || $('from')).focus();
  });
  $('share').addEventListener('click', () => share(location.href, $('share-status')));
  $('print').addEventListener('click', () => printView(map));
  $('image').addEventListener('click', async () => {
    $('image').disabled = true;
    try {
      saveBlob(await mapImage(map, printInfo()), imageName());
    } finally {
      $('image').disabled = false;
    }
  });
}

function applyLang() {
  setLang(st.lang);
  document.documentElement.lang = st.lang;
  document.documentElement.dir = dir();
  document.title = t('title');
  applyLabels();
  // The switch is written in the language it switches to.
  $('lang-switch').lang = st.lang === 'ar' ? 'en' : 'ar';
  const open = document.body.classList.contains('panel-open');
  $('panel-toggle').textContent = t(open ? 'hideFilters' : 'showFilters');
  for (const [btn, key] of [[zoom._zoomInButton, 'zoomIn'], [zoom._zoomOutButton, 'zoomOut']]) {
    btn.title = t(key);
    btn.setAttribute('aria-label', t(key));
  }
  scale._update();
}

// ---- drawing ----------------------------------------------------------------

function choroFeatures() {
  return data[st.choro]?.features || [];
}

function draw() {
  if (!data.governorate || !data.badia) return;
  const feats = choroFeatures();
  const cls = classify(feats.map((f) => measureValue(f.properties, st.measure)), st.classes);
  regionLayers.draw(data, st.choro, st.measure, cls, creditsHTML());
  drawLegend(cls);
  drawTable();
  drawStatus();
  drawBanner();
  drawSummary();
  drawDownloads();
  drawPrint();
  renderChips();
}

const escapeHTML = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// credits lists every credit and licence the API publishes, the boundary
// sources of the regions drawn, and the places' sources: {text, url}.
function credits() {
  const items = [];
  for (const c of data.credits || []) {
    items.push({ name: c.name, url: c.url, text: `${c.license ? ` (${c.license})` : ''}${c.attribution ? `: ${c.attribution}` : ''}` });
  }
  const seen = new Set();
  for (const kind of ['governorate', 'badia']) {
    for (const f of data[kind]?.features || []) {
      const a = f.properties.attribution;
      if (a && !seen.has(a)) {
        seen.add(a);
        items.push({ name: a, text: '' });
      }
    }
  }
  if (places.attribution) items.push({ name: places.attribution, text: '' });
  return items;
}

// creditsHTML is the attribution of the data shown: a short summary that
// opens onto every credit and licence, and which places have Arabic names.
function creditsHTML() {
  const items = credits().map((c) => {
    const name = c.url ? `<a href="${escapeHTML(c.url)}" target="_blank" rel="noopener">${escapeHTML(c.name)}</a>` : escapeHTML(c.name);
    return `<li translate="no" dir="ltr">${name}${escapeHTML(c.text)}</li>`;
  });
  if (places.features.length) items.push(`<li class="places-credit">${escapeHTML(t('placesCredit', { n: fmtNumber(places.counts().n), ar: fmtNumber(places.counts().ar) }))}</li>`);
  return `<details class="credits"><summary>${escapeHTML(t('credits'))}</summary><ul>${items.join('')}</ul></details>`;
}

function drawLegend(cls) {
  const div = $('legend');
  const present = new Set(data.presentTypes || []);
  const types = Object.keys(EVENT_COLORS).filter((e) => present.has(e));
  const other = [...present].some((e) => !(e in EVENT_COLORS));
  const toggle = h('button', { type: 'button', id: 'legend-toggle', class: 'legend-toggle', 'aria-expanded': String(!legendFolded),
    'aria-controls': 'legend-body', title: t(legendFolded ? 'showLegend' : 'hideLegend') },
  h('span', {}, t('m_' + st.measure)), h('span', { 'aria-hidden': 'true', class: 'legend-caret' }, legendFolded ? '▸' : '▾'));
  toggle.addEventListener('click', () => {
    legendFolded = !legendFolded;
    drawLegend(cls);
  });
  div.classList.toggle('folded', legendFolded);
  div.replaceChildren(
    h('h2', {}, toggle),
    h('div', { id: 'legend-body', hidden: legendFolded },
      h('ul', { class: 'legend-classes' },
        Array.from({ length: cls.count + 1 }, (_, i) => h('li', { dataset: { class: i } },
          h('span', { class: 'swatch', style: `background:${classColor(i, cls)}` }), classLabel(i, cls)))),
      types.length || other ? h('ul', { class: 'legend-types' },
        types.map((e) => h('li', {}, h('span', { class: 'dot', style: `background:${EVENT_COLORS[e]}` }), eventTypeLabel(e))),
        other ? h('li', {}, h('span', { class: 'dot', style: `background:${OTHER_COLOR}` }), '…') : null) : null,
      data.matched ? h('div', { class: 'legend-precision' }, h('h3', {}, t('legendPrecision')), h('ul', {},
        h('li', {}, h('span', { class: 'dot' }), t('legendPoint')),
        h('li', {}, h('span', { class: 'dot ring' }), t('legendRing')),
        h('li', { dataset: { undrawn: data.undrawn } }, h('span', { class: 'dot none' }),
          data.undrawn ? `${t('legendNotDrawn')} (${fmtNumber(data.undrawn)})` : t('legendNotDrawn')))) : null));
  div.setAttribute('aria-label', t('legend'));
  div.setAttribute('role', 'group');
  div.dataset.classes = cls.fixed ? 'fixed' : 'adaptive';
}

function tableColumns() {
  const cols = ['operations', 'killed'];
  if (!cols.includes(st.measure)) cols.push(st.measure);
  return cols;
}

function drawTable() {
  const table = $('region-table');
  const cols = tableColumns();
  const feats = [...choroFeatures()].sort((a, b) =>
    measureValue(b.properties, st.measure) - measureValue(a.properties, st.measure) ||
    regionName(a.properties).localeCompare(regionName(b.properties)));
  table.querySelector('caption').textContent = t('tableCaption', {
    kind: t(st.choro === 'badia' ? 'choroBadia' : 'choroGovernorate'), measure: t('m_' + st.measure),
  });
  table.querySelector('thead').replaceChildren(h('tr', {},
    h('th', { scope: 'col' }, t('tableRegion')),
    cols.map((c) => h('th', { scope: 'col', dataset: { measure: c } }, t('m_' + c)))));
  table.querySelector('tbody').replaceChildren(...feats.map((f) => {
    const p = f.properties;
    return h('tr', { dataset: { code: p.code } },
      h('th', { scope: 'row' }, h('button', { type: 'button', class: 'linkish', 'aria-label': t('zoomTo', { name: regionName(p) }),
        onclick: () => regionLayers.open(p.code) }, regionName(p))),
      cols.map((c) => {
        const v = measureValue(p, c);
        return h('td', { dataset: { measure: c, value: v } }, fmtNumber(v));
      }));
  }));
  // The foot adds up to every incident of the filter: the regions' own
  // totals, then the lines of what no region counts (too coarsely located,
  // outside, the country only), then their sum.
  const own = Object.fromEntries(cols.map((c) => [c, feats.reduce((s, f) => s + measureValue(f.properties, c), 0)]));
  const rest = (data[st.choro]?.lines || []).filter((l) => l.operations > 0);
  const all = Object.fromEntries(cols.map((c) => [c, own[c] + rest.reduce((s, l) => s + measureValue(l, c), 0)]));
  const footRow = (line, label, valueOf) => h('tr', { class: `line line-${line}`, dataset: { line } },
    h('th', { scope: 'row' }, label),
    cols.map((c) => h('td', { dataset: { measure: c, value: valueOf(c) } }, fmtNumber(valueOf(c)))));
  const rowLabel = (line) => t(line === 'outside' || line === 'regions' ? `lineRow_${line}_${st.choro}` : `lineRow_${line}`);
  table.querySelector('tfoot').replaceChildren(
    footRow('regions', rowLabel('regions'), (c) => own[c]),
    ...rest.map((l) => footRow(l.line, rowLabel(l.line), (c) => measureValue(l, c))),
    footRow('all', t('lineRow_all'), (c) => all[c]));
}

function drawStatus() {
  const n = data.matched;
  const el = $('status');
  el.classList.toggle('error', Boolean(notice));
  el.replaceChildren(h('strong', {}, tn('matched', n)), ' ', h('span', { class: 'mode' },
    n === 0 ? '' : t(incidents.mode === 'tiles' ? 'tilesMode' : 'markersMode')),
  ...(data.undrawn ? [h('span', { class: 'undrawn' }, ' · ', tn('notDrawn', data.undrawn))] : []),
  ...(notice ? [h('span', { class: 'notice', id: 'notice' }, ' ', notice)] : []));
  el.dataset.matched = n;
  el.dataset.undrawn = data.undrawn;
  el.dataset.markers = incidents.mode === 'markers' ? incidents.count : '';
  el.dataset.mode = incidents.mode;
}

// drawBanner says, while the filter holds illustrative incidents, how many
// (the API's numberIllustrative for the filter), with a way to leave them out.
function drawBanner() {
  const el = $('illustrative-banner');
  const n = data.illustrative;
  const wasHidden = el.hidden;
  el.hidden = !n;
  el.dataset.count = n;
  // The banner takes room from the map: Leaflet must learn its new size.
  if (wasHidden !== el.hidden) map.invalidateSize();
  if (!n) {
    el.replaceChildren();
    return;
  }
  const onlyThem = ['1', 'true'].includes(st.filter.illustrative);
  el.replaceChildren(h('span', {}, tn('illustrativeBanner', n)), ' ',
    ...(onlyThem ? [] : [h('button', { type: 'button', id: 'hide-illustrative', onclick: () => {
      st.filter.illustrative = '0';
      renderPanel();
      changed();
    } }, t('hideIllustrative'))]));
}

// spanText and totalsText say what is on the map: its dates and its totals.
function spanText() {
  const tot = data.total;
  return tot?.first_date ? t('span', { from: fmtDate(tot.first_date), to: fmtDate(tot.last_date) }) : t('noSpan');
}

function totalsText() {
  const tot = data.total || { operations: data.matched, killed: 0 };
  return `${tn('incidentsN', tot.operations)} · ${tn('killedN', tot.killed)}`;
}

function drawSummary() {
  const el = $('summary');
  el.textContent = `${totalsText()} · ${spanText()}`;
  el.dataset.operations = data.total?.operations ?? '';
  el.dataset.killed = data.total?.killed ?? '';
  el.dataset.first = data.total?.first_date ?? '';
  el.dataset.last = data.total?.last_date ?? '';
}

function drawDownloads() {
  const fq = filterQuery(st.filter);
  for (const a of document.querySelectorAll('.downloads a[data-format]')) {
    const fmt = a.dataset.format;
    a.href = `/api/incidents.${fmt}${fq ? '?' + fq : ''}`;
    a.textContent = t('download_' + fmt);
    a.setAttribute('aria-label', tn('downloadLabel', data.matched, { fmt: t('download_' + fmt) }));
  }
  $('downloads-note').replaceChildren(...(data.illustrative ? [tn('downloadIllustrative', data.illustrative), ' ',
    h('code', { translate: 'no', dir: 'ltr' }, 'illustrative = true')] : []));
}

function printInfo() {
  return {
    title: t('title'),
    filter: `${t('printFilter')}: ${describeFilter() || t('noFilter')}`,
    span: `${t('printSpan')}: ${spanText()}`,
    totals: `${t('printTotals')}: ${totalsText()}`,
    sources: `${t('printSources')}: ${credits().map((c) => c.name + c.text).join('; ')}`,
  };
}

// drawPrint fills the header and footer only the printed page shows.
function drawPrint() {
  const info = printInfo();
  $('print-head').replaceChildren(h('h2', {}, info.title), h('p', { class: 'print-filter' }, info.filter),
    h('p', { class: 'print-span' }, info.span, ' · ', info.totals));
  // h() drops a null child; replaceChildren would write "null".
  $('print-foot').replaceChildren(h('div', {}, h('p', {}, t('printSources'), ':'),
    h('ul', {}, credits().map((c) => h('li', { translate: 'no', dir: 'ltr' }, c.name, c.text))),
    places.features.length ? h('p', {}, t('placesCredit', { n: fmtNumber(places.counts().n), ar: fmtNumber(places.counts().ar) })) : null,
    h('p', { class: 'print-made' }, t('printMade', { date: fmtDate(new Date().toISOString().slice(0, 10)) }),
      ' ', h('bdi', { translate: 'no', dir: 'ltr' }, location.href))));
}

function showError(err) {
  if (err.name === 'AbortError') return;
  const el = $('status');
  el.textContent = t('errorLoad', { msg: err.message });
  el.classList.add('error');
}

// ---- timeline ----------------------------------------------------------------

const timeline = new Timeline($('timeline'), {
  onRange: (from, to) => {
    setDates(from, to);
    return changed();
  },
  onOptions: ({ unit, measure }) => {
    if (unit) st.timeline.unit = unit;
    if (measure) st.timeline.measure = measure;
    syncURL();
    if (measure) drawTimeline();
    else loadTimeline().then(drawTimeline);
  },
});

function timelineKey() {
  return `${st.timeline.unit}|${filterQuery(withoutDates(st.filter))}`;
}

// loadTimeline fetches the bars of the filter less its dates, unless held.
async function loadTimeline(signal) {
  const key = timelineKey();
  if (data.timeline.key === key) return;
  const rows = await api.stats(st.timeline.unit, filterQuery(withoutDates(st.filter)), signal);
  data.timeline = { key, rows };
}

function drawTimeline() {
  if (!data.span) return;
  timeline.set({ span: data.span, rows: data.timeline.rows, unit: st.timeline.unit, measure: st.timeline.measure,
    range: { from: st.filter.from || '', to: st.filter.to || '' } });
}

// ---- loading ----------------------------------------------------------------

// badValues takes out filter values the page knows the API refuses (a
// victim group it does not have), so a bad link still shows the map; it
// answers the message saying so.
function badValues() {
  const bad = (st.filter.victim || []).filter((v) => !VICTIMS.includes(v));
  if (!bad.length) return '';
  st.filter.victim = st.filter.victim.filter((v) => VICTIMS.includes(v));
  if (!st.filter.victim.length) delete st.filter.victim;
  return t('errorParam', { param: t('victim'), value: bad.join(t('comma')) });
}

// normalize takes the API's reading of the filter (governorates and regions
// named in English or Arabic become codes), so the panel ticks their boxes.
function normalize(apiFilter) {
  let moved = false;
  for (const name of ['governorate', 'region']) {
    const mine = st.filter[name] || [];
    const theirs = apiFilter?.[name];
    if (!Array.isArray(theirs) || !mine.length) continue;
    const a = [...new Set(mine)].sort().join(',');
    const b = [...new Set(theirs)].sort().join(',');
    if (a !== b) {
      st.filter[name] = [...new Set(theirs)];
      moved = true;
    }
  }
  return moved;
}

// load fetches everything the current filter shows: region aggregates of both
// kinds, the incidents, the totals and the timeline, with one filter query
// for every call.
async function load() {
  loadController?.abort();
  const controller = new AbortController();
  loadController = controller;
  const { signal } = controller;
  const seq = ++loadSeq;
  const bad = badValues();
  if (bad) {
    notice = bad;
    syncURL();
    renderPanel();
  }
  const fq = filterQuery(st.filter);
  document.body.dataset.state = 'loading';
  $('status').classList.remove('error');
  try {
    const [gov, badia, page, types] = await Promise.all([
      api.regions('governorate', fq, signal),
      api.regions('badia', fq, signal),
      api.firstPage(fq, PAGE_SIZE, signal),
      api.statsBody('event_type', fq, signal),
      loadTimeline(signal),
    ]);
    const matched = api.matchedCount(page) ?? (page.features || []).length;
    let tj = null;
    if (matched > MARKER_LIMIT && tilesAllowed) tj = await api.tileJSON();
    if (seq !== loadSeq) return;
    let undrawn;
    if (tj) {
      incidents.showTiles(tj, fq, (id) => api.incident(id, signal));
      undrawn = matched - await api.drawnCount(fq, signal);
    } else {
      incidents.showMarkers();
      incidents.addFeatures(page.features || []);
      await api.restPages(page, signal, (features) => incidents.addFeatures(features));
      undrawn = incidents.undrawn;
    }
    if (seq !== loadSeq) return;
    Object.assign(data, {
      governorate: gov, badia, matched, undrawn, illustrative: gov.numberIllustrative ?? 0,
      presentTypes: types.rows.map((r) => r.key), credits: gov.credits, total: types.total,
    });
    if (normalize(page.filter)) {
      syncURL();
      renderPanel();
    }
    draw();
    drawTimeline();
  } catch (err) {
    if (seq !== loadSeq || err.name === 'AbortError') return;
    const param = err.problem?.parameter;
    if (err.status === 400 && param && FILTER_PARAMS.includes(param) && st.filter[param] !== undefined) {
      // Leave the refused parameter out, say so, and draw the rest.
      notice = t('errorParam', { param: t(param === 'event_type' ? 'eventType' : param) , value: err.problem.value ?? '' });
      delete st.filter[param];
      syncURL();
      renderPanel();
      return load();
    }
    showError(err);
    document.body.dataset.state = 'error';
    return;
  }
  // A later change may be waiting for its debounce: stay "loading" then.
  if (seq === loadSeq && !debouncePending()) document.body.dataset.state = 'idle';
}

// start draws the current view, and beside it learns the span and event
// types of all the data (for the timeline and the panel); the place labels
// come once the map is drawn.
async function start() {
  applyLang();
  wirePanel();
  renderPanel();
  const all = api.statsBody('event_type', '').then((body) => {
    data.eventTypes = body.rows.map((r) => r.key).filter(Boolean).sort();
    data.span = { first: body.total?.first_date, last: body.total?.last_date };
  }).catch(showError);
  const sources = api.sources('').then((list) => { data.sources = list; }).catch(showError);
  await Promise.all([load(), all, sources]);
  renderPanel();
  drawTimeline();
  if (!st.view) {
    const b = regionLayers.bounds('badia') || regionLayers.bounds('governorate');
    if (b) map.fitBounds(b, { padding: [10, 10] });
  }
  document.body.dataset.ready = 'true';
  places.load().then(draw).then(() => { document.body.dataset.places = 'ready'; }).catch(showError);
}

// ---- search ----------------------------------------------------------------

initSearch($('search'), {
  filterQuery: () => filterQuery(st.filter),
  go(r) {
    if (PHONE.matches) document.body.classList.remove('panel-open');
    if (r.bbox) {
      places.highlight(null);
      map.flyToBounds([[r.bbox[1], r.bbox[0]], [r.bbox[3], r.bbox[2]]], { padding: [20, 20], duration: 0.8 });
      return;
    }
    const [lon, lat] = r.geometry.coordinates;
    if (r.type === 'place') {
      places.highlight(r.id);
      map.flyTo([lat, lon], Math.max(map.getZoom(), 11), { duration: 0.8 });
      return;
    }
    places.highlight(null);
    map.flyTo([lat, lon], Math.max(map.getZoom(), 11), { duration: 0.8 });
    map.once('moveend', async () => {
      const f = await api.incident(r.id);
      L.popup(popupOptions(map, { maxWidth: 320 })).setLatLng([lat, lon])
        .setContent(incidentPopup({ ...f.properties, id: f.id ?? r.id })).openOn(map);
    });
  },
});

// Exposed for the browser tests and for debugging in the console.
window.badiamap = { map, state: st, data, load, regionLayers, incidents, places, timeline, tn };
window.badiamap.reports = initReports(map, () => data.badia, st.report, syncURL);
risk = initRisk(map, { state: st.risk, filterQuery: () => filterQuery(st.filter), describeFilter, changed: syncURL });
window.badiamap.risk = risk;
editor = initEditor({ map, eventTypes: () => data.eventTypes, reload: () => load() });
window.badiamap.editor = editor;
onLangChange(() => drawTimeline());

// In vector-tile mode the incident tiles cover the regions: a click that
// hits no incident opens the region beneath it, unless the risk layer takes
// the map's clicks.
map.on('click', (e) => {
  if (incidents.mode === 'tiles' && !clicksTaken()) regionLayers.openAt(e.latlng);
});

start();
