//! The web dashboard, in process over a store seeded with the demo advisories and projects:
//! login form, redirects, access by role, the overview's SLA data hooks against
//! `/api/v1/overview`, CSRF on forms, assets and security headers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use patchwarden_access::Role;
use patchwarden_access::secrets::hash_password;
use patchwarden_server::{AppState, Settings, app};
use patchwarden_store::Store;
use serde_json::Value;
use tower::ServiceExt;

const NOW: &str = "2026-11-23T10:00:00Z";
const PASSWORD: &str = "correct horse battery staple";

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Scans `dir` at `at` and records it as `product`/`project`.
async fn record(store: &Store, dir: &Path, at: &str, product: &str, project: &str) {
    let mut result = ok(patchwarden_engine::scan(store, dir, at).await);
    ok(patchwarden_engine::portfolio::record(
        store,
        &mut result,
        &patchwarden_engine::Evaluation::default(),
        &patchwarden_engine::portfolio::RecordTarget {
            product,
            project,
            artifact: Some(at),
            commit: None,
            actor: "ci",
        },
        "{}",
    )
    .await);
}

/// The demo portfolio: storefront recorded on 2026-06-01 and fixed two days later (a
/// lockfile without packages), billing-api recorded on 2026-11-01 (product `demo`), and
/// edge-proxy in product `secret` on 2026-10-01. Users: ada (admin), max (maintainer of
/// demo only), pat (partner).
async fn seeded(target: &str) -> Store {
    let store = ok(Store::open(target).await);
    ok(patchwarden_engine::import_advisories(
        &store,
        &examples().join("advisories"),
        patchwarden_engine::Strictness::Strict,
        "2026-05-01T00:00:00Z",
    )
    .await);
    let portfolio = examples().join("portfolio");
    record(
        &store,
        &portfolio.join("storefront"),
        "2026-06-01T09:00:00Z",
        "demo",
        "storefront",
    )
    .await;
    let empty = ok(tempfile::tempdir());
    ok(std::fs::write(
        empty.path().join("package-lock.json"),
        r#"{"name":"storefront","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"storefront","version":"1.0.0"}}}"#,
    ));
    record(
        &store,
        empty.path(),
        "2026-06-03T09:00:00Z",
        "demo",
        "storefront",
    )
    .await;
    record(
        &store,
        &portfolio.join("billing-api"),
        "2026-11-01T09:00:00Z",
        "demo",
        "billing-api",
    )
    .await;
    record(
        &store,
        &portfolio.join("edge-proxy"),
        "2026-10-01T09:00:00Z",
        "secret",
        "edge-proxy",
    )
    .await;
    let phc = ok(hash_password(PASSWORD));
    let mut w = ok(store.write("setup", NOW).await);
    ok(w.create_user("ada", Role::Admin, Some(&phc)).await);
    ok(w.create_user("max", Role::Maintainer, Some(&phc)).await);
    ok(w.create_user("pat", Role::Partner, Some(&phc)).await);
    let demo = ok(w.ensure_product("demo").await).0;
    ok(w.grant_product("max", &demo).await);
    ok(w.commit().await);
    store
}

