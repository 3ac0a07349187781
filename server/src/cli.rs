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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 8080,
            dist: PathBuf::from("dist"),
            www: PathBuf::from("www/site"),
            db: PathBuf::from("target/demo/consent.db"),
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
}

/// The help text.
pub const USAGE: &str =
    "usage: canenrich-server [--host HOST] [--port PORT] [--dist DIR] [--www DIR] [--db PATH]

  --host HOST   address to bind (default 127.0.0.1)
  --port PORT   port to bind, 0 for any free port (default 8080)
  --dist DIR    the widget's built files, served at /consent/ (default dist)
  --www DIR     the demo site's pages (default www/site)
  --db PATH     SQLite file for consent receipts, or :memory: (default target/demo/consent.db)";

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
                "--host" | "--port" | "--dist" | "--www" | "--db"
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
                _ => options.db = PathBuf::from(value),
            }
        }
        Ok(options)
    }
}
