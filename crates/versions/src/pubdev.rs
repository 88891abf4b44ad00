//! Dart's pub ordering (`package:pub_semver`'s `Version`), used by pub.dev.
//!
//! # Grammar
//!
//! `major.minor.patch[-prerelease][+build]`, the whole string and nothing else:
//!
//! * `major`, `minor`, `patch`: one or more ASCII digits; leading zeros are allowed (`01.2.3`
//!   is 1.2.3). Each must fit Dart's 64-bit `int` (at most 9223372036854775807), as
//!   `Version.parse` fails otherwise.
//! * `prerelease` and `build`: one or more dot-separated identifiers, each one or more of
//!   `[0-9A-Za-z-]` (no empty identifier, no leading or trailing dot).
//!
//! # Order
//!
//! 1. `major`, `minor`, `patch` compare numerically.
//! 2. A version with a pre-release sorts before the same version without one
//!    (`1.0.0-rc.1` < `1.0.0`).
//! 3. Pre-release identifier lists compare left to right; a list that runs out first sorts
//!    first (`1.0.0-a` < `1.0.0-a.1`).
//! 4. Unlike SemVer 2.0, build metadata is ordered: with everything above equal, a version
//!    without a build sorts before one with a build (`1.0.0` < `1.0.0+1`), and builds compare
//!    as identifier lists exactly like pre-releases (`1.0.0+1` < `1.0.0+2` < `1.0.0+a`).
//!
//! Identifiers compare as in `pub_semver`: an identifier is numeric when Dart's
//! `int.tryParse` reads it, i.e. decimal digits with an optional leading `-` (`7`, `007`,
//! `-1`) or a `0x`/`0X` hexadecimal literal (`0x1f`), within Dart's 64-bit range (a positive
//! hexadecimal literal up to 0xFFFFFFFFFFFFFFFF wraps to a negative value, as in Dart).
//! Numbers compare numerically and sort before text; text compares by code unit (ASCII
//! order, so upper case before lower case). An identifier that does not fit 64 bits is text.
//!
//! Two versions are equal when all of this compares equal, which happens for different
//! strings only through numeric spellings (`1.0.0-01` = `1.0.0-1` = `1.0.0-0x1`,
//! `01.2.3` = `1.2.3`).

use std::cmp::Ordering;

/// One dot-separated pre-release or build identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ident {
    Num(i64),
    Text(String),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Text(_)) => Ordering::Less,
            (Ident::Text(_), Ident::Num(_)) => Ordering::Greater,
            (Ident::Text(a), Ident::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A pub version (`1.2.3-dev.1+build.5`). See the module documentation for the rules.
#[derive(Clone, Debug)]
pub struct PubVersion {
    major: i64,
    minor: i64,
    patch: i64,
    pre: Vec<Ident>,
    build: Vec<Ident>,
}

/// Reads an identifier as Dart's `int.tryParse` would (the identifier holds only
/// `[0-9A-Za-z-]`, so whitespace and `+` cannot occur).
fn dart_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let hex = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"));
    if let Some(digits) = hex {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let magnitude = u128::from_str_radix(digits.trim_start_matches('0'), 16)
            .ok()
            .or_else(|| digits.bytes().all(|b| b == b'0').then_some(0))?;
        return if negative {
            // Down to i64::MIN.
            i64::try_from(-i128::try_from(magnitude).ok()?).ok()
        } else {
            // Dart accepts positive hexadecimal literals up to 2^64 - 1 and wraps them.
            u64::try_from(magnitude).ok().map(|m| m as i64)
        };
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = body.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some(0);
    }
    // At most 19 significant digits can fit; longer strings are text, as in Dart.
    if trimmed.len() > 19 {
        return None;
    }
    let magnitude: i128 = trimmed.parse().ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Splits a pre-release or build part into identifiers, checking the grammar.
fn identifiers(part: &str, what: &str) -> Result<Vec<Ident>, String> {
    part.split('.')
        .map(|id| {
            if id.is_empty() {
                return Err(format!("empty {what} identifier in `{part}`"));
            }
            if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!(
                    "{what} identifier `{id}` may only hold ASCII letters, digits and `-`"
                ));
            }
            Ok(match dart_int(id) {
                Some(n) => Ident::Num(n),
                None => Ident::Text(id.to_string()),
            })
        })
        .collect()
}

/// Reads `major`, `minor` or `patch`.
fn core_number(s: &str, what: &str) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} version `{s}` is not a number"));
    }
    let trimmed = s.trim_start_matches('0');
    if trimmed.is_empty() {
        return Ok(0);
    }
    if trimmed.len() > 19 {
        return Err(format!(
            "{what} version `{s}` exceeds Dart's 64-bit integers"
        ));
    }
    trimmed
        .parse::<i64>()
        .map_err(|_| format!("{what} version `{s}` exceeds Dart's 64-bit integers"))
}

