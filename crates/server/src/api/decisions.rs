//! Exceptions: risk acceptances stored per product or project, with approver and expiry.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use patchwarden_store::{NewException, StoredException};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The exceptions of a product.
#[utoipa::path(get, path = "/api/v1/products/{product}/exceptions", tag = "exceptions",
    params(("product" = String, Path, description = "The product's name")),
    responses((status = 200, description = "Exceptions", body = Vec<StoredException>),
        (status = 403, description = "Not readable by the caller", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_exceptions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<StoredException>>> {
    let product = viewer.readable_product(&state, &name).await?;
    Ok(Json(state.store.exceptions(Some(&product.name)).await?))
}

/// A new exception. At least one of `vulnerability`, `package` and `purl`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExceptionRequest {
    /// Only this project of the product (default: the whole product).
    pub project: Option<String>,
    /// The vulnerability (any of its ids).
    pub vulnerability: Option<String>,
    /// The OSV ecosystem of `package`.
    pub ecosystem: Option<String>,
    /// The package.
    pub package: Option<String>,
    /// A purl (with or without version).
    pub purl: Option<String>,
    /// Why the risk is accepted (the compensating control).
    pub reason: String,
    /// Last day it holds, `YYYY-MM-DD`.
    pub expires: String,
}

/// Add a risk acceptance to a product (admin or auditor; the caller is recorded as the
/// approver). Matching findings become `risk_accepted` at the next scan or re-evaluation.
#[utoipa::path(post, path = "/api/v1/products/{product}/exceptions", tag = "exceptions",
    params(("product" = String, Path, description = "The product's name")),
    request_body = ExceptionRequest,
    responses((status = 201, description = "Created", body = Vec<StoredException>),
        (status = 403, description = "The caller may not approve risk acceptances here", body = ErrorBody),
        (status = 422, description = "Missing match, reason or a bad date", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_exception(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    Json(body): Json<ExceptionRequest>,
) -> ApiResult<(StatusCode, Json<StoredException>)> {
    let product = viewer.readable_product(&state, &name).await?;
    viewer.check_approve(product.id, &product.name)?;
    let id = patchwarden_engine::portfolio::add_exception(
        &state.store,
        &product.name,
        blank(&body.project),
        &NewException {
            vulnerability: blank(&body.vulnerability),
            ecosystem: blank(&body.ecosystem),
            package: blank(&body.package),
            purl: blank(&body.purl),
            reason: &body.reason,
            approved_by: viewer.actor(),
            expires: body.expires.trim(),
            ..NewException::default()
        },
        viewer.actor(),
        &state.now(),
    )
    .await?;
    let stored = state
        .store
        .exceptions(Some(&product.name))
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::internal(format!("exception {id} vanished")))?;
    state.cache.overview.clear();
    Ok((StatusCode::CREATED, Json(stored)))
}
