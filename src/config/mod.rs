//! The site owner's configuration: a serde mirror of the JSON config ([`ConfigFile`]), the
//! built-in CanEnrich defaults, merging of the config sources, and validation errors that name the
//! offending field. Pure: the JSON text is handed in by the loader.

mod defaults;
mod read;

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use crate::model::{
    codec::is_category_name, default_consent_mode, Consent, ConsentModeMap, Millis, Notice,
    NECESSARY,
};

/// Colour scheme of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    #[default]
    Auto,
    /// Dark text on white.
    Light,
    /// White text on near-black.
    Dark,
}

/// Where the first layer sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    /// A card in the bottom-left corner.
    #[default]
    Corner,
    /// A slim bar along the bottom edge.
    BottomBar,
    /// A card centred on the screen.
    Center,
}

impl Theme {
    /// The name used in the config and as a CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl Position {
    /// The name used in the config and as a CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Corner => "corner",
            Position::BottomBar => "bottom-bar",
            Position::Center => "center",
        }
    }
}

/// The JSON config exactly as a site owner writes it. Every field is optional; unknown fields are
/// errors so that a typo is reported instead of silently ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    /// The JSON Schema this file follows (`config.schema.json`), for editors; ignored.
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Bump to ask every visitor again; copied into the stored record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Language of the widget (`en`, `zh-CN`); detected from the page when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Colour scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    /// Where the first layer sits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// How long a choice is remembered, in days (1–3650).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_days: Option<u32>,
    /// How long a choice that refuses something is remembered, in days (1–`expiryDays`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal_expiry_days: Option<u32>,
    /// Shown in the banner when a visitor who chose under an older revision is asked again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_note: Option<String>,
    /// Link to the privacy policy: an `http(s)` URL or a path on this site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// Cookie name patterns that are essential and never erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub essential_cookies: Option<Vec<String>>,
    /// Show the small "Cookie settings" button after a choice (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_reopen_button: Option<bool>,
    /// Where a proof-of-consent receipt is posted after every choice (kept in an outbox and
    /// retried until acknowledged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_endpoint: Option<String>,
    /// Allow test suites to force a choice with `?canenrich-test=` or the `canenrich_test` cookie.
    /// Never enable it in production.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_overrides: Option<bool>,
    /// Log every held and released element, erased or surviving data and pre-consent leaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// Categories by name, merged over the defaults; `null` removes a default category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<BTreeMap<String, Option<CategoryFile>>>,
    /// Google Consent Mode v2: for each consent type (`ad_storage`, `analytics_storage`, …), the
    /// categories any one of which grants it (`necessary`: always granted; `[]`: never). Types not
    /// named keep their default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_mode: Option<BTreeMap<String, Vec<String>>>,
}

/// One category in the JSON config.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CategoryFile {
    /// Title shown next to the switch; built-in categories take it from the language file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// One or two sentences under the title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Cookie name patterns (`*` wildcard) erased while the category is refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookies: Option<Vec<String>>,
    /// localStorage / sessionStorage key patterns erased while the category is refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Vec<String>>,
    /// Refused by the Global Privacy Control signal unless accepted explicitly (`marketing`
    /// always is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpc: Option<bool>,
    /// The services that use this category, listed with their cookies in the preferences dialog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<Service>>,
}

/// A service (a tool or partner) that sets cookies under a category, as the preferences dialog
/// lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    /// The service's name, as a visitor would recognise it.
    pub name: String,
    /// Who runs it (the company that receives the data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// What it is used for, in one sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The provider's privacy policy: an `http(s)` URL or a path on this site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// The cookies it sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<ServiceCookie>,
}

/// One cookie a [`Service`] sets, as a row of the cookie table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceCookie {
    /// The cookie's name (or name pattern, such as `_ga_*`).
    pub name: String,
    /// How long it is kept, as a visitor reads it (`session`, `2 years`).
    pub duration: String,
    /// What it is for, in a few words.
    pub purpose: String,
}

/// One category of the resolved config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Stable name used in markup (`data-category`), the cookie and the API.
    pub name: String,
    /// Site-provided title, else the language file's.
    pub title: Option<String>,
    /// Site-provided description, else the language file's.
    pub description: Option<String>,
    /// Cookie name patterns erased while refused.
    pub cookies: Vec<String>,
    /// Storage key patterns erased while refused.
    pub storage: Vec<String>,
    /// Refused under Global Privacy Control unless accepted explicitly.
    pub gpc: bool,
    /// The services listed under it in the preferences dialog.
    pub services: Vec<Service>,
}

