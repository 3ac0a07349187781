//! Browser adapter: releasing held elements, watching for inserted ones, what the page holds for
//! refused categories, the "Cookie settings" button, Consent Mode and the `canenrich:*` events.
//! The decisions come from [`Choice`] and the widget crate's `plan`.

use canenrich_consent::blocker::plan::{self, HELD, REFUSED, RELEASED};
use canenrich_consent::page::{COOKIE_ICON, HOST_ID};
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CssStyleSheet, CustomEvent, CustomEventInit, Document, Element, HtmlElement, HtmlScriptElement,
    MutationObserver, MutationObserverInit, MutationRecord, ShadowRoot, ShadowRootInit,
    ShadowRootMode, Storage,
};

use crate::choice::Choice;
use crate::settings::Settings;

/// The words every console line starts with.
pub const PREFIX: &str = "CanEnrich Consent:";

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

/// Whether the page holds a cookie or storage key of a category `choice` refuses.
pub fn holds_refused(choice: &Choice, settings: &Settings) -> bool {
    let header = cookie_header();
    if canenrich_consent::storage::parse_cookies(&header)
        .iter()
        .any(|(name, _)| choice.refuses_cookie(settings, name))
    {
        return true;
    }
    let window = web_sys::window();
    let stores: [Option<Storage>; 2] = [
        window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten()),
        window
            .as_ref()
            .and_then(|w| w.session_storage().ok().flatten()),
    ];
    stores.iter().flatten().any(|store| {
        let count = store.length().unwrap_or(0);
        (0..count)
            .filter_map(|i| store.key(i).ok().flatten())
            .any(|key| choice.refuses_key(settings, &key))
    })
}

/// Elements matching [`HELD`] in the document, then in each connected shadow root of `roots`.
fn candidates(document: &Document, roots: &Array) -> Vec<Element> {
    let mut found = Vec::new();
    let mut add = |list: Result<web_sys::NodeList, JsValue>| {
        if let Ok(list) = list {
            for i in 0..list.length() {
                if let Some(element) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    found.push(element);
                }
            }
        }
    };
    add(document.query_selector_all(HELD));
    for root in roots.iter() {
        if let Ok(root) = root.dyn_into::<ShadowRoot>() {
            if root.host().is_connected() {
                add(root.query_selector_all(HELD));
            }
        }
    }
    found
}

/// Whether `element` still waits for consent.
fn is_held(element: &Element) -> bool {
    if !element.is_connected()
        || !element.has_attribute("data-category")
        || element.has_attribute(REFUSED)
    {
        return false;
    }
    let tag = element.tag_name().to_ascii_lowercase();
    if tag == "script" {
        return element.get_attribute("type").as_deref() == Some("text/plain");
    }
    plan::deferred_addresses(&tag)
        .iter()
        .any(|(from, _)| element.has_attribute(from))
}

