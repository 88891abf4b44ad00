//! CycloneDX 1.6 JSON with vulnerabilities: the SBOM `patchwarden sbom` writes (the same
//! components, bom-refs and `patchwarden:*` properties, from
//! [`patchwarden_inventory::cyclonedx::write_json`]) plus one `vulnerabilities` entry per
//! vulnerability and analysis, which makes the document a VEX as well.
//!
//! Analysis states follow the finding's status: open → `in_triage`; excepted →
//! `exploitable` with response `will_not_fix` and the exception in `detail`; VEX
//! not_affected → `not_affected` with the justification mapped to CycloneDX's list where one
//! matches; VEX fixed → `resolved`. Findings of one vulnerability with different analyses
//! become separate entries, since an analysis belongs to the entry, not to each `affects`.

use std::collections::{BTreeSet, HashMap};

use patchwarden_core::{Component, Severity};
use patchwarden_engine::{Finding, FindingStatus, ScanResult};
use patchwarden_inventory::cyclonedx::{SbomMeta, write_json};
use serde_json::{Map, Value, json};

use crate::common::{advice_for, closed_reason, content_uuid, id_source, osv_url, severity_lower};

/// CycloneDX's rating method for a CVSS version.
fn method(version: &str) -> &'static str {
    match version {
        "2.0" => "CVSSv2",
        "3.0" => "CVSSv3",
        "3.1" => "CVSSv31",
        "4.0" => "CVSSv4",
        _ => "other",
    }
}

/// CycloneDX's rating severity (`critical` … `none`, `unknown`).
fn rating_severity(s: Severity) -> String {
    severity_lower(s)
}

/// The CycloneDX `impactAnalysisJustification` a VEX justification corresponds to, read from
/// the text before the first `:` (the policy crate joins justification and detail that
/// way). CycloneDX values pass through; OpenVEX's map to their nearest equivalent, except
/// `vulnerable_code_cannot_be_controlled_by_adversary`, which has none (it stays in
/// `detail`).
fn justification(text: &str) -> Option<&'static str> {
    let key = text.split(':').next().unwrap_or_default().trim();
    Some(match key {
        "code_not_present" | "component_not_present" | "vulnerable_code_not_present" => {
            "code_not_present"
        }
        "code_not_reachable" | "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "requires_configuration" => "requires_configuration",
        "requires_dependency" => "requires_dependency",
        "requires_environment" => "requires_environment",
        "protected_by_compiler" => "protected_by_compiler",
        "protected_at_runtime" => "protected_at_runtime",
        "protected_at_perimeter" => "protected_at_perimeter",
        "protected_by_mitigating_control" | "inline_mitigations_already_exist" => {
            "protected_by_mitigating_control"
        }
        _ => return None,
    })
}

/// The `analysis` of a finding (see the module documentation).
fn analysis(f: &Finding) -> Value {
    let mut a = Map::new();
    match f.status {
        FindingStatus::Open => {
            a.insert("state".into(), json!("in_triage"));
        }
        FindingStatus::Excepted => {
            a.insert("state".into(), json!("exploitable"));
            a.insert("response".into(), json!(["will_not_fix"]));
        }
        FindingStatus::NotAffected => {
            a.insert("state".into(), json!("not_affected"));
            if let Some(j) = f
                .vex
                .as_ref()
                .and_then(|v| v.justification.as_deref())
                .and_then(justification)
            {
                a.insert("justification".into(), json!(j));
            }
        }
        FindingStatus::Fixed => {
            a.insert("state".into(), json!("resolved"));
        }
    }
    if let Some(detail) = closed_reason(f) {
        a.insert("detail".into(), json!(detail));
    }
    Value::Object(a)
}

/// An RFC 3339 date-time for CycloneDX's `date-time` fields: as given when it is one, a bare
/// date at midnight UTC, otherwise nothing.
fn date_time(text: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    if time::OffsetDateTime::parse(text, &Rfc3339).is_ok() {
        return Some(text.to_string());
    }
    let date_only = format!("{text}T00:00:00Z");
    time::OffsetDateTime::parse(&date_only, &Rfc3339)
        .is_ok()
        .then_some(date_only)
}

