// Accessibility, layout stability and CSP cleanliness of the widget's UI (CONTRACT §5): zero
// axe-core WCAG 2.2 A/AA violations in the banner and the preferences dialog (light, dark,
// Simplified Chinese), a complete keyboard journey, no layout shift, no inline script or style,
// narrow screens, reduced motion, and `lang`/`dir` on the widget root.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { servePagesInChinese } from './demo.mjs';
import { useSite } from './harness.mjs';

const site = useSite();

/** Per-test budget: a cold page load compiles the WebAssembly. */
const TEST_TIMEOUT_MS = 60_000;

/** The axe-core rule tags that make up WCAG 2.2 A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * axe-core's source. It is injected as an init script: the browser adds those itself, so the
 * page's CSP (a nonce on `/`, none at all on `/strict`) neither blocks it nor reports it.
 */
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const HOST = '#canenrich-consent';

const banner = (page) => page.getByTestId('banner');
const preferences = (page) => page.getByTestId('preferences');
const reopenButton = (page) => page.getByTestId('reopen');

/** Makes every page of this test load axe-core. Call before `site.openPage`. */
async function withAxe() {
  await site.context.addInitScript({ content: AXE_SOURCE });
}

/** Re-renders the current page under `media` (colour scheme, reduced motion) from a fresh load. */
async function reloadWithMedia(page, media) {
  await page.emulateMedia(media);
  await page.reload();
  await site.widgetReady(page);
}

/** Resolves once every running animation in the page and the widget's shadow root has ended. */
async function animationsSettled(page) {
  await page.evaluate(async (host) => {
    const shadow = document.querySelector(host)?.shadowRoot;
    const animations = [...document.getAnimations(), ...(shadow?.getAnimations() ?? [])];
    await Promise.all(animations.map((animation) => animation.finished.catch(() => {})));
  }, HOST);
}

