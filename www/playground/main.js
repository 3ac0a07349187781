// The playground page: a config editor (JSON text and a form for the common fields, kept in
// step), validation against dist/config.schema.json as you type, a live preview of the real
// widget and the embed snippet. Plain modules, no build step: index.html loads this file as
// its only script, so it runs under `script-src 'self'`.

import { CATEGORY_NAME, CategoryList } from './categories.js';
import { Preview } from './preview.js';
import { compile, parseJson, repeatedKeys } from './schema.js';
import { Snippet } from './snippet.js';

/** Where `dist/` is, relative to the page (index.html sits next to it). */
const DIST = new URL('dist/', document.baseURI);
/** Wait after the last keystroke before the preview reloads, in milliseconds. */
const PREVIEW_DELAY_MS = 400;

const $ = (id) => document.getElementById(id);

const json = $('json');
const jsonStatus = $('json-status');
const formFields = $('form-fields');
const formDisabled = $('form-disabled');
const simpleFields = [...document.querySelectorAll('[data-field]')];

/** The config as last parsed from the text, or `null` while the text is not JSON. */
let config = null;
/** The JSON text the preview last loaded, and whether the text now differs from it. */
let previewed = null;
let previewTimer = 0;
let validate = () => [];
/** The built-in categories (from dist/config.json), to restore one that was removed. */
let builtinCategories = {};
/** The built-in Consent Mode map, to put a restored category back into it. */
let builtinConsentMode = {};

const preview = new Preview($('preview'), {
  dist: DIST,
  agent: new URL('./preview-agent.js', import.meta.url),
  stylesheet: new URL('./preview.css', import.meta.url),
  status: $('preview-status'),
});
const snippet = new Snippet({
  text: $('snippet'),
  base: $('base'),
  modes: document.querySelectorAll('input[name="mode"]'),
  copy: $('copy'),
  download: $('download'),
  status: $('copy-status'),
});
const categories = new CategoryList($('categories'), {
  onChange: (mutate, structural) => editFromForm(mutate, structural),
  builtIn: (name) => builtinCategories[name] ?? undefined,
  builtInConsentMode: () => builtinConsentMode,
});

/**
 * Applies `mutate` to the config, writes the JSON text back and refreshes everything else; the
 * category groups are drawn again when `structural` (one was added or removed).
 */
function editFromForm(mutate, structural = false) {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return;
  mutate(config);
  json.value = JSON.stringify(config, null, 2);
  if (structural) categories.render(config.categories);
  refresh({ fromForm: true });
}

/** "Add category": a new category needs a valid, unused name and a title (the name, to start). */
function addCategory() {
  const input = $('new-category');
  const name = input.value.trim();
  const error = $('new-category-error');
  const existing = config && typeof config.categories === 'object' && config.categories !== null ? config.categories : {};
  let problem = '';
  if (!CATEGORY_NAME.test(name)) problem = `"${name}" is not a category name: use lower-case letters, digits, - and _, starting with a letter.`;
  else if (Object.hasOwn(existing, name)) problem = `There is already a category "${name}".`;
  error.textContent = problem;
  error.hidden = !problem;
  input.setAttribute('aria-invalid', String(Boolean(problem)));
  if (problem) {
    input.focus();
    return;
  }
  editFromForm((target) => {
    if (typeof target.categories !== 'object' || target.categories === null || Array.isArray(target.categories)) target.categories = {};
    target.categories[name] = { title: name.charAt(0).toUpperCase() + name.slice(1).replace(/[-_]/g, ' ') };
  }, true);
  input.value = '';
  document.querySelector(`fieldset[data-category="${name}"] input`)?.focus();
}

/** Sets or removes (empty value) one top-level field from its form control. */
function readSimpleField(control) {
  const name = control.dataset.field;
  const raw = control.value.trim();
  editFromForm((target) => {
    if (raw === '') {
      delete target[name];
    } else if (name === 'revision') {
      // A number when it reads as one; otherwise the text, so the schema names the problem.
      target[name] = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw) ? Number(raw) : raw;
    } else {
      target[name] = raw;
    }
  });
}

/** Puts the config's values into the form (called when the JSON text changed). */
function fillForm() {
  const usable = config !== null && typeof config === 'object' && !Array.isArray(config);
  formFields.disabled = !usable;
  formDisabled.hidden = usable;
  for (const extra of document.querySelectorAll('option[data-extra]')) extra.remove();
  for (const control of simpleFields) {
    const value = usable ? config[control.dataset.field] : undefined;
    const text = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (control.tagName === 'SELECT' && text && ![...control.options].some((o) => o.value === text)) {
      // A value the form does not offer (the schema will say why): show it rather than hide it.
      const option = document.createElement('option');
      option.value = text;
      option.textContent = `${text} (not valid)`;
      option.dataset.extra = '';
      control.append(option);
    }
    control.value = text;
  }
  categories.render(usable ? config.categories : undefined, !usable);
}

