// The demo's "single-page app": an ordinary, ungated page script that inserts gated tags the way
// SPAs and tag managers do — one while the page is still loading (before the consent widget has
// started), the rest after load — and writes a tracking cookie directly. The consent widget must
// hold all of it until the visitor consents, without the page calling any re-scan function.
(function () {
  'use strict';
  var early = document.createElement('script');
  early.src = '/demo/trackers/analytics.js';
  early.setAttribute('data-category', 'analytics');
  document.head.appendChild(early);

  document.cookie = '_ga=GA1.1.untagged; path=/; max-age=3600';

  window.addEventListener('load', function () {
    var root = document.getElementById('spa-root');
    var frame = document.createElement('iframe');
    frame.setAttribute('data-category', 'marketing');
    frame.title = 'Partner video';
    frame.width = 320;
    frame.height = 180;
    frame.src = '/demo/embed/video.html?spa';
    var late = document.createElement('script');
    late.src = '/demo/trackers/marketing.js';
    late.setAttribute('data-category', 'marketing');
    root.append(frame, late);
  });
})();
