// The blocking engine as a visitor and a site owner see it: tags that scripts insert (before and
// after the widget has started), cookies that scripts or HTTP responses write, storage, refusing
// after accepting, and a widget that cannot load at all.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;

const demoState = (page) => page.evaluate(() => window.canenrichDemo ?? null);
const storageKeys = (page) =>
  page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)].sort());

/** Polls the browser's cookie jar until `check(names)` holds (at most `timeout` ms). */
async function waitForCookies(check, timeout = 3_000) {
  const deadline = Date.now() + timeout;
  let names = await site.cookieNames();
  while (!check(names) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    names = await site.cookieNames();
  }
  return names;
}

test('tags a script inserts before and after start-up wait for consent, then run once in order', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/spa.html');
  await page.getByTestId('banner').waitFor();
  await page.waitForFunction(() => document.querySelector('#spa-root iframe'));

  assert.equal(await demoState(page), null, 'no inserted tag ran before consent');
  for (const path of ['/demo/trackers/', '/demo/pixel.gif', '/demo/embed/video.html']) {
    assert.deepEqual(site.requested(path), [], `requested before consent: ${path}`);
  }
  const names = await site.cookieNames();
  assert.ok(!names.includes('_ga'), `the untagged document.cookie write was kept: ${names}`);

  await page.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  await page.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 2);
  await site.waitForRequest('/demo/embed/video.html?spa');
  const demo = await demoState(page);
  assert.deepEqual(demo.order, ['analytics', 'marketing'], 'document order');
  assert.equal(demo.analytics, 1);
  assert.equal(demo.marketing, 1);

  // Once accepted, a tag inserted later runs at once.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.src = '/demo/trackers/analytics.js?again';
    script.setAttribute('data-category', 'analytics');
    document.body.appendChild(script);
  });
  await page.waitForFunction(() => window.canenrichDemo.analytics === 2);
  await site.assertNoPageErrors();
});

test('while a category is refused, inserted tags stay inert and its cookies do not stay', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/spa.html');
  await page.getByTestId('banner').getByRole('button', { name: 'Reject all' }).click();
  await page.getByTestId('reopen').waitFor();

  await page.evaluate(() => {
    const script = document.createElement('script');
    script.src = '/demo/trackers/marketing.js';
    script.setAttribute('data-category', 'marketing');
    document.body.appendChild(script);
    document.cookie = 'mk_id=written-by-a-script; path=/';
    document.cookie = 'csrf_token=essential; path=/';
  });
  // The guard answers synchronously: the write is refused and the script is inert right away.
  const inserted = await page.evaluate(() => document.body.lastElementChild.getAttribute('type'));
  assert.equal(inserted, 'text/plain');
  const names = await site.cookieNames();
  assert.ok(!names.includes('mk_id'), `a refused cookie was kept: ${names}`);
  assert.ok(names.includes('csrf_token'), `an essential cookie was dropped: ${names}`);

  // A cookie that bypasses document.cookie (an HTTP response) is erased within 2 s.
  await site.context.addCookies([{ name: '_ga', value: 'from-http', url: site.url('/') }]);
  await page.evaluate(() => localStorage.setItem('_ga_store', 'x'));
  const after = await waitForCookies((list) => !list.includes('_ga'));
  assert.ok(!after.includes('_ga'), `_ga survived 3 s: ${after}`);
  await page.waitForFunction(() => localStorage.getItem('_ga_store') === null, null, { timeout: 3_000 });
  assert.deepEqual(site.requested('/demo/trackers/marketing.js'), []);
  assert.equal(await demoState(page), null);
  await site.assertNoPageErrors();
});

test('withdrawing consent erases the cookies and storage the tags left', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await page.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  await page.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 3);
  await waitForCookies((list) => list.includes('_ga') && list.includes('mk_id'));
  assert.deepEqual(await storageKeys(page), ['_ga_store', 'mk_session']);

  await page.getByTestId('reopen').click();
  const dialog = page.getByTestId('preferences');
  await dialog.getByRole('button', { name: 'Reject all' }).click();
  await page.getByTestId('reopen').waitFor();

  const names = await site.cookieNames();
  for (const name of ['_ga', '_ga_DEMO', 'mk_id']) {
    assert.ok(!names.includes(name), `${name} survived the refusal: ${names}`);
  }
  assert.ok(names.includes('canenrich_consent'), 'the choice itself is kept');
  assert.deepEqual(await storageKeys(page), []);
  const change = (await site.events(page, 'canenrich:change')).at(-1);
  assert.deepEqual(change.detail.changed, ['analytics', 'marketing', 'personalization']);
  assert.deepEqual(change.detail.survivors, { cookies: [], storage: [] });

  // Re-applied on the next page load while refused.
  await site.context.addCookies([{ name: 'mk_id', value: 'back', url: site.url('/') }]);
  await page.reload();
  await site.widgetReady(page);
  const reloaded = await site.cookieNames();
  assert.ok(!reloaded.includes('mk_id'), `mk_id survived a reload while refused: ${reloaded}`);
  await site.assertNoPageErrors();
});

test('when the widget cannot load, nothing optional runs and the visitor can try again', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(/CanEnrich Consent could not start/);
  site.expectProblem(/Failed to load resource|net::ERR_FAILED/);
  await site.context.route('**/canenrich_consent_bg.wasm', (route) => route.abort());
  const page = await site.openPage('/', { waitForWidget: false });

  const notice = page.getByTestId('load-error');
  await notice.waitFor();
  assert.match(await notice.innerText(), /could not load/i);
  const rejected = await page.evaluate(() => window.CanEnrichConsent.ready.then(() => 'resolved', () => 'rejected'));
  assert.equal(rejected, 'rejected');
  assert.equal(await demoState(page), null);
  assert.deepEqual(site.requested('/demo/trackers/'), []);

  await site.context.unroute('**/canenrich_consent_bg.wasm');
  await notice.getByRole('button', { name: 'Try again' }).click();
  await page.getByTestId('banner').waitFor();
  await site.widgetReady(page);
  assert.equal(await page.getByTestId('load-error').count(), 0);
  assert.equal(await demoState(page), null, 'the retry still waits for consent');
  await site.assertNoPageErrors();
});

test('a blocked video shows a placeholder that can load it once or always allow it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  const placeholder = page.getByRole('group', { name: 'CanEnrich Video' });
  await placeholder.waitFor();
  await placeholder.getByText(/blocked until you allow Marketing and partners cookies/).waitFor();
  assert.equal(await page.locator('iframe[data-category="marketing"]').isVisible(), false);

  await placeholder.getByRole('button', { name: 'Load once' }).click();
  await site.waitForRequest('/demo/embed/video.html');
  assert.equal(await page.getByTestId('embed-placeholder').count(), 0);
  assert.equal(await page.locator('iframe[data-category="marketing"]').isVisible(), true);
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null, 'loading once records no choice');
  assert.equal(await page.evaluate(() => window.canenrichDemo ?? null), null, 'nothing else ran');

  await page.reload();
  await site.widgetReady(page);
  await page.getByRole('group', { name: 'CanEnrich Video' }).getByRole('button', { name: 'Always allow' }).click();
  await page.waitForFunction(() => window.canenrichDemo?.marketing === 1);
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.ok(consent.categories.includes('marketing'));
  assert.ok(!consent.categories.includes('analytics'), 'only the embed\'s category was allowed');
  assert.equal(await page.getByTestId('embed-placeholder').count(), 0);
  await site.assertNoPageErrors();
});
