//! What to release and what to erase, decided from the consent and the config alone. Pure: the
//! DOM adapter hands in attribute values, cookie names and storage keys, and applies the result.

use crate::config::Config;
use crate::model::{pattern, Consent, Millis, NECESSARY};
use crate::storage::outbox;

/// Every element the blocker holds: inert scripts, and the kinds of `plan::deferred_addresses`
/// whose address waits in a `data-` attribute. Elements refused once are left out.
pub const HELD: &str = "script[type='text/plain'][data-category]:not([data-canenrich-refused]), \
    :is(iframe, img, source, video, audio, embed)[data-category][data-src]:not([data-canenrich-refused]), \
    :is(img, source)[data-category][data-srcset]:not([data-canenrich-refused]), \
    iframe[data-category][data-srcdoc]:not([data-canenrich-refused]), \
    video[data-category][data-poster]:not([data-canenrich-refused]), \
    object[data-category][data-data]:not([data-canenrich-refused]), \
    link[data-category][data-href]:not([data-canenrich-refused])";

/// Set on an element the widget releases: from then on the loader lets addresses set on it
/// through.
pub const RELEASED: &str = "data-canenrich-released";

/// Set on a held element the widget refused to release (`plan::refusal`), so it is reported once.
pub const REFUSED: &str = "data-canenrich-refused";

/// Set on a frame while the widget's placeholder is drawn in it.
pub const COVERED: &str = "data-canenrich-covered";
/// The placeholder's test id (and how a frame's document is known to hold it).
pub const EMBED_TEST_ID: &str = "embed-placeholder";
/// The page's theme properties, copied from the frame onto the placeholder (custom properties
/// do not inherit into the frame's document).
pub const THEME: [&str; 13] = [
    "--canenrich-bg",
    "--canenrich-fg",
    "--canenrich-muted",
    "--canenrich-border",
    "--canenrich-button-bg",
    "--canenrich-button-fg",
    "--canenrich-accent",
    "--canenrich-radius",
    "--canenrich-dark-bg",
    "--canenrich-dark-fg",
    "--canenrich-dark-muted",
    "--canenrich-dark-button-bg",
    "--canenrich-dark-accent",
];

/// The condition in a `data-category` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// `data-category="analytics"`: runs once the category is accepted.
    Accepted(String),
    /// `data-category="!marketing"`: runs only once a choice refused the category.
    Refused(String),
}

impl Gate {
    /// Reads a `data-category` value. Anything unreadable is `None` and never released.
    pub fn parse(attribute: &str) -> Option<Gate> {
        let value = attribute.trim();
        let (negated, name) = match value.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, value),
        };
        if !crate::model::codec::is_category_name(name) {
            return None;
        }
        let name = name.to_string();
        Some(if negated {
            Gate::Refused(name)
        } else {
            Gate::Accepted(name)
        })
    }

    /// Whether an element behind this gate may run now. `necessary` is open before any choice;
    /// everything else waits for one.
    pub fn is_open(&self, consent: Option<&Consent>) -> bool {
        self.is_open_for(consent, None)
    }

    /// Like [`Gate::is_open`] for an element of `service` (its `data-service`): a service the
    /// visitor switched off stays closed even though its category is accepted.
    pub fn is_open_for(&self, consent: Option<&Consent>, service: Option<&str>) -> bool {
        match (self, consent) {
            (Gate::Accepted(name), _) if name == NECESSARY => true,
            (Gate::Accepted(name), Some(consent)) => consent.accepts_service(name, service),
            (Gate::Refused(name), Some(consent)) => !consent.accepts(name),
            (_, None) => false,
        }
    }
}

/// Cookies and storage keys to remove now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Cookie names present on the page that belong to a refused category.
    pub cookies: Vec<String>,
    /// localStorage / sessionStorage keys that belong to a refused category.
    pub storage: Vec<String>,
}

impl Erasure {
    /// Whether there is nothing to erase.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty() && self.storage.is_empty()
    }
}

/// What to erase given the present `cookies` and `storage` keys: everything matching a category
/// that is refused (before any choice, every category but `necessary` counts as refused), never an
/// essential cookie nor the widget's own receipt outbox.
pub fn erasure(
    config: &Config,
    consent: Option<&Consent>,
    cookies: &[String],
    storage: &[String],
) -> Erasure {
    let refused: Vec<_> = config
        .categories
        .iter()
        .filter(|c| !c.is_necessary() && !consent.is_some_and(|k| k.accepts(&c.name)))
        .collect();
    let cookies = cookies
        .iter()
        .filter(|name| !pattern::matches_any(&config.essential_cookies, name))
        .filter(|name| {
            refused
                .iter()
                .any(|c| pattern::matches_any(&c.cookies, name))
        })
        .cloned()
        .collect();
    let storage = storage
        .iter()
        .filter(|key| !is_own_key(key))
        .filter(|key| {
            refused
                .iter()
                .any(|c| pattern::matches_any(&c.storage, key))
        })
        .cloned()
        .collect();
    Erasure { cookies, storage }
}

/// Cookies and storage keys present before any choice that are neither essential, the widget's
/// own, nor listed by any category: something on the page set them without asking (debug mode
/// reports them as pre-consent leaks).
pub fn leaks(config: &Config, cookies: &[String], storage: &[String]) -> Erasure {
    let listed = |name: &str, patterns: fn(&crate::config::Category) -> &Vec<String>| {
        config
            .categories
            .iter()
            .any(|c| pattern::matches_any(patterns(c), name))
    };
    Erasure {
        cookies: cookies
            .iter()
            .filter(|name| {
                !is_own_cookie(name)
                    && !pattern::matches_any(&config.essential_cookies, name)
                    && !listed(name, |c| &c.cookies)
            })
            .cloned()
            .collect(),
        storage: storage
            .iter()
            .filter(|key| !is_own_key(key) && !listed(key, |c| &c.storage))
            .cloned()
            .collect(),
    }
}

