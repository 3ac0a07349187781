//! The single commit path. Every choice — banner, preferences dialog, JS API, test override,
//! Global Privacy Control, a placeholder's "Always allow" — ends in [`commit`]; every change of
//! the stored choice — a choice, another tab's choice, [`reset`], start-up — ends in one
//! `apply`: notify the screen → erase refused → Consent Mode → events → release accepted.
//! The runtime owns the page's one consent state and the one [`View`]; adapters do the IO.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::blocker::{dom, embed, plan};
use crate::config::Config;
use crate::error::Error;
use crate::events;
use crate::model::{self, changed_categories, Consent, Decision, Occasion, Snapshot, View};
use crate::storage::{self, cookie::CookieStore};

/// Something the UI is told whenever what it shows must change.
pub type UiSink = Rc<dyn Fn(Snapshot)>;

struct Runtime {
    config: Config,
    /// The config was invalid: nothing non-essential is released on this page view.
    fail_closed: bool,
    consent: Option<Consent>,
    cookies: Option<CookieStore>,
    cookies_enabled: bool,
    /// The browser sends the Global Privacy Control signal.
    gpc: bool,
    /// The visitor chose under an older revision and is being asked again.
    renewal: bool,
    view: View,
    ui: Option<UiSink>,
    releasing: bool,
    release_again: bool,
    /// Pre-consent leaks already reported in debug mode.
    reported_leaks: BTreeSet<String>,
    /// Placeholders for gated frames, once the UI's texts and styles are known.
    embeds: Option<embed::Embeds>,
    /// Handed over to another module: this one does nothing more.
    stopped: bool,
    /// The sweep's interval, cleared on hand-over.
    interval: Option<i32>,
    /// The watcher of inserted elements, disconnected on hand-over.
    observer: Option<web_sys::MutationObserver>,
    /// The loader's fetch of the Public Suffix List (a promise of its text), taken on first use.
    suffix_list: Option<js_sys::Function>,
    /// The loader's live list of the shadow roots gated elements went into, searched like the
    /// document when releasing.
    shadow_roots: js_sys::Array,
    /// The page's host name.
    host: String,
    /// The `Domain`s erasing covers on this host: every parent until the Public Suffix List has
    /// named the registrable domain, then up to it.
    cookie_domains: Vec<Option<String>>,
    /// The loader tag's CSP nonce: when there is one, only held scripts carrying it are released.
    page_nonce: Option<String>,
}

thread_local! {
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Runs `f` on the runtime; `None` before start-up, and while the runtime is already at work
/// (see [`try_with`]): callers answer as if everything were closed.
fn with<T>(f: impl FnOnce(&mut Runtime) -> T) -> Option<T> {
    try_with(f).ok()
}

/// Runs `f` on the runtime, or says why it cannot. The runtime reads cookies, posts receipts and
/// logs while it is borrowed, and a page may wrap `document.cookie`, `navigator.sendBeacon` or
/// `console.*` and call the API from the wrapper: such a call comes back in while the runtime is
/// borrowed. It is answered as [`Error::Busy`] instead of panicking, which would trap the
/// WebAssembly for the rest of the page.
fn try_with<T>(f: impl FnOnce(&mut Runtime) -> T) -> Result<T, Error> {
    RUNTIME.with(|cell| match cell.try_borrow_mut() {
        Ok(mut runtime) => runtime.as_mut().map(f).ok_or(Error::NotStarted),
        Err(_) => Err(Error::Busy),
    })
}

/// Starts the runtime: loads the stored choice (anything unreadable or outdated counts as none),
/// erases what refused categories left, and decides whether the banner shows.
/// `suffix_list` is the loader's fetch of the Public Suffix List, used only when something must
/// be erased on a host with parent domains; `shadow_roots` is the loader's live list of the shadow
/// roots gated elements went into; `page_nonce` the loader tag's nonce.
pub fn init(
    config: Config,
    fail_closed: bool,
    suffix_list: Option<js_sys::Function>,
    shadow_roots: js_sys::Array,
    page_nonce: Option<String>,
) {
    let cookies = CookieStore::open();
    let host = dom::hostname();
    let now = now();
    let record = cookies.as_ref().and_then(|store| storage::read(store));
    let consent = cookies
        .as_ref()
        .and_then(|store| load_valid(&config, fail_closed, store, now));
    let renewal = consent.is_none() && record.is_some_and(|r| r.revision < config.revision);
    let cookies_enabled = cookies.as_ref().is_some_and(CookieStore::is_enabled);
    let view = if consent.is_some() {
        View::Closed
    } else {
        View::Banner
    };
    let runtime = Runtime {
        config,
        fail_closed,
        consent,
        cookies,
        cookies_enabled,
        gpc: gpc_signal(),
        renewal,
        view,
        ui: None,
        releasing: false,
        release_again: false,
        reported_leaks: BTreeSet::new(),
        embeds: None,
        stopped: false,
        interval: None,
        observer: None,
        suffix_list,
        shadow_roots,
        cookie_domains: plan::cookie_domains(&host, None),
        host,
        page_nonce,
    };
    RUNTIME.with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = Some(runtime);
        }
    });
}

