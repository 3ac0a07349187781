// End-to-end harness: one headless Chromium per test file, a fresh browser context (clean
// cookies and storage) per test, and a record of every request, page error, console error and
// Content-Security-Policy violation, so that any of them fails the test.
//
// Usage in a `*.test.mjs` file:
//
//   const site = useSite();
//   test('…', async () => {
//     const page = await site.openPage('/');
//     …
//     await site.assertNoPageErrors();
//   });

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.mjs';

/** The demo server under test (`cargo xtask test` sets it to the server it started). */
export const BASE_URL = (process.env.CANENRICH_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');

/** How long a single Playwright action or wait may take before the test fails. */
export const ACTION_TIMEOUT_MS = 10_000;

/** The demo server under a name with parent domains (`www.shop.example.co.uk:<port>`). */
export const SUBDOMAIN_URL = `http://www.shop.example.co.uk:${new URL(BASE_URL).port || 80}`;

const LAUNCH_ARGS = [
  ...CHROMIUM_ARGS,
  // A host with parent domains for the erasing tests: any name under example.co.uk is this
  // machine (the port stays the server's).
  `--host-resolver-rules=MAP *.example.co.uk 127.0.0.1`,
];

// Runs in every page and frame before any page script, so it sees the widget's first events.
// Also what CSP cannot block: init scripts are injected by the browser, not by the page.
function recordInPage() {
  window.__canenrichCspViolations = [];
  window.__canenrichEvents = [];
  window.addEventListener(
    'securitypolicyviolation',
    (event) => {
      const violation = {
        directive: event.violatedDirective,
        blocked: event.blockedURI,
        source: `${event.sourceFile}:${event.lineNumber}`,
        sample: event.sample,
      };
      window.__canenrichCspViolations.push(violation);
      // The array is lost on reload; the binding reports to the test at once.
      window.__canenrichReportViolation?.(violation);
    },
    true,
  );
  for (const type of ['canenrich:ready', 'canenrich:consent', 'canenrich:change']) {
    window.addEventListener(type, (event) => {
      let detail;
      try {
        detail = JSON.parse(JSON.stringify(event.detail ?? null));
      } catch {
        detail = String(event.detail);
      }
      window.__canenrichEvents.push({ type, detail });
    });
  }
}

function pathAndQuery(url) {
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`;
}

/**
 * Registers the browser lifecycle hooks for the current test file and returns the site helper.
 * Call once at the top level of a test file.
 */
export function useSite() {
  let browser;
  let context;
  let problems = [];
  let expectedProblems = [];
  let requests = [];
  let requestWaiters = [];
  const pages = [];

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    problems = [];
    expectedProblems = [];
    requests = [];
    requestWaiters = [];
    pages.length = 0;
    context = await browser.newContext();
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    await context.exposeBinding('__canenrichReportViolation', ({ page }, violation) => {
      problems.push(`CSP violation on ${page?.url()}: ${JSON.stringify(violation)}`);
    });
    await context.addInitScript(recordInPage);
    context.on('request', (request) => {
      const url = request.url();
      requests.push(url);
      for (const waiter of requestWaiters) waiter(url);
    });
  });

  afterEach(async () => {
    // Cleared first: route handlers still in flight see that their test has ended.
    const ended = context;
    context = undefined;
    await ended?.close();
  });

  const site = {
    /** The current test's browser context. */
    get context() {
      return context;
    },

    /**
     * Serves requests matching `match` from the real server (or from the URL `from`, for hosts
     * only the browser can resolve) with the body passed through `edit(text)`; status and
     * headers, CSP included, are the server's (`edit` also gets the response, to read them). A failure is reported as a page problem, except
     * for a request still in flight when the test ends, which is dropped quietly (an unhandled
     * rejection there would fail the whole file).
     */
    async serveEdited(match, edit, { from } = {}) {
      const owner = context;
      await owner.route(match, async (route) => {
        try {
          const response = await route.fetch(from ? { url: from } : undefined);
          await route.fulfill({ response, body: edit(await response.text(), response) });
        } catch (error) {
          if (context === owner) problems.push(`could not serve ${route.request().url()} edited: ${error.message}`);
        }
      });
    },

    /** Every URL requested in this test so far (all pages and frames, in order). */
    get requests() {
      return [...requests];
    },

    /** The absolute URL of a site path. */
    url(path) {
      return new URL(path, `${BASE_URL}/`).href;
    },

    /**
     * Opens `path` in a new page of this test's context, records its errors, and waits until
     * the widget has started (`window.CanEnrichConsent.ready`).
     */
    async openPage(path, { waitForWidget = true } = {}) {
      const page = await context.newPage();
      pages.push(page);
      page.on('pageerror', (error) => {
        problems.push(`uncaught error on ${page.url()}: ${error.stack ?? error.message}`);
      });
      page.on('console', (message) => {
        if (message.type() === 'error') {
          const { url, lineNumber } = message.location();
          problems.push(`console error on ${page.url()}: ${message.text()} (${url}:${lineNumber})`);
        }
      });
      const response = await page.goto(site.url(path));
      assert.ok(response?.ok(), `GET ${path} answered ${response?.status()}`);
      if (waitForWidget) await site.widgetReady(page);
      return page;
    },

    /** Waits for `window.CanEnrichConsent.ready` (after a navigation or reload, call it again). */
    async widgetReady(page) {
      await page.evaluate(async () => {
        if (!window.CanEnrichConsent) {
          throw new Error('window.CanEnrichConsent is not defined: did the loader script run?');
        }
        await window.CanEnrichConsent.ready;
      });
    },

    /** The recorded URLs whose path (and query) contains `fragment`. */
    requested(fragment) {
      return requests.filter((url) => pathAndQuery(url).includes(fragment));
    },

    /** Resolves once a URL containing `fragment` has been requested (already or from now on). */
    waitForRequest(fragment, timeout = ACTION_TIMEOUT_MS) {
      if (site.requested(fragment).length > 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no request to ${fragment} within ${timeout} ms`));
        }, timeout);
        requestWaiters.push((url) => {
          if (pathAndQuery(url).includes(fragment)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    },

    /** The `canenrich:*` events the page has dispatched since it was last loaded. */
    async events(page, type) {
      const events = await page.evaluate(() => window.__canenrichEvents ?? []);
      return type ? events.filter((event) => event.type === type) : events;
    },

    /** The names of the cookies the browser holds for the site. */
    async cookieNames() {
      return (await context.cookies(BASE_URL)).map((cookie) => cookie.name);
    },

    /** The cookie named `name`, or `undefined`. */
    async cookie(name) {
      return (await context.cookies(BASE_URL)).find((cookie) => cookie.name === name);
    },

    /**
     * Declares that this test provokes a problem matching `pattern` (a console error it checks
     * for on purpose). Each declared pattern must match at least one reported problem.
     */
    expectProblem(pattern) {
      expectedProblems.push(pattern);
    },

    /**
     * Fails the test if any page had an uncaught error, logged a console error or violated the
     * Content-Security-Policy. Every test calls it at its end.
     */
    async assertNoPageErrors() {
      for (const page of pages) {
        if (page.isClosed()) continue;
        // Violations the binding missed (it is installed asynchronously) are still in the page.
        const inPage = await page.evaluate(() => window.__canenrichCspViolations ?? []);
        for (const violation of inPage) {
          const line = `CSP violation on ${page.url()}: ${JSON.stringify(violation)}`;
          if (!problems.includes(line)) problems.push(line);
        }
      }
      for (const pattern of expectedProblems) {
        assert.ok(problems.some((p) => pattern.test(p)), `expected a reported problem matching ${pattern}`);
      }
      const unexpected = problems.filter((p) => !expectedProblems.some((pattern) => pattern.test(p)));
      assert.deepEqual(unexpected, [], `the page reported errors:\n${unexpected.join('\n')}`);
    },
  };
  return site;
}
