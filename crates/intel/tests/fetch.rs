//! Download layer tests against in-process HTTP servers on 127.0.0.1, serving real feed files
//! from the shared data directory.
//!
//! Simple cases use axum; where byte-level control is needed (dropping the connection half way,
//! honouring or ignoring `Range`, bodies without `Content-Length`) a small hand-rolled HTTP/1.1
//! server answers one request per connection. Every server stops by itself after a bounded
//! number of connections or a deadline, and is aborted when its test ends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchwarden_intel::fetch::{
    self, FetchError, FetchOptions, FetchOutcome, NoProgress, Progress, Validators,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// No test may take longer than this.
const TEST_DEADLINE: Duration = Duration::from_secs(60);
/// No server lives longer than this.
const SERVER_LIFETIME: Duration = Duration::from_secs(90);
/// No server accepts more connections than this.
const MAX_CONNECTIONS: usize = 32;

const OSV_ZIP: &str = "osv-all/crates-all.zip";
const KEV_JSON: &str = "kev/known_exploited_vulnerabilities.json";
const LAST_MODIFIED: &str = "Tue, 01 Oct 2024 12:00:00 GMT";

// ---------------------------------------------------------------------------------------------
// Helpers

fn shared_data() -> PathBuf {
    std::env::var_os("PATCHWARDEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// The bytes of a shared data file, or `None` (after saying so) when it is absent.
fn shared_file(relative: &str) -> Option<Arc<Vec<u8>>> {
    let path = shared_data().join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(Arc::new(bytes)),
        Err(e) => {
            println!("skipping: {} is not available ({e})", path.display());
            None
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn options() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_secs(10),
        max_bytes: 64 * 1024 * 1024,
        retries: 3,
        backoff: Duration::from_millis(10),
        user_agent: "patchwarden-tests".to_owned(),
    }
}

fn client() -> reqwest::Client {
    fetch::client(&options()).expect("client")
}

async fn bounded<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(TEST_DEADLINE, future)
        .await
        .expect("the test did not finish in time")
}

/// Names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn expect_downloaded(outcome: FetchOutcome) -> (PathBuf, u64, Validators, String) {
    match outcome {
        FetchOutcome::Downloaded {
            path,
            bytes,
            validators,
            sha256,
        } => (path, bytes, validators, sha256),
        FetchOutcome::NotModified => panic!("expected a download, got NotModified"),
    }
}

/// Checks that `outcome` is a complete, byte-identical copy of `body`.
fn assert_complete(outcome: FetchOutcome, body: &[u8], dir: &Path, name: &str) -> Validators {
    let (path, bytes, validators, sha256) = expect_downloaded(outcome);
    assert_eq!(path, dir.join(name));
    assert_eq!(bytes, body.len() as u64);
    assert_eq!(sha256, sha256_hex(body));
    let written = std::fs::read(&path).expect("read the download");
    assert!(
        written == body,
        "the downloaded file differs from the original"
    );
    assert_eq!(files_in(dir), [name], "only the final file is left");
    validators
}

/// Records what a transfer reported.
#[derive(Default)]
struct Recorder {
    started: Vec<Option<u64>>,
    /// Position since the last `started`.
    position: u64,
    finished: u32,
}

impl Progress for Recorder {
    fn started(&mut self, total: Option<u64>) {
        self.started.push(total);
        self.position = 0;
    }
    fn advanced(&mut self, bytes: u64) {
        self.position += bytes;
    }
    fn finished(&mut self) {
        self.finished += 1;
    }
}

/// Aborts the server task when the test ends, whatever happens.
struct ServerGuard(JoinHandle<()>);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// axum server: serves one body with validators and answers conditional requests.

#[derive(Default)]
struct AxumFile {
    body: Arc<Vec<u8>>,
    etag: Option<&'static str>,
    last_modified: Option<&'static str>,
    /// Answer this status (with a short text body) instead of the file.
    status: Option<u16>,
    hits: AtomicUsize,
    /// (If-None-Match, If-Modified-Since) of each request.
    conditions: Mutex<Vec<(Option<String>, Option<String>)>>,
}