fn app_over(store: &Store) -> Router {
    app(AppState::new(
        store.clone(),
        Settings::default(),
        Arc::new(|| NOW.to_string()),
    ))
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn send(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        request = request.header("cookie", format!("pw_session={c}"));
    }
    if form.is_some() {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    let request = ok(request.body(Body::from(form.unwrap_or("").to_string())));
    let response = app
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Logs in through the form; returns the session cookie's value.
async fn login(app: &Router, user: &str) -> String {
    let reply = send(
        app,
        "POST",
        "/login",
        None,
        Some(&format!(
            "username={user}&password={}&next=%2Fintel",
            PASSWORD.replace(' ', "+")
        )),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.header("location"), "/intel");
    let cookie = reply.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie
        .strip_prefix("pw_session=")
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie: {cookie}"))
        .to_string()
}

/// The `(severity, compliance)` pairs of the page's data hooks.
fn hooks(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("data-sla-severity=\"").skip(1) {
        let severity = part.split('"').next().unwrap_or("").to_string();
        let compliance = part
            .split("data-sla-compliance=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .unwrap_or("?")
            .to_string();
        out.push((severity, compliance));
    }
    out
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .unwrap_or("")
        .to_string()
}

async fn the_dashboard(target: &str) {
    let store = seeded(target).await;
    let app = app_over(&store);

    // Without a session every page sends to the login form, keeping where it was going.
    let reply = send(&app, "GET", "/", None, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/login?next=/");
    let reply = send(&app, "GET", "/products/demo?status=active", None, None).await;
    assert_eq!(
        reply.header("location"),
        "/login?next=/products/demo%3Fstatus%3Dactive"
    );
    let reply = send(&app, "GET", "/login?next=https://evil.example/", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains("name=\"next\" value=\"/\""),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("<label for=\"username\">"));
    assert_eq!(reply.header("x-frame-options"), "DENY");
    assert!(
        reply
            .header("content-security-policy")
            .contains("default-src 'self'")
    );
    assert_eq!(reply.header("referrer-policy"), "same-origin");
    assert_eq!(reply.header("x-content-type-options"), "nosniff");

    // A wrong password re-renders the form with the error and 401.
    let reply = send(
        &app,
        "POST",
        "/login",
        None,
        Some("username=ada&password=nope"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply.body.contains("wrong user name or password"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("value=\"ada\""));
    assert!(reply.header("set-cookie").is_empty());

    let ada = login(&app, "ada").await;
    let max = login(&app, "max").await;
    let pat = login(&app, "pat").await;

    // The overview shows exactly the API's SLA compliance, for each role's scope.
    for (who, cookie) in [("ada", &ada), ("max", &max)] {
        let page = send(&app, "GET", "/", Some(cookie), None).await;
        assert_eq!(page.status, StatusCode::OK, "{who}: {}", page.body);
        let api = send(&app, "GET", "/api/v1/overview", Some(cookie), None).await;
        assert_eq!(api.status, StatusCode::OK, "{who}: {}", api.body);
        let api = api.json();
        let expected: Vec<(String, String)> = api["figures"]["by_severity"]
            .as_array()
            .unwrap_or_else(|| panic!("{api}"))
            .iter()
            .map(|s| {
                (
                    s["severity"].as_str().unwrap_or("").to_string(),
                    s["sla"]["percent"]
                        .as_f64()
                        .map(|p| format!("{p:.1}"))
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(hooks(&page.body), expected, "{who}");
        assert!(
            expected.iter().any(|(_, c)| !c.is_empty()),
            "{who}: some severity has a compliance figure: {expected:?}"
        );
        assert!(page.body.contains("<svg class=\"trend\""));
        assert!(page.body.contains("<title id=\"trend-title\">"));
        assert!(page.body.contains("<main id=\"main\""));
        let open = api["figures"]["open"].as_u64().unwrap_or(0);
        assert!(page.body.contains(&format!("data-total-open=\"{open}\"")));
    }
    // Max reads demo only: the secret product is neither counted nor readable.
    let ada_api = send(&app, "GET", "/api/v1/overview", Some(&ada), None)
        .await
        .json();
    let max_api = send(&app, "GET", "/api/v1/overview", Some(&max), None)
        .await
        .json();
    assert_eq!(ada_api["products"], serde_json::json!(["demo", "secret"]));
    assert_eq!(max_api["products"], serde_json::json!(["demo"]));
    assert!(ada_api["figures"]["total"].as_u64() > max_api["figures"]["total"].as_u64());
    let demo_api = send(
        &app,
        "GET",
        "/api/v1/overview?product=demo",
        Some(&ada),
        None,
    )
    .await
    .json();
    assert_eq!(demo_api["figures"], max_api["figures"]);
    // The storefront fixes (two days after first seen) are remediated on time.
    let sla = &ada_api["figures"]["sla"];
    assert!(sla["on_time"].as_u64() > Some(0), "{sla}");
    assert!(sla["on_time"].as_u64() <= sla["counted"].as_u64());
    let reply = send(&app, "GET", "/products/secret", Some(&max), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = send(
        &app,
        "GET",
        "/api/v1/overview?product=secret",
        Some(&max),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page = send(&app, "GET", "/", Some(&max), None).await;
    assert!(!page.body.contains("/products/secret"));
    assert!(page.body.contains("/products/demo"));

    // Partners read partner reports only.
    let reply = send(&app, "GET", "/", Some(&pat), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.body.contains("partner reports only"),
        "{}",
        reply.body
    );
    let reply = send(&app, "GET", "/api/v1/overview", Some(&pat), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Product, project, exceptions and intel pages render for admin and maintainer.
    for cookie in [&ada, &max] {
        for path in [
            "/products/demo",
            "/products/demo/projects/billing-api",
            "/products/demo?status=active&severity=high&overdue=true&kev=true&sort=severity",
            "/exceptions",
            "/intel",
        ] {
            let reply = send(&app, "GET", path, Some(cookie), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
            assert!(reply.body.contains("<h1>"), "{path}");
        }
    }
    let intel = send(&app, "GET", "/intel", Some(&ada), None).await;
    assert!(intel.body.contains("Scheduled job runs"));
    assert!(
        intel.body.contains("<th scope=\"row\">"),
        "the imported source is listed"
    );
    let intel = send(&app, "GET", "/intel", Some(&max), None).await;
    assert!(
        !intel.body.contains("Scheduled job runs"),
        "job runs are for admins and auditors"
    );
    let reply = send(
        &app,
        "GET",
        "/products/demo?severity=bogus",
        Some(&ada),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // Pagination follows the API's cursor.
    let first = send(&app, "GET", "/products/demo?limit=2", Some(&ada), None).await;
    let next = first
        .body
        .split("rel=\"next\"")
        .next()
        .and_then(|head| head.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .unwrap_or("")
        .replace("&amp;", "&");
    assert!(
        next.starts_with("/products/demo?") && next.contains("cursor="),
        "{next}"
    );
    let second = send(&app, "GET", &format!("{next}&limit=2"), Some(&ada), None).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let ids = |html: &str| -> Vec<String> {
        html.split("data-finding-id=\"")
            .skip(1)
            .filter_map(|p| p.split('"').next().map(str::to_string))
            .collect()
    };
    let (a, b) = (ids(&first.body), ids(&second.body));
    assert_eq!(a.len(), 2);
    assert!(
        !b.is_empty() && b.iter().all(|id| !a.contains(id)),
        "{a:?} {b:?}"
    );

    // A finding page with its history; the triage form needs the CSRF field.
    let list = send(
        &app,
        "GET",
        "/api/v1/findings?product=demo&status=open&limit=1",
        Some(&max),
        None,
    )
    .await
    .json();
    let id = list["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{list}"));
    let page = send(&app, "GET", &format!("/findings/{id}"), Some(&max), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("finding.") || page.body.contains("History"));
    let csrf = csrf_of(&page.body);
    assert!(!csrf.is_empty());
    let path = format!("/findings/{id}/transition");
    let reply = send(&app, "POST", &path, Some(&max), Some("action=triage")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = send(
        &app,
        "POST",
        &path,
        Some(&max),
        Some("action=triage&csrf=wrong"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let status = |v: Value| v["finding"]["status"].as_str().unwrap_or("").to_string();
    let api = format!("/api/v1/findings/{id}");
    assert_eq!(
        status(send(&app, "GET", &api, Some(&max), None).await.json()),
        "open"
    );
    let before = send(&app, "GET", "/api/v1/overview", Some(&max), None)
        .await
        .json();
    let reply = send(
        &app,
        "POST",
        &path,
        Some(&max),
        Some(&format!("action=triage&reason=looking&csrf={csrf}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.header("location"), format!("/findings/{id}"));
    assert_eq!(
        status(send(&app, "GET", &api, Some(&max), None).await.json()),
        "triaged"
    );
    // The cached overview was forgotten: the triaged count moved.
    let after = send(&app, "GET", "/api/v1/overview", Some(&max), None)
        .await
        .json();
    let triaged = |v: &Value| {
        v["figures"]["by_status"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["status"] == "triaged"))
            .and_then(|s| s["count"].as_u64())
    };
    assert_eq!(triaged(&after), triaged(&before).map(|n| n + 1));
    let page = send(&app, "GET", &format!("/findings/{id}"), Some(&max), None).await;
    assert!(page.body.contains("finding.triaged"), "{}", page.body);
    // A refused transition shows the error on the finding page.
    let reply = send(
        &app,
        "POST",
        &path,
        Some(&max),
        Some(&format!("action=triage&csrf={csrf}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("role=\"alert\""));

    // Assets are embedded and cached for long.
    let css = send(&app, "GET", "/assets/app.css", None, None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").contains("max-age=31536000"));
    assert!(css.body.contains(".scroll"));
    let missing = send(&app, "GET", "/assets/nope.js", None, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Logging out needs the CSRF field too, and ends the session.
    let reply = send(&app, "POST", "/logout", Some(&ada), Some("csrf=")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let page = send(&app, "GET", "/", Some(&ada), None).await;
    let csrf = csrf_of(&page.body);
    let reply = send(
        &app,
        "POST",
        "/logout",
        Some(&ada),
        Some(&format!("csrf={csrf}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.header("set-cookie").contains("Max-Age=0"));
    let reply = send(&app, "GET", "/", Some(&ada), None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.header("location").starts_with("/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_on_sqlite() {
    let dir = ok(tempfile::tempdir());
    the_dashboard(&dir.path().join("pw.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_on_postgres() {
    let Some(admin) = patchwarden_store::testing::postgres_url() else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: skipping the PostgreSQL half");
        return;
    };
    let url = ok(patchwarden_store::testing::fresh_postgres_database(&admin).await);
    the_dashboard(&url).await;
}

/// The overview over 100,000 findings on SQLite: how long the lean read, the first (cold)
/// computation and cached requests take. Run by hand:
/// `cargo test --release -p patchwarden-server --test dashboard -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run by hand"]
async fn overview_of_100k_findings() {
    use std::time::{Duration, Instant};
    let dir = ok(tempfile::tempdir());
    let store = seeded(&dir.path().join("pw.db").display().to_string()).await;
    let columns = "product_id, project_id, ecosystem, vulnerability_id, ids, versions, purl, path, \
        summary, severity, cvss_vector, cvss_score, fixed_versions, kev, epss, published, first_seen, \
        last_seen, first_artifact_id, last_artifact_id, due, sla_days, status, status_reason, \
        closed_by_system, accepted_by, accepted_until, fixed_at, fixed_artifact_id, verified_at, \
        verified_deployment_id, updated_at";
    for round in 0.. {
        let (_, findings) = ok(store.portfolio_counts().await);
        if findings >= 100_000 {
            eprintln!("{findings} findings");
            break;
        }
        let sql = format!(
            "INSERT INTO findings (package, {columns}) SELECT package || '~{round}~' || id, {columns} FROM findings"
        );
        ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(store.pool())
            .await);
    }
    let started = Instant::now();
    let facts = ok(store
        .finding_facts(&patchwarden_store::FindingFilter::default())
        .await);
    eprintln!(
        "finding_facts: {} groups in {:?}",
        facts.len(),
        started.elapsed()
    );
    let started = Instant::now();
    let figures = patchwarden_metrics::compute_counted(facts.iter().map(|(f, n)| (f, *n)), NOW);
    eprintln!("compute: {:?} (open {})", started.elapsed(), figures.open);
    let app = app_over(&store);
    let ada = login(&app, "ada").await;
    let started = Instant::now();
    let first = send(&app, "GET", "/api/v1/overview", Some(&ada), None).await;
    assert_eq!(first.status, StatusCode::OK);
    eprintln!("first /api/v1/overview (cold): {:?}", started.elapsed());
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        let reply = send(&app, "GET", "/api/v1/overview", Some(&ada), None).await;
        assert_eq!(reply.status, StatusCode::OK);
        times.push(started.elapsed());
    }
    times.sort();
    eprintln!(
        "cached /api/v1/overview: p50 {:?}, p99 {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}
