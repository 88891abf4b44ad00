//! A small Chrome DevTools Protocol client for browser tests: starts headless Chromium,
//! opens a page, navigates, evaluates JavaScript, sets the viewport and takes screenshots.
//! Blocking, one page at a time; the page's console errors, uncaught exceptions and
//! security messages (CSP violations) are collected as they arrive.

#![allow(dead_code)]

use std::io::ErrorKind;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// Where Debian's `chromium` package installs the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

type Socket = WebSocket<TcpStream>;

/// A running headless Chromium; closed (and its profile removed) when dropped.
pub struct Browser {
    child: Child,
    port: u16,
    socket: Socket,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// One page (tab) of the browser, driven over its own DevTools connection.
pub struct Page {
    socket: Socket,
    next_id: u64,
    /// Console errors, uncaught exceptions and error-level log entries (CSP violations
    /// among them) seen so far.
    pub problems: Vec<String>,
    loads: usize,
}

fn connect(port: u16, path: &str) -> Result<Socket, String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let url = format!("ws://127.0.0.1:{port}{path}");
    let (socket, _) =
        tungstenite::client::client(url.as_str(), stream).map_err(|e| format!("{url}: {e}"))?;
    Ok(socket)
}

/// Sends one command and reads until its answer; other messages (events) go to `on_event`.
fn call(
    socket: &mut Socket,
    next_id: &mut u64,
    method: &str,
    params: Value,
    timeout: Duration,
    on_event: &mut dyn FnMut(&Value),
) -> Result<Value, String> {
    *next_id += 1;
    let id = *next_id;
    let text = json!({"id": id, "method": method, "params": params}).to_string();
    socket
        .send(Message::text(text))
        .map_err(|e| format!("{method}: send: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        let message = read(socket, deadline).map_err(|e| format!("{method}: {e}"))?;
        if message["id"].as_u64() == Some(id) {
            if let Some(error) = message.get("error") {
                return Err(format!("{method}: {error}"));
            }
            return Ok(message["result"].clone());
        }
        on_event(&message);
    }
}

/// The next JSON message, or an error once `deadline` passes.
fn read(socket: &mut Socket, deadline: Instant) -> Result<Value, String> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timed out waiting for the browser".into());
        }
        socket
            .get_ref()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(|e| e.to_string())?;
        match socket.read() {
            Ok(Message::Text(text)) => {
                return serde_json::from_str(text.as_str()).map_err(|e| format!("{e}: {text}"));
            }
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                continue;
            }
            Err(e) => return Err(format!("reading from the browser: {e}")),
        }
    }
}

