//! Browser adapter: an accessible placeholder in place of each gated frame — which service it is,
//! why it is blocked, "Load once" and "Always allow". Styled by the widget's own stylesheet inside
//! a shadow root, so the page's CSS cannot break it and a strict CSP allows it.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRootInit, ShadowRootMode};

use super::plan::Gate;
use crate::config::Config;
use crate::i18n::Texts;
use crate::model::Consent;

/// Set on a frame while the widget's placeholder stands in for it.
const COVERED: &str = "data-canenrich-covered";
/// Class of the placeholder's host element.
const HOST_CLASS: &str = "canenrich-embed";

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

/// Puts a placeholder before every held frame whose gate `consent` keeps closed, and hides the
/// frame.
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
        if frame.has_attribute(COVERED) {
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
        if let Err(err) = place(&document, &frame, &category, embeds) {
            web_sys::console::error_2(
                &JsValue::from_str("CanEnrich Consent: could not show an embed placeholder"),
                &err,
            );
        }
    }
}

/// Removes the placeholder of a frame that is being released and shows the frame again.
pub fn uncover(frame: &Element) {
    if !frame.has_attribute(COVERED) {
        return;
    }
    let _ = frame.remove_attribute(COVERED);
    if let Some(frame) = frame.dyn_ref::<HtmlElement>() {
        let _ = frame.style().remove_property("display");
    }
    if let Some(previous) = frame.previous_element_sibling() {
        if previous.class_list().contains(HOST_CLASS) {
            previous.remove();
        }
    }
}

fn place(
    document: &web_sys::Document,
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

    let host: HtmlElement = document.create_element("div")?.unchecked_into();
    host.set_class_name(HOST_CLASS);
    host.set_attribute("role", "group")?;
    host.set_attribute("aria-label", &service)?;
    host.set_attribute("data-testid", "embed-placeholder")?;
    // Sizes come from the frame's own attributes; CSSOM writes are not inline styles under CSP.
    for (attribute, property) in [("width", "width"), ("height", "min-height")] {
        if let Some(value) = frame
            .get_attribute(attribute)
            .filter(|v| v.parse::<u32>().is_ok())
        {
            host.style().set_property(property, &format!("{value}px"))?;
        }
    }
    host.style().set_property("max-width", "100%")?;
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&embeds.sheet));

    let root = document.create_element("div")?;
    root.set_class_name(&format!(
        "cc cc-embed cc-theme-{}",
        embeds.config.theme.as_str()
    ));
    root.set_attribute("lang", &texts.lang)?;
    root.set_attribute("dir", &texts.dir)?;
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
    shadow.append_child(&root)?;

    frame.set_attribute(COVERED, "")?;
    // `hidden` loses against a page rule such as `iframe { display: block }`; an important
    // CSSOM declaration does not, and a strict CSP allows it.
    frame
        .unchecked_ref::<HtmlElement>()
        .style()
        .set_property_with_priority("display", "none", "important")?;
    frame
        .parent_node()
        .ok_or("a frame without a parent")?
        .insert_before(&host, Some(frame))?;
    Ok(())
}

fn button(document: &web_sys::Document, label: &str, test_id: &str) -> Result<Element, JsValue> {
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
