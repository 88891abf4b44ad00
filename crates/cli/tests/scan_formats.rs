//! `patchwarden scan --format …`: every report format, written by the binary for one small
//! project that has an open finding with a lockfile line, one with no fix and no line (npm
//! lockfile v1), one covered by an exception and one a VEX statement closes. SARIF and
//! CycloneDX output is validated against the official schemas (fetched by
//! `crates/report/tests/oracles/report_schemas.sh`; required in CI, skipped elsewhere when
//! missing).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const CARGO_LOCK: &str = r#"version = 3

[[package]]
name = "demo"
version = "0.1.0"
dependencies = [
 "smallvec",
 "time",
]

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "time"
version = "0.1.43"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

const PACKAGE_LOCK_V1: &str = r#"{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "left-pad": { "version": "1.0.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.0.0.tgz" }
  }
}
"#;

/// An advisory with no fixed version, whose summary has characters Markdown and HTML treat
/// specially.
const NO_FIX_ADVISORY: &str = r#"{
  "id": "PWTEST-2026-0001",
  "modified": "2026-01-01T00:00:00Z",
  "published": "2026-01-01T00:00:00Z",
  "summary": "left-pad | pads <wrongly> & =SUM(1)",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"}],
  "affected": [{
    "package": {"ecosystem": "npm", "name": "left-pad"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]
  }]
}
"#;

const POLICY: &str = r#"[fail_on]
severity = "critical"

[[exceptions]]
id = "CVE-2020-26235"
reason = "we never read the local UTC offset"
approved_by = "security@example.com"
expires = 2099-12-31
"#;

const OPENVEX: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  "author": "Example",
  "timestamp": "2026-01-01T00:00:00Z",
  "version": 1,
  "statements": [{
    "vulnerability": {"name": "CVE-2020-14343"},
    "products": [{"@id": "pkg:pypi/pyyaml@5.3"}],
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path",
    "impact_statement": "only yaml.safe_load is called"
  }]
}
"#;

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// A work directory with `proj/` (Cargo.lock, requirements.txt, package-lock.json v1, the
/// policy), `advisories/` (the example advisories plus one without a fix) and `vex.json`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    write(&root.join("proj/Cargo.lock"), CARGO_LOCK);
    write(&root.join("proj/requirements.txt"), "PyYAML==5.3\n");
    write(&root.join("proj/web/package-lock.json"), PACKAGE_LOCK_V1);
    write(&root.join("proj/patchwarden.toml"), POLICY);
    write(&root.join("vex.json"), OPENVEX);
    let advisories = root.join("advisories");
    for name in [
        "RUSTSEC-2021-0003.json",
        "RUSTSEC-2020-0071.json",
        "PYSEC-2021-142.json",
        "PYSEC-2020-96.json",
    ] {
        let text = std::fs::read_to_string(repo_root().join("examples/advisories").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        write(&advisories.join(name), &text);
    }
    write(&advisories.join("PWTEST-2026-0001.json"), NO_FIX_ADVISORY);
    dir
}

/// Runs `patchwarden scan proj` in `dir` with `args`, writing `--format format` to a file;
/// the gate fails (an open Critical finding), so the exit code is 1. Returns the report.
fn scan(dir: &Path, format: &str, extra: &[&str]) -> String {
    let out_file = dir.join(format!("report.{format}"));
    let out = patchwarden(&dir.join("pw.db"))
        .current_dir(dir)
        .args([
            "scan", "proj", "--vex", "vex.json", "--format", format, "--output",
        ])
        .arg(&out_file)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{format}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "{format}: the report goes to the file"
    );
    std::fs::read_to_string(&out_file).unwrap_or_else(|e| panic!("{e}"))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn array(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// The fields of one CSV document (RFC 4180), row by row.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, _) => field.push(c),
        }
    }
    assert!(row.is_empty() && field.is_empty(), "no final newline");
    rows
}

