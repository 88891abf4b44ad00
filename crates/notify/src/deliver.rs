//! Sending a notification through one channel, with retries.

use std::sync::OnceLock;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use lettre::message::header::ContentType;
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::{Channel, ChannelConfig, EmailConfig, SmtpTls, WebhookConfig};
use crate::model::Notification;
use crate::render;

/// Header carrying `sha256=<hex>`: HMAC-SHA256 over `<timestamp>.<body>`.
pub const SIGNATURE_HEADER: &str = "X-Patchwarden-Signature";
/// Header carrying the Unix time (seconds) that was signed.
pub const TIMESTAMP_HEADER: &str = "X-Patchwarden-Timestamp";
/// Header carrying the notification kind (`finding_new`, ...).
pub const EVENT_HEADER: &str = "X-Patchwarden-Event";
/// Header carrying the delivery id, the same on every attempt of one delivery.
pub const DELIVERY_HEADER: &str = "X-Patchwarden-Delivery";

const USER_AGENT: &str = concat!("patchwarden/", env!("CARGO_PKG_VERSION"));

/// What a successful delivery left behind, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The channel's name.
    pub channel: String,
    /// The delivery id (also sent in `X-Patchwarden-Delivery` to webhooks).
    pub delivery_id: String,
    /// When the delivery succeeded.
    pub time: OffsetDateTime,
    /// How many attempts it took (1 when the first succeeded).
    pub attempts: u32,
    /// The HTTP status for webhooks and Slack.
    pub http_status: Option<u16>,
    /// The SMTP server's final answer for email (`250 ...`).
    pub smtp_response: Option<String>,
    /// Lowercase hex SHA-256 of the bytes sent (the JSON body, or the email as transmitted).
    pub payload_sha256: String,
}

/// A delivery that did not succeed. The message is one line, names the channel, and never
/// contains a secret or a Slack webhook URL.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notify channel `{channel}` ({kind}): {message} (after {attempts} attempt{s})", s = if *attempts == 1 { "" } else { "s" })]
    Failed {
        channel: String,
        kind: &'static str,
        attempts: u32,
        message: String,
        /// Lowercase hex SHA-256 of the bytes every attempt sent.
        payload_sha256: String,
    },
    #[error("notify channel `{channel}` ({kind}): {message}")]
    Config {
        channel: String,
        kind: &'static str,
        message: String,
    },
}

impl NotifyError {
    /// The channel that failed.
    pub fn channel(&self) -> &str {
        match self {
            NotifyError::Failed { channel, .. } | NotifyError::Config { channel, .. } => channel,
        }
    }

    /// The attempts made (0 when the channel could not be used at all).
    pub fn attempts(&self) -> u32 {
        match self {
            NotifyError::Failed { attempts, .. } => *attempts,
            NotifyError::Config { .. } => 0,
        }
    }

    /// SHA-256 of the bytes the attempts sent, when something was sent.
    pub fn payload_sha256(&self) -> Option<&str> {
        match self {
            NotifyError::Failed { payload_sha256, .. } => Some(payload_sha256),
            NotifyError::Config { .. } => None,
        }
    }
}

/// The outcome of one attempt.
enum Attempt {
    Done {
        http_status: Option<u16>,
        smtp_response: Option<String>,
    },
    /// Worth trying again (network trouble, 5xx, 429, 408, SMTP 4xx), maybe after a hint.
    Retry {
        message: String,
        after: Option<Duration>,
    },
    /// Trying again would not help (4xx, SMTP 5xx, a malformed address).
    Fatal(String),
}

