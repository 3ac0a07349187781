//! The consent-receipt database: one SQLite table, WAL mode, and numbered migrations tracked in
//! `PRAGMA user_version`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

use crate::receipt::{Method, Receipt};

/// Schema migrations; entry `n` brings `user_version` from `n` to `n + 1`.
const MIGRATIONS: &[&str] = &["CREATE TABLE receipt (
        id          TEXT    NOT NULL PRIMARY KEY,
        timestamp   INTEGER NOT NULL,
        revision    INTEGER NOT NULL,
        categories  TEXT    NOT NULL,
        rejected    TEXT    NOT NULL,
        method      TEXT    NOT NULL,
        config_hash TEXT
    ) STRICT;"];

/// Failures of the receipt database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A receipt with this id is already stored.
    #[error("a receipt with this id already exists")]
    Duplicate,
    /// The database was written by a newer server (its schema version is unknown here).
    #[error("the database schema version {0} is newer than this server knows ({known})", known = MIGRATIONS.len())]
    TooNew(i64),
    /// The database directory could not be created.
    #[error("creating the database directory: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row could not be read back as a receipt.
    #[error("stored receipt {0} is unreadable")]
    Corrupt(String),
}

/// The receipt store. One connection behind a mutex: receipts are tiny and rare, so this is
/// simple and correct; callers on the async runtime use `spawn_blocking`.
#[derive(Debug)]
pub struct Store {
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed, with parent directories) and migrates the database at `path`.
    /// `:memory:` opens a private in-memory database.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = if path.as_os_str() == ":memory:" {
            Connection::open_in_memory()?
        } else {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            Connection::open(path)?
        };
        connection.busy_timeout(Duration::from_secs(5))?;
        connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&connection)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written row: every write is one
        // statement, so the connection is still usable.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a validated receipt; [`StoreError::Duplicate`] if its id is taken.
    pub fn insert(&self, receipt: &Receipt) -> Result<(), StoreError> {
        let categories = serde_json::to_string(&receipt.categories)
            .map_err(|_| StoreError::Corrupt(receipt.id.clone()))?;
        let rejected = serde_json::to_string(&receipt.rejected)
            .map_err(|_| StoreError::Corrupt(receipt.id.clone()))?;
        let timestamp = i64::try_from(receipt.timestamp)
            .map_err(|_| StoreError::Corrupt(receipt.id.clone()))?;
        let result = self.lock().execute(
            "INSERT INTO receipt (id, timestamp, revision, categories, rejected, method, config_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                receipt.id,
                timestamp,
                receipt.revision,
                categories,
                rejected,
                receipt.method.as_str(),
                receipt.config_hash,
            ],
        );
        match result {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(err, _))
                if err.code == ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::Duplicate)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The receipt with this id, if stored.
    pub fn get(&self, id: &str) -> Result<Option<Receipt>, StoreError> {
        type Row = (String, i64, u32, String, String, String, Option<String>);
        let row: Option<Row> = self
            .lock()
            .query_row(
                "SELECT id, timestamp, revision, categories, rejected, method, config_hash
                 FROM receipt WHERE id = ?1",
                params![id],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                        row.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, timestamp, revision, categories, rejected, method, config_hash)) = row else {
            return Ok(None);
        };
        let corrupt = || StoreError::Corrupt(id.clone());
        Ok(Some(Receipt {
            timestamp: u64::try_from(timestamp).map_err(|_| corrupt())?,
            revision,
            categories: serde_json::from_str(&categories).map_err(|_| corrupt())?,
            rejected: serde_json::from_str(&rejected).map_err(|_| corrupt())?,
            method: Method::parse(&method).ok_or_else(corrupt)?,
            config_hash,
            id,
        }))
    }

    /// How many receipts are stored.
    pub fn count(&self) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM receipt", [], |row| row.get(0))?)
    }
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
fn migrate(connection: &Connection) -> Result<(), StoreError> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let applied = usize::try_from(version).map_err(|_| StoreError::TooNew(version))?;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::TooNew(version));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let next = i64::try_from(index + 1).map_err(|_| StoreError::TooNew(version))?;
        connection.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql} PRAGMA user_version = {next}; COMMIT;"
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reopening_a_database_keeps_its_receipts_and_schema_version() {
        let dir = std::env::temp_dir().join(format!("canenrich-store-{}", std::process::id()));
        let path = dir.join("nested").join("consent.db");
        let receipt = Receipt {
            id: "1b4e28ba-2fa1-4d2e-883f-0016d3cca427".to_owned(),
            timestamp: 1_700_000_000_000,
            revision: 3,
            categories: vec!["necessary".to_owned()],
            rejected: vec!["marketing".to_owned()],
            method: Method::RejectAll,
            config_hash: None,
        };
        Store::open(&path)
            .expect("open")
            .insert(&receipt)
            .expect("insert");
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.get(&receipt.id).expect("get"), Some(receipt));
        let version: i64 = store
            .lock()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user_version");
        assert_eq!(version, 1);
        drop(store);
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}
