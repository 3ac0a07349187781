//! `report.json`: the versioned shape of a scan's result (its JSON Schema is
//! `scan/report.schema.json`), and the Markdown summary printed on stdout. PURE.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::judge::{Finding, FindingKind};
use crate::record::{PageRecord, POLL_MS};

/// Version of the report's shape. Bumped on any change that could break a reader; fields may be
/// added without a bump.
pub const REPORT_VERSION: u32 = 1;

/// When the scan fails the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    /// Any leak.
    Leaks,
    /// Any leak, unlisted cookie or storage key, or dead tag.
    Unlisted,
    /// Never: report only.
    Never,
}

impl FailOn {
    /// Whether `findings` fail the scan under this setting.
    pub fn fails(self, findings: &[Finding]) -> bool {
        match self {
            FailOn::Leaks => findings.iter().any(|f| f.kind == FindingKind::Leak),
            FailOn::Unlisted => !findings.is_empty(),
            FailOn::Never => false,
        }
    }

    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Leaks => "leaks",
            FailOn::Unlisted => "unlisted",
            FailOn::Never => "never",
        }
    }
}

/// Counts for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counts {
    /// Leaks.
    pub leaks: usize,
    /// Unlisted cookies and storage keys.
    pub unlisted: usize,
    /// Dead tags.
    pub dead_tags: usize,
}

impl Counts {
    /// Counts `findings` by kind.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut counts = Counts::default();
        for finding in findings {
            match finding.kind {
                FindingKind::Leak => counts.leaks += 1,
                FindingKind::Unlisted => counts.unlisted += 1,
                FindingKind::DeadTag => counts.dead_tags += 1,
            }
        }
        counts
    }
}

/// One scanned page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PageReport {
    /// What the browser saw, phase by phase.
    #[serde(flatten)]
    pub record: PageRecord,
    /// Where the config this page was judged against came from.
    pub config_source: String,
    /// Things to know about this page (no banner, an invalid config, …).
    pub notes: Vec<String>,
    /// Its findings, counted.
    pub counts: Counts,
}

/// A link the crawl did not follow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    /// The link.
    pub url: String,
    /// `robots.txt`, `sign-out link`, or `page limit`.
    pub reason: String,
}

/// The whole result of a scan: `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// `canenrich-scan <version>`.
    pub tool: String,
    /// The browser, as it reports itself.
    pub browser: String,
    /// The URL the crawl started from.
    pub start_url: String,
    /// When the scan started (UTC, RFC 3339).
    pub started_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The `--fail-on` setting.
    pub fail_on: FailOn,
    /// Whether the scan fails under it.
    pub failed: bool,
    /// Findings counted over all pages.
    pub counts: Counts,
    /// Every page scanned, in crawl order.
    pub pages: Vec<PageReport>,
    /// Links not followed.
    pub skipped: Vec<Skipped>,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// A config fragment listing every unlisted name (validates against `config.schema.json`);
    /// `null` when nothing is unlisted.
    pub suggested_config: Option<serde_json::Value>,
}

/// The report's JSON Schema (draft 2020-12), as committed in `scan/report.schema.json`.
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(Report);
    schema.insert("title".into(), "canenrich-scan report".into());
    // Serialising a JSON value cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// A duration for people: `850 ms`, `2.1 s`.
pub fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// How long a leaked cookie or key lived, for people.
pub fn survival(finding: &Finding) -> Option<String> {
    let ms = finding.survived_ms?;
    Some(if finding.kept {
        format!("still there after {}", human_ms(ms))
    } else if ms < POLL_MS {
        // Seen in a single read: it lived less than two reads apart, not "0 ms".
        format!("erased within {}", human_ms(2 * POLL_MS))
    } else {
        format!("erased after {}", human_ms(ms))
    })
}

