//! Feed bookkeeping and threat intelligence: sources, CISA KEV, EPSS and NVD enrichment.
//! Each feed is replaced or upserted in one transaction, so a failed update leaves the
//! previous data exactly as it was.

use serde::{Deserialize, Serialize};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::{Store, StoreError, placeholders};

/// Rows per multi-row statement.
const CHUNK: usize = 250;

/// What an import or update of one feed records about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMeta {
    /// Unique name (`osv:PyPI`, `kev`, `epss`, `nvd`, or the imported path).
    pub name: String,
    /// `osv`, `kev`, `epss` or `nvd`.
    pub kind: String,
    /// File path or URL.
    pub location: String,
    /// Records the source held.
    pub records: i64,
    /// HTTP validators of the download, for the next conditional request.
    pub etag: Option<String>,
    /// HTTP `Last-Modified` of the download.
    pub last_modified: Option<String>,
    /// SHA-256 of the file imported.
    pub sha256: Option<String>,
}

/// A source as `db status` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceStatus {
    /// Unique name.
    pub name: String,
    /// Feed kind.
    pub kind: String,
    /// Path or URL.
    pub location: String,
    /// Records at the last success.
    pub records: i64,
    /// Last successful import or update, RFC 3339.
    pub last_success: Option<String>,
    /// Last attempt, successful or not.
    pub last_attempt: Option<String>,
    /// Error of the last attempt when it failed.
    pub last_error: Option<String>,
    /// HTTP ETag of the last download.
    pub etag: Option<String>,
    /// HTTP Last-Modified of the last download.
    pub last_modified: Option<String>,
    /// SHA-256 of the file last imported successfully.
    pub sha256: Option<String>,
}

/// One KEV catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevRow {
    /// CVE id.
    pub cve_id: String,
    /// Date CISA added it (YYYY-MM-DD).
    pub date_added: String,
    /// Remediation due date for US federal agencies (YYYY-MM-DD).
    pub due_date: String,
    /// Known use in ransomware campaigns.
    pub ransomware: bool,
    /// Vendor or project.
    pub vendor_project: String,
    /// Product.
    pub product: String,
    /// CISA's name for it.
    pub vulnerability_name: String,
    /// What CISA requires.
    pub required_action: String,
    /// Notes and links.
    pub notes: String,
}

/// One EPSS score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpssRow {
    /// CVE id.
    pub cve: String,
    /// Probability of exploitation activity in the next 30 days.
    pub score: f64,
    /// Percentile among all scored CVEs.
    pub percentile: f64,
    /// Date of the scores.
    pub score_date: Option<String>,
}

/// NVD enrichment of one CVE.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NvdRow {
    /// CVE id.
    pub id: String,
    /// Publication time.
    pub published: Option<String>,
    /// Last modification time.
    pub last_modified: Option<String>,
    /// English description.
    pub description: Option<String>,
    /// CVSS vectors as `{"version","vector","source","primary"}` objects.
    pub cvss: serde_json::Value,
    /// CWE ids.
    pub cwes: Vec<String>,
    /// Reference URLs.
    pub references: Vec<String>,
}

