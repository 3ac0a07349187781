//! Start-up: waits for the document, resolves the config from its sources (built-in, inline
//! JSON, `data-config`, `data-*` attributes; an invalid one runs fail-closed), negotiates the
//! language, starts the runtime, honours Global Privacy Control and a test override, draws the
//! UI and hands over to the runtime's start-up apply. It also keeps the lean core's settings for
//! the next visit (`core_settings`).

use std::rc::Rc;

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event};

use crate::config::{Config, ConfigError, ConfigFile, INLINE_CONFIG_ID};
use crate::core_settings;
use crate::error::Error;
use crate::events;
use crate::i18n::{self, Texts};
use crate::model::{Decision, View};
use crate::runtime;
use crate::ui;

const PREFIX: &str = "CanEnrich Consent:";

/// Starts the widget with the loader's `options` (see `api::start`). Returns once the banner, if
/// one is due, is rendered.
pub async fn start(options: JsValue) -> Result<(), Error> {
    // The inline config may follow the loader in the page: read it once the DOM is parsed.
    dom_ready().await?;
    if let Some(setter) = Reflect::get(&options, &"cookieSetter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    {
        crate::storage::cookie::use_native_setter(setter);
    }
    // On https, a choice an earlier version kept under the http name moves to the `__Host-` name
    // (or is erased when the browser cannot vouch for it) before anything reads it.
    if let Some(store) = crate::storage::cookie::CookieStore::open() {
        store.migrate().await;
    }
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
    keep_core_settings(&options, &config, &texts, fail_closed);
    // Start-up runs in three tasks (read, decide, draw) so that none blocks input for long on a
    // slow device; until the runtime starts, the loader's guards hold everything optional.
    yield_now().await?;
    let suffix_list = Reflect::get(&options, &"suffixList".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    // The loader's live list of the shadow roots gated elements went into (it grows later).
    let shadow_roots = Reflect::get(&options, &"shadowRoots".into())
        .ok()
        .and_then(|roots| roots.dyn_into::<js_sys::Array>().ok())
        .unwrap_or_default();
    // The loader tag's nonce: under a nonce-based CSP, held scripts must carry it to be released.
    let nonce = text_field(&options, "nonce").filter(|n| !n.is_empty());
    runtime::init(
        config.clone(),
        fail_closed,
        suffix_list,
        shadow_roots,
        nonce,
    );
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
    let sheet = web_sys::CssStyleSheet::new().map_err(Error::browser("new CSSStyleSheet()"))?;
    sheet
        .replace_sync(&css)
        .map_err(Error::browser("CSSStyleSheet.replaceSync"))?;
    yield_now().await?;
    let drawn = draw(&options, Rc::new(config), texts.clone(), &sheet)
        .await
        .and_then(|()| {
            runtime::present(texts, sheet);
            listen_for_settings_links()?;
            runtime::watch()
        });
    if let Err(err) = drawn {
        // Whatever could not be drawn, what refused categories left goes now.
        runtime::erase_refused();
        return Err(err);
    }
    let handover = Reflect::get(&options, &"handover".into()).is_ok_and(|v| v.is_truthy());
    let previous = Reflect::get(&options, &"previous".into())
        .ok()
        .filter(|p| p.is_object())
        .and_then(|p| Reflect::get(&p, &"categories".into()).ok())
        .filter(js_sys::Array::is_array)
        .map(|list| {
            js_sys::Array::from(&list)
                .iter()
                .filter_map(|name| name.as_string())
                .collect()
        });
    runtime::start_up(!handover, previous);
    // Receipts earlier pages could not deliver (the loader never gives a visit with receipts
    // waiting to the lean core, which does not send).
    crate::delivery::resume();
    // Taking over from a lean core that had started: that one said it is ready.
    if !handover && runtime::is_running() {
        events::dispatch(
            "ready",
            &runtime::consent()
                .map(|c| events::consent_object(&c).into())
                .unwrap_or(JsValue::NULL),
        );
    }
    Ok(())
}

/// Renders the Yew UI and waits for its first render. When the loader painted the pre-rendered
/// first layer, the UI takes it over: it hydrates the painted markup when that is untouched and
/// has the key of this first render (Yew panics on markup that does not match), else it renders
/// afresh beside it and removes it in the same task, before the browser paints again.
async fn draw(
    options: &JsValue,
    config: Rc<Config>,
    texts: Rc<Texts>,
    sheet: &web_sys::CssStyleSheet,
) -> Result<(), Error> {
    let initial = runtime::snapshot().ok_or(Error::NotStarted)?;
    // The loader stops holding presses from here on, and answers the key of the banner it
    // painted when that markup is still untouched.
    let painted_key = Reflect::get(options, &"takeOver".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|take_over| take_over.call0(&JsValue::UNDEFINED).ok())
        .and_then(|key| key.as_string());
    let painted_root = crate::host::painted_root();
    let matches = painted_key.is_some()
        && crate::first_paint::key_of(&config, &texts, &initial) == painted_key;
    let hydrate = painted_root.as_ref().filter(|_| matches).cloned();
    let root = match &hydrate {
        Some(root) => crate::host::adopt(root, sheet),
        None if painted_root.is_some() => crate::host::open_beside(sheet, &texts),
        None => crate::host::open(sheet, &texts),
    }
    .map_err(Error::browser("opening the widget"))?;
    let mut resolve_rendered = None;
    let rendered = Promise::new(&mut |resolve, _| resolve_rendered = Some(resolve));
    let live = root.clone();
    let setup = ui::Setup {
        config,
        texts,
        on_decide: Rc::new(|decision| {
            if let Err(err) = runtime::commit(decision) {
                err.report();
            }
        }),
        on_show: Rc::new(runtime::show),
        on_dismiss: Rc::new(runtime::dismiss),
        connect: Rc::new(move |sink| {
            // Rendered, effects included, in this same task: the painted first layer gives way
            // to the new one before the browser paints again.
            crate::host::retire_painted(&live);
            runtime::connect(sink);
            if let Some(resolve) = &resolve_rendered {
                // Calling a promise's own resolve function cannot throw.
                resolve.call0(&JsValue::UNDEFINED).ok();
            }
        }),
    };
    if hydrate.is_some() {
        runtime::debug("hydrating the pre-rendered first layer");
        ui::hydrate(root, setup, initial);
    } else {
        ui::mount(root, setup, initial);
    }
    // The app connects right after its first render: from then on the banner is on screen.
    JsFuture::from(rendered)
        .await
        .map_err(Error::browser("rendering the widget"))?;
    Ok(())
}

/// Keeps the core settings for the lean core of the next visit (`core_settings`), under the
/// loader's key of the config sources read here (`options.settingsKey()`), or forgets the ones
/// kept under that key when this config needs the full build. Missing or throwing storage only
/// means that the next visit runs the full build again.
fn keep_core_settings(options: &JsValue, config: &Config, texts: &Texts, fail_closed: bool) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    let Some(key) = Reflect::get(options, &"settingsKey".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
        .and_then(|key| key.as_string())
    else {
        return;
    };
    let stored = storage
        .get_item(core_settings::STORAGE_KEY)
        .ok()
        .flatten()
        .unwrap_or_default();
    let kept = core_settings::keep(
        &stored,
        &key,
        core_settings::applies(config, fail_closed)
            .then(|| core_settings::json(config, texts, &key)),
    );
    if storage.set_item(core_settings::STORAGE_KEY, &kept).is_err() {
        web_sys::console::info_1(&JsValue::from_str(&format!(
            "{PREFIX} could not keep the settings of the lean core; the next visit loads the full build"
        )));
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
    match Decision::from_override(&value, config.category_names()) {
        Some(decision) => {
            runtime::debug(&format!("test override `{value}` recorded"));
            if let Err(err) = runtime::commit(decision) {
                err.report();
            }
        }
        None => web_sys::console::warn_1(&JsValue::from_str(&format!(
            "{PREFIX} unreadable test override `{value}` (accept-all, reject-all or category names)"
        ))),
    }
}

/// Built-in defaults ← inline JSON ← `data-config` document ← `data-*` attributes. The inline
/// config is read only from `<script type="application/json" id="canenrich-consent-config">`
/// (`config::inline_config`), and its `testOverrides` is ignored: markup on the page, user
/// content included, must not be able to switch test overrides on.
fn resolve_config(options: &JsValue) -> Result<Config, ConfigError> {
    let mut sources = Vec::new();
    let found = inline_elements();
    let inline = crate::config::inline_config(&found)?;
    if let Some((tag, _, _)) = found.first().filter(|_| inline.is_none()) {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "{PREFIX} ignored a <{}> with id=\"{INLINE_CONFIG_ID}\": an inline config must be a <script type=\"application/json\">",
            tag.to_ascii_lowercase()
        )));
    }
    if let Some(inline) = inline {
        let mut file = ConfigFile::parse(inline, "inline config")?;
        if file.test_overrides.take().is_some() {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "{PREFIX} ignored testOverrides in the inline config: set it in the data-config file or with data-test-overrides on the loader tag"
            )));
        }
        sources.push(("inline config", file));
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

