/*! CanEnrich Consent, ES module entry for bundled apps: `load({ base })` starts the widget from
 * where dist/ is hosted. */
// The widget itself is the classic loader script (`canenrich-consent.js`), which finds its
// WebAssembly, stylesheet and suffix list next to itself through `document.currentScript`. A
// bundler moves this module but not those files, so `load()` inserts the loader as a classic
// script from the explicit `base` (a script inserted this way still sees itself as
// `document.currentScript`), with the options as the `data-*` attributes the tag would carry.

const CONFIG_ID = 'canenrich-consent-config';
const LOADER = 'canenrich-consent.js';

let pending = null;

/** `options.base` as an absolute http(s) URL ending in `/`; anything else is refused. */
function baseUrl(base) {
  if (typeof base !== 'string' && !(base instanceof URL)) {
    throw new TypeError('CanEnrich Consent: load() needs `base`, the URL where dist/ is hosted (e.g. "/consent/")');
  }
  const url = new URL(String(base), document.baseURI);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`CanEnrich Consent: \`base\` must be an http(s) URL or a path, not ${url.protocol}`);
  }
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function text(name, value) {
  if (value !== undefined && typeof value !== 'string') {
    throw new TypeError(`CanEnrich Consent: \`${name}\` must be a string`);
  }
  return value;
}

/** The loader tag and, for a config object, the inline config element to put before it. */
function elements(options) {
  if (!options || typeof options !== 'object') {
    throw new TypeError('CanEnrich Consent: load() takes an options object: { base, config, lang, theme, position }');
  }
  const script = document.createElement('script');
  script.src = new URL(LOADER, baseUrl(options.base)).href;
  // Ordered like the tag in the page: the widget must start before other scripts insert tags.
  script.async = false;
  const nonce = text('nonce', options.nonce);
  if (nonce) script.nonce = nonce;
  for (const name of ['lang', 'theme', 'position']) {
    const value = text(name, options[name]);
    if (value) script.setAttribute(`data-${name}`, value);
  }
  let inline = null;
  const { config } = options;
  if (typeof config === 'string' || config instanceof URL) {
    script.setAttribute('data-config', String(config));
  } else if (config !== undefined && config !== null) {
    if (typeof config !== 'object' || Array.isArray(config)) {
      throw new TypeError('CanEnrich Consent: `config` must be a config object or the URL of a config file');
    }
    if (document.getElementById(CONFIG_ID)) {
      throw new Error(`CanEnrich Consent: the page already has #${CONFIG_ID}; give the config there or to load(), not both`);
    }
    inline = document.createElement('script');
    inline.type = 'application/json';
    inline.id = CONFIG_ID;
    inline.textContent = JSON.stringify(config);
  }
  return { script, inline };
}

/**
 * Starts the widget from `options.base` (where dist/ is hosted) and resolves with
 * `window.CanEnrichConsent` once it has started (its `ready`). Options: `config` (a config
 * object, put in the page as the inline config, or the URL of a config file), `lang`, `theme`,
 * `position` (as the loader tag's `data-*` attributes) and `nonce` (the page's CSP nonce, given
 * to the loader tag). Bad options reject without loading anything, so nothing optional runs.
 * Called again, or on a page that already has the loader tag, it resolves with the same widget.
 * @param {{ base: string | URL, config?: object | string | URL, lang?: string, theme?: string,
 *           position?: string, nonce?: string }} options
 * @returns {Promise<object>}
 */
export function load(options) {
  if (pending) return pending;
  if (window.CanEnrichConsent) return window.CanEnrichConsent.ready;
  let parts;
  try {
    parts = elements(options);
  } catch (error) {
    return Promise.reject(error);
  }
  pending = new Promise((resolve, reject) => {
    const { script, inline } = parts;
    script.addEventListener('error', () => {
      // Nothing of a failed attempt stays on the page: a later call starts afresh.
      pending = null;
      inline?.remove();
      script.remove();
      reject(new Error(`CanEnrich Consent: could not load ${script.src}; optional cookies and tags stay blocked`));
    });
    script.addEventListener('load', () => {
      const api = window.CanEnrichConsent;
      if (api) api.ready.then(resolve, reject);
      else reject(new Error(`CanEnrich Consent: ${script.src} did not start the widget`));
    });
    if (inline) document.head.append(inline);
    document.head.append(script);
  });
  return pending;
}