/// Starts watching the page: held elements inserted later are released when allowed, and
/// cookies or storage written by anything (scripts, HTTP responses) for a refused category are
/// erased within a second.
pub fn watch() -> Result<(), Error> {
    let observer = dom::watch(schedule_release).map_err(Error::browser("watching the page"))?;
    let window = web_sys::window().ok_or(Error::Missing("window"))?;
    let sweep = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
        if is_running() {
            adopt_stored();
            erase();
        }
    });
    let interval = window
        .set_interval_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(sweep.as_ref()),
            1000,
        )
        .map_err(Error::browser("setInterval"))?;
    // The sweep runs as long as the page (or until a hand-over clears the interval).
    sweep.forget();
    with(|rt| {
        rt.interval = Some(interval);
        rt.observer = Some(observer);
    });
    Ok(())
}

/// Takes over a choice another tab stored (or a reset it made): the banner closes or opens,
/// released tags run and refused ones are erased here too, without a reload.
fn adopt_stored() {
    let change = with(|rt| {
        let store = rt.cookies.as_ref().filter(|_| rt.cookies_enabled)?;
        let stored = load_valid(&rt.config, rt.fail_closed, store, now());
        if stored == rt.consent {
            return None;
        }
        rt.view = match (&stored, rt.view) {
            (None, _) => View::Banner,
            (Some(_), View::Preferences) => View::Preferences,
            (Some(_), _) => View::Closed,
        };
        Some(rt.replace(stored, true))
    })
    .flatten();
    if let Some(change) = change {
        apply(change);
    }
}

/// Whether an element gated by `data-category` = `attribute` (and `data-service` = `service`)
/// may run now (the loader asks this
/// for elements inserted by scripts; unreadable gates and a runtime that has not started say no).
pub fn allows(attribute: &str, service: Option<&str>) -> bool {
    let Some(gate) = plan::Gate::parse(attribute) else {
        return false;
    };
    with(|rt| gate.is_open_for(rt.released(), service)).unwrap_or(false)
}

/// Whether a script's `document.cookie` assignment may be kept (the loader's cookie guard asks).
pub fn keeps_cookie(assignment: &str) -> bool {
    let assignment = plan::parse_assignment(assignment, now());
    assignment.deletes
        || with(|rt| plan::keeps_cookie(&rt.config, rt.released(), assignment.name))
            .unwrap_or(false)
}

impl Runtime {
    /// The choice that releases tags: none while fail-closed.
    fn released(&self) -> Option<&Consent> {
        if self.fail_closed {
            None
        } else {
            self.consent.as_ref()
        }
    }

    /// `consent` as the API and events report it: while fail-closed, only `necessary` is
    /// accepted, whatever is stored.
    fn public(&self, consent: Option<&Consent>) -> Option<Consent> {
        consent.map(|c| {
            if self.fail_closed {
                c.limited_to_necessary()
            } else {
                c.clone()
            }
        })
    }

