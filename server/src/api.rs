//! The consent-receipt API: `POST /api/consent`, `GET /api/consent/{id}`,
//! `GET /api/consent/stats` and, with `--admin-token`, `GET /api/consent/export`. Errors are
//! always JSON `{"error": "…"}` naming the field at fault (an unknown path or method under `/api`
//! too), and a refused receipt is never stored. A database that cannot be reached is a 503 with
//! `Retry-After`, so a client knows to send the same receipt again.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use crate::receipt::{is_uuid_v4, Millis, Receipt};
use crate::store::{StoreError, Stored};
use crate::Shared;

/// Largest accepted request body, in bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// A JSON error response.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({ "error": message }).to_string())
}

/// A JSON response that no cache keeps.
fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Whether the body's media type is one a browser uses for a receipt: `application/json`
/// (`fetch`, or `sendBeacon` with a JSON Blob) or `text/plain` (`sendBeacon` with a string).
fn is_accepted_media_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .is_some_and(|essence| essence == "application/json" || essence == "text/plain")
}

/// `POST /api/consent`: validates and stores a receipt; 201 with the stored receipt. A page of
/// another origin than the server's own or an allowed one gets a 403 (see [`Cors::may_post`]).
///
/// [`Cors::may_post`]: crate::cors::Cors::may_post
pub async fn create(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    if !state.cors.may_post(&headers) {
        return error(
            StatusCode::FORBIDDEN,
            "Origin: not allowed to post receipts from another origin",
        );
    }
    if !is_accepted_media_type(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: send application/json or text/plain",
        );
    }
    let too_large = format!("body: larger than {BODY_LIMIT} bytes");
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        return error(StatusCode::PAYLOAD_TOO_LARGE, &too_large);
    }
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let inner = err.into_inner();
            return if caused_by::<http_body_util::LengthLimitError>(&*inner) {
                error(StatusCode::PAYLOAD_TOO_LARGE, &too_large)
            } else if caused_by::<tower_http::timeout::TimeoutError>(&*inner) {
                error(StatusCode::REQUEST_TIMEOUT, "body: not received in time")
            } else {
                error(StatusCode::BAD_REQUEST, "body: could not be read")
            };
        }
    };
    let received_at = now();
    let receipt = match Receipt::parse(&bytes, received_at) {
        Ok(receipt) => receipt,
        Err(err) => return error(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    match state.store.insert(&receipt, received_at).await {
        Ok(()) => {
            let stored = Stored {
                receipt,
                received_at,
            };
            let mut response = match serde_json::to_string(&stored) {
                Ok(body) => json_response(StatusCode::CREATED, body),
                Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
            };
            let location = format!("/api/consent/{}", stored.receipt.id);
            if let Ok(location) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(StoreError::Duplicate) => error(
            StatusCode::CONFLICT,
            "id: a receipt with this id is already stored",
        ),
        Err(err) => store_failed(&err),
    }
}

/// `GET /api/consent/{id}`: the stored receipt, or a 404 JSON error.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    if !is_uuid_v4(&id) {
        return error(StatusCode::BAD_REQUEST, "id: must be a UUID v4");
    }
    let id = id.to_ascii_lowercase();
    match state.store.get(&id).await {
        Ok(Some(stored)) => match serde_json::to_string(&stored) {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(err) => internal(&err.to_string()),
        },
        Ok(None) => error(StatusCode::NOT_FOUND, "id: no receipt with this id"),
        Err(err) => store_failed(&err),
    }
}

/// `GET /api/consent/stats`: `{"count": n}`, how many receipts are stored. Nothing about any
/// one receipt or visitor.
pub async fn stats(State(state): State<Shared>) -> Response {
    match state.store.count().await {
        Ok(count) => json_response(StatusCode::OK, json!({ "count": count }).to_string()),
        Err(err) => store_failed(&err),
    }
}

/// Receipts read from the database per query of an export.
const EXPORT_PAGE: u32 = 500;

