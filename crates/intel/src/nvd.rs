//! NVD CVE API 2.0 responses.
//!
//! One page of `https://services.nvd.nist.gov/rest/json/cves/2.0` is a JSON object:
//! `{"resultsPerPage":..,"startIndex":..,"totalResults":..,"format":"NVD_CVE","version":"2.0",
//! "timestamp":..,"vulnerabilities":[{"cve":{...}}]}`.
//!
//! Read from the page: `resultsPerPage`, `startIndex`, `totalResults` (required: they are what
//! makes it an API response), `timestamp`, and `vulnerabilities` (absent on an empty result).
//! `format` and `version`, when present, must be `NVD_CVE` and `2.x`. From each `cve`: `id`,
//! `published`, `lastModified`, `vulnStatus`, the English entry of `descriptions`,
//! `metrics.cvssMetricV40/V31/V30/V2[]` (`source`, `type`,
//! `cvssData.{version,vectorString,baseScore}`), `weaknesses[].description[].value` and
//! `references[].url`. Everything else (configurations, CISA KEV fields, SSVC, ...) is ignored.
//! Missing fields and `null` take their defaults; a field of the wrong type fails with the
//! record's index and id. The retired JSON 1.1 data feeds (`CVE_Items`) are rejected with a
//! message saying so.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::kev::{FeedError, is_cve_id, is_cwe_id, json_kind, record_from_value};

/// What an NVD document is called in error messages.
const NVD: &str = "NVD CVE API 2.0 response";
/// The same, with its article, for "not ..." messages.
const AN_NVD: &str = "an NVD CVE API 2.0 response";

/// One page of an NVD CVE API 2.0 response.
#[derive(Debug, Clone, PartialEq)]
pub struct NvdPage {
    /// `resultsPerPage`.
    pub results_per_page: u64,
    /// `startIndex`, zero-based.
    pub start_index: u64,
    /// `totalResults`: matches across all pages.
    pub total_results: u64,
    /// `timestamp` of the response, as given (e.g. `2026-07-07T03:28:20.959`).
    pub timestamp: Option<String>,
    /// The CVEs on this page, in response order.
    pub cves: Vec<NvdCve>,
}

/// One CVE record from an NVD response.
#[derive(Debug, Clone, PartialEq)]
pub struct NvdCve {
    /// `id`, e.g. `CVE-2021-44228`.
    pub id: String,
    /// `published`, as given.
    pub published: Option<String>,
    /// `lastModified`, as given.
    pub last_modified: Option<String>,
    /// The first English (`en`) entry of `descriptions`.
    pub description: Option<String>,
    /// CVSS metrics, newest version first (4.0, 3.1, 3.0, 2.0), document order within each.
    pub cvss: Vec<NvdCvss>,
    /// CWE ids (`CWE-N`) from `weaknesses`, deduplicated in first-seen order; `NVD-CWE-Other`
    /// and `NVD-CWE-noinfo` are dropped.
    pub cwes: Vec<String>,
    /// `references[].url`, in document order.
    pub references: Vec<String>,
    /// `vulnStatus` (`Analyzed`, `Modified`, `Deferred`, ...).
    pub vuln_status: Option<String>,
}

/// One CVSS metric of a CVE.
#[derive(Debug, Clone, PartialEq)]
pub struct NvdCvss {
    /// `cvssData.version` (`2.0`, `3.0`, `3.1`, `4.0`); when missing, the version named by the
    /// metric list it came from.
    pub version: String,
    /// `cvssData.vectorString`, as given (v2 vectors come without a `CVSS:` prefix).
    pub vector: String,
    /// `cvssData.baseScore`, in `[0, 10]`.
    pub base_score: Option<f64>,
    /// `source` of the metric, e.g. `nvd@nist.gov`.
    pub source: Option<String>,
    /// `type` is `Primary` (scored by NVD itself) rather than `Secondary` (by a CNA).
    pub primary: bool,
}

