// The blocking engine as a visitor and a site owner see it: tags that scripts insert (before and
// after the widget has started), cookies that scripts or HTTP responses write, storage, refusing
// after accepting, and a widget that cannot load at all.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SUBDOMAIN_URL, useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;

const demoState = (page) => page.evaluate(() => window.canenrichDemo ?? null);
const storageKeys = (page) =>
  // The tags' keys: the widget's own (its lean core's settings, its receipt outbox) are essential.
  page.evaluate(() =>
    [...Object.keys(localStorage), ...Object.keys(sessionStorage)]
      .filter((key) => key !== 'canenrich_consent_core' && !key.startsWith('canenrich_outbox.'))
      .sort());

/** The cookies the browser holds for the demo under www.shop.example.co.uk, as `name@domain`. */
async function subdomainJar() {
  return (await site.context.cookies(`${SUBDOMAIN_URL}/`)).map((c) => `${c.name}@${c.domain}`).sort();
}

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
  // 127.0.0.1 has no parent domains: the Public Suffix List is never fetched.
  assert.deepEqual(site.requested('public_suffix_list.dat'), []);
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
  // The placeholder is drawn inside the held frame's own empty document, so the frame keeps its box.
  const frame = page.frameLocator('iframe[title="CanEnrich product video"]');
  const placeholder = frame.getByRole('group', { name: 'CanEnrich Video' });
  await placeholder.waitFor();
  await placeholder.getByText(/blocked until you allow Marketing and partners cookies/).waitFor();
  const video = page.locator('iframe[data-category="marketing"]');
  assert.equal(await video.getAttribute('src'), null, 'the frame has no address yet');
  assert.deepEqual(site.requested('/demo/embed/video.html'), []);

  await placeholder.getByRole('button', { name: 'Load once' }).click();
  await site.waitForRequest('/demo/embed/video.html');
  assert.match((await video.getAttribute('src')) ?? '', /\/demo\/embed\/video\.html$/);
  // The frame's own document (which held the placeholder) goes once the frame has navigated.
  await frame.getByTestId('embed-placeholder').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null, 'loading once records no choice');
  assert.equal(await page.evaluate(() => window.canenrichDemo ?? null), null, 'nothing else ran');

  await page.reload();
  await site.widgetReady(page);
  await page
    .frameLocator('iframe[title="CanEnrich product video"]')
    .getByRole('group', { name: 'CanEnrich Video' })
    .getByRole('button', { name: 'Always allow' })
    .click();
  await page.waitForFunction(() => window.canenrichDemo?.marketing === 1);
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.ok(consent.categories.includes('marketing'));
  assert.ok(!consent.categories.includes('analytics'), 'only the embed\'s category was allowed');
  assert.match((await video.getAttribute('src')) ?? '', /\/demo\/embed\/video\.html$/);
  await site.assertNoPageErrors();
});

test('on a host with parent domains, refusing erases up to the registrable domain and no further', { timeout: TEST_TIMEOUT_MS }, async () => {
  // Debug mode names the domains each erase covers. (Playwright fetches in Node, which does not
  // know the browser's host mapping: ask the server by its address.)
  await site.serveEdited('**/demo/consent.json', (json) => JSON.stringify({ ...JSON.parse(json), debug: true }), {
    from: site.url('/demo/consent.json'),
  });
  const lines = [];
  site.context.on('console', (message) => {
    if (message.type() === 'info' && message.text().includes('[debug]')) lines.push(message.text());
  });
  const page = await site.openPage(`${SUBDOMAIN_URL}/`);
  await page.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
  await page.getByTestId('reopen').waitFor();
  // What trackers on this site could have left: on the registrable domain, a parent, the host.
  await site.context.addCookies([
    { name: '_ga', value: 'site-wide', domain: '.example.co.uk', path: '/' },
    { name: '_ga_DEMO', value: 'parent', domain: '.shop.example.co.uk', path: '/' },
    { name: 'mk_id', value: 'host-only', url: `${SUBDOMAIN_URL}/` },
  ]);
  const set = await subdomainJar();
  for (const cookie of ['_ga@.example.co.uk', '_ga_DEMO@.shop.example.co.uk', 'mk_id@www.shop.example.co.uk']) {
    assert.ok(set.includes(cookie), `${cookie} is in the jar before the refusal: ${set}`);
  }

  await page.getByTestId('reopen').click();
  await page.getByTestId('preferences').getByRole('button', { name: 'Reject all' }).click();
  await page.getByTestId('reopen').waitFor();
  const left = await subdomainJar();
  assert.ok(left.every((c) => !/^(_ga|mk_id)/.test(c)), `survived the refusal: ${left}`);
  const change = (await site.events(page, 'canenrich:change')).at(-1);
  assert.deepEqual(change.detail.survivors, { cookies: [], storage: [] });

  // The first erase on this host fetches the list; from then on erasing stops at example.co.uk.
  await site.waitForRequest('/consent/public_suffix_list.dat');
  const bound = async () => lines.find((line) => line.includes('erased up to'));
  for (let i = 0; i < 50 && !(await bound()); i += 1) await page.waitForTimeout(100);
  assert.match((await bound()) ?? lines.join('\n'), /www\.shop\.example\.co\.uk are erased up to example\.co\.uk/);

  // A cookie that arrives later (an HTTP response) is erased by the sweep, within that bound.
  await site.context.addCookies([{ name: '_ga', value: 'again', domain: '.example.co.uk', path: '/' }]);
  const sweep = async () => lines.filter((line) => line.includes('erased cookies')).at(-1);
  const before = await sweep();
  for (let i = 0; i < 30 && (await sweep()) === before; i += 1) await page.waitForTimeout(100);
  const swept = await sweep();
  assert.notEqual(swept, before, `the sweep did not erase _ga again:\n${lines.join('\n')}`);
  assert.match(swept, /"example\.co\.uk"/);
  assert.doesNotMatch(swept, /"co\.uk"/, `erasing went past the registrable domain: ${swept}`);
  assert.ok((await subdomainJar()).every((c) => !c.startsWith('_ga')), `_ga survived the sweep: ${await subdomainJar()}`);
  await site.assertNoPageErrors();
});

test('when the Public Suffix List cannot load, erasing still reaches every parent domain', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(/Failed to load resource.*404/);
  await site.context.route('**/public_suffix_list.dat', (route) => route.fulfill({ status: 404, body: 'gone' }));
  // Left over from an earlier visit: erased before any choice, which asks for the list.
  await site.context.addCookies([
    { name: '_ga', value: 'old', domain: '.example.co.uk', path: '/' },
    { name: 'mk_id', value: 'old', domain: '.shop.example.co.uk', path: '/' },
  ]);
  const page = await site.openPage(`${SUBDOMAIN_URL}/`);
  await site.waitForRequest('/consent/public_suffix_list.dat');
  await page.getByTestId('banner').getByRole('button', { name: 'Reject all' }).click();
  await page.getByTestId('reopen').waitFor();
  let left = await subdomainJar();
  assert.ok(left.every((c) => !/^(_ga|mk_id)@/.test(c)), `survived without the list: ${left}`);

  // Later writes (an HTTP response) are still erased by the sweep, on every parent domain.
  await site.context.addCookies([{ name: '_ga', value: 'again', domain: '.example.co.uk', path: '/' }]);
  for (let i = 0; i < 30 && (await subdomainJar()).some((c) => c.startsWith('_ga@')); i += 1) await page.waitForTimeout(100);
  left = await subdomainJar();
  assert.ok(left.every((c) => !c.startsWith('_ga@')), `_ga survived the sweep without the list: ${left}`);
  await site.assertNoPageErrors();
});