async fn axum_handler(
    axum::extract::State(file): axum::extract::State<Arc<AxumFile>>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;

    file.hits.fetch_add(1, Ordering::SeqCst);
    let get = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let if_none_match = get(header::IF_NONE_MATCH);
    let if_modified_since = get(header::IF_MODIFIED_SINCE);
    if let Ok(mut conditions) = file.conditions.lock() {
        conditions.push((if_none_match.clone(), if_modified_since.clone()));
    }
    if let Some(code) = file.status {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, "no feed here").into_response();
    }
    let not_modified = match (&if_none_match, file.etag) {
        (Some(sent), Some(etag)) => sent == etag,
        (Some(_), None) => false,
        (None, _) => {
            if_modified_since.is_some() && if_modified_since.as_deref() == file.last_modified
        }
    };
    let mut builder = axum::http::Response::builder();
    if let Some(etag) = file.etag {
        builder = builder.header(header::ETAG, etag);
    }
    if let Some(lm) = file.last_modified {
        builder = builder.header(header::LAST_MODIFIED, lm);
    }
    let response = if not_modified {
        builder
            .status(StatusCode::NOT_MODIFIED)
            .body(axum::body::Body::empty())
    } else {
        builder
            .status(StatusCode::OK)
            .body(axum::body::Body::from(file.body.as_ref().clone()))
    };
    response.unwrap_or_else(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response())
}

async fn serve_axum(file: Arc<AxumFile>, name: &str) -> (String, ServerGuard) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let app = axum::Router::new()
        .route(&format!("/feeds/{name}"), axum::routing::get(axum_handler))
        .with_state(file);
    let task = tokio::spawn(async move {
        let _ = tokio::time::timeout(SERVER_LIFETIME, axum::serve(listener, app)).await;
    });
    (format!("http://{addr}/feeds/{name}"), ServerGuard(task))
}

// ---------------------------------------------------------------------------------------------
// Hand-rolled server: one request per connection, byte-level control over the answer.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ranges {
    /// No `Accept-Ranges`; `Range` is ignored.
    Unsupported,
    /// `Accept-Ranges: bytes`, and `Range` + `If-Range` are honoured.
    Honoured,
    /// `Accept-Ranges: bytes` is advertised, but every answer is a full 200.
    AdvertisedButIgnored,
}

/// What the server currently serves; tests may swap it to simulate a changed feed.
#[derive(Clone)]
struct Version {
    body: Arc<Vec<u8>>,
    etag: Option<&'static str>,
    last_modified: Option<&'static str>,
}

struct Script {
    version: Mutex<Version>,
    ranges: Ranges,
    /// Send `Content-Length` (otherwise the body ends when the connection closes).
    content_length: bool,
    /// This many answers are cut off (connection closed) half way through what they send.
    drops: AtomicUsize,
}

impl Script {
    fn new(body: Arc<Vec<u8>>, ranges: Ranges, drops: usize) -> Self {
        Script {
            version: Mutex::new(Version {
                body,
                etag: Some("\"v1\""),
                last_modified: Some(LAST_MODIFIED),
            }),
            ranges,
            content_length: true,
            drops: AtomicUsize::new(drops),
        }
    }

    fn version(&self) -> Option<Version> {
        self.version.lock().ok().map(|v| v.clone())
    }

    fn set_version(&self, version: Version) {
        if let Ok(mut current) = self.version.lock() {
            *current = version;
        }
    }
}

