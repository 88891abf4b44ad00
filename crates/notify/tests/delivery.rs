//! Delivery through local receivers started by each test: an HTTP server for webhooks and
//! Slack, an SMTP sink for email.

mod support;

use std::time::{Duration, Instant};

use patchwarden_notify::{
    Channel, ChannelConfig, DeliveryConfig, EmailConfig, NotifyConfig, Rules, Secret, SlackConfig,
    SmtpTls, WebhookConfig, deliver, notify, sha256_hex, verify,
};
use support::{HttpReceiver, SmtpSink, sample};
use time::OffsetDateTime;

const SECRET: &str = "whsec_test_0123456789";

fn fast() -> DeliveryConfig {
    DeliveryConfig {
        attempts: 3,
        backoff_ms: 20,
        max_backoff_ms: 100,
        timeout_secs: 5,
    }
}

fn channel(name: &str, config: ChannelConfig) -> Channel {
    Channel {
        name: name.into(),
        config,
        delivery: fast(),
    }
}

fn webhook(url: String) -> Channel {
    channel(
        "sec-hook",
        ChannelConfig::Webhook(WebhookConfig {
            url,
            secret: Some(Secret::new(SECRET)),
            secret_env: None,
            ca_file: None,
        }),
    )
}

#[tokio::test]
async fn webhook_is_signed_and_carries_the_payload() {
    let receiver = HttpReceiver::start(&[], 204).await;
    let n = sample();
    let receipt = deliver(&webhook(receiver.url("/hooks/pw")), &n)
        .await
        .unwrap();

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("x-patchwarden-event"), "finding_due_soon");
    assert_eq!(r.header("x-patchwarden-delivery"), receipt.delivery_id);
    assert!(r.header("user-agent").starts_with("patchwarden/"));

    // The signature verifies with the secret, and not with another one or another body.
    let ts = r.header("x-patchwarden-timestamp");
    let sig = r.header("x-patchwarden-signature");
    assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
    let now = OffsetDateTime::now_utc();
    let window = Duration::from_secs(300);
    assert!(verify(SECRET.as_bytes(), ts, sig, &r.body, now, window));
    assert!(!verify(b"another secret", ts, sig, &r.body, now, window));
    let mut tampered = r.body.clone();
    tampered[10] ^= 1;
    assert!(!verify(SECRET.as_bytes(), ts, sig, &tampered, now, window));
    // A replay an hour later is refused.
    let later = now + time::Duration::hours(1);
    assert!(!verify(SECRET.as_bytes(), ts, sig, &r.body, later, window));

    // The body is exactly the documented payload.
    assert_eq!(r.body, n.to_json());
    let json = r.json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["kind"], "finding_due_soon");
    assert_eq!(json["product"], "shop");
    assert_eq!(json["time"], "2026-02-22T07:00:00Z");
    assert_eq!(
        json["counts"],
        serde_json::json!({"total": 2, "critical": 1, "high": 0, "medium": 1, "low": 0, "other": 0})
    );
    assert_eq!(
        json["items"][0],
        serde_json::json!({
            "id": 42, "vulnerability_id": "CVE-2024-12345", "package": "lodash",
            "versions": ["4.17.20"], "severity": "Critical", "due": "2026-03-01",
            "status": "open", "url": "https://patchwarden.example/findings/42"
        })
    );
    assert_eq!(json["items"][1]["due"], serde_json::Value::Null);

    assert_eq!(receipt.channel, "sec-hook");
    assert_eq!(receipt.attempts, 1);
    assert_eq!(receipt.http_status, Some(204));
    assert_eq!(receipt.smtp_response, None);
    assert_eq!(receipt.payload_sha256, sha256_hex(&r.body));
}

