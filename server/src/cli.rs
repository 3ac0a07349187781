//! Command-line options of the demo server, parsed with `clap`: `--help` lists them all, and each
//! but `--db` has an environment fallback (`CANENRICH_…`, `TRUSTED_PROXIES`, `DATABASE_URL`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::proxy::{Cidr, TrustedProxies};

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
    /// Receipts per second each client may post (`--rate-limit`, default
    /// [`DEFAULT_RATE_LIMIT`]; bursts of twice as many pass; 0 turns the limit off).
    pub rate_limit: u32,
    /// Origins whose pages may call the receipt API across origins (`--cors-origin`, repeatable;
    /// none by default, so only same-origin pages can post receipts or read the answers).
    pub cors_origins: Vec<String>,
    /// Proxies whose `Forwarded` / `X-Forwarded-*` headers are believed (`--trusted-proxy`,
    /// repeatable, or `TRUSTED_PROXIES`); none by default, so those headers are ignored.
    pub trusted_proxies: TrustedProxies,
    /// The bearer token of `GET /api/consent/export` (`--admin-token`); without one the export
    /// does not exist.
    pub admin_token: Option<String>,
    /// Receipts received longer ago than this many days are deleted (`--retention-days`,
    /// default [`DEFAULT_RETENTION_DAYS`], five years; 0 keeps them forever).
    pub retention_days: u32,
    /// Limits on each connection and request.
    pub limits: Limits,
}

/// How long a client may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to send a request's headers, from the connection's first byte or the previous
    /// response (`--header-timeout`, seconds).
    pub header_timeout: Duration,
    /// Time to send a request's body (`--body-timeout`, seconds).
    pub body_timeout: Duration,
    /// Time to answer a request, body included (`--request-timeout`, seconds).
    pub request_timeout: Duration,
    /// Connections served at once; more wait in the kernel's queue (`--max-connections`).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
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

/// How long receipts are kept unless `--retention-days` says otherwise: five years (365 × 5 + 1
/// leap day), a common limitation period for claims a consent record may have to answer.
pub const DEFAULT_RETENTION_DAYS: u32 = 1826;

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
            trusted_proxies: TrustedProxies::default(),
            admin_token: None,
            retention_days: DEFAULT_RETENTION_DAYS,
            limits: Limits::default(),
        }
    }
}

/// The command line could not be understood, or asked for help or the version.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// clap's own answer: `--help` (success), an unknown option, a value that does not parse.
    #[error("{0}")]
    Clap(#[from] clap::Error),
    /// `--database-url` (or `DATABASE_URL`) was not a `postgres://` or `postgresql://` URL.
    #[error("`{0}` must be a postgres:// or postgresql:// URL")]
    BadDatabaseUrl(&'static str),
    /// Both `--db` and `--database-url` were given.
    #[error("give either `--db` (SQLite) or `--database-url` (PostgreSQL), not both")]
    TwoDatabases,
    /// `--admin-token` shorter than [`MIN_ADMIN_TOKEN`] characters.
    #[error("`--admin-token` must be at least {MIN_ADMIN_TOKEN} characters long")]
    WeakAdminToken,
}

impl CliError {
    /// The exit code: 0 for `--help`, 2 for a bad command line.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Clap(err) if !err.use_stderr() => 0,
            _ => 2,
        }
    }
}

/// Shortest accepted `--admin-token`: an export hands out every receipt.
pub const MIN_ADMIN_TOKEN: usize = 16;

