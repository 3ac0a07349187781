// The widget against an attacker: consent planted by a sibling subdomain (cookie tossing) or
// written by hand, cookie writes that only look like deletions, gated markup slipped into the
// page past a sanitizer or a CSP, and placeholders that must not move the page. Each test names
// the attack; each fails against a widget that falls for it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertNothingGatedRan, consentValue, demoState } from './demo.mjs';
import { BASE_URL, SUBDOMAIN_URL, useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;
/** How long a page is watched for something that should never happen. */
const QUIET_MS = 1_000;

const banner = (page) => page.getByTestId('banner');
const bannerButton = (page, name) => banner(page).getByRole('button', { name, exact: true });
const getConsent = (page) => page.evaluate(() => window.CanEnrichConsent.getConsent());
const quiet = (page) => page.waitForTimeout(QUIET_MS);

/** A sibling subdomain's cookie for the whole registrable domain (what `evil.example.co.uk` can set). */
const tossed = (name, value, extra = {}) => ({ name, value, domain: '.example.co.uk', path: '/', sameSite: 'Lax', ...extra });

/** The consent cookies the browser holds for `origin`, as `name@domain`, sorted. */
async function consentJar(origin) {
  return (await site.context.cookies(`${origin}/`))
    .filter((c) => /canenrich_consent$/.test(c.name))
    .map((c) => `${c.name}@${c.domain}`)
    .sort();
}

// ---- 1. Cookie tossing: a sibling subdomain plants consent for the parent domain

/**
 * The demo site as `https://www.example.co.uk`: the browser sees a secure origin (so `__Host-`
 * cookies, `Secure` and the Cookie Store API behave as in production), while each request is
 * answered by the demo server over http. No certificate is involved: the requests never leave
 * the browser's network layer.
 */
const HTTPS_ORIGIN = 'https://www.example.co.uk';

async function serveOverHttps() {
  const owner = site.context;
  await owner.route(`${HTTPS_ORIGIN}/**`, async (route) => {
    const { pathname, search } = new URL(route.request().url());
    // The demo server refuses receipts from other origins: it is its own origin that posts them.
    const headers = { ...route.request().headers(), origin: BASE_URL };
    try {
      const response = await route.fetch({ url: `${BASE_URL}${pathname}${search}`, headers });
      await route.fulfill({ response });
    } catch (error) {
      if (site.context === owner) throw error;
    }
  });
}

test('on https a planted consent cookie for the parent domain is not trusted on a first visit', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveOverHttps();
  await site.context.addCookies([tossed('canenrich_consent', consentValue(), { secure: true })]);
  const page = await site.openPage(`${HTTPS_ORIGIN}/`);
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null, 'the planted choice was taken');
  await quiet(page);
  assert.equal(await demoState(page), null, 'a gated tag ran on a planted choice');
  assert.deepEqual(await consentJar(HTTPS_ORIGIN), [], 'the planted cookie was not erased');
  await site.assertNoPageErrors();
});

test('on https the choice is kept in a __Host- cookie that no subdomain can set', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveOverHttps();
  const page = await site.openPage(`${HTTPS_ORIGIN}/`);
  await bannerButton(page, 'Reject all').click();
  await page.getByTestId('reopen').waitFor();
  const cookies = (await site.context.cookies(`${HTTPS_ORIGIN}/`)).filter((c) => /canenrich_consent$/.test(c.name));
  assert.equal(cookies.length, 1, JSON.stringify(cookies));
  const [stored] = cookies;
  assert.equal(stored.name, '__Host-canenrich_consent');
  assert.equal(stored.domain, 'www.example.co.uk', 'host-only');
  assert.equal(stored.path, '/');
  assert.equal(stored.secure, true);

  // Evil plants an Accept all under the old name for the whole domain: two consent cookies are
  // visible, none is trusted, both go and the visitor is asked again.
  await site.context.addCookies([tossed('canenrich_consent', consentValue(), { secure: true })]);
  await page.reload();
  await site.widgetReady(page);
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null);
  await quiet(page);
  assert.equal(await demoState(page), null, 'a gated tag ran on a planted choice');
  assert.deepEqual(await consentJar(HTTPS_ORIGIN), [], 'the consent cookies were not erased');
  await site.assertNoPageErrors();
});

