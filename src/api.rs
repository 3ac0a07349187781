//! `window.CanEnrichConsent`: the `#[wasm_bindgen]` exports the loader binds to the global it
//! created. Each export converts JS values and calls the runtime; none decides anything.

use std::collections::BTreeSet;
use std::rc::Rc;

use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event};

use crate::config::{Config, ConfigError, ConfigFile};
use crate::events;
use crate::i18n::{self, Texts};
use crate::model::{Choice, Method, View};
use crate::page::INLINE_CONFIG_ID;
use crate::runtime;
#[cfg(feature = "ui")]
use crate::ui;

const PREFIX: &str = "CanEnrich Consent:";

/// Starts the widget. `options` comes from the loader: `{ remote, remoteSource, remoteError,
/// attributes: { lang, theme, position, debug }, css, view, handover, upgrade, suffixList,
/// shadowRoots }`; the inline config is read from the page. Resolves with `"ready"` once the
/// banner (if one is due) is rendered — or, in the core build, with `"upgrade"` when a banner is
/// due, which only the full build can draw (the core then has changed nothing but erasing refused
/// data).
#[wasm_bindgen]
pub async fn start(options: JsValue) -> Result<JsValue, JsValue> {
    // The inline config may follow the loader in the page: read it once the DOM is parsed.
    dom_ready().await;
    let (config, fail_closed) = match resolve_config(&options) {
        Ok(config) => (config, false),
        Err(err) => {
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "{PREFIX} {err}. Running fail-closed: optional cookies and tags stay blocked."
            )));
            (Config::builtin(), true)
        }
    };
    let texts = Rc::new(load_texts(&config)?);
    // Start-up runs in three tasks (read, decide, draw) so that none blocks input for long on a
    // slow device; until the runtime starts, the loader's guards hold everything optional.
    yield_now().await;
    let suffix_list = Reflect::get(&options, &"suffixList".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    // The loader's live list of the shadow roots gated elements went into (it grows later).
    let shadow_roots = Reflect::get(&options, &"shadowRoots".into())
        .ok()
        .and_then(|roots| roots.dyn_into::<js_sys::Array>().ok())
        .unwrap_or_default();
    runtime::init(config.clone(), fail_closed, suffix_list, shadow_roots);
    runtime::honour_gpc();
    apply_test_override(&config);
    let view = match text_field(&options, "view").as_deref() {
        Some("banner") => Some(View::Banner),
        Some("preferences") => Some(View::Preferences),
        _ => None,
    };
    if let Some(view) = view {
        runtime::show(view);
    }
    let css = text_field(&options, "css").unwrap_or_default();
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(&css)?;
    yield_now().await;
    let drawn = draw(&options, Rc::new(config), texts.clone(), &sheet).await;
    // Whether or not the UI could be drawn, what refused categories left goes now.
    runtime::erase_refused();
    if !drawn? {
        return Ok(JsValue::from_str("upgrade"));
    }
    runtime::present(texts, sheet);
    listen_for_settings_links()?;
    runtime::watch()?;
    let handover = Reflect::get(&options, &"handover".into()).is_ok_and(|v| v.is_truthy());
    runtime::announce_loaded(!handover);
    if !handover {
        events::dispatch(
            "ready",
            &runtime::consent()
                .map(|c| events::consent_object(&c).into())
                .unwrap_or(JsValue::NULL),
        );
    }
    Ok(JsValue::from_str("ready"))
}

