//! Browser adapter: the consent cookie and the page's other cookies through `document.cookie`.
//! It converts and maps errors; the decisions are made in `storage` and `blocker::plan`.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlDocument;

use super::{parse_cookies, ConsentStore, StorageError, COOKIE_NAME};

/// The `canenrich_consent` cookie of the current document.
pub struct CookieStore {
    document: HtmlDocument,
    secure: bool,
    /// The browser's own `document.cookie` setter. The loader guards `document.cookie` against
    /// scripts; the widget's own writes (its cookie, the probe, erasing) must not go through it.
    native_setter: Option<Function>,
}

impl CookieStore {
    /// The store for the current document, or `None` outside a browser page.
    pub fn open() -> Option<CookieStore> {
        let window = web_sys::window()?;
        let document = window.document()?.dyn_into::<HtmlDocument>().ok()?;
        let secure = window.location().protocol().ok().as_deref() == Some("https:");
        Some(CookieStore {
            document,
            secure,
            native_setter: native_cookie_setter(),
        })
    }

    /// The whole `document.cookie` string ("" when the browser refuses to give it).
    pub fn header(&self) -> String {
        self.document.cookie().unwrap_or_default()
    }

    /// Names of every cookie visible to the page.
    pub fn names(&self) -> Vec<String> {
        parse_cookies(&self.header())
            .into_iter()
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// Writes a raw `document.cookie` assignment.
    pub fn assign(&self, cookie: &str) -> Result<(), StorageError> {
        let outcome = match &self.native_setter {
            Some(setter) => setter
                .call1(&self.document, &JsValue::from_str(cookie))
                .map(drop),
            None => self.document.set_cookie(cookie),
        };
        outcome.map_err(|err| StorageError::Unavailable(format!("{err:?}")))
    }

    /// Expires cookie `name` for each of `domains` × `paths`.
    pub fn erase(&self, name: &str, domains: &[Option<String>], paths: &[String]) {
        for domain in domains {
            for path in paths {
                let domain = domain
                    .as_ref()
                    .map(|d| format!("; Domain={d}"))
                    .unwrap_or_default();
                // Failures are caught by the verification read that follows an erase.
                let _ = self.assign(&format!(
                    "{name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path={path}{domain}"
                ));
            }
        }
    }

    /// Whether the browser keeps cookies at all: writes a probe cookie and reads it back.
    pub fn is_enabled(&self) -> bool {
        const PROBE: &str = "canenrich_probe";
        let written = self
            .assign(&format!("{PROBE}=1; Path=/; SameSite=Lax"))
            .is_ok();
        let kept = written
            && parse_cookies(&self.header())
                .iter()
                .any(|(n, _)| *n == PROBE);
        let _ = self.assign(&format!("{PROBE}=; Max-Age=0; Path=/"));
        kept
    }

    fn attributes(&self, max_age_secs: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("; Path=/; Max-Age={max_age_secs}; SameSite=Lax{secure}")
    }
}

/// `Object.getOwnPropertyDescriptor(Document.prototype, "cookie").set`.
fn native_cookie_setter() -> Option<Function> {
    let document_class = Reflect::get(&js_sys::global(), &JsValue::from_str("Document")).ok()?;
    let prototype = Reflect::get(&document_class, &JsValue::from_str("prototype")).ok()?;
    let descriptor = Object::get_own_property_descriptor(
        prototype.dyn_ref::<Object>()?,
        &JsValue::from_str("cookie"),
    );
    Reflect::get(&descriptor, &JsValue::from_str("set"))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

impl ConsentStore for CookieStore {
    fn read(&self) -> Result<Option<String>, StorageError> {
        let header = self
            .document
            .cookie()
            .map_err(|err| StorageError::Unavailable(format!("{err:?}")))?;
        Ok(super::cookie_value(&header, COOKIE_NAME).map(str::to_string))
    }

    fn write(&self, value: &str, max_age_secs: u64) -> Result<(), StorageError> {
        self.assign(&format!(
            "{COOKIE_NAME}={value}{}",
            self.attributes(max_age_secs)
        ))?;
        match self.read()? {
            Some(stored) if stored == value => Ok(()),
            _ => Err(StorageError::NotKept),
        }
    }

    fn clear(&self) -> Result<(), StorageError> {
        self.assign(&format!("{COOKIE_NAME}={}", self.attributes(0)))
    }
}