/// Every element with the inline config's id, as `(tag name, type attribute, text)`.
fn inline_elements() -> Vec<(String, Option<String>, String)> {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let Ok(list) = document.query_selector_all(&format!("[id='{INLINE_CONFIG_ID}']")) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
        .map(|element| {
            (
                element.tag_name(),
                element.get_attribute("type"),
                element.text_content().unwrap_or_default(),
            )
        })
        .collect()
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
    if text_field(&attributes, "testOverrides").is_some() {
        members.push(r#""testOverrides":true"#.to_string());
    }
    ConfigFile::parse(&format!("{{{}}}", members.join(",")), "data-* attributes")
}

fn load_texts(config: &Config) -> Result<Texts, Error> {
    let window = web_sys::window().ok_or(Error::Missing("window"))?;
    let document = window.document().ok_or(Error::Missing("document"))?;
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
    Texts::load(i18n::negotiate(candidates)).map_err(|err| Error::Language(err.to_string()))
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
async fn dom_ready() -> Result<(), Error> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(Error::Missing("document"))?;
    if document.ready_state() != "loading" {
        return Ok(());
    }
    let mut listening = Ok(());
    let ready = Promise::new(&mut |resolve, _| {
        listening = document.add_event_listener_with_callback("DOMContentLoaded", &resolve);
    });
    listening.map_err(Error::browser("waiting for DOMContentLoaded"))?;
    JsFuture::from(ready)
        .await
        .map_err(Error::browser("waiting for DOMContentLoaded"))?;
    Ok(())
}

/// Lets the browser run other tasks (input, rendering) before continuing: `scheduler.yield()`
/// where there is one (the continuation keeps its priority), else a zero-delay timeout.
async fn yield_now() -> Result<(), Error> {
    let scheduler = Reflect::get(&js_sys::global(), &"scheduler".into()).unwrap_or_default();
    let yielded = Reflect::get(&scheduler, &"yield".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&scheduler).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok());
    let promise = match yielded {
        Some(promise) => promise,
        None => {
            let window = web_sys::window().ok_or(Error::Missing("window"))?;
            let mut scheduled = Ok(0);
            let promise = Promise::new(&mut |resolve, _| {
                scheduled = window.set_timeout_with_callback(&resolve);
            });
            scheduled.map_err(Error::browser("setTimeout"))?;
            promise
        }
    };
    JsFuture::from(promise)
        .await
        .map_err(Error::browser("yielding to the browser"))?;
    Ok(())
}

/// Any element with `data-canenrich="show-preferences"` opens the preferences dialog.
fn listen_for_settings_links() -> Result<(), Error> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(Error::Missing("document"))?;
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
    document
        .add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())
        .map_err(Error::browser("listening for Cookie settings links"))?;
    // The listener lives as long as the page.
    listener.forget();
    Ok(())
}
