//! The `[notify]` table of the server configuration: channels, routes and delivery settings,
//! and their validation into [`Rules`].

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use patchwarden_core::Severity;
use serde::{Deserialize, Deserializer};

use crate::model::NotificationKind;

/// A string that must never appear in logs or `Debug` output (webhook secrets, Slack webhook
/// URLs, which carry their own token).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The `[notify]` table as written in the configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Retry and timeout settings shared by every channel.
    #[serde(default)]
    pub delivery: DeliveryConfig,
    /// Channels by name: `[notify.channels.<name>]`.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// `[[notify.routes]]`, in order.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

/// Retries and timeouts. Attempt `n` (from 2) waits `backoff_ms * 2^(n-2)`, capped at
/// `max_backoff_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Attempts in all, including the first (at least 1).
    pub attempts: u32,
    /// The wait before the second attempt, in milliseconds.
    pub backoff_ms: u64,
    /// The longest wait between two attempts, in milliseconds.
    pub max_backoff_ms: u64,
    /// The time limit of one attempt (connect, send, answer), in seconds.
    pub timeout_secs: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            attempts: 4,
            backoff_ms: 2_000,
            max_backoff_ms: 60_000,
            timeout_secs: 15,
        }
    }
}

impl DeliveryConfig {
    /// The wait before attempt `attempt` (1-based; the first attempt does not wait).
    pub fn backoff(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let factor = 1u64.checked_shl(attempt - 2).unwrap_or(u64::MAX);
        Duration::from_millis(
            self.backoff_ms
                .saturating_mul(factor)
                .min(self.max_backoff_ms),
        )
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }
}

/// One channel: `type = "webhook" | "slack" | "email"` and that type's settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChannelConfig {
    Webhook(WebhookConfig),
    Slack(SlackConfig),
    Email(EmailConfig),
}

impl ChannelConfig {
    /// `webhook`, `slack` or `email`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ChannelConfig::Webhook(_) => "webhook",
            ChannelConfig::Slack(_) => "slack",
            ChannelConfig::Email(_) => "email",
        }
    }
}

/// A generic JSON webhook, signed with HMAC-SHA256.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// The shared signing secret, inline ...
    #[serde(default)]
    pub secret: Option<Secret>,
    /// ... or read from this environment variable at delivery time.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// A PEM file of the certificate authorities trusted for this URL instead of the
    /// system's (a private CA, a self-signed receiver); read at delivery time.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
}

/// A Slack (or Slack-compatible: Mattermost, Rocket.Chat, ...) incoming webhook.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The incoming-webhook URL; it is a credential and is never logged.
    pub url: Secret,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
    /// No encryption at all: only for a relay on the same host or in tests.
    None,
}

/// Email over SMTP.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub smtp_host: String,
    /// Defaults to 587 for `starttls`, 465 for `tls`, 25 for `none`.
    #[serde(default)]
    pub smtp_port: Option<u16>,
    #[serde(default = "default_tls")]
    pub tls: SmtpTls,
    #[serde(default)]
    pub username: Option<String>,
    /// The environment variable holding the SMTP password (never the password itself).
    #[serde(default)]
    pub password_env: Option<String>,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
}

fn default_tls() -> SmtpTls {
    SmtpTls::Starttls
}

impl EmailConfig {
    pub fn port(&self) -> u16 {
        self.smtp_port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

/// `products = ["*"]` or a list of product names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Products {
    Any,
    Named(Vec<String>),
}

impl<'de> Deserialize<'de> for Products {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let names = match Raw::deserialize(deserializer)? {
            Raw::One(name) => vec![name],
            Raw::Many(names) => names,
        };
        if names.is_empty() {
            return Err(serde::de::Error::custom(
                "products must name at least one product, or \"*\"",
            ));
        }
        if names.iter().any(|n| n == "*") {
            Ok(Products::Any)
        } else {
            Ok(Products::Named(names))
        }
    }
}

/// `kinds = "*"` / `["*"]` or a list of notification kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kinds {
    Any,
    Listed(Vec<NotificationKind>),
}

impl<'de> Deserialize<'de> for Kinds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let names = match Raw::deserialize(deserializer)? {
            Raw::One(name) => vec![name],
            Raw::Many(names) => names,
        };
        if names.iter().any(|n| n == "*") {
            return Ok(Kinds::Any);
        }
        if names.is_empty() {
            return Err(serde::de::Error::custom(
                "kinds must list at least one kind, or \"*\"",
            ));
        }
        let mut kinds = Vec::new();
        for name in names {
            let kind = NotificationKind::ALL
                .into_iter()
                .find(|k| k.as_str() == name)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown notification kind `{name}` (expected one of {})",
                        NotificationKind::ALL.map(|k| k.as_str()).join(", ")
                    ))
                })?;
            kinds.push(kind);
        }
        Ok(Kinds::Listed(kinds))
    }
}

