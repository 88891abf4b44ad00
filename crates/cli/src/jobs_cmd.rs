//! What each scheduled job does (the runner `serve` schedules), `patchwarden jobs run JOB` to
//! run one now through the same path, and `patchwarden notify test` to check the channels.
//!
//! Every job delivers its notifications (docs/notifications.md) through the `[notify]` routes
//! and records what it sent in its outcome, which goes to the job log (`job_runs`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use patchwarden_engine::notices;
use patchwarden_engine::portfolio::{self, ReevaluationReport};
use patchwarden_engine::update::IntelConfig;
use patchwarden_notify::{
    Channel, DeliveryReceipt, Notification, NotificationKind, NotifyError, Rules,
};
use patchwarden_report::portfolio::Publisher;
use patchwarden_server::jobs::{self, JobFuture, Runner};
use patchwarden_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::portfolio_cmd::{render, table};
use crate::{Global, OutputArgs, now_rfc3339, open_store, write_output};

/// The jobs `serve` schedules and `jobs run` runs.
pub const JOBS: [&str; 5] = [
    "update",
    "reevaluate",
    "reminders",
    "stale-images",
    "partner-reports",
];

#[derive(Subcommand, Debug)]
pub enum JobsCommand {
    /// Run one scheduled job now, in the foreground, exactly as `serve` runs it: claim the
    /// slot in the job log, run, deliver the notifications, record the outcome; print it as
    /// JSON.
    #[command(
        after_help = "Jobs (what each sends: docs/notifications.md):\n  update        advisory update, then re-evaluation: new and regressed findings,\n                newly stale images, and a re-evaluation summary\n  reevaluate    re-evaluation alone (the summary only when something changed)\n  reminders     findings due within 7 days; findings overdue since the previous run\n  stale-images  re-evaluation, then every active stale image, per product\n  partner-reports\n                the previous quarter's partner report to every opted-in partner\n                that has not had it (docs/partners.md); fails, naming the partners,\n                when a delivery failed (the next run tries again)\n\nThe slot (default: now, to the second) is claimed in the job log and runs once: hosts that\nrun the same cron line with the same --slot run it once between them. Output: {\"job\",\n\"slot\", \"instance\", \"ran\", \"outcome\"}, or \"ran\": false and \"claimed_by\" when the slot\nwas taken.\n\nExamples:\n  patchwarden jobs run reminders\n  patchwarden jobs run partner-reports\n  patchwarden jobs run update --cache-dir /var/cache/patchwarden\n  patchwarden --config /etc/patchwarden.toml jobs run stale-images\n  # from system cron on several hosts:\n  patchwarden jobs run reminders --slot \"$(date -u +%Y-%m-%dT07:00:00Z)\"\n\nExit codes: 0 the job ran (or its slot had already run); 2 the job failed or bad input."
    )]
    Run(RunArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The job.
    #[arg(value_enum)]
    job: JobName,
    /// The slot to claim, an RFC 3339 time (default: now, to the second).
    #[arg(long, value_name = "TIME")]
    slot: Option<String>,
    /// This run's name in the job log (default: `cli:` and the host name and process id).
    #[arg(long, value_name = "NAME")]
    instance: Option<String>,
    /// Where advisory downloads are kept between runs (`update`; default: the user's cache
    /// directory).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum JobName {
    /// Advisory update, then re-evaluation.
    Update,
    /// Re-evaluation of the portfolio.
    Reevaluate,
    /// Due-soon and newly-overdue reminders.
    Reminders,
    /// The stale-image check.
    #[value(name = "stale-images")]
    StaleImages,
    /// The previous quarter's partner reports.
    #[value(name = "partner-reports")]
    PartnerReports,
}

impl JobName {
    fn as_str(self) -> &'static str {
        match self {
            JobName::Update => "update",
            JobName::Reevaluate => "reevaluate",
            JobName::Reminders => "reminders",
            JobName::StaleImages => "stale-images",
            JobName::PartnerReports => "partner-reports",
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Send a `test` notification to every configured channel (or one), ignoring the routes,
    /// and report each delivery.
    #[command(
        after_help = "Channels come from [notify.channels] of the configuration file (docs/notifications.md). Each channel gets its configured retries.\n\nExamples:\n  patchwarden notify test\n  patchwarden notify test --channel security-hook\n  patchwarden --config /etc/patchwarden.toml notify test --format json\n\nExit codes: 0 every channel took the message; 2 a channel failed (the report says which and why), no channel is configured, or the name is unknown."
    )]
    Test(TestArgs),
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Only this channel (a name under [notify.channels]).
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// What the jobs work with.
#[derive(Clone)]
pub struct JobContext {
    /// The database.
    pub store: Store,
    /// The advisory feeds (`update`).
    pub intel: IntelConfig,
    /// Where downloads are kept (`update`).
    pub cache: PathBuf,
    /// Who the jobs act as in the audit log.
    pub actor: String,
    /// Where notifications (and partner reports) go.
    pub rules: Arc<Rules>,
    /// Who publishes the partner reports.
    pub publisher: Publisher,
}

