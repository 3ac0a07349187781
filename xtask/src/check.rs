//! `cargo xtask test`: every check in order, stopping at the first failure, with a timed summary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::shell::Shell;
use crate::{dist, server, tools};

/// `--target` argument for the browser builds.
const WASM32: &str = "--target=wasm32-unknown-unknown";

/// `cargo clippy <args> -- -D warnings`.
fn clippy(sh: &Shell, args: &[&str]) -> Result<(), String> {
    sh.run(
        sh.cargo()
            .arg("clippy")
            .args(args)
            .args(["--", "-D", "warnings"]),
    )
}

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
        clippy(sh, &["--workspace", "--all-targets"])
    })?;
    steps.run("clippy (wasm32)", || {
        clippy(sh, &[WASM32, "-p", "canenrich-consent", "--all-targets"])
    })?;
    // The core build (what a returning visitor loads) compiles without the Yew UI.
    steps.run("clippy (wasm32 core)", || {
        clippy(
            sh,
            &[
                WASM32,
                "-p",
                "canenrich-consent",
                "--no-default-features",
                "--lib",
            ],
        )
    })?;
    steps.run("host tests", || {
        sh.run(sh.cargo().args(["test", "--workspace"]))
    })?;
    steps.run("PostgreSQL receipts", || postgres_receipts(sh))?;
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
    // dist/ as the npm package: the config validates against its schema, `npm pack` ships every
    // file, the .d.ts type-checks (typescript from package-lock.json), .br/.gz round-trip, the
    // playground validator agrees with ajv, and apps built with Vite and esbuild run it.
    steps.run("package tests", || {
        sh.run(sh.cmd("node").args(["--test", "tests/package/"]))
    })?;
    // The README's nginx block, run by a real nginx (precompressed files, cache headers, proxy).
    steps.run("README quick starts (nginx)", || {
        tools::ensure_nginx(sh)?;
        sh.run(
            sh.cmd("node")
                .args(["--test", "tests/docs/"])
                .env("CANENRICH_NGINX", tools::NGINX),
        )
    })?;
    steps.run("build server", || {
        sh.run(
            sh.cargo()
                .args(["build", "--release", "-p", "canenrich-server"]),
        )
    })?;
    steps.run("end-to-end tests", || end_to_end(sh))?;
    steps.run("QA examples", || qa_examples(sh))
}

/// Runs the site owners' QA examples (`examples/qa/`) against a fresh demo server: the
/// Playwright spec with node, then the standalone Rust WebDriver crate, which starts its own
/// chromedriver on a free port and stops it, with its Chromium, whatever happens. The crate
/// builds into the main target directory to reuse the dependencies compiled there.
fn qa_examples(sh: &Shell) -> Result<(), String> {
    let (running, port) = server::start(sh, &["--db", ":memory:"])?;
    let site_url = format!("http://127.0.0.1:{port}");
    let result = sh
        .run(
            sh.cmd("node")
                .args(["--test", "examples/qa/consent.spec.mjs"])
                .env("SITE_URL", &site_url)
                .env("CHROMIUM", tools::CHROMIUM),
        )
        .and_then(|()| {
            sh.run(
                sh.cargo()
                    .args([
                        "test",
                        "--locked",
                        "--manifest-path",
                        "examples/qa/webdriver/Cargo.toml",
                        "--",
                        "--test-threads=1",
                    ])
                    .env("SITE_URL", &site_url)
                    .env("CARGO_TARGET_DIR", sh.target_dir())
                    .env("CHROMEDRIVER", tools::CHROMEDRIVER)
                    .env("CHROMIUM", tools::CHROMIUM),
            )
        });
    drop(running);
    result
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

/// Runs the server's tests (the receipt API tests included) against a throwaway PostgreSQL
/// cluster: installed if missing, started on a free port in a temporary directory, stopped and
/// removed afterwards. A cluster that cannot start fails the step: it is never skipped.
fn postgres_receipts(sh: &Shell) -> Result<(), String> {
    let bin = tools::ensure_postgres(sh)?;
    let cluster = Cluster::start(sh, &bin)?;
    let url = format!("postgres://postgres@127.0.0.1:{}/canenrich", cluster.port);
    sh.run(
        sh.cmd(bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &cluster.port.to_string()])
            .args(["-U", "postgres", "canenrich"]),
    )?;
    sh.run(
        sh.cargo()
            .args(["test", "-p", "canenrich-server"])
            .env("DATABASE_URL", &url),
    )
}

/// A PostgreSQL cluster in a temporary directory, stopped and deleted when dropped.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_root: bool,
}

impl Cluster {
    /// `initdb` and `pg_ctl start` (as the `postgres` user when running as root, since
    /// PostgreSQL refuses to run as root), trusting local connections, listening on 127.0.0.1
    /// only, with its socket in the cluster directory.
    fn start(sh: &Shell, bin: &Path) -> Result<Cluster, String> {
        let dir = std::env::temp_dir().join(format!("canenrich-postgres-{}", std::process::id()));
        // A leftover from a killed run with the same pid is as throwaway as this one.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("cannot find a free port: {e}"))?
            .port();
        let cluster = Cluster {
            bin: bin.to_path_buf(),
            dir,
            port,
            as_root: tools::is_root(sh),
        };
        if cluster.as_root {
            sh.run(sh.cmd("chown").arg("postgres:postgres").arg(&cluster.dir))?;
        }
        let data = cluster.dir.join("data");
        sh.run(cluster.command(sh, "initdb").arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ]))?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1",
            cluster.dir.display()
        );
        let log = cluster.dir.join("postgres.log");
        let started = sh.run(
            cluster
                .command(sh, "pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-l"])
                .arg(&log)
                .args(["-w", "-t", "60", "start"]),
        );
        if let Err(error) = started {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!(
                "the PostgreSQL cluster did not start: {error}\n{log}"
            ));
        }
        Ok(cluster)
    }

    /// A PostgreSQL tool from `bin`, run as the cluster's owner, in the cluster directory.
    fn command(&self, sh: &Shell, tool: &str) -> Command {
        let program = self.bin.join(tool);
        let mut cmd = if self.as_root {
            let mut runuser = sh.cmd("runuser");
            runuser.args(["-u", "postgres", "--"]).arg(program);
            runuser
        } else {
            sh.cmd(program)
        };
        cmd.current_dir(&self.dir);
        cmd
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let sh = match Shell::open() {
            Ok(sh) => sh,
            Err(error) => {
                return eprintln!("cannot stop PostgreSQL in {}: {error}", self.dir.display())
            }
        };
        let data = self.dir.join("data");
        let stopped = sh.run(
            self.command(&sh, "pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-m", "fast", "-w", "stop"]),
        );
        match stopped {
            Ok(()) => {
                if let Err(error) = std::fs::remove_dir_all(&self.dir) {
                    eprintln!("cannot remove {}: {error}", self.dir.display());
                }
            }
            // Keep the directory (and its log) for whoever has to look.
            Err(error) => eprintln!("{error}; the cluster is in {}", self.dir.display()),
        }
    }
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
