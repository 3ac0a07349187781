// The npm package `dist/` is (run by `cargo xtask test` after the dist step, or by hand with
// `node --test tests/package/` after `cargo xtask dist`): the config schema, what `npm pack`
// ships, the TypeScript declarations and the precompressed files.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = process.env.CANENRICH_DIST ? path.resolve(process.env.CANENRICH_DIST) : path.join(ROOT, 'dist');

const readJson = (name) => JSON.parse(fs.readFileSync(path.join(DIST, name), 'utf8'));

/** Every file under `dir`, relative, with `/` separators. */
function filesUnder(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`]);
}

function validator() {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  // schemars marks `u32` fields with this format; the widget refuses anything else.
  ajv.addFormat('uint32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff });
  return ajv.compile(readJson('config.schema.json'));
}

test('the published defaults validate against the published schema, and typos and wrong types do not', () => {
  const schema = readJson('config.schema.json');
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  // No address is sure to serve it (the package is not published), and an $id must not lie.
  assert.equal(schema.$id, undefined);
  assert.equal(schema.title, 'CanEnrich Consent config');
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.properties.expiryDays.description, 'the Rust docs become descriptions');

  const validate = validator();
  assert.ok(validate(readJson('config.json')), JSON.stringify(validate.errors));
  const readme = {
    revision: 1, language: 'zh-CN', theme: 'auto', position: 'corner', expiryDays: 182,
    privacyPolicyUrl: '/privacy.html', essentialCookies: ['canenrich_session', 'csrf*'],
    showReopenButton: true,
    categories: {
      analytics: { title: 'Usage statistics', description: '…', cookies: ['_ga', '_ga_*'], storage: ['_ga_store'] },
      video: { title: 'Embedded videos' },
      personalization: null,
    },
  };
  assert.ok(validate(readme), JSON.stringify(validate.errors));

  const refused = [
    [{ categories: { analytics: { titel: 'x' } } }, '/categories/analytics', 'titel'],
    [{ expiryDay: 30 }, '', 'expiryDay'],
    [{ revision: '2' }, '/revision'],
    [{ revision: -1 }, '/revision'],
    [{ theme: 'pink' }, '/theme'],
    [{ essentialCookies: 'csrf*' }, '/essentialCookies'],
    [{ categories: { video: { cookies: [1] } } }, '/categories/video/cookies/0'],
  ];
  for (const [config, where, field] of refused) {
    assert.equal(validate(config), false, JSON.stringify(config));
    const at = validate.errors.filter((e) => e.instancePath === where);
    assert.ok(at.length > 0, `${JSON.stringify(config)}: ${JSON.stringify(validate.errors)}`);
    if (field) assert.ok(at.some((e) => e.params.additionalProperty === field), JSON.stringify(at));
  }
});

test('the hand-written config type has exactly the fields of the schema', () => {
  const types = fs.readFileSync(path.join(DIST, 'canenrich-consent.d.ts'), 'utf8');
  const fields = (name) => {
    const body = types.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
    assert.ok(body, `no interface ${name} in the .d.ts`);
    return [...body[1].matchAll(/^ {2}([\w$]+)\?:/gm)].map((m) => m[1]).sort();
  };
  const schema = readJson('config.schema.json');
  assert.deepEqual(fields('ConsentConfig'), Object.keys(schema.properties).sort());
  assert.deepEqual(fields('CategoryConfig'), Object.keys(schema.$defs.CategoryFile.properties).sort());
});

test('npm pack ships the loader, the widget, the styles, the config, its schema and the types', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: DIST,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const [pack] = JSON.parse(stdout);
  const manifest = readJson('package.json');
  assert.equal(pack.name, '@canenrich/consent');
  assert.equal(pack.version, manifest.version);
  const shipped = pack.files.map((f) => f.path).sort();
  for (const name of [
    'canenrich-consent.js',
    'canenrich_consent.js',
    'canenrich_consent_bg.wasm',
    'canenrich-consent.css',
    'config.json',
    'config.schema.json',
    'canenrich-consent.d.ts',
    'package.json',
  ]) {
    assert.ok(shipped.includes(name), `${name} is not in the package: ${shipped.join(', ')}`);
  }
  assert.deepEqual(shipped, filesUnder(DIST).sort(), 'the package is exactly dist/');
  assert.deepEqual([...manifest.files].sort(), shipped, '`files` lists every file');
  assert.equal(manifest.types, 'canenrich-consent.d.ts');
  assert.deepEqual(manifest.exports['.'], { types: './canenrich-consent.d.ts', default: './canenrich-consent.mjs' },
    'TypeScript needs `types` first; bundlers get the ES module entry');
  assert.equal(manifest.exports['./loader'], './canenrich-consent.js', 'the classic script tag keeps its file');
  assert.equal(manifest.exports['./config.schema.json'], './config.schema.json');
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.module, 'canenrich-consent.mjs');
  assert.deepEqual(manifest.sideEffects, ['./canenrich-consent.js'], 'only the classic loader acts when loaded');
  assert.equal(manifest.repository.type, 'git');
  assert.match(manifest.repository.url, /^git\+https:\/\/.+\.git$/);
  assert.match(manifest.homepage, /^https:\/\//);
  for (const name of ['canenrich-consent.mjs', 'canenrich-consent.mjs.br', 'canenrich-consent.mjs.gz']) {
    assert.ok(shipped.includes(name), `${name} is not in the package`);
  }
});

test('the declarations type-check a use of every API member and event, and refuse misuse', async () => {
  // A throwaway project that installs dist/ as @canenrich/consent, as a site would.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'canenrich-types-'));
  try {
    fs.mkdirSync(path.join(project, 'node_modules', '@canenrich'), { recursive: true });
    fs.symlinkSync(DIST, path.join(project, 'node_modules', '@canenrich', 'consent'), 'dir');
    fs.copyFileSync(path.join(ROOT, 'tests', 'package', 'usage.ts'), path.join(project, 'usage.ts'));
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', lib: ['es2022', 'dom'], module: 'esnext', moduleResolution: 'bundler',
        types: [], noUnusedLocals: false,
      },
      files: ['usage.ts'],
    }));
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = (extra = []) => run(process.execPath, [tsc, '--noEmit', '--strict', '-p', project, ...extra], { cwd: project })
      .then(() => '', (error) => `${error.stdout}${error.stderr}`);
    assert.equal(await check(), '', 'usage.ts type-checks');

    // Without the @ts-expect-error markers the misuses must be errors, one each.
    const usage = fs.readFileSync(path.join(project, 'usage.ts'), 'utf8');
    const expected = usage.split('\n').filter((line) => /^\s*\/\/ @ts-expect-error/.test(line)).length;
    assert.ok(expected >= 1);
    fs.writeFileSync(path.join(project, 'usage.ts'), usage.replaceAll('// @ts-expect-error', '//'));
    const errors = (await check()).split('\n').filter((line) => /error TS\d+/.test(line));
    assert.equal(errors.length, expected, errors.join('\n'));
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
});

test('every .br and .gz file decompresses to exactly the file it sits next to', () => {
  const files = filesUnder(DIST);
  const packed = files.filter((f) => /\.(br|gz)$/.test(f));
  for (const name of files.filter((f) => /\.(m?js|wasm|css|json)$/.test(f) && f !== 'package.json')) {
    assert.ok(packed.includes(`${name}.br`) && packed.includes(`${name}.gz`), `${name} is not precompressed`);
  }
  for (const name of packed) {
    const original = fs.readFileSync(path.join(DIST, name.slice(0, -3)));
    const bytes = fs.readFileSync(path.join(DIST, name));
    const unpacked = name.endsWith('.br') ? zlib.brotliDecompressSync(bytes) : zlib.gunzipSync(bytes);
    assert.ok(unpacked.equals(original), `${name} does not decompress to its original`);
  }
});
