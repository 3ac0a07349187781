//! Demo sign-in sessions: random ids held in memory, carried in the session cookie, with an idle
//! and an absolute lifetime and a cap on how many are kept; and the form token that the sign-in
//! and sign-out forms carry against cross-site request forgery. These cookies are strictly
//! necessary, so they are set whatever the visitor chose in the banner.
//!
//! Over https (as a trusted proxy reports it) the cookies get the `__Host-` prefix, which
//! browsers accept only with `Secure`, `Path=/` and no `Domain`: no sibling subdomain can plant
//! or overwrite them.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};

use crate::token::{self, TokenError};

/// Name of the session cookie over http.
pub const SESSION_COOKIE: &str = "canenrich_session";
/// Name of the form-token cookie over http.
pub const CSRF_COOKIE: &str = "csrf_token";
/// A session unused this long ends.
pub const IDLE_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// Most sessions kept; signing in beyond it ends the least recently used one.
pub const MAX_SESSIONS: usize = 10_000;

#[derive(Debug, Clone)]
struct Session {
    user: String,
    created: Instant,
    last_seen: Instant,
}

/// Signed-in sessions: session id → who and since when.
#[derive(Debug)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    idle: Duration,
    absolute: Duration,
    cap: usize,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new(IDLE_LIFETIME, ABSOLUTE_LIFETIME, MAX_SESSIONS)
    }
}

impl Sessions {
    /// Sessions that end after `idle` unused or `absolute` after sign-in, at most `cap` at once.
    pub fn new(idle: Duration, absolute: Duration, cap: usize) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            idle,
            absolute,
            cap: cap.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // The map holds whole entries only, so it is consistent even after a panic elsewhere.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn alive(&self, session: &Session, now: Instant) -> bool {
        now.saturating_duration_since(session.last_seen) < self.idle
            && now.saturating_duration_since(session.created) < self.absolute
    }

    /// Starts a session for `username` at `now`, ending `replacing` (the session the browser
    /// had, so signing in again never leaves the old id usable). Returns the new id (32 hex
    /// characters).
    pub fn create_at(
        &self,
        username: &str,
        replacing: Option<&str>,
        now: Instant,
    ) -> Result<String, TokenError> {
        let id = token::random_hex(16)?;
        let mut sessions = self.lock();
        if let Some(old) = replacing {
            sessions.remove(old);
        }
        if sessions.len() >= self.cap {
            sessions.retain(|_, session| self.alive(session, now));
        }
        if sessions.len() >= self.cap {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, session)| session.last_seen)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                user: username.to_owned(),
                created: now,
                last_seen: now,
            },
        );
        Ok(id)
    }

    /// [`Sessions::create_at`] now.
    pub fn create(&self, username: &str, replacing: Option<&str>) -> Result<String, TokenError> {
        self.create_at(username, replacing, Instant::now())
    }

    /// The username signed in with this session id at `now`, if the session is alive; using it
    /// counts as activity. An expired session is removed.
    pub fn user_at(&self, id: &str, now: Instant) -> Option<String> {
        let mut sessions = self.lock();
        let session = sessions.get_mut(id)?;
        if !self.alive(session, now) {
            sessions.remove(id);
            return None;
        }
        session.last_seen = now;
        Some(session.user.clone())
    }

    /// [`Sessions::user_at`] now.
    pub fn user(&self, id: &str) -> Option<String> {
        self.user_at(id, Instant::now())
    }

    /// Ends a session.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many sessions are kept (alive or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cookie's name: `__Host-` + `base` over https, `base` otherwise.
pub fn cookie_name(base: &str, https: bool) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers, if present.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// The session id from the request's cookies (the `__Host-` one over https).
pub fn session_id(headers: &HeaderMap, https: bool) -> Option<String> {
    cookie(headers, &cookie_name(SESSION_COOKIE, https))
}

