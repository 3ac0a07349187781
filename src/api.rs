//! `window.CanEnrichConsent`: the `#[wasm_bindgen]` exports the loader binds to the global it
//! created. Each export converts JS values and calls start-up or the runtime; none decides
//! anything. Failures reach the page as [`Error`]s.

use std::collections::BTreeSet;

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::events;
use crate::model::{Consent, Decision, View};
use crate::{boot, runtime};

/// Starts the widget. `options` comes from the loader: `{ remote, remoteSource, remoteError,
/// attributes: { lang, theme, position, debug }, css, view, handover, previous, suffixList,
/// shadowRoots, nonce, cookieSetter, takeOver, settingsKey }` (`takeOver()`: the key of the first
/// layer the loader painted, if its markup is untouched; `handover`/`previous`: taking over from
/// the lean core, after another tab's choice; `settingsKey()`: the key the lean core's settings
/// are kept under); the inline config is read from the page. Resolves once the banner (if one is
/// due) is rendered.
#[wasm_bindgen]
pub async fn start(options: JsValue) -> Result<(), Error> {
    boot::start(options).await
}

/// `getConsent()`: `null` before any choice, else the record.
#[wasm_bindgen(js_name = getConsent)]
pub fn get_consent() -> JsValue {
    runtime::consent().map_or(JsValue::NULL, |c| events::consent_object(&c).into())
}

/// `acceptedCategory(name)`: `false` for anything that is not an accepted category's name,
/// including values that are not strings.
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(name: JsValue) -> bool {
    name.as_string()
        .is_some_and(|name| runtime::consent().is_some_and(|c| c.accepts(&name)))
}

/// `acceptAll()`: resolves with the record once it is stored.
#[wasm_bindgen(js_name = acceptAll)]
pub fn accept_all() -> Promise {
    settle(runtime::commit(Decision::AcceptAll))
}

/// `rejectAll()`: resolves with the record once it is stored.
#[wasm_bindgen(js_name = rejectAll)]
pub fn reject_all() -> Promise {
    settle(runtime::commit(Decision::RejectAll))
}

/// `acceptCategories(names)`: accepts exactly `names` (an array of category names).
#[wasm_bindgen(js_name = acceptCategories)]
pub fn accept_categories(names: JsValue) -> Promise {
    if !Array::is_array(&names) {
        return Promise::reject(&Error::NotAnArray.into());
    }
    let known = runtime::config()
        .map(|c| crate::model::set_of(c.category_names().map(str::to_string)))
        .unwrap_or_default();
    let mut accepted = BTreeSet::new();
    for name in Array::from(&names).iter() {
        match name.as_string() {
            Some(name) if known.contains(&name) => {
                accepted.insert(name);
            }
            _ => web_sys::console::warn_2(
                &JsValue::from_str("CanEnrich Consent: unknown category"),
                &name,
            ),
        }
    }
    settle(runtime::commit(Decision::Save {
        accepted,
        refused_services: BTreeSet::new(),
    }))
}

/// "Always allow" on a placeholder the lean core drew: the current choice plus `category` (the
/// loader forwards it here after the hand-over).
#[wasm_bindgen(js_name = allowCategory)]
pub fn allow_category(category: String) {
    runtime::allow_category(category);
}

/// For the loader's guard: may an element with `data-category` = `attribute` (and
/// `data-service` = `service`) run now?
#[wasm_bindgen]
pub fn allows(attribute: &str, service: Option<String>) -> bool {
    runtime::allows(attribute, service.as_deref())
}

/// For the loader's cookie guard: may a script's `document.cookie = assignment` be kept?
#[wasm_bindgen(js_name = keepsCookie)]
pub fn keeps_cookie(assignment: &str) -> bool {
    runtime::keeps_cookie(assignment)
}

/// `getState()`: `{ bannerOpen, preferencesOpen, held }` for test suites.
#[wasm_bindgen(js_name = getState)]
pub fn get_state() -> Result<JsValue, Error> {
    let (banner, preferences, held) = runtime::state();
    let state = js_sys::Object::new();
    for (key, value) in [
        ("bannerOpen", JsValue::from_bool(banner)),
        ("preferencesOpen", JsValue::from_bool(preferences)),
        ("held", JsValue::from(held as u32)),
    ] {
        Reflect::set(&state, &key.into(), &value).map_err(Error::browser("getState"))?;
    }
    Ok(state.into())
}

/// `stop()`: the loader hands the page over to another module (the full UI).
#[wasm_bindgen]
pub fn stop() {
    runtime::stop();
}

/// `show()`: opens the banner.
#[wasm_bindgen]
pub fn show() {
    runtime::show(View::Banner);
}

/// `hide()`: closes the banner and the dialog.
#[wasm_bindgen]
pub fn hide() {
    runtime::show(View::Closed);
}

/// `showPreferences()`: opens the preferences dialog.
#[wasm_bindgen(js_name = showPreferences)]
pub fn show_preferences() {
    runtime::show(View::Preferences);
}

/// `reset()`: forgets the choice and shows the banner again.
#[wasm_bindgen]
pub fn reset() {
    runtime::reset();
}

/// A promise of the stored record, or rejected with what prevented storing it.
fn settle(outcome: Result<Consent, Error>) -> Promise {
    match outcome {
        Ok(consent) => Promise::resolve(&JsValue::from(events::consent_object(&consent))),
        Err(err) => Promise::reject(&err.into()),
    }
}
