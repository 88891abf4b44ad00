//! Persistence: advisories and scan records, on SQLite (default) or PostgreSQL.
//!
//! One [`Store`] talks to either backend through sqlx's `Any` driver with the same queries;
//! only the migrations differ per backend (identity columns). Timestamps are RFC 3339 text.
//! Advisories are indexed by (ecosystem, normalised package name) so that matching a
//! component reads only the advisories that name its package.

mod advisories;
mod feeds;
mod identity;
mod jobs;
mod migrations;
mod partners;
mod portfolio;
mod reviews;
pub mod testing;

pub use advisories::{AdvisoryImport, RecordRef};
pub use feeds::{EpssRow, KevRow, NvdImport, NvdRow, SourceMeta, SourceStatus};
pub use identity::{ApiToken, Grant, LoginRecord, Session, TokenCheck, TokenState, User};
pub use jobs::JobRun;
pub use partners::{
    DeliveryStatus, DeliveryTrigger, NewDelivery, NewPartner, Partner, PartnerChange,
    PartnerDelivery,
};
pub use portfolio::{
    Artifact, AuditEntry, Deployment, Environment, FindingFilter, FindingPage, FindingRow,
    FindingSort, Membership, NewArtifact, NewException, PageKey, Patch, Product, Project,
    ProjectActivity, StoredComponent, StoredException, Write, severity_rank,
};
pub use reviews::{NewProcessReview, ProcessReview};

use std::path::Path;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

/// A storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open database {target}: {source}")]
    Open {
        /// Path or URL (password removed).
        target: String,
        /// Cause.
        source: sqlx::Error,
    },
    /// Migrating the schema failed.
    #[error("cannot migrate database {target}: {source}")]
    Migrate {
        /// Path or URL (password removed).
        target: String,
        /// Cause.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    /// A stored record could not be decoded.
    #[error("stored advisory {id} is unreadable: {source}")]
    Corrupt {
        /// Advisory id.
        id: String,
        /// Cause.
        source: serde_json::Error,
    },
    /// A named thing (product, project, finding...) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A name is taken, or a change conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// The database directory could not be created.
    #[error("cannot create directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (or memory).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// What an advisory import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// New advisories.
    pub inserted: usize,
    /// Advisories whose `modified` changed.
    pub updated: usize,
    /// Advisories already stored with the same `modified`.
    pub unchanged: usize,
}

/// A scan to record.
#[derive(Clone, Debug)]
pub struct ScanRecord<'a> {
    /// What was scanned (path as given).
    pub target: &'a str,
    /// When, RFC 3339.
    pub scanned_at: &'a str,
    /// Components found.
    pub components: i64,
    /// Findings reported.
    pub findings: i64,
    /// The full scan result, JSON.
    pub result: &'a str,
}

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Removes the password from a database URL for messages.
pub fn redact(target: &str) -> String {
    match (target.find("://"), target.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &target[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &target[..scheme + 3], &target[at..]),
                None => target.to_string(),
            }
        }
        _ => target.to_string(),
    }
}

/// `rows` groups of `cols` placeholders for a multi-row statement: `($1, $2), ($3, $4)` on
/// PostgreSQL; `(?, ?), (?, ?)` on SQLite, where numbered names would cost a scan of the
/// statement's parameter list for every bound value (quadratic in the row count).
pub(crate) fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            match backend {
                Backend::Sqlite => out.push('?'),
                Backend::Postgres => {
                    out.push('$');
                    out.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        out.push(')');
    }
    out
}

/// Percent-encodes the characters that would end or alter the path part of a SQLite URL.
fn sqlite_url(path: &str) -> String {
    let mut out = String::from("sqlite://");
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out.push_str("?mode=rwc");
    out
}

