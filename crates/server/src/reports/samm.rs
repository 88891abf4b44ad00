//! The evidence of the SAMM Patching and Updating assessment (docs/samm.md), read from the
//! store: every project's latest scan time (one grouped query), the advisory sources, every
//! finding and exception, the findings with patch records, the products and the process
//! reviews of the look-back window.

use patchwarden_report::portfolio::{SammEvidence, SammOptions};
use patchwarden_store::{FindingFilter, Store, StoreError};

/// Reads what [`patchwarden_report::portfolio::assess_samm`] needs, as of `generated_at`
/// (RFC 3339). The whole portfolio: the assessment is of the organisation, not of one
/// product, so callers check that the reader may see everything.
pub async fn samm_evidence(
    store: &Store,
    generated_at: &str,
    options: SammOptions,
) -> Result<SammEvidence, StoreError> {
    // Reviews older than the window do not count; the assessment filters by day again.
    let since = patchwarden_metrics::parse_day(generated_at)
        .and_then(|d| d.checked_sub(time::Duration::days(i64::from(options.review_days))))
        .map(|d| d.to_string());
    Ok(SammEvidence {
        generated_at: generated_at.to_string(),
        options,
        projects: store.project_activity().await?,
        sources: store.sources().await?,
        findings: store.findings(&FindingFilter::default()).await?,
        exceptions: store.exceptions(None).await?,
        patched_findings: store.patched_finding_ids().await?,
        products: store.products().await?,
        reviews: store.process_reviews(since.as_deref()).await?,
    })
}
