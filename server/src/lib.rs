//! The CanEnrich Consent demo server: serves the widget's built files at `/consent/`, the demo
//! site, a demo sign-in that relies only on a necessary session cookie, and a consent-receipt
//! API backed by SQLite, or PostgreSQL when several instances share one database.
//!
//! Build the router with [`router`] over an [`AppState`]; [`serve::serve`] runs it with the
//! connection limits; `main.rs` only parses the command line, binds and serves.
#![warn(missing_docs)]

pub mod api;
pub mod cli;
pub mod cors;
pub mod files;
pub mod html;
pub mod limit;
pub mod proxy;
pub mod receipt;
pub mod retention;
pub mod serve;
pub mod session;
pub mod site;
pub mod store;
pub mod token;
pub mod trace;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::cors::Cors;
use crate::files::Dir;
use crate::limit::RateLimiter;
use crate::proxy::TrustedProxies;
use crate::session::Sessions;
use crate::store::{Store, StoreError};

/// Sign-in attempts a client may make in a burst, and then one per [`LOGIN_INTERVAL`].
pub const LOGIN_BURST: f64 = 10.0;
/// How often a client that used its burst may try to sign in again.
pub const LOGIN_INTERVAL: Duration = Duration::from_secs(6);

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The widget's built files, served at `/consent/`.
    pub dist: Dir,
    /// The demo site's pages.
    pub www: Dir,
    /// Where the playground's `index.html` and `www/playground/` are.
    pub playground: PathBuf,
    /// Consent receipts.
    pub store: Store,
    /// Signed-in sessions.
    pub sessions: Sessions,
    /// Per-client limit on posting receipts; `None` when turned off.
    pub limiter: Option<RateLimiter>,
    /// Per-client limit on sign-in attempts.
    pub login_limiter: RateLimiter,
    /// Origins allowed to call the receipt API from another origin.
    pub cors: Cors,
    /// Proxies whose forwarding headers name the client.
    pub proxies: TrustedProxies,
    /// The bearer token of the export; `None`: no export.
    pub admin_token: Option<String>,
    /// The request and body timeouts.
    pub limits: cli::Limits,
}

/// The state as handlers receive it.
pub type Shared = Arc<AppState>;

impl AppState {
    /// Opens the receipt database and sets up empty sessions, the rate limits and CORS.
    pub async fn open(options: &cli::Options) -> Result<Self, StoreError> {
        Ok(Self {
            dist: Dir::new(options.dist.clone(), false),
            www: Dir::new(options.www.clone(), true),
            playground: options.playground.clone(),
            store: Store::open(&options.database).await?,
            sessions: Sessions::default(),
            limiter: RateLimiter::per_second(options.rate_limit),
            login_limiter: RateLimiter::new(1.0 / LOGIN_INTERVAL.as_secs_f64(), LOGIN_BURST),
            cors: Cors::new(options.cors_origins.clone()),
            proxies: options.trusted_proxies.clone(),
            admin_token: options.admin_token.clone(),
            limits: options.limits,
        })
    }
}

/// Longest request target (path and query) answered, in bytes; a longer one is a 414.
pub const MAX_TARGET: usize = 8 * 1024;

/// Whether `path` is under `/api`, where every answer is JSON.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A request the server took too long to answer (`--request-timeout`) is a 408 like any other
/// answer under `/api`: JSON that says what happened, not the timeout layer's empty body.
async fn json_timeouts_under_api(request: Request, next: Next) -> Response {
    let under_api = is_api(request.uri().path());
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/json"));
    if under_api && response.status() == StatusCode::REQUEST_TIMEOUT && !is_json {
        return api::error(StatusCode::REQUEST_TIMEOUT, "request: not answered in time");
    }
    response
}

/// Middleware: headers over [`serve::MAX_HEAD`] bytes are a 431, a request target over
/// [`MAX_TARGET`] a 414, and a path with an overlong
/// segment or a control character a 404, before any handler sees it (JSON under `/api`, like
/// every answer there).
async fn refuse_unservable_paths(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let under_api = is_api(path);
    let target_length = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let head_size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    // hyper refuses a head over its buffer only when it arrives in several reads.
    if head_size > serve::MAX_HEAD {
        return if under_api {
            api::error(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers: too large",
            )
        } else {
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers too large\n",
            )
                .into_response()
        };
    }
    if target_length > MAX_TARGET {
        return if under_api {
            api::error(StatusCode::URI_TOO_LONG, "path: the URL is too long")
        } else {
            (StatusCode::URI_TOO_LONG, "URL too long\n").into_response()
        };
    }
    if files::is_unservable_path(path) {
        return if under_api {
            api::error(StatusCode::NOT_FOUND, "path: no such API endpoint")
        } else {
            files::not_found()
        };
    }
    next.run(request).await
}

/// All routes of the demo server.
pub fn router(state: Shared) -> Router {
    // Every answer under /api is JSON: a method a path does not take is a 405 (axum adds
    // `Allow`), and any other path, a trailing slash included, is a 404. The site's own
    // fallback must not answer these, and a Router can hold only one fallback.
    let receipts = Router::new()
        .route(
            "/api/consent",
            post(api::create)
                .route_layer(from_fn_with_state(state.clone(), limit::enforce))
                .options(cors::preflight)
                .fallback(api::method_not_allowed),
        )
        .route(
            "/api/consent/stats",
            get(api::stats).fallback(api::method_not_allowed),
        )
        .route(
            "/api/consent/export",
            get(api::export).fallback(api::method_not_allowed),
        )
        .route(
            "/api/consent/{id}",
            get(api::get).fallback(api::method_not_allowed),
        )
        .route("/api", any(api::not_found))
        .route("/api/", any(api::not_found))
        .route("/api/{*path}", any(api::not_found))
        .layer(from_fn_with_state(state.clone(), cors::allow_origin));
    let limits = state.limits;
    Router::new()
        .route("/", get(site::home))
        .route("/strict", get(site::strict))
        .route("/login", get(site::login_form).post(site::login))
        .route("/account", get(site::account))
        .route("/logout", post(site::logout))
        .route("/consent/{*path}", get(site::widget_file))
        .route("/playground", get(site::playground))
        .route("/playground/", get(site::playground))
        .route("/playground/{*path}", get(site::playground))
        .merge(receipts)
        .route("/healthz", get(|| async { "ok" }))
        .fallback(site::site_file)
        .layer(from_fn(refuse_unservable_paths))
        .layer(from_fn_with_state(state.clone(), proxy::identify))
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        // Outside the timeout, so that its 408 too is JSON under /api and carries the headers.
        .layer(from_fn(json_timeouts_under_api))
        .layer(axum::middleware::map_response(html::add_security_headers))
        .layer(trace::layer())
        .with_state(state)
}
