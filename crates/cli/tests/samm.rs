//! The SAMM self-assessment and process reviews through the binary, on a portfolio seeded
//! with the demo advisories and projects at known times (`PATCHWARDEN_NOW`), every figure
//! worked out by hand below. SQLite always; PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL`
//! is set.
//!
//! The story: on 2026-01-10 the demo advisories are imported and storefront, billing-api
//! and edge-proxy recorded (findings 1-24, as in tests/portfolio.rs; 8 (ws, High) and 18
//! (atty, Low) have no fixed version, none is in KEV). On 01-20 storefront is rescanned with
//! lodash 4.17.21: findings 4 and 5 are fixed on time. On 01-21 finding 8 is risk-accepted
//! by the CISO until 06-30 and a patch of finding 9 is planned. On 02-12 edge-proxy is
//! rescanned unchanged; on 02-14 the advisories are imported again. Process reviews were held
//! on 2025-01-15, 2025-06-01, 2025-11-20 and 2026-02-10. The report is made on 2026-02-15.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const DAY1: &str = "2026-01-10T09:00:00Z";
const FIX_DAY: &str = "2026-01-20T10:00:00Z";
const DECIDE_DAY: &str = "2026-01-21T11:00:00Z";
const RESCAN_DAY: &str = "2026-02-12T07:00:00Z";
const IMPORT_DAY: &str = "2026-02-14T08:00:00Z";
const REPORT: &str = "2026-02-15T12:00:00Z";

struct Seeded {
    dir: tempfile::TempDir,
    db: String,
}

impl Seeded {
    fn cmd(&self, now: &str) -> assert_cmd::Command {
        let mut cmd = pw(&self.db);
        cmd.env("PATCHWARDEN_NOW", now).args(["--actor", "alice"]);
        cmd
    }

