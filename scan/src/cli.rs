//! The command line of `canenrich-scan`. PURE: parses arguments into [`Options`].

use std::path::PathBuf;
use std::time::Duration;

use crate::report::FailOn;

/// Usage text, printed with `--help` and after a usage error.
pub const USAGE: &str = "\
usage: canenrich-scan URL [options]

Audits a site's cookie consent in headless Chromium: every page is opened before any choice,
after Reject all and after Accept all, and judged against the site's CanEnrich Consent config.
Writes report.json and report.html, prints a Markdown summary on stdout.

options:
  --pages N               scan at most N pages, same-origin links breadth first (default 50)
  --config URL|FILE       judge against this config instead of the one each page loads
  --out DIR               where report.json and report.html go (default canenrich-scan-report)
  --fail-on WHAT          leaks (default) | unlisted (leaks, unlisted names and dead tags) | never
  --allow-host PATTERN    a third party that may be called before consent (a CDN; `*` wildcard);
                          repeatable
  --chromium PATH         the browser (default /usr/bin/chromium, or $CANENRICH_CHROMIUM)
  --host-resolver-rules R passed to Chromium, e.g. \"MAP *.staging.test 10.0.0.5\"
  --settle MS             how long to keep watching each phase after the last step (default 2500)
  --print-schema          print the JSON Schema of report.json and exit

exit status: 0 clean, 1 findings (per --fail-on), 2 the scan could not run";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The start page.
    pub url: String,
    /// Most pages to scan.
    pub pages: usize,
    /// A config to judge against instead of the page's.
    pub config: Option<String>,
    /// Output directory.
    pub out: PathBuf,
    /// When to exit 1.
    pub fail_on: FailOn,
    /// Third-party host patterns allowed before consent.
    pub allowed_hosts: Vec<String>,
    /// Chromium's executable.
    pub chromium: PathBuf,
    /// `--host-resolver-rules` for Chromium.
    pub host_rules: Option<String>,
    /// Watch time after the last step of a phase.
    pub settle: Duration,
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Scan a site.
    Scan(Box<Options>),
    /// Print the report schema.
    PrintSchema,
    /// Print usage.
    Help,
}

/// Parses the arguments (without the program name); `chromium_env` is `$CANENRICH_CHROMIUM`.
pub fn parse(args: &[String], chromium_env: Option<String>) -> Result<Command, String> {
    let mut url = None;
    let mut options = Options {
        url: String::new(),
        pages: 50,
        config: None,
        out: PathBuf::from("canenrich-scan-report"),
        fail_on: FailOn::Leaks,
        allowed_hosts: Vec::new(),
        chromium: PathBuf::from(chromium_env.unwrap_or_else(|| "/usr/bin/chromium".into())),
        host_rules: None,
        settle: Duration::from_millis(2500),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "--help" | "-h" => return Ok(Command::Help),
            "--print-schema" => return Ok(Command::PrintSchema),
            "--pages" => {
                let text = value()?;
                options.pages = text.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("--pages must be a whole number of at least 1, got `{text}`")
                })?;
            }
            "--config" => options.config = Some(value()?),
            "--out" => options.out = PathBuf::from(value()?),
            "--fail-on" => {
                let text = value()?;
                options.fail_on = match text.as_str() {
                    "leaks" => FailOn::Leaks,
                    "unlisted" => FailOn::Unlisted,
                    "never" => FailOn::Never,
                    _ => {
                        return Err(format!(
                            "--fail-on takes leaks, unlisted or never, got `{text}`"
                        ))
                    }
                };
            }
            "--allow-host" => options.allowed_hosts.push(value()?.to_ascii_lowercase()),
            "--chromium" => options.chromium = PathBuf::from(value()?),
            "--host-resolver-rules" => options.host_rules = Some(value()?),
            "--settle" => {
                let text = value()?;
                let ms: u64 = text
                    .parse()
                    .map_err(|_| format!("--settle is in milliseconds, got `{text}`"))?;
                options.settle = Duration::from_millis(ms);
            }
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`")),
            other => {
                if url.is_some() {
                    return Err(format!("one start URL only, got a second: `{other}`"));
                }
                url = Some(other.to_string());
            }
        }
    }
    options.url = url.ok_or("the start URL is missing")?;
    Ok(Command::Scan(Box::new(options)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, String> {
        parse(
            &args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            None,
        )
    }

    #[test]
    fn options_have_documented_defaults_and_take_both_spellings() {
        let Ok(Command::Scan(options)) = parse_args(&[
            "https://shop.example/",
            "--pages=3",
            "--fail-on",
            "never",
            "--allow-host",
            "Fonts.Example",
        ]) else {
            panic!("a scan");
        };
        assert_eq!(options.url, "https://shop.example/");
        assert_eq!(options.pages, 3);
        assert_eq!(options.fail_on, FailOn::Never);
        assert_eq!(options.allowed_hosts, ["fonts.example"]);
        assert_eq!(options.out, PathBuf::from("canenrich-scan-report"));
        assert_eq!(options.chromium, PathBuf::from("/usr/bin/chromium"));
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        assert!(parse_args(&[]).unwrap_err().contains("start URL"));
        assert!(parse_args(&["u", "--pages", "0"])
            .unwrap_err()
            .contains("--pages"));
        assert!(parse_args(&["u", "--fail-on", "all"])
            .unwrap_err()
            .contains("leaks, unlisted or never"));
        assert!(parse_args(&["u", "--out"])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse_args(&["u", "--fast"])
            .unwrap_err()
            .contains("unknown option"));
        assert!(parse_args(&["u", "v"])
            .unwrap_err()
            .contains("one start URL"));
        assert_eq!(parse_args(&["--print-schema"]), Ok(Command::PrintSchema));
    }
}
