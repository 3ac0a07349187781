// Stored record: whether the consent cookie holds a choice that is still valid, so that the
// loader picks once the lean core (a valid choice it can serve: no banner) or the full build
// (anything else: no record, an unreadable or tampered one, another revision, expired, no core
// settings for these config sources). A strict mirror of the widget's codec
// (src/model/codec.rs: format, FNV-1a checksum) and of `Consent::is_valid` (revision, expiry),
// fed with the same config sources. Should the core still find the record void (an inline
// config the loader could not see yet), it hands over to the full build through `upgrade`.

// The value of the consent cookie (under either of its names), read past the cookie guard: ''
// when there is none, and when there is more than one, since a second copy may be planted (the
// widget then erases them all and asks again).
function storedValue() {
  var jar = String(cookie && cookie.get ? cookie.get.call(d) : d.cookie);
  var pairs = jar.split(';');
  var found = [];
  for (var i = 0; i < pairs.length; i++) {
    var at = pairs[i].indexOf('=');
    var name = at > 0 ? pairs[i].slice(0, at).trim() : '';
    if (name === COOKIE_NAME || name === HOST_COOKIE_NAME) found.push(pairs[i].slice(at + 1).trim());
  }
  return found.length === 1 ? found[0] : '';
}

var CATEGORY = /^[a-z][a-z0-9_-]{0,63}$/;
var SERVICE = /^[a-z0-9-]{1,64}$/;
var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
var NUMBER = /^\+?\d+$/;

// The record's revision, timestamp and whether it refuses anything, or null when `value` is not
// a well-formed record whose checksum matches.
function readRecord(value) {
  // Every field is ASCII: anything else cannot decode (and would hash differently).
  if (!/^[\x21-\x7e]+$/.test(value)) return null;
  var cut = value.lastIndexOf('.');
  var body = value.slice(0, cut);
  var sum = value.slice(cut + 1);
  var fields = body.split('.');
  var services = fields[0] === RECORD.versions[1];
  if (cut < 0 || fields.length !== (services ? 8 : 7)) return null;
  if (!services && fields[0] !== RECORD.versions[0]) return null;
  if (!/^[0-9a-fA-F]{8}$/.test(sum) || parseInt(sum, 16) !== fnv1a(body)) return null;
  var accepted = names(fields[5], CATEGORY);
  var rejected = names(fields[6], CATEGORY);
  var valid = UUID.test(fields[1]) &&
    NUMBER.test(fields[2]) && +fields[2] <= 0xffffffff &&
    NUMBER.test(fields[3]) &&
    RECORD.methods.indexOf(fields[4]) !== -1 &&
    !!accepted && !!rejected && accepted.indexOf(RECORD.necessary) !== -1 &&
    !accepted.some(function (name) { return rejected.indexOf(name) !== -1; }) &&
    (!services || (fields[7] !== '' && !!names(fields[7], SERVICE)));
  if (!valid) return null;
  var unique = function (list) {
    return list.filter(function (name, at) { return list.indexOf(name) === at; }).sort();
  };
  return {
    revision: +fields[2],
    timestamp: +fields[3],
    refuses: rejected.length > 0,
    // As getConsent() gives it (the widget keeps names as sorted sets).
    consent: {
      id: fields[1],
      revision: +fields[2],
      timestamp: +fields[3],
      categories: unique(accepted),
      rejected: unique(rejected),
      method: fields[4],
      refusedServices: services ? unique(names(fields[7], SERVICE)) : []
    }
  };
}

// The `:`-joined names of `list` if each matches `pattern`; no names for an empty list.
function names(list, pattern) {
  if (list === '') return [];
  var all = list.split(':');
  return all.every(function (name) { return pattern.test(name); }) ? all : null;
}

