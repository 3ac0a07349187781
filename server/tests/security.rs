//! The server's defences, tested through the router in-process: sign-in and sign-out refuse
//! forged cross-site posts, sign-in is rate-limited, sessions are replaced and `__Host-` over
//! https, nothing may frame a page, odd paths are 404s (never 500s), the client address and
//! scheme come from forwarding headers only through a trusted proxy, and the widget's files are
//! served precompressed with validators.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use canenrich_server::proxy::TrustedProxies;
use common::{app, app_with, now_millis, set_cookie_pair, App, Reply};
use serde_json::json;

fn trusting(ranges: &[&str]) -> TrustedProxies {
    TrustedProxies::new(ranges.iter().map(|r| r.parse().expect("range")).collect())
}

// --- Cross-site request forgery -------------------------------------------------------------

#[tokio::test]
async fn a_sign_in_posted_from_another_origin_is_refused_with_a_403_and_no_session() {
    let app = app().await;
    let form = app.form_token().await;
    let body = format!("username=victim&password=pw&csrf={}", form.token);
    for headers in [
        vec![("origin", "https://evil.example"), ("host", "demo.example")],
        vec![("origin", "null"), ("host", "demo.example")],
        vec![("sec-fetch-site", "cross-site"), ("host", "demo.example")],
    ] {
        let reply = app.post_form("/login", &body, &form.cookie, &headers).await;
        assert_eq!(reply.status, 403, "{headers:?}");
        assert_eq!(set_cookie_pair(&reply, "canenrich_session"), None);
    }
    assert!(app.state.sessions.is_empty());
    // The same form from the server's own page is fine.
    let own = app
        .post_form(
            "/login",
            &body,
            &form.cookie,
            &[
                ("origin", "http://demo.example"),
                ("host", "demo.example"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(own.status, 303, "{}", own.body);
}

#[tokio::test]
async fn a_sign_in_without_the_form_token_or_with_another_is_refused() {
    let app = app().await;
    let form = app.form_token().await;
    let other = app.form_token().await;
    for (body, cookie) in [
        ("username=ada&password=pw".to_owned(), form.cookie.clone()),
        (
            format!("username=ada&password=pw&csrf={}", other.token),
            form.cookie.clone(),
        ),
        (
            format!("username=ada&password=pw&csrf={}", form.token),
            String::new(),
        ),
    ] {
        let reply = app.post_form("/login", &body, &cookie, &[]).await;
        assert_eq!(reply.status, 403, "{body} / {cookie}");
        assert!(reply.body.contains("The form has expired."));
        assert_eq!(set_cookie_pair(&reply, "canenrich_session"), None);
    }
    assert!(app.state.sessions.is_empty());
}

#[tokio::test]
async fn a_sign_out_from_another_site_or_without_the_token_leaves_the_session() {
    let app = app().await;
    let (login, form) = app.login("ada").await;
    let session = set_cookie_pair(&login, "canenrich_session").expect("session");
    let cookies = format!("{session}; {}", form.cookie);
    let with_token = format!("csrf={}", form.token);
    for (body, headers) in [
        (
            with_token.as_str(),
            vec![("origin", "https://evil.example"), ("host", "demo.example")],
        ),
        (with_token.as_str(), vec![("sec-fetch-site", "cross-site")]),
        ("", vec![]),
        ("csrf=00000000000000000000000000000000", vec![]),
    ] {
        let reply = app.post_form("/logout", body, &cookies, &headers).await;
        assert_eq!(reply.status, 403, "{body} {headers:?}");
    }
    let account = app.get("/account", Some(&cookies)).await;
    assert!(account.body.contains("Signed in as"), "still signed in");
}

// --- Sign-in limits and sessions ------------------------------------------------------------

#[tokio::test]
async fn signing_in_too_often_from_one_client_is_a_429_with_retry_after() {
    let app = app().await;
    let form = app.form_token().await;
    let body = format!("username=ada&password=pw&csrf={}", form.token);
    for n in 0..10 {
        let reply = app.post_form("/login", &body, &form.cookie, &[]).await;
        assert_eq!(reply.status, 303, "attempt {n}");
    }
    let refused = app.post_form("/login", &body, &form.cookie, &[]).await;
    assert_eq!(refused.status, 429);
    assert!(
        refused
            .header("retry-after")
            .parse::<u64>()
            .expect("seconds")
            >= 1
    );
    assert!(refused.body.contains("Too many sign-in attempts"));
    assert_eq!(set_cookie_pair(&refused, "canenrich_session"), None);
}

#[tokio::test]
async fn signing_in_again_ends_the_session_it_replaces() {
    let app = app().await;
    let (first, form) = app.login("ada").await;
    let old = set_cookie_pair(&first, "canenrich_session").expect("session");
    let again = app
        .post_form(
            "/login",
            &format!("username=bob&password=pw&csrf={}", form.token),
            &format!("{old}; {}", form.cookie),
            &[],
        )
        .await;
    assert_eq!(again.status, 303);
    let new = set_cookie_pair(&again, "canenrich_session").expect("session");
    assert_ne!(new, old);
    assert!(app
        .get("/account", Some(&old))
        .await
        .body
        .contains("You are not signed in."));
    assert!(app
        .get("/account", Some(&new))
        .await
        .body
        .contains("Signed in as <strong>bob"));
    assert_eq!(app.state.sessions.len(), 1);
}

/// A request from a trusted proxy at 127.0.0.1 that says the visitor came over https.
fn over_https(request: axum::http::request::Builder) -> axum::http::request::Builder {
    request
        .header("x-forwarded-for", "198.51.100.7")
        .header("x-forwarded-proto", "https")
}

async fn send_from(app: &App, request: Request<Body>, peer: &str) -> Reply {
    let mut request = request;
    let peer: SocketAddr = peer.parse().expect("peer");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

#[tokio::test]
async fn over_https_through_a_trusted_proxy_the_cookies_are_host_prefixed_and_secure() {
    let app = app_with(|options| options.trusted_proxies = trusting(&["127.0.0.1"])).await;
    let page = send_from(
        &app,
        over_https(Request::get("/login"))
            .body(Body::empty())
            .expect("request"),
        "127.0.0.1:5000",
    )
    .await;
    let csrf = set_cookie_pair(&page, "__Host-csrf_token").expect("a __Host- form token");
    let token = csrf.split('=').nth(1).expect("value").to_owned();
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-csrf_token="))
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("; Secure") && cookie.contains("; Path=/") && !cookie.contains("Domain")
    );
    let login = send_from(
        &app,
        over_https(Request::post("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &csrf)
            .body(Body::from(format!("username=ada&password=pw&csrf={token}")))
            .expect("request"),
        "127.0.0.1:5001",
    )
    .await;
    assert_eq!(login.status, 303, "{}", login.body);
    let session = login.header("set-cookie");
    assert!(
        session.starts_with("__Host-canenrich_session="),
        "{session}"
    );
    assert!(session.ends_with("; Secure"), "{session}");
    // The same headers from anyone else are not believed.
    let spoofed = send_from(
        &app,
        over_https(Request::get("/login"))
            .body(Body::empty())
            .expect("request"),
        "203.0.113.1:5000",
    )
    .await;
    assert!(set_cookie_pair(&spoofed, "csrf_token").is_some());
    assert!(set_cookie_pair(&spoofed, "__Host-csrf_token").is_none());
}

// --- Framing --------------------------------------------------------------------------------

#[tokio::test]
async fn no_other_origin_may_frame_any_answer() {
    let app = app().await;
    for path in [
        "/",
        "/strict",
        "/login",
        "/account",
        "/privacy.html",
        "/consent/widget.css",
        "/api/consent/stats",
        "/nope",
    ] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.header("x-frame-options"), "SAMEORIGIN", "{path}");
        let csp = reply.header("content-security-policy");
        if !csp.is_empty() {
            assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
        }
    }
    for path in ["/", "/strict", "/login"] {
        assert!(
            app.get(path, None)
                .await
                .header("content-security-policy")
                .ends_with("frame-ancestors 'self'"),
            "{path}"
        );
    }
}

// --- Odd paths ------------------------------------------------------------------------------

#[tokio::test]
async fn a_path_segment_over_255_bytes_or_a_control_character_is_a_404_never_a_500() {
    let app = app().await;
    let long = "a".repeat(256);
    let encoded_long = "%61".repeat(256);
    for path in [
        format!("/{long}"),
        format!("/consent/{long}.js"),
        format!("/demo/{encoded_long}"),
        "/consent/a%0ab.js".to_owned(),
        "/a%1b%5b31m".to_owned(),
        "/demo/%7f".to_owned(),
    ] {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, 404, "{path}");
    }
    let api = app.get(&format!("/api/consent/{long}"), None).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.header("content-type"), "application/json");
    assert!(api.json()["error"]
        .as_str()
        .expect("error")
        .starts_with("path:"));
    // 255 bytes is still an ordinary missing file.
    assert_eq!(
        app.get(&format!("/{}", "a".repeat(255)), None).await.status,
        404
    );
}

#[tokio::test]
async fn a_url_over_8_kib_is_a_414_and_json_under_api() {
    let app = app().await;
    let query = "x".repeat(9000);
    let api = app.get(&format!("/api/consent/stats?{query}"), None).await;
    assert_eq!(api.status, 414);
    assert_eq!(api.header("content-type"), "application/json");
    let page = app.get(&format!("/?{query}"), None).await;
    assert_eq!(page.status, 414);
}

// --- Trusted proxies and rate limits --------------------------------------------------------

fn receipt(n: u32) -> String {
    json!({
        "id": format!("1b4e28ba-2fa1-4d2e-883f-{n:012x}"),
        "timestamp": now_millis() - 60_000,
        "revision": 1,
        "categories": ["necessary"],
        "rejected": ["analytics"],
        "method": "reject_all"
    })
    .to_string()
}

async fn post_via(app: &App, n: u32, peer: &str, forwarded_for: &str) -> u16 {
    let request = Request::post("/api/consent")
        .header("content-type", "application/json")
        .header("x-forwarded-for", forwarded_for)
        .body(Body::from(receipt(n)))
        .expect("request");
    send_from(app, request, peer).await.status
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_rate_limit() {
    let app = app_with(|options| {
        options.rate_limit = 1;
        options.trusted_proxies = trusting(&["10.0.0.0/8"]);
    })
    .await;
    // Burst of 2 per client: four clients through one proxy post eight receipts.
    let mut n = 0;
    for client in [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ] {
        for _ in 0..2 {
            n += 1;
            assert_eq!(
                post_via(&app, n, "10.0.0.1:4000", client).await,
                201,
                "{client}"
            );
        }
        n += 1;
        assert_eq!(
            post_via(&app, n, "10.0.0.1:4000", client).await,
            429,
            "{client}"
        );
    }
    assert_eq!(app.stored().await, 8);
}

#[tokio::test]
async fn without_trust_a_forwarded_for_header_cannot_dodge_the_rate_limit() {
    let app = app_with(|options| options.rate_limit = 1).await;
    assert_eq!(
        post_via(&app, 1, "192.0.2.9:4000", "198.51.100.1").await,
        201
    );
    assert_eq!(
        post_via(&app, 2, "192.0.2.9:4000", "198.51.100.2").await,
        201
    );
    assert_eq!(
        post_via(&app, 3, "192.0.2.9:4000", "198.51.100.3").await,
        429
    );
    // A peer that is not a trusted proxy is not believed either.
    let trusted = app_with(|options| {
        options.rate_limit = 1;
        options.trusted_proxies = trusting(&["10.0.0.0/8"]);
    })
    .await;
    assert_eq!(
        post_via(&trusted, 1, "192.0.2.9:4000", "198.51.100.1").await,
        201
    );
    assert_eq!(
        post_via(&trusted, 2, "192.0.2.9:4000", "198.51.100.2").await,
        201
    );
    assert_eq!(
        post_via(&trusted, 3, "192.0.2.9:4000", "198.51.100.3").await,
        429
    );
}

#[tokio::test]
async fn ipv6_clients_of_one_slash_64_share_a_rate_limit() {
    let app = app_with(|options| options.rate_limit = 1).await;
    assert_eq!(post_via(&app, 1, "[2001:db8:1:2::1]:4000", "").await, 201);
    assert_eq!(post_via(&app, 2, "[2001:db8:1:2::2]:4000", "").await, 201);
    assert_eq!(
        post_via(&app, 3, "[2001:db8:1:2:ffff::9]:4000", "").await,
        429
    );
    assert_eq!(post_via(&app, 4, "[2001:db8:1:3::1]:4000", "").await, 201);
}

// --- Static files ---------------------------------------------------------------------------

/// A dist directory with a loader and its precompressed forms (distinct bytes, so the test can
/// tell which was sent).
fn precompressed_dist() -> std::path::PathBuf {
    let dist = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("canenrich-precompressed-{}", std::process::id()));
    std::fs::create_dir_all(&dist).expect("dist");
    for (name, bytes) in [
        ("canenrich-consent.js", &b"/* plain loader */"[..]),
        ("canenrich-consent.js.br", &b"BROTLI-BYTES"[..]),
        ("canenrich-consent.js.gz", &b"GZIP-BYTES"[..]),
        ("canenrich_consent_bg.wasm", &b"\0asm\x01\0\0\0"[..]),
        ("canenrich_consent_bg.wasm.br", &b"WASM-BR"[..]),
    ] {
        std::fs::write(dist.join(name), bytes).expect("write");
    }
    dist
}

async fn get_with(app: &App, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

#[tokio::test]
async fn dist_is_served_precompressed_with_validators_and_304s() {
    let dist = precompressed_dist();
    let app = app_with(|options| options.dist = dist.clone()).await;
    let loader = "/consent/canenrich-consent.js";

    let br = get_with(&app, loader, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), "br");
    assert_eq!(br.body, "BROTLI-BYTES");
    assert_eq!(br.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(br.header("vary"), "accept-encoding");
    assert_eq!(br.header("cache-control"), "public, max-age=300");
    let gz = get_with(&app, loader, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gz.body, "GZIP-BYTES");
    let plain = get_with(&app, loader, &[]).await;
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(plain.body, "/* plain loader */");

    // Each encoding is its own representation with its own validator.
    let etags = [br.header("etag"), gz.header("etag"), plain.header("etag")];
    assert!(etags
        .iter()
        .all(|etag| etag.starts_with('"') && etag.ends_with('"')));
    assert_ne!(etags[0], etags[1]);
    assert_ne!(etags[1], etags[2]);
    assert!(!br.header("last-modified").is_empty());

    let revalidated = get_with(
        &app,
        loader,
        &[("accept-encoding", "br"), ("if-none-match", etags[0])],
    )
    .await;
    assert_eq!(revalidated.status, 304);
    assert_eq!(revalidated.body, "");
    assert_eq!(revalidated.header("etag"), etags[0]);
    assert_eq!(revalidated.header("cache-control"), "public, max-age=300");
    let stale = get_with(
        &app,
        loader,
        &[("accept-encoding", "br"), ("if-none-match", "\"other\"")],
    )
    .await;
    assert_eq!(stale.status, 200);
    let since = get_with(
        &app,
        loader,
        &[("if-modified-since", plain.header("last-modified"))],
    )
    .await;
    assert_eq!(since.status, 304);

    let wasm = get_with(
        &app,
        "/consent/canenrich_consent_bg.wasm",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(wasm.header("content-encoding"), "br");
    assert_eq!(wasm.header("content-type"), "application/wasm");
    assert_eq!(wasm.header("cache-control"), "no-cache");
    std::fs::remove_dir_all(dist).expect("clean up");
}
