// How a choice is shaped and how long it lasts: the Global Privacy Control signal, a new revision
// of the notice, and the shorter expiry of refusals.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;
const DAY = 24 * 60 * 60 * 1000;

const banner = (page) => page.getByTestId('banner');
const getConsent = (page) => page.evaluate(() => window.CanEnrichConsent.getConsent());

test('with Global Privacy Control, Accept all leaves marketing off until it is switched on', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
  });
  const page = await site.openPage('/');
  const notice = page.getByTestId('gpc-notice');
  assert.match(await notice.innerText(), /Global Privacy Control/);

  await banner(page).getByRole('button', { name: 'Accept all' }).click();
  await page.waitForFunction(() => window.canenrichDemo?.analytics === 1);
  const consent = await getConsent(page);
  assert.equal(consent.method, 'gpc');
  assert.ok(consent.categories.includes('analytics'));
  assert.ok(consent.rejected.includes('marketing'));
  assert.equal(await page.evaluate(() => window.canenrichDemo.marketing ?? 0), 0);
  assert.deepEqual(site.requested('/demo/trackers/marketing.js'), []);

  await page.getByTestId('reopen').click();
  const dialog = page.getByTestId('preferences');
  await dialog.getByTestId('category-marketing').check();
  await dialog.getByRole('button', { name: 'Save preferences' }).click();
  await page.waitForFunction(() => window.canenrichDemo.marketing === 1);
  assert.equal((await getConsent(page)).method, 'custom');
  await site.assertNoPageErrors();
});

test('an Accept all made before Global Privacy Control was on is recorded again without marketing', { timeout: TEST_TIMEOUT_MS }, async () => {
  const first = await site.openPage('/');
  await banner(first).getByRole('button', { name: 'Accept all' }).click();
  await first.waitForFunction(() => window.canenrichDemo?.marketing === 1);
  const before = await getConsent(first);
  await first.close();

  await site.context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
  });
  const marketingBefore = site.requested('/demo/trackers/marketing.js').length;
  const page = await site.openPage('/');
  await page.evaluate(() => window.CanEnrichConsent.ready);
  await page.waitForFunction(() => window.canenrichDemo?.analytics === 1);
  const consent = await getConsent(page);
  assert.equal(consent.method, 'gpc');
  assert.notEqual(consent.id, before.id, 'a new record');
  assert.ok(consent.categories.includes('analytics'), 'what the signal does not cover stays accepted');
  assert.ok(consent.rejected.includes('marketing'));
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('marketing')), false);
  assert.equal(await page.evaluate(() => window.canenrichDemo.marketing ?? 0), 0, 'the marketing tag did not run');
  assert.equal(site.requested('/demo/trackers/marketing.js').length, marketingBefore, 'nor was it requested');
  const layer = await page.evaluate(() => window.dataLayer.filter((entry) => entry[0] === 'consent' && entry[1] === 'update').map((entry) => entry[2]));
  assert.ok(layer.length > 0 && layer.every((update) => update.ad_storage === 'denied'), `ad_storage granted: ${JSON.stringify(layer)}`);
  await site.assertNoPageErrors();
});

test('without the signal there is no Global Privacy Control notice', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  assert.equal(await page.getByTestId('gpc-notice').count(), 0);
  await site.assertNoPageErrors();
});

test('a new revision asks again, says what changed, and runs nothing until answered', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).getByRole('button', { name: 'Accept all' }).click();
  await page.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 3);
  assert.equal(await page.getByTestId('revision-notice').count(), 0);

  await site.context.route('**/demo/consent.json', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ receiptEndpoint: '/api/consent', revision: 2, revisionNote: 'We now embed videos from a new partner.' }),
    }),
  );
  await page.reload();
  await site.widgetReady(page);
  await banner(page).waitFor();
  assert.match(await page.getByTestId('revision-notice').innerText(), /new partner/);
  assert.equal(await getConsent(page), null);
  assert.equal(await page.evaluate(() => window.canenrichDemo ?? null), null, 'nothing ran after the reload');

  await banner(page).getByRole('button', { name: 'Reject all' }).click();
  assert.equal((await getConsent(page)).revision, 2);
  await site.assertNoPageErrors();
});

test('a refusal is remembered for 90 days and an acceptance for 182', { timeout: TEST_TIMEOUT_MS }, async () => {
  const start = Date.now();
  const page = await site.openPage('/');
  await banner(page).getByRole('button', { name: 'Reject all' }).click();
  await page.getByTestId('reopen').waitFor();

  const later = async (days) => {
    const next = await site.context.newPage();
    await next.clock.setFixedTime(new Date(start + days * DAY));
    await next.goto(site.url('/'));
    await site.widgetReady(next);
    return next;
  };
  const day89 = await later(89);
  assert.equal(await day89.getByTestId('banner').isVisible(), false, 'still remembered on day 89');
  const day91 = await later(91);
  await day91.getByTestId('banner').waitFor();
  assert.equal(await getConsent(day91), null, 'a refusal expires after 90 days');

  await day91.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  const acceptedAt = (await getConsent(day91)).timestamp;
  const check = await site.context.newPage();
  await check.clock.setFixedTime(new Date(acceptedAt + 181 * DAY));
  await check.goto(site.url('/'));
  await site.widgetReady(check);
  assert.equal((await getConsent(check))?.method, 'accept_all', 'an acceptance lasts 182 days');
  await site.assertNoPageErrors();
});
