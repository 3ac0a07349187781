//! The receipt store on PostgreSQL, for sites that run several server instances against one
//! database (`--database-url` or `DATABASE_URL`). Same table and migrations as SQLite, tracked in
//! a one-row `canenrich_schema` table; instances starting together migrate one at a time.
//!
//! Async on `tokio-postgres` with a `deadpool-postgres` pool: connections are made as needed (up
//! to [`POOL_SIZE`]), checked before reuse, and replaced when PostgreSQL restarts, so the server
//! recovers by itself. TLS goes through rustls as `sslmode` asks ([`super::tls`]). Every
//! statement has a [`STATEMENT_TIMEOUT`].

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, Row as PgRow};

use super::tls::{self, MakeRustls};
use super::{Row, StoreError, COLUMNS};

/// Schema migrations; entry `n` brings the recorded version from `n` to `n + 1`. The same list
/// as [`super::sqlite::MIGRATIONS`], in PostgreSQL's dialect (`revision` holds any `u32`).
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE receipt (
        id          TEXT   NOT NULL PRIMARY KEY,
        timestamp   BIGINT NOT NULL,
        revision    BIGINT NOT NULL,
        categories  TEXT   NOT NULL,
        rejected    TEXT   NOT NULL,
        method      TEXT   NOT NULL,
        config_hash TEXT
    );",
    // The server's own clock at receipt; rows from before it have only the visitor's.
    "ALTER TABLE receipt ADD COLUMN received_at BIGINT;
     UPDATE receipt SET received_at = timestamp;
     ALTER TABLE receipt ALTER COLUMN received_at SET NOT NULL;
     CREATE INDEX receipt_received_at ON receipt (received_at, id);",
];

/// Key of the transaction-scoped advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x6361_6e65_6e72_6963;

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most connections one server instance holds.
pub const POOL_SIZE: usize = 16;

/// How long a request waits for a free connection, or for a new one, before it is a 503.
const POOL_WAIT: Duration = Duration::from_secs(5);

/// The longest any statement may run; PostgreSQL cancels it after that.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a statement that lost its connection is tried again (on a fresh one) before the
/// request gets a 503.
const ATTEMPTS: u32 = 4;

