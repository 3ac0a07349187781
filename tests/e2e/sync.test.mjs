// What a choice does beyond the page it was made on: the site's other open tabs follow it, and
// the server keeps a receipt of it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

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

  // Withdrawing in the second tab erases the first tab's tracker storage too.
  await second.evaluate(() => window.CanEnrichConsent.rejectAll());
  await first.waitForFunction(() => localStorage.getItem('_ga_store') === null, null, { timeout: 2_500 });
  assert.equal(await first.evaluate(() => window.CanEnrichConsent.acceptedCategory('marketing')), false);
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
