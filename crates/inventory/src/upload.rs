//! Documents a client uploads to the server, read with one function: [`read_document`].
//!
//! Three kinds are recognised by their content, whatever the name: a `patchwarden scan
//! --format json` document (its `tool.name` is `patchwarden` and it has a `schema_version`),
//! a CycloneDX SBOM (JSON or XML) and an SPDX SBOM (JSON or tag-value). SBOMs go through the
//! same readers as `patchwarden inventory` ([`crate::cyclonedx`], [`crate::spdx`]); a scan
//! document gives back the components, image and warnings the scan found, in the shape
//! `patchwarden inventory --format json` writes components.
//!
//! Uploaded bytes are untrusted: the size is checked first ([`MAX_DOCUMENT_BYTES`]), nothing
//! panics, and every error is one line naming the document and the problem.

use std::path::PathBuf;

use patchwarden_core::Component;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cyclonedx::{Node, json_key_is, shorten};
use crate::{
    ImageInfo, Inventory, InventoryError, LockfileKind, ParseError, Parsed, SourceFile, Warning,
};

/// Largest document [`read_document`] reads, in bytes (64 MiB): a scan or SBOM of tens of
/// thousands of components is a few MB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// The `schema_version` that `patchwarden scan --format json` writes; bumped only on an
/// incompatible change of the document.
pub const SCAN_SCHEMA_VERSION: &str = "1";

/// The `schema_version` values of scan documents this reader understands.
pub const SCAN_SCHEMA_VERSIONS: [&str; 1] = [SCAN_SCHEMA_VERSION];

/// What kind of document was uploaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentFormat {
    /// `patchwarden scan --format json` (docs/scan-json.md).
    PatchwardenScan,
    /// A CycloneDX 1.4–1.6 SBOM, JSON or XML.
    #[serde(rename = "cyclonedx")]
    CycloneDx,
    /// An SPDX 2.2/2.3 SBOM, JSON or tag-value.
    Spdx,
}

impl DocumentFormat {
    /// The name used in API answers: `patchwarden-scan`, `cyclonedx` or `spdx`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::PatchwardenScan => "patchwarden-scan",
            DocumentFormat::CycloneDx => "cyclonedx",
            DocumentFormat::Spdx => "spdx",
        }
    }
}

impl std::fmt::Display for DocumentFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an uploaded document says about the artifact it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Which kind of document it was.
    pub format: DocumentFormat,
    /// Every component, in document order.
    pub components: Vec<Component>,
    /// The container image, when the document describes one (a scan of an image; an SBOM
    /// whose subject is a `container`).
    pub image: Option<ImageInfo>,
    /// What was scanned: the scan's `target`, the SBOM subject's or document's name.
    pub target: Option<String>,
    /// The source commit, only when the document names one (a CycloneDX subject whose
    /// version is a full git hash, or a commit property of its metadata).
    pub commit: Option<String>,
    /// The files the components came from: a scan's `sources`, or the SBOM itself.
    pub sources: Vec<SourceFile>,
    /// Entries that did not become components (the scan's inventory warnings, SBOM entries
    /// without a usable purl).
    pub warnings: Vec<Warning>,
}

impl Document {
    /// The document as an inventory, ready to be matched like a scanned path.
    pub fn into_inventory(self) -> Inventory {
        Inventory {
            components: self.components,
            sources: self.sources,
            warnings: self.warnings,
            image: self.image,
        }
    }
}

/// Reads an uploaded document (`name` only labels errors and SBOM locations): a patchwarden
/// scan JSON, CycloneDX JSON or XML, or SPDX JSON or tag-value, recognised by content.
///
/// Errors are one line, `name: problem`: too large (over [`MAX_DOCUMENT_BYTES`]), not UTF-8,
/// not valid JSON or XML, none of the three kinds, or malformed for its kind.
pub fn read_document(name: &str, bytes: &[u8]) -> Result<Document, InventoryError> {
    read(name, bytes).map_err(|message| InventoryError::Malformed {
        path: PathBuf::from(name),
        message: one_line(&message),
    })
}

fn read(name: &str, bytes: &[u8]) -> Result<Document, String> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "{} bytes is more than the {} MiB a document may have",
            bytes.len(),
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let body = text.trim_start();
    match body.chars().next() {
        None => Err("empty document".into()),
        Some('{') => read_json(name, body),
        Some('<') => read_xml(name, body),
        Some(_) if is_spdx_tag_value(body) => read_spdx_tag_value(name, body),
        Some(_) => Err(NOT_A_DOCUMENT.into()),
    }
}

