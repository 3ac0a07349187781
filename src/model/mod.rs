//! The visitor's consent record and the rules around it. Pure data and rules: no browser
//! bindings, no UI, no clock — time is passed in as [`Millis`].

pub mod codec;
pub mod decision;
pub mod pattern;
pub mod uuid;

use std::collections::{BTreeMap, BTreeSet};

pub use decision::{Decision, Notice, Occasion};

/// `items` as a [`BTreeSet`], inserted one at a time. Collecting into a set (or building one
/// `from` an array) sorts first, which adds a sort routine per element type to the WebAssembly;
/// inserting reuses code every set already has.
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// `entries` as a [`BTreeMap`], inserted one at a time (a later entry replaces an earlier one
/// with the same key), for the same reason as [`set_of`].
pub fn map_of<K: Ord, V>(entries: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in entries {
        map.insert(key, value);
    }
    map
}

/// Milliseconds since the Unix epoch, as `Date.now()` reports them.
pub type Millis = u64;

/// The category that is always on: login, security and remembering the choice itself.
pub const NECESSARY: &str = "necessary";

/// How a choice was made, as stored in the record and reported to the site (the same names in
/// receipts: `accept_all`, `reject_all`, `custom`, `gpc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// "Accept all", from the banner, the dialog or the API.
    AcceptAll,
    /// "Reject all", from the banner, the dialog or the API.
    RejectAll,
    /// A per-category choice saved from the preferences dialog or `acceptCategories`.
    Custom,
    /// Refusals applied because the browser sent the Global Privacy Control signal.
    Gpc,
}

impl Method {
    /// The name used in the stored cookie, the JS API and receipts.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AcceptAll => "accept_all",
            Method::RejectAll => "reject_all",
            Method::Custom => "custom",
            Method::Gpc => "gpc",
        }
    }

    /// The method named `name`, if it is one of ours.
    pub fn parse(name: &str) -> Option<Method> {
        [
            Method::AcceptAll,
            Method::RejectAll,
            Method::Custom,
            Method::Gpc,
        ]
        .into_iter()
        .find(|method| method.as_str() == name)
    }
}

/// What the visitor agreed to, exactly as persisted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// A UUIDv4 made in the browser, which the visitor can quote to support.
    pub id: String,
    /// The config revision the choice was made under.
    pub revision: u32,
    /// When the choice was made.
    pub timestamp: Millis,
    /// Accepted categories, `necessary` always among them.
    pub accepted: BTreeSet<String>,
    /// Categories the visitor was offered and refused.
    pub rejected: BTreeSet<String>,
    /// How the choice was made.
    pub method: Method,
    /// Services (by [`service_key`]) switched off inside accepted categories.
    pub refused_services: BTreeSet<String>,
}

/// The stable key of a service: its name in lower case with every run of other characters turned
/// into `-` (`"Partner Ads"` → `partner-ads`). Markup names services with `data-service`.
pub fn service_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('-') && !key.is_empty() {
            key.push('-');
        }
    }
    key.trim_end_matches('-').chars().take(64).collect()
}

