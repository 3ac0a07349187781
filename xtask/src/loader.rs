//! The loader (`dist/canenrich-consent.js`), authored in parts under `www/loader/` and assembled
//! here into one IIFE, which `dist` then minifies. Each part owns one concern; they share the
//! IIFE's scope, so a part may use what an earlier part declared. The first part, `facts`, is
//! generated from the widget crate's constants (and the build's file names), so the names and
//! formats the loader shares with the WebAssembly cannot drift.

use std::fs;
use std::path::Path;

use canenrich_consent::blocker::plan::DEFERRED;
use canenrich_consent::config::{Config, MAX_EXPIRY_DAYS};
use canenrich_consent::core_settings;
use canenrich_consent::model::{codec, Method, CLOCK_SKEW, CONSENT_MODE, NECESSARY};
use canenrich_consent::page::{HOST_ID, INLINE_CONFIG_ID};
use canenrich_consent::storage::outbox;
use canenrich_consent::storage::{COOKIE_NAME, HOST_COOKIE_NAME};
use serde_json::{json, Value};

use crate::dist;

/// Where the parts live, relative to the repository root.
pub const DIR: &str = "www/loader";

/// The generated part: written by [`facts`], never checked in.
pub const FACTS: &str = "facts.js";

/// The parts in the order they run, each with what it owns. The order is the loader's start-up
/// sequence: the shared facts and the API exist first, Consent Mode defaults are queued before any
/// tag can run, every guard is in place before loading starts, and `start.js` comes last.
pub const PARTS: &[(&str, &str)] = &[
    (
        FACTS,
        "generated: names and formats shared with the widget crate and the build",
    ),
    (
        "api.js",
        "window.CanEnrichConsent, its `ready` promise, and the state the parts share",
    ),
    ("consent-mode.js", "Google Consent Mode v2 defaults"),
    (
        "element-guard.js",
        "holds gated elements that scripts insert (DOM methods, observer, shadow roots)",
    ),
    (
        "markup-guard.js",
        "holds gated markup strings (innerHTML, outerHTML, insertAdjacentHTML, document.write)",
    ),
    (
        "cookie-guard.js",
        "queues document.cookie writes until the widget decides",
    ),
    (
        "record.js",
        "reads the stored record and the config's revision and expiry: core or full build",
    ),
    (
        "loading.js",
        "fetches config and CSS, boots the core or full build, hands over, settles `ready`",
    ),
    (
        "first-paint.js",
        "paints the pre-rendered banner before the WebAssembly; holds presses on it until then",
    ),
    (
        "load-error.js",
        "the notice with Try again when the WebAssembly cannot load",
    ),
    ("start.js", "starts loading"),
];

/// A digest of what the widget resolves every config against (the built-in config and the
/// language files): part of the lean core's settings key, so that settings a build with other
/// defaults wrote are never used. FNV-1a, 32 bits, in hex.
fn defaults_digest() -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let locales = canenrich_consent::i18n::LOCALES
        .iter()
        .map(|(_, text)| *text);
    for text in std::iter::once(canenrich_consent::config::builtin_json().as_str()).chain(locales) {
        for byte in text.bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    format!("{hash:08x}")
}

