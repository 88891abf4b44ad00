//! NuGet version ordering: NuGet.Versioning's `NuGetVersion.Parse` and the default
//! `VersionComparer`, i.e. SemVer 2.0.0 precedence extended to NuGet's four-part versions, as
//! the NuGet documentation ("Package versioning") describes it.
//!
//! # Syntax
//!
//! `N[.N[.N[.N]]][-label[.label…]][+metadata[.metadata…]]`, after white space around the
//! whole string is removed.
//! * The first `-` or `+` ends the numeric part; after a `-`, the first `+` starts the
//!   metadata.
//! * 1 to 4 numeric parts of ASCII digits, each at most 2147483647 (.NET `Int32`), leading
//!   zeros allowed (`1.01` = `1.1`). ASCII white space around a part is tolerated, as .NET's
//!   `Version.TryParse` tolerates it (`1. 2` = `1.2`); trailing NUL characters, which .NET
//!   also skips there, are refused.
//! * **No leading `v`**: NuGet's parser refuses `v1.0.0`, and so do we.
//! * Labels: non-empty, of `[0-9A-Za-z-]`; a label of digits only may not have a leading zero
//!   (`1.0.0-01` is invalid, `1.0.0-0a` is fine).
//! * Metadata: non-empty dot-separated parts of `[0-9A-Za-z-]` (leading zeros allowed).
//!
//! # Order
//!
//! 1. The four numbers, a missing part being 0: `1` = `1.0` = `1.0.0` = `1.0.0.0` <
//!    `1.0.0.1` < `1.0.1`.
//! 2. A version with labels (a pre-release) is below the same numbers without.
//! 3. Labels compare one by one: two numeric labels by value, a numeric label below a
//!    textual one, two textual labels ordinally ignoring ASCII case (`beta` = `BETA`). A label
//!    is numeric when .NET's `int.TryParse` reads it: digits with an optional leading `-`
//!    (`-1` is minus one), within `Int32`; a longer run of digits (`2147483648`) is textual,
//!    exactly as NuGet compares it. When all shared labels are equal, fewer labels is lower
//!    (`1.0.0-alpha` < `1.0.0-alpha.1`).
//! 4. Metadata is ignored: `1.0.0+a` = `1.0.0+b` = `1.0.0`.

use std::cmp::Ordering;

/// The largest value of a numeric part (.NET `Int32.MaxValue`).
const INT32_MAX: u64 = 2_147_483_647;

/// A NuGet package version, ordered as NuGet does (see the module documentation).
#[derive(Clone, Debug)]
pub struct NuGetVersion {
    /// The string as given (shown by `Debug`).
    #[allow(dead_code)]
    original: String,
    /// Major, minor, patch and revision; missing parts are 0.
    parts: [u32; 4],
    /// Release labels; empty for a release.
    labels: Vec<Label>,
}

/// One release label.
#[derive(Clone, Debug)]
enum Label {
    /// Read as a number by `int.TryParse`.
    Numeric(i32),
    /// Any other label, compared ignoring ASCII case.
    Text(Box<str>),
}

impl Label {
    fn new(s: &str) -> Label {
        match parse_int32(s) {
            Some(n) => Label::Numeric(n),
            None => Label::Text(s.into()),
        }
    }

    fn cmp(&self, other: &Label) -> Ordering {
        match (self, other) {
            (Label::Numeric(a), Label::Numeric(b)) => a.cmp(b),
            (Label::Numeric(_), Label::Text(_)) => Ordering::Less,
            (Label::Text(_), Label::Numeric(_)) => Ordering::Greater,
            (Label::Text(a), Label::Text(b)) => a
                .bytes()
                .map(|c| c.to_ascii_uppercase())
                .cmp(b.bytes().map(|c| c.to_ascii_uppercase())),
        }
    }
}

