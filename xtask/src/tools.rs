//! Installing the pinned tools, each step idempotent: it checks first, says what it found, and
//! installs only what is missing or at the wrong version.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::shell::Shell;

/// The wasm-pack release the build is checked with.
const WASM_PACK_VERSION: &str = "0.15.1";
/// The Rust target the widget compiles to.
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian's chromium and its WebDriver, used by `wasm-pack test` and the end-to-end tests.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (matches [`CHROMIUM`] by construction).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Everything `dist` needs: the wasm target, npm packages (wasm-opt), wasm-bindgen, wasm-pack.
pub fn ensure_build_tools(sh: &Shell) -> Result<(), String> {
    ensure_wasm_target(sh)?;
    ensure_npm_packages(sh)?;
    ensure_wasm_opt_from_npm(sh)?;
    ensure_wasm_bindgen(sh)?;
    ensure_wasm_pack(sh)
}

/// Everything `test` needs: the build tools plus Chromium and chromedriver.
pub fn ensure_all(sh: &Shell) -> Result<(), String> {
    ensure_build_tools(sh)?;
    ensure_chromium(sh)
}

fn ensure_wasm_target(sh: &Shell) -> Result<(), String> {
    let installed = sh
        .probe("rustup", &["target", "list", "--installed"])
        .ok_or("`rustup target list --installed` failed: is rustup installed?")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("ok: rust target {WASM_TARGET} is installed");
        return Ok(());
    }
    println!("installing rust target {WASM_TARGET}");
    sh.run(sh.cmd("rustup").args(["target", "add", WASM_TARGET]))
}

/// The CLI must match the `wasm-bindgen` library exactly, so its version comes from Cargo.lock.
fn ensure_wasm_bindgen(sh: &Shell) -> Result<(), String> {
    let lock_path = sh.root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let version = locked_version(&lock, "wasm-bindgen")
        .ok_or("Cargo.lock has no `wasm-bindgen` package: is it a dependency of the widget?")?;
    let found = sh.probe("wasm-bindgen", &["--version"]);
    if reports_version(found.as_deref(), &version) {
        println!("ok: wasm-bindgen {version} (matches Cargo.lock)");
        return Ok(());
    }
    println!(
        "installing wasm-bindgen-cli {version} (Cargo.lock); found: {}",
        found.as_deref().unwrap_or("none")
    );
    let install = |locked: bool| {
        let mut cmd = sh.cargo();
        cmd.args(["install", "wasm-bindgen-cli", "--version", &version]);
        if locked {
            cmd.arg("--locked");
        }
        sh.run(&mut cmd)
    };
    // Some releases' own lockfiles name crate versions this registry lacks; the unlocked build
    // resolves to ones it has.
    install(true).or_else(|error| {
        println!("{error}; retrying without --locked");
        install(false)
    })
}

