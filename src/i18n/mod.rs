//! The widget's texts: one JSON file per language in `locales/`, embedded at build time, and the
//! choice of language from what the page and the browser ask for. Pure: the candidates are handed
//! in. Adding a language means adding a file and one line to [`LOCALES`].

use std::collections::BTreeMap;

use crate::json::{self, Fields, Value};

/// Every built-in language: its tag and its texts.
pub const LOCALES: [(&str, &str); 2] = [
    ("en", include_str!("locales/en.json")),
    ("zh-CN", include_str!("locales/zh-CN.json")),
];

/// The texts of one language. Field names match the keys of the locale files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    /// BCP 47 tag, set as `lang` on the widget root.
    pub lang: String,
    /// Writing direction, `ltr` or `rtl`.
    pub dir: String,
    /// First-layer heading; contains the word "cookies" in English.
    pub banner_title: String,
    /// First-layer paragraph.
    pub banner_body: String,
    /// The sentence on login and essential cookies.
    pub login_notice: String,
    /// Text of the privacy policy link.
    pub privacy_link: String,
    /// Button: accept every category.
    pub accept_all: String,
    /// Button: refuse every optional category.
    pub reject_all: String,
    /// Button: open the preferences dialog.
    pub manage: String,
    /// Preferences dialog heading.
    pub preferences_title: String,
    /// Preferences dialog paragraph.
    pub preferences_body: String,
    /// Button: save the switches as they are.
    pub save: String,
    /// Accessible name of the dialog's close button.
    pub close: String,
    /// Label shown instead of a working switch for `necessary`.
    pub always_on: String,
    /// Label before the consent id.
    pub consent_id: String,
    /// Label before the consent date.
    pub consent_date: String,
    /// Accessible name of the small button shown after a choice.
    pub reopen: String,
    /// Shown when the browser refuses cookies altogether.
    pub cookies_disabled: String,
    /// Shown while the browser sends the Global Privacy Control signal.
    pub gpc_notice: String,
    /// Shown to a visitor asked again because the notice changed.
    pub revision_notice: String,
    /// Placeholder text for a blocked embed; `{service}` and `{category}` are filled in.
    pub embed_blocked: String,
    /// Placeholder button: load this embed once, without changing the choice.
    pub load_once: String,
    /// Placeholder button: accept the embed's category.
    pub always_allow: String,
    /// Summary of a category's expandable list; `{count}` is the number of services.
    pub services_summary: String,
    /// Who runs a service; `{provider}` is filled in.
    pub service_provider: String,
    /// Text of a service's privacy policy link; `{service}` is filled in.
    pub service_privacy: String,
    /// Caption and scroll-area name of a service's cookie table; `{service}` is filled in.
    pub service_cookies: String,
    /// Shown instead of the table for a service that sets no cookies.
    pub service_no_cookies: String,
    /// Cookie table header: the cookie's name.
    pub cookie_name: String,
    /// Cookie table header: who sets it.
    pub cookie_provider: String,
    /// Cookie table header: how long it is kept.
    pub cookie_duration: String,
    /// Cookie table header: what it is for.
    pub cookie_purpose: String,
    /// Titles and descriptions of the built-in categories.
    pub categories: BTreeMap<String, CategoryTexts>,
}

/// Title and description of one built-in category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTexts {
    /// Title next to the switch.
    pub title: String,
    /// One or two sentences under it.
    pub description: String,
}

/// The keys of a locale file: every [`Texts`] field, in camelCase.
const KEYS: [&str; 33] = [
    "lang",
    "dir",
    "bannerTitle",
    "bannerBody",
    "loginNotice",
    "privacyLink",
    "acceptAll",
    "rejectAll",
    "manage",
    "preferencesTitle",
    "preferencesBody",
    "save",
    "close",
    "alwaysOn",
    "consentId",
    "consentDate",
    "reopen",
    "cookiesDisabled",
    "gpcNotice",
    "revisionNotice",
    "embedBlocked",
    "loadOnce",
    "alwaysAllow",
    "servicesSummary",
    "serviceProvider",
    "servicePrivacy",
    "serviceCookies",
    "serviceNoCookies",
    "cookieName",
    "cookieProvider",
    "cookieDuration",
    "cookiePurpose",
    "categories",
];

