//! The stored form of a [`Consent`]: the value of the `canenrich_consent` cookie.
//!
//! Format, version 1 (every character is a valid cookie octet, so no escaping is needed):
//!
//! ```text
//! v1.<id>.<revision>.<timestamp>.<method>.<accepted>.<rejected>.<checksum>
//! v1.2f1c…-….3.1764081000000.custom.analytics:necessary.marketing:personalization.9a3e0c11
//! ```
//!
//! `accepted` and `rejected` are category names joined by `:` (possibly empty), `timestamp` is
//! milliseconds since the epoch and `checksum` is the FNV-1a 32-bit hash, as 8 lower-case hex
//! digits, of everything before the last `.`. A truncated or edited value fails the checksum.

use std::collections::BTreeSet;

use thiserror::Error;

use super::{uuid, Consent, Method, NECESSARY};

/// The version prefix of records without switched-off services (the original format).
pub const VERSION: &str = "v1";
/// The version prefix of records with switched-off services: one more field, `services`.
pub const VERSION_2: &str = "v2";

/// Why a stored value could not be read. Every one of them means "ask again".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The value does not start with a version this build understands.
    #[error("unknown format version")]
    Version,
    /// Fields are missing or extra (a truncated value, usually).
    #[error("expected 8 fields (9 in v2)")]
    Shape,
    /// The checksum does not match the content.
    #[error("checksum mismatch")]
    Checksum,
    /// A field is not what its position says it is.
    #[error("invalid field `{0}`")]
    Field(&'static str),
}

/// Encodes `consent` as a cookie value.
pub fn encode(consent: &Consent) -> String {
    let mut body = format!(
        "{}.{}.{}.{}.{}.{}.{}",
        if consent.refused_services.is_empty() {
            VERSION
        } else {
            VERSION_2
        },
        consent.id,
        consent.revision,
        consent.timestamp,
        consent.method.as_str(),
        join(&consent.accepted),
        join(&consent.rejected),
    );
    if !consent.refused_services.is_empty() {
        body.push('.');
        body.push_str(&join(&consent.refused_services));
    }
    let sum = checksum(&body);
    format!("{body}.{sum:08x}")
}

/// The proof-of-consent receipt for `consent` as JSON, in the shape `POST /api/consent` takes.
pub fn receipt_json(consent: &Consent, config_hash: &str) -> String {
    use crate::json::{quote, string_array};
    format!(
        r#"{{"id":{},"timestamp":{},"revision":{},"categories":{},"rejected":{},"method":{},"configHash":{}}}"#,
        quote(&consent.id),
        consent.timestamp,
        consent.revision,
        string_array(&consent.accepted),
        string_array(&consent.rejected),
        quote(consent.method.as_str()),
        quote(config_hash),
    )
}

/// Decodes a cookie value written by [`encode`]. Anything else is an error, never a panic.
pub fn decode(value: &str) -> Result<Consent, DecodeError> {
    let (body, sum) = value.rsplit_once('.').ok_or(DecodeError::Shape)?;
    let fields: Vec<&str> = body.split('.').collect();
    let (id, revision, timestamp, method, accepted, rejected, services) = match fields.as_slice() {
        [v, id, revision, timestamp, method, accepted, rejected] if *v == VERSION => {
            (id, revision, timestamp, method, accepted, rejected, None)
        }
        [v, id, revision, timestamp, method, accepted, rejected, services] if *v == VERSION_2 => (
            id,
            revision,
            timestamp,
            method,
            accepted,
            rejected,
            Some(*services),
        ),
        [v, ..] if *v == VERSION || *v == VERSION_2 => return Err(DecodeError::Shape),
        _ => return Err(DecodeError::Version),
    };
    if sum.len() != 8 || u32::from_str_radix(sum, 16).ok() != Some(checksum(body)) {
        return Err(DecodeError::Checksum);
    }
    if !uuid::is_v4(id) {
        return Err(DecodeError::Field("id"));
    }
    let accepted = split(accepted).ok_or(DecodeError::Field("accepted"))?;
    let rejected = split(rejected).ok_or(DecodeError::Field("rejected"))?;
    if !accepted.contains(NECESSARY) || !accepted.is_disjoint(&rejected) {
        return Err(DecodeError::Field("accepted"));
    }
    let refused_services = match services {
        Some(list) => match split_keys(list) {
            Some(keys) if !keys.is_empty() => keys,
            _ => return Err(DecodeError::Field("services")),
        },
        None => BTreeSet::new(),
    };
    Ok(Consent {
        id: (*id).to_string(),
        revision: revision
            .parse()
            .map_err(|_| DecodeError::Field("revision"))?,
        timestamp: timestamp
            .parse()
            .map_err(|_| DecodeError::Field("timestamp"))?,
        accepted,
        rejected,
        method: Method::parse(method).ok_or(DecodeError::Field("method"))?,
        refused_services,
    })
}

