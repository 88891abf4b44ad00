//! CISA Known Exploited Vulnerabilities (KEV) catalog.
//!
//! The catalog is one JSON object published by CISA
//! (`known_exploited_vulnerabilities.json`, schema `known_exploited_vulnerabilities_schema.json`):
//! `catalogVersion`, `dateReleased`, `count` and a `vulnerabilities` array. Each entry is read
//! from `cveID`, `vendorProject`, `product`, `vulnerabilityName`, `dateAdded`,
//! `shortDescription`, `requiredAction`, `dueDate` (all required by the schema),
//! `knownRansomwareCampaignUse`, `notes` and `cwes` (optional; older catalogs lack `cwes`).
//! Other fields (`title`, anything CISA adds later) are ignored.
//!
//! Validation: the CVE id must look like `CVE-YYYY-NNNN` (four or more digits after the year),
//! both dates must be `YYYY-MM-DD`, every CWE must look like `CWE-N`,
//! `knownRansomwareCampaignUse` must be `Known` or `Unknown` (or absent), and `count`, when
//! present, must equal the number of entries. One invalid entry fails the whole catalog, with
//! its index and CVE id in the message.
//!
//! This module also defines [`FeedError`], the error type shared by the KEV, EPSS and NVD
//! parsers.

use serde::Deserialize;
use serde_json::Value;

/// What a KEV document is called in error messages.
const KEV: &str = "CISA KEV catalog";
/// The same, with its article, for "not a ..." messages.
const A_KEV: &str = "a CISA KEV catalog";

/// Why a threat-intelligence feed could not be parsed.
///
/// Every message says what is wrong and where: the document kind, the record index and id, or
/// the line number.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The bytes are not well-formed JSON.
    #[error("not {expected}: invalid JSON: {source}")]
    Json {
        /// The kind of document that was expected, with its article (`a CISA KEV catalog`).
        expected: &'static str,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// Well-formed, but not the kind of document the parser reads.
    #[error("not {expected}: {reason}")]
    NotFeed {
        /// The kind of document that was expected, with its article.
        expected: &'static str,
        /// What gave it away.
        reason: String,
    },
    /// The document has the right shape but one of its top-level fields is invalid.
    #[error("{document}: {reason}")]
    Invalid {
        /// The kind of document (`CISA KEV catalog`).
        document: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// One record of a JSON feed is invalid.
    #[error("{document}: vulnerabilities[{index}]{}: {reason}", id_suffix(.id))]
    Record {
        /// The kind of document (`CISA KEV catalog`, `NVD CVE API 2.0 response`).
        document: &'static str,
        /// Zero-based position of the record in the `vulnerabilities` array.
        index: usize,
        /// The record's CVE id, when it could be read.
        id: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// One line of a CSV feed is invalid.
    #[error("line {line}: {reason}")]
    Line {
        /// One-based line number.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// Reading or decompressing the input failed.
    #[error("line {line}: cannot read input: {source}")]
    Read {
        /// One-based number of the line being read when the failure happened.
        line: u64,
        /// The underlying I/O or decompression error.
        #[source]
        source: std::io::Error,
    },
}

fn id_suffix(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(" ({id})"),
        None => String::new(),
    }
}

/// The CISA KEV catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevCatalog {
    /// `catalogVersion`, e.g. `2025.08.25`.
    pub catalog_version: String,
    /// `dateReleased`, as given (e.g. `2025-08-25T17:04:19.9796Z`).
    pub date_released: String,
    /// The catalog entries, in catalog order.
    pub entries: Vec<KevEntry>,
}

/// One known exploited vulnerability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevEntry {
    /// `cveID`, e.g. `CVE-2021-44228`.
    pub cve_id: String,
    /// `vendorProject`.
    pub vendor_project: String,
    /// `product`.
    pub product: String,
    /// `vulnerabilityName`.
    pub vulnerability_name: String,
    /// `dateAdded`, `YYYY-MM-DD`.
    pub date_added: String,
    /// `shortDescription`.
    pub short_description: String,
    /// `requiredAction`.
    pub required_action: String,
    /// `dueDate`, `YYYY-MM-DD`.
    pub due_date: String,
    /// `knownRansomwareCampaignUse` is `Known`.
    pub known_ransomware_campaign_use: bool,
    /// `notes`; empty when absent.
    pub notes: String,
    /// `cwes` (`CWE-N`); empty when absent.
    pub cwes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve_id: Option<String>,
    vendor_project: Option<String>,
    product: Option<String>,
    vulnerability_name: Option<String>,
    date_added: Option<String>,
    short_description: Option<String>,
    required_action: Option<String>,
    due_date: Option<String>,
    known_ransomware_campaign_use: Option<String>,
    notes: Option<String>,
    cwes: Option<Vec<String>>,
}

