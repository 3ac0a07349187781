//! `cargo xtask bench [--rounds N]`: our widget against three anchors from npm
//! (vanilla-cookieconsent, Osano's cookieconsent, Klaro) in headless Chromium, with a bare Yew
//! banner (`tests/bench/yew-floor`) as the reference for what Yew alone costs. Builds `dist/` and
//! the reference, then runs `tests/bench/bench.mjs`, which prints the figures and writes
//! `target/bench/` (`report.md`, `chart.svg`, `chart.png`, `results.json`). A benchmark, not a
//! pass/fail test: it is not part of `cargo xtask test`.

use std::path::PathBuf;

use crate::dist;
use crate::shell::Shell;
use crate::tools;

/// Rounds per CPU speed when `--rounds` is not given.
const DEFAULT_ROUNDS: u32 = 7;

/// What `cargo xtask bench` was asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// Interleaved rounds per CPU speed (`--rounds`, default 7).
    pub rounds: u32,
}

impl Options {
    /// Parses the arguments after `bench`: `--rounds N` or `--rounds=N`, N at least 1.
    pub fn parse<'a>(mut args: impl Iterator<Item = &'a str>) -> Result<Options, String> {
        let mut options = Options {
            rounds: DEFAULT_ROUNDS,
        };
        while let Some(arg) = args.next() {
            let value = match arg.strip_prefix("--rounds=") {
                Some(value) => value,
                None if arg == "--rounds" => args.next().ok_or("--rounds needs a value")?,
                None => return Err(format!("unknown bench option `{arg}`")),
            };
            options.rounds = match value.parse() {
                Ok(rounds) if rounds >= 1 => rounds,
                _ => {
                    return Err(format!(
                        "--rounds must be a whole number ≥ 1, got `{value}`"
                    ))
                }
            };
        }
        Ok(options)
    }
}

/// Installs what is missing (build tools, npm packages with the anchors, Chromium), builds
/// `dist/` and the Yew reference, and runs the benchmark script against them.
pub fn bench(sh: &Shell, options: Options) -> Result<(), String> {
    tools::ensure_all(sh)?;
    dist::dist(sh)?;
    let floor = yew_floor(sh)?;
    let dist = sh.root.join("dist");
    let out = sh.target_dir().join("bench");
    let rounds = options.rounds.to_string();
    sh.run(
        sh.cmd("node")
            .args(["tests/bench/bench.mjs", "--rounds", &rounds])
            .env("CANENRICH_DIST", &dist)
            .env("CANENRICH_YEW_FLOOR", &floor)
            .env("CANENRICH_BENCH_OUT", &out)
            .env("CANENRICH_CHROMIUM", tools::CHROMIUM),
    )
}

/// Builds the bare Yew banner with wasm-pack (its own lockfile, the widget's release profile and
/// wasm-opt settings) into `<target>/yew-floor/pkg` and returns that folder.
fn yew_floor(sh: &Shell) -> Result<PathBuf, String> {
    let target = sh.target_dir().join("yew-floor");
    let pkg = target.join("pkg");
    sh.run(
        dist::wasm_pack_build(
            sh,
            "tests/bench/yew-floor",
            &pkg,
            "yew_floor",
            &["--no-pack", "--", "--locked"],
        )
        .env("CARGO_TARGET_DIR", &target),
    )?;
    Ok(pkg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().copied())
    }

    #[test]
    fn rounds_default_to_seven_and_take_a_positive_number() {
        assert_eq!(parse(&[]), Ok(Options { rounds: 7 }));
        assert_eq!(parse(&["--rounds", "3"]), Ok(Options { rounds: 3 }));
        assert_eq!(parse(&["--rounds=12"]), Ok(Options { rounds: 12 }));
        assert!(parse(&["--rounds"]).is_err());
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--rounds", "many"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
