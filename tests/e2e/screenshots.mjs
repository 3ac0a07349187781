// Screenshots of the widget for the docs and for eyeballing a visual change:
//
//   node tests/e2e/screenshots.mjs http://127.0.0.1:PORT [output directory]
//
// writes docs/screenshots/*.png (the banner on desktop, on a phone, in dark mode and in Simplified
// Chinese; the preferences dialog on desktop and on a phone) from the demo server at the given
// URL, each from a fresh browser context (no stored choice).

import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.mjs';

const base = (process.argv[2] ?? process.env.CANENRICH_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const outDir = resolve(process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots'));

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

/** What each picture shows: a viewport, media features, a language and what to open first. */
const SHOTS = [
  { name: 'banner-desktop', viewport: DESKTOP },
  { name: 'banner-mobile', viewport: PHONE },
  { name: 'banner-dark', viewport: DESKTOP, colorScheme: 'dark' },
  { name: 'banner-zh-CN', viewport: DESKTOP, language: 'zh-CN' },
  { name: 'banner-zh-CN-mobile', viewport: PHONE, language: 'zh-CN' },
  { name: 'preferences-desktop', viewport: DESKTOP, open: 'preferences' },
  { name: 'preferences-mobile', viewport: PHONE, open: 'preferences' },
  { name: 'preferences-dark', viewport: DESKTOP, colorScheme: 'dark', open: 'preferences' },
  { name: 'settings-button', viewport: DESKTOP, open: 'reopen' },
];

async function shoot(browser, shot) {
  const context = await browser.newContext({
    viewport: shot.viewport,
    colorScheme: shot.colorScheme ?? 'light',
    // Still pictures: no fade caught half-way.
    reducedMotion: 'reduce',
  });
  if (shot.language) {
    // The widget takes its language from <html lang>; serve the demo page as a Chinese one.
    await context.route(`${base}/`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace('<html lang="en"', `<html lang="${shot.language}"`);
      await route.fulfill({ response, body });
    });
  }
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.evaluate(() => window.CanEnrichConsent.ready);
  await page.getByTestId('banner').waitFor();
  if (shot.open === 'preferences') {
    await page.getByTestId('manage').click();
    await page.getByTestId('preferences').waitFor();
    // Show a switch in each position.
    await page.getByTestId('category-analytics').check();
    await page.getByTestId('preferences').evaluate((dialog) => {
      dialog.querySelector('.cc-dialog-body').scrollTop = 0;
    });
  } else if (shot.open === 'reopen') {
    await page.getByTestId('reject-all').click();
    await page.getByTestId('reopen').waitFor();
  }
  // Fonts and the last frame settled.
  await page.evaluate(() => document.fonts.ready);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const path = join(outDir, `${shot.name}.png`);
  await page.screenshot({ path });
  await context.close();
  return path;
}

await mkdir(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
try {
  for (const shot of SHOTS) console.log(await shoot(browser, shot));
} finally {
  await browser.close();
}
