//! `patchwarden db import|status|show`: the advisory database.

use std::path::PathBuf;

use anyhow::{Context, Result};
use patchwarden_engine::Strictness;
use patchwarden_engine::intel::{FeedKind, import_feed, source_name};
use patchwarden_store::{SourceMeta, Store};
use serde_json::{Value, json};

use crate::{Format, Global, now_rfc3339, open_store, write_output};

/// `db import`: every path as one source, malformed OSV records skipped and counted.
pub async fn import(
    global: &Global,
    paths: &[PathBuf],
    kind: Option<&str>,
    force: bool,
    reevaluate: bool,
) -> Result<u8> {
    let forced = kind
        .map(|k| {
            FeedKind::parse(k)
                .with_context(|| format!("unknown feed kind `{k}` (osv, kev, epss, nvd)"))
        })
        .transpose()?;
    let mut kinds = Vec::new();
    for p in paths {
        std::fs::metadata(p).with_context(|| format!("{}", p.display()))?;
        kinds.push(match forced {
            Some(k) => k,
            None => FeedKind::detect(p)?,
        });
    }
    let store = open_store(global).await?;
    let now = now_rfc3339();
    let mut changed = false;
    for (path, kind) in paths.iter().zip(kinds) {
        let meta = SourceMeta {
            name: source_name(path),
            kind: kind.as_str().to_string(),
            location: path.display().to_string(),
            ..Default::default()
        };
        let report =
            import_feed(&store, path, kind, meta, Strictness::Lenient, &now, force).await?;
        changed |= !report.source_unchanged;
        if !global.quiet && report.source_unchanged {
            println!(
                "{}: unchanged since the last import (same SHA-256), {} records kept",
                path.display(),
                report.stats.unchanged
            );
        } else if !global.quiet {
            for r in &report.rejected {
                eprintln!("warning: skipped malformed advisory {r}");
            }
            match kind {
                FeedKind::Osv => println!(
                    "{}: {} records read, {} new, {} updated, {} unchanged, {} malformed",
                    path.display(),
                    report.read,
                    report.stats.inserted,
                    report.stats.updated,
                    report.stats.unchanged,
                    report.rejected.len()
                ),
                other => println!(
                    "{}: {} {} records imported",
                    path.display(),
                    report.read,
                    other.as_str()
                ),
            }
        }
    }
    // Vulnerability identities once for all sources, not once per source.
    store.refresh_identities().await?;
    // The zero-day path: the portfolio's latest artifacts against what was just imported.
    if reevaluate && changed {
        let report = crate::portfolio_cmd::run_reevaluation(&store, global).await?;
        if !global.quiet && report.projects > 0 {
            print!("{}", crate::portfolio_cmd::reevaluation_line(&report));
        }
    }
    store.close().await;
    Ok(0)
}

/// Hours between two RFC 3339 timestamps, when both parse.
fn hours_between(earlier: &str, later: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let a = time::OffsetDateTime::parse(earlier, &Rfc3339).ok()?;
    let b = time::OffsetDateTime::parse(later, &Rfc3339).ok()?;
    Some((b - a).whole_hours())
}

/// Whether a source kind has a freshness requirement (OSV, KEV and EPSS are daily feeds).
fn has_freshness(kind: &str) -> bool {
    matches!(kind, "osv" | "kev" | "epss")
}

/// The `db status` document.
pub async fn status_document(store: &Store, now: &str, freshness_hours: i64) -> Result<Value> {
    let sources = store.sources().await?;
    let by_ecosystem = store.advisory_counts_by_ecosystem().await?;
    let mut rows = Vec::new();
    for s in &sources {
        let age = s
            .last_success
            .as_deref()
            .and_then(|t| hours_between(t, now));
        let stale = has_freshness(&s.kind) && age.is_none_or(|h| h >= freshness_hours);
        rows.push(json!({
            "name": s.name, "kind": s.kind, "location": s.location, "records": s.records,
            "last_success": s.last_success, "age_hours": age, "last_attempt": s.last_attempt,
            "last_error": s.last_error, "stale": stale,
        }));
    }
    Ok(json!({
        "checked_at": now,
        "freshness_hours": freshness_hours,
        "advisories": store.advisory_count().await?,
        "advisories_by_ecosystem": by_ecosystem.iter().map(|(e, n)| {
            (if e.is_empty() { "(no package)".to_string() } else { e.clone() }, json!(n))
        }).collect::<serde_json::Map<_, _>>(),
        "sources": rows,
    }))
}

