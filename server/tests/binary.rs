//! The `canenrich-server` binary: it prints its listening line on port 0, serves, limits
//! receipts per client address, and exits cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Starts the server on a free port with `extra` options; returns it and its `host:port`.
fn start(extra: &[&str]) -> (Child, String) {
    let www = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/site");
    let mut child = Command::new(env!("CARGO_BIN_EXE_canenrich-server"))
        .args([
            "--port",
            "0",
            "--dist",
            "no-such-dist",
            "--www",
            www,
            "--db",
            ":memory:",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read line");
    let address = line
        .trim_end()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_owned();
    (child, address)
}

/// Sends one raw HTTP/1.1 request on a new connection and returns the whole response.
fn exchange(address: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    response
}

/// The clock, in milliseconds since the Unix epoch.
fn now_millis() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    u64::try_from(since.as_millis()).expect("milliseconds fit in u64")
}

fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let exit = child.wait().expect("wait for the server");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn the_binary_limits_receipts_per_peer_address() {
    let (child, address) = start(&["--rate-limit", "1"]);
    let stamp = now_millis() - 60_000;
    let statuses: Vec<String> = (0..3)
        .map(|n| {
            let body = format!(
                r#"{{"id":"1b4e28ba-2fa1-4d2e-883f-{n:012x}","timestamp":{stamp},"revision":1,"categories":["necessary"],"rejected":[],"method":"accept_all"}}"#
            );
            let response = exchange(
                &address,
                &format!(
                    "POST /api/consent HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            );
            response.lines().next().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 201 Created",
            "HTTP/1.1 201 Created",
            "HTTP/1.1 429 Too Many Requests"
        ]
    );
    stop(child);
}

#[test]
fn the_binary_prints_its_address_serves_pages_and_stops_on_sigterm() {
    let (child, address) = start(&[]);
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert_ne!(address, "127.0.0.1:0");
    let response = exchange(
        &address,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("\r\n\r\nok"), "{response}");
    stop(child);
}

#[test]
fn an_unknown_option_is_an_error_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_canenrich-server"))
        .arg("--bogus")
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--bogus"), "{stderr}");
    assert!(stderr.contains("Usage: canenrich-server"), "{stderr}");
}

/// Reads whatever `stream` sends until it closes or `limit` passes; returns it and whether the
/// server closed the connection.
fn read_until_closed(stream: &mut TcpStream, limit: std::time::Duration) -> (String, bool) {
    stream.set_read_timeout(Some(limit)).expect("read timeout");
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return (String::from_utf8_lossy(&received).into_owned(), false)
            }
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), true),
        }
    }
}

#[test]
fn a_client_sending_its_headers_slowly_is_cut_off() {
    let (child, address) = start(&["--header-timeout", "1"]);
    let mut slow = TcpStream::connect(&address).expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: local")
        .expect("send part of the headers");
    let started = std::time::Instant::now();
    let (_, closed) = read_until_closed(&mut slow, std::time::Duration::from_secs(5));
    assert!(closed, "the connection is closed");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "within the header timeout, not the test's limit: {:?}",
        started.elapsed()
    );
    // An idle connection that never sends a byte is cut off too.
    let mut idle = TcpStream::connect(&address).expect("connect");
    let (_, closed) = read_until_closed(&mut idle, std::time::Duration::from_secs(5));
    assert!(closed, "an idle connection is closed");
    // Prompt clients are still served.
    let response = exchange(
        &address,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    stop(child);
}

/// Opens a connection to `address` and sends a receipt's headers and the first bytes of its
/// body, then nothing more.
fn start_slow_receipt(address: &str) -> TcpStream {
    let mut slow = TcpStream::connect(address).expect("connect");
    slow.write_all(
        format!(
            "POST /api/consent HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: 200\r\nConnection: close\r\n\r\n{{\"id\": "
        )
        .as_bytes(),
    )
    .expect("send the headers and the start of the body");
    slow
}

#[test]
fn a_receipt_body_sent_too_slowly_is_a_json_408() {
    let (child, address) = start(&["--body-timeout", "1"]);
    let mut slow = start_slow_receipt(&address);
    let started = std::time::Instant::now();
    let (response, _) = read_until_closed(&mut slow, std::time::Duration::from_secs(5));
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("not received in time"), "{response}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "within the body timeout: {:?}",
        started.elapsed()
    );
    stop(child);

    // The whole request's timeout answers the same way, headers included.
    let (child, address) = start(&["--request-timeout", "1"]);
    let mut slow = start_slow_receipt(&address);
    let (response, _) = read_until_closed(&mut slow, std::time::Duration::from_secs(5));
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    let lower = response.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/json"),
        "{response}"
    );
    assert!(lower.contains("x-frame-options: sameorigin"), "{response}");
    stop(child);
}

#[test]
fn connections_beyond_the_cap_wait_until_one_closes() {
    let (child, address) = start(&["--max-connections", "1"]);
    let holder = TcpStream::connect(&address).expect("connect");
    // Let the server accept the first connection before the second arrives.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut waiting = TcpStream::connect(&address).expect("the kernel queues it");
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("send");
    let (nothing, closed) = read_until_closed(&mut waiting, std::time::Duration::from_millis(800));
    assert_eq!(
        (nothing.as_str(), closed),
        ("", false),
        "not served while the cap is reached"
    );
    drop(holder);
    let (response, _) = read_until_closed(&mut waiting, std::time::Duration::from_secs(5));
    assert!(response.starts_with("HTTP/1.1 200"), "{response:?}");
    stop(child);
}

