//! Findings: the filtered, sorted, paginated list; one finding with its history; lifecycle
//! transitions.

use axum::Json;
use axum::extract::{Path, Query, State};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use patchwarden_engine::portfolio::{self, Decision};
use patchwarden_lifecycle::{Action, Status};
use patchwarden_store::{AuditEntry, FindingFilter, FindingRow, FindingSort, PageKey, Patch};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// The statuses `status=active` stands for.
pub const ACTIVE: [&str; 3] = ["open", "triaged", "patching"];
const SEVERITIES: [&str; 6] = ["Critical", "High", "Medium", "Low", "None", "Unknown"];

/// Filters, order and page of `GET /api/v1/findings`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingQuery {
    /// Only this product.
    pub product: Option<String>,
    /// Only this project (of `product`, or of any product).
    pub project: Option<String>,
    /// Only these severities, comma-separated (`critical,high`).
    pub severity: Option<String>,
    /// Only these statuses, comma-separated; `active` stands for open, triaged and patching.
    pub status: Option<String>,
    /// Only active findings past their due date.
    pub overdue: Option<bool>,
    /// Only findings in CISA's KEV catalogue.
    pub kev: Option<bool>,
    /// Only this vulnerability (any of its ids: CVE, GHSA, ...).
    pub vulnerability: Option<String>,
    /// Sort key: `due` (default), `severity`, `first_seen`, `updated_at`, `epss`, `cvss`, `id`.
    pub sort: Option<String>,
    /// `asc` (default, except `desc` for severity, epss and cvss) or `desc`.
    pub order: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<usize>,
    /// Where to continue: the `next_cursor` of the previous page (same filters and order).
    pub cursor: Option<String>,
}

/// One page of findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    /// The findings of this page.
    pub items: Vec<FindingRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    s: String,
    d: bool,
    k: String,
    i: i64,
}

fn encode_cursor(sort: FindingSort, descending: bool, key: &PageKey) -> String {
    let c = Cursor {
        s: sort.name().to_string(),
        d: descending,
        k: key.key.clone(),
        i: key.id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
}

fn decode_cursor(text: &str, sort: FindingSort, descending: bool) -> ApiResult<PageKey> {
    let bad = || ApiError::bad_request("cursor: not a cursor this server issued");
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
    let c: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if c.s != sort.name() || c.d != descending {
        return Err(ApiError::bad_request(
            "cursor: it belongs to a different sort order; start again without a cursor",
        ));
    }
    Ok(PageKey { key: c.k, id: c.i })
}

/// Splits a comma-separated list, trimming and dropping empty items.
fn list(text: &Option<String>) -> Vec<String> {
    text.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The store filter for a query, within what the viewer may read.
pub fn filter_of(q: &FindingQuery, viewer: &Viewer, today: &str) -> ApiResult<FindingFilter> {
    let mut severities = Vec::new();
    for s in list(&q.severity) {
        let canonical = SEVERITIES
            .iter()
            .find(|c| c.eq_ignore_ascii_case(&s))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "severity {s}: expected critical, high, medium, low, none or unknown"
                ))
            })?;
        severities.push(canonical.to_string());
    }
    let mut statuses = Vec::new();
    for s in list(&q.status) {
        let s = s.to_ascii_lowercase();
        if s == "active" {
            statuses.extend(ACTIVE.iter().map(|a| a.to_string()));
        } else if Status::parse(&s).is_some() {
            statuses.push(s);
        } else {
            return Err(ApiError::bad_request(format!(
                "status {s}: expected active, open, triaged, patching, fixed, verified, risk_accepted, not_affected or false_positive"
            )));
        }
    }
    Ok(FindingFilter {
        product: q.product.clone().filter(|p| !p.is_empty()),
        project: q.project.clone().filter(|p| !p.is_empty()),
        severities,
        statuses,
        overdue_on: q.overdue.unwrap_or(false).then(|| today.to_string()),
        kev: q.kev.unwrap_or(false),
        vulnerability: q.vulnerability.clone().filter(|v| !v.is_empty()),
        product_ids: viewer.product_scope(),
    })
}

/// The sort key and direction a query asks for.
pub fn order_of(q: &FindingQuery) -> ApiResult<(FindingSort, bool)> {
    let sort = match q.sort.as_deref() {
        None | Some("") => FindingSort::Due,
        Some(name) => FindingSort::from_name(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "sort {name}: expected due, severity, first_seen, updated_at, epss, cvss or id"
            ))
        })?,
    };
    let descending = match q.order.as_deref() {
        None | Some("") => matches!(
            sort,
            FindingSort::Severity | FindingSort::Epss | FindingSort::Cvss
        ),
        Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "order {other}: expected asc or desc"
            )));
        }
    };
    Ok((sort, descending))
}

/// List findings of the products the caller may read, filtered, sorted and a page at a
/// time (keyset pagination: follow `next_cursor`).
#[utoipa::path(get, path = "/api/v1/findings", tag = "findings",
    params(FindingQuery),
    responses((status = 200, description = "A page of findings", body = FindingList),
        (status = 400, description = "A filter, order or cursor is not valid", body = ErrorBody),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_findings(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<FindingQuery>,
) -> ApiResult<Json<FindingList>> {
    Ok(Json(list_page(&state, &viewer, &q).await?))
}

/// One page of findings for `viewer` (the API handler and the dashboard share it).
pub async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    q: &FindingQuery,
) -> ApiResult<FindingList> {
    viewer.require_portfolio_reader()?;
    if let Some(product) = q.product.as_deref().filter(|p| !p.is_empty()) {
        viewer.readable_product(state, product).await?;
    }
    let filter = filter_of(q, viewer, &state.today())?;
    let (sort, descending) = order_of(q)?;
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(decode_cursor(c, sort, descending)?),
        None => None,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit: expected 1 to 500"));
    }
    let page = state
        .store
        .findings_page(&filter, sort, descending, after.as_ref(), limit)
        .await?;
    Ok(FindingList {
        next_cursor: page
            .next
            .as_ref()
            .map(|k| encode_cursor(sort, descending, k)),
        items: page.items,
    })
}

