//! Where consent receipts are kept: [`Store`], which is SQLite (one server, the default) or
//! PostgreSQL (several instances sharing one database), the errors every store shares, and the
//! row both keep. Both stores have the same table, numbered migrations of the same length, and
//! the same behaviour (a duplicate id is [`StoreError::Duplicate`]). Every call is async: SQLite
//! runs on the blocking pool, PostgreSQL on a connection pool.

pub mod postgres;
pub mod sqlite;
pub mod tls;

use std::sync::Arc;

use serde::Serialize;

use crate::cli::Database;
use crate::receipt::{Method, Millis, Receipt};

/// Failures of a receipt store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A receipt with this id is already stored.
    #[error("a receipt with this id already exists")]
    Duplicate,
    /// The database was written by a newer server (its schema version is unknown here).
    #[error("the database schema version {found} is newer than this server knows ({known})")]
    TooNew {
        /// The version recorded in the database.
        found: i64,
        /// How many migrations this server has.
        known: usize,
    },
    /// The database directory could not be created.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (migrating or a query) in a way a retry would not mend.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// PostgreSQL cannot be reached right now (down, restarting, every connection busy): the
    /// request may be retried.
    #[error("PostgreSQL is unavailable: {0}")]
    Unavailable(String),
    /// `DATABASE_URL` names TLS settings that cannot be used.
    #[error("PostgreSQL TLS: {0}")]
    Tls(#[from] tls::TlsError),
    /// A blocking task (a SQLite call) did not finish.
    #[error("the database task failed: {0}")]
    Task(String),
    /// A stored row could not be read back as a receipt.
    #[error("stored receipt {0} is unreadable")]
    Corrupt(String),
}

/// A stored receipt: what was posted, and when the server received it (its own clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    /// The receipt as posted.
    #[serde(flatten)]
    pub receipt: Receipt,
    /// When the server received it, in milliseconds since the Unix epoch.
    pub received_at: Millis,
}

/// The receipt store the server runs with: SQLite (one server, the default) or PostgreSQL.
#[derive(Debug, Clone)]
pub enum Store {
    /// A SQLite file or in-memory database; calls run on the blocking pool.
    Sqlite(Arc<sqlite::SqliteStore>),
    /// A pool of PostgreSQL connections.
    Postgres(postgres::PostgresStore),
}

impl Store {
    /// Opens (creating and migrating as needed) the database the command line named.
    pub async fn open(database: &Database) -> Result<Self, StoreError> {
        Ok(match database {
            Database::Sqlite(path) => {
                let path = path.clone();
                let store = blocking(move || sqlite::SqliteStore::open(&path)).await?;
                Self::Sqlite(Arc::new(store))
            }
            Database::Postgres(url) => Self::Postgres(postgres::PostgresStore::open(url).await?),
        })
    }

    /// Stores a validated receipt received at `received_at`; [`StoreError::Duplicate`] if its
    /// id is taken.
    pub async fn insert(&self, receipt: &Receipt, received_at: Millis) -> Result<(), StoreError> {
        let row = Row::from_receipt(receipt, received_at)?;
        match self {
            Self::Sqlite(store) => {
                let store = store.clone();
                blocking(move || store.insert(&row)).await
            }
            Self::Postgres(store) => store.insert(&row).await,
        }
    }

    /// The receipt with this id, if stored.
    pub async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let row = match self {
            Self::Sqlite(store) => {
                let (store, id) = (store.clone(), id.to_owned());
                blocking(move || store.get(&id)).await?
            }
            Self::Postgres(store) => store.get(id).await?,
        };
        row.map(Row::into_stored).transpose()
    }

    /// How many receipts are stored.
    pub async fn count(&self) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(store) => {
                let store = store.clone();
                blocking(move || store.count()).await
            }
            Self::Postgres(store) => store.count().await,
        }
    }

    /// Deletes every receipt received before `cutoff`; returns how many.
    pub async fn delete_received_before(&self, cutoff: Millis) -> Result<u64, StoreError> {
        let cutoff = i64::try_from(cutoff).unwrap_or(i64::MAX);
        match self {
            Self::Sqlite(store) => {
                let store = store.clone();
                blocking(move || store.delete_received_before(cutoff)).await
            }
            Self::Postgres(store) => store.delete_received_before(cutoff).await,
        }
    }

    /// Up to `limit` receipts received at or after `since`, oldest first, starting after the
    /// receipt `after` (received at, id) when given: one page of an export.
    pub async fn page(
        &self,
        since: Millis,
        after: Option<(Millis, String)>,
        limit: u32,
    ) -> Result<Vec<Stored>, StoreError> {
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let after = after.map(|(at, id)| (i64::try_from(at).unwrap_or(i64::MAX), id));
        let rows = match self {
            Self::Sqlite(store) => {
                let store = store.clone();
                blocking(move || store.page(since, after, limit)).await?
            }
            Self::Postgres(store) => store.page(since, after, limit).await?,
        };
        rows.into_iter().map(Row::into_stored).collect()
    }
}