/** Validates the text, shows the problems, marks the form controls, updates the snippet. */
function refresh({ fromForm = false } = {}) {
  const parsed = parseJson(json.value);
  let problems = [];
  if ('error' in parsed) {
    config = null;
    const { line, column, message } = parsed.error;
    problems = [{ path: `line ${line}, column ${column}`, message: `not valid JSON: ${message}` }];
  } else {
    config = parsed.value;
    problems = [
      ...repeatedKeys(json.value).map((path) => ({ path, message: 'this field is written twice (the widget refuses a repeated key)' })),
      ...validate(config),
    ];
  }
  if (!fromForm) fillForm();
  showProblems(problems);
  const valid = problems.length === 0;
  snippet.update(valid ? JSON.stringify(config, null, 2) : null);
  schedulePreview(valid);
}

function showProblems(problems) {
  json.setAttribute('aria-invalid', String(problems.length > 0));
  jsonStatus.replaceChildren();
  jsonStatus.classList.toggle('is-error', problems.length > 0);
  for (const control of document.querySelectorAll('[data-path]')) {
    control.removeAttribute('aria-invalid');
    const error = document.getElementById(`${control.id}-error`);
    if (error) error.remove();
    control.setAttribute('aria-describedby', control.dataset.describedby ?? '');
    if (!control.getAttribute('aria-describedby')) control.removeAttribute('aria-describedby');
  }
  if (problems.length === 0) {
    jsonStatus.textContent = 'Valid: the config matches config.schema.json.';
    return;
  }
  const heading = document.createElement('p');
  heading.textContent = problems.length === 1 ? '1 problem:' : `${problems.length} problems:`;
  const list = document.createElement('ul');
  for (const problem of problems) {
    const item = document.createElement('li');
    const path = document.createElement('code');
    path.textContent = problem.path;
    item.append(path, `: ${problem.message}`);
    list.append(item);
    markControl(problem);
  }
  jsonStatus.append(heading, list);
}

/** Marks the form control that edits `problem.path` (or the nearest enclosing one). */
function markControl(problem) {
  for (let path = problem.path; path; path = path.replace(/(\.[^.[]*|\[\d+\])$/, '') || '') {
    const control = [...document.querySelectorAll('[data-path]')].find((c) => c.dataset.path === path);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      if (!document.getElementById(`${control.id}-error`)) {
        const error = document.createElement('p');
        error.id = `${control.id}-error`;
        error.className = 'field-error';
        error.textContent = `${problem.path}: ${problem.message}`;
        control.closest('.field')?.append(error);
        control.setAttribute('aria-describedby', [control.dataset.describedby, error.id].filter(Boolean).join(' '));
      }
      return;
    }
    if (!/[.[]/.test(path)) return;
  }
}

function schedulePreview(valid) {
  clearTimeout(previewTimer);
  if (!valid) {
    preview.stale(previewed !== null);
    return;
  }
  const text = JSON.stringify(config);
  if (text === previewed) {
    preview.stale(false);
    return;
  }
  previewTimer = setTimeout(() => {
    previewed = text;
    preview.load(text);
  }, PREVIEW_DELAY_MS);
}

async function fetchJson(name) {
  const response = await fetch(new URL(name, DIST));
  if (!response.ok) throw new Error(`${new URL(name, DIST).pathname}: HTTP ${response.status}`);
  return response.json();
}

async function start() {
  for (const control of simpleFields) {
    control.dataset.path = control.dataset.field;
    if (control.hasAttribute('aria-describedby')) control.dataset.describedby = control.getAttribute('aria-describedby');
    control.addEventListener(control.tagName === 'SELECT' ? 'change' : 'input', () => readSimpleField(control));
  }
  json.addEventListener('input', () => refresh());
  $('add-category').addEventListener('click', addCategory);
  $('new-category').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      addCategory();
    }
  });
  $('show-banner').addEventListener('click', () => preview.call('show'));
  $('show-preferences').addEventListener('click', () => preview.call('showPreferences'));
  $('reset').addEventListener('click', () => preview.call('reset'));
  $('reload').addEventListener('click', () => {
    if (previewed !== null) preview.load(previewed);
  });

  let builtin;
  try {
    const [defaults, schema] = await Promise.all([fetchJson('config.json'), fetchJson('config.schema.json')]);
    builtin = defaults;
    validate = compile(schema);
  } catch (error) {
    jsonStatus.classList.add('is-error');
    jsonStatus.textContent = `Could not load the widget's files (${error.message}). Build them with \`cargo xtask dist\` and serve this page next to dist/.`;
    formFields.disabled = true;
    return;
  }
  builtinCategories = builtin.categories ?? {};
  builtinConsentMode = builtin.consentMode ?? {};
  json.value = JSON.stringify(builtin, null, 2);
  refresh();
  document.documentElement.dataset.ready = '';
}

start();
