//! Browser adapter: release passes (over the widget crate's `blocker::dom`), what the page holds
//! for refused categories, the "Cookie settings" button, Consent Mode and the `canenrich:*` events.
//! The decisions come from [`Choice`] and the widget crate's `plan`.

use canenrich_consent::blocker::dom;
use canenrich_consent::page::{COOKIE_ICON, HOST_ID};
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CssStyleSheet, Document, Element, HtmlScriptElement, ShadowRoot, ShadowRootInit, ShadowRootMode,
};

use crate::choice::Choice;
use crate::settings::Settings;

pub fn document() -> Option<Document> {
    web_sys::window().and_then(|w| w.document())
}

/// The page's cookies as `document.cookie` reads them.
pub fn cookie_header() -> String {
    document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.cookie().ok())
        .unwrap_or_default()
}

/// Runs `then` once the document is parsed (every static held tag is in the DOM): now, or on
/// `DOMContentLoaded`.
pub fn when_parsed(then: impl FnOnce() + 'static) {
    let Some(document) = document().filter(|d| d.ready_state() == "loading") else {
        return then();
    };
    let listener = Closure::once_into_js(then);
    if document
        .add_event_listener_with_callback("DOMContentLoaded", listener.unchecked_ref())
        .is_err()
    {
        web_sys::console::error_1(&JsValue::from_str(
            "CanEnrich Consent: could not wait for the page to be parsed",
        ));
    }
}

/// Runs `then` in a later task (a zero-delay timeout), letting the browser handle input and
/// render in between.
pub fn next_task(then: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(then);
    let scheduled =
        web_sys::window().map(|w| w.set_timeout_with_callback(callback.unchecked_ref()));
    if !matches!(scheduled, Some(Ok(_))) {
        web_sys::console::error_1(&JsValue::from_str(
            "CanEnrich Consent: could not schedule the release of held tags",
        ));
    }
}

