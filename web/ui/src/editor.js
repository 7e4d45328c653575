// The editing desk (issue 15): sign-in and sign-out, a new incident placed
// by a click on the map with a form of every field and the server's errors
// shown beside each field, edits and retractions from an incident's popup,
// the reviewer's queue of drafts with each draft's diff against the
// published version and a publish button, and an incident's history with
// its diffs; for an admin, the administration panel (admin.js). Writes
// carry the session's CSRF token and, to change an incident, the ETag of
// the version changed (If-Match).
import L from './leaflet-global.js';
import { createAdmin } from './admin.js';
import { failure, getJSON } from './api.js';
import { h, popupOptions } from './dom.js';
import { eventTypeLabel, fmtNumber, fmtTime, getLang, onLangChange, t, tn } from './i18n.js';
import { incidentPopup, popupExtras } from './incidents.js';

// Roles from the least to the most allowed (geo.Role).
const ROLES = ['editor', 'reviewer', 'admin'];
// A hint that this browser has a session, so a page opened signed out asks
// the server nothing (the cookie itself is HttpOnly).
const SIGNED_IN = 'badiamap.signedIn';
const QUEUE_LIMIT = 200;

// The casualty groups of an incident, in the importer's order (geo.CasualtyGroups).
const GROUPS = ['military', 'militia', 'isis', 'other_armed', 'civilians', 'children', 'women', 'truffle_gatherers',
  'unknown', 'injured', 'abducted'];
const TEXTS = ['location_name', 'event_type', 'sub_event_type', 'perpetrator', 'target'];
// The fields a diff lists, in the API's column order, with their labels.
const FIELD_LABELS = {
  date_start: 'f_date_start', date_end: 'f_date_end', date_precision: 'f_date_precision', longitude: 'f_longitude',
  latitude: 'f_latitude', geo_precision: 'f_geo_precision', location_name: 'f_location_name', event_type: 'eventType',
  sub_event_type: 'f_sub_event_type', perpetrator: 'perpetrator', target: 'target',
  ...Object.fromEntries(GROUPS.map((g) => [g, 'm_' + g])), sources: 'sources', notes: 'notes',
};
// Where the server's field errors (problem+json errors[].field) are shown.
const ERROR_SLOT = { date: 'date_start', coordinates: 'coordinates', longitude: 'coordinates', latitude: 'coordinates' };

const allows = (user, need) => Boolean(user) && ROLES.indexOf(user.role) >= ROLES.indexOf(need);

// errorText words a server's reason in the page's language: English as the
// server gives it, Arabic for the reasons the catalogue knows (else as given).
export function errorText(reason) {
  if (getLang() === 'en') return reason;
  let m;
  if (reason === 'missing') return t('err_missing');
  if ((m = /^negative count (-?\d+)$/.exec(reason))) return t('err_negative', { n: fmtNumber(Number(m[1])) });
  if ((m = /^(\d+) is more than the (\d+) (\w+) killed it is part of$/.exec(reason))) {
    return t('err_partOf', { v: fmtNumber(Number(m[1])), w: fmtNumber(Number(m[2])), whole: t('m_' + m[3]) });
  }
  if (/is far outside Syria$/.test(reason)) return t('err_outside');
  if (/is before the start date/.test(reason)) return t('err_beforeStart');
  if (/is not a date/.test(reason)) return t('err_notDate');
  if (/is not a whole number/.test(reason)) return t('err_notWhole');
  return reason;
}

// valueText shows a property's value in a diff.
function valueText(field, v) {
  if (v === undefined || v === null || v === '') return '—';
  if (field === 'sources') {
    const list = typeof v === 'string' ? (v ? JSON.parse(v) : []) : v;
    return list.map((s) => [s.name, s.url, s.date, s.headline].filter(Boolean).join(' · ')).join('; ') || '—';
  }
  if (field === 'event_type' || field === 'sub_event_type') return eventTypeLabel(String(v));
  return String(v);
}

