// The page state and its URL: the filter lives in the query string with the
// API's own parameter names (so the page URL and every API call share one
// filter), the display choices beside it, and the map view in the hash.

// The API's filter grammar; only these travel to the API.
export const FILTER_PARAMS = ['governorate', 'region', 'from', 'to', 'event_type', 'sub_event_type',
  'perpetrator', 'victim', 'min_killed', 'bbox', 'q', 'source'];
// Parameters that take several values (repeatable or comma-separated).
const LIST_PARAMS = new Set(['governorate', 'region', 'event_type', 'sub_event_type', 'perpetrator', 'victim', 'source']);

export const MEASURES = ['operations', 'killed', 'military', 'militia', 'isis', 'civilians', 'children', 'women',
  'truffle_gatherers'];
export const VICTIMS = ['military', 'militia', 'isis', 'civilians', 'children', 'women', 'truffle_gatherers'];
export const CHORO_KINDS = ['badia', 'governorate'];

export function defaultState() {
  return {
    filter: {}, // name -> string[] for list params, string otherwise
    lang: 'en',
    measure: 'operations',
    choro: 'badia',
    basemap: false,
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
  const search = q.toString();
  const hash = st.view ? `#map=${st.view.z}/${st.view.lat.toFixed(4)}/${st.view.lon.toFixed(4)}` : '';
  return `${base}${search ? '?' + search : ''}${hash}`;
}

// withParams adds endpoint parameters (kind, group, limit) to a filter query.
export function withParams(fq, extra) {
  const q = new URLSearchParams(fq);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}
