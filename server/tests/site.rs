//! The demo pages, static files and the sign-in flow, tested through the router in-process.

mod common;

use common::{app, set_cookie_pair};

#[tokio::test]
async fn signing_in_sets_an_http_only_same_site_lax_cookie_and_account_shows_the_escaped_user() {
    let app = app().await;
    let (reply, form) = app.login("%3Cb%3EAda%20%26%20co%3C%2Fb%3E").await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header("location"), "/account");
    let cookie = reply.header("set-cookie");
    let value = cookie
        .strip_prefix("canenrich_session=")
        .and_then(|rest| rest.split(';').next())
        .expect("session cookie");
    assert_eq!(value.len(), 32);
    assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(cookie.contains("; Path=/"));
    assert!(cookie.contains("; HttpOnly"));
    assert!(cookie.contains("; SameSite=Lax"));
    assert!(!cookie.contains("Secure"));

    let account = app
        .get(
            "/account",
            Some(&format!(
                "canenrich_consent=x; canenrich_session={value}; {}",
                form.cookie
            )),
        )
        .await;
    assert_eq!(account.status, 200);
    assert!(account
        .body
        .contains("Signed in as <strong>&lt;b&gt;Ada &amp; co&lt;/b&gt;</strong>"));
    assert!(!account.body.contains("<b>Ada"));
    assert!(account.body.contains("action=\"/logout\""));
    assert!(account
        .body
        .contains(&format!("name=\"csrf\" value=\"{}\"", form.token)));
    assert!(account
        .body
        .contains("<script src=\"/consent/canenrich-consent.js\" data-config=\"/demo/consent.json\"></script>"));
    assert_eq!(account.header("cache-control"), "no-store");
}

#[tokio::test]
async fn x_forwarded_proto_from_a_client_that_is_not_a_trusted_proxy_is_ignored() {
    let app = app().await;
    let form = app.form_token().await;
    let reply = app
        .post_form(
            "/login",
            &format!("username=ada&password=pw&csrf={}", form.token),
            &form.cookie,
            &[("x-forwarded-proto", "https")],
        )
        .await;
    assert_eq!(reply.status, 303);
    assert!(!reply.header("set-cookie").contains("Secure"));
    assert!(reply.header("set-cookie").starts_with("canenrich_session="));
}

#[tokio::test]
async fn signing_in_with_an_empty_field_shows_an_error_page_and_sets_no_cookie() {
    let app = app().await;
    let form = app.form_token().await;
    for body in [
        "username=&password=pw",
        "username=ada&password=",
        "username=%20%20",
        "",
    ] {
        let body = format!("{body}&csrf={}", form.token);
        let reply = app.post_form("/login", &body, &form.cookie, &[]).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(
            reply.body.contains("Enter both a username and a password."),
            "{body}"
        );
        assert!(reply.body.contains("role=\"alert\""));
        assert_eq!(set_cookie_pair(&reply, "canenrich_session"), None);
    }
}

#[tokio::test]
async fn the_login_page_has_a_labelled_form_with_a_sign_in_button() {
    let reply = app().await.get("/login", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .body
        .contains("<label for=\"username\">Username</label>"));
    assert!(reply
        .body
        .contains("<label for=\"password\">Password</label>"));
    assert!(reply.body.contains("name=\"password\" type=\"password\""));
    assert!(reply
        .body
        .contains("<button class=\"button\" type=\"submit\">Sign in</button>"));
    assert!(!reply.body.contains("{{"));
}