/** Waits `ms` of rendered frames (not a timer: frames are what shifts and paints happen in). */
async function framesFor(page, ms) {
  await page.evaluate(
    (duration) =>
      new Promise((resolve) => {
        const start = performance.now();
        const tick = () => (performance.now() - start >= duration ? resolve() : requestAnimationFrame(tick));
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

/**
 * axe-core's WCAG 2.2 A/AA findings in `context` (a selector context), in plain data: the
 * violations and the "needs review" results with their nodes, and the ids of the rules that passed.
 */
async function runAxe(page, context) {
  await animationsSettled(page);
  return page.evaluate(
    async ({ context, tags }) => {
      const result = await window.axe.run(context ?? document, {
        runOnly: { type: 'tag', values: tags },
        iframes: false,
      });
      const plain = (rule) => ({
        id: rule.id,
        impact: rule.impact,
        help: rule.help,
        helpUrl: rule.helpUrl,
        nodes: rule.nodes.map((node) => ({
          target: node.target,
          html: node.html,
          summary: node.failureSummary,
        })),
      });
      return {
        violations: result.violations.map(plain),
        incomplete: result.incomplete.map(plain),
        passes: result.passes.map((rule) => rule.id),
      };
    },
    { context, tags: WCAG_TAGS },
  );
}

/** One readable block per violation: rule, impact, help, and each node with why it fails. */
function describeViolations(violations) {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map((node) => `    at ${JSON.stringify(node.target)}\n      ${node.html}\n      ${node.summary?.replace(/\n/g, '\n      ')}`)
        .join('\n');
      return `  ${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.helpUrl}\n${nodes}`;
    })
    .join('\n');
}

/** Whether an axe target (a selector, or a path of selectors through shadow roots) is in the widget. */
function isInWidget(target) {
  const first = Array.isArray(target[0]) ? target[0][0] : target[0];
  return typeof first === 'string' && first.startsWith(HOST);
}

/**
 * No violations inside the widget, checked twice: axe scoped to the widget's host, and axe over
 * the whole page (which must not blame the widget; the demo page's own findings are logged only).
 */
async function assertNoAxeViolations(t, page, label, { hasText = true } = {}) {
  const scoped = await runAxe(page, { include: [[HOST]] });
  assert.equal(scoped.violations.length, 0, `axe found violations in the widget (${label}):\n${describeViolations(scoped.violations)}`);
  // Proof that axe looked inside the shadow root rather than at an empty host.
  for (const rule of hasText ? ['color-contrast', 'button-name'] : ['button-name']) {
    assert.ok(scoped.passes.includes(rule), `axe checked ${rule} in the widget (${label}); passed: ${scoped.passes.join(', ')}`);
  }
  if (scoped.incomplete.length > 0) {
    t.diagnostic(`axe needs a human to review (${label}):\n${describeViolations(scoped.incomplete)}`);
  }

  const whole = await runAxe(page, null);
  const inWidget = whole.violations
    .map((violation) => ({ ...violation, nodes: violation.nodes.filter((node) => isInWidget(node.target)) }))
    .filter((violation) => violation.nodes.length > 0);
  assert.equal(inWidget.length, 0, `a whole-page axe run blames the widget (${label}):\n${describeViolations(inWidget)}`);
  const outside = whole.violations.filter((violation) => violation.nodes.some((node) => !isInWidget(node.target)));
  if (outside.length > 0) t.diagnostic(`the demo page itself (${label}):\n${describeViolations(outside)}`);
}

/** The element that has keyboard focus, looking through shadow roots. */
function focused(page) {
  return page.evaluate((host) => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    const shadow = document.querySelector(host)?.shadowRoot;
    const inWidget = Boolean(element && shadow && element.getRootNode() === shadow);
    return {
      testid: element?.getAttribute('data-testid') ?? null,
      tag: element?.tagName.toLowerCase() ?? null,
      text: element?.textContent?.trim().slice(0, 40) ?? '',
      inWidget,
      inDialog: inWidget && Boolean(element.closest('[data-testid="preferences"]')),
    };
  }, HOST);
}

/** Presses `key` up to `limit` times until the focused element has `testid`; returns the count. */
async function pressUntilFocused(page, key, testid, limit = 80) {
  for (let presses = 1; presses <= limit; presses += 1) {
    await page.keyboard.press(key);
    if ((await focused(page)).testid === testid) return presses;
  }
  assert.fail(`${key} never reached [data-testid="${testid}"] in ${limit} presses (ended on ${JSON.stringify(await focused(page))})`);
}

/** Waits until the widget's element `testid` has keyboard focus. */
async function waitForFocus(page, testid) {
  await page.waitForFunction(
    ({ host, testid }) =>
      document.querySelector(host)?.shadowRoot?.activeElement?.getAttribute('data-testid') === testid,
    { host: HOST, testid },
  );
}

const isChecked = (page, name) => page.getByTestId(`category-${name}`).isChecked();

// ---- axe-core ----------------------------------------------------------------------------------

test('the banner has no WCAG 2.2 A or AA violations in the light theme', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withAxe();
  const page = await site.openPage('/');
  await reloadWithMedia(page, { colorScheme: 'light' });
  await banner(page).waitFor();
  await assertNoAxeViolations(t, page, 'banner, light');
  await site.assertNoPageErrors();
});

test('the banner has no WCAG 2.2 A or AA violations in the dark theme', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withAxe();
  const page = await site.openPage('/');
  await reloadWithMedia(page, { colorScheme: 'dark' });
  await banner(page).waitFor();
  const background = await banner(page).evaluate((element) => getComputedStyle(element).backgroundColor);
  assert.notEqual(background, 'rgb(255, 255, 255)', 'the banner follows prefers-color-scheme: dark');
  await assertNoAxeViolations(t, page, 'banner, dark');
  await site.assertNoPageErrors();
});

test('the open preferences dialog has no WCAG 2.2 A or AA violations in either theme', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withAxe();
  const page = await site.openPage('/');
  for (const colorScheme of ['light', 'dark']) {
    await reloadWithMedia(page, { colorScheme });
    await banner(page).getByTestId('manage').click();
    await preferences(page).waitFor();
    await assertNoAxeViolations(t, page, `preferences, ${colorScheme}`);
    await page.getByTestId('category-analytics').check();
    await page.getByTestId('save').click();
    await reopenButton(page).waitFor();
    await assertNoAxeViolations(t, page, `Cookie settings button, ${colorScheme}`, { hasText: false });
    await reopenButton(page).click();
    await preferences(page).waitFor();
    await page.getByTestId('consent-id').waitFor();
    await assertNoAxeViolations(t, page, `preferences with a recorded choice, ${colorScheme}`);
    await page.evaluate(() => window.CanEnrichConsent.reset());
  }
  await site.assertNoPageErrors();
});

