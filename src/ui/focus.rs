//! Keeping keyboard focus inside the open preferences dialog, and telling whether the page holds it.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent, ShadowRoot};

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]), a[href], summary";

/// Wraps Tab from the last focusable element to the first (and Shift+Tab the other way), so
/// focus never leaves the modal dialog.
pub fn trap_tab(event: &KeyboardEvent, dialog: &Element) {
    if event.key() != "Tab" {
        return;
    }
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let items: Vec<HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()))
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = dialog
        .get_root_node()
        .dyn_into::<ShadowRoot>()
        .ok()
        .and_then(|root| root.active_element());
    let at = |target: &HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == target.unchecked_ref::<Element>())
    };
    let wrap_to = if event.shift_key() && at(first) {
        last
    } else if !event.shift_key() && at(last) {
        first
    } else {
        return;
    };
    event.prevent_default();
    let _ = wrap_to.focus();
}

/// Whether keyboard focus is on an element of the page outside the widget — not on `<body>`,
/// nowhere, or still inside the widget (a closed dialog that could not give focus back leaves it
/// there until the browser moves it to `<body>`).
pub fn is_on_page() -> bool {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return false;
    };
    document.active_element().is_some_and(|active| {
        active.id() != crate::host::HOST_ID
            && !document
                .body()
                .is_some_and(|body| body.is_same_node(Some(active.as_ref())))
    })
}
