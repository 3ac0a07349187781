//! The stored choice, as the loader decoded and validated it, and the rules the page's guards ask
//! about it. The rules are the widget crate's (`plan`): the same gate, the same reading of a
//! cookie write.

use canenrich_consent::blocker::plan::{self, Gate};
use canenrich_consent::model::{pattern, service_key, CLOCK_SKEW, NECESSARY};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::settings::{get, text, texts, Settings};

/// A valid stored choice: the fields of `getConsent()`.
pub struct Choice {
    pub id: String,
    pub revision: f64,
    pub timestamp: f64,
    pub method: String,
    pub accepted: Vec<String>,
    pub rejected: Vec<String>,
    pub refused_services: Vec<String>,
}

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
