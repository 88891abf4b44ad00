//! Portfolio facts turned into notifications, and their delivery.
//!
//! Every function here groups findings **per product and kind**: one notification says "these
//! findings of product P are new" (or due soon, overdue, ...), so that `[[notify.routes]]`
//! can send each product's news to its own team. Stale-image findings (`STALE-IMAGE`) always
//! travel as [`NotificationKind::StaleImage`], never as ordinary new or regressed findings.
//!
//! | source | kinds |
//! |---|---|
//! | a recorded scan ([`for_record`]) | `finding_new`, `finding_regressed`, `stale_image` |
//! | a re-evaluation ([`for_reevaluation`], [`reevaluation_summary`]) | `finding_new`, `finding_regressed`, `stale_image`, `reevaluation_summary` |
//! | the daily reminders ([`reminders`], [`for_reminders`]) | `finding_due_soon`, `finding_overdue` |
//! | the weekly stale-image check ([`stale_images`], [`for_stale_images`]) | `stale_image` |
//!
//! [`send_all`] routes and delivers a batch; it logs failures and never fails its caller.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use patchwarden_core::Severity;
use patchwarden_notify::{FindingItem, Notification, NotificationKind, Rules};
use patchwarden_policy::exceptions::parse_date;
use patchwarden_store::{FindingFilter, FindingRow, Store};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

use crate::EngineError;
use crate::portfolio::{Brief, Located, RecordSummary, ReevaluationReport, STALE_IMAGE_ID};

/// The reminder window: active findings due within this many days are "due soon".
pub const REMINDER_DAYS: i64 = 7;

/// The statuses that still need work, which reminders are about.
pub const ACTIVE_STATUSES: [&str; 3] = ["open", "triaged", "patching"];

/// At most this many notifications are delivered at the same time by [`send_all`].
const PARALLEL_DELIVERIES: usize = 4;

/// An RFC 3339 time as a timestamp; an unreadable one (which the callers never pass) is
/// replaced by the clock.
fn time_of(now: &str) -> OffsetDateTime {
    OffsetDateTime::parse(now, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

fn severity_of(label: &str) -> Severity {
    Severity::from_label(label).unwrap_or(Severity::Unknown)
}

fn item_of_brief(b: &Brief) -> FindingItem {
    FindingItem {
        id: b.id,
        vulnerability_id: b.vulnerability_id.clone(),
        package: b.package.clone(),
        versions: b.versions.clone(),
        severity: severity_of(&b.severity),
        due: parse_date(&b.due),
        status: b.status.clone(),
        url: None,
    }
}

fn item_of_row(r: &FindingRow) -> FindingItem {
    FindingItem {
        id: r.id,
        vulnerability_id: r.vulnerability_id.clone(),
        package: r.package.clone(),
        versions: r.versions.clone(),
        severity: severity_of(&r.severity),
        due: parse_date(&r.due),
        status: r.status.clone(),
        url: None,
    }
}

/// Most urgent first: most severe, then earliest due (no due date last), then by id.
fn urgent_first(items: &mut [FindingItem]) {
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| match (a.due, b.due) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.id.cmp(&b.id))
    });
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn title(kind: NotificationKind, n: usize) -> String {
    match kind {
        NotificationKind::FindingNew => count(n, "new finding", "new findings"),
        NotificationKind::FindingRegressed => count(n, "regressed finding", "regressed findings"),
        NotificationKind::FindingDueSoon => format!(
            "{} due within {REMINDER_DAYS} days",
            count(n, "finding", "findings")
        ),
        NotificationKind::FindingOverdue => {
            format!("{} now overdue", count(n, "finding", "findings"))
        }
        NotificationKind::StaleImage => count(n, "stale image", "stale images"),
        NotificationKind::ReevaluationSummary | NotificationKind::Test => kind.label().to_string(),
    }
}

/// Findings collected for one product and kind.
#[derive(Default)]
struct Group {
    projects: BTreeSet<String>,
    items: Vec<FindingItem>,
}

/// Findings sorted into (product, kind) groups, each group becoming one notification.
#[derive(Default)]
struct Groups(BTreeMap<(String, NotificationKind), Group>);

impl Groups {
    fn add(&mut self, kind: NotificationKind, product: &str, project: &str, item: FindingItem) {
        let group = self.0.entry((product.to_string(), kind)).or_default();
        group.projects.insert(project.to_string());
        group.items.push(item);
    }

