/*! CanEnrich Consent loader. Runs synchronously first in <head>: creates window.CanEnrichConsent
 * and its `ready` promise, then fetches the WebAssembly, the stylesheet and the config in parallel
 * without delaying the page. Gated tags are inert markup (type="text/plain", data-src) until the
 * WebAssembly releases them, so if anything here fails, nothing optional runs. */
(function () {
  'use strict';
  var w = window;
  var d = document;
  if (w.CanEnrichConsent) return;
  var tag = d.currentScript;
  var base = new URL('.', (tag && tag.src) || d.baseURI).href;
  var started = null;
  var resolveReady;
  var rejectReady;
  var ready = new Promise(function (resolve, reject) {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A failed start is reported on the console; pages that await `ready` see the rejection.
  ready.catch(function () {});

  // Before start-up, reads answer "no consent" and actions wait for `ready`.
  function member(name, before) {
    return function () {
      var args = arguments;
      if (started) return started[name].apply(null, args);
      if (before !== undefined) return before;
      return ready.then(function () {
        return started[name].apply(null, args);
      });
    };
  }

  var api = (w.CanEnrichConsent = {
    ready: ready,
    getConsent: member('getConsent', null),
    acceptedCategory: member('acceptedCategory', false),
    acceptAll: member('acceptAll'),
    rejectAll: member('rejectAll'),
    acceptCategories: member('acceptCategories'),
    show: member('show'),
    hide: member('hide'),
    showPreferences: member('showPreferences'),
    reset: member('reset')
  });

  function fetchText(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.text();
    });
  }

  var configUrl = tag && tag.getAttribute('data-config');
  var remote = configUrl
    ? fetchText(new URL(configUrl, d.baseURI).href).then(
        function (text) { return { text: text }; },
        function (error) { return { error: String((error && error.message) || error) }; })
    : Promise.resolve({});
  var css = fetchText(base + 'canenrich-consent.css').catch(function () { return ''; });
  var wasm = import(base + 'canenrich_consent.js').then(function (glue) {
    return glue.default({ module_or_path: base + 'canenrich_consent_bg.wasm' }).then(function () {
      return glue;
    });
  });

  var attributes = {};
  ['lang', 'theme', 'position'].forEach(function (name) {
    var value = tag && tag.getAttribute('data-' + name);
    if (value) attributes[name] = value;
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
          resolveReady(api);
        });
    })
    .catch(function (error) {
      console.error('CanEnrich Consent could not start; optional cookies and tags stay blocked.', error);
      rejectReady(error);
    });
})();
