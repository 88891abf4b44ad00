//! Advisories: streaming import in one transaction per source, the package and alias
//! indexes, vulnerability identities (alias clusters) and lookups.

use std::collections::HashMap;

use patchwarden_core::{Ecosystem, normalize_package_name};
use patchwarden_osv::{Advisory, ClusterInput, cluster};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::{Backend, ImportStats, SourceMeta, Store, StoreError, placeholders};

/// Rows per multi-row statement: few round trips, well under every backend's parameter limit.
const CHUNK: usize = 500;

/// One record to import: the parsed advisory and its original JSON text.
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'a> {
    /// Parsed advisory (for the indexes).
    pub advisory: &'a Advisory,
    /// Original JSON (compact), stored whole.
    pub raw: &'a str,
}

/// An advisory import in progress: one transaction for the whole source, so that a failure or
/// a killed process leaves the source exactly as it was before.
pub struct AdvisoryImport {
    tx: Transaction<'static, Any>,
    backend: Backend,
    known: HashMap<String, String>,
    stats: ImportStats,
    source: String,
    now: String,
}

impl Store {
    /// Starts importing advisories from `source` (a name shown in `db status`).
    pub async fn begin_advisory_import(
        &self,
        source: &str,
        now: &str,
    ) -> Result<AdvisoryImport, StoreError> {
        let mut tx = self.begin_write().await?;
        // This source's own records: the ones a re-import can skip. Ids another source stored
        // are looked up per chunk in `add`.
        let rows = sqlx::query("SELECT id, modified FROM advisories WHERE source = $1")
            .bind(source)
            .fetch_all(&mut *tx)
            .await?;
        let mut known = HashMap::with_capacity(rows.len());
        for row in rows {
            known.insert(row.try_get::<String, _>(0)?, row.try_get::<String, _>(1)?);
        }
        Ok(AdvisoryImport {
            tx,
            backend: self.backend,
            known,
            stats: ImportStats::default(),
            source: source.to_string(),
            now: now.to_string(),
        })
    }

    /// Inserts or updates advisories in one transaction (a convenience over
    /// [`Store::begin_advisory_import`] for records already in memory).
    pub async fn upsert_advisories(
        &self,
        advisories: &[Advisory],
        source: &str,
        now: &str,
    ) -> Result<ImportStats, StoreError> {
        let raws: Vec<String> = advisories
            .iter()
            .map(|a| {
                serde_json::to_string(a).map_err(|source| StoreError::Corrupt {
                    id: a.id.clone(),
                    source,
                })
            })
            .collect::<Result<_, _>>()?;
        let records: Vec<RecordRef<'_>> = advisories
            .iter()
            .zip(&raws)
            .map(|(advisory, raw)| RecordRef { advisory, raw })
            .collect();
        let mut import = self.begin_advisory_import(source, now).await?;
        import.add(&records).await?;
        let stats = import.finish(None).await?;
        self.refresh_identities().await?;
        Ok(stats)
    }

