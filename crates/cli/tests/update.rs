//! `patchwarden db update` against an in-process HTTP server serving the real feed files.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// Serves `root` on 127.0.0.1 from a background thread (the test process ends it).
fn serve(root: PathBuf) -> SocketAddr {
    serve_app(axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root)))
}

/// Serves `app` on 127.0.0.1 from a background thread (the test process ends it).
fn serve_app(app: axum::Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(async move {
            let listener =
                tokio::net::TcpListener::from_std(listener).unwrap_or_else(|e| panic!("{e}"));
            let _ = axum::serve(listener, app).await;
        });
    });
    addr
}

fn copy(from: &Path, to: &Path) {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
}

fn outcomes(doc: &Value) -> Vec<(String, String)> {
    doc["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn update_downloads_then_revalidates_and_a_corrupt_feed_keeps_the_old_data() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let served = dir.path().join("served");
    copy(
        &data.join("osv-all/crates-all.zip"),
        &served.join("osv/crates.io/all.zip"),
    );
    copy(
        &data.join("kev/known_exploited_vulnerabilities.json"),
        &served.join("kev.json"),
    );
    copy(
        &data.join("epss/fixtures/example-1.csv"),
        &served.join("epss.csv"),
    );
    let addr = serve(served.clone());
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[intel]\nosv_base_url = \"http://{addr}/osv\"\nosv_ecosystems = [\"crates.io\"]\n\
             kev_url = \"http://{addr}/kev.json\"\nepss_url = \"http://{addr}/epss.csv\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");
    let cache = dir.path().join("cache");
    let update = || {
        let mut cmd = patchwarden(&db);
        cmd.arg("--config")
            .arg(&config)
            .args(["db", "update", "--format", "json", "--cache-dir"])
            .arg(&cache);
        cmd
    };

    let first = json_stdout(&mut update());
    assert_eq!(
        outcomes(&first),
        [
            ("osv:crates.io".into(), "imported".into()),
            ("kev".into(), "imported".into()),
            ("epss".into(), "imported".into())
        ]
    );
    let status = json_stdout(patchwarden(&db).args(["db", "status", "--format", "json"]));
    assert_eq!(status["advisories"].as_u64(), Some(1206));

    // Unchanged files: every source answers 304 and nothing is imported again.
    let second = json_stdout(&mut update());
    assert!(
        outcomes(&second).iter().all(|(_, o)| o == "not_modified"),
        "{second}"
    );

    // A corrupt archive fails that source only; its stored advisories stay, the error shows.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(
        served.join("osv/crates.io/all.zip"),
        b"PK\x03\x04 not a zip at all",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = update().output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let third: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let crates = third["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "osv:crates.io"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(crates["outcome"], "failed");
    assert!(
        crates["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a readable zip")),
        "{crates}"
    );
    let status = json_stdout(patchwarden(&db).args(["db", "status", "--format", "json"]));
    assert_eq!(status["advisories"].as_u64(), Some(1206));
    let source = status["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "osv:crates.io"))
        .cloned()
        .unwrap_or_default();
    assert!(source["last_error"].is_string());
    assert_eq!(source["records"].as_u64(), Some(1206));
}

/// What the fake NVD API saw: each request's query and `apiKey` header.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

#[test]
fn update_pages_through_the_nvd_api_and_a_failed_page_keeps_the_old_data() {
    let Some(data) = shared_data() else { return };
    let paging = data.join("nvd/api-paging");
    let page = |name: &str| std::fs::read(paging.join(name)).unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = (page("respPage1.json"), page("respPage2.json"));
    let fail_second = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen: Seen = Default::default();
    let app = {
        let (fail_second, seen) = (fail_second.clone(), seen.clone());
        axum::Router::new().route(
            "/nvd",
            axum::routing::get(
                move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
                    let query = uri.query().unwrap_or_default().to_string();
                    let key = headers
                        .get("apiKey")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    if let Ok(mut seen) = seen.lock() {
                        seen.push((query.clone(), key));
                    }
                    let body = if query.contains("startIndex=0") {
                        Some(first.clone())
                    } else if query.contains("startIndex=2")
                        && !fail_second.load(std::sync::atomic::Ordering::SeqCst)
                    {
                        Some(second.clone())
                    } else {
                        None
                    };
                    async move {
                        match body {
                            Some(b) => (axum::http::StatusCode::OK, b),
                            None => (axum::http::StatusCode::BAD_REQUEST, b"no".to_vec()),
                        }
                    }
                },
            ),
        )
    };
    let addr = serve_app(app);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[intel]\nosv_ecosystems = []\nkev_url = \"\"\nepss_url = \"\"\n\
             nvd_api_url = \"http://{addr}/nvd\"\nnvd_page_size = 2\nnvd_request_delay_ms = 0\n\
             nvd_api_key_env = \"PW_TEST_NVD_KEY\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("pw.db");
    let update = || {
        let mut cmd = patchwarden(&db);
        cmd.env("PW_TEST_NVD_KEY", "test-key")
            .arg("--config")
            .arg(&config)
            .args(["db", "update", "--format", "json", "--cache-dir"])
            .arg(dir.path().join("cache"));
        cmd
    };
    let report = json_stdout(&mut update());
    assert_eq!(report["sources"][0]["name"], "nvd-api");
    assert_eq!(report["sources"][0]["outcome"], "imported", "{report}");
    assert_eq!(report["sources"][0]["records"], 3);
    let requests = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].0.contains("resultsPerPage=2&startIndex=0"));
    assert!(requests[1].0.contains("startIndex=2"));
    assert!(
        !requests[0].0.contains("lastModStartDate"),
        "first run fetches everything"
    );
    assert!(
        requests
            .iter()
            .all(|(_, key)| key.as_deref() == Some("test-key"))
    );
    let status = json_stdout(patchwarden(&db).args(["db", "status", "--format", "json"]));
    let nvd = status["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "nvd-api"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(nvd["records"], 3);

    // The next run asks for what changed since; its second page fails, so nothing of it is
    // kept and the first run's data stays.
    fail_second.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = update().output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let requests = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(
        requests[2].0.contains("lastModStartDate=") && requests[2].0.contains("lastModEndDate="),
        "{requests:?}"
    );
    let status = json_stdout(patchwarden(&db).args(["db", "status", "--format", "json"]));
    let nvd = status["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "nvd-api"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(nvd["records"], 3);
    assert!(
        nvd["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("400")),
        "{nvd}"
    );
}
