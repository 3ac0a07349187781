//! Building `dist/`: the self-contained folder a site owner copies to `/consent/`, which is also
//! the npm package `@canenrich/consent` (types, config schema, precompressed `.br`/`.gz` files).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::budget::{self, grouped, Budgets, Visit};
use crate::shell::Shell;
use crate::{first_paint, loader, tools};

/// Where wasm-pack writes the compiled widget (relative to the repository root).
const WASM_PKG: &str = "target/wasm-pkg";
/// wasm-pack's `--out-name`: file stem of the JS glue and the `.wasm`.
pub const OUT_NAME: &str = "canenrich_consent";
/// Where the lean core (the `core/` crate: what a returning visitor loads) is written.
const CORE_PKG: &str = "target/wasm-pkg-core";
/// File stem of the core build.
pub const CORE_NAME: &str = "canenrich_consent_core";

/// Name of the npm package `dist/` is.
const PACKAGE_NAME: &str = "@canenrich/consent";
/// The ES module entry for bundlers (`load({ base })`), the package's `"."` export.
const MODULE: &str = "canenrich-consent.mjs";
/// The TypeScript declarations of the config, the record, the API and the events.
const TYPES: &str = "canenrich-consent.d.ts";
/// The JSON Schema of the config.
const SCHEMA: &str = "config.schema.json";
/// The loader, the one file a site embeds (the package's `"./loader"` export).
pub const LOADER: &str = "canenrich-consent.js";
/// The widget's stylesheet.
pub const CSS: &str = "canenrich-consent.css";
/// The Public Suffix List, fetched by the widget only when it must erase on a host with parents.
pub const SUFFIX_LIST: &str = "public_suffix_list.dat";

/// `wasm-pack build <crate_dir> --target web --release` into `out_dir` as `out_name`, with `extra`
/// arguments: the command, for the caller to add to (an environment variable) and run.
pub fn wasm_pack_build(
    sh: &Shell,
    crate_dir: &str,
    out_dir: &Path,
    out_name: &str,
    extra: &[&str],
) -> Command {
    let mut cmd = sh.cmd("wasm-pack");
    cmd.args([
        "build",
        crate_dir,
        "--target",
        "web",
        "--release",
        "--no-typescript",
    ])
    .arg("--out-dir")
    .arg(out_dir)
    .args(["--out-name", out_name])
    .args(extra);
    cmd
}