/// A severity threshold, written in any case (`high`, `High`, `MODERATE`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinSeverity(pub Severity);

impl<'de> Deserialize<'de> for MinSeverity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let label = String::deserialize(deserializer)?;
        let severity = if label.eq_ignore_ascii_case("unknown") {
            Some(Severity::Unknown)
        } else {
            Severity::from_label(&label)
        };
        severity.map(MinSeverity).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown severity `{label}` (expected critical, high, medium, low, none or unknown)"
            ))
        })
    }
}

/// One `[[notify.routes]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Product names, or `"*"` (the default) for every product and portfolio-wide events.
    #[serde(default = "any_product")]
    pub products: Products,
    /// Notification kinds, or `"*"` (the default) for all.
    #[serde(default = "any_kind")]
    pub kinds: Kinds,
    /// Only notifications about at least one finding this severe (see [`crate::route`]).
    #[serde(default)]
    pub min_severity: Option<MinSeverity>,
    /// The name of a channel in `[notify.channels]`.
    pub channel: String,
}

fn any_product() -> Products {
    Products::Any
}

fn any_kind() -> Kinds {
    Kinds::Any
}

/// A configured channel with its name and delivery settings, ready to deliver to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub config: ChannelConfig,
    pub delivery: DeliveryConfig,
}

/// A validated configuration: every route names an existing channel, every webhook has exactly
/// one source for its secret, every email channel has recipients.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub channels: Vec<Channel>,
    pub routes: Vec<RouteConfig>,
}

/// A configuration mistake, found when the server starts rather than when a message is due.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("notify route {index} names channel `{channel}`, which is not in [notify.channels]")]
    UnknownChannel { index: usize, channel: String },
    #[error("notify channel `{0}`: {1}")]
    Channel(String, String),
    #[error("[notify.delivery]: attempts must be at least 1")]
    NoAttempts,
}

impl Rules {
    /// Checks a `[notify]` table and resolves route channel names.
    pub fn new(config: NotifyConfig) -> Result<Rules, ConfigError> {
        if config.delivery.attempts == 0 {
            return Err(ConfigError::NoAttempts);
        }
        for (index, route) in config.routes.iter().enumerate() {
            if !config.channels.contains_key(&route.channel) {
                return Err(ConfigError::UnknownChannel {
                    index: index + 1,
                    channel: route.channel.clone(),
                });
            }
        }
        let mut channels = Vec::new();
        for (name, channel) in config.channels {
            let problem = match &channel {
                ChannelConfig::Webhook(w) => match (&w.secret, &w.secret_env) {
                    (Some(_), Some(_)) => Some("set either secret or secret_env, not both"),
                    (None, None) => Some("a webhook needs secret or secret_env"),
                    _ if !w.url.starts_with("http://") && !w.url.starts_with("https://") => {
                        Some("url must start with http:// or https://")
                    }
                    _ => None,
                },
                ChannelConfig::Slack(s) => {
                    let url = s.url.expose();
                    (!url.starts_with("http://") && !url.starts_with("https://"))
                        .then_some("url must start with http:// or https://")
                }
                ChannelConfig::Email(e) => {
                    if e.to.is_empty() {
                        Some("to must list at least one recipient")
                    } else if e.password_env.is_some() && e.username.is_none() {
                        Some("password_env needs username")
                    } else {
                        None
                    }
                }
            };
            if let Some(problem) = problem {
                return Err(ConfigError::Channel(name, problem.to_owned()));
            }
            channels.push(Channel {
                name,
                config: channel,
                delivery: config.delivery,
            });
        }
        Ok(Rules {
            channels,
            routes: config.routes,
        })
    }

    /// The channel of this name.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let d = DeliveryConfig {
            attempts: 6,
            backoff_ms: 100,
            max_backoff_ms: 500,
            timeout_secs: 1,
        };
        let waits: Vec<u64> = (1..=6).map(|a| d.backoff(a).as_millis() as u64).collect();
        assert_eq!(waits, [0, 100, 200, 400, 500, 500]);
        assert_eq!(d.backoff(200), Duration::from_millis(500));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = WebhookConfig {
            url: "https://hooks.example/x".into(),
            secret: Some(Secret::new("hunter2")),
            secret_env: None,
            ca_file: None,
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
