// The preferences center: each category lists its services and a table of their cookies under
// "Services and cookies (N)" (English and Simplified Chinese, accessible, usable on a narrow
// phone), and the config's `consentMode` mapping decides what Google Consent Mode is told.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { servePagesInChinese, consentCalls } from './demo.mjs';
import { useSite } from './harness.mjs';

const site = useSite();

/** Per-test budget: a cold page load compiles the WebAssembly. */
const TEST_TIMEOUT_MS = 60_000;

/** The axe-core rule tags that make up WCAG 2.2 A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** axe-core's source, injected as an init script so the page's CSP neither blocks nor reports it. */
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const HOST = '#canenrich-consent';

const preferences = (page) => page.getByTestId('preferences');
const services = (page, category) => page.getByTestId(`services-${category}`);

/** Opens `/` (after `setup`, which may route or add init scripts) and the preferences dialog. */
async function openPreferences(setup = async () => {}) {
  await setup();
  const page = await site.openPage('/');
  await page.getByTestId('banner').waitFor();
  await page.getByTestId('manage').click();
  await preferences(page).waitFor();
  return page;
}

/** Expands "Services and cookies" of `category` the way a visitor does: a click on the summary. */
async function expand(page, category) {
  await services(page, category).locator('summary').click();
  await services(page, category).getByTestId('service').first().waitFor();
}

/** Merges `extra` into the demo's `/demo/consent.json` (the page's `data-config`). */
async function serveConfigWith(extra) {
  await site.serveEdited('**/demo/consent.json', (json) => JSON.stringify({ ...JSON.parse(json), ...extra }));
}

/** The column headers of the table named `name`, as the accessibility tree reports them. */
async function columnHeaders(page, name) {
  return page.getByRole('table', { name }).getByRole('columnheader').allInnerTexts();
}

/** axe-core's WCAG 2.2 A/AA violations inside the widget, one readable line each. */
async function axeViolations(page) {
  await page.evaluate(async (host) => {
    const shadow = document.querySelector(host)?.shadowRoot;
    const animations = [...document.getAnimations(), ...(shadow?.getAnimations() ?? [])];
    await Promise.all(animations.map((animation) => animation.finished.catch(() => {})));
  }, HOST);
  return page.evaluate(
    async ({ host, tags }) => {
      const result = await window.axe.run({ include: [[host]] }, { runOnly: { type: 'tag', values: tags }, iframes: false });
      return result.violations.flatMap((rule) =>
        rule.nodes.map((node) => `${rule.id} (${rule.impact}): ${rule.help} at ${JSON.stringify(node.target)}\n  ${node.failureSummary}`),
      );
    },
    { host: HOST, tags: WCAG_TAGS },
  );
}

test('each category lists its services and their cookies under "Services and cookies"', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPreferences();
  const analytics = services(page, 'analytics');
  const summary = analytics.locator('summary');
  assert.equal(await summary.innerText(), 'Services and cookies (1)');
  assert.equal(await analytics.getByText('CanEnrich Analytics', { exact: true }).isVisible(), false, 'collapsed at first');
  assert.equal(await services(page, 'necessary').locator('summary').innerText(), 'Services and cookies (3)');
  assert.equal(await services(page, 'personalization').count(), 0, 'a category without services has no list');

  await expand(page, 'analytics');
  assert.equal(await analytics.getAttribute('open'), '', 'the details are open');
  const service = analytics.getByTestId('service');
  assert.equal(await service.getByRole('heading', { name: 'CanEnrich Analytics' }).isVisible(), true);
  const text = await service.innerText();
  assert.match(text, /Provider: CanEnrich, using Google Analytics/);
  assert.match(text, /Counts visits and which pages are used/);
  const link = service.getByRole('link', { name: 'Privacy policy of CanEnrich Analytics' });
  assert.equal(await link.getAttribute('href'), '/privacy.html');
  const rows = await service.getByRole('row').allInnerTexts();
  assert.deepEqual(
    rows.map((row) => row.split('\t').map((cell) => cell.trim())),
    [
      ['Name', 'Provider', 'Duration', 'Purpose'],
      ['_ga', 'CanEnrich, using Google Analytics', '2 years', 'Distinguishes visitors'],
      ['_ga_*', 'CanEnrich, using Google Analytics', '2 years', 'Keeps track of a visit'],
    ],
  );

  await expand(page, 'necessary');
  const necessary = await services(page, 'necessary').innerText();
  for (const words of ['CanEnrich sign-in', 'canenrich_session', 'Keeps you signed in', 'CanEnrich security', 'csrf_token', 'Cookie choice', 'canenrich_consent', '182 days']) {
    assert.ok(necessary.includes(words), `the necessary services show "${words}"`);
  }
  await site.assertNoPageErrors();
});