/// Builds the widget with wasm-pack and assembles `dist/` from scratch (with `package.json` and a
/// `.br` and `.gz` next to every file a browser loads), then prints its sizes.
pub fn dist(sh: &Shell) -> Result<(), String> {
    let root = &sh.root;
    let css = root.join("styles").join("widget.css");
    let module = root.join("www").join(MODULE);
    let types = root.join("www").join("types").join(TYPES);
    require(&[&module, &css, &types])?;
    // Read first: a malformed budgets file fails before the long WebAssembly builds.
    let budgets = read_budgets(root)?;
    let stylesheet =
        fs::read_to_string(&css).map_err(|e| format!("cannot read {}: {e}", css.display()))?;
    let stylesheet = minify_css(&stylesheet);
    // Assembled first: a missing or unlisted part fails before the long WebAssembly builds. The
    // first layer is pre-rendered into it, for the loader to paint before the WebAssembly loads.
    let script = loader::assemble(&root.join(loader::DIR))?;
    let script = first_paint::inject(&script, &stylesheet)?;
    let manifest = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;

    tools::ensure_build_tools(sh)?;
    let pkg = root.join(WASM_PKG);
    remove_dir(&pkg)?;
    sh.run(&mut wasm_pack_build(sh, ".", &pkg, OUT_NAME, &[]))?;
    let glue = pkg.join(format!("{OUT_NAME}.js"));
    let wasm = pkg.join(format!("{OUT_NAME}_bg.wasm"));
    require(&[&glue, &wasm])?;
    let core_pkg = root.join(CORE_PKG);
    remove_dir(&core_pkg)?;
    sh.run(&mut wasm_pack_build(
        sh,
        "core",
        &core_pkg,
        CORE_NAME,
        &["--no-pack"],
    ))?;
    let core_glue = core_pkg.join(format!("{CORE_NAME}.js"));
    let core_wasm = core_pkg.join(format!("{CORE_NAME}_bg.wasm"));
    require(&[&core_glue, &core_wasm])?;

    let dist = root.join("dist");
    remove_dir(&dist)?;
    fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    // The readable assembled loader stays in target/ for debugging; dist/ gets it minified.
    let loader = sh.target_dir().join("loader").join(LOADER);
    write_file(&loader, &script)?;
    minify(sh, &loader, &dist.join(LOADER), Script::Classic)?;
    minify(sh, &module, &dist.join(MODULE), Script::Module)?;
    minify(
        sh,
        &glue,
        &dist.join(format!("{OUT_NAME}.js")),
        Script::Module,
    )?;
    copy(&wasm, &dist.join(format!("{OUT_NAME}_bg.wasm")))?;
    minify(
        sh,
        &core_glue,
        &dist.join(format!("{CORE_NAME}.js")),
        Script::Module,
    )?;
    copy(&core_wasm, &dist.join(format!("{CORE_NAME}_bg.wasm")))?;
    let target = dist.join(CSS);
    fs::write(&target, &stylesheet)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    // JS the crate imports with `#[wasm_bindgen(module = …)]` or `inline_js`; the glue loads it
    // from here, so dist/ is incomplete without it.
    let snippets = pkg.join("snippets");
    if snippets.is_dir() {
        copy_dir(&snippets, &dist.join("snippets"))?;
    }
    copy(&types, &dist.join(TYPES))?;
    write_json(
        &dist.join("config.json"),
        canenrich_consent::config::builtin_json(),
    )?;
    write_json(&dist.join(SCHEMA), canenrich_consent::config::schema_json())?;
    let list = root.join("data").join(SUFFIX_LIST);
    let list =
        fs::read_to_string(&list).map_err(|e| format!("cannot read {}: {e}", list.display()))?;
    let target = dist.join(SUFFIX_LIST);
    fs::write(&target, compact_suffix_list(&list)?)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;

    // Listed before package.json exists: it is for npm, not for browsers, so it stays plain.
    let originals = files(&dist)?;
    let compressed: Vec<&PathBuf> = originals.iter().filter(|p| is_precompressed(p)).collect();
    let mut listed: Vec<String> = originals.iter().map(|path| relative(&dist, path)).collect();
    for path in &compressed {
        let name = relative(&dist, path);
        listed.extend([format!("{name}.br"), format!("{name}.gz")]);
    }
    listed.push("package.json".into());
    listed.sort();
    write_json(
        &dist.join("package.json"),
        package_json(&manifest, &listed)?,
    )?;
    for path in compressed {
        precompress(path)?;
    }

    let sizes = print_sizes(&dist)?;
    check_budgets(&budgets, &sizes)
}

/// `budgets.toml`.
fn read_budgets(root: &Path) -> Result<Budgets, String> {
    let path = root.join(budget::FILE);
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Budgets::parse(&text)
}

/// The files of `dist/` a browser requests on `visit`, as `tests/bench` counts widget bytes: the
/// loader, the stylesheet, the build the loader picks (JS glue and `.wasm`) and any snippet the
/// glue imports. Not the config (the bench page has it inline) nor the Public Suffix List
/// (fetched only to erase on a host with parent domains).
fn visit_files(visit: Visit, names: &[String]) -> Vec<String> {
    let build = match visit {
        Visit::First => OUT_NAME,
        Visit::Returning => CORE_NAME,
    };
    let mut files = vec![
        LOADER.to_string(),
        CSS.to_string(),
        format!("{build}.js"),
        format!("{build}_bg.wasm"),
    ];
    files.extend(
        names
            .iter()
            .filter(|name| name.starts_with("snippets/") && name.ends_with(".js"))
            .cloned(),
    );
    files
}

