//! The core settings the full build kept (`canenrich_consent::core_settings`), already parsed by
//! the loader, read into plain structs. A settings object that does not have the expected shape
//! is no settings: the core hands over to the full build.

use canenrich_consent::model::pattern;
use canenrich_consent::model::NECESSARY;
#[cfg(target_arch = "wasm32")]
use js_sys::{Array, Reflect};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen::{JsCast, JsValue};

/// One category the config offers.
pub struct Category {
    /// Its name in markup, the record and the API.
    pub name: String,
    /// As the visitor reads it (site title, else the language file's).
    pub title: String,
    /// Cookie name patterns.
    pub cookies: Vec<String>,
    /// Storage key patterns.
    pub storage: Vec<String>,
}

/// What the core needs from the resolved config and texts.
pub struct Settings {
    /// The loader's key of the config sources these settings were resolved from.
    pub key: String,
    /// The notice's revision.
    pub revision: f64,
    /// How long (ms) a record is valid.
    pub max_age: f64,
    /// How long (ms) a record that refuses anything is valid.
    pub refusal_max_age: f64,
    /// The visitor's language (BCP 47) and its writing direction.
    pub lang: String,
    /// `ltr` or `rtl`.
    pub dir: String,
    /// The colour scheme and the first layer's placement, as class suffixes.
    pub theme: String,
    /// `bottom`, `top`, …: see `theme`.
    pub position: String,
    /// The "Cookie settings" button's name; `None` when the config hides the button.
    pub reopen: Option<String>,
    /// Every category the config offers, `necessary` first.
    pub categories: Vec<Category>,
    /// `essentialCookies`.
    pub essential: Vec<String>,
    /// Each Google Consent Mode type and the categories any one of which grants it.
    pub consent_mode: Vec<(String, Vec<String>)>,
    /// Placeholder text with `{service}` and `{category}`, and its two buttons.
    pub embed_blocked: String,
    /// The placeholder's "Load once".
    pub load_once: String,
    /// The placeholder's "Always allow".
    pub always_allow: String,
}

#[cfg(target_arch = "wasm32")]
impl Settings {
    /// Reads the settings object, or `None` when a field is missing or of the wrong type.
    pub fn read(value: &JsValue) -> Option<Settings> {
        let embed = get(value, "embed");
        let reopen = get(value, "reopen");
        let mode = get(value, "consentMode").dyn_into::<Array>().ok()?;
        let mut consent_mode = Vec::new();
        for entry in mode.iter() {
            consent_mode.push((
                text(&Reflect::get_u32(&entry, 0).ok()?)?,
                texts(&Reflect::get_u32(&entry, 1).ok()?)?,
            ));
        }
        let mut categories = Vec::new();
        for category in get(value, "categories").dyn_into::<Array>().ok()?.iter() {
            categories.push(Category {
                name: text(&get(&category, "name"))?,
                title: text(&get(&category, "title"))?,
                cookies: texts(&get(&category, "cookies"))?,
                storage: texts(&get(&category, "storage"))?,
            });
        }
        Some(Settings {
            key: text(&get(value, "key"))?,
            revision: get(value, "revision").as_f64()?,
            max_age: get(value, "maxAge").as_f64()?,
            refusal_max_age: get(value, "refusalMaxAge").as_f64()?,
            lang: text(&get(value, "lang"))?,
            dir: text(&get(value, "dir"))?,
            theme: text(&get(value, "theme"))?,
            position: text(&get(value, "position"))?,
            reopen: if reopen.is_null() {
                None
            } else {
                Some(text(&reopen)?)
            },
            categories,
            essential: texts(&get(value, "essential"))?,
            consent_mode,
            embed_blocked: text(&get(&embed, "blocked"))?,
            load_once: text(&get(&embed, "once"))?,
            always_allow: text(&get(&embed, "always"))?,
        })
    }
}

impl Settings {
    /// The category `name`, if the config offers it.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// Whether cookie `name` is essential: `essentialCookies`, or a `necessary` pattern.
    pub fn is_essential(&self, name: &str) -> bool {
        pattern::matches_any(&self.essential, name)
            || self
                .category(NECESSARY)
                .is_some_and(|c| pattern::matches_any(&c.cookies, name))
    }
}

/// `object[key]`, `undefined` when it cannot be read.
#[cfg(target_arch = "wasm32")]
pub fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A string, or `None`.
#[cfg(target_arch = "wasm32")]
pub fn text(value: &JsValue) -> Option<String> {
    value.as_string()
}

/// An array of strings, or `None` when it is not one.
#[cfg(target_arch = "wasm32")]
pub fn texts(value: &JsValue) -> Option<Vec<String>> {
    let array = value.dyn_ref::<Array>()?;
    let mut out = Vec::new();
    for item in array.iter() {
        out.push(item.as_string()?);
    }
    Some(out)
}
