// A page that wraps `document.cookie`, `navigator.sendBeacon` and `console.warn` and calls the
// widget's API from inside the wrapper. The widget reads cookies, posts receipts and warns in the
// middle of its own work; a call coming back in then must get an answer, never trap the
// WebAssembly, and the widget must keep working for the rest of the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;

const banner = (page) => page.getByTestId('banner');
const getConsent = (page) => page.evaluate(() => window.CanEnrichConsent.getConsent());

/**
 * Init script: wraps the `document.cookie` getter, `navigator.sendBeacon` and `console.warn` so
 * that each asks the widget `acceptedCategory('analytics')` and `getConsent()` once the widget
 * answers. `window.__reentry` counts the calls made from inside the wrappers and keeps whatever
 * they threw.
 */
function wrapperCallsBack() {
  const reentry = { calls: 0, thrown: [] };
  window.__reentry = reentry;
  const callBack = () => {
    const api = window.CanEnrichConsent;
    if (!api || typeof api.getState !== 'function' || api.getState() === null) return;
    reentry.calls += 1;
    try {
      api.acceptedCategory('analytics');
      api.getConsent();
    } catch (error) {
      reentry.thrown.push(String((error && error.message) || error));
    }
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: true,
    get() {
      callBack();
      return cookie.get.call(this);
    },
    set(value) {
      cookie.set.call(this, value);
    },
  });
  const sendBeacon = Navigator.prototype.sendBeacon;
  Navigator.prototype.sendBeacon = function (...args) {
    callBack();
    return sendBeacon.apply(this, args);
  };
  const warn = console.warn;
  console.warn = function (...args) {
    callBack();
    return warn.apply(this, args);
  };
}

test('a page wrapper that calls the API while the widget reads cookies or posts a receipt does not break it', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(wrapperCallsBack);
  const page = await site.openPage('/');

  await banner(page).getByRole('button', { name: 'Accept all' }).click();
  await banner(page).waitFor({ state: 'hidden' });
  await page.waitForFunction(() => window.canenrichDemo?.analytics === 1);
  assert.equal((await getConsent(page))?.method, 'accept_all');
  // The sweep reads the consent cookie every second, through the wrapper too.
  await page.waitForTimeout(1_500);

  await page.getByTestId('reopen').click();
  const dialog = page.getByTestId('preferences');
  await dialog.getByRole('button', { name: 'Reject all' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await getConsent(page))?.method, 'reject_all', 'a later choice is stored');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('analytics')), false);
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getState().bannerOpen), false);

  const reentry = await page.evaluate(() => window.__reentry);
  assert.ok(reentry.calls > 0, 'the wrappers called the API while the widget was at work');
  assert.deepEqual(reentry.thrown, [], 'no call from a wrapper threw');
  await site.assertNoPageErrors();
});

/**
 * Init script: the `document.cookie` getter makes a choice (`acceptAll()`) from inside, the first
 * few times it runs once the widget answers. `window.__choices` keeps how each call came out.
 */
function wrapperChooses() {
  const choices = { calls: 0, outcomes: [], thrown: [] };
  window.__choices = choices;
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: true,
    get() {
      const api = window.CanEnrichConsent;
      if (choices.calls < 5 && api && typeof api.getState === 'function' && api.getState() !== null) {
        choices.calls += 1;
        try {
          api.acceptAll().then(
            () => choices.outcomes.push('stored'),
            (error) => choices.outcomes.push(`refused: ${(error && error.message) || error}`),
          );
        } catch (error) {
          choices.thrown.push(String((error && error.message) || error));
        }
      }
      return cookie.get.call(this);
    },
    set(value) {
      cookie.set.call(this, value);
    },
  });
}

test('a page wrapper that makes a choice while the widget reads cookies gets an answer, and the widget keeps working', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(wrapperChooses);
  const page = await site.openPage('/');
  await page.waitForFunction(() => window.__choices.calls > 0 && window.__choices.outcomes.length === window.__choices.calls);
  const choices = await page.evaluate(() => window.__choices);
  assert.deepEqual(choices.thrown, [], 'a call from the wrapper threw');
  // Each call is answered: stored, or refused because the widget was in the middle of its work.
  for (const outcome of choices.outcomes) assert.match(outcome, /^(stored|refused: .*busy.*)$/);
  const stored = choices.outcomes.includes('stored');
  assert.equal((await getConsent(page))?.method ?? null, stored ? 'accept_all' : null);

  // The widget still answers the visitor afterwards.
  if (!stored) {
    await banner(page).getByRole('button', { name: 'Accept all' }).click();
    await banner(page).waitFor({ state: 'hidden' });
    assert.equal((await getConsent(page))?.method, 'accept_all');
  }
  await page.getByTestId('reopen').click();
  const dialog = page.getByTestId('preferences');
  await dialog.getByRole('button', { name: 'Reject all' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await getConsent(page))?.method, 'reject_all');
  await site.assertNoPageErrors();
});
