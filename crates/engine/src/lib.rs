//! The pipelines that wire inventory, intel, store, matching and policy together; used by
//! both the command line and (later) the server.
//!
//! [`import_advisories`] loads OSV records into the store; [`scan`] reads the components under
//! a path and matches them against the stored advisories, returning a [`ScanResult`] that
//! the `report` crate renders.

pub mod intel;
pub mod update;

use std::collections::BTreeMap;
use std::path::Path;

use patchwarden_core::{Component, Severity};
use patchwarden_intel::Rejected;
use patchwarden_inventory::{Inventory, SourceFile, Warning};
use patchwarden_osv::Advisory;
use patchwarden_policy::{CvssScore, assess};
use patchwarden_store::{ImportStats, Store, StoreError};
use serde::Serialize;

/// A pipeline failed. Every message names the file (or database) and the problem.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A lockfile or the scanned path could not be read.
    #[error(transparent)]
    Inventory(#[from] patchwarden_inventory::InventoryError),
    /// An advisory source could not be read.
    #[error(transparent)]
    Intel(#[from] patchwarden_intel::IntelError),
    /// An advisory record is malformed (strict imports stop at the first one).
    #[error("malformed advisory {0}")]
    MalformedAdvisory(Rejected),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A KEV, EPSS or NVD file is not what it should be.
    #[error("{path}: {message}")]
    Feed {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// What an advisory import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Records read from the source.
    pub read: usize,
    /// What the store changed.
    pub stats: ImportStats,
    /// Records skipped as malformed (only in lenient imports).
    pub rejected: Vec<Rejected>,
    /// The file was byte-identical to the source's last successful import, so it was not
    /// read; `stats.unchanged` holds the records the source keeps.
    pub source_unchanged: bool,
}

/// Whether an import stops at the first malformed record or skips and counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// The first malformed record fails the import; nothing is stored.
    Strict,
    /// Malformed records are reported and skipped.
    Lenient,
}

/// Reads OSV records from a file, directory or `all.zip` and upserts them into the store, as
/// one source named by the path, in one transaction.
pub async fn import_advisories(
    store: &Store,
    path: &Path,
    strictness: Strictness,
    now: &str,
) -> Result<ImportReport, EngineError> {
    let meta = patchwarden_store::SourceMeta {
        name: intel::source_name(path),
        kind: intel::FeedKind::Osv.as_str().to_string(),
        location: path.display().to_string(),
        ..Default::default()
    };
    let report = intel::import_feed(
        store,
        path,
        intel::FeedKind::Osv,
        meta,
        strictness,
        now,
        false,
    )
    .await?;
    store.refresh_identities().await?;
    Ok(report)
}

/// One vulnerability affecting one component.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The advisory's own id.
    pub advisory_id: String,
    /// The id to show: the CVE when the advisory has exactly one, else the advisory id.
    pub vulnerability_id: String,
    /// Every other id of the vulnerability.
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Chosen severity.
    pub severity: Severity,
    /// The CVSS vector the severity came from, if any.
    pub cvss: Option<CvssScore>,
    /// Publication date of the advisory.
    pub published: Option<String>,
    /// The affected component.
    pub component: Component,
    /// Versions that fix it, above the installed one, lowest first (empty: no fix known).
    pub fixed: Vec<String>,
    /// Computed with an ordering that is not exact for the ecosystem.
    pub approximate: bool,
}

/// An advisory that names a component but could not be evaluated against it.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    /// Advisory id.
    pub advisory_id: String,
    /// The component.
    pub component: Component,
    /// What went wrong.
    pub message: String,
}

/// Everything a scan found.
#[derive(Clone, Debug, Serialize)]
pub struct ScanResult {
    /// The path scanned, as given.
    pub target: String,
    /// When, RFC 3339.
    pub scanned_at: String,
    /// Advisories in the store at scan time.
    pub advisories_in_store: i64,
    /// Lockfiles read.
    pub sources: Vec<SourceFile>,
    /// All components.
    pub components: Vec<Component>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Inventory warnings (unpinned requirements, unreadable entries).
    pub warnings: Vec<Warning>,
    /// Advisory/component pairs that could not be decided.
    pub problems: Vec<Problem>,
}

impl ScanResult {
    /// Number of findings per severity, most severe first, zero counts included.
    pub fn counts_by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    self.findings.iter().filter(|f| f.severity == *s).count(),
                )
            })
            .collect()
    }

    /// Number of distinct components with at least one finding.
    pub fn vulnerable_components(&self) -> usize {
        let mut seen: Vec<&Component> = self.findings.iter().map(|f| &f.component).collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }
}

/// Matches an inventory against the advisories in the store.
pub async fn match_inventory(
    store: &Store,
    inventory: Inventory,
    target: &str,
    now: &str,
) -> Result<ScanResult, EngineError> {
    // One store lookup per distinct package, however many versions of it are installed.
    let mut by_package: BTreeMap<(String, String), Vec<&Component>> = BTreeMap::new();
    for c in &inventory.components {
        by_package
            .entry((c.ecosystem.to_string(), c.name.clone()))
            .or_default()
            .push(c);
    }
    let mut findings = Vec::new();
    let mut problems = Vec::new();
    for components in by_package.values() {
        let first = components[0];
        let candidates: Vec<Advisory> = store.advisories_for(&first.ecosystem, &first.name).await?;
        if candidates.is_empty() {
            continue;
        }
        for component in components {
            let result = patchwarden_matching::match_component(component, &candidates);
            for m in result.matches {
                let Some(advisory) = candidates.iter().find(|a| a.id == m.advisory_id) else {
                    continue;
                };
                let assessment = assess(advisory, m.affected_index);
                findings.push(Finding {
                    advisory_id: advisory.id.clone(),
                    vulnerability_id: advisory.preferred_id().to_string(),
                    aliases: std::iter::once(&advisory.id)
                        .chain(&advisory.aliases)
                        .filter(|a| a.as_str() != advisory.preferred_id())
                        .cloned()
                        .collect(),
                    summary: advisory.summary.clone(),
                    severity: assessment.severity,
                    cvss: assessment.cvss,
                    published: advisory.published.clone(),
                    component: (*component).clone(),
                    fixed: m.fixed,
                    approximate: m.approximate,
                });
            }
            for p in result.problems {
                problems.push(Problem {
                    advisory_id: p.advisory_id,
                    component: (*component).clone(),
                    message: p.error.to_string(),
                });
            }
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.component.name.cmp(&b.component.name))
            .then_with(|| a.component.version.cmp(&b.component.version))
            .then_with(|| a.component.source.path.cmp(&b.component.source.path))
            .then_with(|| a.advisory_id.cmp(&b.advisory_id))
    });
    Ok(ScanResult {
        target: target.to_string(),
        scanned_at: now.to_string(),
        advisories_in_store: store.advisory_count().await?,
        sources: inventory.sources,
        components: inventory.components,
        findings,
        warnings: inventory.warnings,
        problems,
    })
}

/// Finds the lockfiles under `path` and matches their components against the store.
pub async fn scan(store: &Store, path: &Path, now: &str) -> Result<ScanResult, EngineError> {
    let inventory = patchwarden_inventory::scan_path(path)?;
    match_inventory(store, inventory, &path.display().to_string(), now).await
}
