//! `scan --record` from several processes at once, and killed in the middle: no record is
//! lost or half written, on SQLite and (when `PATCHWARDEN_TEST_POSTGRES_URL` is set)
//! PostgreSQL.
//!
//! The concurrent tests record juice-shop's package-lock.json (about 1,300 components, from
//! the shared data; skipped with a message without it) against the demo advisories, so that
//! every transaction writes enough to overlap with the others. Against the demo advisories it
//! has four findings.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const NOW: &str = "2026-01-10T09:00:00Z";

/// juice-shop's findings against the demo advisories: (package, vulnerability).
const JUICE_SHOP_FINDINGS: [(&str, &str); 4] = [
    ("jsonwebtoken", "x_NSWG-ECO-17"),
    ("lodash", "CVE-2018-16487"),
    ("lodash", "CVE-2018-3721"),
    ("moment", "CVE-2016-4055"),
];

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("patchwarden")
}

/// A plain process of the binary on `db`, at NOW, with nothing inherited that changes it.
fn process(db: &str) -> Command {
    let mut cmd = Command::new(binary());
    cmd.env_remove("PATCHWARDEN_DATABASE")
        .env_remove("PATCHWARDEN_ACTOR")
        .env_remove("PATCHWARDEN_TEST_PAUSE_IN_RECORD_MS")
        .env("PATCHWARDEN_NOW", NOW)
        .args(["--database", db]);
    cmd
}

fn import_demo_advisories(db: &str) {
    pw(db)
        .env("PATCHWARDEN_NOW", NOW)
        .args(["db", "import"])
        .arg(repo_root().join("examples/advisories"))
        .assert()
        .success();
}

/// juice-shop's lockfile in `dir/juice-shop`, or `None` (with a message) without the shared
/// data.
fn juice_shop(dir: &Path) -> Option<PathBuf> {
    let data = shared_data()?;
    let project = dir.join("juice-shop");
    std::fs::create_dir_all(&project).unwrap_or_else(|e| panic!("{e}"));
    extract_lockfile(
        &data,
        "juice-shop__package-lock.v3.json",
        &project,
        "package-lock.json",
    );
    Some(project)
}

/// One `scan --record` to make.
#[derive(Clone, Debug)]
struct Job {
    product: String,
    project: String,
    artifact: String,
}

/// What a finished record said.
#[derive(Clone, Debug)]
struct Recorded {
    job: Job,
    artifact_id: i64,
    previous: Option<i64>,
    new: usize,
}