#[test]
fn requests_hyper_cannot_parse_get_json_errors_under_api() {
    let (child, address) = start(&[]);
    let bad_length = exchange(
        &address,
        "POST /api/consent HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 12x\r\n\r\n{}",
    );
    assert!(bad_length.starts_with("HTTP/1.1 400"), "{bad_length}");
    assert!(
        bad_length.contains("content-type: application/json"),
        "{bad_length}"
    );
    assert!(bad_length.ends_with("\"}"), "{bad_length}");
    let huge = format!(
        "GET /api/consent/stats HTTP/1.1\r\nHost: localhost\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    let too_large = exchange(&address, &huge);
    assert!(too_large.starts_with("HTTP/1.1 431"), "{too_large}");
    assert!(
        too_large.ends_with("{\"error\":\"headers: too large\"}"),
        "{too_large}"
    );
    // Sent in pieces, a head larger than hyper's buffer is refused by hyper itself.
    let mut stream = TcpStream::connect(&address).expect("connect");
    stream
        .write_all(b"GET /api/consent/stats HTTP/1.1\r\nHost: localhost\r\n")
        .expect("send");
    for _ in 0..40 {
        if stream
            .write_all(format!("X-Filler: {}\r\n", "b".repeat(4000)).as_bytes())
            .is_err()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (refused, _) = read_until_closed(&mut stream, std::time::Duration::from_secs(5));
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");
    assert!(refused.contains("application/json"), "{refused}");
    let long_url = exchange(
        &address,
        &format!(
            "GET /api/consent/stats?{} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            "q".repeat(10 * 1024)
        ),
    );
    assert!(long_url.starts_with("HTTP/1.1 414"), "{long_url}");
    assert!(long_url.contains("application/json"), "{long_url}");
    // Outside /api, hyper's plain answer stays.
    let page = exchange(
        &address,
        "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: nope\r\n\r\n",
    );
    assert!(page.starts_with("HTTP/1.1 400"), "{page}");
    assert!(!page.contains("application/json"), "{page}");
    stop(child);
}

#[test]
fn each_request_is_one_log_line_with_its_path_escaped() {
    let www = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/site");
    let mut child = Command::new(env!("CARGO_BIN_EXE_canenrich-server"))
        .args([
            "--port",
            "0",
            "--dist",
            "no-such-dist",
            "--www",
            www,
            "--db",
            ":memory:",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let address = line
        .trim_end()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_owned();
    let response = exchange(
        &address,
        "GET /nope%0AINFO%20forged%1b%5b31m?secret=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    stop_quietly(&mut child);
    let mut log = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("/nope")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    let logged = lines[0];
    assert!(logged.contains("method=GET"), "{logged}");
    assert!(
        logged.contains("path=/nope%0AINFO%20forged%1b%5b31m"),
        "{logged}"
    );
    assert!(logged.contains("status=404"), "{logged}");
    assert!(logged.contains("latency_ms="), "{logged}");
    assert!(!logged.contains("secret"), "no query string: {logged}");
    assert!(!log.contains('\u{1b}'), "no raw escape character: {log}");
    assert!(!log.lines().any(|l| l.starts_with("INFO forged")), "{log}");
}

#[test]
fn help_lists_the_options_and_their_environment_fallbacks() {
    let output = Command::new(env!("CARGO_BIN_EXE_canenrich-server"))
        .arg("--help")
        .output()
        .expect("run the server");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--trusted-proxy",
        "TRUSTED_PROXIES",
        "--retention-days",
        "1826",
        "--admin-token",
        "--db",
    ] {
        assert!(help.contains(needle), "{needle} in\n{help}");
    }
}

#[test]
fn trusted_proxies_come_from_the_environment_too() {
    let www = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/site");
    let mut child = Command::new(env!("CARGO_BIN_EXE_canenrich-server"))
        .args([
            "--port",
            "0",
            "--dist",
            "no-such-dist",
            "--www",
            www,
            "--db",
            ":memory:",
            "--rate-limit",
            "1",
        ])
        .env("TRUSTED_PROXIES", "127.0.0.0/8, ::1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let address = line
        .trim_end()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_owned();
    let stamp = now_millis() - 60_000;
    let status = |n: u32, client: &str| {
        let body = format!(
            r#"{{"id":"1b4e28ba-2fa1-4d2e-883f-{n:012x}","timestamp":{stamp},"revision":1,"categories":["necessary"],"rejected":[],"method":"accept_all"}}"#
        );
        let response = exchange(
            &address,
            &format!(
                "POST /api/consent HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: {client}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        );
        response.lines().next().unwrap_or_default().to_owned()
    };
    // Burst of 2 per client; a third client is not held back by the first two.
    assert!(status(1, "198.51.100.1").contains("201"));
    assert!(status(2, "198.51.100.1").contains("201"));
    assert!(status(3, "198.51.100.1").contains("429"));
    assert!(status(4, "198.51.100.2").contains("201"));
    stop_quietly(&mut child);
}

fn stop_quietly(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