/// Whether a request the page made before any choice is worth reporting as a possible leak: a
/// script, image, frame, beacon or XHR/fetch that is not the widget's own file. Stylesheets and
/// fonts are left out: they rarely track and would drown the report.
pub fn is_reportable_request(initiator: &str, url: &str) -> bool {
    let own = ["canenrich-consent", "canenrich_consent"]
        .iter()
        .any(|name| url.contains(name));
    !own && matches!(
        initiator,
        "script" | "img" | "image" | "iframe" | "beacon" | "fetch" | "xmlhttprequest" | "other"
    )
}

/// Every address attribute a held element may keep, with the attribute it is moved into when the
/// element is released ([`deferred_addresses`] says which kinds carry which). The loader holds
/// inserted elements by the reverse move.
pub const DEFERRED: [(&str, &str); 6] = [
    ("data-src", "src"),
    ("data-srcset", "srcset"),
    ("data-href", "href"),
    ("data-poster", "poster"),
    ("data-srcdoc", "srcdoc"),
    ("data-data", "data"),
];

/// Cookies the widget itself writes (the choice under both its names, and the probe that checks
/// cookies work); they are never blocked or erased. Exact names only: a page script's
/// `canenrich_anything` is judged like any other cookie.
pub const OWN_COOKIES: [&str; 3] = [
    crate::storage::COOKIE_NAME,
    crate::storage::HOST_COOKIE_NAME,
    "canenrich_probe",
];

/// Whether storage key `key` is the widget's own (its receipt outbox, its lean core's settings):
/// never erased, never a leak.
pub fn is_own_key(key: &str) -> bool {
    outbox::is_key(key) || key == crate::core_settings::STORAGE_KEY
}

/// Whether `name` is one of [`OWN_COOKIES`].
pub fn is_own_cookie(name: &str) -> bool {
    OWN_COOKIES.contains(&name)
}

/// Whether a script may keep the cookie `name` it writes through `document.cookie`: essential
/// cookies (`essentialCookies` and the `necessary` category's patterns) and the widget's own
/// always; before a choice nothing else; after one, cookies of accepted categories, and cookies no
/// category lists only when every category is accepted.
pub fn keeps_cookie(config: &Config, consent: Option<&Consent>, name: &str) -> bool {
    let necessary = config
        .categories
        .iter()
        .any(|c| c.is_necessary() && pattern::matches_any(&c.cookies, name));
    if necessary || is_own_cookie(name) || pattern::matches_any(&config.essential_cookies, name) {
        return true;
    }
    let Some(consent) = consent else {
        return false;
    };
    let owner = config
        .categories
        .iter()
        .find(|c| pattern::matches_any(&c.cookies, name));
    match owner {
        Some(category) => consent.accepts(&category.name),
        None => config.category_names().all(|c| consent.accepts(c)),
    }
}

/// A script's `document.cookie` assignment, read the way the browser will read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment<'a> {
    /// The cookie's name. A pair without `=` is a nameless cookie whose value is the whole pair
    /// (RFC 6265bis §5.6): its name is `""`, not the text before the first `;`.
    pub name: &'a str,
    /// Whether the browser removes the cookie instead of keeping it: its expiry is not after
    /// `now`.
    pub deletes: bool,
}

/// Reads `assignment` (`name=value; Max-Age=0; Path=/`) at `now`. It counts as a deletion only
/// when its expiry is in the past under both readings browsers use, so that a write cannot pass
/// as a deletion in any of them:
///
/// - RFC 6265bis: the last *valid* `Max-Age` (`-?[0-9]+`) if any, else the last `Expires` that
///   parses as a cookie date; neither means a session cookie;
/// - Chromium: the last `Max-Age` attribute whatever its value (an invalid one falls through to
///   `Expires`; digits that overflow saturate), else the last `Expires` attribute.
///
/// Dates are parsed with the cookie-date algorithm (RFC 6265bis §5.4.1), not `Date.parse`: a bare
/// `expires=1970` is no cookie date (a session cookie), though `Date.parse` reads it as 1970.
pub fn parse_assignment(assignment: &str, now: Millis) -> Assignment<'_> {
    // Read over bytes, without `str` searching and slicing: the lean core links this, and their
    // panics and searchers would double its share of the build. Every delimiter is ASCII, so
    // every cut is on a character boundary.
    let bytes = assignment.as_bytes();
    let mut parts = bytes.split(|&b| b == b';');
    let first = parts.next().unwrap_or_default();
    let name = match first.iter().position(|&b| b == b'=') {
        Some(equals) => {
            let (start, end) = trimmed(first, 0, equals);
            assignment.get(start..end).unwrap_or_default()
        }
        None => "",
    };
    // RFC 6265bis: the last valid Max-Age, the last Expires that is a cookie date. Chromium: the
    // last Max-Age attribute, the last Expires attribute.
    let (mut spec_max_age_last, mut max_age_last) = (None, None);
    let (mut date_last, mut expires_last) = (None, None);
    for attribute in parts {
        let (key, value) = match attribute.iter().position(|&b| b == b'=') {
            Some(equals) => (
                slice(attribute, 0, equals),
                slice(attribute, equals + 1, attribute.len()),
            ),
            None => (attribute, &[][..]),
        };
        let key = trim(key);
        let value = trim(value);
        if key.eq_ignore_ascii_case(b"max-age") {
            max_age_last = Some(value);
            if let Some(seconds) = max_age(value, false) {
                spec_max_age_last = Some(seconds);
            }
        } else if key.eq_ignore_ascii_case(b"expires") {
            expires_last = Some(value);
            if let Some(at) = cookie_date(value) {
                date_last = Some(at);
            }
        }
    }
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    let after = |seconds: i64| now.saturating_add(seconds.saturating_mul(1000));
    let past = |expiry: Option<i64>| expiry.is_some_and(|at| at <= now);
    let spec = spec_max_age_last.map(after).or(date_last);
    let chromium = match max_age_last.and_then(|value| max_age(value, true)) {
        Some(seconds) => Some(after(seconds)),
        None => expires_last
            .filter(|value| !value.is_empty())
            .and_then(cookie_date),
    };
    Assignment {
        name,
        deletes: past(spec) && past(chromium),
    }
}