    /// One notification per group, products in name order; `context` gives the summary line
    /// from the kind and the group's projects.
    fn notifications(
        self,
        now: &str,
        context: impl Fn(NotificationKind, &str) -> String,
    ) -> Vec<Notification> {
        let time = time_of(now);
        self.0
            .into_iter()
            .map(|((product, kind), mut group)| {
                urgent_first(&mut group.items);
                let projects: Vec<&str> = group.projects.iter().map(String::as_str).collect();
                let projects = format!(
                    "{} {}",
                    if projects.len() == 1 {
                        "project"
                    } else {
                        "projects"
                    },
                    projects.join(", ")
                );
                Notification::new(
                    kind,
                    Some(&product),
                    title(kind, group.items.len()),
                    group.items,
                    time,
                )
                .with_summary(context(kind, &projects))
            })
            .collect()
    }
}

fn is_stale_image(vulnerability_id: &str) -> bool {
    vulnerability_id == STALE_IMAGE_ID
}

/// The kind for a finding that appeared (`new`) or came back.
fn change_kind(vulnerability_id: &str, regressed: bool) -> NotificationKind {
    if is_stale_image(vulnerability_id) {
        NotificationKind::StaleImage
    } else if regressed {
        NotificationKind::FindingRegressed
    } else {
        NotificationKind::FindingNew
    }
}

/// The notifications of a recorded scan (`scan --record`, or a scan uploaded to the server):
/// its `new` findings as `finding_new`, its `regressed` ones as `finding_regressed`, and a
/// stale-image finding among either as `stale_image`; all about the summary's product. Empty
/// when nothing appeared or came back.
pub fn for_record(summary: &RecordSummary, now: &str) -> Vec<Notification> {
    let mut groups = Groups::default();
    for (briefs, regressed) in [(&summary.new, false), (&summary.regressed, true)] {
        for b in briefs {
            groups.add(
                change_kind(&b.vulnerability_id, regressed),
                &summary.product,
                &summary.project,
                item_of_brief(b),
            );
        }
    }
    let artifact = &summary.artifact_ref;
    groups.notifications(now, |kind, projects| match kind {
        NotificationKind::FindingRegressed => {
            format!("fixed before, back in artifact {artifact} of {projects}")
        }
        NotificationKind::StaleImage => {
            format!(
                "image not rebuilt within the policy's limit: artifact {artifact} of {projects}"
            )
        }
        _ => format!("recorded in artifact {artifact} of {projects}"),
    })
}

/// The notifications of a re-evaluation, per product: findings that appeared
/// (`finding_new`), fixed findings that matched again (`finding_regressed`), and images that
/// became stale (`stale_image`). The portfolio-wide tally is [`reevaluation_summary`].
pub fn for_reevaluation(report: &ReevaluationReport, now: &str) -> Vec<Notification> {
    let mut groups = Groups::default();
    for (located, regressed) in [(&report.new, false), (&report.regressed, true)] {
        for Located {
            product,
            project,
            finding,
        } in located
        {
            groups.add(
                change_kind(&finding.vulnerability_id, regressed),
                product,
                project,
                item_of_brief(finding),
            );
        }
    }
    groups.notifications(now, |kind, projects| match kind {
        NotificationKind::StaleImage => {
            format!("image not rebuilt within the policy's limit: {projects}")
        }
        _ => format!(
            "found by matching the latest artifacts against the advisories now stored: {projects}"
        ),
    })
}

/// The portfolio-wide `reevaluation_summary` (no product): the re-evaluation's tallies, with
/// the findings that appeared or came back as items (so that `min_severity` routes see them).
/// `note` is put in front of the tallies (for example the advisory update's outcome).
pub fn reevaluation_summary(
    report: &ReevaluationReport,
    note: Option<&str>,
    now: &str,
) -> Notification {
    let mut items: Vec<FindingItem> = report
        .new
        .iter()
        .chain(&report.regressed)
        .map(|l| item_of_brief(&l.finding))
        .collect();
    urgent_first(&mut items);
    let tallies = format!(
        "{} ({} distinct components) matched again: {} new, {} regressed, {} closed, {} updated",
        count(report.projects, "project", "projects"),
        report.components,
        report.findings_new,
        report.regressed.len(),
        report.findings_closed,
        report.findings_updated,
    );
    let summary = match note {
        Some(note) => format!("{note}; {tallies}"),
        None => tallies,
    };
    let title = format!(
        "Re-evaluation: {}",
        count(report.findings_new, "new finding", "new findings")
    );
    Notification::new(
        NotificationKind::ReevaluationSummary,
        None,
        title,
        items,
        time_of(now),
    )
    .with_summary(summary)
}

