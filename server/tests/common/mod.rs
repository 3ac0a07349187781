//! Shared set-up for the in-process tests: a router over the real demo site, a scratch dist
//! directory and an empty receipt database: in-memory SQLite, or, for [`Db::Postgres`], a fresh
//! schema of its own in the PostgreSQL database `DATABASE_URL` names (so tests running in
//! parallel never see each other's receipts), dropped again when the app is.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Once, OnceLock};

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use canenrich_server::cli::{Database, Options};
use canenrich_server::{router, AppState, Shared};
use tower::ServiceExt;

/// A running app: its router and the state behind it, to inspect the store.
pub struct App {
    pub router: Router,
    pub state: Shared,
    /// The PostgreSQL schema this app owns, dropped with it.
    schema: Option<Schema>,
}

/// A fresh app over the repository's `www/site`, a scratch dist with a few widget files, and an
/// empty in-memory database.
pub async fn app() -> App {
    app_with(|_| {}).await
}

/// Which store a test runs against.
#[derive(Debug, Clone)]
pub enum Db {
    /// In-memory SQLite.
    Sqlite,
    /// A fresh schema in the PostgreSQL database at this URL.
    Postgres(String),
}

impl Db {
    /// PostgreSQL at `DATABASE_URL`, or `None` (with a notice on stderr, once per test binary)
    /// when it is not set.
    pub fn postgres() -> Option<Self> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Self::Postgres(url)),
            _ => {
                static NOTICE: Once = Once::new();
                NOTICE.call_once(|| {
                    // Straight to stderr: the test harness captures println! of passing tests.
                    let _ = writeln!(
                        std::io::stderr(),
                        "note: DATABASE_URL is not set, so the postgres:: receipt tests pass without running"
                    );
                });
                None
            }
        }
    }

    /// A fresh, empty app on this store.
    pub async fn app(&self) -> App {
        self.app_with(|_| {}).await
    }

    /// A fresh, empty app on this store, with `adjust` applied to the options.
    pub async fn app_with(&self, adjust: impl FnOnce(&mut Options)) -> App {
        match self {
            Self::Sqlite => app_with(adjust).await,
            Self::Postgres(url) => {
                let schema = Schema::create(url);
                let url = schema.url();
                let mut app = app_with(|options| {
                    options.database = Database::Postgres(url);
                    adjust(options);
                })
                .await;
                app.schema = Some(schema);
                app
            }
        }
    }
}

/// A PostgreSQL schema made for one app. The sync client must not run on the test's async
/// runtime, so its statements run on a thread of their own.
pub struct Schema {
    base: String,
    name: String,
}

impl Schema {
    /// Creates an empty schema with a name unique to this process and call.
    pub fn create(base: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "canenrich_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        run_sql(
            base,
            format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"),
        );
        Self {
            base: base.to_owned(),
            name,
        }
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `DATABASE_URL` with this schema first on the search path.
    pub fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-c%20search_path%3D{}",
            self.base, self.name
        )
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        run_sql(
            &self.base,
            format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

/// Runs `sql` on a new connection to `url`, on a thread without an async runtime.
pub fn run_sql(url: &str, sql: String) {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|err| panic!("connecting to DATABASE_URL: {err}"));
        client
            .batch_execute(&sql)
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
    })
    .join()
    .expect("the SQL thread");
}

/// Like [`app`], with `adjust` applied to the options first (a rate limit, CORS origins, a
/// database file).
pub async fn app_with(adjust: impl FnOnce(&mut Options)) -> App {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dist = dist();
    let mut options = Options {
        dist,
        www: manifest.join("../www/site"),
        playground: manifest.join(".."),
        database: Database::Sqlite(PathBuf::from(":memory:")),
        ..Options::default()
    };
    adjust(&mut options);
    let state = Arc::new(AppState::open(&options).await.expect("open state"));
    App {
        router: router(state.clone()),
        state,
        schema: None,
    }
}

/// Cargo's per-target scratch directory with a few widget files, written once per test process
/// (so parallel tests never see a half-written file) and reused by every run.
fn dist() -> PathBuf {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let dist = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("canenrich-test-dist");
        std::fs::create_dir_all(&dist).expect("create dist");
        std::fs::write(dist.join("canenrich-consent.js"), "/* loader */").expect("write js");
        std::fs::write(dist.join("canenrich_consent_bg.wasm"), b"\0asm\x01\0\0\0")
            .expect("write wasm");
        std::fs::write(dist.join("config.json"), "{\"revision\":1}").expect("write json");
        std::fs::write(dist.join("widget.css"), ":host{}").expect("write css");
        dist
    })
    .clone()
}

/// A response with its body read into a string.
pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header"))
            .unwrap_or("")
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

impl App {
    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response: Response<Body> = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `GET path`, optionally with a Cookie header.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// `POST path` with a body of the given content type.
    pub async fn post(&self, path: &str, content_type: &str, body: impl Into<Body>) -> Reply {
        let request = Request::post(path)
            .header("content-type", content_type)
            .body(body.into())
            .expect("request");
        self.send(request).await
    }

    /// How many receipts are stored.
    pub async fn stored(&self) -> u64 {
        self.state.store.count().await.expect("count")
    }
}

/// The test machine's clock, in milliseconds since the Unix epoch.
pub fn now_millis() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    u64::try_from(since.as_millis()).expect("milliseconds fit in u64")
}

/// A form token as a browser holds it after loading the sign-in page: the cookie pair to send
/// back and the value of the form's hidden field.
pub struct FormToken {
    pub cookie: String,
    pub token: String,
}

impl App {
    /// Loads `/login` and takes the form token from its cookie and hidden field.
    pub async fn form_token(&self) -> FormToken {
        let page = self.get("/login", None).await;
        let cookie = page
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("csrf_token="))
            .and_then(|v| v.split(';').next())
            .expect("a form-token cookie")
            .to_owned();
        let token = page
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a hidden form-token field")
            .to_owned();
        assert_eq!(cookie, format!("csrf_token={token}"));
        FormToken { cookie, token }
    }

    /// Posts a form to `path` with `cookies` and optional extra headers.
    pub async fn post_form(
        &self,
        path: &str,
        body: &str,
        cookies: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookies);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(body.to_owned())).expect("request"))
            .await
    }

    /// Signs in as `username` the way a browser does: loads the form, posts it with its token.
    /// Returns the answer and the form token used.
    pub async fn login(&self, username: &str) -> (Reply, FormToken) {
        let form = self.form_token().await;
        let reply = self
            .post_form(
                "/login",
                &format!("username={username}&password=pw&csrf={}", form.token),
                &form.cookie,
                &[],
            )
            .await;
        (reply, form)
    }
}

/// The `name=value` pair of the `Set-Cookie` header whose name is `name`.
pub fn set_cookie_pair(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}
