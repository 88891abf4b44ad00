//! Environments and deployments: what runs where, and the verification of fixes that
//! reach production.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use patchwarden_engine::portfolio::{DeployOutcome, DeployRequest};
use patchwarden_store::{Deployment, Environment};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Every environment.
#[utoipa::path(get, path = "/api/v1/environments", tag = "releases",
    responses((status = 200, description = "Environments", body = Vec<Environment>),
        (status = 403, description = "Partners do not see the portfolio", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_environments(
    State(state): State<AppState>,
    viewer: Viewer,
) -> ApiResult<Json<Vec<Environment>>> {
    viewer.require_portfolio_reader()?;
    Ok(Json(state.store.environments().await?))
}

/// A new environment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEnvironment {
    /// Unique name (`prod-eu`, `staging`).
    pub name: String,
    /// `production`, `test` or `custom`. Deploying to a `production` environment verifies
    /// fixes.
    pub kind: String,
}

/// Create an environment (admin: environments are shared by every product).
#[utoipa::path(post, path = "/api/v1/environments", tag = "releases",
    request_body = NewEnvironment,
    responses((status = 201, description = "Created", body = Environment),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
        (status = 422, description = "Unknown kind", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_environment(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<NewEnvironment>,
) -> ApiResult<(StatusCode, Json<Environment>)> {
    viewer.require_admin()?;
    let name = body.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::unprocessable("name: 1 to 200 characters"));
    }
    if !matches!(body.kind.as_str(), "production" | "test" | "custom") {
        return Err(ApiError::unprocessable(format!(
            "kind {}: expected production, test or custom",
            body.kind
        )));
    }
    let mut w = state.store.write(viewer.actor(), &state.now()).await?;
    let env = w.create_environment(name, &body.kind).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(env)))
}

/// The deployments of a product's artifacts, newest first.
#[utoipa::path(get, path = "/api/v1/products/{product}/deployments", tag = "releases",
    params(("product" = String, Path, description = "The product's name")),
    responses((status = 200, description = "Deployments", body = Vec<Deployment>),
        (status = 403, description = "Not readable by the caller", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_deployments(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<Deployment>>> {
    let product = viewer.readable_product(&state, &name).await?;
    let artifacts: std::collections::HashSet<i64> = state
        .store
        .artifacts(Some(&product.name), None)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut list: Vec<Deployment> = state
        .store
        .deployments(None)
        .await?
        .into_iter()
        .filter(|d| artifacts.contains(&d.artifact_id))
        .collect();
    list.sort_by(|a, b| b.deployed_at.cmp(&a.deployed_at).then(b.id.cmp(&a.id)));
    Ok(Json(list))
}

/// A deployment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeploymentRequest {
    /// The artifact deployed.
    pub artifact_id: i64,
    /// The environment's name.
    pub environment: String,
    /// When, RFC 3339 (default: now).
    pub deployed_at: Option<String>,
    /// A backup was taken before the change.
    #[serde(default)]
    pub backup_confirmed: bool,
    /// The maintenance window it went out in.
    pub maintenance_window: Option<String>,
}

/// Record a deployment (admin, or a maintainer of the artifact's product). To a
/// `production` environment it verifies the fixed findings the artifact no longer has.
#[utoipa::path(post, path = "/api/v1/deployments", tag = "releases",
    request_body = DeploymentRequest,
    responses((status = 201, description = "Recorded, with the findings it verified", body = DeployOutcome),
        (status = 403, description = "The caller may not change the artifact's product", body = ErrorBody),
        (status = 404, description = "No such artifact", body = ErrorBody),
        (status = 422, description = "Unknown environment or bad time", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn deploy(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<DeploymentRequest>,
) -> ApiResult<(StatusCode, Json<DeployOutcome>)> {
    viewer.require_portfolio_reader()?;
    let artifact = match state.store.artifact(body.artifact_id).await? {
        Some(a) => a,
        None if viewer.reads_everything() => {
            return Err(ApiError::not_found(format!(
                "no artifact {}",
                body.artifact_id
            )));
        }
        None => {
            return Err(ApiError::forbidden(format!(
                "{} may not deploy artifact {}",
                viewer.actor(),
                body.artifact_id
            )));
        }
    };
    viewer.check_write(artifact.product_id, &artifact.product)?;
    let now = state.now();
    let at = match body.deployed_at.as_deref() {
        Some(t) => {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    ApiError::unprocessable(format!("deployed_at {t}: expected an RFC 3339 time"))
                })?;
            t.to_string()
        }
        None => now.clone(),
    };
    let outcome = patchwarden_engine::portfolio::deploy(
        &state.store,
        &DeployRequest {
            artifact_id: artifact.id,
            environment: body.environment.trim(),
            deployed_at: &at,
            backup_confirmed: body.backup_confirmed,
            maintenance_window: body.maintenance_window.as_deref(),
        },
        viewer.actor(),
        &now,
    )
    .await?;
    state.cache.overview.clear();
    Ok((StatusCode::CREATED, Json(outcome)))
}
