//! Scheduled job runs: claiming a slot, recording how it ended, listing recent runs.

use serde::Serialize;
use sqlx::Row;

use crate::{Store, StoreError};

/// One run of a scheduled job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRun {
    /// The job's name.
    pub job: String,
    /// The scheduled time it ran for, RFC 3339.
    pub scheduled_for: String,
    /// The instance that claimed it.
    pub instance: String,
    /// When it started, RFC 3339.
    pub started_at: String,
    /// When it ended, RFC 3339 (none while running, or when the instance died).
    pub finished_at: Option<String>,
    /// What it did (JSON), when it succeeded.
    pub outcome: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

impl Store {
    /// Claims the run of `job` scheduled for `scheduled_for`; `true` when this instance got it
    /// (exactly one claimant wins a slot, on either backend).
    pub async fn claim_job_run(
        &self,
        job: &str,
        scheduled_for: &str,
        instance: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO job_runs (job, scheduled_for, instance, started_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (job, scheduled_for) DO NOTHING",
        )
        .bind(job)
        .bind(scheduled_for)
        .bind(instance)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records how a claimed run ended: its outcome (JSON) or its error.
    pub async fn finish_job_run(
        &self,
        job: &str,
        scheduled_for: &str,
        now: &str,
        outcome: Result<&str, &str>,
    ) -> Result<(), StoreError> {
        let (ok, err) = match outcome {
            Ok(o) => (Some(o), None),
            Err(e) => (None, Some(e)),
        };
        sqlx::query(
            "UPDATE job_runs SET finished_at = $1, outcome = $2, error = $3
             WHERE job = $4 AND scheduled_for = $5",
        )
        .bind(now)
        .bind(ok)
        .bind(err)
        .bind(job)
        .bind(scheduled_for)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The run of `job` for one slot, if it was claimed.
    pub async fn job_run(
        &self,
        job: &str,
        scheduled_for: &str,
    ) -> Result<Option<JobRun>, StoreError> {
        let row = sqlx::query(
            "SELECT job, scheduled_for, instance, started_at, finished_at, outcome, error
             FROM job_runs WHERE job = $1 AND scheduled_for = $2",
        )
        .bind(job)
        .bind(scheduled_for)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_run_of).transpose()
    }

    /// The latest run of `job` scheduled before `before` (RFC 3339 UTC, as slots are stored)
    /// that finished without error: where a job that reports "since the last run" starts.
    pub async fn previous_job_run(
        &self,
        job: &str,
        before: &str,
    ) -> Result<Option<JobRun>, StoreError> {
        let row = sqlx::query(
            "SELECT job, scheduled_for, instance, started_at, finished_at, outcome, error
             FROM job_runs
             WHERE job = $1 AND scheduled_for < $2 AND finished_at IS NOT NULL AND error IS NULL
             ORDER BY scheduled_for DESC LIMIT 1",
        )
        .bind(job)
        .bind(before)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_run_of).transpose()
    }

    /// The latest runs, newest first.
    pub async fn job_runs(&self, limit: i64) -> Result<Vec<JobRun>, StoreError> {
        let rows = sqlx::query(
            "SELECT job, scheduled_for, instance, started_at, finished_at, outcome, error
             FROM job_runs ORDER BY started_at DESC, job LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_run_of).collect()
    }
}

fn job_run_of(r: &sqlx::any::AnyRow) -> Result<JobRun, StoreError> {
    Ok(JobRun {
        job: r.try_get(0)?,
        scheduled_for: r.try_get(1)?,
        instance: r.try_get(2)?,
        started_at: r.try_get(3)?,
        finished_at: r.try_get(4)?,
        outcome: r.try_get(5)?,
        error: r.try_get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::Store;

    async fn one_claim_per_slot(store: &Store) {
        let t = "2026-11-23T03:00:00Z";
        assert!(matches!(
            store.claim_job_run("update", t, "a", t).await,
            Ok(true)
        ));
        assert!(matches!(
            store.claim_job_run("update", t, "b", t).await,
            Ok(false)
        ));
        assert!(matches!(
            store.claim_job_run("reminders", t, "b", t).await,
            Ok(true)
        ));
        store
            .finish_job_run("update", t, "2026-11-23T03:00:09Z", Ok("{\"n\":1}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let runs = store.job_runs(10).await.unwrap_or_else(|e| panic!("{e}"));
        let update = runs.iter().find(|r| r.job == "update");
        assert_eq!(update.map(|r| r.instance.as_str()), Some("a"));
        assert_eq!(update.and_then(|r| r.outcome.as_deref()), Some("{\"n\":1}"));

        // The previous successful run: unfinished and failed runs do not count.
        let later = "2026-11-24T03:00:00Z";
        let latest = "2026-11-25T03:00:00Z";
        assert!(matches!(
            store.claim_job_run("update", later, "a", later).await,
            Ok(true)
        ));
        store
            .finish_job_run("update", later, later, Err("feed down"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            store.claim_job_run("update", latest, "a", latest).await,
            Ok(true)
        ));
        let previous = store
            .previous_job_run("update", "2026-11-26T03:00:00Z")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(previous.map(|r| r.scheduled_for), Some(t.to_string()));
        let none = store
            .previous_job_run("update", t)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none, None);
        let one = store
            .job_run("update", later)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.and_then(|r| r.error), Some("feed down".into()));
        assert_eq!(
            store
                .job_run("update", "2030-01-01T00:00:00Z")
                .await
                .unwrap_or_else(|e| panic!("{e}")),
            None
        );
    }

    #[tokio::test]
    async fn one_claim_per_slot_on_sqlite() {
        let store = Store::open("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        one_claim_per_slot(&store).await;
    }

    #[tokio::test]
    async fn one_claim_per_slot_on_postgres() {
        let Some(admin) = crate::testing::postgres_url() else {
            return;
        };
        let url = crate::testing::fresh_postgres_database(&admin)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
        one_claim_per_slot(&store).await;
    }
}