#[tokio::test]
async fn webhook_secret_can_come_from_the_environment() {
    let receiver = HttpReceiver::start(&[], 200).await;
    // SAFETY: this test binary sets this variable only here, before any thread reads it.
    unsafe { std::env::set_var("PW_NOTIFY_TEST_SECRET", "from-env") };
    let c = channel(
        "env-hook",
        ChannelConfig::Webhook(WebhookConfig {
            url: receiver.url("/"),
            secret: None,
            secret_env: Some("PW_NOTIFY_TEST_SECRET".into()),
            ca_file: None,
        }),
    );
    deliver(&c, &sample()).await.unwrap();
    let r = &receiver.requests()[0];
    let (ts, sig) = (
        r.header("x-patchwarden-timestamp"),
        r.header("x-patchwarden-signature"),
    );
    let now = OffsetDateTime::now_utc();
    assert!(verify(
        b"from-env",
        ts,
        sig,
        &r.body,
        now,
        Duration::from_secs(60)
    ));

    let missing = channel(
        "env-hook",
        ChannelConfig::Webhook(WebhookConfig {
            url: receiver.url("/"),
            secret: None,
            secret_env: Some("PW_NOTIFY_TEST_UNSET".into()),
            ca_file: None,
        }),
    );
    let err = deliver(&missing, &sample()).await.unwrap_err().to_string();
    assert_eq!(
        err,
        "notify channel `env-hook` (webhook): environment variable PW_NOTIFY_TEST_UNSET (secret_env) is not set"
    );
}

#[tokio::test]
async fn slack_gets_text_and_blocks() {
    let receiver = HttpReceiver::start(&[], 200).await;
    let c = channel(
        "team-slack",
        ChannelConfig::Slack(SlackConfig {
            url: Secret::new(receiver.url("/services/T000/B000/XXXX")),
        }),
    );
    let receipt = deliver(&c, &sample()).await.unwrap();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.header("content-type"), "application/json");
    assert!(r.headers.get("x-patchwarden-signature").is_none());
    let v = r.json();
    assert_eq!(
        v["text"],
        "2 findings due within 7 days [shop]: 2 findings: 1 Critical, 1 Medium"
    );
    let blocks = v["blocks"].as_array().unwrap();
    let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["header", "section", "context"]);
    assert_eq!(
        blocks[0]["text"]["text"],
        "2 findings due within 7 days [shop]"
    );
    assert_eq!(
        blocks[1]["text"]["text"],
        "• <https://patchwarden.example/findings/42|Critical CVE-2024-12345 in lodash 4.17.20 (#42, open, due 2026-03-01)>\n\
         • Medium GHSA-abcd-efgh-ijkl in minimist 1.2.5, 1.2.6 (#43, triaged)"
    );
    assert_eq!(receipt.http_status, Some(200));
    assert_eq!(receipt.payload_sha256, sha256_hex(&r.body));
}

#[tokio::test]
async fn two_failures_then_success_is_delivered_on_the_third_attempt() {
    let receiver = HttpReceiver::start(&[500, 500], 200).await;
    let started = Instant::now();
    let receipt = deliver(&webhook(receiver.url("/")), &sample())
        .await
        .unwrap();
    assert_eq!(receipt.attempts, 3);
    assert_eq!(receipt.http_status, Some(200));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    // One delivery id for all attempts, so that receivers can drop duplicates.
    for r in &requests {
        assert_eq!(r.header("x-patchwarden-delivery"), receipt.delivery_id);
        assert_eq!(r.body, requests[0].body);
    }
    // Backoff 20 ms then 40 ms.
    assert!(started.elapsed() >= Duration::from_millis(60));
}