test('the Simplified Chinese banner and dialog have no WCAG 2.2 A or AA violations', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await withAxe();
  await servePagesInChinese(site);
  const page = await site.openPage('/');
  await banner(page).getByRole('button', { name: '全部接受' }).waitFor();
  await assertNoAxeViolations(t, page, 'banner, zh-CN');
  await banner(page).getByTestId('manage').click();
  await preferences(page).waitFor();
  await assertNoAxeViolations(t, page, 'preferences, zh-CN');
  await site.assertNoPageErrors();
});

// ---- Keyboard ----------------------------------------------------------------------------------

test('the banner is reachable with Tab and Shift+Tab from the start of the page', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  // The widget's host is the last element of <body>, so its buttons are the last stops of the
  // page's tab order: Shift+Tab from the top reaches "Manage preferences" first.
  assert.equal(await pressUntilFocused(page, 'Shift+Tab', 'manage'), 1, 'Shift+Tab from the top lands on "Manage preferences"');
  await page.reload();
  await site.widgetReady(page);
  await banner(page).waitFor();
  await pressUntilFocused(page, 'Tab', 'accept-all');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).testid, 'reject-all');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).testid, 'manage');
  await site.assertNoPageErrors();
});

test('the preferences dialog works with the keyboard alone and returns focus where it came from', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  await pressUntilFocused(page, 'Shift+Tab', 'manage');

  await page.keyboard.press('Enter');
  await preferences(page).waitFor();
  assert.ok((await focused(page)).inDialog, `focus moves into the dialog (it is on ${JSON.stringify(await focused(page))})`);

  const stops = new Set();
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 25; i += 1) {
      await page.keyboard.press(key);
      const now = await focused(page);
      assert.ok(now.inDialog, `after ${i + 1} × ${key} focus left the dialog: ${JSON.stringify(now)}`);
      stops.add(now.testid ?? now.tag);
    }
  }
  for (const testid of ['close', 'category-analytics', 'preferences-reject-all', 'preferences-accept-all', 'save']) {
    assert.ok(stops.has(testid), `Tab reaches ${testid} (stops: ${[...stops].join(', ')})`);
  }
  assert.ok(!stops.has('category-necessary'), 'the always-on switch is not a tab stop');

  await pressUntilFocused(page, 'Tab', 'category-analytics', 20);
  assert.equal(await isChecked(page, 'analytics'), false);
  await page.keyboard.press('Space');
  assert.equal(await isChecked(page, 'analytics'), true, 'Space turns the switch on');
  await page.keyboard.press('Space');
  assert.equal(await isChecked(page, 'analytics'), false, 'Space turns it off again');

  await page.keyboard.press('Escape');
  await preferences(page).waitFor({ state: 'hidden' });
  await banner(page).waitFor();
  await waitForFocus(page, 'manage');
  assert.equal(await page.evaluate(() => window.CanEnrichConsent.getConsent()), null, 'Esc records nothing');

  await page.keyboard.press('Enter');
  await preferences(page).waitFor();
  await pressUntilFocused(page, 'Tab', 'category-marketing', 20);
  await page.keyboard.press('Space');
  await pressUntilFocused(page, 'Tab', 'save', 20);
  await page.keyboard.press('Enter');
  await preferences(page).waitFor({ state: 'hidden' });
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.equal(consent?.method, 'custom');
  assert.deepEqual([...consent.categories].sort(), ['marketing', 'necessary']);
  await waitForFocus(page, 'reopen');
  await site.assertNoPageErrors();
});

test('the Cookie settings button is reachable with the keyboard and gets focus back on Esc', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await page.evaluate(() => window.CanEnrichConsent.rejectAll());
  await reopenButton(page).waitFor();
  await pressUntilFocused(page, 'Shift+Tab', 'reopen');
  await page.keyboard.press('Enter');
  await preferences(page).waitFor();
  assert.ok((await focused(page)).inDialog, 'focus moves into the dialog');
  await page.keyboard.press('Escape');
  await preferences(page).waitFor({ state: 'hidden' });
  await waitForFocus(page, 'reopen');
  await page.keyboard.press('Space');
  await preferences(page).waitFor();
  await page.keyboard.press('Escape');
  await waitForFocus(page, 'reopen');
  await site.assertNoPageErrors();
});

