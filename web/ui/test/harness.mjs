// Test harness: builds the real badiamap binary, loads the demo data into an
// embedded store, serves it on a free loopback port, and drives Debian's
// Chromium with playwright-core.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
export const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(uiDir, '../..');
export const artifacts = join(uiDir, 'test', 'artifacts');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

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

async function waitHealthy(base, proc, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`badiamap serve exited with ${proc.exitCode}:\n${log()}`);
    try {
      const res = await fetch(base + '/healthz');
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`badiamap serve did not answer /healthz within 60 s:\n${log()}`);
}

// startServer builds the binary, loads the demo (or, with importFiles, those
// incident files, relative to the repo root, through `badiamap import`; with
// demo and importFiles, both) into a fresh data dir, adds users ([name,
// role] pairs, through `badiamap user add`) and serves it. It returns {base,
// log, passwords, offline, stop}: passwords by user name; offline(args)
// stops the server, runs `badiamap ARGS` on its data dir and serves it again
// on the same address.
// BADIAMAP_TEST_URL=http://127.0.0.1:8080 runs the tests against a server
// already running with the same data loaded instead.
export async function startServer({ importFiles, demo = !importFiles, users = [] } = {}) {
  if (process.env.BADIAMAP_TEST_URL) {
    const base = process.env.BADIAMAP_TEST_URL.replace(/\/$/, '');
    return { base, log: () => '', passwords: {}, offline: null, stop: async () => {} };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'badiamap-ui-'));
  const bin = join(tmp, 'badiamap');
  const dataDir = join(tmp, 'data');
  const store = ['--store', 'memory', '--data-dir', dataDir];
  const cli = (args) => run(bin, args, { cwd: tmp, maxBuffer: 1 << 24 });
  await run('go', ['build', '-o', bin, './cmd/badiamap'], { cwd: repoRoot, maxBuffer: 1 << 24 });
  if (demo) await cli(['demo', ...store]);
  if (importFiles) await cli(['import', ...store, ...importFiles.map((f) => resolve(repoRoot, f))]);
  const passwords = {};
  for (const [name, role] of users) {
    // The one-time password is the last line it prints.
    const { stdout } = await cli(['user', 'add', name, '--role', role, ...store]);
    passwords[name] = stdout.trim().split('\n').pop().trim();
  }
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const base = `http://${addr}`;
  let output = '';
  let proc = null;
  async function serve() {
    proc = spawn(bin, ['serve', ...store, '--addr', addr], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => { output += d; });
    proc.stderr.on('data', (d) => { output += d; });
    await waitHealthy(base, proc, () => output.slice(-4000));
  }
  async function halt() {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  }
  await serve();
  return {
    base,
    passwords,
    log: () => output,
    // The embedded store is locked while served: a command on it runs
    // between a stop and a start.
    async offline(args) {
      await halt();
      try {
        return await cli([...args, ...store]);
      } finally {
        await serve();
      }
    },
    async stop() {
      await halt();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// watchConsole records every console error and uncaught page error.
export function watchConsole(page, errors) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url || ''})`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // An aborted fetch is the map cancelling a stale load on purpose.
    if (!/ERR_ABORTED/.test(req.failure()?.errorText || '')) errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
}

// offlinePage opens a page in a context of its own (options: viewport,
// downloads) where the map must work without internet: any request off this
// server is refused and recorded in errors, with every console error.
export async function offlinePage(browser, errors, options) {
  const context = await browser.newContext(options);
  await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
    errors.push(`off-site request: ${route.request().url()}`);
    return route.abort();
  });
  const page = await context.newPage();
  watchConsole(page, errors);
  return page;
}

// waitIdle waits until the map has drawn the current filter.
export async function waitIdle(page) {
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.state === 'idle',
    null, { timeout: 30_000 });
}

export async function api(base, path) {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

export async function apiJSON(base, path) {
  return (await api(base, path)).json();
}

// allIncidentIDs pages through /api/incidents with query q and returns every id.
export async function allIncidentIDs(base, q) {
  const ids = [];
  let next = `/api/incidents?${q ? q + '&' : ''}limit=100`;
  while (next) {
    const fc = await apiJSON(base, next.startsWith('http') ? new URL(next).pathname + new URL(next).search : next);
    for (const f of fc.features) ids.push(String(f.id ?? f.properties.id));
    const link = (fc.links || []).find((l) => l.rel === 'next');
    next = link ? link.href : null;
  }
  return ids.sort();
}

// Names the Arabic page may show in Latin letters: file formats and the
// names of things that have no Arabic form.
const NO_ARABIC_FORM = /GeoJSON|CSV|KML|PNG|A4|Leaflet|OpenStreetMap/g;

// latinStrings lists the words of the page (text and aria-label, title,
// placeholder) in Latin letters, outside data marked translate="no".
export function latinStrings(page) {
  return page.evaluate((allowed) => {
    const re = new RegExp(allowed, 'g');
    const out = [];
    const skip = (el) => el.closest('[translate="no"], script, style, noscript');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentElement || skip(n.parentElement)) continue;
      const text = n.textContent.replace(re, '');
      if (/[A-Za-z]/.test(text)) out.push(`${n.parentElement.tagName.toLowerCase()}.${n.parentElement.className}: ${n.textContent.trim()}`);
    }
    for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder]')) {
      if (skip(el)) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = (el.getAttribute(a) || '').replace(re, '');
        if (/[A-Za-z]/.test(v)) out.push(`${el.tagName.toLowerCase()}[${a}]: ${el.getAttribute(a)}`);
      }
    }
    if (/[A-Za-z]/.test(document.title)) out.push(`title: ${document.title}`);
    return out;
  }, NO_ARABIC_FORM.source);
}

// signIn signs name in with password from the account box, and waits for
// the map drawn again for who signed in.
export async function signIn(page, name, password) {
  await page.click('#signin-open');
  await page.fill('#signin-user', name);
  await page.fill('#signin-password', password);
  await page.click('#signin-submit');
  await page.locator('#whoami').waitFor();
  await waitIdle(page);
}