/// Records `path` once as `job` in its own process; `Err` with the exit and stderr on failure.
fn record(db: &str, path: &Path, job: &Job, actor: &str) -> Result<Recorded, String> {
    let out = process(db)
        .args(["--actor", actor, "scan"])
        .arg(path)
        .args([
            "--record",
            "--product",
            &job.product,
            "--project",
            &job.project,
            "--artifact",
            &job.artifact,
            "--format",
            "json",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{job:?}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let doc: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("{job:?}: {e}"))?;
    let r = &doc["record"];
    Ok(Recorded {
        job: job.clone(),
        artifact_id: r["artifact_id"]
            .as_i64()
            .ok_or_else(|| format!("{job:?}: no artifact id in {r}"))?,
        previous: r["previous_artifact_id"].as_i64(),
        new: r["new"].as_array().map_or(0, Vec::len),
    })
}

/// Runs every worker's jobs in order, the workers side by side (each in a thread that starts
/// its processes one after the other); every result, or the first failure.
fn run_workers(db: &str, path: &Path, workers: Vec<Vec<Job>>) -> Vec<Recorded> {
    let start = Arc::new(Barrier::new(workers.len()));
    let handles: Vec<_> = workers
        .into_iter()
        .enumerate()
        .map(|(n, jobs)| {
            let (db, path, start) = (db.to_string(), path.to_path_buf(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                jobs.iter()
                    .map(|job| record(&db, &path, job, &format!("worker-{n}")))
                    .collect::<Result<Vec<_>, String>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        match h.join() {
            Ok(Ok(done)) => all.extend(done),
            Ok(Err(e)) => panic!("a concurrent record failed: {e}"),
            Err(_) => panic!("a worker thread panicked"),
        }
    }
    all
}

fn jobs(worker: &str, plan: &[(&str, &str)], n: usize) -> Vec<Job> {
    (0..n)
        .map(|i| {
            let (product, project) = plan[i % plan.len()];
            Job {
                product: product.into(),
                project: project.into(),
                artifact: format!("{worker}-{i}"),
            }
        })
        .collect()
}

fn json(db: &str, args: &[&str]) -> Value {
    json_stdout(pw(db).env("PATCHWARDEN_NOW", NOW).args(args))
}

/// Checks that the database holds exactly what `done` recorded: every artifact with its
/// components and findings, each project's four findings once, the records of one project
/// one after the other, and an audit entry for each.
fn check_nothing_lost(db: &str, done: &[Recorded]) {
    let mut per_project: BTreeMap<(String, String), Vec<&Recorded>> = BTreeMap::new();
    for r in done {
        per_project
            .entry((r.job.product.clone(), r.job.project.clone()))
            .or_default()
            .push(r);
    }
    let products: BTreeSet<&String> = per_project.keys().map(|(p, _)| p).collect();

    // Artifacts: one per record, each with all its components and its four findings.
    let artifacts = json(db, &["artifact", "list", "--format", "json"]);
    let artifacts = artifacts.as_array().cloned().unwrap_or_default();
    assert_eq!(artifacts.len(), done.len(), "artifacts recorded");
    let mut recorded_ids: Vec<i64> = done.iter().map(|r| r.artifact_id).collect();
    recorded_ids.sort();
    let mut listed_ids: Vec<i64> = artifacts
        .iter()
        .map(|a| a["id"].as_i64().unwrap_or(-1))
        .collect();
    listed_ids.sort();
    assert_eq!(listed_ids, recorded_ids);
    let components = artifacts[0]["components"].as_i64().unwrap_or(0);
    assert!(components > 1000, "{components} components in juice-shop?");
    for a in &artifacts {
        assert_eq!(a["components"], components, "{a}");
        assert_eq!(a["findings"], 4, "{a}");
        let id = a["id"].as_i64().unwrap_or(-1);
        let r = done
            .iter()
            .find(|r| r.artifact_id == id)
            .unwrap_or_else(|| panic!("artifact {id} recorded by nobody"));
        assert_eq!(a["ref"], r.job.artifact.as_str());
        assert_eq!(a["product"], r.job.product.as_str());
        assert_eq!(a["project"], r.job.project.as_str());
    }

    // Each project's records came one after the other: each saw the one before as its
    // previous artifact, and only the first created findings.
    for ((product, project), records) in &per_project {
        let mut records = records.clone();
        records.sort_by_key(|r| r.artifact_id);
        let mut previous = None;
        for r in &records {
            assert_eq!(
                r.previous, previous,
                "{product}/{project}: artifact {} saw {:?} as previous",
                r.artifact_id, r.previous
            );
            assert_eq!(
                r.new,
                if previous.is_none() { 4 } else { 0 },
                "{product}/{project} artifact {}",
                r.artifact_id
            );
            previous = Some(r.artifact_id);
        }
    }

    // Findings: juice-shop's four in every project, once, open.
    let findings = json(db, &["findings", "list", "--format", "json"]);
    let findings = findings.as_array().cloned().unwrap_or_default();
    let mut keys: Vec<(String, String, String, String)> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["status"], "open", "{f}");
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                s("product"),
                s("project"),
                s("package"),
                s("vulnerability_id"),
            )
        })
        .collect();
    keys.sort();
    let mut expected: Vec<(String, String, String, String)> = per_project
        .keys()
        .flat_map(|(product, project)| {
            JUICE_SHOP_FINDINGS.iter().map(move |(package, vuln)| {
                (
                    product.clone(),
                    project.clone(),
                    package.to_string(),
                    vuln.to_string(),
                )
            })
        })
        .collect();
    expected.sort();
    assert_eq!(keys, expected);

    // Rows behind them.
    let total = done.len() as i64;
    let per_artifact = sql_count(
        db,
        &format!(
            "SELECT COUNT(*) FROM artifact_components WHERE artifact_id = {}",
            recorded_ids[0]
        ),
    );
    assert_eq!(
        sql_count(db, "SELECT COUNT(*) FROM artifact_components"),
        total * per_artifact
    );
    assert_eq!(
        sql_count(db, "SELECT COUNT(*) FROM components"),
        sql_count(
            db,
            &format!(
                "SELECT COUNT(DISTINCT component_id) FROM artifact_components WHERE artifact_id = {}",
                recorded_ids[0]
            )
        ),
        "each package version stored once, however many artifacts hold it"
    );
    assert_eq!(
        sql_count(db, "SELECT COUNT(*) FROM artifact_findings"),
        total * 4
    );
    assert_eq!(sql_count(db, "SELECT COUNT(*) FROM scans"), total);

    // The audit log has every change once.
    let audit = json(db, &["audit", "--format", "json"]);
    let mut actions: BTreeMap<String, usize> = BTreeMap::new();
    for e in audit.as_array().into_iter().flatten() {
        *actions
            .entry(e["action"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("product.created", products.len()),
        ("project.created", per_project.len()),
        ("artifact.recorded", done.len()),
        ("finding.created", per_project.len() * 4),
    ]
    .into_iter()
    .map(|(a, n)| (a.to_string(), n))
    .collect();
    assert_eq!(actions, expected);
}

#[test]
fn two_processes_recording_into_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let Some(project) = juice_shop(dir.path()) else {
        return;
    };
    let db = dir.path().join("pw.db").to_string_lossy().into_owned();
    import_demo_advisories(&db);
    let started = Instant::now();
    // Each worker alternates between its own project and one they share.
    let done = run_workers(
        &db,
        &project,
        vec![
            jobs("a", &[("shop", "web"), ("shop", "shared")], 10),
            jobs("b", &[("shop", "api"), ("shop", "shared")], 10),
        ],
    );
    eprintln!("20 records by 2 processes at once: {:?}", started.elapsed());
    check_nothing_lost(&db, &done);
    assert_eq!(
        sql_column(&db, "PRAGMA integrity_check"),
        Ok(vec!["ok".to_string()])
    );
}

#[test]
fn four_processes_recording_into_postgres() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let Some(project) = juice_shop(dir.path()) else {
        return;
    };
    let Some(db) = fresh_postgres_url() else {
        return;
    };
    import_demo_advisories(&db);
    let started = Instant::now();
    // Two share a project, one has its own in the same product, and one writes the same
    // packages into another product (which does not wait for the first product's lock).
    let done = run_workers(
        &db,
        &project,
        vec![
            jobs("a", &[("shop", "web")], 10),
            jobs("b", &[("shop", "shared")], 10),
            jobs("c", &[("shop", "shared")], 10),
            jobs("d", &[("tools", "shared")], 10),
        ],
    );
    eprintln!("40 records by 4 processes at once: {:?}", started.elapsed());
    check_nothing_lost(&db, &done);
}

