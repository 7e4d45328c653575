// Browser tests of the administration panel (issue 15): an admin made with
// `badiamap user add` signs in, adds a user and reads the one-time password
// the page shows once (that user then signs in with it), changes the user's
// role, disables and enables it, creates an API token for it and reads the
// secret shown once (a Bearer call with it works), revokes it (the same call
// is then refused), sees the server's refusals inline, and finds every one
// of those writes in the audit table, paged by the API's cursor. An editor
// sees no Administration entry, and the server refuses the admin API to
// them. In Arabic the panel is right to left and all in Arabic.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { artifacts, latinStrings, launchBrowser, offlinePage, signIn, startServer, waitIdle } from './harness.mjs';

const ADMIN = 'boss';
const EDITOR = 'desk';
const NEWCOMER = 'nour';

let server;
let browser;
const consoleErrors = [];
let admin; // the admin's page
let tokenID;

before(async () => {
  server = await startServer({ users: [[ADMIN, 'admin'], [EDITOR, 'editor']] });
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open() {
  const page = await offlinePage(browser, consoleErrors, { viewport: { width: 1366, height: 900 } });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  await page.goto(server.base + '/');
  await waitIdle(page);
  return page;
}

// login signs name in through the API, as a script would; it answers the status.
async function login(name, password) {
  const res = await fetch(server.base + '/api/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.base },
    body: JSON.stringify({ username: name, password }),
  });
  return { status: res.status, body: await res.json() };
}

// asBearer is GET /api/session with an API token.
async function asBearer(secret) {
  const res = await fetch(server.base + '/api/session', { headers: { Authorization: `Bearer ${secret}` } });
  return { status: res.status, body: await res.json() };
}

// adminAPI reads path with the admin's session, from the page.
function adminAPI(path) {
  return admin.evaluate(async (p) => (await fetch(p, { headers: { Accept: 'application/json' } })).json(), path);
}

const row = (sel) => admin.locator(sel);

describe('the administration panel', () => {
  test('an admin adds a user, reads the one-time password once, and that user signs in with it', async () => {
    admin = await open();
    await signIn(admin, ADMIN, server.passwords[ADMIN]);
    await admin.click('#admin-open');
    await admin.locator('#users-table').waitFor();
    assert.equal(await admin.textContent('#desk-title'), 'Administration');
    assert.equal(await admin.textContent('#admin-users-title'), 'Users');
    assert.equal(await admin.textContent('#admin-tokens-title'), 'API tokens');
    assert.equal(await admin.textContent('#admin-audit-title'), 'Audit log');
    const listed = await admin.locator('#users-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.name, tr.dataset.role]));
    assert.deepEqual(listed, (await adminAPI('/api/users')).users.map((u) => [u.name, u.role]), 'the table lists the API\'s users');

    await admin.fill('#user-add-name', NEWCOMER);
    await admin.selectOption('#user-add-role', 'reviewer');
    await admin.click('#user-add-submit');
    await admin.locator('#new-password-value').waitFor();
    const password = await admin.textContent('#new-password-value');
    assert.ok(password.length >= 12, `a password is shown: ${password}`);
    assert.match(await admin.textContent('#new-password'), new RegExp(`new user ${NEWCOMER}:.*shown this once and never again`, 's'));
    await admin.click('#new-password .copy');
    await admin.waitForFunction(() => document.querySelector('#new-password .copied').textContent !== '');
    assert.equal(await admin.evaluate(() => navigator.clipboard.readText()), password, 'the copy button copies it');
    const tr = row(`#users-table tr[data-name="${NEWCOMER}"]`);
    assert.equal(await tr.getAttribute('data-role'), 'reviewer');
    assert.equal(await tr.getAttribute('data-disabled'), 'false');
    await admin.screenshot({ path: join(artifacts, '40-admin-user-added.png') });

    const signedIn = await login(NEWCOMER, password);
    assert.equal(signedIn.status, 200, 'the new user signs in with the password the page showed');
    assert.equal(signedIn.body.user.role, 'reviewer');
    // Shown once: hidden, it is gone, and the API lists users without it.
    await admin.click('#new-password .dismiss');
    assert.equal(await admin.locator('#new-password').count(), 0);
    assert.ok(!JSON.stringify(await adminAPI('/api/users')).includes(password));
  });

  test('the server\'s refusals are shown inline', async () => {
    for (const [name, status] of [[NEWCOMER, 409], ['no spaces allowed', 400]]) {
      await admin.fill('#user-add-name', name);
      const [res] = await Promise.all([
        admin.waitForResponse((r) => r.url().endsWith('/api/users') && r.request().method() === 'POST'),
        admin.click('#user-add-submit'),
      ]);
      assert.equal(res.status(), status);
      const { detail } = await res.json();
      await admin.waitForFunction((d) => document.getElementById('users-error')?.textContent === d, detail);
      assert.equal(await admin.inputValue('#user-add-name'), name, 'what was typed stays');
    }
    // An admin does not demote themself: there is no control for it, and the API says why.
    assert.equal(await row(`#users-table tr[data-name="${ADMIN}"] select`).count(), 0);
    assert.equal(await row(`#users-table tr[data-name="${ADMIN}"] button.disable`).count(), 0);
    await admin.fill('#user-add-name', '');
  });

  test('the admin changes the user\'s role, disables and enables it', async () => {
    const tr = () => row(`#users-table tr[data-name="${NEWCOMER}"]`);
    await tr().locator('select').selectOption('editor');
    await admin.waitForFunction((n) => document.querySelector(`#users-table tr[data-name="${n}"]`)?.dataset.role === 'editor', NEWCOMER);
    assert.equal((await adminAPI('/api/users')).users.find((u) => u.name === NEWCOMER).role, 'editor');

    await tr().locator('button.disable').click();
    await admin.waitForFunction((n) => document.querySelector(`#users-table tr[data-name="${n}"]`)?.dataset.disabled === 'true', NEWCOMER);
    assert.equal(await tr().locator('td.disabled').textContent(), 'disabled');
    // A new password, then: a disabled account does not sign in with it.
    await tr().locator('button.reset').click();
    await admin.locator('#new-password-value').waitFor();
    const password = await admin.textContent('#new-password-value');
    assert.match(await admin.textContent('#new-password .secret-title'), new RegExp(`new password of ${NEWCOMER}`));
    assert.equal((await login(NEWCOMER, password)).status, 401, 'disabled: no sign-in');
    await tr().locator('button.enable').click();
    await admin.waitForFunction((n) => document.querySelector(`#users-table tr[data-name="${n}"]`)?.dataset.disabled === 'false', NEWCOMER);
    assert.equal((await login(NEWCOMER, password)).status, 200, 'enabled: the new password signs in');
    await admin.click('#new-password .dismiss');
  });

  test('a token for the user is shown once, works as Bearer, and once revoked is refused', async () => {
    await admin.selectOption('#token-user', NEWCOMER);
    await admin.fill('#token-name', 'nightly export');
    await admin.selectOption('#token-days', '30');
    const made = Date.now();
    await admin.click('#token-create-submit');
    await admin.locator('#new-token-value').waitFor();
    const secret = await admin.textContent('#new-token-value');
    assert.match(await admin.textContent('#new-token'), /will not be shown again/);
    const tr = row(`#tokens-table tbody tr[data-user="${NEWCOMER}"]`);
    await tr.waitFor();
    tokenID = Number(await tr.getAttribute('data-id'));
    assert.match(await admin.textContent('#new-token .secret-title'), new RegExp(`Token ${tokenID} of ${NEWCOMER}`));
    const listed = (await adminAPI('/api/tokens')).tokens.find((tk) => tk.id === tokenID);
    assert.equal(listed.name, 'nightly export');
    assert.ok(Math.abs(Date.parse(listed.expires_at) - (made + 30 * 864e5)) < 120_000, `expires in 30 days: ${listed.expires_at}`);
    assert.equal(await tr.locator('td').nth(4).textContent(), 'never', 'not used yet');
    await admin.screenshot({ path: join(artifacts, '41-admin-token.png') });

    const whoami = await asBearer(secret);
    assert.equal(whoami.status, 200, 'the secret the page showed is a working token');
    assert.equal(whoami.body.user.name, NEWCOMER);

    await tr.locator('button.revoke').click();
    await admin.waitForFunction((id) => document.querySelector(`#tokens-table tr[data-id="${id}"]`)?.dataset.revoked === 'true', tokenID);
    assert.equal(await admin.locator('#new-token').count(), 0, 'the revoked token\'s secret is no longer shown');
    assert.equal((await asBearer(secret)).status, 401, 'revoked: refused');
    // Revoking it again: the API's 409, shown inline.
    const again = await admin.evaluate(async (id) => {
      const csrf = window.badiamap.editor.session.csrf;
      const res = await fetch(`/api/tokens/${id}`, { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
      return res.status;
    }, tokenID);
    assert.equal(again, 409);
  });

  test('the audit table has every write, filtered and paged by the API\'s cursor', async () => {
    await admin.fill('#audit-actor', ADMIN);
    await admin.click('#audit-apply');
    await admin.waitForFunction(() => document.querySelector('#audit-table tr[data-action="token_revoke"]'));
    const rows = await admin.locator('#audit-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.action, tr.dataset.target]));
    for (const want of [['login', `user:${ADMIN}`], ['user_add', `user:${NEWCOMER}`], ['user_change', `user:${NEWCOMER}`],
      ['token_create', `token:${tokenID}`], ['token_revoke', `token:${tokenID}`]]) {
      assert.ok(rows.some(([a, tg]) => a === want[0] && tg === want[1]), `the table has ${want.join(' ')}: ${JSON.stringify(rows)}`);
    }
    assert.equal(rows.filter(([a]) => a === 'user_change').length, 4, 'role, disable, new password, enable');
    const api = await adminAPI(`/api/audit?actor=${ADMIN}&order=newest&limit=50`);
    assert.deepEqual(rows, api.entries.map((e) => [e.action, e.target]), 'the rows are the API\'s, newest first');
    assert.equal(rows[0][0], 'token_revoke', 'the newest entry, the revoked token, heads the table');
    assert.ok(await admin.locator('#audit-table tbody tr td:nth-child(5)').first().textContent(), 'the client is shown');
    await admin.screenshot({ path: join(artifacts, '42-admin-audit.png') });

    // Paging: 10 a page, newest first, "More" follows the next link until the last page.
    await admin.fill('#audit-actor', '');
    await admin.selectOption('#audit-limit', '10');
    await admin.click('#audit-apply');
    await admin.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length === 10);
    const every = [];
    for (let next = '/api/audit?order=newest&limit=1000'; next; ) {
      const page = await adminAPI(next);
      every.push(...page.entries.map((e) => String(e.id)));
      next = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
    }
    assert.ok(every.length > 10, `enough entries for two pages: ${every.length}`);
    for (let shown = 10; shown < every.length; shown += 10) {
      await admin.click('#audit-more');
      const want = Math.min(shown + 10, every.length);
      await admin.waitForFunction((n) => document.querySelectorAll('#audit-table tbody tr').length === n, want);
    }
    assert.equal(await admin.locator('#audit-more').count(), 0, 'no "More" after the last page');
    const ids = await admin.locator('#audit-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.id));
    assert.deepEqual(ids, every, 'page after page, every entry once, in the API\'s order');
    const ascending = every.map(Number).toSorted((a, b) => a - b);
    assert.deepEqual(every.map(Number), ascending.toReversed(), 'newest first: ids descend');
    // Oldest first on asking, from the log's first entry.
    await admin.selectOption('#audit-order', 'oldest');
    await admin.click('#audit-apply');
    await admin.waitForFunction((first) => document.querySelector('#audit-table tbody tr')?.dataset.id === first, String(ascending[0]));
    assert.deepEqual(await admin.locator('#audit-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id))),
      ascending.slice(0, 10), 'oldest first: the first ten ids');
    await admin.selectOption('#audit-order', 'newest');
    // A filter the API refuses is said inline.
    await admin.fill('#audit-from', '2030-01-02');
    await admin.fill('#audit-to', '2030-01-01');
    await admin.click('#audit-apply');
    await admin.waitForFunction(() => /is before from/.test(document.getElementById('audit-error')?.textContent));
    await admin.fill('#audit-from', '');
    await admin.fill('#audit-to', '');
    await admin.click('#audit-apply');
    await admin.waitForFunction(() => document.getElementById('audit-error')?.textContent === '');
  });

  test('in Arabic the panel is right to left and all in Arabic', async () => {
    await admin.click('#lang-switch');
    await waitIdle(admin);
    assert.equal(await admin.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await admin.textContent('#desk-title'), 'الإدارة');
    assert.equal(await admin.textContent('#admin-users-title'), 'المستخدمون');
    assert.equal(await admin.textContent('#admin-tokens-title'), 'رموز الوصول البرمجي');
    assert.equal(await admin.textContent('#admin-audit-title'), 'سجل التدقيق');
    assert.equal(await admin.textContent('#admin-open'), 'الإدارة');
    // A new password in Arabic: the value and the name are data, the rest Arabic.
    await row(`#users-table tr[data-name="${NEWCOMER}"] button.reset`).click();
    await admin.locator('#new-password-value').waitFor();
    assert.match(await admin.textContent('#new-password .secret-title'), /^كلمة المرور الجديدة/);
    assert.deepEqual(await latinStrings(admin), [], 'no Latin string in the page with the panel open');
    const box = await admin.locator('#desk').boundingBox();
    const mapBox = await admin.locator('#map').boundingBox();
    assert.ok(box.x + box.width <= mapBox.x + 1, 'right to left: the panel is on the map\'s left');
    await admin.screenshot({ path: join(artifacts, '43-admin-ar.png') });
    await admin.click('#lang-switch');
    await waitIdle(admin);
  });

  test('an editor sees no Administration entry, and the server refuses them the admin API', async () => {
    const page = await open();
    await signIn(page, EDITOR, server.passwords[EDITOR]);
    assert.ok(await page.locator('#queue-open').count(), 'the editor has the desk');
    assert.equal(await page.locator('#admin-open').count(), 0, 'no Administration entry');
    const statuses = await page.evaluate(async () => Promise.all(['/api/users', '/api/tokens', '/api/audit']
      .map(async (p) => (await fetch(p)).status)));
    assert.deepEqual(statuses, [403, 403, 403]);
    await page.context().close();
  });

  test('signing out closes the panel and takes the entry away', async () => {
    await admin.click('#signout');
    await admin.locator('#signin-open').waitFor();
    assert.equal(await admin.locator('#admin-open').count(), 0);
    assert.equal(await admin.isHidden('#desk'), true);
  });

  test('no console error but the refusals the test asked for', () => {
    const others = consoleErrors.filter((e) => !/status of (400|403|409)/.test(e));
    assert.deepEqual(others, []);
  });
});