/// `int.TryParse` on a label: an optional `-`, then ASCII digits, within `Int32`.
fn parse_int32(s: &str) -> Option<i32> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let value = parse_digits(digits, INT32_MAX + u64::from(negative))?;
    let value = if negative {
        -i64::try_from(value).ok()?
    } else {
        i64::try_from(value).ok()?
    };
    i32::try_from(value).ok()
}

/// ASCII digits (at least one) with a value at most `max`, without overflowing.
fn parse_digits(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = s.trim_start_matches('0');
    if significant.len() > 19 {
        return None;
    }
    let value = if significant.is_empty() {
        0
    } else {
        significant.parse::<u64>().ok()?
    };
    (value <= max).then_some(value)
}

/// White space .NET's integer parsing skips around a number.
fn is_number_white(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// A label or metadata part: non-empty, `[0-9A-Za-z-]`.
fn is_valid_part(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl NuGetVersion {
    /// Parses a NuGet version; `Err` says why NuGet would refuse it.
    pub fn parse(s: &str) -> Result<NuGetVersion, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("empty version".to_string());
        }
        let numeric_end = t.find(['-', '+']).unwrap_or(t.len());
        let (numeric, rest) = t.split_at(numeric_end);
        let (labels, metadata) = if let Some(after_dash) = rest.strip_prefix('-') {
            match after_dash.split_once('+') {
                Some((labels, metadata)) => (Some(labels), Some(metadata)),
                None => (Some(after_dash), None),
            }
        } else {
            (None, rest.strip_prefix('+'))
        };

        if numeric.starts_with(['v', 'V']) {
            return Err("a leading `v` is not allowed in a NuGet version".to_string());
        }
        let pieces: Vec<&str> = numeric.split('.').collect();
        if pieces.len() > 4 {
            return Err(format!(
                "{} numeric parts (at most 4 are allowed)",
                pieces.len()
            ));
        }
        let mut parts = [0u32; 4];
        for (slot, piece) in parts.iter_mut().zip(&pieces) {
            let digits = piece.trim_matches(is_number_white);
            let value = parse_digits(digits, INT32_MAX).ok_or_else(|| {
                if piece.is_empty() {
                    "empty numeric part".to_string()
                } else {
                    format!("`{piece}` is not a number from 0 to 2147483647")
                }
            })?;
            *slot = u32::try_from(value).map_err(|e| e.to_string())?;
        }

        let mut parsed_labels = Vec::new();
        if let Some(labels) = labels {
            for label in labels.split('.') {
                if !is_valid_part(label) {
                    return Err(format!(
                        "pre-release label `{label}` must be non-empty letters, digits or `-`"
                    ));
                }
                if label.len() > 1
                    && label.starts_with('0')
                    && label.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(format!(
                        "numeric pre-release label `{label}` has a leading zero"
                    ));
                }
                parsed_labels.push(Label::new(label));
            }
        }
        if let Some(metadata) = metadata
            && !metadata.split('.').all(is_valid_part)
        {
            return Err(format!(
                "build metadata `{metadata}` must be non-empty dot-separated letters, digits or `-`"
            ));
        }

        Ok(NuGetVersion {
            original: s.to_string(),
            parts,
            labels: parsed_labels,
        })
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts).then_with(|| {
            match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.labels.iter().zip(&other.labels) {
                        let o = a.cmp(b);
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.labels.len().cmp(&other.labels.len())
                }
            }
        })
    }
}

