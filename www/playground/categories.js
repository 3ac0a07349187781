// The categories part of the playground's form: one group per category with its title,
// description and cookie patterns, a button to remove it (a built-in one is removed with `null`,
// as the config says), and the "Add category" row. Edits go through `onChange(mutate,
// structural)`, which applies them to the config and writes the JSON text.

/** Names the widget accepts for a category. */
export const CATEGORY_NAME = /^[a-z][a-z0-9_-]*$/;

const TEXT_FIELDS = [
  { key: 'title', label: 'Title', multiline: false },
  { key: 'description', label: 'Description', multiline: true },
];

/** `["_ga", "_ga_*"]` ↔ `_ga, _ga_*`. */
const listText = (value) => (Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '' : JSON.stringify(value));
const textList = (text) => text.split(/[\s,]+/).filter(Boolean);

/**
 * Takes `name` out of every Consent Mode list of `config` (a list naming a category the config
 * does not offer is an error), or, with `builtin`, puts it back where the defaults have it.
 */
function mapConsentMode(config, name, builtin) {
  const own = config.consentMode;
  if (typeof own !== 'object' || own === null || Array.isArray(own)) return;
  for (const [type, categories] of Object.entries(builtin ?? own)) {
    if (!Array.isArray(categories) || !Array.isArray(own[type])) continue;
    if (!builtin) own[type] = own[type].filter((category) => category !== name);
    else if (categories.includes(name) && !own[type].includes(name)) own[type].push(name);
  }
}

export class CategoryList {
  /**
   * @param {HTMLElement} root where the groups are drawn
   * @param {{ onChange: (mutate: (config: object) => void, structural?: boolean) => void,
   *           builtIn: (name: string) => object | undefined,
   *           builtInConsentMode: () => object | undefined }} options; `builtIn` gives the
   *           default of a built-in category, `builtInConsentMode` the default Consent Mode map
   */
  constructor(root, { onChange, builtIn, builtInConsentMode }) {
    this.root = root;
    this.onChange = onChange;
    this.builtIn = builtIn;
    this.builtInConsentMode = builtInConsentMode;
  }

  isBuiltIn(name) {
    return this.builtIn(name) !== undefined;
  }

  /** Draws `categories` (the config's `categories` value) afresh. */
  render(categories) {
    this.root.replaceChildren();
    if (categories === undefined || categories === null) return;
    if (typeof categories !== 'object' || Array.isArray(categories)) return;
    Object.entries(categories).forEach(([name, value], index) => {
      this.root.append(value === null ? this.removed(name, index) : this.group(name, value, index));
    });
  }

  /** Applies `mutate` to the category `name` (created as `{}` if it is not an object yet). */
  edit(name, mutate) {
    this.onChange((config) => {
      if (typeof config.categories !== 'object' || config.categories === null || Array.isArray(config.categories)) {
        config.categories = {};
      }
      const current = config.categories[name];
      if (typeof current !== 'object' || current === null || Array.isArray(current)) config.categories[name] = {};
      mutate(config.categories[name]);
    });
  }

  group(name, value, index) {
    const group = document.createElement('fieldset');
    group.className = 'category';
    group.dataset.category = name;
    const legend = document.createElement('legend');
    const code = document.createElement('code');
    code.textContent = name;
    legend.append(code);
    group.append(legend);
    const object = typeof value === 'object' && !Array.isArray(value) ? value : {};

    for (const { key, label, multiline } of TEXT_FIELDS) {
      const control = document.createElement(multiline ? 'textarea' : 'input');
      if (multiline) control.rows = 2;
      else control.type = 'text';
      control.value = typeof object[key] === 'string' ? object[key] : listText(object[key]);
      control.placeholder = this.isBuiltIn(name) ? 'built-in text' : '';
      control.addEventListener('input', () => {
        const text = control.value;
        this.edit(name, (category) => {
          if (text.trim() === '') delete category[key];
          else category[key] = text;
        });
      });
      group.append(this.field(control, `c${index}-${key}`, `categories.${name}.${key}`, `${label}`));
    }

    const cookies = document.createElement('input');
    cookies.type = 'text';
    cookies.spellcheck = false;
    cookies.autocomplete = 'off';
    cookies.value = listText(object.cookies);
    cookies.addEventListener('input', () => {
      const names = textList(cookies.value);
      this.edit(name, (category) => {
        if (names.length === 0) delete category.cookies;
        else category.cookies = names;
      });
    });
    group.append(this.field(cookies, `c${index}-cookies`, `categories.${name}.cookies`, 'Cookies'));

    if (name !== 'necessary') {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = `Remove ${name}`;
      remove.addEventListener('click', () => {
        this.onChange((config) => {
          if (this.isBuiltIn(name)) config.categories[name] = null;
          else delete config.categories[name];
          mapConsentMode(config, name);
        }, true);
        document.getElementById('new-category')?.focus();
      });
      group.append(remove);
    }
    return group;
  }

  /** A built-in category the config removes with `null`, and a way to bring it back. */
  removed(name, index) {
    const row = document.createElement('p');
    row.className = 'category removed';
    row.dataset.category = name;
    const code = document.createElement('code');
    code.textContent = name;
    const restore = document.createElement('button');
    restore.type = 'button';
    restore.className = 'secondary';
    restore.id = `c${index}-restore`;
    restore.textContent = `Restore ${name}`;
    restore.addEventListener('click', () => {
      this.onChange((config) => {
        config.categories[name] = structuredClone(this.builtIn(name) ?? {});
        mapConsentMode(config, name, this.builtInConsentMode() ?? {});
      }, true);
      document.getElementById('new-category')?.focus();
    });
    row.append(code, ' is removed (null). ', restore);
    return row;
  }

  /** A label, the control and room for its error, with the control's id and config path. */
  field(control, id, path, label) {
    const wrapper = document.createElement('div');
    wrapper.className = 'field';
    control.id = id;
    control.dataset.path = path;
    const text = document.createElement('label');
    text.htmlFor = id;
    text.textContent = label;
    wrapper.append(text, control);
    return wrapper;
  }
}
