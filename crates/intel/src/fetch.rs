//! Downloads one feed URL to a file: the network half of `patchwarden db update`.
//!
//! [`fetch`] sends a conditional request built from what the previous successful download left
//! behind ([`Validators`]); a `304 Not Modified` answer becomes [`FetchOutcome::NotModified`] and
//! touches nothing on disk. Otherwise the body is streamed chunk by chunk (never held whole in
//! memory) into `<name>.part` next to the final file, hashed with SHA-256 on the way, and renamed
//! to `<name>` only once it is complete, so an interrupted download never leaves a file that
//! looks complete.
//!
//! Connection errors, bodies cut short and `5xx`/`408`/`429` answers are retried with exponential
//! backoff. When the server advertises `Accept-Ranges: bytes` and gave a validator (a strong
//! `ETag`, or `Last-Modified`), a retry resumes where the data stopped with `Range: bytes=N-`
//! guarded by `If-Range`, so a changed file is sent whole instead of being spliced. The same
//! holds across runs: what is needed to resume is kept in a small `<name>.part.meta` file beside
//! the `.part`. A server that ignores the range (answers `200`) is downloaded again from zero.
//!
//! Parsing and storing the downloaded feed is not this module's job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// User agent sent when none is configured.
pub const DEFAULT_USER_AGENT: &str = concat!("patchwarden/", env!("CARGO_PKG_VERSION"));

/// Longest wait between two attempts, whatever the backoff has grown to.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest `Retry-After` honoured; longer requests are capped to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Size of the write buffer between the network and the `.part` file.
const WRITE_BUFFER: usize = 256 * 1024;
/// Longest file name derived from a URL.
const MAX_NAME_LEN: usize = 200;

/// What the previous successful download of this URL left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// The `ETag` header, verbatim (quotes and any `W/` prefix included).
    pub etag: Option<String>,
    /// The `Last-Modified` header, verbatim.
    pub last_modified: Option<String>,
}

impl Validators {
    /// True when there is nothing to make a request conditional on.
    pub fn is_empty(&self) -> bool {
        non_empty(&self.etag).is_none() && non_empty(&self.last_modified).is_none()
    }

    fn from_headers(headers: &HeaderMap) -> Self {
        let get = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Validators {
            etag: get(header::ETAG),
            last_modified: get(header::LAST_MODIFIED),
        }
    }
}

/// How a [`fetch`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// 304: the stored copy is current. Nothing was written.
    NotModified,
    /// A complete new body was written to `path`.
    Downloaded {
        /// The final file (never the `.part`).
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
        /// Validators to pass as `previous` next time.
        validators: Validators,
        /// SHA-256 of the file, lowercase hex.
        sha256: String,
    },
}

/// Limits and retry policy for [`fetch`] and [`client`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// How long connecting, or waiting for the next bytes of an answer, may take before the
    /// attempt counts as failed. It is not a limit on the whole transfer, so a slow but steady
    /// download of a large feed is not cut off. Used by [`client`].
    pub timeout: Duration,
    /// Bodies larger than this are refused: up front when the server declares the size, as
    /// soon as the limit is crossed otherwise.
    pub max_bytes: u64,
    /// How many times a failed attempt (connection error, body cut short, `5xx`, `408`, `429`)
    /// is tried again; `0` means a single attempt.
    pub retries: u32,
    /// Wait before the first retry; it doubles with each further retry (up to 30 s).
    pub backoff: Duration,
    /// The `User-Agent` header. Used by [`client`].
    pub user_agent: String,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(30),
            max_bytes: 4 * 1024 * 1024 * 1024,
            retries: 3,
            backoff: Duration::from_millis(500),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

