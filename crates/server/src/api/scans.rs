//! Uploading a scan: a `patchwarden scan --format json` document, or a CycloneDX or SPDX
//! SBOM, is matched against this server's advisories, judged by the product's policy and
//! recorded as an artifact of the project.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use patchwarden_engine::Evaluation;
use patchwarden_engine::portfolio::{RecordSummary, RecordTarget};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Optional facts about the uploaded artifact.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The artifact's id (a version, a build number). Default: the image digest, else the
    /// commit, else a digest of the component list.
    pub artifact: Option<String>,
    /// The git commit the scan was made from.
    pub commit: Option<String>,
}

/// What recording the upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadOutcome {
    /// What the document was: `patchwarden-scan`, `cyclonedx` or `spdx`.
    pub format: String,
    /// The artifact recorded and the findings that are new, still open, gone and regressed.
    pub record: RecordSummary,
    /// Findings of the artifact still needing action (open, triaged, patching).
    pub findings_active: usize,
}

/// Upload a scan or an SBOM (admin, or a maintainer of the product). The body is the
/// document itself: `patchwarden scan --format json` output (which carries every
/// component), CycloneDX JSON or XML, or SPDX JSON or tag-value, recognised by content. The
/// project is created when missing. The server matches the components against its own
/// advisories, applies the product's policy, and records the artifact: findings get their
/// first-seen and due dates; those absent from it are fixed.
#[utoipa::path(post, path = "/api/v1/products/{product}/projects/{project}/scans", tag = "scans",
    params(("product" = String, Path, description = "The product's name"),
        ("project" = String, Path, description = "The project's name (created when missing)"),
        UploadQuery),
    request_body(content = String, description = "The scan JSON or SBOM", content_type = "application/json"),
    responses((status = 201, description = "Recorded", body = UploadOutcome),
        (status = 400, description = "The document is not one Patchwarden reads", body = ErrorBody),
        (status = 403, description = "The caller may not change the product", body = ErrorBody),
        (status = 413, description = "Larger than [serve] max_upload_mib"),
        (status = 422, description = "The product's policy does not parse", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((product, project)): Path<(String, String)>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<UploadOutcome>)> {
    let product = viewer.writable_product(&state, &product).await?;
    let project = project.trim();
    if project.is_empty() || project.len() > 200 {
        return Err(ApiError::unprocessable("project: 1 to 200 characters"));
    }
    let name = format!("upload to {}/{project}", product.name);
    let document = patchwarden_inventory::upload::read_document(&name, &body)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let format = document.format.as_str().to_string();
    let target = document
        .target
        .clone()
        .unwrap_or_else(|| format!("{}/{project}", product.name));
    let commit = q
        .commit
        .clone()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| document.commit.clone());
    let now = state.now();
    let evaluation = Evaluation::default();
    let mut result = patchwarden_engine::evaluate(
        &state.store,
        document.into_inventory(),
        &target,
        &now,
        &evaluation,
    )
    .await?;
    let scan_json = patchwarden_report::json(&result).to_string();
    let record = patchwarden_engine::portfolio::record(
        &state.store,
        &mut result,
        &evaluation,
        &RecordTarget {
            product: &product.name,
            project,
            artifact: q.artifact.as_deref().filter(|a| !a.trim().is_empty()),
            commit: commit.as_deref(),
            actor: viewer.actor(),
        },
        &scan_json,
    )
    .await?;
    state.cache.overview.clear();
    state.notify(patchwarden_engine::notices::for_record(&record, &now));
    tracing::info!(
        product = %product.name,
        project,
        artifact = record.artifact_id,
        new = record.new.len(),
        gone = record.gone.len(),
        "scan recorded"
    );
    Ok((
        StatusCode::CREATED,
        Json(UploadOutcome {
            format,
            findings_active: result.open_findings().count(),
            record,
        }),
    ))
}
