//! The dashboard in a real browser: headless Chromium (Debian's `chromium` package at
//! /usr/bin/chromium) against `patchwarden serve` on the demo portfolio. Logs in through the
//! login form, lands on the overview, checks each SLA compliance figure the page shows
//! (`data-sla-severity`, `data-sla-compliance`) against `GET /api/v1/overview`, checks the
//! page logged no console errors, exceptions or CSP violations, and saves a desktop and a
//! phone-width screenshot under the target directory for review
//! (`dashboard-overview.png`, `dashboard-overview-phone.png`).
//!
//! Skipped with a message when Chromium is not installed (CI installs it).

#[path = "common/browser.rs"]
mod cdp;
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Every command of the test runs at this time, so the SLA figures do not move with the day.
const NOW: &str = "2026-11-23T10:00:00Z";
/// The server runs a year later, when the demo's open findings are past due: the SLA
/// compliance figures are then numbers (nothing remediated or overdue counts as no figure).
const LATER: &str = "2027-12-01T10:00:00Z";
const PASSWORD: &str = "correct horse battery staple";

/// `patchwarden serve` on a free port; killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(db: &str, now: &str) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("patchwarden"))
            .args([
                "--database",
                db,
                "serve",
                "--no-jobs",
                "--listen",
                "127.0.0.1:0",
            ])
            .env("PATCHWARDEN_NOW", now)
            .env_remove("PATCHWARDEN_DATABASE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("patchwarden serve: {e}"));
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let (tx, rx) = mpsc::channel();
        // Reads the log to its end so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("patchwarden: listening on http://") {
                    let address = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(address);
                }
            }
        });
        let address = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(e) => {
                let _ = child.kill();
                panic!("the server printed no listening line: {e}");
            }
        };
        Server { child, address }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` with a bearer token: the status and the body.
fn api_get(address: &str, path: &str, token: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("{address}: {e}"));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let response = String::from_utf8_lossy(&response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The `by_severity` array of the overview, wherever it sits in the document.
fn by_severity(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Object(map) => map
            .get("by_severity")
            .and_then(Value::as_array)
            .or_else(|| map.values().find_map(by_severity)),
        _ => None,
    }
}

/// The overall SLA compliance figure: the `sla` object next to `by_severity`.
fn overall_sla(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(map) if map.contains_key("by_severity") => map.get("sla"),
        Value::Object(map) => map.values().find_map(overall_sla),
        _ => None,
    }
}

/// A compliance value as the API gives it (`{"percent": 87.5}` or a bare number).
fn percent_of(sla: &Value) -> Option<f64> {
    sla.get("percent")
        .and_then(Value::as_f64)
        .or_else(|| sla.as_f64())
}

#[test]
fn the_dashboard_overview_in_headless_chromium_matches_the_api() {
    let chromium = Path::new(cdp::CHROMIUM);
    if !chromium.exists() {
        eprintln!(
            "skipping: {} not found (install Debian's chromium package to run the browser test)",
            chromium.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("demo.db").display().to_string();
    pw(&db)
        .env("PATCHWARDEN_NOW", NOW)
        .args(["demo", "--format", "json"])
        .assert()
        .success();
    pw(&db)
        .env("PATCHWARDEN_NOW", NOW)
        .args([
            "user",
            "add",
            "alice",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let out = pw(&db)
        .env("PATCHWARDEN_NOW", NOW)
        .args([
            "token",
            "create",
            "--user",
            "alice",
            "--name",
            "browser-test",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!token.is_empty(), "token create printed no token");

    let server = Server::start(&db, LATER);
    let (status, body) = api_get(&server.address, "/api/v1/overview", &token);
    assert_eq!(status, 200, "GET /api/v1/overview: {body}");
    let overview: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let severities = by_severity(&overview)
        .unwrap_or_else(|| panic!("the overview has no by_severity figures: {overview}"));

    let mut browser = cdp::Browser::launch(chromium).unwrap_or_else(|e| panic!("{e}"));
    let mut page = browser.new_page().unwrap_or_else(|e| panic!("{e}"));
    page.viewport(1280, 900, false)
        .unwrap_or_else(|e| panic!("{e}"));
    page.navigate(&server.url("/login"))
        .unwrap_or_else(|e| panic!("{e}"));
    let filled = page
        .eval(&format!(
            r#"(() => {{
                const user = document.querySelector('input[name="username"]');
                const password = document.querySelector('input[name="password"]');
                if (!user || !password || !user.form) return false;
                user.value = {user};
                password.value = {password};
                user.form.requestSubmit();
                return true;
            }})()"#,
            user = serde_json::to_string("alice").unwrap_or_default(),
            password = serde_json::to_string(PASSWORD).unwrap_or_default(),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        filled,
        Value::Bool(true),
        "no login form with username and password on /login"
    );
    page.wait_for(
        "location.pathname === '/' && document.readyState === 'complete' \
         && document.querySelector('[data-sla-compliance]') !== null",
        Duration::from_secs(20),
    )
    .unwrap_or_else(|e| {
        let at = page
            .eval("location.href + ' ' + document.title")
            .unwrap_or_default();
        panic!("after logging in: {e} (the page is {at})")
    });

    let shown = page
        .eval(
            "[...document.querySelectorAll('[data-sla-compliance]')].map(e => ({
                severity: e.getAttribute('data-sla-severity'),
                compliance: e.getAttribute('data-sla-compliance'),
                text: e.textContent.trim(),
            }))",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = shown.as_array().cloned().unwrap_or_default();
    assert!(
        !shown.is_empty(),
        "the overview shows no SLA compliance figure"
    );
    let mut checked = Vec::new();
    for figure in &shown {
        let severity = figure["severity"].as_str().unwrap_or("");
        let on_page = figure["compliance"].as_str().unwrap_or("").trim();
        let api = severities
            .iter()
            .find(|s| s["severity"].as_str() == Some(severity))
            .map(|s| &s["sla"])
            .or_else(|| {
                // A figure for every severity together: the overall one.
                matches!(severity, "" | "all" | "All" | "overall" | "Overall" | "total")
                    .then(|| overall_sla(&overview))
                    .flatten()
            })
            .unwrap_or_else(|| {
                panic!("the page shows SLA compliance for {severity:?}, the API has no such severity: {figure}")
            });
        match percent_of(api) {
            Some(expected) => {
                let got: f64 = on_page.parse().unwrap_or_else(|_| {
                    panic!("{severity}: the page says {on_page:?}, the API {expected}")
                });
                assert!(
                    (got - expected).abs() < 0.05,
                    "{severity}: the page says {got}, the API {expected}"
                );
            }
            None => assert!(
                on_page.parse::<f64>().is_err(),
                "{severity}: the page says {on_page}, the API has no figure (nothing counted)"
            ),
        }
        checked.push(format!("{severity}={on_page}"));
    }
    // Every severity the API has a figure for is on the page.
    for s in severities {
        let name = s["severity"].as_str().unwrap_or("");
        if percent_of(&s["sla"]).is_some() {
            assert!(
                shown.iter().any(|f| f["severity"].as_str() == Some(name)),
                "the API has SLA compliance for {name}, the page does not show it"
            );
        }
    }
    eprintln!(
        "SLA compliance on the page and in the API: {}",
        checked.join(", ")
    );

    let target = cdp::target_dir();
    let desktop = target.join("dashboard-overview.png");
    page.screenshot(&desktop).unwrap_or_else(|e| panic!("{e}"));
    page.viewport(375, 812, true)
        .unwrap_or_else(|e| panic!("{e}"));
    page.pump(Duration::from_millis(300));
    let phone = target.join("dashboard-overview-phone.png");
    page.screenshot(&phone).unwrap_or_else(|e| panic!("{e}"));
    for shot in [&desktop, &phone] {
        let bytes = std::fs::read(shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
        assert!(
            bytes.len() > 1000 && bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            shot.display()
        );
        eprintln!("screenshot: {}", shot.display());
    }
    // The phone layout is 375 px wide (a viewport meta tag) and does not scroll sideways.
    let layout = page
        .eval("[window.innerWidth, document.documentElement.scrollWidth]")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        layout[0],
        Value::from(375),
        "the overview is laid out {} px wide on a 375 px phone (no <meta name=\"viewport\">?)",
        layout[0]
    );
    assert!(
        layout[1].as_u64().is_some_and(|w| w <= 376),
        "the overview scrolls sideways at 375 px: {} px wide",
        layout[1]
    );

    page.pump(Duration::from_millis(200));
    // The browser asks for /favicon.ico by itself; its 404 is not the page's doing.
    page.problems.retain(|p| !p.contains("/favicon.ico"));
    assert!(
        page.problems.is_empty(),
        "the dashboard logged problems (console errors, exceptions, CSP violations):\n{}",
        page.problems.join("\n")
    );
}

/// The harness itself, on what the server has today: Chromium loads the API's documentation
/// page and a JSON endpoint, JavaScript runs in the page, and a screenshot is written.
#[test]
fn the_browser_harness_drives_chromium_against_the_server() {
    let chromium = Path::new(cdp::CHROMIUM);
    if !chromium.exists() {
        eprintln!(
            "skipping: {} not found (install Debian's chromium package to run the browser test)",
            chromium.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("demo.db").display().to_string();
    pw(&db)
        .env("PATCHWARDEN_NOW", NOW)
        .args(["demo", "--format", "json"])
        .assert()
        .success();
    let server = Server::start(&db, NOW);
    let mut browser = cdp::Browser::launch(chromium).unwrap_or_else(|e| panic!("{e}"));
    let mut page = browser.new_page().unwrap_or_else(|e| panic!("{e}"));
    page.navigate(&server.url("/healthz"))
        .unwrap_or_else(|e| panic!("{e}"));
    let health = page
        .eval("JSON.parse(document.body.innerText).status")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(health, Value::from("ok"));
    // fetch() from the page: the API refuses an unauthenticated request with 401 JSON.
    let refused = page
        .eval("fetch('/api/v1/findings').then(r => r.status)")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused, Value::from(401));
    page.navigate(&server.url("/api/docs/"))
        .unwrap_or_else(|e| panic!("{e}"));
    page.wait_for(
        "document.readyState === 'complete' && document.title.length > 0",
        Duration::from_secs(20),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let title = page
        .eval("document.title")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        title.as_str().is_some_and(|t| !t.is_empty()),
        "no title: {title}"
    );
    page.viewport(375, 812, true)
        .unwrap_or_else(|e| panic!("{e}"));
    // The emulated phone's screen (the layout width is the page's business: without a
    // viewport meta tag a phone lays a page out 980 px wide, as this one is).
    let width = page
        .eval("[screen.width, screen.height]")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(width, serde_json::json!([375, 812]));
    let shot = cdp::target_dir().join("browser-harness-api-docs.png");
    page.screenshot(&shot).unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 1000);
}
