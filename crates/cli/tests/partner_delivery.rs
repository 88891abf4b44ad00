//! Quarterly partner reports end to end through the binary: partners added with `partner
//! add`, the `partner-reports` job (`jobs run`, the scheduler's path) delivering the previous
//! quarter's report to a signed webhook and an SMTP sink started by the test on 127.0.0.1,
//! retries with backoff, a failed delivery recorded and retried by the next run, opted-out
//! partners left alone, a delivered quarter not sent twice, and `report partner` printing or
//! sending on request.
//!
//! The portfolio: the demo advisories, storefront as product `shop` and billing-api as
//! `billing`, recorded on 2026-01-10; the job runs on 2026-04-01 and after, so it sends
//! 2026Q1. Every flow runs on SQLite and, when `PATCHWARDEN_TEST_POSTGRES_URL` is set, on
//! PostgreSQL.

mod common;
mod receivers;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use receivers::{HttpReceiver, Request, SmtpSink};
use serde_json::Value;

const DAY1: &str = "2026-01-10T09:00:00Z";
const RUN1: &str = "2026-04-01T05:00:00Z";
const RUN2: &str = "2026-04-02T05:00:00Z";
const RUN3: &str = "2026-04-03T05:00:00Z";
const SECRET: &str = "partner-webhook-secret";
const GLOBEX: &str = "psirt@globex.test";

struct Setup {
    db: String,
    config: PathBuf,
    /// acme (always 200) and initech (opted out) on two paths.
    hook: HttpReceiver,
    /// 503, 503, then 200.
    flaky: HttpReceiver,
    /// 503 for the first three requests (the first run's attempts), then 200.
    down: HttpReceiver,
    /// HTTPS with a certificate of the test's own authority (trusted through `ca_file`).
    secure: HttpReceiver,
    smtp: SmtpSink,
    _dir: tempfile::TempDir,
    // Last: dropping the runtime stops the receivers.
    _runtime: tokio::runtime::Runtime,
}

fn webhook(name: &str, url: &str) -> String {
    format!(
        "[notify.channels.{name}]\ntype = \"webhook\"\nurl = \"{url}\"\nsecret = \"{SECRET}\"\n\n"
    )
}

