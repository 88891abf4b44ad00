//! Renderers for scan results. Pure: each takes a [`ScanResult`] and returns text.
//!
//! - [`table`]: the human view, one row per finding.
//! - [`json`]: the machine view, a stable document described in `docs/scan-json.md`.
//! - [`sarif`]: SARIF 2.1.0 for code scanning; [`cyclonedx`]: a CycloneDX 1.6 BOM with
//!   vulnerabilities and their analysis (VEX); [`csv`]; [`markdown`] for a pull-request
//!   comment; [`html`]: one self-contained page. See `docs/scan-formats.md`.

mod common;
pub(crate) mod csv;
mod cyclonedx;
pub(crate) mod html;
mod inventory;
mod markdown;
pub mod portfolio;
mod sarif;
#[cfg(test)]
mod testdata;

pub use csv::csv;
pub use cyclonedx::cyclonedx;
pub use html::html;
pub use inventory::{inventory_json, inventory_table};
pub use markdown::markdown;
pub use sarif::sarif;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use patchwarden_core::Severity;
use patchwarden_engine::{ComponentRemediation, Finding, FindingStatus, ScanResult};
use serde_json::{Value, json};

/// Version of the JSON document's shape; bumped only on incompatible changes. The reader of
/// uploaded documents (`patchwarden_inventory::read_document`) keeps the same constant.
pub const JSON_SCHEMA_VERSION: &str = patchwarden_inventory::upload::SCAN_SCHEMA_VERSION;

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
    let mut cell = f.vulnerability_id.clone();
    if f.kev.is_some() {
        cell.push_str(" [KEV]");
    }
    if !f.aliases.is_empty() {
        cell.push_str(&format!("\n({})", f.aliases.join(", ")));
    }
    cell
}

fn severity_cell(f: &Finding) -> String {
    let mut cell = match &f.cvss {
        Some(c) => format!("{} {:.1}", f.severity, c.score),
        None => f.severity.to_string(),
    };
    if let Some((epss, _)) = f.epss {
        cell.push_str(&format!("\nEPSS {:.1}%", epss * 100.0));
    }
    cell
}

fn location_cell(c: &patchwarden_core::Component) -> String {
    let mut cell = match c.source.line {
        Some(line) => format!("{}:{line}", c.source.path),
        None => c.source.path.clone(),
    };
    if let Some(layer) = &c.source.layer {
        let short = layer.strip_prefix("sha256:").unwrap_or(layer);
        cell.push_str(&format!(" (layer {})", short.get(..12).unwrap_or(short)));
    }
    cell
}

/// What the due-date column says: the date, and `OVERDUE` or the exception / VEX status.
fn due_cell(f: &Finding) -> String {
    let due = f.decision.due.to_string();
    match f.status {
        FindingStatus::Open if f.decision.overdue => format!("{due} OVERDUE"),
        FindingStatus::Open => due,
        FindingStatus::Excepted => {
            let until = f
                .decision
                .exception
                .as_ref()
                .and_then(|e| e.expires)
                .map_or(String::new(), |d| format!(" until {d}"));
            format!("accepted{until}")
        }
        FindingStatus::NotAffected => "not affected (VEX)".into(),
        FindingStatus::Fixed => "fixed (VEX)".into(),
    }
}

/// The upgrade advice for one component, in words.
pub fn advice(r: &ComponentRemediation) -> String {
    let rem = &r.remediation;
    let mut text = match &rem.upgrade_to {
        Some(v) if rem.same_major => format!("upgrade to {v}"),
        Some(v) => match &rem.partial_in_major {
            Some(p) => format!(
                "upgrade to {v} (a new major version; {p} in the current one clears only some)"
            ),
            None => format!("upgrade to {v} (a new major version)"),
        },
        None => "no single upgrade clears every vulnerability".into(),
    };
    if !rem.unfixed.is_empty() {
        text.push_str(&format!(
            "; no fix available for {}",
            rem.unfixed.join(", ")
        ));
    }
    text
}

fn colour_for(severity: Severity) -> Option<Color> {
    match severity {
        Severity::Critical => Some(Color::Red),
        Severity::High => Some(Color::DarkRed),
        Severity::Medium => Some(Color::Yellow),
        Severity::Low => Some(Color::Blue),
        _ => None,
    }
}

