// Browser tests of the map as a daily tool (issue 17), against the real
// server on the demo data, in English and Arabic, on a laptop (1366x800) and
// a phone (390x844): search flies to places, the timeline's brush chooses
// dates, chips remove filters, governorates named in a link tick their box,
// a bad link keeps the map, the risk layer takes the map's clicks and says
// which incidents it counts, its state and the chosen report live in the
// URL, fixed colour classes, share, print and a PNG, a phone layout that
// leaves the map free, every string in Arabic, and no request off this
// machine unless the online basemap is chosen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiJSON, artifacts, latinStrings, launchBrowser, startServer, waitIdle, watchConsole } from './harness.mjs';

const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };
const VIEWS = [['en', LAPTOP], ['ar', LAPTOP], ['en', PHONE], ['ar', PHONE]];
const PALMYRA = { lat: 34.5624, lon: 38.28402 };

let server;
let browser;
const consoleErrors = [];
const offsite = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

// openPage opens path in a fresh context that refuses (and records) any
// request leaving 127.0.0.1.
async function openPage(path, viewport = LAPTOP, { permissions = [] } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  if (permissions.length) await context.grantPermissions(permissions, { origin: server.base });
  await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
    offsite.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  await page.goto(server.base + path);
  await waitIdle(page);
  return page;
}

const tag = (lang, vp) => `${lang}-${vp.width}`;
const isPhone = (vp) => vp.width < 760;

async function openPanel(page, vp) {
  if (isPhone(vp) && !(await page.isVisible('#panel'))) await page.click('#panel-toggle');
}

async function closePanel(page, vp) {
  if (isPhone(vp) && (await page.isVisible('#panel'))) await page.click('#panel-toggle');
}

async function status(page) {
  return page.evaluate(() => {
    const s = document.getElementById('status');
    const sum = document.getElementById('summary');
    return { matched: Number(s.dataset.matched), text: s.textContent, operations: Number(sum.dataset.operations), killed: Number(sum.dataset.killed),
      first: sum.dataset.first, last: sum.dataset.last, summary: sum.textContent };
  });
}

async function apiCount(q) {
  return (await apiJSON(server.base, `/api/incidents?${q ? q + '&' : ''}limit=1`)).numberMatched;
}

// settled waits until the map stands still.
async function settled(page) {
  await page.waitForFunction(() => {
    const m = window.badiamap.map;
    return document.body.dataset.moving !== 'true' && !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress);
  });
}

// freeSpot finds a point of the map inside the region path whose code
// matches, with no marker, cluster or control within 30 px.
function freeSpot(page, code) {
  return page.evaluate((code) => {
    const { map } = window.badiamap;
    const box = map.getContainer().getBoundingClientRect();
    // Place labels let clicks through; markers and controls do not.
    const blockers = [...document.querySelectorAll('.leaflet-marker-icon, .leaflet-control')]
      .map((el) => el.getBoundingClientRect()).filter((r) => r.width);
    const region = document.querySelector(`path.region[data-code="${code}"]`)?.getBoundingClientRect();
    if (!region) return null;
    const cx = box.left + box.width / 2;
    const cy = box.top + box.height / 2;
    // Candidates nearest the centre first; the first that hits the region wins.
    const candidates = [];
    for (let y = Math.max(box.top, region.top) + 10; y < Math.min(box.bottom, region.bottom) - 10; y += 8) {
      for (let x = Math.max(box.left, region.left) + 10; x < Math.min(box.right, region.right) - 10; x += 8) {
        if (blockers.some((r) => x > r.left - 10 && x < r.right + 10 && y > r.top - 10 && y < r.bottom + 10)) continue;
        candidates.push({ x, y, d: Math.hypot(x - cx, y - cy) });
      }
    }
    candidates.sort((a, b) => a.d - b.d);
    return candidates.find(({ x, y }) => document.elementFromPoint(x, y)?.matches?.(`path.region[data-code="${code}"]`)) || null;
  }, code);
}

// latinDigits lists the texts under root, outside data marked
// translate="no", written with Latin digits: Arabic text uses Arabic-Indic
// ones, which latinStrings (letters only) does not see.
function latinDigits(page, root) {
  return page.$eval(root, (top) => {
    const out = [];
    const walker = document.createTreeWalker(top, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement?.closest('[translate="no"]')) continue;
      if (/[0-9]/.test(n.textContent)) out.push(`${n.parentElement.tagName.toLowerCase()}.${n.parentElement.className}: ${n.textContent.trim()}`);
    }
    return out;
  });
}

