//! What PostgreSQL adds over SQLite: several server instances share one database, migrations run
//! once, and the connection is encrypted when `sslmode` asks. Runs only when `DATABASE_URL` is
//! set (a notice on stderr says so otherwise); each test has its own schema. The TLS tests run
//! when `CANENRICH_PG_TLS_ROOT` names the certificate of a cluster started with `ssl=on` (as
//! `cargo xtask test` does).

mod common;

use canenrich_server::receipt::{Method, Receipt};
use canenrich_server::store::postgres::PostgresStore;
use canenrich_server::store::{Store, StoreError};
use common::{run_sql, Db, Schema};

fn receipt(n: u32) -> Receipt {
    Receipt {
        id: format!("1b4e28ba-2fa1-4d2e-883f-{n:012x}"),
        timestamp: 1_732_540_000_123,
        revision: u32::MAX,
        categories: vec!["necessary".to_owned(), "analytics".to_owned()],
        rejected: vec!["marketing".to_owned()],
        method: Method::Custom,
        config_hash: Some("1a2b3c4d".to_owned()),
    }
}

const RECEIVED: u64 = 1_732_540_000_500;

/// A fresh schema in the database `DATABASE_URL` names, or `None` when it is not set.
fn schema() -> Option<Schema> {
    match Db::postgres()? {
        Db::Postgres(url) => Some(Schema::create(&url)),
        Db::Sqlite => None,
    }
}

async fn open(url: &str) -> Result<Store, StoreError> {
    PostgresStore::open(url).await.map(Store::Postgres)
}

#[tokio::test]
async fn instances_sharing_a_database_see_each_others_receipts_and_conflicts() {
    let Some(schema) = schema() else { return };
    let first = open(&schema.url()).await.expect("first instance");
    let second = open(&schema.url()).await.expect("second instance");
    first.insert(&receipt(1), RECEIVED).await.expect("insert");
    let stored = second
        .get(&receipt(1).id)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(stored.receipt, receipt(1));
    assert_eq!(stored.received_at, RECEIVED);
    assert!(matches!(
        second.insert(&receipt(1), RECEIVED).await,
        Err(StoreError::Duplicate)
    ));
    second.insert(&receipt(2), RECEIVED).await.expect("insert");
    assert_eq!(first.count().await.expect("count"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_the_database_once() {
    let Some(schema) = schema() else { return };
    let url = schema.url();
    let starting: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { open(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for start in starting {
        stores.push(start.await.expect("task").expect("open"));
    }
    stores[0]
        .insert(&receipt(7), RECEIVED)
        .await
        .expect("insert");
    for store in &stores {
        assert_eq!(store.count().await.expect("count"), 1);
    }
}

#[tokio::test]
async fn reopening_keeps_receipts_and_a_database_from_a_newer_server_is_refused() {
    let Some(schema) = schema() else { return };
    open(&schema.url())
        .await
        .expect("open")
        .insert(&receipt(3), RECEIVED)
        .await
        .expect("insert");
    let reopened = open(&schema.url()).await.expect("reopen");
    let stored = reopened.get(&receipt(3).id).await.expect("get");
    assert_eq!(stored.map(|s| s.receipt), Some(receipt(3)));
    drop(reopened);

    run_sql(
        &schema.url(),
        "UPDATE canenrich_schema SET version = 99".to_owned(),
    );
    let refused = open(&schema.url()).await;
    let known = canenrich_server::store::postgres::MIGRATIONS.len();
    assert!(
        matches!(refused, Err(StoreError::TooNew { found: 99, known: k }) if k == known),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_database_from_before_received_at_is_migrated_with_its_receipts() {
    let Some(schema) = schema() else { return };
    // The schema as the first migration left it, with one receipt in it.
    let first = canenrich_server::store::postgres::MIGRATIONS[0];
    run_sql(
        &schema.url(),
        format!(
            "{first}
             CREATE TABLE canenrich_schema (version BIGINT NOT NULL);
             INSERT INTO canenrich_schema VALUES (1);
             INSERT INTO receipt (id, timestamp, revision, categories, rejected, method)
             VALUES ('{}', 1732540000123, 1, '[\"necessary\"]', '[]', 'reject_all');",
            receipt(5).id
        ),
    );
    let store = open(&schema.url()).await.expect("migrate");
    let stored = store.get(&receipt(5).id).await.expect("get").expect("kept");
    assert_eq!(
        stored.received_at, 1_732_540_000_123,
        "received_at from timestamp"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_an_error_not_a_hang() {
    let started = std::time::Instant::now();
    let refused = open("postgres://canenrich@127.0.0.1:9/consent?connect_timeout=2").await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

/// `DATABASE_URL` with `extra` query parameters, and the cluster's certificate, when the cluster
/// speaks TLS.
fn tls_url(extra: &str) -> Option<(Schema, String)> {
    let root = std::env::var("CANENRICH_PG_TLS_ROOT").ok()?;
    let schema = schema()?;
    let url = schema.url();
    let separator = if url.contains('?') { '&' } else { '?' };
    let extra = extra.replace("ROOT", &root);
    let url = format!("{url}{separator}{extra}");
    Some((schema, url))
}

#[tokio::test]
async fn sslmode_require_encrypts_the_connection() {
    let Some((_schema, url)) = tls_url("sslmode=require") else {
        return;
    };
    let store = PostgresStore::open(&url).await.expect("open over TLS");
    assert!(store.is_encrypted().await.expect("pg_stat_ssl"));
    let plain = PostgresStore::open(&url.replace("sslmode=require", "sslmode=disable"))
        .await
        .expect("open without TLS");
    assert!(!plain.is_encrypted().await.expect("pg_stat_ssl"));
}

#[tokio::test]
async fn sslmode_verify_full_checks_the_certificate() {
    let Some((_schema, url)) = tls_url("sslmode=verify-full&sslrootcert=ROOT") else {
        return;
    };
    let store = PostgresStore::open(&url)
        .await
        .expect("the cluster's own root");
    assert!(store.is_encrypted().await.expect("pg_stat_ssl"));
    // Without the cluster's root, its self-signed certificate is not trusted.
    let untrusted = url
        .split('&')
        .filter(|pair| !pair.starts_with("sslrootcert="))
        .collect::<Vec<_>>()
        .join("&");
    let refused = PostgresStore::open(&untrusted).await;
    assert!(refused.is_err(), "a certificate no root vouches for");
}