/// HMAC-SHA256 of `<timestamp>.<body>` with the secret, as the `X-Patchwarden-Signature`
/// header value: `sha256=<lowercase hex>`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Checks a signature header against a body, as a receiver would: the timestamp must be within
/// `tolerance` of `now` and the HMAC must match (compared in constant time).
pub fn verify(
    secret: &[u8],
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now: OffsetDateTime,
    tolerance: Duration,
) -> bool {
    let Ok(timestamp) = timestamp_header.trim().parse::<i64>() else {
        return false;
    };
    if now.unix_timestamp().abs_diff(timestamp) > tolerance.as_secs() {
        return false;
    }
    let Some(hex_sig) = signature_header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Some(given) = unhex(hex_sig) else {
        return false;
    };
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A new delivery id: a random (version 4) UUID.
pub fn new_delivery_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No entropy source: fall back to the clock, still unique enough within a process.
        let nanos = OffsetDateTime::now_utc()
            .unix_timestamp_nanos()
            .to_le_bytes();
        b.copy_from_slice(&nanos);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        // Notifications are rare; no idle connections, so the client never holds a
        // connection that belongs to a runtime that has since shut down.
        .pool_max_idle_per_host(0)
        // Redirects could carry a signed body to another host; receivers must answer directly.
        .redirect(reqwest::redirect::Policy::none())
}

fn http_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| client_builder().build().expect("the HTTP client builds"))
}

/// The client for a webhook: the shared one, or with `ca_file`, one that trusts only the
/// certificate authorities of that file.
pub(crate) fn webhook_client(w: &WebhookConfig) -> Result<reqwest::Client, String> {
    let Some(path) = &w.ca_file else {
        return Ok(http_client().clone());
    };
    let pem = std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("ca_file {}: {}", path.display(), one_line(&error_chain(&e))))?;
    if certs.is_empty() {
        return Err(format!("ca_file {}: no certificate in it", path.display()));
    }
    client_builder()
        .tls_certs_only(certs)
        .build()
        .map_err(|e| format!("ca_file {}: {}", path.display(), one_line(&error_chain(&e))))
}

/// Sends a notification through a channel, retrying transient failures with exponential
/// backoff as the channel's delivery settings say.
pub async fn deliver(
    channel: &Channel,
    notification: &Notification,
) -> Result<DeliveryReceipt, NotifyError> {
    let kind = channel.config.type_name();
    let config_error = |message: String| NotifyError::Config {
        channel: channel.name.clone(),
        kind,
        message,
    };

    // Everything that does not change between attempts is prepared once.
    let prepared = match &channel.config {
        ChannelConfig::Webhook(w) => {
            let secret = webhook_secret(w).map_err(config_error)?;
            Prepared::Webhook {
                url: &w.url,
                client: webhook_client(w).map_err(config_error)?,
                secret,
                event: notification.kind.as_str().to_string(),
                body: notification.to_json(),
            }
        }
        ChannelConfig::Slack(s) => Prepared::Slack {
            url: s.url.expose(),
            body: serde_json::to_vec(&render::slack_payload(notification))
                .expect("Slack payload serialises"),
        },
        ChannelConfig::Email(e) => {
            let message = email_message(e, &render::email_subject(notification))
                .and_then(|builder| {
                    builder
                        .header(ContentType::TEXT_PLAIN)
                        .body(text_body(render::email_body(notification)))
                        .map_err(|err| format!("message: {err}"))
                })
                .map_err(config_error)?;
            let transport = smtp_transport(e, channel.delivery.timeout()).map_err(config_error)?;
            Prepared::Email {
                raw: message.formatted(),
                message: Box::new(message),
                transport: Box::new(transport),
            }
        }
    };
    send(channel, &prepared).await
}

