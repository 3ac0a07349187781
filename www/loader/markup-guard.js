// Markup-string guard: a frame starts loading as soon as it is inserted, before any observer
// sees it. Markup that gates something is parsed inert first, held, then inserted; other markup
// goes straight through.
var innerHTML = Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML');
function isGating(html) {
  return !!innerHTML && /data-category/i.test(String(html));
}
function parsed(html) {
  var box = d.createElement('template');
  innerHTML.set.call(box, html);
  hold(box.content);
  return box;
}
// Whether markup set inside `node` parses as it would in a <template>: a fragment or an HTML
// element (not SVG or MathML, not a template, whose content is inert anyway).
function isHtml(node) {
  return node.nodeType === 11 ||
    (node.namespaceURI === 'http://www.w3.org/1999/xhtml' && node.tagName !== 'TEMPLATE');
}
// `insert(node)` says how to put a held fragment in place of what the setter would parse, or
// nothing where the original must run (it throws without a parent or under a document).
function markup(proto, name, insert) {
  var own = Object.getOwnPropertyDescriptor(proto, name);
  if (!own || !own.set) return;
  Object.defineProperty(proto, name, {
    configurable: true,
    enumerable: own.enumerable,
    get: own.get,
    set: function (html) {
      var put = isGating(html) && insert(this);
      if (put) put.call(this, parsed(html).content);
      else own.set.call(this, html);
    }
  });
}
function children(node) {
  return isHtml(node) && node.replaceChildren;
}
markup(Element.prototype, 'innerHTML', children);
if (w.ShadowRoot) markup(ShadowRoot.prototype, 'innerHTML', children);
markup(Element.prototype, 'outerHTML', function (node) {
  var parent = node.parentNode;
  return parent && parent.nodeType !== 9 && isHtml(parent) && node.replaceWith;
});
var insertAdjacentHTML = Element.prototype.insertAdjacentHTML;
var PLACES = { beforebegin: 'before', afterbegin: 'prepend', beforeend: 'append', afterend: 'after' };
Element.prototype.insertAdjacentHTML = function (position, html) {
  var place = PLACES[String(position).toLowerCase()];
  var outside = place === 'before' || place === 'after';
  var context = outside ? this.parentNode : this;
  if (!place || !isGating(html) || !context || context.nodeType === 9 || !isHtml(context)) {
    return insertAdjacentHTML.apply(this, arguments);
  }
  this[place](parsed(html).content);
};

// document.write of gating markup writes it already held.
['write', 'writeln'].forEach(function (name) {
  var original = Document.prototype[name];
  Document.prototype[name] = function () {
    var args = [];
    for (var i = 0; i < arguments.length; i++) {
      args.push(isGating(arguments[i]) ? innerHTML.get.call(parsed(arguments[i])) : arguments[i]);
    }
    return original.apply(this, args);
  };
});