// sameValue compares two properties' values as the API's columns do (as text).
function sameValue(field, a, b) {
  const norm = (v) => {
    if (v === undefined || v === null) return '';
    if (field === 'sources') return JSON.stringify((typeof v === 'string' ? (v ? JSON.parse(v) : []) : v)
      .map((s) => [s.name || '', s.url || '', s.date || '', s.headline || '']));
    if (GROUPS.includes(field)) return String(Number(v) || 0);
    return String(v);
  };
  return norm(a) === norm(b);
}

// diffOf lists {field, before, after} where feature a (null for none)
// differs from feature b, in column order.
export function diffOf(a, b) {
  const props = (f) => (f ? { ...f.properties, longitude: f.geometry?.coordinates?.[0], latitude: f.geometry?.coordinates?.[1] } : {});
  const pa = props(a);
  const pb = props(b);
  return Object.keys(FIELD_LABELS).filter((k) => !sameValue(k, pa[k], pb[k]))
    .map((field) => ({ field, before: a ? pa[field] : undefined, after: pb[field] }));
}

function diffTable(changes, cls = 'diff') {
  if (!changes.length) return h('p', { class: 'help' }, t('noChange'));
  return h('table', { class: cls },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('field')), h('th', { scope: 'col' }, t('before')), h('th', { scope: 'col' }, t('after')))),
    h('tbody', {}, changes.map((c) => h('tr', { dataset: { field: c.field } },
      h('th', { scope: 'row' }, FIELD_LABELS[c.field] ? t(FIELD_LABELS[c.field]) : c.field),
      h('td', { class: 'before', dir: 'auto', translate: 'no' }, valueText(c.field, c.before)),
      h('td', { class: 'after', dir: 'auto', translate: 'no' }, valueText(c.field, c.after))))));
}

