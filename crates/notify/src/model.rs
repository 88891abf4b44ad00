//! What a notification says, independent of the channel that carries it.
//!
//! The JSON form of [`Notification`] is the webhook payload and is documented in
//! `docs/notifications.md`; field names and value spellings are part of the public contract.

use std::fmt;

use patchwarden_core::Severity;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The version of the JSON payload; bumped only for incompatible changes.
pub const PAYLOAD_SCHEMA: u32 = 1;

/// At most this many finding items travel in one notification; `counts` still covers them all.
pub const MAX_ITEMS: usize = 50;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Findings seen for the first time in a product.
    FindingNew,
    /// Open findings whose due date falls within the reminder window.
    FindingDueSoon,
    /// Open findings whose due date has just passed.
    FindingOverdue,
    /// Findings that were fixed and came back.
    FindingRegressed,
    /// Images (artifacts) not rebuilt or rescanned for too long.
    StaleImage,
    /// The outcome of a portfolio re-evaluation after an advisory update.
    ReevaluationSummary,
    /// A test message sent on request, to check a channel.
    Test,
}

impl NotificationKind {
    /// Every kind, in documentation order.
    pub const ALL: [NotificationKind; 7] = [
        NotificationKind::FindingNew,
        NotificationKind::FindingDueSoon,
        NotificationKind::FindingOverdue,
        NotificationKind::FindingRegressed,
        NotificationKind::StaleImage,
        NotificationKind::ReevaluationSummary,
        NotificationKind::Test,
    ];

    /// The wire name (`finding_new`, ...), also sent in the `X-Patchwarden-Event` header.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::FindingNew => "finding_new",
            NotificationKind::FindingDueSoon => "finding_due_soon",
            NotificationKind::FindingOverdue => "finding_overdue",
            NotificationKind::FindingRegressed => "finding_regressed",
            NotificationKind::StaleImage => "stale_image",
            NotificationKind::ReevaluationSummary => "reevaluation_summary",
            NotificationKind::Test => "test",
        }
    }

    /// A short human label for subjects and headings.
    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::FindingNew => "New findings",
            NotificationKind::FindingDueSoon => "Findings due soon",
            NotificationKind::FindingOverdue => "Overdue findings",
            NotificationKind::FindingRegressed => "Regressed findings",
            NotificationKind::StaleImage => "Stale images",
            NotificationKind::ReevaluationSummary => "Re-evaluation summary",
            NotificationKind::Test => "Test notification",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding mentioned by a notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingItem {
    /// The finding's id in the portfolio (`patchwarden findings show <id>`).
    pub id: i64,
    /// The vulnerability's primary id (`CVE-...`, `GHSA-...`, ...).
    pub vulnerability_id: String,
    /// The affected package name.
    pub package: String,
    /// The affected versions present in the product.
    pub versions: Vec<String>,
    /// The finding's rated severity.
    pub severity: Severity,
    /// The patch deadline, when the policy sets one.
    #[serde(with = "iso_date::option")]
    pub due: Option<Date>,
    /// The lifecycle status (`open`, `triaged`, `patching`, ...).
    pub status: String,
    /// A link to the finding in a dashboard or tracker, when one is configured.
    #[serde(default)]
    pub url: Option<String>,
}

/// How many findings a notification is about, by severity. `total` may exceed the number of
/// items carried, which are capped at [`MAX_ITEMS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: u64,
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    /// Severity `None` or `Unknown`.
    pub other: u64,
}

impl Counts {
    /// Counts the given items.
    pub fn of(items: &[FindingItem]) -> Counts {
        let mut counts = Counts::default();
        for item in items {
            counts.add(item.severity);
        }
        counts
    }

    /// Counts one more finding of this severity.
    pub fn add(&mut self, severity: Severity) {
        self.total += 1;
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::None | Severity::Unknown => self.other += 1,
        }
    }

    /// The most severe rating counted, if any finding is counted.
    pub fn max_severity(&self) -> Option<Severity> {
        if self.critical > 0 {
            Some(Severity::Critical)
        } else if self.high > 0 {
            Some(Severity::High)
        } else if self.medium > 0 {
            Some(Severity::Medium)
        } else if self.low > 0 {
            Some(Severity::Low)
        } else if self.other > 0 {
            Some(Severity::Unknown)
        } else {
            None
        }
    }
}