/// What the daily reminders found, and the notifications that say it.
#[derive(Clone, Debug, Serialize)]
pub struct Reminders {
    /// The day the reminders are for.
    pub today: String,
    /// Findings due on this day or later, and before today, are newly overdue: the day of the
    /// previous reminder run, or yesterday when there was none.
    pub overdue_since: String,
    /// Active findings due today or within [`REMINDER_DAYS`] days.
    pub due_within_7_days: usize,
    /// Active findings whose due date passed since `overdue_since`.
    pub newly_overdue: usize,
    /// Every active finding past its due date.
    pub overdue: usize,
    /// `finding_due_soon` and `finding_overdue`, per product.
    #[serde(skip)]
    pub notifications: Vec<Notification>,
}

/// The reminders for `today`, from the findings (only active ones count): those due from
/// today to today + [`REMINDER_DAYS`] as `finding_due_soon`, those due from `overdue_since`
/// (inclusive) to today (exclusive) as `finding_overdue`. A finding is overdue the day after
/// its due date, so with daily runs `overdue_since` is yesterday and each finding is reported
/// overdue once; after a missed day the window covers it.
pub fn for_reminders(
    findings: &[FindingRow],
    today: Date,
    overdue_since: Date,
    now: &str,
) -> Reminders {
    let overdue_since = overdue_since.min(today);
    let horizon = today.saturating_add(Duration::days(REMINDER_DAYS));
    let mut groups = Groups::default();
    let (mut due_soon, mut newly_overdue, mut overdue) = (0, 0, 0);
    for f in findings {
        if !ACTIVE_STATUSES.contains(&f.status.as_str()) {
            continue;
        }
        let Some(due) = parse_date(&f.due) else {
            continue;
        };
        if due >= today && due <= horizon {
            due_soon += 1;
            groups.add(
                NotificationKind::FindingDueSoon,
                &f.product,
                &f.project,
                item_of_row(f),
            );
        }
        if due < today {
            overdue += 1;
            if due >= overdue_since {
                newly_overdue += 1;
                groups.add(
                    NotificationKind::FindingOverdue,
                    &f.product,
                    &f.project,
                    item_of_row(f),
                );
            }
        }
    }
    let last_overdue = today.previous_day().unwrap_or(today);
    let notifications = groups.notifications(now, |kind, projects| match kind {
        NotificationKind::FindingOverdue if overdue_since == last_overdue => {
            format!("due on {last_overdue}: {projects}")
        }
        NotificationKind::FindingOverdue => {
            format!("due between {overdue_since} and {last_overdue}: {projects}")
        }
        _ => format!("due between {today} and {horizon}: {projects}"),
    });
    Reminders {
        today: today.to_string(),
        overdue_since: overdue_since.to_string(),
        due_within_7_days: due_soon,
        newly_overdue,
        overdue,
        notifications,
    }
}

/// Reads the active findings and builds the reminders for the day of `now` (RFC 3339).
/// `previous` is when the previous reminder run happened (RFC 3339), if there was one:
/// findings that became overdue since that day are reported; without it, those due
/// yesterday.
pub async fn reminders(
    store: &Store,
    now: &str,
    previous: Option<&str>,
) -> Result<Reminders, EngineError> {
    let today =
        parse_date(now).ok_or_else(|| EngineError::Invalid(format!("bad clock time {now}")))?;
    let since = previous
        .and_then(parse_date)
        .unwrap_or_else(|| today.previous_day().unwrap_or(today));
    let active = store
        .findings(&FindingFilter {
            statuses: ACTIVE_STATUSES.iter().map(|s| s.to_string()).collect(),
            ..FindingFilter::default()
        })
        .await?;
    Ok(for_reminders(&active, today, since, now))
}

/// The weekly stale-image report: every active stale-image finding, one `stale_image`
/// notification per product.
pub fn for_stale_images(findings: &[FindingRow], now: &str) -> Vec<Notification> {
    let mut groups = Groups::default();
    for f in findings {
        if is_stale_image(&f.vulnerability_id) && ACTIVE_STATUSES.contains(&f.status.as_str()) {
            groups.add(
                NotificationKind::StaleImage,
                &f.product,
                &f.project,
                item_of_row(f),
            );
        }
    }
    groups.notifications(now, |_, projects| {
        format!("images not rebuilt within the policy's limit: {projects}")
    })
}

