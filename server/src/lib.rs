//! The CanEnrich Consent demo server: serves the widget's built files at `/consent/`, the demo
//! site, a demo sign-in that relies only on a necessary session cookie, and a consent-receipt
//! API backed by SQLite, or PostgreSQL when several instances share one database.
//!
//! Build the router with [`router`] over an [`AppState`]; `main.rs` only parses the command line,
//! binds and serves.
#![warn(missing_docs)]

pub mod api;
pub mod cli;
pub mod cors;
pub mod files;
pub mod html;
pub mod limit;
pub mod receipt;
pub mod session;
pub mod site;
pub mod store;
pub mod token;

use std::path::PathBuf;
use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post};
use axum::Router;

use crate::cors::Cors;
use crate::limit::RateLimiter;
use crate::session::Sessions;
use crate::store::{Store, StoreError};

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The widget's built files, served at `/consent/`.
    pub dist: PathBuf,
    /// The demo site's pages.
    pub www: PathBuf,
    /// Where the playground's `index.html` and `www/playground/` are.
    pub playground: PathBuf,
    /// Consent receipts.
    pub store: Store,
    /// Signed-in sessions.
    pub sessions: Sessions,
    /// Per-address limit on posting receipts; `None` when turned off.
    pub limiter: Option<RateLimiter>,
    /// Origins allowed to call the receipt API from another origin.
    pub cors: Cors,
}

/// The state as handlers receive it.
pub type Shared = Arc<AppState>;

impl AppState {
    /// Opens the receipt database and sets up empty sessions, the rate limit and CORS.
    pub fn open(options: &cli::Options) -> Result<Self, StoreError> {
        Ok(Self {
            dist: options.dist.clone(),
            www: options.www.clone(),
            playground: options.playground.clone(),
            store: store::open(&options.database)?,
            sessions: Sessions::default(),
            limiter: RateLimiter::per_second(options.rate_limit),
            cors: Cors::new(options.cors_origins.clone()),
        })
    }
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
            "/api/consent/{id}",
            get(api::get).fallback(api::method_not_allowed),
        )
        .route("/api", any(api::not_found))
        .route("/api/", any(api::not_found))
        .route("/api/{*path}", any(api::not_found))
        .layer(from_fn_with_state(state.clone(), cors::allow_origin));
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
        .layer(axum::middleware::map_response(html::add_security_headers))
        .with_state(state)
}