/// What a request asked for.
#[derive(Debug, Clone, Default)]
struct Seen {
    range: Option<String>,
    if_range: Option<String>,
    /// The status answered.
    status: u16,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn serve_raw(script: Script, name: &str) -> (String, Log, Arc<Script>, ServerGuard) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("local address");
    let script = Arc::new(script);
    let handle = Arc::clone(&script);
    let log: Log = Arc::default();
    let task_log = Arc::clone(&log);
    let task = tokio::spawn(async move {
        let accept_loop = async {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let script = Arc::clone(&script);
                let log = Arc::clone(&task_log);
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(SERVER_LIFETIME, answer(stream, &script, &log)).await;
                });
            }
        };
        let _ = tokio::time::timeout(SERVER_LIFETIME, accept_loop).await;
    });
    (
        format!("http://{addr}/feeds/{name}"),
        log,
        handle,
        ServerGuard(task),
    )
}

async fn answer(mut stream: TcpStream, script: &Script, log: &Log) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 || request.len() > 64 * 1024 {
            return Ok(());
        }
        request.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&request);
    let headers: HashMap<String, String> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let range = headers.get("range").cloned();
    let if_range = headers.get("if-range").cloned();

    let Some(version) = script.version() else {
        return Ok(());
    };
    let len = version.body.len();
    let validator_matches = |v: &str| Some(v) == version.etag || Some(v) == version.last_modified;
    let requested_start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|s| s.parse::<usize>().ok());
    let honour_range =
        script.ranges == Ranges::Honoured && if_range.as_deref().is_none_or(validator_matches);

    let mut head = String::new();
    let (status, start) = match requested_start {
        Some(start) if honour_range && start >= len => (416, len),
        Some(start) if honour_range => (206, start),
        _ => (200, 0),
    };
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        _ => "Range Not Satisfiable",
    };
    head.push_str(&format!(
        "HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
    ));
    if let Some(etag) = version.etag {
        head.push_str(&format!("ETag: {etag}\r\n"));
    }
    if let Some(lm) = version.last_modified {
        head.push_str(&format!("Last-Modified: {lm}\r\n"));
    }
    if script.ranges != Ranges::Unsupported {
        head.push_str("Accept-Ranges: bytes\r\n");
    }
    let body: &[u8] = match status {
        206 => {
            head.push_str(&format!(
                "Content-Range: bytes {start}-{}/{len}\r\n",
                len - 1
            ));
            &version.body[start..]
        }
        200 => &version.body[..],
        _ => {
            head.push_str(&format!("Content-Range: bytes */{len}\r\n"));
            &[]
        }
    };
    if script.content_length || status == 416 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    if let Ok(mut log) = log.lock() {
        log.push(Seen {
            range,
            if_range,
            status,
        });
    }

    let drop_now = script
        .drops
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| d.checked_sub(1))
        .is_ok();
    let sent = if drop_now { body.len() / 2 } else { body.len() };
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body[..sent]).await?;
    stream.flush().await?;
    stream.shutdown().await?;
    Ok(())
}

