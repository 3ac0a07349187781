//! Helpers for checking a site's CanEnrich Consent banner over WebDriver: settings from the
//! environment, a chromedriver started on a free port (and stopped, with its Chromium, whatever
//! happens), and small wrappers around the widget's shadow root and JavaScript API.
//!
//! The checks themselves are in `tests/consent.rs`. Copy this folder into your project, point
//! `SITE_URL` at your site and run `cargo test -- --test-threads=1`.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, fs};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long any single wait (widget start, a button, a cookie) may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// A boxed error, so tests can use `?` on fantoccini, I/O and our own messages alike.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// The result of every helper here.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What to check, read from the environment (see `examples/qa/README.md`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SITE_URL`, default `http://127.0.0.1:8080`, without a trailing `/`.
    pub site_url: String,
    /// `START_PATH`, default `/`: a page with gated tags on it.
    pub start_path: String,
    /// `LOGIN_PATH`, default `/login`; empty skips the login check.
    pub login_path: String,
    /// `LOGIN_USER` / `LOGIN_PASSWORD`, default `demo` / `demo`.
    pub login_user: String,
    pub login_password: String,
    /// CSS selectors of the login form: `LOGIN_USER_SELECTOR` (default `#username`),
    /// `LOGIN_PASSWORD_SELECTOR` (`#password`), `LOGIN_SUBMIT_SELECTOR` (`button[type=submit]`).
    pub user_selector: String,
    pub password_selector: String,
    pub submit_selector: String,
    /// `SESSION_COOKIE`, default `canenrich_session`: the cookie a successful login sets.
    pub session_cookie: String,
    /// `ESSENTIAL_COOKIES`, comma-separated name patterns (`*` wildcard) allowed after Reject all.
    pub essential_cookies: Vec<String>,
    /// `TRACKERS`, comma-separated fragments of `host/path`; a URL containing one is a tracker.
    pub trackers: Vec<String>,
    /// `CHROMEDRIVER` (default `/usr/bin/chromedriver`) and `CHROMIUM` (`/usr/bin/chromium`).
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

/// Known tracker hosts and the demo site's tracker paths (override with `TRACKERS`).
pub const DEFAULT_TRACKERS: &str = "google-analytics.com,googletagmanager.com,doubleclick.net,\
    googleadservices.com,googlesyndication.com,connect.facebook.net,facebook.com/tr,\
    analytics.tiktok.com,bat.bing.com,snap.licdn.com,static.hotjar.com,\
    /demo/trackers/,/demo/pixel.gif,/demo/embed/";

/// The widget's own cookie, the demo's session cookie and CSRF cookies.
pub const DEFAULT_ESSENTIAL_COOKIES: &str = "canenrich_consent,canenrich_session,csrf*";

