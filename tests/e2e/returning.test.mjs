// A returning visitor with a stored choice loads only the small core build (no Yew UI); the full
// UI loads when the banner or the preferences must show, and takes over without a reload.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;
const FULL = '/consent/canenrich_consent_bg.wasm';
const CORE = '/consent/canenrich_consent_core_bg.wasm';

async function returningVisitor() {
  const first = await site.openPage('/');
  await first.getByTestId('banner').getByRole('button', { name: 'Reject all' }).click();
  await first.getByTestId('reopen').waitFor();
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
