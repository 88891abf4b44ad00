//! The partner report as a CSAF 2.0 document, profile VEX (`csaf_vex`): per vulnerability,
//! which of the partner's products are affected, fixed or not affected, and what is done
//! about each. `docs/csaf.md` maps every field; `crates/report/tests/csaf_validation.rs`
//! checks the output with the official validator (schema and mandatory tests).
//!
//! A VEX document must list at least one vulnerability, so a report without any is written
//! as an informational advisory (`csaf_informational_advisory`) that says so, with the same
//! product tree, notes and tracking.

use std::collections::{BTreeMap, HashSet};

use patchwarden_policy::cvss;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::partner::{
    AffectedPackage, PartnerReport, PartnerStatus, PartnerVulnerability, ProductExposure,
};
use super::period::parse_day;

/// The text of an exploit-status threat.
const EXPLOITED: &str =
    "Listed in CISA's Known Exploited Vulnerabilities catalogue: exploited in the wild.";

/// The report as a CSAF 2.0 document: pretty-printed JSON ending with a newline.
pub fn partner_csaf(report: &PartnerReport) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(document(report))).unwrap_or_default();
    text.push('\n');
    text
}

/// `value` with the keys of every object in alphabetical order, as optional test 6.2.13 asks.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// `text`, or `fallback` when it is empty or only whitespace (CSAF strings are never empty).
fn or_else(text: &str, fallback: &str) -> String {
    if text.trim().is_empty() {
        fallback.to_string()
    } else {
        text.to_string()
    }
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// ASCII letters, digits, `.` and `_` kept, every other run of characters one `-`; no `-`
/// at either end.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || ch == '.' || ch == '_' {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Product name -> CSAF product id, for the report's products and any product its
/// vulnerabilities name: `PW-PRODUCT-<slug>`, with a hash of the name appended when the slug
/// is empty or already taken, so ids are unique and stable.
fn product_ids(report: &PartnerReport) -> BTreeMap<String, String> {
    let mut names: Vec<&str> = report.products.iter().map(String::as_str).collect();
    for v in &report.vulnerabilities {
        names.extend(v.products.iter().map(|e| e.product.as_str()));
    }
    names.sort_unstable();
    names.dedup();
    let mut taken: HashSet<String> = HashSet::new();
    let mut ids = BTreeMap::new();
    for name in names {
        let s = slug(name);
        let mut id = if s.is_empty() {
            format!("PW-PRODUCT-{}", short_hash(name))
        } else {
            format!("PW-PRODUCT-{s}")
        };
        if taken.contains(&id) {
            id = format!("{id}-{}", short_hash(name));
        }
        let base = id.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(id.clone());
        ids.insert(name.to_string(), id);
    }
    ids
}

/// `PW-PARTNER-<PARTNER>-<QUARTER>`: the partner's name upper-cased with only letters,
/// digits, `.`, `_` and `-` (a hash of the name when nothing is left).
fn tracking_id(report: &PartnerReport) -> String {
    let partner = slug(&report.partner).to_ascii_uppercase();
    let partner = if partner.is_empty() {
        short_hash(&report.partner).to_ascii_uppercase()
    } else {
        partner
    };
    format!("PW-PARTNER-{partner}-{}", report.quarter)
}

fn is_cve(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && number.len() >= 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The CSAF `system_name` of an id, by its prefix.
fn system_name(id: &str) -> String {
    let prefix = id
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    match prefix.as_str() {
        "CVE" => "CVE".into(),
        "GHSA" => "GitHub Security Advisory".into(),
        "RUSTSEC" => "RustSec Advisory Database".into(),
        "PYSEC" => "Python Packaging Advisory Database".into(),
        "GO" => "Go Vulnerability Database".into(),
        "OSV" => "OSV".into(),
        "GSD" => "Global Security Database".into(),
        "MAL" => "OSV malicious packages".into(),
        "DSA" | "DLA" | "DTSA" | "DEBIAN" => "Debian Security Tracker".into(),
        "USN" | "UBUNTU" => "Ubuntu Security Notices".into(),
        "RHSA" | "RHBA" | "RHEA" => "Red Hat Errata".into(),
        "ALSA" | "ALBA" | "ALEA" => "AlmaLinux Errata".into(),
        "RLSA" => "Rocky Linux Errata".into(),
        "SUSE" | "OPENSUSE" => "SUSE Security Advisories".into(),
        "ALPINE" => "Alpine SecDB".into(),
        "" => "Advisory".into(),
        other => other.to_string(),
    }
}

/// The `cve` and `ids` of a vulnerability. The first CVE among the id and its aliases not
/// used by an earlier vulnerability of the document becomes `cve` (mandatory test 6.1.23
/// forbids two vulnerabilities with the same `cve`); every other id goes to `ids`.
fn identifiers(
    v: &PartnerVulnerability,
    used: &mut HashSet<String>,
) -> (Option<String>, Vec<Value>) {
    let all: Vec<&str> = std::iter::once(v.id.as_str())
        .chain(v.aliases.iter().map(String::as_str))
        .filter(|id| !id.trim().is_empty())
        .collect();
    let cve = all
        .iter()
        .find(|id| is_cve(id) && !used.contains(**id))
        .map(|id| id.to_string());
    if let Some(c) = &cve {
        used.insert(c.clone());
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let ids = all
        .into_iter()
        .filter(|id| Some(*id) != cve.as_deref() && seen.insert(*id))
        .map(|id| json!({"system_name": system_name(id), "text": id}))
        .collect();
    (cve, ids)
}

/// Whether every `/`-separated metric of `vector` is one the CSAF CVSS schema's pattern
/// allows (`allowed` lists metric names with their values).
fn metrics_allowed(vector: &str, allowed: &[(&str, &[&str])]) -> bool {
    !vector.is_empty()
        && vector.split('/').all(|part| {
            part.split_once(':').is_some_and(|(k, v)| {
                allowed
                    .iter()
                    .any(|(name, values)| *name == k && values.contains(&v))
            })
        })
}

const V3_METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["N", "L", "H"]),
    ("I", &["N", "L", "H"]),
    ("A", &["N", "L", "H"]),
    ("E", &["X", "U", "P", "F", "H"]),
    ("RL", &["X", "O", "T", "W", "U"]),
    ("RC", &["X", "U", "R", "C"]),
    ("CR", &["X", "L", "M", "H"]),
    ("IR", &["X", "L", "M", "H"]),
    ("AR", &["X", "L", "M", "H"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "N", "L", "H"]),
    ("MI", &["X", "N", "L", "H"]),
    ("MA", &["X", "N", "L", "H"]),
];

const V2_METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L"]),
    ("AC", &["L", "M", "H"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];

/// CVSS 3.x qualitative rating of a base score, as CSAF's `baseSeverity` spells it.
fn base_severity(score: f64) -> &'static str {
    if score >= 9.0 {
        "CRITICAL"
    } else if score >= 7.0 {
        "HIGH"
    } else if score >= 4.0 {
        "MEDIUM"
    } else if score > 0.0 {
        "LOW"
    } else {
        "NONE"
    }
}

/// The `cvss_v3` (3.0, 3.1) or `cvss_v2` object of a vector, with the base score computed
/// from the vector (mandatory test 6.1.9 recomputes it); `None` for 4.0 vectors, which CSAF
/// 2.0 cannot carry, and for vectors that do not score or that the schema's pattern refuses.
pub(crate) fn cvss_object(vector: &str) -> Option<(&'static str, Value)> {
    let scored = cvss::score(vector).ok()?;
    match scored.version {
        "3.0" | "3.1" => {
            let prefix = format!("CVSS:{}/", scored.version);
            let metrics = scored.vector.strip_prefix(&prefix)?;
            metrics_allowed(metrics, V3_METRICS).then(|| {
                (
                    "cvss_v3",
                    json!({
                        "version": scored.version,
                        "vectorString": scored.vector,
                        "baseScore": scored.base,
                        "baseSeverity": base_severity(scored.base),
                    }),
                )
            })
        }
        "2.0" => metrics_allowed(&scored.vector, V2_METRICS).then(|| {
            (
                "cvss_v2",
                json!({
                    "version": "2.0",
                    "vectorString": scored.vector,
                    "baseScore": scored.base,
                }),
            )
        }),
        _ => None,
    }
}

/// The CSAF flag label of a not-affected reason: one of the five VEX justification labels
/// when the text names it (also in words, or as CycloneDX's `code_not_present`,
/// `code_not_reachable` and `protected_*`); `None` otherwise (false positives, free text).
pub(crate) fn justification_label(text: &str) -> Option<&'static str> {
    let norm: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    const LABELS: [&str; 5] = [
        "component_not_present",
        "vulnerable_code_not_present",
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "inline_mitigations_already_exist",
    ];
    if let Some(label) = LABELS.iter().find(|l| norm.contains(**l)) {
        return Some(label);
    }
    if norm.contains("code_not_present") {
        Some("vulnerable_code_not_present")
    } else if norm.contains("code_not_reachable") {
        Some("vulnerable_code_not_in_execute_path")
    } else if norm.contains("protected_by_") || norm.contains("protected_at_") {
        Some("inline_mitigations_already_exist")
    } else {
        None
    }
}