/// The facts the loader shares with the widget crate and the build, as `(variable, value,
/// what it is)`: the values come from the Rust constants, so changing one there changes the
/// loader.
pub fn facts() -> Vec<(&'static str, Value, &'static str)> {
    let defaults = Config::builtin();
    vec![
        (
            "COOKIE_NAME",
            json!(COOKIE_NAME),
            "the cookie holding the stored choice (storage::COOKIE_NAME)",
        ),
        (
            "HOST_COOKIE_NAME",
            json!(HOST_COOKIE_NAME),
            "its name on https (storage::HOST_COOKIE_NAME)",
        ),
        (
            "HOST_ID",
            json!(HOST_ID),
            "id of the widget's host element (page::HOST_ID)",
        ),
        (
            "INLINE_CONFIG_ID",
            json!(INLINE_CONFIG_ID),
            "id of the inline config <script> (page::INLINE_CONFIG_ID)",
        ),
        (
            "CONSENT_TYPES",
            json!(CONSENT_MODE
                .iter()
                .map(|(kind, _)| kind)
                .collect::<Vec<_>>()),
            "Google Consent Mode v2 types (model::CONSENT_MODE)",
        ),
        (
            "ADDRESSES",
            json!(DEFERRED
                .iter()
                .map(|(held, live)| [live, held])
                .collect::<Vec<_>>()),
            "[attribute, where a held element keeps it] (blocker::plan::DEFERRED)",
        ),
        (
            "CORE_SETTINGS",
            json!({
                "storageKey": core_settings::STORAGE_KEY,
                "version": core_settings::VERSION,
                "defaults": defaults_digest(),
                "outboxPrefix": outbox::KEY_PREFIX,
            }),
            "the lean core's settings in localStorage (core_settings), and the outbox's key prefix (storage::outbox)",
        ),
        (
            "FILES",
            json!({
                "css": dist::CSS,
                "full": dist::OUT_NAME,
                "core": dist::CORE_NAME,
                "suffixList": dist::SUFFIX_LIST,
            }),
            "file names in dist/ (xtask/src/dist.rs)",
        ),
        (
            "RECORD",
            json!({
                "versions": [codec::VERSION, codec::VERSION_2],
                "methods": Method::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                "necessary": NECESSARY,
                "clockSkew": CLOCK_SKEW,
            }),
            "the stored record's format (model::codec) and clock skew (model::CLOCK_SKEW)",
        ),
        (
            "DEFAULTS",
            json!({
                "revision": defaults.revision,
                "expiryDays": defaults.expiry_days,
                "refusalExpiryDays": defaults.refusal_expiry_days,
                "maxExpiryDays": MAX_EXPIRY_DAYS,
            }),
            "the built-in config's revision and expiry (config::Config::builtin)",
        ),
    ]
}

/// The generated `facts` part: one `var` per fact.
pub fn facts_part() -> String {
    let mut out = String::from(
        "// Generated by `cargo xtask dist` (xtask/src/loader.rs) from the widget crate's constants:\n\
         // change those, not this.\n",
    );
    for (name, value, what) in facts() {
        out.push_str(&format!("// {what}\nvar {name} = {value};\n"));
    }
    out
}

/// Kept by the minifier (`/*!`): what the file is, for whoever opens it on a site.
const HEADER: &str = "\
/*! CanEnrich Consent loader. Runs synchronously, first in <head>. It creates
 * window.CanEnrichConsent and its `ready` promise, guards what scripts insert or write before the
 * widget has decided, and loads the WebAssembly, stylesheet and config in parallel without
 * delaying the page: the small core build when the stored choice is valid, else the full UI.
 * Every consent decision is made by the WebAssembly; until it answers, and if it never loads,
 * nothing optional runs (fail closed). */
";

/// The loader as one readable script: the generated facts and the parts of `dir` in [`PARTS`]
/// order inside one strict IIFE. Fails when a listed part is missing, a `.js` file in `dir` is not
/// listed (a part cannot be left out unnoticed), a checked-in `facts.js` would shadow the
/// generated one, or a part hard-codes a fact (see [`hard_coded_facts`]).
pub fn assemble(dir: &Path) -> Result<String, String> {
    let mut unlisted: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name.ends_with(".js") && (name == FACTS || !PARTS.iter().any(|(part, _)| part == name))
        })
        .collect();
    if !unlisted.is_empty() {
        unlisted.sort();
        return Err(format!(
            "{} has parts not listed in xtask/src/loader.rs PARTS (or a checked-in {FACTS}, which \
             the build generates): {}",
            dir.display(),
            unlisted.join(", ")
        ));
    }
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for (name, _) in PARTS {
        if *name == FACTS {
            parts.push((*name, facts_part()));
            continue;
        }
        let path = dir.join(name);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read loader part {}: {e}", path.display()))?;
        for (fact, value) in hard_coded_facts(&text) {
            problems.push(format!("{DIR}/{name} writes `{value}`: use {fact}"));
        }
        parts.push((*name, text));
    }
    if !problems.is_empty() {
        return Err(format!(
            "the loader hard-codes facts the generated {FACTS} provides:\n  {}",
            problems.join("\n  ")
        ));
    }
    Ok(wrap(&parts))
}

