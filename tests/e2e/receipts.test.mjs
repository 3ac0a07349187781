// Receipts are proof of consent, so none may be lost: each is kept in an outbox in localStorage
// until the receipt endpoint acknowledges it, and retried on later page loads (full or core
// build), when the page comes back online, and after a backoff while the page stays open.
// Storage that throws falls back to one attempt. The page's clock is Playwright's, so a
// 30-second outage and the retries after it take no real time.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 90_000;
const ENDPOINT = '**/api/consent';
const CORE = '/consent/canenrich_consent_core_bg.wasm';
const FULL = '/consent/canenrich_consent_bg.wasm';
/** Chromium logs every failed response as a console error: the faults these tests provoke. */
const ANSWERED_503 = /status of 503/;

const banner = (page) => page.getByTestId('banner');
const bannerButton = (page, name) => banner(page).getByRole('button', { name, exact: true });

/**
 * Routes the receipt endpoint: while `endpoint.down`, POSTs answer 503 without reaching the
 * server; otherwise they go through. Every POST is recorded as `{ id, status }`.
 */
async function routeEndpoint({ down = false } = {}) {
  const endpoint = { down, posts: [] };
  await site.context.route(ENDPOINT, async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    let id;
    try {
      ({ id } = JSON.parse(request.postData() ?? ''));
    } catch {
      id = '(unreadable)';
    }
    if (endpoint.down) {
      endpoint.posts.push({ id, status: 503 });
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"down for maintenance"}' });
    }
    try {
      const response = await route.fetch();
      endpoint.posts.push({ id, status: response.status() });
      return route.fulfill({ response });
    } catch {
      // The test ended while the request was under way.
      return undefined;
    }
  });
  return endpoint;
}

/** The statuses the endpoint answered for receipt `id`, in order. */
const statuses = (endpoint, id) => endpoint.posts.filter((p) => p.id === id).map((p) => p.status);

/** Polls `condition` (real time) until it holds. */
async function until(condition, message, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The outbox entries in the page's localStorage, by receipt id. */
function outbox(page) {
  return page.evaluate(() => {
    const entries = {};
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith('canenrich_outbox.')) entries[key.slice('canenrich_outbox.'.length)] = JSON.parse(localStorage.getItem(key));
    }
    return entries;
  });
}

/** Waits until every receipt in `ids` has failed at least `attempts` times and is not being sent. */
async function untilFailed(page, ids, attempts) {
  await until(async () => {
    const entries = await outbox(page);
    return ids.every((id) => entries[id]?.attempts >= attempts && !entries[id].lease);
  }, `${ids.length} receipts failed ${attempts} time(s)`);
}

/** The receipt `id` as the server stores it, or the status it answered. */
async function stored(page, id) {
  const response = await page.request.get(site.url(`/api/consent/${id}`));
  return response.status() === 200 ? response.json() : response.status();
}

test('the receipt endpoint answers 503 for 30 s while three choices are made across two pages; after it recovers, all three receipts are stored exactly once', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(ANSWERED_503);
  const endpoint = await routeEndpoint({ down: true });
  await site.context.clock.install();

  // Page one (the full build): Accept all from the banner, then Reject all through the API.
  const page = await site.openPage('/');
  await bannerButton(page, 'Accept all').click();
  await banner(page).waitFor({ state: 'hidden' });
  const first = (await page.evaluate(() => window.CanEnrichConsent.getConsent())).id;
  const second = (await page.evaluate(() => window.CanEnrichConsent.rejectAll())).id;
  await untilFailed(page, [first, second], 1);

  // Page two (a returning visitor, but receipts wait in the outbox: the loader picks the full
  // build, which delivers them; the lean core never sends): a custom choice.
  const before = site.requests.length;
  await page.goto(site.url('/privacy.html'));
  await site.widgetReady(page);
  const two = site.requests.slice(before);
  assert.ok(two.some((url) => url.endsWith(FULL)), 'page two runs the full build');
  assert.ok(!two.some((url) => url.endsWith(CORE)), 'page two does not start the lean core');
  const third = (await page.evaluate(() => window.CanEnrichConsent.acceptCategories(['analytics']))).id;
  await untilFailed(page, [third], 1);
  const ids = [first, second, third];
  assert.equal(new Set(ids).size, 3, 'three distinct receipts');
  for (const id of ids) assert.equal(await stored(page, id), 404, 'nothing reached the server yet');

  // Still down 30 s later: the retries that come due fail too.
  await page.clock.fastForward(30_000);
  await untilFailed(page, ids, 2);
  for (const id of ids) assert.equal(await stored(page, id), 404, 'nothing reached the server while it was down');

  // The endpoint recovers; the next retry delivers everything, once.
  endpoint.down = false;
  await page.clock.fastForward(20_000);
  await until(async () => Object.keys(await outbox(page)).length === 0, 'the outbox is empty');
  const methods = [];
  for (const id of ids) {
    const receipt = await stored(page, id);
    assert.equal(receipt.id, id, `receipt ${id} is stored`);
    methods.push(receipt.method);
    const answered = statuses(endpoint, id);
    assert.deepEqual(answered.filter((s) => s !== 503), [201], `${id} was stored exactly once: ${answered}`);
    assert.equal(answered.at(-1), 201, `${id} was not sent again after it was stored: ${answered}`);
  }
  assert.deepEqual(methods, ['accept_all', 'reject_all', 'custom']);

  // Another page load sends nothing more.
  const posts = endpoint.posts.length;
  await page.reload();
  await site.widgetReady(page);
  await page.clock.fastForward(60_000);
  await page.waitForTimeout(300);
  assert.equal(endpoint.posts.length, posts, 'nothing is sent again');
  await site.assertNoPageErrors();
});

