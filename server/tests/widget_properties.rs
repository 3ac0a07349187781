//! Property tests of the widget's pure code, run on the host: everything that reads untrusted
//! input (the stored cookie, config JSON, `document.cookie`, `data-category` attributes) never
//! panics, the cookie codec round-trips every valid record, and its checksum catches every
//! single-byte edit.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use canenrich_consent::blocker::plan::Gate;
use canenrich_consent::config::{CategoryFile, Config, ConfigFile, Position, Theme};
use canenrich_consent::model::codec::{decode, encode, is_category_name};
use canenrich_consent::model::{uuid, Consent, Method, NECESSARY};
use canenrich_consent::storage::parse_cookies;
use proptest::collection::{btree_map, btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::Value;

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A valid category name other than `necessary`.
fn category_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,20}".prop_filter("not necessary", |name| name != NECESSARY)
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::AcceptAll),
        Just(Method::RejectAll),
        Just(Method::Custom),
        Just(Method::Gpc),
    ]
}

/// Any record the widget can store: `necessary` accepted, accepted and rejected disjoint, and
/// sometimes services switched off (stored as v2).
fn consent() -> impl Strategy<Value = Consent> {
    (
        any::<[u8; 16]>(),
        any::<u32>(),
        any::<u64>(),
        method(),
        btree_set(category_name(), 0..6),
        btree_set(category_name(), 0..6),
        btree_set("[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", 0..3),
    )
        .prop_map(
            |(bytes, revision, timestamp, method, accepted, rejected, refused_services)| {
                let mut accepted: BTreeSet<String> = accepted;
                accepted.insert(NECESSARY.to_owned());
                let rejected = rejected.difference(&accepted).cloned().collect();
                Consent {
                    id: uuid::v4(bytes),
                    revision,
                    timestamp,
                    accepted,
                    rejected,
                    method,
                    refused_services,
                }
            },
        )
}

/// Text that is mostly what the parsers look for, with separators and junk mixed in.
fn near_miss_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,120}",
        "v1(\\.[0-9a-f:_-]{0,40}){0,9}",
        "[a-z!= ;\t]{0,40}",
    ]
}

/// Arbitrary JSON whose keys are often the config's own field names, so that parsing gets deep.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("revision".to_owned()),
        Just("language".to_owned()),
        Just("theme".to_owned()),
        Just("position".to_owned()),
        Just("expiryDays".to_owned()),
        Just("privacyPolicyUrl".to_owned()),
        Just("essentialCookies".to_owned()),
        Just("showReopenButton".to_owned()),
        Just("categories".to_owned()),
        Just("analytics".to_owned()),
        Just("necessary".to_owned()),
        Just("title".to_owned()),
        Just("cookies".to_owned()),
        Just("storage".to_owned()),
        "[a-zA-Z_]{1,10}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("auto".to_owned()),
            Just("bottom-bar".to_owned()),
            "[ -~]{0,16}",
            any::<String>(),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(key.clone(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A cookie or storage name pattern, valid or not.
fn pattern() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_*]{1,12}", "[ -~]{0,12}"]
}

fn category_file() -> impl Strategy<Value = Option<CategoryFile>> {
    option::of(
        (
            option::of("[ -~]{0,12}"),
            option::of("[ -~]{0,12}"),
            option::of(vec(pattern(), 0..4)),
            option::of(vec(pattern(), 0..4)),
            option::of(any::<bool>()),
        )
            .prop_map(|(title, description, cookies, storage, gpc)| CategoryFile {
                title,
                description,
                cookies,
                storage,
                gpc,
                ..CategoryFile::default()
            }),
    )
}

/// Any config a site owner could write, valid or not.
fn config_file() -> impl Strategy<Value = ConfigFile> {
    let theme = prop_oneof![Just(Theme::Auto), Just(Theme::Light), Just(Theme::Dark)];
    let position = prop_oneof![
        Just(Position::Corner),
        Just(Position::BottomBar),
        Just(Position::Center),
    ];
    let link = prop_oneof!["/[a-z/.]{0,12}", "https?://[a-z.]{1,12}/", "[ -~]{0,16}",];
    let name = prop_oneof![
        Just(NECESSARY.to_owned()),
        Just("analytics".to_owned()),
        Just("marketing".to_owned()),
        category_name(),
        "[ -~]{0,8}",
    ];
    (
        (
            option::of(any::<u32>()),
            option::of("[a-zA-Z-]{0,8}"),
            option::of(theme),
            option::of(position),
            option::of(0_u32..4000),
            option::of(0_u32..4000),
            option::of("[ -~]{0,12}"),
        ),
        (
            option::of(link.clone()),
            option::of(vec(pattern(), 0..4)),
            option::of(any::<bool>()),
            option::of(link),
            option::of(btree_map(name, category_file(), 0..5)),
        ),
    )
        .prop_map(
            |(
                (
                    revision,
                    language,
                    theme,
                    position,
                    expiry_days,
                    refusal_expiry_days,
                    revision_note,
                ),
                (
                    privacy_policy_url,
                    essential_cookies,
                    show_reopen_button,
                    receipt_endpoint,
                    categories,
                ),
            )| ConfigFile {
                revision,
                language,
                theme,
                position,
                expiry_days,
                refusal_expiry_days,
                revision_note,
                privacy_policy_url,
                essential_cookies,
                show_reopen_button,
                receipt_endpoint,
                categories,
                ..ConfigFile::default()
            },
        )
}

