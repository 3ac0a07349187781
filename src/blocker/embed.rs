//! Browser adapter: an accessible placeholder for each gated frame — which service it is, why it
//! is blocked, "Load once" and "Always allow". It is drawn *inside* the held frame's own empty
//! document (a frame without `src` holds a same-origin `about:blank`), so the frame keeps exactly
//! the box the page gives it — flex and grid items, page CSS and responsive sizes included — and
//! nothing on the page moves when the placeholder appears or the frame loads. Styled by the
//! widget's stylesheet, constructed in the frame's document (a strict CSP allows that).

use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, HtmlIFrameElement};

use super::plan::{Gate, COVERED, EMBED_TEST_ID as TEST_ID, THEME};
use crate::config::Config;
use crate::i18n::Texts;
use crate::model::Consent;

/// What placeholders are made of.
#[derive(Clone)]
pub struct Embeds {
    /// Texts in the page's language.
    pub texts: Rc<Texts>,
    /// Category titles.
    pub config: Rc<Config>,
    /// The widget stylesheet, shared with every placeholder.
    pub sheet: CssStyleSheet,
    /// Accepts a category ("Always allow").
    pub on_allow: Rc<dyn Fn(String)>,
}

/// Draws a placeholder inside every held frame whose gate `consent` keeps closed (again, when the
/// page moved the frame and its document was replaced).
pub fn cover(consent: Option<&Consent>, embeds: &Embeds) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(frames) = document.query_selector_all("iframe[data-category][data-src]") else {
        return;
    };
    for index in 0..frames.length() {
        let Some(frame) = frames
            .item(index)
            .and_then(|n| n.dyn_into::<Element>().ok())
        else {
            continue;
        };
        if frame.has_attribute("data-canenrich-refused") {
            continue;
        }
        // A sandboxed frame without allow-same-origin has no document the widget may draw in: it
        // stays an empty box.
        let Some(inner) = frame
            .dyn_ref::<HtmlIFrameElement>()
            .and_then(HtmlIFrameElement::content_document)
        else {
            continue;
        };
        let drawn = inner
            .query_selector(&format!("[data-testid='{TEST_ID}']"))
            .ok()
            .flatten()
            .is_some();
        if drawn {
            continue;
        }
        let Some(Gate::Accepted(category)) = frame
            .get_attribute("data-category")
            .and_then(|value| Gate::parse(&value))
        else {
            continue;
        };
        let service = frame.get_attribute("data-service");
        if Gate::Accepted(category.clone()).is_open_for(consent, service.as_deref()) {
            continue;
        }
        if let Err(err) = place(&inner, &frame, &category, embeds) {
            web_sys::console::error_2(
                &JsValue::from_str("CanEnrich Consent: could not show an embed placeholder"),
                &err,
            );
        }
    }
}

/// Forgets the placeholder of a frame that is being released: loading its address replaces the
/// document the placeholder was drawn in.
pub fn uncover(frame: &Element) {
    let _ = frame.remove_attribute(COVERED);
}

fn place(
    document: &Document,
    frame: &Element,
    category: &str,
    embeds: &Embeds,
) -> Result<(), JsValue> {
    let texts = &embeds.texts;
    let service = frame
        .get_attribute("data-service")
        .or_else(|| frame.get_attribute("title"))
        .unwrap_or_else(|| texts.category_title(category, None).to_string());
    let title = embeds
        .config
        .category(category)
        .map(|c| {
            texts
                .category_title(&c.name, c.title.as_deref())
                .to_string()
        })
        .unwrap_or_else(|| category.to_string());
    let why = texts
        .embed_blocked
        .replace("{service}", &service)
        .replace("{category}", &title);

    adopt_styles(document, &embeds.sheet)?;
    let page = web_sys::window()
        .ok_or("no window")?
        .get_computed_style(frame)?
        .ok_or("no computed style")?;
    let html = document.document_element().ok_or("no root element")?;
    html.set_attribute("lang", &texts.lang)?;
    html.set_attribute("dir", &texts.dir)?;
    html.set_class_name("cc-embed-document");

    let root: HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name(&format!(
        "cc cc-embed cc-theme-{}",
        embeds.config.theme.as_str()
    ));
    root.set_attribute("role", "group")?;
    root.set_attribute("aria-label", &service)?;
    root.set_attribute("data-testid", TEST_ID)?;
    // The page's font and theme, which do not inherit into the frame's document (CSSOM writes
    // are not inline styles under a CSP).
    root.style()
        .set_property("font-family", &page.get_property_value("font-family")?)?;
    for property in THEME {
        let value = page.get_property_value(property)?;
        if !value.trim().is_empty() {
            root.style().set_property(property, value.trim())?;
        }
    }
    let heading = document.create_element("p")?;
    heading.set_class_name("cc-embed-title");
    heading.set_text_content(Some(&service));
    let text = document.create_element("p")?;
    text.set_class_name("cc-text");
    text.set_text_content(Some(&why));
    let actions = document.create_element("div")?;
    actions.set_class_name("cc-embed-actions");

    let once = button(document, &texts.load_once, "embed-load-once")?;
    let target = frame.clone();
    listen(&once, move || {
        super::dom::reveal(&target);
    })?;
    let always = button(document, &texts.always_allow, "embed-always-allow")?;
    let allow = embeds.on_allow.clone();
    let category = category.to_string();
    listen(&always, move || allow(category.clone()))?;
    actions.append_with_node_2(&once, &always)?;
    root.append_with_node_3(&heading, &text, &actions)?;
    document
        .body()
        .ok_or("the frame's document has no body")?
        .replace_children_with_node_1(&root);
    frame.set_attribute(COVERED, "")?;
    Ok(())
}

/// Gives the frame's document the widget's rules, in a stylesheet constructed in the frame's
/// own realm (a sheet is adopted only by the document whose window constructed it).
fn adopt_styles(document: &Document, sheet: &CssStyleSheet) -> Result<(), JsValue> {
    let rules = Reflect::get(sheet, &"cssRules".into())?;
    let count = Reflect::get(&rules, &"length".into())?
        .as_f64()
        .unwrap_or(0.0) as u32;
    let mut css = String::new();
    for index in 0..count {
        let rule = Reflect::get_u32(&rules, index)?;
        if let Some(text) = Reflect::get(&rule, &"cssText".into())?.as_string() {
            css.push_str(&text);
            css.push('\n');
        }
    }
    let window = document.default_view().ok_or("the frame has no window")?;
    let constructor = Reflect::get(&window, &"CSSStyleSheet".into())?;
    let own: CssStyleSheet = Reflect::construct(
        constructor.unchecked_ref::<js_sys::Function>(),
        &js_sys::Array::new(),
    )?
    .unchecked_into();
    own.replace_sync(&css)?;
    document.set_adopted_style_sheets(&js_sys::Array::of1(&own));
    Ok(())
}

fn button(document: &Document, label: &str, test_id: &str) -> Result<Element, JsValue> {
    let button = document.create_element("button")?;
    button.set_attribute("type", "button")?;
    button.set_attribute("data-testid", test_id)?;
    button.set_class_name("cc-button");
    button.set_text_content(Some(label));
    Ok(button)
}

fn listen(element: &Element, action: impl Fn() + 'static) -> Result<(), JsValue> {
    let listener = Closure::<dyn Fn()>::new(action);
    element.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())?;
    // A placeholder lives until its frame loads; its two listeners are tiny.
    listener.forget();
    Ok(())
}
