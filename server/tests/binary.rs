//! The `canenrich-server` binary: it prints its listening line on port 0, serves, and exits
//! cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn the_binary_prints_its_address_serves_pages_and_stops_on_sigterm() {
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
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read line");
    let address = line
        .trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .map(|port| format!("127.0.0.1:{port}"))
        .expect("listening line");
    assert_ne!(address, "127.0.0.1:0");

    let mut stream = TcpStream::connect(&address).expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("\r\n\r\nok"), "{response}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let exit = child.wait().expect("wait for the server");
    assert!(exit.success(), "{exit:?}");
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