/// Sums each visit's files from the size table, prints the totals and checks them against the
/// budgets.
fn check_budgets(budgets: &Budgets, sizes: &[(String, [usize; 3])]) -> Result<(), String> {
    let names: Vec<String> = sizes.iter().map(|(name, _)| name.clone()).collect();
    let mut gzip = [0; 2];
    println!();
    println!(
        "{:<15}  {:>10} {:>10} {:>10}  files",
        "visit", "raw", "gzip", "brotli"
    );
    for visit in Visit::ALL {
        let files = visit_files(visit, &names);
        let mut total = [0; 3];
        for file in &files {
            let (_, size) = sizes
                .iter()
                .find(|(name, _)| name == file)
                .ok_or_else(|| format!("dist/ has no {file}, which a {} loads", visit.label()))?;
            for (sum, size) in total.iter_mut().zip(size) {
                *sum += size;
            }
        }
        gzip[visit as usize] = total[1];
        println!(
            "{:<15}  {:>10} {:>10} {:>10}  {}",
            visit.label(),
            grouped(total[0]),
            grouped(total[1]),
            grouped(total[2]),
            files.join(" + ")
        );
    }
    println!();
    let report = budgets.check(gzip)?;
    print!("budgets ({}):\n{report}", budget::FILE);
    Ok(())
}

/// Whether a browser loads the file, so a static host should find it precompressed next to it.
fn is_precompressed(path: &Path) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    matches!(extension, "js" | "mjs" | "wasm" | "css" | "json" | "dat")
}

