//! The overview page, exceptions and intelligence freshness.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use patchwarden_metrics::TrendDay;
use patchwarden_store::{JobRun, StoredException};

use super::{Chrome, PageError, PageResult, RenderPage, chart, html, one_decimal, page_viewer};
use crate::api::overview::{EXPIRING_WITHIN_DAYS, IntelSource, Overview, overview_for};
use crate::state::AppState;

/// One row of the figures table.
pub struct SeverityRow {
    /// The severity.
    pub severity: String,
    /// Compliance with one decimal, or empty when nothing is counted (the data hook).
    pub compliance: String,
    /// Compliance as shown (`87.5 %`, or `—`).
    pub compliance_text: String,
    /// Numerator.
    pub on_time: u64,
    /// Denominator.
    pub counted: u64,
    /// Active.
    pub open: u64,
    /// Overdue.
    pub overdue: u64,
    /// Active in KEV.
    pub kev_open: u64,
    /// MTTR shown.
    pub mttr: String,
    /// Remediated within the window.
    pub remediated: u64,
}

/// The figures table's rows of an overview.
pub fn severity_rows_of(o: &Overview) -> Vec<SeverityRow> {
    o.figures
        .by_severity
        .iter()
        .map(|s| SeverityRow {
            severity: s.severity.clone(),
            compliance: s.sla.percent.map(|p| format!("{p:.1}")).unwrap_or_default(),
            compliance_text: s
                .sla
                .percent
                .map_or_else(|| "—".to_string(), |p| format!("{p:.1} %")),
            on_time: s.sla.on_time,
            counted: s.sla.counted,
            open: s.open,
            overdue: s.overdue,
            kev_open: s.kev_open,
            mttr: one_decimal(s.mttr.mean_days),
            remediated: s.mttr.remediated,
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Chrome,
    o: Arc<Overview>,
    rows: Vec<SeverityRow>,
    total_compliance: String,
    total_compliance_text: String,
    total_mttr: String,
    chart: String,
    chart_text: String,
    trend: Vec<TrendDay>,
    expiring_days: i64,
}

/// `GET /`: the portfolio overview over every product the viewer may read.
pub async fn overview_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let viewer = page_viewer(&state, &headers, &uri).await?;
    let chrome = Chrome::of(&viewer, "overview");
    let o = overview_for(&state, &viewer, None)
        .await
        .map_err(|e| PageError::from_api(e, &chrome))?;
    let page = OverviewPage {
        rows: severity_rows_of(&o),
        total_compliance: o
            .figures
            .sla
            .percent
            .map(|p| format!("{p:.1}"))
            .unwrap_or_default(),
        total_compliance_text: o
            .figures
            .sla
            .percent
            .map_or_else(|| "—".to_string(), |p| format!("{p:.1} %")),
        total_mttr: one_decimal(o.figures.mttr.mean_days),
        chart: chart::svg(&o.figures.trend),
        chart_text: chart::describe(&o.figures.trend),
        trend: o.figures.trend.iter().rev().cloned().collect(),
        expiring_days: EXPIRING_WITHIN_DAYS,
        o,
        chrome,
    };
    Ok(html(page.render_page()))
}

/// An exception as the exceptions page shows it.
pub struct ExceptionRow {
    /// The exception.
    pub x: StoredException,
    /// What it covers, in words.
    pub covers: String,
    /// Days until it ends (negative: ended).
    pub days_left: i64,
}

fn covers(x: &StoredException) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &x.vulnerability {
        parts.push(v.clone());
    }
    if let Some(p) = &x.package {
        parts.push(match &x.ecosystem {
            Some(e) => format!("{e}/{p}"),
            None => p.clone(),
        });
    }
    if let Some(p) = &x.purl {
        parts.push(p.clone());
    }
    if parts.is_empty() {
        "everything".to_string()
    } else {
        parts.join(", ")
    }
}

fn days_between(from: &str, to: &str) -> i64 {
    match (
        patchwarden_metrics::parse_day(from),
        patchwarden_metrics::parse_day(to),
    ) {
        (Some(a), Some(b)) => (b - a).whole_days(),
        _ => 0,
    }
}

#[derive(askama::Template)]
#[template(path = "exceptions.html")]
struct ExceptionsPage {
    chrome: Chrome,
    soon: Vec<ExceptionRow>,
    later: Vec<ExceptionRow>,
    ended: Vec<ExceptionRow>,
    expiring_days: i64,
}

/// `GET /exceptions`: the exceptions of the readable products, those expiring within 30
/// days first.
pub async fn exceptions_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let viewer = page_viewer(&state, &headers, &uri).await?;
    let chrome = Chrome::of(&viewer, "exceptions");
    let fail = |e: crate::error::ApiError| PageError::from_api(e, &chrome);
    let today = state.today();
    let readable: Vec<String> = state
        .store
        .products()
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .filter(|p| viewer.principal.can_read_product(p.id))
        .map(|p| p.name)
        .collect();
    let mut rows: Vec<ExceptionRow> = state
        .store
        .exceptions(None)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .filter(|x| readable.contains(&x.product))
        .map(|x| ExceptionRow {
            covers: covers(&x),
            days_left: days_between(&today, &x.expires),
            x,
        })
        .collect();
    rows.sort_by(|a, b| a.x.expires.cmp(&b.x.expires).then(a.x.id.cmp(&b.x.id)));
    let (ended, rest): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.days_left < 0);
    let (soon, later): (Vec<_>, Vec<_>) = rest
        .into_iter()
        .partition(|r| r.days_left <= EXPIRING_WITHIN_DAYS);
    let page = ExceptionsPage {
        chrome,
        soon,
        later,
        ended,
        expiring_days: EXPIRING_WITHIN_DAYS,
    };
    Ok(html(page.render_page()))
}

/// A source with its age.
pub struct SourceRow {
    /// The source.
    pub s: IntelSource,
    /// Days since the last success, or `never`.
    pub age: String,
    /// Older than two days, or never updated.
    pub stale: bool,
}

#[derive(askama::Template)]
#[template(path = "intel.html")]
struct IntelPage {
    chrome: Chrome,
    sources: Vec<SourceRow>,
    jobs: Vec<JobRun>,
    show_jobs: bool,
}

/// `GET /intel`: advisory sources and when each was last updated; the scheduled job runs
/// for admins and auditors.
pub async fn intel_page(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> PageResult {
    let viewer = page_viewer(&state, &headers, &uri).await?;
    let chrome = Chrome::of(&viewer, "intel");
    let o = overview_for(&state, &viewer, None)
        .await
        .map_err(|e| PageError::from_api(e, &chrome))?;
    let today = state.today();
    let sources = o
        .intel
        .iter()
        .map(|s| {
            let age = s.last_success.as_deref().map(|t| days_between(t, &today));
            SourceRow {
                age: age.map_or_else(|| "never".to_string(), |d| format!("{d} d")),
                stale: age.is_none_or(|d| d > 2),
                s: s.clone(),
            }
        })
        .collect();
    let show_jobs = viewer.reads_everything();
    let jobs = if show_jobs {
        state
            .store
            .job_runs(50)
            .await
            .map_err(|e| PageError::from_api(e.into(), &chrome))?
    } else {
        Vec::new()
    };
    let page = IntelPage {
        chrome,
        sources,
        jobs,
        show_jobs,
    };
    Ok(html(page.render_page()))
}
