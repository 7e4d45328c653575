// The search box: one field that finds places, governorates and Badia
// regions (/api/places?q=, English and Arabic, transliterations folded by the
// server: Tadmur finds Palmyra) and incidents of the current filter
// (/api/incidents?q=), and flies the map to the one chosen. A combobox with
// a listbox of results, by mouse or keyboard.
import { getJSON } from './api.js';
import { h } from './dom.js';
import { fmtDate, getLang, onLangChange, t, tn } from './i18n.js';
import { withParams } from './state.js';

const DEBOUNCE_MS = 150;
const PLACE_LIMIT = 8;
const INCIDENT_LIMIT = 5;

// initSearch wires the field and list in form. opts.filterQuery() is the
// map's filter; opts.go(result) flies there.
export function initSearch(form, { filterQuery, go }) {
  const input = form.querySelector('input');
  const list = form.querySelector('[role="listbox"]');
  const count = form.querySelector('.search-count');
  let results = [];
  let active = -1;
  let timer = null;
  let seq = 0;
  let lastQuery = '';

  function name(p) {
    return getLang() === 'ar' ? p.name_ar || p.name_en : p.name_en || p.name_ar;
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function setActive(i) {
    active = i;
    for (const [k, li] of [...list.querySelectorAll('[role="option"]')].entries()) {
      li.setAttribute('aria-selected', String(k === i));
      if (k === i) {
        input.setAttribute('aria-activedescendant', li.id);
        li.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  function option(r, i) {
    const p = r.properties;
    const untranslated = r.type === 'place' && getLang() === 'ar' && !p.name_ar;
    const li = h('li', { role: 'option', id: `search-opt-${i}`, 'aria-selected': 'false', class: `search-opt search-${r.type}`,
      dataset: { kind: r.kind, id: r.id } },
    h('span', { class: 'search-name', translate: untranslated || r.type === 'incident' ? 'no' : undefined, dir: 'auto' }, r.text),
    h('span', { class: 'search-kind' }, r.sub));
    li.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the field
    li.addEventListener('click', () => choose(i));
    return li;
  }

  function render() {
    list.replaceChildren();
    if (!lastQuery) {
      close();
      count.textContent = '';
      return;
    }
    const places = results.filter((r) => r.type === 'place');
    const incidents = results.filter((r) => r.type === 'incident');
    let i = 0;
    if (places.length) {
      list.append(h('li', { role: 'presentation', class: 'search-group' }, t('searchPlaces')),
        ...places.map((r) => option(r, i++)));
    }
    if (incidents.length) {
      list.append(h('li', { role: 'presentation', class: 'search-group' }, t('searchIncidents')),
        ...incidents.map((r) => option(r, i++)));
    }
    if (!results.length) list.append(h('li', { role: 'presentation', class: 'search-none' }, t('searchNone', { q: lastQuery })));
    count.textContent = tn('searchCount', results.length);
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    setActive(results.length ? 0 : -1);
  }

  async function run(q) {
    const mine = ++seq;
    if (!q) {
      results = [];
      lastQuery = '';
      render();
      return;
    }
    const [places, incidents] = await Promise.all([
      getJSON(`/api/places?${new URLSearchParams({ q, limit: PLACE_LIMIT })}`).catch(() => ({ features: [] })),
      getJSON(`/api/incidents?${withParams(filterQuery(), { q, limit: INCIDENT_LIMIT })}`).catch(() => ({ features: [] })),
    ]);
    if (mine !== seq) return;
    lastQuery = q;
    results = [
      ...(places.features || []).map((f) => {
        const p = f.properties;
        return { type: 'place', kind: p.kind, id: f.id, properties: p, geometry: f.geometry, bbox: f.bbox,
          text: name(p), sub: t('kind_' + p.kind) };
      }),
      ...(incidents.features || []).map((f) => {
        const p = f.properties;
        return { type: 'incident', kind: 'incident', id: String(f.id ?? p.id), properties: p, geometry: f.geometry,
          text: p.location_name || t('incident'), sub: fmtDate(p.date_start) };
      }),
    ];
    form.dataset.query = q;
    render();
  }

  function choose(i) {
    const r = results[i];
    if (!r) return;
    close();
    input.value = r.text;
    go(r);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    timer = setTimeout(() => run(q), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    const n = results.length;
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault();
      if (list.hidden) render();
      setActive((active + 1) % n);
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault();
      setActive((active - 1 + n) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      // Enter before the results came: search now, then take the first.
      const q = input.value.trim();
      if (q && q !== lastQuery) {
        clearTimeout(timer);
        run(q).then(() => choose(0));
      } else if (active >= 0) choose(active);
    } else if (e.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  form.addEventListener('submit', (e) => e.preventDefault());
  onLangChange(() => {
    results = results.map((r) => (r.type === 'place' ? { ...r, text: name(r.properties), sub: t('kind_' + r.kind) }
      : { ...r, sub: fmtDate(r.properties.date_start) }));
    if (!list.hidden) render();
  });
  return { run, choose, close };
}
