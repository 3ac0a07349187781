//! Judging recorded phases against the site's config: leaks, unlisted names, dead tags and the
//! suggested config. PURE: no browser, no clock; tested on recorded phase data.

use std::collections::BTreeMap;

use canenrich_consent::blocker::plan::{is_own_cookie, is_own_key};
use canenrich_consent::config::{CategoryFile, Config, ConfigFile};
use canenrich_consent::model::pattern;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::record::{PageRecord, Phase, PhaseRecord, StorageArea};
use crate::trackers;

/// What kind of problem a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Optional data or a third-party request before a choice or after Reject all.
    Leak,
    /// A cookie or storage key that no category of the config lists.
    Unlisted,
    /// A gated tag that never ran after Accept all.
    DeadTag,
}

impl FindingKind {
    /// How the report names it.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::Leak => "leak",
            FindingKind::Unlisted => "unlisted",
            FindingKind::DeadTag => "dead tag",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    /// A cookie.
    Cookie {
        /// Its name.
        name: String,
        /// Its domain.
        domain: String,
    },
    /// A localStorage or sessionStorage key.
    Storage {
        /// Which storage.
        area: StorageArea,
        /// The key.
        key: String,
    },
    /// Requests to another site.
    Request {
        /// The host they went to.
        host: String,
        /// Their resource type.
        resource_type: String,
        /// What started them.
        initiator: String,
    },
    /// A gated element.
    Tag {
        /// `script`, `iframe`, `img`, …
        element: String,
        /// Its `data-category`.
        category: String,
        /// Its `data-service`.
        service: Option<String>,
        /// Its address, or `inline`.
        address: String,
    },
}

impl Subject {
    /// A short name for tables (`cookie _ga (127.0.0.1)`).
    pub fn describe(&self) -> String {
        match self {
            Subject::Cookie { name, domain } => format!("cookie `{name}` ({domain})"),
            Subject::Storage { area, key } => match area {
                StorageArea::Local => format!("localStorage `{key}`"),
                StorageArea::Session => format!("sessionStorage `{key}`"),
            },
            Subject::Request {
                host,
                resource_type,
                ..
            } => {
                format!("request to {host} ({resource_type})")
            }
            Subject::Tag {
                element,
                category,
                service,
                address,
            } => match service {
                Some(service) => format!("{element} `{service}` [{category}] {address}"),
                None => format!("{element} [{category}] {address}"),
            },
        }
    }
}

/// One problem on one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// The page it was seen on.
    pub page: String,
    /// What it is about.
    pub subject: Subject,
    /// The config category it belongs to, if the config (or, for requests, the tracker table)
    /// says.
    pub category: Option<String>,
    /// The phases it was seen in.
    pub phases: Vec<Phase>,
    /// For leaked cookies and storage: how long it was there in the phases where it should
    /// not have been (longest of them), in milliseconds.
    pub survived_ms: Option<u64>,
    /// For leaked cookies and storage: still there when observation ended (never erased).
    pub kept: bool,
    /// One sentence for a person.
    pub explanation: String,
}

/// What the judge needs besides the recorded pages.
#[derive(Debug, Clone)]
pub struct Rules<'a> {
    /// The site's resolved config.
    pub config: &'a Config,
    /// Host patterns (`*` wildcard) of third parties that may be called before a choice
    /// (a CDN serving the site's own fonts or scripts, say).
    pub allowed_hosts: &'a [String],
}

/// Who owns a cookie or storage name under the config.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Owner {
    /// Essential: the widget's own, `essentialCookies`, or the `necessary` category.
    Essential,
    /// A non-necessary category.
    Optional(String),
    /// No category lists it.
    Unlisted,
}

impl Rules<'_> {
    fn cookie_owner(&self, name: &str) -> Owner {
        if is_own_cookie(name) || pattern::matches_any(&self.config.essential_cookies, name) {
            return Owner::Essential;
        }
        self.owner(name, |c| &c.cookies)
    }

    fn storage_owner(&self, key: &str) -> Owner {
        // The widget's own keys (its receipt outbox, its lean core's settings).
        if is_own_key(key) {
            return Owner::Essential;
        }
        self.owner(key, |c| &c.storage)
    }

    fn owner(
        &self,
        name: &str,
        patterns: impl Fn(&canenrich_consent::config::Category) -> &Vec<String>,
    ) -> Owner {
        match self
            .config
            .categories
            .iter()
            .find(|c| pattern::matches_any(patterns(c), name))
        {
            Some(c) if c.is_necessary() => Owner::Essential,
            Some(c) => Owner::Optional(c.name.clone()),
            None => Owner::Unlisted,
        }
    }

    fn is_allowed_host(&self, host: &str) -> bool {
        pattern::matches_any(self.allowed_hosts, host)
    }
}