/// Records a successful import of `meta` inside the import's transaction.
pub(crate) async fn record_success(
    tx: &mut Transaction<'static, Any>,
    meta: &SourceMeta,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sources (name, kind, location, records, last_success, last_attempt, last_error, etag, last_modified, sha256)
         VALUES ($1, $2, $3, $4, $5, $5, NULL, $6, $7, $8)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location,
             records = excluded.records, last_success = excluded.last_success,
             last_attempt = excluded.last_attempt, last_error = NULL, etag = excluded.etag,
             last_modified = excluded.last_modified, sha256 = excluded.sha256",
    )
    .bind(&meta.name)
    .bind(&meta.kind)
    .bind(&meta.location)
    .bind(meta.records)
    .bind(now)
    .bind(meta.etag.as_deref())
    .bind(meta.last_modified.as_deref())
    .bind(meta.sha256.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records a failed attempt: the source's data and last success stay as they were.
    pub async fn record_source_failure(
        &self,
        meta: &SourceMeta,
        error: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sources (name, kind, location, records, last_attempt, last_error)
             VALUES ($1, $2, $3, 0, $4, $5)
             ON CONFLICT (name) DO UPDATE SET last_attempt = excluded.last_attempt, last_error = excluded.last_error",
        )
        .bind(&meta.name)
        .bind(&meta.kind)
        .bind(&meta.location)
        .bind(now)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a source was checked and had not changed (HTTP 304).
    pub async fn record_source_unchanged(&self, name: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sources SET last_success = $1, last_attempt = $1, last_error = NULL WHERE name = $2")
            .bind(now)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every source, by name.
    pub async fn sources(&self) -> Result<Vec<SourceStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, kind, location, records, last_success, last_attempt, last_error, etag, last_modified, sha256
             FROM sources ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SourceStatus {
                    name: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    location: r.try_get(2)?,
                    records: r.try_get(3)?,
                    last_success: r.try_get(4)?,
                    last_attempt: r.try_get(5)?,
                    last_error: r.try_get(6)?,
                    etag: r.try_get(7)?,
                    last_modified: r.try_get(8)?,
                    sha256: r.try_get(9)?,
                })
            })
            .collect()
    }

    /// Replaces the whole KEV catalog (CISA publishes it complete) and records the source.
    pub async fn replace_kev(
        &self,
        rows: &[KevRow],
        meta: &SourceMeta,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM kev").execute(&mut *tx).await?;
        for part in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO kev (cve_id, date_added, due_date, ransomware, vendor_project, product, vulnerability_name, required_action, notes)
                 VALUES {} ON CONFLICT (cve_id) DO NOTHING",
                placeholders(self.backend, part.len(), 9)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in part {
                q = q
                    .bind(&r.cve_id)
                    .bind(&r.date_added)
                    .bind(&r.due_date)
                    .bind(i64::from(r.ransomware))
                    .bind(&r.vendor_project)
                    .bind(&r.product)
                    .bind(&r.vulnerability_name)
                    .bind(&r.required_action)
                    .bind(&r.notes);
            }
            q.execute(&mut *tx).await?;
        }
        record_success(&mut tx, meta, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces all EPSS scores (each daily file is complete) and records the source.
    pub async fn replace_epss(
        &self,
        rows: &[EpssRow],
        meta: &SourceMeta,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM epss").execute(&mut *tx).await?;
        for part in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO epss (cve, score, percentile, score_date) VALUES {} ON CONFLICT (cve) DO NOTHING",
                placeholders(self.backend, part.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in part {
                q = q
                    .bind(&r.cve)
                    .bind(r.score)
                    .bind(r.percentile)
                    .bind(r.score_date.as_deref());
            }
            q.execute(&mut *tx).await?;
        }
        record_success(&mut tx, meta, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts or updates NVD CVE records and records the source, in one transaction.
    pub async fn upsert_nvd(
        &self,
        rows: &[NvdRow],
        meta: &SourceMeta,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut import = self.begin_nvd_import().await?;
        import.add(rows).await?;
        import.finish(meta, now).await
    }

    /// Starts an NVD import that spans several pages: rows are added page by page and the
    /// whole is committed by [`NvdImport::finish`], so a failed page leaves the source as it
    /// was.
    pub async fn begin_nvd_import(&self) -> Result<NvdImport, StoreError> {
        Ok(NvdImport {
            tx: self.begin_write().await?,
            backend: self.backend,
        })
    }

    /// Which intelligence tables hold any row: (KEV, EPSS, NVD). A scan skips the lookups
    /// of an empty one.
    pub async fn feeds_present(&self) -> Result<(bool, bool, bool), StoreError> {
        let mut present = [false; 3];
        for (slot, table) in present.iter_mut().zip(["kev", "epss", "nvd_cves"]) {
            let sql = format!("SELECT 1 FROM {table} LIMIT 1");
            *slot = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_optional(&self.pool)
                .await?
                .is_some();
        }
        Ok((present[0], present[1], present[2]))
    }

    /// The KEV entry of a CVE.
    pub async fn kev_for(&self, cve: &str) -> Result<Option<KevRow>, StoreError> {
        let row = sqlx::query(
            "SELECT cve_id, date_added, due_date, ransomware, vendor_project, product, vulnerability_name, required_action, notes
             FROM kev WHERE cve_id = $1",
        )
        .bind(cve)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(KevRow {
                cve_id: r.try_get(0)?,
                date_added: r.try_get(1)?,
                due_date: r.try_get(2)?,
                ransomware: r.try_get::<i64, _>(3)? != 0,
                vendor_project: r.try_get(4)?,
                product: r.try_get(5)?,
                vulnerability_name: r.try_get(6)?,
                required_action: r.try_get(7)?,
                notes: r.try_get(8)?,
            })
        })
        .transpose()
    }

    /// The EPSS score of a CVE.
    pub async fn epss_for(&self, cve: &str) -> Result<Option<EpssRow>, StoreError> {
        let row = sqlx::query("SELECT cve, score, percentile, score_date FROM epss WHERE cve = $1")
            .bind(cve)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(EpssRow {
                cve: r.try_get(0)?,
                score: r.try_get(1)?,
                percentile: r.try_get(2)?,
                score_date: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// The NVD record of a CVE.
    pub async fn nvd_for(&self, cve: &str) -> Result<Option<NvdRow>, StoreError> {
        let row = sqlx::query("SELECT id, published, last_modified, description, cvss, cwes, refs FROM nvd_cves WHERE id = $1")
            .bind(cve)
            .fetch_optional(&self.pool)
            .await?;
        let json = |s: String, id: &str| -> Result<serde_json::Value, StoreError> {
            serde_json::from_str(&s).map_err(|source| StoreError::Corrupt {
                id: id.to_string(),
                source,
            })
        };
        row.map(|r| {
            let id: String = r.try_get(0)?;
            let strings = |v: serde_json::Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            };
            Ok(NvdRow {
                published: r.try_get(1)?,
                last_modified: r.try_get(2)?,
                description: r.try_get(3)?,
                cvss: json(r.try_get(4)?, &id)?,
                cwes: strings(json(r.try_get(5)?, &id)?),
                references: strings(json(r.try_get(6)?, &id)?),
                id,
            })
        })
        .transpose()
    }
}

/// An NVD import in progress (see [`Store::begin_nvd_import`]).
pub struct NvdImport {
    tx: Transaction<'static, Any>,
    backend: crate::Backend,
}

impl NvdImport {
    /// Inserts or updates CVE records.
    pub async fn add(&mut self, rows: &[NvdRow]) -> Result<(), StoreError> {
        for part in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO nvd_cves (id, published, last_modified, description, cvss, cwes, refs) VALUES {}
                 ON CONFLICT (id) DO UPDATE SET published = excluded.published, last_modified = excluded.last_modified,
                     description = excluded.description, cvss = excluded.cvss, cwes = excluded.cwes, refs = excluded.refs",
                placeholders(self.backend, part.len(), 7)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in part {
                q = q
                    .bind(&r.id)
                    .bind(r.published.as_deref())
                    .bind(r.last_modified.as_deref())
                    .bind(r.description.as_deref())
                    .bind(r.cvss.to_string())
                    .bind(serde_json::Value::from(r.cwes.clone()).to_string())
                    .bind(serde_json::Value::from(r.references.clone()).to_string());
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Records the source and commits everything added.
    pub async fn finish(mut self, meta: &SourceMeta, now: &str) -> Result<(), StoreError> {
        record_success(&mut self.tx, meta, now).await?;
        self.tx.commit().await?;
        Ok(())
    }
}
