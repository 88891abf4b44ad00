//! One finding: details, patch records, full history from the audit log, and (for those who
//! may change it) small forms for lifecycle transitions.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use patchwarden_store::{AuditEntry, FindingRow, Patch};
use serde::Deserialize;

use super::{Chrome, PageError, PageResult, RenderPage, encode, html, page_viewer, see_other};
use crate::api::findings::{TransitionRequest, apply_transition, load};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

/// An audit entry as the history shows it.
pub struct HistoryRow {
    /// The entry.
    pub e: AuditEntry,
    /// What changed, `field: before → after`, one per line.
    pub changes: Vec<String>,
}

fn history_row(e: AuditEntry) -> HistoryRow {
    let mut changes = Vec::new();
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if let Some(after) = e.after.as_ref().and_then(|a| a.as_object()) {
        for (key, value) in after {
            let (before, after) = (
                text(e.before.as_ref().and_then(|b| b.get(key))),
                text(Some(value)),
            );
            if before != after {
                changes.push(format!("{key}: {before} → {after}"));
            }
        }
    }
    HistoryRow { e, changes }
}

#[derive(askama::Template)]
#[template(path = "finding.html")]
struct FindingPage {
    chrome: Chrome,
    f: FindingRow,
    product_href: String,
    project_href: String,
    patches: Vec<Patch>,
    history: Vec<HistoryRow>,
    can_write: bool,
    can_approve: bool,
    active: bool,
    closed: bool,
    error: String,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    error: String,
) -> Result<FindingPage, ApiError> {
    let f = load(state, viewer, id).await?;
    let patches = state.store.patches(id).await?;
    let history = state
        .store
        .audit_log(Some(("finding", id)))
        .await?
        .into_iter()
        .map(history_row)
        .collect();
    let active = crate::api::findings::ACTIVE.contains(&f.status.as_str());
    Ok(FindingPage {
        chrome: Chrome::of(viewer, ""),
        product_href: format!("/products/{}", encode(&f.product)),
        project_href: format!(
            "/products/{}/projects/{}",
            encode(&f.product),
            encode(&f.project)
        ),
        patches,
        history,
        can_write: viewer.principal.can_write_product(f.product_id) && viewer.csrf().is_some(),
        can_approve: viewer.principal.can_approve_risk(f.product_id) && viewer.csrf().is_some(),
        active,
        closed: !active,
        error,
        f,
    })
}

/// `GET /findings/{id}`.
pub async fn finding_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
) -> PageResult {
    let viewer = page_viewer(&state, &headers, &uri).await?;
    let p = page(&state, &viewer, id, String::new())
        .await
        .map_err(|e| PageError::from_api(e, &Chrome::of(&viewer, "")))?;
    Ok(html(p.render_page()))
}

/// A transition form's fields (empty fields count as absent).
#[derive(Debug, Deserialize)]
pub struct TransitionFields {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    planned_version: String,
    #[serde(default)]
    pull_request: String,
    #[serde(default)]
    patch_state: String,
}

fn present(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// `POST /findings/{id}/transition`: applies the transition (the form must carry the
/// session's CSRF token) and goes back to the finding, or shows the finding with the error.
pub async fn transition_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<i64>,
    Form(fields): Form<TransitionFields>,
) -> PageResult {
    let here = format!("/findings/{id}");
    let viewer = page_viewer(&state, &headers, &uri)
        .await
        .map_err(|e| match e {
            PageError::Login(_) => PageError::Login(here.clone()),
            other => other,
        })?;
    if !viewer.csrf_matches(&fields.csrf) {
        return Err(PageError::Status(
            StatusCode::FORBIDDEN,
            "The form's CSRF token is missing or wrong; reload the page and try again.".into(),
            Chrome::of(&viewer, ""),
        ));
    }
    let body = TransitionRequest {
        action: fields.action.trim().to_string(),
        reason: present(&fields.reason),
        expires: present(&fields.expires),
        planned_version: present(&fields.planned_version),
        pull_request: present(&fields.pull_request),
        patch_state: present(&fields.patch_state),
    };
    match apply_transition(&state, &viewer, id, &body).await {
        Ok(_) => Ok(see_other(&here)),
        Err(e) => {
            let status = e.status;
            let p = page(&state, &viewer, id, e.message)
                .await
                .map_err(|e| PageError::from_api(e, &Chrome::of(&viewer, "")))?;
            Ok((status, html(p.render_page())).into_response())
        }
    }
}
