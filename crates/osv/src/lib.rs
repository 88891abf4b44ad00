//! OSV advisory records (schema 1.7), tolerant of what the schema may grow.
//!
//! Unknown fields are ignored, and unknown values of open vocabularies (ecosystems, range
//! types, severity types, reference types) are kept as strings: a record from a newer feed
//! must never fail to load because of a name we do not know yet. What must be present is
//! what Patchwarden cannot work without: an `id` and a `modified` timestamp.

mod cluster;

pub use cluster::{ClusterInput, cluster};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A record could not be read as an OSV advisory.
#[derive(Debug, thiserror::Error)]
pub enum OsvError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("not a valid OSV record: {0}")]
    Json(#[from] serde_json::Error),
    /// A required field is missing or empty.
    #[error("OSV record {id}: missing required field `{field}`")]
    Missing {
        /// Id of the record, or `?` when the id itself is missing.
        id: String,
        /// The missing field.
        field: &'static str,
    },
}

/// One OSV advisory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The advisory's own id (`RUSTSEC-2020-0071`, `GHSA-…`, `PYSEC-…`).
    pub id: String,
    /// Last modification, RFC 3339.
    pub modified: String,
    /// Publication, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn: it is kept but never matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability (`CVE-…`, `GHSA-…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Ids of related but different vulnerabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// One-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer description (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Severity scores for the whole advisory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Affected packages and their ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Source-specific extra data (GHSA keeps its severity label here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
    /// Version of the OSV schema the record claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
}

/// A severity score: `type` is `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, or a newer type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// Score type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Vector or label.
    pub score: String,
}

/// A package affected by the advisory, with its ranges and versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package; absent in GIT-only records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    /// Per-package severity (overrides the advisory's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Affected ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Ecosystem-specific data (Go keeps affected symbols here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    /// Source-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// A package identity: ecosystem (`npm`, `PyPI`, `Debian:12`…), name, optional purl.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// OSV ecosystem string, with release suffix where there is one.
    #[serde(default)]
    pub ecosystem: String,
    /// Package name.
    #[serde(default)]
    pub name: String,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// An affected range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM`, `GIT`, or a newer type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Repository, for GIT ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event. Exactly one field is set in a valid record; an event with none set is
/// ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// First affected version (`"0"`: from the beginning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// First fixed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Last affected version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// Upper limit of the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// A reference link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, … or a newer type.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The URL (not validated: some upstream records hold non-URLs here).
    #[serde(default)]
    pub url: String,
}

impl Advisory {
    /// Parses one record from JSON bytes and checks the fields Patchwarden needs.
    pub fn from_json(bytes: &[u8]) -> Result<Advisory, OsvError> {
        let advisory: Advisory = serde_json::from_slice(bytes)?;
        advisory.check()?;
        Ok(advisory)
    }

    fn check(&self) -> Result<(), OsvError> {
        if self.id.trim().is_empty() {
            return Err(OsvError::Missing {
                id: "?".into(),
                field: "id",
            });
        }
        if self.modified.trim().is_empty() {
            return Err(OsvError::Missing {
                id: self.id.clone(),
                field: "modified",
            });
        }
        Ok(())
    }

    /// Whether the advisory was withdrawn (kept for reference, never matched).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// The severity label the source gave, if any (`database_specific.severity`, as GHSA and
    /// several converters put it).
    pub fn severity_label(&self) -> Option<&str> {
        self.database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_str)
    }

    /// The id to show first: the CVE alias when there is exactly one, else the record's id.
    pub fn preferred_id(&self) -> &str {
        let mut cves = self.aliases.iter().filter(|a| a.starts_with("CVE-"));
        match (self.id.starts_with("CVE-"), cves.next(), cves.next()) {
            (true, _, _) => &self.id,
            (false, Some(cve), None) => cve,
            _ => &self.id,
        }
    }
}

/// Deserialises the `id`/`modified` fields even when a record is otherwise invalid, to name
/// it in an error message.
pub fn peek_id(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<String>,
    }
    serde_json::from_slice::<IdOnly>(bytes).ok()?.id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_values_are_tolerated() {
        let json = br#"{
            "id": "X-1", "modified": "2024-01-01T00:00:00Z", "future_field": {"a": 1},
            "severity": [{"type": "CVSS_V9", "score": "whatever"}],
            "affected": [{"package": {"ecosystem": "Brand New", "name": "p"},
                          "ranges": [{"type": "QUANTUM", "events": [{"introduced": "0"}, {"weird": "1"}]}]}],
            "references": [{"type": "NEWTYPE", "url": "not a url"}]
        }"#;
        let a = Advisory::from_json(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.affected[0].ranges[0].kind, "QUANTUM");
        assert_eq!(a.affected[0].ranges[0].events.len(), 2);
        assert_eq!(a.severity[0].kind, "CVSS_V9");
    }

    #[test]
    fn missing_id_or_modified_is_an_error() {
        assert!(Advisory::from_json(br#"{"modified": "2024-01-01T00:00:00Z"}"#).is_err());
        let e = Advisory::from_json(br#"{"id": "X-2"}"#);
        assert!(e.is_err());
        let e = Advisory::from_json(br#"{"id": "X-2", "modified": ""}"#);
        assert!(matches!(
            e,
            Err(OsvError::Missing {
                field: "modified",
                ..
            })
        ));
        assert!(Advisory::from_json(b"[1,2]").is_err());
    }

    #[test]
    fn preferred_id_is_the_single_cve() {
        let mut a = Advisory::from_json(br#"{"id":"GHSA-x","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2021-1","PYSEC-1"]}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.preferred_id(), "CVE-2021-1");
        a.aliases.push("CVE-2021-2".into());
        assert_eq!(a.preferred_id(), "GHSA-x");
    }
}
