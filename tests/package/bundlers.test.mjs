// The npm package in bundled apps (run with the package tests, after `cargo xtask dist`): a tiny
// app (tests/package/app/) that does `import { load } from '@canenrich/consent'` is built with
// Vite and with esbuild (both pinned in package-lock.json), served with dist/ at /consent/
// under the strict CSP, and run in headless Chromium: the banner shows, a gated tag in the page
// and one the app adds later stay unrequested until Accept all, then both run.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build as esbuild } from 'esbuild';
import { chromium } from 'playwright-core';
import { build as vite } from 'vite';

import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = process.env.CANENRICH_DIST ? path.resolve(process.env.CANENRICH_DIST) : path.join(ROOT, 'dist');
const APP = path.join(ROOT, 'tests', 'package', 'app');
const STRICT_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
const TIMEOUT_MS = 30_000;

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.dat': 'text/plain',
};

/** A throwaway project with the app's sources and dist/ installed as @canenrich/consent. */
function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canenrich-bundle-'));
  fs.mkdirSync(path.join(dir, 'node_modules', '@canenrich'), { recursive: true });
  fs.symlinkSync(DIST, path.join(dir, 'node_modules', '@canenrich', 'consent'), 'dir');
  for (const name of fs.readdirSync(APP)) fs.copyFileSync(path.join(APP, name), path.join(dir, name));
  return dir;
}

/** Serves `app` at `/`, dist/ at `/consent/` and two tracker scripts, all under the strict CSP. */
function serve(app) {
  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url, 'http://localhost');
    const send = (status, type, body) => {
      response.writeHead(status, { 'content-type': type, 'content-security-policy': STRICT_POLICY });
      response.end(body);
    };
    if (pathname === '/favicon.ico') {
      send(204, 'image/x-icon', '');
      return;
    }
    if (pathname === '/native.html') {
      send(200, TYPES['.html'], '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Native</title>'
        + '<script type="module" src="/native.js"></script></head><body>'
        + '<script type="text/plain" data-category="analytics" src="/trackers/static.js"></script></body></html>');
      return;
    }
    if (pathname === '/native.js') {
      send(200, TYPES['.js'], NATIVE_APP);
      return;
    }
    const tracker = /^\/trackers\/(static|late)\.js$/.exec(pathname);
    if (tracker) {
      send(200, TYPES['.js'], `window.ran = (window.ran || []).concat(${JSON.stringify(tracker[1])});`);
      return;
    }
    const [dir, rest] = pathname.startsWith('/consent/') ? [DIST, pathname.slice('/consent/'.length)] : [app, pathname.slice(1) || 'index.html'];
    const file = path.join(dir, path.normalize(decodeURIComponent(rest)));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      send(404, 'text/plain', 'not found');
      return;
    }
    send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// The entry imported without a bundler (as from a CDN): bad options and a base where no
// loader answers are refused without starting anything; then it starts once, however often called.
const NATIVE_APP = `
import { load } from '/consent/canenrich-consent.mjs';
const outcome = async (promise) => promise.then(() => 'resolved', (error) => error.name + ': ' + error.message);
const results = {};
results.noOptions = await outcome(load());
results.noBase = await outcome(load({ config: { revision: 2 } }));
results.scriptBase = await outcome(load({ base: 'javascript:alert(1)//' }));
results.badConfig = await outcome(load({ base: '/consent/', config: 42 }));
results.badTheme = await outcome(load({ base: '/consent/', theme: 7 }));
results.scriptsAfterRefusals = document.querySelectorAll('script[src*="canenrich-consent.js"]').length;
results.missing = await outcome(load({ base: '/missing/', config: { revision: 2 } }));
results.configLeftBehind = document.querySelectorAll('#canenrich-consent-config').length;
const first = load({ base: new URL('/consent', location.href), theme: 'dark', config: { revision: 4 } });
results.same = first === load({ base: '/elsewhere/' });
const api = await first;
results.api = api === window.CanEnrichConsent;
results.loaders = [...document.querySelectorAll('script[src$="canenrich-consent.js"]')].map((s) => s.src + ' ' + s.dataset.theme);
results.again = (await load({ base: '/consent/' })) === api;
window.results = results;
`;

