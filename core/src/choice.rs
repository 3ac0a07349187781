//! The stored choice, as the loader decoded and validated it, and the rules the page's guards ask
//! about it. The rules are the widget crate's (`plan`): the same gate, the same reading of a
//! cookie write.

use canenrich_consent::blocker::plan::{self, Gate};
use canenrich_consent::model::{pattern, service_key, CLOCK_SKEW, NECESSARY};
#[cfg(target_arch = "wasm32")]
use js_sys::{Array, Object, Reflect};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsValue;

use crate::settings::Settings;
#[cfg(target_arch = "wasm32")]
use crate::settings::{get, text, texts};

/// A valid stored choice: the fields of `getConsent()`.
pub struct Choice {
    /// The record's UUID.
    pub id: String,
    /// The config revision it was made under.
    pub revision: f64,
    /// When it was made (ms since the epoch).
    pub timestamp: f64,
    /// How it was made (`accept_all`, `custom` …).
    pub method: String,
    /// Accepted categories, `necessary` among them, in name order.
    pub accepted: Vec<String>,
    /// Refused categories, in name order.
    pub rejected: Vec<String>,
    /// Services (keys) switched off inside accepted categories.
    pub refused_services: Vec<String>,
}

#[cfg(target_arch = "wasm32")]
impl Choice {
    /// Reads the loader's `{ id, revision, timestamp, method, categories, rejected,
    /// refusedServices }`, or `None` when it does not have that shape.
    pub fn read(value: &JsValue) -> Option<Choice> {
        Some(Choice {
            id: text(&get(value, "id"))?,
            revision: get(value, "revision").as_f64()?,
            timestamp: get(value, "timestamp").as_f64()?,
            method: text(&get(value, "method"))?,
            accepted: texts(&get(value, "categories"))?,
            rejected: texts(&get(value, "rejected"))?,
            refused_services: texts(&get(value, "refusedServices"))?,
        })
    }

    /// The record as `getConsent()` and the events give it: a fresh object each time.
    pub fn object(&self) -> Object {
        let object = Object::new();
        let list = |names: &[String]| {
            names
                .iter()
                .map(|n| JsValue::from_str(n))
                .collect::<Array>()
        };
        for (key, value) in [
            ("id", JsValue::from_str(&self.id)),
            ("revision", JsValue::from_f64(self.revision)),
            ("timestamp", JsValue::from_f64(self.timestamp)),
            ("categories", list(&self.accepted).into()),
            ("rejected", list(&self.rejected).into()),
            ("method", JsValue::from_str(&self.method)),
            ("refusedServices", list(&self.refused_services).into()),
        ] {
            // Setting a data property on a fresh object cannot throw.
            let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
        }
        object
    }
}

impl Choice {
    /// Whether the record is still valid under `settings` at `now` (as `Consent::is_valid`): the
    /// same revision, not from the future beyond the clock skew, and younger than its maximum
    /// age. The loader judged it already, unless an inline config it could not see yet changed
    /// the rules.
    pub fn is_current(&self, settings: &Settings, now: f64) -> bool {
        let max_age = if self.rejected.is_empty() {
            settings.max_age
        } else {
            settings.refusal_max_age
        };
        self.revision == settings.revision
            && self.timestamp <= now + CLOCK_SKEW as f64
            && now - self.timestamp <= max_age
    }

    /// Whether the visitor accepted `category` (`necessary` always is).
    pub fn accepts(&self, category: &str) -> bool {
        category == NECESSARY || self.accepted.iter().any(|c| c == category)
    }

    /// Whether an element gated by `data-category` = `attribute` (and `data-service` =
    /// `service`) may run. An unreadable gate never does.
    pub fn allows(&self, attribute: &str, service: Option<&str>) -> bool {
        match Gate::parse(attribute) {
            Some(Gate::Accepted(name)) => {
                self.accepts(&name)
                    && (name == NECESSARY
                        || service.is_none_or(|s| !self.refused_services.contains(&service_key(s))))
            }
            Some(Gate::Refused(name)) => !self.accepts(&name),
            None => false,
        }
    }

