// Load-error notice: the widget failed to load (blocked, offline, 404). Say so, keep everything
// optional blocked, and offer to try again.

// Read at start-up, like the rest of the loader, so the notice speaks the page's first language.
var zh = /^zh/i.test(d.documentElement.lang || '');

function notice(attempt) {
  // The painted banner (if any) becomes the notice; a press on it is dropped unrecorded.
  takeOver();
  pressed = null;
  if (!d.body) {
    d.addEventListener('DOMContentLoaded', function () { notice(attempt); });
    return;
  }
  var host = d.getElementById(HOST_ID);
  if (!host) {
    host = d.createElement('div');
    host.id = HOST_ID;
    d.body.appendChild(host);
  }
  var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
  root.replaceChildren();
  var sheet = d.createElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = base + FILES.css;
  var box = d.createElement('section');
  box.className = 'cc cc-banner cc-fallback';
  box.setAttribute('role', 'alert');
  box.setAttribute('data-testid', 'load-error');
  var text = d.createElement('p');
  text.className = 'cc-text';
  text.textContent = zh
    ? 'Cookie 设置未能加载。在加载成功之前，所有可选 Cookie 都保持关闭。'
    : 'Cookie settings could not load. Optional cookies stay off until they do.';
  var retry = d.createElement('button');
  retry.type = 'button';
  retry.className = 'cc-button';
  retry.setAttribute('data-testid', 'retry');
  retry.textContent = zh ? '重试' : 'Try again';
  retry.addEventListener('click', function () {
    root.replaceChildren();
    api.ready = newReady();
    load(attempt + 1);
  });
  box.append(text, retry);
  root.append(sheet, box);
}
