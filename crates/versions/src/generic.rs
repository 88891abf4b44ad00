//! The generic fallback ordering, for ecosystems without an exact implementation.

use std::cmp::Ordering;

/// One run of a version string: digits compare as numbers, letters as text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Num(u128),
    Text(String),
}

/// A version split into numeric and alphabetic runs (`1.2rc3` → 1, 2, "rc", 3).
///
/// Separators (`.`, `-`, `_`, `+`, `~`, ...) only split runs. Runs compare pairwise; a number
/// beats text at the same position (`1.0.1` > `1.0.beta`); when one version runs out, it is
/// lower if the other continues with a number (`1.0` < `1.0.1`) and higher if the other
/// continues with text (`1.0` > `1.0rc1`), the usual pre-release convention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericVersion {
    parts: Vec<Part>,
}

impl GenericVersion {
    /// Splits a version string; `None` when it holds no digit or letter at all.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = Vec::new();
        let mut chars = s.trim().chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                let mut digits = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(d);
                    chars.next();
                }
                let trimmed = digits.trim_start_matches('0');
                // Absurdly long digit runs saturate instead of failing: the order stays total.
                let n = if trimmed.len() > 38 {
                    u128::MAX
                } else {
                    trimmed.parse().unwrap_or(0)
                };
                parts.push(Part::Num(n));
            } else if c.is_alphabetic() {
                let mut text = String::new();
                while let Some(&a) = chars.peek().filter(|a| a.is_alphabetic()) {
                    text.extend(a.to_lowercase());
                    chars.next();
                }
                parts.push(Part::Text(text));
            } else {
                chars.next();
            }
        }
        if parts.is_empty() {
            None
        } else {
            Some(GenericVersion { parts })
        }
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let mut a = self.parts.iter();
        let mut b = other.parts.iter();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return Ordering::Equal,
                (Some(Part::Num(_)), None) => return Ordering::Greater,
                (Some(Part::Text(_)), None) => return Ordering::Less,
                (None, Some(Part::Num(_))) => return Ordering::Less,
                (None, Some(Part::Text(_))) => return Ordering::Greater,
                (Some(Part::Num(x)), Some(Part::Num(y))) => match x.cmp(y) {
                    Ordering::Equal => {}
                    o => return o,
                },
                (Some(Part::Text(x)), Some(Part::Text(y))) => match x.cmp(y) {
                    Ordering::Equal => {}
                    o => return o,
                },
                (Some(Part::Num(_)), Some(Part::Text(_))) => return Ordering::Greater,
                (Some(Part::Text(_)), Some(Part::Num(_))) => return Ordering::Less,
            }
        }
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> GenericVersion {
        GenericVersion::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn orders_common_shapes() {
        assert!(v("1.0") < v("1.0.1"));
        assert!(v("1.0rc1") < v("1.0"));
        assert!(v("1.0.beta") < v("1.0.1"));
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("1.01"), v("1.1"));
        assert!(GenericVersion::parse("..--").is_none());
    }

    proptest! {
        #[test]
        fn is_a_total_order(a in "\\PC{0,12}", b in "\\PC{0,12}", c in "\\PC{0,12}") {
            let (Some(a), Some(b), Some(c)) = (GenericVersion::parse(&a), GenericVersion::parse(&b), GenericVersion::parse(&c)) else {
                return Ok(());
            };
            prop_assert_eq!(a.cmp(&a), Ordering::Equal);
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
        }
    }
}