test('a receipt left unsent is delivered on the next page load, by the full build the loader picks for it', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(ANSWERED_503);
  const endpoint = await routeEndpoint({ down: true });
  const page = await site.openPage('/');
  await bannerButton(page, 'Reject all').click();
  const { id } = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  await untilFailed(page, [id], 1);
  // Time passes while no page is open: the entry is due when the next page loads.
  await page.evaluate((key) => {
    const entry = JSON.parse(localStorage.getItem(key));
    localStorage.setItem(key, JSON.stringify({ ...entry, retryAt: entry.retryAt - 60_000 }));
  }, `canenrich_outbox.${id}`);
  await page.close();

  endpoint.down = false;
  const before = site.requests.length;
  const next = await site.openPage('/privacy.html');
  const loaded = site.requests.slice(before);
  assert.ok(loaded.some((url) => url.endsWith(FULL)) && !loaded.some((url) => url.endsWith(CORE)), 'the full build runs there');
  await until(async () => (await stored(next, id)) !== 404, 'the receipt is stored');
  assert.deepEqual(statuses(endpoint, id), [503, 201]);
  await until(async () => Object.keys(await outbox(next)).length === 0, 'the outbox is empty');
  await site.assertNoPageErrors();
});

test('a receipt made offline is sent when the page comes back online', { timeout: TEST_TIMEOUT_MS }, async () => {
  const endpoint = await routeEndpoint();
  const page = await site.openPage('/');
  // Everything the page itself loads is in before the network goes (Reject all loads nothing):
  // the favicon requested, and answered.
  await site.waitForRequest('/favicon.svg');
  await page.waitForLoadState('networkidle');
  await site.context.setOffline(true);
  await bannerButton(page, 'Reject all').click();
  const { id } = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  await page.waitForTimeout(300);
  assert.deepEqual(statuses(endpoint, id), [], 'no attempt while offline');
  assert.ok((await outbox(page))[id], 'the receipt waits in the outbox');

  await site.context.setOffline(false);
  await until(async () => (await stored(page, id)) !== 404, 'the receipt is stored');
  assert.deepEqual(statuses(endpoint, id), [201]);
  await until(async () => Object.keys(await outbox(page)).length === 0, 'the outbox is empty');
  await site.assertNoPageErrors();
});

test('two tabs opened with receipts waiting store each receipt once', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(ANSWERED_503);
  const endpoint = await routeEndpoint({ down: true });
  const page = await site.openPage('/');
  await bannerButton(page, 'Accept all').click();
  const first = (await page.evaluate(() => window.CanEnrichConsent.getConsent())).id;
  const second = (await page.evaluate(() => window.CanEnrichConsent.rejectAll())).id;
  await untilFailed(page, [first, second], 1);
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage).filter((k) => k.startsWith('canenrich_outbox.'))) {
      const entry = JSON.parse(localStorage.getItem(key));
      localStorage.setItem(key, JSON.stringify({ ...entry, retryAt: 0 }));
    }
  });
  await page.close();

  endpoint.down = false;
  const [one, two] = await Promise.all([site.openPage('/'), site.openPage('/')]);
  await until(async () => Object.keys(await outbox(one)).length === 0, 'the outbox is empty');
  for (const id of [first, second]) {
    assert.equal((await stored(two, id)).id, id);
    const answered = statuses(endpoint, id).filter((s) => s !== 503);
    // 409 would be the server refusing a second copy: safe, but the lease should prevent it.
    assert.deepEqual(answered, [201], `${id} was sent once after recovery: ${answered}`);
  }
  await site.assertNoPageErrors();
});

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

/** Init script: the outbox cannot be written, as with storage full. */
function storageFull() {
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (String(key).startsWith('canenrich_outbox.')) throw new DOMException('full', 'QuotaExceededError');
    return setItem.call(this, key, value);
  };
}

for (const [fault, script] of [['blocked', storageThrows], ['full', storageFull]]) {
  test(`with storage ${fault}, a receipt still gets its single attempt and the widget keeps working`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const warnings = [];
    site.context.on('console', (message) => {
      if (message.type() === 'warning' && /receipt/.test(message.text())) warnings.push(message.text());
    });
    await site.context.addInitScript(script);
    const endpoint = await routeEndpoint();
    const page = await site.openPage('/');
    await bannerButton(page, 'Accept all').click();
    await banner(page).waitFor({ state: 'hidden' });
    const { id } = await page.evaluate(() => window.CanEnrichConsent.getConsent());
    await until(async () => (await stored(page, id)) !== 404, 'the receipt is stored');
    assert.deepEqual(statuses(endpoint, id), [201], 'one attempt');
    assert.ok(warnings.some((text) => /sent once, without retries/.test(text)), `warnings: ${warnings.join(' | ')}`);
    await page.getByTestId('reopen').click();
    await page.getByTestId('preferences').waitFor();
    await site.assertNoPageErrors();
  });
}

test('with storage blocked and the endpoint down, the single attempt is not repeated', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(ANSWERED_503);
  await site.context.addInitScript(storageThrows);
  const endpoint = await routeEndpoint({ down: true });
  await site.context.clock.install();
  const page = await site.openPage('/');
  await bannerButton(page, 'Reject all').click();
  const { id } = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  await until(() => statuses(endpoint, id).length === 1, 'one attempt');
  endpoint.down = false;
  await page.clock.fastForward(120_000);
  await page.waitForTimeout(300);
  assert.deepEqual(statuses(endpoint, id), [503], 'no retry without storage');
  await site.assertNoPageErrors();
});
