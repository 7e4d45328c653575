// Browser tests of issue 12's map parts on the demo and the real UCDP events
// together: the region table and popups give the coarse-location lines so
// the counts add up to numberMatched; incident popups say how precisely an
// incident is located and why it counts in its governorate; the banner of
// illustrative incidents follows the filter's numberIllustrative and goes
// once `badiamap demo --remove` has run; the source choice filters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { apiJSON, artifacts, launchBrowser, offlinePage, startServer, waitIdle } from './harness.mjs';

const UCDP = '../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv';
const HAMA = 'BADIA-SY05';

let server;
let browser;
let page;
const consoleErrors = [];

before(async () => {
  server = await startServer({ demo: true, importFiles: [UCDP] });
  browser = await launchBrowser();
  page = await offlinePage(browser, consoleErrors, { viewport: { width: 1280, height: 860 } });
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

// foot reads the region table's foot: {line: operations}.
function foot() {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#region-table tfoot tr')]
    .map((tr) => [tr.dataset.line, Number(tr.querySelector('td[data-measure="operations"]').dataset.value)])));
}

function banner() {
  return page.evaluate(() => {
    const el = document.getElementById('illustrative-banner');
    return { shown: !el.hidden && el.getBoundingClientRect().height > 0, count: Number(el.dataset.count), text: el.textContent };
  });
}

