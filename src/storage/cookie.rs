//! Browser adapter: the consent cookie and the page's other cookies through `document.cookie`.
//! It converts and maps errors; the decisions are made in `storage` and `blocker::plan`.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlDocument;

use super::{parse_cookies, visible, ConsentStore, StorageError, Visible};
use super::{COOKIE_NAME, HOST_COOKIE_NAME};
use crate::blocker::plan;

/// The consent cookie of the current document: `__Host-canenrich_consent` on https,
/// `canenrich_consent` on http.
pub struct CookieStore {
    document: HtmlDocument,
    secure: bool,
    /// The browser's own `document.cookie` setter. The loader guards `document.cookie` against
    /// scripts; the widget's own writes (its cookie, the probe, erasing) must not go through it.
    native_setter: Option<Function>,
    /// Every `Domain` a planted consent cookie may carry here (no Public Suffix List needed:
    /// the browser ignores a `Domain` that is a public suffix).
    domains: Vec<Option<String>>,
    /// Every path a planted consent cookie visible on this page may carry.
    paths: Vec<String>,
}

impl CookieStore {
    /// The store for the current document, or `None` outside a browser page.
    pub fn open() -> Option<CookieStore> {
        let window = web_sys::window()?;
        let document = window.document()?.dyn_into::<HtmlDocument>().ok()?;
        let location = window.location();
        let secure = location.protocol().ok().as_deref() == Some("https:");
        let host = location.hostname().unwrap_or_default();
        let path = location.pathname().unwrap_or_default();
        Some(CookieStore {
            document,
            secure,
            native_setter: native_cookie_setter(),
            domains: plan::cookie_domains(&host, None),
            paths: plan::cookie_paths(&path),
        })
    }

    /// The name this page keeps the choice under.
    fn name(&self) -> &'static str {
        super::cookie_name(self.secure)
    }

    /// Erases every consent cookie, under both names, for every domain and path it may have
    /// been planted for.
    fn erase_consent_cookies(&self) {
        self.erase(COOKIE_NAME, &self.domains, &self.paths);
        // A `__Host-` cookie exists only host-only on `/`, and is removed only by a `Secure`
        // write.
        let _ = self.assign(&format!(
            "{HOST_COOKIE_NAME}=; Max-Age=0; Path=/{}",
            if self.secure { "; Secure" } else { "" }
        ));
    }

    /// A choice kept under [`COOKIE_NAME`] on https by an earlier version is moved to
    /// [`HOST_COOKIE_NAME`], once, if the browser vouches that this host set it: the Cookie Store
    /// API reports it host-only (`domain: null`) on `/`. One a sibling subdomain planted for the
    /// parent domain, or any whose origin the browser cannot tell (no Cookie Store API, or one
    /// that reports no `domain`), is erased instead: the visitor is asked again.
    pub async fn migrate(&self) {
        if !self.secure {
            return;
        }
        let header = self.header();
        let Visible::One { name, value } = visible(&header) else {
            return;
        };
        if name != COOKIE_NAME {
            return;
        }
        let value = value.to_string();
        match own_legacy_cookie().await {
            Some(expires) => {
                let now = js_sys::Date::now();
                let max_age = ((expires - now) / 1000.0).max(0.0) as u64;
                self.erase(COOKIE_NAME, &self.domains, &self.paths);
                let _ = self.assign(&format!(
                    "{}={value}{}",
                    self.name(),
                    self.attributes(max_age)
                ));
            }
            None => self.erase(COOKIE_NAME, &self.domains, &self.paths),
        }
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

    /// Whether the browser keeps cookies at all. A cookie it hands back proves it (a returning
    /// visitor's choice, say), so the page is spared the probe's two writes and read; else a
    /// probe cookie is written and read back.
    pub fn is_enabled(&self) -> bool {
        const PROBE: &str = "canenrich_probe";
        if !parse_cookies(&self.header()).is_empty() {
            return true;
        }
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

thread_local! {
    /// The browser's `document.cookie` setter as the loader kept it, before it put its guard on
    /// `Document.prototype`.
    static NATIVE_SETTER: std::cell::RefCell<Option<Function>> = const { std::cell::RefCell::new(None) };
}

/// Hands over the loader's copy of the browser's `document.cookie` setter, for the widget's own
/// writes; stores opened from then on use it.
pub fn use_native_setter(setter: Function) {
    NATIVE_SETTER.with(|cell| *cell.borrow_mut() = Some(setter));
}

/// The loader's copy of the browser's setter, else (no loader: a browser test)
/// `Object.getOwnPropertyDescriptor(Document.prototype, "cookie").set`.
fn native_cookie_setter() -> Option<Function> {
    if let Some(setter) = NATIVE_SETTER.with(|cell| cell.borrow().clone()) {
        return Some(setter);
    }
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

/// When the Cookie Store API says the page's `canenrich_consent` was set by this host for `/`
/// (`domain: null`, `path: "/"`): its expiry in milliseconds since the epoch.
async fn own_legacy_cookie() -> Option<f64> {
    let store = Reflect::get(&js_sys::global(), &JsValue::from_str("cookieStore")).ok()?;
    let get = Reflect::get(&store, &JsValue::from_str("get"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let promise = get
        .call1(&store, &JsValue::from_str(COOKIE_NAME))
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let item = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let field = |key: &str| Reflect::get(&item, &JsValue::from_str(key)).ok();
    let host_only = field("domain").is_some_and(|domain| domain.is_null());
    let root = field("path").and_then(|path| path.as_string()).as_deref() == Some("/");
    let expires = field("expires").and_then(|expires| expires.as_f64());
    (host_only && root).then_some(expires).flatten()
}

impl ConsentStore for CookieStore {
    /// The choice under this page's name. When more than one consent cookie is visible, or one
    /// under the other name (planted: the https name cannot be set over http, and the http name
    /// was migrated at start-up), none is trusted: all are erased and the choice reads as none.
    fn read(&self) -> Result<Option<String>, StorageError> {
        let header = self
            .document
            .cookie()
            .map_err(|err| StorageError::Unavailable(format!("{err:?}")))?;
        match visible(&header) {
            Visible::Nothing => Ok(None),
            Visible::One { name, value } if name == self.name() => Ok(Some(value.to_string())),
            Visible::One { .. } | Visible::Several => {
                self.erase_consent_cookies();
                Ok(None)
            }
        }
    }

    /// Stores the choice under this page's name, after erasing any planted consent cookie that
    /// would shadow it, and checks the browser kept it.
    fn write(&self, value: &str, max_age_secs: u64) -> Result<(), StorageError> {
        match visible(&self.header()) {
            Visible::Nothing => {}
            Visible::One { name, .. } if name == self.name() => {}
            Visible::One { .. } | Visible::Several => self.erase_consent_cookies(),
        }
        self.assign(&format!(
            "{}={value}{}",
            self.name(),
            self.attributes(max_age_secs)
        ))?;
        match self.read()? {
            Some(stored) if stored == value => Ok(()),
            _ => Err(StorageError::NotKept),
        }
    }

    fn clear(&self) -> Result<(), StorageError> {
        self.erase_consent_cookies();
        Ok(())
    }
}