fn join_list(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(", ")
    }
}

/// `npm lodash 4.17.20, 4.17.19 (fixed in 4.17.21)`.
fn package_text(p: &AffectedPackage) -> String {
    let fixed = if p.fixed_versions.is_empty() {
        "no fixed version known".to_string()
    } else {
        format!("fixed in {}", p.fixed_versions.join(", "))
    };
    format!(
        "{} {} {} ({fixed})",
        p.ecosystem,
        p.name,
        join_list(&p.affected_versions, "unknown version")
    )
}

fn packages_text(e: &ProductExposure) -> String {
    let list: Vec<String> = e.packages.iter().map(package_text).collect();
    join_list(&list, "no package recorded")
}

fn due_text(e: &ProductExposure) -> String {
    match (&e.due, e.overdue) {
        (Some(d), true) => format!(" Due {d}, overdue."),
        (Some(d), false) => format!(" Due {d}."),
        (None, _) => String::new(),
    }
}

/// The remediations (action statements) of one product.
fn remediations(e: &ProductExposure, id: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let product = or_else(&e.product, "the product");
    let (upgrades, controls): (Vec<&String>, Vec<&String>) = e
        .mitigations
        .iter()
        .filter(|m| !m.trim().is_empty())
        .partition(|m| m.starts_with("Upgrade to "));
    let plans: Vec<String> = upgrades.iter().map(|m| m.to_string()).collect();
    match e.status {
        PartnerStatus::Fixed => {
            let on = e
                .fixed_on
                .as_deref()
                .map_or(String::new(), |d| format!(" on {d}"));
            let mut r = json!({
                "category": "vendor_fix",
                "details": format!("Fixed in {product}{on}: {}.", packages_text(e)),
                "product_ids": [id],
            });
            if let Some(day) = e.fixed_on.as_deref().filter(|d| parse_day(d).is_ok()) {
                r["date"] = json!(format!("{day}T00:00:00Z"));
            }
            out.push(r);
        }
        PartnerStatus::Affected => out.push(json!({
            "category": "none_available",
            "details": format!(
                "No fixed release of {product} yet; a fix is not yet under way. Affected: {}.{}",
                packages_text(e),
                due_text(e)
            ),
            "product_ids": [id],
        })),
        PartnerStatus::FixInProgress => {
            let plan = if plans.is_empty() {
                String::new()
            } else {
                format!(" Planned: {}.", plans.join("; "))
            };
            out.push(json!({
                "category": "none_available",
                "details": format!(
                    "A fixed release of {product} is in preparation. Affected: {}.{plan}{}",
                    packages_text(e),
                    due_text(e)
                ),
                "product_ids": [id],
            }));
        }
        PartnerStatus::RiskAccepted => out.push(json!({
            "category": "no_fix_planned",
            "details": format!(
                "The risk is accepted for {product}: no fix is scheduled while the acceptance lasts; see the mitigation. Affected: {}.",
                packages_text(e)
            ),
            "product_ids": [id],
        })),
        PartnerStatus::NotAffected => {}
    }
    if e.status.is_affected() && !controls.is_empty() {
        let texts: Vec<String> = controls.iter().map(|m| m.to_string()).collect();
        out.push(json!({
            "category": "mitigation",
            "details": texts.join("\n"),
            "product_ids": [id],
        }));
    }
    out
}

