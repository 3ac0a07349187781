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
  var engine = null; // the WebAssembly module being started or running (it decides the guards)
  var active = null; // the module that has started and answers the API
  var current = null; // promise of the module that takes the next action (changes on hand-over)
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

  // Before start-up, reads answer "no consent" and actions wait for the widget; during a
  // hand-over from the core to the full UI, actions wait for the full UI.
  function member(name, before) {
    return function () {
      var args = arguments;
      if (active && !upgrading) return active[name].apply(null, args);
      if (before !== undefined) return active ? active[name].apply(null, args) : before;
      return (current || api.ready).then(function (glue) {
        return (glue && glue[name] ? glue : active)[name].apply(null, args);
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
  // `update` on every choice and on every page load. `data-consent-regions="ES,FR,…"` scopes the
  // denied default to those regions (ISO 3166-2) and grants by default elsewhere — the site
  // owner's explicit choice; `data-consent-wait` sets wait_for_update (ms, default 500).
  w.dataLayer = w.dataLayer || [];
  if (typeof w.gtag !== 'function') {
    w.gtag = function () {
      w.dataLayer.push(arguments);
    };
  }
  var TYPES = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage',
    'personalization_storage', 'functionality_storage', 'security_storage'];
  var wait = parseInt((tag && tag.getAttribute('data-consent-wait')) || '500', 10);
  var regions = ((tag && tag.getAttribute('data-consent-regions')) || '')
    .split(',')
    .map(function (region) { return region.trim().toUpperCase(); })
    .filter(function (region) { return /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(region); });
  function defaults(value, extra) {
    var state = { wait_for_update: wait >= 0 ? wait : 500 };
    TYPES.forEach(function (type) { state[type] = value; });
    Object.keys(extra).forEach(function (key) { state[key] = extra[key]; });
    return state;
  }
  if (regions.length) {
    w.gtag('consent', 'default', defaults('denied', { region: regions }));
    w.gtag('consent', 'default', defaults('granted', {}));
  } else {
    w.gtag('consent', 'default', defaults('denied', {}));
  }

  // ---- Element guard: anything with data-category that a script inserts is made inert unless
  // the widget allows it now; the widget releases it later like a static tag.
  var ADDRESSES = [['src', 'data-src'], ['srcset', 'data-srcset'], ['href', 'data-href']];

  // Returns whether `node` is or contains an element with data-category (held or allowed).
  function hold(node) {
    if (!node || (node.nodeType !== 1 && node.nodeType !== 11)) return false;
    var gated = node.nodeType === 1 && node.hasAttribute('data-category') ? [node] : [];
    // The parser inserts elements one by one, before their children: only a node that arrives
    // with children (innerHTML, a fragment, a built subtree) needs searching.
    if (node.firstElementChild) gated.push.apply(gated, node.querySelectorAll('[data-category]'));
    gated.forEach(function (el) {
      if (engine && engine.allows(el.getAttribute('data-category'), el.getAttribute('data-service') || undefined)) return;
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
    return gated.length > 0;
  }

  // Shadow roots (open or closed) that gated elements went into: the widget searches them like the
  // document when it releases (it is handed this list; a selector does not reach into them).
  var roots = [];
  function remember(target) {
    var root = target.getRootNode ? target.getRootNode() : null;
    if (root && root.nodeType === 11 && root.host && roots.indexOf(root) === -1) roots.push(root);
  }

  function guard(proto, name, first, count) {
    var original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function () {
      var end = count ? first + count : arguments.length;
      var gated = false;
      for (var i = first; i < end; i++) gated = hold(arguments[i]) || gated;
      if (gated) remember(this);
      return original.apply(this, arguments);
    };
  }

  guard(Node.prototype, 'appendChild', 0, 1);
  guard(Node.prototype, 'insertBefore', 0, 1);
  guard(Node.prototype, 'replaceChild', 0, 1);
  guard(Element.prototype, 'insertAdjacentElement', 1, 1);
  ['append', 'prepend', 'replaceChildren', 'before', 'after', 'replaceWith'].forEach(function (name) {
    guard(Element.prototype, name, 0, 0);
  });
  // A document, a fragment and a shadow root (a fragment too) have their own copies.
  ['append', 'prepend', 'replaceChildren'].forEach(function (name) {
    guard(Document.prototype, name, 0, 0);
    guard(DocumentFragment.prototype, name, 0, 0);
  });

  // Parser-inserted elements, and whatever reaches the page by a route not guarded above: held as
  // soon as they are seen. Shadow roots are watched like the document.
  var observer = new MutationObserver(function (records) {
    for (var r = 0; r < records.length; r++) {
      var added = records[r].addedNodes;
      for (var n = 0; n < added.length; n++) {
        if (hold(added[n])) remember(records[r].target);
      }
    }
  });
  var watched = { childList: true, subtree: true };
  observer.observe(d.documentElement, watched);
  var attachShadow = Element.prototype.attachShadow;
  if (typeof attachShadow === 'function') {
    Element.prototype.attachShadow = function () {
      var root = attachShadow.apply(this, arguments);
      observer.observe(root, watched);
      return root;
    };
  }

  // Markup strings: a frame starts loading as soon as it is inserted, before any observer sees
  // it. Markup that gates something is parsed inert first, held, then inserted; other markup
  // goes straight through.
  var innerHTML = Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML');
  function isGating(html) {
    return !!innerHTML && /data-category/i.test(String(html));
  }
  function parsed(html) {
    var box = d.createElement('template');
    innerHTML.set.call(box, html);
    hold(box.content);
    return box;
  }
  // Whether markup set inside `node` parses as it would in a <template>: a fragment or an HTML
  // element (not SVG or MathML, not a template, whose content is inert anyway).
  function isHtml(node) {
    return node.nodeType === 11 ||
      (node.namespaceURI === 'http://www.w3.org/1999/xhtml' && node.tagName !== 'TEMPLATE');
  }
  // `insert(node)` says how to put a held fragment in place of what the setter would parse, or
  // nothing where the original must run (it throws without a parent or under a document).
  function markup(proto, name, insert) {
    var own = Object.getOwnPropertyDescriptor(proto, name);
    if (!own || !own.set) return;
    Object.defineProperty(proto, name, {
      configurable: true,
      enumerable: own.enumerable,
      get: own.get,
      set: function (html) {
        var put = isGating(html) && insert(this);
        if (put) put.call(this, parsed(html).content);
        else own.set.call(this, html);
      }
    });
  }
  function children(node) {
    return isHtml(node) && node.replaceChildren;
  }
  markup(Element.prototype, 'innerHTML', children);
  if (w.ShadowRoot) markup(ShadowRoot.prototype, 'innerHTML', children);
  markup(Element.prototype, 'outerHTML', function (node) {
    var parent = node.parentNode;
    return parent && parent.nodeType !== 9 && isHtml(parent) && node.replaceWith;
  });
  var insertAdjacentHTML = Element.prototype.insertAdjacentHTML;
  var PLACES = { beforebegin: 'before', afterbegin: 'prepend', beforeend: 'append', afterend: 'after' };
  Element.prototype.insertAdjacentHTML = function (position, html) {
    var place = PLACES[String(position).toLowerCase()];
    var outside = place === 'before' || place === 'after';
    var context = outside ? this.parentNode : this;
    if (!place || !isGating(html) || !context || context.nodeType === 9 || !isHtml(context)) {
      return insertAdjacentHTML.apply(this, arguments);
    }
    this[place](parsed(html).content);
  };

  // document.write of gating markup writes it already held.
  ['write', 'writeln'].forEach(function (name) {
    var original = Document.prototype[name];
    Document.prototype[name] = function () {
      var args = [];
      for (var i = 0; i < arguments.length; i++) {
        args.push(isGating(arguments[i]) ? innerHTML.get.call(parsed(arguments[i])) : arguments[i]);
      }
      return original.apply(this, args);
    };
  });

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
        if (!active) queued.push(value);
        else if (active.keepsCookie(value)) cookie.set.call(d, value);
      }
    });
  }

  // ---- Loading
  // A same-origin-credentials fetch that fails on an HTTP error status.
  function fetchOk(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) throw new Error(url + ': HTTP ' + response.status);
      return response;
    });
  }

  function fetchText(url) {
    return fetchOk(url).then(function (response) { return response.text(); });
  }

  var configUrl = tag && tag.getAttribute('data-config');
  var attributes = {};
  ['lang', 'theme', 'position'].forEach(function (name) {
    var value = tag && tag.getAttribute('data-' + name);
    if (value) attributes[name] = value;
  });
  if (tag && tag.hasAttribute('data-debug')) attributes.debug = 'true';

  // A returning visitor (a consent cookie exists) gets the small core build, which has no banner
  // or dialog; it hands over to the full UI when one must show. Everyone else gets the full UI.
  var inputs = null;
  var upgrading = false;
  var retired = null; // a core build that handed over before it finished starting

  // Fetches and compiles a WebAssembly module, streaming when the host sends application/wasm.
  function compile(url) {
    return fetchOk(url).then(function (response) {
      var type = response.headers.get('content-type') || '';
      return WebAssembly.compileStreaming && type.indexOf('application/wasm') === 0
        ? WebAssembly.compileStreaming(response)
        : response.arrayBuffer().then(function (bytes) { return WebAssembly.compile(bytes); });
    });
  }

  function instantiate(flavour, suffix) {
    var name = flavour === 'core' ? 'canenrich_consent_core' : 'canenrich_consent';
    // The module downloads and compiles while its JS glue loads, not after it.
    var module = compile(base + name + '_bg.wasm' + suffix);
    module.catch(function () {}); // handled below; the glue may fail first
    return import(base + name + '.js' + suffix).then(function (glue) {
      return module.then(function (compiled) {
        return glue.default({ module_or_path: compiled });
      }).then(function () {
        return glue;
      });
    });
  }

  function boot(flavour, suffix, extra) {
    return Promise.all([instantiate(flavour, suffix), inputs]).then(function (loaded) {
      var glue = loaded[0];
      engine = glue;
      var options = {
        remote: loaded[1][0].text,
        remoteError: loaded[1][0].error,
        remoteSource: configUrl || undefined,
        attributes: attributes,
        css: loaded[1][1],
        upgrade: upgrade,
        shadowRoots: roots,
        // Fetched only when something must be erased on a host with parent domains.
        suffixList: function () { return fetchText(base + 'public_suffix_list.dat'); }
      };
      Object.keys(extra).forEach(function (key) {
        options[key] = extra[key];
      });
      return glue.start(options).then(function () {
        // A core build that found no valid choice handed over while starting: the full UI
        // answers from now on, and `ready` waits for it.
        if (glue === retired) return current;
        active = glue;
        queued.forEach(function (value) {
          if (glue.keepsCookie(value)) cookie.set.call(d, value);
        });
        queued = [];
        return glue;
      });
    });
  }

  // Called by the core build when the banner or the preferences must show.
  function upgrade(view) {
    if (upgrading || !engine) return;
    upgrading = true;
    var core = engine;
    // Only a core that finished starting has announced the choice and said it is ready.
    var started = core === active;
    if (!started) retired = core;
    core.stop();
    current = boot('full', '', { view: view, handover: started }).then(
      function (glue) {
        upgrading = false;
        return glue;
      },
      function (error) {
        upgrading = false;
        // While starting, the failure is start-up's: `ready` rejects and the notice shows.
        if (!started) throw error;
        console.error('CanEnrich Consent could not load the preferences.', error);
        return core;
      });
  }

  function load(attempt) {
    var suffix = attempt ? '?retry=' + attempt : '';
    var remote = configUrl
      ? fetchText(new URL(configUrl, d.baseURI).href).then(
          function (text) { return { text: text }; },
          function (error) { return { error: String((error && error.message) || error) }; })
      : Promise.resolve({});
    var css = fetchText(base + 'canenrich-consent.css').catch(function () { return ''; });
    inputs = Promise.all([remote, css]);
    var jar = cookie && cookie.get ? cookie.get.call(d) : d.cookie;
    var returning = /(?:^|;\s*)canenrich_consent=/.test(jar);
    current = boot(returning ? 'core' : 'full', suffix, {});
    current.then(
      function () {
        settle.resolve(api);
      },
      function (error) {
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
