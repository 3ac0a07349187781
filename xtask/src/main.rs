//! `cargo xtask <dist|demo|test|load>`: the project's build, run, test and benchmark commands.
//! Each installs the pinned tools it needs first (skipping what is already there at the right
//! version).

mod bench;
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
  bench [--rounds N] build dist/, then time the widget against vanilla-cookieconsent,
                     Osano cookieconsent and Klaro in Chromium (default 7 rounds);
                     writes target/bench/report.md and chart.svg";

/// A task named on the command line.
enum Task {
    Dist,
    Demo { port: u16 },
    Test,
    Load(load::Options),
    Bench(bench::Options),
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
    let result = Shell::open().and_then(|sh| match task {
        Task::Dist => dist::dist(&sh),
        Task::Demo { port } => demo(&sh, port),
        Task::Test => check::test(&sh),
        Task::Load(options) => load::load(&sh, options),
        Task::Bench(options) => bench::bench(&sh, options),
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

/// Builds `dist/` and serves the demo site in the foreground until interrupted.
fn demo(sh: &Shell, port: u16) -> Result<(), String> {
    dist::dist(sh)?;
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
}
