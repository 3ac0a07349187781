//! HTML responses: escaping, `{{placeholder}}` templates, and the security headers (CSP with a
//! per-response nonce) that every page carries.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::token;

/// The placeholder in HTML files that is replaced by the response's CSP nonce.
pub const NONCE_PLACEHOLDER: &str = "{{nonce}}";

/// The policy of ordinary pages; `NONCE` is replaced by the response's nonce. `ads.tracker.test` (a reserved name) is the partner /leaky.html calls for canenrich-scan's tests.
const PAGE_POLICY: &str =
    "default-src 'self'; script-src 'self' 'nonce-NONCE' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: http://ads.tracker.test:*; frame-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'self'";

/// The strict policy of `/strict`: no nonce, so no inline script can ever run there.
pub const STRICT_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
frame-ancestors 'self'";

/// Which Content-Security-Policy an HTML response is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// [`STRICT_POLICY`]; placeholders are left untouched.
    Strict,
    /// The ordinary page policy with a fresh nonce substituted into the page.
    Nonce,
}

/// Escapes text for use in HTML element content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Replaces each `{{key}}` in `template` by its value, in one pass: substituted text is never
/// scanned again, so a value that itself contains `{{…}}` stays literal. Unknown keys are kept.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let found = after.find("}}").and_then(|end| {
            let key = &after[..end];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, value)| (*value, end))
        });
        match found {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Builds an HTML response under `policy`. With [`Policy::Nonce`], `{{nonce}}` in `page` (and
/// in `values`' template) becomes a fresh nonce that the policy allows.
pub fn page(
    status: StatusCode,
    policy: Policy,
    template: &str,
    values: &[(&str, &str)],
) -> Response {
    let (body, csp) = match policy {
        Policy::Strict => (fill(template, values), STRICT_POLICY.to_owned()),
        Policy::Nonce => {
            let nonce = match token::nonce() {
                Ok(nonce) => nonce,
                Err(err) => return internal_error(&err.to_string()),
            };
            let mut all = vec![("nonce", nonce.as_str())];
            all.extend_from_slice(values);
            (fill(template, &all), PAGE_POLICY.replace("NONCE", &nonce))
        }
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    match HeaderValue::from_str(&csp) {
        Ok(value) => {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
        Err(_) => return internal_error("the Content-Security-Policy header is not valid"),
    }
    response
}

/// A plain-text 500 response; logs the cause (escaped, as every log line is).
pub fn internal_error(cause: &str) -> Response {
    tracing::error!("internal error: {}", crate::trace::escape(cause));
    (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response()
}

/// Adds the headers every response carries (`nosniff`, referrer policy, and no framing by other
/// origins: `X-Frame-Options` for browsers that predate CSP's `frame-ancestors`).
pub async fn add_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    response
}
