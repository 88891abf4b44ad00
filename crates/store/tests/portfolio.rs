//! The portfolio's write API on SQLite and (when configured) PostgreSQL: products and
//! projects created once, artifacts whose components are stored once across artifacts, the
//! findings an artifact has, patch records, and the audit entry written beside each change.

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};
use patchwarden_store::{FindingFilter, FindingRow, NewArtifact, Store, StoreError, testing};
use serde_json::json;

const T1: &str = "2026-03-02T10:00:00Z";
const T2: &str = "2026-03-05T16:30:00Z";

fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn npm(name: &str, version: &str, path: &str) -> Component {
    Component::new(Ecosystem::parse("npm"), name, version, Location::file(path))
}

/// A new open finding of `package` for `vulnerability` (ids: the vulnerability and `aliases`).
fn finding(
    product_id: i64,
    project_id: i64,
    artifact_id: i64,
    package: &str,
    vulnerability: &str,
    aliases: &[&str],
    severity: &str,
) -> FindingRow {
    let mut ids: Vec<String> = std::iter::once(vulnerability)
        .chain(aliases.iter().copied())
        .map(str::to_string)
        .collect();
    ids.sort();
    FindingRow {
        id: 0,
        product_id,
        product: String::new(),
        project_id,
        project: String::new(),
        ecosystem: "npm".into(),
        package: package.into(),
        vulnerability_id: vulnerability.into(),
        ids,
        versions: vec!["1.0.0".into()],
        purl: Some(format!("pkg:npm/{package}@1.0.0")),
        path: Some("package-lock.json".into()),
        summary: Some(format!("made-up problem in {package}")),
        severity: severity.into(),
        cvss_vector: None,
        cvss_score: None,
        fixed_versions: vec!["1.0.1".into()],
        kev: false,
        epss: None,
        published: None,
        first_seen: T1.into(),
        last_seen: T1.into(),
        first_artifact_id: Some(artifact_id),
        last_artifact_id: Some(artifact_id),
        due: "2026-04-01".into(),
        sla_days: 30,
        status: "open".into(),
        status_reason: None,
        closed_by_system: false,
        accepted_by: None,
        accepted_until: None,
        fixed_at: None,
        fixed_artifact_id: None,
        verified_at: None,
        verified_deployment_id: None,
        updated_at: T1.into(),
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    ok(
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(store.pool())
            .await
            .map_err(StoreError::from),
    )
}

fn artifact<'a>(project_id: i64, reference: &'a str, components: i64) -> NewArtifact<'a> {
    NewArtifact {
        project_id,
        reference,
        kind: "given",
        target: "/src/shop",
        built_at: None,
        image_name: None,
        components,
        policy: "",
        scan_id: None,
    }
}

/// Products and projects: created once, found again by name, audited once.
async fn products_and_projects_are_created_once(store: &Store) {
    let mut w = ok(store.write("alice", T1).await);
    let (shop, created) = ok(w.ensure_product("shop").await);
    assert!(created);
    let (again, created) = ok(w.ensure_product("shop").await);
    assert!(!created, "the second call in the same transaction finds it");
    assert_eq!(again, shop);
    let (api, created) = ok(w.ensure_project(&shop, "api").await);
    assert!(created);
    assert_eq!(
        (api.product_id, api.product.as_str(), api.name.as_str()),
        (shop.id, "shop", "api")
    );
    let (api_again, created) = ok(w.ensure_project(&shop, "api").await);
    assert!(!created);
    assert_eq!(api_again.id, api.id);
    ok(w.commit().await);

    // In a later transaction, by someone else: nothing new, nothing audited.
    let mut w = ok(store.write("bob", T2).await);
    let (shop2, created) = ok(w.ensure_product("shop").await);
    assert!(!created);
    assert_eq!(shop2.id, shop.id);
    assert_eq!(shop2.created_at, T1);
    let (_, created) = ok(w.ensure_project(&shop2, "api").await);
    assert!(!created);
    // The same project name in another product is another project.
    let (tools, created) = ok(w.ensure_product("tools").await);
    assert!(created);
    let (tools_api, created) = ok(w.ensure_project(&tools, "api").await);
    assert!(created);
    assert_ne!(tools_api.id, api.id);
    ok(w.commit().await);

    let names: Vec<String> = ok(store.products().await)
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["shop", "tools"]);
    assert_eq!(ok(store.projects(Some("shop")).await).len(), 1);
    assert_eq!(ok(store.projects(None).await).len(), 2);
    assert_eq!(
        ok(store.project("tools", "api").await).map(|p| p.id),
        Some(tools_api.id)
    );

    let shop_log = ok(store.audit_log(Some(("product", shop.id))).await);
    assert_eq!(shop_log.len(), 1, "{shop_log:?}");
    assert_eq!(
        (
            shop_log[0].action.as_str(),
            shop_log[0].actor.as_str(),
            shop_log[0].at.as_str()
        ),
        ("product.created", "alice", T1)
    );
    assert_eq!(shop_log[0].after, Some(json!({"name": "shop"})));
    let api_log = ok(store.audit_log(Some(("project", api.id))).await);
    assert_eq!(api_log.len(), 1, "{api_log:?}");
    assert_eq!(api_log[0].action, "project.created");
    assert_eq!(api_log[0].product_id, Some(shop.id));
    let tools_log = ok(store.audit_log(Some(("project", tools_api.id))).await);
    assert_eq!((tools_log.len(), tools_log[0].actor.as_str()), (1, "bob"));

    // A transaction dropped without commit leaves nothing, audit entry included.
    let before = ok(store.audit_log(None).await).len();
    {
        let mut w = ok(store.write("carol", T2).await);
        let (ghost, created) = ok(w.ensure_product("ghost").await);
        assert!(created);
        ok(w.ensure_project(&ghost, "nothing").await);
    }
    assert_eq!(ok(store.product("ghost").await), None);
    assert_eq!(ok(store.audit_log(None).await).len(), before);
}