describe('the map as a daily tool, in English and Arabic, on a laptop and a phone', () => {
  for (const [lang, vp] of VIEWS) {
    const name = tag(lang, vp);

    test(`${name}: a governorate named in the link ticks its box; chips show and remove filters`, async () => {
      const homs = lang === 'ar' ? 'حمص' : 'Homs';
      const page = await openPage(`/?lang=${lang}&governorate=${encodeURIComponent(homs)}&victim=civilians`, vp);
      const want = await apiCount('governorate=SY04&victim=civilians');
      assert.equal((await status(page)).matched, want, 'the count is the API\'s for Homs and civilians');
      assert.match(page.url(), /governorate=SY04/, 'the link now names Homs by its code');
      await openPanel(page, vp);
      assert.equal(await page.isChecked('#governorate-SY04'), true, 'the Homs box is ticked');
      const chips = await page.$$eval('#chip-list .chip', (cs) => cs.map((c) => ({ name: c.dataset.name, text: c.textContent })));
      assert.deepEqual(chips.map((c) => c.name).sort(), ['governorate', 'victim'], 'a chip per filter');
      const gov = await apiJSON(server.base, '/api/regions?kind=governorate');
      const p = gov.features.find((f) => f.properties.code === 'SY04').properties;
      assert.ok(chips.find((c) => c.name === 'governorate').text.includes(lang === 'ar' ? p.name_ar : p.name_en), 'the chip names Homs in the page\'s language');
      // Removing the victim chip drops that filter.
      await page.click('#chip-list .chip[data-name="victim"] .chip-remove');
      await waitIdle(page);
      assert.doesNotMatch(page.url(), /victim=/, 'victim left the URL');
      assert.equal((await status(page)).matched, await apiCount('governorate=SY04'), 'the count is the API\'s for Homs');
      assert.equal(await page.inputValue('#victim'), '', 'the victim select shows any');
      await page.screenshot({ path: join(artifacts, `daily-${name}-chips.png`) });
      await page.context().close();
    });

    test(`${name}: a value the API refuses is left out with a message; the map stays`, async () => {
      const page = await openPage(`/?lang=${lang}&victim=truffle`, vp);
      const notice = await page.textContent('#notice');
      assert.ok(notice.includes('truffle'), `the message names the value: ${notice}`);
      assert.doesNotMatch(page.url(), /victim=/, 'the bad value left the URL');
      const gov = await apiJSON(server.base, '/api/regions?kind=governorate');
      assert.equal(await page.locator('path.region-governorate').count(), gov.features.length, 'the boundaries are drawn');
      assert.equal((await status(page)).matched, await apiCount(''), 'every incident is shown');
      await page.context().close();
    });

    test(`${name}: searching "Tadmur" and "تدمر" flies to Palmyra`, async () => {
      const page = await openPage(`/?lang=${lang}`, vp);
      if (lang === 'ar') {
        // Governorate capitals are labelled first, in their governorate's Arabic name.
        await page.evaluate(() => { window.badiamap.map.setView([35, 38.5], 6, { animate: false }); });
        const homs = page.locator('.place-label[data-id="homs"]');
        await homs.waitFor();
        assert.equal(await homs.textContent(), 'حمص', 'the Arabic map labels Homs حمص at z6');
      }
      for (const q of ['Tadmur', 'تدمر']) {
        await page.evaluate(() => { window.badiamap.map.setView([35, 38.5], 6, { animate: false }); });
        await page.fill('#search-input', q);
        const first = page.locator('#search-list [role="option"]').first();
        await first.waitFor();
        assert.equal(await first.getAttribute('data-id'), 'palmyra', `Palmyra is the first result for ${q}`);
        await page.keyboard.press('Enter');
        await page.waitForFunction(({ lat, lon }) => {
          const { map } = window.badiamap;
          const c = map.getCenter();
          return map.getZoom() >= 11 && Math.abs(c.lat - lat) < 0.01 && Math.abs(c.lng - lon) < 0.01;
        }, PALMYRA, { timeout: 10_000 });
        await settled(page);
        const label = page.locator('.place-label.place-highlight[data-id="palmyra"]');
        await label.waitFor();
        assert.equal(await label.textContent(), lang === 'ar' ? 'تدمر' : 'Palmyra', 'Palmyra is labelled in the page\'s language');
        assert.ok(await label.isVisible(), 'the label is on screen');
      }
      await page.screenshot({ path: join(artifacts, `daily-${name}-search.png`) });
      if (name !== 'en-1366' && name !== 'ar-390') {
        await page.context().close();
        return;
      }
      // A Badia region is found too, and the map fits it.
      await page.fill('#search-input', lang === 'ar' ? 'بادية حمص' : 'Badia of Homs');
      const opt = page.locator('#search-list [role="option"][data-id="BADIA-SY04"]');
      await opt.waitFor();
      await opt.click();
      const found = await apiJSON(server.base, `/api/places?q=${encodeURIComponent('Badia of Homs')}&limit=1`);
      const [w, s, e, n] = found.features[0].bbox;
      await page.waitForFunction(([w, s, e, n]) => {
        const { map } = window.badiamap;
        return map.getZoom() < 11 && map.getBounds().contains([(s + n) / 2, (w + e) / 2]);
      }, [w, s, e, n], { timeout: 10_000 });
      await settled(page);
      await page.context().close();
    });

    test(`${name}: brushing the timeline chooses dates; counts, header and URL follow`, async () => {
      const page = await openPage(`/?lang=${lang}`, vp);
      const bars = await page.$$eval('#tl-plot rect.tl-bin', (rs) => rs.map((r) => {
        const b = r.getBoundingClientRect();
        return { key: r.dataset.key, start: r.dataset.start, end: r.dataset.end, value: Number(r.dataset.value), x: b.left + b.width / 2, w: b.width };
      }));
      const months = await apiJSON(server.base, '/api/stats?group=month');
      assert.equal(bars.filter((b) => b.value > 0).length, months.groups.length, 'a bar per month with incidents');
      for (const g of months.groups) assert.equal(bars.find((b) => b.key === g.key).value, g.operations, `${g.key} bar = API`);
      const plot = await page.locator('#tl-plot').boundingBox();
      const y = plot.y + plot.height / 2;
      const [a, z] = [1, 2];
      await page.mouse.move(bars[a].x, y);
      await page.mouse.down();
      await page.mouse.move((bars[a].x + bars[z].x) / 2, y, { steps: 3 });
      await page.mouse.move(bars[z].x, y, { steps: 3 });
      await page.mouse.up();
      await page.waitForFunction(() => document.body.dataset.state === 'loading' || new URL(location.href).searchParams.has('from'));
      await waitIdle(page);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('from'), bars[a].start, 'from is the first brushed bar\'s first day');
      assert.equal(url.searchParams.get('to'), bars[z].end, 'to is the last brushed bar\'s last day');
      const q = `from=${bars[a].start}&to=${bars[z].end}`;
      const s = await status(page);
      assert.equal(s.matched, await apiCount(q), 'the count is the API\'s for the brushed range');
      const stats = await apiJSON(server.base, `/api/stats?group=month&${q}`);
      assert.equal(s.operations, stats.total.operations, 'the header gives the API\'s total');
      assert.equal(s.killed, stats.total.killed, 'the header gives the API\'s killed');
      assert.equal(s.first, stats.total.first_date);
      assert.equal(s.last, stats.total.last_date);
      // The keyboard moves the choice by a bar.
      await page.focus('#tl-plot');
      await page.keyboard.press('ArrowRight');
      await waitIdle(page);
      const moved = new URL(page.url()).searchParams;
      assert.equal(moved.get('from'), bars[a + 1].start, 'ArrowRight moves the choice one bar later');
      assert.equal((await status(page)).matched, await apiCount(`from=${moved.get('from')}&to=${moved.get('to')}`));
      await page.screenshot({ path: join(artifacts, `daily-${name}-timeline.png`) });
      await page.click('#tl-all');
      await waitIdle(page);
      assert.equal((await status(page)).matched, await apiCount(''), 'all dates again');
      await page.context().close();
    });

    test(`${name}: with the risk layer on a click inside the Badia checks risk; it says which incidents it counts; its state is in the URL`, async () => {
      const page = await openPage(`/?lang=${lang}&governorate=SY04`, vp);
      await settled(page);
      // Without the risk layer a click in the Badia of Homs gives its totals.
      let spot = await freeSpot(page, 'BADIA-SY04');
      assert.ok(spot, 'a free spot in the Badia of Homs');
      await page.mouse.click(spot.x, spot.y);
      await page.locator('.leaflet-popup .region-popup').waitFor({ timeout: 5000 });
      await page.keyboard.press('Escape');
      await page.evaluate(() => { window.badiamap.map.closePopup(); });
      if (isPhone(vp)) {
        assert.ok((await page.locator('#risk-control').boundingBox()).height < 50, 'on a phone the risk box starts folded');
        await page.click('#risk-fold');
      }
      const zoneRequests = [];
      page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/risk/zones') zoneRequests.push(new URL(r.url())); });
      await page.check('#risk-toggle');
      await page.waitForFunction(() => document.body.dataset.risk === 'idle', null, { timeout: 30_000 });
      assert.match(page.url(), /risk=on/, 'the risk view is in the URL');
      assert.equal(zoneRequests.at(-1).searchParams.get('governorate'), null, 'by default the risk counts every incident');
      const uses = await page.textContent('#risk-uses');
      assert.ok(uses.length > 10, 'the box says which incidents it counts');
      // Now the same kind of click is a risk check, not the region's totals.
      if (isPhone(vp)) await page.click('#risk-fold');
      // The region popup may have panned the map: back to the region.
      await page.evaluate(() => { window.badiamap.map.fitBounds(window.badiamap.regionLayers.bounds('badia'), { animate: false }); });
      await settled(page);
      spot = await freeSpot(page, 'BADIA-SY04');
      if (!spot) await page.screenshot({ path: join(artifacts, `daily-${name}-nospot.png`) });
      assert.ok(spot, 'a free spot in the Badia of Homs with the risk layer on');
      const clicked = await page.evaluate(([x, y]) => {
        const m = window.badiamap.map;
        const r = m.getContainer().getBoundingClientRect();
        const ll = m.containerPointToLatLng([x - r.left, y - r.top]);
        return { lon: ll.lng.toFixed(6), lat: ll.lat.toFixed(6) };
      }, [spot.x, spot.y]);
      await page.mouse.click(spot.x, spot.y);
      const check = page.locator('.leaflet-popup .risk-check');
      await check.waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('.leaflet-popup .region-popup').count(), 0, 'no region popup');
      const api = await apiJSON(server.base, `/api/risk/check?lon=${clicked.lon}&lat=${clicked.lat}`);
      assert.equal(await check.getAttribute('data-level'), api.level, 'the level is the API\'s');
      if (lang === 'ar') {
        assert.deepEqual(await latinStrings(page), [], 'the risk check is all Arabic');
        // The popup's dates and figures use Arabic-Indic digits; the incidents' own words (translate="no") are left as written.
        const title = await check.locator('strong').first().textContent();
        assert.match(title, /[٠-٩]{4}/, `the risk popup's date has Arabic-Indic digits: ${title}`);
        assert.deepEqual(await latinDigits(page, '.leaflet-popup .risk-check'), [], 'no Latin digit in the risk popup');
      }
      await page.evaluate(() => { window.badiamap.map.closePopup(); });
      // The rest, once per language and screen: en on the laptop, ar on the phone.
      if ((lang === 'en') !== (vp === LAPTOP)) {
        await page.context().close();
        return;
      }
      // Counting the map's filter: the zones carry it, and the box names it.
      if (isPhone(vp)) await page.click('#risk-fold');
      await page.selectOption('#risk-filter', 'map');
      await page.waitForFunction(() => document.body.dataset.risk === 'idle');
      assert.equal(zoneRequests.at(-1).searchParams.get('governorate'), 'SY04', 'the zones count the map\'s filter');
      const gov = (await apiJSON(server.base, '/api/regions?kind=governorate')).features.find((f) => f.properties.code === 'SY04').properties;
      assert.ok((await page.textContent('#risk-uses')).includes(lang === 'ar' ? gov.name_ar : gov.name_en), 'the box names the filter');
      assert.match(page.url(), /risk_filter=map/);
      // A date past the data: the box says the answer is stale.
      const latest = (await apiJSON(server.base, '/api/risk/zones')).latest_incident;
      const late = new Date(Date.parse(latest) + 90 * 864e5).toISOString().slice(0, 10);
      await page.fill('#risk-date', late);
      await page.dispatchEvent('#risk-date', 'change');
      await page.waitForFunction(() => document.body.dataset.risk === 'idle' && document.querySelector('.risk-stale'));
      assert.match(page.url(), new RegExp(`risk_date=${late}`));
      // The link brings the risk view back.
      const again = await openPage(page.url().slice(server.base.length), vp);
      await again.waitForFunction(() => document.body.dataset.risk === 'idle', null, { timeout: 30_000 });
      if (isPhone(vp)) await again.click('#risk-fold');
      assert.equal(await again.isChecked('#risk-toggle'), true, 'the risk layer is on');
      assert.equal(await again.inputValue('#risk-date'), late, 'with its date');
      assert.equal(await again.inputValue('#risk-filter'), 'map', 'and its choice of incidents');
      assert.ok(await again.isVisible('.risk-stale'), 'and says it is stale');
      if (lang === 'ar') assert.deepEqual(await latinDigits(again, '.risk-stale'), [], 'the stale note\'s dates have Arabic-Indic digits');
      // Outside the Badia the model does not assess.
      await again.evaluate(() => { window.badiamap.map.setView([33.51, 36.29], 9, { animate: false }); });
      const box = await again.locator('#map').boundingBox();
      const damascus = await again.evaluate(() => {
        const m = window.badiamap.map;
        const p = m.latLngToContainerPoint([33.45, 36.45]);
        const r = m.getContainer().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      });
      assert.ok(damascus.y > box.y && damascus.y < box.y + box.height);
      await again.mouse.click(damascus.x, damascus.y);
      await again.locator('.leaflet-popup .risk-check[data-level="not_assessed"] .risk-not-assessed').waitFor({ timeout: 10_000 });
      await again.context().close();
      await page.context().close();
    });
  }
});

