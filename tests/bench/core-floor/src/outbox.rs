//! Variant B: the receipt outbox in localStorage through gloo-storage (serde + serde_json).

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

const KEY: &str = "canenrich_outbox";

/// A receipt waiting to be posted.
#[derive(Serialize, Deserialize)]
struct Entry {
    id: String,
    endpoint: String,
    body: String,
    queued_at: f64,
    attempts: u32,
}

/// Queues a receipt; returns how many are waiting (0 if storage is unavailable).
#[wasm_bindgen(js_name = queueReceipt)]
pub fn queue_receipt(id: String, endpoint: String, body: String, queued_at: f64) -> u32 {
    let mut entries: Vec<Entry> = LocalStorage::get(KEY).unwrap_or_default();
    entries.push(Entry {
        id,
        endpoint,
        body,
        queued_at,
        attempts: 0,
    });
    match LocalStorage::set(KEY, &entries) {
        Ok(()) => entries.len() as u32,
        Err(_) => 0,
    }
}

/// Counts one more attempt on every waiting receipt; returns how many are waiting.
#[wasm_bindgen(js_name = retryOutbox)]
pub fn retry_outbox() -> u32 {
    let mut entries: Vec<Entry> = LocalStorage::get(KEY).unwrap_or_default();
    for entry in &mut entries {
        entry.attempts += 1;
    }
    let _ = LocalStorage::set(KEY, &entries);
    entries.len() as u32
}
