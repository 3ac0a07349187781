//! `cargo xtask load`: a benchmark of the receipt API. It builds the server in release, starts it
//! on a free port with a scratch SQLite file and no rate limit, posts unique receipts from
//! concurrent workers over keep-alive loopback connections, checks that every receipt is stored
//! exactly once, and prints throughput and latency. It prints figures; it asserts no timing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::server::{self, Running};
use crate::shell::Shell;

/// What to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Receipts to post (`--receipts`, default 10 000).
    pub receipts: usize,
    /// Concurrent workers, one keep-alive connection each (`--concurrency`, default 64).
    pub concurrency: usize,
}

impl Options {
    /// Parses the arguments after `load`: `--receipts N` and `--concurrency C`, either also as
    /// `--name=value`. Both must be at least 1.
    pub fn parse<'a>(mut args: impl Iterator<Item = &'a str>) -> Result<Options, String> {
        let mut options = Options {
            receipts: 10_000,
            concurrency: 64,
        };
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (arg, None),
            };
            if name != "--receipts" && name != "--concurrency" {
                return Err(format!("unknown load option `{arg}`"));
            }
            let value = match inline {
                Some(value) => value,
                None => args.next().ok_or(format!("{name} needs a value"))?,
            };
            let number = value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!(
                    "{name} must be a whole number of at least 1, got `{value}`"
                ))?;
            if name == "--receipts" {
                options.receipts = number;
            } else {
                options.concurrency = number;
            }
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
    let result = start(sh, &scratch.join("consent.db"))
        .and_then(|(server, port)| measure(server, port, options));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Starts the release server with a fresh database at `db` and no rate limit.
fn start(sh: &Shell, db: &Path) -> Result<(Running, u16), String> {
    let db = db.to_string_lossy();
    server::start(sh, &["--db", &db, "--rate-limit", "0"])
}

/// Posts the receipts, verifies them, prints the figures and stops the server.
fn measure(server: Running, port: u16, options: Options) -> Result<(), String> {
    let address = format!("127.0.0.1:{port}");
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.subsec_nanos() ^ (since.as_secs() as u32))
        .unwrap_or_default();
    let ids: Arc<Vec<String>> = Arc::new((0..options.receipts).map(|n| id(run, n)).collect());

    println!(
        "posting {} receipts with {} workers to http://{address} …",
        options.receipts, options.concurrency
    );
    let started = Instant::now();
    let mut latencies = in_parallel(&address, &ids, options.concurrency, post)?;
    let elapsed = started.elapsed();

    println!("verifying …");
    in_parallel(&address, &ids, options.concurrency, fetch)?;
    let stats = Connection::open(&address)?.send("GET", "/api/consent/stats", None)?;
    let expected = format!("{{\"count\":{}}}", options.receipts);
    if stats.status != 200 || stats.body != expected {
        return Err(format!(
            "stats: expected 200 {expected}, got {} {}",
            stats.status, stats.body
        ));
    }
    drop(server);

    latencies.sort_unstable();
    let per_second = options.receipts as f64 / elapsed.as_secs_f64();
    println!(
        "\n{} receipts stored exactly once ({} workers, keep-alive, loopback, SQLite WAL)",
        options.receipts, options.concurrency
    );
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

/// Runs `request` for every id on `workers` threads, each with its own keep-alive connection;
/// returns every request's latency, or the first failure.
fn in_parallel(
    address: &str,
    ids: &Arc<Vec<String>>,
    workers: usize,
    request: fn(&mut Connection, &str) -> Result<(), String>,
) -> Result<Vec<Duration>, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..workers.min(ids.len()))
        .map(|_| {
            let (address, ids, next) = (address.to_owned(), Arc::clone(ids), Arc::clone(&next));
            thread::spawn(move || -> Result<Vec<Duration>, String> {
                let mut connection = Connection::open(&address)?;
                let mut latencies = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(id) = ids.get(n) else {
                        return Ok(latencies);
                    };
                    let started = Instant::now();
                    request(&mut connection, id)?;
                    latencies.push(started.elapsed());
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(ids.len());
    for handle in handles {
        all.extend(
            handle
                .join()
                .map_err(|_| "a worker panicked".to_owned())??,
        );
    }
    Ok(all)
}

/// Posts the receipt with this id; anything but 201 is a failure.
fn post(connection: &mut Connection, id: &str) -> Result<(), String> {
    let body = format!(
        r#"{{"id":"{id}","timestamp":1732540000123,"revision":1,"categories":["necessary","analytics"],"rejected":["marketing","personalization"],"method":"custom","configHash":"sha256-load"}}"#
    );
    let reply = connection.send("POST", "/api/consent", Some(&body))?;
    if reply.status != 201 {
        return Err(format!(
            "POST {id}: expected 201, got {} {}",
            reply.status, reply.body
        ));
    }
    Ok(())
}

/// Fetches the receipt with this id; it must be there, under this id.
fn fetch(connection: &mut Connection, id: &str) -> Result<(), String> {
    let reply = connection.send("GET", &format!("/api/consent/{id}"), None)?;
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
    reader: BufReader<TcpStream>,
    address: String,
}

/// A response: status code and body text.
struct Reply {
    status: u16,
    body: String,
}

impl Connection {
    fn open(address: &str) -> Result<Connection, String> {
        let stream =
            TcpStream::connect(address).map_err(|e| format!("cannot connect to {address}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        Ok(Connection {
            reader: BufReader::new(stream),
            address: address.to_owned(),
        })
    }

    fn send(&mut self, method: &str, path: &str, body: Option<&str>) -> Result<Reply, String> {
        let fail = |what: &str, e: std::io::Error| format!("{method} {path}: {what}: {e}");
        let request = match body {
            Some(body) => format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                self.address,
                body.len()
            ),
            None => format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.address),
        };
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .map_err(|e| fail("send", e))?;
        let mut line = String::new();
        self.reader
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
            self.reader
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
        self.reader
            .read_exact(&mut body)
            .map_err(|e| fail("read body", e))?;
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().copied())
    }

    #[test]
    fn load_posts_ten_thousand_receipts_with_sixty_four_workers_unless_told_otherwise() {
        assert_eq!(
            parse(&[]),
            Ok(Options {
                receipts: 10_000,
                concurrency: 64
            })
        );
        assert_eq!(
            parse(&["--receipts", "500", "--concurrency=8"]),
            Ok(Options {
                receipts: 500,
                concurrency: 8
            })
        );
        assert!(parse(&["--receipts", "0"]).is_err());
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
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 50), Duration::from_millis(50));
        assert_eq!(percentile(&values, 99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 99), Duration::ZERO);
    }
}
