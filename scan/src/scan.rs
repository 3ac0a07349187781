//! The crawl loop: starts Chromium, visits each page in its three phases, reads the config,
//! judges, writes `report.json` and `report.html`, and shows progress (a bar on a terminal,
//! plain lines otherwise).

use std::collections::{HashSet, VecDeque};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use canenrich_consent::config::{Config, ConfigFile};
use indicatif::{ProgressBar, ProgressStyle};
use thiserror::Error;
use url::Url;

use crate::browser::{BrowserError, Chromium, PageConfig, Timing};
use crate::cli::Options;
use crate::crawl::{self, Robots};
use crate::html;
use crate::judge::{self, Rules};
use crate::record::{PageRecord, Phase};
use crate::report::{Counts, PageReport, Report, Skipped, REPORT_VERSION};

/// Why a scan could not run (exit status 2). Each message says what to do about it.
#[derive(Debug, Error)]
pub enum ScanError {
    /// The start URL is not an http(s) URL.
    #[error("`{0}` is not an http(s) URL: pass the full address, e.g. https://shop.example/")]
    BadUrl(String),
    /// No Chromium at the given path.
    #[error(
        "Chromium not found at {0}: install it (apt-get install chromium) or pass --chromium PATH"
    )]
    NoChromium(String),
    /// Chromium did not start.
    #[error("{0}: check that it runs (`{1} --headless --no-sandbox --version`)")]
    Launch(BrowserError, String),
    /// The start page did not load.
    #[error("the site is unreachable: {0}; start it or check the URL")]
    Unreachable(BrowserError),
    /// Chromium failed in the middle of the scan.
    #[error("{0}; run the scan again")]
    Browser(BrowserError),
    /// `--config` could not be read or is invalid.
    #[error("--config {0}: {1}; fix the file or leave --config out to use each page's config")]
    Config(String, String),
    /// The report could not be written.
    #[error("cannot write {0}: {1}; pass a writable --out DIR")]
    Write(String, String),
}

