// First paint: the banner, rendered by Yew at build time (`cargo xtask dist` fills in
// FIRST_PAINT: the markup per language, with and without the GPC notice, and the stylesheet
// rules it uses), painted into the widget's shadow root as soon as <body> exists and the config
// is known (an inline config at once, a data-config one when it arrives), for a visitor with
// no stored choice. The WebAssembly takes it over (`takeOver`): it hydrates it when its own
// first render has the same key, else replaces it within one task. A press on its buttons
// before then is shown at once and replayed, once, when the WebAssembly has started; nothing
// is decided here.
var FIRST_PAINT = /*@first-paint*/ null;
var PRESSABLE = /^(accept-all|reject-all|manage)$/;
var painting = null; // { root, key, observer }: the painted banner, until taken over
var paintTicket = null; // the pending paint (a retry or a take-over cancels it)
var pressed = null; // data-testid of the button last pressed on the painted banner

// The config values the first layer shows, merged as the widget merges them (built-in ←
// inline ← data-config ← data-* attributes). Anything the widget would refuse (it then runs
// fail-closed on the built-in config) gives the built-in values.
function firstLayerSettings(remote) {
  var layer = FIRST_PAINT.layers[0];
  var builtin = { language: null, theme: layer.theme, position: layer.position, privacyUrl: layer.privacyUrl };
  var merged = { language: null, theme: builtin.theme, position: builtin.position, privacyUrl: builtin.privacyUrl };
  var files = [];
  var inline = inlineConfigText();
  if (inline === false) return builtin;
  try {
    if (inline !== undefined) files.push(JSON.parse(inline));
    if (remote.error) return builtin;
    if (remote.text !== undefined) files.push(JSON.parse(remote.text));
  } catch (e) {
    return builtin;
  }
  files.push({ language: attributes.lang, theme: attributes.theme, position: attributes.position });
  for (var i = 0; i < files.length; i++) {
    var file = files[i];
    if (!file || typeof file !== 'object' || Array.isArray(file)) return builtin;
    if (typeof file.language === 'string') merged.language = file.language;
    if (file.theme != null) {
      if (!/^(auto|light|dark)$/.test(file.theme)) return builtin;
      merged.theme = file.theme;
    }
    if (file.position != null) {
      if (!/^(corner|bottom-bar|center)$/.test(file.position)) return builtin;
      merged.position = file.position;
    }
    if (file.privacyPolicyUrl != null) {
      if (typeof file.privacyPolicyUrl !== 'string' || !isSafeLink(file.privacyPolicyUrl)) return builtin;
      merged.privacyUrl = file.privacyPolicyUrl;
    }
  }
  return merged;
}

