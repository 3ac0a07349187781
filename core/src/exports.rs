//! The core's `#[wasm_bindgen]` exports (the loader binds them to `window.CanEnrichConsent`)
//! and the one state they share. What the core does not export — `acceptAll`, `rejectAll`,
//! `acceptCategories`, `reset` — the loader forwards to the full build after a hand-over.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, MutationObserver};

use canenrich_consent::storage::Visible;

use crate::choice::Choice;
use crate::settings::{get, Settings};
use crate::{embed, page};

/// How often the page is checked for a choice another tab stored and for refused data.
const SWEEP_MS: i32 = 1000;

struct Core {
    choice: Choice,
    settings: Settings,
    /// The consent cookie as the page had it at start: another one means another tab chose.
    stored: Stored,
    /// The loader's hand-over: `upgrade(view, adopt)`.
    upgrade: Function,
    /// The loader's `forward(name, args)`: calls export `name` of the full build, after a
    /// hand-over.
    forward: Option<Function>,
    /// The loader's live list of shadow roots gated elements went into.
    roots: Array,
    /// The loader tag's nonce.
    nonce: Option<String>,
    sheet: CssStyleSheet,
    releasing: bool,
    release_again: bool,
    stopped: bool,
    interval: Option<i32>,
    observer: Option<MutationObserver>,
}

thread_local! {
    static CORE: RefCell<Option<Core>> = const { RefCell::new(None) };
}

/// Runs `f` on the core; `None` before start and while the core is already borrowed (a page
/// wrapper of `document.cookie` calling back in): callers then answer as if everything were
/// closed. Reads keep answering during a hand-over, until the full build answers instead.
fn with<T>(f: impl FnOnce(&mut Core) -> T) -> Option<T> {
    CORE.with(|cell| cell.try_borrow_mut().ok()?.as_mut().map(f))
}

/// Like [`with`], but `None` once the core has handed over: it no longer acts on the page.
fn running<T>(f: impl FnOnce(&mut Core) -> T) -> Option<T> {
    with(|core| (!core.stopped).then(|| f(core))).flatten()
}

fn function(options: &JsValue, key: &str) -> Option<Function> {
    get(options, key).dyn_into::<Function>().ok()
}

/// The consent cookies a `document.cookie` string shows (`storage::visible`), kept to compare.
#[derive(PartialEq)]
enum Stored {
    Nothing,
    One(String),
    Several,
}

impl Stored {
    fn of(header: &str) -> Stored {
        match canenrich_consent::storage::visible(header) {
            Visible::Nothing => Stored::Nothing,
            Visible::One { value, .. } => Stored::One(value.to_string()),
            Visible::Several => Stored::Several,
        }
    }
}

/// Starts the core with the loader's `options`: `{ consent, settings, settingsKey, upgrade,
/// css, shadowRoots, nonce, forward }`, once the page is parsed. Hands over to the full build at
/// once when the inline config no longer matches the settings, the record is no longer valid
/// under them, or the page holds refused data to erase. Resolves when started.
#[wasm_bindgen]
pub fn start(options: JsValue) -> js_sys::Promise {
    let mut options = Some(options);
    js_sys::Promise::new(&mut |resolve, reject| {
        let options = options.take().unwrap_or_default();
        page::when_parsed(move || {
            // Calling a promise's own resolve or reject function cannot throw.
            let settle = move |outcome: Result<(), JsValue>| {
                drop(match outcome {
                    Ok(()) => resolve.call0(&JsValue::NULL),
                    Err(err) => reject.call1(&JsValue::NULL, &err),
                });
            };
            match begin(&options) {
                // Releasing runs in a task of its own, so that start-up never blocks input for
                // long on a slow device.
                Ok(true) => page::next_task(move || settle(finish())),
                Ok(false) => settle(Ok(())),
                Err(err) => settle(Err(err)),
            }
        });
    })
}

