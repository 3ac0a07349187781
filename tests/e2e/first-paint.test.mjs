// The banner in the page's first paint (CONTRACT §1): the loader paints the first layer Yew
// rendered at build time as soon as <body> exists, before the WebAssembly has loaded (here it is
// held back 3 s). A press on it before then is shown at once and honoured exactly once when the
// WebAssembly answers; nothing gated runs before; the WebAssembly hydrates the painted markup
// (the same nodes stay) or, when its own first render differs, replaces it without a shift; and a
// WebAssembly that never loads turns the painted banner into the load-error notice.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { assertEverythingRanOnce, assertNothingGatedRan, GATED_REQUESTS, servePagesInChinese } from './demo.mjs';
import { useSite } from './harness.mjs';

const site = useSite();

/** Per-test budget: the held-back WebAssembly, then a cold compile. */
const TEST_TIMEOUT_MS = 60_000;
/** How long the full build's WebAssembly is held back. */
const WASM_DELAY_MS = 3_000;
/** How long a page is watched for a gated tag that should never run. */
const QUIET_MS = 1_000;

const HOST = '#canenrich-consent';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const banner = (page) => page.getByTestId('banner');
const bannerButton = (page, name) => banner(page).getByRole('button', { name, exact: true });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds every request for the full build's `.wasm` back `ms`, then lets it through (`fail`: answers
 * 404 instead). Resolves with `{ arrived }`, a promise settled when the first one is let through.
 */
async function holdWasm(ms, { fail = false } = {}) {
  const owner = site.context;
  let arrive;
  const arrived = new Promise((resolve) => (arrive = resolve));
  await owner.route(/\/canenrich_consent_bg\.wasm/, async (route) => {
    await sleep(ms);
    if (site.context !== owner) return;
    arrive();
    try {
      if (fail) await route.fulfill({ status: 404, body: 'gone' });
      else await route.continue();
    } catch {
      // The test ended while it was held.
    }
  });
  return { arrived };
}

/**
 * Init script: records layout shifts, and the first frame in which the widget's banner is visible
 * (its title, the node, whether the WebAssembly had arrived and whether the widget had started).
 */
