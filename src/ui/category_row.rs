//! One category in the preferences dialog: title, switch, description, its services and
//! cookies; `necessary` shows "Always on" and why login depends on it.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use super::services::ServiceList;
use crate::config::Service;
use crate::i18n::Texts;

/// Props of [`CategoryRow`].
#[derive(Properties, PartialEq)]
pub struct CategoryRowProps {
    /// Category name (`data-category` in markup).
    pub name: String,
    /// Title next to the switch.
    pub title: String,
    /// Description under the title.
    pub description: String,
    /// Whether the switch is on.
    pub checked: bool,
    /// Set for `necessary`: the switch is on and cannot be changed.
    pub always_on: Option<String>,
    /// Extra line under the description (the login notice for `necessary`).
    pub note: Option<String>,
    /// The services that use this category, listed under the description.
    pub services: Vec<Service>,
    /// Texts in the page's language (the services list's labels).
    pub texts: Rc<Texts>,
    /// Flips the switch.
    pub on_toggle: Callback<String>,
    /// Services (keys) currently switched off.
    pub refused_services: BTreeSet<String>,
    /// Flips a service's switch (by its key).
    pub on_toggle_service: Callback<String>,
}

/// A labelled switch for one category.
#[component]
pub fn CategoryRow(props: &CategoryRowProps) -> Html {
    let id = format!("cc-category-{}", props.name);
    let description_id = format!("{id}-description");
    let onchange = {
        let name = props.name.clone();
        let on_toggle = props.on_toggle.clone();
        Callback::from(move |_: Event| on_toggle.emit(name.clone()))
    };
    let locked = props.always_on.is_some();
    html! {
        <li class="cc-category">
            <div class="cc-category-head">
                <label class="cc-category-title" for={id.clone()}>{ &props.title }</label>
                if let Some(always_on) = &props.always_on {
                    <span class="cc-always-on">{ always_on }</span>
                }
                <input type="checkbox" role="switch" class="cc-switch" id={id}
                    data-testid={format!("category-{}", props.name)}
                    aria-describedby={description_id.clone()}
                    checked={props.checked || locked} disabled={locked} onchange={onchange} />
            </div>
            <p class="cc-category-description" id={description_id}>{ &props.description }</p>
            if let Some(note) = &props.note {
                <p class="cc-login cc-category-note" data-testid="login-notice">
                    <super::banner::LockIcon />
                    <span>{ note }</span>
                </p>
            }
            if !props.services.is_empty() {
                <ServiceList category={props.name.clone()} services={props.services.clone()} texts={props.texts.clone()}
                    switchable={!locked} category_on={props.checked} refused={props.refused_services.clone()}
                    on_toggle={props.on_toggle_service.clone()} />
            }
        </li>
    }
}
