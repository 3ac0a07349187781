//! From a decision to a record: what "Accept all", "Reject all" and a saved selection mean under
//! the notice the visitor saw and the Global Privacy Control signal. Every way of choosing (the
//! banner, the dialog, the JS API, a test override, a placeholder's "Always allow") decides here,
//! once. Pure: the id and the time are passed in.

use std::collections::BTreeSet;

use super::{service_key, set_of, Consent, Method, Millis};

/// What the visitor (or the site, through the API) decided, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every category offered (without those the Global Privacy Control signal refuses, while
    /// the browser sends it).
    AcceptAll,
    /// Nothing optional.
    RejectAll,
    /// Exactly `accepted`, with the services `refused_services` (keys) switched off inside them.
    Save {
        /// Categories to accept; every other offered category is refused.
        accepted: BTreeSet<String>,
        /// Services (by [`service_key`]) switched off inside accepted categories.
        refused_services: BTreeSet<String>,
    },
}

/// What the visitor was offered: the notice a decision answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice<'a> {
    /// The config revision the record is made under.
    pub revision: u32,
    /// Every category offered, `necessary` included, with the names of its services.
    pub categories: Vec<(&'a str, Vec<&'a str>)>,
    /// The categories the Global Privacy Control signal refuses.
    pub gpc_refused: Vec<&'a str>,
}

/// When and under what signal a decision is recorded, and the record's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occasion {
    /// The new record's id (a UUIDv4 made in the browser).
    pub id: String,
    /// When the decision is recorded.
    pub now: Millis,
    /// Whether the browser sends the Global Privacy Control signal.
    pub gpc: bool,
}

impl Decision {
    /// The record of this decision under `notice`. "Accept all" while the signal is on leaves
    /// out what the signal refuses and is recorded as `gpc`; a saved selection is explicit, so it
    /// stands as made. Categories the notice does not offer, and services that are not listed
    /// under an accepted category, are dropped: the record names only what the visitor saw.
    pub fn record(self, notice: &Notice<'_>, occasion: Occasion) -> Consent {
        let offered = || notice.categories.iter().map(|(name, _)| *name);
        let (accepted, method, refused_services) = match self {
            Decision::AcceptAll if occasion.gpc => (
                set_of(
                    offered()
                        .filter(|name| !notice.gpc_refused.contains(name))
                        .map(str::to_string),
                ),
                Method::Gpc,
                BTreeSet::new(),
            ),
            Decision::AcceptAll => (
                set_of(offered().map(str::to_string)),
                Method::AcceptAll,
                BTreeSet::new(),
            ),
            Decision::RejectAll => (BTreeSet::new(), Method::RejectAll, BTreeSet::new()),
            Decision::Save {
                accepted,
                refused_services,
            } => (accepted, Method::Custom, refused_services),
        };
        let consent = Consent::new(
            occasion.id,
            notice.revision,
            occasion.now,
            offered(),
            &accepted,
            method,
        );
        let listed = set_of(
            notice
                .categories
                .iter()
                .filter(|(name, _)| consent.accepts(name))
                .flat_map(|(_, services)| services.iter().map(|name| service_key(name))),
        );
        let refused = set_of(refused_services.intersection(&listed).cloned());
        consent.with_refused_services(refused)
    }

