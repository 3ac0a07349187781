//! `cargo xtask <dist|demo|test|load>`: the project's build, run, test and benchmark commands.
//! Each installs the pinned tools it needs first (skipping what is already there at the right
//! version).

mod bench;
mod budget;
mod check;
mod dist;
mod first_paint;
mod load;
mod loader;
mod server;
mod shell;
mod tools;

use std::process::ExitCode;

use shell::Shell;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  dist               build the widget and assemble dist/ (prints raw/gzip/brotli sizes)
  demo [--port N]    build dist/, then serve the demo site (default port 8080)
  test               fmt, clippy (host + wasm32), host tests, browser tests, dist,
                     end-to-end tests against the demo server
  load [--receipts N] [--concurrency C] [--clients N] [--postgres]
       [--fault kill-server|restart-postgres]
                     benchmark the receipt API: post N unique receipts (default 10000)
                     from C workers (default 64), optionally from N client addresses
                     through a trusted proxy, on SQLite or a throwaway PostgreSQL, with
                     a fault halfway; verify each is stored once, print throughput and
                     latency
  scan URL [options] audit a site's consent in headless Chromium (canenrich-scan: cookies,
                     storage and third-party requests before a choice, after Reject all
                     and after Accept all); `cargo xtask scan --help` lists the options
  bench [--rounds N] build dist/, then time the widget against vanilla-cookieconsent,
                     Osano cookieconsent and Klaro in Chromium (default 7 rounds);
                     writes target/bench/report.md and chart.svg";

/// A task named on the command line.
enum Task {
    Dist,
    Demo {
        port: u16,
    },
    Test,
    Load(load::Options),
    Bench(bench::Options),
    /// `canenrich-scan` with these arguments.
    Scan(Vec<String>),
    Help,
}

impl Task {
    fn parse(args: &[String]) -> Result<Task, String> {
        let mut args = args.iter().map(String::as_str);
        let task = match args.next() {
            Some("dist") => Task::Dist,
            Some("test") => Task::Test,
            Some("demo") => {
                let mut port = 8080;
                while let Some(arg) = args.next() {
                    let value = match arg.strip_prefix("--port=") {
                        Some(value) => value,
                        None if arg == "--port" => args.next().ok_or("--port needs a value")?,
                        None => return Err(format!("unknown demo option `{arg}`")),
                    };
                    port = value
                        .parse()
                        .map_err(|_| format!("--port must be 0..=65535, got `{value}`"))?;
                }
                return Ok(Task::Demo { port });
            }
            Some("load") => return load::Options::parse(args).map(Task::Load),
            Some("bench") => return bench::Options::parse(args).map(Task::Bench),
            // The scanner parses its own options (and explains them with --help).
            Some("scan") => return Ok(Task::Scan(args.map(str::to_string).collect())),
            Some("help" | "--help" | "-h") | None => Task::Help,
            Some(other) => return Err(format!("unknown task `{other}`")),
        };
        match args.next() {
            Some(extra) => Err(format!("unexpected argument `{extra}`")),
            None => Ok(task),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = match Task::parse(&args) {
        Ok(task) => task,
        Err(message) => {
            eprintln!("xtask: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Task::Scan(args) = task {
        return scan(args);
    }
    let result = Shell::open().and_then(|sh| match task {
        Task::Dist => dist::dist(&sh),
        Task::Demo { port } => demo(&sh, port),
        Task::Test => check::test(&sh),
        Task::Load(options) => load::load(&sh, options),
        Task::Bench(options) => bench::bench(&sh, options),
        Task::Scan(_) => Ok(()),
        Task::Help => {
            println!("{USAGE}");
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `canenrich-scan` from the workspace with `args`, passing its exit status through (0
/// clean, 1 findings, 2 could not run), so CI can use `cargo xtask scan` as it would the binary.
fn scan(args: Vec<String>) -> ExitCode {
    let sh = match Shell::open() {
        Ok(sh) => sh,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            return ExitCode::from(2);
        }
    };
    let status = sh
        .cargo()
        .args(["run", "--quiet", "-p", "canenrich-scan", "--"])
        .args(&args)
        .status();
    match status {
        Ok(status) => ExitCode::from(status.code().map_or(2, |code| code.clamp(0, 255) as u8)),
        Err(error) => {
            eprintln!("xtask: error: cannot run cargo: {error}");
            ExitCode::from(2)
        }
    }
}

/// Builds `dist/` and serves the demo site in the foreground until interrupted.
fn demo(sh: &Shell, port: u16) -> Result<(), String> {
    dist::dist(sh)?;
    println!(
        "playground: http://127.0.0.1:{port}/playground/ (the site: http://127.0.0.1:{port}/)"
    );
    let port = port.to_string();
    sh.run(sh.cargo().args([
        "run",
        "--release",
        "-p",
        "canenrich-server",
        "--",
        "--port",
        &port,
        "--dist",
        "dist",
        "--www",
        "www/site",
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Task, String> {
        Task::parse(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn demo_serves_on_8080_unless_a_port_is_given() {
        assert!(matches!(parse(&["demo"]), Ok(Task::Demo { port: 8080 })));
        assert!(matches!(
            parse(&["demo", "--port", "9000"]),
            Ok(Task::Demo { port: 9000 })
        ));
        assert!(matches!(
            parse(&["demo", "--port=0"]),
            Ok(Task::Demo { port: 0 })
        ));
        assert!(parse(&["demo", "--port"]).is_err());
        assert!(parse(&["demo", "--port", "http"]).is_err());
    }

    #[test]
    fn unknown_tasks_and_extra_arguments_are_refused() {
        assert!(parse(&["deploy"]).is_err());
        assert!(parse(&["dist", "--fast"]).is_err());
        assert!(matches!(parse(&["test"]), Ok(Task::Test)));
        assert!(matches!(parse(&[]), Ok(Task::Help)));
    }

    #[test]
    fn scan_passes_every_argument_to_the_scanner() {
        let Ok(Task::Scan(args)) = parse(&["scan", "http://127.0.0.1:8080/", "--pages", "3"])
        else {
            panic!("a scan task");
        };
        assert_eq!(args, ["http://127.0.0.1:8080/", "--pages", "3"]);
    }
}
