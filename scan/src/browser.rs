//! The Chromium adapter: launches the system Chromium, visits one page in one phase in a fresh
//! browser context and records what the DevTools protocol shows (cookies of every domain through
//! the Storage domain, requests and `Set-Cookie` headers through the Network domain, storage keys
//! and held tags from the page). It converts and records; [`crate::judge`] decides.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventRequestWillBeSent, EventResponseReceivedExtraInfo,
};
use chromiumoxide::cdp::browser_protocol::storage::GetCookiesParams;
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::Page;
use futures::StreamExt;
use serde::Deserialize;
use thiserror::Error;
use tokio::task::JoinHandle;
use url::Url;

use crate::record::{
    CookieSeen, CookieSource, HeldTag, Phase, PhaseRecord, RequestSeen, StorageArea, StorageSeen,
    POLL_MS,
};
use crate::site;

/// The flags the project's tests launch Chromium with (`tests/chromium.mjs`): root needs
/// `--no-sandbox`; the rest keeps Chromium from calling home, which would both slow a closed
/// network down and put Google's own requests into the report.
const CHROMIUM_FLAGS: &[&str] = &[
    "disable-gpu",
    "disable-quic",
    "no-first-run",
    "disable-background-networking",
    "disable-component-update",
    "disable-sync",
];

/// Why the browser side of a scan failed.
#[derive(Debug, Error)]
pub enum BrowserError {
    /// Chromium could not be started.
    #[error("cannot start Chromium ({path}): {reason}")]
    Launch {
        /// The executable tried.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The page could not be loaded at all.
    #[error("cannot load {url}: {reason}")]
    Unreachable {
        /// The page.
        url: String,
        /// Chromium's network error (`net::ERR_CONNECTION_REFUSED`, …).
        reason: String,
    },
    /// A DevTools protocol command failed.
    #[error("Chromium stopped answering while scanning {url}: {reason}")]
    Protocol {
        /// The page.
        url: String,
        /// The protocol error.
        reason: String,
    },
}

/// How a visit waits and watches.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Quiet time without a new request that counts as network idle.
    pub idle: Duration,
    /// Longest wait for network idle, and for the banner.
    pub timeout: Duration,
    /// How long to keep watching after the last step, so late writes and late erasing show.
    pub settle: Duration,
    /// How often cookies and storage are read.
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            idle: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
            // The widget erases refused data within 2 s of it being written (CONTRACT.md §3).
            settle: Duration::from_millis(2500),
            poll: Duration::from_millis(POLL_MS),
        }
    }
}

/// The config sources of a page, as the widget reads them.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PageConfig {
    /// Whether the page carries the widget's script tag.
    pub widget: bool,
    /// Text of `<script type="application/json" id="canenrich-consent-config">`.
    pub inline: Option<String>,
    /// How many elements carry that id (two is an invalid config).
    pub inline_count: u32,
    /// The `data-config` URL, absolute.
    pub config_url: Option<String>,
    /// Its body, when it could be fetched.
    pub config_text: Option<String>,
    /// Why it could not be fetched.
    pub config_error: Option<String>,
    /// `data-lang`, `data-theme`, `data-position` of the tag.
    pub attributes: BTreeMap<String, String>,
}

/// A link found on the page.
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    /// `href` as resolved by the browser.
    pub href: String,
    /// Its text.
    pub text: String,
}

/// What one phase of one page gave.
#[derive(Debug)]
pub struct Visit {
    /// The recorded phase.
    pub record: PhaseRecord,
    /// Things a person should know about the visit (no banner, …).
    pub notes: Vec<String>,
    /// Links on the page (read in the phase before any choice).
    pub links: Vec<Link>,
    /// The page's config sources (read in the phase before any choice).
    pub config: Option<PageConfig>,
    /// robots.txt of the page's origin, when asked for and served.
    pub robots: Option<String>,
}

/// A running Chromium.
pub struct Chromium {
    browser: Browser,
    handler: JoinHandle<()>,
    profile: PathBuf,
    timing: Timing,
}