    fn ok(&self, now: &str, args: &[&str]) -> String {
        let out = self
            .cmd(now)
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

    fn json(&self, now: &str, args: &[&str]) -> Value {
        let text = self.ok(now, args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Fails with exit 2 and one line on stderr naming the problem; the line.
    fn fails(&self, now: &str, args: &[&str]) -> String {
        let out = self
            .cmd(now)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        stderr
    }

    /// A copy of a demo project, with `edit` applied to each file's text.
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

    fn record(&self, now: &str, path: &Path, project: &str, artifact: &str) {
        self.ok(
            now,
            &[
                "scan",
                &path.to_string_lossy(),
                "--record",
                "--product",
                "demo",
                "--project",
                project,
                "--artifact",
                artifact,
                "--format",
                "json",
            ],
        );
    }

    fn seed(dir: tempfile::TempDir, db: String) -> Seeded {
        let s = Seeded { dir, db };
        let advisories = repo_root().join("examples/advisories");
        s.ok(DAY1, &["db", "import", &advisories.to_string_lossy()]);
        for name in ["storefront", "billing-api", "edge-proxy"] {
            let path = s.project(name, name, str::to_string);
            s.record(DAY1, &path, name, "v1");
        }
        let fixed = s.project("storefront", "storefront-v2", |text| {
            text.replace("\"version\": \"4.17.4\"", "\"version\": \"4.17.21\"")
        });
        s.record(FIX_DAY, &fixed, "storefront", "v2");
        s.ok(
            DECIDE_DAY,
            &[
                "findings",
                "accept",
                "8",
                "--approver",
                "CISO",
                "--reason",
                "the WebSocket endpoint is not exposed",
                "--expires",
                "2026-06-30",
            ],
        );
        s.ok(
            DECIDE_DAY,
            &["findings", "patch", "9", "--version", "3.2.14"],
        );
        let edge = s.project("edge-proxy", "edge-proxy-v2", str::to_string);
        s.record(RESCAN_DAY, &edge, "edge-proxy", "v2");
        s.ok(IMPORT_DAY, &["db", "import", &advisories.to_string_lossy()]);
        for (day, summary, changes) in [
            ("2025-01-15", "Kick-off", None),
            (
                "2025-06-01",
                "Patch windows clash with releases",
                Some("patch window moved to Tuesdays"),
            ),
            ("2025-11-20", "Triage takes too long", None),
            (
                "2026-02-10",
                "Developers want fix advice in pull requests",
                Some("markdown comment in CI"),
            ),
        ] {
            let mut args = vec![
                "review",
                "add",
                "--summary",
                summary,
                "--date",
                day,
                "--reviewer",
                "AppSec lead",
            ];
            if let Some(c) = changes {
                args.extend(["--changes", c]);
            }
            s.ok(IMPORT_DAY, &args);
        }
        s
    }
}

fn criterion<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|q| q["criteria"].as_array().into_iter().flatten())
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no criterion {id} in {doc}"))
}

/// (numerator, denominator, percent, answer).
fn figures(doc: &Value, id: &str) -> (i64, i64, f64, String) {
    let c = criterion(doc, id);
    (
        c["numerator"].as_i64().unwrap_or(-1),
        c["denominator"].as_i64().unwrap_or(-1),
        c["percent"].as_f64().unwrap_or(-1.0),
        c["answer"].as_str().unwrap_or("").to_string(),
    )
}

fn fig(n: i64, d: i64, p: f64, a: &str) -> (i64, i64, f64, String) {
    (n, d, p, a.to_string())
}

fn exercise(s: &Seeded) {
    // Reviews: newest first; the audit log has each.
    let reviews = s.json(REPORT, &["review", "list", "--format", "json"]);
    let days: Vec<&str> = reviews
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["reviewed_on"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        days,
        ["2026-02-10", "2025-11-20", "2025-06-01", "2025-01-15"]
    );
    assert_eq!(reviews[0]["reviewer"], "AppSec lead");
    assert_eq!(reviews[0]["recorded_by"], "alice");
    assert_eq!(reviews[0]["recorded_at"], IMPORT_DAY);
    assert_eq!(reviews[0]["changes"], "markdown comment in CI");
    let since = s.json(
        REPORT,
        &[
            "review",
            "list",
            "--since",
            "2025-06-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(since.as_array().map(Vec::len), Some(3));
    let table = s.ok(REPORT, &["review", "list"]);
    assert!(table.contains("Triage takes too long"), "{table}");
    let audit = s.json(
        REPORT,
        &[
            "audit",
            "--entity",
            "process_review",
            "--id",
            "1",
            "--format",
            "json",
        ],
    );
    assert_eq!(audit[0]["action"], "process_review.recorded", "{audit}");

    sla_report(s);

    let doc = s.json(REPORT, &["report", "samm", "--format", "json"]);
    assert_eq!(doc["schema"], "patchwarden.samm-assessment/1");
    assert_eq!(doc["as_of"], "2026-02-15");

    // 1a: scanned since 2026-01-16: storefront (01-20) and edge-proxy (02-12), not
    // billing-api (01-10).
    assert_eq!(figures(&doc, "1a"), fig(2, 3, 66.6, "at_least_half"));
    assert_eq!(
        criterion(&doc, "1a")["evidence"][0]["items"][0],
        "demo/billing-api: last scanned 2026-01-10, 36 days ago"
    );
    // 1b: the one source, imported again on 02-14.
    assert_eq!(figures(&doc, "1b"), fig(1, 1, 100.0, "most_or_all"));
    // 2a: active = 24 - fixed 4, 5 - accepted 8 = 21, plus fixed 4 and 5 = 23; only 18
    // (atty) has neither a fixed version nor a patch record.
    assert_eq!(figures(&doc, "2a"), fig(22, 23, 95.6, "most_or_all"));
    // 2b: without a fix: 8 (accepted by the CISO until 06-30: counts) and 18 (nothing):
    // 1 of 2 is "at least half", capped at "some" as no KEV catalogue was imported.
    assert_eq!(figures(&doc, "2b"), fig(1, 2, 50.0, "some"));
    let note = criterion(&doc, "2b")["note"].as_str().unwrap_or("");
    assert!(note.contains("not imported"), "{note}");
    // 2c: one product, on the built-in policy (listed).
    assert_eq!(figures(&doc, "2c"), fig(1, 1, 100.0, "most_or_all"));
    assert_eq!(criterion(&doc, "2c")["evidence"][0]["items"][0], "demo");
    // 3a: scanned since 02-08: edge-proxy only.
    assert_eq!(figures(&doc, "3a"), fig(1, 3, 33.3, "some"));
    // 3b: fixed on time 4, 5; active High/Critical due 02-09: 6, 9-16, 20-22, 24 = 13
    // (8 is accepted) → 2 of 15.
    assert_eq!(figures(&doc, "3b"), fig(2, 15, 13.3, "some"));
    assert_eq!(criterion(&doc, "3b")["evidence"][0]["total"], 13);
    // 3c: reviews since 2025-02-15: 06-01, 11-20, 02-10 → 3 of 4.
    assert_eq!(figures(&doc, "3c"), fig(3, 4, 75.0, "at_least_half"));

    let answers: Vec<&str> = doc["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| q["answer"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(answers, ["at_least_half", "some", "some"]);
    assert_eq!(doc["score"], 1.0);
    assert_eq!(doc["maturity_level"], 1);

    // The windows are options: 40 days of inventory covers billing-api too; a 200-day
    // look-back keeps only 2 reviews.
    let wider = s.json(
        REPORT,
        &[
            "report",
            "samm",
            "--format",
            "json",
            "--inventory-days",
            "40",
            "--review-days",
            "200",
        ],
    );
    assert_eq!(figures(&wider, "1a"), fig(3, 3, 100.0, "most_or_all"));
    assert_eq!(figures(&wider, "3c"), fig(2, 4, 50.0, "at_least_half"));
    assert_eq!(wider["options"]["review_days"], 200);

    // HTML, to a file.
    let out = s.dir.path().join("samm.html");
    s.ok(
        REPORT,
        &["report", "samm", "--output", &out.to_string_lossy()],
    );
    let html = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{e}"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("Score 1.00 of 3; maturity level 1 of 3."),
        "{html}"
    );
    assert!(html.contains("22 of 23 (95.6 %)"));
    assert!(!html.contains("<script"));

    // Bad input: one line, exit 2, nothing recorded.
    let e = s.fails(
        REPORT,
        &["review", "add", "--summary", "x", "--date", "2026-02-30"],
    );
    assert!(e.contains("2026-02-30"), "{e}");
    let e = s.fails(
        REPORT,
        &["review", "add", "--summary", "x", "--date", "2026-02-16"],
    );
    assert!(e.contains("after today"), "{e}");
    let e = s.fails(REPORT, &["review", "add", "--summary", "  "]);
    assert!(e.contains("--summary"), "{e}");
    // Flags clap rejects: exit 2 with clap's message (and its hint line).
    for args in [
        &["report", "samm", "--source-days", "0"][..],
        &["report", "samm", "--format", "pdf"][..],
    ] {
        let out = s
            .cmd(REPORT)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: invalid value"), "{stderr}");
    }
    let count = s.json(REPORT, &["review", "list", "--format", "json"]);
    assert_eq!(count.as_array().map(Vec::len), Some(4));
}

#[test]
fn samm_report_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db").to_string_lossy().into_owned();
    exercise(&Seeded::seed(dir, db));
}

#[test]
fn samm_report_on_postgres() {
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    exercise(&Seeded::seed(dir, url));
}

/// `report sla` over the same story: findings 4 and 5 were fixed on 01-20, ten days after
/// they were first seen, the only remediations; the compliance figures follow the
/// definitions over the findings' due dates as `findings list` shows them.
fn sla_report(s: &Seeded) {
    let doc = s.json(
        REPORT,
        &[
            "report",
            "sla",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-15",
            "--format",
            "json",
        ],
    );
    assert_eq!(doc["schema"], "patchwarden.sla-report/1");
    assert_eq!(doc["as_of"], "2026-02-15");
    let total = &doc["total"];
    assert_eq!(total["remediated"], 2, "{total}");
    assert_eq!(total["mean_days"], 10.0, "{total}");
    assert_eq!(total["p90_days"], 10, "{total}");
    let findings = s.json(REPORT, &["findings", "list", "--format", "json"]);
    let rows = findings.as_array().cloned().unwrap_or_default();
    let due_in = |f: &&Value| {
        f["due"]
            .as_str()
            .is_some_and(|d| ("2026-01-01"..="2026-02-15").contains(&d))
    };
    let due: Vec<&Value> = rows.iter().filter(due_in).collect();
    let remediated = |f: &Value| matches!(f["status"].as_str(), Some("fixed" | "verified"));
    let active = |f: &Value| matches!(f["status"].as_str(), Some("open" | "triaged" | "patching"));
    let counted = due
        .iter()
        .filter(|f| remediated(f) || (active(f) && f["due"].as_str() < Some("2026-02-15")))
        .count();
    assert!(!due.is_empty());
    assert_eq!(total["due"], due.len(), "{total}");
    assert_eq!(total["counted"], counted, "{total}");
    // 4 (Medium) and 5 (Low) were fixed on 01-20, but fall due in April and July: outside
    // the period, so nothing due in it was fixed in time.
    let on_time = due
        .iter()
        .filter(|f| remediated(f) && f["fixed_at"].as_str().map(|t| &t[..10]) <= f["due"].as_str())
        .count();
    assert_eq!(on_time, 0);
    assert_eq!(total["on_time"], on_time, "{total}");

    let csv = s.ok(
        REPORT,
        &[
            "report",
            "sla",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-15",
            "--format",
            "csv",
            "--table",
            "overdue",
        ],
    );
    assert!(
        csv.starts_with("finding,product,project,vulnerability,"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().count() as u64,
        1 + doc["overdue_count"].as_u64().unwrap_or(0)
    );
    let html = s.ok(
        REPORT,
        &[
            "report",
            "sla",
            "--product",
            "demo",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-15",
        ],
    );
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg"),
        "{html}"
    );
    for (args, message) in [
        (
            &[
                "report",
                "sla",
                "--from",
                "2026-02-01",
                "--to",
                "2026-01-01",
            ][..],
            "starts on 2026-02-01 after it ends",
        ),
        (
            &[
                "report",
                "sla",
                "--from",
                "2026-02-30",
                "--to",
                "2026-03-01",
            ][..],
            "invalid date",
        ),
        (
            &[
                "report",
                "sla",
                "--product",
                "nope",
                "--from",
                "2026-01-01",
                "--to",
                "2026-03-01",
            ][..],
            "no product named nope",
        ),
    ] {
        let out = s
            .cmd(REPORT)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}