ord_via_cmp!(NuGetVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;
    use proptest::prelude::*;

    version_test_helpers!(NuGetVersion);

    #[test]
    fn nuget_missing_parts_are_zero() {
        assert_all_equal(&["1", "1.0", "1.0.0", "1.0.0.0"]);
        assert_all_equal(&["1.2", "1.2.0", "1.2.0.0"]);
        assert_ascending(&["1.0", "1.0.0.1", "1.0.1", "1.0.1.1", "1.1", "2"]);
    }

    #[test]
    fn nuget_leading_zeros_in_numbers_are_ignored() {
        // Version normalisation in the NuGet docs: 1.00 → 1.0, 1.01.1 → 1.1.1, 1.00.0.1 → 1.0.0.1.
        assert_eq!(cmp("1.00", "1.0"), Equal);
        assert_eq!(cmp("1.01.1", "1.1.1"), Equal);
        assert_eq!(cmp("1.00.0.1", "1.0.0.1"), Equal);
        assert_eq!(cmp("1.10", "1.9"), Greater);
        assert_eq!(cmp("0000000000000000000000001.0", "1.0"), Equal);
    }

    #[test]
    fn nuget_numbers_are_int32() {
        assert_eq!(
            cmp("2147483647.2147483647", "2147483647.2147483646"),
            Greater
        );
        assert_invalid(&[
            "2147483648",
            "1.2147483648",
            "1.0.0.99999999999999999999999999",
        ]);
    }

    #[test]
    fn nuget_syntax() {
        for s in [
            "1.0.0-beta",
            "1.0.0-beta.1+build.5",
            "1.0.0+build",
            "1.0.0+build-1.0a",
            "1.0.0-rc-1",
            "1.0.0-0",
            "1.0.0-0a",
            "1.0.0-a.-1",
            " 1.0.0 ",
            "1. 2",
            "1 .2-beta",
            "1.0.0.0-beta",
            "1.0.0+0001",
        ] {
            assert!(NuGetVersion::parse(s).is_ok(), "{s:?} should parse");
        }
        assert_invalid(&[
            "",
            "   ",
            "v1.0.0",
            "V1.0",
            "1.0.0.0.0",
            "1.",
            ".1",
            "1..2",
            "-1.0",
            "+1.0",
            "1.0-",
            "1.0+",
            "1.0-beta+",
            "1.0-beta.",
            "1.0-.beta",
            "1.0-beta..1",
            "1.0-01",
            "1.0-beta.00",
            "1.0-beta_1",
            "1.0-bêta",
            "1.0+a+b",
            "1.0+a..b",
            "a.b",
            "1.x",
            "1.0\u{0}",
            "١.٠",
        ]);
    }

    #[test]
    fn nuget_cases_nuget_itself_checks() {
        // Behaviour NuGet.Versioning's own test-suite pins down for NuGetVersion.Parse.
        assert_invalid(&[
            "1beta",
            "$version$",
            "1.2Av^c",
            "1.2..",
            "1.2.3.4.5",
            "1.2.3.Beta",
            "So.is.this",
            "1.34.2Alpha",
            "1.4.7-",
            "1.4.7-*",
            "1.4.7+*",
            "1.4.7-AA.01^",
            "1.4.7-A^A",
            "1.4.7+AA.01^",
        ]);
        for s in [
            "1.2.3-X.yZ.3.234.243.3242342+METADATA",
            "1.2.3-X.y3+0",
            "1.0.0009.01-1.1+A",
            "2.1.4.3-pre-1",
            "1.3.2-CTP-2-Refresh-Alpha",
        ] {
            assert!(NuGetVersion::parse(s).is_ok(), "{s}");
        }
        for (a, b) in [
            ("1.0", "1.0.1"),
            ("1.23", "1.231"),
            ("1.4.5.6", "1.45.6"),
            ("1.4.5.6", "1.4.5.60"),
            ("1.01", "1.10"),
            ("1.01-alpha", "1.10-beta"),
            ("1.01.0-RC-1", "1.10.0-rc-2"),
            ("1.01-RC-1", "1.01"),
            ("1.01", "1.2-preview"),
            ("1.999.9999", "2.1.1"),
            ("1.0.0-BETA", "1.0.0-beta2"),
            ("1.0.0-beta+AA", "1.0.0+aa"),
            ("1.0.0-BETA", "1.0.0-beta.1+AA"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.79.0+aa"),
            ("1.0.0-BETA.X.y.5.79.0+AA", "1.0.0-beta.x.y.5.790.0+abc"),
        ] {
            assert_eq!(cmp(a, b), Less, "{a} vs {b}");
        }
        for (a, b) in [
            ("1.0", "1.0.0.0"),
            ("1.23.01", "1.23.1"),
            ("1.45.6", "1.45.6.0"),
            ("1.6.2-BeTa", "1.6.02-beta"),
            ("22.3.07     ", "22.3.07"),
            ("  1.022-Beta", "1.22.0.0-beta"),
            ("1.0.0-BETA+AA", "1.0.0-beta+aa"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.77.0+aa"),
        ] {
            assert_eq!(cmp(a, b), Equal, "{a} vs {b}");
        }
    }

    #[test]
    fn nuget_prerelease_is_below_release() {
        assert_ascending(&[
            "1.0.0-alpha",
            "1.0.0",
            "1.0.0.1-alpha",
            "1.0.0.1",
            "1.0.1-alpha",
        ]);
    }

    #[test]
    fn nuget_semver_precedence_example() {
        // SemVer 2.0.0 §11's example, which NuGet follows.
        assert_ascending(&[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ]);
    }

    #[test]
    fn nuget_labels_ignore_case() {
        assert_all_equal(&["1.0.0-BETA", "1.0.0-beta", "1.0.0-Beta"]);
        assert_eq!(cmp("1.0.0-alpha", "1.0.0-BETA"), Less);
        assert_eq!(cmp("1.0.0-RC.1", "1.0.0-rc.2"), Less);
    }

    #[test]
    fn nuget_numeric_labels() {
        assert_eq!(cmp("1.0.0-2", "1.0.0-10"), Less);
        assert_eq!(cmp("1.0.0-10", "1.0.0-a"), Less, "numeric before text");
        assert_eq!(cmp("1.0.0-beta.10", "1.0.0-beta.9"), Greater);
        // Labels glued to text compare as text: "beta10" < "beta9".
        assert_eq!(cmp("1.0.0-beta10", "1.0.0-beta9"), Less);
        // int.TryParse reads a leading minus sign...
        assert_eq!(cmp("1.0.0-a.-1", "1.0.0-a.0"), Less);
        assert_eq!(cmp("1.0.0-a.-0", "1.0.0-a.0"), Equal);
        // ...but not numbers beyond Int32, which are text and so above every number.
        assert_eq!(cmp("1.0.0-2147483647", "1.0.0-2147483648"), Less);
        assert_eq!(cmp("1.0.0-99999999999", "1.0.0-2147483648"), Greater);
        assert_eq!(
            cmp("1.0.0-99999999999", "1.0.0-a"),
            Less,
            "digits before letters"
        );
        // A sign alone, or a trailing one, is text.
        assert_eq!(cmp("1.0.0--", "1.0.0-0"), Greater);
        assert_eq!(cmp("1.0.0-1-", "1.0.0-2"), Greater);
    }

    #[test]
    fn nuget_more_labels_is_higher_when_shared_ones_match() {
        assert_ascending(&[
            "1.0.0-a",
            "1.0.0-a.0",
            "1.0.0-a.0.0",
            "1.0.0-a.1",
            "1.0.0-a.b",
        ]);
    }

    #[test]
    fn nuget_metadata_is_ignored() {
        assert_all_equal(&["1.0.0", "1.0.0+a", "1.0.0+b.2", "1.0+zzz", "1.0.0.0+x"]);
        assert_all_equal(&["1.0.0-rc.1+a", "1.0.0-RC.1+b"]);
    }

    #[test]
    fn nuget_real_advisory_versions() {
        assert_ascending(&[
            "0.0.1-test1",
            "1.8.3",
            "1.8.3.1",
            "1.8.4",
            "3.0.0-alpha4",
            "3.0.0-beta2",
            "3.0.0",
            "3.9.0-rc1",
            "3.9.0",
            "3.10.0-rc1",
            "3.10.0",
        ]);
    }

    /// Version strings of the OSV NuGet archive in the shared data (`affected[].versions` and
    /// ECOSYSTEM range events), or `None` when the data is absent.
    fn real_nuget_versions() -> Option<Vec<String>> {
        use std::io::Read;
        let dir = std::env::var_os("PATCHWARDEN_SHARED_DATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
            });
        let path = dir.join("osv-all/NuGet-all.zip");
        let Ok(file) = std::fs::File::open(&path) else {
            eprintln!(
                "skipping: {} not found (set PATCHWARDEN_SHARED_DATA)",
                path.display()
            );
            return None;
        };
        let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
        let mut out = std::collections::BTreeSet::new();
        for i in 0..zip.len() {
            let mut text = String::new();
            let mut entry = zip.by_index(i).unwrap_or_else(|e| panic!("{e}"));
            if entry.read_to_string(&mut text).is_err() {
                continue;
            }
            let Ok(record) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            for affected in record["affected"].as_array().into_iter().flatten() {
                let ecosystem = affected["package"]["ecosystem"]
                    .as_str()
                    .unwrap_or_default();
                if !ecosystem.starts_with("NuGet") {
                    continue;
                }
                for v in affected["versions"].as_array().into_iter().flatten() {
                    out.extend(v.as_str().map(str::to_string));
                }
                for range in affected["ranges"].as_array().into_iter().flatten() {
                    if range["type"] != "ECOSYSTEM" {
                        continue;
                    }
                    for event in range["events"].as_array().into_iter().flatten() {
                        for key in ["introduced", "fixed", "last_affected"] {
                            out.extend(event[key].as_str().map(str::to_string));
                        }
                    }
                }
            }
        }
        Some(out.into_iter().collect())
    }

    #[test]
    fn nuget_every_real_advisory_version_parses() {
        let Some(strings) = real_nuget_versions() else {
            return;
        };
        assert!(strings.len() >= 50, "only {} NuGet versions", strings.len());
        let mut versions = Vec::new();
        for s in &strings {
            match NuGetVersion::parse(s) {
                Ok(v) => versions.push(v),
                Err(e) => panic!("real NuGet version {s:?} refused: {e}"),
            }
        }
        versions.sort();
        for pair in versions.windows(2) {
            assert_ne!(pair[0].cmp(&pair[1]), Greater);
        }
        eprintln!("NuGet: all {} real advisory versions parse", strings.len());
    }

    #[test]
    fn nuget_order_is_total_on_all_short_strings() {
        let versions: Vec<NuGetVersion> = crate::order_checks::all_strings(
            &["0", "1", "2", ".", "-", "+", "a", "B", "1.", "-1"],
            4,
        )
        .iter()
        .filter_map(|s| NuGetVersion::parse(s).ok())
        .collect();
        assert!(versions.len() > 1000);
        crate::order_checks::assert_sorted_is_total(versions);
    }

    const VERSION_LIKE: &str = "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-(alpha|beta|rc|RC|pre|0|1|10|-1|x-y)(\\.(0|1|2|11|a|B|-2)){0,3})?(\\+[a-z0-9]{1,3})?";

    proptest! {
        #[test]
        fn nuget_never_panics_on_arbitrary_strings(a in any::<String>(), b in "\\PC{0,40}") {
            if let (Ok(x), Ok(y)) = (NuGetVersion::parse(&a), NuGetVersion::parse(&b)) {
                let _ = x.cmp(&y);
            }
        }

        #[test]
        fn nuget_never_panics_on_number_soup(a in "[0-9 .+\\-a-z]{0,40}") {
            let _ = NuGetVersion::parse(&a);
        }

        #[test]
        fn nuget_order_is_total(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            crate::order_checks::total_order_holds(&v(&a), &v(&b), &v(&c))?;
        }
    }
}
