//! Browser adapter for the blocker: finds held elements, revives the ones whose gate is open, and
//! erases cookies and storage keys that `plan::erasure` names. It decides nothing itself.

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Document, Element, HtmlElement, HtmlScriptElement, MutationObserver, MutationObserverInit,
    MutationRecord, ShadowRoot, Storage,
};

use super::plan::{self, Erasure, Gate, HELD, REFUSED, RELEASED};
use crate::config::Config;
use crate::model::Consent;
use crate::storage::cookie::CookieStore;

/// Releases, in document order, every held element whose gate `consent` opens, then those in
/// the connected shadow `roots`, root by root. Scripts run in document order: external ones
/// without `async` download in parallel and run in the order they are inserted, and an inline
/// script waits for the external ones before it. Under `page_nonce` (the loader tag's
/// nonce), a script without that nonce is refused, as is any element with an address that is
/// not http(s) or relative (`plan::refusal`): it stays inert and a console warning names it.
/// Returns a description of each element released.
pub async fn release(
    consent: Option<&Consent>,
    roots: &Array,
    page_nonce: Option<&str>,
) -> Vec<String> {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let mut released = Vec::new();
    // Load events of the external scripts released so far in this pass (see `revive_script`).
    let mut loading = Vec::new();
    for element in candidates(&document, roots) {
        // An earlier pass may have released it while this one awaited a script.
        if !is_held(&element) {
            continue;
        }
        let Some(gate) = element
            .get_attribute("data-category")
            .and_then(|v| Gate::parse(&v))
        else {
            continue;
        };
        let service = element.get_attribute("data-service");
        if !gate.is_open_for(consent, service.as_deref()) {
            continue;
        }
        let description = describe(&element);
        if refuse_unsafe(&element, page_nonce) {
            continue;
        }
        let outcome = match element.dyn_ref::<HtmlScriptElement>() {
            Some(script) => {
                if is_inline(script) {
                    // It runs the moment it is inserted: after the external ones before it.
                    settle_all(&mut loading).await;
                }
                revive_script(&document, script, &mut loading)
            }
            None => {
                reveal(&element);
                Ok(())
            }
        };
        match outcome {
            Ok(()) => released.push(description),
            Err(err) => web_sys::console::error_2(
                &JsValue::from_str("CanEnrich Consent: could not release a gated tag"),
                &err,
            ),
        }
    }
    // The pass ends when its scripts have run, as it did when each was awaited in turn.
    settle_all(&mut loading).await;
    released
}

/// Waits for every script in `loading` to load or fail, and empties it.
async fn settle_all(loading: &mut Vec<Promise>) {
    for loaded in loading.drain(..) {
        // A script that fails to load must not hold back the ones after it.
        let _ = JsFuture::from(loaded).await;
    }
}

