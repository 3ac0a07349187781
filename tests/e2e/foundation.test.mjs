// The visitor's first journeys through the demo site: first visit, accept, reject (and then sign
// in), choosing categories, reopening the settings, and the JavaScript API. Every test starts from
// a fresh browser context, so nothing carries over between them.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertEverythingRanOnce, assertNothingGatedRan, demoState } from './demo.mjs';
import { useSite } from './harness.mjs';

const site = useSite();

/** Per-test budget: a cold page load compiles the WebAssembly. */
const TEST_TIMEOUT_MS = 60_000;

/** The demo account the server accepts (override to match another server). */
const USERNAME = process.env.CANENRICH_DEMO_USER ?? 'demo';
const PASSWORD = process.env.CANENRICH_DEMO_PASSWORD ?? 'demo';

const banner = (page) => page.getByTestId('banner');
const preferences = (page) => page.getByTestId('preferences');
const bannerButton = (page, name) => banner(page).getByRole('button', { name, exact: true });
const reopenButton = (page) => page.getByRole('button', { name: 'Cookie settings' });

const getConsent = (page) => page.evaluate(() => window.CanEnrichConsent.getConsent());

test('a first visit shows the cookie banner and runs nothing that needs consent', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');

  await banner(page).waitFor();
  const labelledDialog = page
    .getByRole('dialog', { name: /cookie/i })
    .or(page.getByRole('region', { name: /cookie/i }));
  assert.equal(await labelledDialog.count(), 1, 'the banner is a dialog or region named "…cookie…"');
  for (const name of ['Accept all', 'Reject all', 'Manage preferences']) {
    assert.ok(await bannerButton(page, name).isVisible(), `the banner shows "${name}"`);
  }
  await assertNothingGatedRan(site, page);
  assert.equal(await getConsent(page), null, 'getConsent() is null before any choice');
  await site.assertNoPageErrors();
});

test('accepting all runs every tag once in document order and is remembered on reload', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await bannerButton(page, 'Accept all').click();

  await banner(page).waitFor({ state: 'hidden' });
  await assertEverythingRanOnce(site, page);
  await site.waitForRequest('/demo/pixel.gif?tag=analytics');
  await site.waitForRequest('/demo/pixel.gif?tag=marketing');
  assert.ok(await site.cookie('canenrich_consent'), 'the choice is stored in canenrich_consent');
  const consent = await getConsent(page);
  assert.ok(consent.categories.includes('analytics'), `accepted: ${consent.categories}`);
  assert.ok(consent.categories.includes('marketing'), `accepted: ${consent.categories}`);
  assert.equal(consent.method, 'accept_all');
  assert.equal((await site.events(page, 'canenrich:consent')).length, 1, 'canenrich:consent fired once');

  await page.reload();
  await site.widgetReady(page);
  assert.equal(await banner(page).isVisible(), false, 'the banner stays closed after a reload');
  await reopenButton(page).waitFor();
  await assertEverythingRanOnce(site, page);
  await site.assertNoPageErrors();
});

test('rejecting all runs nothing, is stored, and signing in still works', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await bannerButton(page, 'Reject all').click();

  await banner(page).waitFor({ state: 'hidden' });
  await reopenButton(page).waitFor();
  await assertNothingGatedRan(site, page);
  assert.ok(await site.cookie('canenrich_consent'), 'the choice is stored in canenrich_consent');

  // A new page reads the choice back from the cookie.
  const again = await site.openPage('/');
  assert.equal(await banner(again).isVisible(), false, 'the banner stays closed on the next page');
  const consent = await getConsent(again);
  assert.ok(consent.rejected.includes('analytics'), `rejected: ${consent.rejected}`);
  assert.ok(consent.rejected.includes('marketing'), `rejected: ${consent.rejected}`);
  assert.equal(consent.method, 'reject_all');
  await assertNothingGatedRan(site, again);

  const login = await site.openPage('/login');
  await login.getByLabel('Username').fill(USERNAME);
  await login.getByLabel('Password').fill(PASSWORD);
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitForURL(/\/account$/);
  await login.getByText(`Signed in as ${USERNAME}`).waitFor();
  const session = await site.cookie('canenrich_session');
  assert.ok(session, 'the session cookie is set after Reject all');
  assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Lax', 'the session cookie is SameSite=Lax');
  await site.assertNoPageErrors();
});