describe('layout, sharing and printing, in English and Arabic, on a laptop and a phone', () => {
  for (const [lang, vp] of VIEWS) {
    const name = tag(lang, vp);

    // The phone layout is about the phone: English and Arabic at 390x844.
    if (isPhone(vp)) {
      test(`${name}: the legend folds, the risk box starts folded, a popup fits clear of the controls`, async () => {
        const page = await openPage(`/?lang=${lang}`, vp);
        assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr', 'the page reads in its language\'s direction');
        const legend = await page.locator('#legend').boundingBox();
        assert.ok(legend.height < 50, `the legend starts folded (${legend.height} px)`);
        await page.click('#legend-toggle');
        const open = await page.locator('#legend').boundingBox();
        assert.ok(open.height > legend.height + 40, 'and opens');
        assert.ok(await page.isVisible('#legend .legend-classes'));
        await page.click('#legend-toggle');
        assert.ok((await page.locator('#legend').boundingBox()).height < 50, 'and folds again');
        const risk = await page.locator('#risk-control').boundingBox();
        assert.ok(risk.height < 50 && risk.width < 150, `the risk box is one button (${risk.width}x${risk.height})`);
        // An incident near the top of the map: its popup opens below the controls.
        const id = await page.evaluate(() => {
          const { map, incidents } = window.badiamap;
          const m = incidents.cluster.getLayers()[0];
          map.setView(m.getLatLng(), 13, { animate: false });
          const p = map.latLngToContainerPoint(m.getLatLng());
          map.panBy([p.x - map.getSize().x / 2 + 0, p.y - 40], { animate: false });
          return String(m.feature.properties.id);
        });
        const icon = page.locator(`.incident-icon[data-id="${id}"]`);
        await icon.waitFor({ state: 'visible' });
        await icon.click();
        const popup = page.locator('.leaflet-popup');
        await popup.waitFor();
        await settled(page);
        await page.waitForTimeout(300); // the popup's fade
        const pb = await popup.boundingBox();
        const mb = await page.locator('#map').boundingBox();
        assert.ok(pb.x >= mb.x && pb.x + pb.width <= mb.x + mb.width, 'the popup fits the map\'s width');
        assert.ok(pb.y >= mb.y && pb.y + pb.height <= mb.y + mb.height + 1, 'and its height');
        for (const sel of ['.leaflet-control-zoom', '#risk-control', '#legend']) {
          const c = await page.locator(sel).boundingBox();
          const overlap = pb.x < c.x + c.width && c.x < pb.x + pb.width && pb.y < c.y + c.height && c.y < pb.y + pb.height;
          assert.ok(!overlap, `the popup is clear of ${sel}`);
        }
        await page.screenshot({ path: join(artifacts, `daily-${name}-popup.png`) });
        await page.context().close();
      });
    }

    test(`${name}: Share copies the URL of the view`, async () => {
      const page = await openPage(`/?lang=${lang}&governorate=SY04&measure=killed#map=7/35.0000/38.5000`, vp, { permissions: ['clipboard-read', 'clipboard-write'] });
      await page.click('#share');
      await page.waitForFunction(() => document.getElementById('share-status').dataset.shared);
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, page.url(), 'the clipboard holds the page URL');
      assert.match(copied, /governorate=SY04/);
      assert.match(copied, /measure=killed/);
      if (lang === 'ar') assert.match(copied, /lang=ar/, 'and its language');
      await page.context().close();
    });

    test(`${name}: Print gives one A4 landscape page with the map, legend, filter, dates and sources`, async () => {
      const page = await openPage(`/?lang=${lang}&governorate=SY04&from=2024-02-01&to=2024-03-31`, vp);
      await page.waitForFunction(() => document.body.dataset.places === 'ready');
      let printed = 0;
      await page.exposeFunction('countPrint', () => { printed++; });
      await page.evaluate(() => { window.print = () => window.countPrint(); });
      await page.click('#print');
      await page.waitForFunction(() => true);
      assert.equal(printed, 1, 'Print asks the browser to print');
      // The paper, not the screen, sets the layout: A4 landscape less the
      // 8 mm margins is 281 x 194 mm (1062 x 733 CSS px), on a phone too.
      await page.setViewportSize({ width: 1062, height: 733 });
      await page.emulateMedia({ media: 'print' });
      await page.waitForFunction(() => document.getElementById('map').getBoundingClientRect().width > 900);
      const dom = await page.evaluate(() => {
        const visible = (sel) => {
          const el = document.querySelector(sel);
          return Boolean(el && el.getBoundingClientRect().width > 0 && getComputedStyle(el).display !== 'none');
        };
        const map = document.getElementById('map').getBoundingClientRect();
        const legend = document.getElementById('legend').getBoundingClientRect();
        const parts = ['print-head', 'map', 'print-foot'].map((id) => document.getElementById(id).getBoundingClientRect());
        return {
          panel: visible('#panel'), topbar: visible('.topbar'), head: visible('#print-head'), foot: visible('#print-foot'), legendShown: visible('#legend .legend-classes'),
          legendItems: document.querySelectorAll('#legend .legend-classes li').length, legendInMap: legend.left >= map.left && legend.right <= map.right && legend.bottom <= map.bottom,
          filter: document.querySelector('#print-head .print-filter').textContent, span: document.querySelector('#print-head .print-span').textContent,
          sources: document.getElementById('print-foot').textContent, mapSize: [map.width, map.height],
          content: [Math.max(...parts.map((r) => r.right)) - Math.min(...parts.map((r) => r.left)), Math.max(...parts.map((r) => r.bottom)) - Math.min(...parts.map((r) => r.top))],
        };
      });
      assert.equal(dom.panel, false, 'no panel on paper');
      assert.equal(dom.topbar, false, 'no header controls on paper');
      assert.ok(dom.head && dom.foot, 'the page has its header and footer');
      assert.ok(dom.legendItems > 0 && dom.legendInMap, 'the legend is on the map');
      assert.ok(dom.legendShown, 'unfolded, though it starts folded on a phone');
      const homs = (await apiJSON(server.base, '/api/regions?kind=governorate')).features.find((f) => f.properties.code === 'SY04').properties;
      assert.ok(dom.filter.includes(lang === 'ar' ? homs.name_ar : homs.name_en), `the filter is named: ${dom.filter}`);
      const stats = await apiJSON(server.base, '/api/stats?group=month&governorate=SY04&from=2024-02-01&to=2024-03-31');
      const day = new Intl.DateTimeFormat(lang === 'ar' ? 'ar-SY' : 'en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(stats.total.first_date));
      assert.ok(dom.span.includes(day), `the dates in the page's language (${day}): ${dom.span}`);
      if (lang === 'ar') assert.doesNotMatch(dom.span, /[0-9]/, 'the dates and totals have Arabic-Indic digits');
      assert.ok(dom.sources.includes('CC BY 4.0') && dom.sources.includes('OCHA'), 'sources and licences');
      await page.screenshot({ path: join(artifacts, `daily-${name}-print.png`), fullPage: true });
      // The page's content fits the printed area.
      assert.ok(dom.mapSize[0] > 1000 && dom.mapSize[0] <= 1063, `the map is the page's width (${dom.mapSize[0]} px)`);
      assert.ok(dom.content[0] <= 1063 && dom.content[1] <= 733, `the print view fits one page (${dom.content.join('x')})`);
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      const text = pdf.toString('latin1');
      const pages = (text.match(/\/Type\s*\/Page[^s]/g) || []).length;
      assert.equal(pages, 1, 'one page');
      assert.match(text, /\/MediaBox\s*\[\s*0 0 84[12](\.\d+)? 59[45](\.\d+)?\s*\]/, 'A4 landscape');
      await page.emulateMedia({ media: 'screen' });
      await page.context().close();
    });

    test(`${name}: Download image saves a PNG of the map with its title and legend`, async () => {
      const page = await openPage(`/?lang=${lang}&governorate=SY04`, vp);
      await page.waitForFunction(() => document.body.dataset.places === 'ready');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#image')]);
      assert.match(download.suggestedFilename(), /^badiamap-\d{4}-\d{2}-\d{2}\.png$/);
      const file = join(artifacts, `daily-${name}-image.png`);
      await download.saveAs(file);
      const png = readFileSync(file);
      assert.equal(png.subarray(1, 4).toString(), 'PNG', 'a PNG');
      const map = await page.locator('#map').boundingBox();
      assert.equal(png.readUInt32BE(16), Math.round(map.width), 'as wide as the map');
      assert.ok(png.readUInt32BE(20) > map.height + 40, 'taller than the map: the title and sources bands');
      assert.ok(png.length > 30_000, `not blank (${png.length} bytes)`);
      await page.context().close();
    });

    test(`${name}: fixed colour classes are the same in two views; fitted ones are not`, async () => {
      // One page per view, taken to each link in turn.
      const page = await openPage(`/?lang=${lang}&classes=fixed`, vp);
      const legendOf = async (query) => {
        if (query !== 'classes=fixed') {
          await page.goto(`${server.base}/?lang=${lang}${query ? '&' + query : ''}`);
          await waitIdle(page);
        }
        return page.evaluate(() => ({
          legend: [...document.querySelectorAll('#legend .legend-classes li')].map((li) => li.textContent),
          regions: [...document.querySelectorAll('path.region[data-value]')].map((p) => ({ v: Number(p.dataset.value), c: Number(p.dataset.class) })),
        }));
      };
      const fixedAll = await legendOf('classes=fixed');
      const fixedHoms = await legendOf('classes=fixed&governorate=SY04&from=2024-03-01&to=2024-03-31');
      assert.ok(fixedAll.legend.length > 0, 'the legend has classes');
      assert.deepEqual(fixedHoms.legend, fixedAll.legend, 'the same classes whatever the filter');
      // The same value falls in the same class in both views.
      const classOf = new Map(fixedAll.regions.map((r) => [r.v, r.c]));
      for (const r of fixedHoms.regions) if (classOf.has(r.v)) assert.equal(r.c, classOf.get(r.v), `value ${r.v} keeps its class`);
      const fitAll = await legendOf('');
      const fitHoms = await legendOf('governorate=SY04&from=2024-03-01&to=2024-03-31');
      assert.notDeepEqual(fitHoms.legend, fitAll.legend, 'fitted classes change with the filter');
      if (lang === 'ar') for (const li of [...fixedAll.legend, ...fitHoms.legend]) assert.doesNotMatch(li, /[0-9]/, `Arabic-Indic digits in the legend: ${li}`);
      await page.context().close();
    });

    test(`${name}: the online basemap is opt-in, kept in the URL, and the only request that leaves 127.0.0.1`, async () => {
      const context = await browser.newContext({ viewport: vp });
      const osm = [];
      const elsewhere = [];
      const tile = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
      await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
        const u = new URL(route.request().url());
        if (u.hostname === 'tile.openstreetmap.org') {
          osm.push(u.href);
          return route.fulfill({ status: 200, contentType: 'image/png', body: tile, headers: { 'Access-Control-Allow-Origin': '*' } });
        }
        elsewhere.push(u.href);
        return route.abort();
      });
      const page = await context.newPage();
      watchConsole(page, consoleErrors);
      await page.goto(`${server.base}/?lang=${lang}`);
      await waitIdle(page);
      await page.waitForFunction(() => document.body.dataset.places === 'ready');
      assert.deepEqual(osm, [], 'no basemap tile without the opt-in');
      await openPanel(page, vp);
      await page.check('#basemap');
      await closePanel(page, vp);
      await page.waitForFunction(() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0);
      assert.ok(osm.length > 0, 'the basemap tiles are asked for once chosen');
      assert.match(page.url(), /basemap=osm/, 'the choice is in the URL');
      const again = await context.newPage();
      await again.goto(page.url());
      await waitIdle(again);
      await openPanel(again, vp);
      assert.equal(await again.isChecked('#basemap'), true, 'the link keeps the basemap');
      assert.equal(await again.getAttribute('html', 'lang'), lang, 'and the language');
      assert.deepEqual(elsewhere, [], 'nothing else left 127.0.0.1');
      await context.close();
    });
  }
});

