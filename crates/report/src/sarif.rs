//! SARIF 2.1.0, the format code scanning services (GitHub, Azure DevOps, GitLab) import.
//!
//! One run; one rule per vulnerability (its shown id), one result per finding located at
//! the lockfile line that pins the package. Excepted and VEX-closed findings are results
//! too, with an `external` suppression whose justification says why: code scanning then
//! shows them as dismissed instead of losing track of them. See `docs/scan-formats.md`.

use std::collections::BTreeMap;

use patchwarden_core::{Component, Severity};
use patchwarden_engine::{Finding, FindingStatus, ScanResult};
use serde_json::{Map, Value, json};

use crate::common::{
    advice_for, closed_reason, digest_hex, due_text, fixed_text, osv_url, percent_encode,
    severity_lower, status_name,
};

/// The `$schema` written: SchemaStore's copy of the OASIS schema, which editors know.
pub(crate) const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Key of the partial fingerprint; the `v1` changes only if what is hashed changes.
const FINGERPRINT_KEY: &str = "patchwardenFinding/v1";

/// SARIF's level for a severity: what must be fixed is an error, the rest warnings and notes.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::None | Severity::Unknown => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score as a string, which code scanning maps to
/// critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0): the CVSS score, or without one the
/// lower bound of the severity's band; none for `None`/`Unknown`.
fn security_severity(f: &Finding) -> Option<String> {
    if let Some(c) = &f.cvss {
        return Some(format!("{:.1}", c.score));
    }
    match f.severity {
        Severity::Critical => Some("9.0".into()),
        Severity::High => Some("7.0".into()),
        Severity::Medium => Some("4.0".into()),
        Severity::Low => Some("0.1".into()),
        Severity::None | Severity::Unknown => None,
    }
}

/// A relative path as a URI reference: `\` turned into `/`, a leading `./` dropped, every
/// byte that is not unreserved percent-encoded (`:` too, so that no first segment reads as
/// a scheme).
fn path_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    percent_encode(path, true)
}

/// Where a file of the scan is, relative to where the scan ran (what code scanning resolves
/// against the repository root): the path prefixed with the scan target when that is a
/// relative directory (`services/api` + `Cargo.lock`), the target itself when it is the
/// lockfile (`app/Cargo.lock`). Paths inside a container image (`in_image`) and targets that
/// are absolute or climb out with `..` leave the path relative to the scanned root.
fn artifact_path(target: &str, path: &str, in_image: bool) -> String {
    let path = path.replace('\\', "/");
    if in_image {
        return path;
    }
    let t = target.replace('\\', "/");
    let t = t.trim_start_matches("./").trim_end_matches('/');
    let absolute = t.starts_with('/') || t.as_bytes().get(1) == Some(&b':');
    if t.is_empty() || t == "." || absolute || t.split('/').any(|seg| seg == "..") {
        return path;
    }
    if t == path || t.ends_with(&format!("/{path}")) {
        return t.to_string();
    }
    format!("{t}/{path}")
}

/// The URI of a component's lockfile (see [`artifact_path`]).
fn component_uri(result: &ScanResult, c: &Component) -> String {
    path_uri(&artifact_path(
        &result.target,
        &c.source.path,
        c.source.layer.is_some() || result.image.is_some(),
    ))
}

