//! PURE: the core settings — what the lean returning-visit core (`core/`) needs from the resolved
//! config and the texts, as one JSON document the full build keeps in `localStorage` under
//! [`STORAGE_KEY`].
//!
//! The lean core never parses or merges a config: resolving one (built-in defaults, inline JSON,
//! `data-config`, `data-*` attributes, validation, language negotiation) is the full build's job,
//! and its code is most of what made the old core big. The full build writes what it resolved,
//! tagged with the loader's key of the config sources it read (`key`); the loader picks the lean
//! core only when the stored settings carry the key of the sources the page has now. Any change
//! of config, of the widget's version or of the settings' shape changes the key, and the next
//! visit runs the full build, which writes the settings again.
//!
//! Nothing here is personal data: category names, cookie-name patterns and the texts of the
//! "Cookie settings" button and the embed placeholders.

use crate::config::Config;
use crate::i18n::Texts;
use crate::json::{quote, string_array};

/// The `localStorage` key the settings are kept under.
pub const STORAGE_KEY: &str = "canenrich_consent_core";

/// The settings' shape; part of the loader's key, so that a widget release that changes the
/// shape never reads settings an older one wrote.
pub const VERSION: u32 = 2;

/// How many pages' settings are kept (a site's pages may differ in config or language).
pub const KEPT: usize = 4;

/// The new value of the stored settings: `stored` (a JSON array of settings, newest first; any
/// other text counts as none) without the entry under `key`, with `settings` first when there
/// are any, at most [`KEPT`] entries.
pub fn keep(stored: &str, key: &str, settings: Option<String>) -> String {
    let mut kept: Vec<String> = settings.into_iter().collect();
    if let Ok(crate::json::Value::Array(entries)) = crate::json::parse(stored) {
        for entry in entries {
            let same = matches!(&entry, crate::json::Value::Object(members)
                if members.iter().any(|(name, value)| name == "key"
                    && matches!(value, crate::json::Value::String(k) if k == key)));
            if !same && kept.len() < KEPT && matches!(entry, crate::json::Value::Object(_)) {
                kept.push(crate::json::to_string(&entry));
            }
        }
    }
    ["[", &kept.join(","), "]"].concat()
}

/// Whether a page running with `config` may get the lean core on its next visit. A config the
/// full build had to refuse (`fail_closed`), debug mode (which reports everything the page does)
/// and test overrides (which record choices) all need the full build.
pub fn applies(config: &Config, fail_closed: bool) -> bool {
    !fail_closed && !config.debug && !config.test_overrides
}

