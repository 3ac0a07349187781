//! What PostgreSQL adds over SQLite: several server instances share one database. Runs only when
//! `DATABASE_URL` is set (a notice on stderr says so otherwise); each test has its own schema.

mod common;

use canenrich_server::receipt::{Method, Receipt};
use canenrich_server::store::postgres::PostgresStore;
use canenrich_server::store::{ReceiptStore, StoreError};
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

/// A fresh schema in the database `DATABASE_URL` names, or `None` when it is not set.
fn schema() -> Option<Schema> {
    match Db::postgres()? {
        Db::Postgres(url) => Some(Schema::create(&url)),
        Db::Sqlite => None,
    }
}

#[test]
fn instances_sharing_a_database_see_each_others_receipts_and_conflicts() {
    let Some(schema) = schema() else { return };
    let first = PostgresStore::open(&schema.url()).expect("first instance");
    let second = PostgresStore::open(&schema.url()).expect("second instance");
    first.insert(&receipt(1)).expect("insert");
    assert_eq!(second.get(&receipt(1).id).expect("get"), Some(receipt(1)));
    assert!(matches!(
        second.insert(&receipt(1)),
        Err(StoreError::Duplicate)
    ));
    second.insert(&receipt(2)).expect("insert");
    assert_eq!(first.count().expect("count"), 2);
}

#[test]
fn instances_starting_together_migrate_the_database_once() {
    let Some(schema) = schema() else { return };
    let url = schema.url();
    let stores: Vec<PostgresStore> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PostgresStore::open(&url)))
            .collect();
        starting
            .into_iter()
            .map(|start| start.join().expect("thread").expect("open"))
            .collect()
    });
    stores[0].insert(&receipt(7)).expect("insert");
    for store in &stores {
        assert_eq!(store.count().expect("count"), 1);
    }
}

#[test]
fn reopening_keeps_receipts_and_a_database_from_a_newer_server_is_refused() {
    let Some(schema) = schema() else { return };
    PostgresStore::open(&schema.url())
        .expect("open")
        .insert(&receipt(3))
        .expect("insert");
    let reopened = PostgresStore::open(&schema.url()).expect("reopen");
    assert_eq!(reopened.get(&receipt(3).id).expect("get"), Some(receipt(3)));
    drop(reopened);

    run_sql(
        &schema.url(),
        "UPDATE canenrich_schema SET version = 99".to_owned(),
    );
    let refused = PostgresStore::open(&schema.url());
    assert!(
        matches!(
            refused,
            Err(StoreError::TooNew {
                found: 99,
                known: 1
            })
        ),
        "{refused:?}"
    );
}

#[test]
fn an_unreachable_database_is_an_error_not_a_hang() {
    let started = std::time::Instant::now();
    let refused = PostgresStore::open("postgres://canenrich@127.0.0.1:9/consent?connect_timeout=2");
    assert!(
        matches!(refused, Err(StoreError::Postgres(_))),
        "{refused:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