/// Components: each package version stored once, however many artifacts and paths hold it.
async fn components_are_stored_once(store: &Store) {
    let shop = ok(store.product("shop").await).unwrap_or_else(|| panic!("no product shop"));
    let api = ok(store.project("shop", "api").await).unwrap_or_else(|| panic!("no project api"));
    let tools_api =
        ok(store.project("tools", "api").await).unwrap_or_else(|| panic!("no project tools/api"));

    let mut libssl = Component::new(
        Ecosystem::parse("Debian:12"),
        "libssl3",
        "3.0.11-1~deb12u2",
        Location::at("var/lib/dpkg/status", Some(120)),
    );
    libssl.source_package = Some(SourcePackage {
        name: "openssl".into(),
        version: "3.0.11-1~deb12u2".into(),
    });
    let mut express = npm("express", "4.4.5", "package-lock.json");
    express.direct = Some(true);
    let mut jest = npm("jest", "29.7.0", "package-lock.json");
    jest.scope = Scope::Dev;
    jest.direct = Some(false);
    let first = vec![
        npm("lodash", "4.17.4", "package-lock.json"),
        // The same package version in a second lockfile: one component, two places.
        npm("lodash", "4.17.4", "admin/package-lock.json"),
        // Listed twice at the same place: one row.
        npm("lodash", "4.17.4", "package-lock.json"),
        express.clone(),
        jest,
        libssl.clone(),
    ];
    let second = vec![
        npm("lodash", "4.17.21", "package-lock.json"),
        express.clone(),
        libssl.clone(),
    ];

    let mut w = ok(store.write("alice", T1).await);
    assert_eq!(ok(w.latest_artifact_id(api.id).await), None);
    let a1 = ok(w
        .insert_artifact(&artifact(api.id, "v1", 6), shop.id, &first)
        .await);
    ok(w.commit().await);
    assert_eq!(count(store, "SELECT COUNT(*) FROM components").await, 4);
    assert_eq!(
        count(
            store,
            &format!("SELECT COUNT(*) FROM artifact_components WHERE artifact_id = {a1}")
        )
        .await,
        5
    );

    let mut w = ok(store.write("bob", T2).await);
    assert_eq!(ok(w.latest_artifact_id(api.id).await), Some(a1));
    let a2 = ok(w
        .insert_artifact(&artifact(api.id, "v2", 3), shop.id, &second)
        .await);
    assert_eq!(ok(w.latest_artifact_id(api.id).await), Some(a2));
    // Another product's artifact with the same packages adds no component either.
    let a3 = ok(w
        .insert_artifact(
            &artifact(tools_api.id, "t1", 2),
            tools_api.product_id,
            &[express.clone(), libssl.clone()],
        )
        .await);
    ok(w.commit().await);
    // Only lodash 4.17.21 is new.
    assert_eq!(count(store, "SELECT COUNT(*) FROM components").await, 5);
    assert_eq!(
        count(store, "SELECT COUNT(*) FROM artifact_components").await,
        5 + 3 + 2
    );
    assert_eq!(
        count(
            store,
            "SELECT COUNT(*) FROM components WHERE name = 'express' AND version = '4.4.5'"
        )
        .await,
        1
    );

    // Read back with places, directness, scope and source package.
    let read = ok(store.artifact_components(a1).await);
    let summary: Vec<(String, String, String)> = read
        .iter()
        .map(|c| (c.name.clone(), c.version.clone(), c.source.path.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "libssl3".to_string(),
                "3.0.11-1~deb12u2".to_string(),
                "var/lib/dpkg/status".to_string()
            ),
            ("express".into(), "4.4.5".into(), "package-lock.json".into()),
            ("jest".into(), "29.7.0".into(), "package-lock.json".into()),
            (
                "lodash".into(),
                "4.17.4".into(),
                "admin/package-lock.json".into()
            ),
            ("lodash".into(), "4.17.4".into(), "package-lock.json".into()),
        ]
    );
    let deb = &read[0];
    assert_eq!(deb.ecosystem.to_string(), "Debian:12");
    assert_eq!(deb.source.line, Some(120));
    assert_eq!(deb.source_package, libssl.source_package);
    assert_eq!(read[1].direct, Some(true));
    assert_eq!((read[2].scope, read[2].direct), (Scope::Dev, Some(false)));
    assert_eq!(read[3].direct, None);

    let listed: Vec<(i64, String)> = ok(store.artifacts(Some("shop"), Some("api")).await)
        .into_iter()
        .map(|a| (a.id, a.reference))
        .collect();
    assert_eq!(listed, [(a2, "v2".to_string()), (a1, "v1".to_string())]);
    let stored = ok(store.artifact(a1).await).unwrap_or_else(|| panic!("no artifact {a1}"));
    assert_eq!(
        (
            stored.project.as_str(),
            stored.product.as_str(),
            stored.kind.as_str(),
            stored.components,
            stored.findings,
            stored.recorded_at.as_str()
        ),
        ("api", "shop", "given", 6, 0, T1)
    );
    let latest: Vec<i64> = ok(store.latest_artifacts().await)
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(latest, [a2, a3]);
    let log = ok(store.audit_log(Some(("artifact", a2))).await);
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].action.as_str(),
            log[0].actor.as_str(),
            log[0].product_id
        ),
        ("artifact.recorded", "bob", Some(shop.id))
    );
    assert_eq!(
        log[0].after.as_ref().map(|a| a["ref"].clone()),
        Some(json!("v2"))
    );
}

