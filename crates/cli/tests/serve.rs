//! `patchwarden serve`: it answers the health endpoints, runs its scheduled jobs (recorded in
//! the job log), and stops gracefully on SIGTERM with exit code 0.

mod common;

use std::time::{Duration, Instant};

use common::*;

fn serves_runs_jobs_and_stops_gracefully(db: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[serve]\njobs = [{ job = \"reevaluate\", cron = \"* * * * * *\" }, { job = \"reminders\", cron = \"* * * * * *\" }]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let server = common::serve::start(db, &config, "test-1");
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ok\""), "{body}");
    let (status, body) = server.get("/readyz");
    assert_eq!(status, 200, "{body}");
    // Let the every-second jobs run at least twice.
    std::thread::sleep(Duration::from_millis(2500));
    let started = Instant::now();
    let (code, rest) = server.stop();
    assert_eq!(code, Some(0), "{rest}");
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