/// Calls `then` once every promise in `pending` has settled (they never reject).
fn after_all(pending: &[Promise], then: impl FnOnce() + 'static) {
    let all = Promise::all(&pending.iter().collect::<Array>());
    let next = Closure::once_into_js(move |_: JsValue| then());
    let chained = Reflect::get(&all, &JsValue::from_str("then"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .map(|then| then.call2(&all, &next, &next));
    if !matches!(chained, Some(Ok(_))) {
        web_sys::console::error_1(&JsValue::from_str(
            "CanEnrich Consent: could not wait for released scripts",
        ));
    }
}

/// Whether the page holds a cookie (in `header`, a `document.cookie` string) or a storage key of a
/// category `choice` refuses.
pub fn holds_refused(choice: &Choice, settings: &Settings, header: &str) -> bool {
    canenrich_consent::storage::parse_cookies(header)
        .iter()
        .any(|(name, _)| choice.refuses_cookie(settings, name))
        || dom::storages().iter().any(|store| {
            dom::storage_keys(store)
                .iter()
                .any(|key| choice.refuses_key(settings, key))
        })
}

/// How many elements are still held, for `getState()`.
pub fn held_count(roots: &Array) -> u32 {
    document().map_or(0, |d| {
        dom::candidates(&d, roots)
            .iter()
            .filter(|e| dom::is_held(e))
            .count() as u32
    })
}

/// A release pass: what it asks and what it calls when done.
#[derive(Clone)]
pub struct Pass {
    /// Whether an element gated by `data-category` = the first argument (and `data-service` =
    /// the second) may run.
    pub allows: fn(&str, Option<&str>) -> bool,
    /// The loader's shadow roots gated elements went into.
    pub roots: Array,
    /// The loader tag's nonce.
    pub nonce: Option<String>,
    /// Called once the pass's scripts have loaded or failed.
    pub done: fn(),
}

/// Releases, in document order, every held element the pass allows, as the full build does:
/// external scripts run in insertion order while downloading in parallel, and an inline one
/// waits for the external ones before it (the pass goes on once they have loaded); a script
/// without the loader tag's nonce, or an address that is not http(s) or relative, is refused
/// with a console warning.
pub fn release(pass: Pass) {
    let Some(document) = document() else {
        return (pass.done)();
    };
    let mut loading: Vec<Promise> = Vec::new();
    for element in dom::candidates(&document, &pass.roots) {
        if !dom::is_held(&element) {
            continue;
        }
        let gate = element.get_attribute("data-category").unwrap_or_default();
        let service = element.get_attribute("data-service");
        if !(pass.allows)(&gate, service.as_deref()) {
            continue;
        }
        if dom::refuse_unsafe(&element, pass.nonce.as_deref()) {
            continue;
        }
        let outcome = match element.dyn_ref::<HtmlScriptElement>() {
            Some(script) => {
                if dom::is_inline(script) && !loading.is_empty() {
                    // The rest of the pass, this script first, once the ones before it ran.
                    return after_all(&loading, move || release(pass));
                }
                dom::revive_script(&document, script, &mut loading)
            }
            None => {
                dom::reveal(&element);
                Ok(())
            }
        };
        if let Err(err) = outcome {
            web_sys::console::error_2(
                &JsValue::from_str("CanEnrich Consent: could not release a gated tag"),
                &err,
            );
        }
    }
    let done = pass.done;
    after_all(&loading, done);
}

/// The widget's shadow root, creating its host at the end of `<body>` if needed.
pub fn shadow() -> Option<ShadowRoot> {
    let document = document()?;
    let host = match document.get_element_by_id(HOST_ID) {
        Some(host) => host,
        None => {
            let host = document.create_element("div").ok()?;
            host.set_id(HOST_ID);
            document.body()?.append_child(&host).ok()?;
            host
        }
    };
    host.shadow_root().or_else(|| {
        host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .ok()
    })
}

/// Draws the "Cookie settings" button (the Yew UI's markup and classes) in a fresh root of the
/// widget's shadow root, styled by `sheet`; `on_click` runs when it is pressed.
pub fn reopen_button(
    settings: &Settings,
    label: &str,
    sheet: &CssStyleSheet,
    on_click: impl Fn() + 'static,
) -> Result<(), JsValue> {
    let shadow = shadow().ok_or("no body")?;
    let document = document().ok_or("no document")?;
    shadow.set_adopted_style_sheets(&Array::of1(sheet));
    close();
    let root = document.create_element("div")?;
    root.set_class_name("cc");
    root.set_attribute("lang", &settings.lang)?;
    root.set_attribute("dir", &settings.dir)?;
    let surface = document.create_element("div")?;
    surface.set_class_name(
        &[
            "cc-surface cc-theme-",
            &settings.theme,
            " cc-position-",
            &settings.position,
        ]
        .concat(),
    );
    let button = document.create_element("button")?;
    button.set_attribute("type", "button")?;
    button.set_class_name("cc-reopen");
    button.set_attribute("data-testid", "reopen")?;
    button.set_attribute("aria-label", label)?;
    button.set_attribute("title", label)?;
    button.set_inner_html(
        &[
            r#"<svg class="cc-reopen-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=""#,
            COOKIE_ICON,
            r#""/></svg>"#,
        ]
        .concat(),
    );
    listen(&button, "click", on_click)?;
    surface.append_child(&button)?;
    root.append_child(&surface)?;
    shadow.append_child(&root)?;
    Ok(())
}

/// Removes what the core drew (on hand-over, the full build draws its own).
pub fn close() {
    if let Some(shadow) = document()
        .and_then(|d| d.get_element_by_id(HOST_ID))
        .and_then(|host| host.shadow_root())
    {
        while let Some(child) = shadow.first_child() {
            let _ = shadow.remove_child(&child);
        }
    }
}

/// Runs `action` on every `event` at `target`, for as long as the page lives.
pub fn listen(
    target: &web_sys::EventTarget,
    event: &str,
    action: impl Fn() + 'static,
) -> Result<(), JsValue> {
    let listener = Closure::<dyn Fn()>::new(action);
    target.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref())?;
    listener.forget();
    Ok(())
}

/// Opens the preferences (through `open`) when a `[data-canenrich="show-preferences"]` link on
/// the page is clicked.
pub fn listen_for_settings_links(open: impl Fn() + 'static) -> Result<(), JsValue> {
    let document = document().ok_or("no document")?;
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let link = event
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| {
                t.closest("[data-canenrich='show-preferences']")
                    .ok()
                    .flatten()
            });
        if link.is_some() {
            event.prevent_default();
            open();
        }
    });
    document.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())?;
    listener.forget();
    Ok(())
}

/// `gtag('consent', 'update', …)`: each type granted when one of its categories is accepted.
pub fn consent_mode(settings: &Settings, choice: &Choice) {
    canenrich_consent::signals::consent_update(
        settings
            .consent_mode
            .iter()
            .map(|(kind, granting)| (kind.as_str(), granting.iter().any(|c| choice.accepts(c)))),
    );
}

pub use canenrich_consent::signals::dispatch;
