//! Reading a [`ConfigFile`] from parsed JSON, field by field, with the field's path in every
//! error. The field names are the camelCase names `ConfigFile` serialises to (and the JSON Schema
//! lists); a round-trip property test holds the two together.

use std::collections::BTreeMap;

use super::{CategoryFile, ConfigFile, Position, Service, ServiceCookie, Theme};
use crate::json::{self, Error, Fields, Value};

/// The whole config document.
pub fn config_file(value: &Value) -> Result<ConfigFile, Error> {
    let fields = Fields::of(
        value,
        ".",
        &[
            "$schema",
            "revision",
            "language",
            "theme",
            "position",
            "expiryDays",
            "refusalExpiryDays",
            "revisionNote",
            "privacyPolicyUrl",
            "essentialCookies",
            "showReopenButton",
            "receiptEndpoint",
            "testOverrides",
            "debug",
            "categories",
            "consentMode",
        ],
    )?;
    Ok(ConfigFile {
        schema: fields.optional("$schema", json::string)?,
        revision: fields.optional("revision", json::u32)?,
        language: fields.optional("language", json::string)?,
        theme: fields.optional("theme", theme)?,
        position: fields.optional("position", position)?,
        expiry_days: fields.optional("expiryDays", json::u32)?,
        refusal_expiry_days: fields.optional("refusalExpiryDays", json::u32)?,
        revision_note: fields.optional("revisionNote", json::string)?,
        privacy_policy_url: fields.optional("privacyPolicyUrl", json::string)?,
        essential_cookies: fields.optional("essentialCookies", json::strings)?,
        show_reopen_button: fields.optional("showReopenButton", json::boolean)?,
        receipt_endpoint: fields.optional("receiptEndpoint", json::string)?,
        test_overrides: fields.optional("testOverrides", json::boolean)?,
        debug: fields.optional("debug", json::boolean)?,
        categories: fields.optional("categories", categories)?,
        consent_mode: fields.optional("consentMode", consent_mode)?,
    })
}

fn theme(value: &Value, path: &str) -> Result<Theme, Error> {
    Ok(
        match json::variant(value, path, &["auto", "light", "dark"])? {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::Auto,
        },
    )
}

fn position(value: &Value, path: &str) -> Result<Position, Error> {
    Ok(
        match json::variant(value, path, &["corner", "bottom-bar", "center"])? {
            "bottom-bar" => Position::BottomBar,
            "center" => Position::Center,
            _ => Position::Corner,
        },
    )
}

/// Categories by name; `null` (removing a default category) is kept as `None`.
fn categories(value: &Value, path: &str) -> Result<BTreeMap<String, Option<CategoryFile>>, Error> {
    let entries = json::map(value, path, |entry, path| match entry {
        Value::Null => Ok(None),
        entry => category(entry, path).map(Some),
    })?;
    Ok(crate::model::map_of(entries))
}

fn category(value: &Value, path: &str) -> Result<CategoryFile, Error> {
    let fields = Fields::of(
        value,
        path,
        &[
            "title",
            "description",
            "cookies",
            "storage",
            "gpc",
            "services",
        ],
    )?;
    Ok(CategoryFile {
        title: fields.optional("title", json::string)?,
        description: fields.optional("description", json::string)?,
        cookies: fields.optional("cookies", json::strings)?,
        storage: fields.optional("storage", json::strings)?,
        gpc: fields.optional("gpc", json::boolean)?,
        services: fields.optional("services", |v, p| json::array(v, p, service))?,
    })
}

fn service(value: &Value, path: &str) -> Result<Service, Error> {
    let fields = Fields::of(
        value,
        path,
        &["name", "provider", "purpose", "privacyPolicyUrl", "cookies"],
    )?;
    Ok(Service {
        name: fields.string("name")?,
        provider: fields.optional("provider", json::string)?,
        purpose: fields.optional("purpose", json::string)?,
        privacy_policy_url: fields.optional("privacyPolicyUrl", json::string)?,
        cookies: fields
            .optional("cookies", |v, p| json::array(v, p, service_cookie))?
            .unwrap_or_default(),
    })
}

fn service_cookie(value: &Value, path: &str) -> Result<ServiceCookie, Error> {
    let fields = Fields::of(value, path, &["name", "duration", "purpose"])?;
    Ok(ServiceCookie {
        name: fields.string("name")?,
        duration: fields.string("duration")?,
        purpose: fields.string("purpose")?,
    })
}

fn consent_mode(value: &Value, path: &str) -> Result<BTreeMap<String, Vec<String>>, Error> {
    Ok(crate::model::map_of(json::map(value, path, json::strings)?))
}
