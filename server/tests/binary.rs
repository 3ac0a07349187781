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
    let statuses: Vec<String> = (0..3)
        .map(|n| {
            let body = format!(
                r#"{{"id":"1b4e28ba-2fa1-4d2e-883f-{n:012x}","timestamp":1732540000123,"revision":1,"categories":["necessary"],"rejected":[],"method":"accept_all"}}"#
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
    assert!(stderr.contains("unknown option `--bogus`"));
    assert!(stderr.contains("usage: canenrich-server"));
}