/// The query of `GET /api/consent/export`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Only receipts the server received at or after this moment, in milliseconds since the
    /// Unix epoch (default 0: all).
    #[serde(default)]
    pub since: Option<String>,
}

/// `GET /api/consent/export?since=MILLIS`: every stored receipt received since then, oldest
/// first, one JSON object per line (`application/x-ndjson`), each with its `receivedAt`. Needs
/// `Authorization: Bearer <--admin-token>`; without an admin token the endpoint does not exist.
/// The body is streamed page by page, so an export of millions of receipts needs no memory.
pub async fn export(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Response {
    let Some(token) = &state.admin_token else {
        return not_found().await;
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::session::same_token(sent.trim(), token) {
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            "Authorization: send Bearer and the server's admin token",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"canenrich-export\""),
        );
        return response;
    }
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "query: only since=MILLIS is accepted",
        );
    };
    let since = match query.since.as_deref().map(str::parse::<Millis>) {
        None => 0,
        Some(Ok(since)) => since,
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "since: must be milliseconds since 1970-01-01T00:00:00Z",
            )
        }
    };
    // The first page is read before answering, so a database that is down is a 503, not a
    // 200 that breaks off.
    let first = match state.store.page(since, None, EXPORT_PAGE).await {
        Ok(first) => first,
        Err(err) => return store_failed(&err),
    };
    let store = state.store.clone();
    // State: the page to write next, or `Err` once reading the following page failed (the
    // body then breaks off with an error, so the client sees an incomplete transfer).
    let pages = futures_util::stream::unfold(Some(Ok(first)), move |page| {
        let store = store.clone();
        async move {
            let page: Vec<Stored> = match page? {
                Ok(page) if page.is_empty() => return None,
                Ok(page) => page,
                Err(()) => return Some((Err(std::io::Error::other("export failed")), None)),
            };
            let mut lines = Vec::new();
            for stored in &page {
                if serde_json::to_writer(&mut lines, stored).is_err() {
                    return Some((Err(std::io::Error::other("unserialisable receipt")), None));
                }
                lines.push(b'\n');
            }
            let next = if page.len() < EXPORT_PAGE as usize {
                None
            } else {
                let last = page.last().map(|s| (s.received_at, s.receipt.id.clone()));
                match store.page(since, last, EXPORT_PAGE).await {
                    Ok(next) => Some(Ok(next)),
                    Err(err) => {
                        tracing::error!("export: {}", crate::trace::escape(&err.to_string()));
                        Some(Err(()))
                    }
                }
            };
            Some((Ok(Bytes::from(lines)), next))
        }
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"consent-receipts.ndjson\"",
            ),
        ],
        Body::from_stream(pages),
    )
        .into_response()
}

/// Any method an API path does not take: a 405 JSON error. The router adds the `Allow` header
/// listing the methods the path does take.
pub async fn method_not_allowed(method: Method) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("method: {method} is not allowed here (see the Allow header)"),
    )
}

/// Any path under `/api` that is not an endpoint: a 404 JSON error.
pub async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "path: no such API endpoint")
}

/// The server's clock in milliseconds since the Unix epoch (0 if it is set before 1970).
pub fn now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            Millis::try_from(since.as_millis()).unwrap_or(Millis::MAX)
        })
}

/// A JSON 500; the cause goes to the log, not to the client.
fn internal(cause: &str) -> Response {
    tracing::error!("internal error: {}", crate::trace::escape(cause));
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// The answer to a store failure: a 503 with `Retry-After` when the database is only out of
/// reach for now, a 500 otherwise.
fn store_failed(err: &StoreError) -> Response {
    match err {
        StoreError::Unavailable(cause) => {
            tracing::warn!("database unavailable: {}", crate::trace::escape(cause));
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "database: unavailable for a moment, send the same receipt again",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        other => internal(&other.to_string()),
    }
}

/// Whether `err` or one of its sources is an `E`. A body error reaches the handler wrapped (by
/// axum, then by the length limit), so the timeout behind it is a few sources down.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        if err.is::<E>() {
            return true;
        }
        current = err.source();
    }
    false
}
