//! The consent-receipt API: receipts round-trip, and every kind of bad input gets a 4xx JSON
//! error naming the problem while nothing is stored. Every test runs twice: `sqlite::…` on an
//! in-memory SQLite database, `postgres::…` on PostgreSQL when `DATABASE_URL` is set (without
//! it those pass at once, after a notice on stderr).

mod common;

use common::{App, Db};
use serde_json::{json, Value};

/// Runs each named test on SQLite and, when `DATABASE_URL` is set, on PostgreSQL.
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Db::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(db) = super::Db::postgres() {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

on_every_store!(
    a_receipt_round_trips_through_the_api,
    a_receipt_without_a_config_hash_round_trips_without_one,
    a_receipt_sent_by_send_beacon_as_text_plain_is_accepted,
    an_uppercase_id_is_stored_lowercase_and_found_either_way,
    a_duplicate_receipt_id_is_a_conflict_and_keeps_the_first_receipt,
    an_unknown_receipt_id_is_a_json_404,
    a_malformed_receipt_id_in_the_url_is_a_json_400,
    a_receipt_with_an_unknown_field_is_refused_and_not_stored,
    a_receipt_missing_a_field_is_refused_and_not_stored,
    a_receipt_with_a_field_of_the_wrong_type_is_refused_and_not_stored,
    a_receipt_with_an_unknown_method_is_refused_and_not_stored,
    a_receipt_whose_id_is_not_a_uuid_v4_is_refused_and_not_stored,
    a_receipt_with_a_badly_named_category_is_refused_and_not_stored,
    a_receipt_with_too_many_categories_is_refused_and_not_stored,
    a_receipt_that_accepts_and_refuses_the_same_category_is_refused_and_not_stored,
    a_receipt_that_refuses_the_necessary_category_is_refused_and_not_stored,
    a_receipt_with_a_timestamp_before_2020_is_refused_and_not_stored,
    a_receipt_with_a_timestamp_over_a_day_ahead_is_refused_and_not_stored,
    a_receipt_from_a_visitor_clock_an_hour_ahead_is_stored,
    a_receipt_that_does_not_accept_necessary_is_refused_and_not_stored,
    a_reject_all_receipt_that_accepts_an_optional_category_is_refused_and_not_stored,
    an_accept_all_receipt_that_refuses_a_category_is_refused_and_not_stored,
    a_receipt_with_an_overlong_config_hash_is_refused_and_not_stored,
    a_receipt_with_markup_in_its_config_hash_is_refused_and_not_stored,
    a_receipt_that_is_not_json_is_refused_and_not_stored,
    a_receipt_with_an_unsupported_content_type_is_refused_and_not_stored,
    a_receipt_body_over_16_kib_is_refused_and_not_stored,
    a_receipt_declaring_a_length_over_16_kib_is_refused_before_it_is_read,
    a_receipt_sent_as_a_json_array_is_refused_and_not_stored,
    a_receipt_stamped_over_a_day_before_it_arrived_is_refused_and_not_stored,
    a_gpc_receipt_that_accepts_marketing_is_refused_and_not_stored,
    a_test_override_choice_is_refused_naming_the_method,
    the_export_hands_out_receipts_since_a_moment_as_ndjson_to_the_admin_only,
    the_export_pages_through_more_receipts_than_one_page_each_once,
    retention_deletes_receipts_received_before_the_cutoff_only,
);

const ID: &str = "1b4e28ba-2fa1-4d2e-883f-0016d3cca427";

#[tokio::test]
async fn a_method_an_api_path_does_not_take_is_a_json_405_with_allow() {
    let app = common::app().await;
    for (method, path, allow) in [
        ("PUT", "/api/consent".to_owned(), "POST,OPTIONS"),
        ("GET", "/api/consent".to_owned(), "POST,OPTIONS"),
        ("DELETE", format!("/api/consent/{ID}"), "GET,HEAD"),
        ("POST", "/api/consent/stats".to_owned(), "GET,HEAD"),
    ] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(&path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(receipt().to_string()))
            .expect("request");
        let reply = app.send(request).await;
        assert_eq!(reply.status, 405, "{method} {path}: {}", reply.body);
        assert_eq!(reply.header("content-type"), "application/json");
        assert_eq!(reply.header("allow"), allow, "{method} {path}");
        let error = reply.json()["error"].as_str().expect("error").to_owned();
        assert!(error.starts_with(&format!("method: {method}")), "{error}");
    }
    assert_eq!(app.stored().await, 0, "nothing is stored");
}