test('choosing only analytics in the preferences runs only the analytics tag', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await bannerButton(page, 'Manage preferences').click();

  const dialog = preferences(page);
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute('role'), 'dialog');
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  const necessary = dialog.getByTestId('category-necessary');
  const analytics = dialog.getByTestId('category-analytics');
  const marketing = dialog.getByTestId('category-marketing');
  assert.equal(await necessary.isChecked(), true, 'necessary is on');
  assert.equal(await necessary.isDisabled(), true, 'necessary cannot be switched off');
  assert.equal(await analytics.isChecked(), false, 'analytics is not pre-ticked');
  assert.equal(await marketing.isChecked(), false, 'marketing is not pre-ticked');

  await analytics.check();
  assert.equal(await analytics.isChecked(), true, 'analytics is switched on');
  await dialog.getByRole('button', { name: 'Save preferences' }).click();

  await dialog.waitFor({ state: 'hidden' });
  await page.getByTestId('ran-analytics').waitFor();
  await site.waitForRequest('/demo/pixel.gif?tag=analytics');
  await reopenButton(page).waitFor();
  const demo = await demoState(page);
  assert.deepEqual(demo.order, ['analytics'], 'only the analytics tag ran');
  assert.equal(demo.analytics, 1);
  assert.equal(await page.getByTestId('ran-marketing').count(), 0, 'the marketing tag did not run');
  for (const path of ['/demo/trackers/marketing.js', '/demo/pixel.gif?tag=marketing', '/demo/pixel.gif?tag=img', '/demo/embed/video.html']) {
    assert.deepEqual(site.requested(path), [], `a marketing resource was requested: ${path}`);
  }
  const cookies = await site.cookieNames();
  assert.ok(cookies.includes('_ga'), `the analytics cookie is set (cookies: ${cookies})`);
  assert.ok(!cookies.includes('mk_id'), 'the marketing cookie is not set');
  const consent = await getConsent(page);
  assert.equal(consent.method, 'custom');
  assert.ok(consent.categories.includes('analytics'), `accepted: ${consent.categories}`);
  assert.ok(consent.rejected.includes('marketing'), `rejected: ${consent.rejected}`);
  await site.assertNoPageErrors();
});

test('the cookie settings button reopens the preferences and reset() brings the banner back', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await bannerButton(page, 'Reject all').click();
  await banner(page).waitFor({ state: 'hidden' });

  await reopenButton(page).click();
  await preferences(page).waitFor();
  assert.equal(await preferences(page).getByTestId('category-analytics').isChecked(), false, 'the dialog shows the stored choice');

  await page.evaluate(() => window.CanEnrichConsent.reset());
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null, 'the choice is forgotten');
  await page.reload();
  await site.widgetReady(page);
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null, 'the choice stays forgotten after a reload');
  await assertNothingGatedRan(site, page);
  await site.assertNoPageErrors();
});

test('acceptAll() from the API records the choice and reports the changed categories', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  const result = await page.evaluate(async () => {
    const api = window.CanEnrichConsent;
    await api.acceptAll();
    return {
      marketing: api.acceptedCategory('marketing'),
      analytics: api.acceptedCategory('analytics'),
      consent: api.getConsent(),
    };
  });

  assert.equal(result.marketing, true, "acceptedCategory('marketing') is true");
  assert.equal(result.analytics, true, "acceptedCategory('analytics') is true");
  assert.equal(result.consent.method, 'accept_all');
  await banner(page).waitFor({ state: 'hidden' });
  const changes = await site.events(page, 'canenrich:change');
  assert.equal(changes.length, 1, 'canenrich:change fired once');
  const changed = changes[0].detail?.changed ?? [];
  assert.ok(changed.includes('analytics'), `detail.changed lists analytics: ${changed}`);
  assert.ok(changed.includes('marketing'), `detail.changed lists marketing: ${changed}`);
  await assertEverythingRanOnce(site, page);
  await site.assertNoPageErrors();
});
