//! Static files from the widget's `dist/` and the demo site's directory: safe path resolution,
//! media types, and caching headers. HTML files go through [`crate::html::page`] so they get a
//! nonce and a Content-Security-Policy like every other page.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::html::{self, Policy};

/// Maps a request path (already stripped of its route prefix, still percent-encoded) to a file
/// under `root`. Refuses anything that could leave `root` or reveal hidden files: `..`, `.`,
/// segments starting with `.` (or `_` when `hide_underscore`, the site's templates), backslashes,
/// NUL bytes and undecodable escapes. A path naming a directory (or ending in `/`) maps to its
/// `index.html`.
pub fn resolve(root: &Path, request_path: &str, hide_underscore: bool) -> Option<PathBuf> {
    let decoded = percent_decode(request_path)?;
    let mut path = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            // A leading slash, a doubled slash or a trailing slash: nothing to add.
            continue;
        }
        let hidden = segment.starts_with('.') || (hide_underscore && segment.starts_with('_'));
        if hidden || segment.contains(['\\', '\0', ':']) {
            return None;
        }
        path.push(segment);
    }
    if decoded.is_empty() || decoded.ends_with('/') || path.is_dir() {
        path.push("index.html");
    }
    Some(path)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = input.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` for a file, judged by its extension.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "txt" | "dat" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "gif" => "image/gif",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Serves one file: 404 if it is missing, an HTML page (with `policy`) for `.html`, otherwise
/// the bytes with their media type and `Cache-Control: no-cache`.
pub async fn serve(path: Option<PathBuf>, policy: Policy) -> Response {
    let Some(path) = path else {
        return not_found();
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(err) if is_missing(&err) => return not_found(),
        Err(err) => return html::internal_error(&format!("reading {}: {err}", path.display())),
    };
    let content_type = content_type(&path);
    if content_type.starts_with("text/html") {
        return match String::from_utf8(bytes) {
            Ok(text) => html::page(StatusCode::OK, policy, &text, &[]),
            Err(_) => html::internal_error(&format!("{} is not UTF-8", path.display())),
        };
    }
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Whether a read failed because there is no such file (or it is a directory).
fn is_missing(err: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        err.kind(),
        ErrorKind::NotFound | ErrorKind::IsADirectory | ErrorKind::NotADirectory
    )
}

/// A plain-text 404.
pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}
