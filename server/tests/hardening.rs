//! Hardening of the receipt API: the per-client rate limit, CORS (off unless an origin is
//! allowed), receipts refused from pages of other origins, the stats endpoint, and the promise
//! that no client address is ever stored.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use canenrich_server::cli::Database;
use common::{app, app_with, App, Reply};
use serde_json::json;

const SHOP: &str = "https://shop.example";

/// A valid receipt whose id ends in `n` (so every `n` is a new receipt).
fn receipt(n: u32) -> String {
    json!({
        "id": format!("1b4e28ba-2fa1-4d2e-883f-{n:012x}"),
        "timestamp": common::now_millis() - 60_000,
        "revision": 1,
        "categories": ["necessary"],
        "rejected": ["analytics", "marketing"],
        "method": "reject_all"
    })
    .to_string()
}

/// `POST /api/consent` with receipt `n`, as if from `peer`, with an optional `Origin`.
async fn post(app: &App, n: u32, peer: &str, origin: Option<&str>) -> Reply {
    let mut request = Request::post("/api/consent").header("content-type", "application/json");
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let mut request = request.body(Body::from(receipt(n))).expect("request");
    let peer: SocketAddr = peer.parse().expect("socket address");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

/// `POST /api/consent` with receipt `n` as `text/plain` (the CORS "simple" request a page of any
/// origin can send without a preflight), with an `Origin` and a `Host`.
async fn post_from(app: &App, n: u32, origin: &str, host: &str) -> Reply {
    let request = Request::post("/api/consent")
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", origin)
        .header("host", host)
        .body(Body::from(receipt(n)))
        .expect("request");
    app.send(request).await
}

/// A CORS preflight for `POST /api/consent` from `origin`.
async fn preflight(app: &App, origin: &str, method: &str) -> Reply {
    let request = Request::options("/api/consent")
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

#[tokio::test]
async fn a_client_over_its_burst_gets_a_json_429_with_retry_after_and_nothing_is_stored() {
    let app = app_with(|options| options.rate_limit = 1).await;
    assert_eq!(post(&app, 1, "192.0.2.1:1000", None).await.status, 201);
    assert_eq!(post(&app, 2, "192.0.2.1:1001", None).await.status, 201);
    let refused = post(&app, 3, "192.0.2.1:1002", None).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.header("content-type"), "application/json");
    assert_eq!(refused.header("retry-after"), "1");
    assert!(refused.json()["error"]
        .as_str()
        .expect("error")
        .contains("rate limit"));
    assert_eq!(app.stored().await, 2);
    let missing = app
        .get("/api/consent/1b4e28ba-2fa1-4d2e-883f-000000000003", None)
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn each_client_address_has_its_own_bucket() {
    let app = app_with(|options| options.rate_limit = 1).await;
    assert_eq!(post(&app, 1, "192.0.2.1:1000", None).await.status, 201);
    assert_eq!(post(&app, 2, "192.0.2.1:1000", None).await.status, 201);
    assert_eq!(post(&app, 3, "192.0.2.1:1000", None).await.status, 429);
    assert_eq!(post(&app, 4, "[2001:db8::7]:443", None).await.status, 201);
    assert_eq!(post(&app, 5, "198.51.100.9:80", None).await.status, 201);
    assert_eq!(app.stored().await, 4);
}

#[tokio::test]
async fn reading_receipts_is_not_rate_limited() {
    let app = app_with(|options| options.rate_limit = 1).await;
    for n in 0..3 {
        post(&app, n, "192.0.2.1:1000", None).await;
    }
    for _ in 0..10 {
        let reply = app
            .get("/api/consent/1b4e28ba-2fa1-4d2e-883f-000000000000", None)
            .await;
        assert_eq!(reply.status, 200);
    }
}

#[tokio::test]
async fn a_rate_limit_of_zero_lets_every_receipt_through() {
    let app = app_with(|options| options.rate_limit = 0).await;
    for n in 0..200 {
        let reply = post(&app, n, "192.0.2.1:1000", None).await;
        assert_eq!(reply.status, 201, "receipt {n}: {}", reply.body);
    }
    assert_eq!(app.stored().await, 200);
}

#[tokio::test]
async fn the_client_address_never_reaches_the_database() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("canenrich-no-ip-{}", std::process::id()));
    let db = dir.join("consent.db");
    let app = app_with(|options| {
        options.database = Database::Sqlite(db.clone());
        options.cors_origins = vec![SHOP.to_owned()];
    })
    .await;
    let reply = post(&app, 1, "203.0.113.77:4711", Some(SHOP)).await;
    assert_eq!(reply.status, 201);
    assert!(!reply.body.contains("203.0.113.77"));
    drop(app);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("database directory") {
        bytes.extend(std::fs::read(entry.expect("entry").path()).expect("database file"));
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("1b4e28ba-2fa1-4d2e-883f-000000000001"),
        "the receipt is stored"
    );
    assert!(!text.contains("203.0.113.77"));
    assert!(!text.contains(SHOP));
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[tokio::test]
async fn by_default_no_cors_header_is_sent_and_preflights_are_refused() {
    let app = app().await;
    let reply = post(&app, 1, "192.0.2.1:1000", Some(SHOP)).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), "");
    let refused = preflight(&app, SHOP, "POST").await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("access-control-allow-origin"), "");
    assert!(refused.json()["error"]
        .as_str()
        .expect("error")
        .contains("Origin"));
}

