//! The UI's one state and its reducer. The runtime owns what is shown (the [`Snapshot`], with
//! its [`View`]); the reducer keeps only the dialog's draft on top of it. `reduce` does no IO:
//! decisions leave through callbacks and come back from the runtime as snapshots.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::Reducible;

use crate::model::{Consent, Snapshot, View, NECESSARY};

/// What the runtime last said to show, and the switches' positions in the preferences dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiState {
    /// What the runtime last said to show.
    pub shown: Snapshot,
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
    /// The visitor flipped a category's switch.
    Toggle(String),
    /// The visitor flipped a service's switch (by its key).
    ToggleService(String),
}

impl UiState {
    /// The state shown first.
    pub fn new(snapshot: Snapshot) -> UiState {
        UiState {
            draft: draft_from(snapshot.consent.as_ref()),
            refused_services: refused_from(snapshot.consent.as_ref()),
            shown: snapshot,
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
                // The dialog opens on the stored choice; a choice made elsewhere (the API,
                // another tab) moves the switches too.
                let opening =
                    snapshot.view == View::Preferences && self.shown.view != View::Preferences;
                if opening || snapshot.consent != self.shown.consent {
                    next.draft = draft_from(snapshot.consent.as_ref());
                    next.refused_services = refused_from(snapshot.consent.as_ref());
                }
                next.shown = snapshot;
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