// ---------------------------------------------------------------------------------------
// SIGKILL inside the record transaction.
// ---------------------------------------------------------------------------------------

/// Counts that a killed record must leave as they were.
fn counts(db: &str) -> BTreeMap<&'static str, i64> {
    [
        ("products", "SELECT COUNT(*) FROM products"),
        ("projects", "SELECT COUNT(*) FROM projects"),
        ("artifacts", "SELECT COUNT(*) FROM artifacts"),
        ("components", "SELECT COUNT(*) FROM components"),
        (
            "artifact_components",
            "SELECT COUNT(*) FROM artifact_components",
        ),
        (
            "artifact_findings",
            "SELECT COUNT(*) FROM artifact_findings",
        ),
        ("findings", "SELECT COUNT(*) FROM findings"),
        ("scans", "SELECT COUNT(*) FROM scans"),
        ("audit_log", "SELECT COUNT(*) FROM audit_log"),
    ]
    .into_iter()
    .map(|(name, sql)| (name, sql_count(db, sql)))
    .collect()
}

/// Rows pointing at something that is not there.
fn orphans(db: &str) -> Vec<(&'static str, i64)> {
    [
        (
            "artifact_components without artifact",
            "SELECT COUNT(*) FROM artifact_components WHERE artifact_id NOT IN (SELECT id FROM artifacts)",
        ),
        (
            "artifact_components without component",
            "SELECT COUNT(*) FROM artifact_components WHERE component_id NOT IN (SELECT id FROM components)",
        ),
        (
            "artifact_findings without artifact",
            "SELECT COUNT(*) FROM artifact_findings WHERE artifact_id NOT IN (SELECT id FROM artifacts)",
        ),
        (
            "artifacts without project",
            "SELECT COUNT(*) FROM artifacts WHERE project_id NOT IN (SELECT id FROM projects)",
        ),
        (
            "audit entries of missing artifacts",
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'artifact' AND entity_id NOT IN (SELECT id FROM artifacts)",
        ),
        (
            "audit entries of missing projects",
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND entity_id NOT IN (SELECT id FROM projects)",
        ),
    ]
    .into_iter()
    .map(|(name, sql)| (name, sql_count(db, sql)))
    .filter(|(_, n)| *n != 0)
    .collect()
}

