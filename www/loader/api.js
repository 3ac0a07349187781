// The API stub and its `ready` promise: window.CanEnrichConsent exists from the first line, reads
// answer "no consent" and actions wait until the WebAssembly has started. Also the state the
// other parts share (the script's own tag and base URL, the running module).
var w = window;
var d = document;
// A second copy of the loader (two tags, or a bundle and a tag) leaves the first in charge.
if (w.CanEnrichConsent) return;
var tag = d.currentScript;
var base = new URL('.', (tag && tag.src) || d.baseURI).href;
var engine = null; // the WebAssembly module being started or running (it decides the guards)
var active = null; // the module that has started and answers the API
var current = null; // promise of the module that takes the next action (changes on hand-over)
var upgrading = false; // the lean core is handing over to the full build
var lean = null; // the lean core, while it is the module being started or running
var retired = null; // a lean core that handed over before it finished starting
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
// hand-over from the lean core to the full build, actions wait for the full build.
function member(name, before) {
  return function () {
    var args = arguments;
    // The lean core exports only what it answers itself; the rest goes to the full build.
    if (active && !upgrading) return active[name] ? active[name].apply(null, args) : forward(name, args);
    if (before !== undefined) return active ? active[name].apply(null, args) : before;
    return (current || api.ready).then(function (glue) {
      var target = glue && glue[name] ? glue : active;
      return target && target[name] ? target[name].apply(null, args) : forward(name, args);
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

// The inline config's text, found as the widget finds it: only a lone
// `<script type="application/json">` carrying INLINE_CONFIG_ID counts. `undefined`: there is none
// (any other element with the id, a `<div>` in user content say, is ignored); `false`: more than
// one element carries the id, which the widget refuses (it runs fail-closed on the built-in config).
function inlineConfigText() {
  var found = d.querySelectorAll('[id="' + INLINE_CONFIG_ID + '"]');
  if (found.length > 1) return false;
  var element = found[0];
  var type = element && String(element.getAttribute('type') || '').trim().toLowerCase();
  if (!element || element.tagName.toLowerCase() !== 'script' || type !== 'application/json') return undefined;
  return element.textContent;
}