/// `bytes[start..end]`, empty when out of range.
fn slice(bytes: &[u8], start: usize, end: usize) -> &[u8] {
    bytes.get(start..end).unwrap_or_default()
}

/// Whether `b` is whitespace a cookie string's parts are trimmed of.
fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The bounds of `bytes[start..end]` without the whitespace around it.
fn trimmed(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && bytes.get(start).copied().is_some_and(is_ws) {
        start += 1;
    }
    while end > start && bytes.get(end - 1).copied().is_some_and(is_ws) {
        end -= 1;
    }
    (start, end)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let (start, end) = trimmed(bytes, 0, bytes.len());
    slice(bytes, start, end)
}

/// The value of `digits` (ASCII digits only, checked by the caller), saturating at `i64::MAX`.
fn saturating_number(digits: &[u8]) -> i64 {
    digits.iter().fold(0i64, |value, &digit| {
        value
            .saturating_mul(10)
            .saturating_add(i64::from(digit - b'0'))
    })
}

/// A Max-Age value in seconds, or `None` when it is not one: an optional sign and digits only,
/// digits that overflow saturating (only the sign matters for a deletion). RFC 6265bis §5.6.2
/// allows only `-` (`plus: false`); Chromium's `StringToInt64`, as its cookie code uses it, also
/// `+` (`plus: true`).
fn max_age(value: &[u8], plus: bool) -> Option<i64> {
    let (negative, digits) = match value.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) if plus => (false, rest),
        _ => (false, value),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = saturating_number(digits);
    Some(if negative { -magnitude } else { magnitude })
}

