//! Cross-origin access to the receipt API. By default there is none: no CORS header is ever sent,
//! so only pages on the server's own origin can read its answers. Each `--cors-origin` lets pages
//! on exactly that origin post receipts and read them back.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{api, Shared};

/// How long a browser may cache a successful preflight, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The origins allowed to call the receipt API from another origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// Allows exactly `origins` (serialised origins such as `https://shop.example`).
    pub fn new(origins: Vec<String>) -> Self {
        Self { origins }
    }

    /// The request's `Origin` header, if it names an allowed origin.
    fn allowed(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        self.origins
            .iter()
            .any(|allowed| allowed == text)
            .then(|| origin.clone())
    }
}

/// `OPTIONS /api/consent`: a 204 preflight answer naming the request's origin when it is allowed
/// and the browser asks to `POST`; otherwise a 403 JSON error without any CORS header.
pub async fn preflight(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let asks_for_post = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .is_some_and(|method| method == Method::POST.as_str());
    match state.cors.allowed(&headers) {
        Some(origin) if asks_for_post => (
            StatusCode::NO_CONTENT,
            [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("POST"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("content-type"),
                ),
                (
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static(PREFLIGHT_MAX_AGE),
                ),
                (header::VARY, HeaderValue::from_static("Origin")),
            ],
        )
            .into_response(),
        Some(_) => api::error(
            StatusCode::FORBIDDEN,
            "Access-Control-Request-Method: only POST is allowed",
        ),
        None => api::error(
            StatusCode::FORBIDDEN,
            "Origin: not allowed to call this API from another origin",
        ),
    }
}

/// Middleware for the receipt API's actual (non-preflight) requests: names the request's origin in
/// `Access-Control-Allow-Origin` when it is allowed. Once any origin is allowed, every answer
/// varies by `Origin`.
pub async fn allow_origin(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        // The preflight answer carries its own headers.
        return next.run(request).await;
    }
    let origin = state.cors.allowed(request.headers());
    let mut response = next.run(request).await;
    if state.cors.origins.is_empty() {
        return response;
    }
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("location, retry-after"),
        );
    }
    response
}
