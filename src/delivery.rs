//! Browser adapter: delivers consent receipts. Each one goes into the outbox (`localStorage`,
//! see `storage::outbox` for the rules) and is sent with `fetch(…, { keepalive: true })`, which
//! outlives the page like a beacon but, unlike one, says whether the server took it. Entries
//! are sent again on later page loads (whichever build runs there), when the page comes back
//! online, and when their backoff ends while the page is open. Where storage is missing, blocked
//! or full, a receipt gets one attempt, as before the outbox existed.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use crate::model::Millis;
use crate::storage::local::LocalOutbox;
use crate::storage::outbox::{self, Entry, Outcome};

const PREFIX: &str = "CanEnrich Consent:";

/// How long a tab waits after stamping its claims on entries it did not just make before it
/// reads them back, plus up to as much again at random. `localStorage` writes reach other tabs
/// asynchronously: read back at once, two tabs opened together each saw only its own stamp and
/// both sent. After the wait both see the stamp that won, and only its tab sends.
const CLAIM_SETTLE_MS: f64 = 80.0;

struct Courier {
    /// This WebAssembly instance's name in the leases it stamps.
    holder: String,
    /// The pending wake-up for the next entry whose backoff ends.
    timer: Option<i32>,
    /// The `online` listener is installed.
    listening: bool,
    /// Handed over to another module, which delivers from now on.
    stopped: bool,
}

thread_local! {
    static COURIER: RefCell<Courier> = RefCell::new(Courier {
        holder: ((js_sys::Math::random() * 9_007_199_254_740_992.0) as u64).to_string(),
        timer: None,
        listening: false,
        stopped: false,
    });
}

/// Delivers the receipt `body` (for record `id`) to `endpoint`: kept in the outbox until the
/// server acknowledges it, or sent once when it cannot be kept.
pub fn post(endpoint: &str, id: &str, body: &str) {
    let entry = Entry::new(id, endpoint, body, now());
    let kept = match LocalOutbox::open() {
        Some(store) => store.put(&entry).map_err(|err| err.to_string()),
        None => Err("storage is unavailable".to_string()),
    };
    match kept {
        Ok(()) => flush(false, Some(id)),
        Err(reason) => {
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "{PREFIX} the consent receipt is sent once, without retries ({reason})"
            )));
            let endpoint = endpoint.to_string();
            let body = body.to_string();
            spawn_local(async move {
                if send(&endpoint, &body).await != Outcome::Delivered {
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "{PREFIX} the consent receipt did not reach {endpoint}"
                    )));
                }
            });
        }
    }
}

/// At start-up: sends what earlier pages left in the outbox, and from now on sends it again when
/// the page comes back online.
pub fn resume() {
    let listen = COURIER.with(|c| {
        let mut courier = c.borrow_mut();
        !std::mem::replace(&mut courier.listening, true)
    });
    if listen {
        if let Some(window) = web_sys::window() {
            let online = Closure::<dyn Fn()>::new(|| flush(true, None));
            if window
                .add_event_listener_with_callback("online", online.as_ref().unchecked_ref())
                .is_ok()
            {
                // The listener lives as long as the page.
                online.forget();
            }
        }
    }
    flush(false, None);
}

/// Hands delivery over to another module (the full UI replacing the core): no more wake-ups
/// here. Requests under way still settle their entries.
pub fn stop() {
    let timer = COURIER.with(|c| {
        let mut courier = c.borrow_mut();
        courier.stopped = true;
        courier.timer.take()
    });
    if let (Some(id), Some(window)) = (timer, web_sys::window()) {
        window.clear_timeout_with_handle(id);
    }
}

/// Sends every due entry (`urgent`: back online, backoff skipped), removes expired ones and the
/// oldest beyond the cap, and sets a wake-up for the next. `made`: the id of the receipt this tab
/// has just put in the outbox, which goes at once (no other tab has had time to claim it).
fn flush(urgent: bool, made: Option<&str>) {
    let (holder, stopped) = COURIER.with(|c| {
        let courier = c.borrow();
        (courier.holder.clone(), courier.stopped)
    });
    let Some(store) = LocalOutbox::open().filter(|_| !stopped) else {
        return;
    };
    // Offline, every attempt would fail and count against the backoff; `online` brings us back.
    if web_sys::window().is_some_and(|w| !w.navigator().on_line()) {
        return;
    }
    let listing = store.list();
    for key in &listing.unreadable {
        store.remove_key(key);
    }
    let now = now();
    let review = outbox::review(&listing.entries, now, urgent);
    for id in &review.expired {
        store.remove(id);
    }
    for id in &review.overflow {
        store.remove(id);
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "{PREFIX} the receipt outbox is full; dropped the oldest receipt {id}"
        )));
    }
    let mut claimed = Vec::new();
    for id in &review.due {
        let Some(mut entry) = listing.entries.iter().find(|e| &e.id == id).cloned() else {
            continue;
        };
        entry.claim(&holder, now);
        if store.put(&entry).is_ok() {
            claimed.push(entry);
        }
    }
    let (fresh, waiting): (Vec<Entry>, Vec<Entry>) = claimed
        .into_iter()
        .partition(|entry| Some(entry.id.as_str()) == made);
    for entry in fresh {
        spawn_local(deliver(entry, holder.clone()));
    }
    if !waiting.is_empty() {
        let settle = CLAIM_SETTLE_MS * (1.0 + js_sys::Math::random());
        spawn_local(confirm_claims(waiting, holder, settle));
    }
    wake_at(review.next);
}

