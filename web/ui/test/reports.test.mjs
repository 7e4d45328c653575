// Browser test of the reports panel against the real server on the demo data
// with the seed report and the 2023 snapshots stored: pick the seed's
// report, see the Badia regions coloured by its figures, its failed checks
// listed, and its series charted; every number compared with the API's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apiJSON, artifacts, launchBrowser, offlinePage, repoRoot, waitIdle } from './harness.mjs';

const run = promisify(execFile);
const SEED = 'sohr:seed-2024-04-21-badia';
const SNAPSHOTS = join(repoRoot, '..', 'shared', 'data', 'reports', 'sohr_badia_snapshots.json');

let server;
let browser;
const consoleErrors = [];

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

// startReportServer: the demo, plus the seed report and the 2023 snapshots
// stored with `badiamap import-reports`, served from a fresh data dir.
// BADIAMAP_TEST_URL uses a server already running with those loaded.
async function startReportServer() {
  if (process.env.BADIAMAP_TEST_URL) return { base: process.env.BADIAMAP_TEST_URL.replace(/\/$/, ''), stop: async () => {} };
  const tmp = mkdtempSync(join(tmpdir(), 'badiamap-reports-'));
  const bin = join(tmp, 'badiamap');
  const dataDir = join(tmp, 'data');
  await run('go', ['build', '-o', bin, './cmd/badiamap'], { cwd: repoRoot, maxBuffer: 1 << 24 });
  await run(bin, ['demo', '--store', 'memory', '--data-dir', dataDir], { cwd: tmp, maxBuffer: 1 << 24 });
  await run(bin, ['import-reports', '--store', 'memory', '--data-dir', dataDir, '--demo', SNAPSHOTS], { cwd: tmp, maxBuffer: 1 << 24 });
  const addr = `127.0.0.1:${await freePort()}`;
  let output = '';
  const proc = spawn(bin, ['serve', '--store', 'memory', '--data-dir', dataDir, '--addr', addr], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const base = `http://${addr}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`serve exited: ${output.slice(-2000)}`);
    try {
      if ((await fetch(base + '/healthz')).ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`serve did not answer: ${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

before(async () => {
  server = await startReportServer();
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

function largest(report, scope, metric) {
  let v = null;
  for (const c of report.claims) if (c.scope === scope && c.metric === metric && (v === null || c.value > v)) v = c.value;
  return v;
}

test('the reports panel shows the seed report: coloured regions, failed checks, its series', { timeout: 120_000 }, async () => {
  const list = await apiJSON(server.base, '/api/reports');
  const seed = list.reports.find((r) => r.external_id === SEED);
  assert.ok(seed, `the seed report ${SEED} is stored (GET /api/reports)`);
  const report = await apiJSON(server.base, `/api/reports/${seed.id}`);
  assert.ok(report.failed_checks.length > 0, 'the seed fails checks');

  const page = await offlinePage(browser, consoleErrors, { viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  await page.goto(server.base + '/');
  await waitIdle(page);
  await page.waitForSelector('#reports-panel[data-ready="true"]');
  const options = await page.$$eval('#report-select option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.equal(options.length, list.count, 'one option per stored report');

  await page.selectOption('#report-select', String(seed.id));
  await page.waitForFunction(() => document.querySelector('#reports-panel').dataset.state === 'idle'
    && document.querySelectorAll('path.report-region').length > 0 && document.querySelector('#series-chart svg'));

  // Regions coloured by the report's figure of the chosen metric.
  const metric = await page.$eval('#report-metric', (s) => s.value);
  const regions = await page.$$eval('path.report-region', (ps) => ps.map((p) => ({
    code: p.dataset.code, value: p.dataset.value, fill: p.getAttribute('fill'), opacity: Number(p.getAttribute('fill-opacity')),
  })));
  const badia = await apiJSON(server.base, '/api/regions?kind=badia');
  assert.equal(regions.length, badia.features.length, 'every Badia region is drawn');
  let coloured = 0;
  const fills = new Set();
  for (const r of regions) {
    const want = largest(report, r.code, metric);
    assert.equal(r.value, want === null ? '' : String(want), `${r.code} shows the report's ${metric}`);
    if (want !== null) {
      coloured++;
      fills.add(r.fill);
      assert.ok(r.opacity > 0.5, `${r.code} is filled`);
    }
  }
  const claimedRegions = new Set(report.claims.filter((c) => c.scope !== 'total' && c.metric === metric).map((c) => c.scope));
  assert.equal(coloured, claimedRegions.size, `every region the report gives ${metric} for is coloured`);
  assert.ok(coloured > 0 && fills.size > 1, `regions with different figures get different colours: ${JSON.stringify(regions)}`);

  // The failed checks, as the API lists them.
  const shown = await page.$$eval('#report-checks li', (lis) => lis.map((li) => ({ rule: li.dataset.rule, text: li.textContent })));
  assert.equal(shown.length, report.failed_checks.length, 'one item per failed check');
  report.failed_checks.forEach((c, i) => {
    assert.equal(shown[i].rule, c.rule);
    // The page words the check itself (in the page's language), with the figures behind it.
    for (const f of c.figures) assert.ok(shown[i].text.includes(String(f.value)), `check ${i} shows ${f.value}: ${shown[i].text}`);
    assert.doesNotMatch(shown[i].text, /BADIA-SY|truffle_gatherers/, `check ${i} names regions and groups, not codes`);
  });
  const rules = new Set(shown.map((s) => s.rule));
  assert.ok(rules.has('regional_sum'), 'the headline against the regional sums is listed');

  // The chart: one line per scope of the series, a dot per published figure.
  const series = await apiJSON(server.base, `/api/reports/series?publisher=${encodeURIComponent(report.publisher)}&period_start=${report.period_start}&metric=${metric}`);
  const chart = await page.$eval('#series-chart svg', (svg) => ({
    lines: svg.querySelectorAll('g.series-line').length,
    points: svg.querySelectorAll('circle.point').length,
    ticks: svg.querySelectorAll('text.tick').length,
    legend: document.querySelectorAll('#series-chart .chart-legend li').length,
  }));
  const published = series.lines.reduce((n, l) => n + l.points.filter((p) => p.published !== null).length, 0);
  assert.equal(chart.lines, series.lines.length, 'one line per region');
  assert.equal(chart.points, published, 'each published figure marked');
  assert.ok(chart.ticks >= 3, 'the axes are labelled');
  assert.ok(chart.legend >= series.lines.length, 'the legend names each line');

  // The CSV download is the series.
  const href = await page.$eval('#series-csv', (a) => a.href);
  const csv = await (await fetch(href)).text();
  const rows = csv.trim().split('\n');
  assert.equal(rows[0], 'scope,metric,report_id,date,date_source,published,cumulative,drop');
  assert.equal(rows.length - 1, series.lines.reduce((n, l) => n + l.points.length, 0), 'one CSV row per point');

  await page.screenshot({ path: join(artifacts, 'reports-seed.png') });

  // The 2023 series: a richer chart, enlarged.
  const y2023 = list.reports.filter((r) => r.period_start === '2023-01-01' && !r.regions_incomplete).pop();
  await page.selectOption('#report-select', String(y2023.id));
  await page.waitForFunction((id) => document.querySelector('#reports-panel').dataset.state === 'idle'
    && document.querySelector('#report-select').value === String(id) && document.querySelectorAll('#series-chart circle.point').length > 5, y2023.id);
  await page.click('#chart-enlarge');
  await page.screenshot({ path: join(artifacts, 'reports-2023-series.png') });
  assert.deepEqual(consoleErrors, [], 'no console errors');
  await page.context().close();
});
