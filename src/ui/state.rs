//! The UI's one state and its reducer. `reduce` does no IO: choices leave through callbacks and
//! come back from the runtime as snapshots.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::Reducible;

use crate::model::{Consent, Snapshot, View, NECESSARY};

/// What the UI shows and the switches' positions in the preferences dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiState {
    /// The open surface.
    pub view: View,
    /// The recorded choice.
    pub consent: Option<Consent>,
    /// Whether the browser keeps cookies.
    pub cookies_enabled: bool,
    /// Whether the Global Privacy Control signal is honoured.
    pub gpc: bool,
    /// Whether the visitor is asked again because the notice changed.
    pub renewal: bool,
    /// Services (keys) switched off in the dialog, not yet saved.
    pub refused_services: BTreeSet<String>,
    /// Categories switched on in the dialog, not yet saved.
    pub draft: BTreeSet<String>,
}

/// Everything that changes [`UiState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    /// The runtime's state changed.
    Sync(Snapshot),
    /// The visitor opened the preferences dialog.
    OpenPreferences,
    /// The visitor closed the dialog without choosing.
    Close,
    /// The visitor flipped a category's switch.
    Toggle(String),
    /// The visitor flipped a service's switch (by its key).
    ToggleService(String),
}

impl UiState {
    /// The state shown first.
    pub fn new(snapshot: Snapshot) -> UiState {
        let draft = draft_from(snapshot.consent.as_ref());
        let refused_services = refused_from(snapshot.consent.as_ref());
        UiState {
            view: snapshot.view,
            consent: snapshot.consent,
            cookies_enabled: snapshot.cookies_enabled,
            gpc: snapshot.gpc,
            renewal: snapshot.renewal,
            refused_services,
            draft,
        }
    }
}

/// The switches as the stored choice left them; all off before any choice.
fn draft_from(consent: Option<&Consent>) -> BTreeSet<String> {
    consent
        .map(|c| crate::model::set_of(c.accepted.iter().filter(|n| *n != NECESSARY).cloned()))
        .unwrap_or_default()
}

/// The services the stored choice switched off.
fn refused_from(consent: Option<&Consent>) -> BTreeSet<String> {
    consent
        .map(|c| c.refused_services.clone())
        .unwrap_or_default()
}

impl Reducible for UiState {
    type Action = UiAction;

    fn reduce(self: Rc<Self>, action: UiAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            UiAction::Sync(snapshot) => {
                let opening = snapshot.view == View::Preferences && self.view != View::Preferences;
                if opening || snapshot.consent != self.consent {
                    next.draft = draft_from(snapshot.consent.as_ref());
                    next.refused_services = refused_from(snapshot.consent.as_ref());
                }
                next.view = snapshot.view;
                next.consent = snapshot.consent;
                next.cookies_enabled = snapshot.cookies_enabled;
                next.gpc = snapshot.gpc;
                next.renewal = snapshot.renewal;
            }
            UiAction::OpenPreferences => {
                next.draft = draft_from(self.consent.as_ref());
                next.refused_services = refused_from(self.consent.as_ref());
                next.view = View::Preferences;
            }
            UiAction::Close => {
                next.view = if self.consent.is_some() {
                    View::Closed
                } else {
                    View::Banner
                };
            }
            UiAction::Toggle(name) => {
                if !next.draft.remove(&name) {
                    next.draft.insert(name);
                }
            }
            UiAction::ToggleService(key) => {
                if !next.refused_services.remove(&key) {
                    next.refused_services.insert(key);
                }
            }
        }
        Rc::new(next)
    }
}
