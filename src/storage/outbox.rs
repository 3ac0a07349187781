//! The receipt outbox: every consent receipt is kept until the receipt endpoint has acknowledged
//! it (2xx, or 409 for an id it already has), and retried with a per-entry backoff on later page
//! loads, when the page comes back online, and while the page stays open. Pure: the adapter
//! (`local.rs`) keeps one [`Entry`] per storage key and passes in the time, the tab's name and
//! the random jitter; this module decides what is due, what is too old and what no longer fits.
//!
//! Cross-tab: a tab stamps a short [`Lease`] into an entry before sending it and sends only if
//! its stamp is what it reads back, so two tabs do not both send one entry; the server's 409 for
//! a known id makes the rare race harmless anyway.

use serde::{Deserialize, Serialize};

use crate::json::Value;

use crate::model::Millis;

/// Storage key prefix of outbox entries; the receipt id follows it.
pub const KEY_PREFIX: &str = "canenrich_outbox.";

/// At most this many receipts wait; beyond it the oldest is dropped (with a console warning).
/// A visitor makes a handful of choices at most, so a full outbox means the endpoint has been
/// unreachable for a long time, and the newest proof is the one worth keeping.
pub const CAPACITY: usize = 32;

/// Receipts older than this are discarded unsent.
pub const MAX_AGE: Millis = 30 * 24 * 60 * 60 * 1000;

/// Wait after the first failed attempt; it doubles with each further failure.
pub const FIRST_RETRY: Millis = 5_000;

/// The longest wait between two attempts (also the most a `Retry-After` can ask for).
pub const LONGEST_RETRY: Millis = 60 * 60 * 1000;

/// How long a tab's claim on an entry lasts: longer than a request normally takes, short enough
/// that an entry whose tab was closed mid-request is soon free again.
pub const LEASE: Millis = 30_000;

/// Largest receipt body kept (the demo server's own limit): anything bigger is not a receipt
/// this widget wrote.
pub const MAX_BODY: usize = 16 * 1024;

/// One receipt waiting for acknowledgement, as stored (JSON, camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The receipt's id (the consent record's UUID); also the end of the storage key.
    pub id: String,
    /// Where the receipt goes: the `receiptEndpoint` of the page that made the choice.
    pub endpoint: String,
    /// The receipt JSON, exactly as first built.
    pub body: String,
    /// When the receipt was made.
    pub queued_at: Millis,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not sent again before this time.
    pub retry_at: Millis,
    /// The tab sending it right now, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
}

/// A tab's claim on an entry while it sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The claiming tab's random name (one per WebAssembly instance).
    pub holder: String,
    /// The claim lapses at this time.
    pub until: Millis,
}

/// What an attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server has the receipt (2xx), or already had it (409): the entry goes.
    Delivered,
    /// Anything else — a network error, 5xx, 429, 4xx — is tried again later.
    Failed {
        /// The server's `Retry-After`, in milliseconds, if it sent one.
        retry_after: Option<Millis>,
    },
}

impl Outcome {
    /// The outcome of an HTTP answer with `status` (and `Retry-After` in milliseconds).
    pub fn of_status(status: u16, retry_after: Option<Millis>) -> Outcome {
        if (200..300).contains(&status) || status == 409 {
            Outcome::Delivered
        } else {
            Outcome::Failed { retry_after }
        }
    }
}

/// The storage key of the entry for receipt `id`.
pub fn key(id: &str) -> String {
    format!("{KEY_PREFIX}{id}")
}

/// Whether storage key `key` belongs to the outbox.
pub fn is_key(key: &str) -> bool {
    key.starts_with(KEY_PREFIX)
}

/// A `Retry-After` header in delta-seconds, in milliseconds (an HTTP date is ignored: the
/// backoff applies instead).
pub fn retry_after(header: &str) -> Option<Millis> {
    let seconds = header.trim();
    if seconds.is_empty() || !seconds.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits only: the one failure left is overflow, which means "a very long time".
    Some(
        seconds
            .parse::<Millis>()
            .map_or(Millis::MAX, |s| s.saturating_mul(1000)),
    )
}

/// The wait after the `attempts`-th failed attempt: [`FIRST_RETRY`] doubling up to
/// [`LONGEST_RETRY`], stretched by up to half again by `jitter` (0 ≤ jitter < 1), so that the
/// visitors of a site whose endpoint comes back do not all retry in the same second.
pub fn backoff(attempts: u32, jitter: f64) -> Millis {
    let doublings = attempts.saturating_sub(1).min(20);
    let base = FIRST_RETRY
        .saturating_mul(1 << doublings)
        .min(LONGEST_RETRY);
    let stretch = (base as f64 * jitter.clamp(0.0, 1.0) / 2.0) as Millis;
    (base + stretch).min(LONGEST_RETRY)
}

