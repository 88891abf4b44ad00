//! SPDX SBOMs, read and written.
//!
//! Reading accepts SPDX 2.3 (and 2.2, which has the same package and relationship fields) as
//! JSON ([`parse_json`]) or tag-value ([`parse_tag_value`]). A package becomes a
//! [`Component`] through the purl among its external references (see
//! [`crate::cyclonedx::component_from_purl`]); a package without one becomes a warning.
//!
//! The document's subject is the one element it `DESCRIBES` (a directory, an image, a
//! repository): it is not a component. When the subject has dependency relationships
//! (`DEPENDS_ON`, or `DEPENDENCY_OF` and its kinds pointing at it), the packages it reaches
//! directly are direct and all others are not; packages without a purl in between are looked
//! through. `DEV_DEPENDENCY_OF`/`TEST_DEPENDENCY_OF` give the dev scope and
//! `OPTIONAL_DEPENDENCY_OF` the optional scope. `CONTAINS` says nothing about dependencies.
//!
//! Writing ([`write_json`]) gives an SPDX 2.3 JSON document that is identical for the same
//! components and [`SbomMeta`]: packages sorted and merged by purl, the namespace derived
//! from a SHA-256 of the content, licences `NOASSERTION`.

use std::collections::{HashMap, HashSet};

use patchwarden_core::{Component, Scope};
use serde_json::{Map, Value, json};

pub use crate::cyclonedx::SbomMeta;
use crate::cyclonedx::{
    Collector, UniqueIds, component_with_fallback, content_uuid, direct_ids, merge_by_purl,
    sanitise, shorten,
};
use crate::{ParseError, Parsed};

/// The SPDX versions [`parse_json`] and [`parse_tag_value`] read.
pub const SUPPORTED_VERSIONS: [&str; 2] = ["SPDX-2.2", "SPDX-2.3"];

/// Package purposes that name no installable package; such packages without a purl are
/// passed over without a warning (Trivy's operating system and image entries).
const NOT_PACKAGES: &[&str] = &[
    "OPERATING-SYSTEM",
    "CONTAINER",
    "FILE",
    "DEVICE",
    "FIRMWARE",
];

/// One package of an SPDX document.
#[derive(Default)]
struct RawPackage {
    id: Option<String>,
    name: Option<String>,
    version: Option<String>,
    purls: Vec<String>,
    /// `primaryPackagePurpose`, upper-cased.
    purpose: Option<String>,
    line: Option<u32>,
}

/// What the readers take from an SPDX document.
#[derive(Default)]
struct RawDoc {
    packages: Vec<RawPackage>,
    /// (element, relationship type upper-cased, related element)
    relationships: Vec<(String, String, String)>,
    /// `documentDescribes` of SPDX 2.2-style JSON.
    describes: Vec<String>,
    warnings: Vec<(Option<u32>, String)>,
}

fn check_version(version: &str) -> Result<(), ParseError> {
    if SUPPORTED_VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(ParseError(format!(
            "SPDX version `{}` is not supported (SPDX-2.2 and SPDX-2.3 are)",
            shorten(version)
        )))
    }
}

/// Reads an SPDX 2.3 (or 2.2) JSON document.
pub fn parse_json(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| ParseError(format!("not valid JSON: {e}")))?;
    parse_json_value(path, &doc)
}

