//! The first layer: what cookies do, the login line, the privacy link and three buttons of equal
//! weight. Nothing is pre-ticked and refusing is as easy as accepting.

use std::rc::Rc;

use yew::prelude::*;

use crate::i18n::Texts;

/// Props of [`Banner`].
#[derive(Properties, PartialEq)]
pub struct BannerProps {
    /// Texts in the page's language.
    pub texts: Rc<Texts>,
    /// Where the privacy policy link points.
    pub privacy_url: String,
    /// Whether the banner is on screen (it stays in the DOM so focus can return to it).
    pub open: bool,
    /// Whether the browser keeps cookies; when not, login cannot work and the banner says so.
    pub cookies_enabled: bool,
    /// Whether the Global Privacy Control signal is honoured (the banner says so).
    pub gpc: bool,
    /// "What changed", when the visitor is asked again after a new revision.
    pub renewal: Option<String>,
    /// "Accept all".
    pub on_accept: Callback<()>,
    /// "Reject all".
    pub on_reject: Callback<()>,
    /// "Manage preferences".
    pub on_manage: Callback<()>,
}

/// The first layer: accept and reject carry equal weight; nothing is pre-ticked.
#[component]
pub fn Banner(props: &BannerProps) -> Html {
    let texts = &props.texts;
    let click = super::on_click;
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(props.open, move |open| {
            let room = node
                .cast::<web_sys::HtmlElement>()
                .filter(|_| *open)
                .and_then(crate::host::BottomRoom::keep);
            move || drop(room)
        });
    }
    html! {
        <section ref={node} class="cc-banner" role="dialog" aria-modal="false" aria-labelledby="cc-banner-title"
            aria-describedby="cc-banner-body" data-testid="banner" hidden={!props.open}>
            <h2 id="cc-banner-title" class="cc-title">{ &texts.banner_title }</h2>
            if let Some(note) = &props.renewal {
                <p class="cc-notice" data-testid="revision-notice">{ note }</p>
            }
            <p id="cc-banner-body" class="cc-text">{ &texts.banner_body }</p>
            <p class="cc-login" data-testid="login-notice">
                <LockIcon />
                <span>{ &texts.login_notice }</span>
            </p>
            if props.gpc {
                <p class="cc-notice" data-testid="gpc-notice">{ &texts.gpc_notice }</p>
            }
            if !props.cookies_enabled {
                <p class="cc-warning" role="alert" data-testid="cookies-disabled-notice">
                    { &texts.cookies_disabled }
                </p>
            }
            <p class="cc-text"><a class="cc-link" href={props.privacy_url.clone()}>{ &texts.privacy_link }</a></p>
            <div class="cc-actions">
                <button type="button" class="cc-button" data-testid="accept-all" onclick={click(&props.on_accept)}>
                    { &texts.accept_all }
                </button>
                <button type="button" class="cc-button" data-testid="reject-all" onclick={click(&props.on_reject)}>
                    { &texts.reject_all }
                </button>
                <button type="button" class="cc-button" data-testid="manage" onclick={click(&props.on_manage)}>
                    { &texts.manage }
                </button>
            </div>
        </section>
    }
}

/// The small lock in front of the login line.
#[component]
pub fn LockIcon() -> Html {
    html! {
        <svg class="cc-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V11a1 1 0 0 1 1-1h1Zm2 0h6V7a3 3 0 0 0-6 0v3Z" />
        </svg>
    }
}