/// The cache directory for advisory downloads when none is given.
pub fn default_cache_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "patchwarden")
        .map(|d| d.cache_dir().join("feeds"))
        .context("cannot find a cache directory; pass --cache-dir")
}

/// What each job does, for the scheduler and for `jobs run`.
pub fn runner(context: JobContext) -> Runner {
    Arc::new(move |job: &str, slot: &str| -> JobFuture {
        let context = context.clone();
        let job = job.to_string();
        let slot = slot.to_string();
        Box::pin(async move { run_job(&context, &job, &slot).await })
    })
}

async fn run_job(context: &JobContext, job: &str, slot: &str) -> Result<Value, String> {
    let now = now_rfc3339();
    match job {
        "update" => update(context, &now).await,
        "reevaluate" => reevaluate(context, &now).await,
        "reminders" => reminders(context, slot, &now).await,
        "stale-images" => stale_images(context, &now).await,
        "partner-reports" => partner_reports(context, &now).await,
        other => Err(format!("unknown job {other}")),
    }
}

async fn reevaluation(context: &JobContext, now: &str) -> Result<ReevaluationReport, String> {
    portfolio::reevaluate(&context.store, &context.actor, now)
        .await
        .map_err(|e| e.to_string())
}

fn changed(r: &ReevaluationReport) -> bool {
    r.findings_new + r.findings_closed + r.findings_updated + r.regressed.len() > 0
}

/// The advisory update, then the re-evaluation (the zero-day path: whatever was imported,
/// the portfolio is matched again); the summary is always sent, with the update's outcome.
async fn update(context: &JobContext, now: &str) -> Result<Value, String> {
    let mut quiet = |_: &patchwarden_engine::update::FeedSource| -> Box<dyn patchwarden_intel::fetch::Progress> {
        Box::new(patchwarden_intel::fetch::NoProgress)
    };
    let reports = patchwarden_engine::update::update(
        &context.store,
        &context.intel.sources(),
        &context.cache,
        &patchwarden_intel::fetch::FetchOptions::default(),
        now,
        &mut quiet,
    )
    .await
    .map_err(|e| e.to_string())?;
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                patchwarden_engine::update::UpdateOutcome::Failed { .. }
            )
        })
        .map(|r| r.name.as_str())
        .collect();
    let report = reevaluation(context, now).await?;
    let mut notifications = notices::for_reevaluation(&report, now);
    let note = format!(
        "advisory update: {} sources, {}",
        reports.len(),
        if failed.is_empty() {
            "none failed".to_string()
        } else {
            format!("failed: {}", failed.join(", "))
        }
    );
    notifications.push(notices::reevaluation_summary(&report, Some(&note), now));
    let sent = notices::send_all(&context.rules, &notifications).await;
    Ok(json!({
        "sources": reports.len(),
        "failed": failed,
        "reevaluation": report,
        "notifications": sent,
    }))
}

/// The re-evaluation alone; the summary only when it changed something.
async fn reevaluate(context: &JobContext, now: &str) -> Result<Value, String> {
    let report = reevaluation(context, now).await?;
    let mut notifications = notices::for_reevaluation(&report, now);
    if changed(&report) {
        notifications.push(notices::reevaluation_summary(&report, None, now));
    }
    let sent = notices::send_all(&context.rules, &notifications).await;
    Ok(json!({"reevaluation": report, "notifications": sent}))
}

/// Due-soon and newly-overdue findings; "newly" means since the previous successful
/// reminders run (before this slot), or since yesterday when there was none.
async fn reminders(context: &JobContext, slot: &str, now: &str) -> Result<Value, String> {
    let previous = context
        .store
        .previous_job_run("reminders", slot)
        .await
        .map_err(|e| e.to_string())?;
    let found = notices::reminders(
        &context.store,
        now,
        previous.as_ref().map(|p| p.scheduled_for.as_str()),
    )
    .await
    .map_err(|e| e.to_string())?;
    let sent = notices::send_all(&context.rules, &found.notifications).await;
    let mut outcome = serde_json::to_value(&found).map_err(|e| e.to_string())?;
    outcome["notifications"] = serde_json::to_value(&sent).map_err(|e| e.to_string())?;
    Ok(outcome)
}

