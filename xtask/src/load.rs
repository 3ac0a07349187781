//! `cargo xtask load`: a benchmark and fault test of the receipt API. It builds the server in
//! release, starts it on a free port with a scratch SQLite file (or a throwaway PostgreSQL
//! cluster with `--postgres`), posts unique receipts from concurrent workers over keep-alive
//! loopback connections, checks that every receipt is stored exactly once, and prints throughput
//! and latency. It prints figures; it asserts no timing.
//!
//! With `--clients N` the receipts come from N distinct client addresses, named in
//! `X-Forwarded-For` to a server started with `--trusted-proxy 127.0.0.1` and its default
//! per-client rate limit (without it, the limit is off). With `--fault`, something breaks in the
//! middle of the run: `kill-server` sends the server SIGKILL and starts it again on the same
//! database, `restart-postgres` restarts the PostgreSQL cluster. Workers then do what the
//! widget's outbox does: send the same receipt again after a 429, a 5xx or a lost connection,
//! and count a 409 on a repeat as stored. Every receipt must end up stored exactly once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::check::Cluster;
use crate::server::{self, Running};
use crate::shell::Shell;
use crate::tools;

/// Something to break in the middle of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL the server once half the receipts are answered, then start it again.
    KillServer,
    /// Restart the PostgreSQL cluster once half the receipts are answered (`--postgres` only).
    RestartPostgres,
}

/// What to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Receipts to post (`--receipts`, default 10 000).
    pub receipts: usize,
    /// Concurrent workers, one keep-alive connection each (`--concurrency`, default 64).
    pub concurrency: usize,
    /// Distinct client addresses sent through the trusted-proxy header (`--clients`); `None`:
    /// every receipt comes from the loopback address, with the rate limit off.
    pub clients: Option<usize>,
    /// Keep receipts in a throwaway PostgreSQL cluster instead of SQLite (`--postgres`).
    pub postgres: bool,
    /// What to break mid-run (`--fault kill-server|restart-postgres`).
    pub fault: Option<Fault>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            receipts: 10_000,
            concurrency: 64,
            clients: None,
            postgres: false,
            fault: None,
        }
    }
}

impl Options {
    /// Parses the arguments after `load`: `--receipts N`, `--concurrency C`, `--clients N`
    /// (each at least 1, also as `--name=value`), `--postgres` and `--fault NAME`.
    pub fn parse<'a>(mut args: impl Iterator<Item = &'a str>) -> Result<Options, String> {
        let mut options = Options::default();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (arg, None),
            };
            if name == "--postgres" && inline.is_none() {
                options.postgres = true;
                continue;
            }
            if !matches!(
                name,
                "--receipts" | "--concurrency" | "--clients" | "--fault"
            ) {
                return Err(format!("unknown load option `{arg}`"));
            }
            let value = match inline {
                Some(value) => value,
                None => args.next().ok_or(format!("{name} needs a value"))?,
            };
            if name == "--fault" {
                options.fault = Some(match value {
                    "kill-server" => Fault::KillServer,
                    "restart-postgres" => Fault::RestartPostgres,
                    _ => {
                        return Err(format!(
                            "--fault must be kill-server or restart-postgres, got `{value}`"
                        ))
                    }
                });
                continue;
            }
            let number = value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!(
                    "{name} must be a whole number of at least 1, got `{value}`"
                ))?;
            match name {
                "--receipts" => options.receipts = number,
                "--concurrency" => options.concurrency = number,
                _ => options.clients = Some(number),
            }
        }
        if options.fault == Some(Fault::RestartPostgres) && !options.postgres {
            return Err("--fault restart-postgres needs --postgres".to_owned());
        }
        Ok(options)
    }
}

