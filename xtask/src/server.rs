//! Starting the demo server for a task (end-to-end tests, the load run) on a free port, and
//! stopping it whatever happens.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::shell::Shell;

/// How long the release server may take to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process killed when dropped, so no server outlives a failed or panicking run.
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // Kill fails only if it has already exited, which is what we want anyway.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the release server on port 0 serving `dist/` and `www/site` with `extra` arguments,
/// echoes its output, and returns it with the port it bound.
pub fn start(sh: &Shell, extra: &[&str]) -> Result<(Running, u16), String> {
    start_with_env(sh, extra, &[])
}

/// [`start`] with environment variables for the server (`extra` may name another `--port`:
/// the last one wins).
pub fn start_with_env(
    sh: &Shell,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Result<(Running, u16), String> {
    let server = sh.target_dir().join("release").join("canenrich-server");
    let mut args = vec!["--port", "0", "--dist", "dist", "--www", "www/site"];
    args.extend_from_slice(extra);
    println!("$ {} {}", server.display(), args.join(" "));
    let mut child = sh
        .cmd(&server)
        .args(&args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("server stdout was not captured")?;
    let running = Running(child);

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
    let port = port_rx.recv_timeout(START_TIMEOUT).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => format!(
            "the server printed no `listening on http://HOST:PORT` within {} s",
            START_TIMEOUT.as_secs()
        ),
        mpsc::RecvTimeoutError::Disconnected => {
            "the server exited before printing `listening on http://HOST:PORT`".to_owned()
        }
    })?;
    Ok((running, port))
}

/// The port in a `listening on http://HOST:PORT` line.
fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("listening on http://")?;
    let address = rest.split_whitespace().next()?.trim_end_matches('/');
    let (_, port) = address.rsplit_once(':')?;
    port.parse().ok()
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