/// The rule of a vulnerability, from its most urgent finding.
fn rule(f: &Finding) -> Value {
    let short = f
        .summary
        .clone()
        .unwrap_or_else(|| format!("{} in {}", f.vulnerability_id, f.component.name));
    let mut full = format!("{}: {short}", f.vulnerability_id);
    if !full.ends_with('.') {
        full.push('.');
    }
    match &f.cvss {
        Some(c) => full.push_str(&format!(
            " Severity {} (CVSS {} {:.1}, {}).",
            f.severity, c.version, c.score, c.vector
        )),
        None => full.push_str(&format!(" Severity {}.", f.severity)),
    }
    if !f.aliases.is_empty() {
        full.push_str(&format!(" Also known as {}.", f.aliases.join(", ")));
    }
    if let Some(k) = &f.kev {
        full.push_str(&format!(
            " Listed in CISA's Known Exploited Vulnerabilities catalog since {}.",
            k.date_added
        ));
    }
    let url = osv_url(&f.advisory_id);
    let mut markdown = format!(
        "**{}** ({} severity)\n\n{}\n\nAdvisory: [{}]({url})",
        f.vulnerability_id, f.severity, short, f.advisory_id
    );
    if !f.aliases.is_empty() {
        let links: Vec<String> = f
            .aliases
            .iter()
            .map(|a| format!("[{a}]({})", osv_url(a)))
            .collect();
        markdown.push_str(&format!("\n\nAliases: {}", links.join(", ")));
    }
    markdown.push_str(
        "\n\nUpgrade the package to a version that fixes it; each alert names the fixed versions and the due date.",
    );
    let mut properties = Map::new();
    if let Some(s) = security_severity(f) {
        properties.insert("security-severity".into(), json!(s));
    }
    properties.insert(
        "tags".into(),
        json!(["security", "vulnerability", severity_lower(f.severity)]),
    );
    json!({
        "id": f.vulnerability_id,
        "shortDescription": {"text": truncate(&short, 1000)},
        "fullDescription": {"text": full},
        "helpUri": url,
        "help": {
            "text": format!("{full} Advisory: {url}. Upgrade the package to a version that fixes it."),
            "markdown": markdown,
        },
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": Value::Object(properties),
    })
}

/// At most `max` characters of `s`, with `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What a result says: package, version, vulnerability, severity, fixed versions, due date,
/// and for a closed finding why it is closed.
fn message(result: &ScanResult, f: &Finding) -> String {
    let c = &f.component;
    let mut text = format!(
        "{} {} ({}) is affected by {} ({}",
        c.name, c.version, c.ecosystem, f.vulnerability_id, f.severity
    );
    if let Some(cvss) = &f.cvss {
        text.push_str(&format!(", CVSS {:.1}", cvss.score));
    }
    if f.kev.is_some() {
        text.push_str(", known exploited");
    }
    text.push(')');
    if let Some(s) = &f.summary {
        text.push_str(&format!(": {s}"));
    }
    if !text.ends_with('.') {
        text.push('.');
    }
    if f.fixed.is_empty() {
        text.push_str(" No fix is available.");
    } else {
        text.push_str(&format!(" Fixed in {}.", fixed_text(f)));
        if let Some(a) = advice_for(result, c) {
            text.push_str(&format!(" Advice: {a}."));
        }
    }
    match closed_reason(f) {
        None => text.push_str(&format!(" Due {}.", due_text(f))),
        Some(why) => text.push_str(&format!(" Closed: {why}.")),
    }
    text
}

fn result_json(result: &ScanResult, f: &Finding, rule_index: usize) -> Value {
    let c = &f.component;
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({
            "uri": component_uri(result, c),
            "uriBaseId": "%SRCROOT%",
        }),
    );
    // SARIF regions start at line 1; without a known line the location is the whole file.
    if let Some(line) = c.source.line.filter(|l| *l >= 1) {
        physical.insert("region".into(), json!({ "startLine": line }));
    }
    let fingerprint = digest_hex(&[
        &f.vulnerability_id,
        &c.ecosystem.to_string(),
        &c.name,
        &c.version,
        &c.source.path,
    ]);
    let mut properties = Map::new();
    properties.insert("priority".into(), json!(f.priority));
    properties.insert("package".into(), json!(c.name));
    properties.insert("version".into(), json!(c.version));
    properties.insert("ecosystem".into(), json!(c.ecosystem.to_string()));
    if let Some(p) = c.purl() {
        properties.insert("purl".into(), json!(p));
    }
    properties.insert("fixedIn".into(), json!(f.fixed));
    properties.insert("due".into(), json!(f.decision.due.to_string()));
    properties.insert("overdue".into(), json!(f.decision.overdue));
    properties.insert("status".into(), json!(status_name(f.status)));
    properties.insert("kev".into(), json!(f.kev.is_some()));
    if let Some((score, percentile)) = f.epss {
        properties.insert(
            "epss".into(),
            json!({"score": score, "percentile": percentile}),
        );
    }
    if let Some(layer) = &c.source.layer {
        properties.insert("layer".into(), json!(layer));
    }
    let mut out = Map::new();
    out.insert("ruleId".into(), json!(f.vulnerability_id));
    out.insert("ruleIndex".into(), json!(rule_index));
    out.insert("level".into(), json!(level(f.severity)));
    out.insert("message".into(), json!({ "text": message(result, f) }));
    out.insert(
        "locations".into(),
        json!([{ "physicalLocation": Value::Object(physical) }]),
    );
    out.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint }),
    );
    if f.status != FindingStatus::Open {
        out.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": closed_reason(f).unwrap_or_default(),
            }]),
        );
    }
    out.insert("properties".into(), Value::Object(properties));
    Value::Object(out)
}

