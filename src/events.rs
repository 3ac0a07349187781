//! Browser adapter: the JS shape of a consent record and the `canenrich:*` window events.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::blocker::plan::Erasure;
use crate::model::Consent;

/// `{ id, revision, timestamp, categories, rejected, method, refusedServices }`, as
/// `getConsent()` returns it.
pub fn consent_object(consent: &Consent) -> Object {
    let object = Object::new();
    let list = |names: &std::collections::BTreeSet<String>| {
        names
            .iter()
            .map(|n| JsValue::from_str(n))
            .collect::<Array>()
    };
    // Setting a plain data property on a fresh object cannot throw.
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    set("id", JsValue::from_str(&consent.id));
    set("revision", JsValue::from(consent.revision));
    // Milliseconds since the epoch fit exactly in a JS number until the year 287396.
    set("timestamp", JsValue::from_f64(consent.timestamp as f64));
    set("categories", list(&consent.accepted).into());
    set("rejected", list(&consent.rejected).into());
    set("method", JsValue::from_str(consent.method.as_str()));
    set("refusedServices", list(&consent.refused_services).into());
    object
}

/// Sends `gtag('consent', 'update', …)` for Google Consent Mode v2, each type granted as the
/// config's `mapping` says.
pub fn consent_mode(mapping: &[(String, Vec<String>)], consent: Option<&Consent>) {
    crate::signals::consent_update(crate::model::consent_mode(mapping, consent));
}

pub use crate::signals::dispatch;

/// `canenrich:consent` with the record.
pub fn consent(consent: &Consent) {
    dispatch("consent", &consent_object(consent).into());
}

/// `canenrich:change` with the record, `changed` (the categories whose acceptance flipped) and
/// `survivors` (`{ cookies, storage }` that could not be erased).
pub fn change(consent: Option<&Consent>, changed: &[String], survivors: &Erasure) {
    let detail = consent.map(consent_object).unwrap_or_default();
    let list = |names: &[String]| {
        names
            .iter()
            .map(|n| JsValue::from_str(n))
            .collect::<Array>()
    };
    let left = Object::new();
    let _ = Reflect::set(
        &left,
        &JsValue::from_str("cookies"),
        &list(&survivors.cookies),
    );
    let _ = Reflect::set(
        &left,
        &JsValue::from_str("storage"),
        &list(&survivors.storage),
    );
    let _ = Reflect::set(&detail, &JsValue::from_str("changed"), &list(changed));
    let _ = Reflect::set(&detail, &JsValue::from_str("survivors"), &left);
    dispatch("change", &detail.into());
}
