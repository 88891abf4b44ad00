//! Process reviews: the records that the patching process was reviewed and updated from the
//! feedback of the people who patch (SAMM Patching and Updating, level 3). Added through an
//! audited [`Write`] like every other change; listed newest first.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, Write};

/// One recorded review of the patching process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessReview {
    /// Row id.
    pub id: i64,
    /// The day the review took place, `YYYY-MM-DD`.
    pub reviewed_on: String,
    /// Who led it.
    pub reviewer: String,
    /// What was found (the feedback heard).
    pub summary: String,
    /// What was changed in the process as a result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    /// When it was recorded, RFC 3339.
    pub recorded_at: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A review to record.
#[derive(Clone, Copy, Debug)]
pub struct NewProcessReview<'a> {
    /// The day it took place, `YYYY-MM-DD` (the caller checks the form).
    pub reviewed_on: &'a str,
    /// Who led it.
    pub reviewer: &'a str,
    /// What was found.
    pub summary: &'a str,
    /// What was changed.
    pub changes: Option<&'a str>,
}

const COLUMNS: &str = "id, reviewed_on, reviewer, summary, changes, recorded_at, recorded_by";

fn review_from(row: &AnyRow) -> Result<ProcessReview, StoreError> {
    Ok(ProcessReview {
        id: row.try_get(0)?,
        reviewed_on: row.try_get(1)?,
        reviewer: row.try_get(2)?,
        summary: row.try_get(3)?,
        changes: row.try_get(4)?,
        recorded_at: row.try_get(5)?,
        recorded_by: row.try_get(6)?,
    })
}

impl Store {
    /// The recorded process reviews, newest first (by the day reviewed, then by id); with
    /// `since` (`YYYY-MM-DD`), only those reviewed on or after that day.
    pub async fn process_reviews(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<ProcessReview>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM process_reviews
             WHERE ($1 IS NULL OR reviewed_on >= $1) ORDER BY reviewed_on DESC, id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(review_from).collect()
    }
}

impl Write {
    /// Records a process review as the transaction's actor and time; audited
    /// (`process_review.recorded`). Returns the stored review.
    pub async fn add_process_review(
        &mut self,
        review: &NewProcessReview<'_>,
    ) -> Result<ProcessReview, StoreError> {
        let sql = format!(
            "INSERT INTO process_reviews (reviewed_on, reviewer, summary, changes, recorded_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(review.reviewed_on)
            .bind(review.reviewer)
            .bind(review.summary)
            .bind(review.changes)
            .bind(self.at.as_str())
            .bind(self.actor.as_str())
            .fetch_one(&mut *self.tx)
            .await?;
        let stored = review_from(&row)?;
        self.audit(
            "process_review.recorded",
            "process_review",
            stored.id,
            None,
            None,
            Some(&serde_json::json!({
                "reviewed_on": stored.reviewed_on, "reviewer": stored.reviewer,
                "summary": stored.summary, "changes": stored.changes,
            })),
        )
        .await?;
        Ok(stored)
    }
}
