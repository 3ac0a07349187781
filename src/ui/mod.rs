//! The widget's face, and the only importer of yew: the app with its one reducer, the banner,
//! the preferences dialog and the "Cookie settings" button, rendered into the root that `host`
//! prepares. It talks to the rest through [`Setup`]: choices go out, snapshots come in.

mod app;
mod banner;
mod category_row;
mod focus;
mod preferences;
mod services;
mod state;

use std::rc::Rc;

use web_sys::Element;

use crate::config::Config;
use crate::i18n::Texts;
use crate::model::{Choice, Snapshot, View};

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

/// A button's click handler that reports the click as `()` to `callback`.
fn on_click(callback: &yew::Callback<()>) -> yew::Callback<web_sys::MouseEvent> {
    let callback = callback.clone();
    yew::Callback::from(move |_: web_sys::MouseEvent| callback.emit(()))
}

/// Renders the app into `root` with `initial` as its first state.
pub fn mount(root: Element, setup: Setup, initial: Snapshot) {
    yew::Renderer::<app::App>::with_root_and_props(root, app::AppProps { setup, initial }).render();
}