impl Texts {
    /// The texts for `tag`, which must be one of [`LOCALES`] (else English).
    ///
    /// # Errors
    ///
    /// The locale file is not valid (a unit test holds every file to it).
    pub fn load(tag: &str) -> Result<Texts, json::Error> {
        let text = LOCALES
            .iter()
            .find(|(t, _)| *t == tag)
            .map_or(LOCALES[0].1, |(_, json)| *json);
        Texts::read(&json::parse(text)?)
    }

    fn read(value: &Value) -> Result<Texts, json::Error> {
        let fields = Fields::of(value, ".", &KEYS)?;
        // Every text first, then moved into place in the same order (KEYS follows the fields).
        let mut texts = KEYS[..KEYS.len() - 1]
            .iter()
            .map(|name| fields.string(name))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let mut order = KEYS.iter();
        let mut text = |key: &str| {
            // The host tests run this with debug assertions: the keys below follow KEYS.
            debug_assert_eq!(order.next(), Some(&key));
            texts.next().unwrap_or_default()
        };
        let (categories, path) = fields.require("categories")?;
        let categories = json::map(categories, &path, |value, path| {
            let fields = Fields::of(value, path, &["title", "description"])?;
            Ok(CategoryTexts {
                title: fields.string("title")?,
                description: fields.string("description")?,
            })
        })?;
        Ok(Texts {
            lang: text("lang"),
            dir: text("dir"),
            banner_title: text("bannerTitle"),
            banner_body: text("bannerBody"),
            login_notice: text("loginNotice"),
            privacy_link: text("privacyLink"),
            accept_all: text("acceptAll"),
            reject_all: text("rejectAll"),
            manage: text("manage"),
            preferences_title: text("preferencesTitle"),
            preferences_body: text("preferencesBody"),
            save: text("save"),
            close: text("close"),
            always_on: text("alwaysOn"),
            consent_id: text("consentId"),
            consent_date: text("consentDate"),
            reopen: text("reopen"),
            cookies_disabled: text("cookiesDisabled"),
            gpc_notice: text("gpcNotice"),
            revision_notice: text("revisionNotice"),
            embed_blocked: text("embedBlocked"),
            load_once: text("loadOnce"),
            always_allow: text("alwaysAllow"),
            services_summary: text("servicesSummary"),
            service_provider: text("serviceProvider"),
            service_privacy: text("servicePrivacy"),
            service_cookies: text("serviceCookies"),
            service_no_cookies: text("serviceNoCookies"),
            cookie_name: text("cookieName"),
            cookie_provider: text("cookieProvider"),
            cookie_duration: text("cookieDuration"),
            cookie_purpose: text("cookiePurpose"),
            categories: crate::model::map_of(categories),
        })
    }

    /// Title of category `name`: the site's own title, else the language file's, else the name.
    pub fn category_title<'a>(&'a self, name: &'a str, site: Option<&'a str>) -> &'a str {
        site.or_else(|| self.categories.get(name).map(|c| c.title.as_str()))
            .unwrap_or(name)
    }

    /// Description of category `name`: the site's own, else the language file's, else empty.
    pub fn category_description<'a>(&'a self, name: &str, site: Option<&'a str>) -> &'a str {
        site.or_else(|| self.categories.get(name).map(|c| c.description.as_str()))
            .unwrap_or_default()
    }
}

/// `template` with each `{name}` of `values` replaced by its value; other braces stay as they
/// are. Read over bytes (a name is ASCII), with no string searcher: the lean core links it.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let bytes = template.as_bytes();
    let mut out = String::with_capacity(template.len());
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        let found = (bytes[at] == b'{')
            .then(|| {
                values.iter().find(|(name, _)| {
                    let end = at + 1 + name.len();
                    bytes.get(at + 1..end) == Some(name.as_bytes()) && bytes.get(end) == Some(&b'}')
                })
            })
            .flatten();
        match found {
            Some((name, value)) => {
                out.push_str(template.get(copied..at).unwrap_or_default());
                out.push_str(value);
                at += name.len() + 2;
                copied = at;
            }
            None => at += 1,
        }
    }
    out.push_str(template.get(copied..).unwrap_or_default());
    out
}