const NOT_A_DOCUMENT: &str =
    "not a patchwarden scan JSON, CycloneDX (JSON or XML) or SPDX (JSON or tag-value) document";

/// Errors are one line: line breaks in a parser's message become spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// --- JSON: scan, CycloneDX, SPDX ----------------------------------------------------------------

fn read_json(name: &str, text: &str) -> Result<Document, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Some(top) = doc.as_object() else {
        return Err(NOT_A_DOCUMENT.into());
    };
    if top.contains_key("bomFormat") {
        let parsed = crate::cyclonedx::parse_json_value(name, &doc).map_err(|e| e.0)?;
        let subject = cyclonedx_json_subject(top);
        Ok(sbom_document(
            DocumentFormat::CycloneDx,
            LockfileKind::CycloneDxJson,
            name,
            parsed,
            subject,
        ))
    } else if top.contains_key("spdxVersion") || top.contains_key("@context") {
        let parsed = crate::spdx::parse_json_value(name, &doc).map_err(|e| e.0)?;
        let subject = spdx_json_subject(top);
        Ok(sbom_document(
            DocumentFormat::Spdx,
            LockfileKind::SpdxJson,
            name,
            parsed,
            subject,
        ))
    } else if is_scan(top) {
        read_scan(top)
    } else {
        Err(format!(
            "{NOT_A_DOCUMENT}: the JSON has no bomFormat, no spdxVersion and no tool.name \"patchwarden\" with a schema_version"
        ))
    }
}

/// Whether a JSON object is a patchwarden scan document.
fn is_scan(top: &Map<String, Value>) -> bool {
    top.contains_key("schema_version")
        && top
            .get("tool")
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
            == Some("patchwarden")
}

/// Whether the first bytes of a file (`head`) are those of a patchwarden scan document as
/// `scan --format json` writes it (`schema_version` and the tool named `patchwarden` near
/// the top).
pub fn looks_like_scan(head: &[u8]) -> bool {
    let head = String::from_utf8_lossy(head.get(..4096).unwrap_or(head));
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with('{')
        && json_key_is(head, "schema_version", None)
        && json_key_is(head, "tool", None)
        && json_key_is(head, "name", Some("patchwarden"))
}

/// The components of a scan document's text, for `patchwarden inventory scan.json`.
pub(crate) fn parse_scan_text(text: &str) -> Result<Parsed, ParseError> {
    let document = read_scan_bytes(text.as_bytes())?;
    Ok(Parsed {
        components: document.components,
        warnings: document.warnings,
    })
}

/// Reads a scan document, with no size limit beyond the caller's.
pub(crate) fn read_scan_bytes(bytes: &[u8]) -> Result<Document, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError("not UTF-8 text".into()))?;
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| ParseError(format!("not valid JSON: {e}")))?;
    match doc.as_object() {
        Some(top) if is_scan(top) => read_scan(top).map_err(ParseError),
        _ => Err(ParseError(
            "not a patchwarden scan document (no tool.name \"patchwarden\" with a schema_version)"
                .into(),
        )),
    }
}

/// Reads the components, image, target, sources and warnings of a scan document.
fn read_scan(top: &Map<String, Value>) -> Result<Document, String> {
    match top.get("schema_version") {
        Some(Value::String(v)) if SCAN_SCHEMA_VERSIONS.contains(&v.as_str()) => {}
        Some(v) => {
            return Err(format!(
                "scan schema_version {} is not supported ({} is)",
                shorten(&v.to_string()),
                SCAN_SCHEMA_VERSIONS.join(", ")
            ));
        }
        None => return Err("scan document has no schema_version".into()),
    }
    let list = match top.get("components") {
        Some(Value::Array(list)) => list,
        Some(_) => return Err("`components` is not an array".into()),
        None => {
            return Err(
                "scan document has no `components` list (written by an older patchwarden): scan again with this version"
                    .into(),
            );
        }
    };
    let mut components = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let c = Component::deserialize(value)
            .map_err(|e| format!("components[{i}]: {}", shorten(&e.to_string())))?;
        if c.name.trim().is_empty() || c.version.trim().is_empty() {
            return Err(format!("components[{i}]: empty name or version"));
        }
        if c.source.path.is_empty() {
            return Err(format!("components[{i}]: empty source path"));
        }
        components.push(c);
    }
    let image = match top.get("image") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            ImageInfo::deserialize(v).map_err(|e| format!("image: {}", shorten(&e.to_string())))?,
        ),
    };
    let target = match top.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return Err("`target` is not a string".into()),
    };
    // Sources and warnings are informative: entries this version cannot read (a format
    // added later) are left out rather than refusing the document.
    let items = |key: &str| {
        top.get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let sources = items("sources")
        .iter()
        .filter_map(|v| SourceFile::deserialize(v).ok())
        .collect();
    let warnings = items("warnings")
        .iter()
        .filter_map(|v| Warning::deserialize(v).ok())
        .collect();
    Ok(Document {
        format: DocumentFormat::PatchwardenScan,
        components,
        image,
        target,
        commit: None,
        sources,
        warnings,
    })
}