/// The Public Suffix List as the widget reads it: the licence header, the section markers and
/// the rules, each in the ASCII (punycode) form `location.hostname` uses; other comments and
/// blank lines dropped.
fn compact_suffix_list(list: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut in_header = true;
    for line in list.lines().map(str::trim) {
        let keep_comment = in_header || line.contains("===BEGIN") || line.contains("===END");
        if line.starts_with("//") {
            if keep_comment {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        if line.is_empty() {
            in_header = false;
            continue;
        }
        let (exception, rule) = match line.strip_prefix('!') {
            Some(rule) => ("!", rule),
            None => ("", line),
        };
        let ascii = if rule.is_ascii() {
            rule.to_string()
        } else {
            rule.split('.')
                .map(|label| match label {
                    "*" => Ok(label.to_string()),
                    _ => idna::domain_to_ascii(label)
                        .map_err(|e| format!("public suffix rule {line}: {e:?}")),
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(".")
        };
        out.push_str(exception);
        out.push_str(&ascii);
        out.push('\n');
    }
    if !out.contains("===BEGIN ICANN DOMAINS===") {
        return Err("data/public_suffix_list.dat has no ICANN section".into());
    }
    Ok(out)
}

/// Writes `<file>.br` (brotli -q 11) and `<file>.gz` (gzip -9) next to `path`.
fn precompress(path: &Path) -> Result<(), String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for (extension, packed) in [("br", brotli(&bytes)?), ("gz", gzip(&bytes)?)] {
        let target = sibling(path, extension);
        fs::write(&target, packed)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(())
}

/// `path` with `.extension` appended (`a.js` → `a.js.br`).
fn sibling(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{extension}"));
    PathBuf::from(name)
}

/// `dist/package.json`: name, version, description, license, repository and homepage from the
/// root `Cargo.toml`; `files` is every file of the package.
fn package_json(manifest: &str, files: &[String]) -> Result<String, String> {
    let field = |key: &str| {
        package_field(manifest, key).ok_or(format!("Cargo.toml has no [package] {key}"))
    };
    let package = Package {
        name: PACKAGE_NAME,
        version: field("version")?,
        description: field("description")?,
        license: field("license")?,
        repository: Repository {
            kind: "git",
            url: format!("git+{}.git", field("repository")?.trim_end_matches(".git")),
        },
        homepage: field("homepage")?,
        keywords: &[
            "cookie-consent",
            "gdpr",
            "consent",
            "cookies",
            "webassembly",
        ],
        kind: "module",
        main: MODULE,
        module: MODULE,
        types: TYPES,
        exports: Exports {
            root: Entry {
                types: format!("./{TYPES}"),
                default: format!("./{MODULE}"),
            },
            loader: format!("./{LOADER}"),
            schema: format!("./{SCHEMA}"),
            config: "./config.json",
            css: "./canenrich-consent.css",
            package: "./package.json",
        },
        files,
        side_effects: [format!("./{LOADER}")],
    };
    serde_json::to_string_pretty(&package).map_err(|e| format!("package.json: {e}"))
}

/// `package.json`, fields in the order npm writes them.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Package<'a> {
    name: &'a str,
    version: String,
    description: String,
    license: String,
    repository: Repository,
    homepage: String,
    keywords: &'a [&'a str],
    /// `"module"`: the `.js` files are not CommonJS (the loader is a classic browser script).
    #[serde(rename = "type")]
    kind: &'a str,
    main: &'a str,
    /// The ES module entry, for bundlers that predate `exports`.
    module: &'a str,
    types: &'a str,
    exports: Exports<'a>,
    files: &'a [String],
    /// Only the classic loader does something when it is loaded (it creates
    /// `window.CanEnrichConsent`); the ES module entry acts when `load()` is called, so a bundler
    /// may drop an import of it that is never used.
    side_effects: [String; 1],
}

/// `repository`: where the source is.
#[derive(serde::Serialize)]
struct Repository {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

/// `exports`: the ES module entry (with its types), the classic loader and the JSON and CSS files.
#[derive(serde::Serialize)]
struct Exports<'a> {
    #[serde(rename = ".")]
    root: Entry,
    #[serde(rename = "./loader")]
    loader: String,
    #[serde(rename = "./config.schema.json")]
    schema: String,
    #[serde(rename = "./config.json")]
    config: &'a str,
    #[serde(rename = "./canenrich-consent.css")]
    css: &'a str,
    #[serde(rename = "./package.json")]
    package: &'a str,
}

/// A conditional export. TypeScript takes the first condition that matches, so `types` comes
/// before `default`.
#[derive(serde::Serialize)]
struct Entry {
    types: String,
    default: String,
}

/// A `key = "value"` string of the `[package]` table of a Cargo manifest.
fn package_field(manifest: &str, key: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if in_package && name.trim() == key {
            let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
            return Some(value.replace("\\\"", "\""));
        }
    }
    None
}

/// Writes JSON text with a final newline.
fn write_json(path: &Path, mut json: String) -> Result<(), String> {
    if !json.ends_with('\n') {
        json.push('\n');
    }
    fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes `text` to `path`, creating its folder.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `path` relative to `dir`, with `/` separators (as npm and URLs write it).
fn relative(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

fn require(paths: &[&Path]) -> Result<(), String> {
    let missing: Vec<String> = paths
        .iter()
        .filter(|path| !path.is_file())
        .map(|path| path.display().to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "dist needs these files, which are missing: {}",
            missing.join(", ")
        ))
    }
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// How a browser runs a script `minify` is given.
#[derive(Clone, Copy)]
enum Script {
    /// A classic `<script>` (the loader): top-level names are global, so they are kept.
    Classic,
    /// An ES module (the wasm-bindgen glue): exports are kept by name.
    Module,
}

/// Writes `from` minified to `to` with the npm-pinned terser (compress + mangle; `/*!` comments
/// kept). Every visitor downloads and parses these files, and the wasm-bindgen glue is mostly
/// doc comments and long local names.
fn minify(sh: &Shell, from: &Path, to: &Path, script: Script) -> Result<(), String> {
    let terser = sh.root.join("node_modules").join(".bin").join("terser");
    if !terser.is_file() {
        return Err(format!(
            "terser not found at {}: run `npm ci` at the repository root",
            terser.display()
        ));
    }
    let mut cmd = sh.cmd(&terser);
    cmd.arg(from)
        .args(["--compress", "--mangle", "--comments", "/^!/", "--output"])
        .arg(to);
    if let Script::Module = script {
        cmd.arg("--module");
    }
    sh.run(&mut cmd)
}

/// `css` without comments and with every run of whitespace cut to one space, or to none next to
/// `{`, `}` and `;`. Strings are copied as they are. Nothing else changes, so selectors such as
/// `.a :focus` keep their meaning.
pub fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = '\0';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                space = true;
            }
            c if c.is_whitespace() => space = true,
            c => {
                let separates = !matches!(c, '{' | '}' | ';')
                    && !out.is_empty()
                    && !out.ends_with(['{', '}', ';']);
                if std::mem::take(&mut space) && separates {
                    out.push(' ');
                }
                out.push(c);
                if c == '"' || c == '\'' {
                    let mut escaped = false;
                    for inner in chars.by_ref() {
                        out.push(inner);
                        if escaped {
                            escaped = false;
                        } else if inner == '\\' {
                            escaped = true;
                        } else if inner == c {
                            break;
                        }
                    }
                }
            }
        }
    }
    out
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in read_dir(from)? {
        let target = to.join(entry.file_name().unwrap_or_default());
        if entry.is_dir() {
            copy_dir(&entry, &target)?;
        } else {
            copy(&entry, &target)?;
        }
    }
    Ok(())
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .and_then(|entries| entries.map(|entry| entry.map(|e| e.path())).collect())
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    entries.sort();
    Ok(entries)
}