/// One finding with its patch records and its history from the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDetail {
    /// The finding.
    pub finding: FindingRow,
    /// Patch records (planned version, pull request, state).
    pub patches: Vec<Patch>,
    /// Every audited change, oldest first.
    pub history: Vec<AuditEntry>,
}

/// Finding `id` if `viewer` may read it (403 otherwise; 404 only to those who read all).
pub async fn load(state: &AppState, viewer: &Viewer, id: i64) -> ApiResult<FindingRow> {
    viewer.require_portfolio_reader()?;
    let what = format!("finding {id}");
    let finding = state.store.finding(id).await?;
    viewer.visible(finding, |f| f.product_id, &what, &what)
}

/// A finding with its history.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "findings",
    params(("id" = i64, Path, description = "The finding's id")),
    responses((status = 200, description = "The finding", body = FindingDetail),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "The finding belongs to a product the caller may not read", body = ErrorBody),
        (status = 404, description = "No such finding", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_finding(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<FindingDetail>> {
    let finding = load(&state, &viewer, id).await?;
    Ok(Json(FindingDetail {
        patches: state.store.patches(id).await?,
        history: state.store.audit_log(Some(("finding", id))).await?,
        finding,
    }))
}

/// A lifecycle transition.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionRequest {
    /// `triage`, `patch`, `accept`, `reopen`, `not_affected` or `false_positive`.
    pub action: String,
    /// Why (required for accept, reopen, not_affected and false_positive).
    pub reason: Option<String>,
    /// Last day a risk acceptance holds, `YYYY-MM-DD` (accept only). The approver is the
    /// caller, who needs the admin or auditor role.
    pub expires: Option<String>,
    /// The version the patch moves to (patch).
    pub planned_version: Option<String>,
    /// The pull request carrying it (patch).
    pub pull_request: Option<String>,
    /// `planned` (default), `tested` or `deployed` (patch).
    pub patch_state: Option<String>,
}

/// The finding after a transition, with the patch record a `patch` wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOutcome {
    /// The finding as stored now.
    pub finding: FindingRow,
    /// The patch record (`patch` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<Patch>,
}

/// Move a finding through its lifecycle: triage, patch, accept (risk acceptance, approved
/// by the caller), reopen, not_affected, false_positive. Audited.
#[utoipa::path(post, path = "/api/v1/findings/{id}/transitions", tag = "findings",
    params(("id" = i64, Path, description = "The finding's id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "Done", body = TransitionOutcome),
        (status = 400, description = "Unknown action or bad date", body = ErrorBody),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "The caller may not change this product, or may not approve risk", body = ErrorBody),
        (status = 404, description = "No such finding", body = ErrorBody),
        (status = 409, description = "The transition is not allowed from the finding's status", body = ErrorBody),
        (status = 422, description = "A required field is missing", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn transition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<TransitionRequest>,
) -> ApiResult<Json<TransitionOutcome>> {
    Ok(Json(apply_transition(&state, &viewer, id, &body).await?))
}

/// Applies a lifecycle transition for `viewer` (the API handler and the dashboard's forms
/// share it): checks, audited write, overview cache cleared.
pub async fn apply_transition(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    body: &TransitionRequest,
) -> ApiResult<TransitionOutcome> {
    let finding = load(state, viewer, id).await?;
    let action = match body.action.as_str() {
        "triage" => Action::Triage,
        "patch" => Action::Patch,
        "reopen" => Action::Reopen,
        "not_affected" | "not-affected" => Action::NotAffected,
        "false_positive" | "false-positive" => Action::FalsePositive,
        "accept" => {
            let text = body.expires.as_deref().unwrap_or("");
            let expires = patchwarden_policy::exceptions::parse_date(text)
                .filter(|_| text.len() == 10)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "expires {text:?}: a risk acceptance needs its last day, YYYY-MM-DD"
                    ))
                })?;
            Action::Accept { expires }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "action {other}: expected triage, patch, accept, reopen, not_affected or false_positive"
            )));
        }
    };
    if matches!(action, Action::Accept { .. }) {
        viewer.check_approve(finding.product_id, &finding.product)?;
    } else {
        viewer.check_write(finding.product_id, &finding.product)?;
    }
    let now = state.now();
    let today = patchwarden_policy::exceptions::parse_date(&now)
        .ok_or_else(|| ApiError::internal("the clock is unreadable"))?;
    let from = Status::parse(&finding.status).unwrap_or(Status::Open);
    patchwarden_lifecycle::transition(from, &action, today)
        .map_err(|e| ApiError::conflict(format!("finding {id}: {e}")))?;
    let approver = viewer.actor().to_string();
    let decision = Decision {
        reason: body.reason.as_deref(),
        approver: matches!(action, Action::Accept { .. }).then_some(approver.as_str()),
        planned_version: body.planned_version.as_deref(),
        pull_request: body.pull_request.as_deref(),
        patch_state: body.patch_state.as_deref(),
    };
    let (finding, patch) =
        portfolio::decide(&state.store, id, &action, &decision, viewer.actor(), &now).await?;
    state.cache.overview.clear();
    Ok(TransitionOutcome { finding, patch })
}
