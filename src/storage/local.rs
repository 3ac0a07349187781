//! Browser adapter: the receipt outbox in `localStorage`, through `gloo-storage`. One key per
//! entry (`canenrich_outbox.<id>`), so that tabs adding and removing receipts at the same time
//! never write over each other's entries. It converts and maps errors; `outbox.rs` decides.

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
            match LocalStorage::get::<Entry>(&key) {
                Ok(entry) if outbox::key(&entry.id) == key => listing.entries.push(entry),
                // Gone since the keys were listed: another tab delivered it.
                Err(gloo_storage::errors::StorageError::KeyNotFound(_)) => {}
                _ => listing.unreadable.push(key),
            }
        }
        listing
    }

    /// The entry for receipt `id`, if it is there and decodes.
    pub fn get(&self, id: &str) -> Option<Entry> {
        LocalStorage::get::<Entry>(outbox::key(id))
            .ok()
            .filter(|entry| entry.id == id)
    }

    /// Stores `entry` (a full or blocked storage is an error: the receipt is then not kept).
    pub fn put(&self, entry: &Entry) -> Result<(), StorageError> {
        LocalStorage::set(outbox::key(&entry.id), entry)
            .map_err(|err| StorageError::Unavailable(err.to_string()))
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
