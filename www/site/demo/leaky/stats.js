// The target of the leaky page's misspelt gated tag (data-category="analytcs"): the widget never
// releases it, so this never runs. If it ever does, it says so.
(function () {
  'use strict';
  var demo = (window.canenrichDemo = window.canenrichDemo || {});
  demo.leakyStats = (demo.leakyStats || 0) + 1;
})();