/// Every file in `dir` (recursively), sorted.
fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for entry in read_dir(dir)? {
        if entry.is_dir() {
            found.extend(files(&entry)?);
        } else {
            found.push(entry);
        }
    }
    Ok(found)
}

/// Prints the raw, gzip (-9) and brotli (-q 11) sizes of each file, as a static host would serve
/// them (the `.br` and `.gz` files themselves are the sizes of the file they sit next to), and
/// returns them by path relative to `dist`.
fn print_sizes(dist: &Path) -> Result<Vec<(String, [usize; 3])>, String> {
    let mut rows = Vec::new();
    let mut total = [0; 3];
    for path in files(dist)? {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if matches!(extension, "br" | "gz") {
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // The precompressed file when there is one, else what a host compressing on the fly sends.
        let packed = |extension, compress: fn(&[u8]) -> Result<Vec<u8>, String>| match fs::metadata(
            sibling(&path, extension),
        ) {
            Ok(metadata) => Ok(metadata.len() as usize),
            Err(_) => compress(&bytes).map(|out| out.len()),
        };
        let sizes = [bytes.len(), packed("gz", gzip)?, packed("br", brotli)?];
        for (sum, size) in total.iter_mut().zip(sizes) {
            *sum += size;
        }
        rows.push((relative(dist, &path), sizes));
    }
    let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    println!();
    println!(
        "{:<width$}  {:>10} {:>10} {:>10}",
        "dist/", "raw", "gzip", "brotli"
    );
    for (name, [raw, gzip, brotli]) in rows.iter().chain([&("total".to_owned(), total)]) {
        println!(
            "{name:<width$}  {:>10} {:>10} {:>10}",
            grouped(*raw),
            grouped(*gzip),
            grouped(*brotli)
        );
    }
    Ok(rows)
}

/// `bytes` compressed with gzip -9.
fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| format!("gzip failed: {e}"))
}

