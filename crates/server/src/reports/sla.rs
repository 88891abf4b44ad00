//! The SLA compliance report's rows.

use std::collections::BTreeSet;

use patchwarden_report::portfolio::{Period, SlaInput, SlaReport, build_sla};
use patchwarden_store::{FindingFilter, Store, StoreError};

/// Builds the SLA report of `period`, for one product or every product in `scope` (product
/// row ids the reader may see; `None`: all).
pub async fn sla_report(
    store: &Store,
    period: Period,
    product: Option<&str>,
    scope: Option<Vec<i64>>,
    generated_at: &str,
) -> Result<SlaReport, StoreError> {
    let findings = store
        .findings(&FindingFilter {
            product: product.map(str::to_string),
            product_ids: scope.clone(),
            ..FindingFilter::default()
        })
        .await?;
    let visible: Option<BTreeSet<String>> = match &scope {
        None => None,
        Some(ids) => Some(
            store
                .products()
                .await?
                .into_iter()
                .filter(|p| ids.contains(&p.id))
                .map(|p| p.name)
                .collect(),
        ),
    };
    let exceptions: Vec<_> = store
        .exceptions(product)
        .await?
        .into_iter()
        .filter(|x| visible.as_ref().is_none_or(|v| v.contains(&x.product)))
        .collect();
    Ok(build_sla(SlaInput {
        period,
        generated_at,
        product,
        findings: &findings,
        exceptions: &exceptions,
    }))
}
