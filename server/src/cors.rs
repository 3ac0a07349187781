//! Cross-origin access to the receipt API. By default there is none: no CORS header is ever sent,
//! so only pages on the server's own origin can read its answers, and a receipt posted by a page
//! of any other origin is refused. Each `--cors-origin` lets pages on exactly that origin post
//! receipts and read them back.

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

    /// Whether a request with `headers` may post a receipt: it names no `Origin` (curl, another
    /// server), or a page of the server's own origin sent it, or a page of an allowed origin.
    ///
    /// A page of any origin can post a `text/plain` body without a preflight, so the answer
    /// withheld by CORS alone would not stop it from storing receipts in a visitor's name.
    pub fn may_post(&self, headers: &HeaderMap) -> bool {
        match headers.get(header::ORIGIN) {
            None => true,
            Some(origin) => {
                is_same_origin(origin, headers.get(header::HOST)) || self.allowed(headers).is_some()
            }
        }
    }
}

/// Whether `origin` (`http[s]://host[:port]`, as browsers send it) names the `host[:port]` the
/// request was sent to. An opaque origin (`null`) is never the server's own.
pub(crate) fn is_same_origin(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(HeaderValue::to_str)) else {
        return false;
    };
    let (authority, default_port) = if let Some(rest) = origin.strip_prefix("http://") {
        (rest, ":80")
    } else if let Some(rest) = origin.strip_prefix("https://") {
        (rest, ":443")
    } else {
        return false;
    };
    // Browsers leave the scheme's default port out of `Origin`; a client may still name it in
    // `Host`.
    let host = host.strip_suffix(default_port).unwrap_or(host);
    !authority.is_empty() && authority.eq_ignore_ascii_case(host)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&'static str>, host: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        if let Some(host) = host {
            headers.insert(header::HOST, HeaderValue::from_static(host));
        }
        headers
    }

    #[test]
    fn a_page_of_the_servers_own_origin_may_post() {
        let cors = Cors::default();
        for (origin, host) in [
            ("http://127.0.0.1:8080", "127.0.0.1:8080"),
            (
                "http://www.shop.example.co.uk:8080",
                "www.shop.example.co.uk:8080",
            ),
            ("https://demo.example", "demo.example"),
            ("https://demo.example", "demo.example:443"),
            ("http://demo.example", "Demo.Example:80"),
            ("http://[::1]:8080", "[::1]:8080"),
        ] {
            assert!(
                cors.may_post(&headers(Some(origin), Some(host))),
                "{origin} {host}"
            );
        }
    }

    #[test]
    fn a_page_of_another_origin_may_not_post_unless_it_is_allowed() {
        let cors = Cors::default();
        for (origin, host) in [
            ("https://evil.example", Some("demo.example")),
            ("null", Some("demo.example")),
            ("http://127.0.0.1:8081", Some("127.0.0.1:8080")),
            ("http://demo.example", Some("demo.example:443")),
            ("https://demo.example", Some("demo.example:80")),
            ("https://demo.example.evil.example", Some("demo.example")),
            ("file://", Some("demo.example")),
            ("https://", Some("")),
            ("https://demo.example", None),
        ] {
            assert!(
                !cors.may_post(&headers(Some(origin), host)),
                "{origin} {host:?}"
            );
        }
        let allowed = Cors::new(vec!["https://shop.example".to_owned()]);
        assert!(allowed.may_post(&headers(Some("https://shop.example"), Some("demo.example"))));
        assert!(!allowed.may_post(&headers(Some("http://shop.example"), Some("demo.example"))));
    }

    #[test]
    fn a_request_without_an_origin_may_post() {
        assert!(Cors::default().may_post(&headers(None, Some("demo.example"))));
        assert!(Cors::default().may_post(&headers(None, None)));
    }
}
