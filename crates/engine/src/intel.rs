//! Advisory intelligence pipelines: import feed files of every kind into the store.

use std::io::Read;
use std::path::Path;

use patchwarden_intel::{OsvRecord, Rejected};
use patchwarden_store::{EpssRow, KevRow, NvdRow, RecordRef, SourceMeta, Store};
use serde::Serialize;

use crate::{EngineError, ImportReport, Strictness};

/// Records per write while streaming an OSV source.
const IMPORT_CHUNK: usize = 1000;

/// Records per hand-over from the reading thread to the writer.
const READ_BATCH: usize = 50;

/// The kinds of feed Patchwarden reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// OSV records: a JSON file, a directory of them, or an osv.dev `all.zip`.
    Osv,
    /// The CISA Known Exploited Vulnerabilities catalog (JSON).
    Kev,
    /// FIRST EPSS scores (CSV, optionally gzip).
    Epss,
    /// An NVD CVE API 2.0 response (JSON).
    Nvd,
}

impl FeedKind {
    /// The name used in sources and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Osv => "osv",
            FeedKind::Kev => "kev",
            FeedKind::Epss => "epss",
            FeedKind::Nvd => "nvd",
        }
    }

    /// Parses `osv`, `kev`, `epss` or `nvd`.
    pub fn parse(s: &str) -> Option<FeedKind> {
        match s {
            "osv" => Some(FeedKind::Osv),
            "kev" => Some(FeedKind::Kev),
            "epss" => Some(FeedKind::Epss),
            "nvd" => Some(FeedKind::Nvd),
            _ => None,
        }
    }

    /// Recognises a feed file: directories and `.zip` are OSV; `.csv`/`.gz` are EPSS; a JSON
    /// file is KEV when it has `catalogVersion`, NVD when it is an `NVD_CVE` response, else OSV.
    pub fn detect(path: &Path) -> Result<FeedKind, EngineError> {
        let io = |source| patchwarden_intel::IntelError::Io {
            path: path.to_path_buf(),
            source,
        };
        if std::fs::metadata(path).map_err(io)?.is_dir() {
            return Ok(FeedKind::Osv);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".zip") {
            return Ok(FeedKind::Osv);
        }
        if name.ends_with(".csv") || name.ends_with(".gz") {
            return Ok(FeedKind::Epss);
        }
        let mut head = Vec::new();
        std::fs::File::open(path)
            .map_err(io)?
            .take(64 * 1024)
            .read_to_end(&mut head)
            .map_err(io)?;
        let head = String::from_utf8_lossy(&head);
        Ok(if head.contains("\"catalogVersion\"") {
            FeedKind::Kev
        } else if head.contains("\"NVD_CVE\"") || head.contains("\"resultsPerPage\"") {
            FeedKind::Nvd
        } else {
            FeedKind::Osv
        })
    }
}

/// The name a file source is recorded under: its absolute path.
pub fn source_name(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Imports one feed file (or OSV directory) of `kind` as source `meta.name`.
///
/// A file byte-identical to the one this source last imported successfully (same SHA-256,
/// same kind) is not read again unless `force` is set: the source is marked checked and the
/// report says so. Directories are always read; unchanged records in them are skipped by
/// their `modified` stamp.
pub async fn import_feed(
    store: &Store,
    path: &Path,
    kind: FeedKind,
    mut meta: SourceMeta,
    strictness: Strictness,
    now: &str,
    force: bool,
) -> Result<ImportReport, EngineError> {
    let is_file = std::fs::metadata(path)
        .map(|m| m.is_file())
        .unwrap_or(false);
    if is_file && meta.sha256.is_none() {
        let owned = path.to_path_buf();
        let digest = tokio::task::spawn_blocking(move || patchwarden_intel::sha256_file(&owned))
            .await
            .map_err(|join| patchwarden_intel::IntelError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(join.to_string()),
            })??;
        meta.sha256 = Some(digest);
    }
    if is_file && !force {
        let previous = store
            .sources()
            .await?
            .into_iter()
            .find(|s| s.name == meta.name);
        if let Some(previous) = previous
            && previous.last_success.is_some()
            && previous.kind == meta.kind
            && previous.sha256.is_some()
            && previous.sha256 == meta.sha256
        {
            store.record_source_unchanged(&meta.name, now).await?;
            let records = usize::try_from(previous.records).unwrap_or(0);
            return Ok(ImportReport {
                read: 0,
                stats: patchwarden_store::ImportStats {
                    unchanged: records,
                    ..Default::default()
                },
                rejected: Vec::new(),
                source_unchanged: true,
            });
        }
    }
    let result = match kind {
        FeedKind::Osv => import_osv(store, path, &meta, strictness, now).await,
        FeedKind::Kev => import_kev(store, path, meta.clone(), now).await,
        FeedKind::Epss => import_epss(store, path, meta.clone(), now).await,
        FeedKind::Nvd => import_nvd(store, path, meta.clone(), now).await,
    };
    if let Err(e) = &result {
        // The source's data is untouched (its transaction rolled back); say what happened.
        store
            .record_source_failure(&meta, &e.to_string(), now)
            .await?;
    }
    result
}