/// Progress: a bar on a terminal, one plain line per step otherwise (CI logs).
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(pages: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(pages as u64 * 3);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} phases {wide_msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress { bar }
    }

    fn step(&self, index: usize, url: &Url, phase: Phase) {
        match &self.bar {
            Some(bar) => bar.set_message(format!("{} · {}", url.path(), phase.label())),
            None => eprintln!(
                "canenrich-scan: page {} {url}: {}",
                index + 1,
                phase.label()
            ),
        }
    }

    fn done_phase(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn set_pages(&self, pages: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(pages as u64 * 3);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs the whole scan and writes the report files.
pub async fn run(options: &Options) -> Result<Report, ScanError> {
    let start_url = Url::parse(&options.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| ScanError::BadUrl(options.url.clone()))?;
    if !options.chromium.is_file() {
        return Err(ScanError::NoChromium(
            options.chromium.display().to_string(),
        ));
    }
    let fixed_config = match &options.config {
        Some(source) if !source.starts_with("http://") && !source.starts_with("https://") => {
            let text = std::fs::read_to_string(source)
                .map_err(|e| ScanError::Config(source.clone(), e.to_string()))?;
            Some(resolve_text(source, &text).map_err(|e| ScanError::Config(source.clone(), e))?)
        }
        _ => None,
    };
    let timing = Timing {
        settle: options.settle,
        ..Timing::default()
    };
    let chromium = Chromium::launch(&options.chromium, options.host_rules.as_deref(), timing)
        .await
        .map_err(|e| ScanError::Launch(e, options.chromium.display().to_string()))?;
    let result = crawl_site(&chromium, options, &start_url, fixed_config).await;
    chromium.close().await;
    let report = result?;
    write_files(&options.out, &report)?;
    Ok(report)
}

async fn crawl_site(
    chromium: &Chromium,
    options: &Options,
    start_url: &Url,
    fixed_config: Option<(Config, String)>,
) -> Result<Report, ScanError> {
    let started = Instant::now();
    let started_at = rfc3339(SystemTime::now());
    let browser = chromium.version().await;
    let fixed_config = match (&options.config, fixed_config) {
        (Some(source), None) => Some(fetch_config(chromium, source).await?),
        (_, fixed) => fixed,
    };
    let progress = Progress::new(1);
    let mut queue = VecDeque::from([start_url.clone()]);
    let mut seen: HashSet<Url> = HashSet::from([start_url.clone()]);
    let mut robots: Option<Robots> = None;
    let mut pages = Vec::new();
    let mut skipped = Vec::new();
    let mut findings = Vec::new();
    let mut first_config: Option<Config> = None;
    while let Some(url) = queue.pop_front() {
        if pages.len() >= options.pages {
            skipped.push(Skipped {
                url: url.to_string(),
                reason: format!("page limit (--pages {})", options.pages),
            });
            continue;
        }
        let index = pages.len();
        progress.set_pages((index + 1 + queue.len()).min(options.pages));
        let mut phases = Vec::new();
        let mut notes = Vec::new();
        let mut page_config = None;
        let mut unreachable = None;
        for phase in Phase::ALL {
            progress.step(index, &url, phase);
            let explore = phase == Phase::Before;
            match chromium
                .visit(&url, phase, explore, explore && robots.is_none())
                .await
            {
                Ok(visit) => {
                    if explore {
                        if robots.is_none() {
                            robots = Some(Robots::parse(visit.robots.as_deref().unwrap_or("")));
                        }
                        let rules = robots.clone().unwrap_or_default();
                        for link in &visit.links {
                            let Ok(href) = Url::parse(&link.href) else {
                                continue;
                            };
                            match crawl::follow(start_url, &link.href, &link.text, &rules) {
                                Some(next) => {
                                    if seen.insert(next.clone()) {
                                        queue.push_back(next);
                                    }
                                }
                                None => {
                                    let mut clean = href.clone();
                                    clean.set_fragment(None);
                                    let same_origin = clean.origin() == start_url.origin();
                                    if same_origin && seen.insert(clean.clone()) {
                                        let reason = if crawl::is_sign_out(&clean, &link.text) {
                                            "sign-out link"
                                        } else if !rules.allows(clean.path()) {
                                            "robots.txt Disallow"
                                        } else {
                                            "not a page (download)"
                                        };
                                        skipped.push(Skipped {
                                            url: clean.to_string(),
                                            reason: reason.to_string(),
                                        });
                                    }
                                }
                            }
                        }
                        page_config = visit.config;
                    }
                    notes.extend(visit.notes);
                    phases.push(visit.record);
                }
                Err(error @ BrowserError::Unreachable { .. }) if index == 0 => {
                    return Err(ScanError::Unreachable(error));
                }
                Err(error @ BrowserError::Unreachable { .. }) => {
                    unreachable = Some(error.to_string());
                    break;
                }
                Err(error) => return Err(ScanError::Browser(error)),
            }
            progress.done_phase();
        }
        if let Some(reason) = unreachable {
            skipped.push(Skipped {
                url: url.to_string(),
                reason,
            });
            continue;
        }
        let (config, config_source) = match &fixed_config {
            Some((config, source)) => (config.clone(), source.clone()),
            None => page_config_of(page_config.as_ref(), &mut notes),
        };
        if first_config.is_none() {
            first_config = Some(config.clone());
        }
        let record = PageRecord {
            url: url.to_string(),
            phases,
        };
        let rules = Rules {
            config: &config,
            allowed_hosts: &options.allowed_hosts,
        };
        let page_findings = judge::judge_page(&record, &rules);
        pages.push(PageReport {
            record,
            config_source,
            notes,
            counts: Counts::of(&page_findings),
        });
        findings.extend(page_findings);
    }
    progress.finish();
    let config = first_config.unwrap_or_else(Config::builtin);
    let suggested_config =
        judge::suggest(&findings, &config).and_then(|file| serde_json::to_value(file).ok());
    let counts = Counts::of(&findings);
    Ok(Report {
        version: REPORT_VERSION,
        tool: format!("canenrich-scan {}", env!("CARGO_PKG_VERSION")),
        browser,
        start_url: start_url.to_string(),
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        fail_on: options.fail_on,
        failed: options.fail_on.fails(&findings),
        counts,
        pages,
        skipped,
        findings,
        suggested_config,
    })
}

/// Parses one config text and resolves it over the defaults, as the widget does.
fn resolve_text(source: &str, text: &str) -> Result<(Config, String), String> {
    let file = ConfigFile::parse(text, source).map_err(|e| e.to_string())?;
    let config = Config::resolve(&[(source, file)]).map_err(|e| e.to_string())?;
    Ok((config, format!("--config {source}")))
}

/// `--config URL`: loaded in the browser (so it sees what a visitor's browser would).
async fn fetch_config(chromium: &Chromium, source: &str) -> Result<(Config, String), ScanError> {
    let text = chromium
        .text_of(source)
        .await
        .map_err(|e| ScanError::Config(source.to_string(), e.to_string()))?;
    resolve_text(source, &text).map_err(|e| ScanError::Config(source.to_string(), e))
}

/// The config a page runs with, from its sources in the widget's order (built-in defaults,
/// inline element, `data-config` URL). An invalid or missing config is a note, and the page is
/// judged against the built-in defaults, which is what the fail-closed widget runs with.
fn page_config_of(config: Option<&PageConfig>, notes: &mut Vec<String>) -> (Config, String) {
    let Some(config) = config.filter(|c| c.widget) else {
        notes.push(
            "the widget's script tag is not on this page: judged against the built-in defaults"
                .into(),
        );
        return (Config::builtin(), "built-in defaults (no widget)".into());
    };
    let mut sources = Vec::new();
    let mut names = Vec::new();
    if config.inline_count > 1 {
        notes.push("two elements carry id=\"canenrich-consent-config\": the widget treats this as an invalid config".into());
        return (
            Config::builtin(),
            "built-in defaults (invalid config)".into(),
        );
    }
    if let Some(inline) = &config.inline {
        match ConfigFile::parse(inline, "inline config") {
            Ok(file) => {
                sources.push(("inline config", file));
                names.push("inline config".to_string());
            }
            Err(error) => {
                notes.push(format!("{error}: the widget runs fail-closed"));
                return (
                    Config::builtin(),
                    "built-in defaults (invalid config)".into(),
                );
            }
        }
    }
    if let Some(url) = &config.config_url {
        match (&config.config_text, &config.config_error) {
            (Some(text), _) => match ConfigFile::parse(text, url) {
                Ok(file) => {
                    sources.push((url.as_str(), file));
                    names.push(url.clone());
                }
                Err(error) => {
                    notes.push(format!("{error}: the widget runs fail-closed"));
                    return (
                        Config::builtin(),
                        "built-in defaults (invalid config)".into(),
                    );
                }
            },
            (None, error) => {
                notes.push(format!(
                    "the config {url} could not be loaded ({}): the widget runs fail-closed",
                    error.as_deref().unwrap_or("no answer")
                ));
                return (
                    Config::builtin(),
                    "built-in defaults (config not loaded)".into(),
                );
            }
        }
    }
    match Config::resolve(&sources) {
        Ok(resolved) if names.is_empty() => (resolved, "built-in defaults".into()),
        Ok(resolved) => (resolved, names.join(" + ")),
        Err(error) => {
            notes.push(format!("{error}: the widget runs fail-closed"));
            (
                Config::builtin(),
                "built-in defaults (invalid config)".into(),
            )
        }
    }
}

fn write_files(out: &Path, report: &Report) -> Result<(), ScanError> {
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text)
            .map_err(|e| ScanError::Write(path.display().to_string(), e.to_string()))
    };
    std::fs::create_dir_all(out)
        .map_err(|e| ScanError::Write(out.display().to_string(), e.to_string()))?;
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| ScanError::Write("report.json".into(), e.to_string()))?;
    write(out.join("report.json"), json + "\n")?;
    write(out.join("report.html"), html::render(report))
}

