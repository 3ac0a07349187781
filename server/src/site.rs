//! The demo site's pages: static pages from the site directory, the widget's files under
//! `/consent/`, and the dynamic sign-in pages rendered into the site's `_layout.html`.

use std::time::Instant;

use axum::extract::rejection::FormRejection;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::html::{self, escape, Policy};
use crate::proxy::Client;
use crate::{cors, files, limit, session, token, Shared};

/// Longest accepted username, in characters.
pub const MAX_USERNAME: usize = 64;

/// `GET /`: the home page.
pub async fn home(State(state): State<Shared>) -> Response {
    files::serve(Some(state.www.root().join("index.html")), Policy::Nonce).await
}

/// `GET /strict`: the page for checking the widget under the strict CSP (no nonce at all).
pub async fn strict(State(state): State<Shared>) -> Response {
    files::serve(Some(state.www.root().join("strict.html")), Policy::Strict).await
}

/// `GET /consent/…`: the widget's built files from the dist directory.
pub async fn widget_file(State(state): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    match path.strip_prefix("/consent/") {
        Some(rest) => state.dist.serve(request, rest, Policy::Nonce).await,
        None => files::not_found(),
    }
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
            Some(file) => files::resolve(state.dist.root(), file, false),
            None => rest.strip_prefix("/www/playground/").and_then(|file| {
                files::resolve(&state.playground.join("www/playground"), file, true)
            }),
        },
    };
    files::serve(path, Policy::Strict).await
}

/// Every other path: a static file from the site directory (GET and HEAD only). Files and
/// directories whose names start with `_` (templates) or `.` are never served.
pub async fn site_file(State(state): State<Shared>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "method not allowed\n",
        )
            .into_response();
    }
    let path = request.uri().path().to_owned();
    let policy = if path == "/strict.html" {
        Policy::Strict
    } else {
        Policy::Nonce
    };
    state.www.serve(request, &path, policy).await
}

/// Renders `main` into the site's `_layout.html` under the page policy.
async fn render(state: &Shared, status: StatusCode, title: &str, main: &str) -> Response {
    let path = state.www.root().join("_layout.html");
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
fn login_main(username: &str, error: Option<&str>, csrf: &str) -> String {
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
  <input type="hidden" name="csrf" value="{csrf}">
  <p class="form-field"><label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username" maxlength="{MAX_USERNAME}" value="{username}"{invalid}></p>
  <p class="form-field"><label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password"{invalid}></p>
  <p><button class="button" type="submit">Sign in</button></p>
</form>"#,
        username = escape(username),
        csrf = escape(csrf),
    )
}

/// The request's form token, or a fresh one with the `Set-Cookie` value that hands it out.
fn form_token(headers: &HeaderMap, https: bool) -> Result<(String, Option<String>), Box<Response>> {
    if let Some(token) = session::csrf_token(headers, https) {
        return Ok((token, None));
    }
    let token =
        token::random_hex(16).map_err(|err| Box::new(html::internal_error(&err.to_string())))?;
    let cookie = session::set_csrf_cookie(&token, https);
    Ok((token, Some(cookie)))
}