/// The PostgreSQL store: a pool of connections.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?sslmode=…`, or libpq's
    /// `key=value` form) and migrates the database.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let (url, settings) = tls::split_url(url)?;
        let mut config: Config = url.parse()?;
        config.ssl_mode(settings.mode);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let timeout = format!("-c statement_timeout={}", STATEMENT_TIMEOUT.as_millis());
        let options = match config.get_options() {
            Some(options) if !options.is_empty() => format!("{options} {timeout}"),
            _ => timeout,
        };
        config.options(options);
        let tls = MakeRustls::new(tls::client_config(&settings)?);
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                // Checks that the connection's task is alive before each reuse; a connection
                // PostgreSQL dropped (a restart) is closed, so it is replaced, not handed out.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|err| match err {
            PoolError::Backend(err) if !is_transient(&err) => StoreError::Postgres(err),
            other => StoreError::Unavailable(other.to_string()),
        })
    }

    /// Runs `statement` with `params`, retrying on a fresh connection while the error is one a
    /// restart or a dropped connection causes; those end as [`StoreError::Unavailable`].
    async fn query(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<PgRow>, StoreError> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(250 << attempt)).await;
            }
            let client = match self.client().await {
                Ok(client) => client,
                Err(StoreError::Unavailable(err)) => {
                    last = err;
                    continue;
                }
                Err(err) => return Err(err),
            };
            match client.query(statement, params).await {
                Ok(rows) => return Ok(rows),
                Err(err) if is_transient(&err) => {
                    // This connection is done for: never hand it out again.
                    let _ = deadpool_postgres::Object::take(client);
                    last = err.to_string();
                }
                Err(err) => return Err(classify(err)),
            }
        }
        Err(StoreError::Unavailable(last))
    }

    /// Stores a row; [`StoreError::Duplicate`] if its id is taken.
    pub async fn insert(&self, row: &Row) -> Result<(), StoreError> {
        let result = self
            .query(
                &format!("INSERT INTO receipt ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
                &[
                    &row.id,
                    &row.timestamp,
                    &row.revision,
                    &row.categories,
                    &row.rejected,
                    &row.method,
                    &row.config_hash,
                    &row.received_at,
                ],
            )
            .await;
        result.map(|_| ())
    }

    /// The row with this id, if stored.
    pub async fn get(&self, id: &str) -> Result<Option<Row>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {COLUMNS} FROM receipt WHERE id = $1"),
                &[&id],
            )
            .await?;
        rows.first().map(read_row).transpose()
    }

    /// How many receipts are stored.
    pub async fn count(&self) -> Result<u64, StoreError> {
        let rows = self.query("SELECT COUNT(*) FROM receipt", &[]).await?;
        let count: i64 = rows
            .first()
            .ok_or_else(|| StoreError::Corrupt("COUNT(*)".to_owned()))?
            .try_get(0)?;
        u64::try_from(count).map_err(|_| StoreError::Corrupt("COUNT(*)".to_owned()))
    }

    /// Deletes the receipts received before `cutoff`; returns how many.
    pub async fn delete_received_before(&self, cutoff: i64) -> Result<u64, StoreError> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM receipt WHERE received_at < $1", &[&cutoff])
            .await
            .map_err(classify)
    }

    /// One page of an export: see [`super::Store::page`].
    pub async fn page(
        &self,
        since: i64,
        after: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<Row>, StoreError> {
        let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
        let limit = i64::from(limit);
        let rows = self
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM receipt
                     WHERE received_at >= $1 AND (received_at, id) > ($2, $3)
                     ORDER BY received_at, id LIMIT $4"
                ),
                &[&since, &after_at, &after_id, &limit],
            )
            .await?;
        rows.iter().map(read_row).collect()
    }

    /// Whether this instance's connections are encrypted (PostgreSQL's own view, `pg_stat_ssl`).
    pub async fn is_encrypted(&self) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await?;
        match rows.first() {
            Some(row) => Ok(row.try_get(0)?),
            None => Ok(false),
        }
    }

    /// Applies the migrations the database has not seen yet, all in one transaction that holds
    /// an advisory lock, so instances starting at the same moment never run a migration twice.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        transaction
            .batch_execute("CREATE TABLE IF NOT EXISTS canenrich_schema (version BIGINT NOT NULL)")
            .await?;
        let found: i64 = match transaction
            .query_opt("SELECT version FROM canenrich_schema", &[])
            .await?
        {
            Some(row) => row.try_get(0)?,
            None => 0,
        };
        let too_new = || StoreError::TooNew {
            found,
            known: MIGRATIONS.len(),
        };
        let applied = match usize::try_from(found) {
            Ok(applied) if applied <= MIGRATIONS.len() => applied,
            _ => {
                // End the transaction now: its locks must not wait for the pool's next use.
                transaction.rollback().await?;
                return Err(too_new());
            }
        };
        if applied == MIGRATIONS.len() {
            return Ok(transaction.commit().await?);
        }
        for sql in &MIGRATIONS[applied..] {
            transaction.batch_execute(sql).await?;
        }
        let version = i64::try_from(MIGRATIONS.len()).map_err(|_| too_new())?;
        transaction
            .execute("DELETE FROM canenrich_schema", &[])
            .await?;
        transaction
            .execute(
                "INSERT INTO canenrich_schema (version) VALUES ($1)",
                &[&version],
            )
            .await?;
        Ok(transaction.commit().await?)
    }
}

fn read_row(row: &PgRow) -> Result<Row, StoreError> {
    Ok(Row {
        id: row.try_get(0)?,
        timestamp: row.try_get(1)?,
        revision: row.try_get(2)?,
        categories: row.try_get(3)?,
        rejected: row.try_get(4)?,
        method: row.try_get(5)?,
        config_hash: row.try_get(6)?,
        received_at: row.try_get(7)?,
    })
}

/// A duplicate id is [`StoreError::Duplicate`]; anything else stays a PostgreSQL error.
fn classify(err: tokio_postgres::Error) -> StoreError {
    if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::Duplicate
    } else {
        StoreError::Postgres(err)
    }
}

/// Whether `err` comes from the connection rather than the statement: it was closed, the server
/// is shutting down or starting, or the network failed. Such a statement may be retried.
fn is_transient(err: &tokio_postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    match err.code() {
        Some(code) => {
            let code = code.code();
            // Class 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown,
            // cannot connect now.
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        }
        // No SQLSTATE: an I/O error or a failed connect (refused, timed out, TLS).
        None => err.as_db_error().is_none(),
    }
}