/// Findings, the findings each artifact has, patch records and their audit entries.
async fn findings_patches_and_their_history(store: &Store) {
    let shop = ok(store.product("shop").await).unwrap_or_else(|| panic!("no product shop"));
    let api = ok(store.project("shop", "api").await).unwrap_or_else(|| panic!("no project api"));
    let arts = ok(store.artifacts(Some("shop"), Some("api")).await);
    let (a2, a1) = (arts[0].id, arts[1].id);

    let mut w = ok(store.write("alice", T1).await);
    let lodash = finding(
        shop.id,
        api.id,
        a1,
        "lodash",
        "CVE-2026-1001",
        &["GHSA-aaaa-bbbb-cccc"],
        "High",
    );
    let lodash_id = ok(w.insert_finding(&lodash).await);
    ok(w.audit(
        "finding.created",
        "finding",
        lodash_id,
        Some(shop.id),
        None,
        Some(&json!({"status": "open", "artifact_id": a1})),
    )
    .await);
    let express_id = ok(w
        .insert_finding(&finding(
            shop.id,
            api.id,
            a1,
            "express",
            "CVE-2026-1002",
            &[],
            "Medium",
        ))
        .await);
    ok(w.set_artifact_findings(a1, &[lodash_id, express_id]).await);
    assert!(ok(w.artifact_has_finding(a1, lodash_id).await));
    // The product's first sighting of the vulnerability, under any of its ids.
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        ok(
            w.product_first_seen(shop.id, "npm", "lodash", &ids(&["GHSA-aaaa-bbbb-cccc"]))
                .await
        )
        .as_deref(),
        Some(T1)
    );
    assert_eq!(
        ok(
            w.product_first_seen(shop.id, "npm", "lodash", &ids(&["CVE-2026-9999"]))
                .await
        ),
        None
    );
    assert_eq!(
        ok(
            w.product_first_seen(shop.id, "npm", "express", &ids(&["CVE-2026-1001"]))
                .await
        ),
        None,
        "another package"
    );
    ok(w.commit().await);

    // One finding per project, package and vulnerability.
    let mut w = ok(store.write("alice", T1).await);
    assert!(
        w.insert_finding(&lodash).await.is_err(),
        "a second lodash CVE-2026-1001 in the same project must be refused"
    );
    drop(w);

    assert_eq!(ok(store.artifact(a1).await).map(|a| a.findings), Some(2));
    // Replacing the list: the artifact keeps only what it is given.
    let mut w = ok(store.write("bob", T2).await);
    ok(w.set_artifact_findings(a1, &[express_id]).await);
    ok(w.set_artifact_findings(a2, &[express_id]).await);
    assert!(!ok(w.artifact_has_finding(a1, lodash_id).await));
    assert!(ok(w.artifact_has_finding(a2, express_id).await));
    ok(w.commit().await);
    assert_eq!(ok(store.artifact(a1).await).map(|a| a.findings), Some(1));
    assert_eq!(ok(store.artifact(a2).await).map(|a| a.findings), Some(1));
    assert_eq!(
        count(store, "SELECT COUNT(*) FROM artifact_findings").await,
        2
    );
    let mut w = ok(store.write("bob", T2).await);
    ok(w.set_artifact_findings(a2, &[]).await);
    ok(w.commit().await);
    assert_eq!(ok(store.artifact(a2).await).map(|a| a.findings), Some(0));

    // Filters.
    let pick = |rows: Vec<FindingRow>| rows.into_iter().map(|f| f.id).collect::<Vec<_>>();
    let all = pick(ok(store.findings(&FindingFilter::default()).await));
    assert_eq!(all.len(), 2);
    let high = pick(ok(store
        .findings(&FindingFilter {
            product: Some("shop".into()),
            severities: vec!["High".into()],
            ..FindingFilter::default()
        })
        .await));
    assert_eq!(high, [lodash_id]);
    let by_alias = pick(ok(store
        .findings(&FindingFilter {
            vulnerability: Some("GHSA-aaaa-bbbb-cccc".into()),
            ..FindingFilter::default()
        })
        .await));
    assert_eq!(by_alias, [lodash_id]);
    let other_product = pick(ok(store
        .findings(&FindingFilter {
            product: Some("tools".into()),
            ..FindingFilter::default()
        })
        .await));
    assert!(other_product.is_empty());

    // A status change, read back.
    let mut w = ok(store.write("bob", T2).await);
    let mut row = ok(w.finding(lodash_id).await).unwrap_or_else(|| panic!("no finding"));
    assert_eq!(
        (row.product.as_str(), row.project.as_str()),
        ("shop", "api")
    );
    row.status = "patching".into();
    row.updated_at = T2.into();
    ok(w.update_finding(&row).await);
    ok(w.audit(
        "finding.patching",
        "finding",
        lodash_id,
        Some(shop.id),
        Some(&json!({"status": "open"})),
        Some(&json!({"status": "patching"})),
    )
    .await);

    // Patch records: the first call creates one, the next updates it and keeps what it
    // does not name.
    let p = ok(w
        .upsert_patch(
            &row,
            Some("4.17.21"),
            Some("https://git.example/shop/pull/7"),
            "planned",
        )
        .await);
    assert_eq!(
        (
            p.finding_id,
            p.planned_version.as_deref(),
            p.pull_request.as_deref(),
            p.state.as_str(),
            p.actor.as_str(),
            p.created_at.as_str()
        ),
        (
            lodash_id,
            Some("4.17.21"),
            Some("https://git.example/shop/pull/7"),
            "planned",
            "bob",
            T2
        )
    );
    ok(w.commit().await);
    let later = "2026-03-06T08:00:00Z";
    let mut w = ok(store.write("carol", later).await);
    let q = ok(w.upsert_patch(&row, None, None, "tested").await);
    ok(w.commit().await);
    assert_eq!(
        q.id, p.id,
        "the latest patch record is updated, not a new one"
    );
    assert_eq!(
        (
            q.planned_version.as_deref(),
            q.pull_request.as_deref(),
            q.state.as_str(),
            q.actor.as_str(),
            q.created_at.as_str(),
            q.updated_at.as_str()
        ),
        (
            Some("4.17.21"),
            Some("https://git.example/shop/pull/7"),
            "tested",
            "carol",
            T2,
            later
        )
    );
    assert_eq!(ok(store.patches(lodash_id).await), vec![q.clone()]);
    assert!(ok(store.patches(express_id).await).is_empty());
    let patch_log = ok(store.audit_log(Some(("patch", p.id))).await);
    let actions: Vec<(&str, &str)> = patch_log
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("patch.created", "bob"), ("patch.updated", "carol")]
    );
    assert_eq!(patch_log[0].before, None);
    assert_eq!(
        patch_log[1].before.as_ref().map(|b| b["state"].clone()),
        Some(json!("planned"))
    );
    assert_eq!(
        patch_log[1].after.as_ref().map(|a| a["state"].clone()),
        Some(json!("tested"))
    );

    // The finding's history, oldest first, with the values given.
    let history = ok(store.audit_log(Some(("finding", lodash_id))).await);
    let summary: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str(), e.at.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("finding.created", "alice", T1),
            ("finding.patching", "bob", T2)
        ]
    );
    assert_eq!(
        history[0].after,
        Some(json!({"status": "open", "artifact_id": a1}))
    );
    assert_eq!(history[1].before, Some(json!({"status": "open"})));
    assert!(history[0].id < history[1].id);
    assert!(
        ok(store.audit_log(Some(("finding", express_id))).await).is_empty(),
        "nobody audited the express finding"
    );
    // The whole log is in id order.
    let ids: Vec<i64> = ok(store.audit_log(None).await)
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

