// Browser tests of the web map against the real server on the demo data:
// every count the page shows is compared with the API's own answer for the
// same filter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { allIncidentIDs, api, apiJSON, artifacts, launchBrowser, offlinePage, startServer, waitIdle } from './harness.mjs';

// The Badia regions the seed report (SOHR, April 2024) gives figures for.
const REPORT_REGIONS = ['BADIA-SY09', 'BADIA-SY04', 'BADIA-SY11', 'BADIA-SY05', 'BADIA-SY02'];
const HOMS = 'SY04';
// Parameters an endpoint adds beside the filter.
const ENDPOINT_PARAMS = new Set(['kind', 'group', 'limit', 'cursor', 'format', 'f']);

let server;
let browser;
const consoleErrors = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage(path, viewport = { width: 1280, height: 860 }) {
  const page = await offlinePage(browser, consoleErrors, { viewport, acceptDownloads: true });
  await page.goto(server.base + path);
  await waitIdle(page);
  return page;
}

// filterOf is the filter a request carries: its query less the endpoint's own parameters.
function filterOf(url) {
  const q = new URL(url).searchParams;
  const out = {};
  for (const [k, v] of q) if (!ENDPOINT_PARAMS.has(k)) out[k] = v.split(',').sort().join(',');
  return JSON.stringify(Object.keys(out).sort().map((k) => [k, out[k]]));
}

// pageCounts reads what the page shows: matched count, markers, table cells,
// region fills and legend.
function pageCounts(page) {
  return page.evaluate(() => {
    const status = document.getElementById('status');
    const rows = {};
    for (const tr of document.querySelectorAll('#region-table tbody tr')) {
      rows[tr.dataset.code] = {
        name: tr.querySelector('th').textContent.trim(),
        cells: Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.measure, Number(td.dataset.value)])),
      };
    }
    const regions = {};
    for (const p of document.querySelectorAll('path.region[data-value]')) {
      regions[p.dataset.code] = { value: Number(p.dataset.value), cls: Number(p.dataset.class), fill: p.getAttribute('fill'), kind: p.dataset.kind };
    }
    const legend = [...document.querySelectorAll('#legend .legend-classes li')].map((li) => ({
      cls: Number(li.dataset.class), color: getComputedStyle(li.querySelector('.swatch')).backgroundColor,
    }));
    const { incidents } = window.badiamap;
    return {
      matched: Number(status.dataset.matched),
      markers: Number(status.dataset.markers),
      undrawn: Number(status.dataset.undrawn),
      mode: status.dataset.mode,
      markerIDs: incidents.cluster.getLayers().map((m) => String(m.feature.properties.id)).sort(),
      rows,
      regions,
      legend,
      statusText: status.textContent,
    };
  });
}

function rgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

