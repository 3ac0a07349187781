// `cargo xtask bench`: our widget against three anchors from npm (vanilla-cookieconsent, Osano's
// cookieconsent, Klaro), on identical article pages served by a tiny static server, in Debian's
// Chromium driven by playwright-core. Prints figures; it is a benchmark, not a pass/fail test.
// With CANENRICH_YEW_FLOOR (the wasm-pack output of tests/bench/yew-floor) a bare Yew banner
// runs too, as a reference (first visit only).
//
//   CANENRICH_DIST=/abs/dist [CANENRICH_YEW_FLOOR=/abs/pkg] node tests/bench/bench.mjs
//     [--rounds N] [--speeds 1,4] [--only ours,klaro]
//
// Per run (fresh browser context, rounds interleaved A,B,C,D,A,B,C,D…, at each CPU speed):
//   first visit  time to banner visible, main-thread script/task time, long tasks (all, and the
//                widget's own from long-animation-frame script attribution), CLS, JS heap
//                (+ WebAssembly memory for ours); checks nothing gated ran and no tracker cookie
//   accept all   click → both gated trackers ran; checks both ran and set their cookies
//   reload       with the stored choice: checks no banner and both trackers ran; records the
//                widget files requested (bytes are measured from the files on disk)
// Writes target/bench/report.md, results.json, chart.svg and chart.png.

import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.mjs';
import { candidates as defineCandidates, TRACKERS } from './candidates.mjs';
import { renderChart } from './chart.mjs';
import { renderReport } from './report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
/** How long one wait inside a run may take (4× throttled pages are slow). */
const WAIT_MS = 20_000;
/** Quiet time after the network goes idle before first-visit figures are read. */
const SETTLE_MS = 500;

function parseArgs(argv) {
  const options = { rounds: 7, speeds: [1, 4], only: null };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--rounds') {
      options.rounds = Number(value());
      if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error('--rounds must be a positive integer');
    } else if (flag === '--speeds') {
      options.speeds = value().split(',').map(Number);
      if (options.speeds.some((s) => !(s >= 1))) throw new Error('--speeds takes CPU slowdown factors ≥ 1, e.g. 1,4');
    } else if (flag === '--only') {
      options.only = value().split(',');
    } else {
      throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Static server

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** The file on disk behind a widget URL path, or null if the path is not a widget file. */
function widgetFile(all, urlPath) {
  for (const c of all) {
    if (c.files[urlPath]) return c.files[urlPath];
    if (c.dir && urlPath.startsWith(c.dir.prefix)) {
      const rel = decodeURIComponent(urlPath.slice(c.dir.prefix.length));
      const file = path.resolve(c.dir.root, rel);
      if (!file.startsWith(path.resolve(c.dir.root) + path.sep)) return null;
      return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
    }
  }
  return null;
}

function startServer(all) {
  const pages = Object.fromEntries(all.map((c) => [`/page/${c.id}/`, c.html]));
  const server = http.createServer((req, res) => {
    const urlPath = new URL(req.url, 'http://bench').pathname;
    // Every visit requests every file again, so "what a visit requests" is what it downloads.
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (pages[urlPath]) return send(200, TYPES['.html'], pages[urlPath]);
    if (TRACKERS[urlPath]) return send(200, TYPES['.js'], TRACKERS[urlPath]);
    const file = widgetFile(all, urlPath);
    if (file) return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    return send(404, 'text/plain', 'not found');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---------------------------------------------------------------------------------------------
// Sizes

const sizeCache = new Map();

/** raw / gzip -9 / brotli q11 bytes of one file, as a static host would pre-compress it. */
function sizes(file) {
  if (!sizeCache.has(file)) {
    const data = fs.readFileSync(file);
    sizeCache.set(file, {
      raw: data.length,
      gzip: zlib.gzipSync(data, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }).length,
    });
  }
  return sizeCache.get(file);
}

function sumSizes(files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) {
    const s = sizes(file);
    total.raw += s.raw;
    total.gzip += s.gzip;
    total.brotli += s.brotli;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// In-page instrumentation (runs before any page script, on every load)

function instrument({ banner }) {
  const findBanner = new Function(`return (${banner});`);
  const B = (window.__bench = {
    bannerAt: null,
    longTasks: [],
    scripts: [],
    cls: 0,
    shifts: 0,
    clickAt: null,
    ranAt: {},
    stop: false,
  });
  window.__ran = [];
  const visible = (el) => {
    if (!el || !el.isConnected) return false;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0) return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < innerHeight;
  };
  // Checked once per frame, just before paint: the first frame in which the banner is painted.
  const frame = () => {
    if (B.bannerAt === null) {
      let el = null;
      try {
        el = findBanner();
      } catch {
        // not there yet
      }
      if (visible(el)) B.bannerAt = performance.now();
    }
    if (!B.stop) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) B.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  // Long animation frames name the scripts that ran in them (entry point URL and duration), which
  // tells the widget's own long work from the page's parsing and layout.
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        for (const s of entry.scripts) B.scripts.push({ url: s.sourceURL, duration: s.duration, invoker: s.invoker });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } else {
    B.scripts = null;
  }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) {
        B.cls += entry.value;
        B.shifts += 1;
      }
    }
  }).observe({ type: 'layout-shift', buffered: true });
  // Capture phase on window: runs before the widget's own click handler (clicks are composed,
  // so this also sees clicks inside a shadow root).
  addEventListener(
    'click',
    (event) => {
      if (B.clickAt === null && event.isTrusted) B.clickAt = performance.now();
    },
    true,
  );
}