for (const [testid, method] of [
  ['accept-all', 'accept_all'],
  ['reject-all', 'reject_all'],
]) {
  test(`choosing "${testid}" in the banner with the keyboard moves focus to the Cookie settings button`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await site.openPage('/');
    await banner(page).waitFor();
    await pressUntilFocused(page, 'Shift+Tab', testid);
    await page.keyboard.press('Enter');
    await banner(page).waitFor({ state: 'hidden' });
    assert.equal((await page.evaluate(() => window.CanEnrichConsent.getConsent()))?.method, method);
    await waitForFocus(page, 'reopen');
    await site.assertNoPageErrors();
  });
}

test('a choice made through the JavaScript API does not move focus', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  await page.getByRole('link', { name: 'Sign in to get started' }).focus();
  await page.evaluate(() => window.CanEnrichConsent.acceptAll());
  await reopenButton(page).waitFor();
  await framesFor(page, 100);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Sign in to get started');
  await site.assertNoPageErrors();
});

// ---- Layout stability ------------------------------------------------------------------------

/** Records layout shifts and LCP candidates from the first byte (before the widget loads). */
function observePaintAndShifts() {
  window.__canenrichShifts = [];
  window.__canenrichLcp = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      window.__canenrichShifts.push({
        value: entry.value,
        sources: (entry.sources ?? []).map((source) => source.node?.nodeName ?? '?'),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__canenrichLcp.push(entry);
  }).observe({ type: 'largest-contentful-paint', buffered: true });
}

// With motion the banner fades in from opacity 0, which Chromium leaves out of LCP; without
// motion it paints at full opacity at once, so its text must be smaller than the page's own.
for (const [viewport, reducedMotion] of [
  [{ width: 1280, height: 800 }, 'no-preference'],
  [{ width: 1280, height: 800 }, 'reduce'],
  [{ width: 360, height: 740 }, 'no-preference'],
  [{ width: 360, height: 740 }, 'reduce'],
]) {
  test(`the banner shifts nothing and is not the largest paint at ${viewport.width}×${viewport.height} with reduced motion ${reducedMotion}`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    await site.context.addInitScript(observePaintAndShifts);
    const page = await site.openPage('/');
    await page.setViewportSize(viewport);
    await page.emulateMedia({ reducedMotion });
    await page.reload();
    await site.widgetReady(page);
    await banner(page).waitFor();
    await framesFor(page, 500);

    const shifts = await page.evaluate(() => window.__canenrichShifts);
    const cls = shifts.reduce((sum, shift) => sum + shift.value, 0);
    t.diagnostic(`CLS ${cls.toFixed(4)} from ${shifts.length} shift(s) ${JSON.stringify(shifts)}`);
    assert.ok(cls < 0.01, `cumulative layout shift ${cls} must stay below 0.01: ${JSON.stringify(shifts)}`);

    const lcp = await page.evaluate((host) => {
      const entries = window.__canenrichLcp;
      const widget = document.querySelector(host);
      const describe = (entry) => ({
        size: entry.size,
        time: Math.round(entry.startTime),
        // Elements inside a shadow root are not exposed to paint timing: `element` is null then.
        element: entry.element ? `${entry.element.tagName.toLowerCase()}${entry.element.className ? `.${entry.element.className}` : ''}` : null,
        inWidget: entry.element ? entry.element === widget || widget?.contains(entry.element) : null,
      });
      const texts = [...(widget?.shadowRoot?.querySelectorAll('[data-testid="banner"] p, [data-testid="banner"] h2, [data-testid="banner"] button') ?? [])];
      const largestBannerText = Math.max(0, ...texts.map((el) => el.getBoundingClientRect()).map((r) => r.width * r.height));
      return { entries: entries.map(describe), largestBannerText: Math.round(largestBannerText) };
    }, HOST);
    t.diagnostic(`LCP entries ${JSON.stringify(lcp.entries)}; largest banner text block ${lcp.largestBannerText} px²`);
    const last = lcp.entries.at(-1);
    assert.ok(last, 'the page reported a largest contentful paint');
    assert.ok(last.element !== null && !last.inWidget, `the largest contentful paint is the widget: ${JSON.stringify(lcp)}`);
    await site.assertNoPageErrors();
  });
}

// ---- The banner never hides what the page is for ----------------------------------------------

