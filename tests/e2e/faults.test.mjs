// The widget under faults a visitor's browser or the site can throw at it: storage that throws,
// cookies the browser refuses, consent cookies that were tampered with or come from elsewhere, a
// receipt endpoint that is down, an invalid config, and malformed requests to the receipt API.
// In every case the visitor still gets a working banner, nothing optional runs without a valid
// choice, and the page has no uncaught error.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { assertEverythingRanOnce, assertNothingGatedRan, GATED_REQUESTS } from './demo.mjs';
import { BASE_URL, useSite } from './harness.mjs';

const site = useSite();

/** Per-test budget: a cold page load compiles the WebAssembly. */
const TEST_TIMEOUT_MS = 60_000;
/** How long a fail-closed page is watched for a gated tag that should never run. */
const QUIET_MS = 1_000;

/** The demo config's `revision` (www/site/demo + dist/config.json). */
const REVISION = 1;
const DAY_MS = 24 * 60 * 60 * 1000;

const banner = (page) => page.getByTestId('banner');
const bannerButton = (page, name) => banner(page).getByRole('button', { name, exact: true });
const getConsent = (page) => page.evaluate(() => window.CanEnrichConsent.getConsent());

/**
 * After a choice that must release nothing: no gated request arrives within `QUIET_MS`, then
 * nothing gated ran. (Released tags start within a few milliseconds of a choice, so a quiet
 * second is a generous margin.)
 */
async function assertStaysQuiet(page) {
  const gated = Promise.any(GATED_REQUESTS.map((path) => site.waitForRequest(path, QUIET_MS)));
  await assert.rejects(gated, 'a gated resource was requested after the choice');
  await assertNothingGatedRan(site, page);
}

/**
 * Serves the home page with `<script type="application/json" id="canenrich-consent-config">`
 * holding `config` placed before the loader, the way a site owner embeds an inline config. The
 * rest of the response (its CSP and nonce) is the server's own.
 */
async function serveHomeWithInlineConfig(config) {
  await site.serveEdited(site.url('/'), (html) => {
    const inline = `<script type="application/json" id="canenrich-consent-config">${config}</script>\n`;
    const loader = '<script src="/consent/canenrich-consent.js"';
    assert.ok(html.includes(loader), 'the home page embeds the loader');
    return html.replace(loader, `${inline}${loader}`);
  });
}