test('on https a choice an earlier version stored under the old name is kept once, under the new name', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveOverHttps();
  const value = consentValue({ method: 'reject_all', accepted: ['necessary'], rejected: ['analytics', 'marketing', 'personalization'] });
  // As the earlier widget wrote it: host-only, Path=/, Secure on https.
  await site.context.addCookies([
    { name: 'canenrich_consent', value, url: `${HTTPS_ORIGIN}/`, secure: true, sameSite: 'Lax', expires: Date.now() / 1000 + 86_400 },
  ]);
  const page = await site.openPage(`${HTTPS_ORIGIN}/`);
  await page.getByTestId('reopen').waitFor();
  assert.equal(await banner(page).isVisible(), false, 'the visitor was asked again');
  assert.equal((await getConsent(page))?.id, '531d29e8-b51d-42e5-ad79-26986ba6cb48');
  assert.deepEqual(await consentJar(HTTPS_ORIGIN), ['__Host-canenrich_consent@www.example.co.uk']);
  const moved = (await site.context.cookies(`${HTTPS_ORIGIN}/`)).find((c) => c.name === '__Host-canenrich_consent');
  assert.equal(moved.value, value, 'the value moved unchanged');
  await site.assertNoPageErrors();
});

test('on http, a consent cookie planted next to the visitor\'s own is not trusted: both go and the banner asks again', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage(`${SUBDOMAIN_URL}/`);
  await bannerButton(page, 'Reject all').click();
  await page.getByTestId('reopen').waitFor();
  await site.context.addCookies([tossed('canenrich_consent', consentValue())]);
  await page.reload();
  await site.widgetReady(page);
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null);
  await quiet(page);
  assert.equal(await demoState(page), null, 'a gated tag ran on a planted choice');
  assert.deepEqual(await consentJar(SUBDOMAIN_URL), [], 'the consent cookies were not erased');
  await site.assertNoPageErrors();
});

test('on http, the visitor\'s Reject all is kept over a planted Accept all', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addCookies([tossed('canenrich_consent', consentValue(), { path: '/' })]);
  await site.context.addCookies([
    tossed('canenrich_consent', consentValue({ id: 'aaaaaaaa-b51d-42e5-ad79-26986ba6cb48' }), { domain: '.shop.example.co.uk' }),
  ]);
  const page = await site.openPage(`${SUBDOMAIN_URL}/`);
  await banner(page).waitFor();
  await bannerButton(page, 'Reject all').click();
  await page.getByTestId('reopen').waitFor();
  assert.equal((await getConsent(page))?.method, 'reject_all');
  await page.reload();
  await site.widgetReady(page);
  await page.getByTestId('reopen').waitFor();
  assert.equal((await getConsent(page))?.method, 'reject_all', 'the planted choice won after reload');
  await quiet(page);
  assert.equal(await demoState(page), null, 'a gated tag ran');
  assert.deepEqual(await consentJar(SUBDOMAIN_URL), ['canenrich_consent@www.shop.example.co.uk']);
  await site.assertNoPageErrors();
});

// ---- 2. Categories the config does not offer

test('a stored choice naming a category the config does not offer is no choice', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.serveEdited(site.url('/'), (html) =>
    html.replace('</main>', '<img data-category="ghost" data-src="/demo/pixel.gif?tag=ghost" alt=""></main>'),
  );
  const accepted = ['analytics', 'ghost', 'marketing', 'necessary', 'personalization'];
  await site.context.addCookies([{ name: 'canenrich_consent', value: consentValue({ accepted }), url: BASE_URL }]);
  const page = await site.openPage('/');
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null);
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('ghost')), false);
  await quiet(page);
  await assertNothingGatedRan(site, page);
  assert.deepEqual(site.requested('tag=ghost'), []);
  await site.assertNoPageErrors();
});