/// What the network events told, shared with the tasks that receive them.
#[derive(Default)]
struct NetworkLog {
    page_site: String,
    start: Option<Instant>,
    last_request: Option<Instant>,
    requests: Vec<RequestSeen>,
    by_id: HashMap<String, usize>,
    http_cookies: HashSet<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking event task cannot leave the log half-written in a way that matters here.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn millis_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Chromium {
    /// Starts `executable` headless with the project's flags, plus
    /// `--host-resolver-rules=<rules>` when given.
    pub async fn launch(
        executable: &std::path::Path,
        host_rules: Option<&str>,
        timing: Timing,
    ) -> Result<Chromium, BrowserError> {
        let launch_error = |reason: String| BrowserError::Launch {
            path: executable.display().to_string(),
            reason,
        };
        let profile = std::env::temp_dir().join(format!("canenrich-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let mut config = BrowserConfig::builder()
            .chrome_executable(executable)
            .no_sandbox()
            .new_headless_mode()
            .user_data_dir(&profile)
            .window_size(1280, 800)
            .viewport(None)
            .args(CHROMIUM_FLAGS.iter().copied());
        if let Some(rules) = host_rules {
            config = config.arg(("host-resolver-rules", rules));
        }
        let config = config.build().map_err(launch_error)?;
        let (browser, mut handler) = Browser::launch(config)
            .await
            .map_err(|e| launch_error(e.to_string()))?;
        // The handler drives the connection. An event this protocol version does not know (or
        // cannot parse) comes out as an error item: skip it, never end the session for it.
        let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Ok(Chromium {
            browser,
            handler,
            profile,
            timing,
        })
    }

    /// `Chromium 156.0.…` as the browser reports itself.
    pub async fn version(&self) -> String {
        match self.browser.version().await {
            Ok(version) => version.product,
            Err(_) => "unknown Chromium".to_string(),
        }
    }

    /// Stops Chromium and removes its profile.
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    /// The text of the document at `url` (a JSON config, say), loaded in a fresh context.
    pub async fn text_of(&self, url: &str) -> Result<String, BrowserError> {
        let protocol = |e: chromiumoxide::error::CdpError| BrowserError::Protocol {
            url: url.to_string(),
            reason: e.to_string(),
        };
        let context = self
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(protocol)?;
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context.clone())
            .build()
            .map_err(|reason| BrowserError::Protocol {
                url: url.to_string(),
                reason,
            })?;
        let page = self.browser.new_page(target).await.map_err(protocol)?;
        let text = match page.goto(url).await {
            Ok(_) => page
                .evaluate_function("() => document.body ? document.body.innerText : ''")
                .await
                .map_err(protocol)
                .and_then(|r| {
                    r.into_value::<String>()
                        .map_err(|e| BrowserError::Protocol {
                            url: url.to_string(),
                            reason: e.to_string(),
                        })
                }),
            Err(error) => Err(BrowserError::Unreachable {
                url: url.to_string(),
                reason: error.to_string(),
            }),
        };
        let _ = page.close().await;
        let _ = self.browser.dispose_browser_context(context).await;
        text
    }

    /// Visits `url` for `phase` in a fresh browser context. With `explore`, also reads the
    /// page's links and config sources, and robots.txt when `robots` is set.
    pub async fn visit(
        &self,
        url: &Url,
        phase: Phase,
        explore: bool,
        robots: bool,
    ) -> Result<Visit, BrowserError> {
        let protocol = |e: chromiumoxide::error::CdpError| BrowserError::Protocol {
            url: url.to_string(),
            reason: e.to_string(),
        };
        let context = self
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .map_err(protocol)?;
        let target = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context.clone())
            .build()
            .map_err(|reason| BrowserError::Protocol {
                url: url.to_string(),
                reason,
            })?;
        let page = self.browser.new_page(target).await.map_err(protocol)?;
        let result = self
            .observe(&page, &context, url, phase, explore, robots)
            .await;
        let _ = page.close().await;
        let _ = self.browser.dispose_browser_context(context).await;
        result
    }

    async fn observe(
        &self,
        page: &Page,
        context: &BrowserContextId,
        url: &Url,
        phase: Phase,
        explore: bool,
        robots: bool,
    ) -> Result<Visit, BrowserError> {
        let protocol = |e: chromiumoxide::error::CdpError| BrowserError::Protocol {
            url: url.to_string(),
            reason: e.to_string(),
        };
        let log = Arc::new(Mutex::new(NetworkLog {
            page_site: site::of(url.host_str().unwrap_or_default()),
            ..NetworkLog::default()
        }));
        let listeners = self.listen(page, &log).await.map_err(protocol)?;
        let mut watch = Watch::new(self, page, context, url);
        let start = Instant::now();
        lock(&log).start = Some(start);
        watch.start = start;
        let loaded = page.goto(url.as_str()).await;
        if let Err(error) = loaded {
            abort(listeners);
            return Err(BrowserError::Unreachable {
                url: url.to_string(),
                reason: error.to_string(),
            });
        }
        let mut notes = Vec::new();
        watch.until_idle(&log).await;
        let _ = page
            .evaluate_function("() => window.scrollTo(0, document.documentElement.scrollHeight)")
            .await;
        watch.until_idle(&log).await;
        let mut choice_at = None;
        let button = match phase {
            Phase::Before => None,
            Phase::RejectAll => Some("reject-all"),
            Phase::AcceptAll => Some("accept-all"),
        };
        if let Some(button) = button {
            match watch.choose(button).await {
                Ok(at) => choice_at = Some(at),
                Err(note) => notes.push(note),
            }
            watch.until_idle(&log).await;
        }
        watch.settle().await;
        let ended_at = millis_since(start);
        let held = page
            .evaluate_function(HELD_JS)
            .await
            .ok()
            .and_then(|r| r.into_value::<Vec<HeldTag>>().ok())
            .unwrap_or_default();
        let (links, config, robots_txt) = if explore {
            let links = page
                .evaluate_function(LINKS_JS)
                .await
                .ok()
                .and_then(|r| r.into_value::<Vec<Link>>().ok())
                .unwrap_or_default();
            let config = page
                .evaluate_function(CONFIG_JS)
                .await
                .map_err(protocol)?
                .into_value::<PageConfig>()
                .map_err(|e| BrowserError::Protocol {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
            let robots_txt = if robots {
                page.evaluate_function(ROBOTS_JS)
                    .await
                    .ok()
                    .and_then(|r| r.into_value::<Option<String>>().ok())
                    .flatten()
            } else {
                None
            };
            (links, Some(config), robots_txt)
        } else {
            (Vec::new(), None, None)
        };
        abort(listeners);
        let log = lock(&log);
        let cookies = watch
            .cookies
            .into_values()
            .map(|(mut cookie, last_poll)| {
                cookie.present_at_end = last_poll == watch.polls;
                if log.http_cookies.contains(&cookie.name) {
                    cookie.source = CookieSource::Http;
                }
                cookie
            })
            .collect();
        let storage = watch
            .storage
            .into_values()
            .map(|(mut item, last_poll)| {
                item.present_at_end = last_poll == watch.polls;
                item
            })
            .collect();
        Ok(Visit {
            record: PhaseRecord {
                phase,
                choice_at_ms: choice_at,
                ended_at_ms: ended_at,
                cookies,
                storage,
                requests: log.requests.clone(),
                held,
            },
            notes,
            links,
            config,
            robots: robots_txt,
        })
    }

    /// Subscribes to the Network events before the page loads anything.
    async fn listen(
        &self,
        page: &Page,
        log: &Arc<Mutex<NetworkLog>>,
    ) -> Result<Vec<JoinHandle<()>>, chromiumoxide::error::CdpError> {
        let mut sent = page.event_listener::<EventRequestWillBeSent>().await?;
        let mut extra = page
            .event_listener::<EventResponseReceivedExtraInfo>()
            .await?;
        let mut failed = page.event_listener::<EventLoadingFailed>().await?;
        let sent_log = Arc::clone(log);
        let sent_task = tokio::spawn(async move {
            while let Some(event) = sent.next().await {
                let mut log = lock(&sent_log);
                let now = Instant::now();
                log.last_request = Some(now);
                let Ok(request_url) = Url::parse(&event.request.url) else {
                    continue;
                };
                let host = request_url.host_str().unwrap_or_default().to_string();
                if !matches!(request_url.scheme(), "http" | "https" | "ws" | "wss")
                    || site::of(&host) == log.page_site
                {
                    continue;
                }
                let at_ms = log.start.map_or(0, millis_since);
                let mut initiator = event.initiator.r#type.as_ref().to_string();
                // The script on top of the stack says more than the document that loaded it.
                let initiator_url = event
                    .initiator
                    .stack
                    .as_ref()
                    .and_then(|stack| stack.call_frames.first().map(|frame| frame.url.clone()))
                    .filter(|u| !u.is_empty())
                    .or_else(|| event.initiator.url.clone());
                if let Some(from) = initiator_url.filter(|u| !u.is_empty()) {
                    initiator = format!("{initiator} {}", strip_query(&from));
                }
                let resource_type = event
                    .r#type
                    .as_ref()
                    .map_or("Other".to_string(), |t| t.as_ref().to_string());
                let index = log.requests.len();
                log.by_id.insert(event.request_id.inner().clone(), index);
                log.requests.push(RequestSeen {
                    host,
                    url: strip_query(&event.request.url),
                    resource_type,
                    initiator,
                    at_ms,
                    blocked: None,
                });
            }
        });
        let extra_log = Arc::clone(log);
        let extra_task = tokio::spawn(async move {
            while let Some(event) = extra.next().await {
                let names = set_cookie_names(event.headers.inner());
                lock(&extra_log).http_cookies.extend(names);
            }
        });
        let failed_log = Arc::clone(log);
        let failed_task = tokio::spawn(async move {
            while let Some(event) = failed.next().await {
                let Some(reason) = event.blocked_reason.as_ref() else {
                    continue;
                };
                let mut log = lock(&failed_log);
                if let Some(&index) = log.by_id.get(event.request_id.inner()) {
                    log.requests[index].blocked = Some(reason.as_ref().to_string());
                }
            }
        });
        Ok(vec![sent_task, extra_task, failed_task])
    }
}

fn abort(tasks: Vec<JoinHandle<()>>) {
    for task in tasks {
        task.abort();
    }
}

/// The URL without query and fragment: they often carry identifiers.
fn strip_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_string()
}

/// Cookie names in the `Set-Cookie` header(s) of a response's raw headers.
fn set_cookie_names(headers: &serde_json::Value) -> Vec<String> {
    let Some(map) = headers.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.as_str())
        // The protocol joins several Set-Cookie headers with newlines.
        .flat_map(|value| value.split('\n'))
        .filter_map(|line| {
            line.split_once('=')
                .map(|(name, _)| name.trim().to_string())
        })
        .collect()
}

/// Polls cookies and storage while a visit runs.
struct Watch<'a> {
    chromium: &'a Chromium,
    page: &'a Page,
    context: &'a BrowserContextId,
    start: Instant,
    polls: u64,
    /// `(name, domain, path)` → the cookie and the poll it was last seen in.
    cookies: BTreeMap<(String, String, String), (CookieSeen, u64)>,
    storage: BTreeMap<(StorageArea, String), (StorageSeen, u64)>,
    url: String,
}