/// Reads an SPDX 2.3 (or 2.2) JSON document already parsed.
pub(crate) fn parse_json_value(path: &str, doc: &Value) -> Result<Parsed, ParseError> {
    let Some(top) = doc.as_object() else {
        return Err(ParseError(
            "not an SPDX document: the JSON is not an object".into(),
        ));
    };
    match top.get("spdxVersion") {
        Some(Value::String(v)) => check_version(v)?,
        Some(_) => return Err(ParseError("spdxVersion is not a string".into())),
        None if top.contains_key("bomFormat") => {
            return Err(ParseError(
                "a CycloneDX document, not SPDX: read it as CycloneDX JSON".into(),
            ));
        }
        None if top.contains_key("@context") => {
            return Err(ParseError(
                "an SPDX 3 (JSON-LD) document; only SPDX 2.2 and 2.3 are supported".into(),
            ));
        }
        None => {
            return Err(ParseError(
                "not an SPDX document: no spdxVersion field".into(),
            ));
        }
    }
    let mut raw = RawDoc::default();
    let array = |key: &str| -> Result<&[Value], ParseError> {
        match top.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(list)) => Ok(list),
            Some(_) => Err(ParseError(format!("`{key}` is not an array"))),
        }
    };
    for p in array("packages")? {
        let Some(obj) = p.as_object() else {
            raw.warnings
                .push((None, "a package is not a JSON object; skipped".into()));
            continue;
        };
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
        let purls = obj
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| {
                r.get("referenceType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("purl"))
            })
            .filter_map(|r| r.get("referenceLocator").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        raw.packages.push(RawPackage {
            id: text("SPDXID"),
            name: text("name"),
            version: text("versionInfo"),
            purls,
            purpose: text("primaryPackagePurpose").map(|p| p.to_ascii_uppercase()),
            line: None,
        });
    }
    for r in array("relationships")? {
        let field = |key: &str| r.get(key).and_then(Value::as_str);
        match (
            field("spdxElementId"),
            field("relationshipType"),
            field("relatedSpdxElement"),
        ) {
            (Some(a), Some(t), Some(b)) => raw.relationships.push((
                a.to_string(),
                t.to_ascii_uppercase(),
                b.to_string(),
            )),
            _ => raw.warnings.push((
                None,
                "a relationship lacks spdxElementId, relationshipType or relatedSpdxElement; ignored"
                    .into(),
            )),
        }
    }
    raw.describes = array("documentDescribes")?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let document_id = top
        .get("SPDXID")
        .and_then(Value::as_str)
        .unwrap_or("SPDXRef-DOCUMENT");
    Ok(finish(path, document_id, raw))
}

/// Reads an SPDX 2.3 (or 2.2) tag-value document.
pub fn parse_tag_value(path: &str, text: &str) -> Result<Parsed, ParseError> {
    let mut raw = RawDoc::default();
    let mut version: Option<String> = None;
    let mut document_id: Option<String> = None;
    // Whether the tags being read belong to a package (after `PackageName:` and before the
    // next file, snippet or licence section).
    let mut in_package = false;
    let mut lines = text.trim_start_matches('\u{feff}').lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let number = u32::try_from(index + 1).ok();
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            raw.warnings
                .push((number, "line is not `Tag: value`; ignored".into()));
            continue;
        };
        let tag = tag.trim();
        let mut value = value.trim().to_string();
        // Multi-line values (`<text>` … `</text>`) are passed over: no tag read here spans
        // lines.
        if value.starts_with("<text>") && !value.contains("</text>") {
            for (_, more) in lines.by_ref() {
                if more.contains("</text>") {
                    break;
                }
            }
            value.clear();
        }
        match tag {
            "SPDXVersion" if version.is_none() => version = Some(value),
            "PackageName" => {
                in_package = true;
                raw.packages.push(RawPackage {
                    name: Some(value),
                    line: number,
                    ..RawPackage::default()
                });
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" => in_package = false,
            "SPDXID" => {
                if in_package {
                    if let Some(p) = raw.packages.last_mut()
                        && p.id.is_none()
                    {
                        p.id = Some(value);
                    }
                } else if raw.packages.is_empty() && document_id.is_none() {
                    document_id = Some(value);
                }
            }
            "PackageVersion" if in_package => {
                if let Some(p) = raw.packages.last_mut() {
                    p.version = Some(value);
                }
            }
            "PrimaryPackagePurpose" if in_package => {
                if let Some(p) = raw.packages.last_mut() {
                    p.purpose = Some(value.to_ascii_uppercase());
                }
            }
            "ExternalRef" if in_package => {
                let mut parts = value.split_whitespace();
                let (_, kind, locator) = (parts.next(), parts.next(), parts.next());
                if let (Some(kind), Some(locator), Some(p)) =
                    (kind, locator, raw.packages.last_mut())
                    && kind.eq_ignore_ascii_case("purl")
                {
                    p.purls.push(locator.to_string());
                }
            }
            "Relationship" => {
                let mut parts = value.split_whitespace();
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(a), Some(t), Some(b)) => raw.relationships.push((
                        a.to_string(),
                        t.to_ascii_uppercase(),
                        b.to_string(),
                    )),
                    _ => raw.warnings.push((
                        number,
                        "Relationship is not `element TYPE element`; ignored".into(),
                    )),
                }
            }
            _ => {}
        }
    }
    match version {
        Some(v) => check_version(&v)?,
        None => {
            return Err(ParseError(
                "not an SPDX tag-value document: no SPDXVersion line".into(),
            ));
        }
    }
    let document_id = document_id.unwrap_or_else(|| "SPDXRef-DOCUMENT".into());
    Ok(finish(path, &document_id, raw))
}