fn var(name: &str, default: &str) -> String {
    env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn list(name: &str, default: &str) -> Vec<String> {
    var(name, default)
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Settings {
    /// Reads every setting, with the defaults that fit the CanEnrich demo site.
    pub fn from_env() -> Settings {
        Settings {
            site_url: var("SITE_URL", "http://127.0.0.1:8080")
                .trim_end_matches('/')
                .to_owned(),
            start_path: var("START_PATH", "/"),
            login_path: var("LOGIN_PATH", "/login"),
            login_user: var("LOGIN_USER", "demo"),
            login_password: var("LOGIN_PASSWORD", "demo"),
            user_selector: var("LOGIN_USER_SELECTOR", "#username"),
            password_selector: var("LOGIN_PASSWORD_SELECTOR", "#password"),
            submit_selector: var("LOGIN_SUBMIT_SELECTOR", "button[type=submit]"),
            session_cookie: var("SESSION_COOKIE", "canenrich_session"),
            essential_cookies: list("ESSENTIAL_COOKIES", DEFAULT_ESSENTIAL_COOKIES),
            trackers: list("TRACKERS", DEFAULT_TRACKERS),
            chromedriver: var("CHROMEDRIVER", "/usr/bin/chromedriver").into(),
            chromium: var("CHROMIUM", "/usr/bin/chromium").into(),
        }
    }

    /// The absolute URL of a path on the site.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}/{}", self.site_url, path.trim_start_matches('/'))
        }
    }

    /// Whether `url` matches one of the tracker fragments.
    pub fn is_tracker(&self, url: &str) -> bool {
        let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        self.trackers
            .iter()
            .any(|fragment| without_scheme.contains(fragment.as_str()))
    }

    /// Whether the cookie `name` may exist after Reject all.
    pub fn is_essential(&self, name: &str) -> bool {
        self.essential_cookies
            .iter()
            .any(|pattern| matches_pattern(pattern, name))
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn matches_pattern(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// A chromedriver on a free port, killed on drop together with every Chromium it started (found
/// by their unique `--user-data-dir`, so no other browser on the machine is touched).
pub struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    /// Starts `settings.chromedriver` and waits until it accepts connections.
    pub fn start(settings: &Settings) -> Result<Driver> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let profile = env::temp_dir().join(format!(
            "canenrich-qa-{}-{}-{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&profile)?;
        let child = Command::new(&settings.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", settings.chromedriver.display()))?;
        let driver = Driver {
            child,
            port,
            profile,
        };
        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("chromedriver did not listen on port {port}").into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// The WebDriver URL to connect to.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Opens a headless Chromium session with a fresh profile (no cookies, no storage).
    pub async fn session(&self, settings: &Settings) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": settings.chromium,
                "args": [
                    "--headless",
                    // Root (CI containers) needs it; harmless otherwise.
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", self.profile.display()),
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url())
            .await?;
        Ok(client)
    }

    /// Pids of the processes whose command line names this driver's profile directory.
    #[cfg(target_os = "linux")]
    fn browser_pids(&self) -> Vec<i32> {
        let needle = format!("--user-data-dir={}", self.profile.display());
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|raw| raw.split(|b| *b == 0).any(|arg| arg == needle.as_bytes()))
                    .unwrap_or(false)
            })
            .collect()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Kill fails only if it already exited, which is what we want anyway.
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A session that was not closed (a panic, a timeout) leaves Chromium running.
        #[cfg(target_os = "linux")]
        for pid in self.browser_pids() {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        let _ = fs::remove_dir_all(&self.profile);
    }
}

/// Runs `body` with a fresh browser session and closes the session (and the driver) whether the
/// body returned an error, panicked or passed; then reports the body's outcome.
pub async fn with_browser<F, Fut>(body: F) -> Result<()>
where
    F: FnOnce(Client, Settings) -> Fut,
    Fut: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let settings = Settings::from_env();
    let driver = Driver::start(&settings)?;
    let client = driver.session(&settings).await?;
    // A spawned task turns a panic into a JoinError, so the session is always closed.
    let outcome = tokio::spawn(body(client.clone(), settings)).await;
    let _ = client.close().await;
    drop(driver);
    match outcome {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(join) => Err(join.into()),
    }
}

/// Polls `check` every 100 ms until it returns `Some`, or fails after [`TIMEOUT`] with `what`.
pub async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out after {TIMEOUT:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Navigates to `path` and waits for `window.CanEnrichConsent.ready`.
pub async fn open(client: &Client, settings: &Settings, path: &str) -> Result<()> {
    client.goto(&settings.url(path)).await?;
    widget_ready(client).await
}

/// Waits for `window.CanEnrichConsent.ready` (fails if the loader is missing or `ready` rejects).
pub async fn widget_ready(client: &Client) -> Result<()> {
    let outcome = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            if (!window.CanEnrichConsent) { done('window.CanEnrichConsent is not defined: is the loader first in <head>?'); return; }
            window.CanEnrichConsent.ready.then(() => done(null), (e) => done('ready rejected: ' + e));"#,
            vec![],
        )
        .await?;
    match outcome {
        Value::Null => Ok(()),
        other => Err(format!("the consent widget did not start: {other}").into()),
    }
}

/// The element with `data-testid` = `test_id` inside the widget's open shadow root.
pub async fn widget_element(client: &Client, test_id: &str) -> Result<Element> {
    let host = client.find(Locator::Css("#canenrich-consent")).await?;
    let root = host.shadow_root().await?;
    Ok(root
        .find(Locator::Css(&format!("[data-testid=\"{test_id}\"]")))
        .await?)
}

/// Whether the widget element `test_id` exists and is displayed.
pub async fn widget_shows(client: &Client, test_id: &str) -> Result<bool> {
    match widget_element(client, test_id).await {
        Ok(element) => Ok(element.is_displayed().await?),
        Err(_) => Ok(false),
    }
}

/// Clicks the widget button `test_id` (`accept-all`, `reject-all`, `manage`, …).
pub async fn click_widget(client: &Client, test_id: &str) -> Result<()> {
    widget_element(client, test_id).await?.click().await?;
    Ok(())
}

/// `CanEnrichConsent.getState()`: `{ bannerOpen, preferencesOpen, held }`.
pub async fn state(client: &Client) -> Result<Value> {
    Ok(client
        .execute(
            "return typeof window.CanEnrichConsent.getState === 'function' \
               ? window.CanEnrichConsent.getState() \
               : { error: 'CanEnrichConsent.getState() is missing: update the widget' };",
            vec![],
        )
        .await?)
}

/// `CanEnrichConsent.getConsent()`: `null` or `{ id, revision, timestamp, categories, rejected, method }`.
pub async fn consent(client: &Client) -> Result<Value> {
    Ok(client
        .execute("return window.CanEnrichConsent.getConsent();", vec![])
        .await?)
}

/// Every URL the current page has loaded (the document and its Resource Timing entries: scripts,
/// images, iframes, beacons). Requests made inside cross-origin iframes are not visible here.
pub async fn loaded_urls(client: &Client) -> Result<Vec<String>> {
    let urls = client
        .execute(
            "return [location.href].concat(performance.getEntriesByType('resource').map((e) => e.name));",
            vec![],
        )
        .await?;
    Ok(urls
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|url| url.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// The cookies the browser holds for the current page.
pub async fn cookies(client: &Client) -> Result<Vec<Cookie<'static>>> {
    Ok(client.get_all_cookies().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_use_star_as_a_wildcard() {
        assert!(matches_pattern("csrf*", "csrf_token"));
        assert!(matches_pattern("_ga_*", "_ga_DEMO"));
        assert!(matches_pattern("canenrich_consent", "canenrich_consent"));
        assert!(!matches_pattern("_ga", "_ga_DEMO"));
        assert!(!matches_pattern("csrf*", "xcsrf"));
    }

    #[test]
    fn trackers_match_host_and_path_fragments() {
        let settings = Settings {
            trackers: vec!["google-analytics.com".into(), "/demo/pixel.gif".into()],
            ..Settings::from_env()
        };
        assert!(settings.is_tracker("https://www.google-analytics.com/g/collect?v=2"));
        assert!(settings.is_tracker("http://127.0.0.1:8080/demo/pixel.gif?tag=img"));
        assert!(!settings.is_tracker("http://127.0.0.1:8080/consent/canenrich-consent.js"));
    }
}
