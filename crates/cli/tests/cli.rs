//! End-to-end tests: they run the `patchwarden` binary as a user would.

mod common;

use std::collections::BTreeSet;

use assert_cmd::Command;
use common::*;
use serde_json::Value;

/// (advisory id, package, version) of every finding in a scan document.
fn finding_keys(scan: &Value) -> BTreeSet<(String, String, String)> {
    scan["findings"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|f| {
            (
                f["advisory_id"].as_str().unwrap_or_default().to_string(),
                f["package"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["package"]["version"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn pep503(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}

/// (project, package, version, advisory) rows of an expected-results file in examples/.
fn expected(file: &str) -> BTreeSet<(String, String, String, String)> {
    let text = std::fs::read_to_string(repo_root().join("examples").join(file))
        .unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    rows.iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (
                s("project"),
                pep503(&s("package")),
                s("version"),
                s("advisory"),
            )
        })
        .collect()
}

#[test]
fn demo_reports_exactly_the_hand_checked_findings() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let doc =
        json_stdout(patchwarden(&dir.path().join("demo.db")).args(["demo", "--format", "json"]));
    let mut got = BTreeSet::new();
    for project in doc["projects"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
    {
        let name = project["project"].as_str().unwrap_or_default().to_string();
        for (id, pkg, version) in finding_keys(&project["scan"]) {
            got.insert((name.clone(), pep503(&pkg), version, id));
        }
    }
    assert_eq!(got, expected("expected-findings.json"));
    let not_affected = expected("expected-not-affected.json");
    assert!(!not_affected.is_empty());
    assert!(got.is_disjoint(&not_affected));
}

#[test]
fn demo_table_runs_into_a_fresh_database_by_default() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .env_remove("PATCHWARDEN_DATABASE")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .arg("demo")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("== storefront ==") && text.contains("CVE-2021-25900"),
        "{text}"
    );
    assert!(
        text.contains("8 findings (2 high, 4 medium, 2 low) in 7 of 20 components"),
        "{text}"
    );
    // The demo never touches the user's default database.
    assert!(!home.path().join("data/patchwarden/patchwarden.db").exists());
}

#[test]
fn scan_creates_the_default_database_in_the_xdg_data_dir() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = repo_root().join("examples/portfolio/edge-proxy");
    Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .env_remove("PATCHWARDEN_DATABASE")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .arg("scan")
        .arg(&project)
        .assert()
        .success()
        .stderr(predicates::str::contains("advisory database is empty"));
    assert!(
        home.path()
            .join("data/patchwarden/patchwarden.db")
            .is_file()
    );
}

#[test]
fn nushell_2020_lockfile_against_real_rustsec_advisories() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let lock = extract_lockfile(
        &data,
        "nushell__2020-06__Cargo.lock",
        dir.path(),
        "Cargo.lock",
    );
    let doc = json_stdout(
        patchwarden(&dir.path().join("pw.db"))
            .arg("scan")
            .arg(&lock)
            .arg("--advisories")
            .arg(data.join("osv-all/crates-all.zip"))
            .args(["--format", "json"]),
    );
    let found = finding_keys(&doc);
    let key = |a: &str, p: &str, v: &str| (a.to_string(), p.to_string(), v.to_string());
    // Checked by hand against the records' SEMVER events:
    // smallvec 1.4.0 is in [1.0.0, 1.6.1); regex 1.3.9 is below the fix 1.5.5;
    // generic-array 0.12.3 is in [0.12.0, 0.12.4); time 0.1.43 is below 0.2.0.
    for k in [
        key("RUSTSEC-2021-0003", "smallvec", "1.4.0"),
        key("RUSTSEC-2022-0013", "regex", "1.3.9"),
        key("RUSTSEC-2020-0146", "generic-array", "0.12.3"),
        key("RUSTSEC-2020-0071", "time", "0.1.43"),
    ] {
        assert!(found.contains(&k), "missing {k:?}");
    }
    // The lockfile holds linked-hash-map 0.3.0 and 0.5.3; RUSTSEC-2020-0026 is fixed in 0.5.3:
    // the old copy is reported, the patched one is not. futures-task 0.3.5 is exactly the
    // fix of RUSTSEC-2020-0061.
    assert!(found.contains(&key("RUSTSEC-2020-0026", "linked-hash-map", "0.3.0")));
    assert!(!found.contains(&key("RUSTSEC-2020-0026", "linked-hash-map", "0.5.3")));
    assert!(!found.iter().any(|(a, _, _)| a == "RUSTSEC-2020-0061"));
    let smallvec = doc["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["advisory_id"] == "RUSTSEC-2021-0003"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(smallvec["fixed_in"], serde_json::json!(["1.6.1"]));
    assert_eq!(smallvec["package"]["purl"], "pkg:cargo/smallvec@1.4.0");
    assert_eq!(doc["summary"]["components"].as_u64(), Some(446));
    assert_eq!(doc["advisories_in_store"].as_u64(), Some(1206));
}

#[test]
fn real_npm_lockfiles_v2_and_v3_scan() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (entry, expect_vulnerable) in [
        ("nodegoat__package-lock.v2.json", true),
        ("juice-shop__package-lock.v3.json", true),
    ] {
        let lock = extract_lockfile(&data, entry, dir.path(), entry);
        let doc = json_stdout(
            patchwarden(&dir.path().join("pw.db"))
                .arg("scan")
                .arg(&lock)
                .arg("--advisories")
                .arg(data.join("osv-all/npm-all.zip"))
                .args(["--format", "json"]),
        );
        assert!(
            doc["summary"]["components"].as_u64().unwrap_or(0) > 100,
            "{entry}"
        );
        assert_eq!(
            !doc["findings"]
                .as_array()
                .map(Vec::is_empty)
                .unwrap_or(true),
            expect_vulnerable,
            "{entry}"
        );
    }
}