#[derive(Deserialize)]
struct StorageKeys {
    local: Vec<String>,
    session: Vec<String>,
}

impl<'a> Watch<'a> {
    fn new(
        chromium: &'a Chromium,
        page: &'a Page,
        context: &'a BrowserContextId,
        url: &Url,
    ) -> Self {
        Watch {
            chromium,
            page,
            context,
            start: Instant::now(),
            polls: 0,
            cookies: BTreeMap::new(),
            storage: BTreeMap::new(),
            url: url.to_string(),
        }
    }

    /// Reads every cookie of the browser context and the page's storage keys once.
    async fn poll(&mut self) {
        let now = millis_since(self.start);
        self.polls += 1;
        let params = GetCookiesParams::builder()
            .browser_context_id(self.context.clone())
            .build();
        if let Ok(response) = self.chromium.browser.execute(params).await {
            for cookie in response.result.cookies {
                let key = (
                    cookie.name.clone(),
                    cookie.domain.clone(),
                    cookie.path.clone(),
                );
                let entry = self.cookies.entry(key).or_insert_with(|| {
                    (
                        CookieSeen {
                            name: cookie.name.clone(),
                            domain: cookie.domain.clone(),
                            path: cookie.path.clone(),
                            expires: (!cookie.session).then_some(cookie.expires),
                            source: CookieSource::Script,
                            first_seen_ms: now,
                            last_seen_ms: now,
                            present_at_end: false,
                        },
                        0,
                    )
                });
                entry.0.last_seen_ms = now;
                entry.0.expires = (!cookie.session).then_some(cookie.expires);
                entry.1 = self.polls;
            }
        }
        let keys = self
            .page
            .evaluate_function(STORAGE_JS)
            .await
            .ok()
            .and_then(|r| r.into_value::<StorageKeys>().ok());
        if let Some(keys) = keys {
            let areas = [
                (StorageArea::Local, keys.local),
                (StorageArea::Session, keys.session),
            ];
            for (area, keys) in areas {
                for key in keys {
                    let entry = self.storage.entry((area, key.clone())).or_insert_with(|| {
                        (
                            StorageSeen {
                                area,
                                key,
                                first_seen_ms: now,
                                last_seen_ms: now,
                                present_at_end: false,
                            },
                            0,
                        )
                    });
                    entry.0.last_seen_ms = now;
                    entry.1 = self.polls;
                }
            }
        }
    }