/// Missing and `null` both become the default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

#[derive(Deserialize, Default)]
struct RawVulnerability {
    cve: Option<RawCve>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawCve {
    id: Option<String>,
    published: Option<String>,
    last_modified: Option<String>,
    vuln_status: Option<String>,
    #[serde(deserialize_with = "nullable")]
    descriptions: Vec<RawLangString>,
    #[serde(deserialize_with = "nullable")]
    metrics: RawMetrics,
    #[serde(deserialize_with = "nullable")]
    weaknesses: Vec<RawWeakness>,
    #[serde(deserialize_with = "nullable")]
    references: Vec<RawReference>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawLangString {
    lang: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMetrics {
    #[serde(rename = "cvssMetricV40", deserialize_with = "nullable")]
    v40: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV31", deserialize_with = "nullable")]
    v31: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV30", deserialize_with = "nullable")]
    v30: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV2", deserialize_with = "nullable")]
    v2: Vec<RawMetric>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawMetric {
    source: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    cvss_data: Option<RawCvssData>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawCvssData {
    version: Option<String>,
    vector_string: Option<String>,
    base_score: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawWeakness {
    #[serde(deserialize_with = "nullable")]
    description: Vec<RawLangString>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawReference {
    url: Option<String>,
}

/// Parses one page of an NVD CVE API 2.0 response.
///
/// Fails with [`FeedError::Json`] on malformed JSON, [`FeedError::NotFeed`] when the document
/// is not an NVD 2.0 response (not an object, no paging numbers, another `format`/`version`, a
/// legacy 1.1 feed), [`FeedError::Invalid`] on a bad top-level field and [`FeedError::Record`]
/// on an invalid CVE.
pub fn parse_nvd_page(bytes: &[u8]) -> Result<NvdPage, FeedError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|source| FeedError::Json {
        expected: AN_NVD,
        source,
    })?;
    let not_nvd = |reason: String| FeedError::NotFeed {
        expected: AN_NVD,
        reason,
    };
    let Value::Object(mut doc) = doc else {
        return Err(not_nvd(format!(
            "expected a JSON object, found {}",
            json_kind(&doc)
        )));
    };
    if doc.contains_key("CVE_Items") {
        return Err(not_nvd(
            "this is a retired NVD JSON 1.1 data feed (`CVE_Items`)".to_string(),
        ));
    }
    if let Some(format) = doc.get("format")
        && format.as_str() != Some("NVD_CVE")
    {
        return Err(not_nvd(format!(
            "`format` is {format}, expected \"NVD_CVE\""
        )));
    }
    if let Some(version) = doc.get("version")
        && !version.as_str().is_some_and(|v| v.starts_with("2."))
    {
        return Err(not_nvd(format!("`version` is {version}, expected \"2.0\"")));
    }
    let number = |field: &str| -> Result<u64, FeedError> {
        match doc.get(field) {
            None => Err(not_nvd(format!("missing `{field}`"))),
            Some(value) => value.as_u64().ok_or_else(|| FeedError::Invalid {
                document: NVD,
                reason: format!("`{field}` must be a non-negative integer, found {value}"),
            }),
        }
    };
    let results_per_page = number("resultsPerPage")?;
    let start_index = number("startIndex")?;
    let total_results = number("totalResults")?;
    let timestamp = match doc.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(FeedError::Invalid {
                document: NVD,
                reason: format!("`timestamp` must be a string, found {}", json_kind(other)),
            });
        }
    };
    let vulnerabilities = match doc.remove("vulnerabilities") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(FeedError::Invalid {
                document: NVD,
                reason: format!(
                    "`vulnerabilities` must be an array, found {}",
                    json_kind(&other)
                ),
            });
        }
    };
    let mut cves = Vec::with_capacity(vulnerabilities.len());
    for (index, item) in vulnerabilities.into_iter().enumerate() {
        let peeked = item
            .get("cve")
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let record_error = |reason: String| FeedError::Record {
            document: NVD,
            index,
            id: peeked.clone(),
            reason,
        };
        let raw: RawVulnerability = record_from_value(NVD, index, peeked.clone(), item)?;
        let raw = raw
            .cve
            .ok_or_else(|| record_error("missing `cve` object".to_string()))?;
        cves.push(cve_from_raw(raw).map_err(record_error)?);
    }
    Ok(NvdPage {
        results_per_page,
        start_index,
        total_results,
        timestamp,
        cves,
    })
}

fn cve_from_raw(raw: RawCve) -> Result<NvdCve, String> {
    let id = raw.id.ok_or_else(|| "missing `id`".to_string())?;
    if !is_cve_id(&id) {
        return Err(format!("`id` {id:?} is not a CVE id (CVE-YYYY-NNNN)"));
    }
    let description = raw
        .descriptions
        .into_iter()
        .find(|d| d.lang.as_deref().is_some_and(is_english))
        .and_then(|d| d.value);
    let metrics = raw.metrics;
    let mut cvss = Vec::new();
    for (list, version) in [
        (metrics.v40, "4.0"),
        (metrics.v31, "3.1"),
        (metrics.v30, "3.0"),
        (metrics.v2, "2.0"),
    ] {
        for metric in list {
            let Some(data) = metric.cvss_data else {
                continue;
            };
            let Some(vector) = data.vector_string else {
                continue;
            };
            if let Some(score) = data.base_score
                && !(0.0..=10.0).contains(&score)
            {
                return Err(format!(
                    "CVSS {version} baseScore {score} is outside [0, 10]"
                ));
            }
            cvss.push(NvdCvss {
                version: data.version.unwrap_or_else(|| version.to_string()),
                vector,
                base_score: data.base_score,
                source: metric.source,
                primary: metric.kind.as_deref() == Some("Primary"),
            });
        }
    }
    let mut cwes: Vec<String> = Vec::new();
    for value in raw
        .weaknesses
        .into_iter()
        .flat_map(|w| w.description)
        .filter_map(|d| d.value)
    {
        if is_cwe_id(&value) && !cwes.contains(&value) {
            cwes.push(value);
        }
    }
    let references = raw.references.into_iter().filter_map(|r| r.url).collect();
    Ok(NvdCve {
        id,
        published: raw.published,
        last_modified: raw.last_modified,
        description,
        cvss,
        cwes,
        references,
        vuln_status: raw.vuln_status,
    })
}

/// `en`, or a regional variant such as `en-US`.
fn is_english(lang: &str) -> bool {
    lang.eq_ignore_ascii_case("en") || lang.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("en-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(vulnerabilities: &str) -> String {
        format!(
            r#"{{"resultsPerPage":2,"startIndex":4,"totalResults":9,"format":"NVD_CVE","version":"2.0","timestamp":"2024-01-01T00:00:00.000","vulnerabilities":[{vulnerabilities}]}}"#
        )
    }

    fn err_of(text: &str) -> String {
        match parse_nvd_page(text.as_bytes()) {
            Ok(p) => panic!("expected an error, parsed {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    const FULL: &str = r#"{"cve":{
        "id":"CVE-2024-0001","sourceIdentifier":"x","published":"2024-01-01T10:00:00.000",
        "lastModified":"2024-02-01T10:00:00.000","vulnStatus":"Analyzed","cveTags":[],
        "descriptions":[{"lang":"es","value":"hola"},{"lang":"en","value":"hello"},{"lang":"en","value":"second"}],
        "metrics":{
          "cvssMetricV2":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:P/I:P/A:P","baseScore":7.5},"baseSeverity":"HIGH"}],
          "cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}},
                           {"source":"cna@example.com","type":"Secondary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":8.4}}],
          "cvssMetricV40":[{"source":"cna@example.com","type":"Secondary","cvssData":{"version":"4.0","vectorString":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}],
          "ssvcV203":[{"anything":1}]
        },
        "weaknesses":[{"source":"a","type":"Primary","description":[{"lang":"en","value":"NVD-CWE-noinfo"},{"lang":"en","value":"CWE-79"}]},
                      {"source":"b","type":"Secondary","description":[{"lang":"en","value":"CWE-79"},{"lang":"en","value":"NVD-CWE-Other"},{"lang":"en","value":"CWE-20"}]}],
        "configurations":[{"nodes":[]}],
        "references":[{"url":"https://example.com/a","source":"x"},{"url":"https://example.com/b","tags":["Patch"]},{"source":"no url"}]
    }}"#;

    #[test]
    fn reads_every_field() {
        let parsed = parse_nvd_page(page(FULL).as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (
                parsed.results_per_page,
                parsed.start_index,
                parsed.total_results
            ),
            (2, 4, 9)
        );
        assert_eq!(parsed.timestamp.as_deref(), Some("2024-01-01T00:00:00.000"));
        assert_eq!(parsed.cves.len(), 1);
        let cve = &parsed.cves[0];
        assert_eq!(cve.id, "CVE-2024-0001");
        assert_eq!(cve.published.as_deref(), Some("2024-01-01T10:00:00.000"));
        assert_eq!(
            cve.last_modified.as_deref(),
            Some("2024-02-01T10:00:00.000")
        );
        assert_eq!(cve.vuln_status.as_deref(), Some("Analyzed"));
        assert_eq!(cve.description.as_deref(), Some("hello"));
        assert_eq!(cve.cwes, ["CWE-79", "CWE-20"]);
        assert_eq!(
            cve.references,
            ["https://example.com/a", "https://example.com/b"]
        );
        let summary: Vec<_> = cve
            .cvss
            .iter()
            .map(|c| {
                (
                    c.version.as_str(),
                    c.base_score,
                    c.source.as_deref(),
                    c.primary,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("4.0", None, Some("cna@example.com"), false),
                ("3.1", Some(9.8), Some("nvd@nist.gov"), true),
                ("3.1", Some(8.4), Some("cna@example.com"), false),
                ("2.0", Some(7.5), Some("nvd@nist.gov"), true),
            ]
        );
        assert_eq!(cve.cvss[3].vector, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
        assert!(cve.cvss[0].vector.starts_with("CVSS:4.0/"));
    }

    #[test]
    fn missing_and_null_fields_take_defaults() {
        let sparse = r#"{"cve":{"id":"CVE-2024-0002","descriptions":null,"metrics":null,
            "weaknesses":[{"description":null}],"references":null,"published":null}}"#;
        let minimal = r#"{"cve":{"id":"CVE-2024-0003",
            "metrics":{"cvssMetricV30":[{"cvssData":{"vectorString":"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},{"type":"Primary"},{"cvssData":{"version":"3.0"}}]}}}"#;
        let parsed = parse_nvd_page(page(&format!("{sparse},{minimal}")).as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let a = &parsed.cves[0];
        assert_eq!(a.id, "CVE-2024-0002");
        assert!(a.description.is_none() && a.published.is_none() && a.vuln_status.is_none());
        assert!(a.cvss.is_empty() && a.cwes.is_empty() && a.references.is_empty());
        let b = &parsed.cves[1];
        // Metrics without cvssData or without a vector are skipped; a missing version comes
        // from the list name.
        assert_eq!(b.cvss.len(), 1);
        assert_eq!(b.cvss[0].version, "3.0");
        assert_eq!((b.cvss[0].base_score, b.cvss[0].primary), (None, false));
    }

    #[test]
    fn empty_result_pages() {
        let parsed = parse_nvd_page(
            br#"{"resultsPerPage":1,"startIndex":0,"totalResults":0,"format":"NVD_CVE","version":"2.0"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.cves.is_empty() && parsed.timestamp.is_none());
        assert_eq!(parsed.total_results, 0);
        let parsed = parse_nvd_page(
            br#"{"resultsPerPage":0,"startIndex":0,"totalResults":0,"vulnerabilities":null}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.cves.is_empty());
    }

    #[test]
    fn other_documents_are_rejected_clearly() {
        assert!(err_of("{").starts_with("not an NVD CVE API 2.0 response: invalid JSON"));
        assert_eq!(
            err_of("\"x\""),
            "not an NVD CVE API 2.0 response: expected a JSON object, found a string"
        );
        assert_eq!(
            err_of(r#"{"CVE_data_type":"CVE","CVE_Items":[]}"#),
            "not an NVD CVE API 2.0 response: this is a retired NVD JSON 1.1 data feed (`CVE_Items`)"
        );
        assert_eq!(
            err_of(r#"{"catalogVersion":"1","vulnerabilities":[]}"#),
            "not an NVD CVE API 2.0 response: missing `resultsPerPage`"
        );
        assert_eq!(
            err_of(r#"{"resultsPerPage":1,"startIndex":0,"totalResults":0,"format":"NVD_CPE"}"#),
            "not an NVD CVE API 2.0 response: `format` is \"NVD_CPE\", expected \"NVD_CVE\""
        );
        assert!(
            err_of(r#"{"resultsPerPage":1,"startIndex":0,"totalResults":0,"version":"1.1"}"#)
                .contains("`version` is \"1.1\"")
        );
    }

    #[test]
    fn bad_fields_and_records() {
        assert_eq!(
            err_of(r#"{"resultsPerPage":1,"startIndex":-3,"totalResults":0}"#),
            "NVD CVE API 2.0 response: `startIndex` must be a non-negative integer, found -3"
        );
        assert!(
            err_of(r#"{"resultsPerPage":1,"startIndex":0,"totalResults":0,"timestamp":5}"#)
                .contains("`timestamp` must be a string")
        );
        assert!(
            err_of(r#"{"resultsPerPage":1,"startIndex":0,"totalResults":0,"vulnerabilities":{}}"#)
                .contains("`vulnerabilities` must be an array, found an object")
        );
        let ok = r#"{"cve":{"id":"CVE-2024-0001"}}"#;
        assert_eq!(
            err_of(&page(&format!(r#"{ok},{{"nope":1}}"#))),
            "NVD CVE API 2.0 response: vulnerabilities[1]: missing `cve` object"
        );
        assert_eq!(
            err_of(&page("[]")),
            "NVD CVE API 2.0 response: vulnerabilities[0]: expected a JSON object, found an array"
        );
        assert_eq!(
            err_of(&page(r#"{"cve":{"published":"x"}}"#)),
            "NVD CVE API 2.0 response: vulnerabilities[0]: missing `id`"
        );
        assert!(err_of(&page(r#"{"cve":{"id":"GHSA-xxxx"}}"#)).contains("is not a CVE id"));
        let wrong = r#"{"cve":{"id":"CVE-2024-0004","references":"https://x"}}"#;
        assert!(err_of(&page(wrong)).starts_with(
            "NVD CVE API 2.0 response: vulnerabilities[0] (CVE-2024-0004): invalid type"
        ));
        let score = r#"{"cve":{"id":"CVE-2024-0005","metrics":{"cvssMetricV31":[{"cvssData":{"vectorString":"v","baseScore":11}}]}}}"#;
        assert!(
            err_of(&page(score))
                .ends_with("(CVE-2024-0005): CVSS 3.1 baseScore 11 is outside [0, 10]")
        );
    }

    #[test]
    fn english_variants() {
        assert!(is_english("en") && is_english("EN") && is_english("en-US"));
        assert!(!is_english("es") && !is_english("eng") && !is_english("") && !is_english("e"));
    }
}
