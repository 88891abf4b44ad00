//! `db update`: download every configured feed with conditional requests and import what
//! changed. Each source succeeds or fails on its own; a failure leaves that source's stored
//! data exactly as it was and is recorded for `db status`.

use std::path::{Path, PathBuf};

use patchwarden_intel::fetch::{self, FetchOptions, FetchOutcome, Progress, Validators};
use patchwarden_store::{SourceMeta, Store};
use serde::{Deserialize, Serialize};

use crate::intel::{FeedKind, import_feed};
use crate::{EngineError, Strictness};

/// Default base of the osv.dev per-ecosystem archives (`<base>/<ecosystem>/all.zip`).
pub const DEFAULT_OSV_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// Default CISA KEV catalog URL.
pub const DEFAULT_KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// Default EPSS daily scores URL.
pub const DEFAULT_EPSS_URL: &str = "https://epss.cyentia.com/epss_scores-current.csv.gz";

/// Where the feeds come from: the `[intel]` table of the configuration file. Every URL can
/// point at an organisation's own mirror.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntelConfig {
    /// Base URL of the per-ecosystem OSV archives.
    pub osv_base_url: String,
    /// OSV ecosystems to download (`crates.io`, `npm`, `PyPI`, `Debian`...).
    pub osv_ecosystems: Vec<String>,
    /// CISA KEV catalog URL; empty to skip.
    pub kev_url: String,
    /// EPSS scores URL (CSV or gzip CSV); empty to skip.
    pub epss_url: String,
    /// NVD CVE API 2.0 responses to import as they are (single pages, or files on a mirror).
    pub nvd_urls: Vec<String>,
    /// NVD CVE API 2.0 endpoint to page through (`startIndex`), asking only for CVEs modified
    /// since the last success when that is under 120 days ago; empty to skip.
    pub nvd_api_url: String,
    /// Results per NVD API request (the API allows at most 2,000).
    pub nvd_page_size: u32,
    /// Environment variable holding an NVD API key (sent as the `apiKey` header; never stored
    /// in the configuration file).
    pub nvd_api_key_env: String,
    /// Pause between NVD API requests, in milliseconds (NVD asks for 6 s without a key).
    pub nvd_request_delay_ms: u64,
    /// Hours after which OSV, KEV and EPSS sources count as stale in `db status`.
    pub freshness_hours: i64,
}

impl Default for IntelConfig {
    fn default() -> Self {
        IntelConfig {
            osv_base_url: DEFAULT_OSV_BASE_URL.to_string(),
            osv_ecosystems: [
                "crates.io",
                "npm",
                "PyPI",
                "Go",
                "Maven",
                "NuGet",
                "RubyGems",
                "Packagist",
            ]
            .map(String::from)
            .to_vec(),
            kev_url: DEFAULT_KEV_URL.to_string(),
            epss_url: DEFAULT_EPSS_URL.to_string(),
            nvd_urls: Vec::new(),
            nvd_api_url: String::new(),
            nvd_page_size: 2000,
            nvd_api_key_env: "NVD_API_KEY".to_string(),
            nvd_request_delay_ms: 6000,
            freshness_hours: 24,
        }
    }
}

/// One feed to update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedSource {
    /// Source name in the store (`osv:PyPI`, `kev`, `epss`, `nvd:1`).
    pub name: String,
    /// Feed kind.
    pub kind: FeedKind,
    /// Download URL.
    pub url: String,
    /// For the NVD API: how to page through it; `None` for a plain download.
    pub nvd_api: Option<NvdApi>,
}

/// How `db update` pages through the NVD CVE API 2.0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NvdApi {
    /// Results per request.
    pub page_size: u32,
    /// Environment variable holding the API key.
    pub api_key_env: String,
    /// Pause between requests, milliseconds.
    pub delay_ms: u64,
}