/// A notification: one event about one product (or the whole portfolio), with the findings it
/// concerns. Serialises to the stable webhook payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Always [`PAYLOAD_SCHEMA`] when produced by this crate.
    pub schema: u32,
    pub kind: NotificationKind,
    /// The product concerned; `None` for portfolio-wide notifications.
    pub product: Option<String>,
    /// A one-line human title.
    pub title: String,
    /// An optional longer line of text (for example a re-evaluation's tallies).
    #[serde(default)]
    pub summary: Option<String>,
    /// When the event was produced (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub counts: Counts,
    /// The findings, most urgent first, at most [`MAX_ITEMS`].
    pub items: Vec<FindingItem>,
}

impl Notification {
    /// A notification about these findings; counts are computed from all of them before the
    /// list is cut to [`MAX_ITEMS`]. Items keep the caller's order.
    pub fn new(
        kind: NotificationKind,
        product: Option<&str>,
        title: impl Into<String>,
        mut items: Vec<FindingItem>,
        time: OffsetDateTime,
    ) -> Notification {
        let counts = Counts::of(&items);
        items.truncate(MAX_ITEMS);
        Notification {
            schema: PAYLOAD_SCHEMA,
            kind,
            product: product.map(str::to_owned),
            title: title.into(),
            summary: None,
            time: time.to_offset(time::UtcOffset::UTC),
            counts,
            items,
        }
    }

    /// The same notification with a summary line.
    pub fn with_summary(mut self, summary: impl Into<String>) -> Notification {
        self.summary = Some(summary.into());
        self
    }

    /// The same notification with counts given by the caller (when the items are only a
    /// sample of what was counted).
    pub fn with_counts(mut self, counts: Counts) -> Notification {
        self.counts = counts;
        self
    }

    /// A test notification, as `patchwarden notify test` would send.
    pub fn test(time: OffsetDateTime) -> Notification {
        Notification::new(
            NotificationKind::Test,
            None,
            "Patchwarden test notification",
            Vec::new(),
            time,
        )
        .with_summary("If you can read this, the channel works.")
    }

    /// The most severe finding this notification is about (items and counts), if any.
    pub fn max_severity(&self) -> Option<Severity> {
        let items = self.items.iter().map(|i| i.severity).max();
        items.max(self.counts.max_severity())
    }

    /// The JSON payload, exactly as sent to webhooks (compact, fields in declaration order).
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_vec(self).expect("notification serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn item(id: i64, severity: Severity) -> FindingItem {
        FindingItem {
            id,
            vulnerability_id: format!("CVE-2026-{id:04}"),
            package: "lodash".into(),
            versions: vec!["4.17.20".into()],
            severity,
            due: Some(date!(2026 - 03 - 01)),
            status: "open".into(),
            url: None,
        }
    }

    #[test]
    fn payload_is_stable_json() {
        let n = Notification::new(
            NotificationKind::FindingDueSoon,
            Some("shop"),
            "1 finding due within 7 days",
            vec![item(42, Severity::High)],
            datetime!(2026-02-22 08:00 +01:00),
        );
        let json = String::from_utf8(n.to_json()).unwrap();
        assert_eq!(
            json,
            r#"{"schema":1,"kind":"finding_due_soon","product":"shop","title":"1 finding due within 7 days","summary":null,"time":"2026-02-22T07:00:00Z","counts":{"total":1,"critical":0,"high":1,"medium":0,"low":0,"other":0},"items":[{"id":42,"vulnerability_id":"CVE-2026-0042","package":"lodash","versions":["4.17.20"],"severity":"High","due":"2026-03-01","status":"open","url":null}]}"#
        );
        let back: Notification = serde_json::from_slice(json.as_bytes()).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn counts_cover_every_item_even_past_the_cap() {
        let items = (0..(MAX_ITEMS as i64 + 5))
            .map(|i| {
                item(
                    i,
                    if i == 0 {
                        Severity::Critical
                    } else {
                        Severity::Low
                    },
                )
            })
            .collect();
        let n = Notification::new(
            NotificationKind::FindingNew,
            Some("shop"),
            "t",
            items,
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(n.items.len(), MAX_ITEMS);
        assert_eq!(n.counts.total, MAX_ITEMS as u64 + 5);
        assert_eq!(n.counts.critical, 1);
        assert_eq!(n.max_severity(), Some(Severity::Critical));
    }

    #[test]
    fn kinds_round_trip_by_wire_name() {
        for kind in NotificationKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