impl Store {
    /// Opens (creating when needed) and migrates the database at `target`: a
    /// `postgres://`/`postgresql://` URL, `sqlite::memory:`, a `sqlite://` URL, or a file path.
    pub async fn open(target: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let open_error = |source| StoreError::Open {
            target: redact(target),
            source,
        };
        let (backend, url, max) =
            if target.starts_with("postgres://") || target.starts_with("postgresql://") {
                (Backend::Postgres, target.to_string(), 8)
            } else if target == "sqlite::memory:" {
                // Each in-memory connection is its own database: keep exactly one.
                (Backend::Sqlite, target.to_string(), 1)
            } else if target.starts_with("sqlite:") {
                (Backend::Sqlite, target.to_string(), 4)
            } else {
                if let Some(parent) = Path::new(target)
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(parent).map_err(|source| StoreError::Directory {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
                (Backend::Sqlite, sqlite_url(target), 4)
            };
        if backend == Backend::Postgres {
            // One direct attempt first: a wrong host or password fails now with the server's
            // own message, instead of after the pool's retry timeout.
            use sqlx::Connection;
            sqlx::AnyConnection::connect(&url)
                .await
                .map_err(open_error)?
                .close()
                .await
                .map_err(open_error)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Writers queue (BEGIN IMMEDIATE) rather than fail: a re-evaluation of
                        // a large portfolio can hold the write lock for seconds. Set first,
                        // because the settings below may wait on a lock too.
                        sqlx::query("PRAGMA busy_timeout = 60000")
                            .execute(&mut *conn)
                            .await?;
                        // WAL with synchronous=NORMAL: a crashed or killed process loses no
                        // committed transaction (only a power cut may lose the last one), and
                        // bulk imports skip an fsync per commit. A 16 MiB page cache per
                        // connection keeps the package and alias indexes in memory.
                        sqlx::query("PRAGMA page_size = 16384")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA cache_size = -16384")
                            .execute(&mut *conn)
                            .await?;
                        // Reads through a memory map instead of a read() per page missing
                        // from the page cache: the server's finding pages touch pages all
                        // over the findings table and its indexes.
                        sqlx::query("PRAGMA mmap_size = 268435456")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(open_error)?;
        if backend == Backend::Sqlite && target != "sqlite::memory:" {
            // WAL lets readers work while a scan or import writes; the setting is persistent.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(open_error)?;
        }
        // Processes opening a new SQLite file at once race to create its tables: each
        // migration is one transaction, so the loser finds a table the winner just created.
        // Trying again sees the winner's migrations as applied. (PostgreSQL: sqlx takes an
        // advisory lock around the whole run.)
        let mut attempt = 0;
        loop {
            match migrations::run(&pool, backend).await {
                Ok(()) => break,
                Err(_) if backend == Backend::Sqlite && attempt < 20 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                Err(source) => {
                    return Err(StoreError::Migrate {
                        target: redact(target),
                        source,
                    });
                }
            }
        }
        let store = Store { pool, backend };
        advisories::upgrade(&store).await?;
        Ok(store)
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that it waits for another writer (busy timeout) instead of
    /// failing with "database is locked" when its read snapshot turns out stale at the first
    /// write, as a deferred transaction does when another process committed in between.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for crates that add their own tables.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Records a scan; returns its id.
    pub async fn record_scan(&self, scan: &ScanRecord<'_>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO scans (target, scanned_at, components, findings, result)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(scan.target)
        .bind(scan.scanned_at)
        .bind(scan.components)
        .bind(scan.findings)
        .bind(scan.result)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// How many scans are recorded.
    pub async fn scan_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM scans")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Refreshes the query planner's statistics where they are stale (SQLite's `PRAGMA
    /// optimize`; PostgreSQL's autovacuum does this by itself). Without statistics SQLite
    /// answers a filtered page of findings by sorting every match instead of walking the
    /// sort key's index. The server runs it at start and every ten minutes.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA optimize=0x10002")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact("postgres://u:secret@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("/tmp/a@b.db"), "/tmp/a@b.db");
    }

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(
            placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn sqlite_urls_escape_special_characters() {
        assert_eq!(
            sqlite_url("/tmp/a?b#c%d.db"),
            "sqlite:///tmp/a%3Fb%23c%25d.db?mode=rwc"
        );
    }
}
