// Cookie guard: what scripts write through document.cookie or cookieStore.set waits for the
// widget, which keeps only what the visitor's choice allows (essential cookies always).
// The guarded accessor replaces the one on Document.prototype itself: left there, the browser's
// own setter would be one property lookup away (`Object.getOwnPropertyDescriptor(
// Document.prototype, 'cookie').set.call(document, …)`) and would keep a cookie no category lists
// for good. The widget gets the browser's setter privately, in its start options.
var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
var queued = [];
if (cookie && cookie.configurable !== false && cookie.set) {
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: cookie.enumerable,
    get: function () {
      return cookie.get.call(this);
    },
    set: function (value) {
      // Documents without a browsing context (DOMParser, createHTMLDocument) keep no cookies.
      if (this !== d) return cookie.set.call(this, value);
      value = String(value);
      if (!active) queued.push(value);
      else if (active.keepsCookie(value)) cookie.set.call(d, value);
    }
  });
}

// cookieStore.set(name, value) and cookieStore.set({ name, value, expires, … }) are judged like
// the document.cookie write they amount to; a refused write resolves as if kept, as a refused
// document.cookie write is silently dropped. Deleting (cookieStore.delete) is always allowed.
// The method is replaced on CookieStore.prototype, for the reason given above for the cookie
// accessor: `CookieStore.prototype.set.call(cookieStore, …)` must not reach the browser's own.
var storeQueue = [];
var storeProto = w.CookieStore && w.CookieStore.prototype;
var storeSet = storeProto && typeof storeProto.set === 'function' && storeProto.set;
// The document.cookie assignment a cookieStore.set call amounts to, for the widget to judge.
function storeAssignment(args) {
  var options = args[0] !== null && typeof args[0] === 'object' ? args[0] : { name: args[0], value: args[1] };
  var assignment = String(options.name) + '=' + String(options.value);
  if (options.expires !== undefined && options.expires !== null) {
    var seconds = Math.floor((Number(options.expires) - Date.now()) / 1000);
    // An expiry that is not a number is a TypeError for the browser: judge it as a write.
    assignment += '; max-age=' + (isNaN(seconds) ? 1 : seconds);
  }
  return assignment;
}
if (storeSet) {
  storeProto.set = function () {
    var args = arguments;
    var store = this;
    if (active) {
      return active.keepsCookie(storeAssignment(args)) ? storeSet.apply(store, args) : Promise.resolve();
    }
    return new Promise(function (resolve, reject) {
      storeQueue.push({ store: store, args: args, resolve: resolve, reject: reject });
    });
  };
}

// Applies the writes queued before `glue` started, as it judges them.
function flushCookies(glue) {
  queued.forEach(function (value) {
    if (glue.keepsCookie(value)) cookie.set.call(d, value);
  });
  queued = [];
  storeQueue.forEach(function (write) {
    if (!glue.keepsCookie(storeAssignment(write.args))) return write.resolve();
    storeSet.apply(write.store, write.args).then(write.resolve, write.reject);
  });
  storeQueue = [];
}