/// A copy of the demo storefront in `dir/name`, with lodash at `lodash`.
fn storefront(dir: &Path, name: &str, lodash: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap_or_else(|e| panic!("{e}"));
    let from = repo_root().join("examples/portfolio/storefront");
    let lock =
        std::fs::read_to_string(from.join("package-lock.json")).unwrap_or_else(|e| panic!("{e}"));
    let edited = lock.replace(
        "\"version\": \"4.17.4\"",
        &format!("\"version\": \"{lodash}\""),
    );
    std::fs::write(to.join("package-lock.json"), edited).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(from.join("package.json"), to.join("package.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    to
}

fn sigkill_during_record(db: &str, dir: &Path) {
    import_demo_advisories(db);
    let first = storefront(dir, "storefront", "4.17.4");
    let before_job = Job {
        product: "shop".into(),
        project: "storefront".into(),
        artifact: "v1".into(),
    };
    let v1 = record(db, &first, &before_job, "alice").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v1.new, 8);
    let before = counts(db);
    assert_eq!(before["artifacts"], 1);

    // Into a new project, with a package version the database does not hold yet: the killed
    // transaction has created a project, an artifact, a component, its rows and a scan.
    let second = storefront(dir, "checkout", "4.17.21");
    let mut child = process(db)
        .env("PATCHWARDEN_TEST_PAUSE_IN_RECORD_MS", "30000")
        .args(["--actor", "killed", "scan"])
        .arg(&second)
        .args([
            "--record",
            "--product",
            "shop",
            "--project",
            "checkout",
            "--artifact",
            "doomed",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line == "patchwarden: test pause inside the record transaction" {
                let _ = tx.send(());
            }
            seen.push(line);
        }
        seen
    });
    let paused = rx.recv_timeout(Duration::from_secs(60));
    // Child::kill sends SIGKILL on Unix.
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    let said = reader.join().unwrap_or_default();
    assert!(paused.is_ok(), "the record never paused; stderr: {said:?}");
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }

    // Nothing of the killed record is there, and nothing points at it.
    assert_eq!(counts(db), before);
    assert_eq!(orphans(db), Vec::<(&str, i64)>::new());
    let artifacts = json(db, &["artifact", "list", "--format", "json"]);
    assert_eq!(artifacts.as_array().map(Vec::len), Some(1));
    assert_eq!(artifacts[0]["ref"], "v1");
    let projects = json(db, &["project", "list", "--format", "json"]);
    assert_eq!(projects.as_array().map(Vec::len), Some(1), "{projects}");
    if !db.starts_with("postgres") {
        assert_eq!(
            sql_column(db, "PRAGMA integrity_check"),
            Ok(vec!["ok".to_string()])
        );
        assert_eq!(sql_column(db, "PRAGMA foreign_key_check"), Ok(Vec::new()));
    }

    // The next record works (on PostgreSQL: the killed session's locks are gone).
    let again = Job {
        product: "shop".into(),
        project: "checkout".into(),
        artifact: "c1".into(),
    };
    let started = Instant::now();
    let c1 = record(db, &second, &again, "bob").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the next record waited {:?}",
        started.elapsed()
    );
    assert_eq!(c1.previous, None);
    assert_eq!(c1.new, 6, "storefront without its two lodash findings");
    let v2 = record(
        db,
        &second,
        &Job {
            product: "shop".into(),
            project: "storefront".into(),
            artifact: "v2".into(),
        },
        "bob",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v2.previous, Some(v1.artifact_id));
    let after = counts(db);
    assert_eq!(after["artifacts"], 3);
    assert_eq!(after["projects"], 2);
    assert_eq!(
        after["components"],
        before["components"] + 1,
        "lodash 4.17.21"
    );
    assert_eq!(after["findings"], 8 + 6);
    assert_eq!(orphans(db), Vec::<(&str, i64)>::new());
    let killed: Vec<Value> = json(db, &["audit", "--format", "json"])
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["actor"] == "killed")
        .cloned()
        .collect();
    assert!(killed.is_empty(), "{killed:?}");
    if !db.starts_with("postgres") {
        assert_eq!(
            sql_column(db, "PRAGMA integrity_check"),
            Ok(vec!["ok".to_string()])
        );
    }
}

#[test]
fn sigkill_during_scan_record_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db").to_string_lossy().into_owned();
    sigkill_during_record(&db, dir.path());
}

#[test]
fn sigkill_during_scan_record_on_postgres() {
    let Some(db) = fresh_postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    sigkill_during_record(&db, dir.path());
}

// ---------------------------------------------------------------------------------------
// Product bug, shown by a test that fails until it is fixed.
// ---------------------------------------------------------------------------------------

#[test]
fn processes_starting_on_a_new_sqlite_file_at_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = storefront(dir.path(), "storefront", "4.17.4");
    for round in 0..6 {
        let db = dir
            .path()
            .join(format!("round-{round}.db"))
            .to_string_lossy()
            .into_owned();
        let children: Vec<_> = (0..3)
            .map(|k| {
                process(&db)
                    .args(["-q", "scan"])
                    .arg(&project)
                    .args([
                        "--record",
                        "--product",
                        "shop",
                        "--project",
                        &format!("p{k}"),
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                out.status.success(),
                "round {round}: exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(
            sql_count(&db, "SELECT COUNT(*) FROM artifacts"),
            3,
            "round {round}"
        );
    }
}
