//! What the loader's first paint stands for. `cargo xtask dist` renders the widget's first layer
//! ahead of time, once per built-in language (and with and without the Global Privacy Control
//! notice); the loader paints it before the WebAssembly has loaded and records a key for what it
//! painted. The widget hydrates that markup only when its own first render has the same key, and
//! renders afresh otherwise: Yew panics on markup that does not match, and the release build
//! aborts on a panic. Both sides compute the key here. Pure: no browser crates.

use crate::config::Config;
use crate::i18n::Texts;
use crate::model::{Snapshot, View};

/// Fingerprint of `src/ui` (see `build.rs`): markup rendered from other source never matches.
const UI_SOURCE: &str = env!("CANENRICH_UI_SOURCE");

/// What the first render of the widget depends on, apart from the three values the loader fills
/// into the painted markup itself (theme, position and privacy link: see [`key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstLayer<'a> {
    /// The texts of the negotiated language.
    pub texts: &'a Texts,
    /// Whether the browser keeps cookies (a warning shows when it does not).
    pub cookies_enabled: bool,
    /// Whether the Global Privacy Control notice shows.
    pub gpc: bool,
    /// The "what changed" notice, for a visitor asked again.
    pub renewal: Option<&'a str>,
}

impl<'a> FirstLayer<'a> {
    /// The first layer a fresh visitor sees: no stored choice, cookies kept, no renewal.
    pub fn fresh(texts: &'a Texts, gpc: bool) -> FirstLayer<'a> {
        FirstLayer {
            texts,
            cookies_enabled: true,
            gpc,
            renewal: None,
        }
    }

    /// The digest of the markup this first layer renders to: equal digests, equal markup (for
    /// the same UI source).
    pub fn digest(&self) -> String {
        let texts = self.texts;
        let mut hash = Fnv::new();
        for text in [
            UI_SOURCE,
            &texts.lang,
            &texts.dir,
            &texts.banner_title,
            &texts.banner_body,
            &texts.login_notice,
            &texts.privacy_link,
            &texts.accept_all,
            &texts.reject_all,
            &texts.manage,
            &texts.gpc_notice,
            &texts.cookies_disabled,
        ] {
            hash.text(text);
        }
        hash.text(if self.cookies_enabled { "cookies" } else { "" });
        hash.text(if self.gpc { "gpc" } else { "" });
        match self.renewal {
            Some(note) => hash.text(note),
            // Not a text: no note hashes like an empty one.
            None => hash.byte(1),
        }
        format!("{:016x}", hash.0)
    }
}

/// The key of the first layer the widget renders with `config`, `texts` and `snapshot`, to
/// compare with the key of what the loader painted; `None` when that is not a banner on its own
/// (a stored choice, an open dialog), which the loader never paints.
pub fn key_of(config: &Config, texts: &Texts, snapshot: &Snapshot) -> Option<String> {
    if snapshot.view != View::Banner || snapshot.consent.is_some() {
        return None;
    }
    let renewal = snapshot.renewal.then(|| match &config.revision_note {
        Some(note) => format!("{} {note}", texts.revision_notice),
        None => texts.revision_notice.clone(),
    });
    let layer = FirstLayer {
        texts,
        cookies_enabled: snapshot.cookies_enabled,
        gpc: snapshot.gpc,
        renewal: renewal.as_deref(),
    };
    Some(key(
        &layer.digest(),
        config.theme.as_str(),
        config.position.as_str(),
        &config.privacy_policy_url,
    ))
}

/// The key of painted markup: its digest and the values filled into it, one per line. The
/// loader builds the same string from the digest the build gave it and the config it read
/// (`[digest, theme, position, privacyUrl].join('\n')`).
pub fn key(digest: &str, theme: &str, position: &str, privacy_url: &str) -> String {
    [digest, theme, position, privacy_url].join("\n")
}

/// FNV-1a, 64-bit: small, and the same on every platform.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn byte(&mut self, byte: u8) {
        self.0 ^= u64::from(byte);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }

    /// The text and a separator, so that ("ab", "c") and ("a", "bc") differ.
    fn text(&mut self, text: &str) {
        for byte in text.bytes() {
            self.byte(byte);
        }
        self.byte(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh_banner(gpc: bool) -> Snapshot {
        Snapshot {
            view: View::Banner,
            consent: None,
            cookies_enabled: true,
            gpc,
            renewal: false,
        }
    }

    fn builtin() -> Config {
        Config::builtin()
    }

    #[test]
    fn the_widget_matches_what_the_build_painted_for_a_fresh_visitor() {
        let config = builtin();
        for (tag, _) in crate::i18n::LOCALES {
            let texts = Texts::load(tag).expect(tag);
            for gpc in [false, true] {
                let painted = key(
                    &FirstLayer::fresh(&texts, gpc).digest(),
                    "auto",
                    "corner",
                    "/privacy.html",
                );
                assert_eq!(
                    key_of(&config, &texts, &fresh_banner(gpc)).as_deref(),
                    Some(painted.as_str()),
                    "{tag}, gpc {gpc}"
                );
            }
        }
    }

    #[test]
    fn anything_the_first_render_shows_differently_changes_the_key() {
        let config = builtin();
        let english = Texts::load("en").expect("en");
        let base = key_of(&config, &english, &fresh_banner(false));
        let chinese = Texts::load("zh-CN").expect("zh-CN");
        let mut edited = english.clone();
        edited.reject_all = "Refuse".into();
        let mut dark = config.clone();
        dark.theme = crate::config::Theme::Dark;
        let mut elsewhere = config.clone();
        elsewhere.privacy_policy_url = "/legal".into();
        let no_cookies = Snapshot {
            cookies_enabled: false,
            ..fresh_banner(false)
        };
        let renewal = Snapshot {
            renewal: true,
            ..fresh_banner(false)
        };
        let others = [
            key_of(&config, &chinese, &fresh_banner(false)),
            key_of(&config, &edited, &fresh_banner(false)),
            key_of(&dark, &english, &fresh_banner(false)),
            key_of(&elsewhere, &english, &fresh_banner(false)),
            key_of(&config, &english, &fresh_banner(true)),
            key_of(&config, &english, &no_cookies),
            key_of(&config, &english, &renewal),
        ];
        for (i, other) in others.iter().enumerate() {
            assert!(other.is_some(), "case {i}");
            assert_ne!(other, &base, "case {i}");
        }
    }

    #[test]
    fn nothing_but_a_fresh_banner_can_match_a_painted_one() {
        let config = builtin();
        let texts = Texts::load("en").expect("en");
        let dialog = Snapshot {
            view: View::Preferences,
            ..fresh_banner(false)
        };
        assert_eq!(key_of(&config, &texts, &dialog), None);
    }
}