#[tokio::test]
async fn always_failing_receiver_gives_up_after_the_configured_attempts() {
    let receiver = HttpReceiver::start(&[], 503).await;
    let err = deliver(&webhook(receiver.url("/")), &sample())
        .await
        .unwrap_err();
    assert_eq!(receiver.requests().len(), 3);
    assert_eq!(err.channel(), "sec-hook");
    assert_eq!(
        err.to_string(),
        "notify channel `sec-hook` (webhook): HTTP 503 Service Unavailable (after 3 attempts)"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let receiver = HttpReceiver::start(&[], 404).await;
    let err = deliver(&webhook(receiver.url("/")), &sample())
        .await
        .unwrap_err();
    assert_eq!(receiver.requests().len(), 1);
    assert_eq!(
        err.to_string(),
        "notify channel `sec-hook` (webhook): HTTP 404 Not Found (after 1 attempt)"
    );
}

#[tokio::test]
async fn unreachable_slack_error_hides_the_webhook_url() {
    // A port nothing listens on: bind, note the port, close.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = channel(
        "team-slack",
        ChannelConfig::Slack(SlackConfig {
            url: Secret::new(format!("http://{addr}/services/T000/B000/SECRETTOKEN")),
        }),
    );
    let err = deliver(&c, &sample()).await.unwrap_err().to_string();
    assert!(
        err.starts_with("notify channel `team-slack` (slack): "),
        "{err}"
    );
    assert!(err.ends_with("(after 3 attempts)"), "{err}");
    assert!(!err.contains("SECRETTOKEN"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

fn email(sink: &SmtpSink) -> Channel {
    channel(
        "oncall-mail",
        ChannelConfig::Email(EmailConfig {
            smtp_host: sink.addr.ip().to_string(),
            smtp_port: Some(sink.addr.port()),
            tls: SmtpTls::None,
            username: None,
            password_env: None,
            from: "Patchwarden <patchwarden@example.com>".into(),
            to: vec!["oncall@example.com".into(), "sec@example.com".into()],
        }),
    )
}

#[tokio::test]
async fn email_reaches_the_smtp_sink() {
    let sink = SmtpSink::start("250 2.1.5 ok").await;
    let receipt = deliver(&email(&sink), &sample()).await.unwrap();
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(
        m.mail_from.to_ascii_lowercase().split_whitespace().next(),
        Some("mail")
    );
    assert!(
        m.mail_from.contains("<patchwarden@example.com>"),
        "{}",
        m.mail_from
    );
    assert_eq!(m.rcpt_to.len(), 2);
    assert!(m.rcpt_to[0].contains("<oncall@example.com>"));
    assert!(m.rcpt_to[1].contains("<sec@example.com>"));
    assert_eq!(
        m.header("From").as_deref(),
        Some("Patchwarden <patchwarden@example.com>")
    );
    assert_eq!(
        m.header("To").as_deref(),
        Some("oncall@example.com, sec@example.com")
    );
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("[Patchwarden] 2 findings due within 7 days [shop]")
    );
    let body = m.body();
    assert!(
        body.contains(
            "- Critical CVE-2024-12345 in lodash 4.17.20 (#42, open, due 2026-03-01)\n  https://patchwarden.example/findings/42\n"
        ),
        "{body}"
    );
    assert!(
        body.contains("2 findings: 1 Critical, 1 Medium\n"),
        "{body}"
    );
    assert_eq!(
        receipt.smtp_response.as_deref(),
        Some("250 2.0.0 ok: queued as 1")
    );
    assert_eq!(receipt.http_status, None);
    assert_eq!(receipt.attempts, 1);
}

#[tokio::test]
async fn permanent_smtp_rejection_is_not_retried() {
    let sink = SmtpSink::start("550 5.1.1 no such user").await;
    let err = deliver(&email(&sink), &sample())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("notify channel `oncall-mail` (email): "),
        "{err}"
    );
    assert!(err.contains("no such user"), "{err}");
    assert!(err.ends_with("(after 1 attempt)"), "{err}");
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn notify_routes_and_delivers_to_every_matching_channel() {
    let hook = HttpReceiver::start(&[], 200).await;
    let slack = HttpReceiver::start(&[], 500).await;
    let config: NotifyConfig = toml::from_str(&format!(
        r#"
[delivery]
attempts = 2
backoff_ms = 10
max_backoff_ms = 10
timeout_secs = 5

[channels.sec-hook]
type = "webhook"
url = "{}"
secret = "{SECRET}"

[channels.team-slack]
type = "slack"
url = "{}"

[[routes]]
channel = "sec-hook"

[[routes]]
products = ["shop"]
min_severity = "critical"
channel = "team-slack"

[[routes]]
products = ["billing"]
channel = "team-slack"
"#,
        hook.url("/"),
        slack.url("/slack")
    ))
    .unwrap();
    let rules = Rules::new(config).unwrap();
    let outcomes = notify(&rules, &sample()).await;
    let names: Vec<&str> = outcomes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["sec-hook", "team-slack"]);
    assert!(outcomes[0].1.is_ok());
    assert_eq!(
        outcomes[1].1.as_ref().unwrap_err().to_string(),
        "notify channel `team-slack` (slack): HTTP 500 Internal Server Error (after 2 attempts)"
    );
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(slack.requests().len(), 2);
}

fn report_document() -> patchwarden_notify::Document {
    patchwarden_notify::Document {
        event: "partner.report".into(),
        json: br#"{"schema":"test/1","partner":"acme"}"#.to_vec(),
        subject: "[Patchwarden] partner report 2026Q3 for acme".into(),
        text: "2 vulnerabilities: 1 Critical, 1 High\n".into(),
        attachments: vec![
            patchwarden_notify::Attachment {
                filename: "acme-2026Q3.json".into(),
                content_type: "application/json".into(),
                content: br#"{"partner":"acme"}"#.to_vec(),
            },
            patchwarden_notify::Attachment {
                filename: "acme-2026Q3.html".into(),
                content_type: "text/html; charset=utf-8".into(),
                content: b"<!doctype html><title>acme</title>".to_vec(),
            },
        ],
    }
}

#[tokio::test]
async fn documents_go_through_the_same_signed_retrying_webhook() {
    let receiver = HttpReceiver::start(&[503], 200).await;
    let doc = report_document();
    let receipt = patchwarden_notify::deliver_document(&webhook(receiver.url("/p")), &doc)
        .await
        .unwrap();
    assert_eq!(receipt.attempts, 2);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let r = &requests[1];
    assert_eq!(r.body, doc.json);
    assert_eq!(r.header("x-patchwarden-event"), "partner.report");
    assert_eq!(receipt.payload_sha256, sha256_hex(&r.body));
    assert!(verify(
        SECRET.as_bytes(),
        r.header("x-patchwarden-timestamp"),
        r.header("x-patchwarden-signature"),
        &r.body,
        OffsetDateTime::now_utc(),
        Duration::from_secs(300),
    ));
}

#[tokio::test]
async fn documents_reach_email_with_attachments_and_never_slack() {
    let sink = SmtpSink::start("250 2.1.5 ok").await;
    let receipt = patchwarden_notify::deliver_document(&email(&sink), &report_document())
        .await
        .unwrap();
    assert_eq!(receipt.attempts, 1);
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("[Patchwarden] partner report 2026Q3 for acme")
    );
    assert!(
        m.header("Content-Type")
            .is_some_and(|c| c.starts_with("multipart/mixed")),
        "{:?}",
        m.header("Content-Type")
    );
    let body = m.body();
    assert!(
        body.contains("2 vulnerabilities: 1 Critical, 1 High"),
        "{body}"
    );
    for name in ["acme-2026Q3.json", "acme-2026Q3.html"] {
        assert!(
            body.contains(&format!(
                "Content-Disposition: attachment; filename=\"{name}\""
            )),
            "{body}"
        );
    }

    let slack = channel(
        "team-slack",
        ChannelConfig::Slack(SlackConfig {
            url: Secret::new("http://127.0.0.1:9/services/SECRET"),
        }),
    );
    let err = patchwarden_notify::deliver_document(&slack, &report_document())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "notify channel `team-slack` (slack): a slack channel cannot carry reports; use a webhook or email channel"
    );
    let plain = webhook("http://partner.example/hook".into());
    let err = patchwarden_notify::deliver_document(&plain, &report_document())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("https:// URLs only"), "{err}");
}
