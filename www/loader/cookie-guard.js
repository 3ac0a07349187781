// Cookie guard: what scripts write through document.cookie waits for the widget, which
// keeps only what the visitor's choice allows (essential cookies always).
var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
var queued = [];
if (cookie && cookie.configurable !== false && cookie.set) {
  Object.defineProperty(d, 'cookie', {
    configurable: true,
    enumerable: true,
    get: function () {
      return cookie.get.call(d);
    },
    set: function (value) {
      value = String(value);
      if (!active) queued.push(value);
      else if (active.keepsCookie(value)) cookie.set.call(d, value);
    }
  });
}