/// Renders the Yew UI and waits for its first render. Always draws.
#[cfg(feature = "ui")]
async fn draw(
    _options: &JsValue,
    config: Rc<Config>,
    texts: Rc<Texts>,
    sheet: &web_sys::CssStyleSheet,
) -> Result<bool, JsValue> {
    let root = crate::host::open(sheet, &texts)?;
    let initial = runtime::snapshot().ok_or("the runtime did not start")?;
    let mut resolve_rendered = None;
    let rendered = Promise::new(&mut |resolve, _| resolve_rendered = Some(resolve));
    ui::mount(
        root,
        ui::Setup {
            config,
            texts,
            on_choice: Rc::new(|choice| {
                let _ = runtime::commit(choice);
            }),
            on_view: Rc::new(runtime::viewed),
            connect: Rc::new(move |sink| {
                runtime::connect(sink);
                if let Some(resolve) = &resolve_rendered {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            }),
        },
        initial,
    );
    // The app connects right after its first render: from then on the banner is on screen.
    JsFuture::from(rendered).await?;
    Ok(true)
}

/// The core build: with a valid stored choice, draws only the "Cookie settings" button and
/// hands over to the full UI (`options.upgrade`) when a banner or dialog must show. Without one,
/// draws nothing and answers `false`.
#[cfg(not(feature = "ui"))]
async fn draw(
    options: &JsValue,
    config: Rc<Config>,
    texts: Rc<Texts>,
    sheet: &web_sys::CssStyleSheet,
) -> Result<bool, JsValue> {
    if runtime::snapshot().is_none_or(|s| s.view != View::Closed) {
        return Ok(false);
    }
    let upgrade = Reflect::get(options, &"upgrade".into())?
        .dyn_into::<js_sys::Function>()
        .map_err(|_| "the loader gave no upgrade function")?;
    runtime::set_upgrade(upgrade);
    let root = crate::host::open(sheet, &texts)?;
    if config.show_reopen_button {
        crate::host::reopen_button(&root, &config, &texts, || runtime::show(View::Preferences))?;
    }
    Ok(true)
}

/// `getConsent()`: `null` before any choice, else the record.
#[wasm_bindgen(js_name = getConsent)]
pub fn get_consent() -> JsValue {
    runtime::consent().map_or(JsValue::NULL, |c| events::consent_object(&c).into())
}

/// `acceptedCategory(name)`: `false` for anything that is not an accepted category's name,
/// including values that are not strings.
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(name: JsValue) -> bool {
    name.as_string()
        .is_some_and(|name| runtime::consent().is_some_and(|c| c.accepts(&name)))
}

/// `acceptAll()`: resolves with the record once it is stored.
#[wasm_bindgen(js_name = acceptAll)]
pub fn accept_all() -> Promise {
    settle(runtime::accept_all())
}

/// `rejectAll()`: resolves with the record once it is stored.
#[wasm_bindgen(js_name = rejectAll)]
pub fn reject_all() -> Promise {
    settle(runtime::reject_all())
}

/// `acceptCategories(names)`: accepts exactly `names` (an array of category names).
#[wasm_bindgen(js_name = acceptCategories)]
pub fn accept_categories(names: JsValue) -> Promise {
    if !Array::is_array(&names) {
        return Promise::reject(&js_sys::TypeError::new(&format!(
            "{PREFIX} acceptCategories expects an array of category names"
        )));
    }
    let known = runtime::config()
        .map(|c| crate::model::set_of(c.category_names().map(str::to_string)))
        .unwrap_or_default();
    let mut accepted = BTreeSet::new();
    for name in Array::from(&names).iter() {
        match name.as_string() {
            Some(name) if known.contains(&name) => {
                accepted.insert(name);
            }
            _ => web_sys::console::warn_2(
                &JsValue::from_str(&format!("{PREFIX} unknown category")),
                &name,
            ),
        }
    }
    settle(runtime::commit(Choice {
        accepted,
        method: Method::Custom,
        refused_services: BTreeSet::new(),
    }))
}

/// For the loader's guard: may an element with `data-category` = `attribute` (and
/// `data-service` = `service`) run now?
#[wasm_bindgen]
pub fn allows(attribute: &str, service: Option<String>) -> bool {
    runtime::allows(attribute, service.as_deref())
}

/// For the loader's cookie guard: may a script's `document.cookie = assignment` be kept?
#[wasm_bindgen(js_name = keepsCookie)]
pub fn keeps_cookie(assignment: &str) -> bool {
    runtime::keeps_cookie(assignment)
}

/// `getState()`: `{ bannerOpen, preferencesOpen, held }` for test suites.
#[wasm_bindgen(js_name = getState)]
pub fn get_state() -> JsValue {
    let (banner, preferences, held) = runtime::state();
    let state = js_sys::Object::new();
    let _ = Reflect::set(&state, &"bannerOpen".into(), &JsValue::from_bool(banner));
    let _ = Reflect::set(
        &state,
        &"preferencesOpen".into(),
        &JsValue::from_bool(preferences),
    );
    let _ = Reflect::set(&state, &"held".into(), &JsValue::from(held as u32));
    state.into()
}

/// `stop()`: the loader hands the page over to another module (the full UI).
#[wasm_bindgen]
pub fn stop() {
    runtime::stop();
}

/// `show()`: opens the banner.
#[wasm_bindgen]
pub fn show() {
    runtime::show(View::Banner);
}

/// `hide()`: closes the banner and the dialog.
#[wasm_bindgen]
pub fn hide() {
    runtime::show(View::Closed);
}

/// `showPreferences()`: opens the preferences dialog.
#[wasm_bindgen(js_name = showPreferences)]
pub fn show_preferences() {
    runtime::show(View::Preferences);
}

/// `reset()`: forgets the choice and shows the banner again.
#[wasm_bindgen]
pub fn reset() {
    runtime::reset();
}

fn settle(outcome: Result<crate::model::Consent, JsValue>) -> Promise {
    match outcome {
        Ok(consent) => Promise::resolve(&JsValue::from(events::consent_object(&consent))),
        Err(err) => Promise::reject(&err),
    }
}

/// Records the choice a test suite forces with `?canenrich-test=` or the `canenrich_test` cookie,
/// when the config allows test overrides; otherwise warns that it was ignored.
fn apply_test_override(config: &Config) {
    const NAME: &str = "canenrich-test";
    let Some(window) = web_sys::window() else {
        return;
    };
    let from_url = window
        .location()
        .search()
        .ok()
        .and_then(|search| crate::model::query_value(&search, NAME));
    let from_cookie = window
        .document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.cookie().ok())
        .and_then(|header| {
            crate::storage::cookie_value(&header, "canenrich_test").map(str::to_string)
        });
    let Some(value) = from_url.or(from_cookie) else {
        return;
    };
    if !config.test_overrides {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "{PREFIX} ignored the test override `{value}`: the config does not set testOverrides"
        )));
        return;
    }
    match Choice::from_override(&value, config.category_names()) {
        Some(choice) => {
            runtime::debug(&format!("test override `{value}` recorded"));
            let _ = runtime::commit(choice);
        }
        None => web_sys::console::warn_1(&JsValue::from_str(&format!(
            "{PREFIX} unreadable test override `{value}` (accept-all, reject-all or category names)"
        ))),
    }
}