/// The facts (variable, value) that `source` writes out instead of using the generated
/// variable: every string value of [`facts`] found as a whole word (not part of a longer name)
/// outside `//` comments. The plain attribute names (`src`, `href` …) of `ADDRESSES` are left
/// out: the loader uses them as DOM properties too.
pub fn hard_coded_facts(source: &str) -> Vec<(&'static str, String)> {
    let code: String = source
        .lines()
        .map(|line| match line.find("//") {
            // A `//` after `:` is a URL (`http://`), not a comment.
            Some(at) if !line[..at].ends_with(':') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    for (name, value, _) in facts() {
        let mut strings = Vec::new();
        match name {
            "ADDRESSES" => {
                for pair in value.as_array().into_iter().flatten() {
                    strings.extend(pair.get(1).and_then(Value::as_str).map(str::to_string));
                }
            }
            _ => collect_strings(&value, &mut strings),
        }
        for text in strings {
            if contains_word(&code, &text) {
                found.push((name, text));
            }
        }
    }
    found
}

/// Every string in `value`, recursively.
fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        Value::Object(map) => map.values().for_each(|item| collect_strings(item, out)),
        _ => {}
    }
}

/// Whether `word` occurs in `code` with no name character (`[A-Za-z0-9_$.-]`) right before or
/// after it: `data-src` is not found in `data-srcset`, a property `RECORD.necessary` is not the
/// string `necessary`, and a file name `canenrich-consent.css` is not the host id.
fn contains_word(code: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '-');
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

