//! Building `dist/`: the self-contained folder a site owner copies to `/consent/`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::shell::Shell;
use crate::tools;

/// Where wasm-pack writes the compiled widget (relative to the repository root).
const WASM_PKG: &str = "target/wasm-pkg";
/// wasm-pack's `--out-name`: file stem of the JS glue and the `.wasm`.
const OUT_NAME: &str = "canenrich_consent";

/// Builds the widget with wasm-pack and assembles `dist/` from scratch, then prints its sizes.
pub fn dist(sh: &Shell) -> Result<(), String> {
    let root = &sh.root;
    let loader = root.join("www").join("canenrich-consent.js");
    let css = root.join("styles").join("widget.css");
    require(&[&loader, &css])?;

    tools::ensure_build_tools(sh)?;
    let pkg = root.join(WASM_PKG);
    remove_dir(&pkg)?;
    sh.run(sh.cmd("wasm-pack").args([
        "build",
        "--target",
        "web",
        "--release",
        "--no-typescript",
        "--out-dir",
        WASM_PKG,
        "--out-name",
        OUT_NAME,
    ]))?;
    let glue = pkg.join(format!("{OUT_NAME}.js"));
    let wasm = pkg.join(format!("{OUT_NAME}_bg.wasm"));
    require(&[&glue, &wasm])?;

    let dist = root.join("dist");
    remove_dir(&dist)?;
    fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    copy(&loader, &dist.join("canenrich-consent.js"))?;
    copy(&glue, &dist.join(format!("{OUT_NAME}.js")))?;
    copy(&wasm, &dist.join(format!("{OUT_NAME}_bg.wasm")))?;
    copy(&css, &dist.join("canenrich-consent.css"))?;
    // JS the crate imports with `#[wasm_bindgen(module = …)]` or `inline_js`; the glue loads it
    // from here, so dist/ is incomplete without it.
    let snippets = pkg.join("snippets");
    if snippets.is_dir() {
        copy_dir(&snippets, &dist.join("snippets"))?;
    }
    let config = dist.join("config.json");
    let mut json = canenrich_consent::config::builtin_json();
    if !json.ends_with('\n') {
        json.push('\n');
    }
    fs::write(&config, json).map_err(|e| format!("cannot write {}: {e}", config.display()))?;

    print_sizes(&dist)
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

/// Raw, gzip (-9) and brotli (-q 11) sizes of each file, as a static host would serve them.
fn print_sizes(dist: &Path) -> Result<(), String> {
    let mut rows = Vec::new();
    let mut total = [0; 3];
    for path in files(dist)? {
        let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let sizes = [bytes.len(), gzip_len(&bytes)?, brotli_len(&bytes)?];
        for (sum, size) in total.iter_mut().zip(sizes) {
            *sum += size;
        }
        let name = path
            .strip_prefix(dist)
            .unwrap_or(&path)
            .display()
            .to_string();
        rows.push((name, sizes));
    }
    rows.push(("total".to_owned(), total));
    let width = rows.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    println!();
    println!(
        "{:<width$}  {:>10} {:>10} {:>10}",
        "dist/", "raw", "gzip", "brotli"
    );
    for (name, [raw, gzip, brotli]) in rows {
        println!(
            "{name:<width$}  {:>10} {:>10} {:>10}",
            grouped(raw),
            grouped(gzip),
            grouped(brotli)
        );
    }
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> Result<usize, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map(|out| out.len())
        .map_err(|e| format!("gzip failed: {e}"))
}

fn brotli_len(bytes: &[u8]) -> Result<usize, String> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer
            .write_all(bytes)
            .and_then(|()| writer.flush())
            .map_err(|e| format!("brotli failed: {e}"))?;
    }
    Ok(out.len())
}

/// `225443` → `"225,443"`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_printed_with_thousands_separators() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(225_443), "225,443");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn compressed_sizes_are_smaller_for_repetitive_text() {
        let text = "cookie consent ".repeat(200);
        assert!(gzip_len(text.as_bytes()).unwrap() < text.len() / 10);
        assert!(brotli_len(text.as_bytes()).unwrap() < text.len() / 10);
    }
}
