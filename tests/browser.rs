//! Browser tests of the web adapters, run in headless Chromium by `wasm-pack test`: the consent
//! cookie, releasing gated tags in document order, and erasing refused cookies and storage.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeSet;

use canenrich_consent::blocker::{dom, plan};
use canenrich_consent::config::Config;
use canenrich_consent::model::{uuid, Consent, Method};
use canenrich_consent::storage::{self, cookie::CookieStore, ConsentStore};
use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn consent(accepted: &[&str]) -> Consent {
    Consent::new(
        uuid::v4([5; 16]),
        1,
        js_sys::Date::now() as u64,
        Config::builtin().category_names(),
        &accepted
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        Method::Custom,
    )
}

/// Puts `html` in a fresh container and resets `window.__order`.
fn fixture(html: &str) -> web_sys::Element {
    let container = document().create_element("div").expect("div");
    container.set_inner_html(html);
    document()
        .body()
        .expect("body")
        .append_child(&container)
        .expect("append");
    let _ = Reflect::set(&js_sys::global(), &"__order".into(), &Array::new());
    container
}

fn order() -> Vec<String> {
    let value = Reflect::get(&js_sys::global(), &"__order".into()).expect("order");
    Array::from(&value)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

fn clear_cookies(store: &CookieStore) {
    for name in store.names() {
        store.erase(&name, &[None], &["/".to_string()]);
    }
}

#[wasm_bindgen_test]
async fn accepted_tags_run_once_in_document_order_and_refused_ones_stay_inert() {
    let container = fixture(
        r#"<script type="text/plain" data-category="analytics">__order.push('inline-1')</script>
           <script type="text/plain" data-category="marketing">__order.push('refused')</script>
           <script type="text/plain" data-category="analytics"
                   src="data:text/javascript,__order.push('external')"></script>
           <script type="text/plain" data-category="!marketing">__order.push('when-refused')</script>
           <script type="text/plain" data-category="analytics">__order.push('inline-2')</script>
           <img data-category="analytics" data-src="/pixel.gif?browser-test" alt="">"#,
    );
    let choice = consent(&["analytics"]);
    let released = dom::release(Some(&choice), &Array::new(), None).await;
    assert_eq!(released.len(), 5, "{released:?}");
    assert_eq!(
        dom::held(&Array::new()).len(),
        1,
        "the refused marketing tag is still held"
    );
    assert_eq!(
        order(),
        ["inline-1", "external", "when-refused", "inline-2"]
    );
    let img = container
        .query_selector("img")
        .expect("query")
        .expect("img");
    assert!(img
        .get_attribute("src")
        .is_some_and(|s| s == "/pixel.gif?browser-test"));
    assert!(!img.has_attribute("data-src"));

    // A second pass finds nothing left to run.
    assert!(dom::release(Some(&choice), &Array::new(), None)
        .await
        .is_empty());
    assert_eq!(order().len(), 4);
    container.remove();
}

#[wasm_bindgen_test]
async fn a_gated_media_source_gets_its_address_once_accepted() {
    let container = fixture(
        r#"<video><source data-category="marketing" data-src="/clip.mp4?browser-test" type="video/mp4"></video>"#,
    );
    let source = container
        .query_selector("source")
        .expect("query")
        .expect("source");
    assert!(
        dom::release(Some(&consent(&["analytics"])), &Array::new(), None)
            .await
            .is_empty()
    );
    assert!(!source.has_attribute("src"));
    assert_eq!(
        dom::release(Some(&consent(&["marketing"])), &Array::new(), None)
            .await
            .len(),
        1
    );
    assert_eq!(
        source.get_attribute("src").as_deref(),
        Some("/clip.mp4?browser-test")
    );
    container.remove();
}

#[wasm_bindgen_test]
async fn nothing_optional_is_released_before_a_choice() {
    let container = fixture(
        r#"<script type="text/plain" data-category="analytics">__order.push('analytics')</script>
           <script type="text/plain" data-category="necessary">__order.push('necessary')</script>
           <iframe data-category="marketing" data-src="/frame.html?browser-test" title="x"></iframe>"#,
    );
    assert_eq!(
        dom::release(None, &Array::new(), None).await,
        ["script[necessary] inline"]
    );
    assert_eq!(order(), ["necessary"]);
    let frame = container
        .query_selector("iframe")
        .expect("query")
        .expect("frame");
    assert!(!frame.has_attribute("src"));
    container.remove();
}

#[wasm_bindgen_test]
fn the_consent_cookie_is_stored_and_read_back() {
    let store = CookieStore::open().expect("a cookie store");
    clear_cookies(&store);
    assert!(store.is_enabled());
    let choice = consent(&["marketing"]);
    storage::save(&store, &choice, 60_000).expect("stored");
    assert!(store.header().contains("canenrich_consent=v1."));
    let now = js_sys::Date::now() as u64;
    assert_eq!(
        storage::load(
            &store,
            1,
            now,
            &["analytics", "marketing", "personalization"],
            |_| 60_000
        ),
        Some(choice)
    );
    assert_eq!(
        storage::load(
            &store,
            2,
            now,
            &["analytics", "marketing", "personalization"],
            |_| 60_000
        ),
        None,
        "a new revision asks again"
    );
    store.clear().expect("cleared");
    assert_eq!(store.read(), Ok(None));
}

#[wasm_bindgen_test]
fn a_tampered_consent_cookie_reads_as_no_choice() {
    let store = CookieStore::open().expect("a cookie store");
    clear_cookies(&store);
    let original = canenrich_consent::model::codec::encode(&consent(&[]));
    let value = original.replace(".custom.", ".accept_all.");
    assert_ne!(value, original);
    store
        .assign(&format!("canenrich_consent={value}; Path=/"))
        .expect("assigned");
    let now = js_sys::Date::now() as u64;
    assert_eq!(
        storage::load(
            &store,
            1,
            now,
            &["analytics", "marketing", "personalization"],
            |_| 60_000
        ),
        None
    );
    store.clear().expect("cleared");
}

#[wasm_bindgen_test]
fn refusing_erases_matching_cookies_and_storage_but_never_essential_ones() {
    let store = CookieStore::open().expect("a cookie store");
    clear_cookies(&store);
    for cookie in [
        "_ga=1; Path=/",
        "_ga_DEMO=2; Path=/",
        "mk_id=3; Path=/",
        "canenrich_session=4; Path=/",
    ] {
        store.assign(cookie).expect("set");
    }
    let window = web_sys::window().expect("window");
    let local = window.local_storage().expect("ok").expect("local storage");
    let session = window
        .session_storage()
        .expect("ok")
        .expect("session storage");
    local.set_item("_ga_store", "1").expect("set");
    local.set_item("cart", "1").expect("set");
    session.set_item("mk_session", "1").expect("set");

    let host = dom::hostname();
    let domains = plan::cookie_domains(&host, None);
    let (erased, survivors) = dom::erase(
        &Config::builtin(),
        Some(&consent(&["marketing"])),
        &store,
        &domains,
    );
    assert_eq!(erased.cookies, ["_ga", "_ga_DEMO"]);
    assert!(survivors.is_empty(), "{survivors:?}");
    let names = store.names();
    assert!(!names.iter().any(|n| n.starts_with("_ga")), "{names:?}");
    assert!(
        names.contains(&"mk_id".to_string()),
        "an accepted category keeps its cookies"
    );
    assert!(
        names.contains(&"canenrich_session".to_string()),
        "login is never touched"
    );
    assert_eq!(local.get_item("_ga_store").expect("read"), None);
    assert_eq!(local.get_item("cart").expect("read"), Some("1".into()));
    assert_eq!(
        session.get_item("mk_session").expect("read"),
        Some("1".into())
    );

    dom::erase(&Config::builtin(), None, &store, &domains);
    assert!(
        !store.names().contains(&"mk_id".to_string()),
        "before a choice nothing optional stays"
    );
    assert_eq!(session.get_item("mk_session").expect("read"), None);
    assert_eq!(
        JsValue::from(store.names().contains(&"canenrich_session".to_string())),
        JsValue::TRUE
    );
    clear_cookies(&store);
    local.clear().expect("cleared");
}
