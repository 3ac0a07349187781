//! Demo sign-in sessions: random ids held in memory, carried in the `canenrich_session` cookie.
//! This cookie is strictly necessary, so it is set whatever the visitor chose in the banner.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::http::{header, HeaderMap};

use crate::token::{self, TokenError};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "canenrich_session";

/// Signed-in sessions: session id → username.
#[derive(Debug, Default)]
pub struct Sessions {
    users: Mutex<HashMap<String, String>>,
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, String>> {
        // The map holds whole entries only, so it is consistent even after a panic elsewhere.
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session for `username`; returns its id (32 hex characters).
    pub fn create(&self, username: &str) -> Result<String, TokenError> {
        let id = token::random_hex(16)?;
        self.lock().insert(id.clone(), username.to_owned());
        Ok(id)
    }

    /// The username signed in with this session id, if any.
    pub fn user(&self, id: &str) -> Option<String> {
        self.lock().get(id).cloned()
    }

    /// Ends a session.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}

/// The session id from the request's `Cookie` headers, if present.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// The `Set-Cookie` value that starts a session. `Secure` is added only when the request came
/// over https (as reported by a proxy's `X-Forwarded-Proto`); this server itself speaks http.
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
}

/// Whether the request reached us over https (through a TLS-terminating proxy).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}
