//! Placeholders in held frames the choice keeps closed: the full build's own (`blocker::embed`),
//! with the texts from the core settings. "Load once" loads the frame here; "Always allow"
//! records a choice, which the full build does.

use std::rc::Rc;

use canenrich_consent::blocker::embed::{cover_with, draw, Placeholder};
use web_sys::CssStyleSheet;

use crate::choice::Choice;
use crate::settings::Settings;

/// Draws a placeholder in every held frame whose gate `choice` keeps closed and that has none.
/// `allow(category)` runs on "Always allow".
pub fn cover(
    choice: &Choice,
    settings: &Settings,
    sheet: &CssStyleSheet,
    allow: &Rc<dyn Fn(String)>,
) {
    let open = |gate: &str, service: Option<&str>| choice.allows(gate, service);
    cover_with(open, |document, frame, category| {
        let title = settings
            .category(category)
            .map_or(category, |c| c.title.as_str());
        let service = frame
            .get_attribute("data-service")
            .or_else(|| frame.get_attribute("title"))
            .unwrap_or_else(|| title.to_string());
        let why = canenrich_consent::i18n::fill(
            &settings.embed_blocked,
            &[("service", &service), ("category", title)],
        );
        let placeholder = Placeholder {
            lang: &settings.lang,
            dir: &settings.dir,
            theme: &settings.theme,
            service: &service,
            why: &why,
            load_once: &settings.load_once,
            always_allow: &settings.always_allow,
        };
        let allow = allow.clone();
        let category = category.to_string();
        draw(document, frame, &placeholder, sheet, move || {
            allow(category.clone())
        })
    });
}
