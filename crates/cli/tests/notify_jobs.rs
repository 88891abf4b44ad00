//! Notifications from the scheduled jobs, end to end through the binary: `jobs run` (the
//! scheduler's path) delivers per-product notifications through the `[notify]` routes to a
//! signed webhook and an SMTP server, both started by the test on 127.0.0.1, and records
//! what it sent in the job log; `notify test` checks each channel.
//!
//! The portfolio: the demo advisories, storefront recorded as product `shop` (findings 1-8)
//! and billing-api as product `billing` (findings 9-17) on 2026-01-10, so that their High and
//! Critical findings are due on 2026-02-09 (30 days). Routes send `shop` to the webhook,
//! `billing` to email, and the portfolio-wide re-evaluation summary to the webhook too.
//! Every flow runs on SQLite and, when `PATCHWARDEN_TEST_POSTGRES_URL` is set, on PostgreSQL.

mod common;
mod receivers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use receivers::{HttpReceiver, Request, SmtpSink};
use serde_json::{Value, json};

const DAY1: &str = "2026-01-10T09:00:00Z";
const SECRET: &str = "test-webhook-secret";
const BILLING_TEAM: &str = "billing-team@example.test";

/// A database, a configuration file pointing at local receivers, and the receivers.
struct Setup {
    dir: tempfile::TempDir,
    db: String,
    config: PathBuf,
    hook: HttpReceiver,
    smtp: SmtpSink,
    // Last: dropping the runtime stops the receivers.
    _runtime: tokio::runtime::Runtime,
}

impl Setup {
    fn new(db: Option<String>) -> Setup {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = db.unwrap_or_else(|| dir.path().join("pw.db").to_string_lossy().into_owned());
        let runtime = receivers::runtime();
        let hook = HttpReceiver::start(&runtime, 200);
        let smtp = SmtpSink::start(&runtime);
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                r#"
[notify.delivery]
attempts = 2
backoff_ms = 10
max_backoff_ms = 20
timeout_secs = 5

[notify.channels.shop-hook]
type = "webhook"
url = "{hook}"
secret = "{SECRET}"

[notify.channels.billing-mail]
type = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
tls = "none"
from = "Patchwarden <patchwarden@example.test>"
to = ["{BILLING_TEAM}"]

[[notify.routes]]
products = ["shop"]
channel = "shop-hook"

[[notify.routes]]
products = ["billing"]
channel = "billing-mail"

[[notify.routes]]
kinds = ["reevaluation_summary"]
channel = "shop-hook"
"#,
                hook = hook.url("/shop"),
                smtp_port = smtp.addr.port(),
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        Setup {
            dir,
            db,
            config,
            hook,
            smtp,
            _runtime: runtime,
        }
    }