/// Streams an OSV source into the store: records are read on a blocking thread and written
/// in chunks, all inside one transaction.
async fn import_osv(
    store: &Store,
    path: &Path,
    meta: &SourceMeta,
    strictness: Strictness,
    now: &str,
) -> Result<ImportReport, EngineError> {
    let mut import = store.begin_advisory_import(&meta.name, now).await?;
    // Records stored with the same `modified` are skipped before being parsed whole.
    let known = import.known().clone();
    // Records travel in small batches: one wake-up of the writer per batch, not per record.
    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<Vec<Result<OsvRecord, Rejected>>>(IMPORT_CHUNK / READ_BATCH);
    let owned = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        let skip = |id: &str, modified: &str| known.get(id).is_some_and(|m| m == modified);
        // Nothing stored yet for this source: nothing can be skipped, so no peeking.
        let skip: Option<&patchwarden_intel::Skip<'_>> =
            if known.is_empty() { None } else { Some(&skip) };
        let mut batch = Vec::with_capacity(READ_BATCH);
        let skipped = patchwarden_intel::visit_osv_skipping(&owned, skip, &mut |item| {
            batch.push(item);
            batch.len() < READ_BATCH
                || tx
                    .blocking_send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(READ_BATCH),
                    ))
                    .is_ok()
        })?;
        if !batch.is_empty() {
            // The writer may have stopped (strict mode); what it did not take is not needed.
            let _ = tx.blocking_send(batch);
        }
        Ok::<usize, patchwarden_intel::IntelError>(skipped)
    });
    let mut report = ImportReport::default();
    let mut chunk: Vec<OsvRecord> = Vec::with_capacity(IMPORT_CHUNK);
    while let Some(items) = rx.recv().await {
        for item in items {
            report.read += 1;
            match item {
                Ok(record) => chunk.push(record),
                Err(rejected) if strictness == Strictness::Strict => {
                    drop(rx);
                    let _ = reader.await;
                    return Err(EngineError::MalformedAdvisory(rejected));
                }
                Err(rejected) => report.rejected.push(rejected),
            }
            if chunk.len() == IMPORT_CHUNK {
                write_chunk(&mut import, &chunk).await?;
                chunk.clear();
            }
        }
    }
    write_chunk(&mut import, &chunk).await?;
    match reader.await {
        Ok(Ok(skipped)) => {
            report.read += skipped;
            import.count_unchanged(skipped);
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(join) => {
            return Err(EngineError::Intel(patchwarden_intel::IntelError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other(join.to_string()),
            }));
        }
    }
    let meta = SourceMeta {
        records: i64::try_from(report.read - report.rejected.len()).unwrap_or(i64::MAX),
        ..meta.clone()
    };
    report.stats = import.finish(Some(&meta)).await?;
    Ok(report)
}

