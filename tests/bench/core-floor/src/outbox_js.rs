//! Variant B': the receipt outbox of variant B without serde: entries stay JS objects and the
//! browser's `JSON` and `localStorage` do the work.

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use web_sys::Storage;

const KEY: &str = "canenrich_outbox";

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The stored entries, or none when storage is missing or holds something else.
fn load(storage: &Storage) -> Array {
    storage
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|text| JSON::parse(&text).ok())
        .and_then(|value| value.dyn_into::<Array>().ok())
        .unwrap_or_default()
}

fn save(storage: &Storage, entries: &Array) -> bool {
    JSON::stringify(entries)
        .ok()
        .and_then(|text| text.as_string())
        .is_some_and(|text| storage.set_item(KEY, &text).is_ok())
}

fn set(entry: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(entry, &JsValue::from_str(key), value);
}

/// Queues a receipt; returns how many are waiting (0 if storage is unavailable).
#[wasm_bindgen(js_name = queueReceipt)]
pub fn queue_receipt(id: String, endpoint: String, body: String, queued_at: f64) -> u32 {
    let Some(storage) = storage() else {
        return 0;
    };
    let entries = load(&storage);
    let entry = Object::new();
    set(&entry, "id", &JsValue::from_str(&id));
    set(&entry, "endpoint", &JsValue::from_str(&endpoint));
    set(&entry, "body", &JsValue::from_str(&body));
    set(&entry, "queued_at", &JsValue::from_f64(queued_at));
    set(&entry, "attempts", &JsValue::from_f64(0.0));
    entries.push(&entry);
    if save(&storage, &entries) {
        entries.length()
    } else {
        0
    }
}

/// Counts one more attempt on every waiting receipt; returns how many are waiting.
#[wasm_bindgen(js_name = retryOutbox)]
pub fn retry_outbox() -> u32 {
    let Some(storage) = storage() else {
        return 0;
    };
    let entries = load(&storage);
    for entry in entries.iter() {
        let attempts = Reflect::get(&entry, &JsValue::from_str("attempts"))
            .ok()
            .and_then(|value| value.as_f64())
            .unwrap_or(0.0);
        if let Some(entry) = entry.dyn_ref::<Object>() {
            set(entry, "attempts", &JsValue::from_f64(attempts + 1.0));
        }
    }
    save(&storage, &entries);
    entries.length()
}
