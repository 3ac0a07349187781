// Loading: fetches the config and stylesheet, compiles and starts the core or full WebAssembly
// build, hands over from the core to the full UI, and settles `ready`.

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
// Test overrides come from the loader tag or the data-config file, never from markup in the page.
if (tag && tag.hasAttribute('data-test-overrides')) attributes.testOverrides = 'true';

// The config and stylesheet of the current attempt, fetched while the WebAssembly compiles.
var inputs = null;

// Fetches and compiles a WebAssembly module, streaming when the host sends application/wasm.
function compile(url) {
  return fetchOk(url).then(function (response) {
    var type = response.headers.get('content-type') || '';
    return WebAssembly.compileStreaming && type.indexOf('application/wasm') === 0
      ? WebAssembly.compileStreaming(response)
      : response.arrayBuffer().then(function (bytes) { return WebAssembly.compile(bytes); });
  });
}

// Settles once the page's first frame is on screen: a task queued from the first animation
// frame runs after that frame is painted and committed. Instantiating and starting the
// WebAssembly is main-thread work that would otherwise hold that frame back (the painted banner
// and the page show together in it either way). A hidden document draws no frames, so it does
// not wait; nor does one that is hidden before its first frame, or whose frames are throttled
// (an iframe out of view), past FIRST_FRAME_WAIT_MS.
var FIRST_FRAME_WAIT_MS = 200;
var firstFrame = new Promise(function (resolve) {
  if (d.visibilityState === 'hidden' || typeof requestAnimationFrame !== 'function') return resolve();
  requestAnimationFrame(function () { setTimeout(resolve, 0); });
  d.addEventListener('visibilitychange', resolve, { once: true });
  setTimeout(resolve, FIRST_FRAME_WAIT_MS);
});

function instantiate(flavour, suffix) {
  var name = FILES[flavour];
  // The module downloads and compiles while its JS glue loads, not after it.
  var module = compile(base + name + '_bg.wasm' + suffix);
  module.catch(function () {}); // handled below; the glue may fail first
  return import(base + name + '.js' + suffix).then(function (glue) {
    return Promise.all([module, firstFrame]).then(function (loaded) {
      return glue.default({ module_or_path: loaded[0] });
    }).then(function () {
      return glue;
    });
  });
}

function boot(flavour, suffix, extra) {
  return Promise.all([instantiate(flavour, suffix), inputs]).then(function (loaded) {
    var glue = loaded[0];
    engine = glue;
    if (flavour === 'core') lean = glue;
    var options = {
      remote: loaded[1][0].text,
      remoteError: loaded[1][0].error,
      remoteSource: configUrl || undefined,
      attributes: attributes,
      css: loaded[1][1],
      upgrade: upgrade,
      shadowRoots: roots,
      // Under a nonce-based CSP, only held scripts carrying the loader's own nonce are released.
      nonce: (tag && tag.nonce) || undefined,
      // The browser's own document.cookie setter: the widget's writes must not meet the guard.
      cookieSetter: cookie && cookie.set,
      takeOver: takeOver,
      // The key of these config sources: the full build keeps the lean core's settings under
      // it, and the core checks it once the page is parsed.
      settingsKey: function () { return settingsKey(loaded[1][0].text); },
      forward: forward,
      // Fetched only when something must be erased on a host with parent domains.
      suffixList: function () { return fetchText(base + FILES.suffixList); }
    };
    Object.keys(extra).forEach(function (key) {
      options[key] = extra[key];
    });
    return glue.start(options).then(function () {
      // A lean core that handed over while starting: the full build answers from now on, and
      // `ready` waits for it.
      if (glue === retired) return current;
      active = glue;
      flushCookies(glue);
      replay(glue);
      return glue;
    });
  });
}

// Called by the lean core when the full build must take over: to show `view` (the banner or the
// preferences), to record a choice, to erase refused data, or (`adopt`) to apply the choice
// another tab stored, which the full build then announces.
function upgrade(view, adopt) {
  if (upgrading || !lean || engine !== lean) return;
  var core = lean;
  upgrading = true;
  // Only a core that finished starting has announced the choice and said it is ready.
  var started = core === active;
  if (!started) retired = core;
  core.stop();
  var extra = { view: view || undefined, handover: started };
  if (adopt) extra.previous = core.getConsent();
  current = boot('full', '', extra).then(
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

// Calls export `name` of the full build with `args`, handing over from the lean core first:
// what the core does not do (record a choice, reset), the full build does.
function forward(name, args) {
  if (lean && engine === lean) upgrade();
  return (current || api.ready).then(function (glue) {
    return glue[name].apply(null, args);
  });
}

function load(attempt) {
  var suffix = attempt ? '?retry=' + attempt : '';
  var remote = configUrl
    ? fetchText(new URL(configUrl, d.baseURI).href).then(
        function (text) { return { text: text }; },
        function (error) { return { error: String((error && error.message) || error) }; })
    : Promise.resolve({});
  var css = fetchText(base + FILES.css).catch(function () { return ''; });
  inputs = Promise.all([remote, css]);
  schedulePaint(remote);
  // A returning visitor with a valid choice gets the lean core when it can do the visit's work
  // (record.js); it hands over to the full build for anything more. Everyone else gets the full
  // build.
  current = chooseBuild(configUrl ? remote : null).then(function (chosen) {
    return boot(chosen.flavour, suffix, chosen.extra);
  });
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
