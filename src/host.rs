//! Browser adapter: the widget's host element, `<div id="canenrich-consent">` at the end of
//! `<body>` with an open shadow root styled by a constructed stylesheet (allowed under a strict
//! `style-src 'self'`, unlike `<style>`), and the small "Cookie settings" button the core build
//! draws without the Yew UI.

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

#[cfg(not(feature = "ui"))]
use crate::config::Config;
use crate::i18n::Texts;

/// Id of the host element appended to `<body>` (CONTRACT §5).
pub const HOST_ID: &str = "canenrich-consent";

/// The cookie icon of the "Cookie settings" button (a static path, no script or style).
pub const COOKIE_ICON: &str = "M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5Zm-4.5 9a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm3 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm5-1a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3ZM9 6.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Z";

/// Creates (or reuses) the host and its shadow root, empties it, and returns a fresh root element
/// carrying the language and direction.
pub fn open(sheet: &CssStyleSheet, texts: &Texts) -> Result<Element, JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no body")?;
    let host = match document.get_element_by_id(HOST_ID) {
        Some(existing) => existing,
        None => {
            let created = document.create_element("div")?;
            created.set_id(HOST_ID);
            body.append_child(&created)?;
            created
        }
    };
    let shadow = match host.shadow_root() {
        Some(shadow) => shadow,
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
    clear(&shadow);
    let root = document.create_element("div")?;
    root.set_class_name("cc");
    root.set_attribute("lang", &texts.lang)?;
    root.set_attribute("dir", &texts.dir)?;
    shadow.append_child(&root)?;
    Ok(root)
}

/// Removes everything the widget drew (when the core hands over to the full UI).
pub fn close() {
    if let Some(shadow) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(HOST_ID))
        .and_then(|host| host.shadow_root())
    {
        clear(&shadow);
    }
}

fn clear(shadow: &ShadowRoot) {
    while let Some(child) = shadow.first_child() {
        let _ = shadow.remove_child(&child);
    }
}

#[cfg(not(feature = "ui"))]
/// Draws the "Cookie settings" button into `root` (the same markup and classes as the Yew UI's)
/// and calls `on_click` when it is pressed.
pub fn reopen_button(
    root: &Element,
    config: &Config,
    texts: &Texts,
    on_click: impl Fn() + 'static,
) -> Result<(), JsValue> {
    let document = root.owner_document().ok_or("no document")?;
    let surface = document.create_element("div")?;
    surface.set_class_name(&format!(
        "cc-surface cc-theme-{} cc-position-{}",
        config.theme.as_str(),
        config.position.as_str()
    ));
    let button = document.create_element("button")?;
    button.set_attribute("type", "button")?;
    button.set_class_name("cc-reopen");
    button.set_attribute("data-testid", "reopen")?;
    button.set_attribute("aria-label", &texts.reopen)?;
    button.set_attribute("title", &texts.reopen)?;
    button.set_inner_html(&format!(
        r#"<svg class="cc-reopen-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="{COOKIE_ICON}"/></svg>"#
    ));
    let listener = Closure::<dyn Fn()>::new(on_click);
    button.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())?;
    // The button lives until the page leaves or the full UI takes over.
    listener.forget();
    surface.append_child(&button)?;
    root.append_child(&surface)?;
    Ok(())
}