#[test]
fn exit_code_is_opt_in() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");
    let project = repo_root().join("examples/portfolio/storefront");
    let advisories = repo_root().join("examples/advisories");
    patchwarden(&db)
        .arg("scan")
        .arg(&project)
        .arg("--advisories")
        .arg(&advisories)
        .assert()
        .code(0);
    patchwarden(&db)
        .arg("scan")
        .arg(&project)
        .args(["--exit-code", "1"])
        .assert()
        .code(1);
    patchwarden(&db)
        .arg("scan")
        .arg(&project)
        .args(["--exit-code", "7"])
        .assert()
        .code(7);
    // No findings: the gate passes.
    let clean = dir.path().join("clean");
    std::fs::create_dir(&clean).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(clean.join("requirements.txt"), "requests==2.32.3\n")
        .unwrap_or_else(|e| panic!("{e}"));
    patchwarden(&db)
        .arg("scan")
        .arg(&clean)
        .args(["--exit-code", "1"])
        .assert()
        .code(0);
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("scan.json");
    patchwarden(&dir.path().join("pw.db"))
        .arg("scan")
        .arg(repo_root().join("examples/portfolio/billing-api"))
        .arg("--advisories")
        .arg(repo_root().join("examples/advisories"))
        .args(["--format", "json", "--output"])
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr(predicates::str::contains("requests is not pinned"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc["summary"]["findings"].as_u64(), Some(9));
    assert_eq!(doc["warnings"][0]["line"].as_u64(), Some(6));
}

/// Runs a command that must fail with exit code 2 and one line on stderr containing `needles`.
fn assert_clean_failure(cmd: &mut Command, needles: &[&str]) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in {stderr}");
    }
}

#[test]
fn bad_input_fails_with_one_clear_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");

    // Unreadable path; and the typo does not create a database.
    assert_clean_failure(
        patchwarden(&db).args(["scan", "/no/such/dir"]),
        &["/no/such/dir", "No such file"],
    );
    assert!(!db.exists());

    // Malformed lockfiles.
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        bad.join("Cargo.lock"),
        "[[package]]\nname = \"x\"\nversion = \n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_clean_failure(
        patchwarden(&db).arg("scan").arg(&bad),
        &["bad/Cargo.lock", "not a valid Cargo.lock"],
    );
    std::fs::remove_file(bad.join("Cargo.lock")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        bad.join("package-lock.json"),
        "{\"lockfileVersion\": 3, \"packages\": [",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_clean_failure(
        patchwarden(&db).arg("scan").arg(&bad),
        &["package-lock.json", "not valid JSON"],
    );

    // Malformed advisory: named by file, scan refused, nothing imported.
    let advisories = dir.path().join("advisories");
    std::fs::create_dir(&advisories).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        advisories.join("GOOD-1.json"),
        r#"{"id":"GOOD-1","modified":"2024-01-01T00:00:00Z"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        advisories.join("BROKEN-1.json"),
        r#"{"id":"BROKEN-1","affected":"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let project = repo_root().join("examples/portfolio/edge-proxy");
    assert_clean_failure(
        patchwarden(&db)
            .arg("scan")
            .arg(&project)
            .arg("--advisories")
            .arg(&advisories),
        &["BROKEN-1.json", "malformed advisory"],
    );

    // Unsupported single file.
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "hello").unwrap_or_else(|e| panic!("{e}"));
    assert_clean_failure(
        patchwarden(&db).arg("scan").arg(&other),
        &["notes.txt", "not a supported lockfile"],
    );

    // Usage errors are exit 2 too (clap).
    let out = patchwarden(&db)
        .args(["scan"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn db_import_skips_and_counts_malformed_records() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let advisories = dir.path().join("advisories");
    std::fs::create_dir(&advisories).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        advisories.join("GOOD-1.json"),
        r#"{"id":"GOOD-1","modified":"2024-01-01T00:00:00Z"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(advisories.join("BROKEN-1.json"), r#"{"id":"BROKEN-1"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    patchwarden(&dir.path().join("pw.db"))
        .args(["db", "import"])
        .arg(&advisories)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "2 records read, 1 new, 0 updated, 0 unchanged, 1 malformed",
        ))
        .stderr(predicates::str::contains(
            "BROKEN-1.json (BROKEN-1): not a valid OSV record: missing field `modified`",
        ));
}