    async fn tick(&mut self) {
        let started = Instant::now();
        self.poll().await;
        let spent = started.elapsed();
        tokio::time::sleep(self.chromium.timing.poll.saturating_sub(spent)).await;
    }

    /// Polls until no request has started for the idle time, or the timeout.
    async fn until_idle(&mut self, log: &Arc<Mutex<NetworkLog>>) {
        let timing = self.chromium.timing.clone();
        let began = Instant::now();
        loop {
            self.tick().await;
            let last = lock(log).last_request.unwrap_or(began).max(began);
            if last.elapsed() >= timing.idle || began.elapsed() >= timing.timeout {
                return;
            }
        }
    }

    /// Polls for the settle time.
    async fn settle(&mut self) {
        let began = Instant::now();
        while began.elapsed() < self.chromium.timing.settle {
            self.tick().await;
        }
        self.poll().await;
    }

    /// Clicks the banner's `data-testid` button and waits until the widget has recorded the
    /// choice; the time it has, or a note saying why no choice could be made.
    async fn choose(&mut self, button: &str) -> Result<u64, String> {
        let timeout = self.chromium.timing.timeout;
        let began = Instant::now();
        let click = format!("() => {{ {CLICK_JS} return click({button:?}); }}");
        let mut clicked = false;
        while began.elapsed() < timeout {
            if !clicked {
                clicked = self
                    .page
                    .evaluate_function(click.as_str())
                    .await
                    .ok()
                    .and_then(|r| r.into_value::<bool>().ok())
                    .unwrap_or(false);
            }
            if clicked {
                let recorded = self
                    .page
                    .evaluate_function(CONSENT_JS)
                    .await
                    .ok()
                    .and_then(|r| r.into_value::<bool>().ok())
                    .unwrap_or(false);
                if recorded {
                    return Ok(millis_since(self.start));
                }
            }
            self.tick().await;
        }
        Err(if clicked {
            format!(
                "{}: clicked `{button}` but the widget recorded no choice within {} s",
                self.url,
                timeout.as_secs()
            )
        } else {
            format!(
                "{}: no banner button `{button}` within {} s (is the widget on this page?)",
                self.url,
                timeout.as_secs()
            )
        })
    }
}

