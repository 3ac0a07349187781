// What the demo site's gated tags leave behind, and the page rewrites several test files use:
// one definition each, so every test checks "nothing ran" and "what Consent Mode heard" the same way.

import assert from 'node:assert/strict';

/** Requests that only a released (consented) tag makes. */
export const GATED_REQUESTS = ['/demo/trackers/', '/demo/pixel.gif', '/demo/embed/video.html'];
/** Cookies that only the demo's analytics and marketing tags set. */
export const TRACKER_COOKIES = ['_ga', '_ga_DEMO', 'mk_id'];

/** What the demo's gated tags recorded (`null` if none ran). */
export const demoState = (page) => page.evaluate(() => window.canenrichDemo ?? null);

/** Nothing gated ran, was requested, or left a cookie, and every gated script is still inert. */
export async function assertNothingGatedRan(site, page) {
  assert.equal(await demoState(page), null, 'a gated tag ran (window.canenrichDemo is set)');
  assert.equal(await page.getByTestId('ran-analytics').count(), 0, 'the analytics tag ran');
  assert.equal(await page.getByTestId('ran-marketing').count(), 0, 'the marketing tag ran');
  for (const path of GATED_REQUESTS) {
    assert.deepEqual(site.requested(path), [], `a gated resource was requested: ${path}`);
  }
  const cookies = await site.cookieNames();
  for (const name of TRACKER_COOKIES) {
    assert.ok(!cookies.includes(name), `tracker cookie ${name} was set (cookies: ${cookies})`);
  }
  const inert = await page.evaluate(() =>
    [...document.querySelectorAll('script[data-category]')].every((s) => s.type === 'text/plain'),
  );
  assert.ok(inert, 'every gated script is still type="text/plain"');
}

/** Every gated tag ran exactly once, in document order, and the gated embeds loaded. */
export async function assertEverythingRanOnce(site, page) {
  await page.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 3);
  await page.getByTestId('ran-analytics').waitFor();
  await page.getByTestId('ran-marketing').waitFor();
  await site.waitForRequest('/demo/pixel.gif?tag=img');
  await site.waitForRequest('/demo/embed/video.html');
  const demo = await demoState(page);
  assert.deepEqual(demo.order, ['analytics', 'marketing', 'inline-marketing']);
  assert.equal(demo.analytics, 1, 'the analytics tag ran once');
  assert.equal(demo.marketing, 1, 'the marketing tag ran once');
  assert.equal(demo.inlineMarketing, 1, 'the inline marketing tag ran once');
  const iframeSrc = await page.locator('iframe[data-category="marketing"]').getAttribute('src');
  assert.match(iframeSrc ?? '', /\/demo\/embed\/video\.html$/, 'the video iframe got its src');
}

/** Every `gtag('consent', …)` call so far, oldest first. */
export const consentCalls = (page) =>
  page.evaluate(() =>
    (window.dataLayer ?? [])
      .map((entry) => Array.from(entry))
      .filter((entry) => entry[0] === 'consent')
      .map(([, action, state]) => ({ action, state })),
  );

/** Serves the site's pages with `<html lang="zh-CN">` (headers, CSP included, unchanged). */
export async function servePagesInChinese(site) {
  await site.serveEdited(
    (url) => url.origin === new URL(site.url('/')).origin && !/\.\w+$/.test(url.pathname),
    (html) => html.replace('<html lang="en"', '<html lang="zh-CN"'),
  );
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`, as 8 lower-case hex digits (the cookie's checksum). */
export function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** A well-formed v1 consent cookie value (README "Stored choice") with a correct checksum. */
export function consentValue({
  id = '531d29e8-b51d-42e5-ad79-26986ba6cb48',
  revision = 1,
  timestamp = Date.now(),
  method = 'accept_all',
  accepted = ['analytics', 'marketing', 'necessary', 'personalization'],
  rejected = [],
} = {}) {
  const body = ['v1', id, revision, timestamp, method, accepted.join(':'), rejected.join(':')].join('.');
  return `${body}.${fnv1a(body)}`;
}
