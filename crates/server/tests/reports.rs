//! The reports under `/api/v1/reports` on the seeded portfolio, with the role rules: the SLA
//! report covers the products the caller may read (a partner none), the SAMM assessment is
//! for admins and auditors. SQLite always, PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL`
//! is set.

mod support;

use axum::http::{Method, StatusCode};
use patchwarden_report::portfolio::Period;
use support::{Auth, NOW, Seeded, call, seeded};

const GET: Method = Method::GET;
const PERIOD: &str = "from=2026-10-01&to=2027-03-31";

fn content_type(r: &support::Reply) -> String {
    r.headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn sla(s: &Seeded) {
    // Admins and auditors see every product; the figures are the builder's on the same rows.
    let direct = patchwarden_server::reports::sla_report(
        &s.state.store,
        Period::parse("2026-10-01", "2027-03-31").unwrap_or_else(|e| panic!("{e}")),
        None,
        None,
        NOW,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let expected = serde_json::to_value(&direct).unwrap_or_else(|e| panic!("{e}"));
    for token in [&s.admin, &s.auditor] {
        let r = call(
            &s.app,
            GET,
            &format!("/api/v1/reports/sla?{PERIOD}"),
            Auth::Token(token),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body, expected);
    }
    assert_eq!(expected["schema"], "patchwarden.sla-report/1");
    let products: Vec<&str> = expected["by_product"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["product"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(products, ["demo", "other"]);
    // Every seeded finding is first seen on NOW with a due date in the period.
    let all = call(
        &s.app,
        GET,
        "/api/v1/findings?limit=500",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    let items = all.body["items"].as_array().cloned().unwrap_or_default();
    let findings = items.len() as u64;
    let due_in_period = items
        .iter()
        .filter_map(|f| f["due"].as_str())
        .filter(|d| ("2026-10-01".."2027-04-01").contains(d))
        .count() as u64;
    // Low findings fall due after 180 days, past the period.
    assert!(due_in_period > 0 && due_in_period < findings);
    assert_eq!(expected["total"]["due"], due_in_period);
    assert_eq!(expected["total"]["pending"], due_in_period);
    assert_eq!(expected["total"]["compliance"], serde_json::Value::Null);

    // A maintainer's report covers the granted product only.
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/reports/sla?{PERIOD}"),
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["by_product"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["by_product"][0]["product"], "demo");
    let demo_due = r.body["total"]["due"].as_u64().unwrap_or_default();
    assert!(demo_due > 0 && demo_due < due_in_period);
    for (token, query, status) in [
        (&s.maintainer, "&product=other", StatusCode::FORBIDDEN),
        (&s.maintainer, "&product=nope", StatusCode::FORBIDDEN),
        (&s.admin, "&product=nope", StatusCode::NOT_FOUND),
        (&s.partner, "", StatusCode::FORBIDDEN),
        (&s.admin, "&format=pdf", StatusCode::BAD_REQUEST),
        (&s.admin, "&format=csv&table=nope", StatusCode::BAD_REQUEST),
    ] {
        let r = call(
            &s.app,
            GET,
            &format!("/api/v1/reports/sla?{PERIOD}{query}"),
            Auth::Token(token),
            None,
        )
        .await;
        assert_eq!(r.status, status, "{query}: {}", r.body);
        assert!(r.body["error"].is_string(), "{query}: {}", r.body);
    }
    for query in [
        "from=2026-10-01",
        "from=2027-01-01&to=2026-01-01",
        "from=2026-13-01&to=2027-01-01",
    ] {
        let r = call(
            &s.app,
            GET,
            &format!("/api/v1/reports/sla?{query}"),
            Auth::Token(&s.admin),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
    }
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/reports/sla?{PERIOD}"),
        Auth::None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    for (format, media) in [
        ("html", "text/html; charset=utf-8"),
        ("markdown", "text/markdown; charset=utf-8"),
        ("csv", "text/csv; charset=utf-8"),
        ("csv&table=overdue", "text/csv; charset=utf-8"),
    ] {
        let r = call(
            &s.app,
            GET,
            &format!("/api/v1/reports/sla?{PERIOD}&product=demo&format={format}"),
            Auth::Token(&s.maintainer),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{format}");
        assert_eq!(content_type(&r), media, "{format}");
        let disposition = r
            .headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            disposition.starts_with("inline; filename=\"sla-demo-2026-10-01-2027-03-31"),
            "{disposition}"
        );
    }
}

async fn samm(s: &Seeded) {
    for token in [&s.admin, &s.auditor] {
        let r = call(
            &s.app,
            GET,
            "/api/v1/reports/samm",
            Auth::Token(token),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["schema"], "patchwarden.samm-assessment/1");
        assert_eq!(r.body["questions"].as_array().map(Vec::len), Some(3));
        // Every project was scanned on NOW: the inventory criterion holds for all of them.
        let first = &r.body["questions"][0]["criteria"][0];
        assert_eq!(first["numerator"], first["denominator"], "{first}");
        assert_eq!(first["answer"], "most_or_all", "{first}");
    }
    for token in [&s.maintainer, &s.partner] {
        let r = call(
            &s.app,
            GET,
            "/api/v1/reports/samm",
            Auth::Token(token),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    let r = call(
        &s.app,
        GET,
        "/api/v1/reports/samm?format=html&inventory_days=14",
        Auth::Token(&s.auditor),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(content_type(&r), "text/html; charset=utf-8");
    for query in ["format=csv", "inventory_days=0", "review_days=4000"] {
        let r = call(
            &s.app,
            GET,
            &format!("/api/v1/reports/samm?{query}"),
            Auth::Token(&s.admin),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
    }
}

async fn partners(s: &Seeded) {
    let mut w = s
        .state
        .store
        .write("seed", NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, products) in [("acme", vec!["demo"]), ("globex", vec!["demo", "other"])] {
        let products: Vec<String> = products.into_iter().map(str::to_string).collect();
        w.create_partner(&patchwarden_store::NewPartner {
            name,
            contact: "",
            channel: "hook",
            opted_in: true,
            products: &products,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    w.commit().await.unwrap_or_else(|e| panic!("{e}"));

    // Admins, auditors and those granted every product of the partner read its report.
    for token in [&s.admin, &s.auditor, &s.maintainer, &s.partner] {
        let r = call(
            &s.app,
            GET,
            "/api/v1/reports/partner/acme?quarter=2026Q4",
            Auth::Token(token),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["schema"], "patchwarden.partner-report/1");
        assert_eq!(r.body["quarter"], "2026Q4");
        assert_eq!(r.body["products"], serde_json::json!(["demo"]));
        // Only High and Critical vulnerabilities.
        for v in r.body["vulnerabilities"].as_array().into_iter().flatten() {
            assert!(
                matches!(v["severity"].as_str(), Some("High" | "Critical")),
                "{v}"
            );
        }
    }
    let r = call(
        &s.app,
        GET,
        "/api/v1/reports/partner/acme?quarter=2026Q4&format=csaf",
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["document"]["csaf_version"], "2.0");
    assert_eq!(
        r.body["document"]["tracking"]["id"],
        "PW-PARTNER-ACME-2026Q4"
    );
    let r = call(
        &s.app,
        GET,
        "/api/v1/reports/partner/acme?format=html",
        Auth::Token(&s.auditor),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(content_type(&r), "text/html; charset=utf-8");
    // The quarter defaults to the previous one.
    let r = call(
        &s.app,
        GET,
        "/api/v1/reports/partner/acme",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.body["quarter"], "2026Q3");

    for (token, path, status) in [
        (
            &s.partner,
            "/api/v1/reports/partner/globex",
            StatusCode::FORBIDDEN,
        ),
        (
            &s.maintainer,
            "/api/v1/reports/partner/globex",
            StatusCode::FORBIDDEN,
        ),
        (
            &s.maintainer,
            "/api/v1/reports/partner/nobody",
            StatusCode::FORBIDDEN,
        ),
        (
            &s.admin,
            "/api/v1/reports/partner/nobody",
            StatusCode::NOT_FOUND,
        ),
        (
            &s.admin,
            "/api/v1/reports/partner/acme?quarter=2026Q5",
            StatusCode::BAD_REQUEST,
        ),
        (
            &s.admin,
            "/api/v1/reports/partner/acme?format=pdf",
            StatusCode::BAD_REQUEST,
        ),
        (
            &s.partner,
            "/api/v1/reports/partner/globex/deliveries",
            StatusCode::FORBIDDEN,
        ),
    ] {
        let r = call(&s.app, GET, path, Auth::Token(token), None).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
    }
    let r = call(
        &s.app,
        GET,
        "/api/v1/reports/partner/acme/deliveries",
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, serde_json::json!([]));
    // Delivery on request: not for auditors or maintainers; without channels, a conflict.
    for (token, status) in [
        (&s.auditor, StatusCode::FORBIDDEN),
        (&s.maintainer, StatusCode::FORBIDDEN),
        (&s.admin, StatusCode::CONFLICT),
        (&s.partner, StatusCode::CONFLICT),
    ] {
        let r = call(
            &s.app,
            Method::POST,
            "/api/v1/reports/partner/acme/deliveries",
            Auth::Token(token),
            Some(serde_json::json!({"quarter": "2026Q3"})),
        )
        .await;
        assert_eq!(r.status, status, "{}", r.body);
    }
}

async fn everything(target: &str) {
    let s = seeded(target).await;
    sla(&s).await;
    samm(&s).await;
    partners(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    everything(&dir.path().join("pw.db").to_string_lossy()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_on_postgres() {
    let Some(admin) = patchwarden_store::testing::postgres_url() else {
        eprintln!("skipped: PATCHWARDEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = patchwarden_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    everything(&url).await;
}
