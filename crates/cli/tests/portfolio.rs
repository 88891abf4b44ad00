//! Portfolio tracking through the binary, end to end: recording the demo projects, the
//! finding lifecycle (triage, patch, fix, verify; regression, risk acceptance and its expiry;
//! zero-days and withdrawals found by re-evaluation), the product-wide first-seen date, the
//! finding filters, the audit log, and bad input. Every flow runs on SQLite and, when
//! `PATCHWARDEN_TEST_POSTGRES_URL` is set, on PostgreSQL.
//!
//! The clock is set with `PATCHWARDEN_NOW`, so ids, dates and due dates are known in advance:
//! recording storefront, billing-api and edge-proxy (in that order) against the demo
//! advisories gives findings 1-8, 9-17 and 18-24 in the order of `STOREFRONT`, `BILLING` and
//! `EDGE` below.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// Storefront's findings against the demo advisories: id, package, vulnerability, severity.
const STOREFRONT: [(i64, &str, &str, &str); 8] = [
    (1, "express", "CVE-2014-6393", "Medium"),
    (2, "handlebars", "CVE-2015-8861", "Medium"),
    (3, "hoek", "CVE-2018-3728", "Low"),
    (4, "lodash", "CVE-2018-16487", "Medium"),
    (5, "lodash", "CVE-2018-3721", "Low"),
    (6, "qs", "CVE-2014-7191", "High"),
    (7, "semver", "CVE-2015-8855", "Medium"),
    (8, "ws", "x_NSWG-ECO-120", "High"),
];
/// billing-api's, recorded second.
const BILLING: [(i64, &str, &str, &str); 9] = [
    (9, "Django", "CVE-2022-34265", "Critical"),
    (10, "Pillow", "CVE-2022-22817", "Critical"),
    (11, "PyYAML", "CVE-2020-14343", "Critical"),
    (12, "PyYAML", "CVE-2020-1747", "Critical"),
    (13, "cryptography", "CVE-2023-49083", "High"),
    (14, "idna", "CVE-2024-3651", "High"),
    (15, "urllib3", "CVE-2021-33503", "High"),
    (16, "urllib3", "CVE-2023-43804", "High"),
    (17, "urllib3", "CVE-2023-45803", "Medium"),
];
/// edge-proxy's, recorded third.
const EDGE: [(i64, &str, &str, &str); 7] = [
    (18, "atty", "RUSTSEC-2021-0145", "Low"),
    (19, "chrono", "RUSTSEC-2020-0159", "Medium"),
    (20, "h2", "CVE-2023-26964", "High"),
    (21, "regex", "CVE-2022-24713", "High"),
    (22, "smallvec", "CVE-2021-25900", "Critical"),
    (23, "time", "CVE-2020-26235", "Medium"),
    (24, "tokio", "CVE-2021-45710", "High"),
];

const DAY1: &str = "2026-01-10T09:00:00Z";
const DAY2: &str = "2026-01-12T14:30:00Z";
const DAY3: &str = "2026-01-15T08:15:00Z";
const DAY4: &str = "2026-01-16T22:00:00Z";

/// The due date of a finding first seen on DAY1: 30 days for Critical and High, 90 for
/// Medium, 180 for Low (the default policy).
fn due_from_day1(severity: &str) -> &'static str {
    match severity {
        "Critical" | "High" => "2026-02-09",
        "Medium" => "2026-04-10",
        _ => "2026-07-09",
    }
}

/// A database (SQLite file or PostgreSQL URL) with the demo advisories, and a scratch folder
/// for the projects to scan.
struct Portfolio {
    dir: tempfile::TempDir,
    db: String,
}

impl Portfolio {
    fn sqlite() -> Portfolio {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = dir.path().join("pw.db").to_string_lossy().into_owned();
        Portfolio::with(dir, db)
    }

    fn postgres() -> Option<Portfolio> {
        let url = fresh_postgres_url()?;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        Some(Portfolio::with(dir, url))
    }

    fn with(dir: tempfile::TempDir, db: String) -> Portfolio {
        let p = Portfolio { dir, db };
        p.ok(
            DAY1,
            "alice",
            &[
                "db",
                "import",
                &repo_root().join("examples/advisories").to_string_lossy(),
            ],
        );
        p
    }

    /// The binary acting as `actor` at `now`.
    fn cmd(&self, now: &str, actor: &str) -> assert_cmd::Command {
        let mut cmd = pw(&self.db);
        cmd.env("PATCHWARDEN_NOW", now).args(["--actor", actor]);
        cmd
    }

