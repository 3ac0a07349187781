// A returning visitor with a stored choice loads only the small core build (no Yew UI); the full
// UI loads when the banner or the preferences must show, and takes over without a reload.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;
const FULL = '/consent/canenrich_consent_bg.wasm';
const CORE = '/consent/canenrich_consent_core_bg.wasm';

/**
 * Waits until `page` has delivered its receipts: while one waits in the outbox, the loader gives
 * the next visit to the full build (which sends it), not to the core.
 */
const receiptsDelivered = (page) =>
  page.waitForFunction(() => !Object.keys(localStorage).some((key) => key.startsWith('canenrich_outbox.')));

async function returningVisitor() {
  const first = await site.openPage('/');
  await first.getByTestId('banner').getByRole('button', { name: 'Reject all' }).click();
  await first.getByTestId('reopen').waitFor();
  await receiptsDelivered(first);
  await first.close();
  const before = site.requests.length;
  const page = await site.openPage('/');
  return { page, requests: () => site.requests.slice(before).map((url) => new URL(url).pathname) };
}

test('a returning visitor loads only the core build and still gets the Cookie settings button', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, requests } = await returningVisitor();
  await page.getByTestId('reopen').waitFor();
  assert.ok(requests().includes(CORE), `the core build was not loaded: ${requests()}`);
  assert.ok(!requests().includes(FULL), 'the full UI was loaded although no banner was due');
  assert.equal(await page.getByTestId('banner').count(), 0);
  assert.deepEqual(await page.evaluate(() => window.CanEnrichConsent.getState()), {
    bannerOpen: false,
    preferencesOpen: false,
    held: 5,
  });
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent())).method, 'reject_all');
  await site.assertNoPageErrors();
});

test('Cookie settings on the core build loads the full preferences, which then work as usual', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, requests } = await returningVisitor();
  await page.getByTestId('reopen').click();
  const dialog = page.getByTestId('preferences');
  await dialog.waitFor();
  assert.ok(requests().includes(FULL), 'the full UI was loaded on demand');
  assert.equal(await dialog.getByTestId('category-marketing').isChecked(), false, 'the stored choice shows');

  await dialog.getByTestId('category-marketing').check();
  await dialog.getByRole('button', { name: 'Save preferences' }).click();
  await page.waitForFunction(() => window.canenrichDemo?.marketing === 1);
  assert.equal(await page.evaluate(() => window.canenrichDemo.analytics ?? 0), 0);
  assert.equal(await page.getByTestId('reopen').count(), 1, 'one Cookie settings button after the hand-over');
  const consentEvents = await site.events(page, 'canenrich:consent');
  assert.equal(consentEvents.length, 2, 'the stored choice once at start, then the new choice');
  await site.assertNoPageErrors();
});

test('closing preferences opened from the core build\'s Cookie settings returns focus to Cookie settings', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page } = await returningVisitor();
  const focused = () =>
    page.evaluate(() => document.getElementById('canenrich-consent').shadowRoot.activeElement?.dataset.testid ?? null);
  for (const close of ['Escape', 'close button']) {
    await page.getByTestId('reopen').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('preferences');
    await dialog.waitFor();
    if (close === 'Escape') await page.keyboard.press('Escape');
    else await dialog.getByTestId('close').click();
    await dialog.waitFor({ state: 'hidden' });
    await page
      .waitForFunction(() => document.getElementById('canenrich-consent').shadowRoot.activeElement !== null, null, { timeout: 2_000 })
      .catch(() => {});
    assert.equal(await focused(), 'reopen', `focus after closing with the ${close}`);
  }
  await site.assertNoPageErrors();
});

test('the API on the core build opens the full UI and reset() shows the banner', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page } = await returningVisitor();
  await page.evaluate(() => window.CanEnrichConsent.showPreferences());
  await page.getByTestId('preferences').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('preferences').waitFor({ state: 'hidden' });
  await page.evaluate(() => window.CanEnrichConsent.reset());
  await page.getByTestId('banner').waitFor();
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null);
  await site.assertNoPageErrors();
});

// ---- What the lean core hands over to the full build.

/** The `.wasm` files `page`'s requests since `before` loaded. */
const wasmSince = (before) => site.requests.slice(before).map((url) => new URL(url).pathname).filter((p) => p.endsWith('.wasm'));

test('an API call that records a choice on the core build is forwarded to the full build and resolves with the record', { timeout: TEST_TIMEOUT_MS }, async () => {
  const before = site.requests.length;
  const { page } = await returningVisitor();
  const record = await page.evaluate(() => window.CanEnrichConsent.acceptAll());
  assert.equal(record.method, 'accept_all');
  assert.deepEqual(wasmSince(before).slice(-2), [CORE, FULL], 'the core ran, then the full build took the call');
  await page.waitForFunction(() => window.canenrichDemo?.marketing === 1);
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('marketing')), true);
  await site.assertNoPageErrors();
});

