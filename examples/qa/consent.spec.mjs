// Cookie-consent checks for any site that embeds CanEnrich Consent: copy this file into your
// project and run it with Node's built-in test runner against your site (staging or production).
//
//   npm install --save-dev playwright-core@1.65.1
//   SITE_URL=https://staging.example.com node --test consent.spec.mjs
//
// It uses playwright-core (no bundled browser, no @playwright/test runner): point CHROMIUM at an
// installed Chromium or Chrome. What it checks, each in a fresh browser context:
//
//   1. a first visit shows the banner with Accept all, Reject all and Manage preferences;
//   2. Reject all: no request to a known tracker, no non-essential cookie (also on the next page);
//   3. Accept all: every gated tag is released (getState().held reaches 0) and the choice is
//      recorded (getConsent().method is "accept_all");
//   4. after Reject all, signing in works: the session cookie is set and is HttpOnly.
//
// Settings (environment variables, all optional; the defaults fit the CanEnrich demo site):
//
//   SITE_URL                 http://127.0.0.1:8080
//   START_PATH               /            a page with gated tags on it
//   LOGIN_PATH               /login       empty: skip the login check
//   LOGIN_USER, LOGIN_PASSWORD            demo / demo
//   LOGIN_USER_SELECTOR      #username
//   LOGIN_PASSWORD_SELECTOR  #password
//   LOGIN_SUBMIT_SELECTOR    button[type=submit]
//   SESSION_COOKIE           canenrich_session
//   ESSENTIAL_COOKIES        canenrich_consent,canenrich_session,csrf*   (name patterns, * wildcard)
//   TRACKERS                 comma-separated fragments of host/path; see DEFAULT_TRACKERS
//   CHROMIUM                 /usr/bin/chromium
//   TEST_OVERRIDES           1: also check that ?canenrich-test=reject-all skips the banner (needs
//                            "testOverrides": true in the site's consent config)

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { chromium } from 'playwright-core';

