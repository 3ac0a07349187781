//! The first layer rendered to HTML on the host, by `cargo xtask dist`: the widget's root exactly
//! as its first render shows it to a fresh visitor with the built-in config, as hydratable
//! markup for the loader to paint before the WebAssembly has loaded.

use std::rc::Rc;

use super::app::{App, AppProps};
use super::Setup;
use crate::config::Config;
use crate::first_paint::{self, FirstLayer};
use crate::i18n::{self, Texts};
use crate::model::{Snapshot, View};

/// One pre-rendered first layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Painted {
    /// The language (a tag of [`i18n::LOCALES`]).
    pub lang: String,
    /// Writing direction of the language (`ltr` or `rtl`), for the root the loader paints into.
    pub dir: String,
    /// Whether it shows the Global Privacy Control notice.
    pub gpc: bool,
    /// [`FirstLayer::digest`] of what it shows.
    pub digest: String,
    /// The theme, position and privacy link it was rendered with (the loader replaces them with
    /// the config's).
    pub theme: String,
    /// See `theme`.
    pub position: String,
    /// See `theme`.
    pub privacy_url: String,
    /// The markup, with Yew's hydration markers.
    pub html: String,
}

/// What a fresh visitor's first render starts from: the banner, no choice, cookies kept.
pub fn fresh_snapshot(gpc: bool) -> Snapshot {
    Snapshot {
        view: View::Banner,
        consent: None,
        cookies_enabled: true,
        gpc,
        renewal: false,
    }
}

/// The widget's root rendered to hydratable HTML with `config`, `texts` and `initial`.
pub async fn render(config: Config, texts: Texts, initial: Snapshot) -> String {
    let setup = Setup {
        config: Rc::new(config),
        texts: Rc::new(texts),
        on_decide: Rc::new(|_| {}),
        on_show: Rc::new(|_| {}),
        on_dismiss: Rc::new(|| {}),
        connect: Rc::new(|_| {}),
    };
    yew::LocalServerRenderer::<App>::with_props(AppProps { setup, initial })
        .hydratable(true)
        .render()
        .await
}

/// Every first layer the loader can paint: each built-in language, without and with the Global
/// Privacy Control notice, with the built-in config.
///
/// # Errors
///
/// A built-in locale file is broken.
pub async fn first_layers() -> Result<Vec<Painted>, crate::json::Error> {
    let mut painted = Vec::new();
    for (lang, _) in i18n::LOCALES {
        let texts = Texts::load(lang)?;
        for gpc in [false, true] {
            let config = Config::builtin();
            let digest = FirstLayer::fresh(&texts, gpc).digest();
            let (theme, position) = (config.theme.as_str(), config.position.as_str());
            painted.push(Painted {
                lang: texts.lang.clone(),
                dir: texts.dir.clone(),
                gpc,
                digest,
                theme: theme.to_string(),
                position: position.to_string(),
                privacy_url: config.privacy_policy_url.clone(),
                html: render(config, texts.clone(), fresh_snapshot(gpc)).await,
            });
        }
    }
    Ok(painted)
}

/// The key the loader records when it paints `painted` unchanged (see [`first_paint::key`]).
pub fn key(painted: &Painted) -> String {
    first_paint::key(
        &painted.digest,
        &painted.theme,
        &painted.position,
        &painted.privacy_url,
    )
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;

    #[test]
    fn each_pre_rendered_language_is_the_banner_the_widget_first_renders_with_the_built_in_config()
    {
        let layers = block_on(first_layers()).expect("the locale files parse");
        assert_eq!(layers.len(), 2 * i18n::LOCALES.len());
        for painted in &layers {
            let texts = Texts::load(&painted.lang).expect("a built-in language");
            let config = Config::builtin();
            let initial = fresh_snapshot(painted.gpc);
            // What the widget compares at run time before it hydrates: the same state gives the
            // key the loader records for this markup, so it is hydrated, never rendered twice.
            assert_eq!(
                first_paint::key_of(&config, &texts, &initial),
                Some(key(painted)),
                "{} gpc {}",
                painted.lang,
                painted.gpc
            );
            let rendered = block_on(render(config, texts.clone(), initial));
            assert_eq!(painted.html, rendered, "{}", painted.lang);
            for text in [
                &texts.banner_title,
                &texts.login_notice,
                &texts.accept_all,
                &texts.reject_all,
                &texts.manage,
            ] {
                assert!(
                    painted.html.contains(&escape(text)),
                    "{}: `{text}` missing",
                    painted.lang
                );
            }
            for testid in [
                "banner",
                "login-notice",
                "accept-all",
                "reject-all",
                "manage",
            ] {
                assert!(
                    painted.html.contains(&format!("data-testid=\"{testid}\"")),
                    "{}: {testid} missing",
                    painted.lang
                );
            }
            assert_eq!(
                painted.html.contains("data-testid=\"gpc-notice\""),
                painted.gpc
            );
            // Open: the banner is on screen from the first paint.
            assert!(!painted.html.contains(" hidden"), "{}", painted.lang);
            // Nothing the strict CSP (`style-src 'self'`, no inline script) would block.
            assert!(!painted.html.contains("style="));
            assert!(!painted.html.contains("<script"));
        }
    }

    fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
}