/// The command line as clap reads it.
#[derive(Debug, Parser)]
#[command(
    name = "canenrich-server",
    // As before clap: an option given twice takes its last value.
    args_override_self = true,
    about = "CanEnrich Consent demo server: the widget's files, the demo site, and consent receipts in SQLite or PostgreSQL.",
    after_help = "Without --db or --database-url, a non-empty DATABASE_URL selects PostgreSQL; \
the command line wins over it. In DATABASE_URL, sslmode=disable|prefer|require|verify-ca|verify-full \
and sslrootcert=FILE choose TLS as libpq does."
)]
struct Args {
    /// Address to bind
    #[arg(long, env = "CANENRICH_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to bind, 0 for any free port
    #[arg(long, env = "CANENRICH_PORT", default_value_t = 8080)]
    port: u16,
    /// The widget's built files, served at /consent/
    #[arg(long, env = "CANENRICH_DIST", default_value = "dist")]
    dist: PathBuf,
    /// The demo site's pages
    #[arg(long, env = "CANENRICH_WWW", default_value = "www/site")]
    www: PathBuf,
    /// Where index.html and www/playground/ are (the repository root), served at /playground/
    #[arg(long, env = "CANENRICH_PLAYGROUND", default_value = ".")]
    playground: PathBuf,
    /// SQLite file for consent receipts, or :memory: [default: target/demo/consent.db]
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Keep receipts in PostgreSQL (postgres://user:pass@host:port/db?sslmode=require), for several
    /// instances sharing one database
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Receipts per second per client address, bursts of twice as many; 0 is no limit
    #[arg(long, env = "CANENRICH_RATE_LIMIT", value_name = "N", default_value_t = DEFAULT_RATE_LIMIT)]
    rate_limit: u32,
    /// Let pages on ORIGIN (https://shop.example) post and read receipts across origins;
    /// repeatable [default: same origin only]
    #[arg(long, value_name = "ORIGIN", env = "CANENRICH_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    cors_origin: Vec<String>,
    /// A proxy (address or CIDR range, e.g. 10.0.0.0/8) whose Forwarded / X-Forwarded-For /
    /// X-Forwarded-Proto headers are believed; repeatable, or comma-separated in TRUSTED_PROXIES.
    /// The client is the rightmost address not in a trusted range [default: none, headers ignored]
    #[arg(long, value_name = "CIDR", env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxy: Vec<Cidr>,
    /// Bearer token for GET /api/consent/export (at least 16 characters) [default: no export]
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CANENRICH_ADMIN_TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,
    /// Delete receipts received more than N days ago, checked hourly; 0 keeps them forever
    #[arg(long, value_name = "N", env = "CANENRICH_RETENTION_DAYS", default_value_t = DEFAULT_RETENTION_DAYS)]
    retention_days: u32,
    /// Seconds a client may take to send a request's headers
    #[arg(long, value_name = "SECS", env = "CANENRICH_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout: u64,
    /// Seconds a client may take to send a request's body
    #[arg(long, value_name = "SECS", env = "CANENRICH_BODY_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    body_timeout: u64,
    /// Seconds the server may take to answer one request
    #[arg(long, value_name = "SECS", env = "CANENRICH_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
    /// Connections served at once; more wait until one closes
    #[arg(long, value_name = "N", env = "CANENRICH_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
}

fn parse_origin(value: &str) -> Result<String, String> {
    let origin = value.to_ascii_lowercase();
    if is_origin(&origin) {
        Ok(origin)
    } else {
        Err("not an origin such as https://shop.example:8443 (no path, no trailing slash)".into())
    }
}

fn parse_cidr(value: &str) -> Result<Cidr, String> {
    value.trim().parse()
}

impl Options {
    /// Parses the arguments after the program name. `DATABASE_URL` is not consulted (see
    /// [`Options::parse_with_env`]); the other environment fallbacks are.
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
        let args =
            Args::try_parse_from(std::iter::once("canenrich-server".to_owned()).chain(args))?;
        let database = match (args.db, args.database_url) {
            (Some(_), Some(_)) => return Err(CliError::TwoDatabases),
            (Some(path), None) => Database::Sqlite(path),
            (None, Some(url)) => Database::Postgres(postgres_url("--database-url", url)?),
            (None, None) => match database_url.filter(|url| !url.is_empty()) {
                Some(url) => Database::Postgres(postgres_url("DATABASE_URL", url)?),
                None => Options::default().database,
            },
        };
        let admin_token = args.admin_token.filter(|token| !token.is_empty());
        if admin_token
            .as_ref()
            .is_some_and(|token| token.chars().count() < MIN_ADMIN_TOKEN)
        {
            return Err(CliError::WeakAdminToken);
        }
        Ok(Self {
            host: args.host,
            port: args.port,
            dist: args.dist,
            www: args.www,
            playground: args.playground,
            database,
            rate_limit: args.rate_limit,
            cors_origins: args.cors_origin,
            trusted_proxies: TrustedProxies::new(args.trusted_proxy),
            admin_token,
            retention_days: args.retention_days,
            limits: Limits {
                header_timeout: Duration::from_secs(args.header_timeout),
                body_timeout: Duration::from_secs(args.body_timeout),
                request_timeout: Duration::from_secs(args.request_timeout),
                max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            },
        })
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
        assert_eq!(parse(&[]).map(|o| o.rate_limit).ok(), Some(30));
        assert_eq!(
            parse(&["--rate-limit", "0"]).map(|o| o.rate_limit).ok(),
            Some(0)
        );
        assert_eq!(
            parse(&["--rate-limit=5"]).map(|o| o.rate_limit).ok(),
            Some(5)
        );
        let err = parse(&["--rate-limit=-1"]).expect_err("negative");
        assert!(err.to_string().contains("--rate-limit"), "{err}");
        assert!(parse(&["--rate-limit", "-1"]).is_err());
    }