const env = (name, fallback) => process.env[name] ?? fallback;
const list = (name, fallback) =>
  env(name, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Well-known tracker hosts, plus the demo site's own tracker paths. */
const DEFAULT_TRACKERS = [
  'google-analytics.com',
  'googletagmanager.com',
  'doubleclick.net',
  'googleadservices.com',
  'googlesyndication.com',
  'connect.facebook.net',
  'facebook.com/tr',
  'analytics.tiktok.com',
  'bat.bing.com',
  'snap.licdn.com',
  'static.hotjar.com',
  '/demo/trackers/',
  '/demo/pixel.gif',
  '/demo/embed/',
].join(',');

const SETTINGS = {
  siteUrl: env('SITE_URL', 'http://127.0.0.1:8080').replace(/\/$/, ''),
  startPath: env('START_PATH', '/'),
  loginPath: env('LOGIN_PATH', '/login'),
  loginUser: env('LOGIN_USER', 'demo'),
  loginPassword: env('LOGIN_PASSWORD', 'demo'),
  userSelector: env('LOGIN_USER_SELECTOR', '#username'),
  passwordSelector: env('LOGIN_PASSWORD_SELECTOR', '#password'),
  submitSelector: env('LOGIN_SUBMIT_SELECTOR', 'button[type=submit]'),
  sessionCookie: env('SESSION_COOKIE', 'canenrich_session'),
  essentialCookies: list('ESSENTIAL_COOKIES', 'canenrich_consent,canenrich_session,csrf*'),
  trackers: list('TRACKERS', DEFAULT_TRACKERS),
  chromium: env('CHROMIUM', '/usr/bin/chromium'),
  testOverrides: env('TEST_OVERRIDES', '') === '1',
};

/** Per-test budget: a cold page load compiles the WebAssembly. */
const TEST_TIMEOUT_MS = 60_000;
/** How long to keep watching for late tags (SPAs and tag managers insert them after load). */
const SETTLE_MS = 1_500;

const url = (path) => new URL(path, `${SETTINGS.siteUrl}/`).href;
const isTracker = (requested) => {
  const withoutScheme = requested.replace(/^[a-z]+:\/\//i, '');
  return SETTINGS.trackers.some((fragment) => withoutScheme.includes(fragment));
};
const patternToRegExp = (pattern) =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
const essential = SETTINGS.essentialCookies.map(patternToRegExp);
const isEssential = (name) => essential.some((pattern) => pattern.test(name));

// Root (CI containers) needs --no-sandbox; the rest keeps Chromium quiet on closed networks.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser;
let context;
let requests;
let pageErrors;

before(async () => {
  browser = await chromium.launch({ executablePath: SETTINGS.chromium, headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  requests = [];
  pageErrors = [];
  // Every request of every page and frame, including those the browser later blocks.
  context.on('request', (request) => requests.push(request.url()));
});
afterEach(async () => {
  await context?.close();
});

/** Opens `path` in a new page and waits until the consent widget has started. */
async function open(path) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  const response = await page.goto(url(path));
  assert.ok(response?.ok(), `GET ${path} answered ${response?.status()}`);
  await widgetReady(page);
  return page;
}

async function widgetReady(page) {
  await page.evaluate(async () => {
    if (!window.CanEnrichConsent) {
      throw new Error('window.CanEnrichConsent is not defined: is the loader the first script in <head>?');
    }
    await window.CanEnrichConsent.ready;
  });
}

// The widget's UI is in an open shadow root; Playwright's CSS and test-id locators pierce it.
const widget = (page, testId) => page.getByTestId(testId);
const getState = (page) =>
  page.evaluate(() => {
    if (typeof window.CanEnrichConsent.getState !== 'function') {
      throw new Error('CanEnrichConsent.getState() is missing: update the widget');
    }
    return window.CanEnrichConsent.getState();
  });
const getConsent = (page) => page.evaluate(() => window.CanEnrichConsent.getConsent());

/** Polls `check` until it returns a truthy value (and returns that), or fails naming `what`. */
async function waitUntil(what, check, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function assertNoTrackersOrOptionalCookies(when) {
  const trackers = requests.filter(isTracker);
  assert.deepEqual(trackers, [], `trackers were requested ${when}`);
  const cookies = await context.cookies(SETTINGS.siteUrl);
  const optional = cookies.map((cookie) => cookie.name).filter((name) => !isEssential(name));
  assert.deepEqual(optional, [], `non-essential cookies ${when} (essential: ${SETTINGS.essentialCookies})`);
}

test('a first visit shows the cookie banner with its three buttons', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await open(SETTINGS.startPath);
  await widget(page, 'banner').waitFor();
  for (const button of ['accept-all', 'reject-all', 'manage']) {
    assert.ok(await widget(page, button).isVisible(), `the banner shows the ${button} button`);
  }
  // Names are per language; on an English page they read exactly like this.
  if ((await page.evaluate(() => document.documentElement.lang)).startsWith('en')) {
    for (const name of ['Accept all', 'Reject all', 'Manage preferences']) {
      assert.ok(await widget(page, 'banner').getByRole('button', { name, exact: true }).isVisible(), `"${name}"`);
    }
  }
  const state = await getState(page);
  assert.equal(state.bannerOpen, true, `getState(): ${JSON.stringify(state)}`);
  assert.equal(await getConsent(page), null, 'no choice is recorded before the visitor makes one');
  assert.deepEqual(pageErrors, []);
});

test('Reject all: no tracker is requested and no non-essential cookie is set', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await open(SETTINGS.startPath);
  await widget(page, 'reject-all').click();
  await widget(page, 'banner').waitFor({ state: 'hidden' });
  assert.equal((await getConsent(page))?.method, 'reject_all');
  await page.waitForTimeout(SETTLE_MS);
  await assertNoTrackersOrOptionalCookies('after Reject all');

  // The next page view reads the stored choice; nothing may leak there either.
  const next = await open(SETTINGS.startPath);
  assert.equal(await widget(next, 'banner').isVisible(), false, 'the banner stays closed on the next page');
  await next.waitForTimeout(SETTLE_MS);
  await assertNoTrackersOrOptionalCookies('on the page after Reject all');
  assert.deepEqual(pageErrors, []);
});

test('Accept all: every gated tag is released and the choice is recorded', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await open(SETTINGS.startPath);
  await widget(page, 'accept-all').click();
  const state = await waitUntil('getState().held to reach 0', async () => {
    const now = await getState(page);
    return now.held === 0 ? now : null;
  });
  assert.equal(state.bannerOpen, false, `getState(): ${JSON.stringify(state)}`);
  const consent = await getConsent(page);
  assert.equal(consent?.method, 'accept_all', `recorded: ${JSON.stringify(consent)}`);
  assert.deepEqual(consent.rejected, [], 'nothing is rejected');
  assert.ok((await context.cookies(SETTINGS.siteUrl)).some((c) => c.name === 'canenrich_consent'), 'the choice is stored');

  // Remembered on the next page view: no banner, everything released.
  const next = await open(SETTINGS.startPath);
  assert.equal(await widget(next, 'banner').isVisible(), false, 'no banner on the next page');
  await waitUntil('getState().held to reach 0 on the next page', async () => (await getState(next)).held === 0);
  assert.deepEqual(pageErrors, []);
});

test('after Reject all, signing in works with the essential session cookie', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (!SETTINGS.loginPath) {
    t.skip('LOGIN_PATH is empty');
    return;
  }
  const page = await open(SETTINGS.startPath);
  await widget(page, 'reject-all').click();
  await waitUntil('the choice to be recorded', async () => (await getConsent(page))?.method === 'reject_all');

  const login = await open(SETTINGS.loginPath);
  await login.locator(SETTINGS.userSelector).fill(SETTINGS.loginUser);
  await login.locator(SETTINGS.passwordSelector).fill(SETTINGS.loginPassword);
  await login.locator(SETTINGS.submitSelector).click();
  const session = await waitUntil(`the ${SETTINGS.sessionCookie} cookie`, async () =>
    (await context.cookies(SETTINGS.siteUrl)).find((cookie) => cookie.name === SETTINGS.sessionCookie),
  );
  assert.equal(session.httpOnly, true, `${SETTINGS.sessionCookie} is HttpOnly`);

  // Signing in did not change the choice, and still nothing optional was set.
  const after = await open(SETTINGS.startPath);
  assert.equal((await getConsent(after))?.method, 'reject_all');
  await assertNoTrackersOrOptionalCookies('after signing in');
  assert.deepEqual(pageErrors, []);
});

test('test overrides skip the banner (TEST_OVERRIDES=1)', { timeout: TEST_TIMEOUT_MS, skip: !SETTINGS.testOverrides }, async () => {
  const target = new URL(url(SETTINGS.startPath));
  target.searchParams.set('canenrich-test', 'reject-all');
  const page = await open(target.pathname + target.search);
  const state = await getState(page);
  assert.equal(state.bannerOpen, false, 'the override recorded a choice, so no banner shows');
  assert.equal((await getConsent(page))?.method, 'test');
  assert.deepEqual(pageErrors, []);
});
