//! The CanEnrich Consent demo server: serves the widget's built files at `/consent/`, the demo
//! site, a demo sign-in that relies only on a necessary session cookie, and a consent-receipt
//! API backed by SQLite.
//!
//! Build the router with [`router`] over an [`AppState`]; `main.rs` only parses the command line,
//! binds and serves.
#![warn(missing_docs)]

pub mod api;
pub mod cli;
pub mod files;
pub mod html;
pub mod receipt;
pub mod session;
pub mod site;
pub mod store;
pub mod token;

use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::session::Sessions;
use crate::store::{Store, StoreError};

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The widget's built files, served at `/consent/`.
    pub dist: PathBuf,
    /// The demo site's pages.
    pub www: PathBuf,
    /// Consent receipts.
    pub store: Store,
    /// Signed-in sessions.
    pub sessions: Sessions,
}

/// The state as handlers receive it.
pub type Shared = Arc<AppState>;

impl AppState {
    /// Opens the receipt database and sets up empty sessions.
    pub fn open(options: &cli::Options) -> Result<Self, StoreError> {
        Ok(Self {
            dist: options.dist.clone(),
            www: options.www.clone(),
            store: Store::open(&options.db)?,
            sessions: Sessions::default(),
        })
    }
}

/// All routes of the demo server.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(site::home))
        .route("/strict", get(site::strict))
        .route("/login", get(site::login_form).post(site::login))
        .route("/account", get(site::account))
        .route("/logout", post(site::logout))
        .route("/consent/{*path}", get(site::widget_file))
        .route("/api/consent", post(api::create))
        .route("/api/consent/{id}", get(api::get))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(site::site_file)
        .layer(axum::middleware::map_response(html::add_security_headers))
        .with_state(state)
}
