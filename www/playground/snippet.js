// The playground's output: the embed snippet for the edited config (inline in the page, or as a
// `config.json` file to download and put next to the widget), and copying it.

export class Snippet {
  /**
   * @param {{ text: HTMLTextAreaElement, base: HTMLInputElement, modes: NodeListOf<HTMLInputElement>,
   *           copy: HTMLButtonElement, download: HTMLAnchorElement, status: HTMLElement }} parts
   */
  constructor(parts) {
    Object.assign(this, parts);
    this.config = null;
    this.fileUrl = '';
    this.base.addEventListener('input', () => this.render());
    for (const mode of this.modes) mode.addEventListener('change', () => this.render());
    this.copy.addEventListener('click', () => this.copyText());
  }

  /** The config as pretty JSON, or `null` while it is invalid (no snippet is offered then). */
  update(configJson) {
    this.config = configJson;
    this.render();
  }

  get mode() {
    return [...this.modes].find((mode) => mode.checked)?.value ?? 'inline';
  }

  /** The base URL as typed, ending in `/`; quotes and angle brackets are escaped for HTML. */
  get baseUrl() {
    const typed = this.base.value.trim() || '/consent/';
    const base = typed.endsWith('/') ? typed : `${typed}/`;
    return base.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  }

  render() {
    if (this.fileUrl) URL.revokeObjectURL(this.fileUrl);
    this.fileUrl = '';
    const valid = this.config !== null;
    this.copy.disabled = !valid;
    this.download.hidden = !valid || this.mode !== 'file';
    if (!valid) {
      this.text.value = '<!-- Fix the problems in the config first. -->';
      return;
    }
    const base = this.baseUrl;
    if (this.mode === 'file') {
      this.text.value = `<script src="${base}canenrich-consent.js" data-config="${base}config.json"></script>\n`;
      this.fileUrl = URL.createObjectURL(new Blob([`${this.config}\n`], { type: 'application/json' }));
      this.download.href = this.fileUrl;
    } else {
      // Inside a data block only `</script` could end it early; JSON can write `<` as \u003c.
      const data = this.config.replace(/</g, '\\u003c');
      // The config goes before the loader tag: the loader reads it as it runs, to pick the build
      // for a returning visitor and to paint the banner with its texts.
      this.text.value = `<script type="application/json" id="canenrich-consent-config">\n${data}\n</script>\n`
        + `<script src="${base}canenrich-consent.js"></script>\n`;
    }
    this.status.textContent = '';
  }

  async copyText() {
    try {
      await navigator.clipboard.writeText(this.text.value);
      this.status.textContent = 'Copied the embed snippet to the clipboard.';
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
      this.text.focus();
      this.text.select();
      this.status.textContent = 'Could not copy automatically: the snippet is selected, press Ctrl+C (⌘C) to copy it.';
    }
  }
}