impl Category {
    /// Whether this is the always-on category.
    pub fn is_necessary(&self) -> bool {
        self.name == NECESSARY
    }
}

/// The configuration the widget runs with: defaults with every source merged over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Current revision of the notice.
    pub revision: u32,
    /// Requested language, if any.
    pub language: Option<String>,
    /// Colour scheme.
    pub theme: Theme,
    /// Placement of the first layer.
    pub position: Position,
    /// How long a choice is remembered.
    pub expiry_days: u32,
    /// How long a choice that refuses something is remembered.
    pub refusal_expiry_days: u32,
    /// What changed in the current revision, for visitors asked again.
    pub revision_note: Option<String>,
    /// Privacy policy link.
    pub privacy_policy_url: String,
    /// Essential cookie patterns, never erased.
    pub essential_cookies: Vec<String>,
    /// Whether the "Cookie settings" button shows after a choice.
    pub show_reopen_button: bool,
    /// Where receipts are posted, if anywhere.
    pub receipt_endpoint: Option<String>,
    /// Whether test overrides are honoured.
    pub test_overrides: bool,
    /// Whether debug output is on.
    pub debug: bool,
    /// Categories in display order, `necessary` first.
    pub categories: Vec<Category>,
    /// Which categories grant each Google Consent Mode type.
    pub consent_mode: ConsentModeMap,
}

/// A config source that could not be used. The message names the source and the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid config in {source_name} at `{path}`: {message}")]
pub struct ConfigError {
    /// Where the config came from (`inline config`, a URL, `data-* attributes`).
    pub source_name: String,
    /// Dotted path of the offending field (`.` for the whole document).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// The longest `expiryDays` and `refusalExpiryDays` a config may set (about ten years).
pub const MAX_EXPIRY_DAYS: u32 = 3650;

pub use crate::page::INLINE_CONFIG_ID;

/// Which inline config the page offers, from every element carrying [`INLINE_CONFIG_ID`] as
/// `(tag name, type attribute, text)`: the text of the one `<script type="application/json">`,
/// `None` when there is no such element. Any other element with the id (a `<div>` in user
/// content, say) is never read; more than one element with the id is an invalid config, since
/// which one the site meant cannot be told (and one of them may be an attacker's).
///
/// # Errors
///
/// More than one element carries the id.
pub fn inline_config(
    found: &[(String, Option<String>, String)],
) -> Result<Option<&str>, ConfigError> {
    match found {
        [] => Ok(None),
        [(tag, kind, text)] => Ok((tag.eq_ignore_ascii_case("script")
            && kind
                .as_deref()
                .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json")))
        .then_some(text.as_str())),
        more => Err(ConfigError {
            source_name: "inline config".into(),
            path: ".".into(),
            message: format!(
                "{} elements carry id=\"{INLINE_CONFIG_ID}\"; only one <script type=\"application/json\"> may",
                more.len()
            ),
        }),
    }
}

/// Order in which the built-in categories are shown.
const BUILTIN_ORDER: [&str; 4] = [NECESSARY, "personalization", "analytics", "marketing"];

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| s.to_string()).collect())
}

impl ConfigFile {
    /// The built-in CanEnrich defaults, in the same shape a site owner writes.
    pub fn builtin() -> ConfigFile {
        let category = |cookies: &[&str], storage: &[&str], services: Vec<Service>| {
            Some(CategoryFile {
                cookies: strings(cookies),
                storage: strings(storage),
                services: Some(services),
                ..CategoryFile::default()
            })
        };
        ConfigFile {
            schema: None,
            revision: Some(1),
            language: None,
            theme: Some(Theme::Auto),
            position: Some(Position::Corner),
            expiry_days: Some(182),
            refusal_expiry_days: Some(90),
            revision_note: None,
            privacy_policy_url: Some("/privacy.html".into()),
            essential_cookies: strings(&[
                "canenrich_session",
                "__Host-canenrich_session",
                "canenrich_consent",
                "csrf*",
                "__Host-csrf*",
            ]),
            show_reopen_button: Some(true),
            receipt_endpoint: None,
            test_overrides: None,
            debug: None,
            categories: Some(crate::model::map_of([
                (
                    NECESSARY.to_string(),
                    category(&[], &[], defaults::necessary_services()),
                ),
                (
                    "personalization".to_string(),
                    category(&["ce_pref*"], &["ce_recent*"], Vec::new()),
                ),
                (
                    "analytics".to_string(),
                    category(
                        &["_ga", "_ga_*", "_gid", "_gat*"],
                        &["_ga_store"],
                        defaults::analytics_services(),
                    ),
                ),
                (
                    "marketing".to_string(),
                    category(
                        &["_fbp", "_gcl_*", "mk_id", "IDE"],
                        &["mk_session"],
                        defaults::marketing_services(),
                    ),
                ),
            ])),
            consent_mode: Some(crate::model::map_of(default_consent_mode())),
        }
    }