    /// Runs a command that must succeed; its stdout.
    fn ok(&self, now: &str, actor: &str, args: &[&str]) -> String {
        let out = self
            .cmd(now, actor)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{args:?}: exit {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that prints JSON, as actor `reader` (it matters for `reevaluate`).
    fn json(&self, now: &str, args: &[&str]) -> Value {
        let text = self.ok(now, "reader", args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Runs a command that must fail with exit 2 and a one-line message; the message.
    fn fails(&self, now: &str, args: &[&str]) -> String {
        let out = self
            .cmd(now, "mallory")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: not one line: {stderr}"
        );
        assert!(stderr.starts_with("patchwarden: error: "), "{stderr}");
        stderr
    }

    /// A copy of a demo project under the scratch folder, as `name`, with `edit` applied to
    /// the text of each copied file.
    fn project(&self, demo: &str, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
        let from = repo_root().join("examples/portfolio").join(demo);
        let to = self.dir.path().join("src").join(name);
        std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
        for entry in std::fs::read_dir(&from).unwrap_or_else(|e| panic!("{e}")) {
            let entry = entry.unwrap_or_else(|e| panic!("{e}"));
            let text = std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(to.join(entry.file_name()), edit(&text))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        to
    }

    /// A demo project as it is.
    fn demo(&self, demo: &str) -> PathBuf {
        self.project(demo, demo, str::to_string)
    }

    /// Storefront with lodash at `version` instead of 4.17.4, as folder `name`.
    fn storefront_with_lodash(&self, name: &str, version: &str) -> PathBuf {
        self.project("storefront", name, |text| {
            if !text.contains("\"node_modules/lodash\"") {
                return text.to_string();
            }
            let edited = text.replace(
                "\"version\": \"4.17.4\"",
                &format!("\"version\": \"{version}\""),
            );
            assert_ne!(edited, text, "lodash 4.17.4 not found in package-lock.json");
            edited
        })
    }

    /// `scan PATH --record`: the `record` object of the JSON report.
    fn record(
        &self,
        now: &str,
        actor: &str,
        path: &Path,
        product: &str,
        project: &str,
        artifact: &str,
    ) -> Value {
        let text = self.ok(
            now,
            actor,
            &[
                "scan",
                &path.to_string_lossy(),
                "--record",
                "--product",
                product,
                "--project",
                project,
                "--artifact",
                artifact,
                "--format",
                "json",
            ],
        );
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        doc["record"].clone()
    }

    /// The three demo projects recorded into product `demo` on DAY1 by alice, as v1.
    fn record_demo(&self) -> [Value; 3] {
        ["storefront", "billing-api", "edge-proxy"].map(|name| {
            let path = self.demo(name);
            self.record(DAY1, "alice", &path, "demo", name, "v1")
        })
    }

    /// `findings show ID --format json`.
    fn show(&self, now: &str, id: i64) -> Value {
        self.json(
            now,
            &["findings", "show", &id.to_string(), "--format", "json"],
        )
    }

    /// The finding itself, from `findings show`.
    fn finding(&self, id: i64) -> Value {
        self.show(DAY4, id)["finding"].clone()
    }

    fn status(&self, id: i64) -> String {
        self.finding(id)["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The ids `findings list` gives with `args`, on `now`, in the order listed.
    fn list(&self, now: &str, args: &[&str]) -> Vec<i64> {
        let mut all = vec!["findings", "list", "--format", "json"];
        all.extend_from_slice(args);
        self.json(now, &all)
            .as_array()
            .unwrap_or_else(|| panic!("findings list {args:?} is not an array"))
            .iter()
            .map(|f| f["id"].as_i64().unwrap_or(-1))
            .collect()
    }

    /// The same, sorted.
    fn ids(&self, now: &str, args: &[&str]) -> Vec<i64> {
        let mut ids = self.list(now, args);
        ids.sort();
        ids
    }

    /// The whole audit log.
    fn audit(&self) -> Vec<Value> {
        self.json(DAY4, &["audit", "--format", "json"])
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// (action, entity id) of every audit entry of a finding.
    fn history(&self, id: i64) -> Vec<String> {
        self.json(
            DAY4,
            &["audit", "--finding", &id.to_string(), "--format", "json"],
        )
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect()
    }
}

/// The ids of a record summary's list (`new`, `still_open`, `gone`, `regressed`), sorted.
fn ids_of(record: &Value, list: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = record[list]
        .as_array()
        .unwrap_or_else(|| panic!("record.{list} missing in {record}"))
        .iter()
        .map(|b| b["id"].as_i64().unwrap_or(-1))
        .collect();
    ids.sort();
    ids
}

fn range(from: i64, to: i64) -> Vec<i64> {
    (from..=to).collect()
}

// ---------------------------------------------------------------------------------------
// a + e: the whole process on the demo portfolio, and the audit log it leaves.
// ---------------------------------------------------------------------------------------

fn whole_process(p: &Portfolio) {
    // Day 1, alice: the three demo projects.
    let [store, billing, edge] = p.record_demo();
    for (record, project, expected, artifact) in [
        (&store, "storefront", &STOREFRONT[..], 1),
        (&billing, "billing-api", &BILLING[..], 2),
        (&edge, "edge-proxy", &EDGE[..], 3),
    ] {
        assert_eq!(record["product"], "demo");
        assert_eq!(record["project"], project);
        assert_eq!(record["artifact_id"], artifact, "{record}");
        assert_eq!(record["artifact_ref"], "v1");
        assert_eq!(record["previous_artifact_id"], Value::Null);
        for list in ["still_open", "gone", "regressed"] {
            assert_eq!(ids_of(record, list), Vec::<i64>::new(), "{project} {list}");
        }
        let new: Vec<(i64, String, String, String, String, String, String)> = record["new"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
                (
                    b["id"].as_i64().unwrap_or(-1),
                    s("package"),
                    s("vulnerability_id"),
                    s("severity"),
                    s("status"),
                    s("first_seen"),
                    s("due"),
                )
            })
            .collect();
        let wanted: Vec<_> = expected
            .iter()
            .map(|(id, package, vuln, severity)| {
                (
                    *id,
                    package.to_string(),
                    vuln.to_string(),
                    severity.to_string(),
                    "open".to_string(),
                    DAY1.to_string(),
                    due_from_day1(severity).to_string(),
                )
            })
            .collect();
        assert_eq!(new, wanted, "{project}");
    }
    assert_eq!(p.ids(DAY1, &[]), range(1, 24));
    assert_eq!(p.ids(DAY1, &["--status", "open"]), range(1, 24));

    // Day 2, bob: lodash's prototype pollution is triaged, a patch planned.
    let out = p.ok(DAY2, "bob", &["findings", "triage", "4"]);
    assert!(out.contains("is now triaged"), "{out}");
    assert_eq!(p.status(4), "triaged");
    let pr = "https://git.example/demo/storefront/pull/7";
    p.ok(
        DAY2,
        "bob",
        &["findings", "patch", "4", "--version", "4.17.21", "--pr", pr],
    );
    let shown = p.show(DAY2, 4);
    assert_eq!(shown["finding"]["status"], "patching");
    assert_eq!(shown["finding"]["overdue"], false);
    let patches = shown["patches"].as_array().cloned().unwrap_or_default();
    assert_eq!(patches.len(), 1, "{shown}");
    assert_eq!(patches[0]["id"], 1);
    assert_eq!(patches[0]["finding_id"], 4);
    assert_eq!(patches[0]["planned_version"], "4.17.21");
    assert_eq!(patches[0]["pull_request"], pr);
    assert_eq!(patches[0]["state"], "planned");
    assert_eq!(patches[0]["actor"], "bob");
    assert_eq!(patches[0]["created_at"], DAY2);
    let history: Vec<&str> = shown["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| h["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        history,
        ["finding.created", "finding.triaged", "finding.patching"]
    );

    // Day 3, carol: a new storefront artifact with lodash upgraded.
    let upgraded = p.storefront_with_lodash("storefront-v2", "4.17.21");
    let v2 = p.record(DAY3, "carol", &upgraded, "demo", "storefront", "v2");
    assert_eq!(v2["artifact_id"], 4);
    assert_eq!(v2["artifact_ref"], "v2");
    assert_eq!(v2["previous_artifact_id"], 1);
    assert_eq!(ids_of(&v2, "new"), Vec::<i64>::new());
    assert_eq!(ids_of(&v2, "gone"), [4, 5]);
    assert_eq!(ids_of(&v2, "still_open"), [1, 2, 3, 6, 7, 8]);
    assert_eq!(ids_of(&v2, "regressed"), Vec::<i64>::new());
    for gone in v2["gone"].as_array().into_iter().flatten() {
        assert_eq!(gone["status"], "fixed", "{gone}");
        assert_eq!(gone["package"], "lodash");
    }
    for id in [4, 5] {
        let f = p.finding(id);
        assert_eq!(f["status"], "fixed");
        assert_eq!(f["fixed_at"], DAY3);
        assert_eq!(f["fixed_artifact_id"], 4);
        assert_eq!(f["last_artifact_id"], 1, "the last artifact that had it");
        assert_eq!(f["status_reason"], "absent from artifact 4");
    }
    assert_eq!(p.ids(DAY3, &["--status", "fixed"]), [4, 5]);
    let artifacts = p.json(DAY3, &["artifact", "list", "--format", "json"]);
    let listed: Vec<(i64, &str, &str, i64)> = artifacts
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["id"].as_i64().unwrap_or(-1),
                a["project"].as_str().unwrap_or(""),
                a["ref"].as_str().unwrap_or(""),
                a["findings"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (4, "storefront", "v2", 6),
            (3, "edge-proxy", "v1", 7),
            (2, "billing-api", "v1", 9),
            (1, "storefront", "v1", 8)
        ]
    );

    // Day 4, dave: environments; staging verifies nothing, production does.
    p.ok(
        DAY4,
        "dave",
        &["env", "add", "prod", "--kind", "production"],
    );
    p.ok(DAY4, "dave", &["env", "add", "staging", "--kind", "test"]);
    let envs = p.json(DAY4, &["env", "list", "--format", "json"]);
    assert_eq!(envs[0]["name"], "prod");
    assert_eq!(envs[0]["kind"], "production");
    assert_eq!(envs[1]["name"], "staging");
    assert_eq!(envs[1]["kind"], "test");
    let staging = p
        .cmd(DAY4, "dave")
        .args(["deploy", "4", "--env", "staging", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(staging.status.success());
    let staging: Value = serde_json::from_slice(&staging.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(staging["deployment"]["id"], 1);
    assert_eq!(staging["deployment"]["environment_kind"], "test");
    assert_eq!(staging["verified"], Value::Array(vec![]));
    assert_eq!(p.status(4), "fixed");
    assert_eq!(p.status(5), "fixed");
    // The old artifact in production does not verify a fix it does not have.
    let old = p.ok(
        DAY4,
        "dave",
        &["deploy", "1", "--env", "prod", "--format", "json"],
    );
    let old: Value = serde_json::from_str(&old).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(old["verified"], Value::Array(vec![]));
    assert_eq!(p.status(4), "fixed");
    let prod = p.ok(
        DAY4,
        "dave",
        &[
            "deploy",
            "4",
            "--env",
            "prod",
            "--backup-confirmed",
            "--maintenance-window",
            "Fri 22:00-23:00 UTC",
            "--format",
            "json",
        ],
    );
    let prod: Value = serde_json::from_str(&prod).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(prod["deployment"]["id"], 3);
    assert_eq!(prod["deployment"]["backup_confirmed"], true);
    assert_eq!(prod["deployment"]["deployed_at"], DAY4);
    let verified: Vec<i64> = prod["verified"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| b["id"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(verified, [4, 5]);
    for id in [4, 5] {
        let f = p.finding(id);
        assert_eq!(f["status"], "verified");
        assert_eq!(f["verified_at"], DAY4);
        assert_eq!(f["verified_deployment_id"], 3);
    }
    assert_eq!(p.ids(DAY4, &["--status", "verified"]), [4, 5]);
    let mut active = range(1, 24);
    active.retain(|id| ![4, 5].contains(id));
    assert_eq!(p.ids(DAY4, &["--status", "active"]), active);

    // The audit log: every change, with who and when.
    let log = p.audit();
    let mut seen: BTreeMap<String, Vec<(i64, String, String)>> = BTreeMap::new();
    for e in &log {
        seen.entry(e["action"].as_str().unwrap_or("").to_string())
            .or_default()
            .push((
                e["entity_id"].as_i64().unwrap_or(-1),
                e["actor"].as_str().unwrap_or("").to_string(),
                e["at"].as_str().unwrap_or("").to_string(),
            ));
    }
    let by = |ids: &[i64], actor: &str, at: &str| -> Vec<(i64, String, String)> {
        ids.iter()
            .map(|id| (*id, actor.to_string(), at.to_string()))
            .collect()
    };
    let mut expected: BTreeMap<String, Vec<(i64, String, String)>> = BTreeMap::new();
    for (action, entries) in [
        ("product.created", by(&[1], "alice", DAY1)),
        ("project.created", by(&[1, 2, 3], "alice", DAY1)),
        (
            "artifact.recorded",
            [by(&[1, 2, 3], "alice", DAY1), by(&[4], "carol", DAY3)].concat(),
        ),
        ("finding.created", by(&range(1, 24), "alice", DAY1)),
        ("finding.triaged", by(&[4], "bob", DAY2)),
        ("patch.created", by(&[1], "bob", DAY2)),
        ("finding.patching", by(&[4], "bob", DAY2)),
        ("finding.fixed", by(&[4, 5], "carol", DAY3)),
        ("environment.created", by(&[1, 2], "dave", DAY4)),
        ("deployment.recorded", by(&[1, 2, 3], "dave", DAY4)),
        ("finding.verified", by(&[4, 5], "dave", DAY4)),
    ] {
        expected.insert(action.to_string(), entries);
    }
    assert_eq!(seen, expected);
    // Entries come in the order they were made, each with its product where it has one.
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap_or(-1)).collect();
    assert_eq!(ids, range(1, log.len() as i64));
    for e in &log {
        let global = e["entity"] == "environment";
        assert_eq!(e["product_id"].is_null(), global, "{e}");
    }
    // What a triage changed, before and after.
    let triaged = log
        .iter()
        .find(|e| e["action"] == "finding.triaged")
        .cloned()
        .unwrap_or_default();
    assert_eq!(triaged["entity"], "finding");
    assert_eq!(triaged["before"]["status"], "open");
    assert_eq!(triaged["after"]["status"], "triaged");
    assert_eq!(
        p.history(4),
        [
            "finding.created",
            "finding.triaged",
            "finding.patching",
            "finding.fixed",
            "finding.verified"
        ]
    );
    let deployment = p.json(
        DAY4,
        &[
            "audit",
            "--entity",
            "deployment",
            "--id",
            "3",
            "--format",
            "json",
        ],
    );
    assert_eq!(deployment.as_array().map(Vec::len), Some(1));
    assert_eq!(deployment[0]["after"]["environment"], "prod");
    assert_eq!(deployment[0]["after"]["artifact_id"], 4);

    // Append-only: the database itself refuses to change or remove entries.
    let count = || sql_count(&p.db, "SELECT COUNT(*) FROM audit_log");
    let before = count();
    assert_eq!(before, log.len() as i64);
    for sql in [
        "UPDATE audit_log SET actor = 'mallory'",
        "UPDATE audit_log SET at = '2000-01-01T00:00:00Z' WHERE action = 'finding.verified'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'finding.triaged'",
    ] {
        let err = sql_column(&p.db, sql)
            .err()
            .unwrap_or_else(|| panic!("{sql} was allowed"));
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    // SQLite has no TRUNCATE; on PostgreSQL it is refused too.
    if p.db.starts_with("postgres") {
        let err = sql_column(&p.db, "TRUNCATE audit_log")
            .err()
            .unwrap_or_else(|| panic!("TRUNCATE was allowed"));
        assert!(err.contains("append-only"), "{err}");
    }
    assert_eq!(count(), before);
    assert_eq!(p.audit(), log, "the entries are unchanged");
}

#[test]
fn whole_process_on_the_demo_portfolio_sqlite() {
    whole_process(&Portfolio::sqlite());
}

#[test]
fn whole_process_on_the_demo_portfolio_postgres() {
    if let Some(p) = Portfolio::postgres() {
        whole_process(&p);
    }
}

// ---------------------------------------------------------------------------------------
// b: regression, risk acceptance expiry, zero-day and withdrawal.
// ---------------------------------------------------------------------------------------

/// Our own advisory for jsonwebtoken 8.5.1 (in storefront), with `extra` fields added.
fn zero_day(modified: &str, extra: &str) -> String {
    format!(
        r#"{{
  "schema_version": "1.6.0",
  "id": "PW-TEST-2026-0001",
  "modified": "{modified}",
  "published": "2026-02-10T08:00:00Z",
  "summary": "Patchwarden test advisory: forged tokens pass verification in jsonwebtoken below 9.0.0",
  "severity": [{{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}],
  "affected": [{{
    "package": {{"ecosystem": "npm", "name": "jsonwebtoken"}},
    "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "9.0.0"}}]}}]
  }}]{extra}
}}"#
    )
}

fn lifecycle_events(p: &Portfolio) {
    let old = p.demo("storefront");
    let new = p.storefront_with_lodash("storefront-fixed", "4.17.11");

    // Regression: lodash leaves with v2 and comes back with v3, under the same finding ids.
    let v1 = p.record(DAY1, "alice", &old, "demo", "storefront", "v1");
    assert_eq!(ids_of(&v1, "new"), range(1, 8));
    let v2 = p.record(DAY2, "bob", &new, "demo", "storefront", "v2");
    assert_eq!(ids_of(&v2, "gone"), [4, 5]);
    assert_eq!(p.status(4), "fixed");
    let v3 = p.record(DAY3, "carol", &old, "demo", "storefront", "v3");
    assert_eq!(v3["previous_artifact_id"], 2);
    assert_eq!(ids_of(&v3, "new"), Vec::<i64>::new());
    assert_eq!(ids_of(&v3, "regressed"), [4, 5]);
    assert_eq!(ids_of(&v3, "gone"), Vec::<i64>::new());
    assert_eq!(ids_of(&v3, "still_open"), [1, 2, 3, 6, 7, 8]);
    for b in v3["regressed"].as_array().into_iter().flatten() {
        assert_eq!(b["status"], "open");
        assert_eq!(b["first_seen"], DAY1, "{b}");
    }
    for id in [4, 5] {
        let f = p.finding(id);
        assert_eq!(f["status"], "open");
        assert_eq!(f["first_seen"], DAY1, "the SLA clock keeps its start");
        assert_eq!(f["last_seen"], DAY3);
        assert_eq!(f["first_artifact_id"], 1);
        assert_eq!(f["last_artifact_id"], 3);
        assert_eq!(f["fixed_at"], Value::Null);
        assert_eq!(f["fixed_artifact_id"], Value::Null);
        assert_eq!(
            f["status_reason"],
            "regression: the vulnerable version came back in artifact 3"
        );
        assert_eq!(
            p.history(id),
            ["finding.created", "finding.fixed", "finding.regressed"]
        );
    }
    let regressed = p
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "finding.regressed")
        .map(|e| (e["entity_id"].clone(), e["actor"].clone(), e["at"].clone()))
        .collect::<Vec<_>>();
    assert_eq!(
        regressed,
        [
            (Value::from(4), Value::from("carol"), Value::from(DAY3)),
            (Value::from(5), Value::from("carol"), Value::from(DAY3))
        ]
    );
    assert_eq!(
        p.ids(DAY3, &[]),
        range(1, 8),
        "no new finding on regression"
    );

    // Risk acceptance: express until 1 February, handlebars until 5 February.
    p.ok(
        DAY3,
        "carol",
        &[
            "findings",
            "accept",
            "1",
            "--approver",
            "CISO",
            "--reason",
            "the WAF drops the request",
            "--expires",
            "2026-02-01",
        ],
    );
    p.ok(
        DAY3,
        "carol",
        &[
            "findings",
            "accept",
            "2",
            "--approver",
            "CISO",
            "--reason",
            "templates are ours",
            "--expires",
            "2026-02-05",
        ],
    );
    let f = p.finding(1);
    assert_eq!(f["status"], "risk_accepted");
    assert_eq!(f["accepted_by"], "CISO");
    assert_eq!(f["accepted_until"], "2026-02-01");
    assert_eq!(f["status_reason"], "the WAF drops the request");
    // An expiry before today is refused, and nothing changes.
    let audit_before = p.audit().len();
    let err = p.fails(
        DAY3,
        &[
            "findings",
            "accept",
            "3",
            "--approver",
            "CISO",
            "--reason",
            "r",
            "--expires",
            "2026-01-14",
        ],
    );
    assert!(
        err.contains("2026-01-14") && err.contains("before today (2026-01-15)"),
        "{err}"
    );
    assert_eq!(p.status(3), "open");
    assert_eq!(p.audit().len(), audit_before);
    // The last day still holds.
    p.ok("2026-02-01T23:59:59Z", "sys", &["reevaluate"]);
    assert_eq!(p.status(1), "risk_accepted");
    // The day after, a re-evaluation reopens it.
    let report = p.json("2026-02-02T00:00:00Z", &["reevaluate", "--format", "json"]);
    assert_eq!(report["projects"], 1);
    assert_eq!(report["findings_updated"], 1, "{report}");
    let f = p.finding(1);
    assert_eq!(f["status"], "open");
    assert_eq!(f["accepted_by"], Value::Null);
    assert_eq!(f["accepted_until"], Value::Null);
    assert_eq!(f["status_reason"], "risk acceptance expired on 2026-02-01");
    assert_eq!(p.status(2), "risk_accepted");
    // A new record after handlebars' expiry reopens it, and lists it as still open.
    let v4 = p.record(
        "2026-02-06T07:00:00Z",
        "erin",
        &old,
        "demo",
        "storefront",
        "v4",
    );
    assert_eq!(ids_of(&v4, "still_open"), range(1, 8));
    assert_eq!(p.status(2), "open");
    assert_eq!(
        p.history(1),
        [
            "finding.created",
            "finding.risk_accepted",
            "finding.acceptance_expired"
        ]
    );
    let expired: Vec<(Value, Value, Value)> = p
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "finding.acceptance_expired")
        .map(|e| (e["entity_id"].clone(), e["actor"].clone(), e["at"].clone()))
        .collect();
    assert_eq!(
        expired,
        [
            (
                Value::from(1),
                Value::from("reader"),
                Value::from("2026-02-02T00:00:00Z")
            ),
            (
                Value::from(2),
                Value::from("erin"),
                Value::from("2026-02-06T07:00:00Z")
            )
        ]
    );

    // Zero-day: an advisory for a version already recorded becomes a finding on import,
    // without a rescan.
    let feed = p.dir.path().join("feed");
    std::fs::create_dir_all(&feed).unwrap_or_else(|e| panic!("{e}"));
    let advisory = feed.join("PW-TEST-2026-0001.json");
    std::fs::write(&advisory, zero_day("2026-02-10T08:00:00Z", ""))
        .unwrap_or_else(|e| panic!("{e}"));
    let imported_at = "2026-02-10T10:00:00Z";
    let artifact_refs = || -> Vec<(Value, Value)> {
        p.json(imported_at, &["artifact", "list", "--format", "json"])
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| (a["id"].clone(), a["ref"].clone()))
            .collect()
    };
    let artifacts_before = artifact_refs();
    let out = p.ok(
        imported_at,
        "feed-bot",
        &["db", "import", &advisory.to_string_lossy()],
    );
    assert!(out.contains("1 new findings"), "{out}");
    let zero = p.list(imported_at, &["--vulnerability", "PW-TEST-2026-0001"]);
    assert_eq!(zero, [9]);
    let f = p.finding(9);
    assert_eq!(f["package"], "jsonwebtoken");
    assert_eq!(f["versions"], serde_json::json!(["8.5.1"]));
    assert_eq!(f["vulnerability_id"], "PW-TEST-2026-0001");
    assert_eq!(f["status"], "open");
    assert_eq!(f["severity"], "High");
    assert_eq!(f["first_seen"], imported_at);
    assert_eq!(f["due"], "2026-03-12");
    assert_eq!(f["first_artifact_id"], 4, "the latest storefront artifact");
    assert_eq!(artifact_refs(), artifacts_before, "no artifact recorded");
    // The latest artifact has the new finding; the older ones are as recorded.
    let artifacts = p.json(imported_at, &["artifact", "list", "--format", "json"]);
    let findings: Vec<i64> = artifacts
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a["findings"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(findings, [9, 8, 6, 8], "artifacts v4, v3, v2, v1");
    let created = p.json(
        imported_at,
        &["audit", "--finding", "9", "--format", "json"],
    );
    assert_eq!(created[0]["action"], "finding.created");
    assert_eq!(created[0]["actor"], "feed-bot");
    assert_eq!(created[0]["at"], imported_at);

    // Withdrawn: the same advisory, later modified and withdrawn, closes the finding.
    let withdrawn_at = "2026-02-12T10:00:00Z";
    std::fs::write(
        &advisory,
        zero_day(
            "2026-02-12T08:00:00Z",
            ",\n  \"withdrawn\": \"2026-02-12T08:00:00Z\"",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = p.ok(
        withdrawn_at,
        "feed-bot",
        &["db", "import", &advisory.to_string_lossy()],
    );
    assert!(out.contains("1 closed"), "{out}");
    let f = p.finding(9);
    assert_eq!(f["status"], "false_positive");
    assert_eq!(f["closed_by_system"], true);
    let reason = f["status_reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("withdrawn") && reason.contains("PW-TEST-2026-0001"),
        "{reason}"
    );
    assert_eq!(p.history(9), ["finding.created", "finding.withdrawn"]);
    // The other findings are untouched.
    assert_eq!(p.ids(withdrawn_at, &["--status", "open"]), range(1, 8));

    // Restored: an update without the withdrawal matches again.
    std::fs::write(&advisory, zero_day("2026-02-14T08:00:00Z", ""))
        .unwrap_or_else(|e| panic!("{e}"));
    p.ok(
        "2026-02-14T10:00:00Z",
        "feed-bot",
        &["db", "import", &advisory.to_string_lossy()],
    );
    let f = p.finding(9);
    assert_eq!(f["status"], "open");
    assert_eq!(f["closed_by_system"], false);
    assert_eq!(f["first_seen"], imported_at);
    assert_eq!(
        p.history(9),
        ["finding.created", "finding.withdrawn", "finding.rematched"]
    );
}

#[test]
fn regression_acceptance_expiry_and_zero_day_sqlite() {
    lifecycle_events(&Portfolio::sqlite());
}

#[test]
fn regression_acceptance_expiry_and_zero_day_postgres() {
    if let Some(p) = Portfolio::postgres() {
        lifecycle_events(&p);
    }
}

// ---------------------------------------------------------------------------------------
// c: the SLA clock starts when the product first had the vulnerability.
// ---------------------------------------------------------------------------------------

fn product_wide_first_seen(p: &Portfolio) {
    let later = "2026-03-01T12:00:00Z";
    let first = p.record(
        DAY1,
        "alice",
        &p.demo("storefront"),
        "demo",
        "storefront",
        "v1",
    );
    assert_eq!(ids_of(&first, "new"), range(1, 8));
    // The same lockfile in a second project of the product, seven weeks later.
    let admin = p.project("storefront", "admin", str::to_string);
    let second = p.record(later, "alice", &admin, "demo", "admin", "a1");
    assert_eq!(ids_of(&second, "new"), range(9, 16));
    for b in second["new"].as_array().into_iter().flatten() {
        let severity = b["severity"].as_str().unwrap_or("");
        assert_eq!(b["first_seen"], DAY1, "{b}");
        assert_eq!(b["due"], due_from_day1(severity), "{b}");
    }
    let f = p.finding(9 + 5);
    assert_eq!(
        (f["project"].as_str(), f["package"].as_str()),
        (Some("admin"), Some("qs"))
    );
    assert_eq!(f["first_seen"], DAY1);
    assert_eq!(f["last_seen"], later);
    // Already overdue in the new project: qs and ws (High, due 9 February).
    assert_eq!(
        p.ids(
            later,
            &["--product", "demo", "--project", "admin", "--overdue"]
        ),
        [14, 16]
    );
    // Another product starts its own clock.
    let other = p.record(later, "alice", &admin, "other", "admin", "a1");
    assert_eq!(ids_of(&other, "new"), range(17, 24));
    for b in other["new"].as_array().into_iter().flatten() {
        assert_eq!(b["first_seen"], later, "{b}");
    }
    assert_eq!(p.finding(17 + 5)["due"], "2026-03-31");
    assert_eq!(
        p.ids(later, &["--product", "other", "--overdue"]),
        Vec::<i64>::new()
    );
}

#[test]
fn first_seen_is_product_wide_sqlite() {
    product_wide_first_seen(&Portfolio::sqlite());
}

#[test]
fn first_seen_is_product_wide_postgres() {
    if let Some(p) = Portfolio::postgres() {
        product_wide_first_seen(&p);
    }
}

// ---------------------------------------------------------------------------------------
// d: findings list filters.
// ---------------------------------------------------------------------------------------

fn filters(p: &Portfolio) {
    p.record_demo();
    // billing-api again in another product, three weeks later: findings 25-33.
    let other_day = "2026-02-01T09:00:00Z";
    let billing = p.project("billing-api", "billing-copy", str::to_string);
    let other = p.record(other_day, "alice", &billing, "other", "billing-api", "b1");
    assert_eq!(ids_of(&other, "new"), range(25, 33));
    // h2's CVE enters our KEV catalogue with a due date of 20 January; the import
    // re-evaluates the portfolio.
    let kev = p.dir.path().join("kev.json");
    std::fs::write(
        &kev,
        r#"{"title": "Patchwarden test KEV", "catalogVersion": "2026.01.11",
            "dateReleased": "2026-01-11T00:00:00Z", "count": 1,
            "vulnerabilities": [{"cveID": "CVE-2023-26964", "vendorProject": "hyperium",
              "product": "h2", "vulnerabilityName": "h2 stream reset flood",
              "dateAdded": "2026-01-11", "shortDescription": "made up for a test",
              "requiredAction": "upgrade", "dueDate": "2026-01-20",
              "knownRansomwareCampaignUse": "Unknown", "notes": ""}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    p.ok(
        other_day,
        "feed-bot",
        &["db", "import", "--kind", "kev", &kev.to_string_lossy()],
    );
    let h2 = p.finding(20);
    assert_eq!(h2["kev"], true);
    assert_eq!(h2["due"], "2026-01-20");
    // Decisions: qs triaged, ws accepted, cryptography not affected.
    p.ok(DAY2, "bob", &["findings", "triage", "6"]);
    p.ok(
        DAY2,
        "bob",
        &[
            "findings",
            "accept",
            "8",
            "--approver",
            "CISO",
            "--reason",
            "internal only",
            "--expires",
            "2026-12-31",
        ],
    );
    p.ok(
        DAY2,
        "bob",
        &[
            "findings",
            "not-affected",
            "13",
            "--reason",
            "vulnerable_code_not_in_execute_path",
        ],
    );

    let today = "2026-01-13T00:00:00Z";
    // --product
    assert_eq!(p.ids(today, &["--product", "demo"]), range(1, 24));
    assert_eq!(p.ids(today, &["--product", "other"]), range(25, 33));
    assert_eq!(p.ids(today, &[]), range(1, 33));
    assert_eq!(
        p.ids(today, &["--product", "demo", "--project", "billing-api"]),
        range(9, 17)
    );
    assert_eq!(
        p.ids(today, &["--project", "billing-api"]),
        [range(9, 17), range(25, 33)].concat()
    );
    // --severity, repeatable, any case.
    assert_eq!(
        p.ids(today, &["--product", "demo", "--severity", "critical"]),
        [9, 10, 11, 12, 22]
    );
    assert_eq!(
        p.ids(today, &["--severity", "CRITICAL"]),
        [9, 10, 11, 12, 22, 25, 26, 27, 28]
    );
    assert_eq!(
        p.ids(
            today,
            &[
                "--product",
                "demo",
                "--severity",
                "low",
                "--severity",
                "medium"
            ]
        ),
        [1, 2, 3, 4, 5, 7, 17, 18, 19, 23]
    );
    // --status, repeatable; `active` is open, triaged and patching.
    assert_eq!(p.ids(today, &["--status", "triaged"]), [6]);
    assert_eq!(p.ids(today, &["--status", "risk-accepted"]), [8]);
    assert_eq!(
        p.ids(today, &["--status", "not_affected", "--status", "Triaged"]),
        [6, 13]
    );
    let mut active = range(1, 24);
    active.retain(|id| ![8, 13].contains(id));
    assert_eq!(
        p.ids(today, &["--product", "demo", "--status", "active"]),
        active
    );
    assert_eq!(
        p.ids(today, &["--product", "demo", "--status", "open"]),
        active
            .iter()
            .copied()
            .filter(|id| *id != 6)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        p.ids(today, &["--severity", "high", "--status", "triaged"]),
        [6]
    );
    // --kev
    assert_eq!(p.ids(today, &["--kev"]), [20]);
    assert_eq!(
        p.ids(today, &["--kev", "--product", "other"]),
        Vec::<i64>::new()
    );
    // --overdue: active findings whose due date is before today.
    assert_eq!(p.ids(today, &["--overdue"]), Vec::<i64>::new());
    assert_eq!(
        p.ids("2026-01-20T23:00:00Z", &["--overdue"]),
        Vec::<i64>::new()
    );
    assert_eq!(p.ids("2026-01-21T00:00:00Z", &["--overdue"]), [20]);
    assert_eq!(p.ids("2026-01-21T00:00:00Z", &["--overdue", "--kev"]), [20]);
    assert_eq!(
        p.ids("2026-02-09T12:00:00Z", &["--overdue"]),
        [20],
        "due on the 9th is not overdue on the 9th"
    );
    let overdue = [6, 9, 10, 11, 12, 14, 15, 16, 20, 21, 22, 24];
    assert_eq!(
        p.ids("2026-02-10T00:00:00Z", &["--overdue", "--product", "demo"]),
        overdue
    );
    // The other product's clock started on 1 February: its High and Critical are due 3 March.
    assert_eq!(p.ids("2026-02-10T00:00:00Z", &["--overdue"]), overdue);
    assert_eq!(
        p.ids("2026-03-04T00:00:00Z", &["--overdue", "--product", "other"]),
        range(25, 32)
    );
    assert_eq!(
        p.ids(
            "2026-02-10T00:00:00Z",
            &["--overdue", "--severity", "critical", "--product", "demo"]
        ),
        [9, 10, 11, 12, 22]
    );
    // The JSON says which are overdue; the most urgent come first (KEV due date first).
    let listed = p.json(
        "2026-02-10T00:00:00Z",
        &["findings", "list", "--product", "demo", "--format", "json"],
    );
    assert_eq!(listed[0]["id"], 20);
    let flagged: Vec<i64> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["overdue"] == true)
        .map(|f| f["id"].as_i64().unwrap_or(-1))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(flagged, overdue);
}

#[test]
fn findings_list_filters_sqlite() {
    filters(&Portfolio::sqlite());
}

#[test]
fn findings_list_filters_postgres() {
    if let Some(p) = Portfolio::postgres() {
        filters(&p);
    }
}

// ---------------------------------------------------------------------------------------
// f: bad input is a one-line error with exit 2, and changes nothing.
// ---------------------------------------------------------------------------------------

fn bad_input(p: &Portfolio) {
    let sf = p.demo("storefront");
    p.record(DAY1, "alice", &sf, "demo", "storefront", "v1");
    p.ok(
        DAY1,
        "alice",
        &["env", "add", "prod", "--kind", "production"],
    );
    p.ok(DAY1, "alice", &["findings", "triage", "4"]);
    let state = || {
        (
            p.audit(),
            p.json(DAY2, &["findings", "list", "--format", "json"]),
            p.json(DAY2, &["artifact", "list", "--format", "json"]),
            p.json(DAY2, &["env", "list", "--format", "json"]),
            p.json(DAY2, &["exception", "list", "--format", "json"]),
            p.json(DAY2, &["project", "list", "--format", "json"]),
        )
    };
    let before = state();
    let missing = p
        .dir
        .path()
        .join("no-such-dir")
        .to_string_lossy()
        .into_owned();
    let cases: &[(&[&str], &str)] = &[
        (&["findings", "triage", "999"], "no finding 999"),
        (&["findings", "show", "999"], "no finding 999"),
        (
            &["findings", "patch", "998", "--version", "1.0.0"],
            "no finding 998",
        ),
        (
            &["findings", "triage", "4"],
            "cannot triage a finding that is triaged",
        ),
        (
            &[
                "exception",
                "add",
                "--product",
                "nope",
                "--id",
                "CVE-2018-16487",
                "--reason",
                "r",
                "--approver",
                "a",
                "--expires",
                "2027-01-01",
            ],
            "no product named nope",
        ),
        (
            &[
                "exception",
                "add",
                "--product",
                "demo",
                "--project",
                "nope",
                "--id",
                "CVE-2018-16487",
                "--reason",
                "r",
                "--approver",
                "a",
                "--expires",
                "2027-01-01",
            ],
            "no project nope in product demo",
        ),
        (&["product", "set-policy", "nope"], "no product named nope"),
        (
            &["deploy", "1", "--env", "nope"],
            "no environment named nope",
        ),
        (&["deploy", "999", "--env", "prod"], "no artifact 999"),
        (
            &["deploy", "1", "--env", "prod", "--at", "yesterday"],
            "--at yesterday",
        ),
        (
            &["env", "add", "prod", "--kind", "production"],
            "environment prod exists already",
        ),
        (&["env", "add", "qa", "--kind", "staging"], "--kind staging"),
        (
            &["findings", "list", "--status", "closed"],
            "--status closed",
        ),
        (
            &["findings", "list", "--severity", "severe"],
            "--severity severe",
        ),
        (
            &[
                "findings",
                "accept",
                "5",
                "--approver",
                "CISO",
                "--reason",
                "r",
                "--expires",
                "2026-02-30",
            ],
            "--expires 2026-02-30",
        ),
        (
            &[
                "findings",
                "accept",
                "5",
                "--approver",
                "CISO",
                "--reason",
                "r",
                "--expires",
                "next week",
            ],
            "--expires next week",
        ),
        (
            &[
                "findings",
                "accept",
                "5",
                "--approver",
                " ",
                "--reason",
                "r",
                "--expires",
                "2026-12-31",
            ],
            "needs an approver",
        ),
        (
            &[
                "exception",
                "add",
                "--product",
                "demo",
                "--id",
                "CVE-2018-16487",
                "--reason",
                "r",
                "--approver",
                "a",
                "--expires",
                "31/12/2026",
            ],
            "--expires 31/12/2026",
        ),
        (
            &["findings", "patch", "4", "--state", "done"],
            "patch state done",
        ),
        (
            &[
                "scan",
                &missing,
                "--record",
                "--product",
                "demo",
                "--project",
                "storefront",
            ],
            "no-such-dir",
        ),
    ];
    for (args, needle) in cases {
        let err = p.fails(DAY2, args);
        assert!(
            err.contains(needle),
            "{args:?}: {err:?} does not name {needle:?}"
        );
    }
    assert!(before == state(), "a refused command changed something");
}

#[test]
fn bad_input_is_refused_and_changes_nothing_sqlite() {
    bad_input(&Portfolio::sqlite());
}

#[test]
fn bad_input_is_refused_and_changes_nothing_postgres() {
    if let Some(p) = Portfolio::postgres() {
        bad_input(&p);
    }
}

// ---------------------------------------------------------------------------------------
// Product bugs, shown by tests that fail until they are fixed.
// ---------------------------------------------------------------------------------------

#[test]
fn vulnerability_filter_finds_ids_with_underscores() {
    let p = Portfolio::sqlite();
    p.record(
        DAY1,
        "alice",
        &p.demo("storefront"),
        "demo",
        "storefront",
        "v1",
    );
    assert_eq!(p.ids(DAY1, &["--vulnerability", "CVE-2018-16487"]), [4]);
    // ws's finding is shown under this very id.
    assert_eq!(p.ids(DAY1, &["--vulnerability", "x_NSWG-ECO-120"]), [8]);
    // lodash's is stored with this alias.
    assert_eq!(p.ids(DAY1, &["--vulnerability", "x_NSWG-ECO-493"]), [4]);
}

#[test]
fn artifact_show_lists_only_what_the_artifact_had() {
    let p = Portfolio::sqlite();
    let old = p.demo("storefront");
    let new = p.storefront_with_lodash("storefront-fixed", "4.17.21");
    p.record(DAY1, "alice", &old, "demo", "storefront", "v1");
    p.record(DAY2, "alice", &new, "demo", "storefront", "v2");
    p.record(DAY3, "alice", &old, "demo", "storefront", "v3");
    let shown = p.json(DAY3, &["artifact", "show", "2", "--format", "json"]);
    assert_eq!(shown["artifact"]["findings"], 6);
    let mut listed: Vec<i64> = shown["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["id"].as_i64().unwrap_or(-1))
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [1, 2, 3, 6, 7, 8],
        "v2 has lodash 4.17.21: findings 4 and 5 are not its findings"
    );
}

#[test]
fn listing_an_unknown_product_is_an_error() {
    let p = Portfolio::sqlite();
    p.record(
        DAY1,
        "alice",
        &p.demo("storefront"),
        "demo",
        "storefront",
        "v1",
    );
    let err = p.fails(DAY1, &["findings", "list", "--product", "dmeo"]);
    assert!(err.contains("dmeo"), "{err}");
    let err = p.fails(DAY1, &["artifact", "list", "--product", "dmeo"]);
    assert!(err.contains("dmeo"), "{err}");
}
