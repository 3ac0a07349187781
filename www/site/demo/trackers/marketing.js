// Demo partner-advertising tag for the CanEnrich Consent demo: it may only run once "marketing"
// is accepted, and leaves traces (a cookie, storage, a pixel request, a log line) that tests can see.
(function () {
  'use strict';
  var demo = (window.canenrichDemo = window.canenrichDemo || {});
  demo.marketing = (demo.marketing || 0) + 1;
  demo.order = (demo.order || []).concat('marketing');

  var random = String(Math.floor(Math.random() * 1e10));
  document.cookie = 'mk_id=' + random + '; path=/; max-age=31536000';
  try {
    sessionStorage.setItem('mk_session', '1');
  } catch (err) {
    // Storage can be disabled by the browser; the tag still reports that it ran.
  }
  new Image().src = '/demo/pixel.gif?tag=marketing';

  function log() {
    var list = document.getElementById('demo-log');
    if (!list) return;
    var item = document.createElement('li');
    item.setAttribute('data-testid', 'ran-marketing');
    item.textContent = 'Marketing tag ran';
    list.appendChild(item);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', log);
  } else {
    log();
  }
})();
