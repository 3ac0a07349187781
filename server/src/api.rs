//! The consent-receipt API: `POST /api/consent`, `GET /api/consent/{id}` and
//! `GET /api/consent/stats`. Errors are always JSON `{"error": "…"}` naming the field at fault
//! (an unknown path or method under `/api` too), and a refused receipt is never stored.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::receipt::{is_uuid_v4, Millis, Receipt};
use crate::store::StoreError;
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
            return if inner.is::<http_body_util::LengthLimitError>() {
                error(StatusCode::PAYLOAD_TOO_LARGE, &too_large)
            } else {
                error(StatusCode::BAD_REQUEST, "body: could not be read")
            };
        }
    };
    let receipt = match Receipt::parse(&bytes, now()) {
        Ok(receipt) => receipt,
        Err(err) => return error(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    let stored = receipt.clone();
    let store_state = state.clone();
    let result = tokio::task::spawn_blocking(move || store_state.store.insert(&stored)).await;
    match result {
        Ok(Ok(())) => {
            let mut response = match serde_json::to_string(&receipt) {
                Ok(body) => json_response(StatusCode::CREATED, body),
                Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
            };
            if let Ok(location) = HeaderValue::from_str(&format!("/api/consent/{}", receipt.id)) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Ok(Err(StoreError::Duplicate)) => error(
            StatusCode::CONFLICT,
            "id: a receipt with this id is already stored",
        ),
        Ok(Err(err)) => internal(&err.to_string()),
        Err(err) => internal(&err.to_string()),
    }
}

/// `GET /api/consent/{id}`: the stored receipt, or a 404 JSON error.
pub async fn get(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    if !is_uuid_v4(&id) {
        return error(StatusCode::BAD_REQUEST, "id: must be a UUID v4");
    }
    let id = id.to_ascii_lowercase();
    let store_state = state.clone();
    let result = tokio::task::spawn_blocking(move || store_state.store.get(&id)).await;
    match result {
        Ok(Ok(Some(receipt))) => match serde_json::to_string(&receipt) {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(err) => internal(&err.to_string()),
        },
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "id: no receipt with this id"),
        Ok(Err(err)) => internal(&err.to_string()),
        Err(err) => internal(&err.to_string()),
    }
}

/// `GET /api/consent/stats`: `{"count": n}`, how many receipts are stored. Nothing about any
/// one receipt or visitor.
pub async fn stats(State(state): State<Shared>) -> Response {
    let result = tokio::task::spawn_blocking(move || state.store.count()).await;
    match result {
        Ok(Ok(count)) => json_response(StatusCode::OK, json!({ "count": count }).to_string()),
        Ok(Err(err)) => internal(&err.to_string()),
        Err(err) => internal(&err.to_string()),
    }
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
fn now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            Millis::try_from(since.as_millis()).unwrap_or(Millis::MAX)
        })
}

/// A JSON 500; the cause goes to stderr, not to the client.
fn internal(cause: &str) -> Response {
    eprintln!("internal error: {cause}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}