// config::is_safe_link: an http(s) URL or a path on this site.
function isSafeLink(url) {
  var lower = url.trim().toLowerCase();
  if (/^https?:\/\//.test(lower)) return true;
  return lower !== '' && lower.slice(0, 2) !== '//' && lower.indexOf('\\') < 0 &&
    lower.split(/[\/?#]/)[0].indexOf(':') < 0;
}

// i18n::supported and i18n::negotiate: the config's language, then <html lang>, then the
// browser's languages, then English.
function supported(tag) {
  var parts = String(tag || '').trim().toLowerCase().replace(/_/g, '-').split('-');
  if (parts[0] === 'en') return 'en';
  if (parts[0] === 'zh' && (parts.length === 1 || /^(hans|cn|sg)$/.test(parts[1]))) return 'zh-CN';
  return null;
}
function negotiate(language) {
  var candidates = [language, d.documentElement.getAttribute('lang')].concat(
    Array.prototype.slice.call(navigator.languages || []));
  for (var i = 0; i < candidates.length; i++) {
    var found = supported(candidates[i]);
    if (found) return found;
  }
  return 'en';
}

// Whether the widget will show the banner to a fresh visitor, which is all that was rendered
// ahead of time: no stored choice (a renewal or a closed banner would differ), no test override
// (it records a choice at start-up), and cookies kept (else the banner warns; probed as the
// widget probes them).
function paintable() {
  if (!FIRST_PAINT || !cookie || !cookie.get || !cookie.set) return false;
  var jar = cookie.get.call(d);
  var stored = jar.split(';').some(function (pair) {
    var name = pair.split('=')[0].trim();
    return name === COOKIE_NAME || name === HOST_COOKIE_NAME;
  });
  if (stored || /(?:^|;\s*)canenrich_test=/.test(jar) ||
    /[?&]canenrich-test=/.test(location.search)) return false;
  // A cookie the browser hands back proves it keeps them; else probe, as the widget does.
  if (/=/.test(jar)) return true;
  cookie.set.call(d, 'canenrich_probe=1; Path=/; SameSite=Lax');
  var kept = /(?:^|;\s*)canenrich_probe=/.test(cookie.get.call(d));
  cookie.set.call(d, 'canenrich_probe=; Max-Age=0; Path=/');
  return kept;
}

function whenBody(then) {
  if (d.body) return then();
  var watch = new MutationObserver(function () {
    if (!d.body) return;
    watch.disconnect();
    then();
  });
  watch.observe(d.documentElement, { childList: true });
}

// Paints the first layer once the config it shows (`remote`, the data-config answer) is known
// and <body> exists.
function schedulePaint(remote) {
  if (!paintable()) return;
  var ticket = paintTicket = {};
  remote.then(function (answer) {
    whenBody(function () {
      if (paintTicket === ticket) paint(firstLayerSettings(answer));
    });
  });
}

function paint(settings) {
  paintTicket = null;
  var lang = negotiate(settings.language);
  var signal = navigator.globalPrivacyControl === true;
  var layer = FIRST_PAINT.layers.filter(function (l) { return l.lang === lang && l.privacySignal === signal; })[0];
  if (!layer) return;
  var host = d.getElementById(HOST_ID);
  if (!host) {
    host = d.createElement('div');
    host.id = HOST_ID;
    d.body.appendChild(host);
  }
  var shadow = host.shadowRoot || host.attachShadow({ mode: 'open' });
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(FIRST_PAINT.css);
  shadow.adoptedStyleSheets = [sheet];
  var root = d.createElement('div');
  root.className = 'cc';
  root.setAttribute('lang', layer.lang);
  root.setAttribute('dir', layer.dir);
  root.setAttribute('data-painted', '');
  innerHTML.set.call(root, layer.html);
  var surface = root.querySelector('.cc-surface');
  if (surface) surface.className = 'cc-surface cc-theme-' + settings.theme + ' cc-position-' + settings.position;
  var link = root.querySelector('.cc-banner .cc-link');
  if (link) link.setAttribute('href', settings.privacyUrl);
  root.addEventListener('click', press);
  shadow.replaceChildren(root);
  var painted = painting = {
    root: root,
    key: [layer.digest, settings.theme, settings.position, settings.privacyUrl].join('\n'),
    touched: false
  };
  // Any change to the markup (a translation extension, a page script) rules out hydrating it.
  painted.observer = new MutationObserver(function () { painted.touched = true; });
  painted.observer.observe(root, { childList: true, characterData: true, subtree: true });
  // The widget's host is the last element of <body> (its controls are the last stops of the
  // page's tab order); painted while <body> is still being parsed, it moves there once it
  // is, keeping its state and focus.
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', moveToEnd);
  function moveToEnd() {
    if (!host.isConnected || d.body.lastElementChild === host) return;
    if (d.body.moveBefore) {
      d.body.moveBefore(host, null);
    } else {
      var focused = shadow.activeElement;
      d.body.appendChild(host);
      if (focused) focused.focus();
    }
  }
}

// A press on Accept all, Reject all or Manage preferences before the WebAssembly answers: shown
// at once, replayed when it has started (the last press counts).
function press(event) {
  var button = event.target.closest && event.target.closest('button[data-testid]');
  if (!button || !PRESSABLE.test(button.getAttribute('data-testid'))) return;
  unpress(painting && painting.root);
  button.setAttribute('data-pressed', '');
  pressed = button.getAttribute('data-testid');
}

function unpress(root) {
  if (!root) return;
  Array.prototype.forEach.call(root.querySelectorAll('[data-pressed]'), function (button) {
    button.removeAttribute('data-pressed');
  });
}

// Called by the WebAssembly as it draws: the painted banner is its from now on. Answers the
// painted banner's key when its markup is untouched, else null.
function takeOver() {
  paintTicket = null;
  var taken = painting;
  painting = null;
  if (!taken) return null;
  taken.root.removeEventListener('click', press);
  var intact = !taken.touched && taken.observer.takeRecords().length === 0 && taken.root.isConnected;
  taken.observer.disconnect();
  return intact ? taken.key : null;
}

// The press made before the take-over, as a click on the same button of the widget's UI: the
// choice is made, stored and announced exactly as a click after start-up would.
function replay(glue) {
  var testid = pressed;
  pressed = null;
  var host = d.getElementById(HOST_ID);
  var shadow = host && host.shadowRoot;
  if (!testid || !shadow) return;
  unpress(shadow);
  var button = shadow.querySelector('[data-testid="' + testid + '"]');
  var state = glue.getState();
  if (button && state && state.bannerOpen) button.click();
}
