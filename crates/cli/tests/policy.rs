//! `patchwarden scan` judged by a policy: the gate and its exit codes, exceptions from the
//! policy file and from other tools' ignore files, VEX, KEV and EPSS, through the binary.
//! The project is the demo's billing-api (nine findings against the demo advisories).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

struct Project {
    dir: tempfile::TempDir,
    db: PathBuf,
    root: PathBuf,
}

impl Project {
    /// billing-api copied to `<tmp>/org/app`, the demo advisories imported.
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("org/app");
        std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(
            repo_root().join("examples/portfolio/billing-api/requirements.txt"),
            root.join("requirements.txt"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let db = dir.path().join("pw.db");
        patchwarden(&db)
            .args(["db", "import"])
            .arg(repo_root().join("examples/advisories"))
            .assert()
            .success();
        Project { dir, db, root }
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    fn scan(&self, args: &[&str]) -> (i32, Value) {
        let out = patchwarden(&self.db)
            .arg("scan")
            .arg(&self.root)
            .args(["--format", "json"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let code = out.status.code().unwrap_or(-1);
        let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: exit {code}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, doc)
    }
}

fn finding<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["vulnerability_id"] == id))
        .unwrap_or_else(|| panic!("{id} not found in {doc}"))
}

fn statuses(doc: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["vulnerability_id"].as_str().unwrap_or("").to_string(),
                f["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn without_a_gate_rule_the_scan_passes_and_fail_on_fails_it() {
    let p = Project::new();
    let (code, doc) = p.scan(&[]);
    assert_eq!(code, 0);
    assert_eq!(doc["gate"]["rules_set"], false);
    assert_eq!(doc["summary"]["findings"], 9);
    // Every finding carries its SLA: 30 days for Critical/High, 90 for Medium.
    let django = finding(&doc, "CVE-2022-34265");
    assert_eq!(django["sla"]["days"], 30);
    assert_eq!(finding(&doc, "CVE-2023-45803")["sla"]["days"], 90);
    assert_eq!(django["status"], "open");
    assert_eq!(django["priority"], 1);

    let (code, doc) = p.scan(&["--fail-on", "high"]);
    assert_eq!(code, 1);
    assert_eq!(doc["gate"]["passed"], false);
    assert_eq!(doc["gate"]["failing_findings"], 8);
    let (code, _) = p.scan(&["--fail-on", "critical", "--exit-code", "3"]);
    assert_eq!(
        code, 1,
        "a failed gate is exit 1, whatever --exit-code says"
    );
    // The table says why.
    let out = patchwarden(&p.db)
        .arg("scan")
        .arg(&p.root)
        .args(["--fail-on", "high"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Gate: FAILED by 8 findings"), "{text}");
    assert!(text.contains("Fix advice:"), "{text}");
    assert!(
        text.contains("Pillow 8.4.0 (requirements.txt): upgrade to 9.0.0 (a new major version)"),
        "{text}"
    );
}

#[test]
fn exceptions_from_the_policy_file_found_upward_and_their_expiry() {
    let p = Project::new();
    // In the parent of the project: found by walking up from the scanned path.
    p.write(
        "org/patchwarden.toml",
        r#"
[sla]
critical = 7

[fail_on]
severity = "high"

[[exceptions]]
id = "CVE-2022-34265"
reason = "the Trunc/Extract lookups are not used"
approved_by = "security@example.com"
expires = 2099-01-01

[[exceptions]]
package = "urllib3"
ecosystem = "PyPI"
reason = "only talks to internal hosts"
expires = "2099-01-01"

[[exceptions]]
purl = "pkg:pypi/pillow@8.*"
reason = "images come from us only"
expires = 2099-01-01

[[exceptions]]
purl = "pkg:pypi/pyyaml@*"
reason = "safe_load everywhere"
expires = 2099-01-01

[[exceptions]]
id = "CVE-2023-49083"
reason = "expired long ago"
approved_by = "nobody"
expires = 2020-01-01
"#,
    );
    let (code, doc) = p.scan(&[]);
    // cryptography's exception expired and idna has none: the gate still fails.
    assert_eq!(code, 1, "{}", doc["gate"]);
    let django = finding(&doc, "CVE-2022-34265");
    assert_eq!(django["status"], "excepted");
    assert_eq!(django["exception"]["approved_by"], "security@example.com");
    assert_eq!(django["sla"]["days"], 7);
    assert_eq!(finding(&doc, "CVE-2023-49083")["status"], "open");
    assert_eq!(finding(&doc, "CVE-2024-3651")["status"], "open");
    for id in [
        "CVE-2023-43804",
        "CVE-2021-33503",
        "CVE-2023-45803",
        "CVE-2022-22817",
    ] {
        assert_eq!(finding(&doc, id)["status"], "excepted", "{id}");
    }
    let expired = doc["expired_exceptions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(expired[0]["selector"], "CVE-2023-49083");
    assert_eq!(doc["gate"]["failing_findings"], 2);
    assert_eq!(doc["summary"]["excepted"], 7);
    // Open findings come first in the priority order.
    assert_eq!(doc["findings"][0]["status"], "open");
    assert!(
        doc["policy_sources"][0]
            .as_str()
            .is_some_and(|s| s.ends_with("org/patchwarden.toml"))
    );
    // --policy points elsewhere: an empty policy, no gate.
    let other = p.write("other.toml", "");
    let (code, doc) = p.scan(&["--policy", other.to_str().unwrap_or_default()]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["excepted"], 0);
}

#[test]
fn trivyignore_osv_scanner_toml_and_vex_close_findings() {
    let p = Project::new();
    std::fs::write(
        p.root.join(".trivyignore"),
        "# accepted for now\nCVE-2022-34265 exp:2099-12-31\nCVE-2024-3651 exp:2020-01-01\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        p.root.join("osv-scanner.toml"),
        "[[IgnoredVulns]]\nid = \"GHSA-jfhm-5ghh-2f97\"\nignoreUntil = 2099-01-04T00:00:00Z\nreason = \"no untrusted PKCS12\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let vex = p.write(
        "app.openvex.json",
        r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"sec","timestamp":"2026-11-01T00:00:00Z","version":1,
          "statements":[
            {"vulnerability":{"name":"CVE-2020-14343"},"products":[{"@id":"pkg:pypi/pyyaml@5.3"}],
             "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
            {"vulnerability":{"name":"CVE-2020-1747"},"products":[{"@id":"pkg:pypi/pyyaml@5.4"}],
             "status":"not_affected","justification":"component_not_present"},
            {"vulnerability":{"name":"GHSA-8vj2-vxx3-667w"},"status":"fixed"}]}"#,
    );
    let (code, doc) = p.scan(&["--vex", vex.to_str().unwrap_or_default()]);
    assert_eq!(code, 0);
    let got = statuses(&doc);
    let status_of = |id: &str| {
        got.iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| s.as_str())
            .unwrap_or("missing")
    };
    assert_eq!(status_of("CVE-2022-34265"), "excepted");
    assert_eq!(
        status_of("CVE-2024-3651"),
        "open",
        "expired trivyignore entry"
    );
    assert_eq!(
        status_of("CVE-2023-49083"),
        "excepted",
        "osv-scanner.toml by alias"
    );
    assert_eq!(status_of("CVE-2020-14343"), "not_affected");
    // The statement names another version: it does not apply.
    assert_eq!(status_of("CVE-2020-1747"), "open");
    assert_eq!(
        status_of("CVE-2022-22817"),
        "fixed",
        "VEX by alias, any product"
    );
    let vexed = finding(&doc, "CVE-2020-14343");
    assert_eq!(
        vexed["vex"]["justification"],
        "vulnerable_code_not_in_execute_path"
    );
    assert_eq!(doc["expired_exceptions"][0]["selector"], "CVE-2024-3651");
    // --no-ignore-files: only the VEX applies.
    let (_, doc) = p.scan(&["--no-ignore-files"]);
    assert_eq!(finding(&doc, "CVE-2022-34265")["status"], "open");
}

#[test]
fn kev_and_epss_set_due_dates_priority_and_the_gate() {
    let p = Project::new();
    // idna's CVE in the KEV catalogue with a due date already past; EPSS for urllib3's.
    let kev = p.write(
        "kev.json",
        r#"{"title":"t","catalogVersion":"1","dateReleased":"2024-05-01T00:00:00Z","count":1,
          "vulnerabilities":[{"cveID":"CVE-2024-3651","vendorProject":"kjd","product":"idna",
            "vulnerabilityName":"idna denial of service","dateAdded":"2024-05-01",
            "shortDescription":"x","requiredAction":"patch","dueDate":"2024-05-22",
            "knownRansomwareCampaignUse":"Unknown","notes":""}]}"#,
    );
    let epss = p.write(
        "epss.csv",
        "#model_version:v2025.03.14,score_date:2026-11-01T00:00:00+0000\ncve,epss,percentile\nCVE-2023-45803,0.61000,0.98000\n",
    );
    for (file, kind) in [(&kev, "kev"), (&epss, "epss")] {
        patchwarden(&p.db)
            .args(["db", "import", "--kind", kind])
            .arg(file)
            .assert()
            .success();
    }
    let (code, doc) = p.scan(&[]);
    assert_eq!(code, 0, "no gate rule, no failure");
    let idna = finding(&doc, "CVE-2024-3651");
    assert_eq!(idna["priority"], 1, "KEV first");
    assert_eq!(idna["kev"]["due_date"], "2024-05-22");
    assert_eq!(idna["due"], "2024-05-22");
    assert_eq!(idna["overdue"], true);
    assert_eq!(idna["sla"]["kev_due_date_applied"], true);
    let urllib3 = finding(&doc, "CVE-2023-45803");
    assert_eq!(urllib3["priority"], 2, "then EPSS");
    assert_eq!(
        urllib3["sla"]["severity"], "High",
        "Medium raised by EPSS 0.61"
    );
    assert_eq!(urllib3["sla"]["days"], 30);
    assert_eq!(doc["summary"]["kev"], 1);
    assert_eq!(doc["summary"]["overdue"], 1);
    p.write("org/patchwarden.toml", "[fail_on]\nkev = true\n");
    let (code, doc) = p.scan(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        doc["gate"]["reasons"][0]["reason"],
        "in CISA's Known Exploited Vulnerabilities catalogue"
    );
    p.write("org/patchwarden.toml", "[fail_on]\noverdue = true\n");
    assert_eq!(p.scan(&[]).0, 1);
    p.write(
        "org/patchwarden.toml",
        "[kev]\ncisa_due_date = false\n[fail_on]\noverdue = true\n",
    );
    assert_eq!(
        p.scan(&[]).0,
        0,
        "without the KEV rule nothing is overdue in a plain scan"
    );
}

#[test]
fn bad_policy_files_are_one_line_errors_with_exit_2() {
    let p = Project::new();
    let check = |file: &Path, needle: &str| {
        let out = patchwarden(&p.db)
            .arg("scan")
            .arg(&p.root)
            .arg("--policy")
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains(needle), "{err}");
    };
    check(&p.write("a.toml", "[sla]\nhigh = -3\n"), "line 2");
    check(
        &p.write("b.toml", "[[exceptions]]\nid = \"CVE-1\"\nreason = \"r\"\n"),
        "an expiry date",
    );
    check(
        &p.write("c.toml", "[fail_on]\nseverity = \"huge\"\n"),
        "unknown severity",
    );
    check(&p.dir.path().join("absent.toml"), "absent.toml");
    let out = patchwarden(&p.db)
        .arg("scan")
        .arg(&p.root)
        .args(["--fail-on", "extreme"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let vex = p.write("bad.vex.json", "{\"statements\": 3}");
    let out = patchwarden(&p.db)
        .arg("scan")
        .arg(&p.root)
        .arg("--vex")
        .arg(&vex)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.vex.json"));
}