impl Consent {
    /// A record of `accepted` out of `offered`; every offered category not accepted is rejected,
    /// and `necessary` is accepted whatever was asked.
    pub fn new<'a>(
        id: String,
        revision: u32,
        timestamp: Millis,
        offered: impl IntoIterator<Item = &'a str>,
        accepted: &BTreeSet<String>,
        method: Method,
    ) -> Consent {
        let mut yes = set_of([NECESSARY.to_string()]);
        let mut no = BTreeSet::new();
        for name in offered {
            if name == NECESSARY || accepted.contains(name) {
                yes.insert(name.to_string());
            } else {
                no.insert(name.to_string());
            }
        }
        Consent {
            id,
            revision,
            timestamp,
            accepted: yes,
            rejected: no,
            method,
            refused_services: BTreeSet::new(),
        }
    }

    /// The same record with `services` (keys) switched off.
    pub fn with_refused_services(mut self, services: BTreeSet<String>) -> Consent {
        self.refused_services = services;
        self
    }

    /// The record as the page may act on it while the widget runs fail-closed (invalid config):
    /// only `necessary` accepted, every other category it names refused. The stored record is
    /// unchanged; this is what the API and events report, so site code that gates on them stays
    /// closed too.
    pub fn limited_to_necessary(&self) -> Consent {
        let mut limited = self.clone();
        limited.rejected.extend(
            self.accepted
                .iter()
                .filter(|name| name.as_str() != NECESSARY)
                .cloned(),
        );
        limited.accepted = set_of([NECESSARY.to_string()]);
        limited.refused_services.clear();
        limited
    }

    /// The decision to record again now that the browser sends Global Privacy Control: an
    /// "Accept all" made without the signal, that accepted a category the signal `refused`.
    /// `None` when the record already agrees with the signal; a per-category choice is explicit
    /// and stands.
    pub fn regranted_under_gpc<'a>(
        &self,
        refused: impl IntoIterator<Item = &'a str>,
    ) -> Option<Decision> {
        let mut refused = refused.into_iter();
        (self.method == Method::AcceptAll && refused.any(|name| self.accepts(name)))
            .then_some(Decision::AcceptAll)
    }

    /// Whether a tag of `service` (its `data-service` name, if any) in `category` may run.
    pub fn accepts_service(&self, category: &str, service: Option<&str>) -> bool {
        self.accepts(category)
            && service.is_none_or(|name| !self.refused_services.contains(&service_key(name)))
    }

    /// Whether the visitor accepted `category` (`necessary` always is).
    pub fn accepts(&self, category: &str) -> bool {
        category == NECESSARY || self.accepted.contains(category)
    }

    /// Same revision, not from the future and not older than `max_age`. An outdated record is
    /// not an error: the banner simply shows again.
    pub fn is_valid(&self, revision: u32, now: Millis, max_age: Millis) -> bool {
        // A clock skew of a few minutes must not void a choice made a moment ago in another tab.
        const SKEW: Millis = 5 * 60 * 1000;
        self.revision == revision
            && self.timestamp <= now.saturating_add(SKEW)
            && now.saturating_sub(self.timestamp) <= max_age
    }
}

/// Categories whose acceptance differs between `before` and `after` (no choice = nothing
/// accepted), in name order. `necessary` never changes.
pub fn changed_categories<'a>(
    before: Option<&Consent>,
    after: Option<&Consent>,
    offered: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let accepts = |consent: Option<&Consent>, name: &str| consent.is_some_and(|c| c.accepts(name));
    set_of(
        offered
            .into_iter()
            .filter(|name| *name != NECESSARY)
            .filter(|name| accepts(before, name) != accepts(after, name))
            .map(str::to_string),
    )
    .into_iter()
    .collect()
}

/// Milliseconds in `days` days.
pub fn days(days: u32) -> Millis {
    Millis::from(days) * 24 * 60 * 60 * 1000
}

/// What the widget shows on top of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Nothing but the small "Cookie settings" button (when a choice exists).
    Closed,
    /// The first layer.
    Banner,
    /// The preferences dialog.
    Preferences,
}

/// Google Consent Mode v2: each consent type and the category that grants it by default.
pub const CONSENT_MODE: [(&str, &str); 7] = [
    ("ad_storage", "marketing"),
    ("ad_user_data", "marketing"),
    ("ad_personalization", "marketing"),
    ("analytics_storage", "analytics"),
    ("personalization_storage", "personalization"),
    ("functionality_storage", NECESSARY),
    ("security_storage", NECESSARY),
];

/// Which categories grant each Consent Mode type: every type of [`CONSENT_MODE`], in its order,
/// with the categories any one of which grants it (`necessary` grants it always; an empty list
/// never does).
pub type ConsentModeMap = Vec<(String, Vec<String>)>;

/// The default [`ConsentModeMap`]: each type granted by the category [`CONSENT_MODE`] names.
pub fn default_consent_mode() -> ConsentModeMap {
    CONSENT_MODE
        .iter()
        .map(|(kind, category)| (kind.to_string(), vec![category.to_string()]))
        .collect()
}

