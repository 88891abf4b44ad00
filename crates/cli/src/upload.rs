//! `scan --upload`: sends the scan JSON document to a Patchwarden server, which evaluates and
//! records it as an artifact of a project, and reads back what recording changed.
//!
//! `POST {URL}/api/v1/products/{product}/projects/{project}/scans?artifact=..&commit=..`
//! with `Authorization: Bearer {token}`; the answer is `201 {"format", "record",
//! "findings_active"}` or an error status with `{"error": "..."}` (docs/api.md, "Uploading a
//! scan").

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use patchwarden_engine::portfolio::RecordSummary;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};

/// How long an upload may take, connecting included, unless `--upload-timeout` says.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Largest answer read from the server.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// An API token. Its `Debug` form hides it, so that it never reaches a log or an error.
#[derive(Clone)]
pub(crate) struct Token(String);

impl std::str::FromStr for Token {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token(s.to_string()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// Where and how to send a scan, checked before the scan runs.
#[derive(Debug)]
pub(crate) struct Upload {
    /// The endpoint, with the query.
    url: reqwest::Url,
    /// `Bearer <token>`, marked sensitive.
    authorization: HeaderValue,
    timeout: Duration,
}

/// What the server answered to an upload.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Answer {
    /// The document format it recognised (`patchwarden-scan`).
    pub(crate) format: String,
    /// What recording the artifact changed.
    pub(crate) record: RecordSummary,
    /// Findings of the project still to handle after recording.
    pub(crate) findings_active: i64,
}

impl Upload {
    /// Checks the server URL, the names and the token, and builds the endpoint URL:
    /// `{base}/api/v1/products/{product}/projects/{project}/scans`, with `artifact` and
    /// `commit` as query parameters when known.
    pub(crate) fn new(
        base: &str,
        product: &str,
        project: &str,
        artifact: Option<&str>,
        commit: Option<&str>,
        token: Option<&Token>,
        timeout: Option<Duration>,
    ) -> Result<Upload> {
        let url = endpoint(base, product, project, artifact, commit)?;
        let Some(Token(token)) = token else {
            bail!(
                "--upload needs an API token: pass --token or set PATCHWARDEN_TOKEN (`patchwarden token create` makes one)"
            );
        };
        let token = token.trim();
        if token.is_empty() {
            bail!("the API token (--token or PATCHWARDEN_TOKEN) is empty");
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            anyhow!("the API token (--token or PATCHWARDEN_TOKEN) has characters an HTTP header cannot carry")
        })?;
        authorization.set_sensitive(true);
        Ok(Upload {
            url,
            authorization,
            timeout: timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }

    /// The endpoint, as errors name it.
    pub(crate) fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Sends `body` (the scan JSON) and reads the server's answer. Any failure (no
    /// connection, a timeout, a status other than 2xx, an answer that is not the expected
    /// JSON) is an error naming the URL, the status and the server's `error` text.
    pub(crate) async fn send(&self, body: Vec<u8>) -> Result<Answer> {
        let url = self.url.as_str();
        let client = reqwest::Client::builder()
            .user_agent(concat!("patchwarden/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            // A redirect could carry the token elsewhere: the server must answer directly.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                anyhow!(
                    "upload to {url}: cannot build the HTTP client: {}",
                    chain(&e)
                )
            })?;
        let mut response = client
            .post(self.url.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| anyhow!("upload to {url} failed: {}", chain(&e.without_url())))?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            anyhow!(
                "upload to {url} failed: HTTP {status}, reading the answer: {}",
                chain(&e)
            )
        })? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                bail!(
                    "upload to {url} failed: HTTP {status}, the answer is larger than {} MiB",
                    MAX_ANSWER_BYTES / (1024 * 1024)
                );
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_redirection() {
            bail!(
                "upload to {url} failed: HTTP {status}, redirected to {}; give the server's address after redirects as --upload",
                location
                    .as_deref()
                    .map(clip)
                    .unwrap_or_else(|| "nowhere".into())
            );
        }
        if !status.is_success() {
            bail!(
                "upload to {url} failed: HTTP {status}: {}",
                error_text(&bytes)
            );
        }
        serde_json::from_slice::<Answer>(&bytes).with_context(|| {
            format!("upload to {url}: the server answered HTTP {status} but not with the expected JSON (format, record, findings_active)")
        })
    }
}