/// The window of a phase in which optional data must be absent: the whole of "before any
/// choice", and everything from the recorded choice on after Reject all. `None`: the phase
/// allows optional data (Accept all), or its choice was never recorded.
fn refusing_window(phase: &PhaseRecord) -> Option<u64> {
    match phase.phase {
        Phase::Before => Some(0),
        Phase::RejectAll => phase.choice_at_ms,
        Phase::AcceptAll => None,
    }
}

/// How long something seen from `first` to `last` was there at or after `from`.
fn overlap(first: u64, last: u64, from: u64) -> Option<u64> {
    (last >= from).then(|| last - first.max(from))
}

/// Collects findings, merging the same subject seen in several phases into one.
#[derive(Default)]
struct Collector {
    findings: Vec<Finding>,
}

impl Collector {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        kind: FindingKind,
        page: &str,
        subject: Subject,
        category: Option<String>,
        phase: Phase,
        survived: Option<(u64, bool)>,
        explanation: impl FnOnce() -> String,
    ) {
        if let Some(found) = self
            .findings
            .iter_mut()
            .find(|f| f.kind == kind && f.subject == subject)
        {
            if !found.phases.contains(&phase) {
                found.phases.push(phase);
            }
            if let Some((ms, kept)) = survived {
                found.survived_ms = Some(found.survived_ms.unwrap_or(0).max(ms));
                found.kept |= kept;
            }
            return;
        }
        self.findings.push(Finding {
            kind,
            page: page.to_string(),
            subject,
            category,
            phases: vec![phase],
            survived_ms: survived.map(|(ms, _)| ms),
            kept: survived.is_some_and(|(_, kept)| kept),
            explanation: explanation(),
        });
    }
}