/// Percent-encodes the characters of an ecosystem name that cannot stand in a URL path.
fn path_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl IntelConfig {
    /// The feeds this configuration names, in update order.
    pub fn sources(&self) -> Vec<FeedSource> {
        let base = self.osv_base_url.trim_end_matches('/');
        let mut out: Vec<FeedSource> = self
            .osv_ecosystems
            .iter()
            .map(|e| FeedSource {
                name: format!("osv:{e}"),
                kind: FeedKind::Osv,
                url: format!("{base}/{}/all.zip", path_segment(e)),
                nvd_api: None,
            })
            .collect();
        if !self.kev_url.is_empty() {
            out.push(FeedSource {
                name: "kev".into(),
                kind: FeedKind::Kev,
                url: self.kev_url.clone(),
                nvd_api: None,
            });
        }
        if !self.epss_url.is_empty() {
            out.push(FeedSource {
                name: "epss".into(),
                kind: FeedKind::Epss,
                url: self.epss_url.clone(),
                nvd_api: None,
            });
        }
        for (i, url) in self.nvd_urls.iter().enumerate() {
            out.push(FeedSource {
                name: format!("nvd:{}", i + 1),
                kind: FeedKind::Nvd,
                url: url.clone(),
                nvd_api: None,
            });
        }
        if !self.nvd_api_url.is_empty() {
            out.push(FeedSource {
                name: "nvd-api".into(),
                kind: FeedKind::Nvd,
                url: self.nvd_api_url.clone(),
                nvd_api: Some(NvdApi {
                    page_size: self.nvd_page_size.clamp(1, 2000),
                    api_key_env: self.nvd_api_key_env.clone(),
                    delay_ms: self.nvd_request_delay_ms,
                }),
            });
        }
        out
    }
}

/// What happened to one source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum UpdateOutcome {
    /// The server said the stored copy is current (HTTP 304).
    NotModified,
    /// Downloaded and imported.
    Imported {
        /// Bytes downloaded.
        bytes: u64,
        /// Records in the file.
        records: usize,
        /// Advisories new or changed (OSV only).
        changed: usize,
    },
    /// Downloaded (the server ignored or lacked validators), but byte-identical to the copy
    /// imported last time: not imported again.
    Unchanged {
        /// Bytes downloaded.
        bytes: u64,
    },
    /// Download or import failed; stored data unchanged.
    Failed {
        /// Why.
        error: String,
    },
}

/// One line of the update report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    /// Source name.
    pub name: String,
    /// URL.
    pub url: String,
    /// Outcome.
    #[serde(flatten)]
    pub outcome: UpdateOutcome,
}

