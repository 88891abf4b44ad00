//! VEX documents in: OpenVEX and CycloneDX VEX statements that a product is not affected by
//! a vulnerability, or has it fixed, with the justification.

use serde::Serialize;
use serde_json::Value;

/// What a VEX statement says of a vulnerability in a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// The product does not have it (code not present or not reachable…).
    NotAffected,
    /// The product has it fixed.
    Fixed,
    /// The product is affected.
    Affected,
    /// Not known yet.
    UnderInvestigation,
}

impl VexStatus {
    /// Whether the statement removes the finding from what must be patched.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// One statement, for one vulnerability and the products it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VexStatement {
    /// The vulnerability id (`CVE-2021-44228`).
    pub vulnerability: String,
    /// Other ids the document gives it.
    pub aliases: Vec<String>,
    /// purls of the products (or subcomponents) it is about; empty: any.
    pub products: Vec<String>,
    /// The status.
    pub status: VexStatus,
    /// The justification (`vulnerable_code_not_in_execute_path`) and any detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The document it came from.
    pub source: String,
}

/// Reads an OpenVEX or CycloneDX (VEX or BOM with `vulnerabilities`) JSON document.
pub fn parse_vex(text: &str, source: &str) -> Result<Vec<VexStatement>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if doc.get("statements").is_some() {
        parse_openvex(&doc, source)
    } else if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        parse_cyclonedx(&doc, source)
    } else {
        Err("neither an OpenVEX document (`statements`) nor a CycloneDX one (`bomFormat`)".into())
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The strings among `values` joined with `: `, or `None` when there are none.
fn joined(values: &[Option<&Value>]) -> Option<String> {
    let parts: Vec<&str> = values.iter().flatten().filter_map(|v| v.as_str()).collect();
    (!parts.is_empty()).then(|| parts.join(": "))
}

fn parse_openvex(doc: &Value, source: &str) -> Result<Vec<VexStatement>, String> {
    let list = doc
        .get("statements")
        .and_then(Value::as_array)
        .ok_or("`statements` is not an array")?;
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let n = i + 1;
        // OpenVEX 0.2 has {"name", "aliases"}; 0.0.x a plain string.
        let (vulnerability, aliases) = match s.get("vulnerability") {
            Some(Value::String(id)) => (id.clone(), Vec::new()),
            Some(v @ Value::Object(_)) => (
                v.get("name")
                    .or_else(|| v.get("@id"))
                    .and_then(Value::as_str)
                    .ok_or(format!("statements[{n}]: the vulnerability has no name"))?
                    .to_string(),
                strings(v.get("aliases")),
            ),
            _ => return Err(format!("statements[{n}] names no vulnerability")),
        };
        let status = match s.get("status").and_then(Value::as_str) {
            Some("not_affected") => VexStatus::NotAffected,
            Some("fixed") => VexStatus::Fixed,
            Some("affected") => VexStatus::Affected,
            Some("under_investigation") => VexStatus::UnderInvestigation,
            other => {
                return Err(format!(
                    "statements[{n}] ({vulnerability}): unknown status {}",
                    other.map_or("(none)".to_string(), |o| format!("`{o}`"))
                ));
            }
        };
        let mut products = Vec::new();
        for p in s
            .get("products")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match p {
                Value::String(id) => products.push(id.clone()),
                Value::Object(_) => {
                    if let Some(id) = p.get("@id").and_then(Value::as_str) {
                        products.push(id.to_string());
                    }
                    if let Some(purl) = p
                        .get("identifiers")
                        .and_then(|i| i.get("purl"))
                        .and_then(Value::as_str)
                    {
                        products.push(purl.to_string());
                    }
                    for sub in p
                        .get("subcomponents")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(id) = sub.get("@id").and_then(Value::as_str) {
                            products.push(id.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        let justification = joined(&[s.get("justification"), s.get("impact_statement")]);
        out.push(VexStatement {
            vulnerability,
            aliases,
            products,
            status,
            justification,
            source: source.to_string(),
        });
    }
    Ok(out)
}

fn parse_cyclonedx(doc: &Value, source: &str) -> Result<Vec<VexStatement>, String> {
    // bom-refs of the document's components, to turn `affects[].ref` into purls.
    let mut refs = std::collections::HashMap::new();
    let mut stack: Vec<&Value> = doc
        .get("components")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if let Some(c) = doc.get("metadata").and_then(|m| m.get("component")) {
        stack.push(c);
    }
    while let Some(c) = stack.pop() {
        if let (Some(r), Some(p)) = (
            c.get("bom-ref").and_then(Value::as_str),
            c.get("purl").and_then(Value::as_str),
        ) {
            refs.insert(r.to_string(), p.to_string());
        }
        stack.extend(
            c.get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    let list = match doc.get("vulnerabilities") {
        None => return Ok(Vec::new()),
        Some(v) => v.as_array().ok_or("`vulnerabilities` is not an array")?,
    };
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let n = i + 1;
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .ok_or(format!("vulnerabilities[{n}] has no id"))?;
        let Some(analysis) = v.get("analysis") else {
            continue;
        };
        let status = match analysis.get("state").and_then(Value::as_str) {
            Some("not_affected" | "false_positive") => VexStatus::NotAffected,
            Some("resolved" | "resolved_with_pedigree") => VexStatus::Fixed,
            Some("exploitable") => VexStatus::Affected,
            Some("in_triage") | None => VexStatus::UnderInvestigation,
            Some(other) => {
                return Err(format!(
                    "vulnerabilities[{n}] ({id}): unknown analysis state `{other}`"
                ));
            }
        };
        let products = v
            .get("affects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("ref").and_then(Value::as_str))
            .map(|r| refs.get(r).cloned().unwrap_or_else(|| r.to_string()))
            .collect();
        let aliases = v
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        let justification = joined(&[analysis.get("justification"), analysis.get("detail")]);
        out.push(VexStatement {
            vulnerability: id.to_string(),
            aliases,
            products,
            status,
            justification,
            source: source.to_string(),
        });
    }
    Ok(out)
}

/// A purl without qualifiers and subpath, and whether it has a version.
fn purl_core(purl: &str) -> (&str, bool) {
    let end = purl.find(['?', '#']).unwrap_or(purl.len());
    let core = &purl[..end];
    let has_version = core
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('@'));
    (core, has_version)
}

/// Whether a product reference names the component with `purl`: the same purl (qualifiers
/// ignored), or the same package when the reference has no version.
fn product_matches(product: &str, purl: &str) -> bool {
    let (p, p_versioned) = purl_core(product);
    let (c, _) = purl_core(purl);
    if p_versioned {
        p.eq_ignore_ascii_case(c)
    } else {
        c.split_once('@')
            .map_or(c, |(name, _)| name)
            .eq_ignore_ascii_case(p)
    }
}

/// The statement that applies to a finding with these ids on a component with this purl:
/// the last one in document order (later statements update earlier ones, as in OpenVEX).
pub fn applicable<'s>(
    statements: &'s [VexStatement],
    ids: &[String],
    purl: Option<&str>,
) -> Option<&'s VexStatement> {
    statements.iter().rev().find(|s| {
        let id_match = std::iter::once(&s.vulnerability)
            .chain(&s.aliases)
            .any(|v| ids.iter().any(|i| i.eq_ignore_ascii_case(v)));
        let product_match = s.products.is_empty()
            || purl.is_some_and(|p| s.products.iter().any(|prod| product_matches(prod, p)));
        id_match && product_match
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openvex_statements_apply_by_id_alias_and_product() {
        let doc = r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2026-01-01T00:00:00Z","version":1,
          "statements":[
            {"vulnerability":{"name":"CVE-2021-23337","aliases":["GHSA-35jh-r3h4-6jhm"]},
             "products":[{"@id":"pkg:npm/app@1.0.0","subcomponents":[{"@id":"pkg:npm/lodash@4.17.20"}]}],
             "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
            {"vulnerability":"CVE-2020-8203","products":["pkg:npm/lodash"],"status":"affected"}]}"#;
        let s = parse_vex(doc, "app.openvex.json").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.len(), 2);
        let ids = vec!["GHSA-35jh-r3h4-6jhm".to_string()];
        let hit = applicable(&s, &ids, Some("pkg:npm/lodash@4.17.20"));
        assert_eq!(hit.map(|h| h.status), Some(VexStatus::NotAffected));
        assert!(applicable(&s, &ids, Some("pkg:npm/lodash@4.17.21")).is_none());
        let ids = vec!["CVE-2020-8203".to_string()];
        let hit = applicable(&s, &ids, Some("pkg:npm/lodash@4.17.15?x=y"));
        assert_eq!(hit.map(|h| h.status.suppresses()), Some(false));
    }

    #[test]
    fn cyclonedx_vex_resolves_bom_refs() {
        let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
          "components":[{"type":"library","bom-ref":"c1","name":"log4j-core","purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
          "vulnerabilities":[{"id":"CVE-2021-44228","analysis":{"state":"resolved","detail":"patched in our fork"},
            "affects":[{"ref":"c1"}]},
            {"id":"CVE-2","analysis":{"state":"false_positive"}}]}"#;
        let s = parse_vex(doc, "bom.json").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s[0].status, VexStatus::Fixed);
        assert_eq!(
            s[0].products,
            ["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"]
        );
        assert_eq!(s[1].status, VexStatus::NotAffected);
        assert!(parse_vex("{}", "x").is_err());
        assert!(
            parse_vex(
                r#"{"statements":[{"vulnerability":"C","status":"bogus"}]}"#,
                "x"
            )
            .is_err()
        );
    }
}