test('each cookie table is a real table with a caption and column headers', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPreferences();
  await expand(page, 'marketing');
  const name = 'Cookies set by Partner Ads';
  assert.deepEqual(await columnHeaders(page, name), ['Name', 'Provider', 'Duration', 'Purpose']);
  const table = page.getByRole('table', { name });
  assert.equal(await table.locator('thead th[scope="col"]').count(), 4);
  assert.deepEqual(await table.getByRole('cell').allInnerTexts(), ['mk_id', 'CanEnrich partners', '1 year', 'Recognises your browser for partner promotions']);
  const region = page.getByRole('region', { name });
  assert.equal(await region.getAttribute('tabindex'), '0', 'the scroll area can be reached with the keyboard');
  const video = services(page, 'marketing').getByTestId('service').filter({ hasText: 'CanEnrich Video' });
  assert.match(await video.innerText(), /Sets no cookies of its own\./);
  assert.equal(await video.getByRole('table').count(), 0, 'no empty table for a service without cookies');
  await site.assertNoPageErrors();
});

test('in Simplified Chinese the summary and the cookie table headers are Chinese', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPreferences(() => servePagesInChinese(site));
  const summary = services(page, 'analytics').locator('summary');
  assert.equal(await summary.innerText(), '服务和 Cookie（1）');
  await expand(page, 'analytics');
  assert.deepEqual(await columnHeaders(page, 'CanEnrich Analytics 设置的 Cookie'), ['名称', '提供方', '有效期', '用途']);
  assert.match(await services(page, 'analytics').innerText(), /提供方：CanEnrich, using Google Analytics/);
  await site.assertNoPageErrors();
});

test('the dialog with its services expanded has no WCAG 2.2 A or AA violations, in English and Chinese', { timeout: TEST_TIMEOUT_MS }, async () => {
  for (const chinese of [false, true]) {
    const page = await openPreferences(async () => {
      await site.context.addInitScript({ content: AXE_SOURCE });
      if (chinese) await servePagesInChinese(site);
    });
    for (const category of ['necessary', 'analytics', 'marketing']) await expand(page, category);
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `axe found violations (${chinese ? 'zh-CN' : 'en'}):\n${violations.join('\n')}`);
    await page.close();
  }
  await site.assertNoPageErrors();
});

test('at 320 px the cookie table scrolls inside its own box, never the dialog or the page', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPreferences(async () => {
    await servePagesInChinese(site);
  });
  await page.setViewportSize({ width: 320, height: 640 });
  await expand(page, 'analytics');
  const widths = await preferences(page).evaluate((dialog) => {
    const body = dialog.querySelector('.cc-dialog-body');
    const scroller = dialog.querySelector('[data-testid="services-analytics"] [role="region"]');
    return {
      page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
      body: [body.scrollWidth, body.clientWidth],
      scroller: [scroller.scrollWidth, scroller.clientWidth],
      dialog: dialog.getBoundingClientRect().width,
    };
  });
  assert.ok(widths.page[0] <= widths.page[1], `the page scrolls sideways: ${JSON.stringify(widths)}`);
  assert.ok(widths.body[0] <= widths.body[1], `the dialog scrolls sideways: ${JSON.stringify(widths)}`);
  assert.ok(widths.dialog <= 320, `the dialog is wider than the screen: ${JSON.stringify(widths)}`);
  assert.ok(widths.scroller[0] > widths.scroller[1], `the table fits, so the test proves nothing: ${JSON.stringify(widths)}`);
  const region = page.getByRole('region', { name: 'CanEnrich Analytics 设置的 Cookie' });
  await region.focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(
    (host) => document.querySelector(host).shadowRoot.querySelector('[data-testid="services-analytics"] [role="region"]').scrollLeft > 0,
    HOST,
  );
  await site.assertNoPageErrors();
});