    /// The categories whose acceptance, as reported, differs between `before` and `after`.
    fn changed(&self, before: Option<&Consent>, after: Option<&Consent>) -> Vec<String> {
        changed_categories(
            self.public(before).as_ref(),
            self.public(after).as_ref(),
            self.config.category_names(),
        )
    }

    /// Makes `consent` the current choice and says what that changed; `announce` when it is a
    /// choice to announce with `canenrich:consent` (not when it is forgotten).
    fn replace(&mut self, consent: Option<Consent>, announce: bool) -> Change {
        let changed = self.changed(self.consent.as_ref(), consent.as_ref());
        self.consent = consent;
        Change {
            consent: self.public(self.consent.as_ref()),
            changed,
            announce,
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            view: self.view,
            consent: self.consent.clone(),
            cookies_enabled: self.cookies_enabled,
            gpc: self.gpc,
            renewal: self.renewal && self.consent.is_none(),
        }
    }

    /// What the screen needs now; acted on once the runtime is no longer borrowed.
    fn surface(&self) -> Surface {
        if self.stopped {
            return Surface::Unchanged;
        }
        match &self.ui {
            Some(ui) => Surface::Tell(ui.clone(), self.snapshot()),
            None => Surface::Unchanged,
        }
    }
}

/// What a change of the current choice did, for [`apply`] to carry out on the page.
struct Change {
    /// The choice as the API and events report it now (`None` once forgotten).
    consent: Option<Consent>,
    /// The categories whose acceptance, as reported, differs from before.
    changed: Vec<String>,
    /// Whether `canenrich:consent` announces `consent` (a choice made, adopted or loaded).
    announce: bool,
}

/// Carries a change out on the page, the same way whatever made it: the screen follows the
/// state, what refused categories left is erased, Google Consent Mode is told, the events go
/// out, and what the choice allows is released.
fn apply(change: Change) {
    refresh();
    let survivors = erase();
    announce_mode();
    if let Some(consent) = change.consent.as_ref().filter(|_| change.announce) {
        events::consent(consent);
    }
    if !change.changed.is_empty() {
        events::change(change.consent.as_ref(), &change.changed, &survivors);
    }
    schedule_release();
}

/// What [`refresh`] does.
enum Surface {
    /// Tell the UI the new state.
    Tell(UiSink, Snapshot),
    /// Nothing to draw.
    Unchanged,
}

/// Brings the screen in line with the state: tells the UI.
fn refresh() {
    if let Some(Surface::Tell(ui, snapshot)) = with(|rt| rt.surface()) {
        ui(snapshot);
    }
}

/// Connects the UI; it is told the current state at once.
pub fn connect(ui: UiSink) {
    with(|rt| rt.ui = Some(ui));
    refresh();
}

/// Whether this module is still the page's widget (not handed over to another).
pub fn is_running() -> bool {
    with(|rt| !rt.stopped).unwrap_or(false)
}

/// Hands over: stops sweeping, watching and drawing, so another module can take the page.
pub fn stop() {
    let handles = with(|rt| {
        rt.stopped = true;
        (rt.interval.take(), rt.observer.take())
    });
    if let Some((interval, observer)) = handles {
        if let (Some(id), Some(window)) = (interval, web_sys::window()) {
            window.clear_interval_with_handle(id);
        }
        if let Some(observer) = observer {
            observer.disconnect();
        }
    }
    crate::delivery::stop();
    crate::host::close();
}

/// Enables placeholders for gated frames (made with the UI's texts and stylesheet).
pub fn present(texts: Rc<crate::i18n::Texts>, sheet: web_sys::CssStyleSheet) {
    with(|rt| {
        rt.embeds = Some(embed::Embeds {
            texts,
            config: Rc::new(rt.config.clone()),
            sheet,
            on_allow: Rc::new(allow_category),
        });
    });
}

/// "Always allow" on a placeholder: the current choice plus `category`.
pub fn allow_category(category: String) {
    let current = stored();
    let mut accepted: BTreeSet<String> = current
        .as_ref()
        .map(|c| c.accepted.clone())
        .unwrap_or_default();
    accepted.insert(category);
    let refused_services = current.map(|c| c.refused_services).unwrap_or_default();
    if let Err(err) = commit(Decision::Save {
        accepted,
        refused_services,
    }) {
        err.report();
    }
}

