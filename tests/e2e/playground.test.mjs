// The playground at /playground/ (index.html + www/playground/): the form and the JSON stay in
// step, the preview is the real widget reloaded with the edited config, an invalid field is named
// next to it, the embed snippet can be copied (inline or with a config file), axe finds nothing
// in light or dark, and it all works by keyboard under the strict CSP.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { BASE_URL, useSite } from './harness.mjs';

const site = useSite();

const TEST_TIMEOUT_MS = 90_000;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Opens the playground and waits until it has loaded the built-in config and the schema. */
async function openPlayground() {
  const page = await site.openPage('/playground/', { waitForWidget: false });
  await page.locator('html[data-ready]').waitFor({ state: 'attached' });
  return page;
}

/** The preview frame, once the widget in it has started with a config containing `text`. */
async function previewWith(page, text) {
  await page.waitForFunction((wanted) => {
    const frame = document.getElementById('preview');
    const config = frame.contentDocument?.getElementById('canenrich-consent-config');
    return config?.textContent.includes(wanted) && frame.contentWindow.CanEnrichConsent;
  }, text);
  const frame = await (await page.$('#preview')).contentFrame();
  await frame.evaluate(() => window.CanEnrichConsent.ready);
  return frame;
}

const category = (page, name) => page.locator(`fieldset[data-category="${name}"]`);

test('editing a category title in the form rewrites the JSON and the preview shows it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPlayground();
  const json = page.locator('#json');
  const builtin = JSON.parse(await json.inputValue());
  assert.equal(builtin.revision, 1, 'the editor starts from the built-in config');
  assert.ok(builtin.categories.analytics, JSON.stringify(builtin));

  const preview = page.frameLocator('#preview');
  await preview.getByTestId('banner').waitFor({ state: 'visible' });

  await category(page, 'analytics').getByLabel('Title').fill('Traffic numbers');
  const edited = JSON.parse(await json.inputValue());
  assert.equal(edited.categories.analytics.title, 'Traffic numbers');
  assert.deepEqual(edited.categories.analytics.cookies, builtin.categories.analytics.cookies, 'other fields are kept');

  await previewWith(page, 'Traffic numbers');
  await page.getByRole('button', { name: 'Open preferences' }).click();
  await preview.getByTestId('preferences').waitFor({ state: 'visible' });
  await preview.getByRole('switch', { name: 'Traffic numbers' }).waitFor({ state: 'visible' });

  // Removing a built-in category writes `null` (the config's way to drop a default); restoring
  // brings its defaults back, and the preview's preferences follow.
  await category(page, 'personalization').getByRole('button', { name: 'Remove personalization' }).click();
  const removed = JSON.parse(await json.inputValue());
  assert.equal(removed.categories.personalization, null);
  assert.deepEqual(removed.consentMode.personalization_storage, [], 'the Consent Mode map names it no more');
  await previewWith(page, '"personalization":null');
  await page.getByRole('button', { name: 'Open preferences' }).click();
  await preview.getByTestId('preferences').waitFor({ state: 'visible' });
  assert.equal(await preview.getByTestId('category-personalization').count(), 0);
  await page.getByRole('button', { name: 'Restore personalization' }).click();
  const restored = JSON.parse(await json.inputValue());
  assert.deepEqual(restored.categories.personalization, builtin.categories.personalization);
  assert.deepEqual(restored.consentMode, builtin.consentMode);

  // And the other way: the JSON text drives the form.
  const text = (await json.inputValue()).replace('"position": "corner"', '"position": "center"');
  await json.fill(text);
  assert.equal(await page.getByLabel('Position').inputValue(), 'center');
  await previewWith(page, '"position":"center"');
  await site.assertNoPageErrors();
});

test('an invalid field is named next to it and in the status, and the preview keeps the last valid config', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPlayground();
  await previewWith(page, '"revision":1');
  const status = page.locator('#json-status');
  await page.getByLabel('Revision').fill('-1');
  await assert.doesNotReject(status.getByText('revision', { exact: false }).first().waitFor());
  assert.match(await status.innerText(), /revision: expected a whole number from 0/);
  assert.equal(await page.getByLabel('Revision').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#f-revision-error').innerText(), /revision/);
  assert.equal(await page.locator('#json').getAttribute('aria-invalid'), 'true');
  assert.ok(await page.getByRole('button', { name: 'Copy embed snippet' }).isDisabled(), 'no snippet for an invalid config');
  assert.match(await page.locator('#preview-status').innerText(), /last valid/);

  // A typo typed into the JSON names the field the way the widget's console error does.
  await page.getByLabel('Revision').fill('2');
  const text = (await page.locator('#json').inputValue()).replace('"cookies": [\n        "_ga"', '"cookiez": [\n        "_ga"');
  assert.match(text, /cookiez/, 'the built-in config lists analytics cookies starting with _ga');
  await page.locator('#json').fill(text);
  await status.getByText('categories.analytics.cookiez').waitFor();
  assert.match(await status.innerText(), /categories\.analytics\.cookiez: unknown field `cookiez`/);

  // Not JSON at all: the position is given and the form is switched off until it reads again.
  await page.locator('#json').fill('{ "revision": 2, }');
  assert.match(await status.innerText(), /line 1, column \d+: not valid JSON/);
  assert.ok(await page.getByLabel('Revision').isDisabled());
  await page.locator('#json').fill('{ "revision": 2 }');
  assert.equal(await page.getByLabel('Revision').inputValue(), '2');
  await previewWith(page, '{"revision":2}');

  // What only the widget checks (the range of expiryDays) comes back from the preview, named.
  site.expectProblem(/invalid config in inline config at `expiryDays`/);
  await page.locator('#json').fill('{ "revision": 2, "expiryDays": 0 }');
  assert.equal(await status.innerText(), 'Valid: the config matches config.schema.json.');
  await page.locator('#preview-status').getByText(/The widget says: .*expiryDays/).waitFor();
  await site.assertNoPageErrors();
});

