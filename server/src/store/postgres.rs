//! The receipt store on PostgreSQL, for sites that run several server instances against one
//! database (`--database-url` or `DATABASE_URL`). Same table and migrations as SQLite, tracked in
//! a one-row `canenrich_schema` table; instances starting together migrate one at a time.
//!
//! The synchronous `postgres` client runs its own small runtime, which must not be driven from
//! inside the server's: the connection therefore lives on a dedicated thread, and each call
//! sends it a job and waits for the answer. One connection per instance, calls serialised, as
//! with SQLite.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};

use super::{ReceiptStore, Row, StoreError};
use crate::receipt::Receipt;

/// Schema migrations; entry `n` brings the recorded version from `n` to `n + 1`. The same list
/// as [`super::sqlite::MIGRATIONS`], in PostgreSQL's dialect (`revision` holds any `u32`).
pub const MIGRATIONS: &[&str] = &["CREATE TABLE receipt (
        id          TEXT   NOT NULL PRIMARY KEY,
        timestamp   BIGINT NOT NULL,
        revision    BIGINT NOT NULL,
        categories  TEXT   NOT NULL,
        rejected    TEXT   NOT NULL,
        method      TEXT   NOT NULL,
        config_hash TEXT
    );"];

/// Key of the transaction-scoped advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x6361_6e65_6e72_6963;

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Work for the connection thread.
type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// The PostgreSQL store: a handle to the thread that owns the connection.
#[derive(Debug)]
pub struct PostgresStore {
    jobs: mpsc::Sender<Job>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or libpq's
    /// `key=value` form), migrates the database, and keeps the connection on its own thread.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut config: Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("canenrich-postgres".to_owned())
            .spawn(move || {
                let mut client = match connect(&config) {
                    Ok(client) => client,
                    Err(err) => {
                        // The opener is waiting for exactly this answer.
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                if ready_tx.send(Ok(())).is_err() {
                    return;
                }
                // Ends when the store (the only sender) is dropped.
                for job in queue {
                    if client.is_closed() {
                        // The server restarted or dropped us: try once per job to come back; if
                        // that fails, the job reports the closed connection.
                        if let Ok(fresh) = config.connect(NoTls) {
                            client = fresh;
                        }
                    }
                    job(&mut client);
                }
            })?;
        ready_rx.recv().map_err(|_| StoreError::Disconnected)??;
        Ok(Self { jobs })
    }

    /// Runs `job` on the connection thread and waits for its result.
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer_tx, answer_rx) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |client| {
                // The caller only goes away if its thread panicked; nobody is left to tell.
                let _ = answer_tx.send(job(client));
            }))
            .map_err(|_| StoreError::Disconnected)?;
        answer_rx.recv().map_err(|_| StoreError::Disconnected)?
    }
}

impl ReceiptStore for PostgresStore {
    fn insert(&self, receipt: &Receipt) -> Result<(), StoreError> {
        let row = Row::from_receipt(receipt)?;
        self.run(move |client| {
            let result = client.execute(
                "INSERT INTO receipt (id, timestamp, revision, categories, rejected, method, config_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &row.id,
                    &row.timestamp,
                    &row.revision,
                    &row.categories,
                    &row.rejected,
                    &row.method,
                    &row.config_hash,
                ],
            );
            match result {
                Ok(_) => Ok(()),
                Err(err) if err.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    Err(StoreError::Duplicate)
                }
                Err(err) => Err(err.into()),
            }
        })
    }

    fn get(&self, id: &str) -> Result<Option<Receipt>, StoreError> {
        let id = id.to_owned();
        self.run(move |client| {
            let Some(row) = client.query_opt(
                "SELECT id, timestamp, revision, categories, rejected, method, config_hash
                 FROM receipt WHERE id = $1",
                &[&id],
            )?
            else {
                return Ok(None);
            };
            let row = Row {
                id: row.try_get(0)?,
                timestamp: row.try_get(1)?,
                revision: row.try_get(2)?,
                categories: row.try_get(3)?,
                rejected: row.try_get(4)?,
                method: row.try_get(5)?,
                config_hash: row.try_get(6)?,
            };
            row.into_receipt().map(Some)
        })
    }

    fn count(&self) -> Result<u64, StoreError> {
        self.run(|client| {
            let count: i64 = client
                .query_one("SELECT COUNT(*) FROM receipt", &[])?
                .try_get(0)?;
            u64::try_from(count).map_err(|_| StoreError::Corrupt("COUNT(*)".to_owned()))
        })
    }
}

/// Connects and brings the schema up to date.
fn connect(config: &Config) -> Result<Client, StoreError> {
    let mut client = config.connect(NoTls)?;
    migrate(&mut client)?;
    Ok(client)
}

/// Applies the migrations the database has not seen yet, all in one transaction that holds an
/// advisory lock, so instances starting at the same moment never run a migration twice.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    transaction
        .batch_execute("CREATE TABLE IF NOT EXISTS canenrich_schema (version BIGINT NOT NULL)")?;
    let found: i64 = match transaction.query_opt("SELECT version FROM canenrich_schema", &[])? {
        Some(row) => row.try_get(0)?,
        None => 0,
    };
    let too_new = || StoreError::TooNew {
        found,
        known: MIGRATIONS.len(),
    };
    let applied = usize::try_from(found).map_err(|_| too_new())?;
    if applied > MIGRATIONS.len() {
        return Err(too_new());
    }
    if applied == MIGRATIONS.len() {
        return Ok(transaction.commit()?);
    }
    for sql in &MIGRATIONS[applied..] {
        transaction.batch_execute(sql)?;
    }
    let version = i64::try_from(MIGRATIONS.len()).map_err(|_| too_new())?;
    transaction.execute("DELETE FROM canenrich_schema", &[])?;
    transaction.execute(
        "INSERT INTO canenrich_schema (version) VALUES ($1)",
        &[&version],
    )?;
    Ok(transaction.commit()?)
}
