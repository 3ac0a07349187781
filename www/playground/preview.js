// The playground's live preview: the real widget from dist/, loaded with the edited config into
// a sandboxed `srcdoc` frame that carries the demo's strict Content-Security-Policy, and the
// buttons that drive it (show the banner, open the preferences, reset the choice).
//
// The frame keeps `allow-same-origin`: without it the document has an opaque origin, where
// `document.cookie` throws, so the widget could store no choice and would say cookies are
// disabled. The sandbox still stops the preview from navigating the playground, opening windows
// or submitting forms.

/** The demo's `/strict` policy: no inline script or style, WebAssembly allowed. */
export const STRICT_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/** Message type the frame's agent posts (see preview-agent.js). */
const MESSAGE = 'canenrich-playground';

const escapeAttribute = (text) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export class Preview {
  /**
   * @param {HTMLIFrameElement} frame
   * @param {{ dist: URL, agent: URL, stylesheet: URL, status: HTMLElement }} options
   */
  constructor(frame, { dist, agent, stylesheet, status }) {
    this.frame = frame;
    this.dist = dist;
    this.agent = agent;
    this.stylesheet = stylesheet;
    this.status = status;
    this.widgetProblems = [];
    this.isStale = false;
    window.addEventListener('message', (event) => {
      if (event.source !== frame.contentWindow || event.data?.type !== MESSAGE) return;
      if (event.data.level === 'error' || event.data.level === 'warn') {
        this.widgetProblems.push(String(event.data.text));
        this.render();
      }
    });
  }

  /** Reloads the frame with `configJson` (text that already passed the schema) as inline config. */
  load(configJson) {
    this.widgetProblems = [];
    this.isStale = false;
    this.render();
    // `<` cannot end a JSON string early when written as \u003c, so the data block stays one.
    const data = configJson.replace(/</g, '\\u003c');
    this.frame.srcdoc = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(STRICT_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<script src="${escapeAttribute(this.agent.href)}"></script>
<script type="application/json" id="canenrich-consent-config">${data}</script>
<script src="${escapeAttribute(new URL('canenrich-consent.js', this.dist).href)}"></script>
<link rel="stylesheet" href="${escapeAttribute(this.stylesheet.href)}">
<title>Preview</title>
</head>
<body>
<main>
<h1>Your page</h1>
<p>This stands in for your site. The consent widget below runs with the config you are editing.</p>
<h2>Categories on this page</h2>
<ul id="categories-state"><li>Waiting for the widget…</li></ul>
</main>
</body>
</html>`;
  }

  /** The edited config is invalid: the frame keeps showing the last valid one (if any). */
  stale(isStale) {
    if (this.isStale === isStale) return;
    this.isStale = isStale;
    this.render();
  }

  /** Calls `window.CanEnrichConsent[name]()` in the frame once the widget there is ready. */
  async call(name) {
    const api = this.frame.contentWindow?.CanEnrichConsent;
    if (!api) {
      this.say('The preview has not loaded yet.');
      return;
    }
    try {
      await api.ready;
      await api[name]();
    } catch (error) {
      this.say(`The widget could not ${name}: ${error?.message ?? error}`);
    }
  }

  say(text) {
    this.status.textContent = text;
  }

  render() {
    const lines = [];
    if (this.isStale) lines.push('The config has problems: the preview shows the last valid one.');
    for (const problem of this.widgetProblems) lines.push(`The widget says: ${problem}`);
    this.status.classList.toggle('is-error', this.isStale || this.widgetProblems.length > 0);
    this.status.replaceChildren(...lines.map((line) => {
      const p = document.createElement('p');
      p.textContent = line;
      return p;
    }));
  }
}
