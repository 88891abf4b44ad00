//! Notifications for Patchwarden: what is sent ([`Notification`], a stable JSON payload), where
//! it goes ([`Rules`] built from the `[notify]` configuration table, and [`route`]), and how it
//! gets there ([`deliver`]: signed JSON webhooks, Slack incoming webhooks, email over SMTP),
//! with bounded retries and exponential backoff.
//!
//! The server calls, for each event:
//!
//! ```no_run
//! # async fn run(rules: &patchwarden_notify::Rules, n: &patchwarden_notify::Notification) {
//! for (channel, outcome) in patchwarden_notify::notify(rules, n).await {
//!     match outcome {
//!         Ok(receipt) => println!("{channel}: sent, sha256 {}", receipt.payload_sha256),
//!         Err(err) => eprintln!("{err}"),
//!     }
//! }
//! # }
//! ```
//!
//! `docs/notifications.md` documents the payload, the signature and the configuration.

mod config;
mod deliver;
mod document;
mod model;
mod render;
mod route;

pub use config::{
    Channel, ChannelConfig, ConfigError, DeliveryConfig, EmailConfig, Kinds, MinSeverity,
    NotifyConfig, Products, RouteConfig, Rules, Secret, SlackConfig, SmtpTls, WebhookConfig,
};
pub use deliver::{
    DELIVERY_HEADER, DeliveryReceipt, EVENT_HEADER, NotifyError, SIGNATURE_HEADER,
    TIMESTAMP_HEADER, deliver, new_delivery_id, sha256_hex, sign, verify,
};
pub use document::{Attachment, Document, deliver_document, document_channel_problem};
pub use model::{Counts, FindingItem, MAX_ITEMS, Notification, NotificationKind, PAYLOAD_SCHEMA};
pub use render::{SHORT_LIST, email_body, email_subject, slack_payload};
pub use route::{route, route_matches};

/// Routes a notification and delivers it to every chosen channel concurrently. Returns one
/// outcome per channel, in routing order; a failing channel does not stop the others.
pub async fn notify(
    rules: &Rules,
    notification: &Notification,
) -> Vec<(String, Result<DeliveryReceipt, NotifyError>)> {
    let channels = route(rules, notification);
    let outcomes = futures_join_all(channels.iter().map(|c| deliver(c, notification))).await;
    channels
        .into_iter()
        .map(|c| c.name.clone())
        .zip(outcomes)
        .collect()
}

/// Runs futures concurrently on the current task and collects their outputs in order.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut outputs: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}