/// What the widget shows and the state it reflects.
pub fn snapshot() -> Option<Snapshot> {
    with(|rt| rt.snapshot())
}

/// `(banner open, preferences open, elements still held)` for `getState()`.
pub fn state() -> (bool, bool, usize) {
    let view = with(|rt| rt.view).unwrap_or(View::Closed);
    (
        view == View::Banner,
        view == View::Preferences,
        dom::held(&shadow_roots()).len(),
    )
}

/// Logs `line` on the console when debug mode is on.
pub fn debug(line: &str) {
    if with(|rt| rt.config.debug).unwrap_or(false) {
        web_sys::console::info_1(&JsValue::from_str(&format!(
            "CanEnrich Consent [debug] {line}"
        )));
    }
}

/// The config the page runs with.
pub fn config() -> Option<Config> {
    with(|rt| rt.config.clone())
}

/// The current choice as the API and events report it (see `Runtime::public`).
pub fn consent() -> Option<Consent> {
    with(|rt| rt.public(rt.consent.as_ref())).flatten()
}

/// The current choice exactly as stored.
fn stored() -> Option<Consent> {
    with(|rt| rt.consent.clone()).flatten()
}

/// Opens `view` (or closes everything with [`View::Closed`]).
pub fn show(view: View) {
    with(|rt| rt.view = view);
    refresh();
}

/// Closes the preferences dialog without a choice: back to the banner while there is no choice.
pub fn dismiss() {
    with(|rt| {
        rt.view = if rt.consent.is_some() {
            View::Closed
        } else {
            View::Banner
        };
    });
    refresh();
}

/// Records `decision`: the one path every button and API call takes. Resolves with the record
/// as the API reports it.
pub fn commit(decision: Decision) -> Result<Consent, Error> {
    let id = model::uuid::v4(random_bytes());
    let now = now();
    let (reported, change, saved, receipt) = try_with(|rt| {
        let occasion = Occasion {
            id,
            now,
            gpc: rt.gpc,
        };
        let consent = decision.record(&rt.config.notice(), occasion);
        let saved = rt
            .cookies
            .as_ref()
            .map(|store| storage::save(store, &consent, rt.config.max_age(&consent)));
        let receipt = rt
            .config
            .receipt_endpoint
            .clone()
            .filter(|_| consent.method.has_receipt())
            .map(|endpoint| {
                let json = model::codec::receipt_json(&consent, &rt.config.fingerprint());
                (endpoint, consent.id.clone(), json)
            });
        let reported = rt.public(Some(&consent)).unwrap_or_else(|| consent.clone());
        rt.renewal = false;
        rt.view = View::Closed;
        (reported, rt.replace(Some(consent), true), saved, receipt)
    })?;
    if let Some(Err(err)) = saved {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "CanEnrich Consent: the choice applies to this page only: {err}"
        )));
    }
    if let Some((endpoint, id, json)) = receipt {
        crate::delivery::post(&endpoint, &id, &json);
    }
    apply(change);
    Ok(reported)
}

/// Honours the Global Privacy Control signal over a stored "Accept all" made before the
/// browser sent it: the choice is recorded again, without the categories the signal refuses.
pub fn honour_gpc() {
    let decision = with(|rt| {
        let consent = rt.consent.as_ref().filter(|_| rt.gpc)?;
        consent.regranted_under_gpc(rt.config.gpc_categories())
    })
    .flatten();
    if let Some(decision) = decision {
        debug(
            "the stored Accept all was made before Global Privacy Control; recorded again under it",
        );
        if let Err(err) = commit(decision) {
            err.report();
        }
    }
}

/// Forgets the stored choice and shows the banner again.
pub fn reset() {
    let outcome = with(|rt| {
        let cleared = rt.cookies.as_ref().map(storage::ConsentStore::clear);
        rt.view = View::Banner;
        (rt.replace(None, false), cleared)
    });
    let Some((change, cleared)) = outcome else {
        return;
    };
    if let Some(Err(err)) = cleared {
        debug(&format!("the stored choice could not be cleared: {err}"));
    }
    apply(change);
}