// assertAgreesWithAPI checks markers, table and choropleth against the API
// for filter query q, measure m.
async function assertAgreesWithAPI(page, q, measure = 'operations', kind = 'badia') {
  const shown = await pageCounts(page);
  const first = await apiJSON(server.base, `/api/incidents?${q ? q + '&' : ''}limit=1`);
  assert.equal(shown.matched, first.numberMatched, 'matched count shown = numberMatched of /api/incidents');
  assert.equal(shown.mode, 'markers');
  // Incidents located only to a governorate or the country are counted, not drawn.
  assert.equal(shown.markers + shown.undrawn, first.numberMatched, 'one marker per matching incident the map may draw');
  assert.deepEqual(shown.markerIDs, await allIncidentIDs(server.base, `${q ? q + '&' : ''}precision=3`), 'the markers are the API\'s incidents');
  const regions = await apiJSON(server.base, `/api/regions?kind=${kind}${q ? '&' + q : ''}`);
  assert.equal(Object.keys(shown.rows).length, regions.features.length, `one table row per ${kind} region`);
  for (const f of regions.features) {
    const p = f.properties;
    const row = shown.rows[p.code];
    assert.ok(row, `table row for ${p.code}`);
    assert.equal(row.cells.operations, p.operations, `${p.code} operations in the table`);
    assert.equal(row.cells.killed, p.killed, `${p.code} killed in the table`);
    if (measure !== 'operations' && measure !== 'killed') assert.equal(row.cells[measure], p[measure], `${p.code} ${measure}`);
    const fill = shown.regions[p.code];
    assert.ok(fill, `choropleth polygon for ${p.code}`);
    assert.equal(fill.value, p[measure], `${p.code} choropleth value = API ${measure}`);
  }
  // The choropleth's classes rise with the value, and each fill is its legend colour.
  const byValue = Object.values(shown.regions).sort((a, b) => a.value - b.value);
  for (let i = 1; i < byValue.length; i++) assert.ok(byValue[i].cls >= byValue[i - 1].cls, 'classes rise with values');
  for (const r of Object.values(shown.regions)) {
    assert.equal(r.cls === 0, r.value === 0, 'class 0 is exactly the regions with none');
    const entry = shown.legend.find((l) => l.cls === r.cls);
    assert.ok(entry, `legend has class ${r.cls}`);
    assert.equal(rgb(r.fill), entry.color, 'region fill is its legend colour');
  }
  return { shown, regions, matched: first.numberMatched };
}