fn vulnerability(
    v: &PartnerVulnerability,
    ids: &BTreeMap<String, String>,
    used_cves: &mut HashSet<String>,
) -> Value {
    let pid = |product: &str| ids.get(product).cloned().unwrap_or_default();
    let all: Vec<String> = v.products.iter().map(|e| pid(&e.product)).collect();
    let mut out = serde_json::Map::new();
    let (cve, other_ids) = identifiers(v, used_cves);
    if let Some(c) = cve {
        out.insert("cve".into(), json!(c));
    }
    if !other_ids.is_empty() {
        out.insert("ids".into(), Value::Array(other_ids));
    }

    let products_text = v
        .products
        .iter()
        .map(|e| e.product.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let description = match v.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => s.to_string(),
        None => format!(
            "{} vulnerability {} in {}.",
            v.severity,
            or_else(&v.id, "without id"),
            or_else(&products_text, "the partner's products")
        ),
    };
    let mut severity = format!("{}.", or_else(&v.severity, "High"));
    match (&v.cvss_score, &v.cvss_vector) {
        (Some(s), Some(vec)) => severity.push_str(&format!(" CVSS {s:.1} ({vec}).")),
        (Some(s), None) => severity.push_str(&format!(" CVSS {s:.1}.")),
        (None, Some(vec)) => severity.push_str(&format!(" CVSS vector {vec}.")),
        (None, None) => {}
    }
    if v.exploited {
        severity.push_str(" Known to be exploited.");
    }
    out.insert(
        "notes".into(),
        json!([
            {"category": "description", "text": description, "title": "Summary"},
            {"category": "general", "text": severity, "title": "Severity"},
        ]),
    );
    if let Some(p) = v
        .published
        .as_deref()
        .filter(|p| OffsetDateTime::parse(p, &Rfc3339).is_ok())
    {
        out.insert("release_date".into(), json!(p));
    }

    let mut status: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in &v.products {
        let key = match e.status {
            PartnerStatus::Fixed => "fixed",
            PartnerStatus::NotAffected => "known_not_affected",
            _ => "known_affected",
        };
        status.entry(key).or_default().push(pid(&e.product));
    }
    out.insert("product_status".into(), json!(status));

    // Scores only for the products still affected: a score for a fixed or not affected
    // product would have to be environmental 0 (optional test 6.2.19).
    let affected: Vec<String> = v
        .products
        .iter()
        .filter(|e| e.status.is_affected())
        .map(|e| pid(&e.product))
        .collect();
    if let Some((key, object)) = v
        .cvss_vector
        .as_deref()
        .filter(|_| !affected.is_empty())
        .and_then(cvss_object)
    {
        let mut score = serde_json::Map::new();
        score.insert(key.into(), object);
        score.insert("products".into(), json!(affected));
        out.insert("scores".into(), json!([score]));
    }

    let mut threats = Vec::new();
    if v.exploited {
        threats
            .push(json!({"category": "exploit_status", "details": EXPLOITED, "product_ids": all}));
    }
    let mut flags = Vec::new();
    let mut remedies = Vec::new();
    for e in &v.products {
        let id = pid(&e.product);
        if e.status == PartnerStatus::NotAffected {
            let texts: Vec<&str> = e
                .mitigations
                .iter()
                .map(String::as_str)
                .filter(|m| !m.trim().is_empty())
                .collect();
            // At most one flag per product (mandatory test 6.1.33): the first justification.
            if let Some(label) = texts.iter().find_map(|t| justification_label(t)) {
                flags.push(json!({"label": label, "product_ids": [id]}));
            }
            let details = if texts.is_empty() {
                format!("{} is not affected.", or_else(&e.product, "The product"))
            } else {
                texts.join("\n")
            };
            threats.push(json!({"category": "impact", "details": details, "product_ids": [id]}));
        } else {
            remedies.extend(remediations(e, &id));
        }
    }
    if !flags.is_empty() {
        out.insert("flags".into(), Value::Array(flags));
    }
    if !remedies.is_empty() {
        out.insert("remediations".into(), Value::Array(remedies));
    }
    if !threats.is_empty() {
        out.insert("threats".into(), Value::Array(threats));
    }
    Value::Object(out)
}