/// A re-evaluation (which turns images past their age limit into findings), then every
/// active stale-image finding, per product. Other findings the re-evaluation found are
/// notified as they would be by `reevaluate`, without the summary.
async fn stale_images(context: &JobContext, now: &str) -> Result<Value, String> {
    let report = reevaluation(context, now).await?;
    let mut notifications: Vec<Notification> = notices::for_reevaluation(&report, now)
        .into_iter()
        .filter(|n| n.kind != NotificationKind::StaleImage)
        .collect();
    let stale = notices::stale_images(&context.store, now)
        .await
        .map_err(|e| e.to_string())?;
    let images: u64 = stale.iter().map(|n| n.counts.total).sum();
    notifications.extend(stale);
    let sent = notices::send_all(&context.rules, &notifications).await;
    Ok(json!({"reevaluation": report, "stale_images": images, "notifications": sent}))
}

/// The previous quarter's report to every opted-in partner that has not had it. Failed
/// deliveries are recorded and make the run fail, naming the partners; the next run tries
/// them again.
async fn partner_reports(context: &JobContext, now: &str) -> Result<Value, String> {
    let run = patchwarden_server::partners::run_partner_reports(
        &context.store,
        &context.rules,
        &context.publisher,
        &context.actor,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    let failed = run.failed();
    if !failed.is_empty() {
        let errors: Vec<String> = run
            .deliveries
            .iter()
            .filter_map(|d| d.error.as_ref().map(|e| format!("{}: {e}", d.partner)))
            .collect();
        return Err(format!(
            "partner report {} not delivered to {} (recorded; the next run tries again): {}",
            run.quarter,
            failed.join(", "),
            errors.join("; ")
        ));
    }
    serde_json::to_value(&run).map_err(|e| e.to_string())
}

/// An RFC 3339 time as a slot is stored: UTC, to the second.
fn slot_of(text: &str) -> Result<String> {
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| {
        anyhow!("slot `{text}`: expected an RFC 3339 time such as 2026-11-24T07:00:00Z ({e})")
    })?;
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| anyhow!("slot `{text}`: out of range"))
}

/// `patchwarden jobs ...`.
pub async fn jobs(global: &Global, command: JobsCommand) -> Result<u8> {
    let JobsCommand::Run(args) = command;
    let config = crate::config::load(global.config.as_deref())?;
    let rules = config.notify_rules()?;
    let cache = match args.cache_dir {
        Some(d) => d,
        None => default_cache_dir()?,
    };
    let slot = match &args.slot {
        Some(s) => slot_of(s)?,
        None => slot_of(&now_rfc3339())?,
    };
    let job = args.job.as_str();
    let instance = args.instance.unwrap_or_else(|| {
        format!(
            "cli:{}:{}",
            crate::serve_cmd::hostname().unwrap_or_else(|| "host".into()),
            std::process::id()
        )
    });
    let store = open_store(global).await?;
    let inner = runner(JobContext {
        store: store.clone(),
        intel: config.intel.clone(),
        cache,
        actor: crate::portfolio_cmd::actor(global),
        rules: Arc::new(rules),
        publisher: config.publisher()?,
    });
    // The scheduler's path, with the outcome kept for printing.
    let captured: Arc<Mutex<Option<Result<Value, String>>>> = Arc::default();
    let keep = captured.clone();
    let wrapped: Runner = Arc::new(move |job: &str, slot: &str| -> JobFuture {
        let run = inner(job, slot);
        let keep = keep.clone();
        Box::pin(async move {
            let outcome = run.await;
            if let Ok(mut k) = keep.lock() {
                *k = Some(outcome.clone());
            }
            outcome
        })
    });
    let ran = jobs::run_slot(&store, job, &slot, &instance, &wrapped).await;
    let outcome = captured.lock().ok().and_then(|mut c| c.take());
    let printed = match (ran, outcome) {
        (true, Some(Ok(outcome))) => {
            json!({"job": job, "slot": slot, "instance": instance, "ran": true, "outcome": outcome})
        }
        (true, Some(Err(e))) => {
            store.close().await;
            bail!("job {job} failed: {e}");
        }
        (true, None) => {
            store.close().await;
            bail!("job {job} ended without an outcome");
        }
        (false, _) => match store.job_run(job, &slot).await? {
            Some(run) => {
                if !global.quiet {
                    eprintln!(
                        "patchwarden: job {job} for slot {slot} was already claimed by {}; not run again",
                        run.instance
                    );
                }
                json!({"job": job, "slot": slot, "instance": instance, "ran": false, "claimed_by": run.instance})
            }
            None => {
                store.close().await;
                bail!("cannot claim job {job} for slot {slot} in the job log");
            }
        },
    };
    store.close().await;
    let mut text = serde_json::to_string_pretty(&printed)?;
    text.push('\n');
    write_output(None, &text)?;
    Ok(0)
}