/// Receives download progress, e.g. to drive a progress bar.
///
/// `started` is called when an answer with a body arrives, with the full size of the file when
/// known. It is called again when a later attempt continues or restarts the transfer: the
/// position then starts from zero, and a resumed attempt reports the bytes already on disk
/// through `advanced` straight away. `finished` is called once, when [`fetch`] returns, if
/// `started` was called at all, whether the download succeeded or not.
pub trait Progress: Send {
    /// A body is about to be received; `total` is the full size when known.
    fn started(&mut self, total: Option<u64>);
    /// `bytes` more bytes are on disk.
    fn advanced(&mut self, bytes: u64);
    /// The download is over (successfully or not).
    fn finished(&mut self);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn started(&mut self, _total: Option<u64>) {}
    fn advanced(&mut self, _bytes: u64) {}
    fn finished(&mut self) {}
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {message}")]
    Client {
        /// What went wrong, with its causes.
        message: String,
    },
    /// The URL cannot be downloaded from.
    #[error("{url}: not a downloadable URL: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server answered with an error status (after retries, for transient ones).
    #[error("{url}: the server answered {status}{}{}", attempts_note(*attempts), status_hint(*status))]
    Status {
        /// The URL.
        url: String,
        /// The last status received.
        status: StatusCode,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The transfer kept failing (connection errors or bodies cut short) until the retries ran
    /// out.
    #[error(
        "{url}: download failed after {attempts} attempt{}: {}; last error: {cause}{}",
        if *attempts == 1 { "" } else { "s" },
        arrived(*received, *expected),
        if *resumable { "; the partial download is kept and will be resumed next time" } else { "" }
    )]
    Interrupted {
        /// The URL.
        url: String,
        /// How many attempts were made.
        attempts: u32,
        /// Bytes of the file on disk when giving up.
        received: u64,
        /// The full size, when the server said.
        expected: Option<u64>,
        /// Whether the `.part` file was kept to be resumed by a later run.
        resumable: bool,
        /// The last error, with its causes.
        cause: String,
    },
    /// The body is larger than [`FetchOptions::max_bytes`]; the transfer was aborted.
    #[error(
        "{url}: the file is larger than the limit of {limit} bytes{}; refusing it (raise the \
         limit if this feed really is that large)",
        declared.map_or_else(String::new, |d| format!(" (the server announced {d} bytes)"))
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
        /// The size the server announced, when it did.
        declared: Option<u64>,
    },
    /// The server's answer does not make sense (e.g. a bad `Content-Range`, too many redirects).
    #[error("{url}: unexpected answer from the server: {message}")]
    Protocol {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, e.g. "write the download".
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn arrived(received: u64, expected: Option<u64>) -> String {
    match (received, expected) {
        (0, None) => "no data arrived".to_owned(),
        (r, None) => format!("{r} bytes arrived"),
        (r, Some(e)) => format!("{r} of {e} bytes arrived"),
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

fn status_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 | 403 => "; access was refused: check the URL and any credentials it needs",
        404 | 410 => "; check the feed URL",
        429 => "; the server is rate limiting: try again later",
        500..=599 => "; the server is having trouble: try again later",
        _ => "",
    }
}

/// Builds an HTTP client for [`fetch`]: rustls TLS (aws-lc-rs) with the platform's trust store,
/// `options.user_agent`, and `options.timeout` for connecting and for each read.
pub fn client(options: &FetchOptions) -> Result<reqwest::Client, FetchError> {
    client_with_headers(options, &[])
}

/// As [`client`], sending `headers` with every request; their values are marked sensitive
/// (kept out of debug output), as they may hold an API key.
pub fn client_with_headers(
    options: &FetchOptions,
    headers: &[(&str, &str)],
) -> Result<reqwest::Client, FetchError> {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
            FetchError::Client {
                message: format!("header name {name}: {e}"),
            }
        })?;
        let mut value =
            reqwest::header::HeaderValue::from_str(value).map_err(|e| FetchError::Client {
                message: format!("header {name}: {e}"),
            })?;
        value.set_sensitive(true);
        map.insert(name, value);
    }
    reqwest::Client::builder()
        .default_headers(map)
        .user_agent(options.user_agent.as_str())
        .connect_timeout(options.timeout)
        .read_timeout(options.timeout)
        .build()
        .map_err(|e| FetchError::Client {
            message: error_chain(&e),
        })
}