/// Service keys joined by `:` (lower-case letters, digits and `-`).
fn split_keys(list: &str) -> Option<BTreeSet<String>> {
    let valid = |key: &str| {
        !key.is_empty()
            && key.len() <= 64
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    list.split(':')
        .all(valid)
        .then(|| super::set_of(list.split(':').map(str::to_string)))
}

/// Whether `name` can be a category name: `[a-z][a-z0-9_-]*`, at most 64 characters. Config
/// validation enforces the same rule, so every category can be stored.
pub fn is_category_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn join(names: &BTreeSet<String>) -> String {
    names
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(":")
}

fn split(list: &str) -> Option<BTreeSet<String>> {
    if list.is_empty() {
        return Some(BTreeSet::new());
    }
    list.split(':')
        .all(is_category_name)
        .then(|| super::set_of(list.split(':').map(str::to_string)))
}

fn checksum(text: &str) -> u32 {
    fnv1a(text)
}

/// FNV-1a, 32 bits: enough to catch truncation and hand edits, which is all it is for.
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Consent {
        Consent::new(
            uuid::v4([7; 16]),
            3,
            1_764_081_000_000,
            ["necessary", "analytics", "marketing", "personalization"],
            &BTreeSet::from(["analytics".to_string()]),
            Method::Custom,
        )
    }

    #[test]
    fn a_stored_choice_reads_back_identically() {
        let consent = sample();
        let value = encode(&consent);
        assert!(value.starts_with("v1."));
        assert_eq!(decode(&value), Ok(consent));
    }

    #[test]
    fn a_refuse_everything_choice_reads_back() {
        let consent = Consent::new(
            uuid::v4([1; 16]),
            0,
            5,
            ["necessary"],
            &BTreeSet::new(),
            Method::RejectAll,
        );
        assert_eq!(decode(&encode(&consent)), Ok(consent));
    }

    #[test]
    fn a_choice_with_switched_off_services_is_stored_as_v2_and_reads_back() {
        let consent = sample().with_refused_services(BTreeSet::from([
            "partner-ads".to_string(),
            "x-2".to_string(),
        ]));
        let value = encode(&consent);
        assert!(value.starts_with("v2."), "{value}");
        assert_eq!(decode(&value), Ok(consent));
        assert!(
            encode(&sample()).starts_with("v1."),
            "no services: the original format"
        );
    }

    #[test]
    fn a_v2_value_with_bad_service_keys_is_unreadable() {
        for services in ["", "Partner Ads", "a::b"] {
            let body = format!("v2.{}.1.5.custom.necessary..{services}", uuid::v4([4; 16]));
            let value = format!("{body}.{:08x}", checksum(&body));
            assert!(decode(&value).is_err(), "{services:?}");
        }
    }

    #[test]
    fn a_truncated_value_is_unreadable() {
        let value = encode(&sample());
        for cut in 0..value.len() {
            assert!(decode(&value[..cut]).is_err(), "accepted a cut at {cut}");
        }
    }

    #[test]
    fn an_edited_value_fails_the_checksum() {
        let value =
            encode(&sample()).replace("analytics:necessary", "analytics:marketing:necessary");
        assert_eq!(decode(&value), Err(DecodeError::Checksum));
    }

    #[test]
    fn garbage_and_foreign_values_are_unreadable() {
        for value in [
            "",
            ".",
            "yes",
            "v2.a.b",
            "v1........",
            "true",
            "{\"all\":1}",
            "v1.é.1",
        ] {
            assert!(decode(value).is_err(), "accepted {value:?}");
        }
    }

    #[test]
    fn a_consistent_value_without_necessary_is_refused() {
        let body = format!("v1.{}.1.5.custom.analytics.", uuid::v4([2; 16]));
        let value = format!("{body}.{:08x}", checksum(&body));
        assert_eq!(decode(&value), Err(DecodeError::Field("accepted")));
    }

    #[test]
    fn a_receipt_carries_the_record_and_the_config_hash() {
        let json: serde_json::Value =
            serde_json::from_str(&receipt_json(&sample(), "0badf00d")).expect("json");
        assert_eq!(json["method"], "custom");
        assert_eq!(json["revision"], 3);
        assert_eq!(json["timestamp"], 1_764_081_000_000_u64);
        assert_eq!(
            json["categories"],
            serde_json::json!(["analytics", "necessary"])
        );
        assert_eq!(
            json["rejected"],
            serde_json::json!(["marketing", "personalization"])
        );
        assert_eq!(json["configHash"], "0badf00d");
        assert_eq!(json.as_object().map(|o| o.len()), Some(7));
    }

    #[test]
    fn category_names_are_lower_case_words() {
        assert!(is_category_name("analytics"));
        assert!(is_category_name("ads-2_eu"));
        assert!(!is_category_name("Analytics"));
        assert!(!is_category_name("2fa"));
        assert!(!is_category_name("a.b"));
        assert!(!is_category_name(""));
    }
}