fn seen(log: &Log) -> Vec<Seen> {
    log.lock().map(|l| l.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn plain_download_matches_the_file() {
    let Some(body) = shared_file(OSV_ZIP) else {
        return;
    };
    bounded(async {
        let file = Arc::new(AxumFile {
            body: Arc::clone(&body),
            etag: Some("\"osv-1\""),
            ..AxumFile::default()
        });
        let (url, _server) = serve_axum(Arc::clone(&file), "all.zip").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let client = client();
        let options = options();
        let mut progress = Recorder::default();
        let future = fetch::fetch(&client, &url, dir.path(), None, &options, &mut progress);
        assert_send(&future);
        let outcome = future.await.expect("download");
        let validators = assert_complete(outcome, &body, dir.path(), "all.zip");
        assert_eq!(validators.etag.as_deref(), Some("\"osv-1\""));
        assert_eq!(validators.last_modified, None);
        assert_eq!(progress.started, [Some(body.len() as u64)]);
        assert_eq!(progress.position, body.len() as u64);
        assert_eq!(progress.finished, 1);
        assert_eq!(file.hits.load(Ordering::SeqCst), 1);
    })
    .await;
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn etag_makes_the_second_request_not_modified() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let file = Arc::new(AxumFile {
            body: Arc::clone(&body),
            etag: Some("\"kev-2024\""),
            last_modified: Some(LAST_MODIFIED),
            ..AxumFile::default()
        });
        let name = "known_exploited_vulnerabilities.json";
        let (url, _server) = serve_axum(Arc::clone(&file), name).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let (client, options) = (client(), options());

        let first = fetch::fetch(&client, &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect("first download");
        let validators = assert_complete(first, &body, dir.path(), name);
        assert_eq!(validators.etag.as_deref(), Some("\"kev-2024\""));
        assert_eq!(validators.last_modified.as_deref(), Some(LAST_MODIFIED));

        // Into an empty directory: a 304 must not write anything at all.
        let empty = tempfile::tempdir().expect("tempdir");
        let mut progress = Recorder::default();
        let second = fetch::fetch(
            &client,
            &url,
            empty.path(),
            Some(&validators),
            &options,
            &mut progress,
        )
        .await
        .expect("second request");
        assert_eq!(second, FetchOutcome::NotModified);
        assert!(files_in(empty.path()).is_empty());
        assert!(progress.started.is_empty() && progress.finished == 0);

        let conditions = file
            .conditions
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        assert_eq!(conditions.len(), 2);
        assert_eq!(conditions[0], (None, None));
        assert_eq!(
            conditions[1],
            (
                Some("\"kev-2024\"".to_owned()),
                Some(LAST_MODIFIED.to_owned())
            )
        );
    })
    .await;
}

#[tokio::test]
async fn last_modified_alone_makes_the_second_request_not_modified() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let file = Arc::new(AxumFile {
            body: Arc::clone(&body),
            last_modified: Some(LAST_MODIFIED),
            ..AxumFile::default()
        });
        let (url, _server) = serve_axum(Arc::clone(&file), "kev.json").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let (client, options) = (client(), options());

        let first = fetch::fetch(&client, &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect("first download");
        let validators = assert_complete(first, &body, dir.path(), "kev.json");
        assert_eq!(validators.etag, None);
        assert_eq!(validators.last_modified.as_deref(), Some(LAST_MODIFIED));

        let second = fetch::fetch(
            &client,
            &url,
            dir.path(),
            Some(&validators),
            &options,
            &mut NoProgress,
        )
        .await
        .expect("second request");
        assert_eq!(second, FetchOutcome::NotModified);
        assert_eq!(files_in(dir.path()), ["kev.json"]);
        let conditions = file
            .conditions
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        assert_eq!(conditions[1], (None, Some(LAST_MODIFIED.to_owned())));
    })
    .await;
}

#[tokio::test]
async fn dropped_connection_resumes_with_range() {
    let Some(body) = shared_file(OSV_ZIP) else {
        return;
    };
    bounded(async {
        let (url, log, _script, _server) = serve_raw(
            Script::new(Arc::clone(&body), Ranges::Honoured, 1),
            "all.zip",
        )
        .await;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut progress = Recorder::default();
        let outcome = fetch::fetch(&client(), &url, dir.path(), None, &options(), &mut progress)
            .await
            .expect("download after one drop");
        assert_complete(outcome, &body, dir.path(), "all.zip");

        let seen = seen(&log);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0].range, None);
        let half = body.len() / 2;
        assert_eq!(
            seen[1].range.as_deref(),
            Some(format!("bytes={half}-").as_str())
        );
        assert_eq!(seen[1].if_range.as_deref(), Some("\"v1\""));
        assert_eq!(seen[1].status, 206);
        // The resumed attempt starts the bar again and reports what was already there.
        let total = Some(body.len() as u64);
        assert_eq!(progress.started, [total, total]);
        assert_eq!(progress.position, body.len() as u64);
        assert_eq!(progress.finished, 1);
    })
    .await;
}

