//! Stale images: an image artifact not rebuilt for longer than the policy allows is a
//! finding of its own, with its own SLA, fixed by recording a rebuilt image.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A `docker save` archive of one Alpine layer whose config says it was built at `created`.
fn image(dir: &Path, name: &str, created: &str, musl: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let mut layer = Vec::new();
    tar_entry(
        &mut layer,
        "etc/os-release",
        b"ID=alpine\nVERSION_ID=3.20.3\n",
    );
    let db = format!("C:Q1abc=\nP:musl\nV:{musl}\nA:x86_64\no:musl\n\n");
    tar_entry(&mut layer, "lib/apk/db/installed", db.as_bytes());
    layer.extend_from_slice(&[0; 1024]);
    let digest: String = Sha256::digest(&layer)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let config = format!(r#"{{"os":"linux","architecture":"amd64","created":"{created}"}}"#);
    let mut archive = Vec::new();
    tar_entry(&mut archive, &format!("{digest}/layer.tar"), &layer);
    tar_entry(&mut archive, "config.json", config.as_bytes());
    let manifest = format!(
        r#"[{{"Config":"config.json","RepoTags":["shop/web:latest"],"Layers":["{digest}/layer.tar"]}}]"#
    );
    tar_entry(&mut archive, "manifest.json", manifest.as_bytes());
    archive.extend_from_slice(&[0; 1024]);
    let path = dir.join(name);
    std::fs::write(&path, &archive).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn at(db: &str, now: &str) -> assert_cmd::Command {
    let mut cmd = patchwarden(Path::new(db));
    cmd.env("PATCHWARDEN_NOW", now)
        .env("PATCHWARDEN_ACTOR", "ci")
        .env_remove("PATCHWARDEN_CONFIG");
    cmd
}

fn record(db: &str, now: &str, image: &Path) -> Value {
    let out = at(db, now)
        .args(["scan", "--record", "--product", "shop", "--project", "web"])
        .args(["--format", "json"])
        .arg(image)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.code() == Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn stale(db: &str, now: &str) -> Vec<Value> {
    let list = json_stdout(
        at(db, now)
            .args(["findings", "list", "--format", "json", "--vulnerability"])
            .arg("STALE-IMAGE"),
    );
    list.as_array().cloned().unwrap_or_default()
}

fn stale_images_become_findings_and_rebuilds_fix_them(db: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let old = image(dir.path(), "old.tar", "2026-11-01T08:00:00Z", "1.2.5-r0");
    // Four days after the build: fresh.
    let doc = record(db, "2026-11-05T10:00:00Z", &old);
    assert_eq!(doc["record"]["new"].as_array().map(Vec::len), Some(0));
    assert!(stale(db, "2026-11-05T10:00:00Z").is_empty());

    // Nineteen days after: the weekly check (a re-evaluation) finds it stale since the
    // 8th (built + 7 days), due on the 15th (7 days to rebuild), so overdue on the 20th.
    at(db, "2026-11-20T10:00:00Z")
        .arg("reevaluate")
        .assert()
        .success();
    let found = stale(db, "2026-11-20T10:00:00Z");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f["ecosystem"], "image");
    assert_eq!(f["package"], "shop/web:latest");
    assert_eq!(f["status"], "open");
    assert_eq!(f["severity"], "Medium");
    assert_eq!(f["first_seen"], "2026-11-08T00:00:00Z");
    assert_eq!(f["due"], "2026-11-15");
    assert_eq!(f["overdue"], true);
    let id = f["id"].as_i64().unwrap_or_default();
    let overdue = json_stdout(at(db, "2026-11-20T10:00:00Z").args([
        "findings",
        "list",
        "--overdue",
        "--format",
        "json",
    ]));
    assert!(
        overdue
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["id"] == id)),
        "{overdue}"
    );

    // Scanning the same old image again keeps the one finding open.
    let again = record(db, "2026-11-21T10:00:00Z", &old);
    assert_eq!(again["record"]["new"].as_array().map(Vec::len), Some(0));
    assert_eq!(stale(db, "2026-11-21T10:00:00Z").len(), 1);

    // A rebuilt image fixes it.
    let rebuilt = image(dir.path(), "new.tar", "2026-11-21T12:00:00Z", "1.2.5-r1");
    let doc = record(db, "2026-11-21T13:00:00Z", &rebuilt);
    let gone: Vec<i64> = doc["record"]["gone"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|g| g["id"].as_i64())
        .collect();
    assert_eq!(gone, [id], "{}", doc["record"]);
    let after = stale(db, "2026-11-21T13:00:00Z");
    assert_eq!(after[0]["status"], "fixed");
    assert_eq!(after[0]["overdue"], false);
}

#[test]
fn stale_images_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");
    stale_images_become_findings_and_rebuilds_fix_them(&db.display().to_string());
}

#[test]
fn stale_images_on_postgres() {
    if let Some(url) = fresh_postgres_url() {
        stale_images_become_findings_and_rebuilds_fix_them(&url);
    }
}

#[test]
fn a_product_policy_sets_the_allowed_age() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db").display().to_string();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[stale_image]\nmax_age_days = 30\n").unwrap_or_else(|e| panic!("{e}"));
    at(&db, "2026-11-01T00:00:00Z")
        .args(["product", "add", "shop", "--policy"])
        .arg(&policy)
        .assert()
        .success();
    let old = image(dir.path(), "old.tar", "2026-11-01T08:00:00Z", "1.2.5-r0");
    record(&db, "2026-11-20T10:00:00Z", &old);
    assert!(stale(&db, "2026-11-20T10:00:00Z").is_empty());
    // Past 30 days it is stale.
    at(&db, "2026-12-05T10:00:00Z")
        .arg("reevaluate")
        .assert()
        .success();
    let found = stale(&db, "2026-12-05T10:00:00Z");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["first_seen"], "2026-12-01T00:00:00Z");
    assert_eq!(found[0]["due"], "2026-12-08");
}