// --- SBOMs ----------------------------------------------------------------------------------

/// What an SBOM says about its subject.
#[derive(Default)]
struct Subject {
    target: Option<String>,
    commit: Option<String>,
    image: Option<ImageInfo>,
}

fn sbom_document(
    format: DocumentFormat,
    kind: LockfileKind,
    name: &str,
    parsed: Parsed,
    subject: Subject,
) -> Document {
    Document {
        format,
        sources: vec![SourceFile {
            path: name.to_string(),
            kind,
            components: parsed.components.len(),
        }],
        components: parsed.components,
        warnings: parsed.warnings,
        image: subject.image,
        target: subject.target,
        commit: subject.commit,
    }
}

/// A git commit hash: 7 to 64 hexadecimal digits (abbreviated, SHA-1 or SHA-256).
fn is_commit(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A full git commit hash: 40 (SHA-1) or 64 (SHA-256) hexadecimal digits.
fn is_full_commit(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && is_commit(s)
}

/// Property names that carry the source commit, compared by their last segment (after `:`
/// or `.`), case-insensitively: `vcs:commit`, `git.commit-sha`, `patchwarden:commit`...
fn is_commit_property(name: &str) -> bool {
    let last = name.rsplit([':', '.']).next().unwrap_or(name);
    matches!(
        last.to_ascii_lowercase().as_str(),
        "commit" | "commit-sha" | "commit_sha" | "commitsha" | "git-commit" | "git_commit"
    )
}

/// What the subject of a CycloneDX document says, from its name, group, version, type and
/// properties (name, value pairs; the metadata's own properties follow the subject's).
fn cyclonedx_subject(
    kind: Option<&str>,
    group: Option<&str>,
    name: Option<&str>,
    version: Option<&str>,
    properties: &[(String, String)],
) -> Subject {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let group = group.map(str::trim).filter(|g| !g.is_empty());
    let version = version.map(str::trim).filter(|v| !v.is_empty());
    let target = name.map(|n| match group {
        Some(g) => format!("{g}/{n}"),
        None => n.to_string(),
    });
    let commit = properties
        .iter()
        .find(|(k, v)| is_commit_property(k) && is_commit(v.trim()))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .or_else(|| {
            version
                .filter(|v| is_full_commit(v))
                .map(str::to_ascii_lowercase)
        });
    let image = (kind == Some("container")).then(|| {
        let property = |key: &str| {
            properties
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        };
        let digest = version.filter(|v| v.starts_with("sha256:"));
        let mut repo_tags = property("aquasecurity:trivy:RepoTag");
        if repo_tags.is_empty()
            && let Some(n) = name
        {
            repo_tags.push(match version {
                Some(v) if digest.is_none() => format!("{n}:{v}"),
                _ => n.to_string(),
            });
        }
        ImageInfo {
            config_digest: property("aquasecurity:trivy:ImageID")
                .into_iter()
                .next()
                .or_else(|| digest.map(str::to_string)),
            repo_tags,
            created: property("org.opencontainers.image.created")
                .into_iter()
                .next(),
            ..ImageInfo::default()
        }
    });
    Subject {
        target,
        commit,
        image,
    }
}

fn json_properties(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(|v| v.get("properties"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p.get("name").and_then(Value::as_str)?;
            let value = p.get("value").and_then(Value::as_str)?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

fn cyclonedx_json_subject(top: &Map<String, Value>) -> Subject {
    let metadata = top.get("metadata");
    let component = metadata.and_then(|m| m.get("component"));
    let text = |key: &str| component.and_then(|c| c.get(key)).and_then(Value::as_str);
    let mut properties = json_properties(component);
    properties.extend(json_properties(metadata));
    cyclonedx_subject(
        text("type"),
        text("group"),
        text("name"),
        text("version"),
        &properties,
    )
}

fn xml_properties(node: Option<&Node>) -> Vec<(String, String)> {
    node.into_iter()
        .flat_map(|n| n.children_named("properties"))
        .flat_map(|p| p.children_named("property"))
        .filter_map(|p| Some((p.attr("name")?.to_string(), p.text.trim().to_string())))
        .collect()
}

fn read_xml(name: &str, text: &str) -> Result<Document, String> {
    let root = crate::cyclonedx::xml_tree(text).map_err(|e| e.0)?;
    if root.name != "bom" {
        return Err(format!(
            "{NOT_A_DOCUMENT}: the XML root element is <{}>, not CycloneDX's <bom>",
            shorten(&root.name)
        ));
    }
    let parsed = crate::cyclonedx::parse_xml_root(name, &root).map_err(|e| e.0)?;
    let metadata = root.child("metadata");
    let component = metadata.and_then(|m| m.child("component"));
    let text = |key: &str| component.and_then(|c| c.child_text(key));
    let mut properties = xml_properties(component);
    properties.extend(xml_properties(metadata));
    let subject = cyclonedx_subject(
        component.and_then(|c| c.attr("type")),
        text("group").as_deref(),
        text("name").as_deref(),
        text("version").as_deref(),
        &properties,
    );
    Ok(sbom_document(
        DocumentFormat::CycloneDx,
        LockfileKind::CycloneDxXml,
        name,
        parsed,
        subject,
    ))
}

/// An image subject of an SPDX document: a package of purpose `CONTAINER`, named by its
/// reference (`registry.example/api:2.4`).
fn spdx_image(container: Option<&str>) -> Option<ImageInfo> {
    let name = container.map(str::trim).filter(|n| !n.is_empty())?;
    Some(ImageInfo {
        repo_tags: vec![name.to_string()],
        ..ImageInfo::default()
    })
}

fn spdx_json_subject(top: &Map<String, Value>) -> Subject {
    let container = top
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| {
            p.get("primaryPackagePurpose")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case("CONTAINER"))
        })
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str);
    Subject {
        target: top
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        commit: None,
        image: spdx_image(container),
    }
}

fn is_spdx_tag_value(text: &str) -> bool {
    text.lines()
        .take(200)
        .any(|l| l.trim_start().starts_with("SPDXVersion:"))
}

fn read_spdx_tag_value(name: &str, text: &str) -> Result<Document, String> {
    let parsed = crate::spdx::parse_tag_value(name, text).map_err(|e| e.0)?;
    let mut target = None;
    let mut package: Option<&str> = None;
    let mut container = None;
    for line in text.lines() {
        let Some((tag, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = value.trim();
        match tag.trim() {
            "DocumentName" if target.is_none() && !value.is_empty() => {
                target = Some(value.to_string());
            }
            "PackageName" => package = Some(value),
            "PrimaryPackagePurpose"
                if container.is_none() && value.eq_ignore_ascii_case("CONTAINER") =>
            {
                container = package;
            }
            _ => {}
        }
    }
    let subject = Subject {
        target,
        commit: None,
        image: spdx_image(container),
    };
    Ok(sbom_document(
        DocumentFormat::Spdx,
        LockfileKind::SpdxTagValue,
        name,
        parsed,
        subject,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8]) -> String {
        match read_document("upload.json", bytes) {
            Ok(d) => panic!("read as {:?}", d.format),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn formats_have_their_api_names() {
        assert_eq!(DocumentFormat::PatchwardenScan.as_str(), "patchwarden-scan");
        assert_eq!(DocumentFormat::CycloneDx.to_string(), "cyclonedx");
        assert_eq!(
            serde_json::to_string(&DocumentFormat::Spdx).unwrap_or_default(),
            "\"spdx\""
        );
        assert_eq!(
            serde_json::to_string(&DocumentFormat::CycloneDx).unwrap_or_default(),
            "\"cyclonedx\""
        );
    }

    #[test]
    fn malformed_documents_give_one_line_naming_the_document() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty document"),
            (b"   \n", "empty document"),
            (b"\xff\xfe{}", "not UTF-8 text"),
            (b"{\"a\": ", "not valid JSON"),
            (b"[1, 2]", "not a patchwarden scan JSON"),
            (b"{\"hello\": 1}", "no bomFormat"),
            (b"hello world", "not a patchwarden scan JSON"),
            (b"<html><body/></html>", "root element is <html>"),
            (b"<bom", "not well-formed XML"),
            (
                b"{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"9.9\"}",
                "specVersion `9.9` is not supported",
            ),
            (b"{\"spdxVersion\": 3}", "spdxVersion is not a string"),
            (
                b"{\"schema_version\": \"1\", \"tool\": {\"name\": \"patchwarden\"}}",
                "no `components` list",
            ),
            (
                b"{\"schema_version\": \"2\", \"tool\": {\"name\": \"patchwarden\"}, \"components\": []}",
                "schema_version \"2\" is not supported",
            ),
            (
                b"{\"schema_version\": \"1\", \"tool\": {\"name\": \"patchwarden\"}, \"components\": {}}",
                "`components` is not an array",
            ),
            (
                b"{\"schema_version\": \"1\", \"tool\": {\"name\": \"patchwarden\"}, \"components\": [{\"name\": \"x\"}]}",
                "components[0]: missing field",
            ),
            (
                b"{\"schema_version\": \"1\", \"tool\": {\"name\": \"patchwarden\"}, \"components\": [{\"ecosystem\": \"npm\", \"name\": \"\", \"version\": \"1\", \"source\": {\"path\": \"p\"}, \"direct\": null, \"scope\": \"required\"}]}",
                "components[0]: empty name or version",
            ),
            (
                b"{\"schema_version\": \"1\", \"tool\": {\"name\": \"patchwarden\"}, \"components\": [], \"image\": 5}",
                "image: invalid type",
            ),
            (b"SPDXVersion: SPDX-9.0\n", "SPDX version `SPDX-9.0` is not supported"),
        ];
        for (bytes, expected) in cases {
            let e = err(bytes);
            assert!(
                e.starts_with("upload.json: ") && e.contains(expected),
                "{:?}: {e}",
                String::from_utf8_lossy(bytes)
            );
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn documents_over_the_limit_are_refused_before_reading() {
        let mut big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        big[0] = b'{';
        let e = err(&big);
        assert!(e.contains("more than the 64 MiB"), "{e}");
        // At the limit it is read (and here fails as JSON, not on size).
        big.truncate(MAX_DOCUMENT_BYTES);
        let e = err(&big);
        assert!(e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
        let mut deep = "[".repeat(100_000);
        deep.insert(0, '{');
        deep.insert_str(1, "\"a\":");
        let e = err(deep.as_bytes());
        assert!(e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn a_scan_document_gives_its_components_image_and_target() {
        let text = r#"{
          "schema_version": "1",
          "tool": {"name": "patchwarden", "version": "0.1.0"},
          "target": "image.tar",
          "sources": [{"path": "var/lib/dpkg/status", "kind": "dpkg-status", "components": 1},
                      {"path": "x", "kind": "a-format-from-the-future", "components": 0}],
          "image": {"layers": ["sha256:aa"], "config_digest": "sha256:cc", "created": "2020-01-02T03:04:05Z"},
          "components": [{
            "purl": "pkg:deb/debian/libssl3@3.0.11-1?distro=debian-12",
            "ecosystem": "Debian:12", "name": "libssl3", "version": "3.0.11-1",
            "source": {"path": "var/lib/dpkg/status", "line": 10, "layer": "sha256:aa"},
            "direct": null, "scope": "required",
            "source_package": {"name": "openssl", "version": "3.0.11-1"}
          }],
          "warnings": [{"path": "var/lib/dpkg/status", "message": "something"}],
          "findings": []
        }"#;
        assert!(looks_like_scan(text.as_bytes()));
        let d = read_document("scan.json", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.format, DocumentFormat::PatchwardenScan);
        assert_eq!(d.target.as_deref(), Some("image.tar"));
        assert_eq!(d.commit, None);
        let image = d.image.clone().unwrap_or_else(|| panic!("no image"));
        assert_eq!(image.created.as_deref(), Some("2020-01-02T03:04:05Z"));
        assert_eq!(image.config_digest.as_deref(), Some("sha256:cc"));
        assert_eq!(d.components.len(), 1);
        let c = &d.components[0];
        assert_eq!(
            (c.ecosystem.to_string(), c.name.as_str(), c.version.as_str()),
            ("Debian:12".to_string(), "libssl3", "3.0.11-1")
        );
        assert_eq!(c.source.line, Some(10));
        assert_eq!(
            c.source_package.as_ref().map(|s| s.name.as_str()),
            Some("openssl")
        );
        assert_eq!(d.sources.len(), 1, "the unknown kind is left out");
        assert_eq!(d.sources[0].kind, LockfileKind::DpkgStatus);
        assert_eq!(d.warnings.len(), 1);
        let inventory = d.into_inventory();
        assert_eq!(inventory.components.len(), 1);
        assert!(inventory.image.is_some());
    }

    #[test]
    fn cyclonedx_subjects_give_target_commit_and_image() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let doc = format!(
            r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6",
                "metadata": {{"component": {{"type": "application", "name": "shop", "group": "com.example", "version": "{commit}"}}}},
                "components": [{{"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}}]}}"#
        );
        let d = read_document("bom.json", doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.format, DocumentFormat::CycloneDx);
        assert_eq!(d.target.as_deref(), Some("com.example/shop"));
        assert_eq!(d.commit.as_deref(), Some(commit));
        assert_eq!(d.image, None);
        assert_eq!(d.sources[0].kind, LockfileKind::CycloneDxJson);
        assert_eq!(d.components[0].name, "lodash");
        // A plain version is not a commit; a commit property is, a short non-hex one is not.
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
            "metadata": {"component": {"type": "application", "name": "shop", "version": "1.0.0",
              "properties": [{"name": "vcs:commit", "value": "not-a-hash"}]},
              "properties": [{"name": "git.commit", "value": "ABCDEF1"}]}}"#;
        let d = read_document("bom.json", doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.commit.as_deref(), Some("abcdef1"));
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
            "metadata": {"component": {"type": "application", "name": "shop", "version": "1.0.0"}}}"#;
        let d = read_document("bom.json", doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.commit, None);
        // A container subject is an image.
        let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
            "metadata": {"component": {"type": "container", "name": "registry.example/app",
              "version": "sha256:8f2c", "properties": [
                {"name": "org.opencontainers.image.created", "value": "2024-01-01T00:00:00Z"}]}}}"#;
        let d = read_document("bom.json", doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let image = d.image.unwrap_or_else(|| panic!("no image"));
        assert_eq!(image.config_digest.as_deref(), Some("sha256:8f2c"));
        assert_eq!(image.repo_tags, ["registry.example/app"]);
        assert_eq!(image.created.as_deref(), Some("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn a_scan_file_named_on_the_command_line_is_read_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("saved.json");
        let text = r#"{
  "schema_version": "1",
  "tool": {"name": "patchwarden", "version": "0.1.0"},
  "target": "app",
  "components": [
    {"ecosystem": "npm", "name": "lodash", "version": "4.17.20", "source": {"path": "app/package-lock.json", "line": 7}, "direct": true, "scope": "required"}
  ],
  "image": null
}"#;
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let inventory = crate::scan_path(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inventory.components.len(), 1);
        assert_eq!(inventory.components[0].source.path, "app/package-lock.json");
        assert_eq!(inventory.sources.len(), 1);
        assert_eq!(inventory.sources[0].kind, LockfileKind::PatchwardenScan);
        assert_eq!(inventory.sources[0].path, "saved.json");
        // A scan document without components cannot be re-inventoried.
        std::fs::write(
            &path,
            r#"{"schema_version": "1", "tool": {"name": "patchwarden"}, "findings": []}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = crate::scan_path(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("saved.json") && e.contains("no `components` list"),
            "{e}"
        );
    }

    mod hostile {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                let _ = read_document("x", &bytes);
            }

            #[test]
            fn json_like_text_never_panics(text in r#"[\{\}\[\]":,a-z0-9 \.\-]{0,200}"#) {
                let _ = read_document("x", text.as_bytes());
                let with_scan = format!(
                    r#"{{"schema_version":"1","tool":{{"name":"patchwarden"}},"components":[{text}]}}"#
                );
                let _ = read_document("x", with_scan.as_bytes());
                let with_bom = format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{text}]}}"#);
                let _ = read_document("x", with_bom.as_bytes());
            }

            #[test]
            fn truncated_documents_never_panic(cut in 0usize..2000) {
                let doc = include_str!("../tests/fixtures/sbom/cdxgen-webapp.cdx-1.6.json");
                let end = doc.char_indices().map(|(i, _)| i).take_while(|i| *i <= cut).last().unwrap_or(0);
                let _ = read_document("x", &doc.as_bytes()[..end]);
                let xml = include_str!("../tests/fixtures/sbom/maven-app.cdx-1.5.xml");
                let end = xml.char_indices().map(|(i, _)| i).take_while(|i| *i <= cut).last().unwrap_or(0);
                let _ = read_document("x", &xml.as_bytes()[..end]);
            }
        }
    }
}