/// A file-system-safe folder name for a source.
fn folder_for(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Updates every source: conditional download into `cache_dir`, then import when changed.
/// `progress` makes a progress reporter for each source.
pub async fn update(
    store: &Store,
    sources: &[FeedSource],
    cache_dir: &Path,
    options: &FetchOptions,
    now: &str,
    progress: &mut (dyn FnMut(&FeedSource) -> Box<dyn Progress> + Send),
) -> Result<Vec<UpdateReport>, EngineError> {
    let client = fetch::client(options).map_err(|e| EngineError::Feed {
        path: "HTTP client".into(),
        message: e.to_string(),
    })?;
    let known = store.sources().await?;
    let mut reports = Vec::new();
    for source in sources {
        if let Some(api) = &source.nvd_api {
            let last_success = known
                .iter()
                .find(|s| s.name == source.name)
                .and_then(|s| s.last_success.clone());
            let dir = cache_dir.join(folder_for(&source.name));
            let mut reporter = progress(source);
            let outcome = update_nvd_api(
                store,
                source,
                api,
                last_success.as_deref(),
                &dir,
                options,
                now,
                reporter.as_mut(),
            )
            .await?;
            reports.push(UpdateReport {
                name: source.name.clone(),
                url: source.url.clone(),
                outcome,
            });
            continue;
        }
        let previous = known.iter().find(|s| s.name == source.name).and_then(|s| {
            s.last_success.as_ref()?;
            let v = Validators {
                etag: s.etag.clone(),
                last_modified: s.last_modified.clone(),
            };
            (!v.is_empty()).then_some(v)
        });
        let meta = SourceMeta {
            name: source.name.clone(),
            kind: source.kind.as_str().to_string(),
            location: source.url.clone(),
            ..Default::default()
        };
        let dir: PathBuf = cache_dir.join(folder_for(&source.name));
        let file = fetch::file_name_for(&source.url).unwrap_or_else(|_| "feed".to_string());
        let mut reporter = progress(source);
        let fetched = fetch::fetch_to(
            &client,
            &source.url,
            &dir.join(file),
            previous.as_ref(),
            options,
            reporter.as_mut(),
        )
        .await;
        let outcome = match fetched {
            Ok(FetchOutcome::NotModified) => {
                store.record_source_unchanged(&source.name, now).await?;
                UpdateOutcome::NotModified
            }
            Ok(FetchOutcome::Downloaded {
                path,
                bytes,
                validators,
                sha256,
            }) => {
                let meta = SourceMeta {
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                    sha256: Some(sha256),
                    ..meta.clone()
                };
                match import_feed(
                    store,
                    &path,
                    source.kind,
                    meta,
                    Strictness::Lenient,
                    now,
                    false,
                )
                .await
                {
                    Ok(r) if r.source_unchanged => UpdateOutcome::Unchanged { bytes },
                    Ok(r) => UpdateOutcome::Imported {
                        bytes,
                        records: r.read,
                        changed: r.stats.inserted + r.stats.updated,
                    },
                    // import_feed recorded the failure; the source's data is unchanged.
                    Err(e) => UpdateOutcome::Failed {
                        error: e.to_string(),
                    },
                }
            }
            Err(e) => {
                let error = e.to_string();
                store.record_source_failure(&meta, &error, now).await?;
                UpdateOutcome::Failed { error }
            }
        };
        reports.push(UpdateReport {
            name: source.name.clone(),
            url: source.url.clone(),
            outcome,
        });
    }
    store.refresh_identities().await?;
    Ok(reports)
}

/// NVD allows a `lastMod` window of at most 120 days; older stores fetch everything again.
const NVD_MAX_WINDOW_DAYS: i64 = 120;

/// `lastModStartDate`/`lastModEndDate` parameters for the CVEs modified since `last_success`
/// (an hour of overlap), or nothing for a full download.
fn nvd_window(last_success: Option<&str>, now: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let parse = |t: &str| time::OffsetDateTime::parse(t, &Rfc3339).ok();
    let (Some(since), Some(until)) = (last_success.and_then(parse), parse(now)) else {
        return String::new();
    };
    let start = since - time::Duration::hours(1);
    if until - start >= time::Duration::days(NVD_MAX_WINDOW_DAYS) || start > until {
        return String::new();
    }
    let format = |t: time::OffsetDateTime| {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000%2B00:00",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    format!(
        "&lastModStartDate={}&lastModEndDate={}",
        format(start),
        format(until)
    )
}

/// Pages through the NVD CVE API (`startIndex`), then imports every page in one
/// transaction. Any failed page leaves the stored NVD data as it was.
#[allow(clippy::too_many_arguments)]
async fn update_nvd_api(
    store: &Store,
    source: &FeedSource,
    api: &NvdApi,
    last_success: Option<&str>,
    dir: &Path,
    options: &FetchOptions,
    now: &str,
    progress: &mut dyn Progress,
) -> Result<UpdateOutcome, EngineError> {
    let meta = SourceMeta {
        name: source.name.clone(),
        kind: source.kind.as_str().to_string(),
        location: source.url.clone(),
        ..Default::default()
    };
    match page_through_nvd(source, api, last_success, dir, options, now, progress).await {
        Ok((pages, bytes)) => {
            match crate::intel::import_nvd_pages(store, &pages, meta.clone(), now).await {
                Ok(r) => Ok(UpdateOutcome::Imported {
                    bytes,
                    records: r.read,
                    changed: r.read,
                }),
                Err(e) => {
                    let error = e.to_string();
                    store.record_source_failure(&meta, &error, now).await?;
                    Ok(UpdateOutcome::Failed { error })
                }
            }
        }
        Err(error) => {
            store.record_source_failure(&meta, &error, now).await?;
            Ok(UpdateOutcome::Failed { error })
        }
    }
}

/// Downloads every page of the query into `dir`; returns the page files and total bytes.
async fn page_through_nvd(
    source: &FeedSource,
    api: &NvdApi,
    last_success: Option<&str>,
    dir: &Path,
    options: &FetchOptions,
    now: &str,
    progress: &mut dyn Progress,
) -> Result<(Vec<PathBuf>, u64), String> {
    let key = std::env::var(&api.api_key_env)
        .ok()
        .filter(|k| !k.trim().is_empty());
    let headers: Vec<(&str, &str)> = key.iter().map(|k| ("apiKey", k.trim())).collect();
    let client = fetch::client_with_headers(options, &headers).map_err(|e| e.to_string())?;
    // Pages of an earlier run must not be mistaken for this one's.
    if dir.is_dir() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let window = nvd_window(last_success, now);
    let separator = if source.url.contains('?') { '&' } else { '?' };
    let mut pages = Vec::new();
    let mut bytes_total = 0;
    let mut start: u64 = 0;
    let mut page_limit: Option<u64> = None;
    loop {
        if !pages.is_empty() && api.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(api.delay_ms)).await;
        }
        let url = format!(
            "{}{separator}resultsPerPage={}&startIndex={start}{window}",
            source.url, api.page_size
        );
        let dest = dir.join(format!("page-{:06}.json", pages.len()));
        let fetched = fetch::fetch_to(&client, &url, &dest, None, options, progress)
            .await
            .map_err(|e| e.to_string())?;
        let (path, bytes) = match fetched {
            FetchOutcome::Downloaded { path, bytes, .. } => (path, bytes),
            FetchOutcome::NotModified => {
                return Err(format!("{url}: unexpected 304 Not Modified"));
            }
        };
        let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let page =
            patchwarden_intel::nvd::parse_nvd_page(&text).map_err(|e| format!("{url}: {e}"))?;
        bytes_total += bytes;
        pages.push(path);
        let count = page.cves.len() as u64;
        let total = page.total_results;
        // A server that keeps answering must not keep us paging forever.
        let limit = *page_limit.get_or_insert(total / u64::from(api.page_size.max(1)) + 2);
        start += count;
        if count == 0 || start >= total {
            if count == 0 && start < total {
                return Err(format!(
                    "{url}: empty page at startIndex {start} of {total} results"
                ));
            }
            break;
        }
        if pages.len() as u64 >= limit {
            return Err(format!(
                "{}: more than {limit} pages for {total} results; stopping",
                source.url
            ));
        }
    }
    Ok((pages, bytes_total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sources_cover_osv_kev_and_epss() {
        let sources = IntelConfig::default().sources();
        assert_eq!(
            sources[0].url,
            format!("{DEFAULT_OSV_BASE_URL}/crates.io/all.zip")
        );
        assert!(sources.iter().any(|s| s.kind == FeedKind::Kev));
        assert!(sources.iter().any(|s| s.kind == FeedKind::Epss));
    }

    #[test]
    fn ecosystem_names_are_escaped_in_urls() {
        let config = IntelConfig {
            osv_base_url: "http://mirror.invalid/osv/".into(),
            osv_ecosystems: vec!["Red Hat".into(), "Debian:12".into()],
            kev_url: String::new(),
            epss_url: String::new(),
            ..IntelConfig::default()
        };
        let urls: Vec<String> = config.sources().into_iter().map(|s| s.url).collect();
        assert_eq!(
            urls,
            [
                "http://mirror.invalid/osv/Red%20Hat/all.zip",
                "http://mirror.invalid/osv/Debian%3A12/all.zip"
            ]
        );
        assert_eq!(folder_for("osv:Debian:12"), "osv_Debian_12");
    }

    #[test]
    fn nvd_windows_start_an_hour_before_the_last_success_and_cap_at_120_days() {
        assert_eq!(
            nvd_window(Some("2026-11-20T10:30:00Z"), "2026-11-23T12:00:00Z"),
            "&lastModStartDate=2026-11-20T09:30:00.000%2B00:00&lastModEndDate=2026-11-23T12:00:00.000%2B00:00"
        );
        assert_eq!(nvd_window(None, "2026-11-23T12:00:00Z"), "");
        assert_eq!(
            nvd_window(Some("2026-01-01T00:00:00Z"), "2026-11-23T12:00:00Z"),
            "",
            "older than 120 days: everything again"
        );
        assert_eq!(nvd_window(Some("not a time"), "2026-11-23T12:00:00Z"), "");
    }
}
