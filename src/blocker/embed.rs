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
    let open = |gate: &str, service: Option<&str>| {
        Gate::parse(gate).is_some_and(|g| g.is_open_for(consent, service))
    };
    cover_with(open, |document, frame, category| {
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
        let why = crate::i18n::fill(
            &texts.embed_blocked,
            &[("service", &service), ("category", &title)],
        );
        let placeholder = Placeholder {
            lang: &texts.lang,
            dir: &texts.dir,
            theme: embeds.config.theme.as_str(),
            service: &service,
            why: &why,
            load_once: &texts.load_once,
            always_allow: &texts.always_allow,
        };
        let allow = embeds.on_allow.clone();
        let category = category.to_string();
        draw(document, frame, &placeholder, &embeds.sheet, move || {
            allow(category.clone())
        })
    });
}

/// The frames to cover: for every held frame whose gate (`data-category`, `data-service`)
/// `open` keeps closed and that shows no placeholder yet, `place(its document, the frame, its
/// category)`. A frame refused once, a sandboxed one (no document the widget may draw in: it
/// stays an empty box) and one gated by `!category` are left alone.
pub fn cover_with(
    open: impl Fn(&str, Option<&str>) -> bool,
    mut place: impl FnMut(&Document, &Element, &str) -> Result<(), JsValue>,
) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(frames) = document.query_selector_all("iframe[data-category][data-src]") else {
        return;
    };
    let drawn_selector = ["[data-testid='", TEST_ID, "']"].concat();
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
        if inner
            .query_selector(&drawn_selector)
            .ok()
            .flatten()
            .is_some()
        {
            continue;
        }
        let gate = frame.get_attribute("data-category").unwrap_or_default();
        let Some(Gate::Accepted(category)) = Gate::parse(&gate) else {
            continue;
        };
        let service = frame.get_attribute("data-service");
        if open(&gate, service.as_deref()) {
            continue;
        }
        if let Err(err) = place(&inner, &frame, &category) {
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

/// What a placeholder says, in the visitor's language.
pub struct Placeholder<'a> {
    /// The language and writing direction of the texts.
    pub lang: &'a str,
    /// `ltr` or `rtl`.
    pub dir: &'a str,
    /// The colour scheme's class suffix.
    pub theme: &'a str,
    /// The service's name (its heading and the group's accessible name).
    pub service: &'a str,
    /// Why it is blocked.
    pub why: &'a str,
    /// The two buttons.
    pub load_once: &'a str,
    /// See `load_once`.
    pub always_allow: &'a str,
}

/// Draws `placeholder` in `frame`'s own `document`, styled by the widget's `sheet`: "Load once"
/// loads the frame, "Always allow" calls `on_always`.
pub fn draw(
    document: &Document,
    frame: &Element,
    placeholder: &Placeholder,
    sheet: &CssStyleSheet,
    on_always: impl Fn() + 'static,
) -> Result<(), JsValue> {
    adopt_styles(document, sheet)?;
    let page = web_sys::window()
        .ok_or("no window")?
        .get_computed_style(frame)?
        .ok_or("no computed style")?;
    let html = document.document_element().ok_or("no root element")?;
    html.set_attribute("lang", placeholder.lang)?;
    html.set_attribute("dir", placeholder.dir)?;
    html.set_class_name("cc-embed-document");

    let root: HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name(&["cc cc-embed cc-theme-", placeholder.theme].concat());
    root.set_attribute("role", "group")?;
    root.set_attribute("aria-label", placeholder.service)?;
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
    heading.set_text_content(Some(placeholder.service));
    let text = document.create_element("p")?;
    text.set_class_name("cc-text");
    text.set_text_content(Some(placeholder.why));
    let actions = document.create_element("div")?;
    actions.set_class_name("cc-embed-actions");

    let once = button(document, placeholder.load_once, "embed-load-once")?;
    let target = frame.clone();
    listen(&once, move || {
        super::dom::reveal(&target);
    })?;
    let always = button(document, placeholder.always_allow, "embed-always-allow")?;
    listen(&always, on_always)?;
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