/// Parses a CISA KEV catalog (`known_exploited_vulnerabilities.json`).
///
/// Fails with [`FeedError::Json`] on malformed JSON, [`FeedError::NotFeed`] when the document
/// is not a KEV catalog (not an object; no `vulnerabilities` array, `catalogVersion` or
/// `dateReleased`), [`FeedError::Invalid`] on a top-level field of the wrong type or a `count`
/// that disagrees with the entries, and [`FeedError::Record`] on an invalid entry.
pub fn parse_kev(bytes: &[u8]) -> Result<KevCatalog, FeedError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|source| FeedError::Json {
        expected: A_KEV,
        source,
    })?;
    let Value::Object(mut doc) = doc else {
        return Err(FeedError::NotFeed {
            expected: A_KEV,
            reason: format!("expected a JSON object, found {}", json_kind(&doc)),
        });
    };
    let vulnerabilities = match doc.remove("vulnerabilities") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(FeedError::NotFeed {
                expected: A_KEV,
                reason: format!("`vulnerabilities` is {}, not an array", json_kind(&other)),
            });
        }
        None => {
            return Err(FeedError::NotFeed {
                expected: A_KEV,
                reason: "no `vulnerabilities` array".to_string(),
            });
        }
    };
    let catalog_version = top_level_string(&doc, "catalogVersion")?;
    let date_released = top_level_string(&doc, "dateReleased")?;
    if let Some(count) = doc.get("count") {
        match count.as_u64() {
            Some(n) if usize::try_from(n).ok() == Some(vulnerabilities.len()) => {}
            Some(n) => {
                return Err(invalid(format!(
                    "`count` is {n} but the catalog lists {} vulnerabilities",
                    vulnerabilities.len()
                )));
            }
            None => {
                return Err(invalid(format!(
                    "`count` must be a non-negative integer, found {count}"
                )));
            }
        }
    }
    let mut entries = Vec::with_capacity(vulnerabilities.len());
    for (index, item) in vulnerabilities.into_iter().enumerate() {
        let peeked = item.get("cveID").and_then(Value::as_str).map(str::to_owned);
        let raw: RawEntry = record_from_value(KEV, index, peeked.clone(), item)?;
        entries.push(entry_from_raw(raw).map_err(|reason| FeedError::Record {
            document: KEV,
            index,
            id: peeked.clone(),
            reason,
        })?);
    }
    Ok(KevCatalog {
        catalog_version,
        date_released,
        entries,
    })
}

fn invalid(reason: String) -> FeedError {
    FeedError::Invalid {
        document: KEV,
        reason,
    }
}

fn top_level_string(
    doc: &serde_json::Map<String, Value>,
    field: &'static str,
) -> Result<String, FeedError> {
    match doc.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(invalid(format!(
            "`{field}` must be a string, found {}",
            json_kind(other)
        ))),
        None => Err(FeedError::NotFeed {
            expected: A_KEV,
            reason: format!("missing `{field}`"),
        }),
    }
}

fn entry_from_raw(raw: RawEntry) -> Result<KevEntry, String> {
    fn required(value: Option<String>, field: &str) -> Result<String, String> {
        value.ok_or_else(|| format!("missing required field `{field}`"))
    }
    let cve_id = required(raw.cve_id, "cveID")?;
    if !is_cve_id(&cve_id) {
        return Err(format!(
            "`cveID` {cve_id:?} is not a CVE id (CVE-YYYY-NNNN)"
        ));
    }
    let date_added = required(raw.date_added, "dateAdded")?;
    if !is_iso_date(&date_added) {
        return Err(format!(
            "`dateAdded` {date_added:?} is not a YYYY-MM-DD date"
        ));
    }
    let due_date = required(raw.due_date, "dueDate")?;
    if !is_iso_date(&due_date) {
        return Err(format!("`dueDate` {due_date:?} is not a YYYY-MM-DD date"));
    }
    let known_ransomware_campaign_use = match raw.known_ransomware_campaign_use.as_deref() {
        Some("Known") => true,
        Some("Unknown") | Some("") | None => false,
        Some(other) => {
            return Err(format!(
                "`knownRansomwareCampaignUse` is {other:?}, expected \"Known\" or \"Unknown\""
            ));
        }
    };
    let cwes = raw.cwes.unwrap_or_default();
    if let Some(bad) = cwes.iter().find(|c| !is_cwe_id(c)) {
        return Err(format!("`cwes` entry {bad:?} is not a CWE id (CWE-N)"));
    }
    Ok(KevEntry {
        cve_id,
        vendor_project: required(raw.vendor_project, "vendorProject")?,
        product: required(raw.product, "product")?,
        vulnerability_name: required(raw.vulnerability_name, "vulnerabilityName")?,
        date_added,
        short_description: required(raw.short_description, "shortDescription")?,
        required_action: required(raw.required_action, "requiredAction")?,
        due_date,
        known_ransomware_campaign_use,
        notes: raw.notes.unwrap_or_default(),
        cwes,
    })
}

