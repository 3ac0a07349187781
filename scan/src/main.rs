//! `canenrich-scan URL [options]`: see `canenrich_scan::cli::USAGE`. Exit status 0 when clean,
//! 1 when `--fail-on` finds something, 2 when the scan could not run.

use std::process::ExitCode;

use canenrich_scan::cli::{self, Command, USAGE};
use canenrich_scan::{report, scan};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args, std::env::var("CANENRICH_CHROMIUM").ok()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("canenrich-scan: {message} (see --help)\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = match command {
        Command::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::PrintSchema => {
            print!("{}", report::schema_json());
            return ExitCode::SUCCESS;
        }
        Command::Scan(options) => options,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("canenrich-scan: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(scan::run(&options)) {
        Ok(report) => {
            print!("{}", report::markdown(&report));
            if report.failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("canenrich-scan: {error}");
            ExitCode::from(2)
        }
    }
}