/// The whole document as a JSON value.
fn document(report: &PartnerReport) -> Value {
    let publisher = or_else(&report.publisher.name, "Unnamed publisher");
    let partner = or_else(&report.partner, "an unnamed partner");
    let s = &report.summary;
    let empty = report.vulnerabilities.is_empty();
    let ids = product_ids(report);
    let products = ids.keys().cloned().collect::<Vec<_>>().join(", ");

    let summary = if empty {
        format!(
            "No High or Critical vulnerabilities in the products {partner} runs ({}) between {} and {}.",
            join_list(&ids.keys().cloned().collect::<Vec<_>>(), "none"),
            report.from,
            report.to
        )
    } else {
        format!(
            "{} High or Critical vulnerabilit{} ({} Critical, {} High; {} known to be exploited) in the products {partner} runs ({products}) between {} and {}. Product entries: {} still affected ({} overdue), {} fixed, {} not affected.",
            s.vulnerabilities,
            if s.vulnerabilities == 1 { "y" } else { "ies" },
            s.critical,
            s.high,
            s.exploited,
            report.from,
            report.to,
            s.affected,
            s.overdue,
            s.fixed,
            s.not_affected
        )
    };
    let as_of = format!(
        "Statuses are as of the generation of this document ({}), not as of the end of the quarter: a vulnerability open during the quarter shows what became of it since. Due dates are the dates by which {publisher} commits to fix; a fix in preparation is not yet available to {partner}.",
        report.generated_at
    );

    let mut document = json!({
        "category": if empty { "csaf_informational_advisory" } else { "csaf_vex" },
        "csaf_version": "2.0",
        "distribution": {
            "text": format!("For {partner} only: share within {partner} on a need-to-know basis; do not pass on."),
            "tlp": {"label": "AMBER", "url": "https://www.first.org/tlp/"},
        },
        "lang": "en",
        "notes": [
            {"category": "summary", "text": summary, "title": "Summary"},
            {"category": "general", "text": as_of, "title": "Status as of generation"},
        ],
        "publisher": {
            "category": "vendor",
            "name": publisher,
            "namespace": report.publisher.namespace,
        },
        "references": [{
            "category": "external",
            "summary": format!("{publisher}, the publisher of this report"),
            "url": report.publisher.namespace,
        }],
        "title": format!("{publisher} partner report {} for {partner}", report.quarter),
        "tracking": {
            "current_release_date": report.generated_at,
            "generator": {
                "date": report.generated_at,
                "engine": {"name": "Patchwarden", "version": env!("CARGO_PKG_VERSION")},
            },
            "id": tracking_id(report),
            "initial_release_date": report.generated_at,
            "revision_history": [{
                "date": report.generated_at,
                "number": "1",
                "summary": format!("Partner report for {partner}, {}.", report.quarter),
            }],
            "status": "final",
            "version": "1",
        },
    });
    if !empty {
        let worst = if s.critical > 0 { "Critical" } else { "High" };
        document["aggregate_severity"] = json!({"text": worst});
    }

    let branches: Vec<Value> = ids
        .iter()
        .map(|(name, id)| {
            let name = or_else(name, "Unnamed product");
            json!({
                "category": "product_name",
                "name": name,
                "product": {"name": name, "product_id": id},
            })
        })
        .collect();
    let mut doc = json!({"document": document});
    if !branches.is_empty() {
        doc["product_tree"] = json!({
            "branches": [{"branches": branches, "category": "vendor", "name": publisher}],
        });
    }
    if !empty {
        let mut used = HashSet::new();
        doc["vulnerabilities"] = report
            .vulnerabilities
            .iter()
            .map(|v| vulnerability(v, &ids, &mut used))
            .collect();
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::fixture;

    fn doc(report: &PartnerReport) -> Value {
        serde_json::from_str(&partner_csaf(report)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The vulnerability whose `cve` or one of whose `ids` is `id`.
    fn vuln<'a>(doc: &'a Value, id: &str) -> &'a Value {
        doc["vulnerabilities"]
            .as_array()
            .and_then(|list| {
                list.iter().find(|v| {
                    v["cve"] == id
                        || v["ids"]
                            .as_array()
                            .is_some_and(|ids| ids.iter().any(|i| i["text"] == id))
                })
            })
            .unwrap_or_else(|| panic!("no vulnerability {id}"))
    }

    fn strings(v: &Value) -> Vec<&str> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The VEX profile's rules (CSAF 2.0 section 4.5, tests 6.1.27.9 and 6.1.27.10) on every
    /// vulnerability: an impact statement for each known_not_affected product, an action
    /// statement for each known_affected one; and one status per product (6.1.6).
    fn assert_vex_statements(doc: &Value) {
        for v in doc["vulnerabilities"].as_array().into_iter().flatten() {
            let covered = |list: &str, id: &str| {
                v[list].as_array().is_some_and(|items| {
                    items.iter().any(|i| {
                        i["product_ids"]
                            .as_array()
                            .is_some_and(|p| p.iter().any(|p| p == id))
                    })
                })
            };
            for id in strings(&v["product_status"]["known_affected"]) {
                assert!(
                    covered("remediations", id),
                    "{id} without action statement in {v}"
                );
            }
            for id in strings(&v["product_status"]["known_not_affected"]) {
                let impact = v["threats"].as_array().is_some_and(|t| {
                    t.iter().any(|t| {
                        t["category"] == "impact"
                            && t["product_ids"]
                                .as_array()
                                .is_some_and(|p| p.iter().any(|p| p == id))
                    })
                });
                assert!(
                    impact || covered("flags", id),
                    "{id} without impact statement in {v}"
                );
            }
            let mut all: Vec<&str> = ["known_affected", "known_not_affected", "fixed"]
                .iter()
                .flat_map(|k| strings(&v["product_status"][*k]))
                .collect();
            let n = all.len();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), n, "a product with two statuses in {v}");
        }
    }

    #[test]
    fn the_q3_document_maps_the_report_by_hand() {
        let d = doc(&fixture::q3_partner_report());
        let document = &d["document"];
        assert_eq!(document["category"], "csaf_vex");
        assert_eq!(document["csaf_version"], "2.0");
        assert_eq!(
            document["title"],
            "Example Software AG partner report 2026Q3 for Acme Hospital"
        );
        assert_eq!(document["distribution"]["tlp"]["label"], "AMBER");
        assert_eq!(document["aggregate_severity"]["text"], "Critical");
        assert_eq!(
            document["tracking"]["id"],
            "PW-PARTNER-ACME-HOSPITAL-2026Q3"
        );
        assert_eq!(document["tracking"]["initial_release_date"], fixture::NOW);
        assert_eq!(document["tracking"]["revision_history"][0]["number"], "1");
        assert_eq!(document["tracking"]["version"], "1");
        let summary = document["notes"][0]["text"].as_str().unwrap_or_default();
        assert!(
            summary.starts_with(
                "4 High or Critical vulnerabilities (1 Critical, 3 High; 1 known to be exploited)"
            ) && summary.contains("3 still affected (2 overdue), 1 fixed, 1 not affected"),
            "{summary}"
        );
        let branches = &d["product_tree"]["branches"][0];
        assert_eq!(branches["category"], "vendor");
        assert_eq!(branches["name"], "Example Software AG");
        let products: Vec<(&str, &str)> = branches["branches"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                (
                    b["name"].as_str().unwrap_or_default(),
                    b["product"]["product_id"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            products,
            [
                ("billing", "PW-PRODUCT-billing"),
                ("chat", "PW-PRODUCT-chat")
            ]
        );
        assert_eq!(d["vulnerabilities"].as_array().map(Vec::len), Some(4));

        // Exploited, affected in both products: billing being patched, chat open.
        let rapid = vuln(&d, "CVE-2023-44487");
        assert_eq!(
            rapid["ids"],
            json!([{"system_name": "GitHub Security Advisory", "text": "GHSA-qppj-fm5r-hxr3"}])
        );
        assert_eq!(
            strings(&rapid["product_status"]["known_affected"]),
            ["PW-PRODUCT-billing", "PW-PRODUCT-chat"]
        );
        assert_eq!(rapid["threats"][0]["category"], "exploit_status");
        assert_eq!(
            strings(&rapid["threats"][0]["product_ids"]),
            ["PW-PRODUCT-billing", "PW-PRODUCT-chat"]
        );
        assert_eq!(
            rapid["scores"][0]["cvss_v3"],
            json!({
                "baseScore": 7.5,
                "baseSeverity": "HIGH",
                "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                "version": "3.1",
            })
        );
        let remediations: Vec<(&str, &str, &str)> = rapid["remediations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["category"].as_str().unwrap_or_default(),
                    r["product_ids"][0].as_str().unwrap_or_default(),
                    r["details"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            remediations,
            [
                (
                    "none_available",
                    "PW-PRODUCT-billing",
                    "A fixed release of billing is in preparation. Affected: Go golang.org/x/net 0.15.0 (fixed in 0.17.0). Planned: Upgrade to golang.org/x/net 0.17.0: planned. Due 2026-10-01, overdue."
                ),
                (
                    "mitigation",
                    "PW-PRODUCT-billing",
                    "Exception approved by ciso until 2026-12-15: Rate limiting at the load balancer caps HTTP/2 resets"
                ),
                (
                    "none_available",
                    "PW-PRODUCT-chat",
                    "No fixed release of chat yet; a fix is not yet under way. Affected: crates.io h2 0.3.20 (fixed in 0.3.24). Due 2026-09-14, overdue."
                ),
            ]
        );

        // Critical, risk accepted: no fix planned, the acceptance as the mitigation.
        let openssl = vuln(&d, "CVE-2024-5535");
        assert!(openssl.get("ids").is_none());
        assert_eq!(openssl["scores"][0]["cvss_v3"]["baseSeverity"], "CRITICAL");
        assert_eq!(openssl["remediations"][0]["category"], "no_fix_planned");
        assert_eq!(openssl["remediations"][1]["category"], "mitigation");
        assert_eq!(
            openssl["remediations"][1]["details"],
            "Risk accepted by ciso until 2026-12-31: TLS terminates at the gateway; the flawed call is unused"
        );
        assert!(openssl.get("threats").is_none());

        // Not affected, with the justification as the flag and the reason as the impact.
        let jwt = vuln(&d, "CVE-2022-23529");
        assert_eq!(
            strings(&jwt["product_status"]["known_not_affected"]),
            ["PW-PRODUCT-billing"]
        );
        assert_eq!(
            jwt["flags"],
            json!([{"label": "vulnerable_code_not_in_execute_path", "product_ids": ["PW-PRODUCT-billing"]}])
        );
        assert_eq!(
            jwt["threats"],
            json!([{"category": "impact", "details": "Not affected: vulnerable_code_not_in_execute_path", "product_ids": ["PW-PRODUCT-billing"]}])
        );
        // No product is affected, so no score; the note keeps the recorded one.
        assert!(jwt.get("scores").is_none() && jwt.get("remediations").is_none());
        assert!(
            jwt["notes"][1]["text"]
                .as_str()
                .is_some_and(|t| t.contains("CVSS 7.6"))
        );

        // Fixed on the day the second finding was.
        let lodash = vuln(&d, "CVE-2021-23337");
        assert_eq!(
            strings(&lodash["product_status"]["fixed"]),
            ["PW-PRODUCT-chat"]
        );
        assert_eq!(
            lodash["remediations"],
            json!([{
                "category": "vendor_fix",
                "date": "2026-08-20T00:00:00Z",
                "details": "Fixed in chat on 2026-08-20: npm lodash 4.17.20, 4.17.19 (fixed in 4.17.21).",
                "product_ids": ["PW-PRODUCT-chat"],
            }])
        );
        assert_eq!(lodash["notes"][0]["text"], "Flaw in lodash");
        assert_vex_statements(&d);
    }

    #[test]
    fn edge_cases_map_to_valid_ids_scores_and_statements() {
        let d = doc(&fixture::edge_partner_report());
        assert_eq!(
            d["document"]["tracking"]["id"],
            "PW-PARTNER-LAB-PARTNERS-2026Q3"
        );
        let ids: Vec<&str> = d["product_tree"]["branches"][0]["branches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["product"]["product_id"].as_str())
            .collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(&ids[..2], ["PW-PRODUCT-lab", "PW-PRODUCT-lab-kiosk"]);
        // `lab-kiosk` slugs like `lab kiosk`: a hash of its name keeps the ids apart.
        assert!(
            ids[2].starts_with("PW-PRODUCT-lab-kiosk-") && ids[2].len() == 29,
            "{}",
            ids[2]
        );

        // Only a GitHub advisory id: no `cve`.
        let ghsa = vuln(&d, "GHSA-7f3x-q2m9-v4hc");
        assert!(ghsa.get("cve").is_none());
        assert_eq!(ghsa["ids"][0]["system_name"], "GitHub Security Advisory");
        assert_eq!(ghsa["scores"][0]["cvss_v3"]["baseScore"], 7.5);

        // A CVSS 4.0 vector: no score object (CSAF 2.0 has none for 4.0), the vector in the note.
        let v4 = vuln(&d, "CVE-2026-20001");
        assert!(v4.get("scores").is_none());
        assert!(
            v4["notes"][1]["text"]
                .as_str()
                .is_some_and(|t| t.contains("CVSS:4.0/AV:N"))
        );
        assert_eq!(v4["remediations"][0]["category"], "none_available");
        assert!(
            v4["remediations"][0]["details"]
                .as_str()
                .is_some_and(|t| t.contains("spool 0.4.2 (no fixed version known)"))
        );

        // Two CVEs: the first is `cve`, the other an id; a CVSS 2.0 vector as `cvss_v2`.
        let py = vuln(&d, "PYSEC-2026-17");
        assert_eq!(py["cve"], "CVE-2026-20003");
        assert_eq!(
            py["ids"],
            json!([
                {"system_name": "Python Packaging Advisory Database", "text": "PYSEC-2026-17"},
                {"system_name": "CVE", "text": "CVE-2026-20004"},
            ])
        );
        assert_eq!(
            py["scores"][0],
            json!({"cvss_v2": {"baseScore": 7.5, "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "version": "2.0"}, "products": ["PW-PRODUCT-lab"]})
        );
        assert_eq!(py["threats"][0]["category"], "exploit_status");

        // One CVE under two vulnerability ids: `cve` on one only (mandatory test 6.1.23).
        let with_cve: Vec<&Value> = d["vulnerabilities"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["cve"] == "CVE-2026-20005")
            .collect();
        assert_eq!(with_cve.len(), 1);
        let relay = vuln(&d, "GHSA-9h2q-5c8w-r6mj");
        assert!(relay.get("cve").is_none());
        assert_eq!(
            relay["ids"][1],
            json!({"system_name": "CVE", "text": "CVE-2026-20005"})
        );
        assert_eq!(relay["scores"][0]["cvss_v3"]["version"], "3.0");

        // A false positive: not affected, no flag (no justification known), the impact says why.
        let fp = vuln(&d, "CVE-2026-20002");
        assert_eq!(
            strings(&fp["product_status"]["known_not_affected"]),
            ["PW-PRODUCT-lab-kiosk"]
        );
        assert!(fp.get("flags").is_none());
        assert_eq!(
            fp["threats"][0]["details"],
            "False positive: the scanner matched a vendored test fixture"
        );

        // A justification in words becomes its label.
        let render = vuln(&d, "CVE-2026-20006");
        assert_eq!(
            render["flags"][0]["label"],
            "inline_mitigations_already_exist"
        );

        // No summary: a generated description; no vector: no score.
        let ring = vuln(&d, "RUSTSEC-2026-0042");
        assert_eq!(ring["ids"][0]["system_name"], "RustSec Advisory Database");
        assert_eq!(
            ring["notes"][0]["text"],
            "Critical vulnerability RUSTSEC-2026-0042 in lab."
        );
        assert!(ring.get("scores").is_none());
        assert_vex_statements(&d);
    }

    #[test]
    fn an_empty_report_is_an_informational_advisory() {
        let d = doc(&fixture::empty_partner_report());
        assert_eq!(d["document"]["category"], "csaf_informational_advisory");
        assert!(d.get("vulnerabilities").is_none());
        assert!(d["document"].get("aggregate_severity").is_none());
        assert!(
            d["document"]["notes"][0]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("No High or Critical vulnerabilities"))
        );
        assert_eq!(d["document"]["references"][0]["category"], "external");
        assert_eq!(
            d["product_tree"]["branches"][0]["branches"][0]["product"]["product_id"],
            "PW-PRODUCT-intranet-less"
        );
    }

    #[test]
    fn odd_partner_names_give_valid_tracking_ids() {
        let mut r = fixture::empty_partner_report();
        r.partner = "Ünïcode & Co.".into();
        assert_eq!(tracking_id(&r), "PW-PARTNER-N-CODE-CO.-2026Q3");
        r.partner = "  ".into();
        let id = tracking_id(&r);
        assert!(
            id.starts_with("PW-PARTNER-") && id.ends_with("-2026Q3") && id.len() == 26,
            "{id}"
        );
        assert!(
            id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "{id}"
        );
        // And the document still has non-empty names.
        let d = doc(&r);
        assert_eq!(
            d["document"]["title"],
            "Example Software AG partner report 2026Q3 for an unnamed partner"
        );
    }

    #[test]
    fn justifications_map_to_flag_labels() {
        for (text, label) in [
            (
                "Not affected: vulnerable_code_not_in_execute_path",
                Some("vulnerable_code_not_in_execute_path"),
            ),
            (
                "Not affected: Component not present",
                Some("component_not_present"),
            ),
            (
                "Not affected: vulnerable-code-not-present",
                Some("vulnerable_code_not_present"),
            ),
            (
                "Not affected: vulnerable code cannot be controlled by adversary",
                Some("vulnerable_code_cannot_be_controlled_by_adversary"),
            ),
            (
                "Not affected: inline_mitigations_already_exist",
                Some("inline_mitigations_already_exist"),
            ),
            (
                "Not affected: code_not_reachable",
                Some("vulnerable_code_not_in_execute_path"),
            ),
            (
                "Not affected: code_not_present",
                Some("vulnerable_code_not_present"),
            ),
            (
                "Not affected: protected_at_perimeter",
                Some("inline_mitigations_already_exist"),
            ),
            ("False positive: the scanner read a test fixture", None),
            ("Not affected: no reason recorded", None),
        ] {
            assert_eq!(justification_label(text), label, "{text}");
        }
    }

    #[test]
    fn cvss_objects_follow_the_vector() {
        let (key, v) = cvss_object("CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H")
            .unwrap_or_else(|| panic!("no score"));
        // The base score comes from the vector (7.5), whatever score was recorded with it.
        assert_eq!(
            (key, &v["baseScore"], &v["baseSeverity"]),
            ("cvss_v3", &json!(7.5), &json!("HIGH"))
        );
        let (_, v) = cvss_object("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
            .unwrap_or_else(|| panic!("no score"));
        assert_eq!(
            (&v["version"], &v["baseScore"], &v["baseSeverity"]),
            (&json!("3.0"), &json!(10.0), &json!("CRITICAL"))
        );
        let (_, v) = cvss_object("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N")
            .unwrap_or_else(|| panic!("no score"));
        assert_eq!(
            (&v["baseScore"], &v["baseSeverity"]),
            (&json!(1.8), &json!("LOW"))
        );
        assert!(
            cvss_object("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
                .is_none()
        );
        assert!(cvss_object("CVSS:3.1/AV:N").is_none());
        assert!(cvss_object("not a vector").is_none());
        assert!(cvss_object("").is_none());
    }

    #[test]
    fn csaf_snapshot() {
        insta::assert_snapshot!(partner_csaf(&fixture::q3_partner_report()));
    }

    #[test]
    fn csaf_edge_snapshot() {
        insta::assert_snapshot!(partner_csaf(&fixture::edge_partner_report()));
    }

    #[test]
    fn csaf_empty_snapshot() {
        insta::assert_snapshot!(partner_csaf(&fixture::empty_partner_report()));
    }
}