// ---- The consent cookie, as the README documents it

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`, as 8 lower-case hex digits. */
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** A `canenrich_consent` value in format `version` with a correct checksum. */
function consentValue({
  version = 'v1',
  id = '531d29e8-b51d-42e5-ad79-26986ba6cb48',
  revision = REVISION,
  timestamp = Date.now(),
  method = 'accept_all',
  accepted = ['analytics', 'marketing', 'necessary', 'personalization'],
  rejected = [],
} = {}) {
  const body = [version, id, revision, timestamp, method, accepted.join(':'), rejected.join(':')].join('.');
  return `${body}.${fnv1a(body)}`;
}

/** Sets the consent cookie in the browser before any page of the site is opened. */
async function setConsentCookie(value) {
  await site.context.addCookies([{ name: 'canenrich_consent', value, url: BASE_URL, sameSite: 'Lax' }]);
}

// ---- 1. Storage that throws

/** Init script: reading `localStorage` or `sessionStorage` throws, as with storage blocked. */
function storageThrows() {
  for (const name of ['localStorage', 'sessionStorage']) {
    Object.defineProperty(window, name, {
      configurable: true,
      get() {
        throw new DOMException('denied', 'SecurityError');
      },
    });
  }
}

test('with storage that throws, the banner works and Accept all releases every tag', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(storageThrows);
  const page = await site.openPage('/');
  await assert.rejects(page.evaluate(() => window.localStorage), /denied/, 'storage throws in the page');
  await banner(page).waitFor();
  await assertNothingGatedRan(site, page);

  await bannerButton(page, 'Accept all').click();
  await banner(page).waitFor({ state: 'hidden' });
  await assertEverythingRanOnce(site, page);
  assert.equal((await getConsent(page))?.method, 'accept_all');
  assert.ok(await site.cookie('canenrich_consent'), 'the choice is stored in its cookie');
  await site.assertNoPageErrors();
});

test('with storage that throws, Reject all runs nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(storageThrows);
  const page = await site.openPage('/');
  await bannerButton(page, 'Reject all').click();
  await banner(page).waitFor({ state: 'hidden' });
  await page.getByTestId('reopen').waitFor();
  assert.equal((await getConsent(page))?.method, 'reject_all');
  await assertStaysQuiet(page);
  await site.assertNoPageErrors();
});

// ---- 2. Cookies the browser refuses

/** Init script: `document.cookie` reads '' and drops every write, as with cookies blocked. */
function cookiesDisabled() {
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() {
      return '';
    },
    set() {},
  });
}

test('with cookies disabled, the banner says sign-in will not work and a choice still closes it', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(cookiesDisabled);
  const page = await site.openPage('/');
  await banner(page).waitFor();
  const notice = page.getByTestId('cookies-disabled-notice');
  await notice.waitFor();
  assert.equal(await notice.getAttribute('role'), 'alert');
  assert.match(await notice.innerText(), /sign(ing)? in|log ?in/i, 'the notice is about signing in');
  assert.match(await notice.innerText(), /cookie/i, 'the notice names cookies');
  await assertNothingGatedRan(site, page);

  await bannerButton(page, 'Reject all').click();
  await banner(page).waitFor({ state: 'hidden' });
  assert.equal((await getConsent(page))?.method, 'reject_all', 'the choice holds for this page view');
  await assertStaysQuiet(page);
  assert.deepEqual(await site.cookieNames(), [], 'no cookie reached the browser');
  await site.assertNoPageErrors();
});

test('with cookies enabled, there is no cookies-disabled notice', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  await page.getByTestId('login-notice').first().waitFor();
  assert.equal(await page.getByTestId('cookies-disabled-notice').count(), 0);
  await site.assertNoPageErrors();
});

// ---- 3. Tampered and foreign consent cookies

test('a well-formed current consent cookie is honoured (the forged cases below differ only where named)', { timeout: TEST_TIMEOUT_MS }, async () => {
  const value = consentValue();
  await setConsentCookie(value);
  const page = await site.openPage('/');
  assert.equal(await banner(page).isVisible(), false, 'no banner for a valid stored choice');
  assert.equal((await getConsent(page))?.id, '531d29e8-b51d-42e5-ad79-26986ba6cb48');
  await assertEverythingRanOnce(site, page);
  await site.assertNoPageErrors();
});

/** A stored Reject all whose category lists were edited into "everything", old checksum kept. */
function editedValue() {
  const rejectAll = consentValue({
    method: 'reject_all',
    accepted: ['necessary'],
    rejected: ['analytics', 'marketing', 'personalization'],
  });
  const edited = rejectAll.replace(
    '.necessary.analytics:marketing:personalization.',
    '.analytics:marketing:necessary:personalization..',
  );
  assert.notEqual(edited, rejectAll, 'the lists were edited');
  return edited;
}

const TAMPERED = [
  ['garbage', () => 'yes'],
  ['a truncated value', () => consentValue().slice(0, -5)],
  ['an edited category list with the old checksum', editedValue],
  ['a value from a future format', () => consentValue({ version: 'v9' })],
  ['a value made under an older revision', () => consentValue({ revision: REVISION - 1 })],
  ['a value whose timestamp is 400 days old', () => consentValue({ timestamp: Date.now() - 400 * DAY_MS })],
];

for (const [name, value] of TAMPERED) {
  test(`a consent cookie holding ${name} counts as no choice`, { timeout: TEST_TIMEOUT_MS }, async () => {
    await setConsentCookie(value());
    const page = await site.openPage('/');
    await banner(page).waitFor();
    assert.equal(await getConsent(page), null, 'getConsent() is null');
    assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('marketing')), false);
    await assertStaysQuiet(page);
    await site.assertNoPageErrors();
  });
}

// ---- 4. The receipt endpoint is down

test('with the receipt endpoint down, Accept all still works and every tag runs', { timeout: TEST_TIMEOUT_MS }, async () => {
  // The browser itself reports the aborted receipt request; that is the fault this test provokes.
  site.expectProblem(/Failed to load resource: net::ERR_FAILED \(http:\/\/[^)]*\/api\/consent:/);
  let attempts = 0;
  await site.context.route('**/api/consent', (route) => {
    attempts += 1;
    return route.abort();
  });
  const page = await site.openPage('/');
  await bannerButton(page, 'Accept all').click();
  await banner(page).waitFor({ state: 'hidden' });
  await assertEverythingRanOnce(site, page);
  const consent = await getConsent(page);
  assert.equal(consent?.method, 'accept_all');
  assert.ok(attempts >= 1, 'the receipt was attempted (and aborted)');

  const stored = await page.request.get(site.url(`/api/consent/${consent.id}`));
  assert.equal(stored.status(), 404, 'no receipt reached the server');
  await page.reload();
  await site.widgetReady(page);
  assert.equal(await banner(page).isVisible(), false, 'the choice is remembered without a receipt');
  await site.assertNoPageErrors();
});

// ---- 5. An invalid config

test('an invalid inline config logs one error naming the field and fails closed', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(/invalid config .*categories\.analytics\.titel/);
  const configErrors = [];
  site.context.on('console', (message) => {
    if (message.type() === 'error' && /invalid config/.test(message.text())) configErrors.push(message.text());
  });
  await serveHomeWithInlineConfig('{"categories": {"analytics": {"titel": "Statistics"}}}');
  const page = await site.openPage('/');
  await banner(page).waitFor();
  assert.equal(configErrors.length, 1, `one config error: ${configErrors.join(' | ')}`);
  assert.match(configErrors[0], /categories\.analytics\.titel/);

  await bannerButton(page, 'Accept all').click();
  await banner(page).waitFor({ state: 'hidden' });
  await page.getByTestId('reopen').waitFor();
  assert.ok(await getConsent(page), 'the choice is recorded');
  await assertStaysQuiet(page);
  // Site code that gates on the API or the events stays closed too.
  assert.deepEqual((await getConsent(page)).categories, ['necessary']);
  for (const name of ['marketing', 'analytics', 123, null]) {
    assert.equal(await page.evaluate((n) => window.CanEnrichConsent.acceptedCategory(n), name), false, `acceptedCategory(${name})`);
  }
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('necessary')), true);
  assert.deepEqual(await site.events(page, 'canenrich:change'), [], 'no category changed as the page may act on it');
  const [recorded] = await site.events(page, 'canenrich:consent');
  assert.deepEqual(recorded?.detail?.categories, ['necessary'], 'the consent event reports only necessary');
  assert.equal(configErrors.length, 1, 'still exactly one config error');
  await site.assertNoPageErrors();
});

test('a language that is not built in is ignored with a console warning', { timeout: TEST_TIMEOUT_MS }, async () => {
  const warnings = [];
  site.context.on('console', (message) => {
    if (message.type() === 'warning' && /CanEnrich/.test(message.text())) warnings.push(message.text());
  });
  await serveHomeWithInlineConfig('{"language": "fr"}');
  const page = await site.openPage('/');
  await bannerButton(page, 'Accept all').waitFor();
  assert.ok(warnings.some((text) => /language `fr` is not built in/.test(text)), `warnings: ${warnings.join(' | ')}`);
  await site.assertNoPageErrors();
});

// ---- 6. Malformed requests to the receipt API

const RECEIPT = {
  // A new id on every run, so the test also passes against a server that is not fresh.
  id: randomUUID(),
  // A minute ago: the server refuses a receipt stamped over a day before it arrives.
  timestamp: Date.now() - 60_000,
  revision: 1,
  categories: ['necessary'],
  rejected: ['analytics', 'marketing', 'personalization'],
  method: 'reject_all',
};

const MALFORMED = [
  ['broken JSON', 'application/json', () => `{"id": "${RECEIPT.id}", "timestamp": `],
  ['an unknown field', 'application/json', () => JSON.stringify({ ...RECEIPT, ip: '203.0.113.7' })],
  ['a body over 16 KiB', 'application/json', () => JSON.stringify({ ...RECEIPT, configHash: 'x'.repeat(64 * 1024) })],
  ['a form instead of JSON', 'application/x-www-form-urlencoded', () => `id=${RECEIPT.id}`],
];

test('malformed receipts get a 4xx JSON error and are never stored', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  for (const [name, contentType, body] of MALFORMED) {
    const response = await page.request.post(site.url('/api/consent'), {
      headers: { 'content-type': contentType },
      data: body(),
    });
    assert.ok(response.status() >= 400 && response.status() < 500, `${name}: status ${response.status()}`);
    assert.match(response.headers()['content-type'] ?? '', /^application\/json/, `${name}: JSON`);
    const error = (await response.json()).error;
    assert.equal(typeof error, 'string', `${name}: an error message`);
    assert.ok(error.length > 0, `${name}: a non-empty error message`);
    const stored = await page.request.get(site.url(`/api/consent/${RECEIPT.id}`));
    assert.equal(stored.status(), 404, `${name}: nothing is stored`);
  }
  // The same receipt, well-formed, is accepted: the refusals above were about the faults only.
  const accepted = await page.request.post(site.url('/api/consent'), {
    headers: { 'content-type': 'application/json' },
    data: JSON.stringify(RECEIPT),
  });
  assert.equal(accepted.status(), 201);
  assert.equal((await page.request.get(site.url(`/api/consent/${RECEIPT.id}`))).status(), 200);
  await site.assertNoPageErrors();
});