#[test]
fn every_format_renders_the_same_findings() {
    let dir = setup();
    let root = dir.path();
    let json = parse(&scan(root, "json", &["--advisories", "advisories"]));
    let findings = array(&json["findings"]);
    let status_of = |id: &str| {
        findings
            .iter()
            .find(|f| f["vulnerability_id"] == id)
            .map(|f| f["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert_eq!(findings.len(), 5, "{json}");
    assert_eq!(status_of("CVE-2021-25900"), "open");
    assert_eq!(status_of("PWTEST-2026-0001"), "open");
    assert_eq!(status_of("CVE-2020-26235"), "excepted");
    assert_eq!(status_of("CVE-2020-14343"), "not_affected");
    let ids: BTreeSet<String> = findings
        .iter()
        .filter_map(|f| f["vulnerability_id"].as_str().map(str::to_string))
        .collect();

    // SARIF: a rule per vulnerability, a result per finding at the lockfile line.
    let sarif = parse(&scan(root, "sarif", &[]));
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "patchwarden");
    let rules = array(&run["tool"]["driver"]["rules"]);
    let results = array(&run["results"]);
    assert_eq!(results.len(), findings.len());
    let rule_ids: BTreeSet<String> = rules
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(rule_ids, ids);
    let result_for = |id: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no result for {id}"))
    };
    let smallvec = result_for("CVE-2021-25900");
    let location = &smallvec["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "proj/Cargo.lock");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let line = findings
        .iter()
        .find(|f| f["vulnerability_id"] == "CVE-2021-25900")
        .map(|f| f["location"]["line"].clone())
        .unwrap_or_default();
    assert!(line.as_u64().is_some_and(|l| l > 1), "{line}");
    assert_eq!(location["region"]["startLine"], line);
    assert_eq!(smallvec["level"], "error");
    let no_fix = result_for("PWTEST-2026-0001");
    let location = &no_fix["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "proj/web/package-lock.json"
    );
    assert!(location.get("region").is_none(), "{location}");
    assert!(
        no_fix["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("No fix is available")
    );
    let excepted = result_for("CVE-2020-26235");
    assert_eq!(excepted["suppressions"][0]["kind"], "external");
    assert!(
        excepted["suppressions"][0]["justification"]
            .as_str()
            .unwrap_or_default()
            .contains("we never read the local UTC offset")
    );
    assert!(
        result_for("CVE-2020-14343")["suppressions"][0]["justification"]
            .as_str()
            .unwrap_or_default()
            .contains("vulnerable_code_not_in_execute_path")
    );
    assert!(smallvec.get("suppressions").is_none());

    // CycloneDX: the components, and each vulnerability with its analysis.
    let cdx = parse(&scan(root, "cyclonedx", &[]));
    assert_eq!(cdx["bomFormat"], "CycloneDX");
    assert_eq!(cdx["specVersion"], "1.6");
    let refs: BTreeSet<String> = array(&cdx["components"])
        .iter()
        .filter_map(|c| c["bom-ref"].as_str().map(str::to_string))
        .collect();
    let vulns = array(&cdx["vulnerabilities"]);
    let vuln_ids: BTreeSet<String> = vulns
        .iter()
        .filter_map(|v| v["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(vuln_ids, ids);
    for v in &vulns {
        for a in array(&v["affects"]) {
            let r = a["ref"].as_str().unwrap_or_default();
            assert!(refs.contains(r), "{r} is no component's bom-ref");
        }
    }
    let analysis = |id: &str| {
        vulns
            .iter()
            .find(|v| v["id"] == id)
            .map(|v| v["analysis"].clone())
            .unwrap_or_default()
    };
    assert_eq!(analysis("CVE-2021-25900")["state"], "in_triage");
    assert_eq!(analysis("CVE-2020-26235")["state"], "exploitable");
    assert_eq!(
        analysis("CVE-2020-26235")["response"],
        serde_json::json!(["will_not_fix"])
    );
    assert_eq!(analysis("CVE-2020-14343")["state"], "not_affected");
    assert_eq!(
        analysis("CVE-2020-14343")["justification"],
        "code_not_reachable"
    );

    // CSV: a header and one row per finding, every row complete, formulas defused.
    let csv = scan(root, "csv", &[]);
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), findings.len() + 1);
    assert_eq!(rows[0][..3], ["priority", "vulnerability_id", "aliases"]);
    for row in &rows {
        assert_eq!(row.len(), rows[0].len(), "{row:?}");
    }
    let summary_col = rows[0].iter().position(|c| c == "summary").unwrap_or(0);
    assert!(
        rows.iter()
            .any(|r| r[summary_col] == "left-pad | pads <wrongly> & =SUM(1)")
    );

    // Markdown: the verdict first, closed findings folded away, links to osv.dev.
    let md = scan(root, "markdown", &[]);
    assert!(md.starts_with("## ❌ Patchwarden: gate failed\n"), "{md}");
    assert!(md.contains("[CVE-2021-25900](https://osv.dev/vulnerability/CVE-2021-25900)"));
    assert!(md.contains("<details>") && md.contains("</details>"));
    assert!(md.contains("### Fix advice"));

    // HTML: one page, escaped, no script.
    let html = scan(root, "html", &[]);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(!html.contains("<script"));
    assert!(html.contains("left-pad | pads &lt;wrongly&gt; &amp; =SUM(1)"));
    assert!(html.contains("<caption>Open findings, most urgent first</caption>"));

    // The table still works with the new formats alongside.
    let table = scan(root, "table", &[]);
    assert!(table.contains("CVE-2021-25900") && table.contains("Gate: FAILED"));
}

#[test]
fn demo_refuses_report_formats_it_does_not_write() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = patchwarden(&dir.path().join("demo.db"))
        .args(["demo", "--format", "sarif"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value 'sarif'") && stderr.contains("table, json"),
        "{stderr}"
    );
    assert!(!dir.path().join("demo.db").exists());
}

// --- the official schemas -----------------------------------------------------------------

/// Runs `report_validate.py` on `files`, panicking with its output when any is invalid.
fn validate(schemas: &Path, kind: &str, files: &[PathBuf]) {
    let root = repo_root();
    let script = root.join("crates/report/tests/oracles/report_validate.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&script).arg(schemas).arg(kind).args(files);
    let mut paths: Vec<PathBuf> = ["target/oracles/report-py", "target/oracles/py"]
        .iter()
        .map(|p| root.join(p))
        .filter(|p| p.is_dir())
        .collect();
    if let Some(old) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&old));
    }
    cmd.env(
        "PYTHONPATH",
        std::env::join_paths(paths).unwrap_or_else(|e| panic!("{e}")),
    );
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{kind} schema validation failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains(&format!(": valid {kind} (")))
            .count(),
        files.len(),
        "{stdout}"
    );
}