fn ensure_wasm_pack(sh: &Shell) -> Result<(), String> {
    let found = sh.probe("wasm-pack", &["--version"]);
    if reports_version(found.as_deref(), WASM_PACK_VERSION) {
        println!("ok: wasm-pack {WASM_PACK_VERSION}");
        return Ok(());
    }
    println!(
        "installing wasm-pack {WASM_PACK_VERSION}; found: {}",
        found.as_deref().unwrap_or("none")
    );
    sh.run(sh.cargo().args([
        "install",
        "--locked",
        "wasm-pack",
        "--version",
        WASM_PACK_VERSION,
    ]))
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json`.
fn ensure_npm_packages(sh: &Shell) -> Result<(), String> {
    let lock = sh.root.join("package-lock.json");
    let lock_time = modified(&lock).ok_or_else(|| {
        format!(
            "{} is missing: it pins wasm-opt, playwright-core and axe-core",
            lock.display()
        )
    })?;
    // npm writes this file last when an install completes.
    let installed = sh.root.join("node_modules").join(".package-lock.json");
    match modified(&installed) {
        Some(time) if time >= lock_time => {
            println!("ok: node_modules is up to date with package-lock.json");
            return Ok(());
        }
        Some(_) => println!("node_modules is older than package-lock.json: running npm ci"),
        None => println!("node_modules is missing: running npm ci"),
    }
    if sh.which("npm").is_none() {
        return Err("npm not found on PATH: install Node.js 20 (it provides npm)".into());
    }
    sh.run(sh.cmd("npm").args(["ci", "--no-audit", "--no-fund"]))
}

/// Debian's binaryen 108 can exit 0 yet emit a module that throws at instantiation, so the
/// `wasm-opt` wasm-pack finds first must be the npm-pinned one.
fn ensure_wasm_opt_from_npm(sh: &Shell) -> Result<(), String> {
    let expected = sh.root.join("node_modules").join(".bin").join("wasm-opt");
    match sh.which("wasm-opt") {
        Some(found) if found == expected => {
            let version = sh
                .probe(&found, &["--version"])
                .ok_or_else(|| format!("{} --version failed", found.display()))?;
            println!("ok: {version} from {}", found.display());
            Ok(())
        }
        Some(found) => Err(format!(
            "the first wasm-opt on PATH is {}, not {}: refusing to build with it \
             (Debian's binaryen emits broken modules). Run `npm ci` at the repository root.",
            found.display(),
            expected.display()
        )),
        None => Err(format!(
            "wasm-opt not found: expected {} from the npm package binaryen",
            expected.display()
        )),
    }
}

/// A font with Chinese glyphs: without one, the zh-CN screens render as boxes and the layout
/// checks measure the wrong text.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn ensure_chromium(sh: &Shell) -> Result<(), String> {
    if Path::new(CHROMIUM).exists()
        && Path::new(CHROMEDRIVER).exists()
        && Path::new(CJK_FONT).exists()
    {
        println!("ok: {CHROMIUM}, {CHROMEDRIVER} and a CJK font are installed");
        return Ok(());
    }
    apt_install(
        sh,
        &[
            "chromium",
            "chromium-driver",
            "brotli",
            "fonts-wqy-microhei",
        ],
    )
}

/// Debian's nginx, which the README's nginx quick start is tested with.
pub const NGINX: &str = "/usr/sbin/nginx";
/// Its `brotli_static` module (the quick start serves the `.br` files with it).
const NGINX_BROTLI: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// nginx and its brotli_static module for the "README quick starts" step. The test runs its own
/// nginx on a free port; the package's service is not needed (Debian does not start it where
/// `policy-rc.d` forbids, as on these machines).
pub fn ensure_nginx(sh: &Shell) -> Result<(), String> {
    if Path::new(NGINX).exists() && Path::new(NGINX_BROTLI).exists() {
        println!("ok: {NGINX} and its brotli_static module are installed");
        return Ok(());
    }
    apt_install(sh, &["nginx", "libnginx-mod-http-brotli-static"])
}

/// `apt-get update && apt-get install -y <packages>` (through sudo unless root).
fn apt_install(sh: &Shell, packages: &[&str]) -> Result<(), String> {
    println!("installing {} with apt-get", packages.join(", "));
    let apt = |args: &[&str]| {
        let mut cmd = if is_root(sh) {
            sh.cmd("apt-get")
        } else {
            let mut sudo = sh.cmd("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        sh.run(&mut cmd)
    };
    apt(&["update"])?;
    apt(&[&["install", "-y"][..], packages].concat())
}

/// Debian's PostgreSQL server binaries for the "PostgreSQL receipts" step: the `bin` directory
/// of the newest `/usr/lib/postgresql/<major>`, installed with apt-get if there is none.
pub fn ensure_postgres(sh: &Shell) -> Result<PathBuf, String> {
    if let Some(bin) = postgres_bin() {
        println!("ok: PostgreSQL server binaries in {}", bin.display());
        return Ok(bin);
    }
    apt_install(sh, &["postgresql"])?;
    postgres_bin().ok_or_else(|| {
        "apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/postgres exists".to_owned()
    })
}

/// The newest `/usr/lib/postgresql/<major>/bin` that holds `postgres`, `initdb` and `pg_ctl`.
fn postgres_bin() -> Option<PathBuf> {
    fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            ["postgres", "initdb", "pg_ctl"]
                .iter()
                .all(|tool| bin.join(tool).exists())
                .then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin)
}

/// Whether this process runs as root.
pub fn is_root(sh: &Shell) -> bool {
    sh.probe("id", &["-u"]).as_deref() == Some("0")
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|meta| meta.modified()).ok()
}

/// Whether `tool --version` output (`"wasm-pack 0.15.1"`) names exactly `version`.
fn reports_version(output: Option<&str>, version: &str) -> bool {
    output
        .and_then(|out| out.split_whitespace().nth(1))
        .is_some_and(|found| found == version)
}

/// The version Cargo.lock records for the package `name` (the first one, if several).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?.trim();
            let version = next.strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(version.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn the_wasm_bindgen_version_is_read_from_cargo_lock() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(LOCK, "yew"), None);
    }

    #[test]
    fn a_tool_matches_only_at_its_exact_version() {
        assert!(reports_version(Some("wasm-pack 0.15.1"), "0.15.1"));
        assert!(!reports_version(Some("wasm-pack 0.15.10"), "0.15.1"));
        assert!(!reports_version(Some("wasm-bindgen 0.2.129"), "0.2.130"));
        assert!(!reports_version(None, "0.2.130"));
    }
}