/// Sends those of the claimed `entries` that are still this tab's after `settle_ms`: if another
/// tab stamped its claim over ours meanwhile, it sends them.
async fn confirm_claims(entries: Vec<Entry>, holder: String, settle_ms: f64) {
    pause(settle_ms).await;
    let stopped = COURIER.with(|c| c.borrow().stopped);
    let Some(store) = LocalOutbox::open().filter(|_| !stopped) else {
        return;
    };
    let now = now();
    for entry in entries {
        if store
            .get(&entry.id)
            .is_some_and(|e| e.is_held_by(&holder, now))
        {
            spawn_local(deliver(entry, holder.clone()));
        }
    }
}

/// Resolves after `ms` milliseconds (at once without a window).
async fn pause(ms: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        // Without a timer the promise never settles: resolve it at once instead.
        if window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
            .is_err()
        {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Sends one claimed entry and records the outcome.
async fn deliver(entry: Entry, holder: String) {
    let outcome = send(&entry.endpoint, &entry.body).await;
    let Some(store) = LocalOutbox::open() else {
        return;
    };
    match outcome {
        Outcome::Delivered => store.remove(&entry.id),
        Outcome::Failed { retry_after } => {
            let now = now();
            // Only while the claim is still ours: a tab that took over after it lapsed owns it.
            if let Some(mut stored) = store.get(&entry.id).filter(|e| e.is_held_by(&holder, now)) {
                stored.failed(now, retry_after, js_sys::Math::random());
                // A write that fails leaves the claim to lapse: the entry is retried then.
                let _ = store.put(&stored);
            }
            flush(false, None);
        }
    }
}

/// One POST of `body` to `endpoint` and what came of it.
async fn send(endpoint: &str, body: &str) -> Outcome {
    let failed = Outcome::Failed { retry_after: None };
    let Some(window) = web_sys::window() else {
        return failed;
    };
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    // A string body is sent as text/plain, which needs no CORS preflight (the demo server
    // takes it, as it took the beacon's).
    init.set_body(&JsValue::from_str(body));
    // Like a beacon, the request outlives the page that made the choice (web-sys has no
    // setter for `keepalive`).
    if js_sys::Reflect::set(&init, &JsValue::from_str("keepalive"), &JsValue::TRUE).is_err() {
        return failed;
    }
    let response = match JsFuture::from(window.fetch_with_str_and_init(endpoint, &init)).await {
        Ok(response) => response,
        // A network error, a refused connection, or CORS: nothing reached us.
        Err(_) => return failed,
    };
    let Ok(response) = response.dyn_into::<web_sys::Response>() else {
        return failed;
    };
    let retry_after = response
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|value| outbox::retry_after(&value));
    Outcome::of_status(response.status(), retry_after)
}

/// Sets the one wake-up to `at` (replacing any earlier one); `None` clears it.
fn wake_at(at: Option<Millis>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let previous = COURIER.with(|c| c.borrow_mut().timer.take());
    if let Some(id) = previous {
        window.clear_timeout_with_handle(id);
    }
    let Some(at) = at else {
        return;
    };
    let wake = Closure::once_into_js(|| {
        COURIER.with(|c| c.borrow_mut().timer = None);
        flush(false, None);
    });
    // A little after the time, so the entry is due when the timer fires.
    let delay = at
        .saturating_sub(now())
        .saturating_add(50)
        .min(i32::MAX as Millis) as i32;
    if let Ok(id) =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(wake.unchecked_ref(), delay)
    {
        COURIER.with(|c| c.borrow_mut().timer = Some(id));
    }
}

fn now() -> Millis {
    // Date.now() is a non-negative integer number of milliseconds.
    js_sys::Date::now() as Millis
}