/// Runs the benchmark and prints its figures.
pub fn load(sh: &Shell, options: Options) -> Result<(), String> {
    sh.run(
        sh.cargo()
            .args(["build", "--release", "-p", "canenrich-server"]),
    )?;
    let scratch = sh
        .target_dir()
        .join("load")
        .join(std::process::id().to_string());
    // A leftover from an interrupted run with the same pid would skew the count.
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let cluster = if options.postgres {
        let bin = tools::ensure_postgres(sh)?;
        let cluster = Cluster::start(sh, &bin)?;
        cluster.create_database(sh, "canenrich")?;
        Some(cluster)
    } else {
        None
    };
    let database = match &cluster {
        Some(cluster) => Database::Postgres(cluster.url("canenrich")),
        None => Database::Sqlite(scratch.join("consent.db")),
    };
    let result = run(sh, options, &database, cluster.as_ref());
    drop(cluster);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Where the server under load keeps receipts.
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    fn name(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "SQLite WAL",
            Database::Postgres(_) => "PostgreSQL",
        }
    }
}

/// The server's arguments for `database`, `options` and `port` (0: any).
fn server_args(database: &Database, options: Options, port: u16) -> Vec<String> {
    let mut args: Vec<String> = match database {
        Database::Sqlite(path) => vec!["--db".into(), path.to_string_lossy().into_owned()],
        Database::Postgres(url) => vec!["--database-url".into(), url.clone()],
    };
    if options.clients.is_some() {
        args.extend(["--trusted-proxy".into(), "127.0.0.1".into()]);
    } else {
        args.extend(["--rate-limit".into(), "0".into()]);
    }
    args.extend(["--port".into(), port.to_string()]);
    args
}

fn start(sh: &Shell, args: &[String]) -> Result<(Running, u16), String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // One log line per receipt would drown the figures.
    server::start_with_env(sh, &args, &[("CANENRICH_LOG", "warn")])
}

/// What every worker shares.
struct Run {
    address: String,
    ids: Vec<String>,
    clients: Option<usize>,
    next: AtomicUsize,
    answered: AtomicUsize,
    retries: AtomicUsize,
    /// Answers 429 (rate limited): with `--clients` and no fault, one means the server did not
    /// tell the clients apart (no trusted proxy), which is the failure `--clients` exists to find.
    limited: AtomicUsize,
}