impl Entry {
    /// A receipt made at `now`, due at once.
    pub fn new(id: &str, endpoint: &str, body: &str, now: Millis) -> Entry {
        Entry {
            id: id.to_string(),
            endpoint: endpoint.to_string(),
            body: body.to_string(),
            queued_at: now,
            attempts: 0,
            retry_at: now,
            lease: None,
        }
    }

    /// Whether a stored entry is one this widget could have written (it is untrusted data): an
    /// id, an endpoint and a body within bounds.
    pub fn is_well_formed(&self) -> bool {
        !self.id.is_empty()
            && self.id.len() <= 64
            && !self.endpoint.is_empty()
            && self.body.len() <= MAX_BODY
    }

    /// Older than [`MAX_AGE`] at `now`. An entry dated more than that in the future (a clock
    /// set back a long way) counts as expired too, or it would never go.
    pub fn is_expired(&self, now: Millis) -> bool {
        now.saturating_sub(self.queued_at) >= MAX_AGE
            || self.queued_at.saturating_sub(now) >= MAX_AGE
    }

    /// Claimed at `now` by `holder`.
    pub fn is_held_by(&self, holder: &str, now: Millis) -> bool {
        self.live_lease(now)
            .is_some_and(|lease| lease.holder == holder)
    }

    /// The claim in force at `now`, if any. A lease reaching further ahead than [`LEASE`] is
    /// not one a tab stamped at this clock's time, and does not count.
    fn live_lease(&self, now: Millis) -> Option<&Lease> {
        self.lease
            .as_ref()
            .filter(|lease| lease.until > now && lease.until - now <= LEASE)
    }

    /// Whether it should be sent now: not expired, not claimed (by another tab, or by this one
    /// while its request is under way), and its backoff has passed (or `urgent`: the page just
    /// came back online). A retry time further ahead than [`LONGEST_RETRY`] is not one this
    /// clock set, and does not hold it back.
    pub fn is_due(&self, now: Millis, urgent: bool) -> bool {
        let waited = self.retry_at <= now || self.retry_at - now > LONGEST_RETRY;
        !self.is_expired(now) && self.live_lease(now).is_none() && (urgent || waited)
    }

    /// Stamps `holder`'s claim for [`LEASE`] from `now`.
    pub fn claim(&mut self, holder: &str, now: Millis) {
        self.lease = Some(Lease {
            holder: holder.to_string(),
            until: now.saturating_add(LEASE),
        });
    }

    /// Records a failed attempt at `now`: the claim is released and the next attempt waits for
    /// the backoff, or for the server's `Retry-After` when that is longer (up to
    /// [`LONGEST_RETRY`]).
    pub fn failed(&mut self, now: Millis, retry_after: Option<Millis>, jitter: f64) {
        self.attempts = self.attempts.saturating_add(1);
        let wait = backoff(self.attempts, jitter).max(retry_after.unwrap_or(0).min(LONGEST_RETRY));
        self.retry_at = now.saturating_add(wait);
        self.lease = None;
    }

    /// When this entry next needs attention at `now`: its retry time, or when a claim on it
    /// lapses if that is later. `None` once it has expired.
    pub fn wakes_at(&self, now: Millis) -> Option<Millis> {
        if self.is_expired(now) {
            return None;
        }
        let retry = if self.retry_at.saturating_sub(now) > LONGEST_RETRY {
            now
        } else {
            self.retry_at
        };
        let lease = self.live_lease(now).map_or(0, |lease| lease.until);
        Some(retry.max(lease).max(now))
    }
}

impl Entry {
    /// The stored form: exactly the JSON `serde_json` writes for this type (a host test holds
    /// the two together). Written with the crate's own JSON quoting so that the WebAssembly
    /// carries no `serde_json` (measured: it would add about 25 KB brotli to every build).
    pub fn to_json(&self) -> String {
        use crate::json::quote;
        let lease = self.lease.as_ref().map_or(String::new(), |lease| {
            format!(
                r#","lease":{{"holder":{},"until":{}}}"#,
                quote(&lease.holder),
                lease.until
            )
        });
        format!(
            r#"{{"id":{},"endpoint":{},"body":{},"queuedAt":{},"attempts":{},"retryAt":{}{lease}}}"#,
            quote(&self.id),
            quote(&self.endpoint),
            quote(&self.body),
            self.queued_at,
            self.attempts,
            self.retry_at,
        )
    }