/// Inventory warnings and undecidable advisories, as notifications of the invocation.
fn notifications(result: &ScanResult) -> Vec<Value> {
    let location = |uri: String, line: Option<u32>| {
        let mut physical = Map::new();
        physical.insert(
            "artifactLocation".into(),
            json!({"uri": uri, "uriBaseId": "%SRCROOT%"}),
        );
        if let Some(l) = line.filter(|l| *l >= 1) {
            physical.insert("region".into(), json!({ "startLine": l }));
        }
        json!([{ "physicalLocation": Value::Object(physical) }])
    };
    let mut out: Vec<Value> = result
        .warnings
        .iter()
        .map(|w| {
            json!({
                "level": "warning",
                "message": {"text": w.message},
                "locations": location(
                    path_uri(&artifact_path(&result.target, &w.path, result.image.is_some())),
                    w.line,
                ),
            })
        })
        .collect();
    out.extend(result.problems.iter().map(|p| {
        json!({
            "level": "warning",
            "message": {"text": format!(
                "{} could not be evaluated for {} {}: {}",
                p.advisory_id, p.component.name, p.component.version, p.message
            )},
            "locations": location(component_uri(result, &p.component), p.component.source.line),
        })
    }));
    out
}

/// The scan as a SARIF 2.1.0 log (pretty-printed JSON, final newline).
pub fn sarif(result: &ScanResult) -> String {
    // Rules sorted by id, each from the first (most urgent) finding of its vulnerability.
    let mut by_id: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &result.findings {
        by_id.entry(f.vulnerability_id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = by_id.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = by_id.values().map(|f| rule(f)).collect();
    let results: Vec<Value> = result
        .findings
        .iter()
        .map(|f| {
            let i = index
                .get(f.vulnerability_id.as_str())
                .copied()
                .unwrap_or_default();
            result_json(result, f, i)
        })
        .collect();
    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), json!(true));
    let notes = notifications(result);
    if !notes.is_empty() {
        invocation.insert("toolExecutionNotifications".into(), json!(notes));
    }
    let mut driver = Map::new();
    driver.insert("name".into(), json!("patchwarden"));
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    let home = env!("CARGO_PKG_REPOSITORY");
    if !home.is_empty() {
        driver.insert("informationUri".into(), json!(home));
    }
    driver.insert("rules".into(), json!(rules));
    let doc = json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": Value::Object(driver)},
            "invocations": [Value::Object(invocation)],
            "results": results,
            "properties": {
                "target": result.target,
                "scannedAt": result.scanned_at,
                "gate": {
                    "rulesSet": result.gate.rules_set,
                    "passed": result.gate.passed,
                    "failingFindings": result.gate.failing_findings,
                },
            },
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{rich, sample};

    fn parsed(r: &ScanResult) -> Value {
        serde_json::from_str(&sarif(r)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn sarif_snapshot() {
        insta::assert_snapshot!(sarif(&rich()));
    }

    #[test]
    fn one_rule_per_vulnerability_and_one_result_per_finding() {
        let mut r = rich();
        // A second component with the same vulnerability: one more result, no new rule.
        let mut again = r.findings[0].clone();
        again.component.version = "1.5.0".into();
        r.findings.push(again);
        let doc = parsed(&r);
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let results = run["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(rules.len(), 5);
        assert_eq!(results.len(), 6);
        for res in &results {
            let i = res["ruleIndex"].as_u64().unwrap_or(99) as usize;
            assert_eq!(rules[i]["id"], res["ruleId"]);
        }
        let fp = |i: usize| results[i]["partialFingerprints"][FINGERPRINT_KEY].clone();
        assert_ne!(fp(0), fp(5));
        assert_eq!(
            fp(0),
            parsed(&r)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY]
        );
    }

    #[test]
    fn levels_severities_and_suppressions() {
        let doc = parsed(&rich());
        let results = doc["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let by_rule = |id: &str| {
            results
                .iter()
                .find(|r| r["ruleId"] == id)
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(by_rule("CVE-2021-25900")["level"], "error");
        assert_eq!(by_rule("CVE-2023-5678")["level"], "warning");
        assert!(by_rule("CVE-2021-25900").get("suppressions").is_none());
        let excepted = by_rule("CVE-2023-45133");
        assert_eq!(excepted["suppressions"][0]["kind"], "external");
        assert!(
            excepted["suppressions"][0]["justification"]
                .as_str()
                .unwrap_or_default()
                .contains("build-time only")
        );
        let vex = by_rule("CVE-2020-14343");
        assert!(
            vex["suppressions"][0]["justification"]
                .as_str()
                .unwrap_or_default()
                .contains("vulnerable_code_not_in_execute_path")
        );
        let rules = doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let rule = rules
            .iter()
            .find(|r| r["id"] == "CVE-2021-25900")
            .cloned()
            .unwrap_or_default();
        assert_eq!(rule["properties"]["security-severity"], "9.8");
        assert_eq!(
            rule["helpUri"],
            "https://osv.dev/vulnerability/RUSTSEC-2021-0003"
        );
    }

    #[test]
    fn locations_are_relative_uris_with_a_line_when_known() {
        let doc = parsed(&rich());
        let results = doc["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let loc = |id: &str| {
            results
                .iter()
                .find(|r| r["ruleId"] == id)
                .map(|r| r["locations"][0]["physicalLocation"].clone())
                .unwrap_or_default()
        };
        let smallvec = loc("CVE-2021-25900");
        assert_eq!(smallvec["artifactLocation"]["uri"], "app/Cargo.lock");
        assert_eq!(smallvec["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(smallvec["region"]["startLine"], 40);
        let ip = loc("CVE-2024-29415");
        assert!(ip.get("region").is_none(), "{ip}");
        // In an image layer: the path inside the image, not prefixed by the target.
        assert_eq!(
            loc("CVE-2023-5678")["artifactLocation"]["uri"],
            "var/lib/dpkg/status"
        );
    }

    #[test]
    fn artifact_paths_follow_the_target() {
        let p = |target: &str, path: &str| artifact_path(target, path, false);
        assert_eq!(p(".", "a/b.lock"), "a/b.lock");
        assert_eq!(p("./svc/", "yarn.lock"), "svc/yarn.lock");
        assert_eq!(p("svc/yarn.lock", "yarn.lock"), "svc/yarn.lock");
        assert_eq!(p("yarn.lock", "yarn.lock"), "yarn.lock");
        assert_eq!(p("/abs/dir", "yarn.lock"), "yarn.lock");
        assert_eq!(p("C:\\src", "yarn.lock"), "yarn.lock");
        assert_eq!(p("../up", "yarn.lock"), "yarn.lock");
        assert_eq!(
            artifact_path("img.tar", "var/lib/dpkg/status", true),
            "var/lib/dpkg/status"
        );
        assert_eq!(
            path_uri("dir with space/a:b.lock"),
            "dir%20with%20space/a%3Ab.lock"
        );
        assert_eq!(path_uri(".\\win\\x.lock"), "win/x.lock");
    }

    #[test]
    fn an_empty_scan_is_a_valid_log_without_results() {
        let mut r = sample();
        r.findings.clear();
        let doc = parsed(&r);
        assert_eq!(doc["version"], "2.1.0");
        assert_eq!(doc["runs"][0]["results"], json!([]));
        assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"], json!([]));
        assert!(sarif(&r).ends_with("}\n"));
    }
}
