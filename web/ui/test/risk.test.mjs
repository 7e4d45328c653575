// Browser test of the risk layer against the real server on the demo data:
// the layer draws one hexagon per cell the API scores, its legend shows the
// four levels, and a click on the map shows the level /api/risk/check gives
// for the same place.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { apiJSON, artifacts, launchBrowser, offlinePage, startServer, waitIdle } from './harness.mjs';

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

test('the risk layer draws and a click shows the level of /api/risk/check', { timeout: 240_000 }, async () => {
  const page = await offlinePage(browser, consoleErrors, { viewport: { width: 1280, height: 860 } });
  await page.goto(server.base + '/');
  await waitIdle(page);

  await page.check('#risk-toggle');
  await page.waitForFunction(() => document.body.dataset.risk === 'idle', null, { timeout: 30_000 });
  const date = await page.inputValue('#risk-date');
  assert.match(date, /^\d{4}-\d{2}-\d{2}$/);

  const zones = await apiJSON(server.base, `/api/risk/zones?date=${date}`);
  // The hexagons are drawn on a canvas: count the layer's cells by level.
  const drawn = await page.evaluate(() => {
    const out = {};
    window.badiamap.risk.layer.eachLayer((l) => { out[l.feature.properties.level] = (out[l.feature.properties.level] || 0) + 1; });
    return out;
  });
  assert.equal(Object.values(drawn).reduce((a, b) => a + b, 0), zones.features.length, 'one hexagon per scored cell');
  assert.ok(await page.locator('.leaflet-risk-pane canvas').count() > 0, 'drawn on the map');
  for (const level of ['low', 'moderate', 'high', 'severe']) {
    const n = zones.features.filter((f) => f.properties.level === level).length;
    assert.equal(drawn[level] || 0, n, `${level} cells drawn`);
    assert.equal(await page.locator(`#risk-legend [data-level="${level}"]`).count(), 1, `${level} in the legend`);
  }
  assert.ok(zones.features.some((f) => f.properties.level !== 'low'), 'the demo data gives cells above low');
  const scale = await page.locator('#risk-legend #risk-scale').textContent();
  assert.match(scale, /score of 1 .*; 10, .*; 100, /, `the legend says what a score counts: ${scale}`);

  // Click near the centre of cells of each level above low, until one click
  // lands on the map itself rather than on an incident marker.
  const byLevel = {};
  for (const f of zones.features) (byLevel[f.properties.level] ||= []).push(f);
  let checked = 0;
  for (const level of ['severe', 'high', 'moderate', 'low']) {
    for (const f of (byLevel[level] || []).slice(0, 6)) {
      const [lon, lat] = f.properties.centre;
      await page.evaluate(([la, lo]) => { window.badiamap.map.setView([la, lo], 10, { animate: false }); }, [lat, lon]);
      await page.waitForTimeout(200);
      const box = await page.locator('#map').boundingBox();
      const x = box.x + box.width / 2 + 7;
      const y = box.y + box.height / 2 + 5;
      // Where the click lands, read before the popup pans the map.
      const clicked = await page.evaluate(([px, py]) => {
        const m = window.badiamap.map;
        const r = m.getContainer().getBoundingClientRect();
        const ll = m.containerPointToLatLng([px - r.left, py - r.top]);
        return { lon: ll.lng.toFixed(6), lat: ll.lat.toFixed(6) };
      }, [x, y]);
      await page.mouse.click(x, y);
      const popup = page.locator('.risk-check');
      try {
        await popup.waitFor({ timeout: 3000 });
      } catch {
        await page.keyboard.press('Escape');
        continue; // the click hit a marker
      }
      const shown = await popup.locator('.risk-level').getAttribute('data-level');
      const cell = await popup.getAttribute('data-cell');
      const api = await apiJSON(server.base, `/api/risk/check?date=${date}&lon=${clicked.lon}&lat=${clicked.lat}`);
      assert.equal(shown, api.level, `the popup's level at ${clicked.lon},${clicked.lat}`);
      assert.equal(cell, api.cell.cell);
      const zoneCell = zones.features.find((z) => z.properties.cell === api.cell.cell);
      if (zoneCell) assert.equal(api.level, zoneCell.properties.level, 'the check agrees with the zones');
      checked++;
      await page.evaluate(() => { window.badiamap.map.closePopup(); });
      if (checked >= 2) break;
    }
    if (checked >= 2) break;
  }
  assert.ok(checked >= 1, 'no click reached the map');
  await page.screenshot({ path: join(artifacts, 'risk.png') });
  // Errors of other panels (their endpoints may not be wired yet) are theirs to test.
  assert.deepEqual(consoleErrors.filter((e) => /risk|page error|off-site/.test(e)), []);
  await page.context().close();
});
