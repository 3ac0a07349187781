// Demo analytics tag for the CanEnrich Consent demo: it may only run once "analytics" is
// accepted, and leaves traces (cookies, storage, a pixel request, a log line) that tests can see.
(function () {
  'use strict';
  var demo = (window.canenrichDemo = window.canenrichDemo || {});
  demo.analytics = (demo.analytics || 0) + 1;
  demo.order = (demo.order || []).concat('analytics');

  var random = String(Math.floor(Math.random() * 1e10));
  var seconds = String(Math.floor(Date.now() / 1000));
  document.cookie = '_ga=GA1.1.' + random + '.' + seconds + '; path=/; max-age=31536000';
  document.cookie = '_ga_DEMO=GS1.1.' + seconds + '.' + random + '; path=/';
  try {
    localStorage.setItem('_ga_store', '1');
  } catch (err) {
    // Storage can be disabled by the browser; the tag still reports that it ran.
  }
  new Image().src = '/demo/pixel.gif?tag=analytics';

  function log() {
    var list = document.getElementById('demo-log');
    if (!list) return;
    var item = document.createElement('li');
    item.setAttribute('data-testid', 'ran-analytics');
    item.textContent = 'Analytics tag ran';
    list.appendChild(item);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', log);
  } else {
    log();
  }
})();