/// Calls `on_held` whenever elements that the blocker holds are added to the document, so tags
/// inserted later (by an SPA or another script) are released like static ones, without a re-scan
/// call. Returns the observer, to disconnect on hand-over.
pub fn watch(on_held: impl Fn() + 'static) -> Result<MutationObserver, JsValue> {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .ok_or("no document")?;
    let callback = Closure::<dyn Fn(Array)>::new(move |records: Array| {
        let holds = |element: Element| {
            element.matches(HELD).unwrap_or(false)
                || element.query_selector(HELD).ok().flatten().is_some()
        };
        let added_held = records.iter().any(|record| {
            let nodes = record.unchecked_into::<MutationRecord>().added_nodes();
            (0..nodes.length())
                .filter_map(|i| nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
                .any(holds)
        });
        if added_held {
            on_held();
        }
    });
    let observer = MutationObserver::new(callback.as_ref().unchecked_ref())?;
    let init = MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    observer.observe_with_options(&root, &init)?;
    // The callback must outlive the observer, which lives as long as the page or this module.
    callback.forget();
    Ok(observer)
}

/// Descriptions of the elements still held on the page and in its connected shadow `roots`
/// (`script[analytics] /a.js`).
pub fn held(roots: &Array) -> Vec<String> {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    candidates(&document, roots)
        .into_iter()
        .filter(is_held)
        .map(|element| describe(&element))
        .collect()
}

/// Elements matching [`HELD`] in the document, then in each shadow root whose host is on the
/// page (a selector does not reach into shadow trees).
pub fn candidates(document: &Document, roots: &Array) -> Vec<Element> {
    let mut found = Vec::new();
    let mut add = |list: Result<web_sys::NodeList, JsValue>| {
        let Ok(list) = list else {
            return;
        };
        for index in 0..list.length() {
            if let Some(element) = list.item(index).and_then(|n| n.dyn_into::<Element>().ok()) {
                found.push(element);
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

/// `tag[category] address` (or `inline`), for debug output.
fn describe(element: &Element) -> String {
    let address = [
        "data-src",
        "src",
        "data-srcset",
        "data-href",
        "data-poster",
        "data-data",
    ]
    .iter()
    .find_map(|name| element.get_attribute(name))
    .unwrap_or_else(|| "inline".to_string());
    // Without `format!`: the lean core links this (`refuse_unsafe`).
    [
        element.tag_name().to_ascii_lowercase().as_str(),
        "[",
        &element.get_attribute("data-category").unwrap_or_default(),
        "] ",
        &address,
    ]
    .concat()
}

/// Whether `element` is on the page and still waiting for consent.
pub fn is_held(element: &Element) -> bool {
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

/// Keeps `element` inert when `plan::refusal` refuses it under the loader tag's `page_nonce`
/// (its own nonce is read as the property: the attribute reads as "" once a CSP hides it): marks
/// it refused, so it is reported once, and names it and why on the console. Whether it was
/// refused. Both builds' release passes and "Load once" ask this.
pub fn refuse_unsafe(element: &Element, page_nonce: Option<&str>) -> bool {
    let tag = element.tag_name().to_ascii_lowercase();
    let own_nonce = element
        .dyn_ref::<HtmlElement>()
        .map(HtmlElement::nonce)
        .unwrap_or_default();
    let Some(why) = plan::refusal(
        &tag,
        |name| element.get_attribute(name),
        &own_nonce,
        page_nonce,
    ) else {
        return false;
    };
    let _ = element.set_attribute(REFUSED, "");
    let line = [
        "CanEnrich Consent: refused to release a gated ",
        &tag,
        " (",
        &describe(element),
        "): ",
        &why.describe(),
    ]
    .concat();
    web_sys::console::warn_2(&JsValue::from_str(&line), element);
    true
}

/// Moves a held element's address into place (so it loads) and removes its placeholder. An
/// address that is not http(s) or relative is refused here too ("Load once" comes this way).
pub fn reveal(element: &Element) {
    if refuse_unsafe(element, None) {
        return;
    }
    // The loader's setter guard lets the addresses through only onto a released element.
    let _ = element.set_attribute(RELEASED, "");
    move_addresses(element);
    super::embed::uncover(element);
    // A <source> changed after its <video>/<audio> chose one is ignored until the media reloads.
    if element.tag_name().eq_ignore_ascii_case("source") {
        if let Some(media) = element
            .parent_element()
            .and_then(|parent| parent.dyn_into::<web_sys::HtmlMediaElement>().ok())
        {
            media.load();
        }
    }
}

fn move_addresses(element: &Element) {
    let tag = element.tag_name().to_ascii_lowercase();
    for (from, to) in plan::deferred_addresses(&tag) {
        if let Some(value) = element.get_attribute(from) {
            // Setting a plain attribute on an element cannot throw.
            let _ = element.set_attribute(to, &value);
            let _ = element.remove_attribute(from);
        }
    }
}

/// Whether a held script is inline (it runs the moment it is inserted).
pub fn is_inline(script: &HtmlScriptElement) -> bool {
    !script.has_attribute("data-src") && !script.has_attribute("src")
}

/// Replaces an inert script with a live copy: same attributes, `data-type` as its type, the
/// page nonce carried over, and `async` only if the original asked for it. An external script
/// without `async` runs in insertion order while downloading in parallel; the promise of its
/// load goes into `loading`. An inline script runs at once: the caller first waits for the
/// external ones in `loading` ([`is_inline`]).
pub fn revive_script(
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
        // The nonce attribute reads as "" once connected; it is carried over as a property.
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
                loading.push(settled(&live));
            }
        }
        None => live.set_text(&old.text()?)?,
    }
    old.replace_with_with_node_1(&live)?;
    Ok(())
}

/// A promise that settles when `script` loads or fails.
fn settled(script: &HtmlScriptElement) -> Promise {
    Promise::new(&mut |resolve, _reject| {
        let _ = script.add_event_listener_with_callback("load", &resolve);
        let _ = script.add_event_listener_with_callback("error", &resolve);
    })
}

/// `"initiator url"` of every resource request the page has made so far that
/// `plan::is_reportable_request` keeps (from the Resource Timing buffer).
pub fn requests() -> Vec<String> {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return Vec::new();
    };
    performance
        .get_entries_by_type("resource")
        .iter()
        .filter_map(|entry| entry.dyn_into::<web_sys::PerformanceResourceTiming>().ok())
        .map(|entry| (entry.initiator_type(), entry.name()))
        .filter(|(initiator, url)| plan::is_reportable_request(initiator, url))
        .map(|(initiator, url)| format!("{initiator} {url}"))
        .collect()
}

/// The page's cookie names and storage keys.
pub fn present(cookies: &CookieStore) -> (Vec<String>, Vec<String>) {
    let keys = storages().iter().flat_map(storage_keys).collect();
    (cookies.names(), keys)
}

/// Erases cookies (for each of `domains` and every path prefix) and storage keys of refused
/// categories, then reads the page again. Returns what was erased and what is still there.
pub fn erase(
    config: &Config,
    consent: Option<&Consent>,
    cookies: &CookieStore,
    domains: &[Option<String>],
) -> (Erasure, Erasure) {
    let stores = storages();
    let keys: Vec<String> = stores.iter().flat_map(storage_keys).collect();
    let plan = plan::erasure(config, consent, &cookies.names(), &keys);
    if plan.is_empty() {
        return (plan, Erasure::default());
    }
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    let paths = plan::cookie_paths(&path);
    for name in &plan.cookies {
        cookies.erase(name, domains, &paths);
    }
    for store in &stores {
        for key in &plan.storage {
            let _ = store.remove_item(key);
        }
    }
    let keys: Vec<String> = stores.iter().flat_map(storage_keys).collect();
    let survivors = plan::erasure(config, consent, &cookies.names(), &keys);
    (plan, survivors)
}

/// The page's host name (`location.hostname`), empty when there is none.
pub fn hostname() -> String {
    web_sys::window()
        .and_then(|w| w.location().hostname().ok())
        .unwrap_or_default()
}

/// localStorage and sessionStorage, where the browser allows them (they throw when blocked).
/// The page's `localStorage` and `sessionStorage`, those that can be opened.
pub fn storages() -> Vec<Storage> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    [window.local_storage(), window.session_storage()]
        .into_iter()
        .filter_map(|store| store.ok().flatten())
        .collect()
}

/// Every key of `store`.
pub fn storage_keys(store: &Storage) -> Vec<String> {
    let length = store.length().unwrap_or(0);
    (0..length)
        .filter_map(|i| store.key(i).ok().flatten())
        .collect()
}
