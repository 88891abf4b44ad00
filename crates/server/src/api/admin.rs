//! Advisory lookup, the audit log, re-evaluation and the scheduled jobs' log.

use axum::Json;
use axum::extract::{Path, Query, State};
use patchwarden_engine::portfolio::ReevaluationReport;
use patchwarden_store::{AuditEntry, JobRun};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// What the database knows of a vulnerability, by any of its ids or aliases: advisories
/// with affected packages and ranges, the best CVSS, KEV, EPSS and NVD records.
#[utoipa::path(get, path = "/api/v1/advisories/{id}", tag = "advisories",
    params(("id" = String, Path, description = "CVE, GHSA, OSV or RustSec id, or any alias")),
    responses((status = 200, description = "The vulnerability", body = Object),
        (status = 404, description = "Nothing known of it", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn advisory(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    viewer.require_portfolio_reader()?;
    patchwarden_engine::intel::advisory_document(&state.store, id.trim())
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{id}: no advisory, KEV, EPSS or NVD record in the database"
            ))
        })
}

/// Which audit entries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this product's entries.
    pub product: Option<String>,
    /// Only entries about this kind of thing (`finding`, `product`, `user`, ...), with `entity_id`.
    pub entity: Option<String>,
    /// The thing's id.
    pub entity_id: Option<i64>,
    /// At most this many of the newest entries (default 200, at most 5000).
    pub limit: Option<usize>,
}

/// The audit log, oldest first: every change with who, when, before and after. Admins and
/// auditors read all of it; maintainers the entries of their products.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "Audit entries", body = Vec<AuditEntry>),
        (status = 403, description = "Not readable by the caller", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    viewer.require_portfolio_reader()?;
    let only_product = match q.product.as_deref().filter(|p| !p.is_empty()) {
        Some(name) => Some(viewer.readable_product(&state, name).await?.id),
        None => None,
    };
    let entity = match (&q.entity, q.entity_id) {
        (Some(kind), Some(id)) => Some((kind.as_str(), id)),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request("entity and entity_id go together"));
        }
    };
    let limit = q.limit.unwrap_or(200).clamp(1, 5000);
    let everything = viewer.reads_everything();
    let mut entries: Vec<AuditEntry> = state
        .store
        .audit_log(entity)
        .await?
        .into_iter()
        .filter(|e| match only_product {
            Some(id) => e.product_id == Some(id),
            None => true,
        })
        .filter(|e| {
            everything
                || e.product_id
                    .is_some_and(|p| viewer.principal.can_read_product(p))
        })
        .collect();
    if entries.len() > limit {
        entries.drain(..entries.len() - limit);
    }
    Ok(Json(entries))
}

/// Match every project's latest artifact against the advisories again (admin). The
/// scheduled `update` job does this after each advisory update.
#[utoipa::path(post, path = "/api/v1/reevaluate", tag = "admin",
    responses((status = 200, description = "What changed", body = ReevaluationReport),
        (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn reevaluate(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<Json<ReevaluationReport>> {
    viewer.require_admin()?;
    let report =
        patchwarden_engine::portfolio::reevaluate(&state.store, viewer.actor(), &state.now())
            .await?;
    state.cache.overview.clear();
    Ok(Json(report))
}

/// The scheduled jobs' runs, newest first (admins and auditors).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "admin",
    responses((status = 200, description = "Job runs", body = Vec<JobRun>),
        (status = 403, description = "Neither admin nor auditor", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn jobs(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Vec<JobRun>>> {
    if !viewer.reads_everything() {
        return Err(ApiError::forbidden(
            "the job log is for admins and auditors",
        ));
    }
    Ok(Json(state.store.job_runs(200).await?))
}