/// The file name [`fetch`] uses for `url`: its last path segment, with anything but ASCII
/// letters, digits, `.`, `-` and `_` replaced by `_` (`download` when nothing usable is left).
///
/// Feeds whose URLs end in the same name (osv.dev's `.../<ecosystem>/all.zip`) need a
/// directory each, or [`fetch_to`] with an explicit destination.
pub fn file_name_for(url: &str) -> Result<String, FetchError> {
    let parsed = parse_url(url)?;
    let last = parsed
        .path_segments()
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        .unwrap_or("");
    Ok(sanitize_name(last))
}

fn sanitize_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME_LEN)
        .collect();
    if name.trim_matches('.').is_empty() || name.starts_with('.') {
        name = "download".to_owned();
    }
    name
}

fn parse_url(url: &str) -> Result<reqwest::Url, FetchError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::InvalidUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::InvalidUrl {
            url: url.to_owned(),
            reason: format!("scheme `{}` is not http or https", parsed.scheme()),
        });
    }
    Ok(parsed)
}

/// Downloads `url` into `dest_dir`, under the name [`file_name_for`] gives.
///
/// See [`fetch_to`].
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    dest_dir: &Path,
    previous: Option<&Validators>,
    options: &FetchOptions,
    progress: &mut dyn Progress,
) -> Result<FetchOutcome, FetchError> {
    let name = file_name_for(url)?;
    fetch_to(
        client,
        url,
        &dest_dir.join(name),
        previous,
        options,
        progress,
    )
    .await
}

/// Downloads `url` to the file `dest` (created along with its directory if missing, replaced
/// when complete).
///
/// `previous` describes the copy the caller already holds (pass `None` to force a full
/// download). The request is conditional on it; a `304` answer returns
/// [`FetchOutcome::NotModified`] and writes nothing. The body goes to `dest` + `.part` and is
/// renamed to `dest` only when complete (its length matches `Content-Length` when the server
/// gave one). A `.part` left by an interrupted earlier run is resumed when the server allows it.
///
/// Two fetches must not write to the same `dest` at the same time.
pub async fn fetch_to(
    client: &reqwest::Client,
    url: &str,
    dest: &Path,
    previous: Option<&Validators>,
    options: &FetchOptions,
    progress: &mut dyn Progress,
) -> Result<FetchOutcome, FetchError> {
    parse_url(url)?;
    let mut transfer = Transfer {
        client,
        url,
        dest,
        part: with_suffix(dest, ".part"),
        meta: with_suffix(dest, ".part.meta"),
        previous,
        options,
        progress,
        started: false,
        offset: 0,
        hasher: Some(Sha256::new()),
        partial: None,
    };
    let result = transfer.run().await;
    if transfer.started {
        transfer.progress.finished();
    }
    result
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// What is known about the representation being downloaded into `.part`; persisted as
/// `.part.meta` so that a later run can resume it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PartMeta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    accept_ranges: bool,
    total: Option<u64>,
}