/// The Consent Mode state for `consent` under `mapping`: a type is granted when one of its
/// categories is accepted; types granted by `necessary` always are, and nothing else before a
/// choice.
pub fn consent_mode<'a>(
    mapping: &'a [(String, Vec<String>)],
    consent: Option<&Consent>,
) -> Vec<(&'a str, bool)> {
    mapping
        .iter()
        .map(|(kind, categories)| {
            let granted = categories.iter().any(|category| {
                category == NECESSARY || consent.is_some_and(|c| c.accepts(category))
            });
            (kind.as_str(), granted)
        })
        .collect()
}

/// The value of `name` in a URL query string (`?a=1&b=2`), decoding `+` and `%2C` only (test
/// override values are plain words and commas).
pub fn query_value<'a>(search: &'a str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value): (&'a str, &'a str)| {
            value
                .replace('+', " ")
                .replace("%2C", ",")
                .replace("%2c", ",")
        })
}

/// What the widget should show, pushed from the runtime to whatever draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The open surface.
    pub view: View,
    /// The recorded choice, if any.
    pub consent: Option<Consent>,
    /// Whether the browser keeps cookies (login needs them).
    pub cookies_enabled: bool,
    /// Whether the browser sends the Global Privacy Control signal.
    pub gpc: bool,
    /// Whether the visitor chose under an older revision and is asked again.
    pub renewal: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn record(accepted: &[&str]) -> Consent {
        Consent::new(
            "id".into(),
            1,
            1_000,
            ["necessary", "analytics", "marketing"],
            &set(accepted),
            Method::Custom,
        )
    }

    #[test]
    fn necessary_is_accepted_even_when_everything_is_refused() {
        let consent = record(&[]);
        assert!(consent.accepts(NECESSARY));
        assert_eq!(consent.accepted, set(&["necessary"]));
        assert_eq!(consent.rejected, set(&["analytics", "marketing"]));
    }

    #[test]
    fn a_new_revision_invalidates_old_consent() {
        let consent = record(&["analytics"]);
        assert!(consent.is_valid(1, 2_000, days(182)));
        assert!(!consent.is_valid(2, 2_000, days(182)));
    }

    #[test]
    fn a_choice_older_than_its_expiry_is_no_choice() {
        let consent = record(&["analytics"]);
        assert!(consent.is_valid(1, 1_000 + days(182), days(182)));
        assert!(!consent.is_valid(1, 1_001 + days(182), days(182)));
    }

    #[test]
    fn a_choice_dated_far_in_the_future_is_not_trusted() {
        let mut consent = record(&["analytics"]);
        consent.timestamp = days(400);
        assert!(!consent.is_valid(1, days(10), days(182)));
    }

    #[test]
    fn changes_are_the_categories_whose_acceptance_flipped() {
        let offered = ["necessary", "analytics", "marketing"];
        let first = record(&["analytics"]);
        assert_eq!(
            changed_categories(None, Some(&first), offered),
            vec!["analytics"]
        );
        let second = record(&["marketing"]);
        assert_eq!(
            changed_categories(Some(&first), Some(&second), offered),
            vec!["analytics", "marketing"]
        );
        assert!(changed_categories(Some(&second), Some(&second), offered).is_empty());
        assert_eq!(
            changed_categories(Some(&second), None, offered),
            vec!["marketing"]
        );
    }

    fn granted<'a>(
        mapping: &'a [(String, Vec<String>)],
        consent: Option<&Consent>,
    ) -> Vec<&'a str> {
        consent_mode(mapping, consent)
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(kind, _)| kind)
            .collect()
    }

    #[test]
    fn consent_mode_grants_only_what_the_choice_accepts() {
        let mapping = default_consent_mode();
        assert_eq!(mapping.len(), 7, "every Consent Mode v2 type is reported");
        assert_eq!(
            granted(&mapping, None),
            ["functionality_storage", "security_storage"]
        );
        assert_eq!(
            granted(&mapping, Some(&record(&["analytics"]))),
            [
                "analytics_storage",
                "functionality_storage",
                "security_storage"
            ]
        );
        assert_eq!(
            granted(&mapping, Some(&record(&["analytics", "marketing"]))).len(),
            6
        );
    }

    #[test]
    fn a_consent_mode_type_is_granted_by_any_one_of_its_categories() {
        let mapping = vec![
            (
                "analytics_storage".to_string(),
                vec!["analytics".to_string()],
            ),
            (
                "ad_storage".to_string(),
                vec!["marketing".to_string(), "analytics".to_string()],
            ),
            ("ad_user_data".to_string(), Vec::new()),
            ("security_storage".to_string(), vec![NECESSARY.to_string()]),
        ];
        assert_eq!(granted(&mapping, None), ["security_storage"]);
        assert_eq!(
            granted(&mapping, Some(&record(&["analytics"]))),
            ["analytics_storage", "ad_storage", "security_storage"]
        );
        assert_eq!(
            granted(&mapping, Some(&record(&["analytics", "marketing"]))),
            ["analytics_storage", "ad_storage", "security_storage"],
            "a type without categories is never granted"
        );
    }

    #[test]
    fn a_record_limited_to_necessary_refuses_every_optional_category() {
        let mut record = record(&["analytics"]);
        record.refused_services = set(&["partner-ads"]);
        let limited = record.limited_to_necessary();
        assert_eq!(limited.accepted, set(&[NECESSARY]));
        assert_eq!(limited.rejected, set(&["analytics", "marketing"]));
        assert!(limited.refused_services.is_empty());
        assert!(!limited.accepts("marketing"));
        assert!(limited.accepts(NECESSARY));
        assert_eq!((limited.id, limited.method), (record.id, record.method));
    }

    #[test]
    fn an_accept_all_made_before_the_gpc_signal_is_decided_again_under_it() {
        let mut all = record(&["analytics", "marketing"]);
        all.method = Method::AcceptAll;
        assert_eq!(
            all.regranted_under_gpc(["marketing"]),
            Some(Decision::AcceptAll)
        );
        assert_eq!(
            all.regranted_under_gpc(["video"]),
            None,
            "nothing the signal refuses"
        );
        let explicit = record(&["analytics", "marketing"]);
        assert_eq!(
            explicit.regranted_under_gpc(["marketing"]),
            None,
            "a custom choice stands"
        );
        let mut under_signal = record(&["analytics"]);
        under_signal.method = Method::Gpc;
        assert_eq!(under_signal.regranted_under_gpc(["marketing"]), None);
    }

    #[test]
    fn query_values_are_found_by_name() {
        let search = "?x=1&canenrich-test=analytics%2Cmarketing&y";
        assert_eq!(
            query_value(search, "canenrich-test").as_deref(),
            Some("analytics,marketing")
        );
        assert_eq!(query_value(search, "x").as_deref(), Some("1"));
        assert_eq!(query_value(search, "y"), None);
        assert_eq!(query_value("", "x"), None);
    }

    #[test]
    fn services_have_stable_keys() {
        assert_eq!(service_key("Partner Ads"), "partner-ads");
        assert_eq!(service_key("  CanEnrich  Video!! "), "canenrich-video");
        assert_eq!(service_key("Über.Tracker_2"), "ber-tracker-2");
        assert_eq!(service_key("--"), "");
    }

    #[test]
    fn a_switched_off_service_stays_off_inside_an_accepted_category() {
        let consent = record(&["marketing"]).with_refused_services(set(&["partner-ads"]));
        assert!(!consent.accepts_service("marketing", Some("Partner Ads")));
        assert!(consent.accepts_service("marketing", Some("CanEnrich Video")));
        assert!(consent.accepts_service("marketing", None));
        assert!(!consent.accepts_service("analytics", Some("CanEnrich Analytics")));
    }

    #[test]
    fn methods_round_trip_through_their_names() {
        for method in [
            Method::AcceptAll,
            Method::RejectAll,
            Method::Custom,
            Method::Gpc,
        ] {
            assert_eq!(Method::parse(method.as_str()), Some(method));
        }
        assert_eq!(Method::parse("yes"), None);
    }
}
