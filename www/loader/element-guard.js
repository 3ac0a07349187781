// Element guard: anything with data-category that a script inserts is made inert unless
// the widget allows it now; the widget releases it later like a static tag.
var ADDRESSES = [['src', 'data-src'], ['srcset', 'data-srcset'], ['href', 'data-href']];

// Returns whether `node` is or contains an element with data-category (held or allowed).
function hold(node) {
  if (!node || (node.nodeType !== 1 && node.nodeType !== 11)) return false;
  var gated = node.nodeType === 1 && node.hasAttribute('data-category') ? [node] : [];
  // The parser inserts elements one by one, before their children: only a node that arrives
  // with children (innerHTML, a fragment, a built subtree) needs searching.
  if (node.firstElementChild) gated.push.apply(gated, node.querySelectorAll('[data-category]'));
  gated.forEach(function (el) {
    if (engine && engine.allows(el.getAttribute('data-category'), el.getAttribute('data-service') || undefined)) return;
    if (el.tagName === 'SCRIPT') {
      var type = el.getAttribute('type');
      if (type === 'text/plain') return;
      if (type && !/javascript|ecmascript/i.test(type)) el.setAttribute('data-type', type);
      el.setAttribute('type', 'text/plain');
      return;
    }
    ADDRESSES.forEach(function (pair) {
      if (el.hasAttribute(pair[0])) {
        el.setAttribute(pair[1], el.getAttribute(pair[0]));
        el.removeAttribute(pair[0]);
      }
    });
  });
  return gated.length > 0;
}

// Shadow roots (open or closed) that gated elements went into: the widget searches them like the
// document when it releases (it is handed this list; a selector does not reach into them).
var roots = [];
function remember(target) {
  var root = target.getRootNode ? target.getRootNode() : null;
  if (root && root.nodeType === 11 && root.host && roots.indexOf(root) === -1) roots.push(root);
}

function guard(proto, name, first, count) {
  var original = proto[name];
  if (typeof original !== 'function') return;
  proto[name] = function () {
    var end = count ? first + count : arguments.length;
    var gated = false;
    for (var i = first; i < end; i++) gated = hold(arguments[i]) || gated;
    if (gated) remember(this);
    return original.apply(this, arguments);
  };
}

guard(Node.prototype, 'appendChild', 0, 1);
guard(Node.prototype, 'insertBefore', 0, 1);
guard(Node.prototype, 'replaceChild', 0, 1);
guard(Element.prototype, 'insertAdjacentElement', 1, 1);
['append', 'prepend', 'replaceChildren', 'before', 'after', 'replaceWith'].forEach(function (name) {
  guard(Element.prototype, name, 0, 0);
});
// A document, a fragment and a shadow root (a fragment too) have their own copies.
['append', 'prepend', 'replaceChildren'].forEach(function (name) {
  guard(Document.prototype, name, 0, 0);
  guard(DocumentFragment.prototype, name, 0, 0);
});

// Parser-inserted elements, and whatever reaches the page by a route not guarded above: held as
// soon as they are seen. Shadow roots are watched like the document.
var observer = new MutationObserver(function (records) {
  for (var r = 0; r < records.length; r++) {
    var added = records[r].addedNodes;
    for (var n = 0; n < added.length; n++) {
      if (hold(added[n])) remember(records[r].target);
    }
  }
});
var watched = { childList: true, subtree: true };
observer.observe(d.documentElement, watched);
var attachShadow = Element.prototype.attachShadow;
if (typeof attachShadow === 'function') {
  Element.prototype.attachShadow = function () {
    var root = attachShadow.apply(this, arguments);
    observer.observe(root, watched);
    return root;
  };
}