test('a choice another tab stores reaches a core-build tab within 2 s: the full build applies it and announces the change', { timeout: TEST_TIMEOUT_MS }, async () => {
  // Accept all, then two returning tabs on the core build.
  const first = await site.openPage('/');
  await first.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  await first.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 3);
  await receiptsDelivered(first);
  await first.close();
  const before = site.requests.length;
  const watching = await site.openPage('/');
  await watching.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 3);
  const other = await site.openPage('/privacy.html');
  assert.deepEqual(wasmSince(before), [CORE, CORE], 'both returning tabs run the core build');

  await other.evaluate(() => window.CanEnrichConsent.rejectAll());
  await watching.waitForFunction(() => !window.CanEnrichConsent.acceptedCategory('marketing'), null, { timeout: 2_500 });
  const change = (await site.events(watching, 'canenrich:change')).at(-1);
  assert.deepEqual(change?.detail.changed, ['analytics', 'marketing', 'personalization']);
  assert.equal((await site.events(watching, 'canenrich:consent')).at(-1).detail.method, 'reject_all');
  assert.equal(await watching.evaluate(() => localStorage.getItem('_ga_store')), null, 'refused storage is erased');
  const names = await site.cookieNames();
  assert.ok(!names.includes('_ga') && !names.includes('mk_id'), `refused cookies survived: ${names}`);
  await site.assertNoPageErrors();
});

test('a refused cookie that appears behind the core build\'s back hands over to the full build, which erases it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const before = site.requests.length;
  const { page } = await returningVisitor();
  // As an HTTP response (or another path's script) would set it: past the page's cookie guard.
  await site.context.addCookies([{ name: '_ga', value: 'GA1.1.123', url: site.url('/') }]);
  for (let i = 0; i < 30 && (await site.cookieNames()).includes('_ga'); i += 1) await page.waitForTimeout(100);
  assert.ok(!(await site.cookieNames()).includes('_ga'), 'the refused cookie was not erased');
  assert.deepEqual(wasmSince(before).slice(-2), [CORE, FULL]);
  assert.equal(await page.getByTestId('banner').isVisible(), false, 'no banner: the stored choice stands');
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent())).method, 'reject_all');
  await site.assertNoPageErrors();
});

test('"Always allow" on a placeholder the core build drew records the category through the full build', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page } = await returningVisitor();
  const frame = page.frameLocator('iframe[title="CanEnrich product video"]');
  await frame.getByTestId('embed-always-allow').click();
  await page.waitForFunction(() => window.CanEnrichConsent.acceptedCategory('marketing'));
  await site.waitForRequest('/demo/embed/video.html');
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.deepEqual(consent.categories, ['marketing', 'necessary'], 'only the placeholder\'s category was added');
  await site.assertNoPageErrors();
});

test('the core keeps each language\'s settings: a Chinese page and an English one both get the core, each in its language', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.serveEdited(
    (url) => new URL(url).pathname === '/privacy.html',
    (html) => html.replace('<html lang="en">', '<html lang="zh-CN">'),
  );
  const label = (page) => page.getByTestId('reopen').getAttribute('aria-label');
  const first = await site.openPage('/');
  await first.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  await first.getByTestId('reopen').waitFor();
  await receiptsDelivered(first);
  await first.close();

  // The Chinese page's config sources differ (the page's language): the full build runs once.
  let before = site.requests.length;
  const chinese = await site.openPage('/privacy.html');
  await chinese.getByTestId('reopen').waitFor();
  assert.deepEqual(wasmSince(before), [FULL]);
  assert.equal(await label(chinese), 'Cookie 设置');
  await chinese.close();

  for (const [path, name] of [['/privacy.html', 'Cookie 设置'], ['/', 'Cookie settings']]) {
    before = site.requests.length;
    const page = await site.openPage(path);
    await page.getByTestId('reopen').waitFor();
    assert.deepEqual(wasmSince(before), [CORE], `${path} runs the core build`);
    assert.equal(await label(page), name, `the Cookie settings button on ${path}`);
    await page.close();
  }
  await site.assertNoPageErrors();
});

// ---- The loader picks the build once, from the stored record's validity.

const DAY_MS = 24 * 60 * 60 * 1000;

/** FNV-1a (32 bits) of an ASCII string: the stored record's checksum. */
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** A stored record as the widget writes it (Accept all unless told otherwise), sealed. */
function storedRecord({ revision = 1, timestamp = Date.now(), accepted = 'analytics:marketing:necessary:personalization', rejected = '', method = 'accept_all' } = {}) {
  const body = `v1.2f1c0e4a-7b3d-4c5e-9f60-123456789abc.${revision}.${timestamp}.${method}.${accepted}.${rejected}`;
  return `${body}.${fnv1a(body).toString(16).padStart(8, '0')}`;
}