/// Milliseconds since the epoch of a cookie date (RFC 6265bis §5.4.1), `None` when it is none.
fn cookie_date(text: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let is_delimiter =
        |b: &u8| matches!(b, b'\t' | b' '..=b'/' | b';'..=b'@' | b'['..=b'`' | b'{'..=b'~');
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in text.split(is_delimiter).filter(|t| !t.is_empty()) {
        if time.is_none() {
            if let Some(found) = hms(token) {
                time = Some(found);
                continue;
            }
        }
        if day.is_none() {
            if let Some(found) = leading_digits(token, 1, 2) {
                day = Some(found);
                continue;
            }
        }
        if month.is_none() {
            let prefix = token.get(..3);
            if let Some(index) = MONTHS
                .iter()
                .position(|m| prefix.is_some_and(|p| p.eq_ignore_ascii_case(*m)))
            {
                month = Some(index as i64 + 1);
                continue;
            }
        }
        if year.is_none() {
            if let Some(found) = leading_digits(token, 2, 4) {
                year = Some(found);
            }
        }
    }
    let ((hour, minute, second), day, month, mut year) = (time?, day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if (0..=69).contains(&year) {
        year += 2000;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid = year >= 1601
        && hour <= 23
        && minute <= 59
        && second <= 59
        && day >= 1
        && usize::try_from(month - 1)
            .ok()
            .and_then(|m| month_days.get(m))
            .is_some_and(|last| day <= *last);
    if !valid {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(seconds * 1000)
}

/// `min..=max` digits at the start of `token`, followed by nothing or a non-digit.
fn leading_digits(token: &[u8], min: usize, max: usize) -> Option<i64> {
    let count = token.iter().take_while(|b| b.is_ascii_digit()).count();
    (min..=max)
        .contains(&count)
        .then(|| saturating_number(slice(token, 0, count)))
}

/// `h:m:s` with one or two digits each, then nothing or a non-digit.
fn hms(token: &[u8]) -> Option<(i64, i64, i64)> {
    let mut fields = token.splitn(3, |&b| b == b':');
    let hour = fields.next()?;
    let minute = fields.next()?;
    let second = fields.next()?;
    let whole =
        |field: &[u8]| (1..=2).contains(&field.len()) && field.iter().all(u8::is_ascii_digit);
    if !whole(hour) || !whole(minute) {
        return None;
    }
    Some((
        saturating_number(hour),
        saturating_number(minute),
        leading_digits(second, 1, 2)?,
    ))
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The addresses a held element of kind `tag` (lower case) waits with: each held attribute and
/// the attribute it becomes on release. Only these kinds are released; any other element with
/// `data-src` (an `<a>`, a `<div>`) is left alone. Scripts are revived, not moved.
pub fn deferred_addresses(tag: &str) -> &'static [(&'static str, &'static str)] {
    const SRC: (&str, &str) = ("data-src", "src");
    const SRCSET: (&str, &str) = ("data-srcset", "srcset");
    match tag {
        "iframe" => &[SRC, ("data-srcdoc", "srcdoc")],
        "img" | "source" => &[SRC, SRCSET],
        "video" => &[SRC, ("data-poster", "poster")],
        "audio" | "embed" => &[SRC],
        "object" => &[("data-data", "data")],
        "link" => &[("data-href", "href")],
        "script" => &[SRC],
        _ => &[],
    }
}

/// Why a held element must not be released even though its gate is open, or `None` when it
/// may be. `attribute` reads the element's attributes; `own_nonce` is its `nonce` (the
/// property: the attribute reads as "" once a CSP hides it) and `page_nonce` the loader tag's.
///
/// Gated markup is run by the widget, from trusted code: markup an attacker slipped into the
/// page (past a sanitizer, or under a CSP that would never have run it) must not gain that
/// trust. So when the loader tag carries a nonce, a script is released only with that same
/// nonce; and every held address must be http(s) or relative (`javascript:` in a frame's `src`
/// runs at once, `data:` and `blob:` smuggle content in).
pub fn refusal(
    tag: &str,
    attribute: impl Fn(&str) -> Option<String>,
    own_nonce: &str,
    page_nonce: Option<&str>,
) -> Option<Refusal> {
    if tag == "script" {
        if let Some(page) = page_nonce.filter(|n| !n.is_empty()) {
            if own_nonce != page {
                return Some(Refusal::Nonce);
            }
        }
    }
    for (held, _) in deferred_addresses(tag) {
        let Some(value) = attribute(held) else {
            continue;
        };
        let safe = match *held {
            "data-srcset" => is_safe_srcset(&value),
            // Markup, not an address: gated markup is the site's own code.
            "data-srcdoc" => true,
            _ => is_safe_address(&value),
        };
        if !safe {
            return Some(Refusal::Address {
                attribute: held,
                value,
            });
        }
    }
    None
}

/// Why [`refusal`] keeps a held element inert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A script without the loader tag's nonce.
    Nonce,
    /// A held address (`attribute`) that is not http(s) or relative.
    Address {
        /// The held attribute (`data-src` …).
        attribute: &'static str,
        /// Its value.
        value: String,
    },
}

impl Refusal {
    /// The reason as a console line ends with it. Built without `format!`: the lean core
    /// reports it too, and Rust's formatting machinery would double its size.
    pub fn describe(&self) -> String {
        match self {
            Refusal::Nonce => "it does not carry the nonce of the loader's script tag".to_string(),
            Refusal::Address { attribute, value } => [
                "its ",
                attribute,
                " is not an http(s) or relative URL: \"",
                value,
                "\"",
            ]
            .concat(),
        }
    }
}

/// Whether `url` is an http(s) URL or a relative one (a path, `?query`, `#fragment` or
/// `//host/path`), read as the URL parser reads it: leading and trailing spaces and control
/// characters are ignored, and tabs and newlines anywhere (`java\tscript:` is `javascript:`).
pub fn is_safe_address(url: &str) -> bool {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let scheme_end = cleaned.find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)));
    match scheme_end {
        Some(end)
            if end > 0
                && cleaned[end..].starts_with(':')
                && cleaned.as_bytes()[0].is_ascii_alphabetic() =>
        {
            matches!(
                cleaned[..end].to_ascii_lowercase().as_str(),
                "http" | "https"
            )
        }
        // No `scheme:` prefix: a relative URL.
        _ => true,
    }
}

/// Whether every image candidate of a `srcset` value is a safe address ([`is_safe_address`]).
/// Candidates are split as the HTML `srcset` parser splits them: a URL runs to the next
/// whitespace (trailing commas end it), and descriptors run to the next comma.
pub fn is_safe_srcset(srcset: &str) -> bool {
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return true;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let trimmed = url.trim_end_matches(',');
        if !is_safe_address(trimmed) {
            return false;
        }
        rest = &rest[end..];
        if trimmed.len() == url.len() {
            // Descriptors, up to the comma that ends this candidate (none inside parentheses).
            let mut depth = 0usize;
            let stop = rest.char_indices().find(|(_, c)| match c {
                '(' => {
                    depth += 1;
                    false
                }
                ')' => {
                    depth = depth.saturating_sub(1);
                    false
                }
                ',' => depth == 0,
                _ => false,
            });
            rest = stop.map_or("", |(at, _)| &rest[at + 1..]);
        }
    }
}

/// Whether erasing on `host` depends on the Public Suffix List: a name with three labels or more
/// (`www.example.co.uk`), where a parent may be a registrable domain (`example.co.uk`) or a public
/// suffix (`co.uk`). IP addresses, `localhost` and two-label names have no parent to decide on.
pub fn needs_suffix_list(host: &str) -> bool {
    !is_ip_address(host) && host.split('.').count() >= 3
}

/// Whether `host`, as `location.hostname` gives it, is an IP address: IPv6 (`[::1]`, with
/// colons) or IPv4, which the URL parser always writes as dotted decimal numbers.
fn is_ip_address(host: &str) -> bool {
    host.contains(':')
        || host
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
}

/// The registrable domain of `host` (`www.shop.example.co.uk` → `example.co.uk`) according to
/// `list`, the text of the Public Suffix List; `None` when `host` is itself a public suffix.
///
/// # Errors
///
/// The list cannot be read.
pub fn registrable_domain(list: &str, host: &str) -> Result<Option<String>, String> {
    use publicsuffix::Psl;
    let list: publicsuffix::List = list
        .parse()
        .map_err(|err| format!("the Public Suffix List is invalid: {err}"))?;
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    Ok(list
        .domain(host.as_bytes())
        .and_then(|domain| std::str::from_utf8(domain.as_bytes()).ok())
        .map(str::to_string))
}