function recordFirstSight() {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shifts.push(entry.value);
  }).observe({ type: 'layout-shift', buffered: true });
  window.__firstSight = null;
  const look = () => {
    const shadow = document.getElementById('canenrich-consent')?.shadowRoot;
    const banner = shadow?.querySelector('[data-testid="banner"]:not([hidden])');
    if (banner && banner.getBoundingClientRect().height > 0) {
      window.__paintedBanner = banner;
      window.__firstSight = {
        at: performance.now(),
        title: banner.querySelector('h2')?.textContent,
        wasmArrived: performance.getEntriesByType('resource').some((e) => /_bg\.wasm/.test(e.name)),
        started: window.CanEnrichConsent?.getState() != null,
        painted: Boolean(banner.closest('[data-painted]')),
      };
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/** The first sight of the banner (waits for it). */
async function firstSight(page) {
  await page.waitForFunction(() => window.__firstSight !== null);
  return page.evaluate(() => window.__firstSight);
}

/** Whether the banner on screen now is the node first seen (hydrated, not rendered again). */
const sameBannerAsFirstSeen = (page) =>
  page.evaluate((host) => {
    const now = document.querySelector(host)?.shadowRoot?.querySelector('[data-testid="banner"]');
    return Boolean(now) && now === window.__paintedBanner && now.isConnected;
  }, HOST);

const cumulativeShift = (page) => page.evaluate(() => window.__shifts.reduce((sum, value) => sum + value, 0));

/** The `data-testid` of the element with keyboard focus inside the widget, if any. */
const focusedInWidget = (page) =>
  page.evaluate((host) => document.querySelector(host)?.shadowRoot?.activeElement?.getAttribute('data-testid') ?? null, HOST);

async function assertStaysQuiet(page) {
  const gated = Promise.any(GATED_REQUESTS.map((path) => site.waitForRequest(path, QUIET_MS)));
  await assert.rejects(gated, 'a gated resource was requested');
  await assertNothingGatedRan(site, page);
}

/** axe-core's WCAG 2.2 A/AA violations inside the widget's host. */
async function axeViolations(page) {
  return page.evaluate(
    async ({ host, tags }) => {
      const result = await window.axe.run({ include: [[host]] }, { runOnly: { type: 'tag', values: tags } });
      return {
        violations: result.violations.map((v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`),
        passes: result.passes.map((rule) => rule.id),
      };
    },
    { host: HOST, tags: WCAG_TAGS },
  );
}

test('the banner is painted, styled and accessible before the WebAssembly arrives, and then hydrated in place', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  await site.context.addInitScript({ content: AXE_SOURCE });
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  const page = await site.openPage('/', { waitForWidget: false });

  const sight = await firstSight(page);
  assert.equal(sight.wasmArrived, false, 'the banner showed only after the WebAssembly had arrived');
  assert.equal(sight.started, false, 'the widget had already started');
  assert.ok(sight.painted, 'the first banner on screen is the painted one');
  assert.equal(sight.title, 'We use cookies');
  for (const name of ['Accept all', 'Reject all', 'Manage preferences']) {
    assert.ok(await bannerButton(page, name).isVisible(), `${name} is on the painted banner`);
  }
  assert.match(await page.getByTestId('login-notice').first().innerText(), /sign/i);
  const style = await banner(page).evaluate((el) => {
    const computed = getComputedStyle(el);
    return { position: computed.position, radius: computed.borderTopLeftRadius };
  });
  assert.deepEqual(style, { position: 'fixed', radius: '12px' }, 'the painted banner is styled');
  const axe = await axeViolations(page);
  assert.deepEqual(axe.violations, [], 'axe finds violations on the painted banner');
  assert.ok(axe.passes.includes('button-name') && axe.passes.includes('color-contrast'), 'axe looked at the painted banner');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getState()), null, 'still before the WebAssembly');

  await arrived;
  await site.widgetReady(page);
  assert.ok(await sameBannerAsFirstSeen(page), 'the WebAssembly took over the painted nodes (hydration) instead of drawing new ones');
  assert.equal(await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelectorAll('[data-testid="banner"]').length, HOST), 1);
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getState())).bannerOpen, true);
  // The hydrated banner works: a click after start-up is a normal choice.
  await bannerButton(page, 'Reject all').click();
  await page.getByTestId('reopen').waitFor();
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent()))?.method, 'reject_all');
  assert.ok((await cumulativeShift(page)) < 0.01, `layout shift ${await cumulativeShift(page)}`);
  await site.assertNoPageErrors();
});

test('Reject all pressed before the WebAssembly arrives is honoured once after it, and nothing gated runs before', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  const page = await site.openPage('/', { waitForWidget: false });
  await firstSight(page);

  const reject = bannerButton(page, 'Reject all');
  await reject.click();
  const pressed = await reject.evaluate((el) => ({ marked: el.hasAttribute('data-pressed'), ring: getComputedStyle(el).boxShadow }));
  assert.ok(pressed.marked && pressed.ring !== 'none', `the press shows at once: ${JSON.stringify(pressed)}`);
  await assertNothingGatedRan(site, page);
  assert.equal(await site.cookie('canenrich_consent'), undefined, 'a choice was stored before the WebAssembly');
  assert.deepEqual(await site.events(page), [], 'events fired before the WebAssembly');

  await arrived;
  await site.widgetReady(page);
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.equal(consent?.method, 'reject_all');
  assert.deepEqual(consent.categories, ['necessary']);
  assert.ok(await site.cookie('canenrich_consent'), 'the choice is stored');
  assert.equal((await site.events(page, 'canenrich:consent')).length, 1, 'the choice is announced exactly once');
  await banner(page).waitFor({ state: 'hidden' });
  await page.waitForFunction((host) => document.querySelector(host)?.shadowRoot?.activeElement?.getAttribute('data-testid') === 'reopen', HOST);
  assert.equal(await page.getByTestId('reject-all').evaluate((el) => el.hasAttribute('data-pressed')), false, 'the pressed mark is cleared');
  await assertStaysQuiet(page);
  await site.assertNoPageErrors();
});

test('Accept all pressed before the WebAssembly arrives releases every tag once, only after it', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  const page = await site.openPage('/', { waitForWidget: false });
  await firstSight(page);

  await bannerButton(page, 'Accept all').click();
  await sleep(QUIET_MS);
  await assertNothingGatedRan(site, page);
  assert.equal(await site.cookie('canenrich_consent'), undefined);

  await arrived;
  await site.widgetReady(page);
  assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent()))?.method, 'accept_all');
  await assertEverythingRanOnce(site, page);
  assert.equal((await site.events(page, 'canenrich:consent')).length, 1);
  assert.equal((await site.events(page, 'canenrich:change')).length, 1);
  await site.assertNoPageErrors();
});

test('the keyboard works on the painted banner: Manage preferences pressed with Enter opens the dialog once the WebAssembly answers', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  const page = await site.openPage('/', { waitForWidget: false });
  await firstSight(page);
  await page.waitForFunction(() => document.readyState !== 'loading');
  assert.equal(await page.evaluate(() => document.body.lastElementChild?.id), 'canenrich-consent', 'the host is the last element of <body>');

  // The host is last in <body>: Shift+Tab from the top reaches "Manage preferences" first.
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusedInWidget(page), 'manage');
  await page.keyboard.press('Enter');
  assert.ok(await page.getByTestId('manage').evaluate((el) => el.hasAttribute('data-pressed')), 'the press shows at once');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getState()), null);

  await arrived;
  await site.widgetReady(page);
  await page.getByTestId('preferences').waitFor();
  const state = await page.evaluate(() => window.CanEnrichConsent.getState());
  assert.deepEqual([state.bannerOpen, state.preferencesOpen], [false, true]);
  const inDialog = await page.evaluate((host) => Boolean(document.querySelector(host).shadowRoot.activeElement?.closest('[data-testid="preferences"]')), HOST);
  assert.ok(inDialog, 'focus is in the dialog, as after a click');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null, 'opening the dialog chose nothing');
  await page.keyboard.press('Escape');
  await banner(page).waitFor();
  assert.equal(await focusedInWidget(page), 'manage', 'closing the dialog returns focus to the button pressed before the take-over');
  await site.assertNoPageErrors();
});

test('a data-config that changes the language is painted as soon as it arrives, never the built-in title first', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  let served = 0;
  await site.context.route(/\/demo\/consent\.json$/, async (route) => {
    await sleep(500);
    served = performance.now();
    try {
      await route.fulfill({ contentType: 'application/json', body: '{"language":"zh-CN","receiptEndpoint":"/api/consent"}' });
    } catch {
      // The test ended.
    }
  });
  const page = await site.openPage('/', { waitForWidget: false });
  const sight = await firstSight(page);
  assert.ok(served > 0, 'the banner showed before the config had arrived');
  assert.equal(sight.title, '我们使用 Cookie', 'the first banner on screen is in the config\'s language');
  assert.equal(sight.wasmArrived, false, 'it was painted before the WebAssembly arrived');

  await arrived;
  await site.widgetReady(page);
  assert.ok(await sameBannerAsFirstSeen(page), 'the WebAssembly hydrated the painted zh-CN banner');
  assert.equal(await bannerButton(page, '全部拒绝').count(), 1);
  await site.assertNoPageErrors();
});

test('a page in Chinese gets the pre-rendered zh-CN banner before the WebAssembly, and keeps it', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  await servePagesInChinese(site);
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  const page = await site.openPage('/', { waitForWidget: false });
  const sight = await firstSight(page);
  assert.equal(sight.title, '我们使用 Cookie');
  assert.equal(sight.wasmArrived, false);
  assert.equal(await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector('.cc').lang, HOST), 'zh-CN');
  for (const name of ['全部接受', '全部拒绝', '管理偏好设置']) {
    assert.ok(await bannerButton(page, name).isVisible(), `${name} is painted`);
  }

  await arrived;
  await site.widgetReady(page);
  assert.ok(await sameBannerAsFirstSeen(page), 'the painted zh-CN banner was hydrated, not drawn again');
  await site.assertNoPageErrors();
});

test('a painted banner the widget would draw differently is replaced in one frame, without a shift, and keeps focus', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  // A fractional revision is refused by the widget (it runs fail-closed on the built-in config,
  // light/auto theme), which the loader cannot know when it paints the dark theme.
  await site.serveEdited(site.url('/'), (html) =>
    html.replace('<script src="/consent/canenrich-consent.js"',
      '<script type="application/json" id="canenrich-consent-config">{"revision":1.5,"theme":"dark"}</script>\n<script src="/consent/canenrich-consent.js"'));
  site.expectProblem(/invalid config .*revision/);
  const { arrived } = await holdWasm(WASM_DELAY_MS);
  const page = await site.openPage('/', { waitForWidget: false });
  await firstSight(page);
  assert.match(await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector('.cc-surface').className, HOST), /cc-theme-dark/);
  await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector('[data-testid="reject-all"]').focus(), HOST);

  // Every frame from now on must show exactly one banner.
  await page.evaluate((host) => {
    window.__bannerCounts = new Set();
    const count = () => {
      const shadow = document.querySelector(host).shadowRoot;
      window.__bannerCounts.add(shadow.querySelectorAll('[data-testid="banner"]:not([hidden])').length);
      requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
  }, HOST);
  await arrived;
  await site.widgetReady(page);
  await sleep(200);
  assert.equal(await sameBannerAsFirstSeen(page), false, 'the painted banner should have been replaced');
  assert.deepEqual(await page.evaluate(() => [...window.__bannerCounts]), [1], 'a frame showed no banner or two');
  assert.match(await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector('.cc-surface').className, HOST), /cc-theme-auto/);
  assert.equal(await focusedInWidget(page), 'reject-all', 'focus moved to the same button of the new banner');
  assert.equal(await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelectorAll('.cc').length, HOST), 1);
  assert.ok((await cumulativeShift(page)) < 0.01, `layout shift ${await cumulativeShift(page)}`);
  await site.assertNoPageErrors();
});

test('a WebAssembly that fails after the banner was painted turns it into the load-error notice and records nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript(recordFirstSight);
  site.expectProblem(/could not start/);
  site.expectProblem(/Failed to load resource/);
  const { arrived } = await holdWasm(1_500, { fail: true });
  const page = await site.openPage('/', { waitForWidget: false });
  await firstSight(page);
  await bannerButton(page, 'Accept all').click();

  await arrived;
  await page.getByTestId('load-error').waitFor();
  assert.equal(await banner(page).count(), 0, 'the painted banner is gone');
  await page.getByTestId('retry').waitFor();
  await sleep(QUIET_MS);
  assert.equal(await site.cookie('canenrich_consent'), undefined, 'a choice was recorded without the WebAssembly');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null);
  await assertNothingGatedRan(site, page);
  await site.assertNoPageErrors();
});
