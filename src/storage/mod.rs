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

/// Name of the first-party cookie that holds the choice on http (and, until it is migrated, the
/// name a choice made on https by an earlier version is kept under).
pub const COOKIE_NAME: &str = "canenrich_consent";

/// Name of the cookie that holds the choice on https. The `__Host-` prefix makes the browser
/// refuse it unless it is `Secure`, `Path=/` and has no `Domain`: no sibling subdomain can plant
/// or shadow it.
pub const HOST_COOKIE_NAME: &str = "__Host-canenrich_consent";

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

/// The stored choice if it is readable, made under `revision`, younger than its `max_age` and
/// names no category but the `offered` ones. Everything else — missing, garbage, tampered,
/// outdated, naming a category the config does not offer, a store that throws — is `None`.
pub fn load(
    store: &dyn ConsentStore,
    revision: u32,
    now: Millis,
    offered: &[&str],
    max_age: impl Fn(&Consent) -> Millis,
) -> Option<Consent> {
    read(store).filter(|consent| {
        consent.is_valid(revision, now, max_age(consent))
            && consent.names_only(offered.iter().copied())
    })
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

/// The consent cookies a `document.cookie` string shows, under either name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visible<'a> {
    /// No consent cookie.
    Nothing,
    /// Exactly one, named `name`.
    One {
        /// [`COOKIE_NAME`] or [`HOST_COOKIE_NAME`].
        name: &'a str,
        /// Its value.
        value: &'a str,
    },
    /// More than one: a second one was planted (for a parent domain, say, or another path), and
    /// which is the visitor's cannot be told. None is trusted.
    Several,
}

/// Which consent cookies `header` (a `document.cookie` string) holds, under either name.
pub fn visible(header: &str) -> Visible<'_> {
    let mut found = parse_cookies(header)
        .into_iter()
        .filter(|(name, _)| *name == COOKIE_NAME || *name == HOST_COOKIE_NAME);
    match (found.next(), found.next()) {
        (None, _) => Visible::Nothing,
        (Some((name, value)), None) => Visible::One { name, value },
        (Some(_), Some(_)) => Visible::Several,
    }
}

/// The name the choice is stored under: [`HOST_COOKIE_NAME`] on https, [`COOKIE_NAME`] on http
/// (where the browser refuses `Secure`, which the prefix needs).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{days, uuid, Method};

    const OFFERED: &[&str] = &["necessary", "analytics", "marketing"];

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
        assert_eq!(
            load(&store, 1, days(2), OFFERED, |_| days(182)),
            Some(choice)
        );
    }

    #[test]
    fn an_outdated_or_foreign_choice_loads_as_no_choice() {
        let store = MemoryStore::default();
        save(&store, &consent(1, days(1)), days(182)).expect("kept");
        assert_eq!(
            load(&store, 2, days(2), OFFERED, |_| days(182)),
            None,
            "new revision"
        );
        assert_eq!(
            load(&store, 1, days(200), OFFERED, |_| days(182)),
            None,
            "expired"
        );
        store.write("garbage", 10).expect("kept");
        assert_eq!(
            load(&store, 1, days(2), OFFERED, |_| days(182)),
            None,
            "garbage"
        );
        store.clear().expect("cleared");
        assert_eq!(
            load(&store, 1, days(2), OFFERED, |_| days(182)),
            None,
            "nothing"
        );
    }

    #[test]
    fn a_choice_naming_a_category_the_config_does_not_offer_loads_as_no_choice() {
        let store = MemoryStore::default();
        save(&store, &consent(1, days(1)), days(182)).expect("kept");
        assert!(load(&store, 1, days(2), OFFERED, |_| days(182)).is_some());
        assert_eq!(
            load(&store, 1, days(2), &["necessary", "marketing"], |_| days(
                182
            )),
            None,
            "analytics was removed from the config"
        );
    }

    #[test]
    fn a_store_that_throws_loads_as_no_choice() {
        assert_eq!(load(&Broken, 1, days(2), OFFERED, |_| days(182)), None);
        assert!(save(&Broken, &consent(1, 1), days(1)).is_err());
    }

    #[test]
    fn one_consent_cookie_under_either_name_is_read_and_two_are_several() {
        assert_eq!(visible("a=1; b=2"), Visible::Nothing);
        assert_eq!(
            visible("a=1; canenrich_consent=v1.x"),
            Visible::One {
                name: COOKIE_NAME,
                value: "v1.x"
            }
        );
        assert_eq!(
            visible("__Host-canenrich_consent=v1.y; a=1"),
            Visible::One {
                name: HOST_COOKIE_NAME,
                value: "v1.y"
            }
        );
        // A value planted for the parent domain next to the visitor's own, under either name.
        assert_eq!(
            visible("canenrich_consent=v1.mine; canenrich_consent=v1.planted"),
            Visible::Several
        );
        assert_eq!(
            visible("__Host-canenrich_consent=v1.mine; canenrich_consent=v1.planted"),
            Visible::Several
        );
        assert_eq!(
            visible("canenrich_consent=v1.mine; canenrich_consent=v1.mine"),
            Visible::Several,
            "even an identical copy has an owner that cannot be told"
        );
        assert_eq!(
            visible("xcanenrich_consent=1; canenrich_consent2=2"),
            Visible::Nothing
        );
        assert_eq!(cookie_name(true), "__Host-canenrich_consent");
        assert_eq!(cookie_name(false), "canenrich_consent");
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
