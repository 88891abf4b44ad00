//! Helpers shared by the inventory's integration tests: the shared real-world data and the
//! real lockfiles of `lockfiles.zip`, read in memory (never copied into the repository).
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

/// The shared real-world data (`../shared/data` beside the repository), or `None` after
/// saying why the test is skipped. Under `CI=true` a missing folder is an error instead.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PATCHWARDEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.join("lockfiles.zip").is_file() {
        Some(dir)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("shared data not found at {} in CI", dir.display());
    } else {
        eprintln!(
            "skipping: shared data not found at {} (set PATCHWARDEN_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

/// Every entry name of `lockfiles.zip` (e.g. `nushell__2020-06__Cargo.lock`).
pub fn lockfile_names(data: &Path) -> Vec<String> {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    zip.file_names()
        .filter_map(|name| name.ok().map(|n| n.into_owned()))
        .collect()
}

/// The text of one entry of `lockfiles.zip`.
pub fn lockfile(data: &Path, entry: &str) -> String {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut src = zip
        .by_name(entry)
        .unwrap_or_else(|e| panic!("{entry}: {e}"));
    let mut text = String::new();
    src.read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{entry}: {e}"));
    text
}
