//! R's package version ordering (`package_version`), used by CRAN and Bioconductor.
//!
//! # Grammar
//!
//! At least two non-negative integers, each one or more ASCII digits, separated by single `.`
//! or `-` characters: `1.2`, `1.2-3`, `0.9.12`, `2024.01-1`. This is R's
//! `valid_package_version` pattern `([[:digit:]]+[.-]){1,}[[:digit:]]+`, anchored at both
//! ends: no spaces, no letters, no empty component, no leading or trailing separator.
//!
//! Each integer must fit R's `integer` type (at most 2147483647); R turns a larger component
//! into `NA`, which makes the version unusable, so such strings are rejected here. Leading
//! zeros are allowed and ignored (`1.01` is 1.1).
//!
//! # Order
//!
//! `.` and `-` are equivalent separators (`1.2-3` = `1.2.3`). Versions compare as integer
//! sequences, component by component, numerically; a missing trailing component counts as
//! `0`. So `1.2` = `1.2.0` = `1.2-0` and `1.2` < `1.2.1` < `1.10`: this is how R's comparison
//! operators order `package_version` objects (they encode each version as a string of
//! fixed-width components right-padded with zeros before comparing).
//!
//! Note that `utils::compareVersion()` differs on one point: it treats a version that runs
//! out as older (`compareVersion("1.2", "1.2.0")` is -1). R itself uses `package_version`
//! comparison for dependency checks (`Depends: pkg (>= 1.2)`, `packageVersion() >= "1.2"`),
//! and OSV's CRAN ranges are evaluated by it, so that is the ordering implemented.

use std::cmp::Ordering;

/// R's largest `integer`.
const R_INTEGER_MAX: u32 = 2_147_483_647;

/// An R package version (`1.2-3`). See the module documentation for the rules.
#[derive(Clone, Debug)]
pub struct CranVersion {
    /// The components, trailing zeros removed (they do not affect the order).
    parts: Vec<u32>,
}

impl CranVersion {
    /// Parses an R package version; `Err` says why the string is not one.
    pub fn parse(s: &str) -> Result<CranVersion, String> {
        if s.is_empty() {
            return Err("empty version".to_string());
        }
        let mut parts = Vec::new();
        for component in s.split(['.', '-']) {
            if component.is_empty() {
                return Err(
                    "components must be non-empty digit runs separated by single `.` or `-`"
                        .to_string(),
                );
            }
            if !component.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "`{component}` is not a non-negative integer (R versions hold only digits, \
                     `.` and `-`)"
                ));
            }
            let digits = component.trim_start_matches('0');
            let value = if digits.is_empty() {
                0
            } else if digits.len() > 10 {
                return Err(format!("component `{component}` exceeds R's integer range"));
            } else {
                // At most 10 digits: fits a u64.
                let n: u64 = digits
                    .parse()
                    .map_err(|_| format!("component `{component}` is not a number"))?;
                u32::try_from(n)
                    .ok()
                    .filter(|&n| n <= R_INTEGER_MAX)
                    .ok_or_else(|| format!("component `{component}` exceeds R's integer range"))?
            };
            parts.push(value);
        }
        if parts.len() < 2 {
            return Err("an R package version needs at least two components (`1.0`)".to_string());
        }
        while parts.last() == Some(&0) {
            parts.pop();
        }
        Ok(CranVersion { parts })
    }
}

impl Ord for CranVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // Trailing zeros are stripped, so plain sequence order equals zero-padded order.
        self.parts.cmp(&other.parts)
    }
}

ord_via_cmp!(CranVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    version_test_helpers!(CranVersion);

    #[test]
    fn components_compare_numerically() {
        lt("1.9", "1.10");
        lt("0.9.22", "0.9.100");
        lt("1.2-3", "1.2-10");
        lt("7.1-12", "7.2-0");
        lt("0.99.99", "1.0");
        lt("2.18.0", "2.18.0.1");
    }

    #[test]
    fn dot_and_dash_are_the_same_separator() {
        eq("1.2-3", "1.2.3");
        eq("1-2-3", "1.2.3");
        lt("1.2-3", "1.2.4");
    }

    #[test]
    fn missing_components_count_as_zero() {
        // R: package_version("1.2") == package_version("1.2.0") is TRUE.
        eq("1.2", "1.2.0");
        eq("1.2", "1.2-0");
        eq("1.0", "1.0.0.0");
        lt("1.2", "1.2.1");
        lt("1.0", "1.0-1");
        lt("1.2.0", "1.2-0-1");
    }

    #[test]
    fn leading_zeros_are_ignored() {
        eq("1.01", "1.1");
        eq("01.2", "1.2");
        lt("1.09", "1.10");
    }

    #[test]
    fn integer_range() {
        lt("1.2147483646", "1.2147483647");
        assert!(CranVersion::parse("1.2147483648").is_err());
        assert!(CranVersion::parse("1.99999999999999999999999").is_err());
        eq("1.0000000000000000000000002", "1.2");
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "", "1", "12", "1.", ".1", "1..2", "1.-2", "1.2-", "-1.2", "1.2a", "v1.2", "1.2 ",
            " 1.2", "1,2", "1_2", "1.2.3b", "١.٢", "1.2\n", "1+2",
        ] {
            assert!(
                CranVersion::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    const VERSION_LIKE: &str = "[0-2]{1,2}([.-][0-2]{1,2}){1,3}";

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), t in "[0-9.-]{0,16}") {
            let _ = CranVersion::parse(&s);
            if let (Ok(a), Ok(b)) = (CranVersion::parse(&t), CranVersion::parse(&s)) {
                let _ = a.cmp(&b);
            }
        }

        #[test]
        fn generated_versions_parse(s in VERSION_LIKE) {
            prop_assert!(CranVersion::parse(&s).is_ok(), "{} should parse", s);
        }

        #[test]
        fn is_a_total_order(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            crate::order_checks::total_order_holds(&v(&a), &v(&b), &v(&c))?;
        }
    }
}