describe('location precision and illustrative data on the map', () => {
  test('the region table adds up to numberMatched; the Badia of Hama\'s popup gives its coarse-location line', async () => {
    await page.goto(server.base + '/');
    await waitIdle(page);
    const matched = (await apiJSON(server.base, '/api/incidents?limit=1')).numberMatched;
    const regions = await apiJSON(server.base, '/api/regions?kind=badia');
    const rows = await foot();
    const own = regions.features.reduce((s, f) => s + f.properties.operations, 0);
    assert.equal(rows.regions, own, 'the first foot line is the regions\' own totals');
    for (const l of regions.lines) assert.equal(rows[l.line], l.operations, `the ${l.line} line = the API's`);
    assert.equal(rows.all, matched, 'the last foot line is numberMatched');
    assert.equal(Object.entries(rows).filter(([k]) => k !== 'all').reduce((s, [, v]) => s + v, 0), matched,
      'the lines add up to numberMatched: nothing is silently dropped');
    const country = regions.lines.find((l) => l.line === 'country');
    assert.ok(country?.operations > 0, 'the UCDP file has events located to Syria only');
    assert.match(await page.textContent('#region-table tfoot tr[data-line="country"]'), /Syria only, not on the map/);

    const hama = regions.features.find((f) => f.properties.code === HAMA).properties;
    const leftOut = hama.lines.left_out.operations;
    assert.ok(leftOut > 0, 'Hama has incidents located too coarsely to place in or out of its Badia');
    await page.click(`#region-table tr[data-code="${HAMA}"] button`);
    const popup = page.locator('.leaflet-popup .region-popup');
    await popup.waitFor();
    const dd = popup.locator('dd[data-line="left_out"]');
    assert.equal(Number(await dd.getAttribute('data-value')), leftOut, 'the popup\'s line = the API\'s left_out line');
    assert.match(await dd.textContent(), new RegExp(`${leftOut.toLocaleString('en')} incidents`));
    assert.match(await popup.textContent(), /Not counted here: in Hama, but located only to a district or the governorate/);
    assert.equal(Number(await popup.locator('dd[data-line="point"]').getAttribute('data-value')), hama.operations,
      'the points are the region\'s own count');
    await page.screenshot({ path: join(artifacts, '20-hama-lines.png') });
    await page.keyboard.press('Escape');
    await popup.waitFor({ state: 'detached' }); // its fade-out

    // The same line in Arabic.
    await page.click('#lang-switch');
    await waitIdle(page);
    await page.click(`#region-table tr[data-code="${HAMA}"] button`);
    await popup.waitFor();
    assert.match(await popup.textContent(), /غير محسوبة هنا: في حماة/);
    await page.keyboard.press('Escape');
    await page.click('#lang-switch');
    await waitIdle(page);
  });

  test('an incident popup says how precisely it is located, why it counts in its governorate, and that it is illustrative', async () => {
    const want = await apiJSON(server.base, '/api/incidents?illustrative=1&limit=1');
    const f = want.features[0];
    await page.goto(server.base + '/?illustrative=1');
    await waitIdle(page);
    await page.evaluate((id) => new Promise((done) => {
      const { incidents } = window.badiamap;
      const m = incidents.cluster.getLayers().find((l) => String(l.feature.properties.id) === id);
      setTimeout(done, 10000);
      incidents.cluster.zoomToShowLayer(m, done);
    }), String(f.id));
    await page.locator(`.incident-icon[data-id="${f.id}"]`).waitFor({ state: 'visible', timeout: 10000 });
    await page.focus(`.incident-icon[data-id="${f.id}"]`);
    await page.keyboard.press('Enter');
    const popup = page.locator('.leaflet-popup .incident-popup');
    await popup.waitFor();
    assert.equal(await popup.locator('.badge.illustrative').textContent(), 'Illustrative');
    assert.equal(await popup.locator('dd.located').getAttribute('data-located'), 'point');
    const basis = popup.locator('dd.join-basis');
    assert.equal(await basis.getAttribute('data-basis'), f.properties.join_basis);
    assert.match(await basis.textContent(), /^Homs: its point lies in the governorate$/);
    await page.screenshot({ path: join(artifacts, '21-illustrative-popup.png') });
    await page.keyboard.press('Escape');

    // One the source places only in its governorate: not drawn, found by the search.
    const coarse = (await apiJSON(server.base, '/api/incidents?governorate=SY05&limit=500')).features
      .find((g) => g.properties.join_basis === 'source_admin1' && g.properties.location_name);
    assert.ok(coarse, 'Hama has an incident joined by its source\'s governorate');
    const day = coarse.properties.date_start;
    await page.goto(server.base + `/?governorate=SY05&from=${day}&to=${day}`);
    await waitIdle(page);
    await page.fill('#search-input', coarse.properties.location_name);
    await page.click(`.search-incident[data-id="${coarse.id}"]`);
    await popup.waitFor();
    assert.equal(await popup.getAttribute('data-id'), String(coarse.id));
    assert.equal(await popup.locator('.badge.illustrative').count(), 0, 'a real incident has no badge');
    assert.equal(await popup.locator('dd.located').textContent(), 'not drawn: located to the governorate only');
    assert.equal(await basis.getAttribute('data-basis'), 'source_admin1');
    assert.equal(await basis.textContent(), 'Hama: the source names the governorate (the point is only its centre)');
    await page.keyboard.press('Escape');
  });

  test('the illustrative banner follows the filter; the source choice filters', async () => {
    await page.goto(server.base + '/');
    await waitIdle(page);
    const all = await apiJSON(server.base, '/api/regions?kind=badia');
    assert.ok(all.numberIllustrative > 0, 'the demo is loaded');
    let b = await banner();
    assert.ok(b.shown, 'the banner shows while the demo is on the map');
    assert.equal(b.count, all.numberIllustrative);
    assert.match(b.text, new RegExp(`^${all.numberIllustrative} incidents on the map are illustrative`));
    await page.screenshot({ path: join(artifacts, '22-illustrative-banner.png') });

    // A source the demo does not cite: no illustrative incident, no banner.
    const sources = (await apiJSON(server.base, '/api/sources')).sources.map((s) => s.name);
    const offered = await page.$$eval('#source option', (os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(offered, sources.slice(0, offered.length), 'the most cited sources are offered, most cited first');
    assert.ok(offered.includes('Airwars'));
    await page.selectOption('#source', 'Airwars');
    await waitIdle(page);
    assert.match(page.url(), /source=Airwars/);
    const airwars = await apiJSON(server.base, '/api/regions?kind=badia&source=Airwars');
    assert.equal(airwars.numberIllustrative, 0);
    assert.equal(Number(await page.getAttribute('#status', 'data-matched')), airwars.numberMatched, 'the count follows the source');
    assert.equal((await banner()).shown, false, 'no banner without illustrative incidents in the filter');
    await page.selectOption('#source', '');
    await waitIdle(page);
    assert.ok((await banner()).shown, 'the banner is back');

    // Its button leaves them out.
    await page.click('#hide-illustrative');
    await waitIdle(page);
    assert.match(page.url(), /illustrative=0/);
    assert.equal((await banner()).shown, false);
    assert.equal(Number(await page.getAttribute('#status', 'data-matched')),
      (await apiJSON(server.base, '/api/incidents?illustrative=0&limit=1')).numberMatched);
  });

  test('after `badiamap demo --remove` the banner is gone', async () => {
    const { stdout } = await server.offline(['demo', '--remove']);
    assert.match(stdout, /\d/, `demo --remove says what it removed: ${stdout}`);
    await page.goto(server.base + '/');
    await waitIdle(page);
    assert.equal((await apiJSON(server.base, '/api/regions?kind=badia')).numberIllustrative, 0);
    assert.equal((await banner()).shown, false, 'no banner once the demo is out');
    assert.ok(Number(await page.getAttribute('#status', 'data-matched')) > 0, 'the real incidents stay');
  });

  test('no console error', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