/// Environments are unique by name; deployments are audited.
async fn environments_and_deployments(store: &Store) {
    let arts = ok(store.artifacts(Some("shop"), Some("api")).await);
    let a2 = arts[0].clone();
    let mut w = ok(store.write("dave", T2).await);
    let prod = ok(w.create_environment("prod", "production").await);
    assert_eq!(
        (prod.name.as_str(), prod.kind.as_str()),
        ("prod", "production")
    );
    ok(w.commit().await);
    let mut w = ok(store.write("dave", T2).await);
    assert!(matches!(
        w.create_environment("prod", "test").await,
        Err(StoreError::Conflict(_))
    ));
    drop(w);
    let mut w = ok(store.write("dave", T2).await);
    let d = ok(w
        .insert_deployment(
            &a2,
            &prod,
            "2026-03-05T22:00:00Z",
            true,
            Some("Thu 22:00-23:00"),
        )
        .await);
    ok(w.commit().await);
    let listed = ok(store.deployments(Some(a2.id)).await);
    assert_eq!(listed, vec![d.clone()]);
    assert_eq!(
        (
            d.environment.as_str(),
            d.environment_kind.as_str(),
            d.backup_confirmed,
            d.actor.as_str()
        ),
        ("prod", "production", true, "dave")
    );
    assert_eq!(ok(store.deployments(None).await).len(), 1);
    assert_eq!(ok(store.environments().await), vec![prod.clone()]);
    let log = ok(store.audit_log(Some(("deployment", d.id))).await);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "deployment.recorded");
    let env_log = ok(store.audit_log(Some(("environment", prod.id))).await);
    assert_eq!(
        (
            env_log.len(),
            env_log[0].action.as_str(),
            env_log[0].product_id
        ),
        (1, "environment.created", None)
    );
}

