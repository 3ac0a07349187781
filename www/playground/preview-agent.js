/* The playground preview's helper, loaded before the widget's loader inside the preview frame
 * (a classic script: the frame allows no inline script). It passes the widget's console errors
 * and warnings to the playground, which shows them next to the editor, and lists which
 * categories the stand-in page may use. */
(function () {
  'use strict';
  var MESSAGE = 'canenrich-playground';

  ['error', 'warn'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      var text = Array.prototype.map.call(arguments, function (part) {
        return part instanceof Error ? part.message : String(part);
      }).join(' ');
      if (/CanEnrich/.test(text)) parent.postMessage({ type: MESSAGE, level: level, text: text }, self.origin);
      return original.apply(console, arguments);
    };
  });

  function showState() {
    var list = document.getElementById('categories-state');
    var api = window.CanEnrichConsent;
    if (!list || !api) return;
    var record = api.getConsent();
    var items = [];
    if (!record) {
      items.push('No choice yet: everything optional is blocked.');
    } else {
      record.categories.forEach(function (name) { items.push(name + ': allowed'); });
      record.rejected.forEach(function (name) { items.push(name + ': blocked'); });
    }
    list.replaceChildren.apply(list, items.map(function (text) {
      var item = document.createElement('li');
      item.textContent = text;
      return item;
    }));
  }

  ['canenrich:ready', 'canenrich:consent', 'canenrich:change'].forEach(function (type) {
    addEventListener(type, showState);
  });
})();
