//! Full CVSS scoring: base, temporal (threat) and environmental scores of CVSS 2.0, 3.0, 3.1
//! and 4.0 vectors, checked against the RedHat `cvss` library's test vectors.
//!
//! The arithmetic is the `cvss` crate's; this module adds what it leaves out:
//!
//! - which groups a vector actually carries (the crate scores every vector as if all groups
//!   were present, with absent metrics as Not Defined);
//! - the mandatory-metric check for 3.x, which the crate's 3.x parser skips (it would score
//!   `CVSS:3.1/AV:N` as if the missing metrics were worth 0);
//! - the CVSS-B score of a 4.0 vector that carries threat or environmental metrics (the crate
//!   only scores a 4.0 vector as a whole);
//! - a qualitative severity for 2.0, and `-0.0` turned into `0.0`.
//!
//! Rounding follows each version's own rule, as the crate implements it: 2.0 rounds half up to
//! one decimal; 3.0 rounds up with `ceil(x * 10) / 10` on floating point, as FIRST's 3.0
//! calculator does; 3.1 uses the integer-based Roundup of its specification's Appendix A, so the
//! same metrics can score 0.1 apart in 3.0 and 3.1; 4.0 rounds the interpolated macrovector
//! score half up.

use std::fmt;
use std::str::FromStr;

use patchwarden_core::Severity;

/// Every score of one CVSS vector.
#[derive(Clone, Debug, PartialEq)]
pub struct CvssScores {
    /// CVSS version: `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: &'static str,
    /// The vector as given, without surrounding whitespace.
    pub vector: String,
    /// Base score; for 4.0 the CVSS-B score (threat and environmental metrics ignored).
    pub base: f64,
    /// Temporal score (2.0, 3.x) when the vector has a temporal metric other than Not Defined;
    /// always `None` for 4.0, whose threat metrics are part of `score`.
    pub temporal: Option<f64>,
    /// Environmental score (2.0, 3.x) when the vector has an environmental metric other than
    /// Not Defined; always `None` for 4.0, whose environmental metrics are part of `score`.
    pub environmental: Option<f64>,
    /// The score to act on: for 2.0 and 3.x the most specific of environmental, temporal and
    /// base that is present; for 4.0 the score of the whole vector (CVSS-BTE).
    pub score: f64,
    /// Qualitative rating of `score`: FIRST's scale for 3.x and 4.0 (0.0 is `None`); NVD's
    /// ranges for 2.0, which has no scale of its own (Low 0.0–3.9, Medium 4.0–6.9, High
    /// 7.0–10.0; never `None` or `Critical`).
    pub severity: Severity,
}

/// Why a vector could not be scored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CvssError {
    /// The input is empty or only whitespace.
    Empty,
    /// The vector does not parse; the parser's reason.
    Malformed(String),
    /// A CVSS 3.x vector lacks one of its eight mandatory base metrics.
    MissingMetric(&'static str),
}

impl fmt::Display for CvssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CvssError::Empty => f.write_str("empty CVSS vector"),
            CvssError::Malformed(reason) => write!(f, "invalid CVSS vector: {reason}"),
            CvssError::MissingMetric(metric) => write!(
                f,
                "invalid CVSS vector: missing mandatory CVSS 3.x base metric {metric}"
            ),
        }
    }
}

impl std::error::Error for CvssError {}

/// Parses a CVSS 2.0, 3.0, 3.1 or 4.0 vector and computes all its scores.
///
/// 2.0 vectors have no prefix (`AV:N/AC:L/Au:N/C:P/I:P/A:P`); the others start with
/// `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/`. Never panics, whatever the input.
pub fn score(vector: &str) -> Result<CvssScores, CvssError> {
    let vector = vector.trim();
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    let parsed = cvss::Cvss::from_str(vector).map_err(|e| CvssError::Malformed(e.to_string()))?;
    let scores = match &parsed {
        cvss::Cvss::CvssV20(v) => v2(v),
        cvss::Cvss::CvssV30(v) => v3(v, "3.0")?,
        cvss::Cvss::CvssV31(v) => v3(v, "3.1")?,
        cvss::Cvss::CvssV40(v) => v4(v, vector)?,
        // `Cvss` is non-exhaustive: a version a later crate release adds is not scored here.
        _ => return Err(CvssError::Malformed("unsupported CVSS version".to_string())),
    };
    Ok(CvssScores {
        vector: vector.to_string(),
        ..scores
    })
}

