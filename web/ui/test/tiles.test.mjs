// Browser tests of the map's vector-tile mode on the real UCDP events (more
// incidents than the map clusters as markers): the tiles the page fetches
// carry its filter, their cluster counts add up to the API's, and a tile-drawn
// incident opens the API's incident.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { allIncidentIDs, apiJSON, artifacts, launchBrowser, startServer, uiDir, waitIdle, watchConsole } from './harness.mjs';

// The tile decoder leaflet.vectorgrid itself uses, from the UI's own packages.
const require = createRequire(join(uiDir, 'package.json'));
const { VectorTile } = require('vector-tile');
const Protobuf = require('pbf');

const UCDP = '../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv';
const DEIR_EZ_ZOR = 'SY09';
const VICTIM = 'civilians';

let server;
let browser;
let page;
let markerLimit;
const consoleErrors = [];
// Every URL the page asked for.
const requests = [];
// Decoded tiles by URL (null when the server has none there).
const decoded = new Map();
// The coarsest location precision the map draws (geo/precision.go): an
// incident located only to a governorate or the country is counted, not drawn.
const DRAWN = 'precision=3';

before(async () => {
  server = await startServer({ importFiles: [UCDP] });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
    consoleErrors.push(`off-site request: ${route.request().url()}`);
    return route.abort();
  });
  page = await context.newPage();
  watchConsole(page, consoleErrors);
  page.on('request', (req) => requests.push(req.url()));
  // The UI's threshold, read from its source so the test follows it.
  const { readFileSync } = await import('node:fs');
  markerLimit = Number(/export const MARKER_LIMIT = (\d+)/.exec(readFileSync(join(uiDir, 'src/incidents.js'), 'utf8'))[1]);
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

function tileLon(x, z) {
  return (x / 2 ** z) * 360 - 180;
}
function tileLat(y, z) {
  return (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) * 180) / Math.PI;
}

// showView moves the map and waits until the tile layer has every tile of
// the view; it returns the zoom, the view's bounds and the tiles shown.
async function showView(lat, lon, z) {
  await page.evaluate(([lat, lon, z]) => new Promise((done) => {
    const { map, incidents } = window.badiamap;
    map.setView([lat, lon], z, { animate: false });
    if (!incidents.tiles.isLoading()) done();
    else incidents.tiles.once('load', () => done());
  }), [lat, lon, z]);
  return page.evaluate(() => {
    const { map, incidents } = window.badiamap;
    const z = map.getZoom();
    const b = map.getBounds();
    const coords = Object.values(incidents.tiles._tiles).filter((t) => t.current && t.coords.z === z)
      .map((t) => ({ x: t.coords.x, y: t.coords.y, z: t.coords.z }));
    return { z, view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], coords };
  });
}

