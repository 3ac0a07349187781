//! The services CanEnrich itself uses, listed under the built-in categories. Data, not texts:
//! they read the same in every language, like a site owner's own config.

use super::{Service, ServiceCookie};

fn service(name: &str, provider: &str, purpose: &str, cookies: &[(&str, &str, &str)]) -> Service {
    Service {
        name: name.to_string(),
        provider: Some(provider.to_string()),
        purpose: Some(purpose.to_string()),
        privacy_policy_url: Some("/privacy.html".to_string()),
        cookies: cookies
            .iter()
            .map(|(name, duration, purpose)| ServiceCookie {
                name: name.to_string(),
                duration: duration.to_string(),
                purpose: purpose.to_string(),
            })
            .collect(),
    }
}

/// Sign-in, security and remembering the cookie choice.
pub(super) fn necessary_services() -> Vec<Service> {
    vec![
        service(
            "CanEnrich sign-in",
            "CanEnrich",
            "Keeps you signed in to your account.",
            &[("canenrich_session", "Session", "Keeps you signed in")],
        ),
        service(
            "CanEnrich security",
            "CanEnrich",
            "Protects forms and your account against forged requests.",
            &[("csrf_token", "Session", "Blocks forged form submissions")],
        ),
        service(
            "Cookie choice",
            "CanEnrich",
            "Remembers what you chose in this dialog.",
            &[("canenrich_consent", "182 days", "Stores your cookie choice")],
        ),
    ]
}

/// Usage statistics.
pub(super) fn analytics_services() -> Vec<Service> {
    vec![service(
        "CanEnrich Analytics",
        "CanEnrich, using Google Analytics",
        "Counts visits and which pages are used, so we can improve CanEnrich.",
        &[
            ("_ga", "2 years", "Distinguishes visitors"),
            ("_ga_*", "2 years", "Keeps track of a visit"),
        ],
    )]
}

/// Promotions, advertising and partners.
pub(super) fn marketing_services() -> Vec<Service> {
    vec![
        service(
            "Partner Ads",
            "CanEnrich partners",
            "Shows promotions from CanEnrich partners and measures whether they work.",
            &[("mk_id", "1 year", "Recognises your browser for partner promotions")],
        ),
        service(
            "CanEnrich Video",
            "CanEnrich",
            "Plays videos embedded in our pages; loading the player tells it which page you visited.",
            &[],
        ),
    ]
}
