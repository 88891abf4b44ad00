//! `patchwarden db`: imports of every real feed, status, show, and crash safety.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Every `*-all.zip` of the shared data.
fn osv_zips(data: &Path) -> Vec<PathBuf> {
    let mut zips: Vec<PathBuf> = std::fs::read_dir(data.join("osv-all"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("-all.zip"))
        .collect();
    zips.sort();
    zips
}

/// Distinct record ids of the archives, read independently of the importer.
fn distinct_ids(zips: &[PathBuf]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for z in zips {
        let mut archive =
            zip::ZipArchive::new(std::fs::File::open(z).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap_or_else(|e| panic!("{e}"));
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .unwrap_or_else(|e| panic!("{e}"));
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
            ids.insert(v["id"].as_str().unwrap_or_default().to_string());
        }
    }
    ids
}

#[test]
fn importing_every_real_feed_stores_exactly_what_the_files_hold() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    import_every_real_feed(&data, &dir.path().join("pw.db"));
}

#[test]
fn importing_every_real_feed_into_postgres() {
    let Some(data) = shared_data() else { return };
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    import_every_real_feed(&data, Path::new(&url));
}

/// The same checks on any database: `db` is a SQLite path or a PostgreSQL URL.
fn import_every_real_feed(data: &Path, db: &Path) {
    let zips = osv_zips(data);
    let expected = distinct_ids(&zips);
    let kev = data.join("kev/known_exploited_vulnerabilities.json");
    let epss = data.join("epss/epss_scores.csv.gz");
    let nvd = data.join("nvd/cves-2.0-sample.json");
    patchwarden(db)
        .args(["db", "import"])
        .args(&zips)
        .arg(&kev)
        .arg(&epss)
        .arg(&nvd)
        .assert()
        .success();

    let status = json_stdout(patchwarden(db).args(["db", "status", "--format", "json"]));
    assert_eq!(status["advisories"].as_u64(), Some(expected.len() as u64));
    assert_eq!(expected.len(), 26_720);
    let by_eco = &status["advisories_by_ecosystem"];
    assert_eq!(by_eco["crates.io"].as_u64(), Some(1206));
    assert_eq!(by_eco["AlmaLinux"].as_u64(), Some(5637));
    assert_eq!(by_eco["(no package)"].as_u64(), Some(132));
    let sources = status["sources"].as_array().cloned().unwrap_or_default();
    assert_eq!(sources.len(), zips.len() + 3);
    let kev_source = sources
        .iter()
        .find(|s| s["kind"] == "kev")
        .cloned()
        .unwrap_or_default();
    assert_eq!(kev_source["records"].as_u64(), Some(1404));
    assert_eq!(kev_source["stale"].as_bool(), Some(false));
    let epss_source = sources
        .iter()
        .find(|s| s["kind"] == "epss")
        .cloned()
        .unwrap_or_default();
    assert_eq!(epss_source["records"].as_u64(), Some(360_142));

    // A KEV-listed CVE that OSV advisories alias: advisories, KEV due date and EPSS together.
    let show = json_stdout(patchwarden(db).args([
        "db",
        "show",
        "GHSA-qppj-fm5r-hxr3",
        "--format",
        "json",
    ]));
    assert_eq!(show["vulnerability_id"], "CVE-2023-44487");
    assert_eq!(show["kev"][0]["due_date"], "2023-10-31");
    assert_eq!(show["kev"][0]["date_added"], "2023-10-10");
    assert_eq!(show["epss"][0]["score"].as_f64(), Some(0.99999));
    assert!(show["advisories"].as_array().is_some_and(|a| a.len() >= 10));
    assert_eq!(show["severity"], "High");
    // Log4Shell has no OSV record in this data, but KEV and EPSS know it.
    let show =
        json_stdout(patchwarden(db).args(["db", "show", "CVE-2021-44228", "--format", "json"]));
    assert_eq!(show["kev"][0]["due_date"], "2021-12-24");
    assert_eq!(show["kev"][0]["ransomware"], true);
    assert_eq!(show["epss"][0]["score"].as_f64(), Some(0.99999));
    // Unknown ids are a clear error.
    let out = patchwarden(db)
        .args(["db", "show", "CVE-1900-0001"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CVE-1900-0001: no advisory"));

    // Re-importing an unchanged file is recognised by its digest and changes nothing; with
    // --force every record is read again and each is found unchanged.
    patchwarden(db)
        .args(["db", "import"])
        .arg(data.join("osv-all/crates-all.zip"))
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "crates-all.zip: unchanged since the last import (same SHA-256), 1206 records kept",
        ));
    patchwarden(db)
        .args(["db", "import", "--force"])
        .arg(data.join("osv-all/crates-all.zip"))
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "1206 records read, 0 new, 0 updated, 1206 unchanged, 0 malformed",
        ));
    let after = json_stdout(patchwarden(db).args(["db", "status", "--format", "json"]));
    assert_eq!(after["advisories"], status["advisories"]);
}

