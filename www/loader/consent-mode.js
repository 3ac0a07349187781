// Google Consent Mode v2 defaults: everything denied before any tag can run; the widget sends
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
