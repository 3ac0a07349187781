//! The receipt store on SQLite: one table, WAL mode, and numbered migrations tracked in
//! `PRAGMA user_version`. The default: one server, one file (or `:memory:`).

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

use super::{Row, StoreError, COLUMNS};

/// Schema migrations; entry `n` brings `user_version` from `n` to `n + 1`. PostgreSQL has the
/// same list in its own dialect ([`super::postgres::MIGRATIONS`]).
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE receipt (
        id          TEXT    NOT NULL PRIMARY KEY,
        timestamp   INTEGER NOT NULL,
        revision    INTEGER NOT NULL,
        categories  TEXT    NOT NULL,
        rejected    TEXT    NOT NULL,
        method      TEXT    NOT NULL,
        config_hash TEXT
    ) STRICT;",
    // The server's own clock at receipt; rows from before it have only the visitor's.
    "ALTER TABLE receipt ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
     UPDATE receipt SET received_at = timestamp;
     CREATE INDEX receipt_received_at ON receipt (received_at, id);",
];

/// The SQLite store. One connection behind a mutex: SQLite writes one transaction at a time
/// anyway, and each receipt is one short statement. Calls block: [`super::Store`] runs them on
/// the blocking pool.
#[derive(Debug)]
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
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
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: row.get(0)?,
        timestamp: row.get(1)?,
        revision: row.get(2)?,
        categories: row.get(3)?,
        rejected: row.get(4)?,
        method: row.get(5)?,
        config_hash: row.get(6)?,
        received_at: row.get(7)?,
    })
}

impl SqliteStore {
    /// Stores a row; [`StoreError::Duplicate`] if its id is taken.
    pub fn insert(&self, row: &Row) -> Result<(), StoreError> {
        let result = self.lock().execute(
            &format!("INSERT INTO receipt ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
            params![
                row.id,
                row.timestamp,
                row.revision,
                row.categories,
                row.rejected,
                row.method,
                row.config_hash,
                row.received_at,
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

    /// The row with this id, if stored.
    pub fn get(&self, id: &str) -> Result<Option<Row>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM receipt WHERE id = ?1"),
                params![id],
                read_row,
            )
            .optional()?)
    }

    /// How many receipts are stored.
    pub fn count(&self) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM receipt", [], |row| row.get(0))?)
    }

    /// Deletes the receipts received before `cutoff`; returns how many.
    pub fn delete_received_before(&self, cutoff: i64) -> Result<u64, StoreError> {
        let deleted = self.lock().execute(
            "DELETE FROM receipt WHERE received_at < ?1",
            params![cutoff],
        )?;
        Ok(deleted as u64)
    }

    /// One page of an export: see [`super::Store::page`].
    pub fn page(
        &self,
        since: i64,
        after: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<Row>, StoreError> {
        let connection = self.lock();
        let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM receipt
             WHERE received_at >= ?1 AND (received_at, id) > (?2, ?3)
             ORDER BY received_at, id LIMIT ?4"
        ))?;
        let rows = statement
            .query_map(params![since, after_at, after_id, limit], read_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
fn migrate(connection: &Connection) -> Result<(), StoreError> {
    let found: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let too_new = || StoreError::TooNew {
        found,
        known: MIGRATIONS.len(),
    };
    let applied = usize::try_from(found).map_err(|_| too_new())?;
    if applied > MIGRATIONS.len() {
        return Err(too_new());
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let next = i64::try_from(index + 1).map_err(|_| too_new())?;
        connection.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql} PRAGMA user_version = {next}; COMMIT;"
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::{Method, Receipt};

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
        let row = Row::from_receipt(&receipt, 1_700_000_000_500).expect("row");
        SqliteStore::open(&path)
            .expect("open")
            .insert(&row)
            .expect("insert");
        let store = SqliteStore::open(&path).expect("reopen");
        assert_eq!(store.get(&receipt.id).expect("get"), Some(row));
        let version: i64 = store
            .lock()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user_version");
        assert_eq!(version, MIGRATIONS.len() as i64);
        drop(store);
        std::fs::remove_dir_all(dir).expect("clean up");
    }

    #[test]
    fn a_database_from_before_received_at_is_migrated_with_its_receipts() {
        let dir = std::env::temp_dir().join(format!("canenrich-v1-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("consent.db");
        // A version-1 database, as the first server wrote it, with one receipt.
        let old = Connection::open(&path).expect("open");
        old.execute_batch(&format!("{} PRAGMA user_version = 1;", MIGRATIONS[0]))
            .expect("version 1");
        old.execute(
            "INSERT INTO receipt (id, timestamp, revision, categories, rejected, method, config_hash)
             VALUES ('1b4e28ba-2fa1-4d2e-883f-0016d3cca427', 1700000000000, 3, 'necessary', 'marketing', 'reject_all', NULL)",
            [],
        )
        .expect("insert a version-1 row");
        drop(old);

        let store = SqliteStore::open(&path).expect("migrate");
        let version: i64 = store
            .lock()
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("user_version");
        assert_eq!(version, MIGRATIONS.len() as i64);
        let row = store
            .get("1b4e28ba-2fa1-4d2e-883f-0016d3cca427")
            .expect("get")
            .expect("the old receipt is kept");
        assert_eq!(
            row.received_at, row.timestamp,
            "an old row's receivedAt is its own timestamp"
        );
        drop(store);
        std::fs::remove_dir_all(dir).expect("clean up");
    }

    #[test]
    fn a_database_from_a_newer_server_is_refused() {
        let dir = std::env::temp_dir().join(format!("canenrich-too-new-{}", std::process::id()));
        let path = dir.join("consent.db");
        SqliteStore::open(&path)
            .expect("open")
            .lock()
            .pragma_update(None, "user_version", 99)
            .expect("set user_version");
        let refused = SqliteStore::open(&path);
        assert!(
            matches!(
                refused,
                Err(StoreError::TooNew { found: 99, known }) if known == MIGRATIONS.len()
            ),
            "{refused:?}"
        );
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}