    /// Every stored advisory (withdrawn ones included) that names `name` in `ecosystem`.
    pub async fn advisories_for(
        &self,
        ecosystem: &Ecosystem,
        name: &str,
    ) -> Result<Vec<Advisory>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.record FROM advisory_packages p
             JOIN advisories a ON a.id = p.advisory_id
             WHERE p.ecosystem = $1 AND p.name = $2 ORDER BY a.id",
        )
        .bind(ecosystem.to_string())
        .bind(normalize_package_name(ecosystem.kind(), name))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|row| decode(&row)).collect()
    }

    /// The package names (normalised) that stored advisories name in `ecosystem`: one query
    /// that spares a lookup per component whose package no advisory names.
    pub async fn advisory_package_names(
        &self,
        ecosystem: &Ecosystem,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT name FROM advisory_packages WHERE ecosystem = $1")
            .bind(ecosystem.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// The advisories of several packages of one ecosystem (names already normalised), by
    /// name, in one query per 500 names: a scan asks once for every package it holds.
    pub async fn advisories_for_names(
        &self,
        ecosystem: &Ecosystem,
        names: &[String],
    ) -> Result<HashMap<String, Vec<Advisory>>, StoreError> {
        let mut out: HashMap<String, Vec<Advisory>> = HashMap::new();
        for chunk in names.chunks(500) {
            let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT a.id, a.record, p.name FROM advisory_packages p
                 JOIN advisories a ON a.id = p.advisory_id
                 WHERE p.ecosystem = $1 AND p.name IN ({}) ORDER BY p.name, a.id",
                marks.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(ecosystem.to_string());
            for name in chunk {
                query = query.bind(name.clone());
            }
            for row in query.fetch_all(&self.pool).await? {
                let name: String = row.try_get(2)?;
                out.entry(name).or_default().push(decode(&row)?);
            }
        }
        Ok(out)
    }

    /// Every ecosystem string the stored advisories name, sorted.
    pub async fn advisory_ecosystems(&self) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT DISTINCT ecosystem FROM advisory_packages ORDER BY ecosystem")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// The advisories naming package `name` (normalised the way of `kind`) in any of
    /// `ecosystems` (exact strings, as [`Store::advisory_ecosystems`] lists them), each once:
    /// for ecosystems whose advisories name streams of a release (Red Hat).
    pub async fn advisories_in(
        &self,
        ecosystems: &[String],
        kind: &patchwarden_core::EcosystemKind,
        name: &str,
    ) -> Result<Vec<Advisory>, StoreError> {
        if ecosystems.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..ecosystems.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT DISTINCT a.id, a.record FROM advisory_packages p
             JOIN advisories a ON a.id = p.advisory_id
             WHERE p.name = $1 AND p.ecosystem IN ({}) ORDER BY a.id",
            placeholders.join(", ")
        );
        let mut query =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(normalize_package_name(kind, name));
        for e in ecosystems {
            query = query.bind(e.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.into_iter().map(|row| decode(&row)).collect()
    }

    /// How many advisories are stored.
    pub async fn advisory_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM advisories")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Distinct advisories per ecosystem family (`AlmaLinux:8` and `AlmaLinux:9` count as
    /// AlmaLinux); advisories without a package (GIT-only) count under `""`.
    pub async fn advisory_counts_by_ecosystem(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, p.ecosystem FROM advisories a
             LEFT JOIN advisory_packages p ON p.advisory_id = a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            Default::default();
        for row in rows {
            let id: String = row.try_get(0)?;
            let eco: Option<String> = row.try_get(1)?;
            let family = eco
                .map(|e| Ecosystem::parse(&e).kind().as_str().to_string())
                .unwrap_or_default();
            seen.entry(family).or_default().insert(id);
        }
        Ok(seen.into_iter().map(|(k, v)| (k, v.len() as i64)).collect())
    }

    /// The vulnerability identity of any advisory id or alias.
    pub async fn vulnerability_of(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT vulnerability_id FROM vulnerability_ids WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
    }

    /// For each of `ids` that has one, its vulnerability identity and every id and alias of
    /// that vulnerability (sorted), in one query per 500 ids: what a scan needs to group its
    /// matches, without a round trip per advisory.
    pub async fn vulnerabilities_of(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, (String, Vec<String>)>, StoreError> {
        let mut out: HashMap<String, (String, Vec<String>)> = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT v1.id, v2.vulnerability_id, v2.id FROM vulnerability_ids v1
                 JOIN vulnerability_ids v2 ON v2.vulnerability_id = v1.vulnerability_id
                 WHERE v1.id IN ({}) ORDER BY v1.id, v2.id",
                marks.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.clone());
            }
            for row in query.fetch_all(&self.pool).await? {
                let id: String = row.try_get(0)?;
                let vulnerability: String = row.try_get(1)?;
                let member: String = row.try_get(2)?;
                out.entry(id)
                    .or_insert_with(|| (vulnerability, Vec::new()))
                    .1
                    .push(member);
            }
        }
        Ok(out)
    }

    /// Every id and alias of a vulnerability, sorted.
    pub async fn vulnerability_ids(&self, vulnerability: &str) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT id FROM vulnerability_ids WHERE vulnerability_id = $1 ORDER BY id")
                .bind(vulnerability)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// The stored advisories of a vulnerability, with the source each came from.
    pub async fn advisories_of(
        &self,
        vulnerability: &str,
    ) -> Result<Vec<(Advisory, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.record, a.source FROM vulnerability_ids v
             JOIN advisories a ON a.id = v.id
             WHERE v.vulnerability_id = $1 ORDER BY a.id",
        )
        .bind(vulnerability)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok((decode(&row)?, row.try_get::<String, _>(2)?)))
            .collect()
    }
}

fn decode(row: &sqlx::any::AnyRow) -> Result<Advisory, StoreError> {
    let id: String = row.try_get(0)?;
    let record: String = row.try_get(1)?;
    serde_json::from_str(&record).map_err(|source| StoreError::Corrupt { id, source })
}