/// Built-in defaults ← inline JSON ← `data-config` document ← `data-*` attributes.
fn resolve_config(options: &JsValue) -> Result<Config, ConfigError> {
    let mut sources = Vec::new();
    let inline = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(INLINE_CONFIG_ID))
        .and_then(|element| element.text_content());
    if let Some(inline) = inline {
        sources.push((
            "inline config",
            ConfigFile::parse(&inline, "inline config")?,
        ));
    }
    let remote_name = text_field(options, "remoteSource").unwrap_or_else(|| "data-config".into());
    if let Some(error) = text_field(options, "remoteError") {
        return Err(ConfigError {
            source_name: remote_name,
            path: ".".into(),
            message: format!("could not be loaded ({error})"),
        });
    }
    let remote = text_field(options, "remote")
        .map(|json| ConfigFile::parse(&json, &remote_name))
        .transpose()?;
    let attributes = attribute_config(options)?;
    let mut named: Vec<(&str, ConfigFile)> = sources;
    if let Some(remote) = remote {
        named.push((remote_name.as_str(), remote));
    }
    named.push(("data-* attributes", attributes));
    Config::resolve(&named)
}

fn attribute_config(options: &JsValue) -> Result<ConfigFile, ConfigError> {
    let attributes = Reflect::get(options, &"attributes".into()).unwrap_or_default();
    let mut members = Vec::new();
    for (attribute, field) in [
        ("lang", "language"),
        ("theme", "theme"),
        ("position", "position"),
    ] {
        if let Some(value) = text_field(&attributes, attribute) {
            members.push(format!(
                "{}:{}",
                crate::json::quote(field),
                crate::json::quote(&value)
            ));
        }
    }
    if text_field(&attributes, "debug").is_some() {
        members.push(r#""debug":true"#.to_string());
    }
    ConfigFile::parse(&format!("{{{}}}", members.join(",")), "data-* attributes")
}

fn load_texts(config: &Config) -> Result<Texts, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let page = document
        .document_element()
        .map(|html| html.get_attribute("lang").unwrap_or_default())
        .unwrap_or_default();
    let browser: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if let Some(asked) = config
        .language
        .as_deref()
        .filter(|tag| i18n::supported(tag).is_none())
    {
        // Not a config error (the contract falls through to the page's language), but a site
        // owner who set it wants to know it had no effect.
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "{PREFIX} language `{asked}` is not built in (en, zh-CN); using the page's or the browser's language"
        )));
    }
    let candidates = config
        .language
        .iter()
        .map(String::as_str)
        .chain([page.as_str()])
        .chain(browser.iter().map(String::as_str));
    Texts::load(i18n::negotiate(candidates))
        .map_err(|err| JsValue::from_str(&format!("{PREFIX} broken language file: {err}")))
}

fn text_field(object: &JsValue, key: &str) -> Option<String> {
    if object.is_undefined() || object.is_null() {
        return None;
    }
    Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

/// Waits for `DOMContentLoaded` when the document is still being parsed, so that every static
/// gated tag is in the DOM before the first release pass.
async fn dom_ready() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.ready_state() != "loading" {
        return;
    }
    let ready = Promise::new(&mut |resolve, _| {
        let _ = document.add_event_listener_with_callback("DOMContentLoaded", &resolve);
    });
    let _ = JsFuture::from(ready).await;
}

/// Lets the browser run other tasks (input, rendering) before continuing: `scheduler.yield()`
/// where there is one (the continuation keeps its priority), else a zero-delay timeout.
async fn yield_now() {
    let scheduler = Reflect::get(&js_sys::global(), &"scheduler".into()).unwrap_or_default();
    let yielded = Reflect::get(&scheduler, &"yield".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&scheduler).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok());
    let promise = yielded.unwrap_or_else(|| {
        Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(&resolve);
            }
        })
    });
    let _ = JsFuture::from(promise).await;
}

/// Any element with `data-canenrich="show-preferences"` opens the preferences dialog.
fn listen_for_settings_links() -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let listener = Closure::<dyn Fn(Event)>::new(|event: Event| {
        let target = event.target().and_then(|t| t.dyn_into::<Element>().ok());
        let link = target.and_then(|t| {
            t.closest("[data-canenrich='show-preferences']")
                .ok()
                .flatten()
        });
        if link.is_some() && runtime::is_running() {
            event.prevent_default();
            runtime::show(View::Preferences);
        }
    });
    document.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())?;
    // The listener lives as long as the page.
    listener.forget();
    Ok(())
}