    /// Parses one config source. `source_name` is used in the error message.
    pub fn parse(json: &str, source_name: &str) -> Result<ConfigFile, ConfigError> {
        crate::json::parse(json)
            .and_then(|value| read::config_file(&value))
            .map_err(|err| ConfigError {
                source_name: source_name.to_string(),
                path: err.path,
                message: err.message,
            })
    }
}

/// The built-in config as pretty JSON (shipped as `dist/config.json`).
pub fn builtin_json() -> String {
    // Serialising a tree of strings, numbers and maps cannot fail.
    serde_json::to_string_pretty(&ConfigFile::builtin()).unwrap_or_default()
}

/// The JSON Schema (draft 2020-12) of the config file, generated from [`ConfigFile`]: the `///`
/// docs become descriptions and unknown fields are refused, as [`ConfigFile::parse`] does.
/// Shipped as `dist/config.schema.json`. It has no `$id`: the package is not published at any
/// address yet, and an `$id` naming one that does not answer would mislead editors; configs
/// point to the copy next to the widget (`"$schema": "/consent/config.schema.json"`).
#[cfg(feature = "schema")]
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(ConfigFile);
    schema.insert("title".into(), "CanEnrich Consent config".into());
    // Serialising a JSON value cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

impl Config {
    /// The defaults with `sources` merged over them in order (later wins), then validated.
    pub fn resolve(sources: &[(&str, ConfigFile)]) -> Result<Config, ConfigError> {
        let mut config = Config::empty();
        config.merge(ConfigFile::builtin(), "built-in defaults")?;
        for (name, file) in sources {
            config.merge(file.clone(), name)?;
        }
        Ok(config)
    }

    /// The built-in defaults alone (what a fail-closed widget runs with).
    pub fn builtin() -> Config {
        let mut config = Config::empty();
        // The built-in file is valid by construction (a unit test holds it to that).
        let _ = config.merge(ConfigFile::builtin(), "built-in defaults");
        config
    }