/// A `Set-Cookie` value for a necessary cookie: `HttpOnly`, `Path=/`, and `Secure` (with the
/// `__Host-` prefix) over https; `max_age` `Some(0)` deletes it.
fn set(base: &str, value: &str, https: bool, same_site: &str, max_age: Option<u64>) -> String {
    let name = cookie_name(base, https);
    let secure = if https { "; Secure" } else { "" };
    let max_age = max_age.map_or(String::new(), |age| format!("; Max-Age={age}"));
    format!("{name}={value}; Path=/{max_age}; HttpOnly; SameSite={same_site}{secure}")
}

/// The `Set-Cookie` value that starts a session. It lasts as long as the browser runs; the
/// server ends it sooner (idle or absolute lifetime).
pub fn set_cookie(id: &str, https: bool) -> String {
    set(SESSION_COOKIE, id, https, "Lax", None)
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie(https: bool) -> String {
    set(SESSION_COOKIE, "", https, "Lax", Some(0))
}

/// The `Set-Cookie` value of the form token. `SameSite=Strict`: no other site's page makes the
/// browser send it.
pub fn set_csrf_cookie(token: &str, https: bool) -> String {
    set(CSRF_COOKIE, token, https, "Strict", None)
}

/// The form token from the request's cookies, if it has the shape of one.
pub fn csrf_token(headers: &HeaderMap, https: bool) -> Option<String> {
    cookie(headers, &cookie_name(CSRF_COOKIE, https))
        .filter(|token| token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_when_idle_or_old_whichever_comes_first() {
        let sessions = Sessions::new(Duration::from_secs(10), Duration::from_secs(25), 100);
        let start = Instant::now();
        let id = sessions.create_at("ada", None, start).expect("id");
        let at = |secs| start + Duration::from_secs(secs);
        assert_eq!(sessions.user_at(&id, at(9)).as_deref(), Some("ada"));
        assert_eq!(sessions.user_at(&id, at(18)).as_deref(), Some("ada"));
        assert_eq!(sessions.user_at(&id, at(26)), None, "absolute lifetime");
        let idle = sessions.create_at("bob", None, start).expect("id");
        assert_eq!(sessions.user_at(&idle, at(10)), None, "idle lifetime");
    }

    #[test]
    fn signing_in_again_ends_the_session_it_replaces() {
        let sessions = Sessions::default();
        let first = sessions.create("ada", None).expect("id");
        let second = sessions.create("ada", Some(&first)).expect("id");
        assert_eq!(sessions.user(&first), None);
        assert_eq!(sessions.user(&second).as_deref(), Some("ada"));
    }

    #[test]
    fn the_cap_ends_the_least_recently_used_session() {
        let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(60), 2);
        let start = Instant::now();
        let a = sessions.create_at("a", None, start).expect("id");
        let b = sessions
            .create_at("b", None, start + Duration::from_secs(1))
            .expect("id");
        assert!(sessions
            .user_at(&a, start + Duration::from_secs(2))
            .is_some());
        let c = sessions
            .create_at("c", None, start + Duration::from_secs(3))
            .expect("id");
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.user_at(&b, start + Duration::from_secs(4)), None);
        assert!(sessions
            .user_at(&a, start + Duration::from_secs(4))
            .is_some());
        assert!(sessions
            .user_at(&c, start + Duration::from_secs(4))
            .is_some());
    }

    #[test]
    fn over_https_cookies_are_host_prefixed_and_secure() {
        assert_eq!(
            set_cookie("abc", true),
            "__Host-canenrich_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            set_cookie("abc", false),
            "canenrich_session=abc; Path=/; HttpOnly; SameSite=Lax"
        );
        assert!(clear_cookie(true).starts_with("__Host-canenrich_session=; Path=/; Max-Age=0"));
        assert!(set_csrf_cookie("t", true).starts_with("__Host-csrf_token=t;"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abcd", "abcd"));
        assert!(!same_token("abcd", "abce"));
        assert!(!same_token("abcd", "abc"));
    }
}