/// Posts the receipts (breaking something midway if asked), verifies them, prints the figures.
fn run(
    sh: &Shell,
    options: Options,
    database: &Database,
    cluster: Option<&Cluster>,
) -> Result<(), String> {
    let (server, port) = start(sh, &server_args(database, options, 0))?;
    let server = Arc::new(Mutex::new(Some(server)));
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("clock: {e}"))?;
    let run_id = stamp.subsec_nanos() ^ (stamp.as_secs() as u32);
    let shared = Arc::new(Run {
        address: format!("127.0.0.1:{port}"),
        ids: (0..options.receipts).map(|n| id(run_id, n)).collect(),
        clients: options.clients,
        next: AtomicUsize::new(0),
        answered: AtomicUsize::new(0),
        retries: AtomicUsize::new(0),
        limited: AtomicUsize::new(0),
    });
    let timestamp = stamp.as_millis() as u64 - 1000;

    let from = match options.clients {
        Some(clients) => format!(" from {clients} clients via X-Forwarded-For"),
        None => String::new(),
    };
    println!(
        "posting {} receipts{from} with {} workers to http://{} ({}) …",
        options.receipts,
        options.concurrency,
        shared.address,
        database.name()
    );
    let started = Instant::now();
    let saboteur = options.fault.map(|fault| {
        let shared = shared.clone();
        let server = server.clone();
        let restart_args = server_args(database, options, port);
        let pg = cluster.map(|c| (c.bin.clone(), c.dir.clone(), c.as_root, c.port));
        let sh = Shell::open();
        thread::spawn(move || -> Result<(), String> {
            let sh = sh?;
            while shared.answered.load(Ordering::Relaxed) < shared.ids.len() / 2 {
                thread::sleep(Duration::from_millis(5));
            }
            match fault {
                Fault::KillServer => {
                    println!(
                        "fault: SIGKILL to the server after {} answers",
                        shared.answered.load(Ordering::Relaxed)
                    );
                    // Dropping `Running` kills the process with SIGKILL and reaps it.
                    drop(server.lock().map_err(|_| "lock")?.take());
                    thread::sleep(Duration::from_millis(500));
                    let (restarted, _) = start(&sh, &restart_args)?;
                    println!("fault: server started again on the same database");
                    *server.lock().map_err(|_| "lock")? = Some(restarted);
                }
                Fault::RestartPostgres => {
                    let (bin, dir, as_root, port) = pg.ok_or("no cluster")?;
                    println!(
                        "fault: restarting PostgreSQL after {} answers",
                        shared.answered.load(Ordering::Relaxed)
                    );
                    Cluster::restart_at(&sh, &bin, &dir, as_root, port)?;
                    println!("fault: PostgreSQL is back");
                }
            }
            Ok(())
        })
    });
    let latencies = in_parallel(
        &shared,
        options.concurrency,
        move |connection, n, shared| post(connection, n, shared, timestamp),
    );
    let elapsed = started.elapsed();
    if let Some(saboteur) = saboteur {
        saboteur
            .join()
            .map_err(|_| "the fault thread panicked".to_owned())??;
    }
    let mut latencies = latencies?;

    println!("verifying …");
    in_parallel(&shared, options.concurrency, |connection, n, shared| {
        fetch(connection, &shared.ids[n])
    })?;
    let stats = Connection::open(&shared.address)?.send("GET", "/api/consent/stats", None, None)?;
    let expected = format!("{{\"count\":{}}}", options.receipts);
    if stats.status != 200 || stats.body != expected {
        return Err(format!(
            "stats: expected 200 {expected}, got {} {}",
            stats.status, stats.body
        ));
    }
    drop(server.lock().map_err(|_| "lock")?.take());

    let limited = shared.limited.load(Ordering::Relaxed);
    if let (Some(clients), None, 1..) = (options.clients, options.fault, limited) {
        return Err(format!(
            "{limited} posts were refused with 429 although they came from {clients} clients: \
             the server did not tell them apart (is it started with --trusted-proxy?)"
        ));
    }
    latencies.sort_unstable();
    let per_second = options.receipts as f64 / elapsed.as_secs_f64();
    let clients = options
        .clients
        .map_or(String::new(), |c| format!(", {c} clients"));
    println!(
        "\n{} receipts stored exactly once ({} workers{clients}, keep-alive, loopback, {})",
        options.receipts,
        options.concurrency,
        database.name()
    );
    if let Some(fault) = options.fault {
        println!(
            "  fault       {fault:?}; {} receipts sent again",
            shared.retries.load(Ordering::Relaxed)
        );
    }
    println!("  rate limited{limited:>10} answers 429 (sent again)");
    println!("  elapsed     {:>10.2} s", elapsed.as_secs_f64());
    println!("  throughput  {per_second:>10.0} receipts/s");
    println!(
        "  latency p50 {:>10.2} ms",
        millis(percentile(&latencies, 50))
    );
    println!(
        "  latency p99 {:>10.2} ms",
        millis(percentile(&latencies, 99))
    );
    println!(
        "  latency max {:>10.2} ms",
        millis(latencies.last().copied().unwrap_or_default())
    );
    Ok(())
}