/**
 * Opens `path` with `value` as the stored consent cookie; returns the `.wasm` requested then.
 * A first visit runs before, as a real visitor's did: the full build keeps the lean core's
 * settings for the page's config sources.
 */
async function visitWithRecord(value, path = '/') {
  const first = await site.openPage(path);
  await first.close();
  const before = site.requests.length;
  await site.context.addCookies([{ name: 'canenrich_consent', value, url: site.url('/') }]);
  const page = await site.openPage(path);
  const wasm = () => site.requests.slice(before).map((url) => new URL(url).pathname).filter((p) => p.endsWith('.wasm'));
  return { page, wasm };
}

test('a valid stored record loads only the core build', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, wasm } = await visitWithRecord(storedRecord());
  await page.getByTestId('reopen').waitFor();
  assert.deepEqual(wasm(), [CORE]);
  assert.equal(await page.getByTestId('banner').count(), 0);
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent())).method, 'accept_all');
  await site.assertNoPageErrors();
});

test('a returning visit with an expired record goes straight to the full build and its banner', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, wasm } = await visitWithRecord(storedRecord({ timestamp: Date.now() - 183 * DAY_MS }));
  await page.getByTestId('banner').waitFor();
  assert.deepEqual(wasm(), [FULL], 'only the full build is requested');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null);
  await site.assertNoPageErrors();
});

test('a refusal older than refusalExpiryDays goes straight to the full build', { timeout: TEST_TIMEOUT_MS }, async () => {
  const refusal = { accepted: 'necessary', rejected: 'analytics:marketing:personalization', method: 'reject_all' };
  const { page, wasm } = await visitWithRecord(storedRecord({ ...refusal, timestamp: Date.now() - 91 * DAY_MS }));
  await page.getByTestId('banner').waitFor();
  assert.deepEqual(wasm(), [FULL]);
  await site.assertNoPageErrors();
});

test('a record of an older revision goes straight to the full build and its banner', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, wasm } = await visitWithRecord(storedRecord({ revision: 0 }));
  await page.getByTestId('banner').waitFor();
  assert.deepEqual(wasm(), [FULL]);
  await site.assertNoPageErrors();
});

test('a data-config that raises the revision sends a returning visitor to the full build', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.serveEdited('**/demo/consent.json', (text) => JSON.stringify({ ...JSON.parse(text), revision: 2 }));
  const { page, wasm } = await visitWithRecord(storedRecord({ revision: 1 }));
  await page.getByTestId('banner').waitFor();
  assert.deepEqual(wasm(), [FULL]);
  await site.assertNoPageErrors();
});

test('a tampered or unreadable record goes straight to the full build', { timeout: TEST_TIMEOUT_MS }, async () => {
  const valid = storedRecord();
  const tampered = valid.replace('accept_all', 'reject_all');
  const { page, wasm } = await visitWithRecord(tampered);
  await page.getByTestId('banner').waitFor();
  assert.deepEqual(wasm(), [FULL]);
  await site.assertNoPageErrors();
});

test('a config the loader cannot see yet still wins: the core hands over to the full build', { timeout: TEST_TIMEOUT_MS }, async () => {
  // No data-config, and an inline config after the loader that raises the revision: the loader
  // judges the record valid under the built-in revision, the widget reads the inline config once
  // the page is parsed and finds it outdated, so the core hands over.
  await site.serveEdited(
    site.url('/'),
    (html) =>
      html
        .replace(' data-config="/demo/consent.json"', '')
        .replace('</body>', '<script type="application/json" id="canenrich-consent-config">{"revision": 2}</script></body>'),
  );
  const { page, wasm } = await visitWithRecord(storedRecord({ revision: 1 }));
  await page.getByTestId('banner').waitFor();
  assert.deepEqual(wasm(), [CORE, FULL]);
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null);
  await site.assertNoPageErrors();
});

test('an element that is not a JSON script does not choose the build: the loader ignores it as the widget does', { timeout: TEST_TIMEOUT_MS }, async () => {
  // User content that carries the inline config's id and raises the revision. Were the loader to
  // read it, it would judge the record outdated and load the full build and its banner.
  await site.serveEdited(site.url('/'), (html) =>
    html.replace('<body>', '<body><div id="canenrich-consent-config">{"revision": 2}</div>'),
  );
  // The data-config arrives late, so the loader decides after the <div> has been parsed.
  await site.context.route('**/demo/consent.json', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await route.continue().catch(() => {});
  });
  const { page, wasm } = await visitWithRecord(storedRecord({ revision: 1 }));
  await page.getByTestId('reopen').waitFor();
  assert.deepEqual(wasm(), [CORE], 'the <div> was read as config');
  assert.equal(await page.getByTestId('banner').count(), 0);
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent())).method, 'accept_all');
  await site.assertNoPageErrors();
});
