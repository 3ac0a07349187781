/*! CanEnrich Consent loader. Runs synchronously, first in <head>. It creates
 * window.CanEnrichConsent and its `ready` promise, guards what scripts insert or write before the
 * widget has decided, and loads the WebAssembly, stylesheet and config in parallel without
 * delaying the page. Every decision is made by the WebAssembly; until it answers, and if it never
 * loads, nothing optional runs (fail closed). */
(function () {
  'use strict';
  var w = window;
  var d = document;
  if (w.CanEnrichConsent) return;
  var tag = d.currentScript;
  var base = new URL('.', (tag && tag.src) || d.baseURI).href;
  var zh = /^zh/i.test(d.documentElement.lang || '');
  var engine = null; // the WebAssembly module, once instantiated
  var started = null; // the same, once the widget has started
  var settle;
  var api;

  function newReady() {
    var ready = new Promise(function (resolve, reject) {
      settle = { resolve: resolve, reject: reject };
    });
    // A failed start is reported on the console; pages that await `ready` see the rejection.
    ready.catch(function () {});
    return ready;
  }

  // Before start-up, reads answer "no consent" and actions wait for `ready`.
  function member(name, before) {
    return function () {
      var args = arguments;
      if (started) return started[name].apply(null, args);
      if (before !== undefined) return before;
      return api.ready.then(function () {
        return started[name].apply(null, args);
      });
    };
  }

  api = w.CanEnrichConsent = {
    ready: newReady(),
    getConsent: member('getConsent', null),
    acceptedCategory: member('acceptedCategory', false),
    getState: member('getState', null),
    acceptAll: member('acceptAll'),
    rejectAll: member('rejectAll'),
    acceptCategories: member('acceptCategories'),
    show: member('show'),
    hide: member('hide'),
    showPreferences: member('showPreferences'),
    reset: member('reset')
  };

  // ---- Google Consent Mode v2: everything denied before any tag can run; the widget sends
  // `update` on every choice and on every page load.
  w.dataLayer = w.dataLayer || [];
  if (typeof w.gtag !== 'function') {
    w.gtag = function () {
      w.dataLayer.push(arguments);
    };
  }
  w.gtag('consent', 'default', {
    ad_storage: 'denied',
    ad_user_data: 'denied',
    ad_personalization: 'denied',
    analytics_storage: 'denied',
    personalization_storage: 'denied',
    functionality_storage: 'denied',
    security_storage: 'denied',
    wait_for_update: 500
  });

  // ---- Element guard: anything with data-category that a script inserts is made inert unless
  // the widget allows it now; the widget releases it later like a static tag.
  var ADDRESSES = [['src', 'data-src'], ['srcset', 'data-srcset'], ['href', 'data-href']];

  function hold(node) {
    if (!node || (node.nodeType !== 1 && node.nodeType !== 11)) return;
    var gated = node.nodeType === 1 && node.hasAttribute('data-category') ? [node] : [];
    gated.push.apply(gated, node.querySelectorAll('[data-category]'));
    gated.forEach(function (el) {
      if (engine && engine.allows(el.getAttribute('data-category'))) return;
      if (el.tagName === 'SCRIPT') {
        var type = el.getAttribute('type');
        if (type === 'text/plain') return;
        if (type && !/javascript|ecmascript/i.test(type)) el.setAttribute('data-type', type);
        el.setAttribute('type', 'text/plain');
        return;
      }
      ADDRESSES.forEach(function (pair) {
        if (el.hasAttribute(pair[0])) {
          el.setAttribute(pair[1], el.getAttribute(pair[0]));
          el.removeAttribute(pair[0]);
        }
      });
    });
  }

  function guard(proto, name, first, count) {
    var original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function () {
      var end = count ? first + count : arguments.length;
      for (var i = first; i < end; i++) hold(arguments[i]);
      return original.apply(this, arguments);
    };
  }

  guard(Node.prototype, 'appendChild', 0, 1);
  guard(Node.prototype, 'insertBefore', 0, 1);
  guard(Node.prototype, 'replaceChild', 0, 1);
  guard(Element.prototype, 'insertAdjacentElement', 1, 1);
  ['append', 'prepend', 'before', 'after', 'replaceWith'].forEach(function (name) {
    guard(Element.prototype, name, 0, 0);
  });
  // Parser-inserted and innerHTML-inserted elements: held as soon as they are seen.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(hold);
    });
  }).observe(d.documentElement, { childList: true, subtree: true });

  // ---- Cookie guard: what scripts write through document.cookie waits for the widget, which
  // keeps only what the visitor's choice allows (essential cookies always).
  var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  var queued = [];
  if (cookie && cookie.configurable !== false && cookie.set) {
    Object.defineProperty(d, 'cookie', {
      configurable: true,
      enumerable: true,
      get: function () {
        return cookie.get.call(d);
      },
      set: function (value) {
        value = String(value);
        if (!started) queued.push(value);
        else if (started.keepsCookie(value)) cookie.set.call(d, value);
      }
    });
  }

  // ---- Loading
  function fetchText(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) throw new Error(url + ': HTTP ' + response.status);
      return response.text();
    });
  }

  var configUrl = tag && tag.getAttribute('data-config');
  var attributes = {};
  ['lang', 'theme', 'position'].forEach(function (name) {
    var value = tag && tag.getAttribute('data-' + name);
    if (value) attributes[name] = value;
  });
  if (tag && tag.hasAttribute('data-debug')) attributes.debug = 'true';

  function load(attempt) {
    var suffix = attempt ? '?retry=' + attempt : '';
    var remote = configUrl
      ? fetchText(new URL(configUrl, d.baseURI).href).then(
          function (text) { return { text: text }; },
          function (error) { return { error: String((error && error.message) || error) }; })
      : Promise.resolve({});
    var css = fetchText(base + 'canenrich-consent.css').catch(function () { return ''; });
    var wasm = import(base + 'canenrich_consent.js' + suffix).then(function (glue) {
      return glue.default({ module_or_path: base + 'canenrich_consent_bg.wasm' + suffix }).then(function () {
        engine = glue;
        return glue;
      });
    });
    Promise.all([wasm, remote, css])
      .then(function (loaded) {
        var glue = loaded[0];
        return glue
          .start({
            remote: loaded[1].text,
            remoteError: loaded[1].error,
            remoteSource: configUrl || undefined,
            attributes: attributes,
            css: loaded[2]
          })
          .then(function () {
            started = glue;
            queued.forEach(function (value) {
              if (glue.keepsCookie(value)) cookie.set.call(d, value);
            });
            queued = [];
            settle.resolve(api);
          });
      })
      .catch(function (error) {
        console.error('CanEnrich Consent could not start; optional cookies and tags stay blocked.', error);
        settle.reject(error);
        notice(attempt, error);
      });
  }

  // The widget failed to load (blocked, offline, 404): say so, keep everything optional blocked,
  // and offer to try again.
  function notice(attempt) {
    if (!d.body) {
      d.addEventListener('DOMContentLoaded', function () { notice(attempt); });
      return;
    }
    var host = d.getElementById('canenrich-consent');
    if (!host) {
      host = d.createElement('div');
      host.id = 'canenrich-consent';
      d.body.appendChild(host);
    }
    var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    root.replaceChildren();
    var sheet = d.createElement('link');
    sheet.rel = 'stylesheet';
    sheet.href = base + 'canenrich-consent.css';
    var box = d.createElement('section');
    box.className = 'cc cc-banner cc-fallback';
    box.setAttribute('role', 'alert');
    box.setAttribute('data-testid', 'load-error');
    var text = d.createElement('p');
    text.className = 'cc-text';
    text.textContent = zh
      ? 'Cookie 设置未能加载。在加载成功之前，所有可选 Cookie 都保持关闭。'
      : 'Cookie settings could not load. Optional cookies stay off until they do.';
    var retry = d.createElement('button');
    retry.type = 'button';
    retry.className = 'cc-button';
    retry.setAttribute('data-testid', 'retry');
    retry.textContent = zh ? '重试' : 'Try again';
    retry.addEventListener('click', function () {
      root.replaceChildren();
      api.ready = newReady();
      load(attempt + 1);
    });
    box.append(text, retry);
    root.append(sheet, box);
  }

  load(0);
})();
