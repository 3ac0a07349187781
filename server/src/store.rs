//! Where consent receipts are kept: the [`ReceiptStore`] trait, the errors every store shares,
//! and [`open`], which picks SQLite (one server, the default) or PostgreSQL (several instances
//! sharing one database) from the command line. Both stores have the same table, numbered
//! migrations of the same length, and the same behaviour (a duplicate id is
//! [`StoreError::Duplicate`]).

pub mod postgres;
pub mod sqlite;

use crate::cli::Database;
use crate::receipt::{Method, Receipt};

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
    /// The database directory could not be created, or the PostgreSQL connection thread could
    /// not start.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (connecting, migrating or a query).
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The PostgreSQL connection's worker thread has stopped.
    #[error("PostgreSQL: the connection thread has stopped")]
    Disconnected,
    /// A stored row could not be read back as a receipt.
    #[error("stored receipt {0} is unreadable")]
    Corrupt(String),
}

/// A place to keep receipts. Calls block (a query or a lock): async callers use
/// `spawn_blocking`.
pub trait ReceiptStore: Send + Sync + std::fmt::Debug {
    /// Stores a validated receipt; [`StoreError::Duplicate`] if its id is taken.
    fn insert(&self, receipt: &Receipt) -> Result<(), StoreError>;
    /// The receipt with this id, if stored.
    fn get(&self, id: &str) -> Result<Option<Receipt>, StoreError>;
    /// How many receipts are stored.
    fn count(&self) -> Result<u64, StoreError>;
}

/// The store the server runs with.
pub type Store = Box<dyn ReceiptStore>;

/// Opens (creating and migrating as needed) the database the command line named.
pub fn open(database: &Database) -> Result<Store, StoreError> {
    Ok(match database {
        Database::Sqlite(path) => Box::new(sqlite::SqliteStore::open(path)?),
        Database::Postgres(url) => Box::new(postgres::PostgresStore::open(url)?),
    })
}

/// A receipt as both stores keep it: category lists as JSON text, times and revisions as
/// 64-bit integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub id: String,
    pub timestamp: i64,
    pub revision: i64,
    pub categories: String,
    pub rejected: String,
    pub method: String,
    pub config_hash: Option<String>,
}

impl Row {
    /// The row that stores `receipt`.
    pub fn from_receipt(receipt: &Receipt) -> Result<Self, StoreError> {
        let corrupt = || StoreError::Corrupt(receipt.id.clone());
        Ok(Self {
            id: receipt.id.clone(),
            timestamp: i64::try_from(receipt.timestamp).map_err(|_| corrupt())?,
            revision: i64::from(receipt.revision),
            categories: serde_json::to_string(&receipt.categories).map_err(|_| corrupt())?,
            rejected: serde_json::to_string(&receipt.rejected).map_err(|_| corrupt())?,
            method: receipt.method.as_str().to_owned(),
            config_hash: receipt.config_hash.clone(),
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
        let row = Row::from_receipt(&receipt).expect("row");
        assert_eq!(row.into_receipt().expect("receipt"), receipt);
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