/// One channel's answer to `notify test`.
#[derive(Debug, Serialize)]
struct TestDelivery {
    channel: String,
    #[serde(rename = "type")]
    kind: &'static str,
    delivered: bool,
    attempts: Option<u32>,
    http_status: Option<u16>,
    smtp_response: Option<String>,
    delivery_id: Option<String>,
    payload_sha256: Option<String>,
    error: Option<String>,
}

impl TestDelivery {
    fn of(channel: &Channel, outcome: Result<DeliveryReceipt, NotifyError>) -> TestDelivery {
        let kind = channel.config.type_name();
        match outcome {
            Ok(r) => TestDelivery {
                channel: channel.name.clone(),
                kind,
                delivered: true,
                attempts: Some(r.attempts),
                http_status: r.http_status,
                smtp_response: r.smtp_response,
                delivery_id: Some(r.delivery_id),
                payload_sha256: Some(r.payload_sha256),
                error: None,
            },
            Err(e) => TestDelivery {
                channel: channel.name.clone(),
                kind,
                delivered: false,
                attempts: match &e {
                    NotifyError::Failed { attempts, .. } => Some(*attempts),
                    NotifyError::Config { .. } => None,
                },
                http_status: None,
                smtp_response: None,
                delivery_id: None,
                payload_sha256: None,
                error: Some(e.to_string()),
            },
        }
    }
}

/// `patchwarden notify ...`.
pub async fn notify(global: &Global, command: NotifyCommand) -> Result<u8> {
    let NotifyCommand::Test(args) = command;
    let config = crate::config::load(global.config.as_deref())?;
    let rules = config.notify_rules()?;
    if rules.channels.is_empty() {
        bail!(
            "no notification channels: add [notify.channels.<name>] to the configuration file (docs/notifications.md)"
        );
    }
    let channels: Vec<Channel> = match &args.channel {
        Some(name) => vec![rules.channel(name).cloned().ok_or_else(|| {
            anyhow!(
                "no channel named `{name}` in [notify.channels] (configured: {})",
                rules
                    .channels
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?],
        None => rules.channels.clone(),
    };
    let time = OffsetDateTime::parse(&now_rfc3339(), &Rfc3339)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let notification = Notification::test(time);
    let mut running = tokio::task::JoinSet::new();
    for (index, channel) in channels.iter().cloned().enumerate() {
        let n = notification.clone();
        running.spawn(async move {
            let outcome = patchwarden_notify::deliver(&channel, &n).await;
            (index, outcome)
        });
    }
    let mut outcomes: Vec<Option<Result<DeliveryReceipt, NotifyError>>> =
        channels.iter().map(|_| None).collect();
    while let Some(joined) = running.join_next().await {
        let (index, outcome) = joined.context("a delivery stopped")?;
        if let Some(slot) = outcomes.get_mut(index) {
            *slot = Some(outcome);
        }
    }
    let mut report = Vec::new();
    for (channel, outcome) in channels.iter().zip(outcomes) {
        let outcome = outcome.ok_or_else(|| anyhow!("channel {}: no outcome", channel.name))?;
        report.push(TestDelivery::of(channel, outcome));
    }
    render(&args.output, &report, || {
        table(
            &[
                "channel", "type", "result", "attempts", "answer", "delivery",
            ],
            report
                .iter()
                .map(|d| {
                    vec![
                        d.channel.clone(),
                        d.kind.to_string(),
                        if d.delivered { "sent" } else { "failed" }.to_string(),
                        d.attempts.map(|a| a.to_string()).unwrap_or_default(),
                        match (&d.http_status, &d.smtp_response, &d.error) {
                            (_, _, Some(e)) => e.clone(),
                            (Some(status), _, _) => format!("HTTP {status}"),
                            (_, Some(smtp), _) => smtp.clone(),
                            _ => String::new(),
                        },
                        d.delivery_id.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        )
    })?;
    let failed = report.iter().filter(|d| !d.delivered).count();
    if failed > 0 {
        bail!(
            "{failed} of {} channel{} failed the test",
            report.len(),
            if report.len() == 1 { "" } else { "s" }
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_utc_to_the_second() {
        let slot = |t: &str| slot_of(t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(slot("2026-11-24T07:00:00Z"), "2026-11-24T07:00:00Z");
        assert_eq!(slot("2026-11-24T08:00:00.75+01:00"), "2026-11-24T07:00:00Z");
        let bad = slot_of("tomorrow").map(|_| ()).unwrap_err().to_string();
        assert!(
            bad.starts_with("slot `tomorrow`: expected an RFC 3339 time"),
            "{bad}"
        );
    }

    #[test]
    fn every_job_has_a_name() {
        let names: Vec<&str> = JobName::value_variants()
            .iter()
            .map(|j| j.as_str())
            .collect();
        assert_eq!(names, JOBS);
    }
}