/** Our WebAssembly memory: the glue's init returns the (already instantiated) exports. */
async function oursWasmMemory() {
  try {
    const glue = await import('/ours/canenrich_consent.js');
    const exports = await glue.default();
    return exports?.memory?.buffer?.byteLength ?? null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// One run

async function metricsMap(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

async function trackerCookies(context, base) {
  return (await context.cookies(base)).map((c) => c.name).filter((n) => n.startsWith('bench_')).sort();
}

async function runOnce(browser, base, all, candidate, speed) {
  const result = { candidate: candidate.id, speed, checks: {}, errors: [] };
  const check = (name, ok, detail) => {
    result.checks[name] = ok;
    if (!ok) result.errors.push(`check failed: ${name}${detail ? ` (${detail})` : ''}`);
  };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(WAIT_MS);
  let requests = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.addInitScript(instrument, { banner: candidate.banner });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => result.errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') result.errors.push(`console error: ${message.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    if (speed > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: speed });
    const url = `${base}/page/${candidate.id}/`;

    // First visit. The Performance domain's counters belong to the document (a navigation starts
    // them again from 0), so the values read after each visit are that visit's own.
    await page.goto(url, { waitUntil: 'load', timeout: WAIT_MS });
    if (!candidate.bare) await page.waitForFunction(() => window.__bench.bannerAt !== null, null, { timeout: WAIT_MS });
    await page.waitForLoadState('networkidle', { timeout: WAIT_MS });
    await page.waitForTimeout(SETTLE_MS);
    const after = await metricsMap(cdp);
    const heap = await cdp.send('Runtime.getHeapUsage');
    const first = await page.evaluate(() => ({ ...window.__bench, ran: [...window.__ran] }));
    result.bannerMs = first.bannerAt;
    result.fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
    result.scriptMs = after.ScriptDuration * 1000;
    result.taskMs = after.TaskDuration * 1000;
    result.longTaskCount = first.longTasks.length;
    result.longTaskMs = first.longTasks.reduce((a, b) => a + b, 0);
    Object.assign(result, widgetScripts(candidate, url, first.scripts));
    result.cls = first.cls;
    result.heapMB = heap.usedSize / 1e6;
    result.backingMB = heap.backingStorageSize !== undefined ? heap.backingStorageSize / 1e6 : null;
    result.wasmMemoryMB = null;
    if (candidate.id === 'ours') {
      const bytes = await page.evaluate(oursWasmMemory);
      result.wasmMemoryMB = bytes === null ? null : bytes / 1e6;
    }
    result.firstVisitFiles = widgetPaths(all, requests);
    if (candidate.reference) return result;
    check('before consent: nothing gated ran', first.ran.length === 0, `__ran = ${JSON.stringify(first.ran)}`);
    const cookiesBefore = await trackerCookies(context, base);
    check('before consent: no tracker cookie', cookiesBefore.length === 0, cookiesBefore.join(', '));
    check(
      'before consent: no tracker requested',
      !requests.some((u) => u.includes('/trackers/')),
      requests.filter((u) => u.includes('/trackers/')).join(', '),
    );

    // Accept all.
    await page.locator(candidate.accept).click({ timeout: WAIT_MS });
    await page.waitForFunction(() => window.__bench.ranAt.a !== undefined && window.__bench.ranAt.m !== undefined, null, {
      timeout: WAIT_MS,
    });
    const accepted = await page.evaluate(() => ({ ...window.__bench, ran: [...window.__ran] }));
    result.acceptMs = Math.max(accepted.ranAt.a, accepted.ranAt.m) - accepted.clickAt;
    check('after accept: both ran once', JSON.stringify([...accepted.ran].sort()) === '["a","m"]', JSON.stringify(accepted.ran));
    const cookiesAfter = await trackerCookies(context, base);
    check('after accept: both tracker cookies', cookiesAfter.join() === 'bench_a,bench_m', cookiesAfter.join(', '));

    // Returning visitor: reload with the stored choice (tracker cookies cleared, so we see them set again).
    await context.clearCookies({ name: /^bench_/ });
    await page.waitForTimeout(100);
    requests = [];
    await page.reload({ waitUntil: 'load', timeout: WAIT_MS });
    await page.waitForFunction(() => window.__bench.ranAt.a !== undefined && window.__bench.ranAt.m !== undefined, null, {
      timeout: WAIT_MS,
    });
    await page.waitForLoadState('networkidle', { timeout: WAIT_MS });
    await page.waitForTimeout(SETTLE_MS);
    const afterReturn = await metricsMap(cdp);
    const back = await page.evaluate(() => ({ ...window.__bench, ran: [...window.__ran] }));
    result.returnRanMs = Math.max(back.ranAt.a, back.ranAt.m);
    result.returnScriptMs = afterReturn.ScriptDuration * 1000;
    result.returnLongTaskCount = back.longTasks.length;
    result.returnWidgetLongTaskCount = widgetScripts(candidate, url, back.scripts).widgetLongTaskCount;
    result.returnCls = back.cls;
    result.returnFiles = widgetPaths(all, requests);
    check('returning: no banner', back.bannerAt === null, `banner visible at ${back.bannerAt} ms`);
    check('returning: both ran once', JSON.stringify([...back.ran].sort()) === '["a","m"]', JSON.stringify(back.ran));
    const cookiesBack = await trackerCookies(context, base);
    check('returning: both tracker cookies', cookiesBack.join() === 'bench_a,bench_m', cookiesBack.join(', '));
    await page.evaluate(() => {
      window.__bench.stop = true;
    });
  } catch (error) {
    result.errors.push(`run aborted: ${error.message.split('\n')[0]}`);
    result.aborted = true;
  } finally {
    await context.close();
  }
  return result;
}

/**
 * The widget's own long work on the first visit, from the long-animation-frame script entries:
 * scripts whose entry point is one of the candidate's widget files or an inline script of its
 * page (the anchors' set-up calls; ours has none). A script run over 50 ms is a long task the
 * widget caused; the part over 50 ms is its blocking time (as in Total Blocking Time).
 */
function widgetScripts(candidate, pageUrl, scripts) {
  if (scripts === null) return { widgetLongTaskCount: null, widgetBlockingMs: null, widgetLongest: null };
  const pagePath = new URL(pageUrl).pathname;
  const own = scripts.filter((s) => {
    if (!s.url) return false;
    const p = new URL(s.url).pathname;
    return p === pagePath || widgetFile([candidate], p) !== null;
  });
  const long = own.filter((s) => s.duration > 50);
  const longest = own.reduce((a, s) => (a && a.duration >= s.duration ? a : s), null);
  return {
    widgetLongTaskCount: long.length,
    widgetBlockingMs: long.reduce((sum, s) => sum + s.duration - 50, 0),
    widgetLongest: longest ? `${Math.round(longest.duration)} ms ${longest.invoker} (${new URL(longest.url).pathname})` : null,
  };
}

/** The widget URL paths (deduplicated, in request order) among the requested URLs. */
function widgetPaths(all, urls) {
  const seen = [];
  for (const url of urls) {
    const p = new URL(url).pathname;
    if (widgetFile(all, p) && !seen.includes(p)) seen.push(p);
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dist = process.env.CANENRICH_DIST;
  if (!dist || !fs.existsSync(path.join(dist, 'canenrich-consent.js'))) {
    throw new Error('set CANENRICH_DIST to the absolute path of a built dist/ (run `cargo xtask dist`; `cargo xtask bench` does)');
  }
  const outDir = process.env.CANENRICH_BENCH_OUT ?? path.join(ROOT, 'target', 'bench');
  const floor = process.env.CANENRICH_YEW_FLOOR;
  if (floor && !fs.existsSync(path.join(floor, 'yew_floor.js'))) {
    throw new Error(`CANENRICH_YEW_FLOOR=${floor} holds no yew_floor.js (\`cargo xtask bench\` builds it)`);
  }
  const all = defineCandidates({
    dist: path.resolve(dist),
    nodeModules: path.join(ROOT, 'node_modules'),
    floor: floor ? path.resolve(floor) : null,
  });
  for (const c of all) {
    for (const [urlPath, file] of Object.entries(c.files)) {
      if (!fs.existsSync(file)) throw new Error(`${c.label}: ${urlPath} → ${file} is missing (npm ci?)`);
    }
  }
  const chosen = options.only ? all.filter((c) => options.only.includes(c.id)) : all;
  if (chosen.length === 0) throw new Error(`--only matched none of ${all.map((c) => c.id).join(', ')}`);

  const server = await startServer(all);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const runs = [];
  const started = Date.now();
  const loadStart = os.loadavg()[0];
  try {
    // One untimed warm-up visit per candidate (disk cache of the server files, V8 start-up).
    for (const c of chosen) await runOnce(browser, base, all, c, 1);
    for (const speed of options.speeds) {
      for (let round = 1; round <= options.rounds; round += 1) {
        for (const c of chosen) {
          const r = await runOnce(browser, base, all, c, speed);
          r.round = round;
          runs.push(r);
          const status = r.errors.length ? `  ${r.errors.join('; ')}` : '';
          console.log(
            `${speed}× round ${round}/${options.rounds} ${c.id.padEnd(8)} banner ${fmt(r.bannerMs)} ms, script ${fmt(r.scriptMs)} ms, ` +
              `long tasks ${r.longTaskCount ?? '–'} (widget ${r.widgetLongTaskCount ?? '–'}), accept→ran ${fmt(r.acceptMs)} ms${status}`,
          );
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }

  const chromiumVersion = browser.version();
  const bytes = Object.fromEntries(
    chosen.map((c) => {
      const firstPaths = mostCommon(runs.filter((r) => r.candidate === c.id && r.firstVisitFiles).map((r) => r.firstVisitFiles));
      const returnPaths = mostCommon(runs.filter((r) => r.candidate === c.id && r.returnFiles).map((r) => r.returnFiles));
      const perFile = (paths) => (paths ?? []).map((p) => ({ path: p, ...sizes(widgetFile(all, p)) }));
      return [
        c.id,
        {
          first: firstPaths ? sumSizes(firstPaths.map((p) => widgetFile(all, p))) : null,
          returning: returnPaths ? sumSizes(returnPaths.map((p) => widgetFile(all, p))) : null,
          firstFiles: perFile(firstPaths),
          returnFiles: perFile(returnPaths),
        },
      ];
    }),
  );

  const data = {
    date: new Date().toISOString(),
    chromium: chromiumVersion,
    node: process.version,
    rounds: options.rounds,
    speeds: options.speeds,
    seconds: Math.round((Date.now() - started) / 1000),
    load: { cpus: os.cpus().length, start: loadStart, end: os.loadavg()[0] },
    candidates: chosen.map(({ id, label, note, reference }) => ({ id, label, note, reference: Boolean(reference) })),
    bytes,
    runs,
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(data, null, 2)}\n`);
  const { markdown, chartData } = renderReport(data);
  fs.writeFileSync(path.join(outDir, 'report.md'), markdown);
  const svg = renderChart(chartData);
  fs.writeFileSync(path.join(outDir, 'chart.svg'), svg);
  await renderPng(svg, path.join(outDir, 'chart.png'));
  console.log(`\n${markdown}`);
  console.log(`wrote ${path.join(outDir, 'report.md')}, chart.svg, chart.png, results.json`);
}

/** The list of paths most runs requested (they should all agree; the report notes it if not). */
function mostCommon(lists) {
  if (lists.length === 0) return null;
  const counts = new Map();
  for (const list of lists) {
    const key = JSON.stringify(list);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return JSON.parse([...counts.entries()].sort((a, b) => b[1] - a[1])[0][0]);
}

async function renderPng(svg, file) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><body style="margin:0;background:#fff">${svg}</body>`);
    await page.locator('svg').screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

function fmt(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(0) : '–';
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