#[test]
fn a_bad_feed_file_fails_cleanly_and_keeps_the_previous_data() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");
    let kev = data.join("kev/known_exploited_vulnerabilities.json");
    patchwarden(&db)
        .args(["db", "import"])
        .arg(&kev)
        .assert()
        .success();
    // A truncated copy of the catalog under the same name is refused as a whole.
    let broken_dir = dir.path().join("broken");
    std::fs::create_dir(&broken_dir).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read(&kev).unwrap_or_else(|e| panic!("{e}"));
    let broken = broken_dir.join("known_exploited_vulnerabilities.json");
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let out = patchwarden(&db)
        .args(["db", "import"])
        .arg(&broken)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("known_exploited_vulnerabilities.json"),
        "{stderr}"
    );
    let status = json_stdout(patchwarden(&db).args(["db", "status", "--format", "json"]));
    let sources = status["sources"].as_array().cloned().unwrap_or_default();
    let good = sources
        .iter()
        .find(|s| {
            s["location"]
                .as_str()
                .is_some_and(|l| !l.contains("broken"))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(good["records"].as_u64(), Some(1404));
    let failed = sources
        .iter()
        .find(|s| s["location"].as_str().is_some_and(|l| l.contains("broken")))
        .cloned()
        .unwrap_or_default();
    assert!(failed["last_error"].is_string(), "{failed}");
    let show =
        json_stdout(patchwarden(&db).args(["db", "show", "CVE-2021-44228", "--format", "json"]));
    assert_eq!(show["kev"][0]["due_date"], "2021-12-24");
}

/// SIGKILL during an import leaves a database that opens, with each source entirely in its
/// old or its new state.
#[test]
fn sigkill_during_import_leaves_old_or_new_state() {
    let Some(data) = shared_data() else { return };
    let binary = assert_cmd::cargo::cargo_bin("patchwarden");
    for delay_ms in [60u64, 150, 250, 400, 900, 1600] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = dir.path().join("pw.db");
        patchwarden(&db)
            .args(["db", "import"])
            .arg(data.join("osv-all/npm-all.zip"))
            .assert()
            .success();
        let mut child = std::process::Command::new(&binary)
            .env_remove("PATCHWARDEN_DATABASE")
            .arg("--database")
            .arg(&db)
            .args(["db", "import"])
            .arg(data.join("osv-all/Bitnami-all.zip"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = matches!(child.try_wait(), Ok(Some(_)));
        // SAFETY-free: Child::kill sends SIGKILL on Unix.
        let _ = child.kill();
        let _ = child.wait();
        let status = json_stdout(patchwarden(&db).args(["db", "status", "--format", "json"]));
        let count = status["advisories"].as_u64().unwrap_or_default();
        assert!(
            count == 467 || count == 467 + 7444,
            "after SIGKILL at {delay_ms} ms: {count} advisories, neither the old (467) nor the new (7911) state"
        );
        let bitnami = status["advisories_by_ecosystem"]["Bitnami"]
            .as_u64()
            .unwrap_or(0);
        assert!(bitnami == 0 || bitnami == 7444, "{bitnami}");
        eprintln!("SIGKILL at {delay_ms} ms (finished before: {finished}): {count} advisories");
    }
}
