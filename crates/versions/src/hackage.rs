//! Haskell's package version ordering (Cabal's `Version`, the Package Versioning Policy),
//! used by Hackage and for GHC releases.
//!
//! # Grammar
//!
//! One or more non-negative integers separated by single dots: `0`, `1.0`, `4.15.1.0`. As in
//! Cabal's parser (since Cabal 3.0), each component is at most 9 ASCII digits and has no
//! leading zero (`0` itself is fine, `01` is not). Tags (`1.0-beta`), deprecated since Cabal
//! 2.0 and never accepted by Hackage, are rejected, as is anything else: spaces, letters, an
//! empty component, a leading or trailing dot.
//!
//! # Order
//!
//! Versions compare as lists of integers, lexicographically: component by component,
//! numerically, and a version that is a proper prefix of another sorts first. So
//! `1.0` < `1.0.0` < `1.0.0.1` < `1.0.1` < `1.1` < `1.10`, and two versions are equal only when
//! they have the same components (`1.0` ≠ `1.0.0`).

use std::cmp::Ordering;

/// A Hackage package version (`1.2.3.4`). See the module documentation for the rules.
#[derive(Clone, Debug)]
pub struct HackageVersion {
    parts: Vec<u32>,
}

impl HackageVersion {
    /// Parses a Cabal version; `Err` says why the string is not one.
    pub fn parse(s: &str) -> Result<HackageVersion, String> {
        if s.is_empty() {
            return Err("empty version".to_string());
        }
        let mut parts = Vec::new();
        for component in s.split('.') {
            if component.is_empty() {
                return Err(
                    "components must be non-empty digit runs separated by single dots".to_string(),
                );
            }
            if !component.bytes().all(|b| b.is_ascii_digit()) {
                let reason = if component.contains('-') {
                    "version tags (`-tag`) are not supported"
                } else {
                    "Hackage versions hold only digits and dots"
                };
                return Err(format!(
                    "`{component}` is not a non-negative integer: {reason}"
                ));
            }
            if component.len() > 1 && component.starts_with('0') {
                return Err(format!("component `{component}` has a leading zero"));
            }
            if component.len() > 9 {
                return Err(format!("component `{component}` has more than 9 digits"));
            }
            // At most 9 digits: always fits a u32.
            let n: u32 = component
                .parse()
                .map_err(|_| format!("component `{component}` is not a number"))?;
            parts.push(n);
        }
        Ok(HackageVersion { parts })
    }
}

impl Ord for HackageVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

ord_via_cmp!(HackageVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    version_test_helpers!(HackageVersion);

    #[test]
    fn components_compare_numerically() {
        lt("1.9", "1.10");
        lt("0.9.9.9", "0.10");
        lt("4.15.0.0", "4.15.1.0");
        lt("9.2.8", "9.10.1");
        lt("999999999", "999999999.0");
        assert_eq!(v("1.2.3"), v("1.2.3"));
    }

    #[test]
    fn prefix_sorts_first() {
        lt("1", "1.0");
        lt("1.0", "1.0.0");
        lt("1.0.0", "1.0.0.0");
        lt("1.0.0.1", "1.0.1");
        assert_ne!(v("1.0"), v("1.0.0"));
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "01",
            "1.00",
            "1.02",
            "1234567890",
            "1.0-beta",
            "1.0-",
            "v1.0",
            "1.0 ",
            " 1.0",
            "1.0a",
            "1,0",
            "-1",
            "1.-1",
            "１.0",
            "1.0\n",
        ] {
            assert!(
                HackageVersion::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(HackageVersion::parse("0").is_ok());
        assert!(HackageVersion::parse("0.0.0.0").is_ok());
        assert!(HackageVersion::parse("123456789.0").is_ok());
    }

    const VERSION_LIKE: &str = "(0|[1-3][0-2]?)(\\.(0|[1-3][0-2]?)){0,3}";

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), t in "[0-9.-]{0,16}") {
            let _ = HackageVersion::parse(&s);
            if let (Ok(a), Ok(b)) = (HackageVersion::parse(&t), HackageVersion::parse(&s)) {
                let _ = a.cmp(&b);
            }
        }

        #[test]
        fn generated_versions_parse(s in VERSION_LIKE) {
            prop_assert!(HackageVersion::parse(&s).is_ok(), "{} should parse", s);
        }

        #[test]
        fn is_a_total_order(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            crate::order_checks::total_order_holds(&v(&a), &v(&b), &v(&c))?;
        }
    }
}