/// Runs a blocking SQLite call on the blocking pool.
async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|err| StoreError::Task(err.to_string()))?
}

/// A receipt as both stores keep it: category lists as JSON text, times and revisions as
/// 64-bit integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The receipt's id (lowercase UUID v4).
    pub id: String,
    /// The visitor's clock when the choice was made, in milliseconds since the epoch.
    pub timestamp: i64,
    /// The config revision.
    pub revision: i64,
    /// Accepted categories, as a JSON array.
    pub categories: String,
    /// Refused categories, as a JSON array.
    pub rejected: String,
    /// How the choice was made.
    pub method: String,
    /// The config hash, if sent.
    pub config_hash: Option<String>,
    /// The server's clock when it received the receipt, in milliseconds since the epoch.
    pub received_at: i64,
}

/// The columns of a stored receipt, in [`Row`]'s order.
pub(crate) const COLUMNS: &str =
    "id, timestamp, revision, categories, rejected, method, config_hash, received_at";

impl Row {
    /// The row that stores `receipt`, received at `received_at`.
    pub fn from_receipt(receipt: &Receipt, received_at: Millis) -> Result<Self, StoreError> {
        let corrupt = || StoreError::Corrupt(receipt.id.clone());
        Ok(Self {
            id: receipt.id.clone(),
            timestamp: i64::try_from(receipt.timestamp).map_err(|_| corrupt())?,
            revision: i64::from(receipt.revision),
            categories: serde_json::to_string(&receipt.categories).map_err(|_| corrupt())?,
            rejected: serde_json::to_string(&receipt.rejected).map_err(|_| corrupt())?,
            method: receipt.method.as_str().to_owned(),
            config_hash: receipt.config_hash.clone(),
            received_at: i64::try_from(received_at).map_err(|_| corrupt())?,
        })
    }

    /// The stored receipt this row holds; [`StoreError::Corrupt`] if any column is out of shape.
    pub fn into_stored(self) -> Result<Stored, StoreError> {
        let received_at =
            u64::try_from(self.received_at).map_err(|_| StoreError::Corrupt(self.id.clone()))?;
        Ok(Stored {
            receipt: self.into_receipt()?,
            received_at,
        })
    }

    /// The receipt this row stores; [`StoreError::Corrupt`] if any column is out of shape.
    pub fn into_receipt(self) -> Result<Receipt, StoreError> {
        let corrupt = || StoreError::Corrupt(self.id.clone());
        Ok(Receipt {
            timestamp: u64::try_from(self.timestamp).map_err(|_| corrupt())?,
            revision: u32::try_from(self.revision).map_err(|_| corrupt())?,
            categories: serde_json::from_str(&self.categories).map_err(|_| corrupt())?,
            rejected: serde_json::from_str(&self.rejected).map_err(|_| corrupt())?,
            method: Method::parse(&self.method).ok_or_else(corrupt)?,
            config_hash: self.config_hash,
            id: self.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_stores_know_the_same_number_of_migrations() {
        assert_eq!(sqlite::MIGRATIONS.len(), postgres::MIGRATIONS.len());
    }

    #[test]
    fn a_receipt_survives_the_round_trip_through_a_row() {
        let receipt = Receipt {
            id: "1b4e28ba-2fa1-4d2e-883f-0016d3cca427".to_owned(),
            timestamp: 1_700_000_000_000,
            revision: u32::MAX,
            categories: vec!["necessary".to_owned(), "analytics".to_owned()],
            rejected: vec!["marketing".to_owned()],
            method: Method::Custom,
            config_hash: Some("abc".to_owned()),
        };
        let row = Row::from_receipt(&receipt, 1_700_000_000_999).expect("row");
        assert_eq!(
            row.into_stored().expect("stored"),
            Stored {
                receipt,
                received_at: 1_700_000_000_999
            }
        );
    }

    #[test]
    fn a_row_out_of_range_is_corrupt_not_a_panic() {
        let row = Row {
            id: "x".to_owned(),
            timestamp: -1,
            revision: 0,
            categories: "[]".to_owned(),
            rejected: "[]".to_owned(),
            method: "accept_all".to_owned(),
            config_hash: None,
            received_at: 0,
        };
        assert!(matches!(
            row.clone().into_receipt(),
            Err(StoreError::Corrupt(_))
        ));
        let revision = Row {
            timestamp: 0,
            revision: i64::from(u32::MAX) + 1,
            ..row.clone()
        };
        assert!(matches!(
            revision.into_receipt(),
            Err(StoreError::Corrupt(_))
        ));
        let method = Row {
            timestamp: 0,
            method: "implied".to_owned(),
            ..row
        };
        assert!(matches!(method.into_receipt(), Err(StoreError::Corrupt(_))));
    }
}
