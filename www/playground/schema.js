// A small JSON Schema (draft 2020-12) validator for the playground: enough of the standard for
// the schema `cargo xtask dist` generates (`dist/config.schema.json`), and nothing more.
//
// Why not ajv: ajv compiles a schema into code with `new Function`, which the strict CSP the
// playground runs under (`script-src 'self'`, no 'unsafe-eval') refuses, and a precompiled
// ajv build would be a build step the page must not need. A keyword this file does not know
// is reported by `compile` instead of being skipped, and a package test checks that it gives the
// same verdicts as ajv on the published schema.

/** Keywords that only describe: they never make a value invalid. */
const ANNOTATIONS = new Set([
  '$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated',
  'readOnly', 'writeOnly', '$defs', 'definitions',
]);

/** Keywords `check` implements. */
const KEYWORDS = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'patternProperties',
  'propertyNames', 'items', 'minItems', 'maxItems', 'uniqueItems', 'minLength', 'maxLength',
  'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'format',
  '$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'minProperties', 'maxProperties',
]);

/** Integer formats schemars writes for Rust integer types, with their ranges. */
const INTEGER_FORMATS = {
  uint8: [0, 0xff], uint16: [0, 0xffff], uint32: [0, 0xffffffff], uint64: [0, Number.MAX_SAFE_INTEGER],
  uint: [0, Number.MAX_SAFE_INTEGER], int8: [-0x80, 0x7f], int16: [-0x8000, 0x7fff],
  int32: [-0x80000000, 0x7fffffff], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * One problem with a value: `path` is the field as the widget names it
 * (`categories.analytics.titel`, `essentialCookies[0]`, `.` for the whole config).
 * @typedef {{ path: string, message: string }} Problem
 */

/** The JSON type name of `value` as a schema writes it. */
function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function hasType(value, type) {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** `categories.analytics` + `title` → `categories.analytics.title`; indexes as `[0]`. */
function join(path, key) {
  if (typeof key === 'number') return `${path === '.' ? '' : path}[${key}]`;
  return path === '.' ? key : `${path}.${key}`;
}

const describe = (value) => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

/** "a", "a or b", "a, b or c". */
function either(items) {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

const article = (type) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function equal(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Prepares `root` for validation. Throws if the schema uses a keyword this validator does not
 * implement, or a `$ref` it cannot resolve, so that it never passes a value it did not check.
 * @returns {(value: unknown) => Problem[]} every problem found, empty when the value is valid.
 */
export function compile(root) {
  const resolve = (ref) => {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node = root;
    for (const part of ref.slice(2).split('/')) {
      node = node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
    return node;
  };

  const seen = new Set();
  const audit = (schema) => {
    if (typeof schema === 'boolean' || seen.has(schema)) return;
    seen.add(schema);
    for (const key of Object.keys(schema)) {
      if (!ANNOTATIONS.has(key) && !KEYWORDS.has(key)) throw new Error(`unsupported keyword ${key}`);
    }
    if (schema.format && typeof schema.format === 'string' && !INTEGER_FORMATS[schema.format]) {
      throw new Error(`unsupported format ${schema.format}`);
    }
    if (schema.$ref) audit(resolve(schema.$ref));
    for (const key of ['properties', 'patternProperties', '$defs', 'definitions']) {
      Object.values(schema[key] ?? {}).forEach(audit);
    }
    for (const key of ['additionalProperties', 'items', 'not', 'propertyNames']) {
      if (schema[key] !== undefined) audit(schema[key]);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf']) (schema[key] ?? []).forEach(audit);
  };
  audit(root);

  /** Appends to `out` what is wrong with `value` at `path` under `schema`. */
  const check = (schema, value, path, out) => {
    if (schema === true) return;
    if (schema === false) {
      out.push({ path, message: 'is not allowed here' });
      return;
    }
    if (schema.$ref) check(resolve(schema.$ref), value, path, out);
    if (schema.type !== undefined) {
      const types = [].concat(schema.type);
      if (!types.some((type) => hasType(value, type))) {
        const named = types.filter((type) => type !== 'null').map(article);
        if (types.includes('null')) named.push('null');
        out.push({ path, message: `expected ${either(named)}, found ${typeOf(value)} ${describe(value)}`, wrongType: true });
        return;
      }
    }
    if (schema.enum && !schema.enum.some((option) => equal(option, value))) {
      out.push({ path, message: `expected one of ${either(schema.enum.map(describe))}, found ${describe(value)}` });
    }
    if ('const' in schema && !equal(schema.const, value)) {
      out.push({ path, message: `expected ${describe(schema.const)}, found ${describe(value)}` });
    }
    if (typeof value === 'number') checkNumber(schema, value, path, out);
    if (typeof value === 'string') checkString(schema, value, path, out);
    if (Array.isArray(value)) checkArray(schema, value, path, out);
    if (typeOf(value) === 'object') checkObject(schema, value, path, out);
    for (const part of schema.allOf ?? []) check(part, value, path, out);
    if (schema.anyOf) checkAlternatives(schema.anyOf, value, path, out, false);
    if (schema.oneOf) checkAlternatives(schema.oneOf, value, path, out, true);
    if (schema.not !== undefined) {
      const inner = [];
      check(schema.not, value, path, inner);
      if (inner.length === 0) out.push({ path, message: 'is a value that is not allowed here' });
    }
  };

  const checkNumber = (schema, value, path, out) => {
    const range = INTEGER_FORMATS[schema.format];
    if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
      // The range says it all: a minimum or maximum message would repeat it.
      out.push({ path, message: `expected a whole number from ${range[0]} to ${range[1]}, found ${value}` });
      return;
    }
    if (schema.minimum !== undefined && value < schema.minimum) {
      out.push({ path, message: `must be at least ${schema.minimum}, found ${value}` });
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      out.push({ path, message: `must be at most ${schema.maximum}, found ${value}` });
    }
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
      out.push({ path, message: `must be more than ${schema.exclusiveMinimum}, found ${value}` });
    }
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
      out.push({ path, message: `must be less than ${schema.exclusiveMaximum}, found ${value}` });
    }
    if (schema.multipleOf !== undefined && !Number.isInteger(value / schema.multipleOf)) {
      out.push({ path, message: `must be a multiple of ${schema.multipleOf}, found ${value}` });
    }
  };

  const checkString = (schema, value, path, out) => {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) {
      out.push({ path, message: `must be at least ${schema.minLength} characters long` });
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      out.push({ path, message: `must be at most ${schema.maxLength} characters long` });
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      out.push({ path, message: `must match ${schema.pattern}, found ${describe(value)}` });
    }
  };

  const checkArray = (schema, value, path, out) => {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      out.push({ path, message: `needs at least ${schema.minItems} items` });
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      out.push({ path, message: `takes at most ${schema.maxItems} items` });
    }
    if (schema.uniqueItems && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) {
      out.push({ path, message: 'has the same item twice' });
    }
    if (schema.items !== undefined) {
      value.forEach((item, index) => check(schema.items, item, join(path, index), out));
    }
  };

  const checkObject = (schema, value, path, out) => {
    const keys = Object.keys(value);
    for (const name of schema.required ?? []) {
      if (!keys.includes(name)) out.push({ path: join(path, name), message: 'missing field' });
    }
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
      out.push({ path, message: `needs at least ${schema.minProperties} fields` });
    }
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
      out.push({ path, message: `takes at most ${schema.maxProperties} fields` });
    }
    const patterns = Object.entries(schema.patternProperties ?? {}).map(([source, sub]) => [new RegExp(source, 'u'), sub]);
    for (const key of keys) {
      const at = join(path, key);
      if (schema.propertyNames !== undefined) {
        const inner = [];
        check(schema.propertyNames, key, at, inner);
        if (inner.length) out.push({ path: at, message: `is not an allowed name (${inner[0].message})` });
      }
      let matched = false;
      if (schema.properties && Object.hasOwn(schema.properties, key)) {
        matched = true;
        check(schema.properties[key], value[key], at, out);
      }
      for (const [pattern, sub] of patterns) {
        if (pattern.test(key)) {
          matched = true;
          check(sub, value[key], at, out);
        }
      }
      if (!matched && schema.additionalProperties !== undefined) {
        if (schema.additionalProperties === false) {
          const known = Object.keys(schema.properties ?? {});
          const hint = known.length ? `; expected one of ${either(known.map((k) => `\`${k}\``))}` : '';
          out.push({ path: at, message: `unknown field \`${key}\`${hint}` });
        } else {
          check(schema.additionalProperties, value[key], at, out);
        }
      }
    }
  };

  // For `Option<T>` schemars writes `anyOf: [T, {type: null}]`: when the value fails every
  // branch, the most useful message is the one from the branch whose type the value has.
  const checkAlternatives = (branches, value, path, out, exactlyOne) => {
    const results = branches.map((branch) => {
      const inner = [];
      check(branch, value, path, inner);
      return inner;
    });
    const passed = results.filter((inner) => inner.length === 0).length;
    if (exactlyOne ? passed === 1 : passed >= 1) return;
    if (passed > 1) {
      out.push({ path, message: 'matches more than one of the allowed shapes' });
      return;
    }
    const typed = results.filter((inner) => !inner.some((p) => p.path === path && p.wrongType));
    if (typed.length === 1) {
      out.push(...typed[0]);
      return;
    }
    const expected = results.flatMap((inner) => inner.filter((p) => p.path === path).map((p) => p.message));
    const wanted = [...new Set(expected.map((m) => m.replace(/^expected /, '').replace(/, found .*$/, '')))];
    out.push({ path, message: `expected ${either(wanted)}, found ${typeOf(value)} ${describe(value)}`, wrongType: true });
  };

  return (value) => {
    const out = [];
    check(root, value, '.', out);
    // One problem per field and message, in the order found.
    const unique = new Map(out.map(({ path, message }) => [`${path}\n${message}`, { path, message }]));
    return [...unique.values()];
  };
}

