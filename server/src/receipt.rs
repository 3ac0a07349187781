//! Consent receipts: the JSON the widget posts, and the rules a receipt must meet before it is
//! stored. Pure: no IO, no clock (the caller passes the time in).

use serde::{Deserialize, Serialize};

/// Most categories a receipt may list in `categories` or in `rejected`.
pub const MAX_CATEGORIES: usize = 32;
/// Longest accepted `configHash`, in characters.
pub const MAX_CONFIG_HASH: usize = 128;
/// The earliest accepted `timestamp`: 2020-01-01T00:00:00Z, in milliseconds since the epoch.
pub const EARLIEST_TIMESTAMP: Millis = 1_577_836_800_000;
/// How far a `timestamp` may be ahead of the server's clock: 24 hours, in milliseconds.
pub const MAX_AHEAD: Millis = 24 * 60 * 60 * 1000;
/// How far a `timestamp` may be behind the moment the server received it: 24 hours, in
/// milliseconds. A visitor's clock may be wrong by hours, not days; an older "choice" is a
/// replay or a forgery, and the stored `received_at` is what proves when the server knew.
pub const MAX_BEHIND: Millis = 24 * 60 * 60 * 1000;
/// Milliseconds since the Unix epoch, as the widget's `timestamp` counts them.
pub use canenrich_consent::model::Millis;
/// How the visitor made the choice, and the category that is always on: the widget's own
/// definitions, so a receipt and the record it came from can never disagree on a name.
pub use canenrich_consent::model::{Method, NECESSARY};

/// A record of one consent choice, exactly as posted and returned. It carries no IP address,
/// user agent or other request data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Receipt {
    /// UUID v4 made in the browser, lowercase.
    pub id: String,
    /// When the choice was made, in milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// The config's `revision` the choice was made under.
    pub revision: u32,
    /// Accepted categories.
    pub categories: Vec<String>,
    /// Refused categories.
    pub rejected: Vec<String>,
    /// How the choice was made.
    pub method: Method,
    /// A hash of the config the visitor saw, if the widget sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_hash: Option<String>,
}

/// Why a posted receipt was refused. Every message names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The body is not JSON of the receipt's shape (including unknown or missing fields).
    #[error("{0}")]
    Json(String),
    /// The JSON has the right shape but a field breaks a rule.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field at fault, as it is spelled in JSON (`categories[2]`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl ReceiptError {
    fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl Receipt {
    /// Parses and validates a body posted at `now`. The `id` is lowercased; nothing else is
    /// changed.
    pub fn parse(body: &[u8], now: Millis) -> Result<Self, ReceiptError> {
        // serde reads a struct from a JSON array too (fields by position); a receipt is an
        // object with named fields, nothing else.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ReceiptError::Json("body: must be a JSON object".to_owned()));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let mut receipt: Self =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if path == "." {
                    ReceiptError::Json(format!("body: {inner}"))
                } else {
                    ReceiptError::Json(format!("{path}: {inner}"))
                }
            })?;
        deserializer
            .end()
            .map_err(|err| ReceiptError::Json(format!("body: {err}")))?;
        receipt.id = receipt.id.to_ascii_lowercase();
        receipt.validate(now)?;
        Ok(receipt)
    }

    /// Checks every rule that the types alone do not enforce, for a receipt received at `now`.
    pub fn validate(&self, now: Millis) -> Result<(), ReceiptError> {
        // A test override forces a choice for a test suite: it is no one's consent.
        if self.method == Method::Test {
            return Err(ReceiptError::invalid(
                "method",
                "test-override choices are never receipts",
            ));
        }
        if !is_uuid_v4(&self.id) {
            return Err(ReceiptError::invalid(
                "id",
                "must be a UUID v4 such as 1b4e28ba-2fa1-4d2e-883f-0016d3cca427",
            ));
        }
        if i64::try_from(self.timestamp).is_err() {
            return Err(ReceiptError::invalid(
                "timestamp",
                "is too large for milliseconds since 1970",
            ));
        }
        // The widget stamps a receipt with the visitor's clock, which may be wrong by some
        // hours but hardly by days; and no choice was made with this widget before 2020.
        if self.timestamp < EARLIEST_TIMESTAMP {
            return Err(ReceiptError::invalid(
                "timestamp",
                "is before 2020-01-01T00:00:00Z",
            ));
        }
        if self.timestamp > now.saturating_add(MAX_AHEAD) {
            return Err(ReceiptError::invalid(
                "timestamp",
                "is more than 24 hours ahead of the server's clock",
            ));
        }
        if self.timestamp.saturating_add(MAX_BEHIND) < now {
            return Err(ReceiptError::invalid(
                "timestamp",
                "is more than 24 hours before the server received the receipt",
            ));
        }
        check_names("categories", &self.categories)?;
        check_names("rejected", &self.rejected)?;
        if let Some(name) = self.rejected.iter().find(|n| self.categories.contains(n)) {
            return Err(ReceiptError::invalid(
                "rejected",
                format!("`{name}` is also listed in categories"),
            ));
        }
        if self.rejected.iter().any(|n| n == NECESSARY) {
            return Err(ReceiptError::invalid(
                "rejected",
                "`necessary` is always on and cannot be refused",
            ));
        }
        // The widget always records `necessary` as accepted, accepts nothing else on "Reject
        // all" and refuses nothing on "Accept all" (GPC turns that into `gpc`), so a receipt
        // saying otherwise did not come from a choice a visitor made.
        if !self.categories.iter().any(|n| n == NECESSARY) {
            return Err(ReceiptError::invalid(
                "categories",
                "must list `necessary`, which is always on",
            ));
        }
        if self.method == Method::RejectAll && self.categories.iter().any(|n| n != NECESSARY) {
            return Err(ReceiptError::invalid(
                "categories",
                "reject_all accepts only necessary",
            ));
        }
        // GPC is a refusal of sale and sharing, which the widget applies to `marketing`: a
        // choice recorded under the signal never accepts it.
        if self.method == Method::Gpc && self.categories.iter().any(|n| n == "marketing") {
            return Err(ReceiptError::invalid(
                "categories",
                "gpc never accepts marketing",
            ));
        }
        if self.method == Method::AcceptAll && !self.rejected.is_empty() {
            return Err(ReceiptError::invalid(
                "rejected",
                "accept_all refuses nothing, so it must be empty",
            ));
        }
        if let Some(hash) = &self.config_hash {
            if hash.chars().count() > MAX_CONFIG_HASH {
                return Err(ReceiptError::invalid(
                    "configHash",
                    format!("is longer than {MAX_CONFIG_HASH} characters"),
                ));
            }
            if !hash.chars().all(is_config_hash_char) {
                return Err(ReceiptError::invalid(
                    "configHash",
                    "may contain only ASCII letters, digits and + / = . _ : -",
                ));
            }
        }
        Ok(())
    }
}