/// Every finding on one page.
pub fn judge_page(page: &PageRecord, rules: &Rules<'_>) -> Vec<Finding> {
    let mut out = Collector::default();
    let url = page.url.as_str();
    for phase in &page.phases {
        let window = refusing_window(phase);
        for cookie in &phase.cookies {
            let subject = Subject::Cookie {
                name: cookie.name.clone(),
                domain: cookie.domain.clone(),
            };
            match rules.cookie_owner(&cookie.name) {
                Owner::Essential => {}
                Owner::Unlisted => out.add(
                    FindingKind::Unlisted,
                    url,
                    subject,
                    None,
                    phase.phase,
                    None,
                    || {
                        format!(
                            "no category of the config lists the cookie `{}`",
                            cookie.name
                        )
                    },
                ),
                Owner::Optional(category) => {
                    let Some(from) = window else { continue };
                    let Some(ms) = overlap(cookie.first_seen_ms, cookie.last_seen_ms, from) else {
                        continue;
                    };
                    let explanation = || {
                        format!(
                            "`{}` belongs to `{category}`, which was refused, yet it was set",
                            cookie.name
                        )
                    };
                    out.add(
                        FindingKind::Leak,
                        url,
                        subject,
                        Some(category.clone()),
                        phase.phase,
                        Some((ms, cookie.present_at_end)),
                        explanation,
                    );
                }
            }
        }
        for item in &phase.storage {
            let subject = Subject::Storage {
                area: item.area,
                key: item.key.clone(),
            };
            match rules.storage_owner(&item.key) {
                Owner::Essential => {}
                Owner::Unlisted => out.add(
                    FindingKind::Unlisted,
                    url,
                    subject,
                    None,
                    phase.phase,
                    None,
                    || {
                        format!(
                            "no category of the config lists the storage key `{}`",
                            item.key
                        )
                    },
                ),
                Owner::Optional(category) => {
                    let Some(from) = window else { continue };
                    let Some(ms) = overlap(item.first_seen_ms, item.last_seen_ms, from) else {
                        continue;
                    };
                    out.add(
                        FindingKind::Leak,
                        url,
                        subject,
                        Some(category.clone()),
                        phase.phase,
                        Some((ms, item.present_at_end)),
                        || {
                            format!(
                                "the storage key `{}` belongs to `{category}`, which was refused, yet it was written",
                                item.key
                            )
                        },
                    );
                }
            }
        }
        if let Some(from) = window {
            for request in &phase.requests {
                if request.at_ms < from
                    || request.blocked.is_some()
                    || rules.is_allowed_host(&request.host)
                {
                    continue;
                }
                let tracker = trackers::by_host(&request.host);
                let subject = Subject::Request {
                    host: request.host.clone(),
                    resource_type: request.resource_type.clone(),
                    initiator: request.initiator.clone(),
                };
                out.add(
                    FindingKind::Leak,
                    url,
                    subject,
                    tracker.map(|t| t.category.to_string()),
                    phase.phase,
                    None,
                    || match tracker {
                        Some(t) => format!(
                            "a request went to {} ({}) {}",
                            request.host,
                            t.service,
                            phase.phase.label()
                        ),
                        None => format!(
                            "a request went to another site, {}, {}",
                            request.host,
                            phase.phase.label()
                        ),
                    },
                );
            }
        }
        if phase.phase == Phase::AcceptAll && phase.choice_at_ms.is_some() {
            for tag in &phase.held {
                let known = rules.config.category(&tag.category).is_some();
                out.add(
                    FindingKind::DeadTag,
                    url,
                    Subject::Tag {
                        element: tag.element.clone(),
                        category: tag.category.clone(),
                        service: tag.service.clone(),
                        address: tag.address.clone(),
                    },
                    known.then(|| tag.category.clone()),
                    phase.phase,
                    None,
                    || {
                        if known {
                            format!("the `{}` tag never ran after Accept all", tag.category)
                        } else {
                            format!(
                                "the category `{}` is not in the config (misspelt?), so this tag never runs",
                                tag.category
                            )
                        }
                    },
                );
            }
        }
    }
    out.findings
}

/// The category name the suggestion files unknown names under.
pub const REVIEW: &str = "review";

/// A config fragment that lists every unlisted cookie and storage key: well-known ones under
/// their usual category (with the patterns the category already has, since a category's
/// `cookies` and `storage` replace the earlier ones when merged), the rest under
/// [`REVIEW`]. `None` when nothing is unlisted.
pub fn suggest(findings: &[Finding], config: &Config) -> Option<ConfigFile> {
    // category -> (cookie patterns, storage patterns), in first-seen order without repeats.
    let mut added: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let push = |list: &mut Vec<String>, value: &str| {
        if !list.iter().any(|v| v == value) {
            list.push(value.to_string());
        }
    };
    for finding in findings.iter().filter(|f| f.kind == FindingKind::Unlisted) {
        match &finding.subject {
            Subject::Cookie { name, .. } => {
                let (category, pattern) = trackers::by_cookie(name)
                    .map_or((REVIEW, name.as_str()), |(t, p)| (t.category, p));
                push(
                    &mut added.entry(category.to_string()).or_default().0,
                    pattern,
                );
            }
            Subject::Storage { key, .. } => {
                let (category, pattern) = trackers::by_storage(key)
                    .map_or((REVIEW, key.as_str()), |(t, p)| (t.category, p));
                push(
                    &mut added.entry(category.to_string()).or_default().1,
                    pattern,
                );
            }
            Subject::Request { .. } | Subject::Tag { .. } => {}
        }
    }
    if added.is_empty() {
        return None;
    }
    let categories = added
        .into_iter()
        .map(|(name, (cookies, storage))| {
            let existing = config.category(&name);
            let merged = |have: Option<&Vec<String>>, new: Vec<String>| {
                let mut all = have.cloned().unwrap_or_default();
                for value in new {
                    push(&mut all, &value);
                }
                (!all.is_empty()).then_some(all)
            };
            let entry = CategoryFile {
                title: existing.is_none().then(|| title_for(&name)),
                description: (name == REVIEW).then(|| {
                    "Found by canenrich-scan and not identified: move each name to the category it belongs to, or to essentialCookies if the site cannot work without it.".to_string()
                }),
                cookies: merged(existing.map(|c| &c.cookies), cookies),
                storage: merged(existing.map(|c| &c.storage), storage),
                ..CategoryFile::default()
            };
            (name, Some(entry))
        })
        .collect();
    Some(ConfigFile {
        categories: Some(categories),
        ..ConfigFile::default()
    })
}