test('a stored choice naming a category the config removed with null is no choice', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.serveEdited('**/demo/consent.json', (json) =>
    JSON.stringify({ ...JSON.parse(json), categories: { personalization: null } }),
  );
  await site.context.addCookies([{ name: 'canenrich_consent', value: consentValue(), url: BASE_URL }]);
  const page = await site.openPage('/');
  await banner(page).waitFor();
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.acceptedCategory('personalization')), false);
  await quiet(page);
  await assertNothingGatedRan(site, page);
  await site.assertNoPageErrors();
});

// ---- 7. Cookie writes judged as the browser judges them

test('writes that only look like deletions are judged by the expiry the browser gives them', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  await page.evaluate(() => {
    // Max-Age wins over Expires; the last Max-Age wins; a bare year is no cookie date.
    document.cookie = '_ga=1; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=31536000; path=/';
    document.cookie = 'mk_id=1; max-age=0; max-age=3600; path=/';
    document.cookie = 'tracker_x=1; expires=1970; path=/';
    // Only the widget's exact names are its own.
    document.cookie = 'canenrich_tracker=1; max-age=3600; path=/';
    // A pair without "=" is a nameless cookie, not one named like an essential cookie.
    document.cookie = 'canenrich_session';
  });
  await quiet(page);
  const names = await site.cookieNames();
  for (const name of ['_ga', 'mk_id', 'tracker_x', 'canenrich_tracker', '', 'canenrich_session']) {
    assert.ok(!names.includes(name), `${JSON.stringify(name)} was kept before any choice: ${JSON.stringify(names)}`);
  }
  await site.assertNoPageErrors();
});

test('a deletion with an Expires in the past is let through after a refusal', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addCookies([{ name: 'theme', value: 'dark', url: BASE_URL }]);
  const page = await site.openPage('/');
  await bannerButton(page, 'Reject all').click();
  await page.getByTestId('reopen').waitFor();
  await page.evaluate(() => {
    document.cookie = `theme=; expires=${new Date(Date.now() - 86_400_000).toUTCString()}; path=/`;
  });
  await quiet(page);
  assert.ok(!(await site.cookieNames()).includes('theme'), 'the deletion was held back');
  await site.assertNoPageErrors();
});

// ---- 5. Inert markup that becomes code

/**
 * Serves `/hostile.html`, a page the demo server does not have: the loader (with `loaderAttributes`)
 * then `body`, under `csp` when given.
 */
