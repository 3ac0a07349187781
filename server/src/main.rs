//! `canenrich-server`: parses the command line (and `DATABASE_URL`), opens the receipt database,
//! binds, prints `listening on http://HOST:PORT` and serves until Ctrl-C or SIGTERM. Request
//! log lines go to stderr (`CANENRICH_LOG`: off, error, warn, info, debug).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use canenrich_server::cli::Options;
use canenrich_server::{retention, router, serve, trace, AppState};

#[tokio::main]
async fn main() -> ExitCode {
    let database_url = std::env::var("DATABASE_URL").ok();
    let options = match Options::parse_with_env(std::env::args().skip(1), database_url) {
        Ok(options) => options,
        Err(err) => {
            let code = err.exit_code();
            if code == 0 {
                print!("{err}");
            } else {
                eprintln!("canenrich-server: {err}");
            }
            return ExitCode::from(code);
        }
    };
    trace::init(std::env::var("CANENRICH_LOG").ok().as_deref());
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("canenrich-server: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let state = AppState::open(&options).await?;
    let listener = tokio::net::TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|err| format!("binding {}:{}: {err}", options.host, options.port))?;
    let address = listener.local_addr()?;
    {
        // Test harnesses wait for this exact line, so it must leave the buffer now.
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{address}")?;
        stdout.flush()?;
    }
    let sweeper = retention::spawn(state.store.clone(), options.retention_days);
    serve::serve(
        listener,
        router(Arc::new(state)),
        options.limits,
        shutdown_signal(),
    )
    .await?;
    if let Some(sweeper) = sweeper {
        sweeper.abort();
    }
    Ok(())
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            eprintln!("canenrich-server: cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                eprintln!("canenrich-server: cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
