//! The root component: owns the reducer, connects to the runtime, lays out the three surfaces.

use std::rc::Rc;

use web_sys::HtmlElement;
use yew::prelude::*;

use super::banner::Banner;
use super::preferences::Preferences;
use super::state::{UiAction, UiState};
use super::Setup;
use crate::model::{Choice, Method, Snapshot, View};

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
    {
        let on_view = props.setup.on_view.clone();
        use_effect_with(state.view, move |view| on_view(*view));
    }
    let setup = &props.setup;
    let show_reopen =
        setup.config.show_reopen_button && state.consent.is_some() && state.view != View::Banner;
    let reopen_ref = use_node_ref();
    // Set by a choice made with the widget's own buttons: the surface that held focus disappears,
    // so focus goes to the "Cookie settings" button instead of falling back to <body>. A choice
    // made through the API leaves focus alone.
    let refocus = use_mut_ref(|| false);
    // The dialog is built the first time it opens, not with the banner, and then kept (the
    // browser returns focus from a closed <dialog>, not from a removed one).
    let dialog_built = use_mut_ref(|| false);
    if state.view == View::Preferences {
        dialog_built.replace(true);
    }
    // The view before the current one: closing the dialog is what may leave focus nowhere.
    let previous_view = use_mut_ref(|| state.view);
    {
        let reopen_ref = reopen_ref.clone();
        let refocus = refocus.clone();
        let previous_view = previous_view.clone();
        use_effect_with((state.view, show_reopen), move |(view, _)| {
            let closed_dialog = previous_view.replace(*view) == View::Preferences;
            // The dialog returns focus to whatever had it when it opened; after a hand-over from
            // the core build that button is gone and focus would fall to <body>.
            let lost = *view == View::Closed && closed_dialog && !super::focus::is_on_page();
            if *view == View::Closed && (refocus.replace(false) || lost) {
                if let Some(button) = reopen_ref.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let all: Rc<Vec<String>> = Rc::new(setup.config.category_names().map(str::to_string).collect());
    let choose = |method: Method| {
        let on_choice = setup.on_choice.clone();
        let all = all.clone();
        let draft = state.draft.clone();
        let refused = state.refused_services.clone();
        let refocus = refocus.clone();
        Callback::from(move |_: ()| {
            refocus.replace(true);
            let (accepted, refused_services) = match method {
                Method::AcceptAll => (all.iter().cloned().collect(), Default::default()),
                Method::Custom => (draft.clone(), refused.clone()),
                Method::RejectAll | Method::Gpc => Default::default(),
            };
            on_choice(Choice {
                accepted,
                method,
                refused_services,
            });
        })
    };
    let open_preferences = {
        let state = state.clone();
        let refocus = refocus.clone();
        Callback::from(move |_: ()| {
            refocus.replace(false);
            state.dispatch(UiAction::OpenPreferences)
        })
    };
    let close = {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(UiAction::Close))
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
                open={state.view == View::Banner}
                cookies_enabled={state.cookies_enabled}
                gpc={state.gpc}
                renewal={state.renewal.then(|| match &setup.config.revision_note {
                    Some(note) => format!("{} {note}", texts.revision_notice),
                    None => texts.revision_notice.clone(),
                })}
                on_accept={choose(Method::AcceptAll)}
                on_reject={choose(Method::RejectAll)}
                on_manage={open_preferences}
            />
            if *dialog_built.borrow() {
            <Preferences
                texts={texts.clone()}
                config={setup.config.clone()}
                open={state.view == View::Preferences}
                consent={state.consent.clone()}
                draft={state.draft.clone()}
                on_toggle={toggle}
                refused_services={state.refused_services.clone()}
                on_toggle_service={toggle_service}
                on_close={close}
                on_accept={choose(Method::AcceptAll)}
                on_reject={choose(Method::RejectAll)}
                on_save={choose(Method::Custom)}
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