/// Sends what was prepared through the channel: the one retry loop of every delivery
/// (notifications and documents). Attempt `n` waits the channel's backoff for `n` (or the
/// receiver's `Retry-After`, when longer), capped at `max_backoff_ms`; every attempt carries
/// the same delivery id and the same bytes.
pub(crate) async fn send(
    channel: &Channel,
    prepared: &Prepared<'_>,
) -> Result<DeliveryReceipt, NotifyError> {
    let kind = channel.config.type_name();
    let delivery_id = new_delivery_id();
    let payload_sha256 = match prepared {
        Prepared::Webhook { body, .. } | Prepared::Slack { body, .. } => sha256_hex(body),
        Prepared::Email { raw, .. } => sha256_hex(raw),
    };
    let attempts = channel.delivery.attempts.max(1);
    let mut last_message = String::new();
    for attempt in 1..=attempts {
        let outcome = match prepared {
            Prepared::Webhook {
                url,
                client,
                secret,
                event,
                body,
            } => {
                let timestamp = OffsetDateTime::now_utc().unix_timestamp();
                let request = client
                    .post(*url)
                    .timeout(channel.delivery.timeout())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header(SIGNATURE_HEADER, sign(secret, timestamp, body))
                    .header(TIMESTAMP_HEADER, timestamp.to_string())
                    .header(EVENT_HEADER, event.as_str())
                    .header(DELIVERY_HEADER, &delivery_id)
                    .body(body.clone());
                http_attempt(request).await
            }
            Prepared::Slack { url, body } => {
                let request = http_client()
                    .post(*url)
                    .timeout(channel.delivery.timeout())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                http_attempt(request).await
            }
            Prepared::Email {
                message, transport, ..
            } => smtp_attempt(transport, (**message).clone()).await,
        };
        match outcome {
            Attempt::Done {
                http_status,
                smtp_response,
            } => {
                tracing::debug!(channel = %channel.name, kind, attempt, delivery_id, "delivered");
                return Ok(DeliveryReceipt {
                    channel: channel.name.clone(),
                    delivery_id,
                    time: OffsetDateTime::now_utc(),
                    attempts: attempt,
                    http_status,
                    smtp_response,
                    payload_sha256,
                });
            }
            Attempt::Fatal(message) => {
                return Err(NotifyError::Failed {
                    channel: channel.name.clone(),
                    kind,
                    attempts: attempt,
                    message,
                    payload_sha256,
                });
            }
            Attempt::Retry { message, after } => {
                if attempt < attempts {
                    let wait = channel
                        .delivery
                        .backoff(attempt + 1)
                        .max(after.unwrap_or_default())
                        .min(Duration::from_millis(channel.delivery.max_backoff_ms));
                    tracing::warn!(
                        channel = %channel.name, kind, attempt, delivery_id,
                        "delivery attempt failed, retrying in {wait:?}: {message}"
                    );
                    tokio::time::sleep(wait).await;
                }
                last_message = message;
            }
        }
    }
    Err(NotifyError::Failed {
        channel: channel.name.clone(),
        kind,
        attempts,
        message: last_message,
        payload_sha256,
    })
}

/// What one delivery sends, prepared once for all its attempts.
pub(crate) enum Prepared<'c> {
    Webhook {
        url: &'c str,
        /// The shared client, or one trusting the channel's `ca_file` only.
        client: reqwest::Client,
        secret: Vec<u8>,
        /// The `X-Patchwarden-Event` header.
        event: String,
        body: Vec<u8>,
    },
    Slack {
        url: &'c str,
        body: Vec<u8>,
    },
    Email {
        message: Box<Message>,
        raw: Vec<u8>,
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
    },
}

pub(crate) fn webhook_secret(w: &WebhookConfig) -> Result<Vec<u8>, String> {
    match (&w.secret, &w.secret_env) {
        (Some(secret), _) => Ok(secret.expose().as_bytes().to_vec()),
        (None, Some(var)) => match std::env::var(var) {
            Ok(value) if !value.is_empty() => Ok(value.into_bytes()),
            _ => Err(format!(
                "environment variable {var} (secret_env) is not set"
            )),
        },
        (None, None) => Err("no secret configured".into()),
    }
}

