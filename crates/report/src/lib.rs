//! Renderers for scan results. Pure: each takes a [`ScanResult`] and returns text.
//!
//! - [`table`]: the human view, one row per finding.
//! - [`json`]: the machine view, a stable document described in `docs/scan-json.md`.

mod inventory;

pub use inventory::{inventory_json, inventory_table};

use comfy_table::{ContentArrangement, Table, presets};
use patchwarden_core::Severity;
use patchwarden_engine::{Finding, ScanResult};
use serde_json::{Value, json};

/// Version of the JSON document's shape; bumped only on incompatible changes.
pub const JSON_SCHEMA_VERSION: &str = "1";

/// One line summing up a scan: findings by severity, components and lockfiles.
pub fn summary_line(result: &ScanResult) -> String {
    let counts: Vec<String> = result
        .counts_by_severity()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str().to_lowercase()))
        .collect();
    let breakdown = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    format!(
        "{} finding{}{} in {} of {} component{} from {} lockfile{}; {} advisor{} in the database",
        result.findings.len(),
        plural(result.findings.len()),
        breakdown,
        result.vulnerable_components(),
        result.components.len(),
        plural(result.components.len()),
        result.sources.len(),
        plural(result.sources.len()),
        result.advisories_in_store,
        if result.advisories_in_store == 1 {
            "y"
        } else {
            "ies"
        },
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn vulnerability_cell(f: &Finding) -> String {
    if f.aliases.is_empty() {
        f.vulnerability_id.clone()
    } else {
        format!("{}\n({})", f.vulnerability_id, f.aliases.join(", "))
    }
}

fn severity_cell(f: &Finding) -> String {
    match &f.cvss {
        Some(c) => format!("{} {:.1}", f.severity, c.score),
        None => f.severity.to_string(),
    }
}

fn location_cell(f: &Finding) -> String {
    match f.component.source.line {
        Some(line) => format!("{}:{line}", f.component.source.path),
        None => f.component.source.path.clone(),
    }
}

/// The findings as a text table (package, installed version, vulnerability with aliases,
/// severity with CVSS score, fixed-in versions, location), followed by the summary line.
/// With `wrap`, cells wrap to fit the terminal; without, lines are never wrapped.
pub fn table(result: &ScanResult, wrap: bool) -> String {
    let mut out = String::new();
    if !result.findings.is_empty() {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        if wrap {
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
        t.set_header([
            "Package",
            "Installed",
            "Vulnerability",
            "Severity",
            "Fixed in",
            "Location",
        ]);
        for f in &result.findings {
            let fixed = if f.fixed.is_empty() {
                "no fix".to_string()
            } else {
                f.fixed.join(", ")
            };
            let installed = if f.approximate {
                format!("{} (approx.)", f.component.version)
            } else {
                f.component.version.clone()
            };
            t.add_row([
                format!("{} ({})", f.component.name, f.component.ecosystem),
                installed,
                vulnerability_cell(f),
                severity_cell(f),
                fixed,
                location_cell(f),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    out.push_str(&summary_line(result));
    out.push('\n');
    out
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "vulnerability_id": f.vulnerability_id,
        "advisory_id": f.advisory_id,
        "aliases": f.aliases,
        "summary": f.summary,
        "severity": f.severity,
        "cvss": f.cvss.as_ref().map(|c| json!({"version": c.version, "vector": c.vector, "score": c.score})),
        "published": f.published,
        "package": {
            "ecosystem": f.component.ecosystem,
            "name": f.component.name,
            "version": f.component.version,
            "purl": f.component.purl(),
        },
        "location": {"path": f.component.source.path, "line": f.component.source.line},
        "direct": f.component.direct,
        "scope": f.component.scope,
        "fixed_in": f.fixed,
        "approximate": f.approximate,
    })
}

/// The scan as the JSON document described in `docs/scan-json.md`.
pub fn json(result: &ScanResult) -> Value {
    let by_severity: serde_json::Map<String, Value> = result
        .counts_by_severity()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "patchwarden", "version": env!("CARGO_PKG_VERSION")},
        "target": result.target,
        "scanned_at": result.scanned_at,
        "advisories_in_store": result.advisories_in_store,
        "summary": {
            "lockfiles": result.sources.len(),
            "components": result.components.len(),
            "vulnerable_components": result.vulnerable_components(),
            "findings": result.findings.len(),
            "by_severity": by_severity,
        },
        "sources": result.sources,
        "findings": result.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "warnings": result.warnings,
        "problems": result.problems.iter().map(|p| json!({
            "advisory_id": p.advisory_id,
            "package": {"ecosystem": p.component.ecosystem, "name": p.component.name, "version": p.component.version},
            "location": {"path": p.component.source.path, "line": p.component.source.line},
            "message": p.message,
        })).collect::<Vec<_>>(),
    })
}

/// Whether any finding is at least `min` severe (used by `--exit-code` gates).
pub fn has_findings_at_least(result: &ScanResult, min: Severity) -> bool {
    result.findings.iter().any(|f| f.severity >= min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchwarden_core::{Component, Ecosystem, EcosystemKind, Location};
    use patchwarden_engine::Finding;
    use patchwarden_inventory::{LockfileKind, SourceFile};
    use patchwarden_policy::CvssScore;

    fn sample() -> ScanResult {
        let component = |name: &str, version: &str, line| Component {
            direct: Some(true),
            ..Component::new(
                Ecosystem::new(EcosystemKind::CratesIo),
                name,
                version,
                Location {
                    path: "app/Cargo.lock".into(),
                    line,
                    layer: None,
                },
            )
        };
        ScanResult {
            target: "app".into(),
            scanned_at: "2026-11-23T00:00:00Z".into(),
            advisories_in_store: 2,
            sources: vec![SourceFile {
                path: "app/Cargo.lock".into(),
                kind: LockfileKind::CargoLock,
                components: 2,
            }],
            components: vec![
                component("smallvec", "1.6.0", Some(40)),
                component("serde", "1.0.0", None),
            ],
            findings: vec![Finding {
                advisory_id: "RUSTSEC-2021-0003".into(),
                vulnerability_id: "CVE-2021-25900".into(),
                aliases: vec!["RUSTSEC-2021-0003".into(), "GHSA-43w2-9j62-hq99".into()],
                summary: Some("Buffer overflow in insert_many".into()),
                severity: Severity::Critical,
                cvss: Some(CvssScore {
                    version: "3.1",
                    vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                    score: 9.8,
                }),
                published: Some("2021-01-08T12:00:00Z".into()),
                component: component("smallvec", "1.6.0", Some(40)),
                fixed: vec!["1.6.1".into()],
                approximate: false,
            }],
            warnings: vec![],
            problems: vec![],
        }
    }

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(table(&sample(), false));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_json_snapshot!(json(&sample()));
    }

    #[test]
    fn summary_of_an_empty_scan() {
        let mut r = sample();
        r.findings.clear();
        assert_eq!(
            summary_line(&r),
            "0 findings in 0 of 2 components from 1 lockfile; 2 advisories in the database"
        );
        assert!(!has_findings_at_least(&r, Severity::Low));
        assert!(has_findings_at_least(&sample(), Severity::Critical));
    }
}
