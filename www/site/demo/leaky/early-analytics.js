// A deliberately ungated analytics tag for the leaky demo page (/leaky.html): it is loaded above
// the consent script, so it runs before any choice. It writes the Google Analytics cookie and
// calls a partner on another site (ads.tracker.test, which the scanner's tests resolve to this
// machine; the port is this server's).
(function () {
  'use strict';
  var seconds = String(Math.floor(Date.now() / 1000));
  document.cookie = '_ga=GA1.1.' + String(Math.floor(Math.random() * 1e10)) + '.' + seconds + '; path=/; max-age=31536000';
  var port = window.location.port ? ':' + window.location.port : '';
  new Image().src = 'http://ads.tracker.test' + port + '/demo/pixel.gif?tag=early-analytics';
})();