/// Rows of the audit log can be neither changed nor removed.
async fn the_audit_log_is_append_only(store: &Store) {
    let before = ok(store.audit_log(None).await);
    assert!(!before.is_empty());
    for sql in [
        "UPDATE audit_log SET actor = 'mallory'",
        "UPDATE audit_log SET action = 'nothing' WHERE id = (SELECT MIN(id) FROM audit_log)",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)",
    ] {
        let err = sqlx::query(sql)
            .execute(store.pool())
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} succeeded"));
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(ok(store.audit_log(None).await), before);
}

async fn exercise(store: &Store) {
    products_and_projects_are_created_once(store).await;
    components_are_stored_once(store).await;
    findings_patches_and_their_history(store).await;
    environments_and_deployments(store).await;
    the_audit_log_is_append_only(store).await;
}

#[tokio::test]
async fn portfolio_writes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("pw.db");
    let store = ok(Store::open(&path.to_string_lossy()).await);
    exercise(&store).await;
    store.close().await;
}

#[tokio::test]
async fn portfolio_writes_on_postgres() {
    let Some(admin) = testing::postgres_url() else {
        return;
    };
    let url = testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&url).await);
    exercise(&store).await;
    store.close().await;
}

/// `--vulnerability` style lookups by an id holding an underscore (the demo's
/// `x_NSWG-ECO-120`, OSV's `x_` prefixed ids).
async fn finds_ids_with_underscores(store: &Store) {
    let mut w = ok(store.write("alice", T1).await);
    let (p, _) = ok(w.ensure_product("shop").await);
    let (j, _) = ok(w.ensure_project(&p, "web").await);
    let a = ok(w.insert_artifact(&artifact(j.id, "v1", 0), p.id, &[]).await);
    let id = ok(w
        .insert_finding(&finding(
            p.id,
            j.id,
            a,
            "ws",
            "x_NSWG-ECO-120",
            &["GHSA-6663-c963-2gqg"],
            "High",
        ))
        .await);
    ok(w.commit().await);
    for wanted in ["GHSA-6663-c963-2gqg", "x_NSWG-ECO-120"] {
        let found: Vec<i64> = ok(store
            .findings(&FindingFilter {
                vulnerability: Some(wanted.into()),
                ..FindingFilter::default()
            })
            .await)
        .into_iter()
        .map(|f| f.id)
        .collect();
        assert_eq!(found, [id], "--vulnerability {wanted}");
    }
}

