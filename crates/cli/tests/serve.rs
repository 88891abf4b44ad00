//! `patchwarden serve`: it answers the health endpoints, runs its scheduled jobs (recorded in
//! the job log), and stops gracefully on SIGTERM with exit code 0.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// `GET path` over HTTP/1.1 on `address`; the status code and the body.
fn get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("{address}: {e}"));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn serves_runs_jobs_and_stops_gracefully(db: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[serve]\njobs = [{ job = \"reevaluate\", cron = \"* * * * * *\" }, { job = \"reminders\", cron = \"* * * * * *\" }]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("patchwarden"))
        .env_remove("PATCHWARDEN_DATABASE")
        .env_remove("PATCHWARDEN_CONFIG")
        .args(["--database", db, "--config"])
        .arg(&config)
        .args(["serve", "--listen", "127.0.0.1:0", "--instance", "test-1"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut stderr = BufReader::new(child.stderr.take().unwrap_or_else(|| panic!("stderr")));
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{e}"));
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let (status, body) = get(&address, "/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ok\""), "{body}");
    let (status, body) = get(&address, "/readyz");
    assert_eq!(status, 200, "{body}");
    // Let the every-second jobs run at least twice.
    std::thread::sleep(Duration::from_millis(2500));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(killed.success());
    let started = Instant::now();
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(rest.contains("patchwarden: stopped"), "{rest}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let runs = runtime.block_on(async {
        let store = patchwarden_store::Store::open(db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store.job_runs(100).await.unwrap_or_else(|e| panic!("{e}"))
    });
    for job in ["reevaluate", "reminders"] {
        let mine: Vec<_> = runs.iter().filter(|r| r.job == job).collect();
        assert!(mine.len() >= 2, "{job}: {runs:?}");
        for r in &mine {
            assert_eq!(r.instance, "test-1");
            assert!(r.error.is_none(), "{r:?}");
        }
        // Every finished run left its summary.
        assert!(mine.iter().any(|r| r.outcome.is_some()), "{mine:?}");
    }
    let reminder = runs
        .iter()
        .find_map(|r| {
            (r.job == "reminders")
                .then_some(r.outcome.clone())
                .flatten()
        })
        .unwrap_or_default();
    assert!(reminder.contains("due_within_7_days"), "{reminder}");
}

#[test]
fn serve_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    serves_runs_jobs_and_stops_gracefully(&dir.path().join("pw.db").display().to_string());
}

#[test]
fn serve_on_postgres() {
    if let Some(url) = fresh_postgres_url() {
        serves_runs_jobs_and_stops_gracefully(&url);
    }
}

#[test]
fn a_bad_schedule_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[serve]\njobs = [{ job = \"update\", cron = \"61 * * * *\" }]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = patchwarden(&dir.path().join("pw.db"))
        .env_remove("PATCHWARDEN_CONFIG")
        .arg("--config")
        .arg(&config)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("configuration [serve]: job update: cron `61 * * * *`"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