    /// Reads a stored entry as `serde_json` would read this type (unknown members are ignored,
    /// so an entry written by a later version still goes out). Anything else is `None`.
    pub fn parse(text: &str) -> Option<Entry> {
        let value = crate::json::parse(text).ok()?;
        let lease = match member(&value, "lease") {
            None | Some(Value::Null) => None,
            Some(lease) => Some(Lease {
                holder: text_of(member(lease, "holder")?)?,
                until: number_of(member(lease, "until")?)?,
            }),
        };
        Some(Entry {
            id: text_of(member(&value, "id")?)?,
            endpoint: text_of(member(&value, "endpoint")?)?,
            body: text_of(member(&value, "body")?)?,
            queued_at: number_of(member(&value, "queuedAt")?)?,
            attempts: u32::try_from(number_of(member(&value, "attempts")?)?).ok()?,
            retry_at: number_of(member(&value, "retryAt")?)?,
            lease,
        })
    }
}

/// Member `name` of a JSON object.
fn member<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    match value {
        Value::Object(members) => members.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        _ => None,
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// A whole number that fits a `u64`, written without a sign, fraction or exponent.
fn number_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok(),
        _ => None,
    }
}

/// What to do with the outbox now, by receipt id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Review {
    /// Older than [`MAX_AGE`] or malformed: removed unsent.
    pub expired: Vec<String>,
    /// The oldest entries beyond [`CAPACITY`]: removed unsent, with a console warning.
    pub overflow: Vec<String>,
    /// To be claimed and sent now.
    pub due: Vec<String>,
    /// When to look again (the earliest time a kept entry that is not due now needs attention).
    pub next: Option<Millis>,
}

