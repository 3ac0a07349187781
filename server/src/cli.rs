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
    /// The directory holding the playground's `index.html` and `www/playground/` (the
    /// repository root), served at `/playground/` (`--playground`, default `.`).
    pub playground: PathBuf,
    /// Where consent receipts are kept (`--db` or `--database-url`, else `DATABASE_URL`, else
    /// SQLite at `target/demo/consent.db`).
    pub database: Database,
    /// Receipts per second each client address may post (`--rate-limit`, default
    /// [`DEFAULT_RATE_LIMIT`]; bursts of twice as many pass; 0 turns the limit off).
    pub rate_limit: u32,
    /// Origins whose pages may call the receipt API across origins (`--cors-origin`, repeatable;
    /// none by default, so only same-origin pages can post receipts or read the answers).
    pub cors_origins: Vec<String>,
}

/// The receipt database.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (`--db PATH`; `:memory:` keeps it in memory). For a single server.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`--database-url`, or the `DATABASE_URL` environment variable), for
    /// several instances sharing one database.
    Postgres(String),
}

impl std::fmt::Debug for Database {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(_) => f.write_str("Postgres(…)"),
        }
    }
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
            playground: PathBuf::from("."),
            database: Database::Sqlite(PathBuf::from("target/demo/consent.db")),
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
    /// `--database-url` (or `DATABASE_URL`) was not a `postgres://` or `postgresql://` URL.
    #[error("`{0}` must be a postgres:// or postgresql:// URL")]
    BadDatabaseUrl(&'static str),
    /// Both `--db` and `--database-url` were given.
    #[error("give either `--db` (SQLite) or `--database-url` (PostgreSQL), not both")]
    TwoDatabases,
}

/// The help text.
pub const USAGE: &str =
    "usage: canenrich-server [--host HOST] [--port PORT] [--dist DIR] [--www DIR]
                        [--playground DIR]
                        [--db PATH | --database-url URL] [--rate-limit N] [--cors-origin ORIGIN]...

  --host HOST   address to bind (default 127.0.0.1)
  --port PORT   port to bind, 0 for any free port (default 8080)
  --dist DIR    the widget's built files, served at /consent/ (default dist)
  --www DIR     the demo site's pages (default www/site)
  --playground DIR      where index.html and www/playground/ are, served at /playground/
                        (default .)
  --db PATH     SQLite file for consent receipts, or :memory: (default target/demo/consent.db)
  --database-url URL    keep receipts in PostgreSQL (postgres://user:pass@host:port/db), for
                        several instances sharing one database; without --db or this option,
                        the DATABASE_URL environment variable selects PostgreSQL too
  --rate-limit N        receipts per second per client address, bursts of 2N; 0 is no limit
                        (default 30)
  --cors-origin ORIGIN  let pages on ORIGIN (https://shop.example) post and read receipts
                        across origins; repeatable (default: same origin only)";

impl Options {
    /// Parses the arguments after the program name. Accepts `--name value` and `--name=value`.
    /// The environment is not consulted (see [`Options::parse_with_env`]).
    pub fn parse<I>(args: I) -> Result<Self, CliError>
    where
        I: IntoIterator<Item = String>,
    {
        Self::parse_with_env(args, None)
    }

    /// Like [`Options::parse`], with the value of `DATABASE_URL`: a non-empty one selects
    /// PostgreSQL unless the command line names a database (the command line wins).
    pub fn parse_with_env<I>(args: I, database_url: Option<String>) -> Result<Self, CliError>
    where
        I: IntoIterator<Item = String>,
    {
        let mut options = Self::default();
        let mut sqlite = None;
        let mut postgres = None;
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
                    | "--playground"
                    | "--db"
                    | "--database-url"
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
                "--playground" => options.playground = PathBuf::from(value),
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
                "--database-url" => postgres = Some(postgres_url("--database-url", value)?),
                _ => sqlite = Some(PathBuf::from(value)),
            }
        }
        options.database = match (sqlite, postgres) {
            (Some(_), Some(_)) => return Err(CliError::TwoDatabases),
            (Some(path), None) => Database::Sqlite(path),
            (None, Some(url)) => Database::Postgres(url),
            (None, None) => match database_url.filter(|url| !url.is_empty()) {
                Some(url) => Database::Postgres(postgres_url("DATABASE_URL", url)?),
                None => options.database,
            },
        };
        Ok(options)
    }
}

/// `url` if it names PostgreSQL; `source` names where it came from in the error.
fn postgres_url(source: &'static str, url: String) -> Result<String, CliError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(url)
    } else {
        Err(CliError::BadDatabaseUrl(source))
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
    fn the_playground_is_served_from_the_working_directory_unless_told_otherwise() {
        assert_eq!(parse(&[]).map(|o| o.playground), Ok(PathBuf::from(".")));
        assert_eq!(
            parse(&["--playground", "/srv/canenrich"]).map(|o| o.playground),
            Ok(PathBuf::from("/srv/canenrich"))
        );
    }

    fn with_env(args: &[&str], database_url: &str) -> Result<Options, CliError> {
        Options::parse_with_env(
            args.iter().map(|arg| (*arg).to_owned()),
            Some(database_url.to_owned()),
        )
    }

    const URL: &str = "postgres://canenrich:secret@db.internal:5432/consent";

    #[test]
    fn receipts_go_to_sqlite_unless_postgres_is_asked_for() {
        let sqlite = |path: &str| Ok(Database::Sqlite(PathBuf::from(path)));
        assert_eq!(
            parse(&[]).map(|o| o.database),
            sqlite("target/demo/consent.db")
        );
        assert_eq!(
            parse(&["--db", ":memory:"]).map(|o| o.database),
            sqlite(":memory:")
        );
        let postgres = Ok(Database::Postgres(URL.to_owned()));
        assert_eq!(
            parse(&["--database-url", URL]).map(|o| o.database),
            postgres
        );
        assert_eq!(with_env(&[], URL).map(|o| o.database), postgres);
        assert_eq!(
            with_env(&[], "").map(|o| o.database),
            sqlite("target/demo/consent.db")
        );
    }

    #[test]
    fn the_command_line_wins_over_database_url_in_the_environment() {
        let other = "postgresql://other/consent";
        assert_eq!(
            with_env(&["--db", ":memory:"], URL).map(|o| o.database),
            Ok(Database::Sqlite(PathBuf::from(":memory:")))
        );
        assert_eq!(
            with_env(&["--database-url", other], URL).map(|o| o.database),
            Ok(Database::Postgres(other.to_owned()))
        );
    }

    #[test]
    fn a_database_url_that_is_not_postgres_or_a_second_database_is_refused() {
        assert_eq!(
            parse(&["--database-url", "mysql://db/consent"]),
            Err(CliError::BadDatabaseUrl("--database-url"))
        );
        assert_eq!(
            with_env(&[], "sqlite:consent.db"),
            Err(CliError::BadDatabaseUrl("DATABASE_URL"))
        );
        assert_eq!(
            parse(&["--db", "a.db", "--database-url", URL]),
            Err(CliError::TwoDatabases)
        );
    }

    #[test]
    fn the_database_url_is_never_printed() {
        let options = parse(&["--database-url", URL]).expect("options");
        assert!(!format!("{options:?}").contains("secret"));
        let error = with_env(&[], "mysql://root:secret@db/consent").expect_err("refused");
        assert!(!error.to_string().contains("secret"));
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
