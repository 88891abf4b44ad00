//! Several `patchwarden serve` processes on one database behave as one server: each
//! scheduled slot runs once, whichever instance claims it, and the API answers the same
//! through any of them.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

use common::{block_on, fresh_postgres_url};

/// A running `serve` process and its address.
struct Instance {
    child: Child,
    stderr: BufReader<ChildStderr>,
    address: String,
}

fn start(db: &str, config: &Path, name: &str) -> Instance {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("patchwarden"))
        .env_remove("PATCHWARDEN_DATABASE")
        .env_remove("PATCHWARDEN_CONFIG")
        .env_remove("PATCHWARDEN_NOW")
        .args(["--database", db, "--config"])
        .arg(config)
        .args(["serve", "--listen", "127.0.0.1:0", "--instance", name])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut stderr = BufReader::new(child.stderr.take().unwrap_or_else(|| panic!("stderr")));
    let mut line = String::new();
    // Log lines may come first; the address line says `listening on`.
    for _ in 0..50 {
        line.clear();
        stderr
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        if line.contains("listening on http://") || line.is_empty() {
            break;
        }
    }
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Instance {
        child,
        stderr,
        address,
    }
}

impl Instance {
    /// SIGTERM, then the exit code and the rest of stderr.
    fn stop(mut self) -> (Option<i32>, String) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(killed.success());
        let status = self.child.wait().unwrap_or_else(|e| panic!("{e}"));
        let mut rest = String::new();
        let _ = self.stderr.read_to_string(&mut rest);
        (status.code(), rest)
    }

    fn status_of(&self, path: &str) -> u16 {
        let mut stream = TcpStream::connect(&self.address).unwrap_or_else(|e| panic!("{e}"));
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

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