#[test]
fn help_has_an_example_for_every_command() {
    for args in [
        &["--help"][..],
        &["scan", "--help"],
        &["demo", "--help"],
        &["db", "import", "--help"],
        &["inventory", "--help"],
        &["sbom", "--help"],
    ] {
        let out = Command::cargo_bin("patchwarden")
            .unwrap_or_else(|e| panic!("{e}"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{args:?}"
        );
    }
}

#[test]
fn postgres_backend_gives_the_same_demo_results() {
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    let mut cmd = Command::cargo_bin("patchwarden").unwrap_or_else(|e| panic!("{e}"));
    let pg = json_stdout(cmd.args(["--database", &url, "demo", "--format", "json"]));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let lite =
        json_stdout(patchwarden(&dir.path().join("demo.db")).args(["demo", "--format", "json"]));
    let keys = |doc: &Value| -> BTreeSet<_> {
        doc["projects"]
            .as_array()
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .flat_map(|p| finding_keys(&p["scan"]))
            .collect()
    };
    assert_eq!(keys(&pg), keys(&lite));
    assert_eq!(keys(&pg).len(), 24);
}

#[test]
fn version_compare_reads_tab_separated_pairs() {
    let out = Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["version", "compare", "--ecosystem", "PyPI"])
        .write_stdin("1.0rc1\t1.0\n1!1.0\t2.0\n2.0\t2.0.0\nnot valid\t1.0\n")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(&lines[..3], ["<", ">", "="]);
    assert!(
        lines[3].starts_with("error: `not valid` is not a valid PEP 440 version"),
        "{text}"
    );

    // An unknown ecosystem still answers, and says the answers are approximate.
    Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["version", "compare", "--ecosystem", "Nowhere"])
        .write_stdin("1.2\t1.10\n")
        .assert()
        .success()
        .stdout("<\n")
        .stderr(predicates::str::contains("approximate"));
}

#[test]
fn version_affected_evaluates_an_advisory() {
    let advisory = repo_root().join("examples/advisories/RUSTSEC-2020-0071.json");
    Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["version", "affected", "--ecosystem", "crates.io", "--advisory"])
        .arg(&advisory)
        .args(["0.1.43", "0.2.0", "0.2.1-alpha.1", "0.2.1", "0.2.22", "0.2.23", "x.y"])
        .assert()
        .success()
        .stdout(
            "0.1.43\taffected\n0.2.0\tnot-affected\n0.2.1-alpha.1\taffected\n0.2.1\tnot-affected\n\
             0.2.22\taffected\n0.2.23\tnot-affected\nx.y\terror: `x.y` is not a valid SemVer version: unexpected character 'x' while parsing major version number\n",
        );
    // --package narrows to that package's entries; another name has none.
    Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .args([
            "version",
            "affected",
            "--ecosystem",
            "crates.io",
            "--package",
            "time",
            "--advisory",
        ])
        .arg(&advisory)
        .arg("0.1.43")
        .assert()
        .success()
        .stdout("0.1.43\taffected\n");
    let out = Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .args([
            "version",
            "affected",
            "--ecosystem",
            "crates.io",
            "--package",
            "chrono",
            "--advisory",
        ])
        .arg(&advisory)
        .arg("0.1.43")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("names no crates.io package called chrono")
    );
    // An advisory without a package of the ecosystem is a usage error.
    let out = Command::cargo_bin("patchwarden")
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["version", "affected", "--ecosystem", "npm", "--advisory"])
        .arg(&advisory)
        .arg("1.0.0")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names no npm package"));
}