#[tokio::test]
async fn an_unknown_path_under_api_is_a_json_404() {
    let app = common::app().await;
    for path in [
        "/api".to_owned(),
        "/api/".to_owned(),
        "/api/consent/".to_owned(),
        format!("/api/consent/{ID}/"),
        "/api/consent/stats/".to_owned(),
        "/api/receipts".to_owned(),
        format!("/api/consent/{ID}/history"),
    ] {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert_eq!(reply.header("content-type"), "application/json", "{path}");
        assert!(reply.json()["error"]
            .as_str()
            .expect("error")
            .contains("path"));
    }
    let reply = app
        .post("/api/consent/", "application/json", receipt().to_string())
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(app.stored().await, 0, "nothing is stored");
}

fn receipt() -> Value {
    json!({
        "id": ID,
        "timestamp": stamp(),
        "revision": 2,
        "categories": ["necessary", "analytics"],
        "rejected": ["marketing", "personalization"],
        "method": "custom",
        "configHash": "sha256-abc123"
    })
}

/// One timestamp for every receipt of this test process: a minute before it started, so within
/// the day the server accepts and the same in every call.
fn stamp() -> u64 {
    static STAMP: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *STAMP.get_or_init(|| now() - 60_000)
}

/// A receipt as the API returns it, without the `receivedAt` the server added; that must be
/// the server's clock at the time of the test.
fn as_posted(mut stored: Value) -> Value {
    let received_at = stored
        .as_object_mut()
        .expect("an object")
        .remove("receivedAt")
        .and_then(|at| at.as_u64())
        .expect("a numeric receivedAt");
    assert!(
        received_at > stamp() && received_at <= now(),
        "receivedAt {received_at} is the server's clock"
    );
    stored
}

fn with(field: &str, value: Value) -> Value {
    let mut receipt = receipt();
    receipt[field] = value;
    receipt
}

/// Posts `body` as JSON and checks it is refused with `status`, a JSON error containing
/// `mentions`, and an empty store.
async fn assert_refused(db: &Db, body: String, content_type: &str, status: u16, mentions: &str) {
    let app = db.app().await;
    let reply = app.post("/api/consent", content_type, body.clone()).await;
    assert_eq!(reply.status, status, "{body}: {}", reply.body);
    assert_eq!(reply.header("content-type"), "application/json");
    let error = reply.json()["error"]
        .as_str()
        .expect("error message")
        .to_owned();
    assert!(
        error.contains(mentions),
        "{error:?} should mention {mentions:?}"
    );
    assert_eq!(app.stored().await, 0, "nothing is stored");
    assert_eq!(
        app.get(&format!("/api/consent/{ID}"), None).await.status,
        404
    );
}

/// [`assert_refused`] for a JSON body that the API must answer with a 400.
async fn assert_invalid(db: &Db, body: String, mentions: &str) {
    assert_refused(db, body, "application/json", 400, mentions).await;
}

async fn a_receipt_round_trips_through_the_api(db: Db) {
    let app = db.app().await;
    let reply = app
        .post("/api/consent", "application/json", receipt().to_string())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("location"), format!("/api/consent/{ID}"));
    assert_eq!(as_posted(reply.json()), receipt());
    let fetched = app.get(&format!("/api/consent/{ID}"), None).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.header("content-type"), "application/json");
    assert_eq!(as_posted(fetched.json()), receipt());
    assert_eq!(app.stored().await, 1);
}

async fn a_receipt_without_a_config_hash_round_trips_without_one(db: Db) {
    let app = db.app().await;
    let mut body = receipt();
    body.as_object_mut().expect("object").remove("configHash");
    let reply = app
        .post("/api/consent", "application/json", body.to_string())
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        as_posted(app.get(&format!("/api/consent/{ID}"), None).await.json()),
        body
    );
}