impl PubVersion {
    /// Parses a pub version; `Err` says why the string is not one.
    pub fn parse(s: &str) -> Result<PubVersion, String> {
        if s.is_empty() {
            return Err("empty version".to_string());
        }
        // The core holds no `-` or `+`; the pre-release runs to the first `+`.
        let (rest, build) = match s.split_once('+') {
            Some((rest, build)) => (rest, Some(build)),
            None => (s, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let mut numbers = core.split('.');
        let (Some(major), Some(minor), Some(patch), None) = (
            numbers.next(),
            numbers.next(),
            numbers.next(),
            numbers.next(),
        ) else {
            return Err(format!(
                "`{core}` is not `major.minor.patch` (exactly three numbers)"
            ));
        };
        let major = core_number(major, "major")?;
        let minor = core_number(minor, "minor")?;
        let patch = core_number(patch, "patch")?;
        let pre = match pre {
            Some(p) => identifiers(p, "pre-release")?,
            None => Vec::new(),
        };
        let build = match build {
            Some(b) => identifiers(b, "build")?,
            None => Vec::new(),
        };
        Ok(PubVersion {
            major,
            minor,
            patch,
            pre,
            build,
        })
    }
}

impl Ord for PubVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                // Slice order: element-wise, then the shorter list first.
                _ => self.pre.cmp(&other.pre),
            })
            // Also covers "no build before a build": the empty list is the shortest.
            .then_with(|| self.build.cmp(&other.build))
    }
}

ord_via_cmp!(PubVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    version_test_helpers!(PubVersion);

    #[test]
    fn core_numbers() {
        lt("1.2.3", "1.2.4");
        lt("1.2.9", "1.2.10");
        lt("1.9.0", "1.10.0");
        lt("1.99.99", "2.0.0");
        lt("0.0.0", "0.0.1");
        eq("01.02.03", "1.2.3");
        eq("9223372036854775807.0.0", "9223372036854775807.0.0");
        lt("9223372036854775806.0.0", "9223372036854775807.0.0");
    }

    #[test]
    fn pre_release_before_release() {
        lt("1.0.0-alpha", "1.0.0");
        lt("1.0.0-rc.1", "1.0.0");
        lt("1.0.0", "1.0.1-alpha");
        // The SemVer 2.0 precedence example.
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in order.windows(2) {
            lt(w[0], w[1]);
        }
    }

    #[test]
    fn identifiers_compare_like_pub_semver() {
        lt("1.0.0-1", "1.0.0-a");
        lt("1.0.0-2", "1.0.0-10");
        lt("1.0.0-Z", "1.0.0-a");
        lt("1.0.0-a.b", "1.0.0-a-b");
        lt("1.0.0-a", "1.0.0-a.0");
        eq("1.0.0-01", "1.0.0-1");
        // Dart's `int.tryParse` also reads a sign and hexadecimal literals.
        lt("1.0.0--1", "1.0.0-0");
        eq("1.0.0-0x10", "1.0.0-16");
        eq("1.0.0-0X1f", "1.0.0-31");
        lt("1.0.0-0xffffffffffffffff", "1.0.0-0");
        lt("1.0.0-0x", "1.0.0-0y");
        // Beyond 64 bits an identifier is text, and text sorts after numbers.
        lt("1.0.0-9223372036854775807", "1.0.0-9223372036854775808");
        lt("1.0.0-99999999999999999999", "1.0.0-a");
        lt("1.0.0-100000000000000000000", "1.0.0-99999999999999999999");
    }

    #[test]
    fn build_is_ordered() {
        lt("1.0.0", "1.0.0+1");
        lt("1.0.0+1", "1.0.0+2");
        lt("1.0.0+2", "1.0.0+10");
        lt("1.0.0+10", "1.0.0+a");
        lt("1.0.0+a", "1.0.0+a.1");
        lt("1.0.0+build.1", "1.0.0+build.2");
        // Build only breaks ties after the pre-release.
        lt("1.0.0-rc.1+999", "1.0.0-rc.2");
        lt("1.0.0-rc.1+999", "1.0.0");
        lt("1.0.0-rc.1", "1.0.0-rc.1+0");
        lt("1.0.0+zzz", "1.0.1");
        eq("1.0.0+01", "1.0.0+1");
        assert_ne!(v("1.0.0"), v("1.0.0+0"));
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "v1.2.3",
            "=1.2.3",
            " 1.2.3",
            "1.2.3 ",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-+b",
            "1.2.3-a..b",
            "1.2.3-.a",
            "1.2.3-a.",
            "1.2.3+a+b",
            "1.2.3-a_b",
            "1.2.3-é",
            "1.2.3\n",
            "1..3",
            "a.b.c",
            "-1.2.3",
            "1.-2.3",
            "１.2.3",
            "9223372036854775808.0.0",
            "1.2.99999999999999999999",
        ] {
            assert!(
                PubVersion::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(PubVersion::parse("1.2.3-a-.--.0x+-.b").is_ok());
    }

    const VERSION_LIKE: &str = "[0-2]{1,2}\\.[0-2]\\.[0-2](-([0-2]{1,2}|-1|0x1|[a-cA]{1,2}|a-1)\
        (\\.([0-2]{1,2}|[a-c]{1,2})){0,2})?(\\+([0-2]{1,2}|[a-c]{1,2})(\\.([0-2]|[ab])){0,2})?";

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), t in "[0-9.+a-fxX-]{0,24}") {
            let _ = PubVersion::parse(&s);
            if let (Ok(a), Ok(b)) = (PubVersion::parse(&t), PubVersion::parse(&s)) {
                let _ = a.cmp(&b);
            }
        }

        #[test]
        fn generated_versions_parse(s in VERSION_LIKE) {
            prop_assert!(PubVersion::parse(&s).is_ok(), "{} should parse", s);
        }

        #[test]
        fn is_a_total_order(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            crate::order_checks::total_order_holds(&v(&a), &v(&b), &v(&c))?;
        }
    }
}
