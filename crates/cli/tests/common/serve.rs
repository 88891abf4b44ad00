//! A `patchwarden serve` process for the tests that need a real server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

/// A running `serve` process and its address.
pub struct Instance {
    pub child: Child,
    pub stderr: BufReader<ChildStderr>,
    /// `host:port`.
    pub address: String,
}

/// Starts `patchwarden --database DB --config CONFIG serve --listen 127.0.0.1:0 --instance
/// NAME` and waits for its address.
pub fn start(db: &str, config: &Path, name: &str) -> Instance {
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
    pub fn stop(mut self) -> (Option<i32>, String) {
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

    /// The status of `GET path`.
    pub fn status_of(&self, path: &str) -> u16 {
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