// tileOf decodes the tile the page requested for coords under filter fq,
// fetching the very URL the page asked for (Chromium does not hand the
// page's fetched bodies to the test).
async function tileOf({ x, y, z }, fq) {
  const url = requests.find((r) => {
    const u = new URL(r);
    return u.pathname === `/tiles/incidents/${z}/${x}/${y}.mvt` && u.search === (fq ? `?${fq}` : '');
  });
  if (!url) throw new Error(`the page shows tile ${z}/${x}/${y}?${fq} but never asked for it`);
  if (!decoded.has(url)) {
    const res = await fetch(url);
    assert.ok(res.status === 200 || res.status === 204, `${url}: ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    decoded.set(url, body.length ? new VectorTile(new Protobuf(body)) : null);
  }
  return decoded.get(url);
}

// assertClustersAddUp sums `count` over the clusters of the tiles shown and
// compares it with /api/incidents for the box those tiles cover.
async function assertClustersAddUp(shown, fq) {
  assert.ok(shown.coords.length > 0, 'tiles are shown');
  const xs = shown.coords.map((c) => c.x);
  const ys = shown.coords.map((c) => c.y);
  const z = shown.z;
  const box = [tileLon(Math.min(...xs), z), tileLat(Math.max(...ys) + 1, z), tileLon(Math.max(...xs) + 1, z), tileLat(Math.min(...ys), z)];
  // The tiles shown cover the whole view.
  assert.ok(box[0] <= shown.view[0] && box[1] <= shown.view[1] && box[2] >= shown.view[2] && box[3] >= shown.view[3],
    `tiles ${JSON.stringify(box)} cover the view ${JSON.stringify(shown.view)}`);
  // Every column and row between the extremes is shown: the box is all tiles.
  assert.equal(shown.coords.length, (Math.max(...xs) - Math.min(...xs) + 1) * (Math.max(...ys) - Math.min(...ys) + 1));
  let sum = 0;
  let clusters = 0;
  for (const c of shown.coords) {
    const tile = await tileOf(c, fq);
    if (!tile) continue;
    assert.equal(tile.layers.incidents, undefined, `no single incidents below the cluster zoom (tile ${z}/${c.x}/${c.y})`);
    // tile_info says what the tile holds: here every incident in a cluster.
    const info = tile.layers.tile_info;
    assert.ok(info && info.length === 1, `tile ${z}/${c.x}/${c.y} has its tile_info`);
    const said = info.feature(0).properties;
    assert.equal(said.points, 0, `tile ${z}/${c.x}/${c.y}: no points below the cluster zoom`);
    const layer = tile.layers.clusters;
    let inTile = 0;
    for (let i = 0; layer && i < layer.length; i++) {
      inTile += layer.feature(i).properties.count;
      clusters++;
    }
    assert.equal(inTile, said.matched, `tile ${z}/${c.x}/${c.y}: its clusters add up to tile_info's matched`);
    sum += inTile;
  }
  const bbox = box.map((v) => v.toFixed(9)).join(',');
  const want = (await apiJSON(server.base, `/api/incidents?${fq ? fq + '&' : ''}${DRAWN}&bbox=${bbox}&limit=1`)).numberMatched;
  assert.ok(want > 0, 'the view has incidents');
  assert.equal(sum, want, `cluster counts of ${shown.coords.length} tiles at zoom ${z} = numberMatched of the drawn precisions for bbox ${bbox}`);
  // The page drew those clusters.
  const drawn = await page.evaluate((z) => {
    let n = 0;
    for (const [key, r] of Object.entries(window.badiamap.incidents.tiles._vectorTiles)) {
      if (!key.endsWith(`:${z}`)) continue;
      for (const { feature } of Object.values(r._features)) n += feature.properties.count || 0;
    }
    return n;
  }, z);
  assert.ok(drawn >= sum, `the page drew the clusters (${drawn} incidents in clusters it holds, ${sum} in view)`);
  return { sum, clusters };
}

async function status() {
  return page.evaluate(() => {
    const s = document.getElementById('status');
    return {
      matched: Number(s.dataset.matched), undrawn: Number(s.dataset.undrawn), mode: s.dataset.mode, markers: s.dataset.markers,
      clustered: window.badiamap.incidents.cluster.getLayers().length,
    };
  });
}

describe('web map in vector-tile mode on the UCDP events', () => {
  let fq = '';

  test('a large result is drawn from vector tiles, not as markers', async () => {
    await page.goto(server.base + '/');
    await waitIdle(page);
    const total = (await apiJSON(server.base, '/api/incidents?limit=1')).numberMatched;
    assert.ok(total > markerLimit, `${total} incidents is above the UI's ${markerLimit}`);
    const s = await status();
    assert.equal(s.matched, total, 'the count shown = numberMatched');
    assert.equal(s.mode, 'tiles');
    assert.equal(s.markers, '', 'no marker count in tile mode');
    assert.equal(s.clustered, 0, 'no incident marker loaded');
    const paths = requests.map((u) => new URL(u));
    assert.ok(paths.some((u) => u.pathname === '/tiles/incidents.json'), 'the page asked for the TileJSON');
    assert.ok(paths.some((u) => /^\/tiles\/incidents\/\d+\/\d+\/\d+\.mvt$/.test(u.pathname)), 'the page asked for .mvt tiles');
    const incidentPages = paths.filter((u) => u.pathname === '/api/incidents');
    assert.equal(incidentPages.length, 2, 'only the first page of incidents (for the count) and the count of those drawn were fetched');
    assert.ok(incidentPages.every((u) => !u.searchParams.has('cursor')), 'no further page');
    // What is not drawn is said: located to a governorate or the country only.
    const drawn = (await apiJSON(server.base, `/api/incidents?${DRAWN}&limit=1`)).numberMatched;
    assert.ok(drawn < total, 'the UCDP file has incidents too coarse to draw');
    assert.equal(s.undrawn, total - drawn, 'the status gives the incidents not drawn');
    assert.match(await page.textContent('#status'), new RegExp(`${(total - drawn).toLocaleString('en')} not on the map`));
  });

  test('at a low zoom the cluster counts add up to the API for the view', async () => {
    const whole = await showView(35, 38.5, 6);
    const { sum } = await assertClustersAddUp(whole, '');
    const s = await status();
    assert.equal(sum, s.matched - s.undrawn, 'at zoom 6 the view holds every incident drawn');
    await page.screenshot({ path: join(artifacts, '10-tiles-clusters.png') });
    await assertClustersAddUp(await showView(35.3, 40.2, 7), '');
  });

  test('the tiles carry the filter', async () => {
    requests.length = 0;
    await page.selectOption('#victim', VICTIM);
    await waitIdle(page);
    fq = new URL(page.url()).search.slice(1);
    assert.match(fq, new RegExp(`victim=${VICTIM}`));
    const want = (await apiJSON(server.base, `/api/incidents?${fq}&limit=1`)).numberMatched;
    const s = await status();
    assert.equal(s.matched, want, 'the count shown = numberMatched for the filter');
    assert.ok(want > markerLimit, `the filter keeps ${want} incidents, still above ${markerLimit}`);
    assert.equal(s.mode, 'tiles');
    const shown = await showView(35, 38.5, 6);
    const tiles = requests.filter((u) => new URL(u).pathname.endsWith('.mvt'));
    assert.ok(tiles.length > 0, 'tiles fetched for the filter');
    for (const u of tiles) assert.equal(new URL(u).search, `?${fq}`, `${u} carries the filter exactly once`);
    const { sum } = await assertClustersAddUp(shown, fq);
    assert.equal(sum, want - s.undrawn, 'the clusters at zoom 6 hold every incident of the filter that is drawn');
    await assertClustersAddUp(await showView(35.3, 40.2, 7), fq);
  });

  test('clicking a tile-drawn incident at zoom 9 opens that incident', async () => {
    const shown = await showView(35.33, 40.14, 9); // Deir ez-Zor city
    const points = [];
    for (const c of shown.coords) {
      const tile = await tileOf(c, fq);
      assert.equal(tile?.layers.clusters, undefined, 'no clusters at zoom 9');
      const layer = tile?.layers.incidents;
      for (let i = 0; layer && i < layer.length; i++) {
        const f = layer.feature(i);
        const [lon, lat] = f.toGeoJSON(c.x, c.y, c.z).geometry.coordinates;
        points.push({ id: String(f.id), lon, lat });
      }
    }
    assert.ok(points.length > 0, 'incidents drawn one by one at zoom 9');
    const px = await page.evaluate((pts) => {
      const { map } = window.badiamap;
      const box = map.getContainer().getBoundingClientRect();
      return pts.map((p) => {
        const c = map.latLngToContainerPoint([p.lat, p.lon]);
        return { ...p, x: box.left + c.x, y: box.top + c.y, inside: c.x > 80 && c.y > 80 && c.x < box.width - 250 && c.y < box.height - 200 };
      });
    }, points);
    // A point with no other within 15 px, so the click can only hit it.
    const target = px.find((p) => p.inside && px.every((q) => q === p || Math.hypot(q.x - p.x, q.y - p.y) > 15));
    assert.ok(target, 'an incident stands alone in the view');
    const want = await apiJSON(server.base, `/api/incidents/${target.id}`);
    await page.mouse.click(target.x, target.y);
    const popup = page.locator('.leaflet-popup .incident-popup');
    await popup.waitFor({ timeout: 10_000 });
    assert.equal(await popup.getAttribute('data-id'), String(want.id ?? want.properties.id), 'the popup is the clicked incident');
    const text = await popup.textContent();
    if (want.properties.location_name) assert.ok(text.includes(want.properties.location_name), 'popup names the place');
    assert.ok(text.includes(want.properties.date_start.slice(0, 4)), 'popup gives the year');
    await page.screenshot({ path: join(artifacts, '11-tiles-incident-popup.png') });
    await page.keyboard.press('Escape');
  });

  test('in tile mode a click that hits no incident opens the region beneath it', async () => {
    // The Homs desert east of Palmyra: inside SY04 and the Badia of Homs.
    const shown = await showView(34.3, 38.7, 9);
    const points = [];
    for (const c of shown.coords) {
      const layer = (await tileOf(c, fq))?.layers.incidents;
      for (let i = 0; layer && i < layer.length; i++) {
        const [lon, lat] = layer.feature(i).toGeoJSON(c.x, c.y, c.z).geometry.coordinates;
        points.push([lat, lon]);
      }
    }
    const { spot, coloured } = await page.evaluate((pts) => {
      const { map } = window.badiamap;
      const box = map.getContainer().getBoundingClientRect();
      const drawn = pts.map((p) => map.latLngToContainerPoint(p));
      // The pixel nearest the centre with no incident drawn within 30 px.
      let best = null;
      for (let y = 200; y < box.height - 200; y += 10) {
        for (let x = 200; x < box.width - 300; x += 10) {
          if (drawn.some((d) => Math.hypot(d.x - x, d.y - y) < 30)) continue;
          const off = Math.hypot(x - box.width / 2, y - box.height / 2);
          if (!best || off < best.off) best = { x, y, off };
        }
      }
      return {
        spot: best && { x: box.left + best.x, y: box.top + best.y },
        coloured: document.getElementById('choro').value,
      };
    }, points);
    assert.ok(spot, 'a spot with no incident near it');
    await page.mouse.click(spot.x, spot.y);
    const popup = page.locator('.leaflet-popup .region-popup');
    await popup.waitFor({ timeout: 10_000 });
    assert.equal(await popup.getAttribute('data-code'), coloured === 'badia' ? 'BADIA-SY04' : 'SY04',
      `the popup is the ${coloured} region under the click`);
    assert.equal(await page.locator('.leaflet-popup .incident-popup').count(), 0, 'no incident popup');
    await page.waitForTimeout(400); // the popup's fade-in, for the screenshot
    await page.screenshot({ path: join(artifacts, '12-tiles-region-popup.png') });
    await page.keyboard.press('Escape');

    // With the risk layer on, the same click is a risk check, not the region.
    await page.check('#risk-toggle');
    await page.waitForFunction(() => document.body.dataset.risk === 'idle', null, { timeout: 30_000 });
    await showView(34.3, 38.7, 9); // back where the spot was found (the popup may have panned)
    await page.mouse.click(spot.x, spot.y);
    await page.locator('.leaflet-popup .risk-check').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('.leaflet-popup .region-popup').count(), 0, 'no region popup while the risk layer takes clicks');
    await page.keyboard.press('Escape');
    await page.uncheck('#risk-toggle');
  });

  test('choosing Deir-ez-Zor brings the result under the limit: markers, as the API says', async () => {
    await page.check(`#governorate-${DEIR_EZ_ZOR}`);
    await waitIdle(page);
    fq = new URL(page.url()).search.slice(1);
    assert.match(fq, new RegExp(`governorate=${DEIR_EZ_ZOR}`));
    const want = (await apiJSON(server.base, `/api/incidents?${fq}&limit=1`)).numberMatched;
    const all = (await apiJSON(server.base, `/api/incidents?governorate=${DEIR_EZ_ZOR}&limit=1`)).numberMatched;
    assert.ok(all > 1000, `Deir-ez-Zor has ${all} incidents in all`);
    assert.ok(want > 0 && want <= markerLimit, `${want} incidents, at most ${markerLimit}`);
    const s = await status();
    assert.equal(s.matched, want, 'the count shown = numberMatched');
    assert.equal(s.mode, 'markers', 'the README: results up to the limit are clustered markers');
    const drawn = await allIncidentIDs(server.base, `${fq}&${DRAWN}`);
    assert.ok(s.undrawn > 0, 'Deir-ez-Zor has incidents too coarse to draw');
    assert.equal(Number(s.markers) + s.undrawn, want, 'markers and the incidents not drawn add up to the count');
    const ids = await page.evaluate(() => window.badiamap.incidents.cluster.getLayers().map((m) => String(m.feature.properties.id)).sort());
    assert.deepEqual(ids, drawn, 'the markers are the API\'s incidents located at least to a district');
    assert.equal(await page.evaluate(() => window.badiamap.incidents.tiles), null, 'the tile layer is gone');
    // Those located to a district only, and only those, are drawn with an uncertainty ring.
    const rings = await page.evaluate(() => {
      const out = { ringed: [], district: [] };
      for (const m of window.badiamap.incidents.cluster.getLayers()) {
        const id = String(m.feature.properties.id);
        if (/\bring\b/.test(m.options.icon.options.className)) out.ringed.push(id);
        if (m.feature.properties.geo_precision === 3) out.district.push(id);
      }
      return out;
    });
    assert.ok(rings.district.length > 0, 'Deir-ez-Zor has incidents located to a district only');
    assert.deepEqual(rings.ringed, rings.district, 'a ring is drawn around exactly those');
    await page.screenshot({ path: join(artifacts, '13-tiles-back-to-markers.png') });
    // Dropping the governorate goes back to tiles.
    await page.uncheck(`#governorate-${DEIR_EZ_ZOR}`);
    await waitIdle(page);
    assert.equal((await status()).mode, 'tiles');
  });

  test('no console error', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