async fn a_receipt_sent_by_send_beacon_as_text_plain_is_accepted(db: Db) {
    let app = db.app().await;
    let reply = app
        .post(
            "/api/consent",
            "text/plain;charset=UTF-8",
            receipt().to_string(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(app.stored().await, 1);
}

async fn an_uppercase_id_is_stored_lowercase_and_found_either_way(db: Db) {
    let app = db.app().await;
    let upper = ID.to_ascii_uppercase();
    let reply = app
        .post(
            "/api/consent",
            "application/json",
            with("id", json!(upper)).to_string(),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["id"], ID);
    assert_eq!(
        app.get(&format!("/api/consent/{upper}"), None).await.status,
        200
    );
}

async fn a_duplicate_receipt_id_is_a_conflict_and_keeps_the_first_receipt(db: Db) {
    let app = db.app().await;
    let first = app
        .post("/api/consent", "application/json", receipt().to_string())
        .await;
    assert_eq!(first.status, 201);
    let second = app
        .post(
            "/api/consent",
            "application/json",
            with("revision", json!(9)).to_string(),
        )
        .await;
    assert_eq!(second.status, 409);
    assert!(second.json()["error"]
        .as_str()
        .expect("error")
        .contains("id"));
    assert_eq!(
        as_posted(app.get(&format!("/api/consent/{ID}"), None).await.json()),
        receipt()
    );
    assert_eq!(app.stored().await, 1);
}

async fn an_unknown_receipt_id_is_a_json_404(db: Db) {
    let reply = db
        .app()
        .await
        .get(&format!("/api/consent/{ID}"), None)
        .await;
    assert_eq!(reply.status, 404);
    assert!(reply.json()["error"]
        .as_str()
        .expect("error")
        .contains("id"));
}

async fn a_malformed_receipt_id_in_the_url_is_a_json_400(db: Db) {
    let reply = db.app().await.get("/api/consent/not-a-uuid", None).await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"].is_string());
}

async fn a_receipt_with_an_unknown_field_is_refused_and_not_stored(db: Db) {
    let body = with("ip", json!("203.0.113.7")).to_string();
    assert_invalid(&db, body, "unknown field `ip`").await;
}

async fn a_receipt_missing_a_field_is_refused_and_not_stored(db: Db) {
    let mut body = receipt();
    body.as_object_mut().expect("object").remove("method");
    assert_invalid(&db, body.to_string(), "missing field `method`").await;
}

async fn a_receipt_with_a_field_of_the_wrong_type_is_refused_and_not_stored(db: Db) {
    let body = with("revision", json!("2")).to_string();
    assert_invalid(&db, body, "revision").await;
    let body = with("timestamp", json!(1.5)).to_string();
    assert_invalid(&db, body, "timestamp").await;
    let body = with("revision", json!(-1)).to_string();
    assert_invalid(&db, body, "revision").await;
}

async fn a_receipt_with_an_unknown_method_is_refused_and_not_stored(db: Db) {
    let body = with("method", json!("implied")).to_string();
    assert_invalid(&db, body, "method").await;
}

async fn a_receipt_whose_id_is_not_a_uuid_v4_is_refused_and_not_stored(db: Db) {
    for id in [
        "abc",
        "1b4e28ba-2fa1-1d2e-883f-0016d3cca427",
        "1b4e28ba2fa14d2e883f0016d3cca427",
    ] {
        let body = with("id", json!(id)).to_string();
        assert_invalid(&db, body, "id: must be a UUID v4").await;
    }
}

async fn a_receipt_with_a_badly_named_category_is_refused_and_not_stored(db: Db) {
    let body = with("categories", json!(["necessary", "Analytics"])).to_string();
    assert_invalid(&db, body, "categories[1]").await;
    let body = with("rejected", json!(["a".repeat(65)])).to_string();
    assert_invalid(&db, body, "rejected[0]").await;
    let body = with("categories", json!(["analytics", "analytics"])).to_string();
    assert_invalid(&db, body, "categories[1]").await;
}

async fn a_receipt_with_too_many_categories_is_refused_and_not_stored(db: Db) {
    let names: Vec<String> = (0..33).map(|i| format!("c{i}")).collect();
    let body = with("rejected", json!(names)).to_string();
    assert_invalid(&db, body, "rejected").await;
}

async fn a_receipt_that_accepts_and_refuses_the_same_category_is_refused_and_not_stored(db: Db) {
    let body = with("rejected", json!(["analytics"])).to_string();
    assert_invalid(&db, body, "rejected").await;
}

async fn a_receipt_that_refuses_the_necessary_category_is_refused_and_not_stored(db: Db) {
    let body = with("rejected", json!(["necessary"])).to_string();
    let body = body.replace("[\"necessary\",\"analytics\"]", "[\"analytics\"]");
    assert_invalid(&db, body, "necessary").await;
}

/// The test machine's clock, in milliseconds since the Unix epoch.
fn now() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    u64::try_from(since.as_millis()).expect("milliseconds fit in u64")
}

async fn a_receipt_with_a_timestamp_before_2020_is_refused_and_not_stored(db: Db) {
    for timestamp in [0, 1_577_836_799_999_u64] {
        let body = with("timestamp", json!(timestamp)).to_string();
        assert_invalid(&db, body, "timestamp: is before 2020").await;
    }
}

async fn a_receipt_with_a_timestamp_over_a_day_ahead_is_refused_and_not_stored(db: Db) {
    let two_days = 2 * 24 * 60 * 60 * 1000;
    for timestamp in [99_999_999_999_999_u64, now() + two_days] {
        let body = with("timestamp", json!(timestamp)).to_string();
        assert_invalid(&db, body, "timestamp: is more than 24 hours").await;
    }
}

async fn a_receipt_from_a_visitor_clock_an_hour_ahead_is_stored(db: Db) {
    let app = db.app().await;
    let body = with("timestamp", json!(now() + 60 * 60 * 1000));
    let reply = app
        .post("/api/consent", "application/json", body.to_string())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let stored = reply.json();
    assert_eq!(stored["timestamp"], body["timestamp"]);
    assert!(
        stored["receivedAt"].as_u64().expect("receivedAt")
            < body["timestamp"].as_u64().expect("timestamp")
    );
}

async fn a_receipt_that_does_not_accept_necessary_is_refused_and_not_stored(db: Db) {
    let body = with("categories", json!(["analytics"])).to_string();
    assert_invalid(&db, body, "categories: must list `necessary`").await;
    let body = with("categories", json!([])).to_string();
    assert_invalid(&db, body, "categories: must list `necessary`").await;
}

async fn a_reject_all_receipt_that_accepts_an_optional_category_is_refused_and_not_stored(db: Db) {
    let body = with("method", json!("reject_all")).to_string();
    assert_invalid(&db, body, "categories: reject_all accepts only necessary").await;
}

async fn an_accept_all_receipt_that_refuses_a_category_is_refused_and_not_stored(db: Db) {
    let body = with("method", json!("accept_all")).to_string();
    assert_invalid(&db, body, "rejected: accept_all").await;
}

async fn a_receipt_with_an_overlong_config_hash_is_refused_and_not_stored(db: Db) {
    let body = with("configHash", json!("x".repeat(129))).to_string();
    assert_invalid(&db, body, "configHash").await;
}

async fn a_receipt_with_markup_in_its_config_hash_is_refused_and_not_stored(db: Db) {
    for hash in ["<img src=x>", "abc\u{7}", "sha256 abc"] {
        let body = with("configHash", json!(hash)).to_string();
        assert_invalid(&db, body, "configHash: may contain only").await;
    }
}

async fn a_receipt_that_is_not_json_is_refused_and_not_stored(db: Db) {
    assert_invalid(&db, "{\"id\": ".to_owned(), "EOF while parsing").await;
    assert_invalid(&db, format!("{} trailing", receipt()), "body").await;
    assert_invalid(&db, "[]".to_owned(), "body").await;
}

async fn a_receipt_with_an_unsupported_content_type_is_refused_and_not_stored(db: Db) {
    let body = receipt().to_string();
    assert_refused(
        &db,
        body.clone(),
        "application/x-www-form-urlencoded",
        415,
        "Content-Type",
    )
    .await;
    assert_refused(&db, body, "multipart/form-data", 415, "Content-Type").await;
    let app = db.app().await;
    let request = axum::http::Request::post("/api/consent")
        .body(axum::body::Body::from(receipt().to_string()))
        .expect("request");
    assert_eq!(app.send(request).await.status, 415);
    assert_eq!(app.stored().await, 0);
}

async fn a_receipt_body_over_16_kib_is_refused_and_not_stored(db: Db) {
    let body = with("configHash", json!("x".repeat(17 * 1024))).to_string();
    assert_refused(&db, body, "application/json", 413, "body").await;
}

async fn a_receipt_declaring_a_length_over_16_kib_is_refused_before_it_is_read(db: Db) {
    let app = db.app().await;
    let request = axum::http::Request::post("/api/consent")
        .header("content-type", "application/json")
        .header("content-length", "20000")
        .body(axum::body::Body::from(receipt().to_string()))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, 413);
    assert!(reply.json()["error"]
        .as_str()
        .expect("error")
        .contains("body"));
    assert_eq!(app.stored().await, 0);
}

