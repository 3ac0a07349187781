//! The preferences dialog: a native modal `<dialog>` (focus containment, Esc and focus return
//! come from the browser, with a Tab wrap on top), one row per category, and the three choices.

use std::collections::BTreeSet;
use std::rc::Rc;

use web_sys::HtmlDialogElement;
use yew::prelude::*;

use super::category_row::CategoryRow;
use super::focus;
use crate::config::Config;
use crate::i18n::Texts;
use crate::model::Consent;

/// Props of [`Preferences`].
#[derive(Properties, PartialEq)]
pub struct PreferencesProps {
    /// Texts in the page's language.
    pub texts: Rc<Texts>,
    /// Categories and their site-provided texts.
    pub config: Rc<Config>,
    /// Whether the dialog is open.
    pub open: bool,
    /// The recorded choice, shown by id and date.
    pub consent: Option<Consent>,
    /// Categories currently switched on.
    pub draft: BTreeSet<String>,
    /// A switch was flipped.
    pub on_toggle: Callback<String>,
    /// Services (keys) currently switched off.
    pub refused_services: BTreeSet<String>,
    /// A service's switch was flipped (its key).
    pub on_toggle_service: Callback<String>,
    /// Closed without a choice (Esc or the close button).
    pub on_close: Callback<()>,
    /// "Accept all".
    pub on_accept: Callback<()>,
    /// "Reject all".
    pub on_reject: Callback<()>,
    /// "Save preferences".
    pub on_save: Callback<()>,
}

/// The preferences dialog.
#[component]
pub fn Preferences(props: &PreferencesProps) -> Html {
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with(props.open, move |open| {
            if let Some(element) = dialog.cast::<HtmlDialogElement>() {
                if *open && !element.open() {
                    // Only fails when the dialog is detached, which a mounted component is not.
                    let _ = element.show_modal();
                } else if !*open && element.open() {
                    element.close();
                }
            }
        });
    }
    let texts = &props.texts;
    let click = super::on_click;
    let oncancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: Event| {
            // The state closes the dialog, so that what is shown and the state never disagree.
            event.prevent_default();
            on_close.emit(());
        })
    };
    let onkeydown = {
        let dialog = dialog.clone();
        Callback::from(move |event: KeyboardEvent| {
            if let Some(element) = dialog.cast::<web_sys::Element>() {
                focus::trap_tab(&event, &element);
            }
        })
    };
    let rows = props.config.categories.iter().map(|category| {
        let necessary = category.is_necessary();
        html! {
            <CategoryRow
                key={category.name.clone()}
                name={category.name.clone()}
                title={texts.category_title(&category.name, category.title.as_deref()).to_string()}
                description={texts.category_description(&category.name, category.description.as_deref()).to_string()}
                checked={props.draft.contains(&category.name)}
                always_on={necessary.then(|| texts.always_on.clone())}
                note={necessary.then(|| texts.login_notice.clone())}
                services={category.services.clone()}
                texts={texts.clone()}
                on_toggle={props.on_toggle.clone()}
                refused_services={props.refused_services.clone()}
                on_toggle_service={props.on_toggle_service.clone()}
            />
        }
    });
    html! {
        <dialog ref={dialog} class="cc-dialog" role="dialog" aria-modal="true" aria-labelledby="cc-preferences-title"
            data-testid="preferences" {oncancel} {onkeydown}>
            <div class="cc-dialog-header">
                <h2 id="cc-preferences-title" class="cc-title">{ &texts.preferences_title }</h2>
                <button type="button" class="cc-close" data-testid="close" aria-label={texts.close.clone()}
                    onclick={click(&props.on_close)}>
                    <svg class="cc-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4Z" />
                    </svg>
                </button>
            </div>
            <div class="cc-dialog-body">
                <p class="cc-text">{ &texts.preferences_body }</p>
                <ul class="cc-categories">{ for rows }</ul>
                if let Some(consent) = &props.consent {
                    <dl class="cc-receipt" data-testid="consent-receipt">
                        <dt>{ &texts.consent_id }</dt>
                        <dd data-testid="consent-id">{ &consent.id }</dd>
                        <dt>{ &texts.consent_date }</dt>
                        <dd data-testid="consent-date">{ format_date(consent.timestamp, &texts.lang) }</dd>
                    </dl>
                }
            </div>
            <div class="cc-actions cc-dialog-footer">
                <button type="button" class="cc-button" data-testid="preferences-reject-all" onclick={click(&props.on_reject)}>
                    { &texts.reject_all }
                </button>
                <button type="button" class="cc-button" data-testid="preferences-accept-all" onclick={click(&props.on_accept)}>
                    { &texts.accept_all }
                </button>
                <button type="button" class="cc-button" data-testid="save" onclick={click(&props.on_save)}>
                    { &texts.save }
                </button>
            </div>
        </dialog>
    }
}

/// The date and time of a choice in the visitor's language.
fn format_date(timestamp: crate::model::Millis, lang: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(timestamp as f64));
    date.to_locale_string(lang, &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}