#[test]
fn sarif_and_cyclonedx_pass_the_official_schemas() {
    let schemas = repo_root().join("target/oracles/report-schemas");
    let needed = [
        "sarif-schema-2.1.0.json",
        "sarif-2.1.0-rtm.5.json",
        "bom-1.6.schema.json",
        "spdx.schema.json",
        "jsf-0.82.schema.json",
    ];
    if let Some(missing) = needed.iter().find(|f| !schemas.join(f).is_file()) {
        let msg = format!(
            "{} is missing: run `bash crates/report/tests/oracles/report_schemas.sh`",
            schemas.join(missing).display()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg} (required in CI)");
        }
        eprintln!("skipping: {msg}");
        return;
    }
    let dir = setup();
    let root = dir.path();
    let mut sarif = Vec::new();
    let mut cdx = Vec::new();
    // The project with every kind of finding.
    for (format, list) in [("sarif", &mut sarif), ("cyclonedx", &mut cdx)] {
        scan(root, format, &["--advisories", "advisories"]);
        let kept = root.join(format!("proj.{format}.json"));
        std::fs::rename(root.join(format!("report.{format}")), &kept)
            .unwrap_or_else(|e| panic!("{e}"));
        list.push(kept);
    }
    // The demo projects (absolute targets) and a project without findings.
    write(&root.join("clean/requirements.txt"), "requests==2.32.3\n");
    let mut targets: Vec<PathBuf> = ["storefront", "billing-api", "edge-proxy"]
        .iter()
        .map(|p| repo_root().join("examples/portfolio").join(p))
        .collect();
    targets.push(root.join("clean"));
    for (i, target) in targets.iter().enumerate() {
        for (format, list) in [("sarif", &mut sarif), ("cyclonedx", &mut cdx)] {
            let file = root.join(format!("{i}.{format}.json"));
            let out = patchwarden(&root.join("pw.db"))
                .arg("scan")
                .arg(target)
                .arg("--advisories")
                .arg(repo_root().join("examples/advisories"))
                .args(["--format", format, "--output"])
                .arg(&file)
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                target.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            list.push(file);
        }
    }
    validate(&schemas, "sarif", &sarif);
    validate(&schemas, "cyclonedx", &cdx);
}
