//! Schema migrations, embedded in the binary, one set per backend.

use std::borrow::Cow;

use futures_core::future::BoxFuture;
use sqlx::AnyPool;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::Backend;

/// (version, description, SQLite script, PostgreSQL script). Append only: an applied
/// migration must never change, or databases created by older versions refuse to upgrade.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "advisories and scans",
        include_str!("../migrations/sqlite/0001_advisories_and_scans.sql"),
        include_str!("../migrations/postgres/0001_advisories_and_scans.sql"),
    ),
    (
        2,
        "aliases, vulnerability identities, sources, KEV, EPSS, NVD",
        include_str!("../migrations/sqlite/0002_intel.sql"),
        include_str!("../migrations/postgres/0002_intel.sql"),
    ),
    (
        3,
        "store state",
        include_str!("../migrations/sqlite/0003_store_state.sql"),
        include_str!("../migrations/postgres/0003_store_state.sql"),
    ),
    (
        4,
        "key-only tables without rowid",
        include_str!("../migrations/sqlite/0004_without_rowid.sql"),
        include_str!("../migrations/postgres/0004_without_rowid.sql"),
    ),
    (
        5,
        "portfolio: products, projects, artifacts, findings, environments, audit log",
        include_str!("../migrations/sqlite/0005_portfolio.sql"),
        include_str!("../migrations/postgres/0005_portfolio.sql"),
    ),
    (
        6,
        "scheduled job runs",
        include_str!("../migrations/sqlite/0006_job_runs.sql"),
        include_str!("../migrations/postgres/0006_job_runs.sql"),
    ),
    (
        7,
        "identity: users, product grants, API tokens, sessions, failed logins",
        include_str!("../migrations/sqlite/0007_identity.sql"),
        include_str!("../migrations/postgres/0007_identity.sql"),
    ),
    (
        8,
        "indexes for finding pages",
        include_str!("../migrations/sqlite/0008_finding_pages.sql"),
        include_str!("../migrations/postgres/0008_finding_pages.sql"),
    ),
    (
        9,
        "indexes for finding pages by severity, EPSS and CVSS",
        include_str!("../migrations/sqlite/0009_finding_sort_keys.sql"),
        include_str!("../migrations/postgres/0009_finding_sort_keys.sql"),
    ),
    (
        10,
        "index for one product's findings by severity",
        include_str!("../migrations/sqlite/0010_product_severity.sql"),
        include_str!("../migrations/postgres/0010_product_severity.sql"),
    ),
    (
        11,
        "partners, their products and report deliveries",
        include_str!("../migrations/sqlite/0011_partners.sql"),
        include_str!("../migrations/postgres/0011_partners.sql"),
    ),
    (
        12,
        "process reviews",
        include_str!("../migrations/sqlite/0012_process_reviews.sql"),
        include_str!("../migrations/postgres/0012_process_reviews.sql"),
    ),
];

#[derive(Debug)]
struct Embedded(Backend);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sqlite, postgres)| {
                    let sql: &'static str = match self.0 {
                        Backend::Sqlite => sqlite,
                        Backend::Postgres => postgres,
                    };
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        sqlx::SqlSafeStr::into_sql_str(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Applies the migrations the database has not seen yet.
pub async fn run(pool: &AnyPool, backend: Backend) -> Result<(), sqlx::migrate::MigrateError> {
    let migrator = Migrator::new(Embedded(backend)).await?;
    migrator.run(pool).await
}

#[cfg(test)]
mod tests {
    use sqlx::Row;
    use sqlx::any::{AnyPoolOptions, install_default_drivers};

    use super::*;
    use crate::Store;

    /// A database left at `version` by an older Patchwarden, holding one advisory indexed the
    /// old way; opening it with this version must upgrade it in place and keep every row.
    async fn upgrades_in_place_from(url: &str, open_as: &str, backend: Backend, version: i64) {
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Migrator::new(Embedded(backend))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .run_to(version, &pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let record = r#"{"id":"OLD-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],"affected":[{"package":{"ecosystem":"PyPI","name":"demo"}}]}"#;
        for (sql, binds) in [
            (
                "INSERT INTO advisories (id, modified, published, withdrawn, source, record, imported_at)
                 VALUES ($1, '2024-01-01T00:00:00Z', NULL, NULL, 'old', $2, '2024-01-02T00:00:00Z')",
                vec!["OLD-1", record],
            ),
            (
                "INSERT INTO advisory_packages (ecosystem, name, advisory_id) VALUES ('PyPI', 'demo', $1)",
                vec!["OLD-1"],
            ),
            (
                "INSERT INTO advisory_aliases (advisory_id, alias) VALUES ($1, 'CVE-2024-0001')",
                vec!["OLD-1"],
            ),
            (
                "INSERT INTO vulnerability_ids (id, vulnerability_id) VALUES ($1, 'CVE-2024-0001')",
                vec!["OLD-1"],
            ),
        ] {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(b);
            }
            q.execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        pool.close().await;

        let store = Store::open(open_as).await.unwrap_or_else(|e| panic!("{e}"));
        let found = store
            .advisories_for(&patchwarden_core::Ecosystem::parse("PyPI"), "demo")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.len(), 1);
        assert_eq!(
            store
                .vulnerability_of("OLD-1")
                .await
                .ok()
                .flatten()
                .as_deref(),
            Some("CVE-2024-0001")
        );
        if backend == Backend::Sqlite {
            let row = sqlx::query("SELECT sql FROM sqlite_master WHERE name = 'advisory_packages'")
                .fetch_one(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let sql: String = row.try_get(0).unwrap_or_default();
            assert!(sql.contains("WITHOUT ROWID"), "{sql}");
        }
        store.close().await;
    }

    #[tokio::test]
    async fn sqlite_databases_from_every_earlier_version_upgrade() {
        for version in [2, 3, 4, 5, 6] {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let path = dir.path().join("old.db");
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let path = path.display().to_string();
            upgrades_in_place_from(&url, &path, Backend::Sqlite, version).await;
        }
    }

    #[tokio::test]
    async fn postgres_databases_from_every_earlier_version_upgrade() {
        let Some(admin) = crate::testing::postgres_url() else {
            return;
        };
        for version in [2, 3, 4, 5, 6] {
            let url = crate::testing::fresh_postgres_database(&admin)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            upgrades_in_place_from(&url, &url, Backend::Postgres, version).await;
        }
    }
}
