//! Two servers sharing one database run each scheduled slot once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchwarden_server::jobs::{self, JobConfig, Runner};
use patchwarden_store::Store;
use tokio::sync::watch;

/// Two schedulers with a job every second, each on its own connection pool to the same
/// database, for about three seconds: every slot runs exactly once, and `job_runs` says by
/// which instance.
async fn each_slot_runs_once(target: &str) {
    let a = Store::open(target).await.unwrap_or_else(|e| panic!("{e}"));
    let b = Store::open(target).await.unwrap_or_else(|e| panic!("{e}"));
    let runs: Arc<Mutex<BTreeMap<String, Vec<String>>>> = Arc::default();
    let (stop, shutdown) = watch::channel(false);
    let mut handles = Vec::new();
    for (store, name) in [(a.clone(), "instance-a"), (b.clone(), "instance-b")] {
        let runs = runs.clone();
        let runner: Runner = Arc::new(move |job: &str, slot: &str| {
            let runs = runs.clone();
            let key = format!("{job} {slot}");
            let who = name.to_string();
            Box::pin(async move {
                if let Ok(mut r) = runs.lock() {
                    r.entry(key).or_default().push(who);
                }
                // Long enough that both instances are awake for the same slot.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(serde_json::json!({"ok": true}))
            })
        });
        let scheduled = jobs::parse(
            &[JobConfig {
                job: "tick".into(),
                cron: "* * * * * *".into(),
            }],
            &["tick"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        handles.push(tokio::spawn(jobs::run(
            store,
            scheduled,
            name.into(),
            runner,
            shutdown.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_millis(3300)).await;
    let _ = stop.send(true);
    for h in handles {
        let _ = h.await;
    }
    let runs = runs.lock().map(|r| r.clone()).unwrap_or_default();
    assert!(runs.len() >= 2, "{runs:?}");
    for (slot, who) in &runs {
        assert_eq!(who.len(), 1, "slot {slot} ran {} times: {who:?}", who.len());
    }
    let stored = a.job_runs(100).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.len(), runs.len(), "{stored:?}");
    for r in &stored {
        let ran = &runs[&format!("{} {}", r.job, r.scheduled_for)];
        assert_eq!(ran, &vec![r.instance.clone()]);
        assert_eq!(r.outcome.as_deref(), Some("{\"ok\":true}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_slot_runs_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    each_slot_runs_once(&dir.path().join("pw.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_slot_runs_once_on_postgres() {
    let Some(admin) = patchwarden_store::testing::postgres_url() else {
        return;
    };
    let url = patchwarden_store::testing::fresh_postgres_database(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    each_slot_runs_once(&url).await;
}
