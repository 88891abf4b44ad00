//! Version orderings per ecosystem, and evaluation of OSV affected ranges.
//!
//! Matching is only as good as the answer to "is version V inside this advisory's affected
//! ranges?". This crate answers it without IO: [`Scheme`] picks the ordering an ecosystem uses,
//! [`Scheme::parse`] turns a string into a comparable [`Version`], and [`evaluate`] applies the
//! OSV range rules (`introduced`, `fixed`, `last_affected`, `limit`, explicit `versions`).
//!
//! Orderings that are not exact for their ecosystem (the [`Scheme::Generic`] fallback) mark
//! every verdict computed with them as approximate, so the output can say so.

/// Implements `PartialOrd`, `PartialEq` and `Eq` for a version type through its `Ord`, so that
/// equality can never disagree with the ordering (`1.0` = `1.0.0` where a scheme says so).
macro_rules! ord_via_cmp {
    ($t:ty) => {
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }

        impl Eq for $t {}
    };
}

/// Unit-test helpers for a version type with `parse(&str) -> Result<Self, String>`: `v`
/// parses or panics, `cmp` compares two strings, and `lt`, `eq`, `assert_ascending`,
/// `assert_all_equal`, `assert_invalid` assert what the rules say.
#[cfg(test)]
macro_rules! version_test_helpers {
    ($t:ty) => {
        fn v(s: &str) -> $t {
            <$t>::parse(s).unwrap_or_else(|e| panic!("{s} should parse: {e}"))
        }

        #[allow(dead_code)]
        fn cmp(a: &str, b: &str) -> std::cmp::Ordering {
            v(a).cmp(&v(b))
        }

        /// Asserts `a < b` and `b > a`.
        #[allow(dead_code)]
        fn lt(a: &str, b: &str) {
            assert_eq!(v(a).cmp(&v(b)), std::cmp::Ordering::Less, "{a} < {b}");
            assert_eq!(v(b).cmp(&v(a)), std::cmp::Ordering::Greater, "{b} > {a}");
        }

        /// Asserts `a = b`, both ways.
        #[allow(dead_code)]
        fn eq(a: &str, b: &str) {
            assert_eq!(v(a), v(b), "{a} = {b}");
            assert_eq!(v(b).cmp(&v(a)), std::cmp::Ordering::Equal, "{b} = {a}");
        }

        /// Asserts the list is strictly ascending, every pair checked.
        #[allow(dead_code)]
        fn assert_ascending(list: &[&str]) {
            for (i, a) in list.iter().enumerate() {
                for (j, b) in list.iter().enumerate() {
                    assert_eq!(cmp(a, b), i.cmp(&j), "{a} vs {b}");
                }
            }
        }

        /// Asserts every version of the list equals every other.
        #[allow(dead_code)]
        fn assert_all_equal(list: &[&str]) {
            for a in list {
                for b in list {
                    assert_eq!(cmp(a, b), std::cmp::Ordering::Equal, "{a} vs {b}");
                }
            }
        }

        /// Asserts every string of the list is refused.
        #[allow(dead_code)]
        fn assert_invalid(list: &[&str]) {
            for s in list {
                assert!(<$t>::parse(s).is_err(), "{s:?} should be invalid");
            }
        }
    };
}

/// Generic checks every version ordering's tests share.
#[cfg(test)]
pub(crate) mod order_checks {
    use std::cmp::Ordering;
    use std::fmt::Debug;

    use proptest::test_runner::TestCaseError;
    use proptest::{prop_assert, prop_assert_eq};

    /// Every concatenation of up to `depth` pieces of `alphabet`, the empty string included:
    /// an exhaustive set of short inputs in which equal and neighbouring versions are common.
    pub fn all_strings(alphabet: &[&str], depth: usize) -> Vec<String> {
        let mut strings = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..depth {
            let next: Vec<String> = frontier
                .iter()
                .flat_map(|s| alphabet.iter().map(move |a| format!("{s}{a}")))
                .collect();
            strings.extend(next.iter().cloned());
            frontier = next;
        }
        strings
    }

    /// Sorts `versions` and checks every pair: nothing sorts above a later element, the order
    /// is antisymmetric, and equal elements sit next to each other (a total order's sort).
    pub fn assert_sorted_is_total<T: Ord + Debug>(mut versions: Vec<T>) {
        versions.sort();
        for i in 0..versions.len() {
            for j in i + 1..versions.len() {
                let (a, b) = (&versions[i], &versions[j]);
                let o = a.cmp(b);
                assert_ne!(o, Ordering::Greater, "{a:?} > {b:?} after sorting");
                assert_eq!(b.cmp(a), o.reverse(), "{a:?} vs {b:?}");
                if o == Ordering::Equal {
                    assert_eq!(
                        versions[j - 1].cmp(b),
                        Ordering::Equal,
                        "{:?} vs {b:?}",
                        versions[j - 1]
                    );
                    assert_eq!(
                        versions[i + 1].cmp(a),
                        Ordering::Equal,
                        "{:?} vs {a:?}",
                        versions[i + 1]
                    );
                }
            }
        }
    }

    /// The total-order laws on three versions: reflexive, antisymmetric, `==` agreeing with
    /// `cmp`, transitive, and equal versions comparing alike with a third.
    pub fn total_order_holds<T: Ord + Debug>(a: &T, b: &T, c: &T) -> Result<(), TestCaseError> {
        prop_assert_eq!(a.cmp(a), Ordering::Equal);
        prop_assert_eq!(a.cmp(b), b.cmp(a).reverse());
        prop_assert_eq!(a == b, a.cmp(b) == Ordering::Equal);
        if a <= b && b <= c {
            prop_assert!(
                a <= c,
                "{:?} <= {:?} <= {:?} but not {:?} <= {:?}",
                a,
                b,
                c,
                a,
                c
            );
        }
        if a == b {
            prop_assert_eq!(a.cmp(c), b.cmp(c));
        }
        Ok(())
    }
}

mod generic;
mod range;
mod scheme;

pub mod apk;
pub mod cran;
pub mod hackage;
pub mod maven;
pub mod nuget;
pub mod packagist;
pub mod pubdev;

pub use generic::GenericVersion;
pub use range::{
    Event, Range, RangeKind, Verdict, evaluate, fixed_versions_above, upgrade_targets,
};
pub use scheme::{Scheme, Version, VersionError, symbol};
