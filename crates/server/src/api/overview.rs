//! The portfolio overview: figures over the findings the caller may read (or one product's),
//! open KEV findings, advisory-source freshness and exceptions expiring soon.
//!
//! Cached per scope: figures younger than `overview_cache_seconds` are served as they are;
//! older ones are still served while one background task computes fresh ones; when nothing
//! is cached (first request, or a write cleared the cache) requests wait for a single
//! computation (concurrent misses compute once).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use patchwarden_metrics::Figures;
use patchwarden_store::{FindingFilter, FindingRow, FindingSort, StoredException};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::findings::ACTIVE;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Days ahead within which an exception counts as expiring soon.
pub const EXPIRING_WITHIN_DAYS: i64 = 30;
/// Open KEV findings listed at most (the figures count all of them).
pub const KEV_LISTED: usize = 50;

/// Which products the overview covers.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Only this product (default: every product the caller may read).
    pub product: Option<String>,
}

/// An advisory source and when it was last updated.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IntelSource {
    /// Unique name (`osv:PyPI`, `kev`, `epss`, `nvd`, or an imported path).
    pub name: String,
    /// `osv`, `kev`, `epss` or `nvd`.
    pub kind: String,
    /// Records at the last success.
    pub records: i64,
    /// Last successful import or update, RFC 3339.
    pub last_success: Option<String>,
    /// Last attempt, successful or not, RFC 3339.
    pub last_attempt: Option<String>,
    /// The last attempt's error, when it failed.
    pub last_error: Option<String>,
}

/// The overview of the products the caller may read.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Overview {
    /// When the figures were computed, RFC 3339 (they are reused for a few seconds).
    pub generated_at: String,
    /// The product the figures cover, when one was asked for; otherwise every readable one.
    pub product: Option<String>,
    /// The products covered, by name.
    pub products: Vec<String>,
    /// The figures (definitions in docs/metrics.md).
    pub figures: Figures,
    /// Active findings in CISA's KEV catalogue, most urgent first (at most 50; the count
    /// is `figures.kev_open`).
    pub kev_findings: Vec<FindingRow>,
    /// Advisory sources and their freshness.
    pub intel: Vec<IntelSource>,
    /// Exceptions of the covered products whose last day is within 30 days, soonest first.
    pub expiring_exceptions: Vec<StoredException>,
}

/// The overview for `viewer`, over one product or every product it may read; cached per
/// scope (see the module documentation).
pub async fn overview_for(
    state: &AppState,
    viewer: &Viewer,
    product: Option<&str>,
) -> ApiResult<Arc<Overview>> {
    viewer.require_portfolio_reader()?;
    let product = match product.map(str::trim).filter(|p| !p.is_empty()) {
        Some(name) => Some(viewer.readable_product(state, name).await?),
        None => None,
    };
    let scope = viewer.product_scope();
    let key = format!(
        "{}|{}",
        scope.as_ref().map_or("all".to_string(), |ids| ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")),
        product.as_ref().map_or(String::new(), |p| p.id.to_string())
    );
    let ttl = Duration::from_secs(state.settings.overview_cache_seconds);
    let cache = &state.cache.overview;
    let product = product.map(|p| p.name);
    match cache.get_any(&key, ttl) {
        Some((hit, true)) => return Ok(hit),
        Some((stale, false)) => {
            // Serve the stale figures at once and refresh them in the background, once:
            // requests never wait for a recomputation that only ageing asked for.
            if let Ok(guard) = state.cache.overview_compute.clone().try_lock_owned() {
                let state = state.clone();
                let generation = cache.generation();
                tokio::spawn(async move {
                    let _computing = guard;
                    match compute(&state, scope, product).await {
                        Ok(fresh) => state.cache.overview.put_unless_cleared(
                            &key,
                            Arc::new(fresh),
                            ttl,
                            generation,
                        ),
                        Err(e) => tracing::warn!(error = %e.message, "overview refresh failed"),
                    }
                });
            }
            return Ok(stale);
        }
        None => {}
    }
    // Nothing cached (first request, or a write cleared it): wait for one computation.
    let _computing = state.cache.overview_compute.lock().await;
    if let Some(hit) = cache.get(&key, ttl) {
        return Ok(hit);
    }
    let generation = cache.generation();
    let computed = Arc::new(compute(state, scope, product).await?);
    if !ttl.is_zero() {
        cache.put_unless_cleared(&key, computed.clone(), ttl, generation);
    }
    Ok(computed)
}

async fn compute(
    state: &AppState,
    scope: Option<Vec<i64>>,
    product: Option<String>,
) -> ApiResult<Overview> {
    let now = state.now();
    let today = state.today();
    let filter = FindingFilter {
        product: product.clone(),
        product_ids: scope.clone(),
        ..FindingFilter::default()
    };
    let facts = state.store.finding_facts(&filter).await?;
    let figures = tokio::task::spawn_blocking({
        let today = today.clone();
        move || patchwarden_metrics::compute_counted(facts.iter().map(|(f, n)| (f, *n)), &today)
    })
    .await
    .map_err(ApiError::internal)?;
    let kev_filter = FindingFilter {
        kev: true,
        statuses: ACTIVE.iter().map(|s| s.to_string()).collect(),
        ..filter
    };
    let kev_findings = state
        .store
        .findings_page(&kev_filter, FindingSort::Due, false, None, KEV_LISTED)
        .await?
        .items;
    let products: Vec<String> = state
        .store
        .products()
        .await?
        .into_iter()
        .filter(|p| scope.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .filter(|p| product.as_ref().is_none_or(|name| *name == p.name))
        .map(|p| p.name)
        .collect();
    let last_day = crate::state::shift_minutes(&now, EXPIRING_WITHIN_DAYS * 24 * 60);
    let last_day: String = last_day.chars().take(10).collect();
    let mut expiring_exceptions: Vec<StoredException> = state
        .store
        .exceptions(product.as_deref())
        .await?
        .into_iter()
        .filter(|x| products.contains(&x.product))
        .filter(|x| x.expires.as_str() >= today.as_str() && x.expires.as_str() <= last_day.as_str())
        .collect();
    expiring_exceptions.sort_by(|a, b| a.expires.cmp(&b.expires).then(a.id.cmp(&b.id)));
    let intel = state
        .store
        .sources()
        .await?
        .into_iter()
        .map(|s| IntelSource {
            name: s.name,
            kind: s.kind,
            records: s.records,
            last_success: s.last_success,
            last_attempt: s.last_attempt,
            last_error: s.last_error,
        })
        .collect();
    Ok(Overview {
        generated_at: now,
        product,
        products,
        figures,
        kev_findings,
        intel,
        expiring_exceptions,
    })
}

/// Portfolio figures over the products the caller may read (or one of them): counts by
/// status and severity, open and overdue findings, SLA compliance with its numerator and
/// denominator, mean time to remediate, the 90-day trend, open KEV findings, advisory-source
/// freshness and exceptions expiring within 30 days. Definitions: docs/metrics.md.
#[utoipa::path(get, path = "/api/v1/overview", tag = "overview",
    params(OverviewQuery),
    responses((status = 200, description = "The overview", body = Overview),
        (status = 401, description = "No working credentials", body = ErrorBody),
        (status = 403, description = "A partner, or a product the caller may not read", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
pub async fn overview(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OverviewQuery>,
) -> ApiResult<Response> {
    let overview = overview_for(&state, &viewer, q.product.as_deref()).await?;
    let body = serde_json::to_vec(&*overview).map_err(ApiError::internal)?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}
