// The badiamap web map: a filter panel, region choropleth, clustered
// incidents, a legend and a table of counts, all driven by one filter that
// lives in the page URL, in English or Arabic.
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';
import './app.css';
import L from './leaflet-global.js';
import * as api from './api.js';
import { h } from './dom.js';
import { applyLabels, dir, eventTypeLabel, fmtDate, fmtMonth, fmtNumber, regionName, setLang, t } from './i18n.js';
import { EVENT_COLORS, IncidentLayer, MARKER_LIMIT, OTHER_COLOR } from './incidents.js';
import { classColor, classify, classLabel, classOf, measureValue, RegionLayers } from './regions.js';
import { initReports } from './reports.js';
import { initRisk } from './risk.js';
import { filterQuery, MEASURES, pageURL, parseLocation, VICTIMS } from './state.js';

// Syria, for the first view before any region has loaded.
const SYRIA = L.latLngBounds([32.3, 35.6], [37.4, 42.4]);
const PAGE_SIZE = 1000;
const PLAY_STEP_MS = 1500;

const $ = (id) => document.getElementById(id);

const st = parseLocation(location);
// tiles=off in the page URL keeps the map on markers whatever the size.
const tilesAllowed = new URLSearchParams(location.search).get('tiles') !== 'off';

// What the last load brought, so a language or measure change redraws
// without asking the server again.
const data = { governorate: null, badia: null, matched: 0, eventTypes: [], months: [] };
let loadController = null;
let loadSeq = 0;
let playing = false;
let playTimer = null;

// ---- map ----------------------------------------------------------------

const map = L.map('map', { zoomControl: true, minZoom: 4, maxZoom: 18, preferCanvas: false });
map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
L.control.scale({ imperial: false }).addTo(map);
if (st.view) map.setView([st.view.lat, st.view.lon], st.view.z);
else map.fitBounds(SYRIA);

const osm = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
  maxZoom: 19,
  attribution: '&copy; <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">OpenStreetMap</a>',
});
function applyBasemap() {
  if (st.basemap) osm.addTo(map);
  else osm.remove();
  $('basemap').checked = st.basemap;
}

const regionLayers = new RegionLayers(map);
const incidents = new IncidentLayer(map);

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

const legend = L.control({ position: 'bottomright' });
legend.onAdd = () => {
  const div = L.DomUtil.create('div', 'legend');
  div.id = 'legend';
  L.DomEvent.disableClickPropagation(div);
  return div;
};
legend.addTo(map);

map.on('moveend', () => {
  const c = map.getCenter();
  st.view = { z: map.getZoom(), lat: c.lat, lon: c.lng };
  syncURL();
});

// ---- URL ----------------------------------------------------------------

function syncURL() {
  const url = pageURL(st, location.pathname);
  if (url !== location.pathname + location.search + location.hash) history.replaceState(null, '', url);
}

// ---- panel ----------------------------------------------------------------

function fillSelect(sel, options, value) {
  sel.replaceChildren(...options.map(([v, label]) => h('option', { value: v }, label)));
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
  fillSelect($('measure'), MEASURES.map((m) => [m, t('m_' + m)]), st.measure);
  $('choro').value = st.choro;
  $('from').value = st.filter.from || '';
  $('to').value = st.filter.to || '';
  renderSlider();
  applyBasemap();
}