// FNV-1a, 32 bits, over the characters (ASCII here) of `text`: the codec's checksum.
function fnv1a(text) {
  var hash = 0x811c9dc5;
  for (var i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

// The revision and expiry the widget judges the record by: the built-in config's, overridden by
// the inline config (read now) and then by the `data-config` document's text `remote`, in the
// widget's order. Null when a source does not parse or sets one of them out of range: the widget
// then fails closed, which is the full build's job.
function settings(remote) {
  var inline = inlineConfigText();
  if (inline === false) return null;
  var result = {
    revision: DEFAULTS.revision,
    expiryDays: DEFAULTS.expiryDays,
    refusalExpiryDays: DEFAULTS.refusalExpiryDays
  };
  var limits = { revision: [0, 0xffffffff], expiryDays: [1, DEFAULTS.maxExpiryDays], refusalExpiryDays: [1, DEFAULTS.maxExpiryDays] };
  var sources = [inline === undefined ? null : inline, remote];
  for (var i = 0; i < sources.length; i++) {
    if (sources[i] == null) continue;
    var file;
    try {
      file = JSON.parse(sources[i]);
    } catch (error) {
      return null;
    }
    if (!file || typeof file !== 'object' || Array.isArray(file)) return null;
    for (var key in limits) {
      if (!Object.prototype.hasOwnProperty.call(file, key)) continue;
      var value = file[key];
      if (!Number.isInteger(value) || value < limits[key][0] || value > limits[key][1]) return null;
      result[key] = value;
    }
  }
  return result;
}

// Whether `record` is valid under `rules` (from `settings`) at `now`: same revision, not from the
// future (beyond the clock skew the widget allows) and younger than its expiry, which is the
// refusal expiry when it refuses anything (never longer than the general one).
function isCurrent(record, rules, now) {
  var days = record.refuses ? Math.min(rules.refusalExpiryDays, rules.expiryDays) : rules.expiryDays;
  return record.revision === rules.revision &&
    record.timestamp <= now + RECORD.clockSkew &&
    now - record.timestamp <= days * 24 * 60 * 60 * 1000;
}

// The lean core's settings key for the config sources the page has now (`remote`: the
// `data-config` document's text): the widget's defaults and the settings' shape, the scheme,
// the `data-config` document, the loader tag's attributes and what the language is negotiated
// from (the page's `lang`, the browser's languages), then `.` and the inline config's digest
// ('-' for none). The full build stores the settings under the key it computes once the
// page is parsed; the core checks it again then.
function sourcesKey(remote) {
  var text = [CORE_SETTINGS.version, CORE_SETTINGS.defaults, location.protocol,
    remote == null ? '' : remote, JSON.stringify(attributes),
    String(d.documentElement.getAttribute('lang') || ''), String(w.navigator.languages || '')].join('\u0000');
  return CORE_SETTINGS.version + '-' + digest(text);
}
function settingsKey(remote) {
  var inline = inlineConfigText();
  return sourcesKey(remote) + '.' + (inline === undefined ? '-' : inline === false ? 'x' : digest(inline));
}
// 64 bits of FNV-1a over `text`'s UTF-16 code units (forwards and backwards), in hex, and its length.
function digest(text) {
  var back = 0x811c9dc5;
  for (var i = text.length - 1; i >= 0; i--) back = Math.imul(back ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return fnv1a(text).toString(16) + back.toString(16) + text.length.toString(16);
}

// The settings the full build kept for the lean core for these config sources, or null (none,
// unreadable, or storage that throws). It keeps the last few pages' worth (a site's pages may
// differ in config or language), newest first; the first whose key fits counts. While an inline
// config may still come (the page is being parsed and none is there yet), a key that differs
// only in it fits: the core checks it once the page is parsed.
function coreSettings(remote) {
  try {
    var kept = JSON.parse(w.localStorage.getItem(CORE_SETTINGS.storageKey) || '[]');
    if (!Array.isArray(kept)) return null;
    var pending = inlineConfigText() === undefined && d.readyState === 'loading';
    var exact = settingsKey(remote);
    var prefix = sourcesKey(remote) + '.';
    for (var i = 0; i < kept.length; i++) {
      var key = kept[i] && typeof kept[i] === 'object' && kept[i].key;
      if (typeof key === 'string' && (key === exact || (pending && key.indexOf(prefix) === 0))) return kept[i];
    }
    return null;
  } catch (error) {
    return null;
  }
}

// Whether the lean core can do this visit's work for the valid `record` with the `settings` kept
// for these config sources: the record names only categories they offer, no receipt waits in the outbox, Global
// Privacy Control refuses nothing the record accepts, and on https no choice waits under the
// http name to move to the __Host- one. Anything else is the full build's work.
function leanFits(record, settings) {
  if (!settings || !Array.isArray(settings.categories)) return false;
  var offered = settings.categories.map(function (category) { return category.name; });
  var consent = record.consent;
  var named = consent.categories.concat(consent.rejected).every(function (name) {
    return name === RECORD.necessary || offered.indexOf(name) !== -1;
  });
  var signalRefuses = w.navigator.globalPrivacyControl === true && settings.categories.some(function (category) {
    return category.gpc && consent.categories.indexOf(category.name) !== -1;
  });
  var moved = location.protocol === 'https:' && hasCookie(COOKIE_NAME);
  return named && !signalRefuses && !moved && !outboxWaits();
}

function hasCookie(name) {
  var jar = String(cookie && cookie.get ? cookie.get.call(d) : d.cookie);
  return jar.split(';').some(function (pair) { return pair.split('=')[0].trim() === name; });
}

function outboxWaits() {
  try {
    for (var i = 0; i < w.localStorage.length; i++) {
      if (String(w.localStorage.key(i)).indexOf(CORE_SETTINGS.outboxPrefix) === 0) return true;
    }
    return false;
  } catch (error) {
    return false;
  }
}

// Which build to load, decided once: the full build at once without a readable record;
// otherwise the lean core when the record is valid under the config (known at once from the
// inline config, or once the `data-config` document has arrived when there is one: `remote`,
// the promise of its fetch) and the core can do the visit's work (`leanFits`). Resolves with
// `{ flavour, extra }`, `extra` being the core's start options.
function chooseBuild(remote) {
  var record = readRecord(storedValue());
  var full = { flavour: 'full', extra: {} };
  if (!record) return Promise.resolve(full);
  var judge = function (text) {
    var rules = settings(text);
    var settingsNow = coreSettings(text);
    if (!rules || !isCurrent(record, rules, Date.now()) || !leanFits(record, settingsNow)) return full;
    return { flavour: 'core', extra: { consent: record.consent, settings: settingsNow } };
  };
  if (!remote) return Promise.resolve(judge(null));
  return remote.then(function (fetched) {
    return fetched.error ? full : judge(fetched.text);
  });
}
