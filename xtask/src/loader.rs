//! The loader (`dist/canenrich-consent.js`), authored in parts under `www/loader/` and assembled
//! here into one IIFE, which `dist` then minifies. Each part owns one concern; they share the
//! IIFE's scope, so a part may use what an earlier part declared.

use std::fs;
use std::path::Path;

/// Where the parts live, relative to the repository root.
pub const DIR: &str = "www/loader";

/// The parts in the order they run, each with what it owns. The order is the loader's start-up
/// sequence: the API exists first, Consent Mode defaults are queued before any tag can run, every
/// guard is in place before loading starts, and `start.js` comes last.
pub const PARTS: &[(&str, &str)] = &[
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

/// Kept by the minifier (`/*!`): what the file is, for whoever opens it on a site.
const HEADER: &str = "\
/*! CanEnrich Consent loader. Runs synchronously, first in <head>. It creates
 * window.CanEnrichConsent and its `ready` promise, guards what scripts insert or write before the
 * widget has decided, and loads the WebAssembly, stylesheet and config in parallel without
 * delaying the page. Every decision is made by the WebAssembly; until it answers, and if it never
 * loads, nothing optional runs (fail closed). */
";

/// The loader as one readable script: the parts of `dir` in [`PARTS`] order inside one strict
/// IIFE. Fails when a listed part is missing or a `.js` file in `dir` is not listed, so a part
/// cannot be left out of the build unnoticed.
pub fn assemble(dir: &Path) -> Result<String, String> {
    let mut unlisted: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".js") && !PARTS.iter().any(|(part, _)| part == name))
        .collect();
    if !unlisted.is_empty() {
        unlisted.sort();
        return Err(format!(
            "{} has parts not listed in xtask/src/loader.rs PARTS: {}",
            dir.display(),
            unlisted.join(", ")
        ));
    }
    let mut parts = Vec::new();
    for (name, _) in PARTS {
        let path = dir.join(name);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read loader part {}: {e}", path.display()))?;
        parts.push((*name, text));
    }
    Ok(wrap(&parts))
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
    fn an_unlisted_or_missing_part_fails_the_build() {
        let dir = std::env::temp_dir().join(format!("xtask-loader-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        for (name, _) in PARTS {
            fs::write(dir.join(name), "// part\n").expect("write part");
        }
        assert!(assemble(&dir).is_ok());
        fs::write(dir.join("stray.js"), "x();\n").expect("write stray");
        let error = assemble(&dir).expect_err("a stray part is refused");
        assert!(error.contains("stray.js"), "{error}");
        fs::remove_file(dir.join("stray.js")).expect("remove stray");
        fs::remove_file(dir.join(PARTS[0].0)).expect("remove a part");
        let error = assemble(&dir).expect_err("a missing part is refused");
        assert!(error.contains(PARTS[0].0), "{error}");
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