/// Runs `request` for every receipt on `workers` threads, each with its own keep-alive
/// connection; returns every request's latency, or the first failure.
fn in_parallel(
    shared: &Arc<Run>,
    workers: usize,
    request: impl Fn(&mut Connection, usize, &Run) -> Result<(), String> + Send + Sync + 'static,
) -> Result<Vec<Duration>, String> {
    shared.next.store(0, Ordering::Relaxed);
    let request = Arc::new(request);
    let handles: Vec<_> = (0..workers.min(shared.ids.len()))
        .map(|_| {
            let (shared, request) = (Arc::clone(shared), Arc::clone(&request));
            thread::spawn(move || -> Result<Vec<Duration>, String> {
                let mut connection = Connection::open(&shared.address)?;
                let mut latencies = Vec::new();
                loop {
                    let n = shared.next.fetch_add(1, Ordering::Relaxed);
                    if n >= shared.ids.len() {
                        return Ok(latencies);
                    }
                    let started = Instant::now();
                    request(&mut connection, n, &shared)?;
                    latencies.push(started.elapsed());
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(shared.ids.len());
    for handle in handles {
        all.extend(
            handle
                .join()
                .map_err(|_| "a worker panicked".to_owned())??,
        );
    }
    Ok(all)
}

/// How long a receipt may keep failing (server down, database restarting) before the run fails.
const GIVE_UP: Duration = Duration::from_secs(60);

/// Posts receipt `n` until the server has it: 201, or 409 on a repeat (an earlier attempt was
/// stored but its answer lost). A 429, a 5xx or a broken connection means: wait, send it again.
fn post(connection: &mut Connection, n: usize, shared: &Run, timestamp: u64) -> Result<(), String> {
    let id = &shared.ids[n];
    let body = format!(
        r#"{{"id":"{id}","timestamp":{timestamp},"revision":1,"categories":["necessary","analytics"],"rejected":["marketing","personalization"],"method":"custom","configHash":"sha256-load"}}"#
    );
    let client = shared.clients.map(|clients| client_address(n % clients));
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        let outcome = connection.send("POST", "/api/consent", Some(&body), client.as_deref());
        match outcome {
            Ok(reply) if reply.status == 201 || (reply.status == 409 && attempt > 0) => {
                shared.answered.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            Ok(reply) if reply.status == 429 => {
                shared.limited.fetch_add(1, Ordering::Relaxed);
            }
            Ok(reply) if reply.status >= 500 => {}
            Ok(reply) => {
                return Err(format!(
                    "POST {id}: expected 201, got {} {}",
                    reply.status, reply.body
                ))
            }
            Err(_) => {
                // The server went away: reconnect when it is back.
                let _ = connection.reopen();
            }
        }
        if started.elapsed() > GIVE_UP {
            return Err(format!(
                "POST {id}: still failing after {} s",
                GIVE_UP.as_secs()
            ));
        }
        attempt += 1;
        shared.retries.fetch_add(1, Ordering::Relaxed);
        thread::sleep(Duration::from_millis(50 * u64::from(attempt.min(10))));
    }
}

/// The address of client `n`: distinct for every `n` below 2²⁴, in 10.0.0.0/8.
fn client_address(n: usize) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// Fetches the receipt with this id; it must be there, under this id.
fn fetch(connection: &mut Connection, id: &str) -> Result<(), String> {
    let reply = connection.send("GET", &format!("/api/consent/{id}"), None, None)?;
    if reply.status != 200 || !reply.body.contains(&format!("\"id\":\"{id}\"")) {
        return Err(format!(
            "GET {id}: expected 200 with the receipt, got {} {}",
            reply.status, reply.body
        ));
    }
    Ok(())
}

/// A UUID v4 unique to this run (`run`) and receipt (`n`).
fn id(run: u32, n: usize) -> String {
    format!("{run:08x}-0000-4000-8000-{n:012x}")
}

/// The `p`th percentile of sorted `values` (nearest rank).
fn percentile(values: &[Duration], p: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = (values.len() * p).div_ceil(100).max(1);
    values[rank - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A minimal HTTP/1.1 client on one keep-alive connection: enough for JSON requests to the
/// demo server, which always answers with a `Content-Length`.
struct Connection {
    reader: Option<BufReader<TcpStream>>,
    address: String,
}

/// A response: status code and body text.
struct Reply {
    status: u16,
    body: String,
}

impl Connection {
    fn open(address: &str) -> Result<Connection, String> {
        let mut connection = Connection {
            reader: None,
            address: address.to_owned(),
        };
        connection.reopen()?;
        Ok(connection)
    }

    fn reopen(&mut self) -> Result<(), String> {
        self.reader = None;
        let stream = TcpStream::connect(&self.address)
            .map_err(|e| format!("cannot connect to {}: {e}", self.address))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| format!("read timeout: {e}"))?;
        self.reader = Some(BufReader::new(stream));
        Ok(())
    }

    fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
        forwarded_for: Option<&str>,
    ) -> Result<Reply, String> {
        let fail = |what: &str, e: std::io::Error| format!("{method} {path}: {what}: {e}");
        let forwarded = forwarded_for.map_or(String::new(), |client| {
            format!("X-Forwarded-For: {client}\r\n")
        });
        let request = match body {
            Some(body) => format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\n{forwarded}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                self.address,
                body.len()
            ),
            None => format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\n{forwarded}\r\n",
                self.address
            ),
        };
        let reader = self
            .reader
            .as_mut()
            .ok_or_else(|| format!("{method} {path}: not connected"))?;
        let result = exchange(reader, &request, method, path, &fail);
        if result.is_err() {
            self.reader = None;
        }
        result
    }
}

fn exchange(
    reader: &mut BufReader<TcpStream>,
    request: &str,
    method: &str,
    path: &str,
    fail: &dyn Fn(&str, std::io::Error) -> String,
) -> Result<Reply, String> {
    reader
        .get_mut()
        .write_all(request.as_bytes())
        .map_err(|e| fail("send", e))?;
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| fail("read status", e))?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("{method} {path}: bad status line {line:?}"))?;
    let mut length = 0;
    loop {
        line.clear();
        reader
            .read_line(&mut line)
            .map_err(|e| fail("read header", e))?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("{method} {path}: bad Content-Length {value:?}"))?;
            }
        }
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| fail("read body", e))?;
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().copied())
    }

    #[test]
    fn load_posts_ten_thousand_receipts_with_sixty_four_workers_unless_told_otherwise() {
        assert_eq!(parse(&[]), Ok(Options::default()));
        assert_eq!(
            parse(&["--receipts", "500", "--concurrency=8", "--clients", "100"]),
            Ok(Options {
                receipts: 500,
                concurrency: 8,
                clients: Some(100),
                ..Options::default()
            })
        );
        assert_eq!(
            parse(&["--postgres", "--fault", "restart-postgres"]),
            Ok(Options {
                postgres: true,
                fault: Some(Fault::RestartPostgres),
                ..Options::default()
            })
        );
        assert!(parse(&["--fault", "restart-postgres"]).is_err());
        assert!(parse(&["--fault", "flood"]).is_err());
        assert!(parse(&["--receipts", "0"]).is_err());
        assert!(parse(&["--clients", "0"]).is_err());
        assert!(parse(&["--concurrency"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }

    #[test]
    fn every_load_receipt_id_is_a_distinct_uuid_v4() {
        let ids: std::collections::BTreeSet<String> =
            (0..5000).map(|n| id(0xdead_beef, n * 7919)).collect();
        assert_eq!(ids.len(), 5000);
        for id in &ids {
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4");
            assert_eq!(&id[19..20], "8");
        }
    }

    #[test]
    fn client_addresses_are_distinct() {
        let addresses: std::collections::BTreeSet<String> =
            (0..70_000).map(client_address).collect();
        assert_eq!(addresses.len(), 70_000);
        assert_eq!(client_address(0), "10.0.0.0");
        assert_eq!(client_address(256), "10.0.1.0");
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 50), Duration::from_millis(50));
        assert_eq!(percentile(&values, 99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 99), Duration::ZERO);
    }
}
