//! `report.html`: the report for people, self-contained (inline CSS and SVG, no script, no
//! external asset): a summary, the findings, a per-page table, a timeline of cookies per phase
//! and the suggested config. PURE.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::judge::{Finding, FindingKind, Subject};
use crate::record::{Phase, PhaseRecord};
use crate::report::{human_ms, survival, PageReport, Report};

/// Escapes `text`, then shows its `backticked` spans (names in explanations) as code.
fn with_code(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// Escapes text for HTML content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px}h3{font-size:16px;margin:20px 0 6px}
.meta{color:#555;margin:0 0 16px}
.verdict{display:inline-block;padding:4px 12px;border-radius:999px;font-weight:700;color:#fff}
.fail{background:#b3261e}.pass{background:#1b7f3b}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #dde;border-radius:10px;padding:12px 18px;min-width:130px}
.card b{display:block;font-size:28px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#eef0f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.leak{color:#b3261e;font-weight:600}.unlisted{color:#8a5300;font-weight:600}.dead{color:#5b3fa0;font-weight:600}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
pre{background:#fff;border:1px solid #dde;border-radius:8px;padding:12px;overflow:auto}
figure{margin:8px 0 24px;background:#fff;border:1px solid #dde;border-radius:8px;padding:8px;overflow-x:auto}
figcaption{color:#555;font-size:13px}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
";

/// The whole page.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.failed {
        "<span class=\"verdict fail\">FAIL</span>"
    } else {
        "<span class=\"verdict pass\">PASS</span>"
    };
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Consent scan of {url}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>Consent scan of {url} {verdict}</h1>\n<p class=\"meta\">{tool} · {browser} · started {started} · {duration} · fails on: <code>{fail_on}</code></p>\n",
        url = escape(&report.start_url),
        tool = escape(&report.tool),
        browser = escape(&report.browser),
        started = escape(&report.started_at),
        duration = human_ms(report.duration_ms),
        fail_on = report.fail_on.as_str(),
    );
    let _ = write!(
        out,
        "<section aria-labelledby=\"summary\"><h2 id=\"summary\">Summary</h2>\n<p>Each page was opened three times in a fresh browser: before any choice, after <b>Reject all</b> and after <b>Accept all</b>. A <span class=\"leak\">leak</span> is optional data or a request to another site while consent was not given; <span class=\"unlisted\">unlisted</span> is a cookie or storage key no category of the config names; a <span class=\"dead\">dead tag</span> is a gated tag that never ran after Accept all.</p>\n<div class=\"cards\"><div class=\"card\"><b>{}</b>pages</div><div class=\"card leak\"><b>{}</b>leaks</div><div class=\"card unlisted\"><b>{}</b>unlisted</div><div class=\"card dead\"><b>{}</b>dead tags</div></div></section>\n",
        report.pages.len(),
        report.counts.leaks,
        report.counts.unlisted,
        report.counts.dead_tags
    );
    findings_table(&mut out, &report.findings);
    pages_table(&mut out, report);
    out.push_str("<section aria-labelledby=\"timeline\"><h2 id=\"timeline\">Cookies over time</h2>\n<p class=\"legend\"><span><i class=\"sw\" style=\"background:#b3261e\"></i>leak</span><span><i class=\"sw\" style=\"background:#c98a00\"></i>unlisted</span><span><i class=\"sw\" style=\"background:#2f7d4f\"></i>allowed</span><span>dashed line: the choice was recorded</span></p>\n");
    for page in &report.pages {
        if page.record.phases.iter().any(|p| !p.cookies.is_empty()) {
            timeline(&mut out, page, &report.findings);
        }
    }
    out.push_str("</section>\n");
    out.push_str(
        "<section aria-labelledby=\"suggested\"><h2 id=\"suggested\">Suggested config</h2>\n",
    );
    match &report.suggested_config {
        Some(config) => {
            let json = serde_json::to_string_pretty(config).unwrap_or_default();
            let _ = write!(
                out,
                "<p>Merge this into your config (<code>data-config</code> file or inline config) to list every unlisted name. Well-known trackers are filed under their usual category; review the rest.</p>\n<pre>{}</pre>\n",
                escape(&json)
            );
        }
        None => out.push_str("<p>Nothing to add: every cookie and storage key is listed.</p>\n"),
    }
    out.push_str("</section>\n");
    if !report.skipped.is_empty() {
        out.push_str("<section aria-labelledby=\"skipped\"><h2 id=\"skipped\">Links not followed</h2>\n<table><thead><tr><th>link</th><th>why</th></tr></thead><tbody>\n");
        for skipped in &report.skipped {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(&skipped.url),
                escape(&skipped.reason)
            );
        }
        out.push_str("</tbody></table></section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn kind_class(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Leak => "leak",
        FindingKind::Unlisted => "unlisted",
        FindingKind::DeadTag => "dead",
    }
}

fn findings_table(out: &mut String, findings: &[Finding]) {
    out.push_str("<section aria-labelledby=\"findings\"><h2 id=\"findings\">Findings</h2>\n");
    if findings.is_empty() {
        out.push_str("<p>None.</p></section>\n");
        return;
    }
    out.push_str("<table><thead><tr><th>kind</th><th>what</th><th>page</th><th>when</th><th>category</th><th>details</th></tr></thead><tbody>\n");
    for finding in findings {
        let phases: Vec<&str> = finding.phases.iter().map(|p| p.label()).collect();
        let mut details = with_code(&finding.explanation);
        if let Some(survival) = survival(finding) {
            let _ = write!(details, "; {}", escape(&survival));
        }
        let _ = writeln!(
            out,
            "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            kind_class(finding.kind),
            finding.kind.label(),
            with_code(&finding.subject.describe()),
            escape(&finding.page),
            phases.join(", "),
            escape(finding.category.as_deref().unwrap_or("–")),
            details
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// The colour class of a count: only counts above zero are coloured.
fn flag(count: usize, class: &'static str) -> &'static str {
    if count > 0 {
        class
    } else {
        ""
    }
}

fn pages_table(out: &mut String, report: &Report) {
    out.push_str("<section aria-labelledby=\"pages\"><h2 id=\"pages\">Pages</h2>\n<table><thead><tr><th>page</th><th>cookies before / reject / accept</th><th>requests to other sites</th><th>leaks</th><th>unlisted</th><th>dead tags</th><th>config</th></tr></thead><tbody>\n");
    for page in &report.pages {
        let count = |phase: Phase, what: fn(&PhaseRecord) -> usize| {
            page.record
                .phases
                .iter()
                .find(|p| p.phase == phase)
                .map_or("–".to_string(), |p| what(p).to_string())
        };
        let cookies: Vec<String> = Phase::ALL
            .iter()
            .map(|phase| count(*phase, |p| p.cookies.len()))
            .collect();
        let requests: Vec<String> = Phase::ALL
            .iter()
            .map(|phase| count(*phase, |p| p.requests.len()))
            .collect();
        let mut config = escape(&page.config_source);
        for note in &page.notes {
            let _ = write!(config, "<br>{}", escape(note));
        }
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n{}\">{}</td><td class=\"n{}\">{}</td><td class=\"n{}\">{}</td><td>{}</td></tr>",
            escape(&page.record.url),
            cookies.join(" / "),
            requests.join(" / "),
            flag(page.counts.leaks, " leak"),
            page.counts.leaks,
            flag(page.counts.unlisted, " unlisted"),
            page.counts.unlisted,
            flag(page.counts.dead_tags, " dead"),
            page.counts.dead_tags,
            config
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// One SVG per page: a row per cookie, a column per phase, a bar from when the cookie was first
/// seen to when it was last seen, coloured by what the judge made of it.
fn timeline(out: &mut String, page: &PageReport, findings: &[Finding]) {
    const LABEL: f64 = 230.0;
    const PANEL: f64 = 270.0;
    const GAP: f64 = 14.0;
    const ROW: f64 = 20.0;
    const TOP: f64 = 34.0;
    let mut rows: BTreeMap<(String, String), ()> = BTreeMap::new();
    for phase in &page.record.phases {
        for cookie in &phase.cookies {
            rows.insert((cookie.name.clone(), cookie.domain.clone()), ());
        }
    }
    let rows: Vec<(String, String)> = rows.into_keys().collect();
    let width = LABEL + 3.0 * (PANEL + GAP);
    let height = TOP + ROW * rows.len() as f64 + 24.0;
    // A finding colours the cookie only in the phases it was found in.
    let colour = |name: &str, domain: &str, phase: Phase| {
        let kind = findings.iter().find(|f| {
            f.page == page.record.url
                && f.phases.contains(&phase)
                && matches!(&f.subject, Subject::Cookie { name: n, domain: d } if n == name && d == domain)
        });
        match kind.map(|f| f.kind) {
            Some(FindingKind::Leak) => "#b3261e",
            Some(FindingKind::Unlisted) => "#c98a00",
            _ => "#2f7d4f",
        }
    };
    let _ = writeln!(
        out,
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Cookies over time on {url}\" font-family=\"system-ui,sans-serif\" font-size=\"12\">",
        url = escape(&page.record.url)
    );
    for (index, phase) in Phase::ALL.iter().enumerate() {
        let x0 = LABEL + index as f64 * (PANEL + GAP);
        let _ = writeln!(
            out,
            "<text x=\"{x0}\" y=\"16\" font-weight=\"600\">{}</text><rect x=\"{x0}\" y=\"{y}\" width=\"{PANEL}\" height=\"{h}\" fill=\"#f3f4f7\"/>",
            phase.label(),
            y = TOP - 10.0,
            h = ROW * rows.len() as f64 + 10.0
        );
        let Some(record) = page.record.phases.iter().find(|p| p.phase == *phase) else {
            continue;
        };
        let span = record.ended_at_ms.max(1) as f64;
        let scale = |ms: u64| x0 + PANEL * (ms as f64 / span).min(1.0);
        let _ = writeln!(
            out,
            "<text x=\"{x}\" y=\"{y}\" font-size=\"10\" fill=\"#555\" text-anchor=\"end\">{}</text>",
            human_ms(record.ended_at_ms),
            x = x0 + PANEL,
            y = TOP + ROW * rows.len() as f64 + 14.0
        );
        for (row, (name, domain)) in rows.iter().enumerate() {
            let Some(cookie) = record
                .cookies
                .iter()
                .find(|c| &c.name == name && &c.domain == domain)
            else {
                continue;
            };
            let x = scale(cookie.first_seen_ms);
            let end = if cookie.present_at_end {
                x0 + PANEL
            } else {
                scale(cookie.last_seen_ms)
            };
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" rx=\"2\" fill=\"{fill}\"><title>{title}: {from} to {to}</title></rect>",
                y = TOP + ROW * row as f64 - 6.0,
                w = (end - x).max(3.0),
                h = ROW - 6.0,
                fill = colour(name, domain, *phase),
                title = escape(name),
                from = human_ms(cookie.first_seen_ms),
                to = if cookie.present_at_end { "the end".to_string() } else { human_ms(cookie.last_seen_ms) },
            );
        }
        if let Some(choice) = record.choice_at_ms {
            let x = scale(choice);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{y1}\" x2=\"{x:.1}\" y2=\"{y2}\" stroke=\"#1d1d1f\" stroke-dasharray=\"4 3\"/>",
                y1 = TOP - 12.0,
                y2 = TOP + ROW * rows.len() as f64
            );
        }
    }
    for (row, (name, domain)) in rows.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"0\" y=\"{y}\">{}</text>",
            escape(&shorten(&format!("{name} ({domain})"), 34)),
            y = TOP + ROW * row as f64 + 6.0
        );
    }
    let _ = writeln!(
        out,
        "</svg><figcaption>{}</figcaption></figure>",
        escape(&page.record.url)
    );
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_page_cannot_become_markup() {
        assert_eq!(
            escape("<img src=x onerror='1'>&"),
            "&lt;img src=x onerror=&#39;1&#39;&gt;&amp;"
        );
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(
            with_code("the cookie `<b>`"),
            "the cookie <code>&lt;b&gt;</code>"
        );
    }
}