    /// Whether a script's `document.cookie = assignment` may be kept: deletions always, essential
    /// and the widget's own cookies always, a listed cookie when its category is accepted, and
    /// one no category lists only when every category is accepted (`plan::keeps_cookie`).
    pub fn keeps_cookie(&self, settings: &Settings, assignment: &str, now: f64) -> bool {
        let assignment = plan::parse_assignment(assignment, now as u64);
        let name = assignment.name;
        if assignment.deletes || plan::is_own_cookie(name) || settings.is_essential(name) {
            return true;
        }
        match settings
            .categories
            .iter()
            .find(|c| pattern::matches_any(&c.cookies, name))
        {
            Some(owner) => self.accepts(&owner.name),
            None => settings.categories.iter().all(|c| self.accepts(&c.name)),
        }
    }

    /// Whether cookie `name` or storage key `key` belongs to a category this choice refuses, so
    /// that it must be erased (which the full build does).
    pub fn refuses_cookie(&self, settings: &Settings, name: &str) -> bool {
        !settings.is_essential(name)
            && settings
                .categories
                .iter()
                .any(|c| !self.accepts(&c.name) && pattern::matches_any(&c.cookies, name))
    }

    /// Like [`Choice::refuses_cookie`] for a `localStorage` / `sessionStorage` key.
    pub fn refuses_key(&self, settings: &Settings, key: &str) -> bool {
        !plan::is_own_key(key)
            && settings
                .categories
                .iter()
                .any(|c| !self.accepts(&c.name) && pattern::matches_any(&c.storage, key))
    }
}