/// Reads the loader's options and, when the core can do this visit's work, draws the Cookie
/// settings button, tells Consent Mode and announces the choice: `Ok(true)`. `Ok(false)`: it
/// handed over to the full build instead.
fn begin(options: &JsValue) -> Result<bool, JsValue> {
    let upgrade = function(options, "upgrade").ok_or("the loader gave no upgrade function")?;
    let (Some(choice), Some(settings)) = (
        Choice::read(&get(options, "consent")),
        Settings::read(&get(options, "settings")),
    ) else {
        // Only a loader of another version could get here: the full build decides afresh.
        upgrade.call2(&JsValue::NULL, &JsValue::NULL, &JsValue::FALSE)?;
        return Ok(false);
    };
    // An inline config after the loader tag is read once the page is parsed, as the full build
    // reads it: sources other than the settings' need the full build.
    let key = function(options, "settingsKey")
        .and_then(|f| f.call0(&JsValue::NULL).ok())
        .and_then(|k| k.as_string());
    let header = page::cookie_header();
    if key.as_deref() != Some(settings.key.as_str())
        || !choice.is_current(&settings, js_sys::Date::now())
        || page::holds_refused(&choice, &settings, &header)
    {
        upgrade.call2(&JsValue::NULL, &JsValue::NULL, &JsValue::FALSE)?;
        return Ok(false);
    }
    let sheet = CssStyleSheet::new()?;
    sheet.replace_sync(&get(options, "css").as_string().unwrap_or_default())?;
    if let Some(label) = settings.reopen.clone() {
        page::reopen_button(&settings, &label, &sheet, show_preferences)?;
    }
    page::listen_for_settings_links(show_preferences)?;
    page::consent_mode(&settings, &choice);
    let detail: JsValue = choice.object().into();
    let roots = get(options, "shadowRoots")
        .dyn_into::<Array>()
        .unwrap_or_default();
    let nonce = get(options, "nonce").as_string().filter(|n| !n.is_empty());
    CORE.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = Some(Core {
                choice,
                settings,
                stored: Stored::of(&header),
                upgrade,
                forward: function(options, "forward"),
                roots,
                nonce,
                sheet,
                releasing: false,
                release_again: false,
                stopped: false,
                interval: None,
                observer: None,
            });
        }
    });
    page::dispatch("consent", &detail);
    Ok(true)
}

/// Releases what the choice allows, starts watching, and says the core is ready.
fn finish() -> Result<(), JsValue> {
    let detail =
        with(|core| JsValue::from(core.choice.object())).ok_or("the core did not start")?;
    schedule_release();
    watch()?;
    page::dispatch("ready", &detail);
    Ok(())
}

/// Watches for held elements inserted later, and sweeps once a second for a choice another tab
/// stored and for refused data: either hands over to the full build, which applies it.
fn watch() -> Result<(), JsValue> {
    let observer = canenrich_consent::blocker::dom::watch(schedule_release).ok();
    let window = web_sys::window().ok_or("no window")?;
    let sweep = Closure::<dyn Fn()>::new(|| {
        let due = running(|core| {
            let header = page::cookie_header();
            if Stored::of(&header) != core.stored {
                Some(true)
            } else if page::holds_refused(&core.choice, &core.settings, &header) {
                Some(false)
            } else {
                None
            }
        })
        .flatten();
        if let Some(adopt) = due {
            hand_over(JsValue::NULL, adopt);
        }
    });
    let interval = window.set_interval_with_callback_and_timeout_and_arguments_0(
        sweep.as_ref().unchecked_ref(),
        SWEEP_MS,
    )?;
    // The sweep runs as long as the page, or until a hand-over clears it.
    sweep.forget();
    with(|core| {
        core.interval = Some(interval);
        core.observer = observer;
    });
    Ok(())
}

/// Asks the loader for the full build, showing `view` (`"banner"`, `"preferences"` or null);
/// `adopt` when it takes over because another tab stored a choice (it then announces it).
fn hand_over(view: JsValue, adopt: bool) {
    let Some(upgrade) = running(|core| core.upgrade.clone()) else {
        return;
    };
    if let Err(err) = upgrade.call2(&JsValue::NULL, &view, &JsValue::from_bool(adopt)) {
        web_sys::console::error_2(
            &JsValue::from_str("CanEnrich Consent: could not load the preferences"),
            &err,
        );
    }
}

/// Runs release passes one at a time, so tags keep document order even when inserted elements
/// arrive while a pass waits for a script; then draws placeholders in refused frames.
fn schedule_release() {
    let start = running(|core| {
        if core.releasing {
            core.release_again = true;
            false
        } else {
            core.releasing = true;
            true
        }
    });
    if start != Some(true) {
        return;
    }
    release_pass();
}

