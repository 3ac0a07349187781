//! The demo site's pages: static pages from the site directory, the widget's files under
//! `/consent/`, and the dynamic sign-in pages rendered into the site's `_layout.html`.

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use crate::html::{self, escape, Policy};
use crate::session::{self, Sessions};
use crate::{files, Shared};

/// Longest accepted username, in characters.
pub const MAX_USERNAME: usize = 64;

/// `GET /`: the home page.
pub async fn home(State(state): State<Shared>) -> Response {
    files::serve(Some(state.www.join("index.html")), Policy::Nonce).await
}

/// `GET /strict`: the page for checking the widget under the strict CSP (no nonce at all).
pub async fn strict(State(state): State<Shared>) -> Response {
    files::serve(Some(state.www.join("strict.html")), Policy::Strict).await
}

/// `GET /consent/…`: the widget's built files from the dist directory.
pub async fn widget_file(State(state): State<Shared>, uri: Uri) -> Response {
    let path = uri
        .path()
        .strip_prefix("/consent/")
        .and_then(|rest| files::resolve(&state.dist, rest, false));
    files::serve(path, Policy::Nonce).await
}

/// `GET /playground/…`: the playground, laid out as in the repository so that its relative
/// paths work here and on any static host: `index.html` (under the strict policy), `dist/…`
/// from the dist directory and `www/playground/…`. Nothing else of the repository is served;
/// `/playground` redirects to `/playground/`, the base its relative paths need.
pub async fn playground(State(state): State<Shared>, uri: Uri) -> Response {
    let rest = uri.path().strip_prefix("/playground").unwrap_or_default();
    if rest.is_empty() {
        return (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, "/playground/")],
        )
            .into_response();
    }
    let path = match rest {
        "/" | "/index.html" => Some(state.playground.join("index.html")),
        _ => match rest.strip_prefix("/dist/") {
            Some(file) => files::resolve(&state.dist, file, false),
            None => rest.strip_prefix("/www/playground/").and_then(|file| {
                files::resolve(&state.playground.join("www/playground"), file, true)
            }),
        },
    };
    files::serve(path, Policy::Strict).await
}

/// Every other path: a static file from the site directory (GET and HEAD only). Files and
/// directories whose names start with `_` (templates) or `.` are never served.
pub async fn site_file(State(state): State<Shared>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "method not allowed\n",
        )
            .into_response();
    }
    let policy = if uri.path() == "/strict.html" {
        Policy::Strict
    } else {
        Policy::Nonce
    };
    files::serve(files::resolve(&state.www, uri.path(), true), policy).await
}

/// Renders `main` into the site's `_layout.html` under the page policy.
async fn render(state: &Shared, status: StatusCode, title: &str, main: &str) -> Response {
    let path = state.www.join("_layout.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(layout) => html::page(
            status,
            Policy::Nonce,
            &layout,
            &[("title", &escape(title)), ("main", main)],
        ),
        Err(err) => html::internal_error(&format!("reading {}: {err}", path.display())),
    }
}

/// The sign-in form; with `error`, the message is shown and the fields are marked invalid.
fn login_main(username: &str, error: Option<&str>) -> String {
    let (alert, invalid) = match error {
        Some(message) => (
            format!(
                "<p class=\"form-error\" role=\"alert\" id=\"login-error\">{}</p>\n",
                escape(message)
            ),
            " aria-invalid=\"true\" aria-describedby=\"login-error\"",
        ),
        None => (String::new(), ""),
    };
    format!(
        r#"<h1>Sign in</h1>
<p class="lede">This is a demo: any username and password will do. Signing in uses one essential
cookie, so it works whatever you chose in the cookie banner.</p>
{alert}<form class="form" method="post" action="/login">
  <p class="form-field"><label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username" maxlength="{MAX_USERNAME}" value="{username}"{invalid}></p>
  <p class="form-field"><label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password"{invalid}></p>
  <p><button class="button" type="submit">Sign in</button></p>
</form>"#,
        username = escape(username),
    )
}

/// `GET /login`: the sign-in form.
pub async fn login_form(State(state): State<Shared>) -> Response {
    render(&state, StatusCode::OK, "Sign in", &login_main("", None)).await
}

/// The fields of the sign-in form.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    /// Any non-empty name of at most [`MAX_USERNAME`] characters.
    #[serde(default)]
    pub username: String,
    /// Any non-empty password (this is a demo: it is not checked or stored).
    #[serde(default)]
    pub password: String,
}

/// `POST /login`: starts a session and redirects to `/account`, or shows the form again with a
/// 400 status when a field is empty or too long.
pub async fn login(
    State(state): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        let main = login_main("", Some("The form could not be read. Please try again."));
        return render(&state, StatusCode::BAD_REQUEST, "Sign in", &main).await;
    };
    let username = form.username.trim();
    let problem = if username.is_empty() || form.password.is_empty() {
        Some("Enter both a username and a password.")
    } else if username.chars().count() > MAX_USERNAME {
        Some("That username is too long (at most 64 characters).")
    } else {
        None
    };
    if let Some(message) = problem {
        let main = login_main(username, Some(message));
        return render(&state, StatusCode::BAD_REQUEST, "Sign in", &main).await;
    }
    let id = match state.sessions.create(username) {
        Ok(id) => id,
        Err(err) => return html::internal_error(&err.to_string()),
    };
    redirect_with_cookie(
        "/account",
        &session::set_cookie(&id, session::is_https(&headers)),
    )
}

/// `GET /account`: who is signed in, or a pointer to the sign-in page.
pub async fn account(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let user = signed_in_user(&state.sessions, &headers);
    let main = match user {
        Some(username) => format!(
            r#"<h1>Your account</h1>
<p class="signed-in" data-testid="signed-in">Signed in as <strong>{}</strong></p>
<form class="form" method="post" action="/logout">
  <p><button class="button" type="submit">Sign out</button></p>
</form>"#,
            escape(&username)
        ),
        None => r#"<h1>Your account</h1>
<p data-testid="signed-out">You are not signed in. <a href="/login">Sign in</a> to see your account.</p>"#
            .to_owned(),
    };
    let mut response = render(&state, StatusCode::OK, "Account", &main).await;
    // A personal page: never keep it in a shared or back/forward cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /logout`: ends the session, clears the cookie and redirects home.
pub async fn logout(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(id) = session::session_id(&headers) {
        state.sessions.remove(&id);
    }
    redirect_with_cookie("/", &session::clear_cookie(session::is_https(&headers)))
}

fn signed_in_user(sessions: &Sessions, headers: &HeaderMap) -> Option<String> {
    session::session_id(headers).and_then(|id| sessions.user(&id))
}

/// A 303 See Other to `location` that sets `cookie`.
fn redirect_with_cookie(location: &'static str, cookie: &str) -> Response {
    match HeaderValue::from_str(cookie) {
        Ok(cookie) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, HeaderValue::from_static(location)),
                (header::SET_COOKIE, cookie),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => html::internal_error("the session cookie is not a valid header value"),
    }
}