    /// The category called `name`.
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }

    /// How long `consent` is remembered: the refusal expiry when it refuses anything (never longer
    /// than the general one), else the general expiry.
    pub fn max_age(&self, consent: &Consent) -> Millis {
        let days = if consent.rejected.is_empty() {
            self.expiry_days
        } else {
            self.refusal_expiry_days.min(self.expiry_days)
        };
        crate::model::days(days)
    }

    /// Names of the categories the Global Privacy Control signal refuses.
    pub fn gpc_categories(&self) -> impl Iterator<Item = &str> {
        self.categories
            .iter()
            .filter(|c| c.gpc)
            .map(|c| c.name.as_str())
    }

    /// A short fingerprint of what visitors are asked (revision, categories with their patterns,
    /// services with their providers and cookies), stored with each receipt so a receipt can be matched to the notice it answered.
    pub fn fingerprint(&self) -> String {
        let mut text = format!("{}", self.revision);
        for category in &self.categories {
            text.push_str(&format!(
                "|{}:{}:{}",
                category.name,
                category.cookies.join(","),
                category.storage.join(",")
            ));
            for service in &category.services {
                let cookies: Vec<&str> = service.cookies.iter().map(|c| c.name.as_str()).collect();
                text.push_str(&format!(
                    ";{}@{}:{}",
                    service.name,
                    service.provider.as_deref().unwrap_or_default(),
                    cookies.join(",")
                ));
            }
        }
        format!("{:08x}", crate::model::codec::fnv1a(&text))
    }

    /// What visitors are offered, for recording their decisions (see [`Decision::record`]).
    ///
    /// [`Decision::record`]: crate::model::Decision::record
    pub fn notice(&self) -> Notice<'_> {
        Notice {
            revision: self.revision,
            categories: self
                .categories
                .iter()
                .map(|c| {
                    (
                        c.name.as_str(),
                        c.services.iter().map(|s| s.name.as_str()).collect(),
                    )
                })
                .collect(),
            gpc_refused: self.gpc_categories().collect(),
        }
    }

    /// Names of every category, `necessary` included, in display order.
    pub fn category_names(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().map(|c| c.name.as_str())
    }

    fn empty() -> Config {
        Config {
            revision: 0,
            language: None,
            theme: Theme::Auto,
            position: Position::Corner,
            expiry_days: 182,
            refusal_expiry_days: 182,
            revision_note: None,
            privacy_policy_url: String::new(),
            essential_cookies: Vec::new(),
            show_reopen_button: true,
            receipt_endpoint: None,
            test_overrides: false,
            debug: false,
            categories: Vec::new(),
            consent_mode: default_consent_mode(),
        }
    }

    fn merge(&mut self, file: ConfigFile, source_name: &str) -> Result<(), ConfigError> {
        let fail = |path: &str, message: &str| ConfigError {
            source_name: source_name.to_string(),
            path: path.to_string(),
            message: message.to_string(),
        };
        if let Some(revision) = file.revision {
            self.revision = revision;
        }
        if let Some(language) = file.language {
            self.language = Some(language);
        }
        if let Some(theme) = file.theme {
            self.theme = theme;
        }
        if let Some(position) = file.position {
            self.position = position;
        }
        if let Some(days) = file.expiry_days {
            if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
                return Err(fail("expiryDays", "must be between 1 and 3650 days"));
            }
            self.expiry_days = days;
        }
        if let Some(days) = file.refusal_expiry_days {
            if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
                return Err(fail("refusalExpiryDays", "must be between 1 and 3650 days"));
            }
            self.refusal_expiry_days = days;
        }
        if let Some(note) = file.revision_note {
            self.revision_note = Some(note);
        }
        if let Some(url) = file.privacy_policy_url {
            if !is_safe_link(&url) {
                return Err(fail(
                    "privacyPolicyUrl",
                    "must be an http(s) URL or a path on this site",
                ));
            }
            self.privacy_policy_url = url;
        }
        if let Some(patterns) = file.essential_cookies {
            check_patterns(&patterns).map_err(|m| fail("essentialCookies", m))?;
            self.essential_cookies = patterns;
        }
        if let Some(show) = file.show_reopen_button {
            self.show_reopen_button = show;
        }
        if let Some(allowed) = file.test_overrides {
            self.test_overrides = allowed;
        }
        if let Some(debug) = file.debug {
            self.debug = debug;
        }
        if let Some(endpoint) = file.receipt_endpoint {
            if !is_safe_link(&endpoint) {
                return Err(fail(
                    "receiptEndpoint",
                    "must be an http(s) URL or a path on this site",
                ));
            }
            self.receipt_endpoint = Some(endpoint);
        }
        for (name, entry) in file.categories.unwrap_or_default() {
            let path = format!("categories.{name}");
            if !is_category_name(&name) {
                return Err(fail(
                    &path,
                    "category names are lower-case letters, digits, `-` and `_`, starting with a letter",
                ));
            }
            let Some(entry) = entry else {
                if name == NECESSARY {
                    return Err(fail(&path, "the necessary category cannot be removed"));
                }
                self.categories.retain(|c| c.name != name);
                continue;
            };
            let index = match self.categories.iter().position(|c| c.name == name) {
                Some(index) => index,
                None => {
                    let is_builtin = BUILTIN_ORDER.contains(&name.as_str());
                    if entry.title.is_none() && !is_builtin {
                        return Err(fail(
                            &format!("{path}.title"),
                            "a new category needs a title",
                        ));
                    }
                    self.categories.push(Category {
                        name: name.clone(),
                        title: None,
                        description: None,
                        cookies: Vec::new(),
                        storage: Vec::new(),
                        gpc: name == "marketing",
                        services: Vec::new(),
                    });
                    self.categories.len() - 1
                }
            };
            let category = &mut self.categories[index];
            if let Some(title) = entry.title {
                if title.trim().is_empty() {
                    return Err(fail(&format!("{path}.title"), "must not be empty"));
                }
                category.title = Some(title);
            }
            if let Some(description) = entry.description {
                category.description = Some(description);
            }
            if let Some(cookies) = entry.cookies {
                check_patterns(&cookies).map_err(|m| fail(&format!("{path}.cookies"), m))?;
                category.cookies = cookies;
            }
            if let Some(gpc) = entry.gpc {
                category.gpc = gpc || category.name == "marketing";
            }
            if let Some(storage) = entry.storage {
                check_patterns(&storage).map_err(|m| fail(&format!("{path}.storage"), m))?;
                category.storage = storage;
            }
            if let Some(services) = entry.services {
                check_services(&services)
                    .map_err(|(field, m)| fail(&format!("{path}.services{field}"), m))?;
                category.services = services;
            }
        }
        // Checked once this source's categories are in, so a source may map a category it adds.
        for (kind, categories) in file.consent_mode.unwrap_or_default() {
            let path = format!("consentMode.{kind}");
            let Some(entry) = self.consent_mode.iter_mut().find(|(k, _)| *k == kind) else {
                return Err(fail(&path, "not a Google Consent Mode v2 type"));
            };
            if let Some((index, unknown)) = categories
                .iter()
                .enumerate()
                .find(|(_, name)| self.categories.iter().all(|c| c.name != **name))
            {
                return Err(fail(
                    &format!("{path}[{index}]"),
                    &format!("no category named `{unknown}`"),
                ));
            }
            entry.1 = categories;
        }
        // Built-in categories first, in their order, then the site's by name (names are unique,
        // so an unstable sort gives the same order, with less code in the WASM).
        let rank = |name: &str| {
            BUILTIN_ORDER
                .iter()
                .position(|b| *b == name)
                .unwrap_or(BUILTIN_ORDER.len())
        };
        self.categories.sort_unstable_by(|a, b| {
            rank(&a.name)
                .cmp(&rank(&b.name))
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(())
    }
}