/// The endpoint URL for a base URL (with or without a trailing `/`) and the names, every path
/// segment and query value percent-encoded.
fn endpoint(
    base: &str,
    product: &str,
    project: &str,
    artifact: Option<&str>,
    commit: Option<&str>,
) -> Result<reqwest::Url> {
    let parsed = reqwest::Url::parse(base.trim())
        .map_err(|e| anyhow!("--upload {}: not a URL: {e}", clip(base)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!(
            "--upload {}: the scheme must be http or https, not {}",
            clip(base),
            parsed.scheme()
        );
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        bail!(
            "--upload: the URL must not carry credentials; pass the API token with --token or PATCHWARDEN_TOKEN"
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        bail!(
            "--upload {}: give the server's base URL, without a query or fragment",
            clip(base)
        );
    }
    for (what, name) in [("product", product), ("project", project)] {
        if name.trim().is_empty() || name == "." || name == ".." {
            bail!("--{what} {name:?} cannot name a {what} in a URL");
        }
    }
    let mut url = format!(
        "{}/api/v1/products/{}/projects/{}/scans",
        parsed.as_str().trim_end_matches('/'),
        encode(product),
        encode(project)
    );
    let query: Vec<String> = [("artifact", artifact), ("commit", commit)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
        .collect();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    reqwest::Url::parse(&url).map_err(|e| anyhow!("--upload {}: {e}", clip(base)))
}

/// `s` with every byte outside RFC 3986's unreserved characters percent-encoded.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a failed answer says: its JSON `error`, else its first line of text, else nothing.
fn error_text(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(e) = v.get("error").and_then(|e| e.as_str())
    {
        return clip(e);
    }
    let text = String::from_utf8_lossy(body);
    match text.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(line) => clip(line),
        None => "(no error message)".into(),
    }
}

/// One line of at most 300 characters.
fn clip(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

/// An error and its causes, `: `-separated (reqwest's own message says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(base: &str, artifact: Option<&str>, commit: Option<&str>) -> String {
        endpoint(base, "shop", "api", artifact, commit)
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn endpoints_are_built_with_or_without_a_trailing_slash() {
        assert_eq!(
            url("https://pw.example", None, None),
            "https://pw.example/api/v1/products/shop/projects/api/scans"
        );
        assert_eq!(
            url("https://pw.example/", Some("v1.2"), None),
            "https://pw.example/api/v1/products/shop/projects/api/scans?artifact=v1.2"
        );
        assert_eq!(
            url("http://127.0.0.1:8080/patchwarden/", None, Some("abc123")),
            "http://127.0.0.1:8080/patchwarden/api/v1/products/shop/projects/api/scans?commit=abc123"
        );
        let odd = endpoint(
            "http://h",
            "web shop/ü",
            "a?b#c",
            Some("x&y=z"),
            Some("d e"),
        )
        .map(|u| u.to_string())
        .unwrap_or_default();
        assert_eq!(
            odd,
            "http://h/api/v1/products/web%20shop%2F%C3%BC/projects/a%3Fb%23c/scans?artifact=x%26y%3Dz&commit=d%20e"
        );
    }

    #[test]
    fn bad_urls_names_and_tokens_are_refused() {
        for (base, expected) in [
            ("pw.example", "not a URL"),
            ("ftp://pw.example", "must be http or https"),
            (
                "https://user:secret@pw.example",
                "must not carry credentials",
            ),
            ("https://pw.example/?x=1", "without a query"),
        ] {
            let e = url(base, None, None);
            assert!(e.contains(expected), "{base}: {e}");
            assert!(!e.contains("secret"), "{e}");
        }
        for name in ["", " ", ".", ".."] {
            let e = endpoint("http://h", name, "api", None, None)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("cannot name a product"), "{name:?}: {e}");
        }
        let new = |token: Option<&str>| {
            let token = token.map(|t| Token(t.to_string()));
            Upload::new("http://h", "p", "q", None, None, token.as_ref(), None)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(new(None).contains("needs an API token"));
        assert!(new(Some("  \n")).contains("is empty"));
        let e = new(Some("pw_se\u{7}cret"));
        assert!(e.contains("cannot carry") && !e.contains("cret"), "{e}");
        assert_eq!(
            new(Some("pw_token\n")),
            "",
            "surrounding blanks are trimmed"
        );
        let debug = format!("{:?}", Token("pw_secret".into()));
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn error_texts_come_from_the_json_or_the_first_line() {
        assert_eq!(
            error_text(br#"{"error": "no grant on product shop"}"#),
            "no grant on product shop"
        );
        assert_eq!(error_text(b"\n  Bad Gateway \n<html>"), "Bad Gateway");
        assert_eq!(error_text(b""), "(no error message)");
        assert_eq!(clip(&"x".repeat(400)).chars().count(), 301);
    }
}
