//! Static files from the widget's `dist/` and the demo site's directory: safe path resolution,
//! media types, validators and caching headers. Files other than HTML are served by
//! `tower-http`'s `ServeDir`, which picks the precompressed `.br` / `.gz` next to a file when the
//! browser accepts it, answers ranges and `If-Modified-Since`; [`Dir::serve`] adds a strong
//! `ETag` per encoding (and answers `If-None-Match` with a 304) and `Cache-Control`. HTML files
//! go through [`crate::html::page`] so they get a nonce and a Content-Security-Policy like every
//! other page.
//!
//! A directory is one [`Dir`]; serving another (a playground, say) is one more `Dir` in the
//! state and one route whose handler calls [`Dir::serve`].

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::html::{self, Policy};

/// Longest path segment served, in bytes (what file systems allow in one name).
pub const MAX_SEGMENT: usize = 255;

/// `Cache-Control` of files whose URL changes when they do (`?v=…`, or a content hash in the
/// name): a year, never revalidated.
pub const CACHE_VERSIONED: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the loader, the one URL sites embed and never change: five minutes, so a
/// new release reaches every visitor soon.
pub const CACHE_LOADER: &str = "public, max-age=300";
/// `Cache-Control` of every other file: kept, but revalidated (a cheap 304) before each use, so
/// the glue and WebAssembly always match the loader that asks for them.
pub const CACHE_REVALIDATE: &str = "no-cache";

/// The loader's file name in `dist/`.
pub const LOADER: &str = "canenrich-consent.js";

/// A directory served under a URL prefix.
#[derive(Debug, Clone)]
pub struct Dir {
    root: PathBuf,
    hide_underscore: bool,
}

impl Dir {
    /// Serves `root`; with `hide_underscore`, names starting with `_` (templates) are hidden.
    pub fn new(root: PathBuf, hide_underscore: bool) -> Self {
        Self {
            root,
            hide_underscore,
        }
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Serves the file `relative` (the request path after the prefix, still percent-encoded)
    /// for `request`: HTML under `policy`, anything else through `ServeDir`.
    pub async fn serve(&self, request: Request, relative: &str, policy: Policy) -> Response {
        let Some(path) = resolve(&self.root, relative, self.hide_underscore) else {
            return not_found();
        };
        if content_type(&path).starts_with("text/html") {
            return serve(Some(path), policy).await;
        }
        let (mut parts, body) = request.into_parts();
        let query = parts.uri.query().map(str::to_owned);
        let Ok(uri) = format!("/{}", relative.trim_start_matches('/')).parse::<Uri>() else {
            return not_found();
        };
        parts.uri = uri;
        // If-None-Match decides alone when present (RFC 9110 §13.2.2): ServeDir knows only
        // If-Modified-Since.
        let if_none_match = parts.headers.remove(header::IF_NONE_MATCH);
        if if_none_match.is_some() {
            parts.headers.remove(header::IF_MODIFIED_SINCE);
        }
        let request = Request::from_parts(parts, body);
        let served = ServeDir::new(&self.root)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false)
            .try_call(request)
            .await;
        let response = match served {
            Ok(response) => response.map(Body::new),
            // A name too long for the file system, a loop of links, …: nothing to serve here.
            Err(_) => return not_found(),
        };
        finish(response, &path, query.as_deref(), if_none_match.as_ref()).await
    }
}

/// Adds `ETag`, `Cache-Control`, `Vary` and our media type to a `ServeDir` answer for `path`,
/// and turns it into a 304 when `if_none_match` names its ETag.
async fn finish(
    mut response: Response,
    path: &Path,
    query: Option<&str>,
    if_none_match: Option<&HeaderValue>,
) -> Response {
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        if status == StatusCode::NOT_FOUND {
            return not_found();
        }
        return response;
    }
    let encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let variant = match encoding.as_deref() {
        Some("br") => sibling(path, "br"),
        Some("gzip") => sibling(path, "gz"),
        _ => path.to_path_buf(),
    };
    let etag = tokio::fs::metadata(&variant)
        .await
        .ok()
        .and_then(|meta| etag(&meta, encoding.as_deref()));
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(path, query)),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if status != StatusCode::NOT_MODIFIED {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(path)),
        );
    }
    let Some(etag) = etag else {
        return response;
    };
    if if_none_match.is_some_and(|value| matches_etag(value, &etag)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [
            header::CACHE_CONTROL,
            header::VARY,
            header::LAST_MODIFIED,
            header::CONTENT_ENCODING,
        ] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        not_modified.headers_mut().insert(header::ETAG, etag);
        return not_modified;
    }
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// `path` with `.extension` appended (`a.js` → `a.js.br`).
fn sibling(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// A strong validator from the served variant's size and modification time, and its encoding
/// (each encoding is a different representation).
fn etag(meta: &std::fs::Metadata, encoding: Option<&str>) -> Option<HeaderValue> {
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let suffix = encoding.map_or(String::new(), |e| format!("-{e}"));
    HeaderValue::from_str(&format!(
        "\"{:x}-{:x}{suffix}\"",
        meta.len(),
        modified.as_nanos()
    ))
    .ok()
}

/// Whether an `If-None-Match` value names `etag` (or is `*`); weak comparison, as RFC 9110
/// asks for this header.
fn matches_etag(value: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(value), Ok(etag)) = (value.to_str(), etag.to_str()) else {
        return false;
    };
    value.trim() == "*"
        || value
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag.trim_start_matches("W/"))
}

/// How long a browser may keep `path`: see [`CACHE_VERSIONED`], [`CACHE_LOADER`] and
/// [`CACHE_REVALIDATE`].
pub fn cache_control(path: &Path, query: Option<&str>) -> &'static str {
    let versioned_query = query.is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.starts_with("v=") && pair.len() > 2)
    });
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if versioned_query || has_content_hash(name) {
        CACHE_VERSIONED
    } else if name == LOADER {
        CACHE_LOADER
    } else {
        CACHE_REVALIDATE
    }
}

/// Whether a file name carries a content hash: a dot-separated part of at least 8 hex digits
/// (`widget.3f9a2c1b.js`) or after a dash before the extension (`chunk-3f9a2c1b.js`).
fn has_content_hash(name: &str) -> bool {
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    stem.split(['.', '-'])
        .skip(1)
        .any(|part| part.len() >= 8 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a request path must be a 404 before any routing: a segment (once percent-decoded)
/// longer than [`MAX_SEGMENT`] bytes, or a control character anywhere in it.
pub fn is_unservable_path(raw: &str) -> bool {
    let Some(decoded) = percent_decode_bytes(raw) else {
        return false;
    };
    decoded
        .split(|b| *b == b'/')
        .any(|segment| segment.len() > MAX_SEGMENT)
        || decoded.iter().any(|b| b.is_ascii_control())
}

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
        if hidden
            || segment.len() > MAX_SEGMENT
            || segment.contains(['\\', ':'])
            || segment.chars().any(char::is_control)
        {
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
    String::from_utf8(percent_decode_bytes(input)?).ok()
}

/// Decodes `%XX` escapes into bytes; `None` for a malformed escape.
fn percent_decode_bytes(input: &str) -> Option<Vec<u8>> {
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
    Some(out)
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
        ErrorKind::NotFound
            | ErrorKind::IsADirectory
            | ErrorKind::NotADirectory
            | ErrorKind::InvalidFilename
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
