//! Scheduled jobs. Each job has a cron expression (five fields, or six with seconds first);
//! the scheduler sleeps until the job's next slot, then claims the slot in the database
//! (`job_runs`, one row per job and slot) and runs the job only when its claim won. Several
//! `serve` instances on one PostgreSQL therefore run each slot once, even when their clocks
//! differ by more than the job's duration, which a lock held only while running cannot
//! promise.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use croner::Cron;
use patchwarden_store::Store;
use serde::Deserialize;
use tokio::sync::watch;

/// What the runner of one job returns: a JSON summary, or an error in one line.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send>>;

/// Runs a job: given its name and the slot it runs for.
pub type Runner = Arc<dyn Fn(&str, &str) -> JobFuture + Send + Sync>;

/// One job of the configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// The job: `update` (advisory update, then re-evaluation), `reevaluate`,
    /// `reminders`, `stale-images`, `partner-reports`.
    pub job: String,
    /// When: a cron expression in UTC, five fields (`0 3 * * *`) or six with seconds first.
    pub cron: String,
}

/// A job with its parsed schedule.
#[derive(Clone, Debug)]
pub struct Scheduled {
    /// The job's name.
    pub job: String,
    cron: Cron,
}

/// The jobs a server runs when the configuration names none: the advisory update at 03:00,
/// reminders at 07:00, the stale-image check on Mondays at 06:00, partner reports daily at
/// 05:00 (UTC; each partner gets the previous quarter's report once).
pub fn default_jobs() -> Vec<JobConfig> {
    [
        ("update", "0 3 * * *"),
        ("reminders", "0 7 * * *"),
        ("stale-images", "0 6 * * 1"),
        ("partner-reports", "0 5 * * *"),
    ]
    .into_iter()
    .map(|(job, cron)| JobConfig {
        job: job.into(),
        cron: cron.into(),
    })
    .collect()
}

/// Parses every job's schedule; an error names the job and the expression.
pub fn parse(jobs: &[JobConfig], known: &[&str]) -> Result<Vec<Scheduled>, String> {
    jobs.iter()
        .map(|j| {
            if !known.contains(&j.job.as_str()) {
                return Err(format!(
                    "unknown job `{}` (expected one of {})",
                    j.job,
                    known.join(", ")
                ));
            }
            let cron = parse_cron(&j.cron)
                .map_err(|e| format!("job {}: cron `{}`: {e}", j.job, j.cron))?;
            Ok(Scheduled {
                job: j.job.clone(),
                cron,
            })
        })
        .collect()
}

/// A cron expression of five fields, or six with seconds first.
fn parse_cron(text: &str) -> Result<Cron, String> {
    let fields = text.split_whitespace().count();
    let cron = if fields == 6 {
        croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Required)
            .build()
            .parse(text)
    } else {
        Cron::from_str(text)
    };
    cron.map_err(|e| e.to_string())
}

impl Scheduled {
    /// The first slot after `after`.
    pub fn next_after(&self, after: &DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(after, false).ok()
    }
}

/// A slot as stored: RFC 3339 UTC to the second.
pub fn slot_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Runs every job at its slots until `shutdown` turns true. `instance` names this process in
/// `job_runs`.
pub async fn run(
    store: Store,
    jobs: Vec<Scheduled>,
    instance: String,
    runner: Runner,
    shutdown: watch::Receiver<bool>,
) {
    let mut tasks = Vec::new();
    for job in jobs {
        let store = store.clone();
        let instance = instance.clone();
        let runner = runner.clone();
        let mut shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let mut after = Utc::now();
            loop {
                let Some(slot) = job.next_after(&after) else {
                    tracing::warn!("job {}: no next time; it will not run again", job.job);
                    return;
                };
                let wait = (slot - Utc::now()).to_std().unwrap_or_default();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => return,
                }
                if *shutdown.borrow() {
                    return;
                }
                after = slot;
                run_slot(&store, &job.job, &slot_text(&slot), &instance, &runner).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Claims one slot of a job and, when the claim won, runs it and records how it ended.
/// Returns whether this instance ran it.
pub async fn run_slot(
    store: &Store,
    job: &str,
    slot: &str,
    instance: &str,
    runner: &Runner,
) -> bool {
    let started = slot_text(&Utc::now());
    match store.claim_job_run(job, slot, instance, &started).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(job, slot, "another instance runs this slot");
            return false;
        }
        Err(e) => {
            tracing::error!(job, slot, "cannot claim the job's slot: {e}");
            return false;
        }
    }
    tracing::info!(job, slot, "job started");
    let outcome = runner(job, slot).await;
    let finished = slot_text(&Utc::now());
    let text = outcome.as_ref().map(|v| v.to_string());
    let recorded = match &text {
        Ok(summary) => {
            tracing::info!(job, slot, summary = %summary, "job finished");
            store
                .finish_job_run(job, slot, &finished, Ok(summary))
                .await
        }
        Err(e) => {
            tracing::error!(job, slot, "job failed: {e}");
            store.finish_job_run(job, slot, &finished, Err(e)).await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job, slot, "cannot record the job's end: {e}");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_and_name_their_errors() {
        let jobs = parse(
            &default_jobs(),
            &["update", "reminders", "stale-images", "partner-reports"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let at = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{e}"));
        let next: Vec<String> = jobs
            .iter()
            .filter_map(|j| j.next_after(&at))
            .map(|t| slot_text(&t))
            .collect();
        // 2026-11-23 is a Monday.
        assert_eq!(
            next,
            [
                "2026-11-24T03:00:00Z",
                "2026-11-24T07:00:00Z",
                "2026-11-30T06:00:00Z",
                "2026-11-24T05:00:00Z"
            ]
        );
        let every_second = parse(
            &[JobConfig {
                job: "update".into(),
                cron: "* * * * * *".into(),
            }],
            &["update"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            every_second[0].next_after(&at).map(|t| slot_text(&t)),
            Some("2026-11-23T10:00:01Z".into())
        );
        let bad = parse(
            &[JobConfig {
                job: "update".into(),
                cron: "61 * * * *".into(),
            }],
            &["update"],
        );
        assert!(
            bad.as_ref()
                .is_err_and(|e| e.starts_with("job update: cron `61 * * * *`")),
            "{bad:?}"
        );
        let unknown = parse(
            &[JobConfig {
                job: "backup".into(),
                cron: "0 * * * *".into(),
            }],
            &["update"],
        );
        assert!(unknown.is_err_and(|e| e.contains("unknown job `backup`")));
    }
}