impl Setup {
    fn new(db: Option<String>) -> Setup {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = db.unwrap_or_else(|| dir.path().join("pw.db").to_string_lossy().into_owned());
        let runtime = receivers::runtime();
        let hook = HttpReceiver::start(&runtime, 200);
        let flaky = HttpReceiver::scripted(&runtime, &[503, 503], 200);
        let down = HttpReceiver::scripted(&runtime, &[503, 503, 503], 200);
        let smtp = SmtpSink::start(&runtime);
        let (secure, ca_pem) = HttpReceiver::start_tls(&runtime, 200);
        let ca_file = dir.path().join("test-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap_or_else(|e| panic!("{e}"));
        let config = dir.path().join("config.toml");
        let mut text = String::from(
            "[report]\npublisher = \"Example Corp\"\nnamespace = \"https://example.test\"\n\n[notify.delivery]\nattempts = 3\nbackoff_ms = 100\nmax_backoff_ms = 400\ntimeout_secs = 5\n\n",
        );
        text.push_str(&webhook("acme-hook", &hook.url("/acme")));
        text.push_str(&webhook("initech-hook", &hook.url("/initech")));
        text.push_str(&webhook("flaky-hook", &flaky.url("/flaky")));
        text.push_str(&webhook("down-hook", &down.url("/down")));
        text.push_str(&webhook("plain-hook", "http://partner.example/hook"));
        text.push_str(&webhook("untrusted-hook", &secure.url("/untrusted")));
        text.push_str(&format!(
            "[notify.channels.secure-hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\nca_file = \"{}\"\n\n",
            secure.url("/secure"),
            ca_file.display()
        ));
        text.push_str(&format!(
            "[notify.channels.globex-mail]\ntype = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\nfrom = \"Example Corp <patchwarden@example.test>\"\nto = [\"{GLOBEX}\"]\n\n[notify.channels.team-slack]\ntype = \"slack\"\nurl = \"https://hooks.slack.example/services/T/B/X\"\n",
            smtp.addr.port()
        ));
        std::fs::write(&config, text).unwrap_or_else(|e| panic!("{e}"));
        Setup {
            db,
            config,
            hook,
            flaky,
            down,
            secure,
            smtp,
            _dir: dir,
            _runtime: runtime,
        }
    }

    fn cmd(&self, now: &str) -> assert_cmd::Command {
        let mut cmd = pw(&self.db);
        cmd.env("PATCHWARDEN_NOW", now)
            .env_remove("PATCHWARDEN_CONFIG")
            .args(["--actor", "tester", "--config"])
            .arg(&self.config);
        cmd
    }

    fn run(&self, now: &str, args: &[&str]) -> std::process::Output {
        self.cmd(now)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn ok(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(
            out.status.success(),
            "{args:?}: exit {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The command fails with exit 2; its stderr.
    fn fails(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: stdout {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn json(&self, now: &str, args: &[&str]) -> Value {
        let text = self.ok(now, args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    fn seed(&self) {
        seed_shop_and_billing(|args| {
            self.ok(DAY1, args);
        });
        for args in [
            &[
                "acme",
                "--product",
                "shop",
                "--channel",
                "acme-hook",
                "--opt-in",
            ][..],
            &[
                "globex",
                "--product",
                "billing",
                "--channel",
                "globex-mail",
                "--opt-in",
            ],
            &[
                "flaky",
                "--product",
                "shop",
                "--product",
                "billing",
                "--channel",
                "flaky-hook",
                "--opt-in",
            ],
            &[
                "down",
                "--product",
                "shop",
                "--channel",
                "down-hook",
                "--opt-in",
            ],
            &[
                "initech",
                "--product",
                "shop",
                "--channel",
                "initech-hook",
                "--opt-in",
            ],
            &[
                "hospital",
                "--product",
                "billing",
                "--channel",
                "secure-hook",
                "--opt-in",
            ],
        ] {
            let mut all = vec!["partner", "add"];
            all.extend_from_slice(args);
            self.ok(DAY1, &all);
        }
        self.ok(DAY1, &["partner", "opt-out", "initech"]);
    }

    fn deliveries(&self, partner: &str) -> Vec<Value> {
        let v = self.json(
            RUN3,
            &["partner", "deliveries", partner, "--format", "json"],
        );
        v.as_array().cloned().unwrap_or_default()
    }
}

/// The request's body after checking its signature (and that another secret fails).
fn signed(r: &Request) -> Value {
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
    assert_eq!(r.header("x-patchwarden-event"), "partner.report");
    assert_eq!(r.header("content-type"), "application/json");
    r.json()
}

/// One MIME part's content, found by its attachment file name (base64 decoded when so sent).
fn attachment(mail: &receivers::Mail, filename: &str) -> Option<String> {
    use base64::Engine;
    let body = mail.body();
    let at = body.find(&format!("filename=\"{filename}\""))?;
    let part = &body[at..];
    let (headers, rest) = part.split_once("\n\n")?;
    let content = rest.split("\n--").next()?;
    // The headers before the file name belong to the part too.
    let start = body[..at].rfind("\n--").unwrap_or(0);
    let all_headers = format!("{}{headers}", &body[start..at]);
    if all_headers.to_ascii_lowercase().contains("base64") {
        let joined: String = content.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .ok()?;
        String::from_utf8(bytes).ok()
    } else {
        Some(content.to_string())
    }
}

fn exercise(s: &Setup) {
    s.seed();

    // Channels that cannot carry reports are refused when the partner is added.
    let err = s.fails(
        DAY1,
        &[
            "partner",
            "add",
            "hooli",
            "--product",
            "shop",
            "--channel",
            "team-slack",
        ],
    );
    assert!(
        err.contains("channel `team-slack`: a slack channel cannot carry reports; use a webhook or email channel"),
        "{err}"
    );
    let err = s.fails(
        DAY1,
        &[
            "partner",
            "add",
            "hooli",
            "--product",
            "shop",
            "--channel",
            "plain-hook",
        ],
    );
    assert!(err.contains("https:// URLs only"), "{err}");
    let err = s.fails(
        DAY1,
        &[
            "partner",
            "add",
            "hooli",
            "--product",
            "shop",
            "--channel",
            "nope",
        ],
    );
    assert!(
        err.contains("no channel named `nope` in [notify.channels]"),
        "{err}"
    );
    let err = s.fails(
        DAY1,
        &[
            "partner",
            "add",
            "hooli",
            "--product",
            "toys",
            "--channel",
            "acme-hook",
        ],
    );
    assert!(err.contains("no product named toys"), "{err}");

    let listed = s.json(DAY1, &["partner", "list", "--format", "json"]);
    let names: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["acme", "down", "flaky", "globex", "hospital", "initech"]
    );
    assert_eq!(listed[5]["opted_in"], false);

    // Run 1, in 2026Q2: every opted-in partner gets 2026Q1; `down` fails after 3 attempts,
    // which fails the job, naming it.
    let err = s.fails(RUN1, &["jobs", "run", "partner-reports"]);
    assert!(
        err.contains("job partner-reports failed: partner report 2026Q1 not delivered to down"),
        "{err}"
    );
    assert!(err.contains("HTTP 503"), "{err}");

    // acme: one signed request; the recorded SHA-256 is that of the body received.
    let acme: Vec<Request> = s
        .hook
        .requests()
        .into_iter()
        .filter(|r| r.path == "/acme")
        .collect();
    assert_eq!(acme.len(), 1);
    let envelope = signed(&acme[0]);
    assert_eq!(envelope["schema"], "patchwarden.partner-delivery/1");
    assert_eq!(envelope["partner"], "acme");
    assert_eq!(envelope["quarter"], "2026Q1");
    assert_eq!(envelope["generated_at"], RUN1);
    // The CSAF 2.0 VEX document rides along, for the same partner and quarter.
    assert_eq!(
        envelope["csaf"]["document"]["csaf_version"], "2.0",
        "{envelope}"
    );
    assert_eq!(
        envelope["csaf"]["document"]["tracking"]["id"],
        "PW-PARTNER-ACME-2026Q1"
    );
    let report = &envelope["report"];
    assert_eq!(report["schema"], "patchwarden.partner-report/1");
    assert_eq!(report["partner"], "acme");
    assert_eq!(report["from"], "2026-01-01");
    assert_eq!(report["to"], "2026-03-31");
    assert_eq!(report["products"], serde_json::json!(["shop"]));
    assert_eq!(report["publisher"]["name"], "Example Corp");
    let vulns = report["vulnerabilities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!vulns.is_empty(), "{report}");
    for v in &vulns {
        assert!(
            matches!(v["severity"].as_str(), Some("Critical" | "High")),
            "{v}"
        );
        for p in v["products"].as_array().into_iter().flatten() {
            assert_eq!(p["product"], "shop");
        }
    }
    let acme_records = s.deliveries("acme");
    assert_eq!(acme_records.len(), 1);
    let d = &acme_records[0];
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["trigger"], "schedule");
    assert_eq!(d["requested_by"], Value::Null);
    assert_eq!(d["quarter"], "2026Q1");
    assert_eq!(d["channel"], "acme-hook");
    assert_eq!(d["channel_type"], "webhook");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["response"], "HTTP 200");
    assert_eq!(d["started_at"], RUN1);
    assert_eq!(
        d["sha256"].as_str(),
        Some(patchwarden_notify::sha256_hex(&acme[0].body).as_str())
    );

    // globex: a mail to its address with a summary and the report attached.
    let mails = s.smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(
        m.rcpt_to.iter().any(|r| r.contains(GLOBEX)),
        "{:?}",
        m.rcpt_to
    );
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("[Example Corp] Partner report 2026Q1 for globex")
    );
    assert!(
        m.header("Content-Type")
            .is_some_and(|c| c.starts_with("multipart/mixed")),
        "{:?}",
        m.header("Content-Type")
    );
    let body = m.body();
    assert!(body.contains("Partner report 2026Q1 for globex"), "{body}");
    assert!(body.contains("Products: billing"), "{body}");
    let attached = attachment(m, "globex-2026Q1.json")
        .unwrap_or_else(|| panic!("no globex-2026Q1.json attachment in {body}"));
    let attached: Value =
        serde_json::from_str(attached.trim()).unwrap_or_else(|e| panic!("{e}: {attached}"));
    assert_eq!(attached["partner"], "globex");
    assert_eq!(attached["quarter"], "2026Q1");
    assert_eq!(attached["products"], serde_json::json!(["billing"]));
    let page = attachment(m, "globex-2026Q1.html")
        .unwrap_or_else(|| panic!("no globex-2026Q1.html attachment in {body}"));
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("globex"),
        "{page}"
    );
    let csaf = attachment(m, "globex-2026Q1.csaf.json")
        .unwrap_or_else(|| panic!("no globex-2026Q1.csaf.json attachment in {body}"));
    let csaf: Value = serde_json::from_str(csaf.trim()).unwrap_or_else(|e| panic!("{e}: {csaf}"));
    assert_eq!(
        csaf["document"]["tracking"]["id"],
        "PW-PARTNER-GLOBEX-2026Q1"
    );
    let globex = s.deliveries("globex");
    assert_eq!(globex.len(), 1);
    assert_eq!(globex[0]["status"], "delivered");
    assert_eq!(globex[0]["channel_type"], "email");
    assert!(
        globex[0]["response"]
            .as_str()
            .is_some_and(|r| r.starts_with("250")),
        "{}",
        globex[0]
    );

    // flaky: 503, 503, then 200: one delivered record with 3 attempts, the same bytes each time.
    let flaky = s.flaky.requests();
    assert_eq!(flaky.len(), 3);
    for r in &flaky {
        assert_eq!(r.body, flaky[0].body);
        assert_eq!(
            r.header("x-patchwarden-delivery"),
            flaky[0].header("x-patchwarden-delivery")
        );
    }
    assert_eq!(
        signed(&flaky[2])["report"]["products"],
        serde_json::json!(["billing", "shop"])
    );
    let records = s.deliveries("flaky");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], "delivered");
    assert_eq!(records[0]["attempts"], 3);

    // down: three attempts, then a failed record with the error.
    assert_eq!(s.down.requests().len(), 3);
    let records = s.deliveries("down");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], "failed");
    assert_eq!(records[0]["attempts"], 3);
    assert!(
        records[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 503 Service Unavailable (after 3 attempts)")),
        "{}",
        records[0]
    );
    assert_eq!(
        records[0]["sha256"].as_str(),
        Some(patchwarden_notify::sha256_hex(&s.down.requests()[0].body).as_str())
    );

    // hospital: over HTTPS, its certificate checked against the channel's ca_file.
    let secure = s.secure.requests();
    assert_eq!(secure.len(), 1);
    assert_eq!(secure[0].path, "/secure");
    assert_eq!(signed(&secure[0])["partner"], "hospital");
    let records = s.deliveries("hospital");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], "delivered");
    assert_eq!(
        records[0]["sha256"].as_str(),
        Some(patchwarden_notify::sha256_hex(&secure[0].body).as_str())
    );

    // initech opted out: nothing sent, nothing recorded.
    assert!(s.hook.requests().iter().all(|r| r.path != "/initech"));
    assert!(s.deliveries("initech").is_empty());

    // The job log keeps the failure, naming the partner.
    let errors = sql_column(
        &s.db,
        "SELECT error FROM job_runs WHERE job = 'partner-reports' ORDER BY scheduled_for",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("not delivered to down"), "{errors:?}");

    // Run 2: only `down` is tried again, and now it goes through; the job succeeds.
    let doc = s.json(RUN2, &["jobs", "run", "partner-reports"]);
    let outcome = &doc["outcome"];
    assert_eq!(outcome["quarter"], "2026Q1");
    let sent: Vec<&str> = outcome["deliveries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["partner"].as_str())
        .collect();
    assert_eq!(sent, ["down"]);
    assert_eq!(outcome["deliveries"][0]["status"], "delivered");
    assert_eq!(
        outcome["already_delivered"],
        serde_json::json!(["acme", "flaky", "globex", "hospital"])
    );
    assert_eq!(outcome["not_opted_in"], serde_json::json!(["initech"]));
    assert_eq!(s.down.requests().len(), 4);
    let records = s.deliveries("down");
    let statuses: Vec<&str> = records
        .iter()
        .filter_map(|d| d["status"].as_str())
        .collect();
    assert_eq!(statuses, ["failed", "delivered"]);

    // Run 3: everything of 2026Q1 went out; nothing is sent again.
    let doc = s.json(RUN3, &["jobs", "run", "partner-reports"]);
    assert_eq!(doc["outcome"]["deliveries"], serde_json::json!([]));
    assert_eq!(s.hook.requests().len(), 1);
    assert_eq!(s.flaky.requests().len(), 3);
    assert_eq!(s.down.requests().len(), 4);
    assert_eq!(s.smtp.mails().len(), 1);

    // On request: acme's report again, recorded with who asked.
    let record = s.json(
        RUN3,
        &[
            "report",
            "partner",
            "--partner",
            "acme",
            "--quarter",
            "2026Q1",
            "--send",
        ],
    );
    assert_eq!(record["trigger"], "request");
    assert_eq!(record["requested_by"], "tester");
    assert_eq!(record["status"], "delivered");
    let acme: Vec<Request> = s
        .hook
        .requests()
        .into_iter()
        .filter(|r| r.path == "/acme")
        .collect();
    assert_eq!(acme.len(), 2);
    assert_eq!(
        record["sha256"].as_str(),
        Some(patchwarden_notify::sha256_hex(&acme[1].body).as_str())
    );
    // The same report printed in each format, without sending.
    let csaf = s.json(
        RUN3,
        &[
            "report",
            "partner",
            "--partner",
            "acme",
            "--quarter",
            "2026Q1",
            "--format",
            "csaf",
        ],
    );
    assert_eq!(
        csaf["document"]["category"]
            .as_str()
            .map(|c| c.starts_with("csaf_")),
        Some(true)
    );
    let html = s.ok(
        RUN3,
        &[
            "report",
            "partner",
            "--partner",
            "acme",
            "--quarter",
            "2026Q1",
            "--format",
            "html",
        ],
    );
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("2026Q1"),
        "{html}"
    );
    let err = s.fails(
        RUN3,
        &["report", "partner", "--partner", "initech", "--send"],
    );
    assert!(err.contains("partner initech has not opted in"), "{err}");

    // Printing the report sends nothing.
    let printed = s.json(
        RUN3,
        &[
            "report",
            "partner",
            "--partner",
            "acme",
            "--quarter",
            "2026Q1",
        ],
    );
    assert_eq!(printed["partner"], "acme");
    assert_eq!(
        printed["vulnerabilities"],
        envelope["report"]["vulnerabilities"]
    );
    let err = s.fails(
        RUN3,
        &["report", "partner", "--partner", "acme", "--quarter", "Q1"],
    );
    assert!(err.contains("invalid quarter \"Q1\""), "{err}");

    // Every delivery is in the audit log as a change of its partner.
    assert_eq!(
        sql_count(
            &s.db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'partner' AND action LIKE 'partner.report_%'"
        ),
        7
    );

    // Without the ca_file, the receiver's certificate is not trusted: nothing reaches it.
    s.ok(
        RUN3,
        &[
            "partner",
            "add",
            "mallory",
            "--product",
            "shop",
            "--channel",
            "untrusted-hook",
            "--opt-in",
        ],
    );
    let out = s.run(
        RUN3,
        &["report", "partner", "--partner", "mallory", "--send"],
    );
    assert_eq!(out.status.code(), Some(2));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(record["status"], "failed");
    assert_eq!(record["attempts"], 3);
    assert!(s.secure.requests().iter().all(|r| r.path != "/untrusted"));
}

#[test]
fn partner_reports_on_sqlite() {
    exercise(&Setup::new(None));
}

#[test]
fn partner_reports_on_postgres() {
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    exercise(&Setup::new(Some(url)));
}
