// The administration panel (issue 15, role admin): users (add one with a
// role, change its role, disable or enable it, give it a new password),
// API tokens (create one for a user with an expiry, revoke one) and the
// audit log, filtered and paged by the API's cursor. A new password or
// token is shown once, as the API answers it, with a copy button: the
// server keeps only its hash. Writes go through the desk's send, which
// carries the session's CSRF token; the server checks the role anyway.
import { h } from './dom.js';
import { fmtNumber, fmtTime, t, tn } from './i18n.js';

// The roles an account may have (geo.Roles), least allowed first.
const ROLES = ['editor', 'reviewer', 'admin'];
// Lifetimes a new token may be given (the API takes up to 366d).
const TOKEN_DAYS = [7, 30, 90, 180, 366];
// The audit log's actions the API names (request.AuditAction), offered in the filter.
const AUDIT_ACTIONS = ['login', 'login_failed', 'logout', 'user_add', 'user_change', 'token_create', 'token_revoke'];
const AUDIT_FILTERS = ['actor', 'action', 'target', 'from', 'to'];
// Entries per page of the audit log (the API takes 1 to 1000).
const AUDIT_SIZES = [10, 50, 200];
// The audit log's orders (request.AuditOrder); the desk reads today's first.
const AUDIT_ORDERS = ['newest', 'oldest'];

// pathOf keeps the path and query of a link the server may give absolute.
const pathOf = (href) => {
  const u = new URL(href, location.href);
  return u.pathname + u.search;
};

const problemText = (err) => err.problem?.detail || err.message;

