//! A category's services and their cookies in the preferences dialog: a native `<details>` (the
//! browser gives it keyboard use and its expanded state), one entry per service and a real table
//! of its cookies, which scrolls inside its own labelled region on narrow screens.

use std::collections::BTreeSet;
use std::rc::Rc;

use yew::prelude::*;

use crate::config::Service;
use crate::i18n::Texts;
use crate::model::service_key;

/// Props of [`ServiceList`].
#[derive(Properties, PartialEq)]
pub struct ServiceListProps {
    /// Name of the category the services belong to (for ids and test ids).
    pub category: String,
    /// The services, in the config's order.
    pub services: Vec<Service>,
    /// Texts in the page's language (summary, table headers).
    pub texts: Rc<Texts>,
    /// Whether each service gets its own switch (not for `necessary`).
    pub switchable: bool,
    /// Whether the category is switched on (service switches work only then).
    pub category_on: bool,
    /// Services (keys) switched off.
    pub refused: BTreeSet<String>,
    /// Flips a service's switch (by its key).
    pub on_toggle: Callback<String>,
}

/// "Services and cookies (N)", expandable.
#[component]
pub fn ServiceList(props: &ServiceListProps) -> Html {
    let texts = &props.texts;
    let summary = texts
        .services_summary
        .replace("{count}", &props.services.len().to_string());
    let items = props.services.iter().enumerate().map(|(index, service)| {
        let id = format!("cc-service-{}-{index}", props.category);
        let key = service_key(&service.name);
        let switch = props
            .switchable
            .then(|| (props.category_on, !props.refused.contains(&key)));
        html! {
            <ServiceEntry key={index} id={id} service={service.clone()} texts={texts.clone()}
                switch={switch} on_toggle={props.on_toggle.clone()} />
        }
    });
    html! {
        <details class="cc-services" data-testid={format!("services-{}", props.category)}>
            <summary class="cc-services-summary">{ summary }</summary>
            <ul class="cc-service-list">{ for items }</ul>
        </details>
    }
}

/// Props of [`ServiceEntry`].
#[derive(Properties, PartialEq)]
struct ServiceEntryProps {
    /// Unique id prefix for the caption that names the table's scroll region.
    id: String,
    /// The service shown.
    service: Service,
    /// Texts in the page's language.
    texts: Rc<Texts>,
    /// `(enabled, on)` of the service's own switch, if it has one.
    switch: Option<(bool, bool)>,
    /// Flips the switch (with the service's key).
    on_toggle: Callback<String>,
}

/// One service: name, provider, purpose, privacy link and its cookie table.
#[component]
fn ServiceEntry(props: &ServiceEntryProps) -> Html {
    let texts = &props.texts;
    let service = &props.service;
    let caption_id = format!("{}-cookies", props.id);
    let name_id = format!("{}-name", props.id);
    let toggle = {
        let key = service_key(&service.name);
        let on_toggle = props.on_toggle.clone();
        Callback::from(move |_: Event| on_toggle.emit(key.clone()))
    };
    let provider = service.provider.as_deref().unwrap_or(&service.name);
    let rows = service.cookies.iter().map(|cookie| {
        html! {
            <tr>
                <td class="cc-cookie-name">{ &cookie.name }</td>
                <td>{ provider }</td>
                <td>{ &cookie.duration }</td>
                <td>{ &cookie.purpose }</td>
            </tr>
        }
    });
    html! {
        <li class="cc-service" data-testid="service">
            <div class="cc-service-head">
                <h3 class="cc-service-name" id={name_id.clone()}>{ &service.name }</h3>
                if let Some((enabled, on)) = props.switch {
                    <input type="checkbox" role="switch" class="cc-switch" aria-labelledby={name_id.clone()}
                        data-testid={format!("service-{}", service_key(&service.name))}
                        checked={enabled && on} disabled={!enabled} onchange={toggle} />
                }
            </div>
            if let Some(provider) = &service.provider {
                <p class="cc-service-line">{ texts.service_provider.replace("{provider}", provider) }</p>
            }
            if let Some(purpose) = &service.purpose {
                <p class="cc-service-line">{ purpose }</p>
            }
            if let Some(url) = &service.privacy_policy_url {
                <p class="cc-service-line">
                    <a class="cc-link" href={url.clone()}>
                        { texts.service_privacy.replace("{service}", &service.name) }
                    </a>
                </p>
            }
            if service.cookies.is_empty() {
                <p class="cc-service-line cc-service-none">{ &texts.service_no_cookies }</p>
            } else {
                // Focusable so that keyboard users can scroll a table wider than the screen.
                <div class="cc-table-scroll" role="region" tabindex="0" aria-labelledby={caption_id.clone()}>
                    <table class="cc-cookie-table">
                        <caption id={caption_id}>{ texts.service_cookies.replace("{service}", &service.name) }</caption>
                        <thead>
                            <tr>
                                <th scope="col">{ &texts.cookie_name }</th>
                                <th scope="col">{ &texts.cookie_provider }</th>
                                <th scope="col">{ &texts.cookie_duration }</th>
                                <th scope="col">{ &texts.cookie_purpose }</th>
                            </tr>
                        </thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
        </li>
    }
}