/// Lowercase-or-uppercase hex UUID with version 4 and the RFC 4122 variant.
pub fn is_uuid_v4(id: &str) -> bool {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    let shape_ok = bytes.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    shape_ok && bytes[14] == b'4' && matches!(bytes[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// A character of a `configHash`: enough for hex, base64 and prefixes such as `sha256-`, and
/// nothing that markup or a log line could read as anything but text.
pub fn is_config_hash_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '.' | '_' | ':' | '-')
}

/// A category name: `^[a-z][a-z0-9_-]{0,63}$`.
pub fn is_category_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    first_ok
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn check_names(field: &str, names: &[String]) -> Result<(), ReceiptError> {
    if names.len() > MAX_CATEGORIES {
        return Err(ReceiptError::invalid(
            field,
            format!("lists more than {MAX_CATEGORIES} categories"),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if !is_category_name(name) {
            return Err(ReceiptError::invalid(
                format!("{field}[{i}]"),
                "must match ^[a-z][a-z0-9_-]{0,63}$",
            ));
        }
        if names[..i].contains(name) {
            return Err(ReceiptError::invalid(
                format!("{field}[{i}]"),
                format!("`{name}` is listed twice"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use canenrich_consent::model::codec::receipt_json;
    use canenrich_consent::model::{set_of, Decision, Notice, Occasion};

    use super::*;

    /// A server clock a moment after the receipts below were made.
    const NOW: Millis = 1_732_540_060_000;

    const OFFERED: [&str; 4] = [NECESSARY, "analytics", "marketing", "personalization"];

    /// The receipt the widget posts for `decision`, recorded the way the runtime records it.
    fn widget_receipt(decision: Decision, gpc: bool) -> String {
        let notice = Notice {
            revision: 3,
            categories: OFFERED.iter().map(|name| (*name, Vec::new())).collect(),
            gpc_refused: vec!["marketing"],
        };
        let occasion = Occasion {
            id: "1b4e28ba-2fa1-4d2e-883f-0016d3cca427".to_owned(),
            now: 1_732_540_000_123,
            gpc,
        };
        receipt_json(&decision.record(&notice, occasion), "0badf00d")
    }

    #[test]
    fn every_receipt_the_widget_makes_is_accepted() {
        let save = |accepted: BTreeSet<String>| Decision::Save {
            accepted,
            refused_services: BTreeSet::new(),
        };
        for gpc in [false, true] {
            for decision in [
                Decision::AcceptAll,
                Decision::RejectAll,
                save(set_of(["analytics".to_owned()])),
                save(set_of(["marketing".to_owned()])),
                save(BTreeSet::new()),
            ] {
                let body = widget_receipt(decision, gpc);
                assert!(Receipt::parse(body.as_bytes(), NOW).is_ok(), "{body}");
            }
        }
    }

    fn receipt_at(timestamp: Millis) -> Receipt {
        Receipt {
            id: "1b4e28ba-2fa1-4d2e-883f-0016d3cca427".to_owned(),
            timestamp,
            revision: 1,
            categories: vec![NECESSARY.to_owned()],
            rejected: vec!["analytics".to_owned()],
            method: Method::RejectAll,
            config_hash: None,
        }
    }

    #[test]
    fn a_timestamp_from_a_day_behind_up_to_a_day_ahead_of_the_server_is_accepted() {
        for timestamp in [NOW - MAX_BEHIND, NOW - 1, NOW, NOW + MAX_AHEAD] {
            assert_eq!(receipt_at(timestamp).validate(NOW), Ok(()), "{timestamp}");
        }
    }

    #[test]
    fn a_timestamp_over_a_day_before_it_was_received_is_refused() {
        let err = receipt_at(NOW - MAX_BEHIND - 1)
            .validate(NOW)
            .expect_err("too old");
        assert_eq!(
            err.to_string(),
            "timestamp: is more than 24 hours before the server received the receipt"
        );
    }

    #[test]
    fn a_body_that_is_not_a_json_object_is_refused() {
        for body in [
            r#"["1b4e28ba-2fa1-4d2e-883f-0016d3cca427",1732540000123,1,["necessary"],[],"accept_all"]"#,
            "null",
            "\"receipt\"",
            "",
        ] {
            let err = Receipt::parse(body.as_bytes(), NOW).expect_err(body);
            assert_eq!(err.to_string(), "body: must be a JSON object", "{body}");
        }
    }

    #[test]
    fn a_gpc_receipt_accepting_marketing_is_refused() {
        let receipt = Receipt {
            categories: vec![NECESSARY.to_owned(), "marketing".to_owned()],
            rejected: vec![],
            method: Method::Gpc,
            ..receipt_at(NOW)
        };
        let err = receipt.validate(NOW).expect_err("gpc with marketing");
        assert_eq!(err.to_string(), "categories: gpc never accepts marketing");
    }

    #[test]
    fn a_test_override_choice_is_never_a_receipt() {
        let body = r#"{"id":"1b4e28ba-2fa1-4d2e-883f-0016d3cca427","timestamp":1732540000123,"revision":1,"categories":["necessary"],"rejected":[],"method":"test"}"#;
        let err = Receipt::parse(body.as_bytes(), NOW).expect_err("method test");
        assert_eq!(
            err.to_string(),
            "method: test-override choices are never receipts"
        );
    }

    #[test]
    fn a_timestamp_before_2020_or_over_a_day_ahead_of_the_server_is_refused() {
        for timestamp in [0, 1, EARLIEST_TIMESTAMP - 1] {
            let err = receipt_at(timestamp).validate(NOW).expect_err("too early");
            assert_eq!(err.to_string(), "timestamp: is before 2020-01-01T00:00:00Z");
        }
        for timestamp in [NOW + MAX_AHEAD + 1, 99_999_999_999_999, u64::MAX] {
            let err = receipt_at(timestamp).validate(NOW).expect_err("too late");
            assert!(err.to_string().starts_with("timestamp: "), "{err}");
        }
        let err = receipt_at(NOW + MAX_AHEAD + 1)
            .validate(NOW)
            .expect_err("too late");
        assert_eq!(
            err.to_string(),
            "timestamp: is more than 24 hours ahead of the server's clock"
        );
    }

    #[test]
    fn a_crypto_random_uuid_is_accepted_and_other_versions_are_not() {
        assert!(is_uuid_v4("1b4e28ba-2fa1-4d2e-883f-0016d3cca427"));
        assert!(is_uuid_v4("1B4E28BA-2FA1-4D2E-B83F-0016D3CCA427"));
        assert!(!is_uuid_v4("1b4e28ba-2fa1-1d2e-883f-0016d3cca427"));
        assert!(!is_uuid_v4("1b4e28ba-2fa1-4d2e-783f-0016d3cca427"));
        assert!(!is_uuid_v4("1b4e28ba2fa14d2e883f0016d3cca427"));
        assert!(!is_uuid_v4("1b4e28ba-2fa1-4d2e-883f-0016d3cca42g"));
    }

    #[test]
    fn a_config_hash_is_hex_base64_or_a_prefixed_digest_and_nothing_else() {
        for hash in ["0badf00d", "sha256-abc123", "sha384:q+/Zx9=", "v1.2_a"] {
            let receipt = Receipt {
                config_hash: Some(hash.to_owned()),
                ..receipt_at(NOW)
            };
            assert_eq!(receipt.validate(NOW), Ok(()), "{hash}");
        }
        for hash in [
            "<img src=x>",
            "a b",
            "a\"b",
            "a'b",
            "a&b",
            "a\nb",
            "é",
            "a;b",
        ] {
            let receipt = Receipt {
                config_hash: Some(hash.to_owned()),
                ..receipt_at(NOW)
            };
            let err = receipt.validate(NOW).expect_err(hash);
            assert!(
                err.to_string().starts_with("configHash: may contain only"),
                "{err}"
            );
        }
    }

    #[test]
    fn category_names_follow_the_documented_pattern() {
        assert!(is_category_name("a"));
        assert!(is_category_name("video_embeds-2"));
        assert!(is_category_name(&"a".repeat(64)));
        assert!(!is_category_name(&"a".repeat(65)));
        assert!(!is_category_name(""));
        assert!(!is_category_name("Analytics"));
        assert!(!is_category_name("1st"));
        assert!(!is_category_name("a b"));
    }
}
