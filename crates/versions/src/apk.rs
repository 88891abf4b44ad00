//! Alpine's apk-tools version ordering, also used by Wolfi and Chainguard.
//!
//! # Grammar
//!
//! `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`, every part ASCII:
//!
//! * a first number: one or more digits (`0`-`9`);
//! * any number of `.number` components;
//! * at most one lower-case `letter` (`a`-`z`), right after the numbers (`1.2a`); nothing but
//!   a suffix, a hash or a revision may follow it (`1.2a3` and `1.2a.1` are invalid);
//! * any number of `_suffix{number}` components, where `suffix` is exactly one of `alpha`,
//!   `beta`, `pre`, `rc`, `cvs`, `svn`, `git`, `hg`, `p` and the number is optional
//!   (`1.0_alpha_pre2`, `1.0_p20240101`);
//! * an optional `~hash` of one or more lower-case hexadecimal digits (`0`-`9`, `a`-`f`);
//! * an optional `-r` followed by one or more digits, the package revision, which must be last.
//!
//! Anything else (upper case, spaces, an empty component, `-` not followed by `r`, an
//! unknown suffix, text after the revision, an empty string) is rejected, as `apk version
//! --check` rejects it.
//!
//! # Order
//!
//! The version is read as a sequence of tokens (first number, `.number`, letter, suffix,
//! suffix number, hash, revision), and two versions compare token by token:
//!
//! * the first number, suffix numbers and the revision compare numerically (`-r10` > `-r9`,
//!   `01.2` = `1.2`);
//! * a `.number` component compares numerically too, except when either side starts with `0`:
//!   then both compare as strings, byte by byte (apk's rule, inherited from Gentoo, that makes
//!   `1.02` < `1.1` and `8.2.0` < `8.2.001` < `8.2.002`);
//! * letters compare alphabetically, hashes as strings;
//! * suffixes compare by their rank `_alpha` < `_beta` < `_pre` < `_rc` < `_cvs` < `_svn`
//!   < `_git` < `_hg` < `_p`.
//!
//! At the first position where the two token kinds differ, a pre-release suffix (`_alpha`,
//! `_beta`, `_pre`, `_rc`) sorts lowest, so `1.0_rc1` < `1.0` < `1.0_p1`; otherwise the
//! version whose token comes *later* in the grammar sorts lower, with the end of the string
//! latest of all: `1.0` < `1.0-r1` < `1.0~a1` < `1.0_p1` < `1.0a` < `1.0.1`. Two versions are
//! equal only when every token compares equal (`1.0` = `01.0`, `1.0` ≠ `1.0.0`).
//!
//! These are the rules of current apk-tools (the tokenizer that added `~hash`, documented in
//! `apk-package(5)`). Older apk-tools 2.x releases instead ranked a `.0…` component by its
//! count of leading zeros, which answers differently for a few rare strings (`1.0` vs `1.00`,
//! `8.2.0` vs `8.2.001`), accepted digits after the letter (`1.2a3`) and knew no `~hash`; the
//! apk-tools 2.12 test vectors agree with both.
//!
//! # Deviations from apk
//!
//! apk reads numbers into a 64-bit integer that silently wraps; here numbers are compared as
//! digit strings of any length, so only versions with a number above 2^64 − 1 can order
//! differently (apk would mis-order them).

use std::cmp::Ordering;

/// A suffix's rank: pre-releases below the (implicit) release, the rest above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Alpha,
    Beta,
    Pre,
    Rc,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

impl Suffix {
    fn from_name(name: &str) -> Option<Suffix> {
        Some(match name {
            "alpha" => Suffix::Alpha,
            "beta" => Suffix::Beta,
            "pre" => Suffix::Pre,
            "rc" => Suffix::Rc,
            "cvs" => Suffix::Cvs,
            "svn" => Suffix::Svn,
            "git" => Suffix::Git,
            "hg" => Suffix::Hg,
            "p" => Suffix::P,
            _ => return None,
        })
    }

    fn is_pre_release(self) -> bool {
        self <= Suffix::Rc
    }
}

/// One token of a version, in grammar order.
#[derive(Clone, Debug)]
enum Token {
    /// The first number, leading zeros removed.
    Initial(String),
    /// A `.number` component, as written.
    Digit(String),
    /// The single letter.
    Letter(u8),
    /// A `_suffix`.
    Suffix(Suffix),
    /// The number after a suffix, leading zeros removed.
    SuffixNo(String),
    /// The `~hash`, without the `~`.
    Hash(String),
    /// The `-r` number, leading zeros removed.
    Revision(String),
}

