//! Where the choice is kept. The [`ConsentStore`] trait and an in-memory store are pure; the
//! cookie adapter lives in `cookie.rs`. The receipt [`outbox`] is pure too; its localStorage
//! adapter lives in `local.rs`. Stored data is untrusted: anything unreadable, outdated
//! or from another revision loads as "no choice", never as an error the visitor sees.

#[cfg(target_arch = "wasm32")]
pub mod cookie;
#[cfg(target_arch = "wasm32")]
pub mod local;
pub mod outbox;

use std::cell::RefCell;

use thiserror::Error;

use crate::model::{codec, Consent, Millis};

/// Name of the first-party cookie that holds the choice.
pub const COOKIE_NAME: &str = "canenrich_consent";

/// A storage failure. The widget keeps working for this page view when storing fails.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// The browser threw while reading or writing.
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// The write did not stick (cookies are disabled or blocked).
    #[error("the browser did not keep the consent cookie")]
    NotKept,
}

/// Somewhere a single encoded consent value can be kept.
pub trait ConsentStore {
    /// The stored value, if any.
    fn read(&self) -> Result<Option<String>, StorageError>;
    /// Stores `value` for `max_age_secs` seconds.
    fn write(&self, value: &str, max_age_secs: u64) -> Result<(), StorageError>;
    /// Forgets the stored value.
    fn clear(&self) -> Result<(), StorageError>;
}

/// A store that lives as long as the page: for tests and for browsers that refuse cookies.
#[derive(Debug, Default)]
pub struct MemoryStore(RefCell<Option<String>>);

impl ConsentStore for MemoryStore {
    fn read(&self) -> Result<Option<String>, StorageError> {
        Ok(self.0.borrow().clone())
    }

    fn write(&self, value: &str, _max_age_secs: u64) -> Result<(), StorageError> {
        *self.0.borrow_mut() = Some(value.to_string());
        Ok(())
    }

    fn clear(&self) -> Result<(), StorageError> {
        *self.0.borrow_mut() = None;
        Ok(())
    }
}

/// The stored choice if it is readable, made under `revision` and younger than its `max_age`.
/// Everything else — missing, garbage, tampered, outdated, a store that throws — is `None`.
pub fn load(
    store: &dyn ConsentStore,
    revision: u32,
    now: Millis,
    max_age: impl Fn(&Consent) -> Millis,
) -> Option<Consent> {
    read(store).filter(|consent| consent.is_valid(revision, now, max_age(consent)))
}

/// The stored record if it decodes, whatever its revision or age (to tell "the notice changed"
/// apart from "never asked"). Unreadable values and stores that throw are `None`.
pub fn read(store: &dyn ConsentStore) -> Option<Consent> {
    let value = store.read().ok()??;
    codec::decode(&value).ok()
}

/// Stores `consent` for `max_age`.
pub fn save(
    store: &dyn ConsentStore,
    consent: &Consent,
    max_age: Millis,
) -> Result<(), StorageError> {
    store.write(&codec::encode(consent), max_age / 1000)
}

/// The `(name, value)` pairs of a `document.cookie` string, in order.
pub fn parse_cookies(header: &str) -> Vec<(&str, &str)> {
    header
        .split(';')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or(("", pair));
            let name = name.trim();
            (!name.is_empty()).then_some((name, value.trim()))
        })
        .collect()
}

/// The value of cookie `name` in a `document.cookie` string (the first one, as browsers order
/// the most specific path first).
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    parse_cookies(header)
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{days, uuid, Method};

    struct Broken;

    impl ConsentStore for Broken {
        fn read(&self) -> Result<Option<String>, StorageError> {
            Err(StorageError::Unavailable("SecurityError".into()))
        }
        fn write(&self, _: &str, _: u64) -> Result<(), StorageError> {
            Err(StorageError::NotKept)
        }
        fn clear(&self) -> Result<(), StorageError> {
            Err(StorageError::NotKept)
        }
    }

    fn consent(revision: u32, timestamp: Millis) -> Consent {
        Consent::new(
            uuid::v4([9; 16]),
            revision,
            timestamp,
            ["necessary", "analytics"],
            &BTreeSet::from(["analytics".to_string()]),
            Method::AcceptAll,
        )
    }

    #[test]
    fn a_saved_choice_is_remembered() {
        let store = MemoryStore::default();
        let choice = consent(1, days(1));
        save(&store, &choice, days(182)).expect("memory store keeps it");
        assert_eq!(load(&store, 1, days(2), |_| days(182)), Some(choice));
    }

    #[test]
    fn an_outdated_or_foreign_choice_loads_as_no_choice() {
        let store = MemoryStore::default();
        save(&store, &consent(1, days(1)), days(182)).expect("kept");
        assert_eq!(
            load(&store, 2, days(2), |_| days(182)),
            None,
            "new revision"
        );
        assert_eq!(load(&store, 1, days(200), |_| days(182)), None, "expired");
        store.write("garbage", 10).expect("kept");
        assert_eq!(load(&store, 1, days(2), |_| days(182)), None, "garbage");
        store.clear().expect("cleared");
        assert_eq!(load(&store, 1, days(2), |_| days(182)), None, "nothing");
    }

    #[test]
    fn a_store_that_throws_loads_as_no_choice() {
        assert_eq!(load(&Broken, 1, days(2), |_| days(182)), None);
        assert!(save(&Broken, &consent(1, 1), days(1)).is_err());
    }

    #[test]
    fn cookie_strings_are_split_into_names_and_values() {
        let header = "a=1; canenrich_consent=v1.x.y; empty=; =odd; flag";
        assert_eq!(cookie_value(header, "canenrich_consent"), Some("v1.x.y"));
        assert_eq!(cookie_value(header, "empty"), Some(""));
        assert_eq!(cookie_value(header, "missing"), None);
        let names: Vec<_> = parse_cookies(header).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a", "canenrich_consent", "empty"]);
        assert!(parse_cookies("").is_empty());
    }
}