async fn http_attempt(request: reqwest::RequestBuilder) -> Attempt {
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                return Attempt::Done {
                    http_status: Some(status.as_u16()),
                    smtp_response: None,
                };
            }
            let after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let message = format!("HTTP {status}");
            if status.is_server_error()
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
            {
                Attempt::Retry { message, after }
            } else {
                Attempt::Fatal(message)
            }
        }
        Err(err) => Attempt::Retry {
            // Without the URL: a Slack webhook URL is a credential.
            message: one_line(&error_chain(&err.without_url())),
            after: None,
        },
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message with From, To and Subject set, ready for its body.
pub(crate) fn email_message(
    e: &EmailConfig,
    subject: &str,
) -> Result<lettre::message::MessageBuilder, String> {
    let from: Mailbox = e
        .from
        .parse()
        .map_err(|err| format!("from address `{}`: {err}", e.from))?;
    let mut builder = Message::builder().from(from).subject(subject);
    for to in &e.to {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|err| format!("to address `{to}`: {err}"))?;
        builder = builder.to(mailbox);
    }
    Ok(builder)
}

/// A text body; 8bit keeps it readable on the wire (lettre refuses it only for very long
/// lines, which then get its default encoding).
pub(crate) fn text_body(text: String) -> Body {
    Body::new_with_encoding(
        text.clone(),
        lettre::message::header::ContentTransferEncoding::EightBit,
    )
    .unwrap_or_else(|_| Body::new(text))
}

/// The SMTP connection the channel describes.
pub(crate) fn smtp_transport(
    e: &EmailConfig,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let transport = match e.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&e.smtp_host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&e.smtp_host)
            .map_err(|err| format!("smtp_host `{}`: {err}", e.smtp_host))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&e.smtp_host)
            .map_err(|err| format!("smtp_host `{}`: {err}", e.smtp_host))?,
    };
    let mut transport = transport.port(e.port()).timeout(Some(timeout));
    if let Some(user) = &e.username {
        let password = match &e.password_env {
            Some(var) => std::env::var(var)
                .map_err(|_| format!("environment variable {var} (password_env) is not set"))?,
            None => String::new(),
        };
        transport = transport.credentials(Credentials::new(user.clone(), password));
    }
    Ok(transport.build())
}

async fn smtp_attempt(transport: &AsyncSmtpTransport<Tokio1Executor>, message: Message) -> Attempt {
    match transport.send(message).await {
        Ok(response) => {
            let text: Vec<&str> = response.message().collect();
            Attempt::Done {
                http_status: None,
                smtp_response: Some(one_line(&format!("{} {}", response.code(), text.join(" ")))),
            }
        }
        Err(err) => {
            let message = one_line(&error_chain(&err));
            if err.is_permanent() {
                Attempt::Fatal(message)
            } else {
                Attempt::Retry {
                    message,
                    after: None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_openssl() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'whsec'
        assert_eq!(
            sign(b"whsec", 1_700_000_000, br#"{"a":1}"#),
            "sha256=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032"
        );
    }

    #[test]
    fn verify_accepts_fresh_and_rejects_stale_or_forged() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_100).unwrap();
        let body = br#"{"kind":"test"}"#;
        let sig = sign(b"k1", 1_700_000_000, body);
        let tol = Duration::from_secs(300);
        assert!(verify(b"k1", "1700000000", &sig, body, now, tol));
        assert!(!verify(b"k2", "1700000000", &sig, body, now, tol));
        assert!(!verify(b"k1", "1700000001", &sig, body, now, tol));
        assert!(!verify(b"k1", "1700000000", &sig, b"{}", now, tol));
        let later = OffsetDateTime::from_unix_timestamp(1_700_001_000).unwrap();
        assert!(!verify(b"k1", "1700000000", &sig, body, later, tol));
        assert!(!verify(b"k1", "1700000000", "sha256=zz", body, now, tol));
    }

    #[test]
    fn delivery_ids_are_uuid_v4_and_distinct() {
        let a = new_delivery_id();
        let b = new_delivery_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }
}