async fn write_chunk(
    import: &mut patchwarden_store::AdvisoryImport,
    chunk: &[OsvRecord],
) -> Result<(), EngineError> {
    let refs: Vec<RecordRef<'_>> = chunk
        .iter()
        .map(|r| RecordRef {
            advisory: &r.advisory,
            raw: &r.raw,
        })
        .collect();
    import.add(&refs).await?;
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>, EngineError> {
    std::fs::read(path).map_err(|source| {
        EngineError::Intel(patchwarden_intel::IntelError::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

fn feed_error(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::Feed {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

async fn import_kev(
    store: &Store,
    path: &Path,
    meta: SourceMeta,
    now: &str,
) -> Result<ImportReport, EngineError> {
    let catalog =
        patchwarden_intel::kev::parse_kev(&read_file(path)?).map_err(|e| feed_error(path, e))?;
    let rows: Vec<KevRow> = catalog
        .entries
        .into_iter()
        .map(|e| KevRow {
            cve_id: e.cve_id,
            date_added: e.date_added,
            due_date: e.due_date,
            ransomware: e.known_ransomware_campaign_use,
            vendor_project: e.vendor_project,
            product: e.product,
            vulnerability_name: e.vulnerability_name,
            required_action: e.required_action,
            notes: e.notes,
        })
        .collect();
    let meta = SourceMeta {
        records: rows.len() as i64,
        ..meta
    };
    store.replace_kev(&rows, &meta, now).await?;
    Ok(ImportReport {
        read: rows.len(),
        ..ImportReport::default()
    })
}

async fn import_epss(
    store: &Store,
    path: &Path,
    meta: SourceMeta,
    now: &str,
) -> Result<ImportReport, EngineError> {
    let file = std::fs::File::open(path).map_err(|source| {
        EngineError::Intel(patchwarden_intel::IntelError::Io {
            path: path.to_path_buf(),
            source,
        })
    })?;
    let parsed = patchwarden_intel::epss::parse_epss(std::io::BufReader::new(file))
        .map_err(|e| feed_error(path, e))?;
    let date = parsed.score_date.clone();
    let rows: Vec<EpssRow> = parsed
        .scores
        .into_iter()
        .map(|s| EpssRow {
            cve: s.cve,
            score: s.epss,
            percentile: s.percentile,
            score_date: date.clone(),
        })
        .collect();
    let meta = SourceMeta {
        records: rows.len() as i64,
        ..meta
    };
    store.replace_epss(&rows, &meta, now).await?;
    Ok(ImportReport {
        read: rows.len(),
        ..ImportReport::default()
    })
}

async fn import_nvd(
    store: &Store,
    path: &Path,
    meta: SourceMeta,
    now: &str,
) -> Result<ImportReport, EngineError> {
    import_nvd_pages(store, &[path.to_path_buf()], meta, now).await
}

/// Imports NVD CVE API 2.0 responses (pages of one query) as one source in one transaction:
/// a bad page leaves the source as it was.
pub async fn import_nvd_pages(
    store: &Store,
    pages: &[std::path::PathBuf],
    meta: SourceMeta,
    now: &str,
) -> Result<ImportReport, EngineError> {
    let mut import = store.begin_nvd_import().await?;
    let mut read = 0;
    for path in pages {
        let page = patchwarden_intel::nvd::parse_nvd_page(&read_file(path)?)
            .map_err(|e| feed_error(path, e))?;
        let rows = nvd_rows(page);
        read += rows.len();
        import.add(&rows).await?;
    }
    let meta = SourceMeta {
        records: read as i64,
        ..meta
    };
    import.finish(&meta, now).await?;
    Ok(ImportReport {
        read,
        ..ImportReport::default()
    })
}

fn nvd_rows(page: patchwarden_intel::nvd::NvdPage) -> Vec<NvdRow> {
    page.cves
        .into_iter()
        .map(|c| NvdRow {
            id: c.id,
            published: c.published,
            last_modified: c.last_modified,
            description: c.description,
            cvss: serde_json::Value::Array(
                c.cvss
                    .into_iter()
                    .map(|v| {
                        serde_json::json!({
                            "version": v.version, "vector": v.vector, "base_score": v.base_score,
                            "source": v.source, "primary": v.primary,
                        })
                    })
                    .collect(),
            ),
            cwes: c.cwes,
            references: c.references,
        })
        .collect()
}

/// What the database knows of a vulnerability, found by any of its ids or aliases: its
/// advisories with affected packages and ranges, the best CVSS, KEV, EPSS and NVD records
/// (`db show` and the API's advisory lookup). `None` when nothing is known of it.
pub async fn advisory_document(
    store: &Store,
    id: &str,
) -> Result<Option<serde_json::Value>, EngineError> {
    use serde_json::json;
    let vulnerability = store
        .vulnerability_of(id)
        .await?
        .unwrap_or_else(|| id.to_string());
    let ids = store.vulnerability_ids(&vulnerability).await?;
    let advisories = store.advisories_of(&vulnerability).await?;
    let cves: Vec<String> = if ids.is_empty() {
        vec![id.to_string()]
    } else {
        ids.iter()
            .filter(|i| i.starts_with("CVE-"))
            .cloned()
            .collect()
    };
    let mut kev = Vec::new();
    let mut epss = Vec::new();
    let mut nvd = Vec::new();
    for cve in &cves {
        if let Some(k) = store.kev_for(cve).await? {
            kev.push(k);
        }
        if let Some(e) = store.epss_for(cve).await? {
            epss.push(e);
        }
        if let Some(n) = store.nvd_for(cve).await? {
            nvd.push(n);
        }
    }
    if advisories.is_empty() && kev.is_empty() && epss.is_empty() && nvd.is_empty() {
        return Ok(None);
    }
    // Severity from the advisories first; NVD's vectors when no advisory has one.
    let mut cvss = advisories
        .iter()
        .flat_map(|(a, _)| {
            (0..a.affected.len().max(1)).map(move |i| patchwarden_policy::assess(a, i))
        })
        .filter_map(|s| s.cvss.map(|c| (c, "advisory")))
        .collect::<Vec<_>>();
    if cvss.is_empty() {
        for n in &nvd {
            for v in n.cvss.as_array().into_iter().flatten() {
                if let Some(c) = v["vector"]
                    .as_str()
                    .and_then(patchwarden_policy::score_vector)
                {
                    cvss.push((c, "nvd"));
                }
            }
        }
    }
    cvss.sort_by_key(|(c, _)| match c.version {
        "3.1" => 0,
        "4.0" => 1,
        "3.0" => 2,
        _ => 3,
    });
    let best = cvss.first();
    Ok(Some(json!({
        "vulnerability_id": vulnerability,
        "ids": if ids.is_empty() { vec![id.to_string()] } else { ids },
        "summary": advisories.iter().find_map(|(a, _)| a.summary.clone()),
        "severity": best.map(|(c, _)| patchwarden_core::Severity::from_score(c.score)),
        "cvss": best.map(|(c, from)| json!({"version": c.version, "vector": c.vector, "score": c.score, "from": from})),
        "kev": kev,
        "epss": epss,
        "nvd": nvd,
        "advisories": advisories.iter().map(|(a, source)| json!({
            "id": a.id, "summary": a.summary, "published": a.published, "modified": a.modified,
            "withdrawn": a.withdrawn, "source": source,
            "affected": a.affected.iter().filter_map(|x| x.package.as_ref().map(|p| json!({
                "ecosystem": p.ecosystem, "name": p.name,
                "ranges": x.ranges.iter().map(|r| json!({"type": r.kind, "events": r.events})).collect::<Vec<_>>(),
                "versions": x.versions.len(),
            }))).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(modified: &str) -> String {
        format!(
            r#"{{"id":"T-1","modified":"{modified}","affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}}}}]}}"#
        )
    }

    #[tokio::test]
    async fn unchanged_files_are_recognised_and_changed_ones_imported() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("T-1.json");
        let store = Store::open(&dir.path().join("pw.db").display().to_string())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let meta = SourceMeta {
            name: source_name(&path),
            kind: "osv".into(),
            location: path.display().to_string(),
            ..Default::default()
        };
        let import = |force: bool| {
            import_feed(
                &store,
                &path,
                FeedKind::Osv,
                meta.clone(),
                Strictness::Lenient,
                "2026-01-01T00:00:00Z",
                force,
            )
        };
        std::fs::write(&path, record("2024-01-01T00:00:00Z")).unwrap_or_else(|e| panic!("{e}"));
        let first = import(false).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!first.source_unchanged);
        assert_eq!(first.stats.inserted, 1);

        let again = import(false).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(again.source_unchanged);
        assert_eq!((again.read, again.stats.unchanged), (0, 1));

        let forced = import(true).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!forced.source_unchanged);
        assert_eq!((forced.read, forced.stats.unchanged), (1, 1));

        std::fs::write(&path, record("2024-02-01T00:00:00Z")).unwrap_or_else(|e| panic!("{e}"));
        let changed = import(false).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(!changed.source_unchanged);
        assert_eq!(changed.stats.updated, 1);
        let sources = store.sources().await.unwrap_or_else(|e| panic!("{e}"));
        let digest = patchwarden_intel::sha256_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sources[0].sha256.as_deref(), Some(digest.as_str()));
    }
}