async fn a_receipt_sent_as_a_json_array_is_refused_and_not_stored(db: Db) {
    let receipt = receipt();
    let fields: Vec<Value> = [
        "id",
        "timestamp",
        "revision",
        "categories",
        "rejected",
        "method",
    ]
    .iter()
    .map(|field| receipt[*field].clone())
    .collect();
    let body = Value::Array(fields).to_string();
    assert_invalid(&db, body, "body: must be a JSON object").await;
}

async fn a_receipt_stamped_over_a_day_before_it_arrived_is_refused_and_not_stored(db: Db) {
    let day = 24 * 60 * 60 * 1000;
    let body = with("timestamp", json!(now() - day - 60_000)).to_string();
    assert_invalid(&db, body, "timestamp: is more than 24 hours before").await;
}

async fn a_gpc_receipt_that_accepts_marketing_is_refused_and_not_stored(db: Db) {
    let mut body = with("method", json!("gpc"));
    body["categories"] = json!(["necessary", "marketing"]);
    body["rejected"] = json!(["analytics"]);
    assert_invalid(
        &db,
        body.to_string(),
        "categories: gpc never accepts marketing",
    )
    .await;
}

async fn a_test_override_choice_is_refused_naming_the_method(db: Db) {
    let body = with("method", json!("test")).to_string();
    assert_invalid(
        &db,
        body,
        "method: test-override choices are never receipts",
    )
    .await;
}