impl Token {
    /// The token kind's position in the grammar: initial number 0, `.number` 1, letter 2,
    /// suffix 3, suffix number 4, hash 5, revision 6. A token may only be followed by the
    /// kinds the grammar allows after it.
    fn grammar_position(&self) -> u8 {
        match self {
            Token::Initial(_) => 0,
            Token::Digit(_) => 1,
            Token::Letter(_) => 2,
            Token::Suffix(_) => 3,
            Token::SuffixNo(_) => 4,
            Token::Hash(_) => 5,
            Token::Revision(_) => 6,
        }
    }

    /// Where the token kind sorts when the two versions disagree on the kind at one position
    /// (`None` stands for the end of the version).
    fn class(token: Option<&Token>) -> u8 {
        match token {
            Some(Token::Suffix(s)) if s.is_pre_release() => 0,
            None => 1,
            Some(Token::Revision(_)) => 2,
            Some(Token::Hash(_)) => 3,
            Some(Token::SuffixNo(_)) => 4,
            Some(Token::Suffix(_)) => 5,
            Some(Token::Letter(_)) => 6,
            Some(Token::Digit(_)) => 7,
            Some(Token::Initial(_)) => 8,
        }
    }
}

/// An apk version (`1.2.3_rc1-r0`). See the module documentation for the rules.
#[derive(Clone, Debug)]
pub struct ApkVersion {
    tokens: Vec<Token>,
}

/// Digits with leading zeros removed (zero becomes the empty string).
fn strip_zeros(digits: &str) -> String {
    digits.trim_start_matches('0').to_string()
}