describe('every string in Arabic, and the report chart', () => {
  test('Arabic: every string of the page, popups and panels is Arabic', async () => {
    const page = await openPage('/?lang=ar&governorate=SY04');
    await page.waitForFunction(() => document.body.dataset.places === 'ready');
    await page.waitForSelector('#reports-panel[data-ready="true"]');
    // The seed report, chosen before the switch to Arabic, follows the language.
    const reports = await apiJSON(server.base, '/api/reports');
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.selectOption('#report-select', String(reports.reports[0].id));
    await page.waitForFunction(() => document.querySelector('#reports-panel').dataset.state === 'idle' && document.querySelector('#series-chart svg'));
    assert.match(page.url(), new RegExp(`report=${reports.reports[0].id}`), 'the chosen report is in the URL');
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'ar');
    await waitIdle(page);
    // A region popup, an incident popup; the risk box open.
    await page.click('#region-table tr[data-code="BADIA-SY04"] button');
    await page.locator('.leaflet-popup .region-popup').waitFor();
    assert.deepEqual(await latinStrings(page), [], 'no Latin string with a region popup open');
    await page.evaluate(() => { window.badiamap.map.closePopup(); });
    await settled(page);
    const id = await page.evaluate(() => {
      const { map, incidents } = window.badiamap;
      const m = incidents.cluster.getLayers()[0];
      map.setView(m.getLatLng(), 14, { animate: false });
      return String(m.feature.properties.id);
    });
    await page.locator(`.incident-icon[data-id="${id}"]`).click();
    await page.locator('.leaflet-popup .incident-popup').waitFor();
    await page.check('#risk-toggle');
    await page.waitForFunction(() => document.body.dataset.risk === 'idle');
    const latin = await latinStrings(page);
    await page.screenshot({ path: join(artifacts, 'daily-arabic.png'), fullPage: true });
    assert.deepEqual(latin, [], 'no Latin string in the Arabic page');
    // Failed checks in Arabic, with region names and no raw codes.
    const checks = await page.$$eval('#report-checks li', (lis) => lis.map((li) => li.textContent));
    assert.ok(checks.length > 0);
    for (const c of checks) assert.doesNotMatch(c, /BADIA-|truffle_gatherers|[A-Za-z]/, `an Arabic check: ${c}`);
    // Digits: Arabic-Indic in the scale bar, the header and the risk dates.
    assert.match(await page.textContent('.leaflet-control-scale'), /[٠-٩]+ (كم|م)/);
    assert.doesNotMatch(await page.textContent('#summary'), /[0-9]/, 'the header has no Latin digits');
    // "٤ حوادث", not "٤ حادثة": Intl.PluralRules picks the form.
    const few = await page.evaluate(() => window.badiamap.tn('incidentsN', 4));
    assert.equal(few, '٤ حوادث');
    await page.context().close();
  });

  test('the report chart dates its snapshot on the axis', async () => {
    const reports = await apiJSON(server.base, '/api/reports');
    const r = reports.reports[0];
    const page = await openPage(`/?report=${r.id}`);
    await page.waitForFunction(() => document.querySelector('#reports-panel').dataset.state === 'idle' && document.querySelector('#series-chart svg'));
    assert.equal(await page.inputValue('#report-select'), String(r.id), 'the report of the link is chosen');
    const ticks = await page.$$eval('#series-chart text.x-tick', (ts) => ts.map((x) => x.textContent));
    const series = await apiJSON(server.base, `/api/reports/series?publisher=${r.publisher}&period_start=${r.period_start}&metric=${await page.inputValue('#report-metric')}`);
    const dates = [...new Set(series.snapshots.map((s) => s.date))];
    if (dates.length === 1) {
      const want = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(dates[0]));
      assert.deepEqual(ticks, [want], 'one snapshot: its own date is the tick');
    } else assert.ok(ticks.length >= 2, 'several ticks');
    await page.context().close();
  });

  test('no console error and no request off this machine', () => {
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(offsite, []);
  });
});