/// The findings as a text table grouped by package (installed version and where found,
/// then each vulnerability with severity, due date, fixed-in versions), the upgrade advice
/// per package, the gate's verdict when a rule is set, and the summary line. With `wrap`,
/// cells wrap to fit the terminal; with `colour`, severities are coloured.
pub fn table_styled(result: &ScanResult, wrap: bool, colour: bool) -> String {
    let mut out = String::new();
    if !result.findings.is_empty() {
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        if wrap {
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
        t.set_header([
            "#",
            "Package",
            "Vulnerability",
            "Severity",
            "Due",
            "Fixed in",
        ]);
        // Packages in the order of their most urgent finding; findings in priority order.
        let mut order: Vec<&patchwarden_core::Component> = Vec::new();
        for f in &result.findings {
            if !order.contains(&&f.component) {
                order.push(&f.component);
            }
        }
        for component in order {
            let mut first = true;
            for f in result.findings.iter().filter(|f| &f.component == component) {
                let package = if first {
                    let installed = if f.approximate {
                        format!("{} (approx.)", component.version)
                    } else {
                        component.version.clone()
                    };
                    format!(
                        "{} {installed} ({})\n{}",
                        component.name,
                        component.ecosystem,
                        location_cell(component)
                    )
                } else {
                    String::new()
                };
                first = false;
                let fixed = if f.fixed.is_empty() {
                    "no fix".to_string()
                } else {
                    f.fixed.join(", ")
                };
                let mut severity = Cell::new(severity_cell(f));
                if colour && let Some(c) = colour_for(f.severity) {
                    severity = severity.fg(c);
                }
                let mut due = Cell::new(due_cell(f));
                if colour && f.status == FindingStatus::Open && f.decision.overdue {
                    due = due.fg(Color::Red);
                }
                t.add_row(vec![
                    Cell::new(f.priority),
                    Cell::new(package),
                    Cell::new(vulnerability_cell(f)),
                    severity,
                    due,
                    Cell::new(fixed),
                ]);
            }
        }
        out.push_str(&t.to_string());
        out.push('\n');
        if !result.remediations.is_empty() {
            out.push_str("\nFix advice:\n");
            for r in &result.remediations {
                out.push_str(&format!(
                    "  {} {} ({}): {}\n",
                    r.component.name,
                    r.component.version,
                    r.component.source.path,
                    advice(r)
                ));
            }
        }
    }
    for e in &result.expired_exceptions {
        out.push_str(&format!(
            "note: exception for {} ({}) expired on {}; it no longer applies\n",
            e.selector,
            e.source,
            e.expires.map_or("?".to_string(), |d| d.to_string())
        ));
    }
    if result.gate.rules_set {
        if result.gate.passed {
            out.push_str("Gate: passed\n");
        } else {
            let reasons: Vec<String> = result
                .gate
                .reasons
                .iter()
                .map(|(r, n)| format!("{r} ({n})"))
                .collect();
            out.push_str(&format!(
                "Gate: FAILED by {} finding{}: {}\n",
                result.gate.failing_findings,
                plural(result.gate.failing_findings),
                reasons.join("; ")
            ));
        }
    }
    out.push_str(&summary_line(result));
    out.push('\n');
    if let Some(r) = &result.record {
        out.push_str(&record_summary(r));
    }
    out
}

/// What `scan --record` changed, for people: the artifact, then new, still open and gone
/// findings since the project's previous artifact.
pub fn record_summary(r: &patchwarden_engine::portfolio::RecordSummary) -> String {
    let mut out = format!(
        "Recorded artifact {} ({}) of {}/{}",
        r.artifact_id, r.artifact_ref, r.product, r.project
    );
    match r.previous_artifact_id {
        Some(p) => out.push_str(&format!(
            "; since artifact {p}: {} new, {} still open, {} gone",
            r.new.len(),
            r.still_open.len(),
            r.gone.len()
        )),
        None => out.push_str(&format!(
            "; first artifact of the project: {} findings",
            r.new.len()
        )),
    }
    if !r.regressed.is_empty() {
        out.push_str(&format!(", {} regressed", r.regressed.len()));
    }
    out.push('\n');
    let mut list = |label: &str, items: &[patchwarden_engine::portfolio::Brief]| {
        for b in items {
            out.push_str(&format!(
                "  {label:<9} #{} {} in {} {} ({}, due {}, {})\n",
                b.id,
                b.vulnerability_id,
                b.package,
                b.versions.join(", "),
                b.severity,
                b.due,
                b.status
            ));
        }
    };
    if r.previous_artifact_id.is_some() {
        list("new", &r.new);
    }
    list("regressed", &r.regressed);
    list("gone", &r.gone);
    out
}

/// [`table_styled`] without colours.
pub fn table(result: &ScanResult, wrap: bool) -> String {
    table_styled(result, wrap, false)
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "priority": f.priority,
        "vulnerability_id": f.vulnerability_id,
        "advisory_id": f.advisory_id,
        "advisory_ids": f.advisory_ids,
        "aliases": f.aliases,
        "summary": f.summary,
        "severity": f.severity,
        "cvss": f.cvss.as_ref().map(|c| json!({"version": c.version, "vector": c.vector, "score": c.score, "source": f.cvss_source})),
        "published": f.published,
        "package": {
            "ecosystem": f.component.ecosystem,
            "name": f.component.name,
            "version": f.component.version,
            "purl": f.component.purl(),
            "source_package": f.component.source_package,
        },
        "via_source_package": f.via_source_package,
        "location": {"path": f.component.source.path, "line": f.component.source.line, "layer": f.component.source.layer},
        "direct": f.component.direct,
        "scope": f.component.scope,
        "fixed_in": f.fixed,
        "approximate": f.approximate,
        "ranges": f.ranges,
        "kev": f.kev,
        "epss": f.epss.map(|(score, percentile)| json!({"score": score, "percentile": percentile})),
        "first_seen": f.first_seen.to_string(),
        "sla": {
            "severity": f.decision.sla_severity,
            "days": f.decision.sla_days,
            "epss_escalated": f.decision.epss_escalated,
            "kev_due_date_applied": f.decision.kev_due_applied,
        },
        "due": f.decision.due.to_string(),
        "overdue": f.decision.overdue,
        "status": f.status,
        "exception": f.decision.exception.as_ref().filter(|_| f.status == FindingStatus::Excepted),
        "vex": f.vex,
        "gate": f.gate,
    })
}