/// The rating a finding's severity came from: the CVSS vector with its score and method, or
/// the advisory's label alone.
fn rating(f: &Finding) -> Value {
    let (name, url) = if f.cvss_source == Some("nvd") && f.vulnerability_id.starts_with("CVE-") {
        id_source(&f.vulnerability_id)
    } else if f.cvss_source == Some("nvd") {
        ("NVD", "https://nvd.nist.gov/".to_string())
    } else {
        id_source(&f.advisory_id)
    };
    let mut r = Map::new();
    r.insert("source".into(), json!({"name": name, "url": url}));
    if let Some(c) = &f.cvss {
        r.insert("score".into(), json!(c.score));
    }
    r.insert("severity".into(), json!(rating_severity(f.severity)));
    if let Some(c) = &f.cvss {
        r.insert("method".into(), json!(method(c.version)));
        r.insert("vector".into(), json!(c.vector));
    }
    Value::Object(r)
}

/// What a finding's component is keyed by in the SBOM: its purl, or for ecosystems without
/// one `~ecosystem/name@version` (the `patchwarden:ecosystem` property, name and version of
/// the written entry).
fn component_key(c: &Component) -> String {
    c.purl()
        .unwrap_or_else(|| format!("~{}/{}@{}", c.ecosystem, c.name, c.version))
}

fn entry_key(entry: &Value) -> Option<String> {
    if let Some(p) = entry.get("purl").and_then(Value::as_str) {
        return Some(p.to_string());
    }
    let eco = entry
        .get("properties")
        .and_then(Value::as_array)?
        .iter()
        .find(|p| p["name"] == "patchwarden:ecosystem")?
        .get("value")?
        .as_str()?
        .to_string();
    Some(format!(
        "~{eco}/{}@{}",
        entry.get("name")?.as_str()?,
        entry.get("version")?.as_str()?
    ))
}

/// Findings of one vulnerability that share one analysis.
struct Group<'a> {
    analysis: Value,
    findings: Vec<&'a Finding>,
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "value": value.into()})
}

fn vulnerability(
    result: &ScanResult,
    group: &Group<'_>,
    bom_ref: &str,
    refs: &HashMap<String, String>,
) -> Value {
    let Some(first) = group.findings.first() else {
        return Value::Null;
    };
    let id = &first.vulnerability_id;
    let (source_name, source_url) = id_source(id);
    let mut references: Vec<Value> = Vec::new();
    let mut advisories: BTreeSet<&str> = BTreeSet::new();
    let mut ratings: Vec<Value> = Vec::new();
    let mut recommendations: Vec<String> = Vec::new();
    let mut affects: Vec<Value> = Vec::new();
    let mut seen_refs: BTreeSet<&str> = BTreeSet::new();
    let mut seen_aliases: BTreeSet<&str> = BTreeSet::new();
    let mut fixed: Vec<&str> = Vec::new();
    for f in &group.findings {
        for alias in &f.aliases {
            if alias != id && seen_aliases.insert(alias) {
                let (name, url) = id_source(alias);
                references.push(json!({"id": alias, "source": {"name": name, "url": url}}));
            }
        }
        advisories.extend(f.advisory_ids.iter().map(String::as_str));
        let r = rating(f);
        if !ratings.contains(&r) {
            ratings.push(r);
        }
        let c = &f.component;
        let advice = if f.fixed.is_empty() {
            "no fixed version is known".to_string()
        } else {
            advice_for(result, c).unwrap_or_else(|| format!("upgrade to {}", f.fixed.join(" or ")))
        };
        let line = format!("{} {}: {advice}", c.name, c.version);
        if !recommendations.contains(&line) {
            recommendations.push(line);
        }
        for v in &f.fixed {
            if !fixed.contains(&v.as_str()) {
                fixed.push(v);
            }
        }
        if let Some(r) = refs.get(&component_key(c))
            && seen_refs.insert(r)
        {
            affects.push(json!({
                "ref": r,
                "versions": [{"version": c.version, "status": "affected"}],
            }));
        }
    }
    let mut v = Map::new();
    v.insert("bom-ref".into(), json!(bom_ref));
    v.insert("id".into(), json!(id));
    v.insert(
        "source".into(),
        json!({"name": source_name, "url": source_url}),
    );
    if !references.is_empty() {
        v.insert("references".into(), json!(references));
    }
    v.insert("ratings".into(), json!(ratings));
    if let Some(s) = &first.summary {
        v.insert("description".into(), json!(s));
    }
    v.insert("recommendation".into(), json!(recommendations.join("; ")));
    v.insert(
        "advisories".into(),
        json!(
            advisories
                .iter()
                .map(|a| json!({"title": a, "url": osv_url(a)}))
                .collect::<Vec<_>>()
        ),
    );
    if let Some(p) = group
        .findings
        .iter()
        .filter_map(|f| f.published.as_deref())
        .min()
        .and_then(date_time)
    {
        v.insert("published".into(), json!(p));
    }
    v.insert("analysis".into(), group.analysis.clone());
    v.insert("affects".into(), json!(affects));
    let mut props = vec![property(
        "patchwarden:priority",
        group
            .findings
            .iter()
            .map(|f| f.priority)
            .min()
            .unwrap_or_default()
            .to_string(),
    )];
    if let Some(due) = group.findings.iter().map(|f| f.decision.due).min() {
        props.push(property("patchwarden:due", due.to_string()));
    }
    if group.findings.iter().any(|f| f.decision.overdue) {
        props.push(property("patchwarden:overdue", "true"));
    }
    if !fixed.is_empty() {
        props.push(property("patchwarden:fixed-in", fixed.join(", ")));
    }
    if let Some(k) = group.findings.iter().find_map(|f| f.kev.as_ref()) {
        props.push(property("patchwarden:kev:date-added", k.date_added.clone()));
        props.push(property("patchwarden:kev:due-date", k.due_date.clone()));
    }
    if let Some((score, percentile)) = group.findings.iter().find_map(|f| f.epss) {
        props.push(property("patchwarden:epss:score", score.to_string()));
        props.push(property(
            "patchwarden:epss:percentile",
            percentile.to_string(),
        ));
    }
    v.insert("properties".into(), json!(props));
    Value::Object(v)
}