/// Reads the active stale-image findings and builds [`for_stale_images`].
pub async fn stale_images(store: &Store, now: &str) -> Result<Vec<Notification>, EngineError> {
    let active = store
        .findings(&FindingFilter {
            statuses: ACTIVE_STATUSES.iter().map(|s| s.to_string()).collect(),
            vulnerability: Some(STALE_IMAGE_ID.to_string()),
            ..FindingFilter::default()
        })
        .await?;
    Ok(for_stale_images(&active, now))
}

/// Deliveries through one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChannelTally {
    /// Notifications delivered.
    pub sent: usize,
    /// Notifications that could not be delivered (after the channel's retries).
    pub failed: usize,
}

/// What [`send_all`] did, for a job's log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SendReport {
    /// Notifications produced.
    pub notifications: usize,
    /// How many of each kind.
    pub kinds: BTreeMap<String, usize>,
    /// Notifications that no route sent anywhere.
    pub unrouted: usize,
    /// Per channel that was chosen at least once.
    pub channels: BTreeMap<String, ChannelTally>,
    /// One line per failed delivery: kind, product, channel and the reason.
    pub failures: Vec<String>,
}

/// One channel's outcome for one notification: its name, and the error when it failed.
type ChannelOutcome = (String, Result<(), String>);