/// `db status`: per source records, last success and age, with stale sources flagged.
pub async fn status(
    global: &Global,
    format: Format,
    output: Option<PathBuf>,
    freshness_hours: i64,
) -> Result<u8> {
    let store = open_store(global).await?;
    let doc = status_document(&store, &now_rfc3339(), freshness_hours).await?;
    store.close().await;
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&doc)?),
        Format::Table => status_table(&doc),
    };
    write_output(output.as_deref(), &text)?;
    let stale: Vec<&str> = doc["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["stale"].as_bool() == Some(true))
        .filter_map(|s| s["name"].as_str())
        .collect();
    if !stale.is_empty() && !global.quiet {
        eprintln!(
            "warning: {} source(s) older than {freshness_hours} h: {}; run `patchwarden db update` or re-import",
            stale.len(),
            stale.join(", ")
        );
    }
    Ok(0)
}

fn status_table(doc: &Value) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header(["Source", "Kind", "Records", "Last success", "Age", "State"]);
    for s in doc["sources"].as_array().into_iter().flatten() {
        let state = match (s["last_error"].as_str(), s["stale"].as_bool()) {
            (Some(e), _) => format!("last attempt failed: {e}"),
            (None, Some(true)) => "stale".to_string(),
            _ => "ok".to_string(),
        };
        t.add_row([
            s["name"].as_str().unwrap_or_default().to_string(),
            s["kind"].as_str().unwrap_or_default().to_string(),
            s["records"].to_string(),
            s["last_success"].as_str().unwrap_or("never").to_string(),
            s["age_hours"]
                .as_i64()
                .map(|h| format!("{h} h"))
                .unwrap_or_else(|| "-".into()),
            state,
        ]);
    }
    let mut out = format!("{t}\n{} advisories:", doc["advisories"]);
    for (eco, n) in doc["advisories_by_ecosystem"]
        .as_object()
        .into_iter()
        .flatten()
    {
        out.push_str(&format!(" {eco} {n},"));
    }
    out.pop();
    out.push('\n');
    out
}

/// `db show ID`: the vulnerability with its advisories, affected packages, CVSS, KEV, EPSS.
pub async fn show(
    global: &Global,
    id: &str,
    format: Format,
    output: Option<PathBuf>,
) -> Result<u8> {
    let store = open_store(global).await?;
    let doc = patchwarden_engine::intel::advisory_document(&store, id).await?;
    store.close().await;
    let Some(doc) = doc else {
        anyhow::bail!("{id}: no advisory, KEV, EPSS or NVD record in the database");
    };
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&doc)?),
        Format::Table => show_text(&doc),
    };
    write_output(output.as_deref(), &text)?;
    Ok(0)
}

