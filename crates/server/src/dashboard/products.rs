//! Product and project pages: figures, projects, and the findings table with its filters
//! (a plain GET form) and pagination (the findings API's cursor).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use patchwarden_store::{Artifact, FindingRow, Project};

use super::overview::{SeverityRow, severity_rows_of};
use super::{Chrome, PageError, PageResult, RenderPage, encode, html, page_viewer};
use crate::api::findings::{FindingQuery, filter_of, list_page};
use crate::api::overview::overview_for;
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

/// The filter form's current values and the findings of the page.
pub struct FindingsTable {
    /// The findings.
    pub items: Vec<FindingRow>,
    /// The link to the next page, when there is one.
    pub next: Option<String>,
    /// The form's values.
    pub severity: String,
    /// The status filter.
    pub status: String,
    /// Overdue only.
    pub overdue: bool,
    /// KEV only.
    pub kev: bool,
    /// Sort key.
    pub sort: String,
    /// Whether a cursor was followed (offer a link to the first page).
    pub paged: bool,
    /// The page's own path (form action, first-page link).
    pub base: String,
}

/// Statuses offered by the filter form, with their labels.
pub const STATUS_CHOICES: [(&str, &str); 10] = [
    ("", "any"),
    ("active", "active (open, triaged, patching)"),
    ("open", "open"),
    ("triaged", "triaged"),
    ("patching", "patching"),
    ("fixed", "fixed"),
    ("verified", "verified"),
    ("risk_accepted", "risk accepted"),
    ("not_affected", "not affected"),
    ("false_positive", "false positive"),
];

/// Severities offered by the filter form.
pub const SEVERITY_CHOICES: [(&str, &str); 7] = [
    ("", "any"),
    ("critical", "Critical"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
    ("none", "None"),
    ("unknown", "Unknown"),
];

/// Sort keys offered by the filter form.
pub const SORT_CHOICES: [(&str, &str); 6] = [
    ("due", "due date"),
    ("severity", "severity"),
    ("first_seen", "first seen"),
    ("updated_at", "last change"),
    ("epss", "EPSS"),
    ("cvss", "CVSS"),
];

async fn findings_table(
    state: &AppState,
    viewer: &Viewer,
    mut q: FindingQuery,
    product: &str,
    project: Option<&str>,
    base: String,
) -> Result<FindingsTable, ApiError> {
    q.product = Some(product.to_string());
    q.project = project.map(str::to_string);
    if q.limit.is_none() {
        q.limit = Some(50);
    }
    // Validate the filters the same way the API does (a bad one is a 400 page).
    filter_of(&q, viewer, &state.today())?;
    let list = list_page(state, viewer, &q).await?;
    let mut link = vec![];
    for (name, value) in [
        ("severity", q.severity.as_deref()),
        ("status", q.status.as_deref()),
        ("sort", q.sort.as_deref()),
        ("order", q.order.as_deref()),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            link.push(format!("{name}={}", encode(v)));
        }
    }
    if q.overdue == Some(true) {
        link.push("overdue=true".into());
    }
    if q.kev == Some(true) {
        link.push("kev=true".into());
    }
    let next = list.next_cursor.as_ref().map(|c| {
        let mut parts = link.clone();
        parts.push(format!("cursor={}", encode(c)));
        format!("{base}?{}", parts.join("&"))
    });
    Ok(FindingsTable {
        items: list.items,
        next,
        severity: q.severity.clone().unwrap_or_default(),
        status: q.status.clone().unwrap_or_default(),
        overdue: q.overdue == Some(true),
        kev: q.kev == Some(true),
        sort: q.sort.clone().unwrap_or_default(),
        paged: q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
        base,
    })
}

#[derive(askama::Template)]
#[template(path = "product.html")]
struct ProductPage {
    chrome: Chrome,
    product: String,
    description: String,
    project: Option<String>,
    projects: Vec<Project>,
    artifacts: Vec<Artifact>,
    rows: Vec<SeverityRow>,
    table: FindingsTable,
    statuses: Vec<Choice>,
    severities: Vec<Choice>,
    sorts: Vec<Choice>,
}

/// An option of a filter's select.
pub struct Choice {
    /// The value sent.
    pub value: &'static str,
    /// What is shown.
    pub label: &'static str,
    /// Currently chosen.
    pub selected: bool,
}

fn choices(options: &[(&'static str, &'static str)], current: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: current.eq_ignore_ascii_case(value),
        })
        .collect()
}

/// `GET /products/{product}`.
pub async fn product_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(product): Path<String>,
    Query(q): Query<FindingQuery>,
) -> PageResult {
    render(&state, &headers, &uri, product, None, q).await
}

/// `GET /products/{product}/projects/{project}`.
pub async fn project_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((product, project)): Path<(String, String)>,
    Query(q): Query<FindingQuery>,
) -> PageResult {
    render(&state, &headers, &uri, product, Some(project), q).await
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    product: String,
    project: Option<String>,
    q: FindingQuery,
) -> PageResult {
    let viewer = page_viewer(state, headers, uri).await?;
    let chrome = Chrome::of(&viewer, "");
    let fail = |e: ApiError| PageError::from_api(e, &chrome);
    let p = viewer
        .readable_product(state, &product)
        .await
        .map_err(fail)?;
    let projects = state
        .store
        .projects(Some(&p.name))
        .await
        .map_err(|e| fail(e.into()))?;
    let mut artifacts = Vec::new();
    let base = match &project {
        Some(name) => {
            if !projects.iter().any(|j| j.name == *name) {
                return Err(fail(ApiError::not_found(format!(
                    "no project {name} in {}",
                    p.name
                ))));
            }
            artifacts = state
                .store
                .artifacts(Some(&p.name), Some(name))
                .await
                .map_err(|e| fail(e.into()))?;
            artifacts.truncate(10);
            format!("/products/{}/projects/{}", encode(&p.name), encode(name))
        }
        None => format!("/products/{}", encode(&p.name)),
    };
    let overview = overview_for(state, &viewer, Some(&p.name))
        .await
        .map_err(fail)?;
    let table = findings_table(state, &viewer, q, &p.name, project.as_deref(), base)
        .await
        .map_err(fail)?;
    let statuses = choices(&STATUS_CHOICES, &table.status);
    let severities = choices(&SEVERITY_CHOICES, &table.severity);
    let sorts = choices(&SORT_CHOICES, &table.sort);
    let page = ProductPage {
        rows: severity_rows_of(&overview),
        product: p.name,
        description: p.description,
        project,
        projects,
        artifacts,
        table,
        statuses,
        severities,
        sorts,
        chrome,
    };
    Ok(html(page.render_page()))
}
