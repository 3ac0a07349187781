//! The one error type of the JS boundary: everything the widget reports to the page (a rejected
//! `start()` or API promise, a console error) is an [`Error`], worded after `CanEnrich Consent:`.

use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};

/// What went wrong, in words a site owner reading the console can act on.
#[derive(Debug, Error)]
pub enum Error {
    /// The runtime was asked to act before start-up created it.
    #[error("the widget has not started yet; wait for CanEnrichConsent.ready")]
    NotStarted,
    /// A call arrived while the widget was busy with another one (a page wrapper of
    /// `document.cookie`, `sendBeacon` or `console.*` calling back in during a choice).
    #[error("the widget is busy recording a choice; call again once it is stored")]
    Busy,
    /// The page lacks what the widget needs (`window`, `document`).
    #[error("the page has no {0}")]
    Missing(&'static str),
    /// A browser API threw.
    #[error("{0} failed: {1}")]
    Browser(&'static str, String),
    /// A built-in language file does not parse (a build defect).
    #[error("broken language file: {0}")]
    Language(String),
    /// `acceptCategories` was given something other than an array.
    #[error("acceptCategories expects an array of category names")]
    NotAnArray,
}

impl Error {
    /// Maps what a browser API threw while doing `what`.
    pub fn browser(what: &'static str) -> impl FnOnce(JsValue) -> Error {
        move |thrown| Error::Browser(what, describe(&thrown))
    }

    /// Reports the error on the console, for failures no caller is waiting for.
    pub fn report(self) {
        web_sys::console::error_1(&JsValue::from(self));
    }
}

impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        let message = format!("CanEnrich Consent: {error}");
        match error {
            Error::NotAnArray => js_sys::TypeError::new(&message).into(),
            _ => js_sys::Error::new(&message).into(),
        }
    }
}

/// A thrown value as text: an `Error`'s message, a string as is, anything else as JS shows it.
fn describe(thrown: &JsValue) -> String {
    if let Some(error) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    thrown
        .as_string()
        .or_else(|| js_sys::JSON::stringify(thrown).ok().map(String::from))
        .unwrap_or_else(|| "an unreadable value".to_string())
}