/// A cookie name: an RFC 6265 token without `=`.
fn cookie_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_!#$%&'*+.^`|~-]{1,12}"
}

/// A cookie value: RFC 6265 cookie-octets (no space, `"`, `,`, `;` or `\`).
fn cookie_value() -> impl Strategy<Value = String> {
    "[!#-+./0-:<-\\[\\]-~-]{0,16}"
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn decoding_any_stored_value_never_panics(value in near_miss_text()) {
        let _ = decode(&value);
    }

    #[test]
    fn every_valid_record_reads_back_identically(consent in consent()) {
        let value = encode(&consent);
        prop_assert_eq!(decode(&value), Ok(consent));
    }

    #[test]
    fn an_encoded_record_is_a_plain_cookie_value(consent in consent()) {
        let value = encode(&consent);
        prop_assert!(value.bytes().all(|b| b.is_ascii_graphic()
            && !matches!(b, b'"' | b',' | b';' | b'\\')), "{}", value);
    }

    #[test]
    fn any_single_byte_edit_is_rejected_or_reads_back_the_same_record(
        consent in consent(),
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let value = encode(&consent);
        let mut bytes = value.clone().into_bytes();
        let at = position.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        if let Ok(edited) = String::from_utf8(bytes) {
            match decode(&edited) {
                Err(_) => {}
                Ok(read) => prop_assert_eq!(read, consent, "{} read as another record", edited),
            }
        }
    }

    #[test]
    fn a_truncated_or_extended_value_is_rejected(
        consent in consent(),
        cut in any::<prop::sample::Index>(),
        tail in "[ -~]{1,8}",
    ) {
        let value = encode(&consent);
        let at = cut.index(value.len());
        prop_assert!(decode(&value[..at]).is_err());
        let extended = format!("{value}{tail}");
        prop_assert!(decode(&extended).is_err(), "{} was accepted", extended);
    }

    #[test]
    fn parsing_any_config_text_never_panics(text in near_miss_text()) {
        let _ = ConfigFile::parse(&text, "property test");
    }

    #[test]
    fn parsing_and_resolving_any_json_config_never_panics(value in json()) {
        if let Ok(file) = ConfigFile::parse(&value.to_string(), "property test") {
            let _ = Config::resolve(&[("property test", file)]);
        }
    }

    #[test]
    fn a_config_file_survives_a_trip_through_its_json(file in config_file()) {
        let text = serde_json::to_string(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(ConfigFile::parse(&text, "property test"), Ok(file));
    }

    #[test]
    fn any_resolved_config_keeps_its_invariants(first in config_file(), second in config_file()) {
        let Ok(config) = Config::resolve(&[("first", first), ("second", second)]) else {
            return Ok(());
        };
        prop_assert_eq!(config.categories.first().map(|c| c.name.as_str()), Some(NECESSARY));
        prop_assert!((1..=3650).contains(&config.expiry_days));
        let names: BTreeSet<&str> = config.category_names().collect();
        prop_assert_eq!(names.len(), config.categories.len(), "no duplicate categories");
        prop_assert!(names.iter().all(|name| is_category_name(name)));
        for category in &config.categories {
            prop_assert!(category.title.as_deref().is_none_or(|t| !t.trim().is_empty()));
        }
    }

    #[test]
    fn parsing_any_cookie_header_never_panics_and_yields_trimmed_names(header in near_miss_text()) {
        for (name, value) in parse_cookies(&header) {
            prop_assert!(!name.is_empty());
            prop_assert_eq!(name, name.trim());
            prop_assert_eq!(value, value.trim());
            prop_assert!(!name.contains(';') && !value.contains(';'));
        }
    }

    #[test]
    fn a_cookie_header_lists_back_the_cookies_it_was_built_from(
        cookies in vec((cookie_name(), cookie_value()), 0..8),
    ) {
        let header = cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let parsed: Vec<(String, String)> = parse_cookies(&header)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        prop_assert_eq!(parsed, cookies);
    }

    #[test]
    fn reading_any_data_category_attribute_never_panics(attribute in near_miss_text()) {
        match Gate::parse(&attribute) {
            Some(Gate::Accepted(name) | Gate::Refused(name)) => {
                prop_assert!(is_category_name(&name), "{:?}", name);
            }
            None => {}
        }
    }

    #[test]
    fn a_category_name_with_or_without_a_bang_is_read_as_its_gate(
        name in category_name(),
        before in "[ \t]{0,3}",
        between in "[ \t]{0,3}",
        after in "[ \t]{0,3}",
    ) {
        prop_assert_eq!(
            Gate::parse(&format!("{before}{name}{after}")),
            Some(Gate::Accepted(name.clone()))
        );
        prop_assert_eq!(
            Gate::parse(&format!("{before}!{between}{name}{after}")),
            Some(Gate::Refused(name))
        );
    }
}

proptest! {
    #![proptest_config(cases(12))]

    #[test]
    fn no_edit_of_any_byte_to_any_value_forges_another_record(consent in consent()) {
        let value = encode(&consent);
        for at in 0..value.len() {
            for byte in 0..=u8::MAX {
                let mut bytes = value.clone().into_bytes();
                if bytes[at] == byte {
                    continue;
                }
                bytes[at] = byte;
                let Ok(edited) = String::from_utf8(bytes) else {
                    continue;
                };
                if let Ok(read) = decode(&edited) {
                    prop_assert_eq!(read, consent.clone(), "{} read as another record", edited);
                }
            }
        }
    }
}

/// JSON-like text: valid documents, the same with one character removed or inserted, and
/// strings of JSON's own punctuation, escapes and keywords.
fn json_like_text() -> impl Strategy<Value = String> {
    let document = || json().prop_map(|value| value.to_string());
    prop_oneof![
        document(),
        (document(), any::<prop::sample::Index>()).prop_map(|(text, at)| {
            let mut chars: Vec<char> = text.chars().collect();
            chars.remove(at.index(chars.len()));
            chars.into_iter().collect()
        }),
        (
            document(),
            any::<prop::sample::Index>(),
            "[\\[\\]{}:,\"\\\\ 0-9.eE+\\-a-z\\x00-\\x1f]"
        )
            .prop_map(|(text, at, extra)| {
                let mut chars: Vec<char> = text.chars().collect();
                let at = at.index(chars.len() + 1);
                chars.splice(at..at, extra.chars());
                chars.into_iter().collect()
            }),
        "[\\[\\]{}:, \"\\\\0-9.eE+\\-]{0,24}",
        "\"([a-z]|\\\\[\"\\\\/bfnrtux]|\\\\u[0-9a-fA-F]{4}|\\\\u[dD][89abAB][0-9a-f]{2}){0,6}\"",
        "(-?(0|[1-9][0-9]{0,3})(\\.[0-9]{0,3})?([eE][+-]?[0-9]{0,4})?)",
        "(true|false|null|tru|nul|\\[|\\]|,| ){0,8}",
    ]
}

/// Whether a value read by the widget's JSON reader is the value serde_json reads.
fn same(ours: &canenrich_consent::json::Value, reference: &Value) -> bool {
    use canenrich_consent::json::Value as Ours;
    match (ours, reference) {
        (Ours::Null, Value::Null) => true,
        (Ours::Bool(a), Value::Bool(b)) => a == b,
        // serde_json's default float parsing is not always correctly rounded (a few units in
        // the last place, more for subnormals); the reader keeps the text, so compare loosely.
        (Ours::Number(a), Value::Number(b)) => match (a.parse::<f64>(), b.as_f64()) {
            (Ok(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            _ => false,
        },
        (Ours::String(a), Value::String(b)) => a == b,
        (Ours::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Ours::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(name, x)| b.get(name).is_some_and(|y| same(x, y)))
        }
        _ => false,
    }
}

proptest! {
    #![proptest_config(cases(2048))]

    /// The widget reads JSON without serde_json (to stay small); serde_json is the reference.
    /// The one intended difference: a repeated member name is an error, not "last one wins".
    #[test]
    fn the_json_reader_accepts_exactly_what_serde_json_accepts(text in json_like_text()) {
        let ours = canenrich_consent::json::parse(&text);
        let reference = serde_json::from_str::<Value>(&text);
        match (&ours, &reference) {
            (Ok(ours), Ok(reference)) => prop_assert!(same(ours, reference), "{:?}: {:?} vs {:?}", text, ours, reference),
            (Err(err), Ok(_)) => prop_assert!(err.message.starts_with("duplicate field"), "{:?}: refused ({}) but serde_json reads it", text, err),
            (Ok(_), Err(err)) => prop_assert!(false, "{:?}: accepted but serde_json says {}", text, err),
            (Err(_), Err(_)) => {}
        }
    }
}
