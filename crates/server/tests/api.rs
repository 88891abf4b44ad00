//! Every endpoint of the REST API, on a seeded portfolio, with the role boundaries: 401
//! without working credentials (none, malformed, unknown, expired, revoked), 403 when a role
//! or a missing grant forbids, and the audited outcome when allowed. SQLite always,
//! PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is set.

mod support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Auth, Seeded, call, seeded};

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// Every finding the token can list, following cursors `limit` at a time.
async fn all_pages(s: &Seeded, token: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut path = format!("/api/v1/findings?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = call(&s.app, GET, &path, Auth::Token(token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        out.extend(r.body["items"].as_array().cloned().unwrap_or_default());
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("pagination did not end");
}

async fn unauthenticated(s: &Seeded) {
    for auth in [
        Auth::None,
        Auth::Raw("Basic YWRhOnB3"),
        Auth::Token("pw_not-a-token"),
        Auth::Token("pw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        Auth::Token(&s.expired),
        Auth::Token(&s.revoked),
        Auth::Session("no-such-session", None),
    ] {
        for path in ["/api/v1/findings", "/api/v1/products", "/api/v1/auth/me"] {
            let r = call(&s.app, GET, path, auth, None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.body);
            assert!(r.body["error"].is_string());
            assert!(r.headers.contains_key("www-authenticate"));
        }
    }
    let r = call(
        &s.app,
        GET,
        "/api/v1/auth/me",
        Auth::Token(&s.expired),
        None,
    )
    .await;
    assert_eq!(r.body["error"], "the API token has expired");
    let r = call(
        &s.app,
        GET,
        "/api/v1/auth/me",
        Auth::Token(&s.revoked),
        None,
    )
    .await;
    assert_eq!(r.body["error"], "the API token has been revoked");
    // Health endpoints and the API description need no credentials.
    for path in ["/healthz", "/readyz", "/api/openapi.json"] {
        let r = call(&s.app, GET, path, Auth::None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
}

async fn identities(s: &Seeded) {
    for (token, name, role) in [
        (&s.admin, "ada", "admin"),
        (&s.maintainer, "max", "maintainer"),
        (&s.auditor, "aud", "auditor"),
        (&s.partner, "pat", "partner"),
    ] {
        let r = call(&s.app, GET, "/api/v1/auth/me", Auth::Token(token), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            (r.body["username"].as_str(), r.body["role"].as_str()),
            (Some(name), Some(role))
        );
        assert_eq!(r.body["authenticated_by"], "token");
    }
}

async fn products(s: &Seeded) {
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let r = call(&s.app, GET, "/api/v1/products", Auth::Token(&s.admin), None).await;
    assert_eq!(names(&r.body), ["demo", "other"]);
    assert_eq!(
        r.body[0]["projects"],
        json!(["billing-api", "edge-proxy", "storefront"])
    );
    let r = call(
        &s.app,
        GET,
        "/api/v1/products",
        Auth::Token(&s.auditor),
        None,
    )
    .await;
    assert_eq!(names(&r.body), ["demo", "other"]);
    let r = call(
        &s.app,
        GET,
        "/api/v1/products",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(names(&r.body), ["demo"]);
    let r = call(
        &s.app,
        GET,
        "/api/v1/products",
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(names(&r.body), Vec::<String>::new());

    // One product: the grant decides; a missing product looks the same as a forbidden one
    // to those who cannot read everything.
    for (token, path, status) in [
        (&s.admin, "/api/v1/products/other", StatusCode::OK),
        (&s.auditor, "/api/v1/products/other", StatusCode::OK),
        (&s.maintainer, "/api/v1/products/demo", StatusCode::OK),
        (
            &s.maintainer,
            "/api/v1/products/other",
            StatusCode::FORBIDDEN,
        ),
        (&s.partner, "/api/v1/products/demo", StatusCode::FORBIDDEN),
        (&s.partner, "/api/v1/products/other", StatusCode::FORBIDDEN),
        (&s.admin, "/api/v1/products/nope", StatusCode::NOT_FOUND),
        (
            &s.maintainer,
            "/api/v1/products/nope",
            StatusCode::FORBIDDEN,
        ),
    ] {
        let r = call(&s.app, GET, path, Auth::Token(token), None).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
    }
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body["projects"].as_array().map(Vec::len), Some(3));
    assert_eq!(r.body["latest_artifacts"].as_array().map(Vec::len), Some(3));

    // Creating products is the admin's.
    let body = json!({"name": "payments", "description": "card payments"});
    for token in [&s.maintainer, &s.auditor, &s.partner] {
        let r = call(
            &s.app,
            POST,
            "/api/v1/products",
            Auth::Token(token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = call(
        &s.app,
        POST,
        "/api/v1/products",
        Auth::Token(&s.admin),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["name"], "payments");
    let r = call(
        &s.app,
        POST,
        "/api/v1/products",
        Auth::Token(&s.admin),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // Policy: read by readers, set by the admin only, and it must parse.
    let policy = "[sla]\ncritical = 7\n";
    let r = call(
        &s.app,
        PUT,
        "/api/v1/products/demo/policy",
        Auth::Token(&s.maintainer),
        Some(json!({"policy": policy})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        PUT,
        "/api/v1/products/demo/policy",
        Auth::Token(&s.admin),
        Some(json!({"policy": "[sla\n"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = call(
        &s.app,
        PUT,
        "/api/v1/products/demo/policy",
        Auth::Token(&s.admin),
        Some(json!({"policy": policy})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo/policy",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body["policy"], policy);
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/other/policy",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Projects: a maintainer adds to a granted product only; auditors change nothing.
    let body = json!({"name": "mobile-app"});
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/demo/projects",
        Auth::Token(&s.maintainer),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/demo/projects",
        Auth::Token(&s.maintainer),
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "an existing project is returned: {}",
        r.body
    );
    for (token, path) in [
        (&s.maintainer, "/api/v1/products/other/projects"),
        (&s.auditor, "/api/v1/products/demo/projects"),
        (&s.partner, "/api/v1/products/demo/projects"),
    ] {
        let r = call(&s.app, POST, path, Auth::Token(token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo/projects",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(4));
}

async fn artifacts(s: &Seeded) -> (i64, i64) {
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo/artifacts?project=storefront",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1);
    let demo_artifact = list[0]["id"].as_i64().unwrap_or_default();
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/other/artifacts",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    let other_artifact = r.body[0]["id"].as_i64().unwrap_or_default();
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/other/artifacts",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/artifacts/{demo_artifact}"),
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["artifact"]["project"], "storefront");
    assert!(
        r.body["components"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(r.body["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/artifacts/{other_artifact}"),
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        GET,
        "/api/v1/artifacts/999999",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &s.app,
        GET,
        "/api/v1/artifacts/999999",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    (demo_artifact, other_artifact)
}

async fn finding_lists(s: &Seeded) {
    let stored = s
        .state
        .store
        .findings(&Default::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let all: BTreeSet<i64> = stored.iter().map(|f| f.id).collect();
    let demo: BTreeSet<i64> = stored
        .iter()
        .filter(|f| f.product == "demo")
        .map(|f| f.id)
        .collect();
    assert!(
        demo.len() > 5 && demo.len() < all.len(),
        "{} of {}",
        demo.len(),
        all.len()
    );

    // Pages of 3 cover everything once, in due order.
    let pages = all_pages(s, &s.admin, "", 3).await;
    let listed: Vec<i64> = pages.iter().filter_map(|f| f["id"].as_i64()).collect();
    assert_eq!(listed.len(), all.len(), "no finding twice");
    assert_eq!(listed.iter().copied().collect::<BTreeSet<_>>(), all);
    let dues: Vec<(&str, i64)> = pages
        .iter()
        .map(|f| {
            (
                f["due"].as_str().unwrap_or(""),
                f["id"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "{dues:?}");

    // Severity, most severe first, across pages of 2.
    let pages = all_pages(s, &s.admin, "&sort=severity", 2).await;
    let rank = |f: &Value| patchwarden_store::severity_rank(f["severity"].as_str().unwrap_or(""));
    assert_eq!(pages.len(), all.len());
    assert!(pages.windows(2).all(|w| rank(&w[0]) >= rank(&w[1])));
    // EPSS ascending, with findings without a score (-1) first.
    let pages = all_pages(s, &s.admin, "&sort=epss&order=asc", 4).await;
    let epss: Vec<f64> = pages
        .iter()
        .map(|f| f["epss"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(epss.windows(2).all(|w| w[0] <= w[1]), "{epss:?}");

    // The maintainer sees the demo product only, whatever the filters say.
    let mine: BTreeSet<i64> = all_pages(s, &s.maintainer, "", 50)
        .await
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect();
    assert_eq!(mine, demo);
    let r = call(
        &s.app,
        GET,
        "/api/v1/findings?product=other",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        GET,
        "/api/v1/findings",
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Filters.
    let critical = stored.iter().filter(|f| f.severity == "Critical").count();
    assert!(critical > 0);
    let r = all_pages(s, &s.auditor, "&severity=critical", 500).await;
    assert_eq!(r.len(), critical);
    let r = all_pages(
        s,
        &s.admin,
        "&product=demo&project=storefront&status=active",
        500,
    )
    .await;
    let expected = stored
        .iter()
        .filter(|f| {
            f.product == "demo"
                && f.project == "storefront"
                && ["open", "triaged", "patching"].contains(&f.status.as_str())
        })
        .count();
    assert_eq!(r.len(), expected);
    assert!(expected > 0);
    let r = all_pages(s, &s.admin, "&vulnerability=RUSTSEC-2021-0003", 500).await;
    assert!(r.iter().all(|f| {
        f["ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|i| i == "RUSTSEC-2021-0003"))
    }));

    // Bad requests say what is wrong.
    for (query, needle) in [
        ("sort=colour", "sort colour"),
        ("order=up", "order up"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("severity=urgent", "severity urgent"),
        ("status=closed", "status closed"),
        ("cursor=bm9wZQ", "cursor"),
    ] {
        let r = call(
            &s.app,
            GET,
            &format!("/api/v1/findings?{query}"),
            Auth::Token(&s.admin),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            r.body["error"].as_str().is_some_and(|e| e.contains(needle)),
            "{query}: {}",
            r.body
        );
    }
    // A cursor from one order does not continue another.
    let r = call(
        &s.app,
        GET,
        "/api/v1/findings?limit=1",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    let cursor = r.body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/findings?limit=1&sort=severity&cursor={cursor}"),
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(ids(&r.body), Vec::<i64>::new());
}

async fn lifecycle(s: &Seeded) {
    let stored = s
        .state
        .store
        .findings(&Default::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let open_demo: Vec<i64> = stored
        .iter()
        .filter(|f| f.product == "demo" && f.status == "open")
        .map(|f| f.id)
        .collect();
    let other = stored
        .iter()
        .find(|f| f.product == "other")
        .map(|f| f.id)
        .unwrap_or_default();
    assert!(open_demo.len() >= 3);
    let (a, b, c) = (open_demo[0], open_demo[1], open_demo[2]);
    let path = |id: i64| format!("/api/v1/findings/{id}/transitions");

    // Reading one finding.
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/findings/{a}"),
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["finding"]["id"], a);
    assert!(
        r.body["history"].as_array().is_some_and(|h| !h.is_empty()),
        "recording is in the history"
    );
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/findings/{other}"),
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        GET,
        "/api/v1/findings/999999",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/findings/{a}"),
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The maintainer triages and patches the granted product.
    let r = call(
        &s.app,
        POST,
        &path(a),
        Auth::Token(&s.maintainer),
        Some(json!({"action": "triage", "reason": "reachable from the API"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["finding"]["status"], "triaged");
    let r = call(&s.app, POST, &path(a), Auth::Token(&s.maintainer), Some(json!({"action": "patch", "planned_version": "9.9.9", "pull_request": "https://example.invalid/pr/7"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["finding"]["status"], "patching");
    assert_eq!(r.body["patch"]["planned_version"], "9.9.9");
    assert_eq!(r.body["patch"]["actor"], "max");
    // ...not another product, and the lifecycle refuses what makes no sense.
    let r = call(
        &s.app,
        POST,
        &path(other),
        Auth::Token(&s.maintainer),
        Some(json!({"action": "triage"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        &path(a),
        Auth::Token(&s.maintainer),
        Some(json!({"action": "triage"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "triage is from open only: {}",
        r.body
    );
    let r = call(
        &s.app,
        POST,
        &path(a),
        Auth::Token(&s.maintainer),
        Some(json!({"action": "snooze"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(
        &s.app,
        POST,
        &path(b),
        Auth::Token(&s.maintainer),
        Some(json!({"action": "false_positive"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {}",
        r.body
    );

    // Risk acceptance: not the maintainer's to approve; the auditor approves and is recorded.
    let accept =
        json!({"action": "accept", "reason": "WAF rule blocks the path", "expires": "2027-01-31"});
    let r = call(
        &s.app,
        POST,
        &path(b),
        Auth::Token(&s.maintainer),
        Some(accept.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        &path(b),
        Auth::Token(&s.auditor),
        Some(json!({"action": "accept", "reason": "x"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "expiry required: {}",
        r.body
    );
    let r = call(
        &s.app,
        POST,
        &path(b),
        Auth::Token(&s.auditor),
        Some(accept),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["finding"]["status"], "risk_accepted");
    assert_eq!(r.body["finding"]["accepted_by"], "aud");
    assert_eq!(r.body["finding"]["accepted_until"], "2027-01-31");
    // The auditor changes nothing else.
    let r = call(
        &s.app,
        POST,
        &path(c),
        Auth::Token(&s.auditor),
        Some(json!({"action": "triage"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The admin can do anything, e.g. reopen.
    let r = call(
        &s.app,
        POST,
        &path(b),
        Auth::Token(&s.admin),
        Some(json!({"action": "reopen", "reason": "the WAF rule was removed"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["finding"]["status"], "open");

    // Each change is in the finding's history under the caller's name.
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/findings/{a}"),
        Auth::Token(&s.auditor),
        None,
    )
    .await;
    let history: Vec<(String, String)> = r.body["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap_or("").to_string(),
                        e["actor"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        history.contains(&("finding.triaged".into(), "max".into())),
        "{history:?}"
    );
    assert!(
        history.contains(&("finding.patching".into(), "max".into())),
        "{history:?}"
    );
    assert_eq!(r.body["patches"].as_array().map(Vec::len), Some(1));
    let r = call(
        &s.app,
        GET,
        &format!("/api/v1/findings/{b}"),
        Auth::Token(&s.admin),
        None,
    )
    .await;
    let actors: Vec<&str> = r.body["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["actor"].as_str()).collect())
        .unwrap_or_default();
    assert!(actors.ends_with(&["aud", "ada"]), "{actors:?}");
}

async fn exceptions(s: &Seeded) {
    let body = json!({"vulnerability": "RUSTSEC-2021-0003", "reason": "not reachable: the crate is only used in tests", "expires": "2027-03-31"});
    for token in [&s.maintainer, &s.partner] {
        let r = call(
            &s.app,
            POST,
            "/api/v1/products/demo/exceptions",
            Auth::Token(token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/demo/exceptions",
        Auth::Token(&s.auditor),
        Some(json!({"reason": "x", "expires": "2027-03-31"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/demo/exceptions",
        Auth::Token(&s.auditor),
        Some(json!({"package": "smallvec", "reason": "x", "expires": "next year"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/demo/exceptions",
        Auth::Token(&s.auditor),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["approved_by"], "aud");
    assert_eq!(r.body["created_by"], "aud");
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo/exceptions",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1));
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/other/exceptions",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn releases(s: &Seeded, demo_artifact: i64, other_artifact: i64) {
    let env = json!({"name": "prod-eu", "kind": "production"});
    let r = call(
        &s.app,
        POST,
        "/api/v1/environments",
        Auth::Token(&s.maintainer),
        Some(env.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        "/api/v1/environments",
        Auth::Token(&s.admin),
        Some(json!({"name": "x", "kind": "moon"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(
        &s.app,
        POST,
        "/api/v1/environments",
        Auth::Token(&s.admin),
        Some(env.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = call(
        &s.app,
        POST,
        "/api/v1/environments",
        Auth::Token(&s.admin),
        Some(env),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = call(
        &s.app,
        GET,
        "/api/v1/environments",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body[0]["name"], "prod-eu");
    let r = call(
        &s.app,
        GET,
        "/api/v1/environments",
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let deploy = |artifact: i64| json!({"artifact_id": artifact, "environment": "prod-eu", "deployed_at": "2026-11-23T09:30:00Z", "backup_confirmed": true});
    let r = call(
        &s.app,
        POST,
        "/api/v1/deployments",
        Auth::Token(&s.maintainer),
        Some(deploy(other_artifact)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        "/api/v1/deployments",
        Auth::Token(&s.auditor),
        Some(deploy(demo_artifact)),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        "/api/v1/deployments",
        Auth::Token(&s.maintainer),
        Some(json!({"artifact_id": demo_artifact, "environment": "mars"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = call(
        &s.app,
        POST,
        "/api/v1/deployments",
        Auth::Token(&s.maintainer),
        Some(deploy(demo_artifact)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["deployment"]["environment_kind"], "production");
    assert_eq!(r.body["deployment"]["actor"], "max");
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo/deployments",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1));
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/other/deployments",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(0));
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/other/deployments",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn intelligence_and_admin(s: &Seeded) {
    let r = call(
        &s.app,
        GET,
        "/api/v1/advisories/RUSTSEC-2021-0003",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["ids"]
            .as_array()
            .is_some_and(|i| i.iter().any(|x| x == "RUSTSEC-2021-0003"))
    );
    assert_eq!(r.body["advisories"][0]["affected"][0]["name"], "smallvec");
    let r = call(
        &s.app,
        GET,
        "/api/v1/advisories/CVE-1999-0000",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &s.app,
        GET,
        "/api/v1/advisories/RUSTSEC-2021-0003",
        Auth::Token(&s.partner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The audit log: all of it for admins and auditors, the granted products' for maintainers.
    let r = call(
        &s.app,
        GET,
        "/api/v1/audit?limit=5000",
        Auth::Token(&s.auditor),
        None,
    )
    .await;
    let everything = r.body.as_array().cloned().unwrap_or_default();
    assert!(everything.iter().any(|e| e["action"] == "product.created"));
    let demo_id = s
        .state
        .store
        .product("demo")
        .await
        .ok()
        .flatten()
        .map(|p| p.id);
    let r = call(
        &s.app,
        GET,
        "/api/v1/audit?limit=5000",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    let mine = r.body.as_array().cloned().unwrap_or_default();
    assert!(!mine.is_empty() && mine.len() < everything.len());
    assert!(
        mine.iter().all(|e| e["product_id"].as_i64() == demo_id),
        "{mine:?}"
    );
    let r = call(
        &s.app,
        GET,
        "/api/v1/audit?product=other",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        GET,
        "/api/v1/audit?entity=finding",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(
        &s.app,
        GET,
        "/api/v1/audit?limit=3",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(3));

    // Re-evaluation is the admin's; the job log is for admins and auditors.
    let r = call(
        &s.app,
        POST,
        "/api/v1/reevaluate",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        "/api/v1/reevaluate",
        Auth::Token(&s.admin),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["projects"], 5, "projects with an artifact");
    for (token, status) in [
        (&s.auditor, StatusCode::OK),
        (&s.admin, StatusCode::OK),
        (&s.maintainer, StatusCode::FORBIDDEN),
        (&s.partner, StatusCode::FORBIDDEN),
    ] {
        let r = call(&s.app, GET, "/api/v1/jobs", Auth::Token(token), None).await;
        assert_eq!(r.status, status);
    }
}

async fn sessions(s: &Seeded) {
    let login = |user: &str, password: &str| json!({"username": user, "password": password});
    let r = call(
        &s.app,
        POST,
        "/api/v1/auth/login",
        Auth::None,
        Some(login("max", "wrong password!")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"], "wrong user name or password");
    let r = call(
        &s.app,
        POST,
        "/api/v1/auth/login",
        Auth::None,
        Some(login("nobody", "whatever it is")),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "unknown users get the same answer"
    );
    assert_eq!(r.body["error"], "wrong user name or password");

    let r = call(
        &s.app,
        POST,
        "/api/v1/auth/login",
        Auth::None,
        Some(login("max", support::PASSWORD)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let set_cookie = r
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.strip_prefix("pw_session="))
        .unwrap_or("")
        .to_string();
    let csrf = r.body["csrf_token"].as_str().unwrap_or("").to_string();
    assert!(cookie.len() > 20 && csrf.len() > 20);

    let r = call(
        &s.app,
        GET,
        "/api/v1/auth/me",
        Auth::Session(&cookie, None),
        None,
    )
    .await;
    assert_eq!(r.body["authenticated_by"], "session");
    assert_eq!(r.body["csrf_token"], csrf.as_str());
    // A changing request from the session needs the CSRF token.
    let finding = s
        .state
        .store
        .findings(&patchwarden_store::FindingFilter {
            product: Some("demo".into()),
            statuses: vec!["open".into()],
            ..Default::default()
        })
        .await
        .ok()
        .and_then(|f| f.last().map(|f| f.id))
        .unwrap_or_default();
    let triage = json!({"action": "triage"});
    let path = format!("/api/v1/findings/{finding}/transitions");
    let r = call(
        &s.app,
        POST,
        &path,
        Auth::Session(&cookie, None),
        Some(triage.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = call(
        &s.app,
        POST,
        &path,
        Auth::Session(&cookie, Some("forged")),
        Some(triage.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        &path,
        Auth::Session(&cookie, Some(&csrf)),
        Some(triage),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Logging out ends the session.
    let r = call(
        &s.app,
        POST,
        "/api/v1/auth/logout",
        Auth::Session(&cookie, Some(&csrf)),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = call(
        &s.app,
        GET,
        "/api/v1/auth/me",
        Auth::Session(&cookie, None),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Five failures lock the name for the window, even with the right password.
    for _ in 0..5 {
        let r = call(
            &s.app,
            POST,
            "/api/v1/auth/login",
            Auth::None,
            Some(login("aud", "not the password")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = call(
        &s.app,
        POST,
        "/api/v1/auth/login",
        Auth::None,
        Some(login("aud", support::PASSWORD)),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("900")
    );
    // Other names are not affected.
    let r = call(
        &s.app,
        POST,
        "/api/v1/auth/login",
        Auth::None,
        Some(login("ada", support::PASSWORD)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

/// The OpenAPI document describes every route the API serves.
async fn described(s: &Seeded) {
    let r = call(&s.app, GET, "/api/openapi.json", Auth::None, None).await;
    let paths: BTreeSet<String> = r.body["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/products",
        "/api/v1/products/{product}",
        "/api/v1/products/{product}/policy",
        "/api/v1/products/{product}/projects",
        "/api/v1/products/{product}/artifacts",
        "/api/v1/products/{product}/exceptions",
        "/api/v1/products/{product}/deployments",
        "/api/v1/artifacts/{id}",
        "/api/v1/findings",
        "/api/v1/findings/{id}",
        "/api/v1/findings/{id}/transitions",
        "/api/v1/environments",
        "/api/v1/deployments",
        "/api/v1/advisories/{id}",
        "/api/v1/audit",
        "/api/v1/reevaluate",
        "/api/v1/jobs",
    ] {
        assert!(
            paths.contains(path),
            "{path} is not in the OpenAPI document"
        );
    }
    assert!(
        r.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let page = call(&s.app, GET, "/api/docs/", Auth::None, None).await;
    assert_eq!(page.status, StatusCode::OK);
}

/// A CycloneDX SBOM with one vulnerable crate (smallvec 1.4.0, RUSTSEC-2021-0003).
fn sbom() -> Value {
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "ledger"}},
        "components": [
            {"type": "library", "name": "smallvec", "version": "1.4.0", "purl": "pkg:cargo/smallvec@1.4.0"},
            {"type": "library", "name": "serde", "version": "1.0.200", "purl": "pkg:cargo/serde@1.0.200"}
        ]
    })
}

async fn uploads(s: &Seeded) {
    let path = "/api/v1/products/demo/projects/ledger/scans?artifact=build-7";
    for token in [&s.auditor, &s.partner] {
        let r = call(&s.app, POST, path, Auth::Token(token), Some(sbom())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/other/projects/ledger/scans",
        Auth::Token(&s.maintainer),
        Some(sbom()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &s.app,
        POST,
        path,
        Auth::Token(&s.maintainer),
        Some(json!({"hello": "world"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("upload to demo/ledger: ")),
        "{}",
        r.body
    );

    // An SBOM: the project is created, the artifact recorded, the finding new.
    let r = call(&s.app, POST, path, Auth::Token(&s.maintainer), Some(sbom())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["format"], "cyclonedx");
    assert_eq!(r.body["record"]["artifact_ref"], "build-7");
    let new: Vec<&str> = r.body["record"]["new"]
        .as_array()
        .map(|n| n.iter().filter_map(|b| b["package"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(new, ["smallvec"], "{}", r.body);
    assert_eq!(r.body["findings_active"], 1);
    let listed = all_pages(s, &s.maintainer, "&project=ledger", 50).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]["vulnerability_id"],
        r.body["record"]["new"][0]["vulnerability_id"]
    );
    let r = call(
        &s.app,
        GET,
        "/api/v1/products/demo/artifacts?project=ledger",
        Auth::Token(&s.maintainer),
        None,
    )
    .await;
    assert_eq!(r.body[0]["ref"], "build-7");

    // The same project again without the vulnerable crate: the finding is fixed.
    let mut fixed = sbom();
    fixed["components"][0] = json!({"type": "library", "name": "smallvec", "version": "1.6.1", "purl": "pkg:cargo/smallvec@1.6.1"});
    let r = call(
        &s.app,
        POST,
        "/api/v1/products/demo/projects/ledger/scans?artifact=build-8",
        Auth::Token(&s.maintainer),
        Some(fixed),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["record"]["gone"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["findings_active"], 0);

    // A patchwarden scan JSON of a demo project: same findings as the recorded one.
    let store = &s.state.store;
    let mut result = patchwarden_engine::scan(
        store,
        &support::examples().join("portfolio/edge-proxy"),
        support::NOW,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    result.target = "edge-proxy".into();
    let scan = patchwarden_report::json(&result);
    let r = call(&s.app, POST, "/api/v1/products/demo/projects/edge-proxy/scans?artifact=v2&commit=0123456789abcdef0123456789abcdef01234567", Auth::Token(&s.admin), Some(scan)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["format"], "patchwarden-scan");
    assert_eq!(
        r.body["record"]["new"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.body
    );
    assert_eq!(
        r.body["record"]["gone"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.body
    );
    assert!(
        r.body["record"]["still_open"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
    );

    // Uploads larger than the limit are refused before they are read.
    let small = patchwarden_server::app(patchwarden_server::AppState::new(
        store.clone(),
        patchwarden_server::Settings {
            max_body_bytes: 1024,
            ..Default::default()
        },
        std::sync::Arc::new(|| support::NOW.to_string()),
    ));
    let mut big = sbom();
    big["padding"] = json!("x".repeat(4096));
    let r = call(&small, POST, path, Auth::Token(&s.maintainer), Some(big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn everything(target: &str) {
    let s = seeded(target).await;
    unauthenticated(&s).await;
    identities(&s).await;
    products(&s).await;
    let (demo_artifact, other_artifact) = artifacts(&s).await;
    finding_lists(&s).await;
    lifecycle(&s).await;
    uploads(&s).await;
    exceptions(&s).await;
    releases(&s, demo_artifact, other_artifact).await;
    intelligence_and_admin(&s).await;
    sessions(&s).await;
    described(&s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    everything(&dir.path().join("pw.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_on_postgres() {
    let Some(admin) = patchwarden_store::testing::postgres_url() else {
        return;
    };
    let url = patchwarden_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    everything(&url).await;
}

/// An uploaded scan that brings new findings notifies the product's route, in the
/// background; another product's upload does not match the route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_notifies_the_routes_of_its_product() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                let event = headers
                    .get("x-patchwarden-event")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                if let Ok(mut r) = sink.lock() {
                    r.push((event, serde_json::from_str(&body).unwrap_or(Value::Null)));
                }
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let config: patchwarden_notify::NotifyConfig = toml::from_str(&format!(
        "[delivery]\nattempts = 1\n\n[channels.hook]\ntype = \"webhook\"\nurl = \"http://{address}/hook\"\nsecret = \"test-secret\"\n\n[[routes]]\nproducts = [\"demo\"]\nkinds = [\"finding_new\"]\nchannel = \"hook\"\n"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let rules = patchwarden_notify::Rules::new(config).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = seeded(&dir.path().join("pw.db").display().to_string()).await;
    let app = patchwarden_server::app(s.state.clone().with_notifications(Arc::new(rules)));
    let r = call(
        &app,
        POST,
        "/api/v1/products/other/projects/ledger/scans",
        Auth::Token(&s.admin),
        Some(sbom()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = call(
        &app,
        POST,
        "/api/v1/products/demo/projects/ledger/scans",
        Auth::Token(&s.maintainer),
        Some(sbom()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let finding = r.body["record"]["new"][0]["id"].as_i64();
    for _ in 0..100 {
        if received.lock().map(|r| !r.is_empty()).unwrap_or(false) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Time for a stray second delivery to show up.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got = received.lock().map(|r| r.clone()).unwrap_or_default();
    assert_eq!(got.len(), 1, "{got:?}");
    let (event, body) = &got[0];
    assert_eq!(event, "finding_new");
    assert_eq!(body["product"], "demo");
    let items: Vec<Option<i64>> = body["items"]
        .as_array()
        .map(|i| i.iter().map(|f| f["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(items, vec![finding], "{body}");
}
