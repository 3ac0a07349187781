//! `cargo xtask test`: every check in order, stopping at the first failure, with a timed summary.

use std::time::{Duration, Instant};

use crate::shell::Shell;
use crate::{dist, server, tools};

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
    let (running, port) = server::start(sh, &["--db", ":memory:"])?;
    let base_url = format!("http://127.0.0.1:{port}");
    let result = sh.run(
        sh.cmd("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .env("CANENRICH_BASE_URL", &base_url),
    );
    drop(running);
    result
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