test('Show banner brings the preview\'s first layer back after a choice, and Reset choice forgets the choice', { timeout: TEST_TIMEOUT_MS }, async () => {
  const page = await openPlayground();
  const preview = page.frameLocator('#preview');
  const banner = preview.getByTestId('banner');
  await banner.waitFor({ state: 'visible' });
  await banner.getByRole('button', { name: 'Accept all' }).click();
  await banner.waitFor({ state: 'hidden' });

  await page.getByRole('button', { name: 'Show banner' }).click();
  await banner.waitFor({ state: 'visible' });
  const frame = await (await page.$('#preview')).contentFrame();
  assert.equal((await frame.evaluate(() => window.CanEnrichConsent.getConsent()))?.method, 'accept_all', 'showing the banner kept the choice');

  await page.getByRole('button', { name: 'Reset choice' }).click();
  await banner.waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('preview').contentWindow.CanEnrichConsent?.getConsent() === null);
  await site.assertNoPageErrors();
});

test('the embed snippet copies to the clipboard, inline or with a config file to download', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  const page = await openPlayground();
  await page.getByLabel('Theme').selectOption('dark');
  const config = JSON.parse(await page.locator('#json').inputValue());
  assert.equal(config.theme, 'dark');

  await page.getByRole('button', { name: 'Copy embed snippet' }).click();
  await page.getByText('Copied the embed snippet').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.locator('#snippet').inputValue());
  // The config comes first: the loader reads it as it runs.
  assert.ok(copied.startsWith('<script type="application/json" id="canenrich-consent-config">\n'), copied.slice(0, 80));
  assert.ok(copied.endsWith('</script>\n<script src="/consent/canenrich-consent.js"></script>\n'), copied.slice(-80));
  const inline = /<script type="application\/json" id="canenrich-consent-config">\n([\s\S]*?)\n<\/script>/.exec(copied);
  assert.ok(inline, copied);
  assert.deepEqual(JSON.parse(inline[1]), config);

  await page.getByLabel('Where dist/ is hosted').fill('https://cdn.example/consent');
  await page.getByLabel(/as a file/).check();
  const snippet = await page.locator('#snippet').inputValue();
  assert.equal(snippet, '<script src="https://cdn.example/consent/canenrich-consent.js" data-config="https://cdn.example/consent/config.json"></script>\n');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download config.json' }).click()]);
  assert.equal(download.suggestedFilename(), 'config.json');
  assert.deepEqual(JSON.parse(await readFile(await download.path(), 'utf8')), config);
  await page.getByRole('button', { name: 'Copy embed snippet' }).click();
  await page.waitForFunction((want) => navigator.clipboard.readText().then((text) => text === want), snippet);
  await site.assertNoPageErrors();
});

test('axe finds no violations in light or dark, and the page works by keyboard', { timeout: TEST_TIMEOUT_MS }, async () => {
  await site.context.addInitScript({ content: AXE_SOURCE });
  const page = await openPlayground();
  await previewWith(page, '"revision":1');
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
    assert.equal(dark, colorScheme === 'dark');
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(background === 'rgb(17, 19, 22)', dark, `the page follows the system (${background})`);
    const violations = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, iframes: false });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }, WCAG_TAGS);
    assert.deepEqual(violations, [], `${colorScheme}: ${violations.join('\n')}`);
  }

  // By keyboard: the skip link leads to the editor; a new category is added with Enter and
  // focus lands in its title; the preview buttons work with Enter.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the editor');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'editor');
  await page.locator('#new-category').focus();
  await page.keyboard.type('video');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.closest('fieldset')?.dataset.category), 'video');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'Video');
  await page.keyboard.type(' embeds');
  assert.equal(JSON.parse(await page.locator('#json').inputValue()).categories.video.title, 'Video embeds');
  await previewWith(page, 'Video embeds');
  await page.getByRole('button', { name: 'Open preferences' }).focus();
  await page.keyboard.press('Enter');
  const preview = page.frameLocator('#preview');
  await preview.getByRole('switch', { name: 'Video embeds' }).waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Reset choice' }).focus();
  await page.keyboard.press('Enter');
  await preview.getByTestId('banner').waitFor({ state: 'visible' });
  await site.assertNoPageErrors();
});
