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
    /// NVD CVE API 2.0 responses to import (pages of the API, or files on a mirror).
    pub nvd_urls: Vec<String>,
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
            })
            .collect();
        if !self.kev_url.is_empty() {
            out.push(FeedSource {
                name: "kev".into(),
                kind: FeedKind::Kev,
                url: self.kev_url.clone(),
            });
        }
        if !self.epss_url.is_empty() {
            out.push(FeedSource {
                name: "epss".into(),
                kind: FeedKind::Epss,
                url: self.epss_url.clone(),
            });
        }
        for (i, url) in self.nvd_urls.iter().enumerate() {
            out.push(FeedSource {
                name: format!("nvd:{}", i + 1),
                kind: FeedKind::Nvd,
                url: url.clone(),
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
    progress: &mut dyn FnMut(&FeedSource) -> Box<dyn Progress>,
) -> Result<Vec<UpdateReport>, EngineError> {
    let client = fetch::client(options).map_err(|e| EngineError::Feed {
        path: "HTTP client".into(),
        message: e.to_string(),
    })?;
    let known = store.sources().await?;
    let mut reports = Vec::new();
    for source in sources {
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
}