/// `response` with `cookie` (if any) added as a `Set-Cookie` header.
fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The sign-in page with `status`, a form token (set as a cookie when the browser has none),
/// and an optional error.
async fn login_page(
    state: &Shared,
    headers: &HeaderMap,
    client: Client,
    status: StatusCode,
    username: &str,
    error: Option<&str>,
) -> Response {
    let (token, cookie) = match form_token(headers, client.https) {
        Ok(pair) => pair,
        Err(response) => return *response,
    };
    let main = login_main(username, error, &token);
    let mut response = with_cookie(render(state, status, "Sign in", &main).await, cookie);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /login`: the sign-in form.
pub async fn login_form(
    State(state): State<Shared>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    login_page(&state, &headers, client, StatusCode::OK, "", None).await
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
    /// The form token, equal to the form-token cookie.
    #[serde(default)]
    pub csrf: String,
}

/// The fields of the sign-out form.
#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    /// The form token, equal to the form-token cookie.
    #[serde(default)]
    pub csrf: String,
}

/// Whether a form post comes from a page of another site: its `Origin` is not this server's, or,
/// when a browser sent no `Origin`, its `Sec-Fetch-Site` says `cross-site`.
pub fn is_foreign(headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN) {
        Some(origin) => !cors::is_same_origin(origin, headers.get(header::HOST)),
        None => headers
            .get("sec-fetch-site")
            .is_some_and(|site| site.as_bytes().eq_ignore_ascii_case(b"cross-site")),
    }
}

/// A plain 403 for a form posted from another site.
fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "forbidden: this form can only be sent from this site\n",
    )
        .into_response()
}

/// Whether the form's token matches the form-token cookie.
fn token_ok(headers: &HeaderMap, https: bool, sent: &str) -> bool {
    session::csrf_token(headers, https).is_some_and(|cookie| session::same_token(&cookie, sent))
}

/// `POST /login`: starts a session (ending the one the browser had) and redirects to
/// `/account`, or shows the form again: 400 when a field is empty or too long, 403 without a
/// valid form token. A foreign page gets a 403, and a client signing in too often a 429.
pub async fn login(
    State(state): State<Shared>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    if is_foreign(&headers) {
        return forbidden();
    }
    if let Err(wait) = state.login_limiter.check(client.bucket(), Instant::now()) {
        let mut response = login_page(
            &state,
            &headers,
            client,
            StatusCode::TOO_MANY_REQUESTS,
            "",
            Some("Too many sign-in attempts. Please wait a minute and try again."),
        )
        .await;
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(limit::retry_after_seconds(wait)),
        );
        return response;
    }
    let page = |status, username: &str, message| {
        let username = username.to_owned();
        let (state, headers) = (state.clone(), headers.clone());
        async move { login_page(&state, &headers, client, status, &username, Some(message)).await }
    };
    let Ok(Form(form)) = form else {
        return page(
            StatusCode::BAD_REQUEST,
            "",
            "The form could not be read. Please try again.",
        )
        .await;
    };
    let username = form.username.trim();
    if !token_ok(&headers, client.https, &form.csrf) {
        return page(
            StatusCode::FORBIDDEN,
            username,
            "The form has expired. Please sign in again.",
        )
        .await;
    }
    let problem = if username.is_empty() || form.password.is_empty() {
        Some("Enter both a username and a password.")
    } else if username.chars().count() > MAX_USERNAME {
        Some("That username is too long (at most 64 characters).")
    } else {
        None
    };
    if let Some(message) = problem {
        return page(StatusCode::BAD_REQUEST, username, message).await;
    }
    let replacing = session::session_id(&headers, client.https);
    let id = match state.sessions.create(username, replacing.as_deref()) {
        Ok(id) => id,
        Err(err) => return html::internal_error(&err.to_string()),
    };
    redirect_with_cookie("/account", &session::set_cookie(&id, client.https))
}

/// `GET /account`: who is signed in, or a pointer to the sign-in page.
pub async fn account(
    State(state): State<Shared>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    let user = session::session_id(&headers, client.https).and_then(|id| state.sessions.user(&id));
    let (main, cookie) = match user {
        Some(username) => {
            let (token, cookie) = match form_token(&headers, client.https) {
                Ok(pair) => pair,
                Err(response) => return *response,
            };
            (
                format!(
                    r#"<h1>Your account</h1>
<p class="signed-in" data-testid="signed-in">Signed in as <strong>{}</strong></p>
<form class="form" method="post" action="/logout">
  <input type="hidden" name="csrf" value="{}">
  <p><button class="button" type="submit">Sign out</button></p>
</form>"#,
                    escape(&username),
                    escape(&token)
                ),
                cookie,
            )
        }
        None => (
            r#"<h1>Your account</h1>
<p data-testid="signed-out">You are not signed in. <a href="/login">Sign in</a> to see your account.</p>"#
                .to_owned(),
            None,
        ),
    };
    let mut response = with_cookie(
        render(&state, StatusCode::OK, "Account", &main).await,
        cookie,
    );
    // A personal page: never keep it in a shared or back/forward cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /logout`: ends the session, clears the cookie and redirects home. A foreign page, or a
/// form without a valid token, gets a 403 and the session stays.
pub async fn logout(
    State(state): State<Shared>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let sent = form.map(|Form(form)| form.csrf).unwrap_or_default();
    if is_foreign(&headers) || !token_ok(&headers, client.https, &sent) {
        return forbidden();
    }
    if let Some(id) = session::session_id(&headers, client.https) {
        state.sessions.remove(&id);
    }
    redirect_with_cookie("/", &session::clear_cookie(client.https))
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