describe('web map on the demo data', () => {
  let page;
  let homs;
  let sharedURL;
  let sharedView;

  test('draws the five Badia regions of the report, offline', async () => {
    page = await openPage('/');
    await page.screenshot({ path: join(artifacts, '01-overview.png') });
    const drawn = await page.evaluate(() => [...document.querySelectorAll('path.region-badia')].map((p) => p.dataset.code));
    for (const code of REPORT_REGIONS) assert.ok(drawn.includes(code), `${code} is drawn (drawn: ${drawn.join(' ')})`);
    const govs = await apiJSON(server.base, '/api/regions?kind=governorate');
    const govDrawn = await page.locator('path.region-governorate').count();
    assert.equal(govDrawn, govs.features.length, 'every governorate is drawn');
    await assertAgreesWithAPI(page, '');
  });

  test('choosing Homs: markers, table and choropleth agree with the API', async () => {
    const requests = [];
    const onRequest = (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/')) requests.push(req.url());
    };
    page.on('request', onRequest);
    // By keyboard, as a person without a mouse would.
    await page.focus(`#governorate-${HOMS}`);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.body.dataset.state === 'loading');
    await waitIdle(page);
    page.off('request', onRequest);
    assert.match(page.url(), /governorate=SY04/, 'the filter is in the page URL');
    homs = await assertAgreesWithAPI(page, `governorate=${HOMS}`);
    assert.ok(homs.matched > 0, 'the demo has incidents in Homs');
    const filters = new Set(requests.map(filterOf));
    assert.deepEqual([...filters], [filterOf(`http://x/?governorate=${HOMS}`)], 'every API call carries the same filter');
    // Badia regions outside Homs have no incident once Homs is chosen.
    for (const [code, r] of Object.entries(homs.shown.regions)) {
      if (code !== `BADIA-${HOMS}`) assert.equal(r.value, 0, `${code} is empty under governorate=${HOMS}`);
    }
    await page.screenshot({ path: join(artifacts, '02-homs.png') });
  });

  test('another measure and the governorates: choropleth and table follow', async () => {
    await page.selectOption('#measure', 'civilians');
    await page.selectOption('#choro', 'governorate');
    await waitIdle(page);
    assert.match(page.url(), /measure=civilians/);
    const { shown } = await assertAgreesWithAPI(page, `governorate=${HOMS}`, 'civilians', 'governorate');
    assert.ok(Object.values(shown.regions).every((r) => r.kind === 'governorate'), 'the governorates are coloured');
    assert.equal(await page.textContent('#legend-toggle > span:first-child'), 'Civilians killed');
    await page.screenshot({ path: join(artifacts, '02b-governorates-civilians.png') });
    await page.selectOption('#measure', 'operations');
    await page.selectOption('#choro', 'badia');
    await waitIdle(page);
  });

  test('victim group and event type filters agree with the API', async () => {
    await page.selectOption('#victim', 'truffle_gatherers');
    await waitIdle(page);
    const { matched } = await assertAgreesWithAPI(page, `governorate=${HOMS}&victim=truffle_gatherers`);
    assert.ok(matched < homs.matched, 'fewer incidents with truffle gatherers killed than in all Homs');
    await page.selectOption('#victim', '');
    const types = await page.$$eval('#event-type option', (os) => os.map((o) => o.value).filter(Boolean));
    assert.ok(types.length > 0, 'event types are offered');
    await page.selectOption('#event-type', types[0]);
    await waitIdle(page);
    await assertAgreesWithAPI(page, `governorate=${HOMS}&event_type=${encodeURIComponent(types[0])}`);
    await page.selectOption('#event-type', '');
    await waitIdle(page);
    assert.equal((await pageCounts(page)).matched, homs.matched, 'back to all of Homs');
  });

  test('clicking a region shows its totals for the filter', async () => {
    await page.click(`#region-table tr[data-code="BADIA-${HOMS}"] button`);
    const popup = page.locator('.leaflet-popup .region-popup');
    await popup.waitFor();
    const ops = Number(await popup.locator('dd[data-measure="operations"]').getAttribute('data-value'));
    const api = homs.regions.features.find((f) => f.properties.code === `BADIA-${HOMS}`).properties;
    assert.equal(ops, api.operations, 'popup operations = API');
    const killed = Number(await popup.locator('dd[data-measure="killed"]').getAttribute('data-value'));
    assert.equal(killed, api.killed, 'popup killed = API');
    await page.screenshot({ path: join(artifacts, '03-region-popup.png') });
    await page.keyboard.press('Escape');
  });

  test('clicking an incident shows its date, place, casualties and sources', async () => {
    const id = homs.shown.markerIDs[0];
    // The region popup of the test before zooms the map with an animation;
    // a zoom started while it runs is undone when it ends (Leaflet applies
    // the animation's target), so wait for the map to come to rest.
    await page.waitForFunction(() => {
      const m = window.badiamap.map;
      return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress);
    });
    await new Promise((r) => setTimeout(r, 300));
    const want = await apiJSON(server.base, `/api/incidents/${id}`);
    // markercluster does not always call zoomToShowLayer back: give it 10 s,
    // then the marker's icon in the page is what counts.
    await page.evaluate((id) => new Promise((done) => {
      const { incidents } = window.badiamap;
      const m = incidents.cluster.getLayers().find((l) => String(l.feature.properties.id) === id);
      setTimeout(done, 10000);
      incidents.cluster.zoomToShowLayer(m, done);
    }), id);
    await page.locator(`.incident-icon[data-id="${id}"]`).waitFor({ state: 'visible', timeout: 10000 });
    // By keyboard: focus the marker and press Enter.
    await page.focus(`.incident-icon[data-id="${id}"]`);
    await page.keyboard.press('Enter');
    const popup = page.locator('.leaflet-popup .incident-popup');
    await popup.waitFor();
    const text = await popup.textContent();
    const p = want.properties;
    if (p.location_name) assert.ok(text.includes(p.location_name), 'popup names the place');
    const year = p.date_start.slice(0, 4);
    assert.ok(text.includes(year), 'popup shows the date');
    const killed = p.killed ?? 0;
    assert.ok(text.includes(`Killed: ${killed}`), `popup gives ${killed} killed`);
    const sources = typeof p.sources === 'string' ? JSON.parse(p.sources || '[]') : (p.sources || []);
    const links = await popup.locator('.sources a').evaluateAll((as) => as.map((a) => a.href));
    assert.equal(links.length, sources.filter((s) => s.url).length, 'one link per source with a URL');
    await page.screenshot({ path: join(artifacts, '04-incident-popup.png') });
    await page.keyboard.press('Escape');
  });

  test('stepping the timeline through the months changes the counts, matching the API', async () => {
    const months = await page.evaluate(() => [...document.querySelectorAll('#tl-plot rect.tl-bin')].map((r) => r.dataset.key));
    assert.ok(months.length >= 2, `the demo spans several months (${months.join(', ')})`);
    let changed = false;
    await page.focus('#tl-plot');
    for (let i = 0; i < months.length; i++) {
      await page.keyboard.press(i === 0 ? 'Home' : 'ArrowRight');
      await waitIdle(page);
      const from = await page.inputValue('#from');
      const to = await page.inputValue('#to');
      assert.ok(from.startsWith(months[i]) && to.startsWith(months[i]), `timeline step ${i} selects ${months[i]}: ${from}..${to}`);
      const q = `governorate=${HOMS}&from=${from}&to=${to}`;
      const { matched } = await assertAgreesWithAPI(page, q);
      if (matched !== homs.matched) changed = true;
    }
    assert.ok(changed, 'some month shows another count than all dates');
    await page.click('#fit-results');
    await page.waitForTimeout(400); // the zoom animation
    const inView = await page.evaluate(() => {
      const { map, incidents } = window.badiamap;
      return incidents.cluster.getLayers().every((m) => map.getBounds().contains(m.getLatLng()));
    });
    assert.ok(inView, 'zoom to the incidents shows every marker');
    await page.screenshot({ path: join(artifacts, '05-timeline.png') });
    // Escape clears the choice: every date again.
    await page.focus('#tl-plot');
    await page.keyboard.press('Escape');
    await waitIdle(page);
    assert.equal(await page.inputValue('#from'), '');
    assert.equal((await pageCounts(page)).matched, homs.matched, 'all dates again');
  });

  test('play steps through the months', async () => {
    const months = await page.evaluate(() => [...document.querySelectorAll('#tl-plot rect.tl-bin')].filter((r) => Number(r.dataset.value) > 0).map((r) => r.dataset.key));
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
    // Playing starts at the first month and moves on by itself.
    await page.waitForFunction((m) => document.getElementById('from').value.startsWith(m), months[1], { timeout: 20_000 });
    await page.click('#play');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    await waitIdle(page);
    const from = await page.inputValue('#from');
    const to = await page.inputValue('#to');
    await assertAgreesWithAPI(page, `governorate=${HOMS}&from=${from}&to=${to}`);
  });

  test('the download links carry the filter and fetch as many incidents as the map shows', async () => {
    const shown = await pageCounts(page);
    const from = await page.inputValue('#from');
    const to = await page.inputValue('#to');
    for (const fmt of ['geojson', 'csv', 'kml']) {
      const href = await page.getAttribute(`#dl-${fmt}`, 'href');
      const q = new URL(href, server.base).searchParams;
      assert.equal(q.get('governorate'), HOMS, `${fmt} link carries the governorate`);
      assert.equal(q.get('from'), from, `${fmt} link carries from`);
      assert.equal(q.get('to'), to, `${fmt} link carries to`);
      const body = await (await api(server.base, href)).text();
      let count;
      if (fmt === 'geojson') count = JSON.parse(body).features.length;
      else if (fmt === 'kml') count = (body.match(/<Placemark[\s>]/g) || []).length;
      else count = csvRecords(body) - 1; // less the header
      assert.equal(count, shown.matched, `${fmt} download has the map's ${shown.matched} incidents`);
    }
    // A real click downloads the file too.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dl-geojson')]);
    const saved = join(artifacts, 'download.geojson');
    await download.saveAs(saved);
    const { readFileSync } = await import('node:fs');
    assert.equal(JSON.parse(readFileSync(saved, 'utf8')).features.length, shown.matched, 'clicked download has the same count');
  });

  test('reloading the URL brings back the same filter and view', async () => {
    await page.evaluate(() => window.badiamap.map.setView([34.6, 38.3], 8, { animate: false }));
    await page.waitForFunction(() => location.hash.includes('map=8/'));
    sharedURL = page.url();
    const before = await pageCounts(page);
    sharedView = await page.evaluate(() => ({ z: window.badiamap.map.getZoom(), c: window.badiamap.map.getCenter() }));
    const fresh = await openPage(sharedURL.slice(server.base.length));
    assert.equal(await fresh.isChecked(`#governorate-${HOMS}`), true, 'Homs is still chosen');
    assert.equal(await fresh.inputValue('#from'), await page.inputValue('#from'));
    assert.equal(await fresh.inputValue('#to'), await page.inputValue('#to'));
    const after = await pageCounts(fresh);
    assert.equal(after.matched, before.matched);
    assert.deepEqual(after.rows, before.rows);
    const view = await fresh.evaluate(() => ({ z: window.badiamap.map.getZoom(), c: window.badiamap.map.getCenter() }));
    assert.equal(view.z, sharedView.z, 'same zoom');
    assert.ok(Math.abs(view.c.lat - sharedView.c.lat) < 1e-3 && Math.abs(view.c.lng - sharedView.c.lng) < 1e-3, 'same centre');
    await fresh.screenshot({ path: join(artifacts, '06-restored.png') });
    await fresh.context().close();
  });

  test('Arabic: right to left, Arabic region names, the same counts', async () => {
    const before = await pageCounts(page);
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    await waitIdle(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    assert.match(page.url(), /lang=ar/, 'the language is in the URL');
    const after = await pageCounts(page);
    assert.equal(after.matched, before.matched, 'same matched count');
    const regions = await apiJSON(server.base, '/api/regions?kind=badia');
    for (const f of regions.features) {
      const row = after.rows[f.properties.code];
      assert.equal(row.name, f.properties.name_ar, `${f.properties.code} named in Arabic`);
      assert.deepEqual(row.cells, before.rows[f.properties.code].cells, `${f.properties.code} same counts`);
    }
    // Syrian Arabic: Arabic-Indic digits.
    const count = new Intl.NumberFormat('ar-SY').format(after.matched);
    assert.ok(after.statusText.includes(count), `status gives the count in Arabic numerals (${count}): ${after.statusText}`);
    const label = await page.textContent('label[for="event-type"]');
    assert.equal(label, 'نوع الحدث', 'labels are in Arabic');
    await page.screenshot({ path: join(artifacts, '07-arabic.png') });
    await page.context().close();
  });

  test('a phone-sized screen: the map fills it, the panel opens on demand', async () => {
    const phone = await openPage('/?governorate=SY04&lang=ar', { width: 390, height: 844 });
    assert.equal(await phone.isVisible('#panel'), false, 'panel hidden at first');
    await phone.screenshot({ path: join(artifacts, '08-phone-map.png') });
    await phone.click('#panel-toggle');
    assert.equal(await phone.isVisible('#panel'), true, 'panel opens');
    assert.equal(await phone.getAttribute('#panel-toggle', 'aria-expanded'), 'true');
    const box = await phone.locator('#panel').boundingBox();
    assert.ok(box.width <= 390, 'panel fits the screen');
    await phone.screenshot({ path: join(artifacts, '09-phone-panel.png'), fullPage: false });
    await phone.context().close();
  });

  test('no console error on any page', () => {
    assert.deepEqual(consoleErrors, []);
  });
});

// csvRecords counts CSV records, allowing quoted fields with newlines.
function csvRecords(text) {
  let n = 0;
  let quoted = false;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      if (!empty) n++;
      empty = true;
      continue;
    }
    if (c !== '\r') empty = false;
  }
  return empty ? n : n + 1;
}