    /// The binary at `now` with the test's configuration.
    fn cmd(&self, now: &str) -> assert_cmd::Command {
        let mut cmd = pw(&self.db);
        cmd.env("PATCHWARDEN_NOW", now)
            .env_remove("PATCHWARDEN_CONFIG")
            .args(["--actor", "tester", "--config"])
            .arg(&self.config);
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

    /// `jobs run JOB` at `now`: the printed document.
    fn job(&self, now: &str, job: &str) -> Value {
        let text = self.ok(now, &["jobs", "run", job]);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// The demo advisories, storefront as `shop` and billing-api as `billing`.
    fn seed_demo(&self) {
        seed_shop_and_billing(|args| {
            self.ok(DAY1, args);
        });
    }

    /// The webhook requests so far, each checked: path, signature, event header.
    fn webhooks(&self) -> Vec<Value> {
        self.hook.requests().iter().map(checked).collect()
    }
}

/// A webhook request's JSON body, after checking that its signature verifies with the
/// configured secret (and not with another), and that the event header names its kind.
fn checked(r: &Request) -> Value {
    assert_eq!(r.path, "/shop");
    let timestamp = r.header("x-patchwarden-timestamp");
    let signature = r.header("x-patchwarden-signature");
    let now = time::OffsetDateTime::now_utc();
    let tolerance = Duration::from_secs(300);
    assert!(
        patchwarden_notify::verify(
            SECRET.as_bytes(),
            &timestamp,
            &signature,
            &r.body,
            now,
            tolerance
        ),
        "signature {signature} does not verify"
    );
    assert!(!patchwarden_notify::verify(
        b"another secret",
        &timestamp,
        &signature,
        &r.body,
        now,
        tolerance
    ));
    let body = r.json();
    assert_eq!(
        r.header("x-patchwarden-event"),
        body["kind"].as_str().unwrap_or("?")
    );
    assert_eq!(r.header("content-type"), "application/json");
    body
}

fn ids(notification: &Value) -> Vec<i64> {
    notification["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

fn field<'a>(notification: &'a Value, name: &str) -> Vec<&'a str> {
    notification["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i[name].as_str())
        .collect()
}

/// The outcome recorded in the job log for one run.
fn logged_outcome(db: &str, job: &str, slot: &str) -> Value {
    let column = sql_column(
        db,
        &format!("SELECT outcome FROM job_runs WHERE job = '{job}' AND scheduled_for = '{slot}'"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(column.len(), 1, "{column:?}");
    serde_json::from_str(&column[0]).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------------------
// Reminders: due soon, then newly overdue, each to its product's channel.
// ---------------------------------------------------------------------------------------

fn reminders_go_to_each_products_channel(s: &Setup) {
    s.seed_demo();
    // A triaged finding is still reminded of; a risk-accepted one is not.
    s.ok("2026-01-12T10:00:00Z", &["findings", "triage", "6"]);
    s.ok(
        "2026-01-12T10:00:00Z",
        &[
            "findings",
            "accept",
            "16",
            "--approver",
            "CISO",
            "--reason",
            "the vulnerable helper is never called",
            "--expires",
            "2026-12-31",
        ],
    );

    // Six days before the due date of the High and Critical findings.
    let first = "2026-02-03T07:00:00Z";
    let doc = s.job(first, "reminders");
    assert_eq!(doc["job"], "reminders");
    assert_eq!(doc["slot"], first);
    assert_eq!(doc["ran"], true);
    let outcome = &doc["outcome"];
    assert_eq!(outcome["today"], "2026-02-03");
    assert_eq!(outcome["overdue_since"], "2026-02-02");
    assert_eq!(outcome["due_within_7_days"], 9);
    assert_eq!(outcome["newly_overdue"], 0);
    assert_eq!(outcome["overdue"], 0);
    assert_eq!(
        outcome["notifications"],
        json!({
            "notifications": 2,
            "kinds": {"finding_due_soon": 2},
            "unrouted": 0,
            "channels": {
                "billing-mail": {"sent": 1, "failed": 0},
                "shop-hook": {"sent": 1, "failed": 0},
            },
            "failures": [],
        })
    );
    assert_eq!(&logged_outcome(&s.db, "reminders", first), outcome);
    // docs/notifications.md shows this very run.
    let documented = documented_job_log();
    assert_eq!(&documented["outcome"], outcome);
    assert_eq!(
        (&documented["job"], &documented["slot"], &documented["ran"]),
        (&doc["job"], &doc["slot"], &doc["ran"])
    );

    // shop: its two High findings, to the webhook only.
    let hooks = s.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    let shop = &hooks[0];
    assert_eq!(shop["kind"], "finding_due_soon");
    assert_eq!(shop["product"], "shop");
    assert_eq!(shop["title"], "2 findings due within 7 days");
    assert_eq!(ids(shop), [6, 8]);
    assert_eq!(field(shop, "status"), ["triaged", "open"]);
    assert_eq!(field(shop, "due"), ["2026-02-09", "2026-02-09"]);
    assert_eq!(field(shop, "package"), ["qs", "ws"]);
    assert_eq!(shop["counts"]["total"], 2);
    assert_eq!(shop["counts"]["high"], 2);
    assert_eq!(shop["time"], first);

    // billing: seven of its findings (not the accepted one, not the Medium one), by email.
    let mails = s.smtp.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("[Patchwarden] 7 findings due within 7 days [billing]")
    );
    assert_eq!(mail.header("To").as_deref(), Some(BILLING_TEAM));
    assert!(mail.rcpt_to.iter().any(|r| r.contains(BILLING_TEAM)));
    let body = mail.body();
    for id in 9..=15 {
        assert!(
            body.contains(&format!("(#{id}, open, due 2026-02-09)")),
            "#{id} missing: {body}"
        );
    }
    assert!(!body.contains("#16") && !body.contains("#17"), "{body}");
    assert!(
        body.contains("- Critical CVE-2022-34265 in Django"),
        "{body}"
    );
    assert!(body.contains("event finding_due_soon"), "{body}");

    // A week later: what became overdue since the previous run.
    let second = "2026-02-10T07:00:00Z";
    let doc = s.job(second, "reminders");
    let outcome = &doc["outcome"];
    assert_eq!(outcome["overdue_since"], "2026-02-03");
    assert_eq!(outcome["due_within_7_days"], 0);
    assert_eq!(outcome["newly_overdue"], 9);
    assert_eq!(outcome["overdue"], 9);
    assert_eq!(
        outcome["notifications"]["kinds"],
        json!({"finding_overdue": 2})
    );
    let hooks = s.webhooks();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1]["kind"], "finding_overdue");
    assert_eq!(hooks[1]["product"], "shop");
    assert_eq!(hooks[1]["title"], "2 findings now overdue");
    assert_eq!(
        hooks[1]["summary"],
        "due between 2026-02-03 and 2026-02-09: project storefront"
    );
    assert_eq!(ids(&hooks[1]), [6, 8]);
    let mails = s.smtp.mails();
    assert_eq!(mails.len(), 2);
    assert_eq!(
        mails[1].header("Subject").as_deref(),
        Some("[Patchwarden] 7 findings now overdue [billing]")
    );

    // The same slot again: claimed already, so nothing runs and nothing is sent.
    let doc = s.job(second, "reminders");
    assert_eq!(doc["ran"], false);
    assert_eq!(doc["claimed_by"], logged_instance(&s.db, second));
    assert_eq!(s.hook.requests().len(), 2);
    assert_eq!(s.smtp.mails().len(), 2);

    // The next day: still overdue, but not newly, so nothing is sent.
    let doc = s.job("2026-02-11T07:00:00Z", "reminders");
    assert_eq!(doc["outcome"]["overdue"], 9);
    assert_eq!(doc["outcome"]["newly_overdue"], 0);
    assert_eq!(doc["outcome"]["notifications"]["notifications"], 0);
    assert_eq!(s.hook.requests().len(), 2);
    assert_eq!(s.smtp.mails().len(), 2);
}

/// The job-log example of docs/notifications.md (its last JSON block).
fn documented_job_log() -> Value {
    let doc = std::fs::read_to_string(repo_root().join("docs/notifications.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    let start = doc
        .rfind("```json\n")
        .unwrap_or_else(|| panic!("no JSON block"));
    let block = &doc[start + "```json\n".len()..];
    let end = block
        .find("```")
        .unwrap_or_else(|| panic!("unclosed block"));
    serde_json::from_str(&block[..end]).unwrap_or_else(|e| panic!("{e}"))
}

fn logged_instance(db: &str, slot: &str) -> String {
    let column = sql_column(
        db,
        &format!(
            "SELECT instance FROM job_runs WHERE job = 'reminders' AND scheduled_for = '{slot}'"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    column.into_iter().next().unwrap_or_default()
}

#[test]
fn reminders_on_sqlite() {
    reminders_go_to_each_products_channel(&Setup::new(None));
}

#[test]
fn reminders_on_postgres() {
    if let Some(url) = fresh_postgres_url() {
        reminders_go_to_each_products_channel(&Setup::new(Some(url)));
    }
}

// ---------------------------------------------------------------------------------------
// Re-evaluation: an advisory imported without re-evaluating, then the job finds it.
// ---------------------------------------------------------------------------------------

/// An advisory written for this test: jsonwebtoken below 9.0.0 (storefront has 8.5.1).
const NEW_ADVISORY: &str = r#"{
  "schema_version": "1.6.0",
  "id": "PW-NOTIFY-2026-0001",
  "modified": "2026-01-20T08:00:00Z",
  "published": "2026-01-20T08:00:00Z",
  "summary": "Patchwarden notification test advisory for jsonwebtoken before 9.0.0",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "affected": [{
    "package": {"ecosystem": "npm", "name": "jsonwebtoken"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "9.0.0"}]}]
  }]
}"#;

fn reevaluation_notifies_new_findings(s: &Setup) {
    s.seed_demo();
    let advisory = s.dir.path().join("PW-NOTIFY-2026-0001.json");
    std::fs::write(&advisory, NEW_ADVISORY).unwrap_or_else(|e| panic!("{e}"));
    let now = "2026-01-20T10:00:00Z";
    s.ok(
        now,
        &[
            "db",
            "import",
            "--no-reevaluate",
            &advisory.to_string_lossy(),
        ],
    );
    assert!(s.hook.requests().is_empty());

    let doc = s.job(now, "reevaluate");
    let outcome = &doc["outcome"];
    assert_eq!(outcome["reevaluation"]["findings_new"], 1);
    assert_eq!(
        outcome["notifications"],
        json!({
            "notifications": 2,
            "kinds": {"finding_new": 1, "reevaluation_summary": 1},
            "unrouted": 0,
            "channels": {"shop-hook": {"sent": 2, "failed": 0}},
            "failures": [],
        })
    );
    let mut hooks = s.webhooks();
    hooks.sort_by_key(|h| h["kind"].as_str().unwrap_or("").to_string());
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    let new = &hooks[0];
    assert_eq!(new["kind"], "finding_new");
    assert_eq!(new["product"], "shop");
    assert_eq!(new["title"], "1 new finding");
    assert_eq!(
        new["items"],
        json!([{
            "id": 18,
            "vulnerability_id": "PW-NOTIFY-2026-0001",
            "package": "jsonwebtoken",
            "versions": ["8.5.1"],
            "severity": "High",
            "due": "2026-02-19",
            "status": "open",
            "url": null,
        }])
    );
    assert!(
        new["summary"]
            .as_str()
            .is_some_and(|t| t.ends_with("project storefront")),
        "{new}"
    );
    let summary = &hooks[1];
    assert_eq!(summary["kind"], "reevaluation_summary");
    assert_eq!(summary["product"], Value::Null);
    assert_eq!(summary["title"], "Re-evaluation: 1 new finding");
    assert_eq!(ids(summary), [18]);
    assert!(s.smtp.mails().is_empty(), "billing has nothing new");
    let finding = json_stdout(
        s.cmd(now)
            .args(["findings", "show", "18", "--format", "json"]),
    );
    assert_eq!(finding["finding"]["product"], "shop");
    assert_eq!(finding["finding"]["package"], "jsonwebtoken");

    // Nothing changed since: no notification at all, not even a summary.
    let doc = s.job("2026-01-20T11:00:00Z", "reevaluate");
    assert_eq!(doc["outcome"]["reevaluation"]["findings_new"], 0);
    assert_eq!(doc["outcome"]["notifications"]["notifications"], 0);
    assert_eq!(s.hook.requests().len(), 2);
}

#[test]
fn reevaluation_on_sqlite() {
    reevaluation_notifies_new_findings(&Setup::new(None));
}

#[test]
fn reevaluation_on_postgres() {
    if let Some(url) = fresh_postgres_url() {
        reevaluation_notifies_new_findings(&Setup::new(Some(url)));
    }
}

// ---------------------------------------------------------------------------------------
// The weekly stale-image check.
// ---------------------------------------------------------------------------------------

/// A `docker save` archive of one Alpine layer whose config says it was built at `created`.
fn image(dir: &Path, created: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let mut layer = Vec::new();
    tar_entry(
        &mut layer,
        "etc/os-release",
        b"ID=alpine\nVERSION_ID=3.20.3\n",
    );
    tar_entry(
        &mut layer,
        "lib/apk/db/installed",
        b"C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\n",
    );
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
    let path = dir.join("web.tar");
    std::fs::write(&path, &archive).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn stale_images_are_reported_weekly(s: &Setup) {
    let tar = image(s.dir.path(), "2026-01-08T08:00:00Z");
    s.ok(
        DAY1,
        &[
            "scan",
            &tar.to_string_lossy(),
            "--record",
            "--product",
            "shop",
            "--project",
            "web",
            "--format",
            "json",
        ],
    );
    // Fresh (two days old): nothing to say.
    let doc = s.job("2026-01-12T06:00:00Z", "stale-images");
    assert_eq!(doc["outcome"]["stale_images"], 0);
    assert_eq!(doc["outcome"]["notifications"]["notifications"], 0);

    // Twelve days after the build (the default limit is 7): one stale_image, no finding_new.
    let doc = s.job("2026-01-19T06:00:00Z", "stale-images");
    assert_eq!(doc["outcome"]["reevaluation"]["findings_new"], 1);
    assert_eq!(doc["outcome"]["stale_images"], 1);
    assert_eq!(
        doc["outcome"]["notifications"]["kinds"],
        json!({"stale_image": 1})
    );
    let hooks = s.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["kind"], "stale_image");
    assert_eq!(hooks[0]["product"], "shop");
    assert_eq!(hooks[0]["title"], "1 stale image");
    assert_eq!(field(&hooks[0], "package"), ["shop/web:latest"]);
    assert_eq!(field(&hooks[0], "vulnerability_id"), ["STALE-IMAGE"]);
    let id = ids(&hooks[0]);

    // A week later, still not rebuilt: reported again, the same finding.
    let doc = s.job("2026-01-26T06:00:00Z", "stale-images");
    assert_eq!(doc["outcome"]["reevaluation"]["findings_new"], 0);
    let hooks = s.webhooks();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1]["kind"], "stale_image");
    assert_eq!(ids(&hooks[1]), id);
    assert!(s.smtp.mails().is_empty());
}

#[test]
fn stale_images_on_sqlite() {
    stale_images_are_reported_weekly(&Setup::new(None));
}

#[test]
fn stale_images_on_postgres() {
    if let Some(url) = fresh_postgres_url() {
        stale_images_are_reported_weekly(&Setup::new(Some(url)));
    }
}

// ---------------------------------------------------------------------------------------
// notify test
// ---------------------------------------------------------------------------------------

#[test]
fn notify_test_reports_each_channel() {
    let s = Setup::new(None);
    let runtime = receivers::runtime();
    let gone = HttpReceiver::start(&runtime, 410);
    let mut text = std::fs::read_to_string(&s.config).unwrap_or_else(|e| panic!("{e}"));
    text.push_str(&format!(
        "\n[notify.channels.gone-hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret = \"x\"\n",
        gone.url("/gone")
    ));
    std::fs::write(&s.config, text).unwrap_or_else(|e| panic!("{e}"));

    let out = s
        .cmd(DAY1)
        .args(["notify", "test", "--format", "json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "patchwarden: error: 1 of 3 channels failed the test"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<(String, String, bool)> = report
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["channel"].as_str().unwrap_or("").to_string(),
                r["type"].as_str().unwrap_or("").to_string(),
                r["delivered"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("billing-mail".to_string(), "email".to_string(), true),
            ("gone-hook".to_string(), "webhook".to_string(), false),
            ("shop-hook".to_string(), "webhook".to_string(), true),
        ]
    );
    assert_eq!(report[0]["smtp_response"], "250 2.0.0 ok: queued");
    assert_eq!(report[1]["attempts"], 1, "a 410 is not retried");
    assert!(
        report[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 410 Gone")),
        "{report}"
    );
    assert_eq!(report[2]["http_status"], 200);
    let hooks = s.webhooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["kind"], "test");
    assert_eq!(hooks[0]["product"], Value::Null);
    assert_eq!(
        s.smtp.mails()[0].header("Subject").as_deref(),
        Some("[Patchwarden] Patchwarden test notification")
    );
    assert_eq!(gone.requests().len(), 1);

    // One channel only.
    let table = s.ok(DAY1, &["notify", "test", "--channel", "shop-hook"]);
    assert!(
        table.contains("shop-hook") && table.contains("sent"),
        "{table}"
    );
    assert!(!table.contains("billing-mail"), "{table}");
    assert_eq!(s.hook.requests().len(), 2);
    assert_eq!(s.smtp.mails().len(), 1);

    let out = s
        .cmd(DAY1)
        .args(["notify", "test", "--channel", "nope"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "patchwarden: error: no channel named `nope` in [notify.channels] (configured: billing-mail, gone-hook, shop-hook)"
    );
}

#[test]
fn configuration_mistakes_stop_jobs_and_tests() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db").to_string_lossy().into_owned();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[[notify.routes]]\nchannel = \"nowhere\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    for args in [
        &["jobs", "run", "reminders"][..],
        &["notify", "test"][..],
        &["serve", "--listen", "127.0.0.1:0"][..],
    ] {
        let out = pw(&db)
            .env_remove("PATCHWARDEN_CONFIG")
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).trim(),
            "patchwarden: error: configuration [notify]: notify route 1 names channel `nowhere`, which is not in [notify.channels]",
            "{args:?}"
        );
    }
    // Without any channel, `notify test` says what to do.
    std::fs::write(&config, "").unwrap_or_else(|e| panic!("{e}"));
    let out = pw(&db)
        .env_remove("PATCHWARDEN_CONFIG")
        .arg("--config")
        .arg(&config)
        .args(["notify", "test"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no notification channels"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pw(&db)
        .env_remove("PATCHWARDEN_CONFIG")
        .arg("--config")
        .arg(&config)
        .args(["jobs", "run", "reminders", "--slot", "tomorrow"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("patchwarden: error: slot `tomorrow`: expected an RFC 3339 time"),
        "{err}"
    );
}