#[tokio::test]
async fn dropped_connection_without_range_support_starts_over() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let (url, log, _script, _server) = serve_raw(
            Script::new(Arc::clone(&body), Ranges::Unsupported, 1),
            "kev.json",
        )
        .await;
        let dir = tempfile::tempdir().expect("tempdir");
        let outcome = fetch::fetch(
            &client(),
            &url,
            dir.path(),
            None,
            &options(),
            &mut NoProgress,
        )
        .await
        .expect("download after one drop");
        assert_complete(outcome, &body, dir.path(), "kev.json");
        let seen = seen(&log);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(
            seen.iter().all(|s| s.range.is_none() && s.status == 200),
            "{seen:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn server_ignoring_range_is_downloaded_again_from_zero() {
    let Some(body) = shared_file(OSV_ZIP) else {
        return;
    };
    bounded(async {
        let script = Script::new(Arc::clone(&body), Ranges::AdvertisedButIgnored, 1);
        let (url, log, _script, _server) = serve_raw(script, "all.zip").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let outcome = fetch::fetch(
            &client(),
            &url,
            dir.path(),
            None,
            &options(),
            &mut NoProgress,
        )
        .await
        .expect("download after one drop");
        assert_complete(outcome, &body, dir.path(), "all.zip");
        let seen = seen(&log);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen[1].range.is_some(), "the retry asked for the rest");
        assert_eq!(seen[1].status, 200, "and got everything again");
    })
    .await;
}

#[tokio::test]
async fn server_that_always_drops_fails_after_the_retries() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let script = Script::new(Arc::clone(&body), Ranges::Unsupported, usize::MAX);
        let (url, log, _script, _server) = serve_raw(script, "kev.json").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let options = FetchOptions {
            retries: 2,
            ..options()
        };
        let mut progress = Recorder::default();
        let error = fetch::fetch(&client(), &url, dir.path(), None, &options, &mut progress)
            .await
            .expect_err("every attempt is cut off");
        let message = error.to_string();
        println!("{message}");
        assert!(
            matches!(error, FetchError::Interrupted { attempts: 3, .. }),
            "{error:?}"
        );
        assert!(message.contains(&url), "{message}");
        let half = body.len() / 2;
        assert!(
            message.contains(&format!("{half} of {} bytes arrived", body.len())),
            "{message}"
        );
        assert!(message.contains("3 attempts"), "{message}");
        assert_eq!(seen(&log).len(), 3);
        assert_eq!(progress.finished, 1);
        // Without range support the partial file is useless, so nothing is left at all.
        assert!(
            files_in(dir.path()).is_empty(),
            "{:?}",
            files_in(dir.path())
        );
    })
    .await;
}

#[tokio::test]
async fn interrupted_run_is_resumed_by_the_next_run() {
    let Some(body) = shared_file(OSV_ZIP) else {
        return;
    };
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let (client, options) = (client(), options());

        // First run: the server keeps dropping; with range support the partial file is kept.
        let script = Script::new(Arc::clone(&body), Ranges::Honoured, usize::MAX);
        let (url, log, script, _server) = serve_raw(script, "all.zip").await;
        let error = fetch::fetch(&client, &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect_err("every attempt is cut off");
        println!("{error}");
        assert!(error.to_string().contains("resumed next time"), "{error}");
        assert!(
            matches!(error, FetchError::Interrupted { attempts: 4, .. }),
            "{error:?}"
        );
        // Each retry continued from where the previous attempt stopped.
        let first_run = seen(&log);
        assert_eq!(first_run.len(), 4);
        assert!(
            first_run[1..].iter().all(|s| s.status == 206),
            "{first_run:?}"
        );
        assert_eq!(files_in(dir.path()), ["all.zip.part", "all.zip.part.meta"]);
        let part = std::fs::read(dir.path().join("all.zip.part")).expect("partial file");
        let kept = part.len();
        assert!(kept > 0 && kept < body.len());
        assert!(body.starts_with(&part));

        // Second run, the server has recovered: it continues from `kept`.
        script.drops.store(0, Ordering::SeqCst);
        let mut progress = Recorder::default();
        let outcome = fetch::fetch(&client, &url, dir.path(), None, &options, &mut progress)
            .await
            .expect("resumed download");
        assert_complete(outcome, &body, dir.path(), "all.zip");
        let second_run = &seen(&log)[4..];
        assert_eq!(second_run.len(), 1, "{second_run:?}");
        assert_eq!(
            second_run[0].range.as_deref(),
            Some(format!("bytes={kept}-").as_str())
        );
        assert_eq!(second_run[0].if_range.as_deref(), Some("\"v1\""));
        assert_eq!(second_run[0].status, 206);
        assert_eq!(progress.position, body.len() as u64);
    })
    .await;
}