async function servePage(body, { csp, loaderAttributes = '', head = '', loader = true, path = '/hostile.html' } = {}) {
  const tag = loader ? `<script src="/consent/canenrich-consent.js" data-config="/demo/consent.json" ${loaderAttributes}></script>` : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
${tag}
<meta name="viewport" content="width=device-width, initial-scale=1">${head}
<title>Hostile markup</title></head><body>${body}</body></html>`;
  const headers = { 'content-type': 'text/html; charset=utf-8' };
  if (csp) headers['content-security-policy'] = csp;
  await site.context.route(site.url(path), (route) => route.fulfill({ status: 200, headers, body: html }));
}

test('under a nonce and strict-dynamic CSP, an injected held script without the nonce is never released', { timeout: TEST_TIMEOUT_MS }, async () => {
  const nonce = 'aGFyZC10by1ndWVzcw';
  await servePage(
    `<script type="text/plain" data-category="necessary" src="/demo/trackers/analytics.js?injected"></script>
     <script type="text/plain" data-category="necessary" nonce="${nonce}" src="/demo/trackers/analytics.js?own"></script>
     <script type="text/plain" data-category="necessary" nonce="wrong">window.inlineInjected = true;</script>`,
    {
      csp: `default-src 'self'; script-src 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; style-src 'self'`,
      loaderAttributes: `nonce="${nonce}"`,
    },
  );
  const page = await site.openPage('/hostile.html');
  await site.waitForRequest('analytics.js?own');
  await quiet(page);
  assert.deepEqual(site.requested('analytics.js?injected'), [], 'the nonce-less script was released');
  assert.equal(await page.evaluate(() => window.inlineInjected ?? false), false, 'the wrong-nonce inline script ran');
  await site.assertNoPageErrors();
});

test('held addresses that are not http(s) or relative are refused, and only the listed element kinds are released', { timeout: TEST_TIMEOUT_MS }, async () => {
  await servePage(
    `<iframe data-category="necessary" data-src="javascript:parent.framePwned=true" title="x"></iframe>
     <iframe data-category="necessary" data-src="data:text/html,<p>smuggled</p>" title="y"></iframe>
     <link data-category="necessary" rel="stylesheet" data-href="data:text/css,body{color:red}">
     <video data-category="necessary" data-poster="javascript:void 0"></video>
     <img data-category="necessary" data-srcset="/demo/pixel.gif?tag=srcset 1x, javascript:void(0) 2x" alt="">
     <a id="link" data-category="necessary" data-src="/demo/pixel.gif?tag=anchor" data-href="javascript:window.linkPwned=true">link</a>
     <img data-category="necessary" data-src="/demo/pixel.gif?tag=fine" alt="">`,
  );
  const messages = [];
  site.context.on('console', (message) => messages.push(message));
  const page = await site.openPage('/hostile.html');
  await site.waitForRequest('pixel.gif?tag=fine');
  await quiet(page);
  assert.equal(await page.evaluate(() => window.framePwned ?? false), false, 'a javascript: frame ran');
  const state = await page.evaluate(() => ({
    frames: [...document.querySelectorAll('iframe')].map((f) => f.getAttribute('src')),
    link: document.querySelector('link[data-category]').getAttribute('href'),
    poster: document.querySelector('video').getAttribute('poster'),
    srcset: document.querySelector('img[data-srcset], img[srcset]').getAttribute('srcset'),
    anchor: document.getElementById('link').getAttribute('href'),
    anchorSrc: document.getElementById('link').getAttribute('src'),
  }));
  assert.deepEqual(state, { frames: [null, null], link: null, poster: null, srcset: null, anchor: null, anchorSrc: null });
  assert.deepEqual(site.requested('tag=srcset'), []);
  assert.deepEqual(site.requested('tag=anchor'), []);
  const refusals = messages.filter((m) => m.type() === 'warning' && /refused to release/.test(m.text()));
  assert.equal(refusals.length, 5, refusals.map((m) => m.text()).join('\n'));
  await site.assertNoPageErrors();
});

// ---- 9. A placeholder that keeps the frame's box

/** Records every layout shift, and gives `__boxes()`: the boxes of the watched elements. */
function watchLayout() {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__shifts.push({ value: entry.value, input: entry.hadRecentInput });
  }).observe({ type: 'layout-shift', buffered: true });
  window.__boxes = () =>
    [...document.querySelectorAll('[data-watch]')].map((el) => {
      const box = el.getBoundingClientRect();
      return `${el.getAttribute('data-watch')} ${[box.x, box.y, box.width, box.height].map((n) => n.toFixed(1)).join(',')}`;
    });
}

/** Waits for the page's load event (its stylesheet applied) and two frames. */
async function settledLayout(page) {
  await page.waitForLoadState('load');
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

const LAYOUT = `
<div class="row">
  <iframe data-watch="flex-frame" data-category="marketing" data-src="/demo/embed/video.html?flex" title="Flex video" width="320" height="180"></iframe>
  <p data-watch="flex-text">A paragraph beside the video that wraps as the row narrows, with a
    pixel <img data-watch="flex-pixel" data-category="marketing" data-src="/demo/pixel.gif?tag=flex" alt="" width="1" height="1"> in it.</p>
</div>
<div class="grid">
  <iframe data-watch="grid-frame" data-category="marketing" data-src="/demo/embed/video.html?grid" title="Grid video" width="320" height="180"></iframe>
  <p data-watch="grid-text">A paragraph in the next grid column, with a
    pixel <img data-watch="grid-pixel" data-category="marketing" data-src="/demo/pixel.gif?tag=grid" alt="" width="1" height="1"> in it.</p>
</div>`;

for (const width of [360, 1280]) {
  test(`held frames and images keep their box in a flex row and a grid at ${width} px`, { timeout: TEST_TIMEOUT_MS }, async () => {
    await site.context.addInitScript(watchLayout);
    await site.context.route(site.url('/hostile.css'), (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/css',
        body: 'body{margin:8px;font:16px/1.5 sans-serif}.row{display:flex;gap:12px}.grid{display:grid;grid-template-columns:auto 1fr;gap:12px}',
      }),
    );
    const head = '<link rel="stylesheet" href="/hostile.css">';
    // The reference: the same held markup laid out with no widget on the page at all.
    await servePage(LAYOUT, { head, loader: false, path: '/hostile-bare.html' });
    await servePage(LAYOUT, { head });
    const bare = await site.openPage('/hostile-bare.html', { waitForWidget: false });
    await bare.setViewportSize({ width, height: 800 });
    await bare.reload();
    await settledLayout(bare);
    const initial = await bare.evaluate(() => window.__boxes());
    await bare.close();

    const opened = await site.openPage('/hostile.html');
    await opened.setViewportSize({ width, height: 800 });
    await opened.reload();
    await site.widgetReady(opened);
    await opened.waitForFunction(() => document.querySelectorAll('iframe[data-canenrich-covered]').length === 2);
    const frame = opened.frameLocator('iframe[title="Flex video"]');
    await frame.getByRole('group', { name: 'Flex video' }).getByRole('button', { name: 'Load once' }).waitFor();
    await settledLayout(opened);
    const covered = await opened.evaluate(() => window.__boxes());
    assert.deepEqual(covered, initial, `the placeholders changed a box: ${JSON.stringify({ initial, covered })}`);

    // Released without input (hadRecentInput would hide a shift): the frames load in place.
    await opened.evaluate(() => window.CanEnrichConsent.acceptAll());
    await site.waitForRequest('video.html?flex');
    await site.waitForRequest('video.html?grid');
    await site.waitForRequest('pixel.gif?tag=grid');
    await opened.waitForFunction(() => [...document.querySelectorAll('img[data-watch]')].every((img) => img.complete));
    await opened.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const [released, shifts] = await opened.evaluate(() => [window.__boxes(), window.__shifts]);
    assert.deepEqual(released, initial, `releasing changed a box: ${JSON.stringify({ initial, released })}`);
    const cls = shifts.reduce((sum, shift) => sum + shift.value, 0);
    assert.equal(cls, 0, `layout shifts: ${JSON.stringify(shifts)}`);
    await site.assertNoPageErrors();
  });
}

// ---- 3. Clobbered inline config

/** Serves the home page with `markup` put first in <body> (user content, say). */
async function serveHomeWith(markup, { loaderAttributes = '' } = {}) {
  const home = new URL(site.url('/'));
  await site.serveEdited((url) => url.origin === home.origin && url.pathname === '/', (html) =>
    html
      .replace('<body>', `<body>${markup}`)
      .replace('<script src="/consent/canenrich-consent.js"', `<script src="/consent/canenrich-consent.js" ${loaderAttributes}`),
  );
}

test('an element that is not a JSON script is never read as the inline config', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveHomeWith('<div id="canenrich-consent-config">{"testOverrides": true}</div>');
  const opened = await site.openPage('/?canenrich-test=accept-all');
  await banner(opened).waitFor();
  assert.equal(await getConsent(opened), null, 'user content switched test overrides on');
  await quiet(opened);
  await assertNothingGatedRan(site, opened);
  await site.assertNoPageErrors();
});

test('two elements carrying the inline config id are an invalid config: fail-closed, with an error', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(/2 elements carry id="canenrich-consent-config"/);
  await serveHomeWith(
    '<script type="application/json" id="canenrich-consent-config">{"revision": 1}</script><div id="canenrich-consent-config">{}</div>',
  );
  const page = await site.openPage('/');
  await bannerButton(page, 'Accept all').click();
  await page.getByTestId('reopen').waitFor();
  assert.deepEqual((await getConsent(page))?.categories, ['necessary'], 'fail-closed reports only necessary');
  await quiet(page);
  await assertNothingGatedRan(site, page);
  await site.assertNoPageErrors();
});

test('testOverrides in the inline config is ignored', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveHomeWith('<script type="application/json" id="canenrich-consent-config">{"testOverrides": true}</script>');
  const page = await site.openPage('/?canenrich-test=accept-all');
  await banner(page).waitFor();
  assert.equal(await getConsent(page), null, 'an inline testOverrides was honoured');
  await quiet(page);
  await assertNothingGatedRan(site, page);
  await site.assertNoPageErrors();
});

test('test overrides switched on by the loader tag are honoured', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveHomeWith('', { loaderAttributes: 'data-test-overrides' });
  const tagged = await site.openPage('/?canenrich-test=reject-all');
  assert.equal((await getConsent(tagged))?.method, 'test');
  assert.equal(await banner(tagged).isVisible(), false);
  await site.assertNoPageErrors();
});

// ---- 6. Guard gaps

test('srcdoc, object data, video posters, later setters and contextual fragments wait for consent', { timeout: TEST_TIMEOUT_MS }, async () => {
  await servePage(
    `<iframe id="held" data-category="marketing" data-src="/demo/embed/video.html?held" title="held"></iframe>
     <img id="pixel" data-category="marketing" data-src="/demo/pixel.gif?tag=held" alt="">`,
  );
  const page = await site.openPage('/hostile.html');
  await banner(page).waitFor();
  await page.evaluate(() => {
    const gated = (tag) => {
      const el = document.createElement(tag);
      el.setAttribute('data-category', 'marketing');
      return el;
    };
    const doc = gated('iframe');
    doc.srcdoc = '<img src="/demo/pixel.gif?tag=srcdoc">';
    const object = gated('object');
    object.data = '/demo/embed/video.html?object';
    const video = gated('video');
    video.poster = '/demo/pixel.gif?tag=poster';
    document.body.append(doc, object, video);
    // Addresses set on elements that are already held.
    document.getElementById('held').src = '/demo/embed/video.html?setter';
    document.getElementById('pixel').setAttribute('src', '/demo/pixel.gif?tag=setattribute');
    // Markup parsed by a Range, inserted by a route the DOM guards do not cover.
    const range = document.createRange();
    range.selectNodeContents(document.body);
    range.insertNode(range.createContextualFragment('<script data-category="analytics" src="/demo/trackers/analytics.js?fragment"></script>'));
  });
  await quiet(page);
  for (const fragment of ['tag=srcdoc', 'video.html?object', 'tag=poster', 'video.html?setter', 'video.html?held', 'tag=setattribute', 'analytics.js?fragment']) {
    assert.deepEqual(site.requested(fragment), [], `requested before consent: ${fragment}`);
  }

  await bannerButton(page, 'Accept all').click();
  for (const fragment of ['tag=srcdoc', 'video.html?object', 'tag=poster', 'video.html?setter', 'tag=setattribute', 'analytics.js?fragment']) {
    await site.waitForRequest(fragment);
  }
  await quiet(page);
  assert.equal(site.requested('analytics.js?fragment').length, 1, 'the fragment script ran once');
  await site.assertNoPageErrors();
});

test('scripts cannot reach the browser\'s own cookie setters past the guard', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  await page.evaluate(async () => {
    // The setter the guard wraps, taken from the prototype it came from.
    Object.getOwnPropertyDescriptor(Document.prototype, 'cookie').set.call(document, 'proto_tracker=1; max-age=3600; path=/');
    await window.cookieStore.set('store_tracker', '1');
    // The method the guard wraps, taken from the prototype it came from.
    await CookieStore.prototype.set.call(window.cookieStore, 'proto_store_tracker', '1');
    await window.cookieStore.set({ name: '_ga', value: 'GA1.1.x', expires: Date.now() + 86_400_000 });
  });
  await quiet(page);
  const names = await site.cookieNames();
  for (const name of ['proto_tracker', 'store_tracker', 'proto_store_tracker', '_ga']) {
    assert.ok(!names.includes(name), `${name} was kept before any choice: ${JSON.stringify(names)}`);
  }

  // After Accept all, cookieStore writes go through like document.cookie ones.
  await bannerButton(page, 'Accept all').click();
  await page.getByTestId('reopen').waitFor();
  await page.evaluate(() => window.cookieStore.set('store_tracker', '2'));
  assert.ok((await site.cookieNames()).includes('store_tracker'), 'an allowed cookieStore write was dropped');
  await site.assertNoPageErrors();
});