/// The JSON type of a value, for error messages.
/// Reads element `index` of a feed's array as `T`: it must be a JSON object of that shape.
/// Errors name the document, the index and the record's id (`peeked`) when it has one.
pub(crate) fn record_from_value<T: serde::de::DeserializeOwned>(
    document: &'static str,
    index: usize,
    peeked: Option<String>,
    item: Value,
) -> Result<T, FeedError> {
    let record_error = |reason: String| FeedError::Record {
        document,
        index,
        id: peeked.clone(),
        reason,
    };
    if !item.is_object() {
        return Err(record_error(format!(
            "expected a JSON object, found {}",
            json_kind(&item)
        )));
    }
    serde_json::from_value(item).map_err(|e| record_error(e.to_string()))
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `CVE-YYYY-NNNN`: a four-digit year and four or more digits.
pub(crate) fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// `CWE-N`: one or more digits.
pub(crate) fn is_cwe_id(s: &str) -> bool {
    s.strip_prefix("CWE-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `YYYY-MM-DD` with a month in 1..=12 and a day in 1..=31.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    let number = |range: std::ops::Range<usize>| s.get(range).and_then(|p| p.parse::<u8>().ok());
    shape_ok
        && number(5..7).is_some_and(|m| (1..=12).contains(&m))
        && number(8..10).is_some_and(|d| (1..=31).contains(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fields: &str) -> String {
        format!(
            r#"{{"catalogVersion":"2025.01.01","dateReleased":"2025-01-01T00:00:00.000Z","vulnerabilities":[{fields}]}}"#
        )
    }

    const GOOD: &str = r#"{"cveID":"CVE-2021-44228","vendorProject":"Apache","product":"Log4j2",
        "vulnerabilityName":"Log4Shell","dateAdded":"2021-12-10","shortDescription":"JNDI",
        "requiredAction":"Patch","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known",
        "notes":"n","cwes":["CWE-20","CWE-502"],"futureField":{"x":1}}"#;

    fn err_of(bytes: &[u8]) -> String {
        match parse_kev(bytes) {
            Ok(c) => panic!("expected an error, parsed {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_a_small_catalog() {
        let minimal = r#"{"cveID":"CVE-2020-123456","vendorProject":"V","product":"P",
            "vulnerabilityName":"N","dateAdded":"2020-01-02","shortDescription":"S",
            "requiredAction":"A","dueDate":"2020-02-03"}"#;
        let doc = format!(
            r#"{{"title":"t","catalogVersion":"2025.01.01","dateReleased":"2025-01-01T00:00:00.000Z","count":2,"vulnerabilities":[{GOOD},{minimal}]}}"#
        );
        let catalog = parse_kev(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(catalog.catalog_version, "2025.01.01");
        assert_eq!(catalog.date_released, "2025-01-01T00:00:00.000Z");
        assert_eq!(catalog.entries.len(), 2);
        let first = &catalog.entries[0];
        assert_eq!(first.cve_id, "CVE-2021-44228");
        assert_eq!(first.vendor_project, "Apache");
        assert_eq!(first.product, "Log4j2");
        assert_eq!(first.vulnerability_name, "Log4Shell");
        assert_eq!(first.date_added, "2021-12-10");
        assert_eq!(first.short_description, "JNDI");
        assert_eq!(first.required_action, "Patch");
        assert_eq!(first.due_date, "2021-12-24");
        assert!(first.known_ransomware_campaign_use);
        assert_eq!(first.notes, "n");
        assert_eq!(first.cwes, ["CWE-20", "CWE-502"]);
        let second = &catalog.entries[1];
        assert_eq!(second.cve_id, "CVE-2020-123456");
        assert!(!second.known_ransomware_campaign_use);
        assert!(second.notes.is_empty() && second.cwes.is_empty());
    }

    #[test]
    fn empty_catalog_is_fine() {
        let catalog = parse_kev(entry("").as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert!(catalog.entries.is_empty());
    }

    #[test]
    fn other_documents_are_not_kev_catalogs() {
        assert!(err_of(b"").starts_with("not a CISA KEV catalog: invalid JSON"));
        assert!(err_of(b"{\"vulnerabilities\":[").contains("invalid JSON"));
        assert_eq!(
            err_of(b"[1,2]"),
            "not a CISA KEV catalog: expected a JSON object, found an array"
        );
        assert_eq!(
            err_of(br#"{"resultsPerPage":1,"startIndex":0,"totalResults":0}"#),
            "not a CISA KEV catalog: no `vulnerabilities` array"
        );
        assert_eq!(
            err_of(br#"{"vulnerabilities":{}}"#),
            "not a CISA KEV catalog: `vulnerabilities` is an object, not an array"
        );
    }

    #[test]
    fn bad_top_level_fields() {
        assert_eq!(
            err_of(br#"{"dateReleased":"x","vulnerabilities":[]}"#),
            "not a CISA KEV catalog: missing `catalogVersion`"
        );
        assert_eq!(
            err_of(br#"{"catalogVersion":1,"dateReleased":"x","vulnerabilities":[]}"#),
            "CISA KEV catalog: `catalogVersion` must be a string, found a number"
        );
        assert_eq!(
            err_of(br#"{"catalogVersion":"1","dateReleased":"x","count":3,"vulnerabilities":[]}"#),
            "CISA KEV catalog: `count` is 3 but the catalog lists 0 vulnerabilities"
        );
        assert!(
            err_of(br#"{"catalogVersion":"1","dateReleased":"x","count":-1,"vulnerabilities":[]}"#)
                .contains("`count` must be a non-negative integer")
        );
    }

    #[test]
    fn bad_entries_name_their_index_and_id() {
        let missing = GOOD.replace(r#""dueDate":"2021-12-24","#, "");
        assert_eq!(
            err_of(entry(&format!("{GOOD},{missing}")).as_bytes()),
            "CISA KEV catalog: vulnerabilities[1] (CVE-2021-44228): missing required field `dueDate`"
        );
        let bad_date = GOOD.replace("2021-12-24", "2021-13-24");
        assert!(err_of(entry(&bad_date).as_bytes()).ends_with(
            "vulnerabilities[0] (CVE-2021-44228): `dueDate` \"2021-13-24\" is not a YYYY-MM-DD date"
        ));
        let bad_added = GOOD.replace("2021-12-10", "12/10/2021");
        assert!(err_of(entry(&bad_added).as_bytes()).contains("`dateAdded`"));
        let bad_id = GOOD.replace("CVE-2021-44228", "CVE-21-44228");
        assert!(err_of(entry(&bad_id).as_bytes()).contains("is not a CVE id"));
        let bad_cwe = GOOD.replace("CWE-502", "NVD-CWE-noinfo");
        assert!(err_of(entry(&bad_cwe).as_bytes()).contains("\"NVD-CWE-noinfo\" is not a CWE id"));
        let bad_flag = GOOD.replace("\"Known\"", "\"Maybe\"");
        assert!(
            err_of(entry(&bad_flag).as_bytes())
                .contains("`knownRansomwareCampaignUse` is \"Maybe\"")
        );
        let wrong_type = GOOD.replace("\"Apache\"", "7");
        assert!(
            err_of(entry(&wrong_type).as_bytes())
                .contains("vulnerabilities[0] (CVE-2021-44228): invalid type")
        );
        assert_eq!(
            err_of(entry("42").as_bytes()),
            "CISA KEV catalog: vulnerabilities[0]: expected a JSON object, found a number"
        );
        let no_id = GOOD.replace(r#""cveID":"CVE-2021-44228","#, "");
        assert_eq!(
            err_of(entry(&no_id).as_bytes()),
            "CISA KEV catalog: vulnerabilities[0]: missing required field `cveID`"
        );
    }

    #[test]
    fn id_and_date_shapes() {
        for good in ["CVE-1999-0001", "CVE-2024-1234567"] {
            assert!(is_cve_id(good), "{good}");
        }
        for bad in [
            "",
            "CVE-",
            "CVE-2024-123",
            "cve-2024-1234",
            "CVE-2024-12a4",
            "CVE-202-1234",
            "CVE-2024-1234-",
            "CVE-2024",
        ] {
            assert!(!is_cve_id(bad), "{bad}");
        }
        assert!(is_cwe_id("CWE-1") && is_cwe_id("CWE-1321"));
        assert!(!is_cwe_id("CWE-") && !is_cwe_id("CWE-x1") && !is_cwe_id("NVD-CWE-Other"));
        assert!(is_iso_date("2021-12-31") && is_iso_date("2000-01-01"));
        for bad in [
            "2021-00-10",
            "2021-12-32",
            "2021-1-10",
            "2021/12/10",
            "2021-12-10T",
            "",
            "२०२१-12-10",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }
}
