// The site owner's presentation choices: the three positions of the first layer, a forced theme
// and --canenrich-* custom properties, all set from the page without a build step.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useSite } from './harness.mjs';

const site = useSite();
const TEST_TIMEOUT_MS = 60_000;

/** Serves `/` with extra attributes on the loader tag. */
async function loaderAttributes(attributes) {
  await site.serveEdited(site.url('/'), (html) =>
    html.replace('<script src="/consent/canenrich-consent.js"', `<script ${attributes} src="/consent/canenrich-consent.js"`),
  );
}

const bannerBox = async (page) => {
  const banner = page.getByTestId('banner');
  await banner.waitFor();
  await page.waitForFunction(() =>
    document.getElementById('canenrich-consent').shadowRoot.querySelector('[data-testid=banner]').getAnimations().every((a) => a.playState === 'finished'),
  );
  return banner.boundingBox();
};

test('data-position="bottom-bar" spans the bottom edge', { timeout: TEST_TIMEOUT_MS }, async () => {
  await loaderAttributes('data-position="bottom-bar"');
  const page = await site.openPage('/');
  const box = await bannerBox(page);
  const viewport = page.viewportSize();
  assert.equal(Math.round(box.x), 0);
  assert.equal(Math.round(box.width), viewport.width);
  assert.equal(Math.round(box.y + box.height), viewport.height);
  await site.assertNoPageErrors();
});

test('data-position="center" centres the card', { timeout: TEST_TIMEOUT_MS }, async () => {
  await loaderAttributes('data-position="center"');
  const page = await site.openPage('/');
  const box = await bannerBox(page);
  const viewport = page.viewportSize();
  assert.ok(Math.abs(box.x + box.width / 2 - viewport.width / 2) <= 2, JSON.stringify(box));
  assert.ok(Math.abs(box.y + box.height / 2 - viewport.height / 2) <= 2, JSON.stringify(box));
  await site.assertNoPageErrors();
});

test('the default corner card sits bottom left and leaves most of the page visible', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await site.openPage('/');
  const box = await bannerBox(page);
  const viewport = page.viewportSize();
  assert.ok(box.x <= 24 && box.x > 0, JSON.stringify(box));
  assert.ok(viewport.height - (box.y + box.height) <= 24, JSON.stringify(box));
  assert.ok(box.width <= 38 * 16 + 2, `wider than 38rem: ${box.width}`);
  await site.assertNoPageErrors();
});

test('data-theme="dark" forces the dark scheme and --canenrich-* properties restyle it', { timeout: TEST_TIMEOUT_MS }, async () => {
  await loaderAttributes('data-theme="dark"');
  const page = await site.openPage('/');
  await page.getByTestId('banner').waitFor();
  const background = () =>
    page.evaluate(() => {
      const banner = document.getElementById('canenrich-consent').shadowRoot.querySelector('[data-testid=banner]');
      return getComputedStyle(banner).backgroundColor;
    });
  assert.equal(await background(), 'rgb(22, 24, 29)', 'the dark background');
  await page.evaluate(() => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('#canenrich-consent { --canenrich-dark-bg: #202a44; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  });
  assert.equal(await background(), 'rgb(32, 42, 68)', 'a site colour through a custom property');
  await site.assertNoPageErrors();
});