/// The short Markdown summary for a CI log or a pull-request comment.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.failed {
        "❌ FAIL"
    } else {
        "✅ PASS"
    };
    out.push_str(&format!(
        "## Consent scan of {}: {verdict}\n\n",
        report.start_url
    ));
    out.push_str(&format!(
        "{} pages · **{} leaks** · {} unlisted · {} dead tags · fail on: `{}` · {}\n\n",
        report.pages.len(),
        report.counts.leaks,
        report.counts.unlisted,
        report.counts.dead_tags,
        report.fail_on.as_str(),
        human_ms(report.duration_ms),
    ));
    out.push_str("| page | leaks | unlisted | dead tags |\n| --- | ---: | ---: | ---: |\n");
    for page in &report.pages {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            page.record.url, page.counts.leaks, page.counts.unlisted, page.counts.dead_tags
        ));
    }
    if !report.findings.is_empty() {
        out.push_str("\n### Findings\n\n");
        for finding in &report.findings {
            let phases: Vec<&str> = finding.phases.iter().map(|p| p.label()).collect();
            let mut line = format!(
                "- **{}** {} on {} ({})",
                finding.kind.label(),
                finding.subject.describe(),
                finding.page,
                phases.join(", ")
            );
            if let Some(category) = &finding.category {
                line.push_str(&format!(" [{category}]"));
            }
            if let Some(survival) = survival(finding) {
                line.push_str(&format!(": {survival}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    let notes: Vec<&String> = report.pages.iter().flat_map(|p| &p.notes).collect();
    if !notes.is_empty() {
        out.push_str("\n### Notes\n\n");
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    if report.suggested_config.is_some() {
        out.push_str(
            "\nA suggested config for the unlisted names is in report.html and report.json.\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_schema_is_the_one_the_report_type_generates() {
        let committed = include_str!("../report.schema.json");
        assert!(
            committed == schema_json(),
            "scan/report.schema.json is stale: run `cargo run -p canenrich-scan -- --print-schema > scan/report.schema.json`"
        );
    }

    #[test]
    fn fail_on_decides_the_exit_status_by_the_kinds_found() {
        let finding = |kind| Finding {
            kind,
            page: "https://shop.example/".into(),
            subject: crate::judge::Subject::Cookie {
                name: "promo_ref".into(),
                domain: "shop.example".into(),
            },
            category: None,
            phases: Vec::new(),
            survived_ms: None,
            kept: false,
            explanation: String::new(),
        };
        let leak = [finding(FindingKind::Leak)];
        let unlisted = [finding(FindingKind::Unlisted)];
        let dead = [finding(FindingKind::DeadTag)];
        assert!(FailOn::Leaks.fails(&leak));
        assert!(!FailOn::Leaks.fails(&unlisted) && !FailOn::Leaks.fails(&dead));
        assert!(FailOn::Unlisted.fails(&leak) && FailOn::Unlisted.fails(&unlisted));
        assert!(FailOn::Unlisted.fails(&dead));
        assert!(!FailOn::Unlisted.fails(&[]));
        assert!(!FailOn::Never.fails(&leak));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_ms(850), "850 ms");
        assert_eq!(human_ms(2149), "2.1 s");
    }

    #[test]
    fn a_cookie_seen_in_one_read_is_said_to_be_erased_within_two_reads() {
        let mut finding = Finding {
            kind: FindingKind::Leak,
            page: "http://shop.example/".into(),
            subject: crate::judge::Subject::Cookie {
                name: "_ga".into(),
                domain: "shop.example".into(),
            },
            category: Some("analytics".into()),
            phases: vec![crate::record::Phase::Before],
            survived_ms: Some(0),
            kept: false,
            explanation: String::new(),
        };
        assert_eq!(survival(&finding).as_deref(), Some("erased within 200 ms"));
        finding.survived_ms = Some(1250);
        assert_eq!(survival(&finding).as_deref(), Some("erased after 1.2 s"));
        finding.kept = true;
        assert_eq!(
            survival(&finding).as_deref(),
            Some("still there after 1.2 s")
        );
    }
}