test('a consentMode mapping in the config decides what Google Consent Mode is told', { timeout: TEST_TIMEOUT_MS }, async () => {
  await serveConfigWith({
    consentMode: { analytics_storage: ['analytics', 'marketing'], ad_storage: [], personalization_storage: ['necessary'] },
  });
  const page = await site.openPage('/');
  const before = (await consentCalls(page)).at(-1).state;
  assert.equal(before.personalization_storage, 'granted', 'a type mapped to necessary is granted before any choice');
  assert.equal(before.analytics_storage, 'denied');

  await page.evaluate(() => window.CanEnrichConsent.acceptCategories(['marketing']));
  const custom = (await consentCalls(page)).at(-1);
  assert.equal(custom.action, 'update');
  assert.equal(custom.state.analytics_storage, 'granted', 'marketing grants analytics_storage too');
  assert.equal(custom.state.ad_storage, 'denied', 'a type mapped to no category is never granted');
  assert.equal(custom.state.ad_user_data, 'granted', 'types the mapping leaves out keep their default');
  assert.equal(custom.state.security_storage, 'granted');

  await page.reload();
  await site.widgetReady(page);
  const reloaded = (await consentCalls(page)).at(-1);
  assert.equal(reloaded.action, 'update', 'a stored choice is re-announced on load');
  assert.equal(reloaded.state.analytics_storage, 'granted', 'the returning-visitor build follows the mapping too');
  assert.equal(reloaded.state.ad_storage, 'denied');
  await site.assertNoPageErrors();
});

test('an unknown Consent Mode type in the config is reported with its field and fails closed', { timeout: TEST_TIMEOUT_MS }, async () => {
  site.expectProblem(/invalid config in \S*\/demo\/consent\.json at `?consentMode\.ads_storage/);
  await serveConfigWith({ consentMode: { ads_storage: ['marketing'] } });
  const page = await site.openPage('/');
  await page.evaluate(() => window.CanEnrichConsent.acceptCategories(['marketing']));
  const last = (await consentCalls(page)).at(-1).state;
  assert.equal(last.ad_storage, 'denied', 'nothing optional is granted while the config is invalid');
  await site.assertNoPageErrors();
});

test('a service switched off stays blocked while the rest of its category runs, also after a reload', { timeout: 60_000 }, async () => {
  const page = await site.openPage('/');
  await page.getByTestId('banner').getByRole('button', { name: 'Manage preferences' }).click();
  const dialog = page.getByTestId('preferences');
  await dialog.getByTestId('category-marketing').check();
  await dialog.getByTestId('services-marketing').locator('summary').click();
  const partnerAds = dialog.getByRole('switch', { name: 'Partner Ads' });
  assert.equal(await partnerAds.isChecked(), true, 'a service is on with its category');
  await partnerAds.uncheck();
  await dialog.getByRole('button', { name: 'Save preferences' }).click();

  await page.waitForFunction(() => window.canenrichDemo?.inlineMarketing === 1);
  await site.waitForRequest('/demo/embed/video.html');
  assert.deepEqual(site.requested('/demo/trackers/marketing.js'), [], 'the Partner Ads tag stayed blocked');
  const consent = await page.evaluate(() => window.CanEnrichConsent.getConsent());
  assert.ok(consent.categories.includes('marketing'));
  assert.deepEqual(consent.refusedServices, ['partner-ads']);
  assert.match((await site.cookie('canenrich_consent')).value, /^v2\./);

  await page.reload();
  await site.widgetReady(page);
  await page.waitForFunction(() => window.canenrichDemo?.inlineMarketing === 1);
  assert.deepEqual(site.requested('/demo/trackers/marketing.js'), [], 'still blocked after a reload');
  await page.getByTestId('reopen').click();
  await page.getByTestId('preferences').getByTestId('services-marketing').locator('summary').click();
  assert.equal(await page.getByRole('switch', { name: 'Partner Ads' }).isChecked(), false, 'the dialog shows it off');
  await site.assertNoPageErrors();
});
