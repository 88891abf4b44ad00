//! `partner_csaf` documents pass the official CSAF 2.0 validator: the BSI Secvisogram
//! project's `@secvisogram/csaf-validator-lib`, its strict JSON schema test and every
//! mandatory test (section 6.1, with the VEX profile's 6.1.27.x). The library is installed by
//! `crates/report/tests/oracles/csaf_validator.sh`; required in CI, skipped elsewhere when
//! missing. Deliberately broken documents must fail it.

use std::path::{Path, PathBuf};
use std::process::Command;

use patchwarden_report::portfolio::{PartnerReport, partner_csaf};
// The seeded portfolio of the unit tests, compiled into this test too; it reaches the model
// through `super::partner` and `super::period`.
#[allow(dead_code)]
#[path = "../src/portfolio/fixture.rs"]
mod fixture;
use patchwarden_report::portfolio::{partner, period, samm};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The validator's directory, or `None` (after saying why) when it is not installed outside CI.
fn validator() -> Option<PathBuf> {
    let lib = repo_root()
        .join("target/oracles/csaf/node_modules/@secvisogram/csaf-validator-lib/package.json");
    if lib.is_file() {
        return Some(lib);
    }
    let msg = format!(
        "{} is missing: run crates/report/tests/oracles/csaf_validator.sh",
        lib.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg} (required in CI)");
    }
    eprintln!("skipped: {msg}");
    None
}

/// Runs `csaf_validate.mjs` on `files`: its exit status and its output.
fn run_validator(files: &[PathBuf]) -> (bool, String) {
    let script = repo_root().join("crates/report/tests/oracles/csaf_validate.mjs");
    let out = Command::new("node")
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", script.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// The edge report with only the vulnerability `id`.
fn only(id: &str) -> PartnerReport {
    let mut r = fixture::edge_partner_report();
    r.vulnerabilities.retain(|v| v.id == id);
    assert_eq!(r.vulnerabilities.len(), 1, "{id}");
    r
}

#[test]
fn partner_reports_pass_the_csaf_validator() {
    if validator().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let reports = [
        ("q3.json", fixture::q3_partner_report()),
        ("empty.json", fixture::empty_partner_report()),
        ("edges.json", fixture::edge_partner_report()),
        ("ghsa-only.json", only("GHSA-7f3x-q2m9-v4hc")),
        ("cvss4-only.json", only("CVE-2026-20001")),
        ("false-positive.json", only("CVE-2026-20002")),
        ("cvss2.json", only("PYSEC-2026-17")),
    ];
    let files: Vec<PathBuf> = reports
        .iter()
        .map(|(name, r)| write(dir.path(), name, &partner_csaf(r)))
        .collect();
    let (ok, out) = run_validator(&files);
    assert!(ok, "CSAF validation failed:\n{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains(": valid CSAF 2.0 (44 tests, csaf-validator-lib 2.0.10)"))
            .count(),
        files.len(),
        "{out}"
    );
}

#[test]
fn broken_documents_fail_the_csaf_validator() {
    if validator().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good: serde_json::Value =
        serde_json::from_str(&partner_csaf(&fixture::q3_partner_report()))
            .unwrap_or_else(|e| panic!("{e}"));

    // A known_affected product without an action statement (VEX profile, 6.1.27.10).
    let mut no_action = good.clone();
    if let Some(v) = no_action["vulnerabilities"][0].as_object_mut() {
        v.remove("remediations");
    }
    // A base score that does not follow from the vector (6.1.9).
    let mut bad_score = good.clone();
    bad_score["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 7.6.into();
    // A product id used but not defined (6.1.1).
    let mut undefined = good.clone();
    undefined["vulnerabilities"][0]["product_status"]["known_affected"][0] =
        "PW-PRODUCT-nowhere".into();
    // A VEX document without vulnerabilities (schema: at least one).
    let mut empty_vex = good;
    empty_vex["vulnerabilities"] = serde_json::json!([]);

    let cases = [
        ("no-action.json", no_action, "mandatoryTest_6_1_27_10"),
        ("bad-score.json", bad_score, "mandatoryTest_6_1_9"),
        ("undefined.json", undefined, "mandatoryTest_6_1_1"),
        ("empty-vex.json", empty_vex, "csaf_2_0_strict"),
    ];
    let files: Vec<PathBuf> = cases
        .iter()
        .map(|(name, doc, _)| {
            let text = serde_json::to_string_pretty(doc).unwrap_or_else(|e| panic!("{e}"));
            write(dir.path(), name, &text)
        })
        .collect();
    // One run (the library takes seconds to load); its output is a block per file.
    let (ok, out) = run_validator(&files);
    assert!(!ok, "broken documents passed:\n{out}");
    for ((name, _, test), file) in cases.iter().zip(&files) {
        let head = format!("{}: ", file.display());
        let block: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.starts_with(&head))
            .take_while(|l| l.starts_with(&head) || l.starts_with("  "))
            .collect();
        assert_eq!(
            block.first().copied(),
            Some(format!("{head}INVALID").as_str()),
            "{name}:\n{out}"
        );
        assert!(
            block.iter().any(|l| l.starts_with(&format!("  {test}: "))),
            "{name} did not fail {test}:\n{out}"
        );
    }
}
