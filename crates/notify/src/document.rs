//! Delivering a document (a report) rather than a notification: a webhook receives its JSON
//! as the signed body, an email carries a text summary with the document's files attached.
//! The retries are those of every delivery ([`crate::deliver`]).

use lettre::message::Body;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment as MailAttachment, MultiPart, SinglePart};

use crate::config::{Channel, ChannelConfig};
use crate::deliver::{
    DeliveryReceipt, NotifyError, Prepared, email_message, send, smtp_transport, text_body,
    webhook_client, webhook_secret,
};

/// A document to deliver through a webhook or email channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The webhook's `X-Patchwarden-Event` header (`partner.report`).
    pub event: String,
    /// The webhook body: JSON, sent byte for byte and signed.
    pub json: Vec<u8>,
    /// The email's subject.
    pub subject: String,
    /// The email's text part.
    pub text: String,
    /// The email's attachments, in order.
    pub attachments: Vec<Attachment>,
}

/// A file attached to the email of a [`Document`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The file name the reader sees (`acme-2026Q3.json`).
    pub filename: String,
    /// Its media type (`application/json`, `text/html; charset=utf-8`).
    pub content_type: String,
    /// Its bytes.
    pub content: Vec<u8>,
}

/// Why a channel cannot carry documents, or `None` when it can: only webhook and email
/// channels can; a webhook's URL must be `https://`, or `http://` to a loopback host
/// (`127.0.0.0/8`, `::1`, `localhost`: local receivers and tests).
pub fn document_channel_problem(channel: &Channel) -> Option<String> {
    match &channel.config {
        ChannelConfig::Slack(_) => {
            Some("a slack channel cannot carry reports; use a webhook or email channel".to_string())
        }
        ChannelConfig::Email(_) => None,
        ChannelConfig::Webhook(w) => {
            let url = match reqwest::Url::parse(&w.url) {
                Ok(url) => url,
                Err(e) => return Some(format!("url `{}`: {e}", w.url)),
            };
            match url.scheme() {
                "https" => None,
                "http" if url.host_str().is_some_and(is_loopback) => None,
                _ => Some(format!(
                    "url `{}`: reports go to https:// URLs only (http:// only to a loopback host)",
                    w.url
                )),
            }
        }
    }
}

/// `localhost`, `127.x.y.z`, `::1` (with or without brackets).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sends a document through a webhook or email channel, retrying transient failures as
/// [`crate::deliver`] does. A webhook gets `document.json` as its body, signed like a
/// notification (`X-Patchwarden-Signature` over `<timestamp>.<body>`), with
/// `X-Patchwarden-Event: <document.event>`; an email gets the text and the attachments
/// (multipart/mixed). The receipt's SHA-256 is of the webhook body, or of the email as sent.
pub async fn deliver_document(
    channel: &Channel,
    document: &Document,
) -> Result<DeliveryReceipt, NotifyError> {
    let kind = channel.config.type_name();
    let config_error = |message: String| NotifyError::Config {
        channel: channel.name.clone(),
        kind,
        message,
    };
    if let Some(problem) = document_channel_problem(channel) {
        return Err(config_error(problem));
    }
    let prepared = match &channel.config {
        ChannelConfig::Webhook(w) => Prepared::Webhook {
            url: &w.url,
            client: webhook_client(w).map_err(config_error)?,
            secret: webhook_secret(w).map_err(config_error)?,
            event: document.event.clone(),
            body: document.json.clone(),
        },
        ChannelConfig::Email(e) => {
            let mut parts = MultiPart::mixed().singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(text_body(document.text.clone())),
            );
            for a in &document.attachments {
                let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                    config_error(format!(
                        "attachment {}: content type `{}`: {e}",
                        a.filename, a.content_type
                    ))
                })?;
                // Base64 whatever the content: receivers decode one encoding, and long lines
                // of minified JSON or HTML never meet a line limit.
                let body =
                    Body::new_with_encoding(a.content.clone(), ContentTransferEncoding::Base64)
                        .unwrap_or_else(Body::new);
                parts = parts
                    .singlepart(MailAttachment::new(a.filename.clone()).body(body, content_type));
            }
            let message = email_message(e, &document.subject)
                .and_then(|b| b.multipart(parts).map_err(|err| format!("message: {err}")))
                .map_err(config_error)?;
            let transport = smtp_transport(e, channel.delivery.timeout()).map_err(config_error)?;
            Prepared::Email {
                raw: message.formatted(),
                message: Box::new(message),
                transport: Box::new(transport),
            }
        }
        ChannelConfig::Slack(_) => {
            return Err(config_error(
                "a slack channel cannot carry reports; use a webhook or email channel".into(),
            ));
        }
    };
    send(channel, &prepared).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DeliveryConfig, EmailConfig, Secret, SlackConfig, SmtpTls, WebhookConfig};

    fn hook(url: &str) -> Channel {
        Channel {
            name: "h".into(),
            config: ChannelConfig::Webhook(WebhookConfig {
                url: url.into(),
                secret: Some(Secret::new("k")),
                secret_env: None,
                ca_file: None,
            }),
            delivery: DeliveryConfig::default(),
        }
    }

    #[test]
    fn only_https_or_loopback_webhooks_and_email_carry_documents() {
        for ok in [
            "https://partner.example/hooks/pw",
            "http://127.0.0.1:8080/x",
            "http://127.3.4.5/x",
            "http://localhost:9/x",
            "http://[::1]:9/x",
        ] {
            assert_eq!(document_channel_problem(&hook(ok)), None, "{ok}");
        }
        for bad in [
            "http://partner.example/x",
            "http://10.0.0.1/x",
            "http://localhost.evil.example/x",
            "ftp://127.0.0.1/x",
        ] {
            let problem = document_channel_problem(&hook(bad)).unwrap_or_default();
            assert!(problem.contains("https:// URLs only"), "{bad}: {problem}");
        }
        let slack = Channel {
            name: "s".into(),
            config: ChannelConfig::Slack(SlackConfig {
                url: Secret::new("https://hooks.slack.example/x"),
            }),
            delivery: DeliveryConfig::default(),
        };
        assert_eq!(
            document_channel_problem(&slack).as_deref(),
            Some("a slack channel cannot carry reports; use a webhook or email channel")
        );
        let mail = Channel {
            name: "m".into(),
            config: ChannelConfig::Email(EmailConfig {
                smtp_host: "mail.example".into(),
                smtp_port: None,
                tls: SmtpTls::Starttls,
                username: None,
                password_env: None,
                from: "pw@example.com".into(),
                to: vec!["p@example.com".into()],
            }),
            delivery: DeliveryConfig::default(),
        };
        assert_eq!(document_channel_problem(&mail), None);
    }
}
