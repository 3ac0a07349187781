//! Browser adapter: what the widget tells the page — the `canenrich:*` window events and Google
//! Consent Mode updates. Shared by the full build (`events`) and the lean core.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit};

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

/// Sends `gtag('consent', 'update', state)` for Google Consent Mode v2 (the loader defines
/// `gtag` and the all-denied default before any tag runs): each `(type, granted)` of `state`.
pub fn consent_update<'a>(state: impl IntoIterator<Item = (&'a str, bool)>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(gtag) = Reflect::get(&window, &JsValue::from_str("gtag"))
        .ok()
        .and_then(|g| g.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let update = Object::new();
    for (kind, granted) in state {
        let value = if granted { "granted" } else { "denied" };
        let _ = Reflect::set(&update, &JsValue::from_str(kind), &JsValue::from_str(value));
    }
    let _ = gtag.call3(
        &window,
        &JsValue::from_str("consent"),
        &JsValue::from_str("update"),
        &update,
    );
}