/// The core must answer exactly as the full build does: each rule is checked against the widget
/// crate's own (`plan`, `Consent`) on the same config and choices.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use canenrich_consent::blocker::plan;
    use canenrich_consent::config::{Config, ConfigFile};
    use canenrich_consent::model::{Consent, Method};

    use super::*;
    use crate::settings::Category;

    const NOW: u64 = 1_765_000_000_000;

    fn config() -> Config {
        let file = ConfigFile::parse(
            r#"{"essentialCookies": ["sid", "csrf_*"], "refusalExpiryDays": 30,
                "categories": {"analytics": {"cookies": ["_ga", "_ga_*"], "storage": ["_ga_store"],
                "services": [{"name": "Partner Ads"}]}}}"#,
            "test",
        )
        .expect("valid");
        Config::resolve(&[("test", file)]).expect("valid")
    }

    /// The settings the full build keeps for `config` (`core_settings::json`), as the core holds
    /// them.
    fn settings(config: &Config) -> Settings {
        let consent = |accepted: &[&str]| {
            Consent::new(
                String::new(),
                config.revision,
                0,
                config.category_names(),
                &accepted.iter().map(|s| s.to_string()).collect(),
                Method::Custom,
            )
        };
        Settings {
            key: "k".into(),
            revision: f64::from(config.revision),
            max_age: config.max_age(&consent(&["analytics", "marketing", "personalization"]))
                as f64,
            refusal_max_age: config.max_age(&consent(&[])) as f64,
            lang: "en".into(),
            dir: "ltr".into(),
            theme: "auto".into(),
            position: "bottom".into(),
            reopen: None,
            categories: config
                .categories
                .iter()
                .map(|c| Category {
                    name: c.name.clone(),
                    title: c.name.clone(),
                    cookies: c.cookies.clone(),
                    storage: c.storage.clone(),
                })
                .collect(),
            essential: config.essential_cookies.clone(),
            consent_mode: config.consent_mode.clone(),
            embed_blocked: String::new(),
            load_once: String::new(),
            always_allow: String::new(),
        }
    }

    /// The same choice as the full build's `Consent` and as the core's `Choice`.
    fn choices(config: &Config) -> Vec<(Consent, Choice)> {
        let offered: Vec<&str> = config.category_names().collect();
        let accepted_sets: [&[&str]; 4] = [
            &[],
            &["analytics"],
            &["marketing", "personalization"],
            &["analytics", "marketing", "personalization"],
        ];
        let mut out = Vec::new();
        for accepted in accepted_sets {
            for refused in [BTreeSet::new(), BTreeSet::from(["partner-ads".to_string()])] {
                let consent = Consent::new(
                    "id".into(),
                    config.revision,
                    NOW - 40 * 24 * 60 * 60 * 1000,
                    offered.iter().copied(),
                    &accepted.iter().map(|s| s.to_string()).collect(),
                    Method::Custom,
                )
                .with_refused_services(refused);
                let choice = Choice {
                    id: consent.id.clone(),
                    revision: f64::from(consent.revision),
                    timestamp: consent.timestamp as f64,
                    method: "custom".into(),
                    accepted: consent.accepted.iter().cloned().collect(),
                    rejected: consent.rejected.iter().cloned().collect(),
                    refused_services: consent.refused_services.iter().cloned().collect(),
                };
                out.push((consent, choice));
            }
        }
        out
    }

    #[test]
    fn cookie_writes_are_kept_as_the_full_build_keeps_them() {
        let config = config();
        let settings = settings(&config);
        let writes = [
            "_ga=GA1.1",
            "_ga_X=1; Path=/",
            "_ga=; Max-Age=0",
            "_ga=; expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "_ga=1; expires=1970",
            "_ga=1; Max-Age=-1; Max-Age=60",
            "mk_id=1",
            "sid=abc",
            "csrf_token=1",
            "canenrich_consent=v1.x",
            "canenrich_other=1",
            "unlisted=1",
            "no-equals-sign",
        ];
        for (consent, choice) in choices(&config) {
            for write in writes {
                let full = plan::parse_assignment(write, NOW).deletes
                    || plan::keeps_cookie(
                        &config,
                        Some(&consent),
                        plan::parse_assignment(write, NOW).name,
                    );
                assert_eq!(
                    choice.keeps_cookie(&settings, write, NOW as f64),
                    full,
                    "{write} under {:?}",
                    consent.accepted
                );
            }
        }
    }

    #[test]
    fn gates_open_as_the_full_build_opens_them() {
        let config = config();
        let gates = [
            "analytics",
            " analytics ",
            "!analytics",
            "!marketing",
            "necessary",
            "marketing",
            "ghost",
            "Analytics",
            "",
            "!",
        ];
        for (consent, choice) in choices(&config) {
            for gate in gates {
                for service in [
                    None,
                    Some("Partner Ads"),
                    Some("partner ads"),
                    Some("Other"),
                ] {
                    let full = plan::Gate::parse(gate)
                        .is_some_and(|g| g.is_open_for(Some(&consent), service));
                    assert_eq!(
                        choice.allows(gate, service),
                        full,
                        "{gate:?} / {service:?} under {:?}",
                        consent.accepted
                    );
                }
            }
        }
    }

    #[test]
    fn refused_data_is_what_the_full_build_would_erase() {
        let config = config();
        let settings = settings(&config);
        let cookies = ["_ga", "_ga_X", "mk_id", "sid", "csrf_a", "unlisted"];
        let keys = [
            "_ga_store",
            "canenrich_outbox.1",
            "canenrich_consent_core",
            "other",
        ];
        for (consent, choice) in choices(&config) {
            for name in cookies {
                let erased = plan::erasure(&config, Some(&consent), &[name.to_string()], &[]);
                assert_eq!(
                    choice.refuses_cookie(&settings, name),
                    !erased.cookies.is_empty(),
                    "{name}"
                );
            }
            for key in keys {
                let erased = plan::erasure(&config, Some(&consent), &[], &[key.to_string()]);
                assert_eq!(
                    choice.refuses_key(&settings, key),
                    !erased.storage.is_empty(),
                    "{key}"
                );
            }
        }
    }

    #[test]
    fn a_record_is_current_as_the_full_build_judges_it() {
        let config = config();
        let settings = settings(&config);
        for (consent, choice) in choices(&config) {
            for now in [
                NOW,
                NOW + 200 * 24 * 60 * 60 * 1000,
                consent.timestamp - 10 * 60 * 1000,
            ] {
                assert_eq!(
                    choice.is_current(&settings, now as f64),
                    consent.is_valid(config.revision, now, config.max_age(&consent)),
                    "at {now} with {:?}",
                    consent.rejected
                );
            }
        }
    }
}