fn title_for(category: &str) -> String {
    match category {
        REVIEW => "To review".to_string(),
        "analytics" => "Usage statistics".to_string(),
        "marketing" => "Marketing".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CookieSeen, CookieSource, HeldTag, RequestSeen, StorageSeen};

    const PAGE: &str = "http://127.0.0.1:8140/leaky.html";

    fn cookie(name: &str, first: u64, last: u64, present: bool) -> CookieSeen {
        CookieSeen {
            name: name.into(),
            domain: "127.0.0.1".into(),
            path: "/".into(),
            expires: None,
            source: CookieSource::Script,
            first_seen_ms: first,
            last_seen_ms: last,
            present_at_end: present,
        }
    }

    fn storage(key: &str, first: u64, last: u64) -> StorageSeen {
        StorageSeen {
            area: StorageArea::Local,
            key: key.into(),
            first_seen_ms: first,
            last_seen_ms: last,
            present_at_end: true,
        }
    }

    fn request(host: &str, at: u64) -> RequestSeen {
        RequestSeen {
            host: host.into(),
            url: format!("http://{host}/p.gif"),
            resource_type: "Image".into(),
            initiator: "script".into(),
            at_ms: at,
            blocked: None,
        }
    }

    fn phase(phase: Phase, choice: Option<u64>) -> PhaseRecord {
        PhaseRecord {
            phase,
            choice_at_ms: choice,
            ended_at_ms: 4000,
            cookies: vec![],
            storage: vec![],
            requests: vec![],
            held: vec![],
        }
    }

    fn judge(phases: Vec<PhaseRecord>) -> Vec<Finding> {
        let config = Config::builtin();
        let rules = Rules {
            config: &config,
            allowed_hosts: &["fonts.example".to_string()],
        };
        judge_page(
            &PageRecord {
                url: PAGE.into(),
                phases,
            },
            &rules,
        )
    }

    fn subjects(findings: &[Finding], kind: FindingKind) -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.subject.describe())
            .collect()
    }

    #[test]
    fn an_analytics_cookie_before_any_choice_is_a_leak_with_how_long_it_lived() {
        let mut before = phase(Phase::Before, None);
        before.cookies = vec![
            cookie("_ga", 300, 1500, false),
            cookie("canenrich_consent", 0, 10, true),
        ];
        let findings = judge(vec![before]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let leak = &findings[0];
        assert_eq!(leak.kind, FindingKind::Leak);
        assert_eq!(leak.category.as_deref(), Some("analytics"));
        assert_eq!(leak.survived_ms, Some(1200));
        assert!(!leak.kept, "it was erased, if late");
    }

    #[test]
    fn after_reject_all_only_what_outlives_the_choice_leaks() {
        let mut reject = phase(Phase::RejectAll, Some(2000));
        reject.cookies = vec![
            // Erased before the choice: the "before" phase reports writes like this one.
            cookie("_ga", 100, 900, false),
            // Written by a marketing tag and kept after Reject all.
            cookie("mk_id", 1000, 4000, true),
        ];
        reject.storage = vec![storage("_ga_store", 2500, 3000)];
        reject.requests = vec![
            request("ads.example", 1000),
            request("tracker.example", 2600),
        ];
        let findings = judge(vec![reject]);
        assert_eq!(
            subjects(&findings, FindingKind::Leak),
            [
                "cookie `mk_id` (127.0.0.1)",
                "localStorage `_ga_store`",
                "request to tracker.example (Image)"
            ]
        );
        let mk = &findings[0];
        assert_eq!((mk.survived_ms, mk.kept), (Some(2000), true));
    }

    #[test]
    fn nothing_optional_is_judged_after_accept_all_but_unlisted_names_are() {
        let mut accept = phase(Phase::AcceptAll, Some(1000));
        accept.cookies = vec![
            cookie("_ga", 1200, 4000, true),
            cookie("shop_ab", 1200, 4000, true),
        ];
        accept.storage = vec![storage("mp_abc_mixpanel", 1300, 4000)];
        accept.requests = vec![request("www.google-analytics.com", 1300)];
        let findings = judge(vec![accept]);
        assert_eq!(subjects(&findings, FindingKind::Leak), Vec::<String>::new());
        assert_eq!(
            subjects(&findings, FindingKind::Unlisted),
            [
                "cookie `shop_ab` (127.0.0.1)",
                "localStorage `mp_abc_mixpanel`"
            ]
        );
    }

    #[test]
    fn third_party_requests_before_a_choice_leak_unless_allowed_or_blocked() {
        let mut before = phase(Phase::Before, None);
        let mut blocked = request("cdn.tracker.example", 50);
        blocked.blocked = Some("csp".into());
        before.requests = vec![
            request("connect.facebook.net", 200),
            request("fonts.example", 20),
            blocked,
            request("connect.facebook.net", 300),
        ];
        let findings = judge(vec![before]);
        assert_eq!(
            subjects(&findings, FindingKind::Leak),
            ["request to connect.facebook.net (Image)"]
        );
        assert_eq!(findings[0].category.as_deref(), Some("marketing"));
        assert!(findings[0].explanation.contains("Meta Pixel"));
    }

    #[test]
    fn a_tag_still_held_after_accept_all_is_dead_and_a_misspelt_category_is_named() {
        let mut accept = phase(Phase::AcceptAll, Some(800));
        accept.held = vec![HeldTag {
            element: "script".into(),
            category: "analytcs".into(),
            service: Some("Stats".into()),
            address: "/stats.js".into(),
        }];
        let findings = judge(vec![accept.clone()]);
        assert_eq!(
            subjects(&findings, FindingKind::DeadTag),
            ["script `Stats` [analytcs] /stats.js"]
        );
        assert!(findings[0].explanation.contains("misspelt"));
        assert_eq!(findings[0].category, None);
        // Without a recorded choice nothing was released, so nothing can be called dead.
        accept.choice_at_ms = None;
        assert!(judge(vec![accept]).is_empty());
    }

    #[test]
    fn the_same_leak_in_two_phases_is_one_finding_naming_both() {
        let mut before = phase(Phase::Before, None);
        before.cookies = vec![cookie("_ga", 100, 600, false)];
        let mut reject = phase(Phase::RejectAll, Some(500));
        reject.cookies = vec![cookie("_ga", 100, 2600, true)];
        let findings = judge(vec![before, reject]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].phases, [Phase::Before, Phase::RejectAll]);
        assert_eq!(
            (findings[0].survived_ms, findings[0].kept),
            (Some(2100), true)
        );
    }

    #[test]
    fn the_suggested_config_files_known_names_keeps_existing_patterns_and_validates() {
        let mut accept = phase(Phase::AcceptAll, Some(100));
        accept.cookies = vec![
            cookie("_hjSessionUser_42", 200, 300, true),
            cookie("shop_ab", 200, 300, true),
            cookie("_fbc", 200, 300, true),
        ];
        accept.storage = vec![storage("ph_phc_token_posthog", 200, 300)];
        let findings = judge(vec![accept]);
        let config = Config::builtin();
        let suggested = suggest(&findings, &config).expect("a suggestion");
        let json = serde_json::to_string_pretty(&suggested).expect("serialises");
        let parsed = ConfigFile::parse(&json, "suggested").expect("the widget reads it");
        let resolved = Config::resolve(&[("suggested", parsed)]).expect("and accepts it");
        let analytics = resolved.category("analytics").expect("analytics");
        assert!(
            analytics.cookies.iter().any(|c| c == "_ga"),
            "existing patterns kept"
        );
        assert!(analytics.cookies.iter().any(|c| c == "_hjSession*"));
        assert!(analytics.storage.iter().any(|c| c == "ph_*"));
        assert!(resolved
            .category("marketing")
            .expect("marketing")
            .cookies
            .iter()
            .any(|c| c == "_fbc"));
        let review = resolved
            .category(REVIEW)
            .expect("unknown names go under review");
        assert_eq!(review.cookies, ["shop_ab"]);
        assert_eq!(review.title.as_deref(), Some("To review"));
        assert!(suggest(&[], &config).is_none());
    }
}