impl PartMeta {
    /// The validator to send as `If-Range`, when the partial body can be resumed at all.
    /// Weak ETags are not allowed there (RFC 9110 §13.1.5).
    fn if_range(&self) -> Option<&str> {
        if !self.accept_ranges {
            return None;
        }
        match non_empty(&self.etag) {
            Some(etag) if !etag.starts_with("W/") => Some(etag),
            _ => non_empty(&self.last_modified),
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// How one attempt failed.
enum Failure {
    /// Give up now.
    Fatal(FetchError),
    /// Worth another attempt after a pause.
    Transient(Transient),
    /// The partial body cannot be continued: start again from zero.
    Restart,
}

enum Transient {
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    Network {
        cause: String,
        expected: Option<u64>,
    },
}

struct Transfer<'a> {
    client: &'a reqwest::Client,
    url: &'a str,
    dest: &'a Path,
    part: PathBuf,
    meta: PathBuf,
    previous: Option<&'a Validators>,
    options: &'a FetchOptions,
    progress: &'a mut dyn Progress,
    /// Whether `progress.started` was called.
    started: bool,
    /// Bytes of the current representation in `.part`.
    offset: u64,
    /// Hash of those bytes; `None` when they come from an earlier run and are not hashed yet.
    hasher: Option<Sha256>,
    /// What the bytes in `.part` are; `None` when there are none worth keeping.
    partial: Option<PartMeta>,
}

impl Transfer<'_> {
    async fn run(&mut self) -> Result<FetchOutcome, FetchError> {
        self.load_partial().await;
        let mut attempts: u32 = 0;
        let mut free_restart = true;
        loop {
            attempts = attempts.saturating_add(1);
            let failure = match self.attempt().await {
                Ok(outcome) => return Ok(outcome),
                Err(failure) => failure,
            };
            let transient = match failure {
                Failure::Fatal(error) => {
                    // An oversized or malformed body is not worth resuming.
                    if matches!(
                        error,
                        FetchError::TooLarge { .. } | FetchError::Protocol { .. }
                    ) {
                        self.forget_partial();
                    }
                    self.clean_up_after_failure().await;
                    return Err(error);
                }
                Failure::Restart if free_restart => {
                    // A stale `.part` is not the network's fault: the fresh try is free, once.
                    free_restart = false;
                    attempts -= 1;
                    self.forget_partial();
                    continue;
                }
                Failure::Restart => {
                    self.forget_partial();
                    Transient::Network {
                        cause: "the server would not continue the partial download".to_owned(),
                        expected: None,
                    }
                }
                Failure::Transient(transient) => transient,
            };
            if attempts > self.options.retries {
                // Built before anything is forgotten, so it says how far the data got.
                let error = self.give_up(transient, attempts);
                if !self.resumable() {
                    self.forget_partial();
                }
                self.clean_up_after_failure().await;
                return Err(error);
            }
            if !self.resumable() {
                self.forget_partial();
            }
            let retry_after = match &transient {
                Transient::Status { retry_after, .. } => *retry_after,
                Transient::Network { .. } => None,
            };
            tokio::time::sleep(self.delay(attempts, retry_after)).await;
        }
    }

    fn give_up(&self, transient: Transient, attempts: u32) -> FetchError {
        match transient {
            Transient::Status { status, .. } => FetchError::Status {
                url: self.url.to_owned(),
                status,
                attempts,
            },
            Transient::Network { cause, expected } => FetchError::Interrupted {
                url: self.url.to_owned(),
                attempts,
                received: self.offset,
                expected: expected.or_else(|| self.partial.as_ref().and_then(|p| p.total)),
                resumable: self.resumable(),
                cause,
            },
        }
    }

    /// Wait before attempt `attempts + 1`.
    fn delay(&self, attempts: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        let backoff = self
            .options
            .backoff
            .saturating_mul(1u32 << exponent)
            .min(MAX_BACKOFF);
        retry_after
            .map_or(backoff, |r| r.min(MAX_RETRY_AFTER))
            .max(backoff)
    }

    fn resumable(&self) -> bool {
        self.offset > 0
            && self
                .partial
                .as_ref()
                .is_some_and(|p| p.if_range().is_some())
    }

    fn forget_partial(&mut self) {
        self.offset = 0;
        self.hasher = Some(Sha256::new());
        self.partial = None;
    }

    /// Keeps `.part` only when a later run can resume it.
    async fn clean_up_after_failure(&mut self) {
        if !self.resumable() {
            remove_if_present(&self.part).await;
            remove_if_present(&self.meta).await;
        }
    }

    /// Picks up a `.part` left by an earlier run, when it can be resumed.
    async fn load_partial(&mut self) {
        let Ok(metadata) = tokio::fs::metadata(&self.part).await else {
            return;
        };
        let len = metadata.len();
        let meta: Option<PartMeta> = match tokio::fs::read(&self.meta).await {
            Ok(bytes) => serde_json::from_slice(&bytes).ok(),
            Err(_) => None,
        };
        let Some(meta) = meta else { return };
        let usable = metadata.is_file()
            && meta.url == self.url
            && meta.if_range().is_some()
            && len > 0
            && len <= self.options.max_bytes
            && meta.total.is_none_or(|total| len <= total);
        if usable {
            self.offset = len;
            self.hasher = None;
            self.partial = Some(meta);
        }
    }

    fn protocol(&self, message: impl Into<String>) -> Failure {
        Failure::Fatal(FetchError::Protocol {
            url: self.url.to_owned(),
            message: message.into(),
        })
    }

    fn too_large(&self, declared: Option<u64>) -> Failure {
        Failure::Fatal(FetchError::TooLarge {
            url: self.url.to_owned(),
            limit: self.options.max_bytes,
            declared,
        })
    }

    async fn attempt(&mut self) -> Result<FetchOutcome, Failure> {
        let mut request = self.client.get(self.url);
        let mut conditional = false;
        if let Some(previous) = self.previous {
            if let Some(value) = non_empty(&previous.etag).and_then(header_value) {
                request = request.header(header::IF_NONE_MATCH, value);
                conditional = true;
            }
            if let Some(value) = non_empty(&previous.last_modified).and_then(header_value) {
                request = request.header(header::IF_MODIFIED_SINCE, value);
                conditional = true;
            }
        }
        let if_range = self
            .partial
            .as_ref()
            .and_then(PartMeta::if_range)
            .and_then(header_value);
        let ranged = match if_range {
            Some(if_range) if self.offset > 0 => {
                request = request
                    .header(header::RANGE, format!("bytes={}-", self.offset))
                    .header(header::IF_RANGE, if_range);
                true
            }
            _ => {
                self.forget_partial();
                false
            }
        };

        let response = request.send().await.map_err(|e| self.request_failure(&e))?;
        let status = response.status();
        match status {
            StatusCode::NOT_MODIFIED if conditional => Ok(FetchOutcome::NotModified),
            StatusCode::PARTIAL_CONTENT if ranged => {
                let total = self.begin_partial(&response).await?;
                self.receive(response, total).await
            }
            StatusCode::PARTIAL_CONTENT => {
                Err(self.protocol("206 Partial Content to a request without Range"))
            }
            StatusCode::RANGE_NOT_SATISFIABLE if ranged => Err(Failure::Restart),
            s if s.is_success() => {
                let total = self.begin_full(&response).await?;
                self.receive(response, total).await
            }
            s if is_transient_status(s) => Err(Failure::Transient(Transient::Status {
                status: s,
                retry_after: retry_after(response.headers()),
            })),
            s => Err(Failure::Fatal(FetchError::Status {
                url: self.url.to_owned(),
                status: s,
                attempts: 1,
            })),
        }
    }

    fn request_failure(&self, error: &reqwest::Error) -> Failure {
        if error.is_builder() || error.is_redirect() {
            self.protocol(error_chain(error))
        } else {
            Failure::Transient(Transient::Network {
                cause: error_chain(error),
                expected: None,
            })
        }
    }

    /// A whole body is coming: start `.part` afresh. Returns the announced size.
    async fn begin_full(&mut self, response: &reqwest::Response) -> Result<Option<u64>, Failure> {
        let total = response.content_length();
        if total.is_some_and(|t| t > self.options.max_bytes) {
            return Err(self.too_large(total));
        }
        let validators = Validators::from_headers(response.headers());
        let meta = PartMeta {
            url: self.url.to_owned(),
            etag: validators.etag,
            last_modified: validators.last_modified,
            accept_ranges: accepts_byte_ranges(response.headers()),
            total,
        };
        if let Some(dir) = self.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(fatal_io(dir, "create the download directory"))?;
        }
        if meta.if_range().is_some() {
            let json = serde_json::to_vec(&meta).map_err(|e| self.protocol(e.to_string()))?;
            tokio::fs::write(&self.meta, json)
                .await
                .map_err(fatal_io(&self.meta, "record how to resume the download"))?;
        } else {
            remove_if_present(&self.meta).await;
        }
        self.offset = 0;
        self.hasher = Some(Sha256::new());
        self.partial = Some(meta);
        self.report_start(total);
        Ok(total)
    }

