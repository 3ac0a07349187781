//! Browser adapter: the widget's host element, `<div id="canenrich-consent">` at the end of
//! `<body>` with an open shadow root styled by a constructed stylesheet (allowed under a strict
//! `style-src 'self'`, unlike `<style>`). The lean core (`core/`) draws its "Cookie settings"
//! button into the same host, with the same markup as the Yew UI's.

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::i18n::Texts;

/// Id of the host element appended to `<body>` (CONTRACT §5).
pub use crate::page::HOST_ID;

/// The cookie icon of the "Cookie settings" button.
pub use crate::page::COOKIE_ICON;

/// Attribute the loader sets on the root it painted the pre-rendered first layer into.
const PAINTED: &str = "data-painted";

/// Creates (or reuses) the host and its shadow root, empties it, and returns a fresh root element
/// carrying the language and direction.
pub fn open(sheet: &CssStyleSheet, texts: &Texts) -> Result<Element, JsValue> {
    let shadow = shadow()?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
    clear(&shadow);
    append_root(&shadow, texts)
}

/// Like [`open`], but keeps the loader's painted first layer on screen until
/// [`retire_painted`]: the new root is rendered beside it, and the two are swapped within one
/// task, so that the visitor never sees the widget without a banner.
pub fn open_beside(sheet: &CssStyleSheet, texts: &Texts) -> Result<Element, JsValue> {
    let shadow = shadow()?;
    // A superset of the loader's first-layer rules: the painted banner looks the same under it.
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
    let root = append_root(&shadow, texts)?;
    // The painted banner already came in; this one replaces it in place.
    root.set_attribute("data-settled", "")?;
    Ok(root)
}

/// The root the loader painted the pre-rendered first layer into, if it is still there.
pub fn painted_root() -> Option<Element> {
    let host = document().ok()?.get_element_by_id(HOST_ID)?;
    let children = host.shadow_root()?.children();
    (0..children.length())
        .filter_map(|i| children.item(i))
        .find(|child| child.has_attribute(PAINTED))
}

/// Takes the painted `root` over as it is (for hydration), under the full stylesheet.
pub fn adopt(root: &Element, sheet: &CssStyleSheet) -> Result<Element, JsValue> {
    shadow()?.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
    Ok(root.clone())
}

/// Removes every root but `live` (the painted first layer, once `live` has rendered in its
/// place). Focus on a control of the painted banner moves to the same control in `live`.
pub fn retire_painted(live: &Element) {
    // A hydrated root was the painted one: it keeps the painted banner's motion (the stylesheet
    // animates each kind of root differently), so that the banner on screen does not come in a
    // second time when the root stops being "painted".
    if live.has_attribute(PAINTED) {
        let _ = live.set_attribute("data-hydrated", "");
    }
    let _ = live.remove_attribute(PAINTED);
    let Ok(shadow) = shadow() else {
        return;
    };
    let focused = shadow
        .active_element()
        .filter(|active| !live.contains(Some(active)))
        .and_then(|active| active.get_attribute("data-testid"));
    let children = shadow.children();
    let others: Vec<Element> = (0..children.length())
        .filter_map(|i| children.item(i))
        .filter(|child| child != live)
        .collect();
    for other in others {
        other.remove();
    }
    let same = focused.and_then(|testid| {
        live.query_selector(&format!("[data-testid=\"{testid}\"]"))
            .ok()
            .flatten()
    });
    if let Some(control) = same.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = control.focus();
    }
}

fn document() -> Result<web_sys::Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document".into())
}

/// The host's shadow root, creating the host (at the end of `<body>`) and the root if needed.
fn shadow() -> Result<ShadowRoot, JsValue> {
    let document = document()?;
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
    match host.shadow_root() {
        Some(shadow) => Ok(shadow),
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)),
    }
}

fn append_root(shadow: &ShadowRoot, texts: &Texts) -> Result<Element, JsValue> {
    let root = document()?.create_element("div")?;
    root.set_class_name("cc");
    root.set_attribute("lang", &texts.lang)?;
    root.set_attribute("dir", &texts.dir)?;
    shadow.append_child(&root)?;
    Ok(root)
}

