// canenrich-scan against the demo site: the leaky page (/leaky.html) is flagged for exactly its
// four mistakes, the clean pages for nothing, both report files are what they claim to be, and
// the exit status tells CI what happened.
//
// `cargo xtask test` runs this with CANENRICH_BASE_URL (a demo server it started) and
// CANENRICH_SCAN (the scanner binary it built).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BASE_URL = (process.env.CANENRICH_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const SCANNER = process.env.CANENRICH_SCAN ?? path.join(ROOT, 'target/debug/canenrich-scan');
/** The leaky page calls ads.tracker.test on the demo server's port: resolve it here. */
const RESOLVE = ['--host-resolver-rules', 'MAP *.tracker.test 127.0.0.1'];

function scan(args) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'canenrich-scan-test-'));
  const run = spawnSync(SCANNER, [...args, '--out', out], { encoding: 'utf8', timeout: 300_000 });
  const file = (name) => path.join(out, name);
  const report = fs.existsSync(file('report.json')) ? JSON.parse(fs.readFileSync(file('report.json'), 'utf8')) : null;
  const html = fs.existsSync(file('report.html')) ? fs.readFileSync(file('report.html'), 'utf8') : null;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, report, html };
}

function validator(schemaPath) {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  for (const format of ['uint', 'uint32', 'uint64', 'double']) {
    ajv.addFormat(format, { type: 'number', validate: (n) => Number.isFinite(n) });
  }
  return ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
}

/** `kind subject` for each finding on `page`, sorted, e.g. `leak cookie _ga`. */
function flagged(report, page) {
  return report.findings
    .filter((f) => f.page === page)
    .map((f) => {
      const s = f.subject;
      const what = {
        cookie: () => `cookie ${s.name}`,
        storage: () => `${s.area}Storage ${s.key}`,
        request: () => `request ${s.host}`,
        tag: () => `tag ${s.category}`,
      }[s.type]();
      return `${f.kind} ${what}`;
    })
    .sort();
}

test('the leaky page is flagged for exactly its four mistakes and the clean pages for nothing', { timeout: 300_000 }, () => {
  const leaky = `${BASE_URL}/leaky.html`;
  const { status, stdout, stderr, report, html } = scan([leaky, '--pages', '4', ...RESOLVE]);
  assert.equal(status, 1, `exit 1 with --fail-on leaks (the default)\n${stderr}`);
  assert.ok(report, 'report.json was written');

  assert.deepEqual(flagged(report, leaky), [
    'dead_tag tag analytcs',
    'leak cookie _ga',
    'leak request ads.tracker.test',
    'unlisted cookie promo_ref',
  ]);
  const ga = report.findings.find((f) => f.subject.type === 'cookie' && f.subject.name === '_ga');
  assert.ok(ga.phases.includes('before'), JSON.stringify(ga));
  assert.equal(ga.category, 'analytics');
  assert.equal(typeof ga.survived_ms, 'number', 'how long the late-erased _ga lived');
  assert.equal(ga.kept, false, 'the widget erased it, late');
  const leakyPage = report.pages.find((p) => p.url === leaky);
  const gaSeen = leakyPage.phases.find((p) => p.phase === 'before').cookies.find((c) => c.name === '_ga');
  assert.equal(gaSeen.source, 'script');
  const pixel = leakyPage.phases.find((p) => p.phase === 'before').requests.find((r) => r.host === 'ads.tracker.test');
  assert.equal(pixel.resource_type, 'Image');
  assert.equal(pixel.blocked, null);
  assert.match(pixel.initiator, /^(parser|script) http:.*(leaky\.html|early-analytics\.js)$/);

  const clean = report.pages.filter((p) => p.url !== leaky);
  assert.ok(clean.length >= 3, `three clean pages were crawled: ${clean.map((p) => p.url)}`);
  for (const page of clean) assert.deepEqual(flagged(report, page.url), [], page.url);
  // The clean home page did set cookies after Accept all: the scan saw them and found them listed.
  const home = report.pages.find((p) => p.url === `${BASE_URL}/`);
  const accepted = home.phases.find((p) => p.phase === 'accept_all');
  assert.ok(accepted.choice_at_ms > 0, 'Accept all was clicked and recorded');
  const names = accepted.cookies.map((c) => c.name);
  for (const name of ['_ga', 'mk_id', 'canenrich_consent']) assert.ok(names.includes(name), `${name} in ${names}`);
  assert.ok(accepted.storage.some((s) => s.area === 'session' && s.key === 'mk_session'));
  const rejected = home.phases.find((p) => p.phase === 'reject_all');
  assert.ok(rejected.choice_at_ms > 0, 'Reject all was clicked and recorded');
  assert.ok(!rejected.cookies.some((c) => c.name === '_ga'));

  assert.ok(validator(path.join(ROOT, 'scan/report.schema.json'))(report), 'report.json follows its schema');
  const validConfig = validator(path.join(ROOT, 'dist/config.schema.json'));
  assert.ok(validConfig(report.suggested_config), JSON.stringify(validConfig.errors));
  assert.deepEqual(report.suggested_config.categories.review.cookies, ['promo_ref']);

  assert.match(stdout, /^## Consent scan of .*FAIL/m);
  assert.match(stdout, /\*\*leak\*\* cookie `_ga`/);
  assert.match(html, /<svg[^>]+role="img"/);
  assert.match(html, /promo_ref/);
  assert.doesNotMatch(html, /<script|<link|src="http|url\(/i, 'report.html is self-contained');
});

test('a clean page passes with exit status 0', { timeout: 120_000 }, () => {
  const { status, stderr, report } = scan([`${BASE_URL}/privacy.html`, '--pages', '1', '--fail-on', 'unlisted']);
  assert.equal(status, 0, stderr);
  assert.equal(report.pages.length, 1);
  assert.deepEqual(report.findings, []);
  assert.equal(report.failed, false);
});

test('a site that cannot be reached, or no Chromium, exits 2 with one line saying what to do', { timeout: 60_000 }, async () => {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));

  // Without a terminal, progress is one plain stderr line per phase; the error is one more.
  const errors = (run) => run.stderr.split('\n').filter((line) => line.trim() && !/^canenrich-scan: page \d+ /.test(line));
  const down = scan([`http://127.0.0.1:${port}/`]);
  assert.equal(down.status, 2, down.stderr);
  assert.equal(errors(down).length, 1, down.stderr);
  assert.match(errors(down)[0], /^canenrich-scan: the site is unreachable: .*ERR_CONNECTION_REFUSED.*; start it or check the URL$/);
  assert.equal(down.report, null);

  const noBrowser = scan([`${BASE_URL}/`, '--chromium', '/nonexistent/chromium']);
  assert.equal(noBrowser.status, 2);
  assert.deepEqual(errors(noBrowser), [
    'canenrich-scan: Chromium not found at /nonexistent/chromium: install it (apt-get install chromium) or pass --chromium PATH',
  ]);
});
