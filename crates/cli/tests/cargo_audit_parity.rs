//! Rust parity: on the nushell lockfiles of `lockfiles.zip`, with the RustSec OSV export
//! (`osv-all/crates-all.zip`) imported, the set of (advisory, crate, version) Patchwarden
//! reports equals what cargo-audit reports with the RustSec database in its own format at the
//! same snapshot. cargo-audit's sets are recorded in `tests/fixtures/cargo-audit/` by
//! `RECORD=1 bash bench/cargo_audit.sh` (which also compares the two live and times them), so
//! the suite does not need cargo-audit installed.

mod common;

use std::collections::BTreeSet;

use common::*;

#[test]
fn nushell_findings_equal_cargo_audits() {
    let Some(data) = shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");
    patchwarden(&db)
        .args(["-q", "db", "import"])
        .arg(data.join("osv-all/crates-all.zip"))
        .assert()
        .success();
    let fixtures = repo_root().join("crates/cli/tests/fixtures/cargo-audit");
    for entry in [
        "nushell__2019-10__Cargo.v1-metadata.lock",
        "nushell__2020-06__Cargo.lock",
        "nushell__2026__Cargo.lock",
    ] {
        let sub = dir.path().join(entry.replace('.', "_"));
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        let lock = extract_lockfile(&data, entry, &sub, "Cargo.lock");
        let doc = json_stdout(patchwarden(&db).args(["-q", "scan"]).arg(&lock).args([
            "--format",
            "json",
            "--no-ignore-files",
        ]));
        let mut ours = BTreeSet::new();
        for f in doc["findings"].as_array().into_iter().flatten() {
            for id in f["advisory_ids"].as_array().into_iter().flatten() {
                ours.insert(format!(
                    "{} {} {}",
                    id.as_str().unwrap_or(""),
                    f["package"]["name"].as_str().unwrap_or(""),
                    f["package"]["version"].as_str().unwrap_or("")
                ));
            }
        }
        let recorded = fixtures.join(format!("{}.txt", entry.replace('.', "_")));
        let text = std::fs::read_to_string(&recorded)
            .unwrap_or_else(|e| panic!("{}: {e}", recorded.display()));
        let theirs: BTreeSet<String> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        assert!(!theirs.is_empty(), "{}", recorded.display());
        let only_ours: Vec<_> = ours.difference(&theirs).collect();
        let only_theirs: Vec<_> = theirs.difference(&ours).collect();
        assert!(
            only_ours.is_empty() && only_theirs.is_empty(),
            "{entry}: only Patchwarden: {only_ours:?}; only cargo-audit: {only_theirs:?}"
        );
    }
}