impl AdvisoryImport {
    /// Adds records; those already stored with the same `modified` are skipped.
    pub async fn add(&mut self, records: &[RecordRef<'_>]) -> Result<(), StoreError> {
        let unknown: Vec<&str> = records
            .iter()
            .map(|r| r.advisory.id.as_str())
            .filter(|id| !self.known.contains_key(*id))
            .collect();
        for part in unknown.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, modified FROM advisories WHERE id IN ({})",
                placeholders(self.backend, 1, part.len()).trim_matches(['(', ')'])
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in part {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                self.known.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        // Each changed record, and whether an older version of it is stored.
        let mut changed: Vec<(&RecordRef<'_>, bool)> = Vec::new();
        for r in records {
            match self.known.get(&r.advisory.id) {
                Some(m) if *m == r.advisory.modified => self.stats.unchanged += 1,
                Some(_) => {
                    self.stats.updated += 1;
                    changed.push((r, true));
                }
                None => {
                    self.stats.inserted += 1;
                    changed.push((r, false));
                }
            }
            self.known
                .insert(r.advisory.id.clone(), r.advisory.modified.clone());
        }
        // The same id twice in one batch: the later record wins, as it would one by one.
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, (r, _)) in changed.iter().enumerate() {
            last.insert(r.advisory.id.as_str(), i);
        }
        let mut stored_before: std::collections::HashSet<&str> = Default::default();
        for (r, existed) in &changed {
            if *existed {
                stored_before.insert(r.advisory.id.as_str());
            }
        }
        let changed: Vec<(&RecordRef<'_>, bool)> = changed
            .iter()
            .enumerate()
            .filter(|(i, (r, _))| last.get(r.advisory.id.as_str()) == Some(i))
            .map(|(_, (r, _))| (*r, stored_before.contains(r.advisory.id.as_str())))
            .collect();
        for chunk in changed.chunks(CHUNK) {
            self.write_chunk(chunk).await?;
        }
        Ok(())
    }

    async fn write_chunk(&mut self, chunk: &[(&RecordRef<'_>, bool)]) -> Result<(), StoreError> {
        // Index rows of the stored versions go; new advisories have none.
        let ids: Vec<&str> = chunk
            .iter()
            .filter(|(_, existed)| *existed)
            .map(|(r, _)| r.advisory.id.as_str())
            .collect();
        for table in ["advisory_packages", "advisory_aliases"] {
            if ids.is_empty() {
                break;
            }
            let sql = format!(
                "DELETE FROM {table} WHERE advisory_id IN ({})",
                placeholders(self.backend, 1, ids.len()).trim_matches(['(', ')'])
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            q.execute(&mut *self.tx).await?;
        }
        let sql = format!(
            "INSERT INTO advisories (id, modified, published, withdrawn, source, record, imported_at) VALUES {}
             ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, published = excluded.published,
                 withdrawn = excluded.withdrawn, source = excluded.source, record = excluded.record,
                 imported_at = excluded.imported_at",
            placeholders(self.backend, chunk.len(), 7)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (r, _) in chunk {
            q = q
                .bind(r.advisory.id.as_str())
                .bind(r.advisory.modified.as_str())
                .bind(r.advisory.published.as_deref())
                .bind(r.advisory.withdrawn.as_deref())
                .bind(self.source.as_str())
                .bind(r.raw)
                .bind(self.now.as_str());
        }
        q.execute(&mut *self.tx).await?;

        let mut packages: Vec<(String, String, &str)> = Vec::new();
        let mut aliases: Vec<(&str, &str)> = Vec::new();
        for (r, _) in chunk {
            let a = r.advisory;
            for p in a.affected.iter().filter_map(|x| x.package.as_ref()) {
                let eco = Ecosystem::parse(&p.ecosystem);
                let name = normalize_package_name(eco.kind(), &p.name);
                packages.push((eco.to_string(), name, a.id.as_str()));
            }
            for alias in &a.aliases {
                // Ids are printable; a control character would also break the separator
                // `recluster` joins aliases with.
                if alias != &a.id && !alias.chars().any(char::is_control) {
                    aliases.push((a.id.as_str(), alias.as_str()));
                }
            }
        }
        packages.sort();
        packages.dedup();
        aliases.sort();
        aliases.dedup();
        for part in packages.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO advisory_packages (ecosystem, name, advisory_id) VALUES {}",
                placeholders(self.backend, part.len(), 3)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (eco, name, id) in part {
                q = q.bind(eco.as_str()).bind(name.as_str()).bind(*id);
            }
            q.execute(&mut *self.tx).await?;
        }
        for part in aliases.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO advisory_aliases (advisory_id, alias) VALUES {}",
                placeholders(self.backend, part.len(), 2)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, alias) in part {
                q = q.bind(*id).bind(*alias);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// What the import has done so far.
    pub fn stats(&self) -> ImportStats {
        self.stats
    }

    /// The `modified` stamp stored for every advisory id, as the import started; lets a
    /// reader skip unchanged records before parsing them whole.
    pub fn known(&self) -> &HashMap<String, String> {
        &self.known
    }

    /// Counts records the reader skipped because they were stored unchanged.
    pub fn count_unchanged(&mut self, n: usize) {
        self.stats.unchanged += n;
    }

    /// Records the source and commits. When advisories changed, vulnerability identities are
    /// marked for recomputation in the same transaction; [`Store::refresh_identities`] (or the
    /// next open) recomputes them, once for any number of sources.
    pub async fn finish(mut self, source: Option<&SourceMeta>) -> Result<ImportStats, StoreError> {
        if self.stats.inserted + self.stats.updated > 0 {
            sqlx::query(
                "INSERT INTO store_state (key, value) VALUES ('identities_dirty', '1')
                 ON CONFLICT (key) DO UPDATE SET value = '1'",
            )
            .execute(&mut *self.tx)
            .await?;
        }
        if let Some(meta) = source {
            crate::feeds::record_success(&mut self.tx, meta, &self.now).await?;
        }
        self.tx.commit().await?;
        Ok(self.stats)
    }
}

/// Rebuilds `vulnerability_ids` from every advisory's id, aliases and publication date.
pub(crate) async fn recluster(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
) -> Result<(), StoreError> {
    // One row per advisory, its aliases joined by a separator no id contains (U+001F).
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT a.id, a.published, (SELECT group_concat(l.alias, char(31))
                 FROM advisory_aliases l WHERE l.advisory_id = a.id) FROM advisories a"
        }
        Backend::Postgres => {
            "SELECT a.id, a.published, (SELECT string_agg(l.alias, chr(31))
                 FROM advisory_aliases l WHERE l.advisory_id = a.id) FROM advisories a"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    let mut inputs: Vec<(String, Option<String>, Vec<String>)> = Vec::with_capacity(rows.len());
    for row in rows {
        let aliases: Option<String> = row.try_get(2)?;
        let aliases = aliases
            .map(|joined| joined.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default();
        inputs.push((row.try_get(0)?, row.try_get(1)?, aliases));
    }
    let pairs = cluster(inputs.iter().map(|(id, published, aliases)| ClusterInput {
        id,
        aliases,
        published: published.as_deref(),
    }));
    sqlx::query("DELETE FROM vulnerability_ids")
        .execute(&mut **tx)
        .await?;
    // `pairs` is in key order: each insert lands next to the previous one.
    for part in pairs.chunks(CHUNK * 2) {
        let sql = format!(
            "INSERT INTO vulnerability_ids (id, vulnerability_id) VALUES {}",
            placeholders(backend, part.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, v) in part {
            q = q.bind(*id).bind(*v);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Recomputes vulnerability identities if an import changed advisories since the last
    /// computation. Cheap when nothing changed.
    pub async fn refresh_identities(&self) -> Result<(), StoreError> {
        if state(self, "identities_dirty").await?.as_deref() != Some("1") {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        recluster(&mut tx, self.backend).await?;
        sqlx::query("UPDATE store_state SET value = '0' WHERE key = 'identities_dirty'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn state(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query("SELECT value FROM store_state WHERE key = $1")
        .bind(key)
        .fetch_optional(&store.pool)
        .await?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?)
}

/// Brings a database up to date on open: builds the alias index once for databases created
/// before it existed, then computes any pending vulnerability identities.
pub(crate) async fn upgrade(store: &Store) -> Result<(), StoreError> {
    if state(store, "aliases_indexed").await?.as_deref() != Some("1") {
        let mut tx = store.begin_write().await?;
        let rows = sqlx::query("SELECT id, record FROM advisories")
            .fetch_all(&mut *tx)
            .await?;
        if !rows.is_empty() {
            sqlx::query("DELETE FROM advisory_aliases")
                .execute(&mut *tx)
                .await?;
            for row in rows {
                let advisory = decode(&row)?;
                for alias in advisory.aliases.iter().filter(|a| **a != advisory.id) {
                    sqlx::query(
                        "INSERT INTO advisory_aliases (advisory_id, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(&advisory.id)
                    .bind(alias)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            sqlx::query(
                "INSERT INTO store_state (key, value) VALUES ('identities_dirty', '1')
                 ON CONFLICT (key) DO UPDATE SET value = '1'",
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO store_state (key, value) VALUES ('aliases_indexed', '1')
             ON CONFLICT (key) DO UPDATE SET value = '1'",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    store.refresh_identities().await
}
