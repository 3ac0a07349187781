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
    // The lean core (what a returning visitor loads), and the widget crate without its UI, as
    // the core links it.
    steps.run("clippy (wasm32 core)", || {
        clippy(
            sh,
            &[WASM32, "-p", "canenrich-consent-core", "--all-targets"],
        )?;
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
    steps.run("receipts under faults", || receipts_under_faults(sh))?;
    steps.run("end-to-end tests", || end_to_end(sh))?;
    steps.run("scanner against the demo site", || scanner(sh))?;
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

/// Builds `canenrich-scan` (debug: the work is Chromium's, and the release profile's LTO would
/// cost minutes) and runs `tests/scan/` against a fresh demo server: the leaky page is flagged
/// exactly, the clean pages not at all, and the exit statuses hold.
fn scanner(sh: &Shell) -> Result<(), String> {
    sh.run(sh.cargo().args(["build", "-p", "canenrich-scan"]))?;
    let (running, port) = server::start(sh, &["--db", ":memory:"])?;
    let result = sh.run(
        sh.cmd("node")
            .args(["--test", "tests/scan/"])
            .env("CANENRICH_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env(
                "CANENRICH_SCAN",
                sh.target_dir().join("debug").join("canenrich-scan"),
            )
            .env("CANENRICH_CHROMIUM", tools::CHROMIUM),
    );
    drop(running);
    result
}

/// Runs the server's tests (the receipt API tests included) against a throwaway PostgreSQL
/// cluster: installed if missing, started on a free port in a temporary directory, stopped and
/// removed afterwards. A cluster that cannot start fails the step: it is never skipped.
///
/// The cluster speaks TLS too (a throwaway CA and server certificate made with `openssl`), so the
/// tests of `sslmode=require` and `verify-full` run against it (`CANENRICH_PG_TLS_ROOT`).
fn postgres_receipts(sh: &Shell) -> Result<(), String> {
    let bin = tools::ensure_postgres(sh)?;
    let cluster = Cluster::start(sh, &bin)?;
    cluster.create_database(sh, "canenrich")?;
    sh.run(
        sh.cargo()
            .args(["test", "-p", "canenrich-server"])
            .env("DATABASE_URL", cluster.url("canenrich"))
            .env("CANENRICH_PG_TLS_ROOT", cluster.dir.join("ca.crt")),
    )
}

/// The receipt API under faults, with the release server: killed with SIGKILL in the middle of
/// a load run on SQLite, and PostgreSQL restarted in the middle of one. Every receipt must end
/// up stored exactly once.
pub fn receipts_under_faults(sh: &Shell) -> Result<(), String> {
    use crate::load::{self, Fault, Options};
    let base = Options {
        receipts: 3000,
        concurrency: 32,
        clients: Some(300),
        ..Options::default()
    };
    load::load(
        sh,
        Options {
            fault: Some(Fault::KillServer),
            ..base
        },
    )?;
    load::load(
        sh,
        Options {
            postgres: true,
            fault: Some(Fault::RestartPostgres),
            ..base
        },
    )
}

/// A PostgreSQL cluster in a temporary directory, stopped and deleted when dropped.
pub(crate) struct Cluster {
    pub(crate) bin: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) port: u16,
    pub(crate) as_root: bool,
}

impl Cluster {
    /// `initdb` and `pg_ctl start` (as the `postgres` user when running as root, since
    /// PostgreSQL refuses to run as root), trusting local connections, listening on 127.0.0.1
    /// only, with its socket in the cluster directory, and TLS on with a certificate for
    /// 127.0.0.1 signed by a throwaway CA (`ca.crt` in the cluster directory).
    pub(crate) fn start(sh: &Shell, bin: &Path) -> Result<Cluster, String> {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "canenrich-postgres-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
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
        make_certificates(sh, &cluster.dir)?;
        if cluster.as_root {
            sh.run(
                sh.cmd("chown")
                    .arg("postgres:postgres")
                    .arg(cluster.dir.join("server.key"))
                    .arg(cluster.dir.join("server.crt")),
            )?;
        }
        let options = format!(
            "-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c ssl=on \
             -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key",
            dir = cluster.dir.display()
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

    /// Creates the database `name`.
    pub(crate) fn create_database(&self, sh: &Shell, name: &str) -> Result<(), String> {
        sh.run(
            sh.cmd(self.bin.join("createdb"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", "postgres", name]),
        )
    }

    /// The URL of the database `name`.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// A PostgreSQL tool from `bin`, run as the cluster's owner, in the cluster directory.
    fn command(&self, sh: &Shell, tool: &str) -> Command {
        tool_command(sh, &self.bin, &self.dir, self.as_root, tool)
    }

    /// Restarts the cluster in `dir` (fast shutdown: open connections are dropped) and waits
    /// until it accepts connections again.
    pub(crate) fn restart_at(
        sh: &Shell,
        bin: &Path,
        dir: &Path,
        as_root: bool,
        _port: u16,
    ) -> Result<(), String> {
        sh.run(
            tool_command(sh, bin, dir, as_root, "pg_ctl")
                .arg("-D")
                .arg(dir.join("data"))
                .args(["-l"])
                .arg(dir.join("postgres.log"))
                .args(["-m", "fast", "-w", "-t", "60", "restart"]),
        )
    }
}

/// A PostgreSQL tool from `bin`, run as the cluster's owner when `as_root`, in `dir`.
fn tool_command(sh: &Shell, bin: &Path, dir: &Path, as_root: bool, tool: &str) -> Command {
    let program = bin.join(tool);
    let mut cmd = if as_root {
        let mut runuser = sh.cmd("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        sh.cmd(program)
    };
    cmd.current_dir(dir);
    cmd
}

/// Writes a throwaway CA (`ca.crt`) and a server certificate for 127.0.0.1 and localhost that it
/// signed (`server.crt`, `server.key`, mode 0600 as PostgreSQL requires) into `dir`.
fn make_certificates(sh: &Shell, dir: &Path) -> Result<(), String> {
    let openssl = |args: &[&str]| sh.run(sh.cmd("openssl").args(args).current_dir(dir));
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &[
                "req",
                "-x509",
                "-days",
                "2",
                "-subj",
                "/CN=canenrich test CA",
            ][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.crt"],
        ]
        .concat(),
    )?;
    openssl(
        &[
            &["req", "-subj", "/CN=localhost"][..],
            &ec,
            &["-keyout", "server.key", "-out", "server.csr"],
        ]
        .concat(),
    )?;
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .map_err(|e| format!("cannot write server.ext: {e}"))?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ])?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .map_err(|e| format!("cannot chmod server.key: {e}"))
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