/// The built-in language for a BCP 47 `tag`, if there is one (`zh`, `zh-Hans`, `zh-CN`, `zh-SG`
/// → `zh-CN`; `en-*` → `en`).
pub fn supported(tag: &str) -> Option<&'static str> {
    let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
    let mut parts = lower.split('-');
    match (parts.next(), parts.next()) {
        (Some("en"), _) => Some("en"),
        (Some("zh"), None | Some("hans" | "cn" | "sg")) => Some("zh-CN"),
        _ => None,
    }
}

/// The first supported language among `candidates` (config or `data-lang`, then `<html lang>`,
/// then `navigator.languages`), else `en`.
pub fn negotiate<'a>(candidates: impl IntoIterator<Item = &'a str>) -> &'static str {
    candidates
        .into_iter()
        .find_map(supported)
        .unwrap_or(LOCALES[0].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_each_named_placeholder_and_nothing_else() {
        let values = [("service", "Vidéo"), ("category", "Marketing")];
        assert_eq!(
            fill("{service} is blocked ({category}); {service}.", &values),
            "Vidéo is blocked (Marketing); Vidéo."
        );
        assert_eq!(fill("{other} {servic} {", &values), "{other} {servic} {");
        assert_eq!(fill("营销 {category}！", &values), "营销 Marketing！");
        assert_eq!(fill("", &values), "");
    }

    #[test]
    fn every_locale_file_is_complete_and_names_the_same_categories() {
        let english = Texts::load("en").expect("en parses");
        for (tag, _) in LOCALES {
            let texts = Texts::load(tag).expect(tag);
            assert_eq!(texts.lang, tag);
            assert!(texts.dir == "ltr" || texts.dir == "rtl");
            let names: Vec<_> = texts.categories.keys().collect();
            assert_eq!(
                names,
                english.categories.keys().collect::<Vec<_>>(),
                "{tag}"
            );
        }
    }

    #[test]
    fn the_english_banner_says_cookies_and_explains_login() {
        let texts = Texts::load("en").expect("en parses");
        assert!(texts.banner_title.to_lowercase().contains("cookie"));
        assert!(texts.login_notice.to_lowercase().contains("sign"));
        assert_eq!(texts.accept_all, "Accept all");
        assert_eq!(texts.reject_all, "Reject all");
        assert_eq!(texts.manage, "Manage preferences");
        assert_eq!(texts.save, "Save preferences");
        assert_eq!(texts.reopen, "Cookie settings");
    }

    #[test]
    fn the_cookie_table_headers_are_translated() {
        let english = Texts::load("en").expect("en parses");
        let chinese = Texts::load("zh-CN").expect("zh-CN parses");
        assert_eq!(
            [
                &english.cookie_name,
                &english.cookie_provider,
                &english.cookie_duration,
                &english.cookie_purpose
            ],
            ["Name", "Provider", "Duration", "Purpose"]
        );
        assert_eq!(
            [
                &chinese.cookie_name,
                &chinese.cookie_provider,
                &chinese.cookie_duration,
                &chinese.cookie_purpose
            ],
            ["名称", "提供方", "有效期", "用途"]
        );
        for texts in [&english, &chinese] {
            assert!(texts.services_summary.contains("{count}"));
            assert!(texts.service_provider.contains("{provider}"));
            assert!(texts.service_privacy.contains("{service}"));
            assert!(texts.service_cookies.contains("{service}"));
        }
    }

    #[test]
    fn chinese_variants_map_to_simplified_chinese() {
        for tag in ["zh", "zh-Hans", "zh-CN", "zh-SG", "ZH_cn", "zh-Hans-CN"] {
            assert_eq!(supported(tag), Some("zh-CN"), "{tag}");
        }
        assert_eq!(supported("zh-TW"), None);
        assert_eq!(supported("zh-Hant"), None);
        assert_eq!(supported("en-GB"), Some("en"));
        assert_eq!(supported("fr"), None);
    }

    #[test]
    fn the_first_supported_candidate_wins_and_english_is_the_fallback() {
        assert_eq!(negotiate(["fr", "zh-CN", "en"]), "zh-CN");
        assert_eq!(negotiate(["de", "fr"]), "en");
        assert_eq!(negotiate([]), "en");
    }

    #[test]
    fn site_titles_override_the_language_file() {
        let texts = Texts::load("en").expect("en parses");
        assert_eq!(texts.category_title("analytics", Some("Stats")), "Stats");
        assert_ne!(texts.category_title("analytics", None), "analytics");
        assert_eq!(texts.category_title("video", None), "video");
    }
}
