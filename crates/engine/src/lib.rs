//! The pipelines that wire inventory, intel, store, matching and policy together; used by
//! both the command line and (later) the server.
//!
//! [`import_advisories`] loads OSV records into the store; [`scan`] reads the components under
//! a path and matches them against the stored advisories, returning a [`ScanResult`] that
//! the `report` crate renders.

pub mod intel;
pub mod notices;
pub mod portfolio;
mod scan;
pub mod update;

pub use scan::{
    ComponentRemediation, Evaluation, Finding, FindingStatus, Gate, KevInfo, Problem, ScanResult,
    VexInfo, evaluate, match_inventory, scan, scan_with,
};

use std::path::Path;

use patchwarden_intel::Rejected;
use patchwarden_store::{ImportStats, Store, StoreError};

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
    /// A request that cannot be carried out (unknown name, refused transition), in words.
    #[error("{0}")]
    Invalid(String),
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
