// What a choice does beyond the page it was made on: the site's other open tabs follow it, and
// the server keeps a receipt of it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { consentCalls } from './demo.mjs';
import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;

test('a choice made in one tab applies in the other open tabs within 2 s', { timeout: TEST_TIMEOUT_MS }, async () => {
  const first = await site.openPage('/');
  const second = await site.openPage('/');
  await second.getByTestId('banner').waitFor();

  await first.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  await second.getByTestId('banner').waitFor({ state: 'hidden', timeout: 2_500 });
  await second.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 3, null, { timeout: 2_500 });
  assert.equal(await second.evaluate(() => window.CanEnrichConsent.acceptedCategory('marketing')), true);

  // Withdrawing in the second tab applies in the first one too, within 2 s.
  await second.evaluate(() => window.CanEnrichConsent.rejectAll());
  await first.waitForFunction(() => !window.CanEnrichConsent.acceptedCategory('marketing'), null, { timeout: 2_500 });
  assert.equal(await first.evaluate(() => localStorage.getItem('_ga_store')), null);
  const change = (await site.events(first, 'canenrich:change')).at(-1);
  assert.deepEqual(change.detail.changed, ['analytics', 'marketing', 'personalization']);
  await site.assertNoPageErrors();
});

test('every choice posts a receipt that the server returns by its id', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await page.getByTestId('banner').getByRole('button', { name: 'Reject all' }).click();
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.ok(consent, 'a choice is recorded');

  let response;
  for (let attempt = 0; attempt < 50; attempt++) {
    response = await page.request.get(site.url(`/api/consent/${consent.id}`));
    if (response.status() === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(response.status(), 200, 'the receipt was stored');
  const receipt = await response.json();
  assert.equal(receipt.id, consent.id);
  assert.equal(receipt.method, 'reject_all');
  assert.deepEqual(receipt.categories, ['necessary']);
  assert.deepEqual([...receipt.rejected].sort(), ['analytics', 'marketing', 'personalization']);
  assert.match(receipt.configHash, /^[0-9a-f]{8}$/);
  await site.assertNoPageErrors();
});

test('Google Consent Mode starts all denied and is updated on every choice and load', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  const first = await consentCalls(page);
  assert.equal(first[0].action, 'default');
  const types = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage',
    'personalization_storage', 'functionality_storage', 'security_storage'];
  for (const type of types) assert.equal(first[0].state[type], 'denied', `${type} by default`);

  await page.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  const afterAccept = (await consentCalls(page)).at(-1);
  assert.equal(afterAccept.action, 'update');
  for (const type of types) assert.equal(afterAccept.state[type], 'granted', `${type} after Accept all`);

  await page.evaluate(() => window.CanEnrichConsent.acceptCategories(['analytics']));
  const custom = (await consentCalls(page)).at(-1).state;
  assert.equal(custom.analytics_storage, 'granted');
  assert.equal(custom.ad_storage, 'denied');
  assert.equal(custom.security_storage, 'granted');

  await page.reload();
  await site.widgetReady(page);
  const reloaded = await consentCalls(page);
  assert.equal(reloaded[0].action, 'default', 'the default comes first again');
  assert.equal(reloaded.at(-1).action, 'update', 'a stored choice is re-announced on load');
  assert.equal(reloaded.at(-1).state.analytics_storage, 'granted');
  await site.assertNoPageErrors();
});

test('data-consent-regions scopes the denied Consent Mode default to those regions', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.serveEdited(site.url('/'), (html) =>
    html.replace(
      '<script src="/consent/canenrich-consent.js"',
      '<script data-consent-regions="es, FR, nonsense" data-consent-wait="800" src="/consent/canenrich-consent.js"',
    ),
  );
  const page = await site.openPage('/');
  const defaults = await page.evaluate(() =>
    (window.dataLayer ?? [])
      .map((entry) => Array.from(entry))
      .filter((entry) => entry[0] === 'consent' && entry[1] === 'default')
      .map((entry) => entry[2]),
  );
  assert.equal(defaults.length, 2);
  assert.deepEqual(defaults[0].region, ['ES', 'FR']);
  assert.equal(defaults[0].ad_storage, 'denied');
  assert.equal(defaults[0].wait_for_update, 800);
  assert.equal(defaults[1].region, undefined);
  assert.equal(defaults[1].analytics_storage, 'granted', 'elsewhere the site owner grants by default');
  await site.assertNoPageErrors();
});
