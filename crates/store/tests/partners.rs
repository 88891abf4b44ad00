//! Partners and their report deliveries on SQLite and (when configured) PostgreSQL: every
//! change is audited, product names are checked, deliveries are append-only and outlive the
//! partner, "delivered for the quarter" sees only successful deliveries.

use patchwarden_store::{
    DeliveryStatus, DeliveryTrigger, NewDelivery, NewPartner, PartnerChange, Store, StoreError,
    testing,
};

const T1: &str = "2026-07-01T08:00:00Z";
const T2: &str = "2026-07-02T09:30:00Z";
const T3: &str = "2026-10-01T06:00:00Z";

fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn partners_are_audited(store: &Store) {
    let mut w = ok(store.write("root", T1).await);
    ok(w.ensure_product("shop").await);
    ok(w.ensure_product("billing").await);
    let shop_only = names(&["shop"]);
    let acme = ok(w
        .create_partner(&NewPartner {
            name: "acme",
            contact: "security@acme.test",
            channel: "acme-hook",
            opted_in: false,
            products: &shop_only,
        })
        .await);
    ok(w.commit().await);
    assert_eq!(acme.products, ["shop"]);
    assert!(!acme.opted_in);
    assert_eq!(acme.created_at, T1);

    // A taken name, an unknown product, no product at all: refused, nothing written.
    let mut w = ok(store.write("root", T1).await);
    let taken = w
        .create_partner(&NewPartner {
            name: "acme",
            contact: "",
            channel: "x",
            opted_in: true,
            products: &shop_only,
        })
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(taken.as_deref(), Some("partner acme exists already"));
    drop(w);
    let mut w = ok(store.write("root", T1).await);
    let unknown = names(&["shop", "nope"]);
    let err = w
        .create_partner(&NewPartner {
            name: "globex",
            contact: "",
            channel: "x",
            opted_in: true,
            products: &unknown,
        })
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("no product named nope"));
    let err = w
        .create_partner(&NewPartner {
            name: "globex",
            contact: "",
            channel: "x",
            opted_in: true,
            products: &[],
        })
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("partner globex: name at least one product")
    );
    drop(w);
    assert_eq!(ok(store.partners().await).len(), 1);

    let both = names(&["shop", "billing"]);
    let mut w = ok(store.write("alice", T2).await);
    let changed = ok(w
        .update_partner(
            "acme",
            &PartnerChange {
                contact: None,
                channel: Some("acme-mail"),
                products: Some(&both),
            },
        )
        .await);
    let opted = ok(w.set_partner_opt_in("acme", true).await);
    ok(w.commit().await);
    assert_eq!(changed.products, ["billing", "shop"]);
    assert_eq!(changed.channel, "acme-mail");
    assert_eq!(changed.contact, "security@acme.test");
    assert!(opted.opted_in);
    assert_eq!(opted.updated_at, T2);
    let read = ok(store.partner("acme").await).unwrap_or_else(|| panic!("acme is gone"));
    assert_eq!(read, opted);
    assert_eq!(read.product_ids.len(), 2);

    let log = ok(store.audit_log(Some(("partner", acme.id))).await);
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("partner.created", "root"),
            ("partner.updated", "alice"),
            ("partner.opted_in", "alice"),
        ]
    );
    assert_eq!(
        log[1].before.as_ref().map(|b| &b["channel"]),
        Some(&"acme-hook".into())
    );
    assert_eq!(
        log[1].after.as_ref().map(|a| &a["products"]),
        Some(&serde_json::json!(["billing", "shop"]))
    );
}

async fn deliveries_are_append_only(store: &Store) {
    let acme = ok(store.partner("acme").await).unwrap_or_else(|| panic!("no acme"));
    assert!(!ok(store.partner_delivered(acme.id, "2026Q3").await));
    let mut w = ok(store.write("patchwarden", T3).await);
    let failed = ok(w
        .record_partner_delivery(&NewDelivery {
            partner: &acme,
            quarter: "2026Q3",
            trigger: DeliveryTrigger::Schedule,
            requested_by: None,
            channel: "acme-mail",
            channel_type: "email",
            started_at: T3,
            finished_at: T3,
            status: DeliveryStatus::Failed,
            attempts: 4,
            sha256: Some("ab"),
            response: None,
            error: Some("connection refused"),
        })
        .await);
    ok(w.commit().await);
    assert!(!ok(store.partner_delivered(acme.id, "2026Q3").await));
    let mut w = ok(store.write("bob", T3).await);
    let delivered = ok(w
        .record_partner_delivery(&NewDelivery {
            partner: &acme,
            quarter: "2026Q3",
            trigger: DeliveryTrigger::Request,
            requested_by: Some("bob"),
            channel: "acme-mail",
            channel_type: "email",
            started_at: T3,
            finished_at: T3,
            status: DeliveryStatus::Delivered,
            attempts: 1,
            sha256: Some("cd"),
            response: Some("250 2.0.0 ok"),
            error: None,
        })
        .await);
    ok(w.commit().await);
    assert!(ok(store.partner_delivered(acme.id, "2026Q3").await));
    assert!(!ok(store.partner_delivered(acme.id, "2026Q2").await));
    assert_eq!(
        ok(store.partner_deliveries(Some("acme")).await),
        [failed.clone(), delivered.clone()]
    );
    assert_eq!(delivered.requested_by.as_deref(), Some("bob"));
    assert_eq!(failed.error.as_deref(), Some("connection refused"));

    for sql in [
        "UPDATE partner_deliveries SET status = 'delivered'",
        "DELETE FROM partner_deliveries",
        "DELETE FROM partner_deliveries WHERE id = (SELECT MIN(id) FROM partner_deliveries)",
    ] {
        let err = sqlx::query(sql)
            .execute(store.pool())
            .await
            .err()
            .unwrap_or_else(|| panic!("{sql} succeeded"));
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }

    // Removing the partner keeps its deliveries and audits the removal.
    let mut w = ok(store.write("root", T3).await);
    let removed = ok(w.remove_partner("acme").await);
    ok(w.commit().await);
    assert_eq!(removed.id, acme.id);
    assert!(ok(store.partner("acme").await).is_none());
    assert_eq!(ok(store.partner_deliveries(None).await).len(), 2);
    let log = ok(store.audit_log(Some(("partner", acme.id))).await);
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[3..],
        [
            "partner.report_failed",
            "partner.report_delivered",
            "partner.removed"
        ]
    );
    let mut w = ok(store.write("root", T3).await);
    let gone = w.remove_partner("acme").await.err().map(|e| e.to_string());
    assert_eq!(gone.as_deref(), Some("no partner named acme"));
}

async fn exercise(store: &Store) {
    partners_are_audited(store).await;
    deliveries_are_append_only(store).await;
}

#[tokio::test]
async fn partners_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = ok(Store::open(&dir.path().join("pw.db").to_string_lossy()).await);
    exercise(&store).await;
    store.close().await;
}

#[tokio::test]
async fn partners_on_postgres() {
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