/// One release pass with the core's state; [`pass_done`] follows it.
fn release_pass() {
    let Some((roots, nonce)) = running(|core| (core.roots.clone(), core.nonce.clone())) else {
        return;
    };
    page::release(page::Pass {
        allows: |gate, service| running(|core| core.choice.allows(gate, service)).unwrap_or(false),
        roots,
        nonce,
        done: pass_done,
    });
}

/// After a pass: placeholders in the frames still held, and another pass if elements arrived
/// meanwhile.
fn pass_done() {
    running(|core| {
        let allow: Rc<dyn Fn(String)> = Rc::new(allow_category);
        embed::cover(&core.choice, &core.settings, &core.sheet, &allow);
    });
    let again = running(|core| {
        let again = core.release_again;
        core.release_again = false;
        core.releasing = again;
        again
    });
    if again == Some(true) {
        release_pass();
    }
}

/// "Always allow" on a placeholder: the full build records the current choice plus `category`.
fn allow_category(category: String) {
    let Some(forward) = running(|core| core.forward.clone()).flatten() else {
        return;
    };
    let _ = forward.call2(
        &JsValue::NULL,
        &JsValue::from_str("allowCategory"),
        &Array::of1(&JsValue::from_str(&category)),
    );
}

/// `getConsent()`: the stored record.
#[wasm_bindgen(js_name = getConsent)]
pub fn get_consent() -> JsValue {
    with(|core| JsValue::from(core.choice.object())).unwrap_or(JsValue::NULL)
}

/// `acceptedCategory(name)`: `false` for anything but an accepted category's name.
#[wasm_bindgen(js_name = acceptedCategory)]
pub fn accepted_category(name: JsValue) -> bool {
    name.as_string()
        .and_then(|name| with(|core| core.choice.accepts(&name)))
        .unwrap_or(false)
}

/// For the loader's element guard: may an element gated by `attribute` (and `service`) run?
#[wasm_bindgen]
pub fn allows(attribute: &str, service: Option<String>) -> bool {
    with(|core| core.choice.allows(attribute, service.as_deref())).unwrap_or(false)
}

/// For the loader's cookie guard: may a script's `document.cookie = assignment` be kept?
#[wasm_bindgen(js_name = keepsCookie)]
pub fn keeps_cookie(assignment: &str) -> bool {
    let now = js_sys::Date::now();
    with(|core| core.choice.keeps_cookie(&core.settings, assignment, now)).unwrap_or(false)
}

/// `getState()`: no banner or dialog is open in the core; `held` counts what still waits.
#[wasm_bindgen(js_name = getState)]
pub fn get_state() -> JsValue {
    let roots = with(|core| core.roots.clone()).unwrap_or_default();
    let state = Object::new();
    for (key, value) in [
        ("bannerOpen", JsValue::FALSE),
        ("preferencesOpen", JsValue::FALSE),
        ("held", JsValue::from(page::held_count(&roots))),
    ] {
        let _ = Reflect::set(&state, &JsValue::from_str(key), &value);
    }
    state.into()
}

/// `stop()`: the loader hands the page to the full build; the core stops watching and drawing.
#[wasm_bindgen]
pub fn stop() {
    let handles = running(|core| {
        core.stopped = true;
        (core.interval.take(), core.observer.take())
    });
    if let Some((interval, observer)) = handles {
        if let (Some(id), Some(window)) = (interval, web_sys::window()) {
            window.clear_interval_with_handle(id);
        }
        if let Some(observer) = observer {
            observer.disconnect();
        }
    }
    page::close();
}

/// `show()`: the banner, drawn by the full build.
#[wasm_bindgen]
pub fn show() {
    hand_over(JsValue::from_str("banner"), false);
}

/// `showPreferences()`: the preferences dialog, drawn by the full build.
#[wasm_bindgen(js_name = showPreferences)]
pub fn show_preferences() {
    hand_over(JsValue::from_str("preferences"), false);
}

/// `hide()`: nothing is open in the core.
#[wasm_bindgen]
pub fn hide() {}
