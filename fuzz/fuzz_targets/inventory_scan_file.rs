#![no_main]
// The whole single-file path of `patchwarden inventory FILE`: recognition by name and
// content, then the parser; the first byte picks the file name.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    const NAMES: &[&str] = &[
        "Cargo.lock",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "requirements.txt",
        "go.mod",
        "pom.xml",
        "gradle.lockfile",
        "packages.lock.json",
        "pubspec.lock",
        "mix.lock",
        "status",
        "bom.json",
    ];
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(first) % NAMES.len()];
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(name);
    if std::fs::write(&path, rest).is_ok() {
        let _ = patchwarden_inventory::scan_path(&path);
    }
});