#[tokio::test]
async fn changed_file_is_not_spliced_onto_an_old_partial() {
    let (Some(old), Some(new)) = (shared_file(KEV_JSON), shared_file(OSV_ZIP)) else {
        return;
    };
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = client();
        let script = Script::new(Arc::clone(&old), Ranges::Honoured, 1);
        let (url, log, script, _server) = serve_raw(script, "feed").await;
        let no_retries = FetchOptions {
            retries: 0,
            ..options()
        };
        fetch::fetch(
            &client,
            &url,
            dir.path(),
            None,
            &no_retries,
            &mut NoProgress,
        )
        .await
        .expect_err("cut off");
        assert_eq!(files_in(dir.path()), ["feed.part", "feed.part.meta"]);

        // The feed changed (new ETag and date): If-Range fails, the server sends it whole.
        script.set_version(Version {
            body: Arc::clone(&new),
            etag: Some("\"v2\""),
            last_modified: Some("Wed, 02 Oct 2024 12:00:00 GMT"),
        });
        let outcome = fetch::fetch(&client, &url, dir.path(), None, &options(), &mut NoProgress)
            .await
            .expect("download");
        let validators = assert_complete(outcome, &new, dir.path(), "feed");
        assert_eq!(validators.etag.as_deref(), Some("\"v2\""));
        let seen = seen(&log);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen[1].range.is_some());
        assert_eq!(seen[1].if_range.as_deref(), Some("\"v1\""));
        assert_eq!(seen[1].status, 200);
    })
    .await;
}

#[tokio::test]
async fn complete_part_file_gets_416_and_starts_over() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = client();
        let script = Script::new(Arc::clone(&body), Ranges::Honoured, 1);
        let (url, log, _script, _server) = serve_raw(script, "kev.json").await;
        let no_retries = FetchOptions {
            retries: 0,
            ..options()
        };
        fetch::fetch(
            &client,
            &url,
            dir.path(),
            None,
            &no_retries,
            &mut NoProgress,
        )
        .await
        .expect_err("cut off");
        // As if the run had died after the last byte but before the rename.
        std::fs::write(dir.path().join("kev.json.part"), body.as_slice()).expect("write");

        let outcome = fetch::fetch(
            &client,
            &url,
            dir.path(),
            None,
            &no_retries,
            &mut NoProgress,
        )
        .await
        .expect("download");
        assert_complete(outcome, &body, dir.path(), "kev.json");
        let statuses: Vec<u16> = seen(&log).iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [200, 416, 200],
            "the restart after 416 costs no retry"
        );
    })
    .await;
}