// initEditor wires the desk into the page. opts: map; eventTypes() lists
// the known event types; reload() redraws the map after a write.
export function initEditor({ map, eventTypes, reload }) {
  const $ = (id) => document.getElementById(id);
  const account = $('account');
  const desk = $('desk');
  const dialog = $('signin-dialog');
  const session = { user: null, csrf: '' };
  // What the desk shows: {kind: 'form'|'queue'|'history', ...}, redrawn on a language change.
  let view = null;
  let placing = false;
  let pin = null; // the marker of the incident being placed or edited
  const drafts = L.layerGroup().addTo(map);
  let draftCount = 0;
  // The administration panel, shown in the desk to an admin.
  const admin = createAdmin({ send, session });

  // ---- requests ----------------------------------------------------------

  async function send(method, url, { body, type = 'application/json', etag } = {}) {
    const headers = { Accept: 'application/geo+json, application/json' };
    if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
    if (etag) headers['If-Match'] = etag;
    if (body !== undefined) headers['Content-Type'] = type;
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (res.status === 401 && session.user) signedOut();
    if (!res.ok) throw await failure(res);
    const etagOut = res.headers.get('ETag');
    const out = res.status === 204 ? null : await res.json();
    return { body: out, etag: etagOut };
  }

  // head is an editor's read of an incident's newest version and its ETag.
  const head = (id) => send('GET', `/api/incidents/${encodeURIComponent(id)}?status=all`);

  // ---- session -------------------------------------------------------------

  function signedIn(answer) {
    session.user = answer.user;
    session.csrf = answer.csrf_token || '';
    localStorage.setItem(SIGNED_IN, '1');
    document.body.dataset.user = session.user.name;
    document.body.dataset.role = session.user.role;
    renderAccount();
    refreshDrafts();
  }

  function signedOut() {
    session.user = null;
    session.csrf = '';
    localStorage.removeItem(SIGNED_IN);
    delete document.body.dataset.user;
    delete document.body.dataset.role;
    stopPlacing();
    closeDesk();
    drafts.clearLayers();
    draftCount = 0;
    admin.forget();
    renderAccount();
  }

  async function resume() {
    if (!localStorage.getItem(SIGNED_IN)) return;
    try {
      signedIn((await send('GET', '/api/session')).body);
    } catch {
      signedOut();
    }
  }

  function renderAccount() {
    const u = session.user;
    if (!u) {
      account.replaceChildren(h('button', { type: 'button', id: 'signin-open', onclick: openSignIn }, t('signIn')));
      return;
    }
    account.replaceChildren(
      h('span', { id: 'whoami', class: 'whoami' }, ...whoami(u)),
      h('button', { type: 'button', id: 'add-incident', 'aria-pressed': String(placing), onclick: () => (placing ? stopPlacing() : startPlacing()) },
        t(placing ? 'placeCancel' : 'addIncident')),
      h('button', { type: 'button', id: 'queue-open', onclick: async () => { await refreshDrafts(); showQueue(); } }, tn('draftsN', draftCount)),
      allows(u, 'admin') ? h('button', { type: 'button', id: 'admin-open', onclick: showAdmin }, t('adm_title')) : null,
      h('button', { type: 'button', id: 'signout', onclick: signOut }, t('signOut')));
  }

  // whoami is "NAME (role)" with the name marked as data.
  function whoami(u) {
    const [before, after] = t('signedInAs', { name: '\u0000', role: t('role_' + u.role) }).split('\u0000');
    return [before, h('bdi', { translate: 'no' }, u.name), after];
  }

  function openSignIn() {
    dialog.querySelector('.form-error').textContent = '';
    dialog.showModal();
    $('signin-user').focus();
  }

  dialog.querySelector('form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (e.submitter?.value === 'cancel') {
      dialog.close();
      return;
    }
    const err = dialog.querySelector('.form-error');
    err.textContent = '';
    try {
      const { body } = await send('POST', '/api/session', { body: { username: $('signin-user').value, password: $('signin-password').value } });
      $('signin-password').value = '';
      dialog.close();
      signedIn(body);
      reload();
    } catch (ex) {
      err.textContent = ex.status === 401 ? t('signInWrong') : (ex.problem?.detail || ex.message);
    }
  });

  async function signOut() {
    try {
      await send('DELETE', '/api/session');
    } catch {
      // signed out on the server already (expired): sign out here too
    }
    signedOut();
    reload();
  }

  // ---- the desk ------------------------------------------------------------

  function openDesk(v) {
    view = v;
    const wasHidden = desk.hidden;
    desk.hidden = false;
    render();
    if (wasHidden) map.invalidateSize();
  }

  function closeDesk() {
    view = null;
    if (pin) {
      pin.remove();
      pin = null;
    }
    if (!desk.hidden) {
      desk.hidden = true;
      desk.replaceChildren();
      map.invalidateSize();
    }
  }

  function render() {
    if (!view) return;
    const title = { form: view.id ? t('editTitle', { id: view.id }) : t('newTitle'), queue: t('queueTitle'), history: t('historyTitle', { id: view.id }),
      admin: t('adm_title') }[view.kind];
    const body = { form: formView, queue: queueView, history: historyView, admin: admin.view }[view.kind]();
    desk.dataset.view = view.kind;
    desk.replaceChildren(
      h('div', { class: 'desk-head' }, h('h2', { id: 'desk-title' }, title),
        h('button', { type: 'button', class: 'desk-close', 'aria-label': t('closeDesk'), title: t('closeDesk'), onclick: closeDesk }, '×')),
      h('p', { id: 'desk-message', class: `desk-message ${view.messageKind || ''}`, role: 'status' }, view.message || ''),
      body);
  }

  function say(message, kind = 'ok') {
    if (!view) return;
    view.message = message;
    view.messageKind = kind;
    const el = $('desk-message');
    if (el) {
      el.textContent = message;
      el.className = `desk-message ${kind}`;
    }
  }

  // ---- placing and the form --------------------------------------------------

  function startPlacing() {
    placing = true;
    map.getContainer().classList.add('placing');
    document.body.dataset.placing = 'true';
    renderAccount();
  }

  function stopPlacing() {
    placing = false;
    map.getContainer().classList.remove('placing');
    delete document.body.dataset.placing;
    if (session.user) renderAccount();
  }

  map.on('click', (e) => {
    if (!placing) return;
    stopPlacing();
    const today = new Date().toISOString().slice(0, 10);
    openForm({ id: null, etag: null, values: blankValues(e.latlng, today) });
  });

  function blankValues(latlng, day) {
    return {
      date_start: day, date_end: '', date_precision: '1', geo_precision: '2', longitude: latlng.lng.toFixed(5), latitude: latlng.lat.toFixed(5),
      ...Object.fromEntries(TEXTS.map((k) => [k, ''])), ...Object.fromEntries(GROUPS.map((g) => [g, '0'])),
      sources: [{ name: '', url: '', date: '', headline: '' }], notes: '', comment: '',
    };
  }

  function valuesOf(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    let sources = p.sources || [];
    if (typeof sources === 'string') sources = sources ? JSON.parse(sources) : [];
    return {
      date_start: p.date_start || '', date_end: p.date_end && p.date_end !== p.date_start ? p.date_end : '',
      date_precision: String(p.date_precision || 1), geo_precision: String(p.geo_precision || 1),
      longitude: String(lon), latitude: String(lat), ...Object.fromEntries(TEXTS.map((k) => [k, p[k] || ''])),
      ...Object.fromEntries(GROUPS.map((g) => [g, String(p[g] ?? 0)])),
      sources: sources.length ? sources.map((s) => ({ name: s.name || '', url: s.url || '', date: s.date || '', headline: s.headline || '' }))
        : [{ name: '', url: '', date: '', headline: '' }],
      notes: p.notes || '', comment: '',
    };
  }

  function openForm(f) {
    openDesk({ kind: 'form', ...f, errors: [] });
    setPin();
    desk.querySelector('input, select, textarea')?.focus();
  }

  function setPin() {
    const lat = Number(view.values.latitude);
    const lon = Number(view.values.longitude);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
    if (!pin) {
      pin = L.marker([lat, lon], { draggable: true, keyboard: false, icon: L.divIcon({ className: 'pin-icon', iconSize: [22, 22] }) }).addTo(map);
      pin.on('dragend', () => {
        const ll = pin.getLatLng();
        for (const [k, v] of [['longitude', ll.lng.toFixed(5)], ['latitude', ll.lat.toFixed(5)]]) {
          view.values[k] = v;
          const el = $(`f-${k}`);
          if (el) el.value = v;
        }
      });
    } else pin.setLatLng([lat, lon]);
  }

  // readForm keeps what is typed in view.values (before a redraw or a send).
  function readForm() {
    const form = $('incident-form');
    if (!form || view?.kind !== 'form') return;
    const v = view.values;
    for (const k of ['date_start', 'date_end', 'date_precision', 'geo_precision', 'longitude', 'latitude', ...TEXTS, ...GROUPS, 'notes', 'comment']) {
      v[k] = form.elements[k].value;
    }
    v.sources = [...form.querySelectorAll('.source-row')].map((row) => Object.fromEntries(
      ['name', 'url', 'date', 'headline'].map((k) => [k, row.querySelector(`[data-key="${k}"]`).value.trim()])));
  }

  function formView() {
    const v = view.values;
    const slots = {};
    for (const e of view.errors) {
      const slot = ERROR_SLOT[e.field] || e.field;
      (slots[slot] ??= []).push(e.reason);
    }
    const placed = new Set([...Object.keys(FIELD_LABELS), 'coordinates', 'comment']);
    const general = Object.entries(slots).filter(([k]) => !placed.has(k)).flatMap(([k, rs]) => rs.map((r) => `${k}: ${errorText(r)}`));
    // A reason the catalogue cannot word stays the server's (marked so).
    const errorOf = (name) => (slots[name] ? h('p', { class: 'field-error', id: `f-${name}-error` }, slots[name].map((r, i) => {
      const text = errorText(r);
      return [i ? ' ' : '', text === r && getLang() !== 'en' ? h('span', { translate: 'no', dir: 'ltr' }, r) : text];
    })) : null);
    const invalid = (name) => (slots[name] ? { 'aria-invalid': 'true', 'aria-describedby': `f-${name}-error` } : {});
    const field = (name, label, control) => h('div', { class: `field f-${name}` }, h('label', { for: `f-${name}` }, t(label)), control, errorOf(name));
    const input = (name, attrs = {}) => h('input', { id: `f-${name}`, name, value: v[name], ...invalid(name), ...attrs });
    const select = (name, options) => {
      const el = h('select', { id: `f-${name}`, name, ...invalid(name) }, options.map(([val, label]) => h('option', { value: val }, label)));
      el.value = v[name];
      return el;
    };
    const types = eventTypes();
    const form = h('form', { id: 'incident-form', class: 'incident-form', novalidate: true },
      general.length ? h('ul', { class: 'form-errors', id: 'form-errors' }, general.map((g) => h('li', {}, g))) : null,
      h('fieldset', {}, h('legend', {}, t('date')),
        h('div', { class: 'row' },
          field('date_start', 'f_date_start', input('date_start', { type: 'date', required: true })),
          field('date_end', 'f_date_end', input('date_end', { type: 'date' }))),
        field('date_precision', 'f_date_precision', select('date_precision', [1, 2, 3, 4, 5].map((n) => [String(n), t('dp_' + n)])))),
      h('fieldset', {}, h('legend', {}, t('place')),
        field('location_name', 'f_location_name', input('location_name', { type: 'text', dir: 'auto' })),
        field('geo_precision', 'f_geo_precision', select('geo_precision', [1, 2, 3, 4, 5, 6, 7].map((n) => [String(n), t('gp_' + n)]))),
        h('div', { class: 'row' },
          field('longitude', 'f_longitude', input('longitude', { type: 'number', step: 'any', ...invalid('coordinates') })),
          field('latitude', 'f_latitude', input('latitude', { type: 'number', step: 'any', ...invalid('coordinates') }))),
        errorOf('coordinates'),
        h('p', { class: 'help' }, t('dragPin'))),
      h('fieldset', {}, h('legend', {}, t('type')),
        field('event_type', 'eventType', input('event_type', { type: 'text', list: 'event-types' })),
        h('datalist', { id: 'event-types' }, types.map((e) => h('option', { value: e }, eventTypeLabel(e)))),
        field('sub_event_type', 'f_sub_event_type', input('sub_event_type', { type: 'text' })),
        field('perpetrator', 'perpetrator', input('perpetrator', { type: 'text', dir: 'auto' })),
        field('target', 'target', input('target', { type: 'text', dir: 'auto' }))),
      h('fieldset', { class: 'groups' }, h('legend', {}, t('casualties')),
        h('div', { class: 'group-grid' }, GROUPS.map((g) => field(g, 'm_' + g, input(g, { type: 'number', min: 0, step: 1, inputmode: 'numeric' }))))),
      h('fieldset', { class: 'sources-set' }, h('legend', {}, t('sources')), errorOf('sources'),
        v.sources.map((s, i) => h('div', { class: 'source-row', dataset: { index: i } },
          ['name', 'url', 'date', 'headline'].map((k) => h('label', {}, h('span', {}, t('src_' + k)),
            h('input', { type: k === 'date' ? 'date' : k === 'url' ? 'url' : 'text', value: s[k], dataset: { key: k }, dir: k === 'url' ? 'ltr' : 'auto' }))),
          v.sources.length > 1 ? h('button', { type: 'button', class: 'linkish', onclick: () => { readForm(); v.sources.splice(i, 1); render(); } }, t('removeSource')) : null)),
        h('button', { type: 'button', id: 'add-source', onclick: () => { readForm(); v.sources.push({ name: '', url: '', date: '', headline: '' }); render(); } }, t('addSource'))),
      field('notes', 'notes', h('textarea', { id: 'f-notes', name: 'notes', rows: 3, dir: 'auto', ...invalid('notes') }, v.notes)),
      field('comment', 'f_comment', input('comment', { type: 'text' })),
      h('div', { class: 'row form-buttons' },
        h('button', { type: 'submit', id: 'save-incident', class: 'primary' }, t(view.id ? 'saveEdit' : 'saveDraft')),
        h('button', { type: 'button', onclick: closeDesk }, t('cancel'))),
      h('p', { class: 'help' }, t(allows(session.user, 'reviewer') ? 'draftNoteReviewer' : 'draftNote')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      save();
    });
    form.addEventListener('change', (e) => {
      if (e.target.name === 'longitude' || e.target.name === 'latitude') {
        readForm();
        setPin();
      }
    });
    return form;
  }

  // featureOf is the form as the API's GeoJSON Feature.
  function featureOf(v) {
    const props = {
      date_start: v.date_start, date_end: v.date_end || v.date_start, date_precision: Number(v.date_precision),
      geo_precision: Number(v.geo_precision), ...Object.fromEntries(TEXTS.map((k) => [k, v[k].trim()])),
      ...Object.fromEntries(GROUPS.map((g) => [g, v[g] === '' ? 0 : Number.isFinite(Number(v[g])) ? Number(v[g]) : v[g]])),
      sources: v.sources.filter((s) => s.name || s.url || s.headline).map((s) => Object.fromEntries(Object.entries(s).filter(([, x]) => x))),
      notes: v.notes,
    };
    const num = (x) => (x === '' ? null : Number(x));
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [num(v.longitude), num(v.latitude)] }, properties: props };
  }

  async function save() {
    readForm();
    const f = featureOf(view.values);
    const button = $('save-incident');
    button.disabled = true;
    try {
      let answer;
      if (!view.id) {
        f.properties.external_id = `map:${crypto.randomUUID()}`;
        answer = await send('POST', '/api/incidents', { body: { ...f, comment: view.values.comment }, type: 'application/geo+json' });
      } else {
        answer = await send('PATCH', `/api/incidents/${view.id}`,
          { body: { ...f, comment: view.values.comment }, type: 'application/merge-patch+json', etag: view.etag });
      }
      // Saved: the form closes onto the drafts, the new one among them.
      const saved = answer.body;
      closeDesk();
      desk.dataset.saved = String(saved.id);
      await refreshDrafts();
      await showQueue(t('savedDraft', { id: saved.id, n: saved.version?.number ?? '' }));
      reload();
    } catch (err) {
      view.errors = err.problem?.errors || [];
      view.message = err.status === 412 ? t('conflict') : err.status === 400 && view.errors.length ? t('fixErrors') : (err.problem?.detail || err.message);
      view.messageKind = 'error';
      render();
      desk.querySelector('[aria-invalid="true"]')?.focus();
    }
  }

  async function editIncident(id) {
    try {
      const { body, etag } = await head(id);
      map.closePopup();
      openForm({ id: body.id, etag, values: valuesOf(body) });
    } catch (err) {
      alertInPopup(err);
    }
  }

  function alertInPopup(err) {
    const el = document.querySelector('.leaflet-popup .popup-actions .action-error');
    if (el) el.textContent = err.problem?.detail || err.message;
  }

  // ---- retraction -------------------------------------------------------------

  function retractForm(p, holder) {
    const reason = h('input', { type: 'text', id: `retract-reason-${p.id}`, class: 'retract-reason', required: true, 'aria-label': t('retractReason'), placeholder: t('retractReason') });
    holder.replaceChildren(h('form', { class: 'retract-form', onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) {
        reason.setAttribute('aria-invalid', 'true');
        return;
      }
      try {
        const { etag } = await head(p.id);
        await send('DELETE', `/api/incidents/${p.id}?reason=${encodeURIComponent(reason.value.trim())}`, { etag });
        map.closePopup();
        await refreshDrafts();
        reload();
      } catch (err) {
        alertInPopup(err);
      }
    } }, reason, h('button', { type: 'submit', class: 'danger retract-confirm' }, t('retractConfirm'))));
    reason.focus();
  }

  // ---- the popup's actions ------------------------------------------------------

  popupExtras.actions = (p) => {
    if (p.id === undefined || p.id === '') return null;
    const u = session.user;
    const holder = h('div', { class: 'retract-holder' });
    return h('div', { class: 'popup-actions' },
      h('button', { type: 'button', class: 'history-open', onclick: () => showHistory(p.id) }, t('history')),
      allows(u, 'editor') ? h('button', { type: 'button', class: 'edit-open', onclick: () => editIncident(p.id) }, t('edit')) : null,
      allows(u, 'reviewer') && !p.draft ? h('button', { type: 'button', class: 'retract-open', onclick: () => retractForm(p, holder) }, t('retract')) : null,
      holder, h('p', { class: 'action-error', role: 'alert' }));
  };

  // ---- drafts on the map and the queue --------------------------------------------

  async function draftList() {
    return (await getJSON(`/api/incidents?status=draft&limit=${QUEUE_LIMIT}`)).features || [];
  }

  async function refreshDrafts() {
    drafts.clearLayers();
    if (!allows(session.user, 'editor')) return;
    let list = [];
    try {
      list = await draftList();
    } catch (err) {
      if (err.status === 401) signedOut();
      return;
    }
    draftCount = list.length;
    for (const f of list) {
      const [lon, lat] = f.geometry.coordinates;
      const p = { ...f.properties, id: f.id, draft: true };
      const m = L.marker([lat, lon], { icon: L.divIcon({ className: 'draft-icon', iconSize: [16, 16] }), title: t('draftOf', { place: p.location_name || t('incident') }) });
      const open = () => L.popup(popupOptions(map, { maxWidth: 320 })).setLatLng(m.getLatLng()).setContent(incidentPopup(p)).openOn(map);
      m.on('click', open);
      m.on('keypress', (e) => { if (e.originalEvent.keyCode === 13) open(); });
      m.on('add', () => {
        const el = m.getElement();
        if (el) el.dataset.id = f.id;
      });
      drafts.addLayer(m);
    }
    if (session.user) renderAccount();
  }

  // showQueue lists the drafts, with message above them.
  async function showQueue(message = '', messageKind = 'ok') {
    openDesk({ kind: 'queue', items: null, message, messageKind });
    const mine = view;
    try {
      const list = await draftList();
      // Each draft beside the version the public sees (none for a new incident).
      const items = await Promise.all(list.map(async (f) => {
        const n = f.version?.published;
        const published = n ? await getJSON(`/api/incidents/${f.id}/versions/${n}`) : null;
        return { draft: f, published };
      }));
      if (view !== mine) return;
      view.items = items;
      render();
    } catch (err) {
      if (view !== mine) return;
      view.items = [];
      say(err.problem?.detail || err.message, 'error');
    }
  }

  function queueView() {
    if (!view.items) return h('p', { class: 'help' }, t('loading'));
    if (!view.items.length) return h('p', { class: 'help', id: 'queue-empty' }, t('queueEmpty'));
    const reviewer = allows(session.user, 'reviewer');
    return h('ul', { class: 'queue', id: 'queue' }, view.items.map(({ draft, published }) => {
      const ver = draft.version || {};
      const p = draft.properties;
      return h('li', { class: 'queue-item', dataset: { id: draft.id, version: ver.number } },
        h('h3', {}, h('bdi', { dir: 'auto', translate: 'no' }, p.location_name || t('incident')), ' · ', p.date_start),
        h('p', { class: 'help' }, t(published ? 'queueEdit' : 'queueNew', { id: draft.id, n: ver.number }), ' · ',
          t('byAt', { author: ver.author || '—', at: fmtTime(ver.at) }),
          ver.comment ? [' · ', h('q', { dir: 'auto', translate: 'no' }, ver.comment)] : null),
        h('p', { class: 'diff-title' }, t(published ? 'diffPublished' : 'diffNew')),
        diffTable(diffOf(published, draft)),
        h('div', { class: 'row' },
          reviewer ? h('button', { type: 'button', class: 'primary publish', onclick: () => publish(draft) }, t('publish')) : null,
          h('button', { type: 'button', class: 'edit-open', onclick: () => editIncident(draft.id) }, t('edit')),
          h('button', { type: 'button', onclick: () => map.flyTo([draft.geometry.coordinates[1], draft.geometry.coordinates[0]], Math.max(map.getZoom(), 10)) }, t('showOnMap'))),
        h('p', { class: 'action-error', role: 'alert' }));
    }));
  }

  async function publish(draft) {
    try {
      await send('PATCH', `/api/incidents/${draft.id}`, { body: { status: 'published' }, type: 'application/merge-patch+json', etag: `"v${draft.version.number}"` });
      await refreshDrafts();
      await showQueue(t('published', { id: draft.id }));
      reload();
    } catch (err) {
      const el = desk.querySelector(`.queue-item[data-id="${draft.id}"] .action-error`);
      if (el) el.textContent = err.status === 412 ? t('conflict') : (err.problem?.detail || err.message);
    }
  }

  // ---- administration ------------------------------------------------------------

  function showAdmin() {
    stopPlacing();
    openDesk({ kind: 'admin' });
    admin.open();
  }

  // ---- history -------------------------------------------------------------------

  async function showHistory(id) {
    map.closePopup();
    openDesk({ kind: 'history', id, versions: null });
    const mine = view;
    try {
      const body = await getJSON(`/api/incidents/${encodeURIComponent(id)}/history`);
      if (view !== mine) return;
      view.versions = body.versions || [];
      render();
    } catch (err) {
      if (view !== mine) return;
      view.versions = [];
      say(err.problem?.detail || err.message, 'error');
    }
  }

  function historyView() {
    if (!view.versions) return h('p', { class: 'help' }, t('loading'));
    const newest = view.versions[view.versions.length - 1]?.number;
    return h('ol', { class: 'history', id: 'history' }, view.versions.map((v, i) => h('li', { class: 'history-version', dataset: { number: v.number, status: v.status, action: v.action } },
      h('h3', {}, t('versionN', { n: v.number }), ' · ', t('status_' + v.status), ' · ', t('action_' + v.action)),
      h('p', { class: 'help' }, t('byAt', { author: v.author || t('authorHidden'), at: fmtTime(v.at) }),
        v.comment ? [' · ', h('q', { dir: 'auto', translate: 'no' }, v.comment)] : null),
      i === 0 ? h('p', { class: 'help' }, t('firstVersion')) : diffTable(v.changes || []),
      allows(session.user, 'editor') && v.number !== newest && v.status !== 'draft'
        ? h('button', { type: 'button', class: 'revert', onclick: () => revert(v.number) }, t('revertTo', { n: v.number })) : null)));
  }

  async function revert(n) {
    const id = view.id;
    try {
      const { etag } = await head(id);
      await send('POST', `/api/incidents/${id}/revert`, { body: { version: n, comment: t('revertComment', { n }) }, etag });
      await refreshDrafts();
      await showHistory(id);
      say(t('reverted', { n }));
    } catch (err) {
      say(err.problem?.detail || err.message, 'error');
    }
  }

  onLangChange(() => {
    readForm();
    renderAccount();
    render();
  });

  renderAccount();
  resume();

  return {
    session,
    // takesClicks: while placing, a click on the map is the new incident's place.
    takesClicks: () => placing,
    refreshDrafts,
  };
}
