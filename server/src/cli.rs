//! Command-line options of the demo server, parsed by hand to keep the dependency list short.

use std::path::PathBuf;

/// Where the server listens and what it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Host name or IP address to bind (`--host`, default `127.0.0.1`).
    pub host: String,
    /// TCP port (`--port`, default 8080; 0 picks a free port).
    pub port: u16,
    /// The widget's built `dist/` directory, served at `/consent/` (`--dist`, default `dist`).
    pub dist: PathBuf,
    /// The demo site's pages (`--www`, default `www/site`).
    pub www: PathBuf,
    /// The SQLite database for consent receipts (`--db`, default `target/demo/consent.db`;
    /// `:memory:` keeps it in memory).
    pub db: PathBuf,
    /// Receipts per second each client address may post (`--rate-limit`, default
    /// [`DEFAULT_RATE_LIMIT`]; bursts of twice as many pass; 0 turns the limit off).
    pub rate_limit: u32,
    /// Origins whose pages may call the receipt API across origins (`--cors-origin`, repeatable;
    /// none by default, so only same-origin pages can read the answers).
    pub cors_origins: Vec<String>,
}

/// Receipts per second a client address may post unless `--rate-limit` says otherwise.
pub const DEFAULT_RATE_LIMIT: u32 = 30;

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 8080,
            dist: PathBuf::from("dist"),
            www: PathBuf::from("www/site"),
            db: PathBuf::from("target/demo/consent.db"),
            rate_limit: DEFAULT_RATE_LIMIT,
            cors_origins: Vec::new(),
        }
    }
}

/// The command line asked for help, or could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CliError {
    /// `--help` or `-h`: print [`USAGE`] and exit successfully.
    #[error("{USAGE}")]
    Help,
    /// An option this server does not know.
    #[error("unknown option `{0}`\n\n{USAGE}")]
    Unknown(String),
    /// An option given without its value.
    #[error("option `{0}` needs a value\n\n{USAGE}")]
    MissingValue(String),
    /// `--port` was not a number from 0 to 65535.
    #[error("`--port {0}` is not a port number (0-65535)")]
    BadPort(String),
    /// `--rate-limit` was not a whole number of requests per second.
    #[error("`--rate-limit {0}` is not a number of requests per second (0 turns it off)")]
    BadRateLimit(String),
    /// `--cors-origin` was not an origin such as `https://shop.example` (no path, no slash).
    #[error("`--cors-origin {0}` is not an origin such as https://shop.example:8443")]
    BadOrigin(String),
}

/// The help text.
pub const USAGE: &str =
    "usage: canenrich-server [--host HOST] [--port PORT] [--dist DIR] [--www DIR] [--db PATH]
                        [--rate-limit N] [--cors-origin ORIGIN]...

  --host HOST   address to bind (default 127.0.0.1)
  --port PORT   port to bind, 0 for any free port (default 8080)
  --dist DIR    the widget's built files, served at /consent/ (default dist)
  --www DIR     the demo site's pages (default www/site)
  --db PATH     SQLite file for consent receipts, or :memory: (default target/demo/consent.db)
  --rate-limit N        receipts per second per client address, bursts of 2N; 0 is no limit
                        (default 30)
  --cors-origin ORIGIN  let pages on ORIGIN (https://shop.example) post and read receipts
                        across origins; repeatable (default: same origin only)";

impl Options {
    /// Parses the arguments after the program name. Accepts `--name value` and `--name=value`.
    pub fn parse<I>(args: I) -> Result<Self, CliError>
    where
        I: IntoIterator<Item = String>,
    {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Err(CliError::Help);
            }
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            if !matches!(
                name.as_str(),
                "--host"
                    | "--port"
                    | "--dist"
                    | "--www"
                    | "--db"
                    | "--rate-limit"
                    | "--cors-origin"
            ) {
                return Err(CliError::Unknown(arg));
            }
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| CliError::MissingValue(name.clone()))?,
            };
            match name.as_str() {
                "--host" => options.host = value,
                "--port" => {
                    options.port = value.parse().map_err(|_| CliError::BadPort(value))?;
                }
                "--dist" => options.dist = PathBuf::from(value),
                "--www" => options.www = PathBuf::from(value),
                "--rate-limit" => {
                    options.rate_limit =
                        value.parse().map_err(|_| CliError::BadRateLimit(value))?;
                }
                "--cors-origin" => {
                    let origin = value.to_ascii_lowercase();
                    if !is_origin(&origin) {
                        return Err(CliError::BadOrigin(value));
                    }
                    options.cors_origins.push(origin);
                }
                _ => options.db = PathBuf::from(value),
            }
        }
        Ok(options)
    }
}

/// Whether `text` is a serialised web origin as browsers send it in `Origin`:
/// `http(s)://host[:port]` in lower case, with no path, query, credentials or trailing slash.
pub fn is_origin(text: &str) -> bool {
    let Some(authority) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host_ok, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]` or `[::1]:8080`.
        Some(rest) => match rest.split_once(']') {
            Some((inside, after)) => (
                !inside.is_empty()
                    && inside
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.')),
                after,
            ),
            None => (false, ""),
        },
        None => {
            let end = authority.find(':').unwrap_or(authority.len());
            let (host, port) = authority.split_at(end);
            (
                !host.is_empty()
                    && host
                        .bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.')),
                port,
            )
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse::<u16>().is_ok()
        });
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, CliError> {
        Options::parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn the_rate_limit_defaults_to_thirty_a_second_and_zero_turns_it_off() {
        assert_eq!(parse(&[]).map(|o| o.rate_limit), Ok(30));
        assert_eq!(parse(&["--rate-limit", "0"]).map(|o| o.rate_limit), Ok(0));
        assert_eq!(parse(&["--rate-limit=5"]).map(|o| o.rate_limit), Ok(5));
        assert_eq!(
            parse(&["--rate-limit", "-1"]),
            Err(CliError::BadRateLimit("-1".to_owned()))
        );
    }

    #[test]
    fn cors_origins_are_repeatable_and_lower_cased() {
        let options = parse(&[
            "--cors-origin",
            "https://Shop.Example",
            "--cors-origin=http://localhost:3000",
            "--cors-origin",
            "http://[::1]:8080",
        ])
        .expect("valid origins");
        assert_eq!(
            options.cors_origins,
            [
                "https://shop.example",
                "http://localhost:3000",
                "http://[::1]:8080"
            ]
        );
        assert!(parse(&[]).expect("defaults").cors_origins.is_empty());
    }

    #[test]
    fn a_cors_origin_with_a_path_wildcard_or_other_scheme_is_refused() {
        for bad in [
            "*",
            "null",
            "shop.example",
            "https://shop.example/",
            "https://shop.example/path",
            "https://user@shop.example",
            "ftp://shop.example",
            "https://shop.example:99999",
            "https://shop.example:",
            "https://",
            "https://[::1",
        ] {
            assert_eq!(
                parse(&["--cors-origin", bad]),
                Err(CliError::BadOrigin(bad.to_owned())),
                "{bad}"
            );
        }
    }
}
