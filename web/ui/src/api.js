// Calls to the badiamap API. Every call of one view carries the same filter
// query; endpoint parameters (kind, group, limit) are added beside it.
import { withParams } from './state.js';

// A problem+json answer, or a network failure, as an Error with the server's words.
// The Error carries the status and the problem document (its parameter and
// value name what was refused).
export async function failure(res) {
  let detail = res.statusText;
  let problem = null;
  try {
    problem = await res.json();
    detail = problem.detail || problem.title || detail;
  } catch {
    // not JSON: keep the status text
  }
  const err = new Error(`${res.status} ${detail}`);
  err.status = res.status;
  err.problem = problem;
  return err;
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

// statsBody returns {rows: [{key, ...totals}], total} of /api/stats.
export async function statsBody(group, fq, signal) {
  const body = await getJSON('/api/stats?' + withParams(fq, { group }), signal);
  return { rows: (body.groups || []).map((r) => ({ ...r, key: r.key })), total: body.total || null };
}

export async function stats(group, fq, signal) {
  return (await statsBody(group, fq, signal)).rows;
}

// sources answers the source names the filter's incidents cite, most cited
// first: [{name, operations}].
export async function sources(fq, signal) {
  return (await getJSON('/api/sources' + (fq ? '?' + fq : ''), signal)).sources || [];
}

// drawnCount is how many incidents of filter query fq a map draws: those
// located at least to a district (precision 1-3), as the tiles draw them.
export async function drawnCount(fq, signal) {
  const q = new URLSearchParams(fq);
  const p = Number(q.get('precision')) || DRAWN_PRECISION;
  q.set('precision', String(Math.min(p, DRAWN_PRECISION)));
  q.set('limit', '1');
  return matchedCount(await getJSON('/api/incidents?' + q.toString(), signal));
}

// The coarsest location precision a map draws (geo/precision.go): 1-2 as
// points, 3 with an uncertainty ring; 4-7 are never drawn.
export const DRAWN_PRECISION = 3;

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
