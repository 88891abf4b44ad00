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
