// The page state and its URL: the filter lives in the query string with the
// API's own parameter names (so the page URL and every API call share one
// filter), the display choices beside it, and the map view in the hash.

// The API's filter grammar; only these travel to the API.
export const FILTER_PARAMS = ['governorate', 'region', 'from', 'to', 'event_type', 'sub_event_type',
  'perpetrator', 'victim', 'min_killed', 'bbox', 'q', 'source', 'precision', 'illustrative'];
// Parameters that take several values (repeatable or comma-separated).
export const LIST_PARAMS = new Set(['governorate', 'region', 'event_type', 'sub_event_type', 'perpetrator', 'victim', 'source']);

export const MEASURES = ['operations', 'killed', 'military', 'militia', 'isis', 'civilians', 'children', 'women',
  'truffle_gatherers'];
export const VICTIMS = ['military', 'militia', 'isis', 'civilians', 'children', 'women', 'truffle_gatherers'];
export const CHORO_KINDS = ['badia', 'governorate'];
export const TIMELINE_UNITS = ['month', 'week'];
export const TIMELINE_MEASURES = ['operations', 'killed'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function defaultState() {
  return {
    filter: {}, // name -> string[] for list params, string otherwise
    lang: 'en',
    measure: 'operations',
    choro: 'badia',
    basemap: false,
    classes: 'adaptive', // or 'fixed': the same class breaks in every view
    timeline: { unit: 'month', measure: 'operations' },
    report: { id: '', metric: '' }, // the reports panel's choice
    risk: { on: false, date: '', filter: 'all' }, // filter: 'all' incidents or the 'map' filter
    view: null, // {z, lat, lon}
  };
}

// parseLocation reads the state out of a location's search and hash.
export function parseLocation(loc) {
  const st = defaultState();
  const q = new URLSearchParams(loc.search);
  for (const name of FILTER_PARAMS) {
    const values = q.getAll(name).flatMap((v) => (LIST_PARAMS.has(name) ? v.split(',') : [v]))
      .map((v) => v.trim()).filter(Boolean);
    if (values.length === 0) continue;
    st.filter[name] = LIST_PARAMS.has(name) ? [...new Set(values)] : values[0];
  }
  if (q.get('lang') === 'ar') st.lang = 'ar';
  if (MEASURES.includes(q.get('measure'))) st.measure = q.get('measure');
  if (CHORO_KINDS.includes(q.get('choro'))) st.choro = q.get('choro');
  st.basemap = q.get('basemap') === 'osm';
  if (q.get('classes') === 'fixed') st.classes = 'fixed';
  if (TIMELINE_UNITS.includes(q.get('tl'))) st.timeline.unit = q.get('tl');
  if (TIMELINE_MEASURES.includes(q.get('tlm'))) st.timeline.measure = q.get('tlm');
  if (/^\d{1,12}$/.test(q.get('report') || '')) st.report.id = q.get('report');
  if (/^[a-z_]{1,32}$/.test(q.get('report_metric') || '')) st.report.metric = q.get('report_metric');
  st.risk.on = q.get('risk') === 'on';
  if (DAY.test(q.get('risk_date') || '')) st.risk.date = q.get('risk_date');
  if (q.get('risk_filter') === 'map') st.risk.filter = 'map';
  const m = /map=(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)/.exec(loc.hash);
  if (m) {
    const view = { z: +m[1], lat: +m[2], lon: +m[3] };
    if (view.z <= 19 && Math.abs(view.lat) <= 90 && Math.abs(view.lon) <= 180) st.view = view;
  }
  return st;
}

// filterQuery is the query string of the filter alone, in a stable order:
// the same for every API call and download of one view.
export function filterQuery(filter) {
  const q = new URLSearchParams();
  for (const name of FILTER_PARAMS) {
    const v = filter[name];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    q.set(name, Array.isArray(v) ? [...v].sort().join(',') : v);
  }
  return q.toString();
}

// pageURL is the shareable URL of st: filter and display in the query, the
// map view in the hash.
export function pageURL(st, base) {
  const q = new URLSearchParams(filterQuery(st.filter));
  if (st.lang !== 'en') q.set('lang', st.lang);
  if (st.measure !== 'operations') q.set('measure', st.measure);
  if (st.choro !== 'badia') q.set('choro', st.choro);
  if (st.basemap) q.set('basemap', 'osm');
  if (st.classes === 'fixed') q.set('classes', 'fixed');
  if (st.timeline.unit !== 'month') q.set('tl', st.timeline.unit);
  if (st.timeline.measure !== 'operations') q.set('tlm', st.timeline.measure);
  if (st.report.id) q.set('report', st.report.id);
  if (st.report.id && st.report.metric) q.set('report_metric', st.report.metric);
  if (st.risk.on) q.set('risk', 'on');
  if (st.risk.on && st.risk.date) q.set('risk_date', st.risk.date);
  if (st.risk.on && st.risk.filter === 'map') q.set('risk_filter', 'map');
  const search = q.toString();
  const hash = st.view ? `#map=${st.view.z}/${st.view.lat.toFixed(4)}/${st.view.lon.toFixed(4)}` : '';
  return `${base}${search ? '?' + search : ''}${hash}`;
}

// withoutDates is filter less its date range (the timeline shows every date).
export function withoutDates(filter) {
  const { from, to, ...rest } = filter;
  return rest;
}

// withParams adds endpoint parameters (kind, group, limit) to a filter query.
export function withParams(fq, extra) {
  const q = new URLSearchParams(fq);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}