// While the banner is open the page keeps room below its content and scroll padding as tall as
// the banner, so every control the keyboard reaches is scrolled clear of it (WCAG 2.2 SC 2.4.11)
// and the page's own buttons can be pressed before any choice.
for (const [viewport, path] of [
  [{ width: 1280, height: 800 }, '/login'],
  [{ width: 360, height: 740 }, '/login'],
  [{ width: 360, height: 740 }, '/'],
]) {
  test(`at ${viewport.width}×${viewport.height} on ${path} nothing the keyboard reaches is under the open banner`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await site.openPage(path);
    await page.setViewportSize(viewport);
    await page.reload();
    await site.widgetReady(page);
    await banner(page).waitFor();

    const reached = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate((host) => {
        const active = document.activeElement;
        if (!active || active === document.body || active === document.querySelector(host)) return null;
        const own = active.getBoundingClientRect();
        const cover = document.querySelector(host).shadowRoot.querySelector('[data-testid="banner"]').getBoundingClientRect();
        return { name: (active.textContent || active.getAttribute('name') || active.tagName).trim().slice(0, 40), bottom: own.bottom, bannerTop: cover.top };
      }, HOST);
      if (focused === null) break; // the next stop is the banner itself
      reached.push(focused);
    }
    assert.ok(reached.length >= 3, `Tab reached only ${reached.length} controls of the page`);
    const hidden = reached.filter((control) => control.bottom > control.bannerTop);
    assert.deepEqual(hidden, [], 'focused controls under the banner');

    if (path === '/login') {
      // Signing in works before any choice, with the banner still open.
      await page.getByLabel('Username').fill('qa');
      await page.getByLabel('Password').fill('secret');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/account$/);
      await page.getByText('Signed in as qa').waitFor();
    }
    await site.assertNoPageErrors();
  });
}

// ---- Strict CSP --------------------------------------------------------------------------------

test('the widget works under a strict CSP without inline script or style', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/strict');
  await banner(page).waitFor();
  assert.ok(await banner(page).isVisible(), 'the banner is visible');
  const styled = await banner(page).evaluate((element) => getComputedStyle(element).position);
  assert.equal(styled, 'fixed', 'the widget stylesheet applies under style-src \'self\'');
  await banner(page).getByRole('button', { name: 'Accept all', exact: true }).click();
  await page.waitForFunction(() => (window.canenrichDemo?.order?.length ?? 0) >= 2);
  const order = await page.evaluate(() => window.canenrichDemo.order);
  assert.ok(order.includes('analytics') && order.includes('marketing'), `both external trackers ran: ${order}`);
  await reopenButton(page).waitFor();
  await site.assertNoPageErrors();
});

// ---- Narrow screens ----------------------------------------------------------------------------

/** Geometry of every button in the widget that is on screen, and the page's horizontal overflow. */
function measureButtons(page) {
  return page.evaluate((host) => {
    const shadow = document.querySelector(host).shadowRoot;
    const buttons = [...shadow.querySelectorAll('button, [role="switch"]')]
      .filter((button) => button.checkVisibility())
      .map((button) => {
        // Rows of the dialog scroll inside it: each control must fit once scrolled to.
        button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
        const rect = button.getBoundingClientRect();
        return {
          name: button.getAttribute('data-testid'),
          width: rect.width,
          height: rect.height,
          inside: rect.left >= 0 && rect.top >= 0 && rect.right <= innerWidth && rect.bottom <= innerHeight,
          textFits: button.scrollWidth <= button.clientWidth && button.scrollHeight <= button.clientHeight,
        };
      });
    return {
      buttons,
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth,
    };
  }, HOST);
}

function assertButtonsFit(measured, label) {
  assert.ok(measured.buttons.length > 0, `${label}: no buttons on screen`);
  assert.ok(
    measured.scrollWidth <= measured.innerWidth,
    `${label}: the page scrolls sideways (${measured.scrollWidth} > ${measured.innerWidth})`,
  );
  for (const button of measured.buttons) {
    assert.ok(button.width >= 24 && button.height >= 24, `${label}: ${button.name} is ${button.width}×${button.height}, under 24×24`);
    assert.ok(button.inside, `${label}: ${button.name} is not fully inside the viewport`);
    assert.ok(button.textFits, `${label}: the text of ${button.name} overflows it`);
  }
}