/// How many elements are still held, for `getState()`.
pub fn held_count(roots: &Array) -> u32 {
    document().map_or(0, |d| {
        candidates(&d, roots).iter().filter(|e| is_held(e)).count() as u32
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
    for element in candidates(&document, &pass.roots) {
        if !is_held(&element) {
            continue;
        }
        let gate = element.get_attribute("data-category").unwrap_or_default();
        let service = element.get_attribute("data-service");
        if !(pass.allows)(&gate, service.as_deref()) {
            continue;
        }
        let tag = element.tag_name().to_ascii_lowercase();
        let own_nonce = element
            .dyn_ref::<HtmlElement>()
            .map(HtmlElement::nonce)
            .unwrap_or_default();
        if let Some(why) = plan::refusal(
            &tag,
            |name| element.get_attribute(name),
            &own_nonce,
            pass.nonce.as_deref(),
        ) {
            refuse(&element, &tag, &why.describe());
            continue;
        }
        let outcome = match element.dyn_ref::<HtmlScriptElement>() {
            Some(script) if !script.has_attribute("data-src") && !script.has_attribute("src") => {
                if !loading.is_empty() {
                    // The rest of the pass, this script first, once the ones before it ran.
                    return after_all(&loading, move || release(pass));
                }
                revive_script(&document, script, &mut loading)
            }
            Some(script) => revive_script(&document, script, &mut loading),
            None => {
                reveal(&element);
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

fn refuse(element: &Element, tag: &str, why: &str) {
    let _ = element.set_attribute(REFUSED, "");
    let line = [PREFIX, " refused to release a gated ", tag, ": ", why].concat();
    web_sys::console::warn_2(&JsValue::from_str(&line), element);
}

/// Moves a held element's addresses into place (it loads) and forgets its placeholder.
pub fn reveal(element: &Element) {
    let tag = element.tag_name().to_ascii_lowercase();
    if let Some(why) = plan::refusal(&tag, |name| element.get_attribute(name), "", None) {
        refuse(element, &tag, &why.describe());
        return;
    }
    // The loader's setter guard lets addresses through only onto a released element.
    let _ = element.set_attribute(RELEASED, "");
    for (from, to) in plan::deferred_addresses(&tag) {
        if let Some(value) = element.get_attribute(from) {
            let _ = element.set_attribute(to, &value);
            let _ = element.remove_attribute(from);
        }
    }
    let _ = element.remove_attribute(plan::COVERED);
    // A <source> changed after its <video>/<audio> chose one is ignored until the media reloads.
    if tag == "source" {
        if let Some(media) = element
            .parent_element()
            .and_then(|p| p.dyn_into::<web_sys::HtmlMediaElement>().ok())
        {
            media.load();
        }
    }
}

/// Replaces an inert script with a live copy, as the full build does (`dom::revive_script`); an
/// external one without `async` adds the promise of its load to `loading`.
fn revive_script(
    document: &Document,
    old: &HtmlScriptElement,
    loading: &mut Vec<Promise>,
) -> Result<(), JsValue> {
    let live: HtmlScriptElement = document.create_element("script")?.unchecked_into();
    let attributes = old.attributes();
    for index in 0..attributes.length() {
        let Some(attribute) = attributes.item(index) else {
            continue;
        };
        let name = attribute.name();
        if matches!(name.as_str(), "type" | "data-type" | "nonce" | "data-src") {
            continue;
        }
        live.set_attribute(&name, &attribute.value())?;
    }
    if let Some(kind) = old.get_attribute("data-type") {
        live.set_type(&kind);
    }
    let nonce = old.unchecked_ref::<HtmlElement>().nonce();
    if !nonce.is_empty() {
        live.unchecked_ref::<HtmlElement>().set_nonce(&nonce);
    }
    let src = old
        .get_attribute("data-src")
        .or_else(|| old.get_attribute("src"));
    let ordered = !old.has_attribute("async");
    live.set_async(!ordered);
    match &src {
        Some(src) => {
            live.set_src(src);
            if ordered {
                loading.push(Promise::new(&mut |resolve, _| {
                    let _ = live.add_event_listener_with_callback("load", &resolve);
                    let _ = live.add_event_listener_with_callback("error", &resolve);
                }));
            }
        }
        None => live.set_text(&old.text()?)?,
    }
    old.replace_with_with_node_1(&live)?;
    Ok(())
}

/// Calls `on_held` whenever elements the blocker holds are added to the page.
pub fn watch(on_held: impl Fn() + 'static) -> Option<MutationObserver> {
    let root = document()?.document_element()?;
    let callback = Closure::<dyn Fn(Array)>::new(move |records: Array| {
        let holds = |element: Element| {
            element.matches(HELD).unwrap_or(false)
                || element.query_selector(HELD).ok().flatten().is_some()
        };
        let added = records.iter().any(|record| {
            let nodes = record.unchecked_into::<MutationRecord>().added_nodes();
            (0..nodes.length())
                .filter_map(|i| nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
                .any(holds)
        });
        if added {
            on_held();
        }
    });
    let observer = MutationObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    let init = MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    observer.observe_with_options(&root, &init).ok()?;
    // The callback lives as long as the observer.
    callback.forget();
    Some(observer)
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
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(gtag) = Reflect::get(&window, &JsValue::from_str("gtag"))
        .ok()
        .and_then(|g| g.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let state = Object::new();
    for (kind, granting) in &settings.consent_mode {
        let granted = granting.iter().any(|c| choice.accepts(c));
        let value = if granted { "granted" } else { "denied" };
        let _ = Reflect::set(&state, &JsValue::from_str(kind), &JsValue::from_str(value));
    }
    let _ = gtag.call3(
        &window,
        &JsValue::from_str("consent"),
        &JsValue::from_str("update"),
        &state,
    );
}

/// Dispatches `canenrich:<name>` on `window` with `detail`.
pub fn dispatch(name: &str, detail: &JsValue) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = CustomEventInit::new();
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&["canenrich:", name].concat(), &init)
    {
        // A listener that throws is reported by the browser; it must not stop the widget.
        let _ = window.dispatch_event(&event);
    }
}
