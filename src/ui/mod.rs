//! The widget's face, and the only importer of yew: the app with its one reducer, the banner,
//! the preferences dialog and the "Cookie settings" button, rendered into the root that `host`
//! prepares. It talks to the rest through [`Setup`]: decisions and requests to open or close go
//! out, snapshots (with the one [`View`], which the runtime owns) come in. On the host
//! (`prerender`), [`prerender`] renders the first layer to HTML for the loader's first paint.

mod app;
mod banner;
mod category_row;
mod focus;
mod preferences;
#[cfg(all(not(target_arch = "wasm32"), feature = "prerender"))]
pub mod prerender;
mod services;
mod state;

use std::rc::Rc;

#[cfg(target_arch = "wasm32")]
use web_sys::Element;

use crate::config::Config;
use crate::i18n::Texts;
use crate::model::{Decision, Snapshot, View};

/// Receives the UI's way of being told about changes, once it is on screen.
pub type Connect = Rc<dyn Fn(Rc<dyn Fn(Snapshot)>)>;

/// Everything the UI needs from the outside.
#[derive(Clone)]
pub struct Setup {
    /// The resolved config.
    pub config: Rc<Config>,
    /// Texts in the negotiated language.
    pub texts: Rc<Texts>,
    /// Called with every decision the visitor makes.
    pub on_decide: Rc<dyn Fn(Decision)>,
    /// Asks for a view (the preferences dialog); the answer comes back as a snapshot.
    pub on_show: Rc<dyn Fn(View)>,
    /// The dialog was closed without a decision; the answer comes back as a snapshot.
    pub on_dismiss: Rc<dyn Fn()>,
    /// Called once after the first render with the sink for later snapshots.
    pub connect: Connect,
}

impl PartialEq for Setup {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.config, &other.config)
            && Rc::ptr_eq(&self.texts, &other.texts)
            && Rc::ptr_eq(&self.on_decide, &other.on_decide)
            && Rc::ptr_eq(&self.on_show, &other.on_show)
            && Rc::ptr_eq(&self.on_dismiss, &other.on_dismiss)
            && Rc::ptr_eq(&self.connect, &other.connect)
    }
}

/// A button's click handler that reports the click as `()` to `callback`.
fn on_click(callback: &yew::Callback<()>) -> yew::Callback<web_sys::MouseEvent> {
    let callback = callback.clone();
    yew::Callback::from(move |_: web_sys::MouseEvent| callback.emit(()))
}

/// Renders the app into `root` with `initial` as its first state.
#[cfg(target_arch = "wasm32")]
pub fn mount(root: Element, setup: Setup, initial: Snapshot) {
    yew::Renderer::<app::App>::with_root_and_props(root, app::AppProps { setup, initial }).render();
}

/// Takes over `root`, which holds the app's markup as the build pre-rendered it for exactly this
/// `setup` and `initial` state (the caller has compared the keys: Yew panics on markup that does
/// not match). The nodes stay; Yew attaches its listeners to them.
#[cfg(target_arch = "wasm32")]
pub fn hydrate(root: Element, setup: Setup, initial: Snapshot) {
    yew::Renderer::<app::App>::with_root_and_props(root, app::AppProps { setup, initial })
        .hydrate();
}