/// The settings for `config` shown in `texts`, tagged with the loader's `key`:
///
/// ```json
/// { "key": "…", "revision": 1, "maxAge": 15552000000, "refusalMaxAge": 15552000000,
///   "lang": "en", "dir": "ltr", "theme": "auto", "position": "bottom",
///   "reopen": "Cookie settings",
///   "categories": [{ "name": "analytics", "title": "Analytics", "cookies": ["_ga*"],
///                    "storage": [], "gpc": false }],
///   "essential": ["session*"],
///   "consentMode": [["analytics_storage", ["analytics"]]],
///   "embed": { "blocked": "… {service} … {category} …", "once": "Load once",
///              "always": "Always allow" } }
/// ```
///
/// `revision` and the two ages (milliseconds: a record that refuses anything is kept for the
/// second) judge the record again once the page is parsed, against an inline config the loader
/// could not see yet. `reopen` is `null` when the config hides the "Cookie settings" button. `categories` lists
/// every category the config offers, `necessary` first, with its title as the visitor reads it.
pub fn json(config: &Config, texts: &Texts, key: &str) -> String {
    let categories: Vec<String> = config
        .categories
        .iter()
        .map(|category| {
            let title = texts.category_title(&category.name, category.title.as_deref());
            [
                "{\"name\":",
                &quote(&category.name),
                ",\"title\":",
                &quote(title),
                ",\"cookies\":",
                &string_array(&category.cookies),
                ",\"storage\":",
                &string_array(&category.storage),
                ",\"gpc\":",
                if category.gpc { "true" } else { "false" },
                "}",
            ]
            .concat()
        })
        .collect();
    let consent_mode: Vec<String> = config
        .consent_mode
        .iter()
        .map(|(kind, granting)| ["[", &quote(kind), ",", &string_array(granting), "]"].concat())
        .collect();
    let reopen = if config.show_reopen_button {
        quote(&texts.reopen)
    } else {
        "null".to_string()
    };
    [
        "{\"key\":",
        &quote(key),
        ",\"revision\":",
        &config.revision.to_string(),
        ",\"maxAge\":",
        &crate::model::days(config.expiry_days).to_string(),
        ",\"refusalMaxAge\":",
        &crate::model::days(config.refusal_expiry_days.min(config.expiry_days)).to_string(),
        ",\"lang\":",
        &quote(&texts.lang),
        ",\"dir\":",
        &quote(&texts.dir),
        ",\"theme\":",
        &quote(config.theme.as_str()),
        ",\"position\":",
        &quote(config.position.as_str()),
        ",\"reopen\":",
        &reopen,
        ",\"categories\":[",
        &categories.join(","),
        "],\"essential\":",
        &string_array(&config.essential_cookies),
        ",\"consentMode\":[",
        &consent_mode.join(","),
        "],\"embed\":{\"blocked\":",
        &quote(&texts.embed_blocked),
        ",\"once\":",
        &quote(&texts.load_once),
        ",\"always\":",
        &quote(&texts.always_allow),
        "}}",
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigFile;
    use crate::json::{self, Value};

    fn field<'a>(value: &'a Value, name: &str) -> &'a Value {
        match value {
            Value::Object(members) => members
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value)
                .unwrap_or_else(|| panic!("no field {name}")),
            _ => panic!("not an object"),
        }
    }

    fn strings(value: &Value) -> Vec<String> {
        match value {
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    _ => panic!("not a string"),
                })
                .collect(),
            _ => panic!("not an array"),
        }
    }

    fn resolved(json: &str) -> Config {
        let file = ConfigFile::parse(json, "test").expect("config parses");
        Config::resolve(&[("test", file)]).expect("config resolves")
    }

    #[test]
    fn the_settings_carry_the_resolved_config_and_texts() {
        let config = resolved(
            r#"{"essentialCookies": ["sid"], "categories": {"personalization": null,
                "analytics": {"title": "Site \"stats\"", "cookies": ["_ga*"], "storage": ["_ga_store"]}}}"#,
        );
        let texts = Texts::load("zh-CN").expect("zh-CN loads");
        let text = json(&config, &texts, "1:key");
        let settings = json::parse(&text).expect("the settings are JSON");
        assert_eq!(field(&settings, "key"), &Value::String("1:key".into()));
        assert_eq!(field(&settings, "lang"), &Value::String("zh-CN".into()));
        assert_eq!(field(&settings, "revision"), &Value::Number("1".into()));
        let age = crate::model::days(config.expiry_days).to_string();
        assert_eq!(field(&settings, "maxAge"), &Value::Number(age));
        assert_eq!(
            field(&settings, "reopen"),
            &Value::String(texts.reopen.clone())
        );
        let Value::Array(categories) = field(&settings, "categories") else {
            panic!("categories is not an array");
        };
        let names: Vec<&Value> = categories.iter().map(|c| field(c, "name")).collect();
        assert_eq!(
            names,
            [
                &Value::String("necessary".into()),
                &Value::String("analytics".into()),
                &Value::String("marketing".into())
            ]
        );
        assert_eq!(
            field(&categories[1], "title"),
            &Value::String("Site \"stats\"".into())
        );
        assert_eq!(strings(field(&categories[1], "cookies")), ["_ga*"]);
        assert_eq!(strings(field(&categories[1], "storage")), ["_ga_store"]);
        assert_eq!(field(&categories[2], "gpc"), &Value::Bool(true));
        // The built-in title, in the visitor's language, where the site gives none.
        assert_eq!(
            field(&categories[2], "title"),
            &Value::String(texts.category_title("marketing", None).to_string())
        );
        assert!(strings(field(&settings, "essential")).contains(&"sid".to_string()));
        let Value::Array(mode) = field(&settings, "consentMode") else {
            panic!("consentMode is not an array");
        };
        assert_eq!(mode.len(), config.consent_mode.len());
        let embed = field(&settings, "embed");
        assert_eq!(
            field(embed, "once"),
            &Value::String(texts.load_once.clone())
        );
    }

    #[test]
    fn the_newest_settings_come_first_and_replace_their_key_and_few_are_kept() {
        let entry = |key: &str| format!(r#"{{"key":"{key}","n":[1,true,null,"x"]}}"#);
        let mut stored = String::from("not json");
        for key in ["a", "b", "c", "d", "e"] {
            stored = keep(&stored, key, Some(entry(key)));
        }
        let keys = |stored: &str| -> Vec<String> {
            let Ok(Value::Array(entries)) = json::parse(stored) else {
                panic!("not an array: {stored}");
            };
            entries
                .iter()
                .map(|e| match field(e, "key") {
                    Value::String(k) => k.clone(),
                    _ => panic!("no key"),
                })
                .collect()
        };
        assert_eq!(
            keys(&stored),
            ["e", "d", "c", "b"],
            "at most KEPT, newest first"
        );
        stored = keep(&stored, "c", Some(entry("c")));
        assert_eq!(keys(&stored), ["c", "e", "d", "b"], "a key is kept once");
        stored = keep(&stored, "d", None);
        assert_eq!(
            keys(&stored),
            ["c", "e", "b"],
            "a config that needs the full build forgets its key"
        );
        assert!(
            stored.contains(r#""n":[1,true,null,"x"]"#),
            "entries are kept as they were"
        );
        assert_eq!(
            keep("[1, \"x\"]", "k", None),
            "[]",
            "only objects are settings"
        );
    }

    #[test]
    fn a_hidden_reopen_button_is_null() {
        let config = resolved(r#"{"showReopenButton": false}"#);
        let texts = Texts::load("en").expect("en loads");
        let settings = json::parse(&json(&config, &texts, "k")).expect("JSON");
        assert_eq!(field(&settings, "reopen"), &Value::Null);
    }

    #[test]
    fn debug_test_overrides_and_a_refused_config_need_the_full_build() {
        assert!(applies(&Config::builtin(), false));
        assert!(!applies(&Config::builtin(), true));
        assert!(!applies(&resolved(r#"{"debug": true}"#), false));
        assert!(!applies(&resolved(r#"{"testOverrides": true}"#), false));
    }
}
