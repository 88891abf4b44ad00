//! The store's behaviour, run on SQLite and (when configured) PostgreSQL.

use patchwarden_core::{Ecosystem, EcosystemKind};
use patchwarden_osv::Advisory;
use patchwarden_store::{
    Backend, EpssRow, ImportStats, KevRow, NvdRow, ScanRecord, SourceMeta, Store, testing,
};

fn advisory(id: &str, modified: &str, ecosystem: &str, name: &str) -> Advisory {
    let json = format!(
        r#"{{"id":"{id}","modified":"{modified}","affected":[{{"package":{{"ecosystem":"{ecosystem}","name":"{name}"}},
           "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
    );
    Advisory::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn with_aliases(mut a: Advisory, aliases: &[&str], published: &str) -> Advisory {
    a.aliases = aliases.iter().map(|s| s.to_string()).collect();
    a.published = Some(published.to_string());
    a
}

/// Alias clusters, feeds and sources, on whichever backend `store` runs.
async fn exercise_intel(store: &Store) {
    let now = "2026-11-23T00:00:00Z";
    let records = [
        with_aliases(
            advisory("GHSA-aaaa", "2024-01-01T00:00:00Z", "Maven", "org.x:core"),
            &["CVE-2021-44228"],
            "2021-12-10T00:00:00Z",
        ),
        with_aliases(
            advisory("PYSEC-zzzz", "2024-01-01T00:00:00Z", "PyPI", "x"),
            &["GHSA-aaaa"],
            "2021-12-12T00:00:00Z",
        ),
        with_aliases(
            advisory("RUSTSEC-1", "2024-01-01T00:00:00Z", "crates.io", "y"),
            &[],
            "2020-01-01T00:00:00Z",
        ),
    ];
    let meta = SourceMeta {
        name: "test-osv".into(),
        kind: "osv".into(),
        location: "mem".into(),
        records: 3,
        ..Default::default()
    };
    let raws: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap_or_default())
        .collect();
    let mut import = store
        .begin_advisory_import("test-osv", now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refs: Vec<_> = records
        .iter()
        .zip(&raws)
        .map(|(advisory, raw)| patchwarden_store::RecordRef { advisory, raw })
        .collect();
    import.add(&refs).await.unwrap_or_else(|e| panic!("{e}"));
    import
        .finish(Some(&meta))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .refresh_identities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // Any id of the cluster leads to the CVE; the lone advisory is its own identity.
    for id in ["GHSA-aaaa", "PYSEC-zzzz", "CVE-2021-44228"] {
        assert_eq!(
            store
                .vulnerability_of(id)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .as_deref(),
            Some("CVE-2021-44228"),
            "{id}"
        );
    }
    assert_eq!(
        store
            .vulnerability_of("RUSTSEC-1")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .as_deref(),
        Some("RUSTSEC-1")
    );
    let ids = store
        .vulnerability_ids("CVE-2021-44228")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids, ["CVE-2021-44228", "GHSA-aaaa", "PYSEC-zzzz"]);
    let advisories = store
        .advisories_of("CVE-2021-44228")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(advisories.len(), 2);
    assert_eq!(advisories[0].1, "test-osv");

    let kev = KevRow {
        cve_id: "CVE-2021-44228".into(),
        date_added: "2021-12-10".into(),
        due_date: "2021-12-24".into(),
        ransomware: true,
        vendor_project: "Apache".into(),
        product: "Log4j2".into(),
        vulnerability_name: "Log4Shell".into(),
        required_action: "Apply updates".into(),
        notes: String::new(),
    };
    let kev_meta = SourceMeta {
        name: "kev".into(),
        kind: "kev".into(),
        location: "kev.json".into(),
        records: 1,
        etag: Some("\"v1\"".into()),
        ..Default::default()
    };
    store
        .replace_kev(std::slice::from_ref(&kev), &kev_meta, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store
            .kev_for("CVE-2021-44228")
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        Some(kev)
    );
    let epss = EpssRow {
        cve: "CVE-2021-44228".into(),
        score: 0.94358,
        percentile: 0.99958,
        score_date: Some("2026-08-16".into()),
    };
    let epss_meta = SourceMeta {
        name: "epss".into(),
        kind: "epss".into(),
        location: "epss.csv.gz".into(),
        records: 1,
        ..Default::default()
    };
    store
        .replace_epss(std::slice::from_ref(&epss), &epss_meta, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store
            .epss_for("CVE-2021-44228")
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        Some(epss)
    );
    let nvd = NvdRow {
        id: "CVE-2021-44228".into(),
        published: Some("2021-12-10T10:15:09.143".into()),
        last_modified: None,
        description: Some("d".into()),
        cvss: serde_json::json!([{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}]),
        cwes: vec!["CWE-502".into()],
        references: vec!["https://example.invalid".into()],
    };
    let nvd_meta = SourceMeta {
        name: "nvd".into(),
        kind: "nvd".into(),
        location: "nvd.json".into(),
        records: 1,
        ..Default::default()
    };
    store
        .upsert_nvd(std::slice::from_ref(&nvd), &nvd_meta, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store
            .nvd_for("CVE-2021-44228")
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        Some(nvd)
    );

    // A failure keeps the last success and data; the error is shown.
    store
        .record_source_failure(&kev_meta, "HTTP 500 from kev.json", "2026-11-24T00:00:00Z")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sources = store.sources().await.unwrap_or_else(|e| panic!("{e}"));
    let kev_source = sources
        .iter()
        .find(|s| s.name == "kev")
        .cloned()
        .unwrap_or_else(|| panic!("kev source"));
    assert_eq!(kev_source.last_success.as_deref(), Some(now));
    assert_eq!(
        kev_source.last_error.as_deref(),
        Some("HTTP 500 from kev.json")
    );
    assert_eq!(kev_source.etag.as_deref(), Some("\"v1\""));
    assert!(
        store
            .kev_for("CVE-2021-44228")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some()
    );
    assert_eq!(
        sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["epss", "kev", "nvd", "test-osv"]
    );
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

    // Red Hat advisories name a stream of the release a package database knows.
    let streams = vec![
        advisory(
            "RH-1",
            "2024-01-01T00:00:00Z",
            "Red Hat:enterprise_linux:9::appstream",
            "openssl",
        ),
        advisory(
            "RH-2",
            "2024-01-01T00:00:00Z",
            "Red Hat:enterprise_linux:9::baseos",
            "openssl",
        ),
        advisory(
            "RH-3",
            "2024-01-01T00:00:00Z",
            "Red Hat:enterprise_linux:8::baseos",
            "openssl",
        ),
        advisory(
            "RH-4",
            "2024-01-01T00:00:00Z",
            "Red Hat:enterprise_linux:9",
            "openssl",
        ),
    ];
    store
        .upsert_advisories(&streams, "test", now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rhel9 = Ecosystem::parse("Red Hat:enterprise_linux:9");
    let all = store
        .advisory_ecosystems()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let streams: Vec<String> = all
        .into_iter()
        .filter(|e| Ecosystem::parse(e).applies_to(&rhel9))
        .collect();
    assert_eq!(
        streams,
        [
            "Red Hat:enterprise_linux:9",
            "Red Hat:enterprise_linux:9::appstream",
            "Red Hat:enterprise_linux:9::baseos"
        ]
    );
    let found: Vec<String> = store
        .advisories_in(&streams, rhel9.kind(), "openssl")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(found, ["RH-1", "RH-2", "RH-4"]);

    // What a scan asks first: the names advisories mention, then all their advisories at once.
    let names = store
        .advisory_package_names(&pypi)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["pyyaml"]);
    let by_name = store
        .advisories_for_names(&npm, &["underscore".into(), "absent".into()])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name["underscore"][0].id, "T-2");

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
    exercise_intel(&store).await;
}

/// Opens `target`, runs every check, then reopens it: migrations run once and data stays.
async fn exercise_and_reopen(target: &str, backend: Backend) {
    let store = Store::open(target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(store.backend(), backend);
    exercise(store.clone()).await;
    store.close().await;
    let again = Store::open(target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        again
            .advisory_count()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        9
    );
}

#[tokio::test]
async fn store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("nested/dir/pw.db");
    exercise_and_reopen(&path.to_string_lossy(), Backend::Sqlite).await;
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
    exercise_and_reopen(&url, Backend::Postgres).await;
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