/// Routes and delivers each notification to its channels (a few notifications at a time,
/// each channel with its retries). Failures are logged and counted, never returned: a
/// channel that is down must not fail the job or the request that produced the news.
pub async fn send_all(rules: &Rules, notifications: &[Notification]) -> SendReport {
    let mut report = SendReport {
        notifications: notifications.len(),
        ..SendReport::default()
    };
    for n in notifications {
        *report.kinds.entry(n.kind.as_str().to_string()).or_default() += 1;
    }
    let rules = Arc::new(rules.clone());
    let mut pending = notifications.iter().cloned().enumerate();
    let mut running = tokio::task::JoinSet::new();
    let mut outcomes: Vec<Option<Vec<ChannelOutcome>>> = vec![None; notifications.len()];
    loop {
        while running.len() < PARALLEL_DELIVERIES {
            let Some((index, n)) = pending.next() else {
                break;
            };
            let rules = rules.clone();
            running.spawn(async move {
                let outcome = patchwarden_notify::notify(&rules, &n).await;
                (
                    index,
                    outcome
                        .into_iter()
                        .map(|(channel, r)| (channel, r.map(|_| ()).map_err(|e| e.to_string())))
                        .collect::<Vec<_>>(),
                )
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined {
            Ok((index, outcome)) => {
                if let Some(slot) = outcomes.get_mut(index) {
                    *slot = Some(outcome);
                }
            }
            Err(e) => tracing::error!("a notification delivery task stopped: {e}"),
        }
    }
    for (n, outcome) in notifications.iter().zip(outcomes) {
        let product = n.product.as_deref().unwrap_or("*");
        let Some(outcome) = outcome else {
            report
                .failures
                .push(format!("{} [{product}]: delivery did not finish", n.kind));
            continue;
        };
        if outcome.is_empty() {
            report.unrouted += 1;
            tracing::debug!(kind = %n.kind, product, "no route for this notification");
        }
        for (channel, result) in outcome {
            let tally = report.channels.entry(channel.clone()).or_default();
            match result {
                Ok(()) => {
                    tally.sent += 1;
                    tracing::info!(kind = %n.kind, product, channel, "notification sent");
                }
                Err(e) => {
                    tally.failed += 1;
                    tracing::error!(kind = %n.kind, product, "{e}");
                    report.failures.push(format!("{} [{product}]: {e}", n.kind));
                }
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const NOW: &str = "2026-02-03T07:00:00Z";

    fn row(id: i64, product: &str, severity: &str, due: &str, status: &str) -> FindingRow {
        FindingRow {
            id,
            product_id: 1,
            product: product.into(),
            project_id: 1,
            project: format!("{product}-app"),
            ecosystem: "npm".into(),
            package: format!("pkg{id}"),
            vulnerability_id: format!("CVE-2026-{id:04}"),
            ids: vec![format!("CVE-2026-{id:04}")],
            versions: vec!["1.0.0".into()],
            purl: None,
            path: None,
            summary: None,
            severity: severity.into(),
            cvss_vector: None,
            cvss_score: None,
            fixed_versions: Vec::new(),
            kev: false,
            epss: None,
            published: None,
            first_seen: "2026-01-01T00:00:00Z".into(),
            last_seen: "2026-01-01T00:00:00Z".into(),
            first_artifact_id: Some(1),
            last_artifact_id: Some(1),
            due: due.into(),
            sla_days: 30,
            status: status.into(),
            status_reason: None,
            closed_by_system: false,
            accepted_by: None,
            accepted_until: None,
            fixed_at: None,
            fixed_artifact_id: None,
            verified_at: None,
            verified_deployment_id: None,
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn brief(id: i64, vulnerability_id: &str, severity: &str) -> Brief {
        Brief {
            id,
            vulnerability_id: vulnerability_id.into(),
            ecosystem: "npm".into(),
            package: format!("pkg{id}"),
            versions: vec!["1.0.0".into()],
            severity: severity.into(),
            status: "open".into(),
            first_seen: NOW.into(),
            due: "2026-03-05".into(),
        }
    }

    /// (kind, product, item ids) of each notification.
    fn shape(ns: &[Notification]) -> Vec<(NotificationKind, Option<String>, Vec<i64>)> {
        ns.iter()
            .map(|n| {
                (
                    n.kind,
                    n.product.clone(),
                    n.items.iter().map(|i| i.id).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn reminders_group_per_product_and_window() {
        use NotificationKind::{FindingDueSoon, FindingOverdue};
        let today = date!(2026 - 02 - 03);
        let findings = [
            row(1, "shop", "High", "2026-02-03", "open"), // due today: soon
            row(2, "shop", "Critical", "2026-02-10", "triaged"), // last day of the window
            row(3, "shop", "High", "2026-02-11", "open"), // beyond the window
            row(4, "shop", "Low", "2026-02-02", "patching"), // due yesterday: newly overdue
            row(5, "shop", "High", "2026-01-20", "open"), // overdue long ago
            row(6, "billing", "Medium", "2026-02-05", "open"),
            row(7, "billing", "High", "2026-02-05", "risk_accepted"), // not active
            row(8, "billing", "High", "2026-02-01", "open"), // overdue the day before yesterday
            row(9, "billing", "High", "not a date", "open"),
        ];
        let daily = for_reminders(&findings, today, date!(2026 - 02 - 02), NOW);
        assert_eq!(
            shape(&daily.notifications),
            [
                (FindingDueSoon, Some("billing".into()), vec![6]),
                (FindingDueSoon, Some("shop".into()), vec![2, 1]),
                (FindingOverdue, Some("shop".into()), vec![4]),
            ]
        );
        assert_eq!(
            (daily.due_within_7_days, daily.newly_overdue, daily.overdue),
            (3, 1, 3)
        );
        let shop_soon = &daily.notifications[1];
        assert_eq!(shop_soon.title, "2 findings due within 7 days");
        assert_eq!(
            shop_soon.summary.as_deref(),
            Some("due between 2026-02-03 and 2026-02-10: project shop-app")
        );
        assert_eq!(shop_soon.counts.critical, 1);
        assert_eq!(
            daily.notifications[2].summary.as_deref(),
            Some("due on 2026-02-02: project shop-app")
        );

        // The previous run was three days ago: what became overdue since then.
        let late = for_reminders(&findings, today, date!(2026 - 01 - 31), NOW);
        assert_eq!(
            shape(&late.notifications)[1..],
            [
                (FindingOverdue, Some("billing".into()), vec![8]),
                (FindingDueSoon, Some("shop".into()), vec![2, 1]),
                (FindingOverdue, Some("shop".into()), vec![4]),
            ]
        );
        assert_eq!(late.overdue_since, "2026-01-31");
        // Twice on the same day: nothing is newly overdue the second time.
        let again = for_reminders(&findings, today, today, NOW);
        assert_eq!(again.newly_overdue, 0);
        // A previous run "in the future" (a clock set back) is clamped to today.
        let skewed = for_reminders(&findings, today, date!(2026 - 03 - 01), NOW);
        assert_eq!(skewed.overdue_since, "2026-02-03");
    }

    #[test]
    fn a_record_splits_new_regressed_and_stale_images() {
        use NotificationKind::{FindingNew, FindingRegressed, StaleImage};
        let summary = RecordSummary {
            product: "shop".into(),
            project: "web".into(),
            artifact_id: 3,
            artifact_ref: "v3".into(),
            previous_artifact_id: Some(2),
            new: vec![
                brief(10, "CVE-2026-0010", "Medium"),
                brief(11, STALE_IMAGE_ID, "Medium"),
                brief(12, "CVE-2026-0012", "Critical"),
            ],
            still_open: vec![brief(1, "CVE-2026-0001", "High")],
            gone: vec![brief(2, "CVE-2026-0002", "High")],
            regressed: vec![brief(4, "CVE-2026-0004", "Low")],
        };
        let ns = for_record(&summary, NOW);
        assert_eq!(
            shape(&ns),
            [
                (FindingNew, Some("shop".into()), vec![12, 10]),
                (FindingRegressed, Some("shop".into()), vec![4]),
                (StaleImage, Some("shop".into()), vec![11]),
            ]
        );
        assert_eq!(ns[0].title, "2 new findings");
        assert_eq!(
            ns[0].summary.as_deref(),
            Some("recorded in artifact v3 of project web")
        );
        assert_eq!(ns[0].items[0].due, Some(date!(2026 - 03 - 05)));
        assert_eq!(ns[0].items[0].severity, Severity::Critical);
        assert_eq!(ns[0].time.unix_timestamp(), 1_770_102_000);
        let quiet = RecordSummary {
            new: Vec::new(),
            regressed: Vec::new(),
            ..summary
        };
        assert!(for_record(&quiet, NOW).is_empty());
    }

    #[test]
    fn a_reevaluation_notifies_each_product_and_sums_up() {
        use NotificationKind::{FindingNew, FindingRegressed};
        let located = |product: &str, project: &str, b: Brief| Located {
            product: product.into(),
            project: project.into(),
            finding: b,
        };
        let report = ReevaluationReport {
            projects: 3,
            components: 120,
            findings_new: 3,
            findings_closed: 1,
            findings_updated: 2,
            elapsed_ms: 5,
            new: vec![
                located("shop", "web", brief(20, "CVE-2026-0020", "High")),
                located("shop", "admin", brief(21, "CVE-2026-0020", "High")),
                located("billing", "api", brief(22, "GHSA-aaaa", "Low")),
            ],
            regressed: vec![located(
                "billing",
                "api",
                brief(5, "CVE-2026-0005", "Medium"),
            )],
        };
        let ns = for_reevaluation(&report, NOW);
        assert_eq!(
            shape(&ns),
            [
                (FindingNew, Some("billing".into()), vec![22]),
                (FindingRegressed, Some("billing".into()), vec![5]),
                (FindingNew, Some("shop".into()), vec![20, 21]),
            ]
        );
        assert_eq!(
            ns[2].summary.as_deref(),
            Some(
                "found by matching the latest artifacts against the advisories now stored: projects admin, web"
            )
        );
        let s = reevaluation_summary(&report, Some("advisory update: 5 sources, 0 failed"), NOW);
        assert_eq!(s.kind, NotificationKind::ReevaluationSummary);
        assert_eq!(s.product, None);
        assert_eq!(s.title, "Re-evaluation: 3 new findings");
        assert_eq!(
            s.summary.as_deref(),
            Some(
                "advisory update: 5 sources, 0 failed; 3 projects (120 distinct components) matched again: 3 new, 1 regressed, 1 closed, 2 updated"
            )
        );
        assert_eq!(s.counts.total, 4);
        assert_eq!(s.items[0].severity, Severity::High);
    }

    #[test]
    fn stale_images_only_active_ones() {
        let mut stale = row(30, "shop", "Medium", "2026-02-20", "open");
        stale.vulnerability_id = STALE_IMAGE_ID.into();
        stale.ecosystem = "image".into();
        stale.package = "shop/web:latest".into();
        let mut done = stale.clone();
        done.id = 31;
        done.status = "fixed".into();
        let other = row(32, "shop", "High", "2026-02-20", "open");
        let ns = for_stale_images(&[stale, done, other], NOW);
        assert_eq!(
            shape(&ns),
            [(NotificationKind::StaleImage, Some("shop".into()), vec![30])]
        );
        assert_eq!(ns[0].title, "1 stale image");
        assert_eq!(ns[0].items[0].package, "shop/web:latest");
    }

    #[tokio::test]
    async fn sending_without_routes_counts_unrouted() {
        let ns = for_stale_images(&[], NOW);
        assert!(ns.is_empty());
        let n = Notification::test(time_of(NOW));
        let report = send_all(&Rules::default(), &[n.clone(), n]).await;
        assert_eq!(report.notifications, 2);
        assert_eq!(report.unrouted, 2);
        assert_eq!(report.kinds.get("test"), Some(&2));
        assert!(report.channels.is_empty() && report.failures.is_empty());
    }
}