    /// The rest of the body is coming. Returns the full size, when known.
    async fn begin_partial(
        &mut self,
        response: &reqwest::Response,
    ) -> Result<Option<u64>, Failure> {
        let range = response
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_content_range);
        let Some((start, end, complete)) = range else {
            return Err(self.protocol("206 Partial Content without a valid Content-Range"));
        };
        if start != self.offset {
            return Err(Failure::Restart);
        }
        if complete.is_some_and(|c| end >= c) {
            return Err(self.protocol(format!(
                "Content-Range ends at byte {end}, past the file size"
            )));
        }
        // A server that honours If-Range only sends 206 for the same representation; check
        // what it says anyway rather than splice two versions together.
        let validators = Validators::from_headers(response.headers());
        let partial_etag = self.partial.as_ref().and_then(|p| non_empty(&p.etag));
        if let (Some(now), Some(before)) = (non_empty(&validators.etag), partial_etag)
            && now != before
        {
            return Err(Failure::Restart);
        }
        let total = complete.or_else(|| self.partial.as_ref().and_then(|p| p.total));
        if total.is_some_and(|t| t > self.options.max_bytes) {
            return Err(self.too_large(total));
        }
        if self.hasher.is_none() {
            self.hasher = Some(self.hash_part().await?);
        }
        if let Some(partial) = self.partial.as_mut()
            && partial.total.is_none()
        {
            partial.total = total;
        }
        self.report_start(total);
        self.progress.advanced(self.offset);
        Ok(total)
    }

    /// Hashes the first `offset` bytes of `.part` (left by an earlier run).
    async fn hash_part(&mut self) -> Result<Sha256, Failure> {
        let file = tokio::fs::File::open(&self.part)
            .await
            .map_err(fatal_io(&self.part, "read the partial download"))?;
        let mut reader = file.take(self.offset);
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; WRITE_BUFFER];
        let mut read_total: u64 = 0;
        loop {
            let n = reader
                .read(&mut buffer)
                .await
                .map_err(fatal_io(&self.part, "read the partial download"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            read_total += n as u64;
        }
        if read_total != self.offset {
            // The file shrank under us; do not trust it.
            return Err(Failure::Restart);
        }
        Ok(hasher)
    }

    fn report_start(&mut self, total: Option<u64>) {
        self.started = true;
        self.progress.started(total);
    }

    /// Streams the body into `.part` from `offset` on, then renames it when complete.
    async fn receive(
        &mut self,
        mut response: reqwest::Response,
        total: Option<u64>,
    ) -> Result<FetchOutcome, Failure> {
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&self.part)
            .await
            .map_err(fatal_io(&self.part, "create the partial download"))?;
        file.set_len(self.offset)
            .await
            .map_err(fatal_io(&self.part, "write the partial download"))?;
        file.seek(std::io::SeekFrom::Start(self.offset))
            .await
            .map_err(fatal_io(&self.part, "write the partial download"))?;
        let mut writer = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut hasher = self.hasher.take().unwrap_or_default();

        let streamed = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let next = self.offset.saturating_add(chunk.len() as u64);
                    if next > self.options.max_bytes {
                        break Err(self.too_large(total));
                    }
                    if let Err(e) = writer.write_all(&chunk).await {
                        break Err(fatal_io(&self.part, "write the download")(e));
                    }
                    hasher.update(&chunk);
                    self.offset = next;
                    self.progress.advanced(chunk.len() as u64);
                }
                Ok(None) => break Ok(()),
                Err(e) => {
                    break Err(Failure::Transient(Transient::Network {
                        cause: error_chain(&e),
                        expected: total,
                    }));
                }
            }
        };
        // Whatever happened, what was received must be on disk so `offset` stays true.
        writer
            .flush()
            .await
            .map_err(fatal_io(&self.part, "write the download"))?;
        self.hasher = Some(hasher);
        streamed?;

        if let Some(expected) = total {
            if self.offset < expected {
                return Err(Failure::Transient(Transient::Network {
                    cause: format!("the body ended after {} of {expected} bytes", self.offset),
                    expected: total,
                }));
            }
            if self.offset > expected {
                return Err(self.protocol(format!(
                    "received {} bytes, more than the {expected} announced",
                    self.offset
                )));
            }
        }

        let file = writer.into_inner();
        file.sync_all()
            .await
            .map_err(fatal_io(&self.part, "write the download"))?;
        drop(file);
        tokio::fs::rename(&self.part, self.dest)
            .await
            .map_err(fatal_io(self.dest, "move the finished download into place"))?;
        remove_if_present(&self.meta).await;

        let mut validators = Validators::from_headers(response.headers());
        if validators.is_empty()
            && let Some(partial) = &self.partial
        {
            validators = Validators {
                etag: partial.etag.clone(),
                last_modified: partial.last_modified.clone(),
            };
        }
        let sha256 = crate::hex(&self.hasher.take().unwrap_or_default().finalize());
        self.partial = None;
        self.offset = 0;
        Ok(FetchOutcome::Downloaded {
            path: self.dest.to_path_buf(),
            bytes: tokio::fs::metadata(self.dest)
                .await
                .map(|m| m.len())
                .map_err(fatal_io(self.dest, "read the finished download"))?,
            validators,
            sha256,
        })
    }
}