/// Finds a banner button by its QA hook (CONTRACT.md §5) and clicks it.
const CLICK_JS: &str = r#"
function click(testid) {
  const host = document.getElementById('canenrich-consent');
  const root = host && host.shadowRoot;
  const button = root && root.querySelector('[data-testid="' + testid + '"]');
  if (!button) return false;
  button.click();
  return true;
}"#;

/// Whether the widget has recorded a choice.
const CONSENT_JS: &str = r#"() => {
  const api = window.CanEnrichConsent;
  try { return !!(api && api.getConsent && api.getConsent()); } catch (e) { return false; }
}"#;

/// The page's storage keys.
const STORAGE_JS: &str = r#"() => {
  const keys = (area) => { try { return Object.keys(window[area]); } catch (e) { return []; } };
  return { local: keys('localStorage'), session: keys('sessionStorage') };
}"#;

/// Gated elements still held (the widget's own rule: a `text/plain` script, or an element that
/// still carries a deferred address).
const HELD_JS: &str = r#"() => {
  const deferred = ['data-src', 'data-srcset', 'data-href', 'data-poster'];
  return Array.from(document.querySelectorAll('[data-category]')).filter((el) =>
    el.tagName === 'SCRIPT' ? el.getAttribute('type') === 'text/plain'
                            : deferred.some((a) => el.hasAttribute(a))
  ).map((el) => ({
    element: el.tagName.toLowerCase(),
    category: el.getAttribute('data-category') || '',
    service: el.getAttribute('data-service'),
    address: el.getAttribute('data-src') || el.getAttribute('src') || el.getAttribute('data-href') || 'inline',
  }));
}"#;

