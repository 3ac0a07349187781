//! Placeholders in held frames the choice keeps closed: the same markup as the full build's
//! (`blocker::embed`), drawn inside the frame's own empty document so the frame keeps its box.
//! "Load once" loads the frame here; "Always allow" records a choice, which the full build does.

use canenrich_consent::blocker::plan::{Gate, COVERED, EMBED_TEST_ID, THEME};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, HtmlIFrameElement};

use crate::choice::Choice;
use crate::page;
use crate::settings::Settings;

/// Draws a placeholder in every held frame whose gate `choice` keeps closed and that has none.
/// `allow(category)` runs on "Always allow".
pub fn cover(
    choice: &Choice,
    settings: &Settings,
    sheet: &CssStyleSheet,
    allow: &std::rc::Rc<dyn Fn(String)>,
) {
    let Some(document) = page::document() else {
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
        let Some(inner) = frame
            .dyn_ref::<HtmlIFrameElement>()
            .and_then(HtmlIFrameElement::content_document)
        else {
            continue;
        };
        let selector = ["[data-testid='", EMBED_TEST_ID, "']"].concat();
        if inner.query_selector(&selector).ok().flatten().is_some() {
            continue;
        }
        let gate = frame.get_attribute("data-category").unwrap_or_default();
        let Some(Gate::Accepted(category)) = Gate::parse(&gate) else {
            continue;
        };
        let service = frame.get_attribute("data-service");
        if choice.allows(&gate, service.as_deref()) {
            continue;
        }
        if let Err(err) = place(&inner, &frame, &category, settings, sheet, allow) {
            web_sys::console::error_2(
                &JsValue::from_str("CanEnrich Consent: could not show an embed placeholder"),
                &err,
            );
        }
    }
}

fn place(
    document: &Document,
    frame: &Element,
    category: &str,
    settings: &Settings,
    sheet: &CssStyleSheet,
    allow: &std::rc::Rc<dyn Fn(String)>,
) -> Result<(), JsValue> {
    let title = settings
        .category(category)
        .map_or(category, |c| c.title.as_str())
        .to_string();
    let service = frame
        .get_attribute("data-service")
        .or_else(|| frame.get_attribute("title"))
        .unwrap_or_else(|| title.clone());
    let why = settings
        .embed_blocked
        .replace("{service}", &service)
        .replace("{category}", &title);

    adopt_styles(document, sheet)?;
    let style = web_sys::window()
        .ok_or("no window")?
        .get_computed_style(frame)?
        .ok_or("no computed style")?;
    let html = document.document_element().ok_or("no root element")?;
    html.set_attribute("lang", &settings.lang)?;
    html.set_attribute("dir", &settings.dir)?;
    html.set_class_name("cc-embed-document");

    let root: HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name(&["cc cc-embed cc-theme-", &settings.theme].concat());
    root.set_attribute("role", "group")?;
    root.set_attribute("aria-label", &service)?;
    root.set_attribute("data-testid", EMBED_TEST_ID)?;
    root.style()
        .set_property("font-family", &style.get_property_value("font-family")?)?;
    for property in THEME {
        let value = style.get_property_value(property)?;
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
    let once = button(document, &settings.load_once, "embed-load-once")?;
    let target = frame.clone();
    page::listen(&once, "click", move || page::reveal(&target))?;
    let always = button(document, &settings.always_allow, "embed-always-allow")?;
    let allow = allow.clone();
    let category = category.to_string();
    page::listen(&always, "click", move || allow(category.clone()))?;
    actions.append_with_node_2(&once, &always)?;
    root.append_with_node_3(&heading, &text, &actions)?;
    document
        .body()
        .ok_or("the frame's document has no body")?
        .replace_children_with_node_1(&root);
    frame.set_attribute(COVERED, "")?;
    Ok(())
}

/// Gives the frame's document the widget's rules, in a sheet constructed in the frame's realm.
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
