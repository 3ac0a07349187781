//! The root component: owns the reducer, connects to the runtime, lays out the three surfaces.
//! What is open is the runtime's to say: the buttons ask, and the snapshot that comes back opens
//! or closes the banner and the dialog.

use std::rc::Rc;

use web_sys::HtmlElement;
use yew::prelude::*;

use super::banner::Banner;
use super::preferences::Preferences;
use super::state::{UiAction, UiState};
use super::Setup;
use crate::model::{Decision, Snapshot, View};

/// Props of [`App`].
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The wiring to the runtime.
    pub setup: Setup,
    /// The state to show first.
    pub initial: Snapshot,
}

/// The widget.
#[component]
pub fn App(props: &AppProps) -> Html {
    let initial = props.initial.clone();
    let state = use_reducer_eq(move || UiState::new(initial));
    {
        let dispatcher = state.dispatcher();
        let connect = props.setup.connect.clone();
        use_effect_with((), move |_| {
            connect(Rc::new(move |snapshot| {
                dispatcher.dispatch(UiAction::Sync(snapshot))
            }));
        });
    }
    let setup = &props.setup;
    let shown = &state.shown;
    let show_reopen =
        setup.config.show_reopen_button && shown.consent.is_some() && shown.view != View::Banner;
    let reopen_ref = use_node_ref();
    // Set by a choice made with the widget's own buttons: the surface that held focus disappears,
    // so focus goes to the "Cookie settings" button instead of falling back to <body>. A choice
    // made through the API leaves focus alone.
    let refocus = use_mut_ref(|| false);
    // The dialog is built the first time it opens, not with the banner, and then kept (the
    // browser returns focus from a closed <dialog>, not from a removed one).
    let dialog_built = use_mut_ref(|| false);
    if shown.view == View::Preferences {
        dialog_built.replace(true);
    }
    // The view before the current one: closing the dialog is what may leave focus nowhere.
    let previous_view = use_mut_ref(|| shown.view);
    {
        let reopen_ref = reopen_ref.clone();
        let refocus = refocus.clone();
        let previous_view = previous_view.clone();
        use_effect_with((shown.view, show_reopen), move |(view, _)| {
            let closed_dialog = previous_view.replace(*view) == View::Preferences;
            // The dialog returns focus to whatever had it when it opened; after a hand-over from
            // the lean core that button is gone and focus would fall to <body>.
            let lost = *view == View::Closed && closed_dialog && !super::focus::is_on_page();
            if *view == View::Closed && (refocus.replace(false) || lost) {
                if let Some(button) = reopen_ref.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let decide = |decision: Decision| {
        let on_decide = setup.on_decide.clone();
        let refocus = refocus.clone();
        Callback::from(move |_: ()| {
            refocus.replace(true);
            on_decide(decision.clone());
        })
    };
    let save = {
        let on_decide = setup.on_decide.clone();
        let draft = state.draft.clone();
        let refused = state.refused_services.clone();
        let refocus = refocus.clone();
        Callback::from(move |_: ()| {
            refocus.replace(true);
            on_decide(Decision::Save {
                accepted: draft.clone(),
                refused_services: refused.clone(),
            });
        })
    };
    let open_preferences = {
        let on_show = setup.on_show.clone();
        let refocus = refocus.clone();
        Callback::from(move |_: ()| {
            refocus.replace(false);
            on_show(View::Preferences)
        })
    };
    let close = {
        let on_dismiss = setup.on_dismiss.clone();
        Callback::from(move |_: ()| on_dismiss())
    };
    let toggle = {
        let state = state.clone();
        Callback::from(move |name: String| state.dispatch(UiAction::Toggle(name)))
    };
    let toggle_service = {
        let state = state.clone();
        Callback::from(move |key: String| state.dispatch(UiAction::ToggleService(key)))
    };
    let texts = &setup.texts;
    let reopen = {
        let open = open_preferences.clone();
        Callback::from(move |_: MouseEvent| open.emit(()))
    };
    let classes = classes!(
        "cc-surface",
        format!("cc-theme-{}", setup.config.theme.as_str()),
        format!("cc-position-{}", setup.config.position.as_str()),
    );
    html! {
        <div class={classes}>
            <Banner
                texts={texts.clone()}
                privacy_url={setup.config.privacy_policy_url.clone()}
                open={shown.view == View::Banner}
                cookies_enabled={shown.cookies_enabled}
                gpc={shown.gpc}
                renewal={shown.renewal.then(|| match &setup.config.revision_note {
                    Some(note) => format!("{} {note}", texts.revision_notice),
                    None => texts.revision_notice.clone(),
                })}
                on_accept={decide(Decision::AcceptAll)}
                on_reject={decide(Decision::RejectAll)}
                on_manage={open_preferences}
            />
            if *dialog_built.borrow() {
            <Preferences
                texts={texts.clone()}
                config={setup.config.clone()}
                open={shown.view == View::Preferences}
                consent={shown.consent.clone()}
                draft={state.draft.clone()}
                on_toggle={toggle}
                refused_services={state.refused_services.clone()}
                on_toggle_service={toggle_service}
                on_close={close}
                on_accept={decide(Decision::AcceptAll)}
                on_reject={decide(Decision::RejectAll)}
                on_save={save}
            />
            }
            if show_reopen {
                <button ref={reopen_ref} type="button" class="cc-reopen" data-testid="reopen"
                    aria-label={texts.reopen.clone()} title={texts.reopen.clone()} onclick={reopen}>
                    <svg class="cc-reopen-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d={crate::host::COOKIE_ICON} />
                    </svg>
                </button>
            }
        </div>
    }
}
