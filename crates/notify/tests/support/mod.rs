//! Local receivers for the delivery tests: an HTTP server that records requests and answers
//! with scripted statuses, and a minimal SMTP sink that captures messages.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use patchwarden_core::Severity;
use patchwarden_notify::{FindingItem, Notification, NotificationKind};
use time::macros::{date, datetime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The notification the tests send, also the example of docs/notifications.md.
pub fn sample() -> Notification {
    let items = vec![
        FindingItem {
            id: 42,
            vulnerability_id: "CVE-2024-12345".into(),
            package: "lodash".into(),
            versions: vec!["4.17.20".into()],
            severity: Severity::Critical,
            due: Some(date!(2026 - 03 - 01)),
            status: "open".into(),
            url: Some("https://patchwarden.example/findings/42".into()),
        },
        FindingItem {
            id: 43,
            vulnerability_id: "GHSA-abcd-efgh-ijkl".into(),
            package: "minimist".into(),
            versions: vec!["1.2.5".into(), "1.2.6".into()],
            severity: Severity::Medium,
            due: None,
            status: "triaged".into(),
            url: None,
        },
    ];
    Notification::new(
        NotificationKind::FindingDueSoon,
        Some("shop"),
        "2 findings due within 7 days",
        items,
        datetime!(2026-02-22 07:00 UTC),
    )
}

/// One request the HTTP receiver saw.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("missing header {name}"))
            .to_str()
            .unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct HttpState {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Statuses for the next requests; once empty, `fallback`.
    script: Arc<Mutex<VecDeque<u16>>>,
    fallback: u16,
}

/// A local HTTP receiver on 127.0.0.1 with an ephemeral port.
pub struct HttpReceiver {
    pub addr: SocketAddr,
    state: HttpState,
}

impl HttpReceiver {
    /// Answers `script` in order, then `fallback` for every later request.
    pub async fn start(script: &[u16], fallback: u16) -> HttpReceiver {
        let state = HttpState {
            requests: Arc::default(),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            fallback,
        };
        let app = Router::new().fallback(record).with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        HttpReceiver { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }
}

async fn record(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    state.requests.lock().unwrap().push(Recorded {
        headers,
        body: body.to_vec(),
    });
    let status = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(state.fallback);
    StatusCode::from_u16(status).unwrap()
}

/// One message the SMTP sink accepted.
#[derive(Clone, Debug, Default)]
pub struct Mail {
    pub helo: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section with dot-stuffing undone, CRLF line ends.
    pub data: String,
}

impl Mail {
    /// The value of a top-level header of the message (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = value.as_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_owned());
            }
        }
        value
    }

    pub fn body(&self) -> String {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.replace("\r\n", "\n"))
            .unwrap_or_default()
    }
}

/// A minimal SMTP server (no TLS, no AUTH): EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
pub struct SmtpSink {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    /// `rcpt_reply` is the answer to RCPT TO (`250 ok`, or a failure such as `550 no such user`).
    pub async fn start(rcpt_reply: &'static str) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let store = mails.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store, rcpt_reply).await;
                });
            }
        });
        SmtpSink { addr, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Mail>>>,
    rcpt_reply: &str,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut mail = Mail::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => {
                mail.helo = command[4..].trim().to_owned();
                "250-sink.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n".into()
            }
            "HELO" => {
                mail.helo = command[4..].trim().to_owned();
                "250 sink.test\r\n".into()
            }
            "MAIL" => {
                mail.mail_from = command.to_owned();
                "250 2.1.0 ok\r\n".into()
            }
            "RCPT" => {
                if rcpt_reply.starts_with('2') {
                    mail.rcpt_to.push(command.to_owned());
                }
                format!("{rcpt_reply}\r\n")
            }
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    let text = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(text);
                }
                mail.data = data;
                store.lock().unwrap().push(std::mem::take(&mut mail));
                "250 2.0.0 ok: queued as 1\r\n".into()
            }
            "RSET" => {
                mail = Mail::default();
                "250 ok\r\n".into()
            }
            "NOOP" => "250 ok\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 command not implemented\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}