fn show_text(doc: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = format!("{}\n", s(&doc["vulnerability_id"]));
    let ids: Vec<String> = doc["ids"].as_array().into_iter().flatten().map(s).collect();
    out.push_str(&format!("  ids:       {}\n", ids.join(", ")));
    if let Some(summary) = doc["summary"].as_str() {
        out.push_str(&format!("  summary:   {summary}\n"));
    }
    match doc["cvss"].as_object() {
        Some(c) => out.push_str(&format!(
            "  severity:  {} {} ({}, from {})\n",
            s(&doc["severity"]),
            c.get("score").cloned().unwrap_or_default(),
            c.get("vector").map(s).unwrap_or_default(),
            c.get("from").map(s).unwrap_or_default()
        )),
        None => out.push_str("  severity:  Unknown\n"),
    }
    for k in doc["kev"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  KEV:       {} added {}, due {}{}\n",
            s(&k["cve_id"]),
            s(&k["date_added"]),
            s(&k["due_date"]),
            if k["ransomware"].as_bool() == Some(true) {
                ", known ransomware use"
            } else {
                ""
            }
        ));
    }
    for e in doc["epss"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  EPSS:      {} {} (percentile {}) scored {}\n",
            s(&e["cve"]),
            e["score"],
            e["percentile"],
            e["score_date"].as_str().unwrap_or("?")
        ));
    }
    for n in doc["nvd"].as_array().into_iter().flatten() {
        let cwes: Vec<String> = n["cwes"].as_array().into_iter().flatten().map(s).collect();
        out.push_str(&format!(
            "  NVD:       {} published {}{}\n",
            s(&n["id"]),
            n["published"].as_str().unwrap_or("?"),
            if cwes.is_empty() {
                String::new()
            } else {
                format!(", {}", cwes.join(", "))
            }
        ));
    }
    let advisories = doc["advisories"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default();
    if !advisories.is_empty() {
        out.push_str("  advisories:\n");
    }
    for a in advisories {
        out.push_str(&format!(
            "    {} (modified {}){}\n",
            s(&a["id"]),
            s(&a["modified"]),
            if a["withdrawn"].is_string() {
                " WITHDRAWN"
            } else {
                ""
            }
        ));
        for p in a["affected"].as_array().into_iter().flatten() {
            let ranges: Vec<String> = p["ranges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    r["events"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.as_object())
                        .flat_map(|e| {
                            e.iter()
                                .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or_default()))
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .collect();
            out.push_str(&format!(
                "      {} {}: {}\n",
                s(&p["ecosystem"]),
                s(&p["name"]),
                ranges.join("; ")
            ));
        }
    }
    out
}

/// Shows a download as a progress bar on a terminal; silent otherwise.
struct Bar(indicatif::ProgressBar);

impl patchwarden_intel::fetch::Progress for Bar {
    fn started(&mut self, total: Option<u64>) {
        if let Some(t) = total {
            self.0.set_length(t);
        }
        self.0.set_position(0);
    }
    fn advanced(&mut self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn finished(&mut self) {
        self.0.finish_and_clear();
    }
}

/// `db update`: every configured source, each on its own; exit 2 when any failed.
pub async fn update(
    global: &Global,
    intel: &patchwarden_engine::update::IntelConfig,
    format: Format,
    output: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    reevaluate: bool,
) -> Result<u8> {
    let cache = match cache_dir {
        Some(d) => d,
        None => directories::ProjectDirs::from("", "", "patchwarden")
            .map(|d| d.cache_dir().join("feeds"))
            .context("cannot find a cache directory; pass --cache-dir")?,
    };
    let store = open_store(global).await?;
    let show_bars = !global.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut make_bar = |source: &patchwarden_engine::update::FeedSource| -> Box<dyn patchwarden_intel::fetch::Progress> {
        let bar = if show_bars {
            indicatif::ProgressBar::new(0).with_message(source.name.clone()).with_style(
                indicatif::ProgressStyle::with_template("{msg:20} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            )
        } else {
            indicatif::ProgressBar::hidden()
        };
        Box::new(Bar(bar))
    };
    let options = patchwarden_intel::fetch::FetchOptions::default();
    let reports = patchwarden_engine::update::update(
        &store,
        &intel.sources(),
        &cache,
        &options,
        &now_rfc3339(),
        &mut make_bar,
    )
    .await?;
    let changed = reports.iter().any(|r| {
        matches!(
            r.outcome,
            patchwarden_engine::update::UpdateOutcome::Imported { .. }
        )
    });
    let reevaluation = if reevaluate && changed {
        Some(crate::portfolio_cmd::run_reevaluation(&store, global).await?)
    } else {
        None
    };
    store.close().await;
    let text = match format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(
                &json!({"sources": reports, "reevaluation": reevaluation})
            )?
        ),
        Format::Table => {
            use patchwarden_engine::update::UpdateOutcome as O;
            let mut text = String::new();
            for r in &reports {
                let line = match &r.outcome {
                    O::NotModified => "not modified".to_string(),
                    O::Imported {
                        bytes,
                        records,
                        changed,
                    } => {
                        format!(
                            "imported {records} records ({changed} new or changed), {bytes} bytes"
                        )
                    }
                    O::Unchanged { bytes } => {
                        format!("downloaded {bytes} bytes, identical to the stored copy")
                    }
                    O::Failed { error } => format!("FAILED, stored data kept: {error}"),
                };
                text.push_str(&format!("{}: {line}\n", r.name));
            }
            if let Some(r) = reevaluation.as_ref().filter(|r| r.projects > 0) {
                text.push_str(&crate::portfolio_cmd::reevaluation_line(r));
            }
            text
        }
    };
    write_output(output.as_deref(), &text)?;
    let failed = reports
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                patchwarden_engine::update::UpdateOutcome::Failed { .. }
            )
        })
        .count();
    if failed > 0 {
        if !global.quiet {
            eprintln!(
                "patchwarden: error: {failed} of {} sources failed to update",
                reports.len()
            );
        }
        return Ok(2);
    }
    Ok(0)
}