/// One decimal, and never `-0.0` (the 2.0 base equation gives `-0.0` for vectors without
/// impact, as `(0.6 * 0 + 0.4 * E - 1.5) * 0`).
fn tenths(x: f64) -> f64 {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// The most specific score present, as the 2.0 and 3.x specifications rank the groups.
fn most_specific(base: f64, temporal: Option<f64>, environmental: Option<f64>) -> f64 {
    environmental.or(temporal).unwrap_or(base)
}

/// NVD's ranges for CVSS 2.0 scores (the 2.0 guide defines none).
fn v2_severity(score: f64) -> Severity {
    if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

fn v2(v: &cvss::v2::Vector) -> CvssScores {
    use cvss::v2::Metric;
    fn defined<M: Metric>(metric: Option<M>) -> bool {
        metric.is_some_and(|m| m.as_str() != "ND")
    }
    let has_temporal = defined(v.e) || defined(v.rl) || defined(v.rc);
    let has_environmental =
        defined(v.cdp) || defined(v.td) || defined(v.cr) || defined(v.ir) || defined(v.ar);
    let base = tenths(v.score().value());
    let temporal = has_temporal.then(|| tenths(v.temporal_score().value()));
    let environmental = has_environmental.then(|| tenths(v.environmental_score().value()));
    let score = most_specific(base, temporal, environmental);
    CvssScores {
        version: "2.0",
        vector: String::new(),
        base,
        temporal,
        environmental,
        score,
        severity: v2_severity(score),
    }
}

fn v3(v: &cvss::v3::Vector, version: &'static str) -> Result<CvssScores, CvssError> {
    use cvss::v3::Metric;
    fn defined<M: Metric>(metric: Option<M>) -> bool {
        metric.is_some_and(|m| m.as_str() != "X")
    }
    // The crate's 3.x parser accepts vectors without base metrics and scores them as 0.
    let mandatory = [
        ("AV", v.av.is_some()),
        ("AC", v.ac.is_some()),
        ("PR", v.pr.is_some()),
        ("UI", v.ui.is_some()),
        ("S", v.s.is_some()),
        ("C", v.c.is_some()),
        ("I", v.i.is_some()),
        ("A", v.a.is_some()),
    ];
    if let Some((name, _)) = mandatory.iter().find(|(_, present)| !present) {
        return Err(CvssError::MissingMetric(name));
    }
    let has_temporal = defined(v.e) || defined(v.rl) || defined(v.rc);
    let has_environmental = defined(v.cr)
        || defined(v.ir)
        || defined(v.ar)
        || defined(v.mav)
        || defined(v.mac)
        || defined(v.mpr)
        || defined(v.mui)
        || defined(v.ms)
        || defined(v.mc)
        || defined(v.mi)
        || defined(v.ma);
    // The crate rounds with the vector's minor version: `ceil(x * 10) / 10` for 3.0 and the
    // Appendix A integer Roundup for 3.1, in the base, temporal and environmental equations.
    let base = tenths(v.base_score().value());
    let temporal = has_temporal.then(|| tenths(v.temporal_score().value()));
    let environmental = has_environmental.then(|| tenths(v.environmental_score().value()));
    let score = most_specific(base, temporal, environmental);
    Ok(CvssScores {
        version,
        vector: String::new(),
        base,
        temporal,
        environmental,
        score,
        severity: Severity::from_score(score),
    })
}

/// The metrics of a 4.0 vector's base group (all mandatory).
const V4_BASE: [&str; 11] = [
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

fn v4(v: &cvss::v4::Vector, text: &str) -> Result<CvssScores, CvssError> {
    let score = tenths(v.score().value());
    // The crate scores a 4.0 vector as a whole. CVSS-B is the score of the base metrics
    // alone, so rebuild the vector from them (the parse above checked that every one is
    // present, once) and score that. Supplemental metrics never change a score.
    let base_only: Vec<&str> = text
        .split('/')
        .skip(1)
        .filter(|component| {
            component
                .split_once(':')
                .is_some_and(|(id, _)| V4_BASE.iter().any(|base| base.eq_ignore_ascii_case(id)))
        })
        .collect();
    let base_vector = format!("CVSS:4.0/{}", base_only.join("/"));
    let base = cvss::v4::Vector::from_str(&base_vector)
        .map(|b| tenths(b.score().value()))
        .map_err(|e| CvssError::Malformed(e.to_string()))?;
    Ok(CvssScores {
        version: "4.0",
        vector: String::new(),
        base,
        temporal: None,
        environmental: None,
        score,
        severity: Severity::from_score(score),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(vector: &str) -> CvssScores {
        score(vector).unwrap_or_else(|e| panic!("{vector}: {e}"))
    }

    fn triple(vector: &str) -> (f64, Option<f64>, Option<f64>) {
        let s = scores(vector);
        (s.base, s.temporal, s.environmental)
    }

    #[test]
    fn v2_groups_are_present_only_when_defined() {
        // FIRST's v2 guide, CVE-2002-0392 worked example.
        let s = scores("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H");
        assert_eq!(
            (s.version, s.base, s.temporal, s.environmental),
            ("2.0", 7.8, Some(6.4), Some(9.2))
        );
        assert_eq!((s.score, s.severity), (9.2, Severity::High));
        assert_eq!(triple("AV:N/AC:L/Au:N/C:P/I:P/A:P"), (7.5, None, None));
        // Not Defined everywhere is the same as absent.
        assert_eq!(
            triple("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND"),
            (7.5, None, None)
        );
        // Rounding half up: 9.0 * 0.95 = 8.55 -> 8.6.
        assert_eq!(
            triple("AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C"),
            (9.0, Some(8.6), None)
        );
    }

    #[test]
    fn v2_zero_is_positive_and_low() {
        let s = scores("AV:L/AC:H/Au:M/C:N/I:N/A:N");
        assert!(s.base == 0.0 && s.base.is_sign_positive());
        assert_eq!(s.severity, Severity::Low);
        assert_eq!(
            scores("AV:N/AC:M/Au:N/C:P/I:P/A:P").severity,
            Severity::Medium
        );
        assert_eq!(
            scores("AV:N/AC:L/Au:N/C:C/I:C/A:C").severity,
            Severity::High
        );
    }

    #[test]
    fn v31_scores_and_severity() {
        let s = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(
            (s.version, s.base, s.temporal, s.environmental, s.score),
            ("3.1", 9.8, None, None, 9.8)
        );
        assert_eq!(s.severity, Severity::Critical);
        // Temporal only: the score is the temporal one.
        let s = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C");
        assert_eq!(
            (s.base, s.temporal, s.environmental),
            (9.8, Some(8.8), None)
        );
        assert_eq!((s.score, s.severity), (8.8, Severity::High));
        // Every group (FIRST's 3.1 calculator).
        assert_eq!(
            triple(
                "CVSS:3.1/AV:A/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N/E:P/RL:T/RC:R/AR:H/MAC:H/MUI:R/MS:C/MC:L/MA:N"
            ),
            (3.7, Some(3.3), Some(3.5))
        );
        assert_eq!(
            scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").severity,
            Severity::None
        );
    }

    #[test]
    fn v30_and_v31_differ_in_the_scope_changed_environmental_equation() {
        // MS:C with the 3.0 exponent (15) and the 3.1 one (13 with the 0.9731 factor).
        let env = "AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H/MS:C";
        assert_eq!(triple(&format!("CVSS:3.0/{env}")), (9.6, None, Some(9.6)));
        assert_eq!(triple(&format!("CVSS:3.1/{env}")), (9.6, None, Some(9.7)));
    }

    #[test]
    fn v30_rounds_up_on_floating_point() {
        // Base 0.0 (no impact), but the environmental group raises availability to Low with
        // AR:H and lowers UI. Modified impact + exploitability = 4.95..., rounded up to 5.0;
        // then 5.0 * RC:U (0.92) is 4.6 exactly in decimal but 4.6000000000000005 in f64.
        // 3.0's Roundup, ceil(x * 10) / 10 on floating point as in FIRST's 3.0 calculator,
        // gives 4.7; 3.1's integer Roundup (Appendix A) was introduced to give 4.6 here.
        let tail = "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N/RC:U/CR:L/IR:M/AR:H/MUI:R/MC:N/MA:L";
        let v30 = scores(&format!("CVSS:3.0/{tail}"));
        assert_eq!(
            (v30.base, v30.temporal, v30.environmental),
            (0.0, Some(0.0), Some(4.7))
        );
        assert_eq!((v30.score, v30.severity), (4.7, Severity::Medium));
        let v31 = scores(&format!("CVSS:3.1/{tail}"));
        assert_eq!(v31.environmental, Some(4.6));
    }

    #[test]
    fn v3_rejects_missing_base_metrics() {
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"),
            Err(CvssError::MissingMetric("S"))
        );
        assert_eq!(
            score("CVSS:3.0/AV:N").map_err(|e| e.to_string()),
            Err("invalid CVSS vector: missing mandatory CVSS 3.x base metric AC".to_string())
        );
    }

    #[test]
    fn v4_base_is_cvss_b_and_score_is_the_whole_vector() {
        let b = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        let s = scores(b);
        assert_eq!(
            (s.version, s.base, s.temporal, s.environmental, s.score),
            ("4.0", 9.3, None, None, 9.3)
        );
        assert_eq!(s.severity, Severity::Critical);
        // Threat metrics lower the score, not CVSS-B (values from the RedHat threat4 file).
        let b = "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
        assert_eq!((scores(b).base, scores(b).score), (7.3, 7.3));
        let s = scores(&format!("{b}/E:P"));
        assert_eq!((s.base, s.score, s.severity), (7.3, 5.9, Severity::Medium));
        let s = scores(&format!("{b}/E:U"));
        assert_eq!((s.base, s.score, s.severity), (7.3, 4.1, Severity::Medium));
        // Supplemental metrics never change a score; lower-case metrics are accepted.
        let s = scores(&format!("{b}/E:U/S:P/AU:Y/U:Red/v:c"));
        assert_eq!((s.base, s.score), (7.3, 4.1));
        // Environmental metrics in any order (security4: CR/IR/AR High are the defaults).
        let s = scores(&format!("{b}/AR:H/CR:H/IR:H"));
        assert_eq!((s.base, s.score), (7.3, 7.3));
        // No impact at all scores 0.0, rated None.
        let s = scores("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N");
        assert_eq!((s.score, s.severity), (0.0, Severity::None));
    }

    #[test]
    fn errors_are_one_clear_line() {
        for (input, needle) in [
            ("", "empty CVSS vector"),
            ("   ", "empty CVSS vector"),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q",
                "invalid CVSS vector",
            ),
            ("CVSS:5.0/AV:N", "unsupported CVSS version"),
            ("CVSS:3.1/AV:N/AV:N", "duplicate"),
            ("AV:N/AC:L/Au:N/C:P/I:P", "missing mandatory"),
            ("CVSS:4.0/AV:N/AC:L", "missing mandatory"),
            ("hello", "invalid CVSS vector"),
        ] {
            let err = score(input).map(|s| s.score).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
            assert!(!err.contains('\n'), "{input:?}: {err}");
        }
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        let s = scores("  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\r\n");
        assert_eq!(s.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    }
}