/// Links of the page.
const LINKS_JS: &str = r#"() => Array.from(document.querySelectorAll('a[href]'), (a) => ({
  href: a.href, text: (a.textContent || '').trim().slice(0, 200),
}))"#;

/// The widget's config sources, read as the widget reads them (CONTRACT.md §1).
const CONFIG_JS: &str = r#"async () => {
  const tag = document.querySelector('script[src*="canenrich-consent"][src$=".js"], script[data-config]');
  const inline = document.querySelectorAll('#canenrich-consent-config');
  const element = inline.length === 1 && inline[0].tagName === 'SCRIPT'
    && inline[0].type === 'application/json' ? inline[0] : null;
  const result = {
    widget: !!tag, inline: element ? element.textContent : null, inlineCount: inline.length,
    configUrl: null, configText: null, configError: null, attributes: {},
  };
  if (!tag) return result;
  for (const name of ['lang', 'theme', 'position']) {
    const value = tag.getAttribute('data-' + name);
    if (value !== null) result.attributes[name] = value;
  }
  const src = tag.getAttribute('data-config');
  if (src) {
    result.configUrl = new URL(src, document.baseURI).href;
    try {
      const response = await fetch(result.configUrl, { credentials: 'same-origin' });
      if (response.ok) result.configText = await response.text();
      else result.configError = 'HTTP ' + response.status;
    } catch (e) { result.configError = String(e); }
  }
  return result;
}"#;

/// robots.txt of the page's origin, or `null`.
const ROBOTS_JS: &str = r#"async () => {
  try {
    const response = await fetch('/robots.txt', { credentials: 'omit' });
    return response.ok ? await response.text() : null;
  } catch (e) { return null; }
}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_names_reads_every_joined_header_line() {
        let headers = serde_json::json!({
            "Content-Type": "text/html",
            "set-cookie": "sid=1; Path=/; HttpOnly\nlang=en; Path=/",
        });
        assert_eq!(set_cookie_names(&headers), ["sid", "lang"]);
        assert!(set_cookie_names(&serde_json::json!({})).is_empty());
    }
}
