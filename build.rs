//! Fingerprints the UI's source (`CANENRICH_UI_SOURCE`): the digest of the pre-rendered first layer
//! includes it, so markup rendered from other source (a cached loader next to a newer
//! WebAssembly) is never hydrated, which would panic in Yew wherever the two disagree.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src/ui");
    let mut files = Vec::new();
    collect(Path::new("src/ui"), &mut files);
    files.sort();
    // FNV-1a (64-bit): stable across Rust versions and platforms, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let name = file.to_string_lossy().replace('\\', "/");
        let text = fs::read(&file).unwrap_or_default();
        for byte in name.bytes().chain([0]).chain(text).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=CANENRICH_UI_SOURCE={hash:016x}");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