// createAdmin makes the panel. send(method, url, {body}) is the desk's
// request helper; session.user is who is signed in. The panel is one
// element that stays while the desk shows it; each section redraws itself.
export function createAdmin({ send, session }) {
  const state = {
    // The server's refusal each section shows.
    errors: { users: '', tokens: '', audit: '' },
    users: null, userForm: { name: '', role: 'editor' }, password: null,
    tokens: null, tokenForm: { user: '', name: '', days: '90' }, secret: null,
    audit: null, auditNext: null, auditFilter: Object.fromEntries(AUDIT_FILTERS.map((k) => [k, ''])), auditLimit: '50',
    auditOrder: AUDIT_ORDERS[0],
  };
  const root = h('div', { id: 'admin', class: 'admin' });
  const parts = { users: h('section', { id: 'admin-users', class: 'admin-section' }),
    tokens: h('section', { id: 'admin-tokens', class: 'admin-section' }),
    audit: h('section', { id: 'admin-audit', class: 'admin-section' }) };
  root.append(parts.users, parts.tokens, parts.audit);

  // ---- shared pieces ---------------------------------------------------------

  // secretBox shows a password or token once, with a copy button.
  function secretBox(id, title, value, note, onDone) {
    const copied = h('span', { class: 'copied', role: 'status' });
    return h('div', { class: 'secret-box', id },
      h('p', { class: 'secret-title' }, title),
      h('code', { class: 'secret-value', id: `${id}-value`, dir: 'ltr', translate: 'no' }, value),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary copy', onclick: () => copy(value, copied) }, t('adm_copy')),
        h('button', { type: 'button', class: 'dismiss', onclick: onDone }, t('adm_dismiss')), copied),
      h('p', { class: 'help' }, note));
  }

  async function copy(value, status) {
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = t('adm_copied');
    } catch {
      // No clipboard (an http page not on localhost): the text is selected for Ctrl+C.
      const code = status.closest('.secret-box').querySelector('.secret-value');
      getSelection().selectAllChildren(code);
      status.textContent = t('adm_copySelect');
    }
  }

  // fill puts children in el, skipping those left out (null), as h does.
  const fill = (el, ...children) => el.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
  // errorLine shows the server's reason (problem+json detail), in its English.
  const errorLine = (id, text) => h('p', { class: 'action-error', id, role: 'alert', lang: 'en', dir: 'ltr' }, text);
  const data = (text) => h('bdi', { translate: 'no' }, text ?? '');
  const stamp = (at) => (at ? h('time', { datetime: at }, fmtTime(at)) : '—');
  // phrase is t(key) with the values of vars, data such as user names,
  // set as marked elements (bidi-isolated, never translated).
  const phrase = (key, vars) => {
    const names = Object.keys(vars);
    const text = t(key, Object.fromEntries(names.map((k, i) => [k, `\u0000${i}\u0000`])));
    return text.split('\u0000').map((part, j) => (j % 2 ? data(String(vars[names[Number(part)]])) : part));
  };
  const headRow = (keys) => h('thead', {}, h('tr', {}, keys.map((k) => h('th', { scope: 'col' }, k ? t(k) : ''))));

  // ---- users -------------------------------------------------------------------

  // loadList reads the users or the tokens ({key: [...]}) into state[key].
  async function loadList(key) {
    try {
      state[key] = (await send('GET', `/api/${key}`)).body[key] || [];
      state.errors[key] = '';
    } catch (err) {
      state[key] = state[key] || [];
      state.errors[key] = problemText(err);
    }
    drawLists();
  }

  // drawLists draws users and tokens: the token form offers the users.
  function drawLists() {
    drawUsers();
    drawTokens();
  }

  // act makes a change to the users or the tokens (key): done, it reads the
  // list afresh; refused, the section says why.
  async function act(key, change) {
    try {
      await change();
      state.errors[key] = '';
      await loadList(key);
    } catch (err) {
      state.errors[key] = problemText(err);
      drawLists();
    }
  }

  const addUser = () => act('users', async () => {
    const { name, role } = state.userForm;
    const { body } = await send('POST', '/api/users', { body: { name: name.trim(), role } });
    state.password = { name: body.user.name, password: body.password, made: true };
    state.userForm.name = '';
  });

  const changeUser = (name, change) => act('users', async () => {
    const { body } = await send('PATCH', `/api/users/${encodeURIComponent(name)}`, { body: change });
    if (body.password) state.password = { name, password: body.password, made: false };
  });

  function drawUsers() {
    const list = state.users;
    const me = session.user?.name;
    const form = h('form', { id: 'user-add', class: 'admin-form', onsubmit: (e) => { e.preventDefault(); addUser(); } },
      h('label', {}, h('span', {}, t('username')),
        h('input', { id: 'user-add-name', type: 'text', required: true, autocomplete: 'off', dir: 'ltr', value: state.userForm.name,
          oninput: (e) => { state.userForm.name = e.target.value; } })),
      h('label', {}, h('span', {}, t('adm_role')), roleSelect('user-add-role', state.userForm.role, (r) => { state.userForm.role = r; })),
      h('button', { type: 'submit', id: 'user-add-submit', class: 'primary' }, t('adm_addUser')));
    fill(parts.users,
      h('h3', { id: 'admin-users-title' }, t('adm_users')),
      state.password ? secretBox('new-password', phrase(state.password.made ? 'adm_passwordFor' : 'adm_newPasswordFor', { name: state.password.name }),
        state.password.password, t('adm_passwordNote'), () => { state.password = null; drawUsers(); }) : null,
      errorLine('users-error', state.errors.users),
      !list ? h('p', { class: 'help' }, t('loading')) : h('div', { class: 'table-wrap' }, h('table', { class: 'admin-table', id: 'users-table' },
        headRow(['username', 'adm_role', 'adm_state', 'adm_created', '']),
        h('tbody', {}, list.map((u) => h('tr', { dataset: { name: u.name, role: u.role, disabled: String(u.disabled) } },
          h('th', { scope: 'row' }, data(u.name)),
          h('td', {}, u.name === me ? t('role_' + u.role)
            : roleSelect(null, u.role, (r) => changeUser(u.name, { role: r }), t('adm_role'))),
          h('td', { class: u.disabled ? 'disabled' : '' }, t(u.disabled ? 'adm_disabled' : 'adm_active')),
          h('td', {}, stamp(u.created_at)),
          h('td', { class: 'actions' },
            u.name === me ? null : h('button', { type: 'button', class: u.disabled ? 'enable' : 'disable',
              onclick: () => changeUser(u.name, { disabled: !u.disabled }) }, t(u.disabled ? 'adm_enable' : 'adm_disable')),
            h('button', { type: 'button', class: 'reset', onclick: () => changeUser(u.name, { reset_password: true }) }, t('adm_resetPassword')))))))),
      h('h4', {}, t('adm_addUser')), form);
  }

  function roleSelect(id, value, onchange, label) {
    const el = h('select', { id, class: 'role-select', 'aria-label': label, onchange: (e) => onchange(e.target.value) },
      ROLES.map((r) => h('option', { value: r }, t('role_' + r))));
    el.value = value;
    return el;
  }

  // ---- tokens ------------------------------------------------------------------

  const createToken = () => act('tokens', async () => {
    const f = state.tokenForm;
    const { body } = await send('POST', '/api/tokens', { body: { user: f.user, name: f.name.trim(), expires: `${f.days}d` } });
    state.secret = { id: body.id, user: body.user, token: body.token };
    f.name = '';
  });

  const revokeToken = (id) => act('tokens', async () => {
    await send('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
    if (state.secret?.id === id) state.secret = null;
  });

  function drawTokens() {
    const list = state.tokens;
    const users = (state.users || []).map((u) => u.name);
    const f = state.tokenForm;
    if (!users.includes(f.user)) f.user = users[0] || '';
    const owner = h('select', { id: 'token-user', required: true, onchange: (e) => { f.user = e.target.value; } },
      users.map((n) => h('option', { value: n, translate: 'no' }, n)));
    owner.value = f.user;
    const days = h('select', { id: 'token-days', onchange: (e) => { f.days = e.target.value; } },
      TOKEN_DAYS.map((d) => h('option', { value: String(d) }, tn('adm_daysN', d))));
    days.value = f.days;
    const form = h('form', { id: 'token-create', class: 'admin-form', onsubmit: (e) => { e.preventDefault(); createToken(); } },
      h('label', {}, h('span', {}, t('adm_owner')), owner),
      h('label', {}, h('span', {}, t('adm_tokenName')),
        h('input', { id: 'token-name', type: 'text', maxlength: 200, dir: 'auto', value: f.name, placeholder: t('adm_tokenNameHint'),
          oninput: (e) => { f.name = e.target.value; } })),
      h('label', {}, h('span', {}, t('adm_expiresIn')), days),
      h('button', { type: 'submit', id: 'token-create-submit', class: 'primary' }, t('adm_createToken')));
    fill(parts.tokens,
      h('h3', { id: 'admin-tokens-title' }, t('adm_tokens')),
      state.secret ? secretBox('new-token', phrase('adm_tokenFor', { id: state.secret.id, name: state.secret.user }), state.secret.token,
        t('adm_tokenNote'), () => { state.secret = null; drawTokens(); }) : null,
      errorLine('tokens-error', state.errors.tokens),
      !list ? h('p', { class: 'help' }, t('loading')) : !list.length ? h('p', { class: 'help', id: 'tokens-empty' }, t('adm_noTokens'))
        : h('div', { class: 'table-wrap' }, h('table', { class: 'admin-table', id: 'tokens-table' },
          headRow(['adm_tokenID', 'adm_owner', 'adm_tokenName', 'adm_created', 'adm_expires', 'adm_lastUsed', '']),
          h('tbody', {}, list.map((tk) => h('tr', { dataset: { id: tk.id, user: tk.user, revoked: String(Boolean(tk.revoked_at)) } },
            h('th', { scope: 'row' }, data(String(tk.id))),
            h('td', {}, data(tk.user)),
            h('td', {}, tk.name ? h('bdi', { dir: 'auto', translate: 'no' }, tk.name) : '—'),
            h('td', {}, stamp(tk.created_at), tk.created_by ? h('span', { class: 'help' }, ' ', t('adm_by'), ' ', data(tk.created_by)) : null),
            h('td', {}, stamp(tk.expires_at)),
            h('td', {}, tk.last_used ? stamp(tk.last_used) : t('adm_never')),
            h('td', { class: 'actions' }, tk.revoked_at ? [t('adm_revokedAt'), ' ', stamp(tk.revoked_at)]
              : h('button', { type: 'button', class: 'danger revoke', onclick: () => revokeToken(tk.id) }, t('adm_revoke')))))))),
      h('h4', {}, t('adm_createToken')), form);
  }

  // ---- audit log -----------------------------------------------------------------

  // loadAudit reads the first page of the filter (more: the next page).
  async function loadAudit(more = false) {
    let url = state.auditNext;
    if (!more) {
      const q = new URLSearchParams();
      for (const k of AUDIT_FILTERS) if (state.auditFilter[k].trim()) q.set(k, state.auditFilter[k].trim());
      q.set('order', state.auditOrder);
      q.set('limit', state.auditLimit);
      url = '/api/audit?' + q;
    }
    try {
      const { body } = await send('GET', pathOf(url));
      state.audit = more ? [...(state.audit || []), ...(body.entries || [])] : (body.entries || []);
      state.auditNext = body.next || null;
      state.errors.audit = '';
    } catch (err) {
      if (!more) state.audit = [];
      state.errors.audit = problemText(err);
    }
    drawAudit();
  }

  function drawAudit() {
    const fl = state.auditFilter;
    const input = (k, attrs) => h('label', {}, h('span', {}, t('adm_f_' + k)),
      h('input', { id: `audit-${k}`, name: k, value: fl[k], dir: 'ltr', oninput: (e) => { fl[k] = e.target.value; }, ...attrs }));
    const size = h('select', { id: 'audit-limit', onchange: (e) => { state.auditLimit = e.target.value; } },
      AUDIT_SIZES.map((n) => h('option', { value: String(n) }, fmtNumber(n))));
    size.value = state.auditLimit;
    const order = h('select', { id: 'audit-order', onchange: (e) => { state.auditOrder = e.target.value; } },
      AUDIT_ORDERS.map((o) => h('option', { value: o }, t('adm_order_' + o))));
    order.value = state.auditOrder;
    const filters = h('form', { id: 'audit-filter', class: 'admin-form', onsubmit: (e) => { e.preventDefault(); loadAudit(); } },
      input('actor', { type: 'text' }), input('action', { type: 'text', list: 'audit-actions' }),
      h('datalist', { id: 'audit-actions' }, AUDIT_ACTIONS.map((a) => h('option', { value: a }))),
      input('target', { type: 'text' }), input('from', { type: 'date' }), input('to', { type: 'date' }),
      h('label', {}, h('span', {}, t('adm_order')), order),
      h('label', {}, h('span', {}, t('adm_perPage')), size),
      h('button', { type: 'submit', id: 'audit-apply', class: 'primary' }, t('adm_apply')));
    const list = state.audit;
    fill(parts.audit,
      h('h3', { id: 'admin-audit-title' }, t('adm_audit')),
      h('p', { class: 'help' }, t('adm_auditOrder')),
      filters,
      errorLine('audit-error', state.errors.audit),
      !list ? h('p', { class: 'help' }, t('loading')) : !list.length ? h('p', { class: 'help', id: 'audit-empty' }, t('adm_auditEmpty'))
        : h('div', { class: 'table-wrap' }, h('table', { class: 'admin-table', id: 'audit-table' },
          headRow(['adm_time', 'adm_actor', 'adm_action', 'adm_target', 'adm_client', 'adm_detail']),
          h('tbody', {}, list.map((e) => h('tr', { dataset: { id: e.id, action: e.action, target: e.target || '' } },
            h('td', {}, stamp(e.at)), h('td', {}, data(e.actor)), h('td', {}, data(e.action)), h('td', {}, data(e.target || '—')),
            h('td', {}, data(e.client)),
            h('td', { class: 'detail' }, e.detail === undefined ? '' : h('code', { translate: 'no', dir: 'ltr' }, JSON.stringify(e.detail)))))))),
      list?.length ? h('p', { class: 'help', id: 'audit-count' }, tn('adm_entriesN', list.length)) : null,
      state.auditNext ? h('button', { type: 'button', id: 'audit-more', onclick: () => loadAudit(true) }, t('adm_more')) : null);
  }

  function draw() {
    drawUsers();
    drawTokens();
    drawAudit();
  }

  return {
    // view is the panel, drawn in the page's language.
    view() {
      draw();
      return root;
    },
    // open reads everything afresh; a secret shown before is forgotten.
    async open() {
      state.password = null;
      state.secret = null;
      draw();
      await Promise.all([loadList('users'), loadList('tokens'), loadAudit()]);
    },
    // forget drops what the panel holds (at sign-out).
    forget() {
      Object.assign(state, { users: null, tokens: null, audit: null, auditNext: null, password: null, secret: null,
        errors: { users: '', tokens: '', audit: '' } });
    },
  };
}