fn fatal_io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> Failure {
    let path = path.to_path_buf();
    move |source| {
        Failure::Fatal(FetchError::Io {
            path,
            action,
            source,
        })
    }
}

fn header_value(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

fn is_transient_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

fn accepts_byte_ranges(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_RANGES)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|unit| unit.trim().eq_ignore_ascii_case("bytes"))
}

/// `Retry-After` in seconds (the HTTP-date form is ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Parses `bytes START-END/COMPLETE` (COMPLETE may be `*`).
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, complete) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let complete = match complete.trim() {
        "*" => None,
        c => Some(c.parse().ok()?),
    };
    (start <= end).then_some((start, end, complete))
}

async fn remove_if_present(path: &Path) {
    // Best effort: a leftover file is harmless (it is never taken for a finished download).
    let _ = tokio::fs::remove_file(path).await;
}

/// An error and its causes, `: `-separated, without repeating a message.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut last = out.clone();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !message.is_empty() && !last.contains(&message) {
            out.push_str(": ");
            out.push_str(&message);
        }
        last = message;
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            Some((100, 199, Some(200)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes */200"), None);
    }

    #[test]
    fn names_come_from_the_last_segment() {
        let name = |u: &str| file_name_for(u).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name("https://x.invalid/a/b/all.zip"), "all.zip");
        assert_eq!(name("https://x.invalid/a/b/"), "b");
        assert_eq!(name("https://x.invalid/"), "download");
        assert_eq!(name("https://x.invalid/..%2F..%2Fetc"), "download");
        assert_eq!(name("https://x.invalid/feeds/a%20b.json?x=1"), "a_20b.json");
        assert_eq!(name("https://x.invalid/%2E%2E"), "download");
        assert_eq!(name("https://x.invalid/.hidden"), "download");
        assert!(file_name_for("ftp://x.invalid/a").is_err());
        assert!(file_name_for("not a url").is_err());
    }

    #[test]
    fn if_range_needs_ranges_and_a_strong_validator() {
        let meta = |etag: Option<&str>, lm: Option<&str>, ranges| PartMeta {
            url: String::new(),
            etag: etag.map(str::to_owned),
            last_modified: lm.map(str::to_owned),
            accept_ranges: ranges,
            total: None,
        };
        assert_eq!(meta(Some("\"a\""), None, true).if_range(), Some("\"a\""));
        assert_eq!(meta(Some("W/\"a\""), None, true).if_range(), None);
        assert_eq!(
            meta(Some("W/\"a\""), Some("Mon, 01 Jan 2024 00:00:00 GMT"), true).if_range(),
            Some("Mon, 01 Jan 2024 00:00:00 GMT")
        );
        assert_eq!(meta(Some("\"a\""), None, false).if_range(), None);
    }
}