#[tokio::test]
async fn vulnerability_filter_with_underscore_on_sqlite() {
    let store = ok(Store::open("sqlite::memory:").await);
    finds_ids_with_underscores(&store).await;
}

#[tokio::test]
async fn vulnerability_filter_with_underscore_on_postgres() {
    let Some(admin) = testing::postgres_url() else {
        return;
    };
    let url = testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&url).await);
    finds_ids_with_underscores(&store).await;
}

/// Findings with and without a CVSS score or EPSS probability, written one after the other
/// in one transaction (so on one connection, with its prepared statements).
async fn scores_with_and_without_values(store: &Store) {
    let mut w = ok(store.write("alice", T1).await);
    let (p, _) = ok(w.ensure_product("shop").await);
    let (j, _) = ok(w.ensure_project(&p, "web").await);
    let a = ok(w.insert_artifact(&artifact(j.id, "v1", 0), p.id, &[]).await);
    let unscored = finding(p.id, j.id, a, "atty", "RUSTSEC-2021-0145", &[], "Low");
    let mut scored = finding(p.id, j.id, a, "h2", "CVE-2023-26964", &[], "High");
    scored.cvss_score = Some(7.5);
    scored.cvss_vector = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H".into());
    scored.epss = Some(0.02641);
    let unscored_id = ok(w.insert_finding(&unscored).await);
    let scored_id = ok(w.insert_finding(&scored).await);
    // And the other way round on update.
    let mut now_scored = ok(w.finding(unscored_id).await).unwrap_or_else(|| panic!("gone"));
    now_scored.cvss_score = Some(3.3);
    now_scored.epss = Some(0.5);
    let mut now_unscored = ok(w.finding(scored_id).await).unwrap_or_else(|| panic!("gone"));
    now_unscored.cvss_score = None;
    now_unscored.epss = None;
    ok(w.update_finding(&now_unscored).await);
    ok(w.update_finding(&now_scored).await);
    ok(w.commit().await);
    let read = |id| async move {
        let f = ok(store.finding(id).await).unwrap_or_else(|| panic!("no finding {id}"));
        (f.cvss_score, f.epss)
    };
    assert_eq!(read(unscored_id).await, (Some(3.3), Some(0.5)));
    assert_eq!(read(scored_id).await, (None, None));
}

#[tokio::test]
async fn finding_scores_with_and_without_values_on_sqlite() {
    let store = ok(Store::open("sqlite::memory:").await);
    scores_with_and_without_values(&store).await;
}

#[tokio::test]
async fn finding_scores_with_and_without_values_on_postgres() {
    let Some(admin) = testing::postgres_url() else {
        return;
    };
    let url = testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&url).await);
    scores_with_and_without_values(&store).await;
}