impl Browser {
    /// Starts `/usr/bin/chromium` headless with a throw-away profile and connects to it.
    pub fn launch(executable: &Path) -> Result<Browser, String> {
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let child = Command::new(executable)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .env("HOME", profile.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", executable.display()))?;
        let mut browser_child = Some(child);
        // The browser writes its port and the browser endpoint's path once it listens.
        let file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(30);
        let (port, path) = loop {
            if let Ok(text) = std::fs::read_to_string(&file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next())
                    && let Ok(port) = port.trim().parse::<u16>()
                {
                    break (port, path.trim().to_string());
                }
            }
            if let Some(status) = browser_child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                return Err(format!("chromium exited early: {status}"));
            }
            if Instant::now() > deadline {
                if let Some(mut c) = browser_child.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err("chromium wrote no DevToolsActivePort within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let child = browser_child.take().ok_or("chromium vanished")?;
        let socket = match connect(port, &path) {
            Ok(s) => s,
            Err(e) => {
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        Ok(Browser {
            child,
            port,
            socket,
            next_id: 0,
            _profile: profile,
        })
    }

    /// A browser-level command (`Target.*`, `Browser.*`).
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        call(
            &mut self.socket,
            &mut self.next_id,
            method,
            params,
            Duration::from_secs(30),
            &mut |_| {},
        )
    }

    /// Opens a new page on `about:blank` with the page, runtime and log domains enabled.
    pub fn new_page(&mut self) -> Result<Page, String> {
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}))?;
        let id = target["targetId"]
            .as_str()
            .ok_or_else(|| format!("Target.createTarget gave no targetId: {target}"))?;
        let socket = connect(self.port, &format!("/devtools/page/{id}"))?;
        let mut page = Page {
            socket,
            next_id: 0,
            problems: Vec::new(),
            loads: 0,
        };
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            page.call(domain, json!({}))?;
        }
        Ok(page)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call("Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Page {
    fn note(problems: &mut Vec<String>, loads: &mut usize, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Page.loadEventFired") => *loads += 1,
            Some("Runtime.consoleAPICalled") if params["type"] == "error" => {
                let args: Vec<String> = params["args"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| {
                                v["value"]
                                    .as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v["description"].to_string())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                problems.push(format!("console.error: {}", args.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                let d = &params["exceptionDetails"];
                problems.push(format!(
                    "uncaught exception: {} {}",
                    d["text"].as_str().unwrap_or(""),
                    d["exception"]["description"].as_str().unwrap_or("")
                ));
            }
            Some("Log.entryAdded") if params["entry"]["level"] == "error" => {
                let e = &params["entry"];
                problems.push(format!(
                    "{} error: {} ({})",
                    e["source"].as_str().unwrap_or("log"),
                    e["text"].as_str().unwrap_or(""),
                    e["url"].as_str().unwrap_or("")
                ));
            }
            _ => {}
        }
    }

    /// A page-level command; events read meanwhile are noted.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let (problems, loads) = (&mut self.problems, &mut self.loads);
        call(
            &mut self.socket,
            &mut self.next_id,
            method,
            params,
            Duration::from_secs(30),
            &mut |e| Page::note(problems, loads, e),
        )
    }

    /// Reads events for `wait` (noting problems and loads).
    pub fn pump(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while let Ok(event) = read(&mut self.socket, deadline) {
            Page::note(&mut self.problems, &mut self.loads, &event);
        }
    }

    /// Goes to `url` and waits until its load event has fired.
    pub fn navigate(&mut self, url: &str) -> Result<(), String> {
        let before = self.loads;
        let result = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(error) = result["errorText"].as_str() {
            return Err(format!("{url}: {error}"));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.loads == before {
            let event = read(&mut self.socket, deadline).map_err(|e| format!("{url}: {e}"))?;
            Page::note(&mut self.problems, &mut self.loads, &event);
        }
        Ok(())
    }

    /// Evaluates `expression` (awaiting a promise) and gives its value as JSON.
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            return Err(format!(
                "{expression}: {}",
                details["exception"]["description"]
                    .as_str()
                    .unwrap_or(&details.to_string())
            ));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Waits until `condition` (JavaScript) is true; errors while a navigation replaces the
    /// document count as false.
    pub fn wait_for(&mut self, condition: &str, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Value::Bool(true)) = self.eval(condition) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("still not true after {timeout:?}: {condition}"));
            }
            self.pump(Duration::from_millis(100));
        }
    }

    /// Sets the viewport: `width` x `height` CSS pixels, phone-like when `mobile`.
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) -> Result<(), String> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )?;
        Ok(())
    }

    /// A PNG of the whole page (beyond the viewport), written to `path`.
    pub fn screenshot(&mut self, path: &Path) -> Result<(), String> {
        let metrics = self.call("Page.getLayoutMetrics", json!({}))?;
        let size = &metrics["cssContentSize"];
        let (width, height) = (
            size["width"].as_f64().unwrap_or(1280.0).max(1.0),
            size["height"]
                .as_f64()
                .unwrap_or(900.0)
                .clamp(1.0, 16_000.0),
        );
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }),
        )?;
        let data = shot["data"]
            .as_str()
            .ok_or("Page.captureScreenshot gave no data")?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("screenshot: {e}"))?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Where screenshots go: `$CARGO_TARGET_DIR`, else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}
