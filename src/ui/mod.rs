//! The widget's face, and the only importer of yew: the host element with its open shadow root,
//! the app with its one reducer, the banner, the preferences dialog and the "Cookie settings"
//! button. It talks to the rest through [`Setup`]: choices go out, snapshots come in.

mod app;
mod banner;
mod category_row;
mod focus;
mod preferences;
mod state;

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, Element, ShadowRootInit, ShadowRootMode};

use crate::config::Config;
use crate::i18n::Texts;
use crate::model::{Choice, Snapshot, View};

/// Id of the host element appended to `<body>` (CONTRACT §5).
pub const HOST_ID: &str = "canenrich-consent";

/// Receives the UI's way of being told about changes, once it is on screen.
pub type Connect = Rc<dyn Fn(Rc<dyn Fn(Snapshot)>)>;

/// Everything the UI needs from the outside.
#[derive(Clone)]
pub struct Setup {
    /// The resolved config.
    pub config: Rc<Config>,
    /// Texts in the negotiated language.
    pub texts: Rc<Texts>,
    /// Called with every choice the visitor makes.
    pub on_choice: Rc<dyn Fn(Choice)>,
    /// Told what the UI shows after every change (for `getState()`).
    pub on_view: Rc<dyn Fn(View)>,
    /// Called once after the first render with the sink for later snapshots.
    pub connect: Connect,
}

impl PartialEq for Setup {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.config, &other.config)
            && Rc::ptr_eq(&self.texts, &other.texts)
            && Rc::ptr_eq(&self.on_choice, &other.on_choice)
            && Rc::ptr_eq(&self.on_view, &other.on_view)
            && Rc::ptr_eq(&self.connect, &other.connect)
    }
}

/// Creates `<div id="canenrich-consent">` at the end of `<body>` (or reuses one the page placed),
/// attaches an open shadow root styled by a constructed stylesheet (allowed under a strict
/// `style-src 'self'`, unlike `<style>`), and returns the element Yew renders into.
pub fn host(sheet: &CssStyleSheet, texts: &Texts) -> Result<Element, JsValue> {
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
    let root = document.create_element("div")?;
    root.set_class_name("cc");
    root.set_attribute("lang", &texts.lang)?;
    root.set_attribute("dir", &texts.dir)?;
    shadow.append_child(&root)?;
    Ok(root.unchecked_into())
}

/// Renders the app into `root` with `initial` as its first state.
pub fn mount(root: Element, setup: Setup, initial: Snapshot) {
    yew::Renderer::<app::App>::with_root_and_props(root, app::AppProps { setup, initial }).render();
}