/// Whether `url` may be used as a link: `http(s)://…` or a path on this site, never a
/// `javascript:` or other scheme.
pub fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    // A relative reference has no scheme: no `:` before the first `/`, `?` or `#`.
    let head = lower.split(['/', '?', '#']).next().unwrap_or_default();
    // Browsers read `/\host` as `//host`: a backslash anywhere in a link is refused.
    !lower.is_empty() && !lower.starts_with("//") && !lower.contains('\\') && !head.contains(':')
}

/// The first problem in `services` as (path below `services`, message).
fn check_services(services: &[Service]) -> Result<(), (String, &'static str)> {
    for (index, service) in services.iter().enumerate() {
        let at = |field: &str| format!("[{index}].{field}");
        if service.name.trim().is_empty() {
            return Err((at("name"), "must not be empty"));
        }
        if let Some(url) = &service.privacy_policy_url {
            if !is_safe_link(url) {
                return Err((
                    at("privacyPolicyUrl"),
                    "must be an http(s) URL or a path on this site",
                ));
            }
        }
        for (row, cookie) in service.cookies.iter().enumerate() {
            if cookie.name.trim().is_empty() {
                return Err((at(&format!("cookies[{row}].name")), "must not be empty"));
            }
        }
    }
    Ok(())
}

fn check_patterns(patterns: &[String]) -> Result<(), &'static str> {
    if patterns
        .iter()
        .any(|p| p.is_empty() || p.len() > 128 || p.contains([';', '=', ' ']))
    {
        return Err("patterns are 1–128 characters without spaces, `;` or `=`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Config, ConfigError> {
        Config::resolve(&[("test", ConfigFile::parse(json, "test")?)])
    }

    #[test]
    fn no_config_at_all_gives_the_canenrich_defaults() {
        let config = Config::resolve(&[]).expect("defaults are valid");
        assert_eq!(config, Config::builtin());
        let names: Vec<_> = config.category_names().collect();
        assert_eq!(
            names,
            ["necessary", "personalization", "analytics", "marketing"]
        );
        assert_eq!(config.expiry_days, 182);
        assert_eq!(config.revision, 1);
    }

    #[test]
    fn the_published_default_config_is_itself_a_valid_config() {
        let file = ConfigFile::parse(&builtin_json(), "dist/config.json").expect("valid");
        assert_eq!(file, ConfigFile::builtin());
    }

    #[test]
    fn categories_merge_over_the_defaults() {
        let config = parse(
            r#"{"revision": 4, "categories": {
                "analytics": {"title": "Usage statistics", "cookies": ["_pk_*"]},
                "video": {"title": "Embedded videos"},
                "chat": {"title": "Support chat"},
                "personalization": null }}"#,
        )
        .expect("valid");
        assert_eq!(config.revision, 4);
        let names: Vec<_> = config.category_names().collect();
        // Built-in categories in their order, then the site's own by name.
        assert_eq!(
            names,
            ["necessary", "analytics", "marketing", "chat", "video"]
        );
        let analytics = config.category("analytics").expect("kept");
        assert_eq!(analytics.title.as_deref(), Some("Usage statistics"));
        assert_eq!(analytics.cookies, ["_pk_*"]);
        assert_eq!(
            analytics.storage,
            ["_ga_store"],
            "unnamed fields keep their defaults"
        );
    }

    #[test]
    fn a_schema_reference_is_allowed_and_ignored() {
        let config = parse(r#"{"$schema": "./config.schema.json", "revision": 3}"#).expect("valid");
        assert_eq!(config.revision, 3);
    }

    #[test]
    fn a_typo_is_reported_with_its_path() {
        let err = parse(r#"{"categories": {"analytics": {"titel": "x"}}}"#).expect_err("typo");
        assert_eq!(err.path, "categories.analytics.titel");
        assert!(err.message.contains("unknown field"), "{}", err.message);
        assert!(err.to_string().contains("test"));
    }

    #[test]
    fn wrong_types_are_reported_with_their_path() {
        assert_eq!(
            parse(r#"{"revision": -1}"#).expect_err("negative").path,
            "revision"
        );
        assert_eq!(
            parse(r#"{"revision": "2"}"#).expect_err("string").path,
            "revision"
        );
        assert_eq!(
            parse(r#"{"theme": "pink"}"#).expect_err("enum").path,
            "theme"
        );
        assert!(parse("[1]").is_err(), "a top-level array is not a config");
        assert!(parse("{").is_err());
    }

    #[test]
    fn bad_values_are_reported_with_their_path() {
        let cases = [
            (r#"{"expiryDays": 0}"#, "expiryDays"),
            (
                r#"{"privacyPolicyUrl": "javascript:alert(1)"}"#,
                "privacyPolicyUrl",
            ),
            (
                r#"{"categories": {"necessary": null}}"#,
                "categories.necessary",
            ),
            (
                r#"{"categories": {"Ads": {"title": "x"}}}"#,
                "categories.Ads",
            ),
            (r#"{"categories": {"video": {}}}"#, "categories.video.title"),
            (
                r#"{"categories": {"video": {"title": "v", "cookies": [""]}}}"#,
                "categories.video.cookies",
            ),
        ];
        for (json, path) in cases {
            assert_eq!(parse(json).expect_err(json).path, path, "{json}");
        }
    }

    #[test]
    fn the_fingerprint_changes_with_what_visitors_are_asked() {
        let base = Config::builtin();
        let bumped = parse(r#"{"revision": 2}"#).expect("valid");
        let extra = parse(r#"{"categories": {"video": {"title": "Video"}}}"#).expect("valid");
        let texts_only =
            parse(r#"{"categories": {"analytics": {"title": "Stats"}}}"#).expect("valid");
        assert_eq!(base.fingerprint().len(), 8);
        assert_ne!(base.fingerprint(), bumped.fingerprint());
        assert_ne!(base.fingerprint(), extra.fingerprint());
        assert_eq!(base.fingerprint(), texts_only.fingerprint());
        let partner = parse(
            r#"{"categories": {"marketing": {"services": [{"name": "New partner", "provider": "Ads Ltd"}]}}}"#,
        )
        .expect("valid");
        assert_ne!(
            base.fingerprint(),
            partner.fingerprint(),
            "a new partner is a new notice"
        );
    }

    #[test]
    fn a_choice_that_refuses_something_expires_sooner() {
        let config = Config::builtin();
        let offered = config.category_names();
        let all: std::collections::BTreeSet<String> =
            config.category_names().map(str::to_string).collect();
        let id = crate::model::uuid::v4([1; 16]);
        let yes = Consent::new(
            id.clone(),
            1,
            0,
            offered,
            &all,
            crate::model::Method::AcceptAll,
        );
        let no = Consent::new(
            id,
            1,
            0,
            config.category_names(),
            &Default::default(),
            crate::model::Method::RejectAll,
        );
        assert_eq!(config.max_age(&yes), crate::model::days(182));
        assert_eq!(config.max_age(&no), crate::model::days(90));
        let long = parse(r#"{"expiryDays": 30, "refusalExpiryDays": 60}"#).expect("valid");
        assert_eq!(
            long.max_age(&no),
            crate::model::days(30),
            "never longer than expiryDays"
        );
    }

    #[test]
    fn marketing_and_categories_marked_gpc_are_refused_by_the_signal() {
        let config =
            parse(r#"{"categories": {"analytics": {"gpc": true}, "marketing": {"gpc": false}}}"#)
                .expect("valid");
        let gpc: Vec<_> = config.gpc_categories().collect();
        assert_eq!(gpc, ["analytics", "marketing"]);
        assert_eq!(
            Config::builtin().gpc_categories().collect::<Vec<_>>(),
            ["marketing"]
        );
    }

    #[test]
    fn a_receipt_endpoint_must_be_a_safe_link() {
        let config = parse(r#"{"receiptEndpoint": "/api/consent"}"#).expect("valid");
        assert_eq!(config.receipt_endpoint.as_deref(), Some("/api/consent"));
        let err = parse(r#"{"receiptEndpoint": "javascript:x"}"#).expect_err("unsafe");
        assert_eq!(err.path, "receiptEndpoint");
    }

    #[test]
    fn links_are_http_or_relative_only() {
        for ok in [
            "/privacy",
            "privacy.html",
            "https://canenrich.com/p",
            "HTTP://x",
            "?a=b:c",
        ] {
            assert!(is_safe_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            " JavaScript:x",
            "data:text/html,x",
            "//evil.example",
            "/\\evil.example",
            "",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }

    #[test]
    fn services_and_their_cookies_are_read_from_a_category() {
        let config = parse(
            r#"{"categories": {"analytics": {"services": [{
                "name": "Google Analytics", "provider": "Google Ireland Ltd.",
                "purpose": "Statistics", "privacyPolicyUrl": "https://policies.google.com/privacy",
                "cookies": [{"name": "_ga", "duration": "2 years", "purpose": "Distinguishes visitors"}]
            }]}}}"#,
        )
        .expect("valid");
        let services = &config.category("analytics").expect("kept").services;
        assert_eq!(services.len(), 1, "a site's list replaces the default one");
        assert_eq!(services[0].provider.as_deref(), Some("Google Ireland Ltd."));
        assert_eq!(services[0].cookies[0].duration, "2 years");
    }

    #[test]
    fn the_defaults_list_the_canenrich_services_and_their_cookies() {
        let config = Config::builtin();
        let cookies = |category: &str| -> Vec<String> {
            let services = &config.category(category).expect("built in").services;
            services
                .iter()
                .flat_map(|s| s.cookies.iter().map(|c| c.name.clone()))
                .collect()
        };
        assert_eq!(
            cookies("necessary"),
            ["canenrich_session", "csrf_token", "canenrich_consent"]
        );
        assert_eq!(cookies("analytics"), ["_ga", "_ga_*"]);
        assert_eq!(cookies("marketing"), ["mk_id"]);
        let marketing = &config.category("marketing").expect("built in").services;
        assert!(marketing.iter().any(|s| s.name == "CanEnrich Video"));
        for category in &config.categories {
            for service in &category.services {
                let url = service.privacy_policy_url.as_deref().unwrap_or("/");
                assert!(is_safe_link(url), "{}", service.name);
            }
        }
    }

    #[test]
    fn bad_services_are_reported_with_their_path() {
        let cases = [
            (
                r#"{"categories": {"analytics": {"services": [{"name": "x", "privacyPolicyUrl": "javascript:x"}]}}}"#,
                "categories.analytics.services[0].privacyPolicyUrl",
            ),
            (
                r#"{"categories": {"analytics": {"services": [{"name": "a"}, {"name": " "}]}}}"#,
                "categories.analytics.services[1].name",
            ),
            (
                r#"{"categories": {"analytics": {"services": [{"name": "a", "cookies": [{"name": "", "duration": "1 day", "purpose": "p"}]}]}}}"#,
                "categories.analytics.services[0].cookies[0].name",
            ),
            (
                r#"{"categories": {"analytics": {"services": [{"name": "a", "cookies": [{"name": "_ga", "duration": "1 day", "purpose": "p", "expires": 3}]}]}}}"#,
                "categories.analytics.services[0].cookies[0].expires",
            ),
            (
                r#"{"categories": {"analytics": {"services": [{"provider": "p"}]}}}"#,
                "categories.analytics.services[0]",
            ),
        ];
        for (json, path) in cases {
            assert_eq!(parse(json).expect_err(json).path, path, "{json}");
        }
    }

    #[test]
    fn the_default_consent_mode_mapping_is_the_consent_mode_v2_one() {
        let config = Config::builtin();
        let granting = |kind: &str| -> Vec<&str> {
            let (_, categories) = config
                .consent_mode
                .iter()
                .find(|(k, _)| k == kind)
                .expect(kind);
            categories.iter().map(String::as_str).collect()
        };
        assert_eq!(config.consent_mode.len(), 7);
        assert_eq!(granting("ad_storage"), ["marketing"]);
        assert_eq!(granting("analytics_storage"), ["analytics"]);
        assert_eq!(granting("functionality_storage"), [NECESSARY]);
        assert_eq!(granting("security_storage"), [NECESSARY]);
    }

    #[test]
    fn a_consent_mode_mapping_overrides_only_the_types_it_names() {
        let config = parse(
            r#"{"categories": {"video": {"title": "Video"}},
                "consentMode": {"ad_storage": ["marketing", "video"], "ad_user_data": []}}"#,
        )
        .expect("valid");
        let mapping: BTreeMap<_, _> = config.consent_mode.iter().cloned().collect();
        assert_eq!(mapping["ad_storage"], ["marketing", "video"]);
        assert!(mapping["ad_user_data"].is_empty());
        assert_eq!(mapping["analytics_storage"], ["analytics"]);
        assert_eq!(config.consent_mode[0].0, "ad_storage", "order is kept");
    }

    #[test]
    fn unknown_consent_mode_types_and_categories_are_reported_with_their_path() {
        let cases = [
            (
                r#"{"consentMode": {"ads_storage": ["marketing"]}}"#,
                "consentMode.ads_storage",
            ),
            (
                r#"{"consentMode": {"ad_storage": ["marketing", "ads"]}}"#,
                "consentMode.ad_storage[1]",
            ),
            (
                r#"{"categories": {"personalization": null},
                    "consentMode": {"personalization_storage": ["personalization"]}}"#,
                "consentMode.personalization_storage[0]",
            ),
            (
                r#"{"consentMode": {"ad_storage": "marketing"}}"#,
                "consentMode.ad_storage",
            ),
        ];
        for (json, path) in cases {
            let err = parse(json).expect_err(json);
            assert_eq!(err.path, path, "{json}: {}", err.message);
        }
    }

    fn element(tag: &str, kind: Option<&str>, text: &str) -> (String, Option<String>, String) {
        (tag.into(), kind.map(str::to_string), text.into())
    }

    #[test]
    fn only_a_json_script_is_read_as_inline_config() {
        let json = [element("SCRIPT", Some(" Application/JSON "), "{}")];
        assert_eq!(inline_config(&json).expect("one"), Some("{}"));
        for other in [
            element("DIV", None, "{}"),
            element("SCRIPT", None, "{}"),
            element("SCRIPT", Some("text/javascript"), "{}"),
            element("TEMPLATE", Some("application/json"), "{}"),
        ] {
            assert_eq!(
                inline_config(std::slice::from_ref(&other)).expect("one"),
                None,
                "{other:?}"
            );
        }
        assert_eq!(inline_config(&[]).expect("none"), None);
    }

    #[test]
    fn two_elements_with_the_inline_config_id_are_an_invalid_config() {
        let found = [
            element("SCRIPT", Some("application/json"), "{}"),
            element("DIV", None, "{\"testOverrides\":true}"),
        ];
        let err = inline_config(&found).expect_err("ambiguous");
        assert_eq!(err.source_name, "inline config");
        assert!(err.message.contains("2 elements"), "{}", err.message);
    }
}
