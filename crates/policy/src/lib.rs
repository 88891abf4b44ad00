//! Evaluation policy: how severe a vulnerability is, when it is due, whether an exception
//! or a VEX statement covers it, and whether the CI gate passes.
//!
//! - [`assess`]: the severity of an advisory (below).
//! - [`rules`]: the policy file, SLA due dates, KEV and EPSS rules, the gate.
//! - [`exceptions`]: accepted risks, from the policy file, `.trivyignore`, `osv-scanner.toml`.
//! - [`vex`]: OpenVEX and CycloneDX VEX statements.
//! - [`cvss`]: CVSS 2.0, 3.0, 3.1 and 4.0 base, temporal/threat and environmental scores.
//!
//! Severity choice follows the house rule: the CVSS 3.1 vector first, then 4.0, 3.0, 2.0,
//! then the advisory's own label (GHSA `MODERATE` = Medium), else Unknown. Scores on an
//! `affected` entry take precedence over the advisory-wide ones. Pure: no IO, no clock.

pub mod cvss;
pub mod exceptions;
pub mod rules;
pub mod vex;

use patchwarden_core::Severity;
use patchwarden_osv::{Advisory, SeverityScore};
use serde::Serialize;

/// A CVSS vector with its computed base score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CvssScore {
    /// CVSS version: `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: &'static str,
    /// The vector as the advisory gives it.
    pub vector: String,
    /// Base score; for 4.0 the score of the vector as given (see [`score_vector`]).
    pub score: f64,
}

/// How severe one advisory is for one affected entry, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    /// The chosen severity.
    pub severity: Severity,
    /// The CVSS vector it came from, if it came from one.
    pub cvss: Option<CvssScore>,
}

/// Parses a CVSS vector of any version and computes the score `assess` rates by: the base
/// score for 2.0 and 3.x, the score of the whole vector for 4.0 (as before [`cvss::score`]
/// existed; it equals CVSS-B unless the vector carries threat or environmental metrics).
/// [`cvss::score`] gives every score and the reason a vector is rejected.
pub fn score_vector(vector: &str) -> Option<CvssScore> {
    let scores = cvss::score(vector).ok()?;
    let score = if scores.version == "4.0" {
        scores.score
    } else {
        scores.base
    };
    Some(CvssScore {
        version: scores.version,
        vector: scores.vector,
        score,
    })
}

/// Rank of a CVSS version in the house preference (lower is preferred).
fn preference(version: &str) -> u8 {
    match version {
        "3.1" => 0,
        "4.0" => 1,
        "3.0" => 2,
        _ => 3,
    }
}

/// The preferred CVSS of several vectors (3.1, then 4.0, 3.0, 2.0; the first of a
/// version wins): for scores that come from outside the advisory, such as NVD's.
pub fn best_vector<'a>(vectors: impl IntoIterator<Item = &'a str>) -> Option<CvssScore> {
    vectors
        .into_iter()
        .filter_map(score_vector)
        .min_by_key(|c| preference(c.version))
}

/// Rank of a CVSS version in the house preference, lower preferred (3.1, 4.0, 3.0, 2.0).
pub fn version_preference(version: &str) -> u8 {
    preference(version)
}

fn best_cvss(scores: &[SeverityScore]) -> Option<CvssScore> {
    scores
        .iter()
        .filter(|s| s.kind.starts_with("CVSS_"))
        .filter_map(|s| score_vector(&s.score))
        .min_by_key(|c| preference(c.version))
}

/// Chooses the severity of `advisory` for its `affected` entry number `affected_index`.
pub fn assess(advisory: &Advisory, affected_index: usize) -> Assessment {
    let per_package = advisory
        .affected
        .get(affected_index)
        .map(|a| a.severity.as_slice())
        .unwrap_or_default();
    let cvss = best_cvss(per_package).or_else(|| best_cvss(&advisory.severity));
    if let Some(c) = cvss {
        return Assessment {
            severity: Severity::from_score(c.score),
            cvss: Some(c),
        };
    }
    let label = advisory
        .affected
        .get(affected_index)
        .and_then(|a| a.database_specific.as_ref())
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .or_else(|| advisory.severity_label())
        .and_then(Severity::from_label);
    Assessment {
        severity: label.unwrap_or(Severity::Unknown),
        cvss: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adv(json: &str) -> Advisory {
        Advisory::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn scores_each_cvss_version() {
        let v31 = score_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
        assert_eq!(v31.as_ref().map(|c| c.score), Some(10.0));
        let v30 = score_vector("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N");
        assert_eq!(v30.map(|c| c.score), Some(7.5));
        let v2 = score_vector("AV:N/AC:L/Au:N/C:P/I:P/A:P");
        assert_eq!(v2.map(|c| (c.version, c.score)), Some(("2.0", 7.5)));
        let v4 = score_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
        assert_eq!(v4.map(|c| (c.version, c.score)), Some(("4.0", 9.3)));
        assert!(score_vector("CVSS:3.1/garbage").is_none());
    }

    #[test]
    fn prefers_v31_then_v40_then_v30_then_v2_then_label() {
        let a = adv(r#"{"id":"A","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"},
            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"}]}"#);
        let s = assess(&a, 0);
        assert_eq!(s.cvss.as_ref().map(|c| c.version), Some("3.1"));
        assert_eq!(s.severity, Severity::Medium);

        let b = adv(
            r#"{"id":"B","modified":"2024-01-01T00:00:00Z","database_specific":{"severity":"MODERATE"}}"#,
        );
        assert_eq!(assess(&b, 0).severity, Severity::Medium);
        let c = adv(r#"{"id":"C","modified":"2024-01-01T00:00:00Z"}"#);
        assert_eq!(assess(&c, 0).severity, Severity::Unknown);
    }

    #[test]
    fn per_package_severity_wins() {
        let a = adv(r#"{"id":"A","modified":"2024-01-01T00:00:00Z",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"npm","name":"x"},
              "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]}]}"#);
        assert_eq!(assess(&a, 0).severity, Severity::Low);
    }
}