/// `2026-12-02T16:20:00Z` for a time after 1970.
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_written_in_rfc3339() {
        let time = UNIX_EPOCH + Duration::from_secs(1_796_228_400);
        assert_eq!(rfc3339(time), "2026-12-02T16:20:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_page_config_that_the_widget_would_refuse_is_judged_fail_closed_with_a_note() {
        let mut notes = Vec::new();
        let config = PageConfig {
            widget: true,
            config_url: Some("http://shop.example/consent.json".into()),
            config_text: Some("{\"revison\": 2}".into()),
            ..PageConfig::default()
        };
        let (resolved, source) = page_config_of(Some(&config), &mut notes);
        assert_eq!(resolved, Config::builtin());
        assert!(source.contains("invalid"));
        assert!(notes[0].contains("revison"), "{notes:?}");
        let mut notes = Vec::new();
        let inline = PageConfig {
            widget: true,
            inline: Some(
                "{\"categories\":{\"video\":{\"title\":\"Videos\",\"cookies\":[\"yt_*\"]}}}".into(),
            ),
            inline_count: 1,
            ..PageConfig::default()
        };
        let (resolved, source) = page_config_of(Some(&inline), &mut notes);
        assert!(resolved.category("video").is_some());
        assert_eq!(source, "inline config");
        assert!(notes.is_empty());
    }
}