/// The scan as a CycloneDX 1.6 JSON BOM with `vulnerabilities` (pretty-printed, final
/// newline). The same result always gives the same text: the serial number is derived from
/// the content.
pub fn cyclonedx(result: &ScanResult) -> String {
    // Every finding's component is in the BOM, even one the inventory list lacks.
    let mut components = result.components.clone();
    for f in &result.findings {
        if !components.contains(&f.component) {
            components.push(f.component.clone());
        }
    }
    let meta = SbomMeta {
        name: result.target.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        timestamp: result.scanned_at.clone(),
    };
    let mut doc = match serde_json::from_str::<Value>(&write_json(&components, &meta)) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let refs: HashMap<String, String> = doc
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let r = entry.get("bom-ref")?.as_str()?.to_string();
            Some((entry_key(entry)?, r))
        })
        .collect();
    if let Some(subject) = doc
        .get_mut("metadata")
        .and_then(|m| m.get_mut("component"))
        .and_then(Value::as_object_mut)
    {
        if result.image.is_some() {
            subject.insert("type".into(), json!("container"));
        }
        let gate = match (result.gate.rules_set, result.gate.passed) {
            (false, _) => "no rules set",
            (true, true) => "passed",
            (true, false) => "failed",
        };
        subject.insert(
            "properties".into(),
            json!([property("patchwarden:gate", gate)]),
        );
    }

    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for f in &result.findings {
        let a = analysis(f);
        let key = (f.vulnerability_id.clone(), a.to_string());
        match index.get(&key) {
            Some(&i) => {
                if let Some(g) = groups.get_mut(i) {
                    g.findings.push(f);
                }
            }
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    analysis: a,
                    findings: vec![f],
                });
            }
        }
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let vulnerabilities: Vec<Value> = groups
        .iter()
        .map(|g| {
            let id = g
                .findings
                .first()
                .map_or("", |f| f.vulnerability_id.as_str());
            let base = format!("vulnerability:{id}");
            let mut bom_ref = base.clone();
            let mut n = 2;
            while !used.insert(bom_ref.clone()) {
                bom_ref = format!("{base}-{n}");
                n += 1;
            }
            vulnerability(result, g, &bom_ref, &refs)
        })
        .collect();
    doc.insert("vulnerabilities".into(), json!(vulnerabilities));

    // The serial number: from the content, computed with the field blank.
    doc.insert("serialNumber".into(), json!(""));
    let content = serde_json::to_string(&doc).unwrap_or_default();
    let serial = format!(
        "urn:uuid:{}",
        content_uuid(&["cyclonedx-1.6-vulnerabilities", &content])
    );
    doc.insert("serialNumber".into(), json!(serial));
    let mut text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{rich, sample};

    fn parsed(r: &ScanResult) -> Value {
        serde_json::from_str(&cyclonedx(r)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn vulns(doc: &Value) -> Vec<Value> {
        doc["vulnerabilities"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn cyclonedx_snapshot() {
        insta::assert_snapshot!(cyclonedx(&rich()));
    }

    #[test]
    fn the_same_result_gives_the_same_document() {
        assert_eq!(cyclonedx(&rich()), cyclonedx(&rich()));
        assert_ne!(
            parsed(&rich())["serialNumber"],
            parsed(&sample())["serialNumber"]
        );
        let serial = parsed(&rich())["serialNumber"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            serial.starts_with("urn:uuid:") && serial.len() == 45,
            "{serial}"
        );
    }

    #[test]
    fn analysis_follows_the_finding_status() {
        let doc = parsed(&rich());
        let by_id = |id: &str| {
            vulns(&doc)
                .into_iter()
                .find(|v| v["id"] == id)
                .unwrap_or_default()
        };
        assert_eq!(by_id("CVE-2021-25900")["analysis"]["state"], "in_triage");
        let excepted = by_id("CVE-2023-45133")["analysis"].clone();
        assert_eq!(excepted["state"], "exploitable");
        assert_eq!(excepted["response"], json!(["will_not_fix"]));
        assert!(
            excepted["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("security@example.com")
        );
        let na = by_id("CVE-2020-14343")["analysis"].clone();
        assert_eq!(na["state"], "not_affected");
        assert_eq!(na["justification"], "code_not_reachable");
        assert!(
            na["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("safe_load")
        );
    }

    #[test]
    fn affects_point_at_component_bom_refs() {
        let doc = parsed(&rich());
        let refs: Vec<String> = doc["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["bom-ref"].as_str().map(str::to_string))
            .collect();
        for v in vulns(&doc) {
            let affects = v["affects"].as_array().cloned().unwrap_or_default();
            assert_eq!(affects.len(), 1, "{v}");
            let r = affects[0]["ref"].as_str().unwrap_or_default().to_string();
            assert!(refs.contains(&r), "{r} not among {refs:?}");
            assert_eq!(affects[0]["versions"][0]["status"], "affected");
        }
        let smallvec = vulns(&doc)
            .into_iter()
            .find(|v| v["id"] == "CVE-2021-25900")
            .unwrap_or_default();
        assert_eq!(smallvec["affects"][0]["ref"], "pkg:cargo/smallvec@1.6.0");
        assert_eq!(smallvec["ratings"][0]["method"], "CVSSv31");
        assert_eq!(smallvec["ratings"][0]["severity"], "critical");
        assert_eq!(
            smallvec["recommendation"],
            "smallvec 1.6.0: upgrade to 1.6.1"
        );
        assert_eq!(smallvec["references"][0]["source"]["name"], "GitHub");
    }

    #[test]
    fn one_vulnerability_on_two_components_is_one_entry_unless_analyses_differ() {
        let mut r = sample();
        let mut other = r.findings[0].clone();
        other.component.version = "1.5.0".into();
        r.components.push(other.component.clone());
        r.findings.push(other.clone());
        let doc = parsed(&r);
        assert_eq!(vulns(&doc).len(), 1);
        assert_eq!(vulns(&doc)[0]["affects"].as_array().map(Vec::len), Some(2));
        // One of them excepted: two entries with distinct bom-refs.
        let mut r2 = r.clone();
        r2.findings[1].status = FindingStatus::Excepted;
        let doc = parsed(&r2);
        let v = vulns(&doc);
        assert_eq!(v.len(), 2);
        assert_ne!(v[0]["bom-ref"], v[1]["bom-ref"]);
    }

    #[test]
    fn justifications_map_to_cyclonedx_values() {
        assert_eq!(
            justification("component_not_present"),
            Some("code_not_present")
        );
        assert_eq!(
            justification("inline_mitigations_already_exist: WAF rule 12"),
            Some("protected_by_mitigating_control")
        );
        assert_eq!(
            justification("protected_at_runtime"),
            Some("protected_at_runtime")
        );
        assert_eq!(
            justification("vulnerable_code_cannot_be_controlled_by_adversary"),
            None
        );
        assert_eq!(justification("we do not use it"), None);
        assert_eq!(method("2.0"), "CVSSv2");
        assert_eq!(method("4.0"), "CVSSv4");
        assert_eq!(
            date_time("2023-11-06").as_deref(),
            Some("2023-11-06T00:00:00Z")
        );
        assert_eq!(date_time("soon"), None);
    }
}