/// Erases what refused categories left, and nothing more: start-up's last act when the screen
/// could not be drawn (nothing is released then).
pub fn erase_refused() {
    erase();
}

/// Finishes start-up once the screen is drawn: what refused categories left is erased, the
/// stored choice is announced (the `canenrich:consent` event only when `with_event`: a
/// hand-over does not announce twice) and what it allows is released. `previous`: the
/// categories the lean core ran the page with, when it handed over because another tab stored
/// a choice; that choice is then announced with what it changed, as if adopted here.
pub fn start_up(with_event: bool, previous: Option<Vec<String>>) {
    let change = with(|rt| {
        let consent = rt.public(rt.consent.as_ref());
        // In name order, as `changed_categories` gives them (a set: no sort in the build).
        let changed: Vec<String> = match &previous {
            Some(before) => model::set_of(
                rt.config
                    .category_names()
                    .filter(|name| *name != model::NECESSARY)
                    .filter(|name| {
                        before.iter().any(|b| b == name)
                            != consent.as_ref().is_some_and(|c| c.accepts(name))
                    })
                    .map(str::to_string),
            )
            .into_iter()
            .collect(),
            None => Vec::new(),
        };
        Change {
            consent,
            changed,
            announce: with_event || previous.is_some(),
        }
    });
    if let Some(change) = change {
        apply(change);
    }
}

/// Tells Google Consent Mode what the current choice grants (nothing optional while
/// fail-closed).
fn announce_mode() {
    if let Some((mapping, released)) =
        with(|rt| (rt.config.consent_mode.clone(), rt.released().cloned()))
    {
        events::consent_mode(&mapping, released.as_ref());
    }
}

/// Erases what refused categories left and returns what survived (cookies set for a domain or
/// path the page cannot reach, `HttpOnly` cookies); survivors are reported on the console.
fn erase() -> plan::Erasure {
    let (erased, survivors, leaks, domains) = with(|rt| {
        let store = rt.cookies.as_ref()?;
        let (erased, survivors) = dom::erase(&rt.config, rt.released(), store, &rt.cookie_domains);
        let mut leaks = Vec::new();
        if rt.config.debug && rt.consent.is_none() {
            let (cookies, storage) = dom::present(store);
            let found = plan::leaks(&rt.config, &cookies, &storage);
            for name in found
                .cookies
                .iter()
                .map(|n| format!("cookie {n}"))
                .chain(found.storage.iter().map(|k| format!("storage key {k}")))
                .chain(
                    dom::requests()
                        .into_iter()
                        .map(|r| format!("request ({r})")),
                )
            {
                if rt.reported_leaks.insert(name.clone()) {
                    leaks.push(name);
                }
            }
        }
        // Named in the debug line only, when something was erased.
        let domains = if erased.is_empty() {
            Vec::new()
        } else {
            rt.cookie_domains.clone()
        };
        Some((erased, survivors, leaks, domains))
    })
    .flatten()
    .unwrap_or_default();
    if !erased.is_empty() {
        use crate::json::string_array as list;
        debug(&format!(
            "erased cookies {} (host-only and for domains {}) and storage keys {}",
            list(&erased.cookies),
            list(domains.iter().flatten()),
            list(&erased.storage)
        ));
        look_up_registrable();
    }
    for leak in leaks {
        debug(&format!(
            "pre-consent leak: {leak} appeared before any choice (no category lists it; check it is essential)"
        ));
    }
    if !survivors.is_empty() {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "CanEnrich Consent: could not erase cookies {} / storage keys {}",
            crate::json::string_array(&survivors.cookies),
            crate::json::string_array(&survivors.storage)
        )));
    }
    survivors
}

