//! What the browser saw on one page, phase by phase: PURE data, recorded by [`crate::browser`]
//! and judged by [`crate::judge`]. Times are milliseconds since the phase's page started loading.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How often cookies and storage are read during a phase, in milliseconds: a cookie seen in one
/// read only lived somewhere under two of these.
pub const POLL_MS: u64 = 100;

/// The three visits made to every page, each in a fresh browser context.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Loaded, network idle, scrolled once; no choice made.
    Before,
    /// **Reject all** clicked in the banner.
    RejectAll,
    /// **Accept all** clicked in the banner.
    AcceptAll,
}

impl Phase {
    /// Every phase, in the order they are run.
    pub const ALL: [Phase; 3] = [Phase::Before, Phase::RejectAll, Phase::AcceptAll];

    /// How a person names the phase.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Before => "before any choice",
            Phase::RejectAll => "after Reject all",
            Phase::AcceptAll => "after Accept all",
        }
    }
}

/// Where a cookie came from, as far as the DevTools protocol tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CookieSource {
    /// A `Set-Cookie` response header (seen by the Network domain).
    Http,
    /// No response set it: `document.cookie` or the Cookie Store API.
    Script,
}

/// One cookie as seen in a phase (name, domain and path identify it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CookieSeen {
    /// The cookie's name.
    pub name: String,
    /// Its domain as the browser stores it (a leading `.` for a `Domain` cookie).
    pub domain: String,
    /// Its path.
    pub path: String,
    /// When it expires, in seconds since the Unix epoch; `null` for a session cookie.
    pub expires: Option<f64>,
    /// Whether a response header or a script set it.
    pub source: CookieSource,
    /// First time it was seen.
    pub first_seen_ms: u64,
    /// Last time it was seen.
    pub last_seen_ms: u64,
    /// Still there when the phase ended.
    pub present_at_end: bool,
}

/// `localStorage` or `sessionStorage`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StorageArea {
    /// `window.localStorage`.
    Local,
    /// `window.sessionStorage`.
    Session,
}

/// One storage key of the page's own origin, as seen in a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StorageSeen {
    /// Which storage.
    pub area: StorageArea,
    /// The key.
    pub key: String,
    /// First time it was seen.
    pub first_seen_ms: u64,
    /// Last time it was seen.
    pub last_seen_ms: u64,
    /// Still there when the phase ended.
    pub present_at_end: bool,
}

/// One request to another site (another registrable domain than the page's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestSeen {
    /// The host it went to.
    pub host: String,
    /// The URL without its query string and fragment (they often carry identifiers).
    pub url: String,
    /// The resource type the Network domain gives (`Script`, `Image`, `Fetch`, `Ping`, …).
    pub resource_type: String,
    /// What started it: `parser`, `script`, `preload`, `other`, followed by the URL of the
    /// document or script that did when the protocol names one.
    pub initiator: String,
    /// When it was sent.
    pub at_ms: u64,
    /// Why the browser blocked it before it left (`csp`, `mixed-content`, …); `null` when it
    /// was sent.
    pub blocked: Option<String>,
}

/// A gated element (`data-category`) still held when the phase ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HeldTag {
    /// The element (`script`, `iframe`, `img`, …).
    pub element: String,
    /// Its `data-category`.
    pub category: String,
    /// Its `data-service`, if any.
    pub service: Option<String>,
    /// Its `data-src` (or `src`), or `inline`.
    pub address: String,
}

/// Everything seen in one phase of one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseRecord {
    /// Which phase.
    pub phase: Phase,
    /// When the widget had recorded the choice (after the click); `null` before any choice.
    pub choice_at_ms: Option<u64>,
    /// When observation stopped.
    pub ended_at_ms: u64,
    /// Every cookie of every domain in the browser context.
    pub cookies: Vec<CookieSeen>,
    /// Every storage key of the page's origin.
    pub storage: Vec<StorageSeen>,
    /// Every request to another site.
    pub requests: Vec<RequestSeen>,
    /// Gated elements still held at the end.
    pub held: Vec<HeldTag>,
}

/// The three phases of one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PageRecord {
    /// The page's URL.
    pub url: String,
    /// Its phases, in [`Phase::ALL`] order.
    pub phases: Vec<PhaseRecord>,
}