    /// The decision a test override asks for: `accept-all`, `reject-all`, or a comma-separated
    /// list of categories out of `offered` (unknown names make the whole override unreadable).
    pub fn from_override<'a>(
        value: &str,
        offered: impl IntoIterator<Item = &'a str>,
    ) -> Option<Decision> {
        match value.trim() {
            "accept-all" => Some(Decision::AcceptAll),
            "reject-all" => Some(Decision::RejectAll),
            "" => None,
            list => {
                let offered = set_of(offered);
                let names: Vec<&str> = list.split(',').map(str::trim).collect();
                names
                    .iter()
                    .all(|name| offered.contains(name))
                    .then(|| Decision::Save {
                        accepted: set_of(names.iter().map(|name| name.to_string())),
                        refused_services: BTreeSet::new(),
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NECESSARY;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn notice() -> Notice<'static> {
        Notice {
            revision: 3,
            categories: vec![
                (NECESSARY, vec!["Session"]),
                ("analytics", vec!["CanEnrich Analytics"]),
                ("marketing", vec!["Partner Ads", "CanEnrich Video"]),
            ],
            gpc_refused: vec!["marketing"],
        }
    }

    fn at(gpc: bool) -> Occasion {
        Occasion {
            id: "id-1".into(),
            now: 5_000,
            gpc,
        }
    }

    fn save(accepted: &[&str], refused_services: &[&str]) -> Decision {
        Decision::Save {
            accepted: set(accepted),
            refused_services: set(refused_services),
        }
    }

    #[test]
    fn accept_all_accepts_every_offered_category() {
        let consent = Decision::AcceptAll.record(&notice(), at(false));
        assert_eq!(
            consent.accepted,
            set(&[NECESSARY, "analytics", "marketing"])
        );
        assert!(consent.rejected.is_empty());
        assert_eq!(consent.method, Method::AcceptAll);
        assert!(consent.refused_services.is_empty());
    }

    #[test]
    fn reject_all_accepts_only_necessary() {
        let consent = Decision::RejectAll.record(&notice(), at(false));
        assert_eq!(consent.accepted, set(&[NECESSARY]));
        assert_eq!(consent.rejected, set(&["analytics", "marketing"]));
        assert_eq!(consent.method, Method::RejectAll);
    }

    #[test]
    fn accept_all_under_gpc_leaves_out_what_the_signal_refuses_and_says_so() {
        let consent = Decision::AcceptAll.record(&notice(), at(true));
        assert_eq!(consent.accepted, set(&[NECESSARY, "analytics"]));
        assert_eq!(consent.rejected, set(&["marketing"]));
        assert_eq!(consent.method, Method::Gpc);
    }

    #[test]
    fn a_saved_selection_stands_under_gpc() {
        let consent = save(&["marketing"], &[]).record(&notice(), at(true));
        assert_eq!(consent.accepted, set(&[NECESSARY, "marketing"]));
        assert_eq!(consent.method, Method::Custom);
        let refused = Decision::RejectAll.record(&notice(), at(true));
        assert_eq!(refused.method, Method::RejectAll);
    }

    #[test]
    fn a_saved_selection_keeps_the_services_switched_off_in_accepted_categories() {
        let consent = save(&["marketing"], &["partner-ads"]).record(&notice(), at(false));
        assert_eq!(consent.refused_services, set(&["partner-ads"]));
        assert!(!consent.accepts_service("marketing", Some("Partner Ads")));
        assert!(consent.accepts_service("marketing", Some("CanEnrich Video")));
    }

    #[test]
    fn services_the_notice_does_not_list_under_an_accepted_category_are_dropped() {
        let consent = save(
            &["analytics"],
            &["partner-ads", "canenrich-analytics", "unheard-of"],
        )
        .record(&notice(), at(false));
        assert_eq!(consent.refused_services, set(&["canenrich-analytics"]));
    }

    #[test]
    fn categories_the_notice_does_not_offer_are_not_recorded() {
        let consent = save(&["analytics", "video"], &[]).record(&notice(), at(false));
        assert_eq!(consent.accepted, set(&[NECESSARY, "analytics"]));
        assert_eq!(consent.rejected, set(&["marketing"]));
        assert!(!consent.accepts("video"));
    }

    #[test]
    fn necessary_cannot_be_refused_by_a_saved_selection() {
        let consent = save(&[], &[]).record(&notice(), at(false));
        assert!(consent.accepts(NECESSARY));
        assert_eq!(consent.method, Method::Custom);
    }

    #[test]
    fn the_record_carries_the_notice_revision_its_id_and_the_time_of_the_decision() {
        let consent = Decision::RejectAll.record(&notice(), at(false));
        assert_eq!(
            (consent.id.as_str(), consent.revision, consent.timestamp),
            ("id-1", 3, 5_000)
        );
    }

    #[test]
    fn test_overrides_name_a_whole_decision() {
        let offered = ["necessary", "analytics", "marketing"];
        assert_eq!(
            Decision::from_override("accept-all", offered),
            Some(Decision::AcceptAll)
        );
        assert_eq!(
            Decision::from_override(" reject-all ", offered),
            Some(Decision::RejectAll)
        );
        assert_eq!(
            Decision::from_override("analytics, marketing", offered),
            Some(save(&["analytics", "marketing"], &[]))
        );
        assert_eq!(Decision::from_override("analytics,video", offered), None);
        assert_eq!(Decision::from_override("", offered), None);
    }
}
