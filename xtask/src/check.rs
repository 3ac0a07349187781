//! `cargo xtask test`: every check in order, stopping at the first failure, with a timed summary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::shell::Shell;
use crate::{dist, tools};

/// How long the demo server may take to print its address.
const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the whole test command; `Err` names the step that failed.
pub fn test(sh: &Shell) -> Result<(), String> {
    let mut steps = Steps::default();
    let result = run_steps(sh, &mut steps);
    steps.print_summary(result.is_ok());
    result
}

fn run_steps(sh: &Shell, steps: &mut Steps) -> Result<(), String> {
    steps.run("tools", || tools::ensure_all(sh))?;
    steps.run("fmt", || {
        sh.run(sh.cargo().args(["fmt", "--all", "--check"]))
    })?;
    steps.run("clippy (host)", || {
        sh.run(sh.cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    steps.run("clippy (wasm32)", || {
        sh.run(sh.cargo().args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "canenrich-consent",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    steps.run("host tests", || {
        sh.run(sh.cargo().args(["test", "--workspace"]))
    })?;
    steps.run("browser tests (wasm-pack test)", || {
        // wasm-bindgen-test-runner reads `webdriver.json` from its working directory; the
        // absolute path keeps the root-only Chromium flags (--no-sandbox) wherever cargo runs it.
        sh.run(
            sh.cmd("wasm-pack")
                .args([
                    "test",
                    "--headless",
                    "--chrome",
                    "--chromedriver",
                    tools::CHROMEDRIVER,
                ])
                .env(
                    "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                    sh.root.join("webdriver.json"),
                ),
        )
    })?;
    steps.run("dist", || dist::dist(sh))?;
    steps.run("build server", || {
        sh.run(
            sh.cargo()
                .args(["build", "--release", "-p", "canenrich-server"]),
        )
    })?;
    steps.run("end-to-end tests", || end_to_end(sh))
}

/// Starts the demo server on a free port with an in-memory database, runs `tests/e2e/` against
/// it, and stops it whatever happened.
fn end_to_end(sh: &Shell) -> Result<(), String> {
    let server = sh.target_dir().join("release").join("canenrich-server");
    let mut cmd = sh.cmd(&server);
    cmd.args([
        "--port", "0", "--db", ":memory:", "--dist", "dist", "--www", "www/site",
    ])
    .stdout(Stdio::piped());
    println!(
        "$ {} --port 0 --db :memory: --dist dist --www www/site",
        server.display()
    );
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("server stdout was not captured")?;
    let server = Running(child);

    let (port_tx, port_rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("[server] {line}");
            if let Some(port) = listening_port(&line) {
                // The receiver is gone once the port was read; later lines are only echoed.
                let _ = port_tx.send(port);
            }
        }
    });
    let port = port_rx
        .recv_timeout(SERVER_START_TIMEOUT)
        .map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => format!(
                "the server printed no `listening on http://HOST:PORT` within {} s",
                SERVER_START_TIMEOUT.as_secs()
            ),
            mpsc::RecvTimeoutError::Disconnected => {
                "the server exited before printing `listening on http://HOST:PORT`".to_owned()
            }
        })?;

    let base_url = format!("http://127.0.0.1:{port}");
    let result = sh.run(
        sh.cmd("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env("CANENRICH_BASE_URL", &base_url),
    );
    drop(server);
    result
}

/// A child process killed when dropped, so no server outlives a failed or panicking run.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // Kill fails only if it has already exited, which is what we want anyway.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The port in a `listening on http://HOST:PORT` line.
fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("listening on http://")?;
    let address = rest.split_whitespace().next()?.trim_end_matches('/');
    let (_, port) = address.rsplit_once(':')?;
    port.parse().ok()
}

/// The steps run so far, with their times.
#[derive(Default)]
struct Steps {
    done: Vec<(&'static str, Duration, bool)>,
}

impl Steps {
    fn run(
        &mut self,
        name: &'static str,
        step: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = step();
        let elapsed = start.elapsed();
        self.done.push((name, elapsed, result.is_ok()));
        println!(
            "<== {name}: {} in {}",
            verdict(result.is_ok()),
            seconds(elapsed)
        );
        result.map_err(|e| format!("step `{name}` failed: {e}"))
    }

    fn print_summary(&self, passed: bool) {
        println!("\nsummary:");
        for (name, elapsed, ok) in &self.done {
            println!("  {:<6} {:>8}  {name}", verdict(*ok), seconds(*elapsed));
        }
        let total: Duration = self.done.iter().map(|(_, elapsed, _)| *elapsed).sum();
        println!("  {:<6} {:>8}  total", verdict(passed), seconds(total));
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "FAILED"
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_read_from_the_servers_listening_line() {
        assert_eq!(
            listening_port("listening on http://127.0.0.1:43117"),
            Some(43117)
        );
        assert_eq!(
            listening_port("INFO canenrich: listening on http://[::1]:8080/ (dist: dist)"),
            Some(8080)
        );
        assert_eq!(listening_port("starting on port 8080"), None);
        assert_eq!(listening_port("listening on http://localhost"), None);
    }
}