const ADMIN: &str = "an-admin-token-of-some-length";

/// The id of the `n`th receipt that [`post_numbered_receipts`] posts.
fn export_id(n: u32) -> String {
    format!("1b4e28ba-2fa1-4d2e-883f-{n:012x}")
}

/// Posts `count` valid receipts, numbered from 0 (see [`export_id`]), each stored.
async fn post_numbered_receipts(app: &App, count: u32) {
    for n in 0..count {
        let reply = app
            .post(
                "/api/consent",
                "application/json",
                with("id", json!(export_id(n))).to_string(),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
}

async fn the_export_hands_out_receipts_since_a_moment_as_ndjson_to_the_admin_only(db: Db) {
    let plain = db.app().await;
    let hidden = plain.get("/api/consent/export", None).await;
    assert_eq!(hidden.status, 404, "no admin token, no export");
    assert_eq!(hidden.header("content-type"), "application/json");

    let app = db
        .app_with(|options| options.admin_token = Some(ADMIN.to_owned()))
        .await;
    let id = export_id;
    post_numbered_receipts(&app, 3).await;
    let export = |path: &str, token: Option<&str>| {
        let mut request = axum::http::Request::get(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        app.send(request.body(axum::body::Body::empty()).expect("request"))
    };
    for token in [None, Some("wrong-token-of-the-same-size!")] {
        let refused = export("/api/consent/export", token).await;
        assert_eq!(refused.status, 401, "{token:?}");
        assert!(refused.header("www-authenticate").starts_with("Bearer"));
        assert!(!refused.body.contains(&id(0)));
    }
    let all = export("/api/consent/export", Some(ADMIN)).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.header("content-type"), "application/x-ndjson");
    let lines: Vec<Value> = all
        .body
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    let mut ids: Vec<String> = lines
        .iter()
        .map(|line| line["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, [id(0), id(1), id(2)]);
    assert!(lines.iter().all(|line| line["receivedAt"].is_u64()));
    let later = export(
        &format!("/api/consent/export?since={}", now() + 1000),
        Some(ADMIN),
    )
    .await;
    assert_eq!(later.status, 200);
    assert_eq!(later.body, "", "nothing was received after that moment");
    let bad = export("/api/consent/export?since=yesterday", Some(ADMIN)).await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .expect("error")
        .starts_with("since:"));
}

async fn the_export_pages_through_more_receipts_than_one_page_each_once(db: Db) {
    // Two full pages of 500 and a part, many received in the same millisecond: the keyset
    // (receivedAt, id) must neither skip nor repeat a receipt across page boundaries.
    let app = db
        .app_with(|options| {
            options.admin_token = Some(ADMIN.to_owned());
            options.rate_limit = 0;
        })
        .await;
    let count = 1_030;
    post_numbered_receipts(&app, count).await;
    let request = axum::http::Request::get("/api/consent/export")
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let all = app.send(request).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let mut ids: Vec<String> = all
        .body
        .lines()
        .map(|line| {
            let line: Value = serde_json::from_str(line).expect("one JSON object per line");
            line["id"].as_str().expect("id").to_owned()
        })
        .collect();
    assert_eq!(ids.len(), count as usize, "every receipt, once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count as usize, "no receipt twice");
}

async fn retention_deletes_receipts_received_before_the_cutoff_only(db: Db) {
    let app = db.app().await;
    let reply = app
        .post("/api/consent", "application/json", receipt().to_string())
        .await;
    assert_eq!(reply.status, 201);
    let store = &app.state.store;
    let day = 24 * 60 * 60 * 1000;
    // A year on, a 5-year retention keeps it; six years on, it is gone.
    let kept = canenrich_server::retention::sweep(store, 1826, now() + 365 * day)
        .await
        .expect("sweep");
    assert_eq!(kept, 0);
    assert_eq!(app.stored().await, 1);
    let deleted = canenrich_server::retention::sweep(store, 1826, now() + 6 * 365 * day)
        .await
        .expect("sweep");
    assert_eq!(deleted, 1);
    assert_eq!(app.stored().await, 0);
}
