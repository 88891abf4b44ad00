//! Local receivers for the notification tests, started by the test itself on 127.0.0.1 with
//! ephemeral ports: an HTTP server that records every request (webhooks, Slack) and answers
//! with a fixed status, and a minimal SMTP sink (no TLS, no AUTH) that keeps each message.
//! Adapted from crates/notify/tests/support for tests that run the binary: the receivers live
//! on a runtime of their own while the test thread waits for the binary.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A multi-threaded runtime whose workers keep serving while the test thread is blocked on
/// the binary.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// One request the HTTP receiver saw.
#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("missing header {name}"))
            .to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}"))
    }
}

#[derive(Clone)]
struct HttpState {
    requests: Arc<Mutex<Vec<Request>>>,
    /// Statuses for the first requests, in order; then `status`.
    script: Arc<Mutex<std::collections::VecDeque<u16>>>,
    status: u16,
}

/// A local HTTP receiver answering every request with one status.
pub struct HttpReceiver {
    pub addr: SocketAddr,
    state: HttpState,
    tls: bool,
}

impl HttpReceiver {
    pub fn start(runtime: &tokio::runtime::Runtime, status: u16) -> HttpReceiver {
        HttpReceiver::scripted(runtime, &[], status)
    }

    /// A receiver answering the first requests with `script`, in order, then `status`.
    pub fn scripted(
        runtime: &tokio::runtime::Runtime,
        script: &[u16],
        status: u16,
    ) -> HttpReceiver {
        let state = HttpState {
            requests: Arc::default(),
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            status,
        };
        let app = Router::new().fallback(record).with_state(state.clone());
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpReceiver {
            addr,
            state,
            tls: false,
        }
    }

    /// A receiver like [`HttpReceiver::start`] behind HTTPS, with a certificate for
    /// `127.0.0.1` issued by a certificate authority made for the occasion; also gives that
    /// authority's certificate (PEM), for the client to trust.
    pub fn start_tls(runtime: &tokio::runtime::Runtime, status: u16) -> (HttpReceiver, String) {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        use tokio_rustls::rustls;
        let fail = |e: &dyn std::fmt::Display| -> ! { panic!("{e}") };
        let ca_key = KeyPair::generate().unwrap_or_else(|e| fail(&e));
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| fail(&e));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Patchwarden test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap_or_else(|e| fail(&e));
        let leaf_key = KeyPair::generate().unwrap_or_else(|e| fail(&e));
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .and_then(|p| p.signed_by(&leaf_key, &ca))
            .unwrap_or_else(|e| fail(&e));
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
        );
        let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| fail(&e))
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap_or_else(|e| fail(&e));
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));

        let state = HttpState {
            requests: Arc::default(),
            script: Arc::default(),
            status,
        };
        let app = Router::new().fallback(record).with_state(state.clone());
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        (
            HttpReceiver {
                addr,
                state,
                tls: true,
            },
            ca.pem(),
        )
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

async fn record(
    State(state): State<HttpState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if let Ok(mut r) = state.requests.lock() {
        r.push(Request {
            path: uri.path().to_string(),
            headers,
            body: body.to_vec(),
        });
    }
    let status = state
        .script
        .lock()
        .ok()
        .and_then(|mut s| s.pop_front())
        .unwrap_or(state.status);
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// One message the SMTP sink accepted.
#[derive(Clone, Debug, Default)]
pub struct Mail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section with dot-stuffing undone, CRLF line ends.
    pub data: String,
}

impl Mail {
    /// A top-level header's value (first occurrence, folded lines joined).
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

    /// The body with LF line ends.
    pub fn body(&self) -> String {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.replace("\r\n", "\n"))
            .unwrap_or_default()
    }
}

/// A minimal SMTP server: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
pub struct SmtpSink {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub fn start(runtime: &tokio::runtime::Runtime) -> SmtpSink {
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let store = mails.clone();
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store).await;
                });
            }
        });
        SmtpSink { addr, mails }
    }

    /// Every message so far, in arrival order.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Mail>>>,
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
        let reply: &str = match verb.as_str() {
            "EHLO" => "250-sink.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n",
            "HELO" => "250 sink.test\r\n",
            "MAIL" => {
                mail.mail_from = command;
                "250 2.1.0 ok\r\n"
            }
            "RCPT" => {
                mail.rcpt_to.push(command);
                "250 2.1.5 ok\r\n"
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
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                mail.data = data;
                if let Ok(mut s) = store.lock() {
                    s.push(std::mem::take(&mut mail));
                }
                "250 2.0.0 ok: queued\r\n"
            }
            "RSET" => {
                mail = Mail::default();
                "250 ok\r\n"
            }
            "NOOP" => "250 ok\r\n",
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 command not implemented\r\n",
        };
        write.write_all(reply.as_bytes()).await?;
    }
}