/// Turns the packages and relationships of a document into components and warnings.
fn finish(path: &str, document_id: &str, raw: RawDoc) -> Parsed {
    let mut out = Collector::new(path);
    for (line, w) in raw.warnings {
        out.warn(line, w);
    }
    let mut described: Vec<&str> = raw.describes.iter().map(String::as_str).collect();
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    let mut dev: HashSet<&str> = HashSet::new();
    let mut optional: HashSet<&str> = HashSet::new();
    let mut required: HashSet<&str> = HashSet::new();
    for (a, kind, b) in &raw.relationships {
        let (from, to) = match kind.as_str() {
            "DESCRIBES" if a == document_id => {
                described.push(b);
                continue;
            }
            "DESCRIBED_BY" if b == document_id => {
                described.push(a);
                continue;
            }
            "DEPENDS_ON" => (a, b),
            "DEPENDENCY_OF"
            | "BUILD_DEPENDENCY_OF"
            | "RUNTIME_DEPENDENCY_OF"
            | "DEV_DEPENDENCY_OF"
            | "TEST_DEPENDENCY_OF"
            | "OPTIONAL_DEPENDENCY_OF"
            | "PROVIDED_DEPENDENCY_OF" => (b, a),
            _ => continue,
        };
        match kind.as_str() {
            "DEV_DEPENDENCY_OF" | "TEST_DEPENDENCY_OF" => dev.insert(to),
            "OPTIONAL_DEPENDENCY_OF" => optional.insert(to),
            _ => required.insert(to),
        };
        edges.entry(from.clone()).or_default().push(to.clone());
    }
    described.sort_unstable();
    described.dedup();
    // One described element is the document's subject; several (or none) give no subject,
    // and every package is read.
    let subject = match described.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let packages: HashSet<&str> = raw
        .packages
        .iter()
        .filter(|p| !p.purls.is_empty())
        .filter_map(|p| p.id.as_deref())
        .collect();
    let direct = subject.and_then(|s| direct_ids(&[s], &edges, &|id: &str| packages.contains(id)));
    for p in &raw.packages {
        if subject.is_some() && p.id.as_deref() == subject {
            continue;
        }
        let label = {
            let name = p
                .name
                .clone()
                .or_else(|| p.id.clone())
                .unwrap_or_else(|| "(unnamed)".into());
            match &p.version {
                Some(v) if !v.is_empty() => shorten(&format!("{name}@{v}")),
                _ => shorten(&name),
            }
        };
        let Some(purl) = p.purls.first() else {
            if p.purpose
                .as_deref()
                .is_some_and(|purpose| NOT_PACKAGES.contains(&purpose))
            {
                continue;
            }
            out.warn(p.line, format!("package `{label}` has no purl; skipped"));
            continue;
        };
        match component_with_fallback(purl, path, p.version.as_deref()) {
            Ok(mut component) => {
                component.source.line = p.line;
                let id = p.id.as_deref().unwrap_or("");
                component.scope = if required.contains(id) {
                    Scope::Required
                } else if dev.contains(id) {
                    Scope::Dev
                } else if optional.contains(id) {
                    Scope::Optional
                } else {
                    Scope::Required
                };
                component.direct = direct.as_ref().map(|set| set.contains(id));
                out.push(component);
            }
            Err(e) => out.warn(p.line, format!("package `{label}`: {e}; skipped")),
        }
    }
    out.finish()
}

