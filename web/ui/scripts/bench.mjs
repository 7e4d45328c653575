// Measures the map on the UCDP file: first contentful paint, time to
// interactive (the page has drawn its first view: body data-ready="true" and
// data-state="idle") and the time a filter change takes to be drawn (from the
// click to data-state="idle", the 200 ms debounce included), over fresh page
// loads in headless Chromium. Prints a Markdown table of medians.
//
//   node scripts/bench.mjs [runs]                  builds badiamap, imports UCDP, serves it
//   BADIAMAP_TEST_URL=http://127.0.0.1:8080 node scripts/bench.mjs   a server you started
import { launchBrowser, startServer } from '../test/harness.mjs';

const UCDP = '../shared/data/incidents/ucdp_ged_syria_v652.1601.1911_2016-01-01_2019-11-30.csv';
const runs = Number(process.argv[2] || 5);

// Records, in the page's own clock, when the page first became ready and
// each time it went idle; works on any version of the map.
const OBSERVE = () => {
  window.__bench = { ready: null, idle: [] };
  new MutationObserver(() => {
    const b = document.body;
    if (!b) return;
    const now = performance.now();
    if (b.dataset.state === 'idle') window.__bench.idle.push(now);
    if (window.__bench.ready === null && b.dataset.ready === 'true' && b.dataset.state === 'idle') window.__bench.ready = now;
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state', 'data-ready'] });
};

// change clicks the element matched by selector (a checkbox) or sets a select,
// and answers how long the map took to be idle again.
async function change(page, selector, value) {
  await page.evaluate(([sel, v]) => {
    window.__bench.t0 = performance.now();
    const el = document.querySelector(sel);
    if (el.tagName === 'SELECT') {
      el.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    } else el.click();
  }, [selector, value]);
  await page.waitForFunction(() => document.body.dataset.state === 'idle' && window.__bench.idle.some((t) => t > window.__bench.t0),
    null, { timeout: 60_000 });
  return page.evaluate(() => window.__bench.idle.find((t) => t > window.__bench.t0) - window.__bench.t0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const server = await startServer({ importFiles: [UCDP] });
const browser = await launchBrowser();
const results = { fcp: [], ready: [], homs: [], civilians: [] };
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
    await context.addInitScript(OBSERVE);
    const page = await context.newPage();
    await page.goto(server.base + '/');
    await page.waitForFunction(() => window.__bench.ready !== null, null, { timeout: 60_000 });
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      ready: window.__bench.ready,
    }));
    results.fcp.push(t.fcp);
    results.ready.push(t.ready);
    // Homs (about 1,300 incidents: markers), then civilians over all of it
    // (Homs unticked: vector tiles).
    const homs = await page.$('#governorate-SY04') ? '#governorate-SY04' : 'input[name="governorate"][value="SY04"]';
    results.homs.push(await change(page, homs));
    await change(page, homs);
    results.civilians.push(await change(page, '#victim', 'civilians'));
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
const row = (name, xs) => `| ${name} | ${Math.round(median(xs))} | ${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))} |`;
console.log(`${runs} fresh page loads at 1366x800, ms (median, range):\n`);
console.log('| measure | median | range |\n|---|---|---|');
console.log(row('first contentful paint', results.fcp));
console.log(row('time to interactive (first view drawn)', results.ready));
console.log(row('filter change: tick Homs (1,307 incidents, markers)', results.homs));
console.log(row('filter change: victim civilians (tiles)', results.civilians));
