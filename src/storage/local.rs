//! Browser adapter: the receipt outbox in `localStorage`, through `gloo-storage`. One key per
//! entry (`canenrich_outbox.<id>`), so that tabs adding and removing receipts at the same time
//! never write over each other's entries. It converts and maps errors; `outbox.rs` decides.
//!
//! Values are the JSON of the serde type [`Entry`], written and read by [`Entry::to_json`] and
//! [`Entry::parse`] rather than `LocalStorage::get`/`set`: those go through `serde_json`, which
//! the WebAssembly otherwise does without (about 25 KB brotli in each build).

use gloo_storage::{LocalStorage, Storage};

use super::outbox::{self, Entry};
use super::StorageError;

/// The outbox in this page's `localStorage`. Only [`LocalOutbox::open`] makes one, once it has
/// seen that the storage is there: `gloo-storage` throws into JavaScript when it is missing or
/// blocked.
#[derive(Debug)]
pub struct LocalOutbox(());

/// What is stored under the outbox's keys.
#[derive(Debug, Default)]
pub struct Listing {
    /// The entries that decode.
    pub entries: Vec<Entry>,
    /// Keys whose value does not decode, or names another id: to be removed.
    pub unreadable: Vec<String>,
}

impl LocalOutbox {
    /// The outbox, if this page may use `localStorage` (it is `null` in some embedded browsers,
    /// and reading it throws when the visitor blocks site data).
    pub fn open() -> Option<LocalOutbox> {
        web_sys::window()
            .and_then(|window| window.local_storage().ok().flatten())
            .map(|_| LocalOutbox(()))
    }

    /// Every entry in the outbox.
    pub fn list(&self) -> Listing {
        let raw = LocalStorage::raw();
        let keys: Vec<String> = (0..raw.length().unwrap_or(0))
            .filter_map(|index| raw.key(index).ok().flatten())
            .filter(|key| outbox::is_key(key))
            .collect();
        let mut listing = Listing::default();
        for key in keys {
            // A key gone since the keys were listed was delivered by another tab.
            if let Ok(Some(text)) = raw.get_item(&key) {
                match Entry::parse(&text) {
                    Some(entry) if outbox::key(&entry.id) == key => listing.entries.push(entry),
                    _ => listing.unreadable.push(key),
                }
            }
        }
        listing
    }

    /// The entry for receipt `id`, if it is there and decodes.
    pub fn get(&self, id: &str) -> Option<Entry> {
        LocalStorage::raw()
            .get_item(&outbox::key(id))
            .ok()
            .flatten()
            .and_then(|text| Entry::parse(&text))
            .filter(|entry| entry.id == id)
    }

    /// Stores `entry` (a full or blocked storage is an error: the receipt is then not kept).
    pub fn put(&self, entry: &Entry) -> Result<(), StorageError> {
        LocalStorage::raw()
            .set_item(&outbox::key(&entry.id), &entry.to_json())
            .map_err(|err| {
                StorageError::Unavailable(
                    js_sys::Reflect::get(&err, &"name".into())
                        .ok()
                        .and_then(|name| name.as_string())
                        .unwrap_or_else(|| "the browser refused the write".into()),
                )
            })
    }

    /// Removes the entry for receipt `id`.
    pub fn remove(&self, id: &str) {
        self.remove_key(&outbox::key(id));
    }

    /// Removes whatever is stored under `key`.
    pub fn remove_key(&self, key: &str) {
        LocalStorage::delete(key);
    }
}