/// Fetches the Public Suffix List once, the first time something is erased on a host with parent
/// domains, so that later erasing stops at the registrable domain. Until then, and if the list
/// cannot load, every parent is tried.
fn look_up_registrable() {
    let Some((fetch, host)) = with(|rt| {
        if !plan::needs_suffix_list(&rt.host) {
            return None;
        }
        Some((rt.suffix_list.take()?, rt.host.clone()))
    })
    .flatten() else {
        return;
    };
    spawn_local(async move {
        let text = match fetch.call0(&JsValue::NULL) {
            Ok(promise) => {
                wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise)).await
            }
            Err(err) => Err(err),
        };
        let found = text
            .map_err(|err| format!("{err:?}"))
            .and_then(|text| text.as_string().ok_or_else(|| "not text".to_string()))
            .and_then(|text| plan::registrable_domain(&text, &host));
        match found {
            Ok(domain) => {
                // A host that is a public suffix itself is its own bound.
                let domain = domain.unwrap_or_else(|| host.clone());
                debug(&format!("cookies on {host} are erased up to {domain}"));
                with(|rt| rt.cookie_domains = plan::cookie_domains(&host, Some(&domain)));
            }
            Err(err) => debug(&format!(
                "the Public Suffix List did not load ({err}); erasing keeps trying every parent domain"
            )),
        }
    });
}

/// The shadow roots gated elements went into (none before start-up).
fn shadow_roots() -> js_sys::Array {
    with(|rt| rt.shadow_roots.clone()).unwrap_or_default()
}

/// Runs release passes one at a time, so that tags keep document order even when choices
/// arrive while a pass is waiting for a script.
fn schedule_release() {
    let start = with(|rt| {
        if rt.stopped {
            false
        } else if rt.releasing {
            rt.release_again = true;
            false
        } else {
            rt.releasing = true;
            true
        }
    });
    if start != Some(true) {
        return;
    }
    spawn_local(async {
        loop {
            let (allowed, nonce) =
                with(|rt| (rt.released().cloned(), rt.page_nonce.clone())).unwrap_or_default();
            let roots = shadow_roots();
            for element in dom::release(allowed.as_ref(), &roots, nonce.as_deref()).await {
                debug(&format!("released {element}"));
            }
            for element in dom::held(&roots) {
                debug(&format!("held {element}"));
            }
            if let Some((embeds, allowed)) =
                with(|rt| rt.embeds.clone().map(|e| (e, rt.released().cloned()))).flatten()
            {
                embed::cover(allowed.as_ref(), &embeds);
            }
            let again = with(|rt| {
                let again = rt.release_again;
                rt.release_again = false;
                rt.releasing = again;
                again
            });
            if again != Some(true) {
                break;
            }
        }
    });
}

/// The stored choice if it is still valid under `config` (revision, expiry, and no category the
/// config does not offer). While `fail_closed` the config is the built-in one, not the site's:
/// a record naming the site's own categories is kept then (nothing optional is released
/// anyway), so that a broken deploy does not make every visitor choose again.
fn load_valid(
    config: &Config,
    fail_closed: bool,
    store: &CookieStore,
    now: model::Millis,
) -> Option<Consent> {
    let max_age = |consent: &Consent| config.max_age(consent);
    if fail_closed {
        return storage::read(store)
            .filter(|consent| consent.is_valid(config.revision, now, max_age(consent)));
    }
    let offered: Vec<&str> = config.category_names().collect();
    storage::load(store, config.revision, now, &offered, max_age)
}

/// `navigator.globalPrivacyControl === true`.
fn gpc_signal() -> bool {
    web_sys::window()
        .and_then(|w| {
            js_sys::Reflect::get(&w.navigator(), &JsValue::from_str("globalPrivacyControl")).ok()
        })
        .is_some_and(|value| value == JsValue::TRUE)
}

fn now() -> model::Millis {
    // Date.now() is a non-negative integer number of milliseconds.
    js_sys::Date::now() as model::Millis
}

/// 16 random bytes from `crypto.getRandomValues`, falling back to `Math.random` where the page
/// has no Web Crypto (the id only needs to be unique, not secret).
fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if crypto.is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok()) {
        return bytes;
    }
    for byte in &mut bytes {
        *byte = (js_sys::Math::random() * 256.0) as u8;
    }
    bytes
}
