// Browser tests of issue 15's map: two users made with `badiamap user add`;
// the editor signs in, places an incident by clicking the map, sees the
// server's errors beside each field (English and Arabic), saves a draft and
// sees it as one; the reviewer publishes it from the queue, with its diff;
// it shows on the public (signed-out) map and in /api/changes.atom; its
// history shows both versions; an edit from the popup waits in the queue
// with its diff against the published version; a retraction from the
// popup takes it off the public map.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { api, apiJSON, artifacts, launchBrowser, offlinePage, signIn as signInAs, startServer, waitIdle } from './harness.mjs';

const EDITOR = 'desk';
const REVIEWER = 'chief';
// An empty spot in the Badia of Homs, east of Palmyra, with no demo incident near it.
const SPOT = { lat: 34.32, lon: 38.95, z: 12 };
const PLACE = 'Test well, east of Palmyra';

let server;
let browser;
const consoleErrors = [];
// Contexts by who uses them: each has its own cookies.
const pages = {};
let id;

before(async () => {
  server = await startServer({ users: [[EDITOR, 'editor'], [REVIEWER, 'reviewer']] });
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(who) {
  const page = await offlinePage(browser, consoleErrors, { viewport: { width: 1366, height: 900 } });
  await page.goto(server.base + '/');
  await waitIdle(page);
  pages[who] = page;
  return page;
}

// signIn signs name in with the password `badiamap user add` printed.
const signIn = (page, name) => signInAs(page, name, server.passwords[name]);

// reopen loads the map again in a signed-in page and waits until the
// session has resumed and the drafts are drawn, so the page does nothing
// of its own while the test clicks (on a loaded machine the history once
// never opened after a click; the cause is not known, the map does not move).
async function reopen(page) {
  await page.goto(server.base + '/');
  await waitIdle(page);
  await page.locator('#queue-open').waitFor();
  await page.waitForLoadState('networkidle');
}

// openIncident opens the popup of incident id's marker.
async function openIncident(page, incident) {
  await page.evaluate((id) => new Promise((done) => {
    const { incidents } = window.badiamap;
    const m = incidents.cluster.getLayers().find((l) => String(l.feature.properties.id) === id);
    setTimeout(done, 10000);
    incidents.cluster.zoomToShowLayer(m, done);
  }), String(incident));
  // By keyboard: a draft of it may be drawn on the same spot.
  await page.focus(`.incident-icon[data-id="${incident}"]`);
  await page.keyboard.press('Enter');
  await page.locator('.leaflet-popup .incident-popup').waitFor();
}

async function markerIDs(page) {
  return page.evaluate(() => window.badiamap.incidents.cluster.getLayers().map((m) => String(m.feature.properties.id)));
}

describe('editing in the map', () => {
  test('the editor places an incident by clicking, sees the server\'s errors per field, and saves a draft', async () => {
    const page = await open(EDITOR);
    await signIn(page, EDITOR);
    assert.equal(await page.textContent('#whoami'), `${EDITOR} (editor)`);
    await page.click('#add-incident');
    await page.evaluate(({ lat, lon, z }) => window.badiamap.map.setView([lat, lon], z, { animate: false }), SPOT);
    const at = await page.evaluate(({ lat, lon }) => {
      const { map } = window.badiamap;
      const box = map.getContainer().getBoundingClientRect();
      const p = map.latLngToContainerPoint([lat, lon]);
      return { x: box.left + p.x, y: box.top + p.y };
    }, SPOT);
    await page.mouse.click(at.x, at.y);
    const form = page.locator('#incident-form');
    await form.waitFor();
    assert.ok(Math.abs(Number(await page.inputValue('#f-latitude')) - SPOT.lat) < 1e-3, 'the form has the clicked latitude');
    assert.ok(Math.abs(Number(await page.inputValue('#f-longitude')) - SPOT.lon) < 1e-3, 'the form has the clicked longitude');

    // No date, and more children killed than civilians: the server says so, field by field.
    await page.fill('#f-date_start', '');
    await page.fill('#f-location_name', PLACE);
    await page.fill('#f-children', '5');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/incidents') && r.request().method() === 'POST'),
      page.click('#save-incident'),
    ]);
    assert.equal(refused.status(), 400);
    const problem = await refused.json();
    assert.ok(problem.errors.some((e) => e.field === 'date'), 'the server names the date');
    await page.locator('#f-date_start-error').waitFor();
    assert.equal(await page.textContent('#f-date_start-error'), problem.errors.find((e) => e.field === 'date').reason);
    assert.equal(await page.getAttribute('#f-date_start', 'aria-invalid'), 'true');
    assert.equal(await page.textContent('#f-children-error'), problem.errors.find((e) => e.field === 'children').reason);
    assert.equal(await page.inputValue('#f-location_name'), PLACE, 'what was typed stays');
    await page.screenshot({ path: join(artifacts, '30-edit-errors.png') });
    // The same in Arabic.
    await page.click('#lang-switch');
    await waitIdle(page);
    assert.equal(await page.textContent('label[for="f-date_start"]'), 'تاريخ البداية');
    assert.equal(await page.textContent('#f-date_start-error'), 'مطلوب');
    assert.match(await page.textContent('#f-children-error'), /^٥ أكثر من ٠ في «قتلى المدنيين»/);
    await page.screenshot({ path: join(artifacts, '31-edit-errors-ar.png') });
    await page.click('#lang-switch');
    await waitIdle(page);

    await page.fill('#f-date_start', '2024-04-15');
    await page.fill('#f-civilians', '5');
    await page.fill('#f-children', '2');
    await page.fill('#f-truffle_gatherers', '5');
    await page.fill('#f-event_type', 'Explosions/Remote violence');
    await page.fill('#f-perpetrator', 'Islamic State (ISIS) cells');
    await page.fill('.source-row [data-key="name"]', 'SOHR');
    await page.fill('.source-row [data-key="url"]', 'https://www.syriahr.com/en/');
    await page.fill('#f-notes', 'A mine hit truffle gatherers.');
    await page.fill('#f-comment', 'from this morning\'s report');
    await page.click('#save-incident');
    await page.waitForFunction(() => document.getElementById('desk').dataset.saved);
    id = await page.getAttribute('#desk', 'data-saved');
    assert.match(await page.textContent('#desk-message'), new RegExp(`^Saved: incident ${id}, version 1`));
    // A draft: on the editor's map as one, in the queue, not in public.
    await page.locator(`.draft-icon[data-id="${id}"]`).waitFor();
    assert.equal(await page.textContent('#queue-open'), 'Drafts (1)');
    assert.equal((await fetch(`${server.base}/api/incidents/${id}`)).status, 404, 'no one else sees the draft');
    await page.locator(`.draft-icon[data-id="${id}"]`).click();
    assert.equal(await page.textContent('.leaflet-popup .badge.draft'), 'Draft');
    await page.screenshot({ path: join(artifacts, '32-edit-draft.png') });
  });

  test('the reviewer sees the draft in the queue with its fields, and publishes it', async () => {
    const page = await open(REVIEWER);
    await signIn(page, REVIEWER);
    await page.click('#queue-open');
    const item = page.locator(`.queue-item[data-id="${id}"]`);
    await item.waitFor();
    assert.match(await item.textContent(), /Not published yet/);
    assert.equal(await item.locator('tr[data-field="truffle_gatherers"] td.after').textContent(), '5');
    assert.equal(await item.locator('tr[data-field="location_name"] td.after').textContent(), PLACE);
    await page.screenshot({ path: join(artifacts, '33-queue.png') });
    await item.locator('button.publish').click();
    await page.locator('#queue-empty').waitFor();
    assert.equal(await page.textContent('#desk-message'), `Incident ${id} is published.`);
  });

  test('published, it is on the public map and in the Atom feed', async () => {
    const page = await open('public');
    assert.equal(await page.locator('#signin-open').count(), 1, 'signed out');
    assert.ok((await markerIDs(page)).includes(id), 'the incident is on the public map');
    const atom = await (await api(server.base, '/api/changes.atom')).text();
    assert.ok(atom.includes(PLACE), 'the Atom feed has it');
    const pub = await apiJSON(server.base, `/api/incidents/${id}`);
    assert.equal(pub.properties.truffle_gatherers, 5);
  });

  test('its history shows both versions, who made them and how', async () => {
    const page = pages[REVIEWER];
    await reopen(page);
    await openIncident(page, id);
    await page.click('.leaflet-popup .history-open');
    const versions = page.locator('#history .history-version');
    await versions.first().waitFor();
    const seen = await versions.evaluateAll((els) => els.map((el) => ({ ...el.dataset, text: el.textContent })));
    assert.deepEqual(seen.map((v) => [v.number, v.status, v.action]), [['1', 'draft', 'create'], ['2', 'published', 'publish']]);
    assert.match(seen[0].text, new RegExp(`by ${EDITOR}`));
    assert.match(seen[0].text, /from this morning's report/);
    assert.match(seen[1].text, new RegExp(`by ${REVIEWER}`));
    await page.screenshot({ path: join(artifacts, '34-history.png') });
    // In public, the draft and the authors are not shown.
    const pub = await apiJSON(server.base, `/api/incidents/${id}/history`);
    assert.deepEqual(pub.versions.map((v) => v.number), [2]);
  });

  test('an edit from the popup waits with its diff; a retraction takes the incident off the public map', async () => {
    const editor = pages[EDITOR];
    await reopen(editor);
    await openIncident(editor, id);
    await editor.click('.leaflet-popup .edit-open');
    await editor.locator('#incident-form').waitFor();
    assert.equal(await editor.inputValue('#f-location_name'), PLACE, 'the form holds the incident');
    await editor.fill('#f-civilians', '6');
    await editor.click('#save-incident');
    await editor.waitForFunction(() => /version 3/.test(document.getElementById('desk-message')?.textContent));

    const reviewer = pages[REVIEWER];
    await reviewer.click('#queue-open');
    const item = reviewer.locator(`.queue-item[data-id="${id}"]`);
    await item.waitFor();
    assert.match(await item.textContent(), /Against the published version/);
    const rows = await item.locator('table.diff tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.field,
      tr.querySelector('.before').textContent, tr.querySelector('.after').textContent]));
    assert.deepEqual(rows, [['civilians', '5', '6']], 'the diff is the one changed field');
    assert.ok((await markerIDs(reviewer)).includes(id), 'the published version stays on the map meanwhile');

    await openIncident(reviewer, id);
    await reviewer.click('.leaflet-popup .retract-open');
    await reviewer.fill('.leaflet-popup .retract-reason', 'duplicate of another report');
    await reviewer.click('.leaflet-popup .retract-confirm');
    await reviewer.waitForFunction((id) => document.body.dataset.state === 'idle'
      && !window.badiamap.incidents.cluster.getLayers().some((m) => String(m.feature.properties.id) === id), id);
    assert.equal((await fetch(`${server.base}/api/incidents/${id}`)).status, 404, 'retracted: gone from public reads');
  });

  test('signing out ends the session', async () => {
    const page = pages[EDITOR];
    await page.click('#signout');
    await page.locator('#signin-open').waitFor();
    assert.equal(await page.locator('.draft-icon').count(), 0, 'no draft drawn once signed out');
  });

  test('no console error but the refused draft', () => {
    // The 400 of the first save is the test's own doing.
    const others = consoleErrors.filter((e) => !/status of 400/.test(e));
    assert.deepEqual(others, []);
    assert.ok(consoleErrors.length - others.length <= 1);
  });
});