/**
 * Reads JSON text strictly, as the widget does: returns the first syntax error's offset and
 * message, and the path of every key repeated within one object (`{"a":1,"a":2}`: `JSON.parse`
 * keeps the last one silently, the widget refuses the config).
 * @returns {{ error: { offset: number, message: string } | null, repeated: string[] }}
 */
function scan(text) {
  const repeated = [];
  let i = 0;
  const fail = (message) => {
    throw Object.assign(new Error(message), { offset: i });
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i += 1;
  };
  const expect = (char, what) => {
    space();
    if (text[i] !== char) fail(i < text.length ? `expected ${what}, found ${JSON.stringify(text[i])}` : `expected ${what}, found the end`);
    i += 1;
  };
  const string = () => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail('a control character (a line break?) inside a string');
      if (text[i] === '\\') {
        i += 1;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i])) {
          fail('a bad escape in a string');
        }
      }
      i += 1;
    }
    if (i >= text.length) {
      i = start;
      fail('a string that is never closed');
    }
    i += 1;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    space();
    const char = text[i];
    if (char === '{') {
      i += 1;
      const keys = new Set();
      space();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before "}"' : 'expected a field name in double quotes');
        const key = string();
        if (keys.has(key)) repeated.push(join(path, key));
        keys.add(key);
        expect(':', '":"');
        value(join(path, key));
        space();
        if (text[i] === '}') {
          i += 1;
          return;
        }
        expect(',', '"," or "}"');
      }
    } else if (char === '[') {
      i += 1;
      space();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (let index = 0; ; index += 1) {
        space();
        if (text[i] === ']') fail('a comma before "]"');
        value(join(path, index));
        space();
        if (text[i] === ']') {
          i += 1;
          return;
        }
        expect(',', '"," or "]"');
      }
    } else if (char === '"') {
      string();
    } else {
      const literal = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(text.slice(i));
      if (!literal) fail(i < text.length ? `unexpected ${JSON.stringify(char)}` : 'expected a value, found the end');
      i += literal[0].length;
    }
  };
  try {
    value('.');
    space();
    if (i < text.length) fail(`unexpected ${JSON.stringify(text[i])} after the end of the config`);
    return { error: null, repeated };
  } catch (error) {
    return { error: { offset: error.offset ?? i, message: error.message }, repeated };
  }
}

/**
 * Parses JSON text; a syntax error comes with its line and column, as an editor shows it.
 * @returns {{ value: unknown } | { error: { line: number, column: number, message: string } }}
 */
export function parseJson(text) {
  const { error } = scan(text);
  if (error) {
    const before = text.slice(0, error.offset).split('\n');
    return { error: { line: before.length, column: before.at(-1).length + 1, message: error.message } };
  }
  return { value: JSON.parse(text) };
}

/** The path of each key that JSON text repeats within one object. */
export function repeatedKeys(text) {
  return scan(text).repeated;
}