#[tokio::test]
async fn the_account_page_without_a_session_says_you_are_not_signed_in() {
    let app = app().await;
    for cookie in [
        None,
        Some("canenrich_session=00000000000000000000000000000000"),
    ] {
        let reply = app.get("/account", cookie).await;
        assert_eq!(reply.status, 200);
        assert!(reply.body.contains("You are not signed in."));
        assert!(reply.body.contains("href=\"/login\""));
    }
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_ends_the_session() {
    let app = app().await;
    let (login, form) = app.login("ada").await;
    let pair = set_cookie_pair(&login, "canenrich_session").expect("session");
    let logout = app
        .post_form(
            "/logout",
            &format!("csrf={}", form.token),
            &format!("{pair}; {}", form.cookie),
            &[],
        )
        .await;
    assert_eq!(logout.status, 303);
    assert_eq!(logout.header("location"), "/");
    assert!(logout
        .header("set-cookie")
        .starts_with("canenrich_session=; Path=/; Max-Age=0"));
    let account = app.get("/account", Some(&pair)).await;
    assert!(account.body.contains("You are not signed in."));
}

#[tokio::test]
async fn the_home_page_carries_a_csp_whose_fresh_nonce_is_substituted_into_the_page() {
    let app = app().await;
    let first = app.get("/", None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-type"), "text/html; charset=utf-8");
    let csp = first.header("content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in CSP");
    assert_eq!(nonce.len(), 32);
    assert_eq!(
        csp,
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data: http://ads.tracker.test:*; frame-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
        )
    );
    assert!(first.body.contains(&format!(
        "<script type=\"text/plain\" data-category=\"marketing\" nonce=\"{nonce}\">"
    )));
    assert!(!first.body.contains("{{nonce}}"));
    assert_eq!(first.header("x-content-type-options"), "nosniff");
    assert_eq!(
        first.header("referrer-policy"),
        "strict-origin-when-cross-origin"
    );

    let second = app.get("/", None).await;
    assert_ne!(second.header("content-security-policy"), csp);
}

#[tokio::test]
async fn the_home_page_loads_the_widget_first_and_keeps_its_gated_tags_in_order() {
    let body = app().await.get("/", None).await.body;
    let head = body.split("<head>").nth(1).expect("head");
    assert!(head.trim_start().starts_with(
        "<meta charset=\"utf-8\">\n<script src=\"/consent/canenrich-consent.js\" data-config=\"/demo/consent.json\"></script>\n<link rel=\"stylesheet\" href=\"/demo.css\">"
    ));
    let positions: Vec<usize> = [
        "src=\"/demo/trackers/analytics.js\"",
        "src=\"/demo/trackers/marketing.js\"",
        "inline-marketing",
        "data-src=\"/demo/embed/video.html\"",
        "data-src=\"/demo/pixel.gif?tag=img\"",
    ]
    .iter()
    .map(|needle| body.find(needle).expect(needle))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(body.contains("<ul id=\"demo-log\" aria-live=\"polite\"></ul>"));
    assert!(body.contains("<a href=\"#\" data-canenrich=\"show-preferences\">Cookie settings</a>"));
    assert!(!body.contains("style="));
    assert!(!body.contains("<style"));
}

#[tokio::test]
async fn the_strict_page_has_the_strict_policy_and_no_nonce() {
    let reply = app().await.get("/strict", None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-security-policy"),
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         frame-ancestors 'self'"
    );
    assert!(!reply.body.contains("nonce="));
    assert!(reply.body.contains("/demo/trackers/analytics.js"));
    assert!(reply.body.contains("/demo/trackers/marketing.js"));
}

#[tokio::test]
async fn no_page_of_the_demo_site_has_inline_styles_or_runnable_inline_scripts() {
    let app = app().await;
    for path in [
        "/",
        "/strict",
        "/privacy.html",
        "/login",
        "/account",
        "/demo/embed/video.html",
    ] {
        let body = app.get(path, None).await.body;
        assert!(!body.contains("style="), "{path}");
        assert!(!body.contains("<style"), "{path}");
        for tag in body.split("<script").skip(1) {
            let open = tag.split('>').next().expect("tag");
            assert!(
                open.contains(" src=") || open.contains("type=\"text/plain\""),
                "{path}: inline script <script{open}>"
            );
        }
    }
}

#[tokio::test]
async fn widget_files_are_served_with_their_media_types_and_cache_headers() {
    let app = app().await;
    for (path, content_type, cache) in [
        (
            "/consent/canenrich-consent.js",
            "text/javascript; charset=utf-8",
            "public, max-age=300",
        ),
        (
            "/consent/canenrich_consent_bg.wasm",
            "application/wasm",
            "no-cache",
        ),
        (
            "/consent/canenrich_consent_bg.wasm?v=0.1.0",
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        ("/consent/config.json", "application/json", "no-cache"),
        ("/consent/widget.css", "text/css; charset=utf-8", "no-cache"),
    ] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), content_type, "{path}");
        assert_eq!(reply.header("cache-control"), cache, "{path}");
        assert!(reply.header("etag").starts_with('"'), "{path}");
        assert!(!reply.header("last-modified").is_empty(), "{path}");
    }
    assert_eq!(app.get("/consent/missing.js", None).await.status, 404);
}

