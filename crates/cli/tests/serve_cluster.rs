//! Several `patchwarden serve` processes on one database behave as one server: each
//! scheduled slot runs once, whichever instance claims it, and the API answers the same
//! through any of them.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::serve::start;
use common::{block_on, fresh_postgres_url};

fn one_server(db: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[serve]\njobs = [{ job = \"reminders\", cron = \"* * * * * *\" }]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let a = start(db, &config, "node-a");
    let b = start(db, &config, "node-b");
    for node in [&a, &b] {
        assert_eq!(node.status_of("/readyz"), 200);
        assert_eq!(node.status_of("/api/v1/findings"), 401);
    }
    std::thread::sleep(Duration::from_millis(3500));
    for node in [a, b] {
        let (code, rest) = node.stop();
        assert_eq!(code, Some(0), "{rest}");
    }
    let runs = block_on(async {
        let store = patchwarden_store::Store::open(db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store.job_runs(1000).await.unwrap_or_else(|e| panic!("{e}"))
    });
    let mut per_slot: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &runs {
        assert_eq!(r.job, "reminders");
        assert!(r.error.is_none(), "{r:?}");
        per_slot
            .entry(r.scheduled_for.as_str())
            .or_default()
            .push(r.instance.as_str());
    }
    // Both instances were awake for at least two slots each; every slot ran once.
    assert!(per_slot.len() >= 2, "{runs:?}");
    for (slot, who) in &per_slot {
        assert_eq!(who.len(), 1, "slot {slot} ran on {who:?}");
    }
}

#[test]
fn two_instances_on_postgres_run_each_slot_once() {
    if let Some(url) = fresh_postgres_url() {
        one_server(&url);
    }
}

#[test]
fn two_instances_on_one_sqlite_file_run_each_slot_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    one_server(&dir.path().join("pw.db").display().to_string());
}
