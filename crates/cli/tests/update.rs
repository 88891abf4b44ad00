//! `patchwarden db update` against an in-process HTTP server serving the real feed files.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// Serves `root` on 127.0.0.1 from a background thread (the test process ends it).
fn serve(root: PathBuf) -> SocketAddr {
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
            let app =
                axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root));
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