#[tokio::test]
async fn error_statuses_name_the_status_and_url() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = client();
        let options = FetchOptions {
            retries: 1,
            ..options()
        };

        let missing = Arc::new(AxumFile {
            body: Arc::clone(&body),
            status: Some(404),
            ..AxumFile::default()
        });
        let (url, _server) = serve_axum(Arc::clone(&missing), "kev.json").await;
        let error = fetch::fetch(&client, &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect_err("404");
        let message = error.to_string();
        println!("{message}");
        assert!(
            message.contains("404 Not Found") && message.contains(&url),
            "{message}"
        );
        assert_eq!(
            missing.hits.load(Ordering::SeqCst),
            1,
            "a 404 is not retried"
        );

        let broken = Arc::new(AxumFile {
            body: Arc::clone(&body),
            status: Some(500),
            ..AxumFile::default()
        });
        let (url, _server) = serve_axum(Arc::clone(&broken), "kev.json").await;
        let error = fetch::fetch(&client, &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect_err("500");
        let message = error.to_string();
        println!("{message}");
        assert!(
            message.contains("500 Internal Server Error") && message.contains(&url),
            "{message}"
        );
        assert!(message.contains("after 2 attempts"), "{message}");
        assert_eq!(broken.hits.load(Ordering::SeqCst), 2, "a 500 is retried");
        assert!(files_in(dir.path()).is_empty());
    })
    .await;
}

#[tokio::test]
async fn bodies_over_max_bytes_are_refused() {
    let Some(body) = shared_file(OSV_ZIP) else {
        return;
    };
    bounded(async {
        let client = client();
        let options = FetchOptions {
            max_bytes: 100_000,
            ..options()
        };

        // Announced size over the limit: refused before any byte is written.
        let file = Arc::new(AxumFile {
            body: Arc::clone(&body),
            ..AxumFile::default()
        });
        let (url, _server) = serve_axum(file, "all.zip").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let error = fetch::fetch(&client, &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect_err("too large");
        println!("{error}");
        assert!(
            matches!(error, FetchError::TooLarge { limit: 100_000, declared: Some(d), .. } if d == body.len() as u64),
            "{error:?}"
        );
        assert!(error.to_string().contains("100000 bytes"), "{error}");
        assert!(files_in(dir.path()).is_empty());

        // No announced size: the transfer is aborted once the limit is crossed.
        let mut script = Script::new(Arc::clone(&body), Ranges::Honoured, 0);
        script.content_length = false;
        let (url, log, _script, _server) = serve_raw(script, "all.zip").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut progress = Recorder::default();
        let error = fetch::fetch(&client, &url, dir.path(), None, &options, &mut progress)
            .await
            .expect_err("too large");
        assert!(
            matches!(error, FetchError::TooLarge { declared: None, .. }),
            "{error:?}"
        );
        assert!(progress.position <= 100_000);
        assert_eq!(seen(&log).len(), 1, "not retried");
        assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
    })
    .await;
}

#[tokio::test]
async fn body_without_length_is_downloaded_until_close() {
    let Some(body) = shared_file(KEV_JSON) else {
        return;
    };
    bounded(async {
        let mut script = Script::new(Arc::clone(&body), Ranges::Unsupported, 0);
        script.content_length = false;
        let (url, _log, _script, _server) = serve_raw(script, "kev.json").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut progress = Recorder::default();
        let outcome = fetch::fetch(&client(), &url, dir.path(), None, &options(), &mut progress)
            .await
            .expect("download");
        assert_complete(outcome, &body, dir.path(), "kev.json");
        assert_eq!(progress.started, [None]);
    })
    .await;
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    bounded(async {
        // Bind then drop to get a port with nothing listening.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        drop(listener);
        let url = format!("http://{addr}/feed.json");
        let dir = tempfile::tempdir().expect("tempdir");
        let options = FetchOptions {
            retries: 1,
            ..options()
        };
        let error = fetch::fetch(&client(), &url, dir.path(), None, &options, &mut NoProgress)
            .await
            .expect_err("nothing listens");
        let message = error.to_string();
        println!("{message}");
        assert!(matches!(
            error,
            FetchError::Interrupted {
                attempts: 2,
                received: 0,
                ..
            }
        ));
        assert!(message.contains(&url), "{message}");
        assert!(message.contains("no data arrived"), "{message}");
        assert!(files_in(dir.path()).is_empty());
    })
    .await;
}