/// Removes everything the widget drew (when this module stops).
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

/// While alive, keeps the bottom of the page clear of a bottom-anchored banner: `<html>` gets
/// that much more bottom padding, so the page can be scrolled until nothing of it is under the
/// banner (DESIGN: the banner never covers the page's main buttons), and as much scroll padding,
/// so an element that receives focus is scrolled into view above the banner (WCAG 2.2 SC
/// 2.4.11). Nothing on the page moves: the room is added after its content. The room follows the
/// banner's height when the window is resized, and is given back when this is dropped.
pub struct BottomRoom {
    root: web_sys::HtmlElement,
    /// The page's own inline `padding-bottom` and `scroll-padding-bottom` on `<html>`.
    page_style: (String, String),
    on_resize: Closure<dyn Fn()>,
}

impl BottomRoom {
    /// Starts keeping room below `banner`; `None` without a document.
    pub fn keep(banner: web_sys::HtmlElement) -> Option<BottomRoom> {
        let window = web_sys::window()?;
        let root = window
            .document()?
            .document_element()?
            .dyn_into::<web_sys::HtmlElement>()
            .ok()?;
        let style = root.style();
        let page_style = (
            style
                .get_property_value("padding-bottom")
                .unwrap_or_default(),
            style
                .get_property_value("scroll-padding-bottom")
                .unwrap_or_default(),
        );
        let base = computed_px(&window, &root, "padding-bottom");
        let measure = {
            let root = root.clone();
            std::rc::Rc::new(move || {
                let room = web_sys::window().map_or(0.0, |w| room_below(&w, &banner));
                // Whole pixels: formatting a float would add Rust's float printing to the build.
                let px = |length: f64| format!("{}px", length.ceil() as i64);
                let style = root.style();
                let _ = style.set_property("padding-bottom", &px(base + room));
                let _ = style.set_property("scroll-padding-bottom", &px(room));
            })
        };
        measure();
        // Again once laid out: a banner rendered beside the painted first layer has its box
        // only after the two are swapped, later in this task.
        let again = measure.clone();
        let next_frame = Closure::once_into_js(move || again());
        let _ = window.request_animation_frame(next_frame.unchecked_ref());
        let on_resize = Closure::<dyn Fn()>::new(move || measure());
        let _ =
            window.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        Some(BottomRoom {
            root,
            page_style,
            on_resize,
        })
    }
}

impl Drop for BottomRoom {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "resize",
                self.on_resize.as_ref().unchecked_ref(),
            );
        }
        let style = self.root.style();
        let _ = style.set_property("padding-bottom", &self.page_style.0);
        let _ = style.set_property("scroll-padding-bottom", &self.page_style.1);
    }
}

/// How much of the viewport's bottom `banner` covers: its height and the gap below it, or 0 for a
/// banner that is not anchored to the bottom (the centred card covers the middle whatever the
/// page does) or is hidden.
fn room_below(window: &web_sys::Window, banner: &web_sys::HtmlElement) -> f64 {
    // Bottom-anchored banners sit at most 1rem above the edge; the centred one sits at 50 %.
    const ANCHORED: f64 = 48.0;
    let gap = computed_px(window, banner, "bottom");
    if gap > ANCHORED {
        return 0.0;
    }
    f64::from(banner.offset_height()) + gap
}

/// A computed length in CSS pixels (0 when it is not one). Parsed by JS `parseFloat`, which
/// keeps Rust's float parser out of the build.
fn computed_px(window: &web_sys::Window, element: &Element, property: &str) -> f64 {
    let value = window
        .get_computed_style(element)
        .ok()
        .flatten()
        .and_then(|style| style.get_property_value(property).ok())
        .filter(|value| value.ends_with("px"))
        .map_or(f64::NAN, |value| js_sys::parse_float(&value));
    if value.is_finite() {
        value
    } else {
        0.0
    }
}