#[tokio::test]
async fn an_allowed_origin_gets_a_preflight_answer_naming_only_that_origin() {
    let app = app_with(|options| {
        options.cors_origins = vec![SHOP.to_owned(), "http://localhost:3000".to_owned()];
    })
    .await;
    let reply = preflight(&app, SHOP, "POST").await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), SHOP);
    assert_eq!(reply.header("access-control-allow-methods"), "POST");
    assert_eq!(reply.header("access-control-allow-headers"), "content-type");
    assert_eq!(reply.header("vary"), "Origin");
    assert_eq!(app.stored().await, 0, "a preflight stores nothing");
}

#[tokio::test]
async fn a_preflight_from_another_origin_or_for_another_method_is_refused() {
    let app = app_with(|options| options.cors_origins = vec![SHOP.to_owned()]).await;
    for (origin, method) in [
        ("https://evil.example", "POST"),
        ("https://shop.example.evil.example", "POST"),
        ("http://shop.example", "POST"),
        (SHOP, "DELETE"),
    ] {
        let reply = preflight(&app, origin, method).await;
        assert_eq!(reply.status, 403, "{origin} {method}");
        assert_eq!(reply.header("access-control-allow-origin"), "");
    }
}

#[tokio::test]
async fn a_receipt_posted_from_an_allowed_origin_can_be_read_by_that_origin_only() {
    let app = app_with(|options| options.cors_origins = vec![SHOP.to_owned()]).await;
    let allowed = post(&app, 1, "192.0.2.1:1000", Some(SHOP)).await;
    assert_eq!(allowed.status, 201);
    assert_eq!(allowed.header("access-control-allow-origin"), SHOP);
    assert_eq!(allowed.header("vary"), "Origin");
    let other = post(&app, 2, "192.0.2.1:1000", Some("https://evil.example")).await;
    assert_eq!(other.status, 403);
    assert_eq!(other.header("access-control-allow-origin"), "");
    assert_eq!(other.header("vary"), "Origin");
    let same_origin = post(&app, 3, "192.0.2.1:1000", None).await;
    assert_eq!(same_origin.status, 201);
    assert_eq!(same_origin.header("access-control-allow-origin"), "");
}

#[tokio::test]
async fn a_receipt_posted_by_a_page_of_another_origin_is_refused_with_a_json_403_and_not_stored() {
    let app = app_with(|options| options.cors_origins = vec![SHOP.to_owned()]).await;
    for (n, origin) in [
        "https://evil.example",
        "null",
        "http://shop.example",
        "https://shop.example.evil.example",
        "http://demo.example:8081",
    ]
    .into_iter()
    .enumerate()
    {
        let reply = post_from(&app, n as u32, origin, "demo.example:8080").await;
        assert_eq!(reply.status, 403, "{origin}: {}", reply.body);
        assert_eq!(reply.header("content-type"), "application/json");
        assert!(reply.json()["error"]
            .as_str()
            .expect("error")
            .starts_with("Origin: "));
        assert_eq!(reply.header("access-control-allow-origin"), "");
    }
    assert_eq!(app.stored().await, 0, "nothing is stored");
}

#[tokio::test]
async fn a_receipt_posted_by_a_page_of_the_servers_own_origin_is_stored() {
    let app = app().await;
    for (n, origin, host) in [
        (1, "http://127.0.0.1:8080", "127.0.0.1:8080"),
        (
            2,
            "http://www.shop.example.co.uk:8080",
            "www.shop.example.co.uk:8080",
        ),
        (3, "https://demo.example", "demo.example"),
    ] {
        let reply = post_from(&app, n, origin, host).await;
        assert_eq!(reply.status, 201, "{origin}: {}", reply.body);
    }
    assert_eq!(app.stored().await, 3);
}

#[tokio::test]
async fn a_receipt_posted_without_an_origin_is_stored_whatever_the_host() {
    let app = app().await;
    let request = Request::post("/api/consent")
        .header("content-type", "application/json")
        .header("host", "demo.example")
        .body(Body::from(receipt(1)))
        .expect("request");
    assert_eq!(app.send(request).await.status, 201);
    assert_eq!(app.stored().await, 1);
}

#[tokio::test]
async fn stats_report_only_how_many_receipts_are_stored() {
    let app = app().await;
    assert_eq!(
        app.get("/api/consent/stats", None).await.json(),
        json!({ "count": 0 })
    );
    for n in 0..3 {
        post(&app, n, "192.0.2.1:1000", None).await;
    }
    let reply = app.get("/api/consent/stats", None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("cache-control"), "no-store");
    assert_eq!(reply.json(), json!({ "count": 3 }));
}