// 640 px is a 1280 px desktop window at 200 % zoom (WCAG 1.4.4 / 1.4.10).
for (const width of [320, 360, 640]) {
  for (const language of ['en', 'zh-CN']) {
    test(`at ${width} px wide in ${language} the widget fits the screen with large enough buttons`, { timeout: TEST_TIMEOUT_MS }, async () => {
      if (language === 'zh-CN') await servePagesInChinese(site);
      const page = await site.openPage('/');
      await page.setViewportSize({ width, height: 640 });
      await banner(page).waitFor();
      await animationsSettled(page);
      assertButtonsFit(await measureButtons(page), `${width} px ${language} banner`);

      await banner(page).getByTestId('manage').click();
      await preferences(page).waitFor();
      await animationsSettled(page);
      assertButtonsFit(await measureButtons(page), `${width} px ${language} preferences`);

      await page.getByTestId('preferences-reject-all').click();
      await reopenButton(page).waitFor();
      assertButtonsFit(await measureButtons(page), `${width} px ${language} Cookie settings button`);
      await site.assertNoPageErrors();
    });
  }
}

// ---- Motion and language -----------------------------------------------------------------------

test('the banner does not animate when the visitor prefers reduced motion', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await reloadWithMedia(page, { reducedMotion: 'reduce' });
  await banner(page).waitFor();
  const animation = await banner(page).evaluate((element) => getComputedStyle(element).animationName);
  assert.equal(animation, 'none');
  await banner(page).getByTestId('manage').click();
  const dialogAnimation = await preferences(page).evaluate((element) => getComputedStyle(element).animationName);
  assert.equal(dialogAnimation, 'none');

  await reloadWithMedia(page, { reducedMotion: 'no-preference' });
  await banner(page).waitFor();
  const animated = await banner(page).evaluate((element) => getComputedStyle(element).animationName);
  assert.notEqual(animated, 'none', 'without the preference the banner comes in with motion');
  await site.assertNoPageErrors();
});

for (const [language, expected] of [
  ['en', { lang: 'en', dir: 'ltr', title: 'We use cookies' }],
  ['zh-CN', { lang: 'zh-CN', dir: 'ltr', title: '我们使用 Cookie' }],
]) {
  test(`the widget root carries lang and dir for ${language}`, { timeout: TEST_TIMEOUT_MS }, async () => {
    if (language === 'zh-CN') await servePagesInChinese(site);
    const page = await site.openPage('/');
    const root = await page.evaluate((host) => {
      const element = document.querySelector(host).shadowRoot.querySelector('[lang]');
      return { lang: element?.getAttribute('lang'), dir: element?.getAttribute('dir') };
    }, HOST);
    assert.deepEqual(root, { lang: expected.lang, dir: expected.dir });
    await banner(page).getByRole('heading', { name: expected.title }).waitFor();
    await site.assertNoPageErrors();
  });
}

test('dir="rtl" on the widget root mirrors the layout', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  await banner(page).waitFor();
  const bannerEdges = () =>
    banner(page).evaluate((element) => {
      const rect = element.getBoundingClientRect();
      return { start: rect.left, end: innerWidth - rect.right };
    });
  const ltr = await bannerEdges();
  assert.ok(ltr.start < ltr.end, `left to right, the card sits on the left: ${JSON.stringify(ltr)}`);
  // No built-in language is written right to left yet; the root's `dir` is what a locale sets.
  await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector('[dir]').setAttribute('dir', 'rtl'), HOST);
  const rtl = await bannerEdges();
  assert.ok(rtl.end < rtl.start, `right to left, the card sits on the right: ${JSON.stringify(rtl)}`);
  assert.ok(Math.abs(rtl.end - ltr.start) < 1, 'at the same distance from its edge');

  // The knob slides; without the slide its end position can be read at once.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await banner(page).getByTestId('manage').click();
  const knob = page.getByTestId('category-analytics');
  // How far the knob (the switch's ::before) is moved along x from where it starts.
  const knobX = () => knob.evaluate((element) => new DOMMatrix(getComputedStyle(element, '::before').transform).m41);
  const off = await knobX();
  await knob.check();
  const on = await knobX();
  assert.ok(on < off, `right to left, a switch's knob moves left when turned on (${off} → ${on} px)`);
  assert.equal(
    await knob.evaluate((element) => getComputedStyle(element, '::before').right),
    '2px',
    'and starts from the right',
  );
  await site.assertNoPageErrors();
});