#[tokio::test]
async fn site_files_are_served_statically_and_query_strings_are_ignored() {
    let app = app().await;
    let pixel = app.get("/demo/pixel.gif?tag=img", None).await;
    assert_eq!(pixel.status, 200);
    assert_eq!(pixel.header("content-type"), "image/gif");
    let script = app.get("/demo/trackers/analytics.js", None).await;
    assert_eq!(
        script.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    let css = app.get("/demo.css", None).await;
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    let privacy = app.get("/privacy.html", None).await;
    assert!(privacy
        .header("content-security-policy")
        .contains("'nonce-"));
    assert_eq!(app.get("/nope.html", None).await.status, 404);
}

#[tokio::test]
async fn path_traversal_and_hidden_files_are_refused() {
    let app = app().await;
    for path in [
        "/consent/../Cargo.toml",
        "/consent/..%2fCargo.toml",
        "/consent/%2e%2e/%2e%2e/Cargo.toml",
        "/consent/..\\Cargo.toml",
        "/../server/Cargo.toml",
        "/demo/../../../server/Cargo.toml",
        "/%2e%2e/%2e%2e/server/Cargo.toml",
        "/_layout.html",
        "/.gitignore",
        "/demo/%00.gif",
        "/demo/%zz",
    ] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("[package]"), "{path}");
    }
}

#[tokio::test]
async fn only_get_and_head_reach_static_files() {
    let app = app().await;
    let reply = app.post("/privacy.html", "text/plain", "x").await;
    assert_eq!(reply.status, 405);
    let head = axum::http::Request::head("/privacy.html")
        .body(axum::body::Body::empty())
        .expect("request");
    let reply = app.send(head).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn healthz_says_ok() {
    let reply = app().await.get("/healthz", None).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn the_playground_is_served_with_its_files_under_the_strict_policy_and_nothing_else() {
    let app = app().await;
    let bare = app.get("/playground", None).await;
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("location"), "/playground/");

    let page = app.get("/playground/", None).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("<script type=\"module\" src=\"www/playground/main.js\"></script>"));
    assert_eq!(
        page.header("content-security-policy"),
        canenrich_server::html::STRICT_POLICY
    );
    let module = app.get("/playground/www/playground/main.js", None).await;
    assert_eq!(module.status, 200);
    assert!(module.header("content-type").starts_with("text/javascript"));
    let config = app.get("/playground/dist/config.json", None).await;
    assert_eq!(config.status, 200);
    assert_eq!(config.body, "{\"revision\":1}");

    for hidden in [
        "/playground/Cargo.toml",
        "/playground/www/site/index.html",
        "/playground/www/playground/../../Cargo.toml",
        "/playground/dist/../Cargo.toml",
        "/playground/dist/%2e%2e/Cargo.toml",
        "/playground/src/lib.rs",
    ] {
        assert_eq!(app.get(hidden, None).await.status, 404, "{hidden}");
    }
}