/// The scan as the JSON document described in `docs/scan-json.md`.
pub fn json(result: &ScanResult) -> Value {
    let by_severity: serde_json::Map<String, Value> = result
        .counts_by_severity()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let open = result.open_findings().count();
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
            "open": open,
            "overdue": result.open_findings().filter(|f| f.decision.overdue).count(),
            "kev": result.open_findings().filter(|f| f.kev.is_some()).count(),
            "excepted": result.findings.iter().filter(|f| f.status == FindingStatus::Excepted).count(),
            "closed_by_vex": result.findings.iter().filter(|f| matches!(f.status, FindingStatus::NotAffected | FindingStatus::Fixed)).count(),
        },
        "gate": {
            "rules_set": result.gate.rules_set,
            "passed": result.gate.passed,
            "failing_findings": result.gate.failing_findings,
            "reasons": result.gate.reasons.iter().map(|(r, n)| json!({"reason": r, "findings": n})).collect::<Vec<_>>(),
        },
        "sources": result.sources,
        "image": result.image,
        "components": result.components.iter().map(inventory::component_json).collect::<Vec<_>>(),
        "findings": result.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "remediations": result.remediations.iter().map(|r| json!({
            "package": {"ecosystem": r.component.ecosystem, "name": r.component.name, "version": r.component.version, "purl": r.component.purl()},
            "location": {"path": r.component.source.path, "line": r.component.source.line},
            "vulnerabilities": r.vulnerabilities,
            "upgrade_to": r.remediation.upgrade_to,
            "same_major": r.remediation.same_major,
            "partial_in_major": r.remediation.partial_in_major,
            "no_fix": r.remediation.unfixed,
            "advice": advice(r),
        })).collect::<Vec<_>>(),
        "expired_exceptions": result.expired_exceptions,
        "policy_sources": result.policy_sources,
        "record": result.record,
        "warnings": result.warnings,
        "problems": result.problems.iter().map(|p| json!({
            "advisory_id": p.advisory_id,
            "package": {"ecosystem": p.component.ecosystem, "name": p.component.name, "version": p.component.version},
            "location": {"path": p.component.source.path, "line": p.component.source.line},
            "message": p.message,
        })).collect::<Vec<_>>(),
    })
}

/// Whether any open finding is at least `min` severe.
pub fn has_findings_at_least(result: &ScanResult, min: Severity) -> bool {
    result.open_findings().any(|f| f.severity >= min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::sample;

    #[test]
    fn table_snapshot() {
        insta::assert_snapshot!(table(&sample(), false));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_json_snapshot!(json(&sample()));
    }

    /// The scan JSON carries the whole inventory, components in the shape `inventory
    /// --format json` writes, and the image with its build time.
    #[test]
    fn json_carries_the_inventory_and_the_image() {
        let mut r = sample();
        r.image = Some(patchwarden_inventory::ImageInfo {
            layers: vec!["sha256:aa".into()],
            config_digest: Some("sha256:cc".into()),
            created: Some("2024-01-02T03:04:05Z".into()),
            ..Default::default()
        });
        let doc = json(&r);
        let inventory = patchwarden_inventory::Inventory {
            components: r.components.clone(),
            sources: r.sources.clone(),
            warnings: r.warnings.clone(),
            image: r.image.clone(),
        };
        let listed: Value =
            serde_json::from_str(&inventory_json(&inventory)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc["components"], listed["components"]);
        assert_eq!(doc["components"].as_array().map(Vec::len), Some(2));
        assert_eq!(doc["image"], listed["image"]);
        assert_eq!(doc["image"]["created"], "2024-01-02T03:04:05Z");
        assert_eq!(doc["image"]["config_digest"], "sha256:cc");
        // And it reads back as an uploaded document with the same components.
        let text = serde_json::to_string(&doc).unwrap_or_default();
        let back = patchwarden_inventory::read_document("scan.json", text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.components, r.components);
        assert_eq!(back.image, r.image);
        assert_eq!(back.target.as_deref(), Some(r.target.as_str()));
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
