//! Process reviews (recorded through an audited write, listed newest first, filtered by day)
//! and the two portfolio reads the SAMM assessment needs: each project's latest scan time
//! (one grouped query) and the findings with patch records. SQLite always, PostgreSQL when
//! `PATCHWARDEN_TEST_POSTGRES_URL` is set.

use patchwarden_store::{
    FindingRow, NewArtifact, NewProcessReview, ProjectActivity, Store, StoreError, testing,
};

fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn artifact(project_id: i64, reference: &str) -> NewArtifact<'_> {
    NewArtifact {
        project_id,
        reference,
        kind: "given",
        target: "/src",
        built_at: None,
        image_name: None,
        components: 0,
        policy: "",
        scan_id: None,
    }
}

fn finding(product_id: i64, project_id: i64, vulnerability: &str) -> FindingRow {
    FindingRow {
        id: 0,
        product_id,
        product: String::new(),
        project_id,
        project: String::new(),
        ecosystem: "npm".into(),
        package: "left-pad".into(),
        vulnerability_id: vulnerability.into(),
        ids: vec![vulnerability.into()],
        versions: vec!["1.0.0".into()],
        purl: None,
        path: None,
        summary: None,
        severity: "High".into(),
        cvss_vector: None,
        cvss_score: None,
        fixed_versions: vec![],
        kev: false,
        epss: None,
        published: None,
        first_seen: "2026-03-01T10:00:00Z".into(),
        last_seen: "2026-03-01T10:00:00Z".into(),
        first_artifact_id: None,
        last_artifact_id: None,
        due: "2026-03-31".into(),
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
        updated_at: "2026-03-01T10:00:00Z".into(),
    }
}

async fn reviews_are_recorded_audited_and_listed(store: &Store) {
    assert!(ok(store.process_reviews(None).await).is_empty());
    for (at, day, reviewer, summary, changes) in [
        (
            "2026-04-02T09:00:00Z",
            "2026-04-01",
            "alice",
            "Patch windows too rare",
            Some("weekly window"),
        ),
        (
            "2026-10-16T09:00:00Z",
            "2026-10-15",
            "bob",
            "Triage queue too long",
            None,
        ),
        (
            "2026-01-10T09:00:00Z",
            "2026-01-09",
            "carol",
            "KEV alerts missed",
            Some("page on KEV"),
        ),
    ] {
        let mut w = ok(store.write("recorder", at).await);
        let r = ok(w
            .add_process_review(&NewProcessReview {
                reviewed_on: day,
                reviewer,
                summary,
                changes,
            })
            .await);
        ok(w.commit().await);
        assert_eq!(
            (
                r.reviewed_on.as_str(),
                r.reviewer.as_str(),
                r.recorded_at.as_str()
            ),
            (day, reviewer, at)
        );
        assert_eq!(r.recorded_by, "recorder");
        assert_eq!(r.changes.as_deref(), changes);
    }
    // A write dropped without commit leaves nothing behind.
    {
        let mut w = ok(store.write("recorder", "2026-11-01T09:00:00Z").await);
        ok(w.add_process_review(&NewProcessReview {
            reviewed_on: "2026-11-01",
            reviewer: "dave",
            summary: "rolled back",
            changes: None,
        })
        .await);
    }
    let all = ok(store.process_reviews(None).await);
    let days: Vec<&str> = all.iter().map(|r| r.reviewed_on.as_str()).collect();
    assert_eq!(days, ["2026-10-15", "2026-04-01", "2026-01-09"]);
    let since = ok(store.process_reviews(Some("2026-04-01")).await);
    assert_eq!(since.len(), 2);
    assert_eq!(since[1].summary, "Patch windows too rare");
    assert!(ok(store.process_reviews(Some("2026-10-16")).await).is_empty());

    let audit = ok(store.audit_log(Some(("process_review", all[0].id))).await);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "process_review.recorded");
    assert_eq!(audit[0].actor, "recorder");
    assert_eq!(audit[0].at, "2026-10-16T09:00:00Z");
    assert_eq!(
        audit[0].after.as_ref().map(|a| a["summary"].clone()),
        Some(serde_json::json!("Triage queue too long"))
    );
    let recorded = ok(store.audit_log(None).await)
        .iter()
        .filter(|e| e.action == "process_review.recorded")
        .count();
    assert_eq!(recorded, 3);
}

async fn project_activity_and_patched_findings(store: &Store) {
    let mut w = ok(store.write("alice", "2026-03-01T10:00:00Z").await);
    let (shop, _) = ok(w.ensure_product("shop").await);
    let (web, _) = ok(w.ensure_project(&shop, "web").await);
    let (api, _) = ok(w.ensure_project(&shop, "api").await);
    let (blog, _) = ok(w.ensure_product("blog").await);
    let (site, _) = ok(w.ensure_project(&blog, "site").await);
    ok(w.insert_artifact(&artifact(web.id, "v1"), shop.id, &[])
        .await);
    let f1 = ok(w
        .insert_finding(&finding(shop.id, web.id, "CVE-2026-0001"))
        .await);
    let f2 = ok(w
        .insert_finding(&finding(shop.id, web.id, "CVE-2026-0002"))
        .await);
    let f3 = ok(w
        .insert_finding(&finding(blog.id, site.id, "CVE-2026-0003"))
        .await);
    ok(w.commit().await);
    let mut w = ok(store.write("alice", "2026-03-09T08:00:00Z").await);
    ok(w.insert_artifact(&artifact(web.id, "v2"), shop.id, &[])
        .await);
    ok(w.insert_artifact(&artifact(site.id, "v1"), blog.id, &[])
        .await);
    for id in [f3, f1] {
        let row = ok(w.finding(id).await).unwrap_or_else(|| panic!("finding {id}"));
        ok(w.upsert_patch(&row, Some("1.0.1"), None, "planned").await);
    }
    // A second record of the same finding does not repeat it.
    let row = ok(w.finding(f1).await).unwrap_or_else(|| panic!("finding {f1}"));
    ok(w.upsert_patch(&row, None, None, "tested").await);
    ok(w.commit().await);

    let activity = ok(store.project_activity().await);
    assert_eq!(
        activity,
        [
            ProjectActivity {
                project_id: site.id,
                product: "blog".into(),
                project: "site".into(),
                artifacts: 1,
                last_recorded_at: Some("2026-03-09T08:00:00Z".into()),
            },
            ProjectActivity {
                project_id: api.id,
                product: "shop".into(),
                project: "api".into(),
                artifacts: 0,
                last_recorded_at: None,
            },
            ProjectActivity {
                project_id: web.id,
                product: "shop".into(),
                project: "web".into(),
                artifacts: 2,
                last_recorded_at: Some("2026-03-09T08:00:00Z".into()),
            },
        ]
    );
    let mut expected = vec![f1, f3];
    expected.sort();
    assert_eq!(ok(store.patched_finding_ids().await), expected);
    assert!(!expected.contains(&f2));
}

async fn exercise(store: &Store) {
    reviews_are_recorded_audited_and_listed(store).await;
    project_activity_and_patched_findings(store).await;
}

#[tokio::test]
async fn reviews_and_activity_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&dir.path().join("pw.db").to_string_lossy()).await);
    exercise(&store).await;
    store.close().await;
}

#[tokio::test]
async fn reviews_and_activity_on_postgres() {
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