/// Reviews every stored entry at `now` (`urgent`: the page just came back online, so backoff
/// is skipped; claims are still respected).
pub fn review(entries: &[Entry], now: Millis, urgent: bool) -> Review {
    let mut review = Review::default();
    let mut kept: Vec<&Entry> = Vec::new();
    for entry in entries {
        if !entry.is_well_formed() || entry.is_expired(now) {
            review.expired.push(entry.id.clone());
        } else {
            kept.push(entry);
        }
    }
    // The oldest go first; ties broken by id so that every tab drops the same ones. (A loop
    // rather than a sort: this runs rarely, and a sort would add its own code to the WebAssembly.)
    while kept.len() > CAPACITY {
        let oldest = (0..kept.len())
            .min_by_key(|&i| (kept[i].queued_at, std::cmp::Reverse(&kept[i].id)))
            .unwrap_or(0);
        review.overflow.push(kept.swap_remove(oldest).id.clone());
    }
    for entry in kept {
        if entry.is_due(now, urgent) {
            review.due.push(entry.id.clone());
        } else if let Some(at) = entry.wakes_at(now) {
            review.next = Some(review.next.map_or(at, |next| next.min(at)));
        }
    }
    review
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::days;

    const NOW: Millis = 1_764_081_000_000;
    const ME: &str = "tab-a";
    const OTHER: &str = "tab-b";

    fn entry(id: &str, queued_at: Millis) -> Entry {
        Entry::new(id, "/api/consent", r#"{"id":"x"}"#, queued_at)
    }

    #[test]
    fn only_an_acknowledgement_or_a_known_id_removes_a_receipt() {
        for status in [200, 201, 204, 299, 409] {
            assert_eq!(
                Outcome::of_status(status, None),
                Outcome::Delivered,
                "{status}"
            );
        }
        for status in [0, 301, 400, 403, 404, 408, 413, 429, 500, 502, 503] {
            assert!(
                matches!(Outcome::of_status(status, None), Outcome::Failed { .. }),
                "{status}"
            );
        }
    }

    #[test]
    fn backoff_doubles_per_failure_up_to_an_hour() {
        let waits: Vec<Millis> = (1..=12).map(|n| backoff(n, 0.0)).collect();
        assert_eq!(waits[..4], [5_000, 10_000, 20_000, 40_000]);
        assert_eq!(backoff(11, 0.0), LONGEST_RETRY);
        assert_eq!(backoff(u32::MAX, 0.0), LONGEST_RETRY);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(backoff(1, 0.999), 7_497, "jitter stretches by up to half");
        assert_eq!(backoff(1, 7.0), 7_500, "jitter out of range is clamped");
    }

    #[test]
    fn each_entry_keeps_its_own_backoff() {
        let mut first = entry("a", NOW);
        let second = entry("b", NOW);
        first.failed(NOW, None, 0.0);
        first.failed(NOW + 5_000, None, 0.0);
        assert_eq!(first.attempts, 2);
        assert_eq!(first.retry_at, NOW + 15_000);
        assert!(!first.is_due(NOW + 14_999, false));
        assert!(first.is_due(NOW + 15_000, false));
        assert!(
            second.is_due(NOW, false),
            "the other entry is not held back"
        );
    }

    #[test]
    fn a_longer_retry_after_wins_but_never_beyond_an_hour() {
        let mut e = entry("a", NOW);
        e.failed(NOW, Some(120_000), 0.0);
        assert_eq!(e.retry_at, NOW + 120_000);
        e.failed(NOW, Some(1_000), 0.0);
        assert_eq!(
            e.retry_at,
            NOW + 10_000,
            "a shorter one does not cut the backoff"
        );
        e.failed(NOW, Some(Millis::MAX), 0.0);
        assert_eq!(e.retry_at, NOW + LONGEST_RETRY);
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        assert_eq!(retry_after("30"), Some(30_000));
        assert_eq!(retry_after(" 0 "), Some(0));
        assert_eq!(retry_after("99999999999999999999999"), Some(Millis::MAX));
        for ignored in ["", "-5", "1.5", "Wed, 21 Oct 2026 07:28:00 GMT"] {
            assert_eq!(retry_after(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn back_online_sends_at_once_whatever_the_backoff() {
        let mut e = entry("a", NOW);
        e.failed(NOW, None, 0.0);
        assert!(!e.is_due(NOW + 1, false));
        assert!(e.is_due(NOW + 1, true));
    }

    #[test]
    fn a_claimed_entry_is_not_sent_again_until_the_claim_lapses() {
        let mut e = entry("a", NOW);
        assert!(e.is_due(NOW, false));
        e.claim(OTHER, NOW);
        assert!(e.is_held_by(OTHER, NOW + 1) && !e.is_held_by(ME, NOW + 1));
        assert!(!e.is_due(NOW + 1, false));
        assert!(!e.is_due(NOW + 1, true), "not even when back online");
        assert!(
            e.is_due(NOW + LEASE, false),
            "a tab closed mid-request frees it"
        );
        assert!(!e.is_held_by(OTHER, NOW + LEASE));
        assert_eq!(e.wakes_at(NOW + 1), Some(NOW + LEASE));
        let review = review(&[e], NOW + 1, false);
        assert!(review.due.is_empty());
        assert_eq!(review.next, Some(NOW + LEASE));
    }

    #[test]
    fn a_failed_attempt_releases_the_claim() {
        let mut e = entry("a", NOW);
        e.claim(ME, NOW);
        e.failed(NOW + 100, None, 0.0);
        assert_eq!(e.lease, None);
        assert!(e.is_due(NOW + 5_100, false));
    }

    #[test]
    fn a_claim_or_retry_time_from_a_clock_far_ahead_does_not_hold_an_entry() {
        let mut e = entry("a", NOW);
        e.lease = Some(Lease {
            holder: OTHER.into(),
            until: NOW + LEASE + 1,
        });
        assert!(e.is_due(NOW, false));
        assert!(!e.is_held_by(OTHER, NOW));
        e.lease = None;
        e.retry_at = NOW + LONGEST_RETRY + 1;
        assert!(e.is_due(NOW, false));
        assert_eq!(e.wakes_at(NOW), Some(NOW));
    }

    #[test]
    fn receipts_older_than_thirty_days_are_discarded() {
        let old = entry("old", NOW - days(30));
        let young = entry("young", NOW - days(30) + 1);
        let future = entry("future", NOW + days(30));
        assert_eq!(old.wakes_at(NOW), None);
        let review = review(&[old, young, future], NOW, false);
        assert_eq!(review.expired, ["old", "future"]);
        assert_eq!(review.due, ["young"]);
    }

    #[test]
    fn a_full_outbox_drops_its_oldest_receipts() {
        let count = CAPACITY as u64 + 2;
        let entries: Vec<Entry> = (0..count)
            .map(|n| entry(&format!("r{n:02}"), NOW - 1_000 * (count - n)))
            .collect();
        let review = review(&entries, NOW, false);
        assert_eq!(review.overflow, ["r00", "r01"]);
        assert_eq!(review.due.len(), CAPACITY);
        assert!(!review.due.iter().any(|id| id == "r00" || id == "r01"));
        assert!(review.expired.is_empty());
        // Equally old: every tab drops the same one.
        let mut twins = entries[2..].to_vec();
        twins.extend([
            entry("twin-a", NOW - days(1)),
            entry("twin-b", NOW - days(1)),
        ]);
        let review = super::review(&twins, NOW, false);
        assert_eq!(review.overflow, ["twin-b", "twin-a"]);
        twins.reverse();
        assert_eq!(super::review(&twins, NOW, false).overflow, review.overflow);
    }

    #[test]
    fn malformed_entries_are_removed() {
        let empty = entry("", NOW);
        let mut huge = entry("huge", NOW);
        huge.body = "x".repeat(MAX_BODY + 1);
        let mut nowhere = entry("nowhere", NOW);
        nowhere.endpoint.clear();
        let long = entry(&"x".repeat(65), NOW);
        let review = review(&[empty, huge, nowhere, long], NOW, false);
        assert_eq!(review.expired.len(), 4);
        assert!(review.due.is_empty());
    }

    #[test]
    fn the_review_says_when_to_look_again() {
        let mut waiting = entry("waiting", NOW);
        waiting.failed(NOW, None, 0.0);
        let mut later = entry("later", NOW);
        later.failed(NOW, Some(60_000), 0.0);
        let review = review(&[waiting, later], NOW + 1_000, false);
        assert!(review.due.is_empty());
        assert_eq!(review.next, Some(NOW + 5_000));
        assert_eq!(super::review(&[], NOW, false), Review::default());
    }

    fn samples() -> Vec<Entry> {
        let mut claimed = entry("0b5e7c4a-1d2e-4f00-9abc-def012345678", NOW);
        claimed.claim(ME, NOW);
        let mut odd = entry("odd", 0);
        odd.endpoint = "https://receipts.example/api/consent?site=\"shop\"&x=\\".into();
        odd.body = "{\"categories\":[\"é\",\"\u{1F36A}\"],\"tab\":\"\t\u{1}\n\"}".into();
        odd.failed(Millis::MAX / 2, Some(7), 0.5);
        vec![entry("plain", NOW), claimed, odd]
    }

    #[test]
    fn entries_are_stored_as_the_json_serde_writes_and_read_back() {
        for e in samples() {
            let json = e.to_json();
            assert_eq!(serde_json::to_string(&e).ok(), Some(json.clone()));
            assert_eq!(Entry::parse(&json), Some(e.clone()), "{json}");
            assert_eq!(serde_json::from_str::<Entry>(&json).ok(), Some(e));
        }
        let json = samples()[1].to_json();
        assert!(json.contains(r#""queuedAt":1764081000000"#), "{json}");
        assert!(
            json.contains(r#""lease":{"holder":"tab-a","until":"#),
            "{json}"
        );
        assert!(
            !samples()[0].to_json().contains("lease"),
            "no claim, no field"
        );
    }

    #[test]
    fn stored_entries_are_read_as_serde_reads_them() {
        let mut texts: Vec<String> = Vec::new();
        for e in samples() {
            let json = e.to_json();
            texts.extend(
                (0..json.len())
                    .filter(|&cut| json.is_char_boundary(cut))
                    .map(|cut| json[..cut].to_string()),
            );
            texts.push(json.replacen('{', r#"{"later":[1,{"x":null}],"#, 1));
            texts.push(json.replace(r#""attempts":"#, r#""attempts":4294967296"#));
            texts.push(json.replace("\"id\"", "\"ID\""));
            texts.push(json.replacen("\"id\"", "\"id\":\"again\",\"id\"", 1));
            texts.push(json.replace(&format!("{NOW}"), "1.5e12"));
            texts.push(json.replace(&format!("{NOW}"), "-1"));
            texts.push(json.replace(r#""lease":{"#, r#""lease":null,"x":{"#));
            texts.push(format!("[{json}]"));
        }
        texts.extend(["", "null", "{}", "\"text\"", "{\"id\":1}"].map(String::from));
        for text in texts {
            assert_eq!(
                Entry::parse(&text),
                serde_json::from_str::<Entry>(&text).ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn outbox_keys_carry_the_receipt_id() {
        assert_eq!(key("abc"), "canenrich_outbox.abc");
        assert!(is_key(&key("abc")));
        assert!(!is_key("canenrich_consent"));
    }
}