/// `parts` (name, source) inside the IIFE, indented, each under a comment naming its file.
fn wrap(parts: &[(&str, String)]) -> String {
    let mut out = String::from(HEADER);
    out.push_str("(function () {\n  'use strict';\n");
    for (name, text) in parts {
        out.push_str(&format!("\n  // ---- {DIR}/{name}\n"));
        for line in text.lines() {
            if !line.is_empty() {
                out.push_str("  ");
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    out.push_str("})();\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask sits in the repository")
            .join(DIR)
    }

    #[test]
    fn the_parts_run_in_the_listed_order_inside_one_strict_iife() {
        let script = wrap(&[
            (
                "api.js",
                "var a = 1;\n\nfunction f() {\n  return a;\n}\n".into(),
            ),
            ("start.js", "f();\n".into()),
        ]);
        assert!(script.starts_with("/*! CanEnrich Consent loader."));
        let body = script.split_once("*/\n").expect("header").1;
        assert_eq!(
            body,
            "(function () {\n  'use strict';\n\n  // ---- www/loader/api.js\n  var a = 1;\n\n  \
             function f() {\n    return a;\n  }\n\n  // ---- www/loader/start.js\n  f();\n})();\n"
        );
    }

    #[test]
    fn every_part_in_the_folder_is_listed_and_every_listed_part_exists() {
        let script = assemble(&root()).expect("the checked-in parts assemble");
        for (name, _) in PARTS {
            assert!(
                script.contains(&format!("// ---- {DIR}/{name}\n")),
                "{name}"
            );
        }
        assert!(script.trim_end().ends_with("load(0);\n})();"));
    }

    #[test]
    fn an_unlisted_missing_or_checked_in_generated_part_fails_the_build() {
        let dir = std::env::temp_dir().join(format!("xtask-loader-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let written: Vec<&str> = PARTS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| *name != FACTS)
            .collect();
        for name in &written {
            fs::write(dir.join(name), "// part\n").expect("write part");
        }
        let script = assemble(&dir).expect("every part is there");
        assert!(script.contains(&format!("var COOKIE_NAME = \"{COOKIE_NAME}\";")));
        fs::write(dir.join("stray.js"), "x();\n").expect("write stray");
        let error = assemble(&dir).expect_err("a stray part is refused");
        assert!(error.contains("stray.js"), "{error}");
        fs::rename(dir.join("stray.js"), dir.join(FACTS)).expect("write a facts.js");
        let error = assemble(&dir).expect_err("a checked-in facts.js is refused");
        assert!(error.contains(FACTS), "{error}");
        fs::remove_file(dir.join(FACTS)).expect("remove facts.js");
        fs::remove_file(dir.join(written[0])).expect("remove a part");
        let error = assemble(&dir).expect_err("a missing part is refused");
        assert!(error.contains(written[0]), "{error}");
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn the_generated_facts_are_the_rust_constants() {
        let part = facts_part();
        for line in [
            format!("var COOKIE_NAME = \"{COOKIE_NAME}\";"),
            format!("var HOST_ID = \"{HOST_ID}\";"),
            format!("var INLINE_CONFIG_ID = \"{INLINE_CONFIG_ID}\";"),
            format!(
                "var CONSENT_TYPES = [{}];",
                CONSENT_MODE
                    .iter()
                    .map(|(kind, _)| format!("\"{kind}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            format!(
                "var ADDRESSES = [{}];",
                DEFERRED
                    .iter()
                    .map(|(held, live)| format!("[\"{live}\",\"{held}\"]"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ] {
            assert!(part.lines().any(|l| l == line), "{line} not in\n{part}");
        }
        let value = |name: &str| {
            facts()
                .into_iter()
                .find(|(fact, _, _)| *fact == name)
                .map(|(_, value, _)| value)
                .expect("fact")
        };
        assert_eq!(value("FILES")["core"], dist::CORE_NAME);
        assert_eq!(value("RECORD")["versions"], json!(["v1", "v2"]));
        assert_eq!(value("RECORD")["clockSkew"], CLOCK_SKEW);
        assert_eq!(value("DEFAULTS")["revision"], Config::builtin().revision);
    }

    #[test]
    fn a_part_that_hard_codes_a_fact_is_named() {
        let found = |source: &str| {
            hard_coded_facts(source)
                .into_iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("var taken = /(?:^|;\\s*)canenrich_consent=/.test(jar);"),
            ["COOKIE_NAME=canenrich_consent", "FILES=canenrich_consent"]
        );
        assert_eq!(
            found("host.id = 'canenrich-consent';"),
            ["HOST_ID=canenrich-consent"]
        );
        assert_eq!(
            found("el.setAttribute('data-srcset', v);"),
            ["ADDRESSES=data-srcset"]
        );
        assert_eq!(
            found("var t = ['ad_storage'];"),
            ["CONSENT_TYPES=ad_storage"]
        );
        assert_eq!(
            found("sheet.href = base + 'canenrich-consent.css';"),
            ["FILES=canenrich-consent.css"]
        );
        // Comments, longer names, DOM properties and URLs are not facts written out.
        assert!(found("// the canenrich_consent cookie\nsheet.href = x; // data-src").is_empty());
        assert!(found("var a = 'canenrich-consent-configs', b = el.src;").is_empty());
        assert!(found("var ns = 'http://www.w3.org/1999/xhtml';").is_empty());
    }

    #[test]
    fn no_checked_in_part_hard_codes_a_fact() {
        for (name, _) in PARTS.iter().filter(|(name, _)| *name != FACTS) {
            let text = fs::read_to_string(root().join(name)).expect("part");
            assert_eq!(hard_coded_facts(&text), [], "{name}");
        }
    }

    /// Runs `script` (after the generated facts and `record.js`) in node and returns what it
    /// prints.
    fn run_record_part(script: &str) -> String {
        let record = fs::read_to_string(root().join("record.js")).expect("record.js");
        let output = std::process::Command::new("node")
            .args(["-e", &format!("{}{record}{script}", facts_part())])
            .output()
            .expect("node runs (it runs the end-to-end tests too)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    }

    /// `body` with its checksum, as the codec would seal it.
    fn sealed(body: &str) -> String {
        format!("{body}.{:08x}", codec::fnv1a(body))
    }

    #[test]
    fn the_loader_reads_stored_records_exactly_as_the_codec_does() {
        use std::collections::BTreeSet;

        use canenrich_consent::model::{uuid, Consent};

        let offered = ["necessary", "personalization", "analytics", "marketing"];
        let some = BTreeSet::from(["analytics".to_string()]);
        let records = [
            Consent::new(
                uuid::v4([7; 16]),
                3,
                1_764_081_000_000,
                offered,
                &some,
                Method::Custom,
            ),
            Consent::new(
                uuid::v4([1; 16]),
                0,
                5,
                offered,
                &BTreeSet::new(),
                Method::RejectAll,
            ),
            Consent::new(
                uuid::v4([2; 16]),
                4_294_967_295,
                1,
                offered,
                &offered.iter().map(|c| c.to_string()).collect(),
                Method::AcceptAll,
            ),
            Consent::new(uuid::v4([3; 16]), 1, 9, offered, &some, Method::Gpc)
                .with_refused_services(BTreeSet::from(["partner-ads".into(), "x-2".into()])),
        ];
        let id = uuid::v4([4; 16]);
        let mut values: Vec<String> = Vec::new();
        for record in &records {
            let value = codec::encode(record);
            // Every truncation, every single-character edit to a neighbour, the checksum in
            // capitals.
            for cut in 0..value.len() {
                values.push(value[..cut].to_string());
                let mut edited = value.clone().into_bytes();
                edited[cut] = edited[cut].wrapping_add(1);
                values.push(String::from_utf8_lossy(&edited).into_owned());
            }
            let (body, sum) = value.rsplit_once('.').expect("sealed");
            values.push(format!("{body}.{}", sum.to_uppercase()));
            values.push(value);
        }
        // Well sealed, but a field is wrong (or oddly written) for the codec.
        for body in [
            format!("v1.{id}.+7.5.custom.necessary."),
            format!("v1.{id}.07.+5.custom.necessary."),
            format!("v1.{id}.4294967296.5.custom.necessary."),
            format!("v1.{id}.1.5.custom.analytics."),
            format!("v1.{id}.1.5.custom.necessary:analytics.analytics"),
            format!("v1.{id}.1.5.custom.necessary:Analytics."),
            format!("v1.{id}.1.5.custom.necessary::analytics."),
            format!("v1.{id}.1.5.sometimes.necessary."),
            format!("v1.{}.1.5.custom.necessary.", id.to_uppercase()),
            format!("v1.{id}.1.-5.custom.necessary."),
            format!("v1.{id}.1.5.custom.necessary..extra"),
            format!("v2.{id}.1.5.custom.necessary.."),
            format!("v2.{id}.1.5.custom.necessary..Partner Ads"),
            format!("v2.{id}.1.5.custom.necessary..a::b"),
            format!("v2.{id}.1.5.custom.necessary..ok-1"),
            format!("v2.{id}.1.5.custom.necessary."),
            format!("v3.{id}.1.5.custom.necessary."),
            format!("v1.{id}.1.5.custom.necessary.é"),
        ] {
            values.push(sealed(&body));
        }
        values.extend(["", ".", "yes", "v2.a.b", "v1........", "{\"all\":1}"].map(String::from));

        let expected: Vec<Value> = values
            .iter()
            .map(|value| match codec::decode(value) {
                Ok(c) => json!([c.revision, c.timestamp, !c.rejected.is_empty()]),
                Err(_) => Value::Null,
            })
            .collect();
        assert!(
            expected.iter().filter(|v| !v.is_null()).count() >= 8,
            "valid cases are tested"
        );
        let printed = run_record_part(&format!(
            "console.log(JSON.stringify({}.map(function (value) {{ var r = readRecord(value); \
             return r && [r.revision, r.timestamp, r.refuses]; }})));",
            json!(values)
        ));
        let actual: Vec<Value> = serde_json::from_str(&printed).expect("JSON");
        for ((value, expected), actual) in values.iter().zip(&expected).zip(&actual) {
            assert_eq!(actual, expected, "{value:?}");
        }
        assert_eq!(actual.len(), expected.len());
    }

    #[test]
    fn the_loader_judges_revision_and_expiry_as_the_widget_does() {
        use canenrich_consent::model::days;

        let now: u64 = 1_800_000_000_000;
        let rules = [(1, 182, 90), (2, 182, 90), (1, 30, 60)];
        let mut cases = Vec::new();
        for (revision, timestamp, refuses) in [
            (1, now, false),
            (1, now, true),
            (2, now, false),
            (1, now - days(30), false),
            (1, now - days(30) - 1, false),
            (1, now - days(90), true),
            (1, now - days(90) - 1, true),
            (1, now - days(182), false),
            (1, now - days(182) - 1, false),
            (1, now + CLOCK_SKEW, false),
            (1, now + CLOCK_SKEW + 1, false),
        ] {
            for (current, expiry, refusal) in rules {
                let max_age = days(if refuses {
                    u32::min(refusal, expiry)
                } else {
                    expiry
                });
                let consent = canenrich_consent::model::Consent {
                    revision,
                    timestamp,
                    ..canenrich_consent::model::Consent::new(
                        String::new(),
                        0,
                        0,
                        ["necessary"],
                        &Default::default(),
                        Method::Custom,
                    )
                };
                cases.push((
                    json!([
                        {"revision": revision, "timestamp": timestamp, "refuses": refuses},
                        {"revision": current, "expiryDays": expiry, "refusalExpiryDays": refusal}
                    ]),
                    consent.is_valid(current, now, max_age),
                ));
            }
        }
        let inputs: Vec<&Value> = cases.iter().map(|(input, _)| input).collect();
        let printed = run_record_part(&format!(
            "console.log(JSON.stringify({}.map(function (c) {{ return isCurrent(c[0], c[1], {now}); }})));",
            json!(inputs)
        ));
        let actual: Vec<bool> = serde_json::from_str(&printed).expect("JSON");
        let expected: Vec<bool> = cases.iter().map(|(_, valid)| *valid).collect();
        assert_eq!(actual, expected);
        assert!(expected.contains(&true) && expected.contains(&false));
    }
}