/// Compares two digit strings without leading zeros as numbers of any length.
fn cmp_numeric(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Splits the longest prefix of `s` whose bytes satisfy `pred`.
fn take_while(s: &str, pred: impl Fn(u8) -> bool) -> (&str, &str) {
    let n = s.bytes().take_while(|&b| pred(b)).count();
    // `n` counts ASCII bytes from the start, so it is a char boundary.
    s.split_at_checked(n).unwrap_or((s, ""))
}

impl ApkVersion {
    /// Parses an apk version; `Err` says why the string is not one.
    pub fn parse(s: &str) -> Result<ApkVersion, String> {
        let (first, mut rest) = take_while(s, |b| b.is_ascii_digit());
        if first.is_empty() {
            return Err("an apk version must start with a digit".to_string());
        }
        let mut tokens = vec![Token::Initial(strip_zeros(first))];
        loop {
            let mut chars = rest.chars();
            let Some(c) = chars.next() else { break };
            let tail = chars.as_str();
            // What may follow depends on the kind of the last token (apk's token order).
            let last = tokens.last().map_or(0, Token::grammar_position);
            match c {
                '.' if last <= 1 => {
                    let (digits, r) = take_while(tail, |b| b.is_ascii_digit());
                    if digits.is_empty() {
                        return Err("`.` must be followed by a number".to_string());
                    }
                    tokens.push(Token::Digit(digits.to_string()));
                    rest = r;
                }
                'a'..='z' if last <= 1 => {
                    tokens.push(Token::Letter(c as u8));
                    rest = tail;
                }
                '0'..='9' if last == 3 => {
                    let (digits, r) = take_while(rest, |b| b.is_ascii_digit());
                    tokens.push(Token::SuffixNo(strip_zeros(digits)));
                    rest = r;
                }
                '_' if last <= 4 => {
                    let (name, r) = take_while(tail, |b| b.is_ascii_lowercase());
                    let suffix = Suffix::from_name(name).ok_or_else(|| {
                        format!(
                            "unknown suffix `_{name}` (expected alpha, beta, pre, rc, cvs, \
                             svn, git, hg or p)"
                        )
                    })?;
                    tokens.push(Token::Suffix(suffix));
                    rest = r;
                }
                '~' if last <= 4 => {
                    let (hash, r) = take_while(tail, |b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                    if hash.is_empty() {
                        return Err("`~` must be followed by lower-case hex digits".to_string());
                    }
                    tokens.push(Token::Hash(hash.to_string()));
                    rest = r;
                }
                '-' if last <= 5 => {
                    let Some(after_r) = tail.strip_prefix('r') else {
                        return Err("`-` may only start the `-r<number>` revision".to_string());
                    };
                    let (digits, r) = take_while(after_r, |b| b.is_ascii_digit());
                    if digits.is_empty() {
                        return Err("`-r` must be followed by a number".to_string());
                    }
                    tokens.push(Token::Revision(strip_zeros(digits)));
                    rest = r;
                }
                _ => {
                    return Err(format!(
                        "unexpected `{}` at byte {}",
                        c.escape_debug(),
                        s.len() - rest.len()
                    ));
                }
            }
        }
        Ok(ApkVersion { tokens })
    }
}

/// Compares two tokens of the same class.
fn cmp_same_class(a: &Token, b: &Token) -> Ordering {
    match (a, b) {
        (Token::Initial(x), Token::Initial(y))
        | (Token::SuffixNo(x), Token::SuffixNo(y))
        | (Token::Revision(x), Token::Revision(y)) => cmp_numeric(x, y),
        (Token::Digit(x), Token::Digit(y)) => {
            if x.starts_with('0') || y.starts_with('0') {
                x.as_bytes().cmp(y.as_bytes())
            } else {
                cmp_numeric(x, y)
            }
        }
        (Token::Letter(x), Token::Letter(y)) => x.cmp(y),
        (Token::Suffix(x), Token::Suffix(y)) => x.cmp(y),
        (Token::Hash(x), Token::Hash(y)) => x.as_bytes().cmp(y.as_bytes()),
        // Tokens of one class are always of one kind; keep the order total regardless.
        _ => Ordering::Equal,
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let mut a = self.tokens.iter();
        let mut b = other.tokens.iter();
        loop {
            let (x, y) = (a.next(), b.next());
            let (cx, cy) = (Token::class(x), Token::class(y));
            if cx != cy {
                return cx.cmp(&cy);
            }
            match (x, y) {
                (Some(x), Some(y)) => match cmp_same_class(x, y) {
                    Ordering::Equal => {}
                    o => return o,
                },
                _ => return Ordering::Equal,
            }
        }
    }
}

ord_via_cmp!(ApkVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    version_test_helpers!(ApkVersion);

    #[test]
    fn numbers_compare_numerically() {
        lt("1.2", "1.10");
        lt("1.9.9", "1.10");
        lt("9", "10");
        lt("1.2", "1.2.1");
        lt("1.2.1", "1.3");
        eq("1.2.3", "1.2.3");
        // The first number has no leading-zero rule.
        eq("01.2", "1.2");
        lt("087-r1", "103");
    }

    #[test]
    fn leading_zero_components_compare_as_strings() {
        // Either side starting with `0` switches a `.number` to a byte-wise comparison.
        lt("1.02", "1.1");
        lt("1.01", "1.02");
        lt("1.0", "1.00");
        lt("8.2.0", "8.2.001");
        lt("8.2.0015", "8.2.002");
        lt("1.0.1", "1.06-r1");
        lt("1.099", "1.1");
        // `1.0` and `1.00` are different versions.
        assert_ne!(v("1.0"), v("1.00"));
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        let big = "123456789012345678901234567890";
        let bigger = "123456789012345678901234567891";
        lt(big, bigger);
        lt(&format!("1.{big}"), &format!("1.{bigger}"));
        lt(&format!("1_p{big}"), &format!("1_p{bigger}"));
        lt(&format!("1-r{big}"), &format!("1-r{bigger}"));
        lt("18446744073709551615", "18446744073709551616");
        eq(&format!("000{big}"), big);
    }

    #[test]
    fn letter_after_the_numbers() {
        lt("1.2", "1.2a");
        lt("1.2a", "1.2b");
        lt("1.2z", "1.2.1");
        lt("2.3.0b-r1", "2.3.0b-r2");
        lt("1.7", "1.7b");
        lt("2.12r-r4", "2.12r-r5");
    }

    #[test]
    fn suffix_order() {
        let order = [
            "1.0_alpha",
            "1.0_beta",
            "1.0_pre",
            "1.0_rc",
            "1.0",
            "1.0_cvs",
            "1.0_svn",
            "1.0_git",
            "1.0_hg",
            "1.0_p",
        ];
        for w in order.windows(2) {
            lt(w[0], w[1]);
        }
        lt("1.0_p", "1.0.1");
        lt("1.0_p", "1.0a");
        lt("1.0_rc", "1.0-r1");
    }

    #[test]
    fn suffix_numbers() {
        lt("1.0_alpha", "1.0_alpha1");
        lt("1.0_alpha1", "1.0_alpha2");
        lt("1.0_alpha9", "1.0_alpha10");
        lt("1.0_p9", "1.0_p10");
        eq("1.0_p01", "1.0_p1");
        lt("1.0_rc9", "1.0_rc10");
        lt("1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0");
    }

    #[test]
    fn chained_suffixes() {
        // A further pre-release suffix sorts below the shorter version.
        lt("0.1.0_alpha_pre2", "0.1.0_alpha");
        lt("1.0_alpha", "1.0_alpha_p1");
        lt("1.0_git20240101_pre1", "1.0_git20240101");
        lt("6.0_pre1", "6.0");
        lt("6.0", "6.0_p1");
    }

    #[test]
    fn revision() {
        lt("1.0", "1.0-r0");
        lt("1.0-r0", "1.0-r1");
        lt("1.0-r9", "1.0-r10");
        eq("1.0-r01", "1.0-r1");
        lt("1.0-r100", "1.0.1");
        lt("1.0-r100", "1.0_p1");
        lt("1.0_rc1-r5", "1.0");
    }

    #[test]
    fn commit_hash() {
        lt("1.0~1234", "1.0~2345");
        lt("1.0~1234-r1", "1.0~2345-r0");
        lt("1.0~1234-r0", "1.0~1234-r1");
        lt("1.0~a", "1.0~ab");
        // A hash sorts above the bare version and its revisions, below any further component.
        lt("1.0", "1.0~abc");
        lt("1.0-r5", "1.0~abc");
        lt("1.0~abc", "1.0_p1");
        lt("1.0~abc", "1.0.1");
        lt("1.0_rc1~abc", "1.0");
        assert!(ApkVersion::parse("0.1_pre2~1234abcd").is_ok());
    }

    #[test]
    fn token_kinds_order_when_they_differ() {
        let order = [
            "1.0_alpha",
            "1.0_rc1",
            "1.0",
            "1.0-r1",
            "1.0~a1",
            "1.0_cvs",
            "1.0_p1",
            "1.0a",
            "1.0.1",
        ];
        for w in order.windows(2) {
            lt(w[0], w[1]);
        }
        // Apk's rule: a suffix number sorts below a further non-pre-release suffix.
        lt("1.0_p1", "1.0_p_p");
        lt("1.0_p_alpha", "1.0_p");
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "",
            "a",
            ".1",
            "_pre1",
            "-r1",
            "v1.0",
            "1.",
            "1..2",
            "1.0.",
            "0.1bc",
            "0.1bc1",
            "0.1a1",
            "0.1a.1",
            "0.1_pre2~",
            "0.1_pre2~1234xbcd",
            "0.1_pre2~ABCD",
            "0.1_pre2~1234abcd_pre1",
            "0.1_pre2-r1~1234abcd",
            "0.1_foobar",
            "0.1_foobar1",
            "0.1_alphabeta",
            "0.1-pre1.1",
            "0.1-r",
            "0.1-r2_pre1",
            "0.1-r2_p3_pre1",
            "0.1-r2-r3",
            "0.1-r2.1",
            "0.1_",
            "0.1_-r0",
            "0.1__alpha",
            "0.1_1_alpha",
            "0.1_pre.1",
            "0.1_prea",
            "0.1~ab~cd",
            "0.1~ab.1",
            "1.0A",
            "1.0 ",
            " 1.0",
            "1.0-1",
            "1.0\0",
            "1.0é",
            "１.０",
        ] {
            assert!(
                ApkVersion::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn accepts_valid_versions() {
        for good in [
            "0",
            "1.2",
            "0.1_pre2",
            "0.1_pre2~1234abcd",
            "0.1_p1_pre2",
            "0.1_alpha1_pre2",
            "0.1_git20240101_pre1",
            "1.2.3a_rc1~deadbeef-r12",
            "2.3.0b-r1",
            "20040406-r1",
            "1.0_p",
            "1.0a~0",
        ] {
            assert!(ApkVersion::parse(good).is_ok(), "{good:?} should parse");
        }
    }

    /// A version-like string for the order properties: small numbers (with leading zeros)
    /// and a small alphabet make equal and neighbouring tokens frequent.
    const VERSION_LIKE: &str = "[0-2]{1,2}(\\.[0-2]{1,2}){0,2}[ab]?\
        (_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-2]{0,2}){0,2}(~[0-9a-f]{1,2})?(-r[0-2]{1,2})?";

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), t in "[0-9._~a-z-]{0,16}") {
            let _ = ApkVersion::parse(&s);
            if let (Ok(a), Ok(b)) = (ApkVersion::parse(&t), ApkVersion::parse(&s)) {
                let _ = a.cmp(&b);
            }
        }

        #[test]
        fn generated_versions_parse(s in VERSION_LIKE) {
            prop_assert!(ApkVersion::parse(&s).is_ok(), "{} should parse", s);
        }

        #[test]
        fn is_a_total_order(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            crate::order_checks::total_order_holds(&v(&a), &v(&b), &v(&c))?;
        }
    }
}
