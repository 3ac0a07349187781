// The playground's own JSON Schema validator (www/playground/schema.js) against ajv on the
// published dist/config.schema.json: the same verdict for every config, and each problem named
// at the field ajv names. The playground cannot use ajv itself: ajv compiles with `new Function`,
// which its strict CSP refuses.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';

import { compile, parseJson, repeatedKeys } from '../../www/playground/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = process.env.CANENRICH_DIST ? path.resolve(process.env.CANENRICH_DIST) : path.join(ROOT, 'dist');
const readJson = (name) => JSON.parse(fs.readFileSync(path.join(DIST, name), 'utf8'));

/** ajv's `/categories/analytics/cookies/0` as the widget writes it: `categories.analytics.cookies[0]`. */
function fieldOf(error) {
  const parts = error.instancePath.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'additionalProperties') parts.push(error.params.additionalProperty);
  if (error.keyword === 'required') parts.push(error.params.missingProperty);
  return parts.reduce((at, part) => (/^\d+$/.test(part) ? `${at}[${part}]` : at ? `${at}.${part}` : part), '') || '.';
}

const CONFIGS = [
  {},
  { revision: 0 },
  { revision: 4294967295 },
  { revision: 4294967296 },
  { revision: -1 },
  { revision: 1.5 },
  { revision: '2' },
  { revision: null },
  { language: 'zh-CN', theme: 'dark', position: 'bottom-bar' },
  { theme: 'pink' },
  { position: 'top' },
  { theme: 3 },
  { expiryDays: 30, refusalExpiryDays: 10 },
  { expiryDay: 30 },
  { essentialCookies: ['a', 'b*'] },
  { essentialCookies: 'csrf*' },
  { essentialCookies: [1] },
  { privacyPolicyUrl: '/privacy' },
  { privacyPolicyUrl: 7 },
  { showReopenButton: 'yes' },
  { consentMode: { analytics_storage: ['analytics'] } },
  { consentMode: { analytics_storage: 'analytics' } },
  { categories: null },
  { categories: [] },
  { categories: { analytics: { title: 'Usage', description: 'd', cookies: ['_ga'], storage: ['s'] } } },
  { categories: { analytics: { titel: 'x' } } },
  { categories: { analytics: { title: 5 } } },
  { categories: { video: { title: 'Videos', gpc: true } } },
  { categories: { video: { cookies: [1] } } },
  { categories: { personalization: null } },
  { categories: { analytics: { services: [{ name: 'GA', cookies: [{ name: '_ga', duration: '2 years', purpose: 'p' }] }] } } },
  { categories: { analytics: { services: [{ provider: 'no name' }] } } },
  { categories: { analytics: { services: [{ name: 'GA', cookies: [{ name: '_ga' }] }] } } },
  { categories: { analytics: { services: [{ name: 'GA', extra: 1 }] } } },
  { $schema: '/consent/config.schema.json', debug: true, testOverrides: false },
  [],
  'config',
  null,
];

test('the playground validator gives ajv\'s verdict on the published schema, naming the same fields', () => {
  const schema = readJson('config.schema.json');
  const ajv = new Ajv2020({ strict: false, allowUnionTypes: true, allErrors: true });
  ajv.addFormat('uint32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff });
  const reference = ajv.compile(schema);
  const validate = compile(schema);

  const configs = [...CONFIGS, readJson('config.json')];
  let refused = 0;
  for (const config of configs) {
    const expected = reference(config);
    const problems = validate(config);
    const label = JSON.stringify(config);
    assert.equal(problems.length === 0, expected, `${label}: ajv says ${expected}, playground says ${JSON.stringify(problems)}`);
    if (expected) continue;
    refused += 1;
    for (const problem of problems) assert.ok(problem.message.length > 5, `${label}: ${JSON.stringify(problem)}`);
    // Each field the playground names is one ajv names (ajv also lists every failed branch of an
    // anyOf at the enclosing path, so only this direction is exact).
    const named = new Set(reference.errors.map(fieldOf));
    for (const problem of problems) assert.ok(named.has(problem.path), `${label}: ${problem.path} is not among ${[...named]}`);
  }
  assert.ok(refused >= 20, `only ${refused} configs were refused: the corpus tests too little`);

  const typo = validate({ categories: { analytics: { titel: 'x' } } });
  assert.deepEqual(typo.map((p) => p.path), ['categories.analytics.titel']);
  assert.match(typo[0].message, /unknown field `titel`/);
  assert.deepEqual(validate({ revision: -1 }).map((p) => p.path), ['revision']);
  assert.deepEqual(validate({ categories: { video: { cookies: [1] } } }).map((p) => p.path), ['categories.video.cookies[0]']);
});

test('a schema keyword the validator does not implement is refused, not skipped', () => {
  assert.throws(() => compile({ type: 'object', properties: { a: { if: { type: 'string' } } } }), /unsupported keyword if/);
  assert.throws(() => compile({ $ref: '#/$defs/Missing' }), /unresolved \$ref/);
  assert.throws(() => compile({ type: 'string', format: 'email' }), /unsupported format email/);
});

test('JSON errors carry a line and column, and repeated keys are found with their path', () => {
  const broken = parseJson('{\n  "revision": 1,\n  "theme": \n}');
  assert.ok('error' in broken);
  assert.equal(broken.error.line, 4);
  assert.equal(broken.error.column, 1);
  assert.deepEqual(parseJson('{"a": [1]}'), { value: { a: [1] } });
  for (const config of [...CONFIGS, readJson('config.json')]) {
    for (const text of [JSON.stringify(config), JSON.stringify(config, null, 2)]) {
      assert.deepEqual(parseJson(text), { value: config }, `the strict reader accepts what JSON.parse does: ${text}`);
    }
  }
  assert.deepEqual(parseJson('{"a": "\\u00e9\\n", "b": -0.5e3}'), { value: { a: 'é\n', b: -500 } });
  assert.deepEqual(repeatedKeys('{"revision": 1, "categories": {"a": {"title": "x", "title": "y"}}, "revision": 2}'),
    ['categories.a.title', 'revision']);
  assert.deepEqual(repeatedKeys('{"a": {"b": 1}, "c": {"b": 2}, "d": ["x", {"e": "\\"}"}]}'), []);
});