/// `bytes` compressed with brotli -q 11 (window 22, brotli's default).
fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer
            .write_all(bytes)
            .and_then(|()| writer.flush())
            .map_err(|e| format!("brotli failed: {e}"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_loses_comments_and_spare_whitespace_but_not_meaning() {
        let css = "/* intro */\n:host {\n  display: block;\n}\n\n.a :focus,\n.b > .c {\n  \
                   content: \"  a /* b */ \\\"  \";\n  margin: 0  auto; /* why */\n}\n";
        assert_eq!(
            minify_css(css),
            ":host{display: block;}.a :focus, .b > .c{content: \"  a /* b */ \\\"  \";margin: 0 auto;}"
        );
        assert_eq!(minify_css("a{b:'x'}"), "a{b:'x'}");
        assert_eq!(minify_css(""), "");
    }

    #[test]
    fn compressed_sizes_are_smaller_for_repetitive_text() {
        let text = "cookie consent ".repeat(200);
        assert!(gzip(text.as_bytes()).unwrap().len() < text.len() / 10);
        assert!(brotli(text.as_bytes()).unwrap().len() < text.len() / 10);
    }

    #[test]
    fn the_package_version_comes_from_the_root_manifest() {
        let manifest =
            "[package]\nname = \"w\"\nversion = \"1.2.3\"\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(package_field(manifest, "version").as_deref(), Some("1.2.3"));
        assert_eq!(package_field(manifest, "license"), None);
        let json = package_json(
            "[package]\nversion = \"1.2.3\"\ndescription = \"d\"\nlicense = \"MIT\"\n\
             repository = \"https://git.example/c\"\nhomepage = \"https://c.example\"\n",
            &["a.js".into()],
        )
        .unwrap();
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["name"], "@canenrich/consent");
        assert_eq!(json["version"], "1.2.3");
        assert_eq!(json["types"], TYPES);
        assert_eq!(json["files"], serde_json::json!(["a.js"]));
        assert_eq!(
            json["repository"],
            serde_json::json!({ "type": "git", "url": "git+https://git.example/c.git" })
        );
        assert_eq!(json["homepage"], "https://c.example");
        assert_eq!(json["exports"]["."]["default"], "./canenrich-consent.mjs");
        assert_eq!(json["exports"]["./loader"], "./canenrich-consent.js");
        assert!(package_json(
            "[package]\nversion = \"1\"\ndescription = \"d\"\nlicense = \"MIT\"\n",
            &[]
        )
        .is_err());
    }

    #[test]
    fn the_suffix_list_keeps_rules_and_sections_in_ascii() {
        let list = "// licence\n// header\n\n// ===BEGIN ICANN DOMAINS===\n// uk : note\nco.uk\n\n\
                    *.kawasaki.jp\n!city.kawasaki.jp\n中国\n// ===END ICANN DOMAINS===\n\
                    // ===BEGIN PRIVATE DOMAINS===\ngithub.io\n";
        assert_eq!(
            compact_suffix_list(list).expect("list"),
            "// licence\n// header\n// ===BEGIN ICANN DOMAINS===\nco.uk\n*.kawasaki.jp\n\
             !city.kawasaki.jp\nxn--fiqs8s\n// ===END ICANN DOMAINS===\n\
             // ===BEGIN PRIVATE DOMAINS===\ngithub.io\n"
        );
        assert!(compact_suffix_list("co.uk\n").is_err());
    }

    #[test]
    fn only_what_a_browser_loads_is_precompressed() {
        for name in [
            "a.js",
            "a_bg.wasm",
            "a.css",
            "config.json",
            "snippets/x/y.js",
        ] {
            assert!(is_precompressed(Path::new(name)), "{name}");
        }
        for name in ["a.d.ts", "a.js.br", "a.js.gz", "README"] {
            assert!(!is_precompressed(Path::new(name)), "{name}");
        }
    }
}