/// The `created` time as SPDX wants it: UTC, to the second, `Z`-suffixed. A time already in
/// UTC with fractional seconds or a `+00:00` offset is brought to that form; anything else is
/// kept as given.
fn spdx_created(timestamp: &str) -> String {
    let t = timestamp.trim();
    let (Some(base), Some(rest)) = (t.get(..19), t.get(19..)) else {
        return t.to_string();
    };
    let rest = rest
        .strip_prefix('.')
        .map_or(rest, |r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
    if matches!(rest, "Z" | "z" | "+00:00" | "-00:00") {
        format!("{base}Z")
    } else {
        t.to_string()
    }
}

/// An SPDX 2.3 JSON SBOM of `components`: one package per purl (sorted) with its purl as
/// external reference, where it was found as `sourceInfo` and licences `NOASSERTION`; the
/// document `DESCRIBES` the subject `meta.name`, which `DEPENDS_ON` the direct components
/// (dev and optional ones point back with `DEV_DEPENDENCY_OF` / `OPTIONAL_DEPENDENCY_OF`) and
/// `CONTAINS` the rest. The same input always gives the same text.
pub fn write_json(components: &[Component], meta: &SbomMeta) -> String {
    let merged = merge_by_purl(components);
    let keep = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let mut ids = UniqueIds::default();
    ids.make("SPDXRef-DOCUMENT".into());
    let root_id = ids.make("SPDXRef-Subject".into());
    let name = if meta.name.trim().is_empty() {
        "unnamed".to_string()
    } else {
        meta.name.clone()
    };
    let mut packages = vec![json!({
        "name": name,
        "SPDXID": root_id,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
    })];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": root_id,
    })];
    for m in &merged {
        let c = m.component;
        let base = format!(
            "{}-{}-{}",
            c.ecosystem.kind().purl_type().unwrap_or("package"),
            c.name,
            c.version
        );
        let mut id_part = sanitise(&base, keep);
        if id_part.is_empty() {
            id_part = "package".into();
        }
        let id = ids.make(format!("SPDXRef-Package-{id_part}"));
        let mut package = Map::new();
        package.insert("name".into(), json!(c.name));
        package.insert("SPDXID".into(), json!(id));
        package.insert("versionInfo".into(), json!(c.version));
        package.insert("downloadLocation".into(), json!("NOASSERTION"));
        package.insert("filesAnalyzed".into(), json!(false));
        let found: Vec<String> = m
            .locations
            .iter()
            .map(|l| match &l.layer {
                Some(layer) => format!("{} (image layer {layer})", l.path),
                None => l.path.clone(),
            })
            .collect();
        package.insert(
            "sourceInfo".into(),
            json!(format!("acquired package info from {}", found.join("; "))),
        );
        package.insert("licenseConcluded".into(), json!("NOASSERTION"));
        package.insert("licenseDeclared".into(), json!("NOASSERTION"));
        package.insert("copyrightText".into(), json!("NOASSERTION"));
        match &m.purl {
            Some(purl) => {
                package.insert(
                    "externalRefs".into(),
                    json!([{
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": purl,
                    }]),
                );
            }
            None => {
                package.insert(
                    "comment".into(),
                    json!(format!("ecosystem {}", c.ecosystem)),
                );
            }
        }
        package.insert("primaryPackagePurpose".into(), json!("LIBRARY"));
        packages.push(Value::Object(package));
        let relationship = |a: &str, kind: &str, b: &str| json!({ "spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b });
        relationships.push(match (m.direct, m.scope) {
            (Some(true), Scope::Dev) => relationship(&id, "DEV_DEPENDENCY_OF", &root_id),
            (Some(true), Scope::Optional) => relationship(&id, "OPTIONAL_DEPENDENCY_OF", &root_id),
            (Some(true), Scope::Required) => relationship(&root_id, "DEPENDS_ON", &id),
            _ => relationship(&root_id, "CONTAINS", &id),
        });
    }
    let content = serde_json::to_string(&(&packages, &relationships)).unwrap_or_default();
    let uuid = content_uuid(&[
        "spdx-2.3",
        &meta.name,
        &meta.tool_version,
        &meta.timestamp,
        &content,
    ]);
    let slug = sanitise(&name, keep);
    let slug = if slug.is_empty() { "sbom".into() } else { slug };
    let mut doc = Map::new();
    doc.insert("spdxVersion".into(), json!("SPDX-2.3"));
    doc.insert("dataLicense".into(), json!("CC0-1.0"));
    doc.insert("SPDXID".into(), json!("SPDXRef-DOCUMENT"));
    doc.insert("name".into(), json!(name));
    doc.insert(
        "documentNamespace".into(),
        json!(format!(
            "https://patchwarden.invalid/spdxdocs/{slug}-{uuid}"
        )),
    );
    doc.insert(
        "creationInfo".into(),
        json!({
            "created": spdx_created(&meta.timestamp),
            "creators": [format!("Tool: patchwarden-{}", meta.tool_version)],
        }),
    );
    doc.insert("packages".into(), Value::Array(packages));
    doc.insert("relationships".into(), Value::Array(relationships));
    let mut text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_times_are_brought_to_utc_seconds() {
        assert_eq!(spdx_created("2024-05-01T12:00:00Z"), "2024-05-01T12:00:00Z");
        assert_eq!(
            spdx_created("2024-05-01T12:00:00.123Z"),
            "2024-05-01T12:00:00Z"
        );
        assert_eq!(
            spdx_created("2024-05-01T12:00:00+00:00"),
            "2024-05-01T12:00:00Z"
        );
        assert_eq!(
            spdx_created("2024-05-01T12:00:00+02:00"),
            "2024-05-01T12:00:00+02:00"
        );
        assert_eq!(spdx_created("é"), "é");
    }

    #[test]
    fn versions_and_formats_are_checked() {
        let e = |t: &str| parse_json("x", t).err().map(|e| e.0).unwrap_or_default();
        assert!(e(r#"{"spdxVersion":"SPDX-2.1"}"#).contains("SPDX-2.1"));
        assert!(e(r#"{"bomFormat":"CycloneDX"}"#).contains("CycloneDX"));
        assert!(
            e(r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#)
                .contains("SPDX 3")
        );
        assert!(e(r#"{"spdxVersion":"SPDX-2.3","packages":7}"#).contains("not an array"));
        let t = parse_tag_value("x", "DocumentName: x\n").err().map(|e| e.0);
        assert!(t.is_some_and(|m| m.contains("no SPDXVersion")));
    }

    #[test]
    fn tag_value_packages_keep_their_line_and_purl() {
        let text = "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n\nPackageName: lodash\nSPDXID: SPDXRef-lodash\nPackageVersion: 4.17.21\nPackageComment: <text>two\nlines</text>\nExternalRef: PACKAGE-MANAGER purl pkg:npm/lodash@4.17.21\n";
        let parsed = parse_tag_value("x.spdx", text).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(parsed.components.len(), 1, "{:?}", parsed.warnings);
        let c = parsed.components.first();
        assert_eq!(c.map(|c| c.name.as_str()), Some("lodash"));
        assert_eq!(c.and_then(|c| c.source.line), Some(4));
    }

    #[test]
    fn the_subject_gives_direct_and_scope() {
        let doc = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[
          {"SPDXID":"SPDXRef-root","name":"app"},
          {"SPDXID":"SPDXRef-a","name":"a","versionInfo":"1.0.0","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/a@1.0.0"}]},
          {"SPDXID":"SPDXRef-b","name":"b","versionInfo":"2.0.0","externalRefs":[{"referenceCategory":"PACKAGE_MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/b@2.0.0"}]},
          {"SPDXID":"SPDXRef-c","name":"c","versionInfo":"3.0.0","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/c@3.0.0"}]}],
          "relationships":[
          {"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"},
          {"spdxElementId":"SPDXRef-root","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-a"},
          {"spdxElementId":"SPDXRef-c","relationshipType":"DEV_DEPENDENCY_OF","relatedSpdxElement":"SPDXRef-root"},
          {"spdxElementId":"SPDXRef-a","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-b"}]}"#;
        let parsed = parse_json("x.spdx.json", doc).unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<(String, Option<bool>, Scope)> = parsed
            .components
            .iter()
            .map(|c| (c.name.clone(), c.direct, c.scope))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), Some(true), Scope::Required),
                ("b".into(), Some(false), Scope::Required),
                ("c".into(), Some(true), Scope::Dev),
            ]
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }
}