const builds = {
  async vite(dir) {
    await vite({
      root: dir,
      logLevel: 'silent',
      configFile: false,
      build: { outDir: path.join(dir, 'out'), emptyOutDir: true },
    });
    return path.join(dir, 'out');
  },
  async esbuild(dir) {
    const out = path.join(dir, 'out');
    await esbuild({
      entryPoints: [path.join(dir, 'main.js')],
      absWorkingDir: dir,
      bundle: true,
      format: 'esm',
      outfile: path.join(out, 'main.js'),
      logLevel: 'silent',
    });
    fs.copyFileSync(path.join(dir, 'index.html'), path.join(out, 'index.html'));
    return out;
  },
};

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});

for (const [name, buildWith] of Object.entries(builds)) {
  test(`an app built with ${name} that imports the package shows the banner and gates its tags`, { timeout: 120_000 }, async () => {
    const dir = project();
    let server;
    const context = await browser.newContext();
    try {
      const out = await buildWith(dir);
      const bundled = fs.readdirSync(out, { recursive: true }).filter((f) => f.endsWith('.js'));
      const code = bundled.map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('\n');
      assert.match(code, /canenrich-consent\.js/, `the ${name} bundle contains the package's entry`);
      assert.doesNotMatch(code, /from\s*["']@canenrich\/consent["']/, 'the import was bundled, not left bare');

      server = await serve(out);
      const origin = `http://127.0.0.1:${server.address().port}`;
      context.setDefaultTimeout(TIMEOUT_MS);
      const page = await context.newPage();
      const problems = [];
      const requests = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      page.on('request', (request) => requests.push(new URL(request.url()).pathname));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
      });
      await page.goto(`${origin}/`);

      await page.getByTestId('banner').waitFor({ state: 'visible' });
      await page.waitForFunction(() => window.appStarted === true);
      assert.equal(await page.getByRole('dialog', { name: /cookie/i }).count(), 1, 'one banner');
      assert.ok(requests.includes('/consent/canenrich-consent.js'), 'the loader came from base');
      assert.deepEqual(requests.filter((p) => p.startsWith('/trackers/')), [], 'no gated tag was requested before a choice');
      assert.equal(await page.evaluate(() => window.ran), undefined);

      await page.getByTestId('accept-all').click();
      await page.waitForFunction(() => (window.ran ?? []).length === 2);
      assert.deepEqual((await page.evaluate(() => window.ran)).sort(), ['late', 'static']);
      const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
      assert.equal(consent.method, 'accept_all');
      assert.equal(consent.revision, 3, 'the config given to load() was used');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      server?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the ES module entry, imported without a bundler, refuses bad options and a missing loader, then starts once', { timeout: 60_000 }, async () => {
  const server = await serve(fs.mkdtempSync(path.join(os.tmpdir(), 'canenrich-native-')));
  const context = await browser.newContext();
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    context.setDefaultTimeout(TIMEOUT_MS);
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 404/.test(message.text())) problems.push(`console error: ${message.text()}`);
    });
    const requests = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(`${origin}/native.html`);
    await page.waitForFunction(() => window.results);
    const results = await page.evaluate(() => window.results);
    assert.match(results.noOptions, /^TypeError: .*options object/);
    assert.match(results.noBase, /^TypeError: .*needs `base`/);
    assert.match(results.scriptBase, /^TypeError: .*http\(s\)/);
    assert.match(results.badConfig, /^TypeError: .*`config`/);
    assert.match(results.badTheme, /^TypeError: .*`theme`/);
    assert.equal(results.scriptsAfterRefusals, 0, 'refused options load nothing');
    assert.match(results.missing, /^Error: .*could not load .*\/missing\/canenrich-consent\.js/);
    assert.equal(results.configLeftBehind, 0, 'a failed load takes its inline config away again');
    assert.equal(results.same, true, 'a second call while loading gets the same promise');
    assert.equal(results.api, true);
    assert.deepEqual(results.loaders, [`${origin}/consent/canenrich-consent.js dark`], 'one loader, from base with a slash added');
    assert.equal(results.again, true);
    await page.getByTestId('banner').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null);
    assert.deepEqual(requests.filter((p) => p.startsWith('/trackers/')), [], 'nothing gated ran');
    await page.getByTestId('reject-all').click();
    await page.waitForFunction(() => window.CanEnrichConsent.getConsent()?.revision === 4);
    assert.deepEqual(requests.filter((p) => p.startsWith('/trackers/')), [], 'nothing gated runs after Reject all');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    server.close();
  }
});
