// Calls to the badiamap API. Every call of one view carries the same filter
// query; endpoint parameters (kind, group, limit) are added beside it.
import { withParams } from './state.js';

// A problem+json answer, or a network failure, as an Error with the server's words.
async function failure(res) {
  let detail = res.statusText;
  try {
    const body = await res.json();
    detail = body.detail || body.title || detail;
  } catch {
    // not JSON: keep the status text
  }
  return new Error(`${res.status} ${detail}`);
}

export async function getJSON(url, signal) {
  const res = await fetch(url, { signal, headers: { Accept: 'application/geo+json, application/json' } });
  if (!res.ok) throw await failure(res);
  return res.json();
}

// nextLink finds a FeatureCollection's next page: an OGC-style links array
// entry with rel "next", or a plain "next" member.
export function nextLink(fc) {
  const link = (fc.links || []).find((l) => l.rel === 'next');
  if (link) return link.href;
  if (typeof fc.next === 'string') return fc.next;
  return null;
}

export function matchedCount(fc) {
  for (const k of ['numberMatched', 'number_matched', 'matched', 'total']) {
    if (typeof fc[k] === 'number') return fc[k];
  }
  return null;
}

// firstPage fetches the first page of incidents: it says how many match.
export function firstPage(fq, limit, signal) {
  return getJSON('/api/incidents?' + withParams(fq, { limit }), signal);
}

// restPages follows next links from page, calling onPage with each page's
// features, until the last page.
export async function restPages(page, signal, onPage) {
  let next = nextLink(page);
  while (next) {
    // The server may give an absolute URL; only its path and query matter.
    const u = new URL(next, location.href);
    const fc = await getJSON(u.pathname + u.search, signal);
    onPage(fc.features || []);
    next = nextLink(fc);
  }
}

export function regions(kind, fq, signal) {
  return getJSON('/api/regions?' + withParams(fq, { kind }), signal);
}

// stats returns [{key, ...totals}] whatever envelope the server wraps it in.
export async function stats(group, fq, signal) {
  const body = await getJSON('/api/stats?' + withParams(fq, { group }), signal);
  const rows = Array.isArray(body) ? body : body.groups || body.rows || body.stats || body.data || [];
  return rows.map((r) => ({ ...r, key: r.key ?? r.group ?? r[group] }));
}

export function incident(id, signal) {
  return getJSON(`/api/incidents/${encodeURIComponent(id)}`, signal);
}

// tileJSON answers the vector-tile description, or null when the server has
// no tiles (the tile endpoints come with a later issue).
let tileJSONPromise;
export function tileJSON() {
  tileJSONPromise ??= fetch('/tiles/incidents.json', { headers: { Accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : null))
    .catch(() => null);
  return tileJSONPromise;
}
