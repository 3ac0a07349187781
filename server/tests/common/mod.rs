//! Shared set-up for the in-process tests: a router over the real demo site, a scratch dist
//! directory and an in-memory receipt database.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use canenrich_server::cli::Options;
use canenrich_server::{router, AppState, Shared};
use tower::ServiceExt;

/// A running app: its router and the state behind it, to inspect the store.
pub struct App {
    pub router: Router,
    pub state: Shared,
}

/// A fresh app over the repository's `www/site`, a scratch dist with a few widget files, and an
/// empty in-memory database.
pub fn app() -> App {
    app_with(|_| {})
}

/// Like [`app`], with `adjust` applied to the options first (a rate limit, CORS origins, a
/// database file).
pub fn app_with(adjust: impl FnOnce(&mut Options)) -> App {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dist = dist();
    let mut options = Options {
        dist,
        www: manifest.join("../www/site"),
        db: PathBuf::from(":memory:"),
        ..Options::default()
    };
    adjust(&mut options);
    let state = Arc::new(AppState::open(&options).expect("open state"));
    App {
        router: router(state.clone()),
        state,
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
    pub fn stored(&self) -> u64 {
        self.state.store.count().expect("count")
    }
}