/// Domains a cookie visible on `host` may have been set for: no `Domain` attribute (`None`), the
/// host itself and each parent up to `registrable`, its registrable domain. While that is not
/// known (the list has not loaded, or could not), every parent with at least two labels: erasing
/// for a public suffix is harmless, the browser ignores it.
pub fn cookie_domains(host: &str, registrable: Option<&str>) -> Vec<Option<String>> {
    let mut domains = vec![None];
    if is_ip_address(host) || !host.contains('.') {
        return domains;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let bound = registrable
        .filter(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        .map_or(2, |domain| domain.split('.').count());
    for start in 0..=labels.len().saturating_sub(bound) {
        domains.push(Some(labels[start..].join(".")));
    }
    domains
}

/// Paths a cookie visible on `pathname` may have been set for: `/` and every prefix of it.
pub fn cookie_paths(pathname: &str) -> Vec<String> {
    let mut paths = vec!["/".to_string()];
    let mut prefix = String::new();
    for segment in pathname.split('/').filter(|s| !s.is_empty()) {
        prefix.push('/');
        prefix.push_str(segment);
        paths.push(prefix.clone());
        paths.push(format!("{prefix}/"));
    }
    paths
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::Method;

    fn consent(accepted: &[&str]) -> Consent {
        let config = Config::builtin();
        Consent::new(
            crate::model::uuid::v4([3; 16]),
            1,
            1,
            config.category_names(),
            &accepted
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
            Method::Custom,
        )
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_optional_runs_before_a_choice() {
        let gate = Gate::parse("analytics").expect("valid");
        assert!(!gate.is_open(None));
        assert!(!Gate::parse("!marketing").expect("valid").is_open(None));
        assert!(Gate::parse("necessary").expect("valid").is_open(None));
    }

    #[test]
    fn an_accepted_category_opens_its_gate_and_a_refused_one_opens_the_negated_gate() {
        let choice = consent(&["analytics"]);
        assert!(Gate::parse("analytics")
            .expect("valid")
            .is_open(Some(&choice)));
        assert!(!Gate::parse("marketing")
            .expect("valid")
            .is_open(Some(&choice)));
        assert!(Gate::parse(" !marketing ")
            .expect("valid")
            .is_open(Some(&choice)));
        assert!(!Gate::parse("!analytics")
            .expect("valid")
            .is_open(Some(&choice)));
    }

    #[test]
    fn a_switched_off_service_keeps_its_tags_closed() {
        let choice = consent(&["marketing"])
            .with_refused_services(BTreeSet::from(["partner-ads".to_string()]));
        let gate = Gate::parse("marketing").expect("valid");
        assert!(!gate.is_open_for(Some(&choice), Some("Partner Ads")));
        assert!(gate.is_open_for(Some(&choice), Some("CanEnrich Video")));
        assert!(gate.is_open_for(Some(&choice), None));
    }

    #[test]
    fn unreadable_gates_never_open() {
        for value in ["", "!", "Analytics", "analytics marketing", "a,b"] {
            assert_eq!(Gate::parse(value), None, "{value:?}");
        }
    }

    #[test]
    fn before_a_choice_every_optional_cookie_is_erased_but_never_an_essential_one() {
        let plan = erasure(
            &Config::builtin(),
            None,
            &names(&[
                "_ga",
                "_ga_DEMO",
                "mk_id",
                "canenrich_session",
                "canenrich_consent",
                "other",
            ]),
            &names(&["_ga_store", "mk_session", "cart"]),
        );
        assert_eq!(plan.cookies, names(&["_ga", "_ga_DEMO", "mk_id"]));
        assert_eq!(plan.storage, names(&["_ga_store", "mk_session"]));
    }

    #[test]
    fn only_refused_categories_are_erased() {
        let plan = erasure(
            &Config::builtin(),
            Some(&consent(&["analytics"])),
            &names(&["_ga", "mk_id"]),
            &names(&["_ga_store", "mk_session"]),
        );
        assert_eq!(plan.cookies, names(&["mk_id"]));
        assert_eq!(plan.storage, names(&["mk_session"]));
        assert!(erasure(
            &Config::builtin(),
            Some(&consent(&["analytics", "marketing"])),
            &names(&["_ga", "mk_id"]),
            &[]
        )
        .is_empty());
    }

    #[test]
    fn the_widgets_own_keys_are_never_erased_nor_reported_as_leaks() {
        let file = crate::config::ConfigFile::parse(
            r#"{"categories":{"analytics":{"storage":["*"]}}}"#,
            "test",
        )
        .expect("valid");
        let config = Config::resolve(&[("test", file)]).expect("valid");
        let keys = names(&[
            "canenrich_outbox.0b5e",
            crate::core_settings::STORAGE_KEY,
            "_ga_store",
        ]);
        assert_eq!(
            erasure(&config, None, &[], &keys).storage,
            names(&["_ga_store"])
        );
        assert_eq!(
            leaks(&Config::builtin(), &[], &keys).storage,
            names(&[]),
            "the outbox and the core settings are the widget's own; _ga_store is listed by analytics"
        );
    }

    #[test]
    fn before_a_choice_scripts_keep_only_essential_and_own_cookies() {
        let config = Config::builtin();
        for name in [
            "canenrich_session",
            "__Host-canenrich_session",
            "csrf_token",
            "__Host-csrf_token",
            "canenrich_consent",
            "__Host-canenrich_consent",
            "canenrich_probe",
        ] {
            assert!(keeps_cookie(&config, None, name), "{name}");
        }
        for name in ["_ga", "mk_id", "theme", "unlisted"] {
            assert!(!keeps_cookie(&config, None, name), "{name}");
        }
    }

    #[test]
    fn cookies_of_the_necessary_category_are_kept_like_essential_ones() {
        let file = crate::config::ConfigFile::parse(
            r#"{"categories":{"necessary":{"cookies":["mysess*"]}}}"#,
            "test",
        )
        .expect("valid");
        let config = Config::resolve(&[("test", file)]).expect("valid");
        let refused = consent(&[]);
        for consent in [None, Some(&refused)] {
            assert!(keeps_cookie(&config, consent, "mysess_1"), "{consent:?}");
            assert!(!keeps_cookie(&config, consent, "other"), "{consent:?}");
        }
        assert!(erasure(&config, None, &names(&["mysess_1"]), &[]).is_empty());
    }

    #[test]
    fn after_a_choice_scripts_keep_cookies_of_accepted_categories_only() {
        let config = Config::builtin();
        let some = consent(&["analytics"]);
        assert!(keeps_cookie(&config, Some(&some), "_ga_DEMO"));
        assert!(!keeps_cookie(&config, Some(&some), "mk_id"));
        assert!(
            !keeps_cookie(&config, Some(&some), "unlisted"),
            "unlisted needs everything accepted"
        );
        let all = consent(&["analytics", "marketing", "personalization"]);
        assert!(keeps_cookie(&config, Some(&all), "unlisted"));
        assert!(keeps_cookie(&config, Some(&all), "mk_id"));
    }

    #[test]
    fn tracker_like_requests_are_reported_but_not_the_widget_or_stylesheets() {
        assert!(is_reportable_request("script", "https://t.example/a.js"));
        assert!(is_reportable_request("img", "/pixel.gif?x=1"));
        assert!(!is_reportable_request(
            "script",
            "/consent/canenrich_consent_core.js"
        ));
        assert!(!is_reportable_request("link", "/site.css"));
        assert!(!is_reportable_request("css", "/font.woff2"));
    }

    #[test]
    fn unlisted_non_essential_data_is_a_leak() {
        let found = leaks(
            &Config::builtin(),
            &names(&["_ga", "canenrich_session", "canenrich_consent", "tracker_x"]),
            &names(&["_ga_store", "cart"]),
        );
        assert_eq!(found.cookies, names(&["tracker_x"]));
        assert_eq!(found.storage, names(&["cart"]));
    }

    /// 2026-12-02T12:00:00Z, the `now` of the cookie-write tests.
    const NOW: Millis = 1_796_212_800_000;

    fn reads(assignment: &str) -> (&str, bool) {
        let read = parse_assignment(assignment, NOW);
        (read.name, read.deletes)
    }

    #[test]
    fn cookie_assignments_are_read_for_their_name_and_whether_they_delete() {
        assert_eq!(reads("_ga=GA1.1; path=/; max-age=31536000"), ("_ga", false));
        assert_eq!(reads(" mk_id = ; Max-Age=0; Path=/"), ("mk_id", true));
        assert_eq!(
            reads("x=; expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            ("x", true)
        );
        assert_eq!(reads("x=1; max-age=-5"), ("x", true));
        assert_eq!(reads("x=1; MAX-AGE=0"), ("x", true));
        assert_eq!(reads(""), ("", false));
    }

    #[test]
    fn names_and_dates_with_other_scripts_read_whole() {
        assert_eq!(reads("café = 1; max-age=0"), ("café", true));
        assert_eq!(reads("名前=値; Max-Age=3600"), ("名前", false));
        assert_eq!(
            reads("x=1; expires=Thu, 01 Jän 1970 00:00:00 GMT"),
            ("x", false)
        );
        assert_eq!(
            reads("x=; expires=Thu,\t01 JAN 1970 00:00:00 GMT；"),
            ("x", true)
        );
    }

    #[test]
    fn a_pair_without_an_equals_sign_is_a_nameless_cookie() {
        // Browsers store `document.cookie = "canenrich_session"` as a cookie named "" whose value
        // is canenrich_session: its name must not borrow an essential one.
        assert_eq!(reads("canenrich_session"), ("", false));
        assert_eq!(reads("flag; max-age=0"), ("", true));
        assert!(!keeps_cookie(&Config::builtin(), None, ""));
    }

    #[test]
    fn max_age_wins_over_expires_whatever_their_order() {
        assert_eq!(
            reads("_ga=1; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=31536000"),
            ("_ga", false)
        );
        assert_eq!(
            reads("_ga=1; max-age=31536000; expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            ("_ga", false)
        );
        assert_eq!(
            reads("_ga=1; max-age=0; expires=Fri, 01 Jan 2100 00:00:00 GMT"),
            ("_ga", true)
        );
    }

    #[test]
    fn the_last_max_age_wins() {
        assert_eq!(reads("_ga=1; max-age=0; max-age=3600"), ("_ga", false));
        assert_eq!(reads("_ga=1; max-age=3600; max-age=0"), ("_ga", true));
    }

    #[test]
    fn an_expires_that_is_no_cookie_date_makes_a_session_cookie_not_a_deletion() {
        for value in [
            "expires=1970",
            "expires=0",
            "expires=yesterday",
            "expires=1970-01-01",
            "expires=Thu, 01 Jan 1970",
            "expires=01 Jan 00:00:00 GMT",
            "expires=",
            "expires=Mon, 30 Feb 2020 00:00:00 GMT",
            "expires=Thu, 01 Jan 1500 00:00:00 GMT",
            "expires=Thu, 01 Jan 1970 24:00:00 GMT",
        ] {
            assert_eq!(reads(&format!("_ga=1; {value}")), ("_ga", false), "{value}");
        }
    }

    #[test]
    fn an_expires_in_the_past_deletes_and_one_in_the_future_does_not() {
        assert_eq!(
            reads("_ga=; expires=Tue, 01 Dec 2026 12:00:00 GMT"),
            ("_ga", true),
            "yesterday"
        );
        assert_eq!(
            reads("_ga=; expires=Wed, 02 Dec 2026 12:00:00 GMT"),
            ("_ga", true),
            "exactly now"
        );
        assert_eq!(
            reads("_ga=1; expires=Thu, 03 Dec 2026 12:00:00 GMT"),
            ("_ga", false),
            "tomorrow"
        );
        // The cookie-date grammar is loose: any order, two-digit years, other delimiters.
        assert_eq!(reads("_ga=; expires=1-dec-26 11:59:59"), ("_ga", true));
        assert_eq!(
            reads("_ga=; expires=Dec 1 2026 23:00:00 GMT"),
            ("_ga", true)
        );
        assert_eq!(
            reads("_ga=1; expires=3 december 2026 00:00:00"),
            ("_ga", false)
        );
        // The last Expires that parses is the one that counts.
        assert_eq!(
            reads("_ga=1; expires=Thu, 01 Jan 1970 00:00:00 GMT; expires=Fri, 01 Jan 2100 00:00:00 GMT"),
            ("_ga", false)
        );
    }

    #[test]
    fn where_browsers_disagree_the_write_is_not_taken_for_a_deletion() {
        // RFC 6265bis ignores the invalid last Max-Age and deletes; Chromium falls through to
        // (no) Expires and keeps a session cookie.
        assert_eq!(reads("_ga=1; max-age=0; max-age=soon"), ("_ga", false));
        // Chromium reads +0 as 0; the RFC ignores it.
        assert_eq!(reads("_ga=1; max-age=+0"), ("_ga", false));
        // Both ignore an unparseable Max-Age and use Expires.
        assert_eq!(
            reads("_ga=; max-age=soon; expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            ("_ga", true)
        );
        // Huge values saturate instead of overflowing.
        assert_eq!(
            reads("_ga=1; max-age=99999999999999999999999"),
            ("_ga", false)
        );
        assert_eq!(
            reads("_ga=1; max-age=-99999999999999999999999"),
            ("_ga", true)
        );
    }

    #[test]
    fn cookie_dates_match_the_calendar() {
        assert_eq!(cookie_date(b"Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            cookie_date(b"Wed, 02 Dec 2026 12:00:00 GMT"),
            i64::try_from(NOW).ok()
        );
        assert_eq!(
            cookie_date(b"29 Feb 2024 00:00:01"),
            Some(1_709_164_801_000)
        );
        assert_eq!(cookie_date(b"29 Feb 2023 00:00:01"), None);
        assert_eq!(
            cookie_date(b"31 Dec 1601 00:00:00").map(|ms| ms < 0),
            Some(true)
        );
    }

    #[test]
    fn only_the_widgets_exact_cookie_names_are_its_own() {
        let config = Config::builtin();
        for name in [
            "canenrich_consent",
            "__Host-canenrich_consent",
            "canenrich_probe",
        ] {
            assert!(keeps_cookie(&config, None, name), "{name}");
        }
        for name in ["canenrich_tracker", "canenrich_", "canenrich_consent2"] {
            assert!(!keeps_cookie(&config, None, name), "{name}");
        }
        let found = leaks(
            &config,
            &names(&["canenrich_tracker", "canenrich_probe"]),
            &[],
        );
        assert_eq!(found.cookies, names(&["canenrich_tracker"]));
    }

    #[test]
    fn held_addresses_must_be_http_or_relative() {
        for url in [
            "https://video.example/embed/1",
            "HTTP://x.example/a.gif",
            "/demo/pixel.gif?tag=img",
            "pixel.gif",
            "./a:b.gif",
            "//cdn.example/a.js",
            "?q=1",
            "#top",
            "",
            "1abc:def",
        ] {
            assert!(is_safe_address(url), "{url:?}");
        }
        for url in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "blob:https://site.example/1",
            "vbscript:x",
            "file:///etc/passwd",
            "c:\\evil",
        ] {
            assert!(!is_safe_address(url), "{url:?}");
        }
    }

    #[test]
    fn every_srcset_candidate_must_be_a_safe_address() {
        assert!(is_safe_srcset("/a.png 1x, /b.png 2x"));
        assert!(is_safe_srcset("/a.png,/b.png 2x"));
        assert!(is_safe_srcset(
            "https://x.example/a,b.png 100w, /c.png 200w"
        ));
        assert!(is_safe_srcset(""));
        assert!(!is_safe_srcset("/a.png 1x, javascript:alert(1) 2x"));
        assert!(!is_safe_srcset("data:image/gif;base64,R0lG 1x"));
        assert!(!is_safe_srcset("/a.png (x, y), data:x"));
    }

    #[test]
    fn only_the_listed_element_kinds_are_released() {
        for tag in [
            "script", "iframe", "img", "source", "link", "video", "audio", "embed", "object",
        ] {
            assert!(!deferred_addresses(tag).is_empty(), "{tag}");
        }
        for tag in ["a", "div", "form", "base", "meta", "input", "svg"] {
            assert!(deferred_addresses(tag).is_empty(), "{tag}");
        }
        assert_eq!(deferred_addresses("link"), [("data-href", "href")]);
    }

    fn attributes<'a>(list: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            list.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn under_a_loader_nonce_only_scripts_with_that_nonce_are_released() {
        let none: [(&str, &str); 0] = [];
        assert!(refusal("script", attributes(&none), "", None).is_none());
        assert!(refusal("script", attributes(&none), "n0nce", Some("n0nce")).is_none());
        assert!(refusal("script", attributes(&none), "", Some("n0nce")).is_some());
        assert!(refusal("script", attributes(&none), "other", Some("n0nce")).is_some());
        // An empty nonce on the loader is no nonce.
        assert!(refusal("script", attributes(&none), "", Some("")).is_none());
        // Frames and images do not run code: the nonce rule is for scripts.
        let frame = [("data-src", "/demo/embed/video.html")];
        assert!(refusal("iframe", attributes(&frame), "", Some("n0nce")).is_none());
    }

    #[test]
    fn an_unsafe_held_address_refuses_the_whole_element() {
        let frame = [("data-src", "javascript:parent.pwned=1")];
        assert!(refusal("iframe", attributes(&frame), "", None)
            .is_some_and(|why| why.describe().contains("data-src")));
        let link = [("data-href", "data:text/css,body{}")];
        assert!(refusal("link", attributes(&link), "", None).is_some());
        let video = [("data-src", "/v.mp4"), ("data-poster", "javascript:x")];
        assert!(refusal("video", attributes(&video), "", None).is_some());
        let image = [
            ("data-srcset", "/a.png 1x, /b.png 2x"),
            ("data-src", "/a.png"),
        ];
        assert!(refusal("img", attributes(&image), "", None).is_none());
        let script = [("data-src", "data:text/javascript,alert(1)")];
        assert!(refusal("script", attributes(&script), "", None).is_some());
    }

    /// The Public Suffix List the widget ships (`dist/public_suffix_list.dat` is made from it).
    const LIST: &str = include_str!("../../data/public_suffix_list.dat");

    fn some(names: &[&str]) -> Vec<Option<String>> {
        std::iter::once(None)
            .chain(names.iter().map(|n| Some(n.to_string())))
            .collect()
    }

    #[test]
    fn erasing_stops_at_the_registrable_domain() {
        let host = "www.shop.example.co.uk";
        let registrable = registrable_domain(LIST, host).expect("list");
        assert_eq!(registrable.as_deref(), Some("example.co.uk"));
        assert_eq!(
            cookie_domains(host, registrable.as_deref()),
            some(&[
                "www.shop.example.co.uk",
                "shop.example.co.uk",
                "example.co.uk"
            ])
        );
    }

    #[test]
    fn private_suffixes_count_as_public() {
        // github.io is in the list's private section: alice.github.io is a site of its own.
        let registrable = registrable_domain(LIST, "www.alice.github.io").expect("list");
        assert_eq!(registrable.as_deref(), Some("alice.github.io"));
        assert_eq!(
            cookie_domains("www.alice.github.io", registrable.as_deref()),
            some(&["www.alice.github.io", "alice.github.io"])
        );
        // A wildcard rule (*.compute.amazonaws.com style) and a host that is a suffix itself.
        assert_eq!(
            registrable_domain(LIST, "a.b.kawasaki.jp").expect("list"),
            Some("a.b.kawasaki.jp".to_string())
        );
        assert_eq!(registrable_domain(LIST, "github.io").expect("list"), None);
        // An exception rule (!city.kawasaki.jp) makes the name registrable again.
        assert_eq!(
            registrable_domain(LIST, "www.city.kawasaki.jp").expect("list"),
            Some("city.kawasaki.jp".to_string())
        );
    }

    #[test]
    fn names_the_list_does_not_know_fall_back_to_the_last_label() {
        assert_eq!(
            registrable_domain(LIST, "www.shop.canenrich.test").expect("list"),
            Some("canenrich.test".to_string())
        );
        assert_eq!(
            registrable_domain(LIST, "WWW.Example.COM.").expect("list"),
            Some("example.com".to_string())
        );
        assert!(registrable_domain("not a list", "example.com").is_err());
    }

    #[test]
    fn without_the_list_every_parent_is_tried() {
        assert_eq!(
            cookie_domains("www.shop.example.co.uk", None),
            some(&[
                "www.shop.example.co.uk",
                "shop.example.co.uk",
                "example.co.uk",
                "co.uk"
            ])
        );
        // A registrable domain that does not contain the host is ignored.
        assert_eq!(
            cookie_domains("a.example.com", Some("other.org")),
            some(&["a.example.com", "example.com"])
        );
        assert_eq!(cookie_domains("example.com", None), some(&["example.com"]));
        assert_eq!(cookie_domains("127.0.0.1", None), [None]);
        assert_eq!(cookie_domains("localhost", None), [None]);
        assert!(needs_suffix_list("www.example.com"));
        assert!(!needs_suffix_list("example.com"));
        assert!(!needs_suffix_list("127.0.0.1"));
        assert!(!needs_suffix_list("::1"));
        assert!(!needs_suffix_list("[2001:db8::1]"));
        assert!(!needs_suffix_list("192.168.10.1"));
        assert!(needs_suffix_list("1.example.com"));
        assert_eq!(cookie_domains("[::1]", None), [None]);
    }

    #[test]
    fn cookies_are_erased_on_every_path_prefix() {
        assert_eq!(cookie_paths("/"), ["/"]);
        assert_eq!(
            cookie_paths("/shop/item"),
            ["/", "/shop", "/shop/", "/shop/item", "/shop/item/"]
        );
    }
}