// The slider steps through the months of the data; a position selects that
// whole month as the date range.
function monthRange(ym) {
  const [y, m] = ym.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${ym}-01`, to: `${ym}-${String(last).padStart(2, '0')}` };
}

function sliderMonthIndex() {
  const { from, to } = st.filter;
  if (!from || !to) return -1;
  return data.months.findIndex((ym) => {
    const r = monthRange(ym);
    return r.from === from && r.to === to;
  });
}

function renderSlider() {
  const slider = $('slider');
  // Positions 0..n-1 are the months; n, the last stop, is every date.
  slider.max = String(data.months.length);
  slider.disabled = data.months.length === 0;
  const i = sliderMonthIndex();
  slider.value = String(i >= 0 ? i : data.months.length);
  const text = i >= 0 ? fmtMonth(data.months[i])
    : st.filter.from || st.filter.to ? `${fmtDate(st.filter.from) || '…'} – ${fmtDate(st.filter.to) || '…'}` : t('allDates');
  $('slider-out').textContent = text;
  slider.setAttribute('aria-valuetext', text);
  $('play').textContent = playing ? t('pause') : t('play');
  $('play').setAttribute('aria-pressed', String(playing));
  $('play').disabled = data.months.length < 2;
}

function setDates(from, to) {
  if (from) st.filter.from = from;
  else delete st.filter.from;
  if (to) st.filter.to = to;
  else delete st.filter.to;
}

let debounce = null;
function changed({ immediate = false } = {}) {
  syncURL();
  document.body.dataset.state = 'loading';
  clearTimeout(debounce);
  debounce = null;
  if (immediate) return load();
  debounce = setTimeout(() => {
    debounce = null;
    load();
  }, 200);
  return null;
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
        break;
      }
      case 'event_type':
      case 'victim':
        st.filter[el.name] = el.value ? [el.value] : [];
        break;
      case 'from':
      case 'to':
        setDates($('from').value, $('to').value);
        renderSlider();
        break;
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
  $('slider').addEventListener('input', () => {
    const ym = data.months[Number($('slider').value)];
    const r = ym ? monthRange(ym) : { from: '', to: '' };
    setDates(r.from, r.to);
    $('from').value = r.from;
    $('to').value = r.to;
    renderSlider();
    changed();
  });
  $('all-dates').addEventListener('click', () => {
    stopPlay();
    setDates('', '');
    $('from').value = '';
    $('to').value = '';
    renderSlider();
    changed();
  });
  $('play').addEventListener('click', () => (playing ? stopPlay() : startPlay()));
  $('reset').addEventListener('click', () => {
    stopPlay();
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
    // Cluster icons carry counts formatted for the language.
    incidents.cluster.refreshClusters();
  });
  $('panel-toggle').addEventListener('click', () => {
    const open = !document.body.classList.contains('panel-open');
    document.body.classList.toggle('panel-open', open);
    $('panel-toggle').setAttribute('aria-expanded', String(open));
    $('panel-toggle').textContent = t(open ? 'hideFilters' : 'showFilters');
    if (open) $('from').focus();
  });
}

async function playStep() {
  if (!playing) return;
  const i = sliderMonthIndex();
  const next = i + 1;
  if (next >= data.months.length) {
    stopPlay();
    return;
  }
  const r = monthRange(data.months[next]);
  setDates(r.from, r.to);
  $('from').value = r.from;
  $('to').value = r.to;
  renderSlider();
  syncURL();
  await load();
  if (playing) playTimer = setTimeout(playStep, PLAY_STEP_MS);
}

function startPlay() {
  playing = true;
  // Start from the first month unless a month before the last is selected.
  if (sliderMonthIndex() < 0 || sliderMonthIndex() === data.months.length - 1) {
    const r = monthRange(data.months[0]);
    setDates(r.from, r.to);
    $('from').value = r.from;
    $('to').value = r.to;
    renderSlider();
    syncURL();
    load().then(() => {
      if (playing) playTimer = setTimeout(playStep, PLAY_STEP_MS);
    });
    return;
  }
  renderSlider();
  playStep();
}

function stopPlay() {
  playing = false;
  clearTimeout(playTimer);
  renderSlider();
}

function applyLang() {
  setLang(st.lang);
  document.documentElement.lang = st.lang;
  document.documentElement.dir = dir();
  document.title = t('title');
  applyLabels();
  const open = document.body.classList.contains('panel-open');
  $('panel-toggle').textContent = t(open ? 'hideFilters' : 'showFilters');
}

// ---- drawing ----------------------------------------------------------------

function choroFeatures() {
  return data[st.choro]?.features || [];
}

function draw() {
  if (!data.governorate || !data.badia) return;
  const feats = choroFeatures();
  const cls = classify(feats.map((f) => measureValue(f.properties, st.measure)));
  regionLayers.draw(data, st.choro, st.measure, cls, creditsHTML());
  drawLegend(cls);
  drawTable();
  drawStatus();
  drawDownloads();
}

const escapeHTML = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// creditsHTML is the attribution of the data shown: a short summary that
// opens onto every credit and licence the API publishes, and the boundary
// sources of the regions drawn.
function creditsHTML() {
  const items = [];
  for (const c of data.credits || []) {
    const name = c.url ? `<a href="${escapeHTML(c.url)}" target="_blank" rel="noopener">${escapeHTML(c.name)}</a>` : escapeHTML(c.name);
    items.push(`<li>${name}${c.license ? ` (${escapeHTML(c.license)})` : ''}${c.attribution ? `: ${escapeHTML(c.attribution)}` : ''}</li>`);
  }
  const seen = new Set();
  for (const kind of ['governorate', 'badia']) {
    for (const f of data[kind]?.features || []) {
      const a = f.properties.attribution;
      if (a && !seen.has(a)) {
        seen.add(a);
        items.push(`<li>${escapeHTML(a)}</li>`);
      }
    }
  }
  if (items.length === 0) return t('attribution');
  return `<details class="credits"><summary>${escapeHTML(t('credits'))}</summary><ul>${items.join('')}</ul></details>`;
}

function drawLegend(cls) {
  const div = $('legend');
  const present = new Set(data.presentTypes || []);
  const types = Object.keys(EVENT_COLORS).filter((e) => present.has(e));
  const other = [...present].some((e) => !(e in EVENT_COLORS));
  div.replaceChildren(
    h('h2', {}, t('m_' + st.measure)),
    h('ul', { class: 'legend-classes' },
      Array.from({ length: cls.count + 1 }, (_, i) => h('li', { dataset: { class: i } },
        h('span', { class: 'swatch', style: `background:${classColor(i, cls)}` }), classLabel(i, cls)))),
    types.length || other ? h('ul', { class: 'legend-types' },
      types.map((e) => h('li', {}, h('span', { class: 'dot', style: `background:${EVENT_COLORS[e]}` }), eventTypeLabel(e))),
      other ? h('li', {}, h('span', { class: 'dot', style: `background:${OTHER_COLOR}` }), '…') : null) : null);
  div.setAttribute('aria-label', t('legend'));
  div.setAttribute('role', 'group');
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
  table.querySelector('tfoot').replaceChildren(h('tr', {},
    h('th', { scope: 'row' }, t('total')),
    cols.map((c) => {
      const v = feats.reduce((s, f) => s + measureValue(f.properties, c), 0);
      return h('td', { dataset: { measure: c, value: v } }, fmtNumber(v));
    })));
}

function drawStatus() {
  const n = data.matched;
  const el = $('status');
  const text = n === 0 ? t('matchedNone') : n === 1 ? t('matchedOne') : t('matched', { n: fmtNumber(n) });
  el.replaceChildren(h('strong', {}, text), ' ', h('span', { class: 'mode' },
    n === 0 ? '' : t(incidents.mode === 'tiles' ? 'tilesMode' : 'markersMode')));
  el.dataset.matched = n;
  el.dataset.markers = incidents.mode === 'markers' ? incidents.count : '';
  el.dataset.mode = incidents.mode;
}

function drawDownloads() {
  const fq = filterQuery(st.filter);
  for (const a of document.querySelectorAll('.downloads a[data-format]')) {
    const fmt = a.dataset.format;
    a.href = `/api/incidents.${fmt}${fq ? '?' + fq : ''}`;
    a.textContent = t('download_' + fmt);
    a.setAttribute('aria-label', t('downloadLabel', { n: fmtNumber(data.matched), fmt: t('download_' + fmt) }));
  }
}

function showError(err) {
  if (err.name === 'AbortError') return;
  const el = $('status');
  el.textContent = t('errorLoad', { msg: err.message });
  el.classList.add('error');
}

// ---- loading ----------------------------------------------------------------

// load fetches everything the current filter shows: region aggregates of both
// kinds and the incidents, with one filter query for every call.
async function load() {
  loadController?.abort();
  const controller = new AbortController();
  loadController = controller;
  const { signal } = controller;
  const seq = ++loadSeq;
  const fq = filterQuery(st.filter);
  document.body.dataset.state = 'loading';
  $('status').classList.remove('error');
  try {
    const [gov, badia, page, types] = await Promise.all([
      api.regions('governorate', fq, signal),
      api.regions('badia', fq, signal),
      api.firstPage(fq, PAGE_SIZE, signal),
      api.stats('event_type', fq, signal),
    ]);
    const matched = api.matchedCount(page) ?? (page.features || []).length;
    let tj = null;
    if (matched > MARKER_LIMIT && tilesAllowed) tj = await api.tileJSON();
    if (tj) {
      incidents.showTiles(tj, fq, (id) => api.incident(id, signal));
    } else {
      incidents.showMarkers();
      incidents.addFeatures(page.features || []);
      await api.restPages(page, signal, (features) => incidents.addFeatures(features));
    }
    if (seq !== loadSeq) return;
    Object.assign(data, { governorate: gov, badia, matched, presentTypes: types.map((r) => r.key), credits: gov.credits });
    draw();
  } catch (err) {
    if (seq === loadSeq) {
      showError(err);
      document.body.dataset.state = 'error';
    }
    return;
  }
  // A later change may be waiting for its debounce: stay "loading" then.
  if (seq === loadSeq && !debouncePending()) document.body.dataset.state = 'idle';
}

// start loads what the panel needs once (months and event types of all the
// data), then the current view.
async function start() {
  applyLang();
  wirePanel();
  renderPanel();
  try {
    const [months, types] = await Promise.all([api.stats('month', ''), api.stats('event_type', '')]);
    data.months = fillMonths(months.map((r) => r.key).filter(Boolean).sort());
    data.eventTypes = types.map((r) => r.key).filter(Boolean).sort();
  } catch (err) {
    showError(err);
  }
  await load();
  renderPanel();
  if (!st.view) {
    const b = regionLayers.bounds('badia') || regionLayers.bounds('governorate');
    if (b) map.fitBounds(b, { padding: [10, 10] });
  }
  document.body.dataset.ready = 'true';
}

// fillMonths lists every month from the first to the last, empty ones too, so
// the slider moves at an even pace.
function fillMonths(keys) {
  if (keys.length === 0) return [];
  const out = [];
  let [y, m] = keys[0].split('-').map(Number);
  const [ly, lm] = keys[keys.length - 1].split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

// Exposed for the browser tests and for debugging in the console.
window.badiamap = { map, state: st, data, load, regionLayers, incidents };
window.badiamap.reports = initReports(map, () => data.badia);
const risk = initRisk(map, () => filterQuery(st.filter), () => data.months);
window.badiamap.risk = risk;

// In vector-tile mode the incident tiles cover the regions: a click that
// hits no incident opens the region beneath it, unless the risk layer takes
// the map's clicks.
map.on('click', (e) => {
  if (incidents.mode === 'tiles' && !risk.takesClicks()) regionLayers.openAt(e.latlng);
});

start();
