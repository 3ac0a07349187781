// Gated tags that reach the page by the less common routes: replaceChildren, shadow roots,
// markup strings (innerHTML, outerHTML, insertAdjacentHTML) and document.write, each of which
// must wait for consent and then run (or load) exactly once; and cookies the config lists under
// the necessary category, which are kept from the start.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { demoState } from './demo.mjs';
import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;
/** How long a page is watched for a second run or request that should never come. */
const QUIET_MS = 1_000;

const accept = (page) => page.getByTestId('banner').getByRole('button', { name: 'Accept all' }).click();
const quiet = (page) => page.waitForTimeout(QUIET_MS);

/** Defines `gatedScript(query)` in the page: an analytics tracker script gated by data-category. */
const GATED_SCRIPT = `window.gatedScript = function (query) {
  var script = document.createElement('script');
  script.src = '/demo/trackers/analytics.js?' + query;
  script.setAttribute('data-category', 'analytics');
  return script;
};
`;

/**
 * Opens /spa.html with its app script replaced by an inline `source` carrying the page's nonce:
 * it runs in <head> while the page is parsed, before the widget has loaded. The page keeps the
 * server's CSP. `gatedScript` is defined first.
 */
async function openWithApp(source) {
  await site.serveEdited(site.url('/spa.html'), (html, response) => {
    const nonce = /'nonce-([^']+)'/.exec(response.headers()['content-security-policy'] ?? '')?.[1];
    const app = '<script src="/demo/spa-app.js"></script>';
    return nonce && html.includes(app) ? html.replace(app, `<script nonce="${nonce}">${GATED_SCRIPT}${source}</script>`) : '';
  });
  const page = await site.openPage('/spa.html');
  await page.getByTestId('banner').waitFor();
  return page;
}

/** Nothing from the demo's trackers or embeds was requested, and no gated script ran. */
async function assertNothingRan(page) {
  assert.equal(await demoState(page), null, 'a gated script ran before consent');
  for (const path of ['/demo/trackers/', '/demo/pixel.gif', '/demo/embed/video.html']) {
    assert.deepEqual(site.requested(path), [], `requested before consent: ${path}`);
  }
}

/** After a quiet second, each of `fragments` was requested exactly once. */
async function assertRequestedOnce(page, fragments) {
  for (const fragment of fragments) await site.waitForRequest(fragment);
  await quiet(page);
  for (const fragment of fragments) {
    assert.equal(site.requested(fragment).length, 1, `${fragment} was requested ${site.requested(fragment).length} times`);
  }
}

test('scripts inserted with replaceChildren wait for consent, then run once', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openWithApp('');
  await page.evaluate(() => {
    const gated = window.gatedScript;
    const box = document.createElement('div');
    document.body.append(box);
    box.replaceChildren(gated('element'));
    const fragment = document.createDocumentFragment();
    fragment.replaceChildren(gated('fragment'));
    document.body.append(fragment);
  });
  await quiet(page);
  await assertNothingRan(page);

  await accept(page);
  await assertRequestedOnce(page, ['analytics.js?element', 'analytics.js?fragment']);
  assert.equal((await demoState(page)).analytics, 2);
  await site.assertNoPageErrors();
});

test('tags in shadow roots wait for consent, then run or load once', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openWithApp('');
  await page.evaluate(() => {
    const gated = window.gatedScript;
    const root = () => document.body.appendChild(document.createElement('div')).attachShadow({ mode: 'open' });
    root().append(gated('shadow-append'));
    root().appendChild(gated('shadow-child-node'));
    root().innerHTML = '<iframe data-category="marketing" src="/demo/embed/video.html?shadow-innerHTML"></iframe>';
    // A host built off the page, inserted with its held content later.
    const later = document.createElement('div');
    later.attachShadow({ mode: 'open' }).replaceChildren(gated('shadow-later'));
    document.body.append(later);
    // A fragment filled first, then inserted; and a closed root, which no page script can search.
    const fragment = document.createDocumentFragment();
    fragment.append(gated('shadow-fragment'));
    root().append(fragment);
    document.body.appendChild(document.createElement('div')).attachShadow({ mode: 'closed' }).append(gated('shadow-closed'));
  });
  await quiet(page);
  await assertNothingRan(page);

  await accept(page);
  await assertRequestedOnce(page, [
    'analytics.js?shadow-append',
    'analytics.js?shadow-child-node',
    'analytics.js?shadow-later',
    'analytics.js?shadow-fragment',
    'analytics.js?shadow-closed',
    'video.html?shadow-innerHTML',
  ]);
  assert.equal((await demoState(page)).analytics, 5);
  await site.assertNoPageErrors();
});

test('frames inserted as markup are not requested before consent, then load once', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openWithApp('');
  await page.evaluate(() => {
    const frame = (query) =>
      `<p>Partner video</p><iframe data-category="marketing" title="${query}" src="/demo/embed/video.html?${query}"></iframe>`;
    const box = () => document.body.appendChild(document.createElement('div'));
    box().innerHTML = frame('innerHTML');
    box().insertAdjacentHTML('beforeend', frame('insertAdjacentHTML'));
    box().appendChild(document.createElement('span')).outerHTML = frame('outerHTML');
  });
  await quiet(page);
  await assertNothingRan(page);
  assert.equal(await page.locator('p', { hasText: 'Partner video' }).count(), 3, 'the markup around the frames is in place');

  await accept(page);
  await assertRequestedOnce(page, ['video.html?innerHTML', 'video.html?insertAdjacentHTML', 'video.html?outerHTML']);
  await site.assertNoPageErrors();
});

test('tags written with document.write wait for consent, then run once', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openWithApp(`
    var nonce = document.currentScript.nonce;
    document.write('<script data-category="analytics" src="/demo/trackers/analytics.js?write"></scr' + 'ipt>');
    document.writeln('<script data-category="marketing" nonce="' + nonce + '">' +
      'window.canenrichDemo = window.canenrichDemo || {};' +
      'window.canenrichDemo.written = (window.canenrichDemo.written || 0) + 1;</scr' + 'ipt>');
  `);
  await quiet(page);
  await assertNothingRan(page);

  await accept(page);
  await site.waitForRequest('analytics.js?write');
  await page.waitForFunction(() => window.canenrichDemo?.written === 1);
  await quiet(page);
  const demo = await demoState(page);
  assert.equal(demo.analytics, 1, 'the written analytics tag ran once');
  assert.equal(demo.written, 1, 'the written inline tag ran once');
  assert.equal(site.requested('analytics.js?write').length, 1);
  await site.assertNoPageErrors();
});

test('cookies the config lists under necessary are kept before any choice', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.serveEdited('**/demo/consent.json', (json) =>
    JSON.stringify({ ...JSON.parse(json), categories: { necessary: { cookies: ['mysess*'] } } }),
  );
  // One write while the page loads (queued until the widget answers), one after start-up.
  const page = await openWithApp("document.cookie = 'mysess_early=a; path=/'; document.cookie = 'mk_id=b; path=/';");
  const readBack = await page.evaluate(() => {
    document.cookie = 'mysess_1=a; path=/';
    return document.cookie;
  });
  assert.match(readBack, /(^|; )mysess_1=a/, `document.cookie read back: ${readBack}`);
  const names = await site.cookieNames();
  assert.ok(names.includes('mysess_early'), `the queued necessary cookie was dropped: ${names}`);
  assert.ok(!names.includes('mk_id'), `a marketing cookie was kept: ${names}`);
  await site.assertNoPageErrors();
});