    #[test]
    fn the_playground_is_served_from_the_working_directory_unless_told_otherwise() {
        assert_eq!(
            parse(&[]).map(|o| o.playground).ok(),
            Some(PathBuf::from("."))
        );
        assert_eq!(
            parse(&["--playground", "/srv/canenrich"])
                .map(|o| o.playground)
                .ok(),
            Some(PathBuf::from("/srv/canenrich"))
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
        let sqlite = |path: &str| Some(Database::Sqlite(PathBuf::from(path)));
        assert_eq!(
            parse(&[]).map(|o| o.database).ok(),
            sqlite("target/demo/consent.db")
        );
        assert_eq!(
            parse(&["--db", ":memory:"]).map(|o| o.database).ok(),
            sqlite(":memory:")
        );
        let postgres = Some(Database::Postgres(URL.to_owned()));
        assert_eq!(
            parse(&["--database-url", URL]).map(|o| o.database).ok(),
            postgres
        );
        assert_eq!(with_env(&[], URL).map(|o| o.database).ok(), postgres);
        assert_eq!(
            with_env(&[], "").map(|o| o.database).ok(),
            sqlite("target/demo/consent.db")
        );
    }

    #[test]
    fn the_command_line_wins_over_database_url_in_the_environment() {
        let other = "postgresql://other/consent";
        assert_eq!(
            with_env(&["--db", ":memory:"], URL)
                .map(|o| o.database)
                .ok(),
            Some(Database::Sqlite(PathBuf::from(":memory:")))
        );
        assert_eq!(
            with_env(&["--database-url", other], URL)
                .map(|o| o.database)
                .ok(),
            Some(Database::Postgres(other.to_owned()))
        );
    }

    #[test]
    fn a_database_url_that_is_not_postgres_or_a_second_database_is_refused() {
        assert!(matches!(
            parse(&["--database-url", "mysql://db/consent"]),
            Err(CliError::BadDatabaseUrl("--database-url"))
        ));
        assert!(matches!(
            with_env(&[], "sqlite:consent.db"),
            Err(CliError::BadDatabaseUrl("DATABASE_URL"))
        ));
        assert!(matches!(
            parse(&["--db", "a.db", "--database-url", URL]),
            Err(CliError::TwoDatabases)
        ));
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
            let err = parse(&["--cors-origin", bad]).expect_err(bad);
            assert!(err.to_string().contains("--cors-origin"), "{bad}: {err}");
        }
    }

    #[test]
    fn trusted_proxies_are_repeatable_and_bad_ranges_refused() {
        let options = parse(&[
            "--trusted-proxy",
            "127.0.0.1",
            "--trusted-proxy=10.0.0.0/8,fd00::/8",
        ])
        .expect("valid ranges");
        assert_eq!(options.trusted_proxies.len(), 3);
        assert!(parse(&[]).expect("defaults").trusted_proxies.is_empty());
        for bad in ["10.0.0.0/33", "example.com", "::1/129", "10.0.0.1/"] {
            assert!(parse(&["--trusted-proxy", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn retention_defaults_to_five_years_and_the_admin_token_must_be_long() {
        let defaults = parse(&[]).expect("defaults");
        assert_eq!(defaults.retention_days, 1826);
        assert_eq!(defaults.admin_token, None);
        assert!(matches!(
            parse(&["--admin-token", "short"]),
            Err(CliError::WeakAdminToken)
        ));
        assert_eq!(
            parse(&["--admin-token", "0123456789abcdef"])
                .expect("a long token")
                .admin_token
                .as_deref(),
            Some("0123456789abcdef")
        );
    }

    #[test]
    fn help_lists_every_option_and_exits_successfully() {
        let err = parse(&["--help"]).expect_err("help");
        assert_eq!(err.exit_code(), 0);
        let text = err.to_string();
        for option in [
            "--host",
            "--port",
            "--dist",
            "--www",
            "--db",
            "--database-url",
            "--rate-limit",
            "--cors-origin",
            "--trusted-proxy",
            "--admin-token",
            "--retention-days",
            "--header-timeout",
            "--max-connections",
            "TRUSTED_PROXIES",
        ] {
            assert!(text.contains(option), "{option} missing from:\n{text}");
        }
        assert_eq!(parse(&["--bogus"]).expect_err("unknown").exit_code(), 2);
    }
}
