//! The store's behaviour, run on SQLite and (when configured) PostgreSQL.

use patchwarden_core::{Ecosystem, EcosystemKind};
use patchwarden_osv::Advisory;
use patchwarden_store::{Backend, ImportStats, ScanRecord, Store, testing};

fn advisory(id: &str, modified: &str, ecosystem: &str, name: &str) -> Advisory {
    let json = format!(
        r#"{{"id":"{id}","modified":"{modified}","affected":[{{"package":{{"ecosystem":"{ecosystem}","name":"{name}"}},
           "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
    );
    Advisory::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

async fn exercise(store: Store) {
    let now = "2026-11-23T00:00:00Z";
    let first = vec![
        advisory("T-1", "2024-01-01T00:00:00Z", "PyPI", "PyYAML"),
        advisory("T-2", "2024-01-01T00:00:00Z", "npm", "lodash"),
    ];
    let stats = store
        .upsert_advisories(&first, "test", now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stats,
        ImportStats {
            inserted: 2,
            updated: 0,
            unchanged: 0
        }
    );

    // Same modified: untouched. New modified: replaced, and the package index follows.
    let mut second = first.clone();
    second[1] = advisory("T-2", "2024-02-01T00:00:00Z", "npm", "underscore");
    let stats = store
        .upsert_advisories(&second, "test", now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stats,
        ImportStats {
            inserted: 0,
            updated: 1,
            unchanged: 1
        }
    );
    assert_eq!(
        store
            .advisory_count()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        2
    );

    let npm = Ecosystem::new(EcosystemKind::Npm);
    let found = store
        .advisories_for(&npm, "lodash")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(found.is_empty(), "old package index entry must be gone");
    let found = store
        .advisories_for(&npm, "underscore")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].modified, "2024-02-01T00:00:00Z");

    // PyPI names meet in their normalised form.
    let pypi = Ecosystem::new(EcosystemKind::PyPI);
    let found = store
        .advisories_for(&pypi, "pyyaml")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0], first[0]);

    let id = store
        .record_scan(&ScanRecord {
            target: ".",
            scanned_at: now,
            components: 3,
            findings: 1,
            result: "{}",
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(id > 0);
    assert_eq!(
        store.scan_count().await.unwrap_or_else(|e| panic!("{e}")),
        1
    );
}

#[tokio::test]
async fn store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("nested/dir/pw.db");
    let target = path.to_string_lossy().into_owned();
    let store = Store::open(&target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.backend(), Backend::Sqlite);
    exercise(store.clone()).await;
    store.close().await;
    // Reopening migrates nothing twice and keeps the data.
    let again = Store::open(&target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        again
            .advisory_count()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        2
    );
}

#[tokio::test]
async fn store_in_memory() {
    let store = Store::open("sqlite::memory:")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    exercise(store).await;
}

#[tokio::test]
async fn store_on_postgres() {
    let Some(admin) = testing::postgres_url() else {
        return;
    };
    let url = testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.backend(), Backend::Postgres);
    exercise(store.clone()).await;
    store.close().await;
    let again = Store::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        again
            .advisory_count()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        2
    );
}

#[tokio::test]
async fn unopenable_database_names_the_target() {
    let err = Store::open("postgres://nobody:hunter2@127.0.0.1:1/none")
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("127.0.0.1:1") && !err.contains("hunter2"),
        "{err}"
    );
}
