//! Maven version ordering: the "Version Order Specification" of the POM reference, the
//! ordering of Maven's `ComparableVersion` (the differential test runs Maven 3.8.7's).
//!
//! # Rules
//!
//! 1. **Case.** The string is lower-cased first (full Unicode lower-casing, as Java's
//!    `toLowerCase(Locale.ENGLISH)`), so every comparison is case-insensitive.
//! 2. **Tokens.** The string is split at `.`, at `-`, and at every transition between an
//!    ASCII digit and a non-digit (`1.0alpha1` → `1`, `0`, `alpha`, `1`). Only `.` and `-` are
//!    separators: any other character (`_`, `+`, space, letters of any script, non-ASCII
//!    digits) belongs to a text token. An empty token (`1..2`, `1-.2`, a leading `-`) reads
//!    as `0`.
//! 3. **Separators.** Each token has a prefix: `.` when it follows a dot (or starts the
//!    string), `-` when it follows a hyphen or a digit/letter transition. A text token
//!    ("qualifier") always counts as `-`-prefixed: `1.foo` = `1-foo`, `1.0.RC1` = `1.0-RC1`.
//! 4. **Numbers** are runs of ASCII digits compared by value, of any size (leading zeros are
//!    dropped; nothing is parsed into a fixed-width integer).
//! 5. **Qualifiers** compare in this order, then any other qualifier, those among themselves
//!    lexically (UTF-16 code units, as Java's `String.compareTo`):
//!    `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < `""` = `ga` = `final` =
//!    `release` < `sp` < other. `a`, `b` and `m` directly followed by a digit mean `alpha`,
//!    `beta` and `milestone` (`1-a1` = `1-alpha-1`); elsewhere they are other qualifiers.
//! 6. **Trimming.** The `-`-prefixed tokens start segments (the first token starts the first
//!    one). In each segment, trailing "null" tokens (the number 0 and the qualifiers `""`,
//!    `ga`, `final`, `release`) are removed; a segment left empty disappears. So `1.0.0` =
//!    `1`, `1.0-final` = `1`, `1-0` = `1`, `1.0.0-foo.0.0` = `1-foo`, `1-ga-1` = `1-1`.
//! 7. **Order.** Token sequences compare position by position: qualifier < `-`number <
//!    `.`number whatever their values, otherwise by value as above. When one version runs
//!    out, it is padded with a null: a `.`number beats it unless 0, a `-`number always beats
//!    it, a qualifier compares with it as with `""` (`1` < `1.1`, `1-snapshot` < `1` <
//!    `1-sp`, `1` < `1-0.1`).
//!
//! Every string except the empty one is a valid Maven version, as for `ComparableVersion`.
//!
//! # Where this differs from `ComparableVersion`
//!
//! `ComparableVersion` builds nested lists and, in two corners, is not a total order (for
//! example `1.0.alpha.1` < `1` < `1.ga.1` < `1.0.alpha.1`, and `1-sp` < `1--alpha` < `1` <
//! `1-sp`). This implementation follows the flat rules of the specification instead, which
//! are a total order, and so differs from Maven 3.8.7 exactly there:
//! * a qualifier that follows a `.` and is followed by a `.` or `-` (`1.0.alpha.1`,
//!   `1.0.beta-1`, `1.foo-`) is `-`-prefixed, as rule 3 says (Maven keeps such a qualifier
//!   `.`-prefixed; it already treats a `.qualifier` at the very end, or directly followed by
//!   a digit, as `-qualifier`);
//! * a segment emptied by trimming disappears (`1-ga-1` = `1-1` as the specification says,
//!   where Maven keeps an empty level and orders `1-ga-1` below `1-1`);
//! * only ASCII digits are digits (Maven's `Character.isDigit` also accepts other scripts'
//!   digits).
//!
//! None of these shapes occurs among the thousands of real Maven versions the differential
//! test compares with Maven's own `ComparableVersion`.

use std::cmp::Ordering;

/// A Maven version, ordered as Maven's `ComparableVersion` (see the module documentation).
#[derive(Clone, Debug)]
pub struct MavenVersion {
    /// The string as given (shown by `Debug`).
    #[allow(dead_code)]
    original: String,
    /// The trimmed token sequence that comparisons use.
    tokens: Vec<Token>,
}

/// One token of a parsed version.
#[derive(Clone, Debug)]
enum Token {
    /// A qualifier (always `-`-prefixed).
    Qualifier(Qualifier),
    /// A number: ASCII digits without leading zeros (`""` is 0); `dot` tells its prefix.
    Number { dot: bool, digits: Box<str> },
}

/// A qualifier, known ones in their order, then any other text.
#[derive(Clone, Debug)]
enum Qualifier {
    Alpha,
    Beta,
    Milestone,
    Rc,
    Snapshot,
    /// `""`, `ga`, `final`, `release`.
    Release,
    Sp,
    Other(Box<str>),
}

impl Qualifier {
    fn from_text(text: &str, followed_by_digit: bool) -> Qualifier {
        match text {
            "a" if followed_by_digit => Qualifier::Alpha,
            "b" if followed_by_digit => Qualifier::Beta,
            "m" if followed_by_digit => Qualifier::Milestone,
            "alpha" => Qualifier::Alpha,
            "beta" => Qualifier::Beta,
            "milestone" => Qualifier::Milestone,
            "rc" | "cr" => Qualifier::Rc,
            "snapshot" => Qualifier::Snapshot,
            "" | "ga" | "final" | "release" => Qualifier::Release,
            "sp" => Qualifier::Sp,
            other => Qualifier::Other(other.into()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Qualifier::Alpha => 0,
            Qualifier::Beta => 1,
            Qualifier::Milestone => 2,
            Qualifier::Rc => 3,
            Qualifier::Snapshot => 4,
            Qualifier::Release => 5,
            Qualifier::Sp => 6,
            Qualifier::Other(_) => 7,
        }
    }

    fn cmp(&self, other: &Qualifier) -> Ordering {
        match (self, other) {
            (Qualifier::Other(a), Qualifier::Other(b)) => a.encode_utf16().cmp(b.encode_utf16()),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl Token {
    /// Whether trimming removes this token at the end of a segment.
    fn is_null(&self) -> bool {
        match self {
            Token::Qualifier(q) => matches!(q, Qualifier::Release),
            Token::Number { digits, .. } => digits.is_empty(),
        }
    }

    /// Whether this token starts a segment (it is `-`-prefixed).
    fn starts_segment(&self) -> bool {
        !matches!(self, Token::Number { dot: true, .. })
    }

    /// Kind order at one position: qualifier < `-`number < `.`number.
    fn kind(&self) -> u8 {
        match self {
            Token::Qualifier(_) => 0,
            Token::Number { dot: false, .. } => 1,
            Token::Number { dot: true, .. } => 2,
        }
    }

    fn cmp(&self, other: &Token) -> Ordering {
        match (self, other) {
            (Token::Qualifier(a), Token::Qualifier(b)) => a.cmp(b),
            (Token::Number { dot: da, digits: a }, Token::Number { dot: db, digits: b })
                if da == db =>
            {
                compare_digits(a, b)
            }
            _ => self.kind().cmp(&other.kind()),
        }
    }

    /// This token against the null a shorter version is padded with.
    fn cmp_padding(&self) -> Ordering {
        match self {
            Token::Qualifier(q) => q.cmp(&Qualifier::Release),
            Token::Number { dot: false, .. } => Ordering::Greater,
            Token::Number { dot: true, digits } => {
                if digits.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
        }
    }
}

/// Compares digit strings without leading zeros by numeric value.
fn compare_digits(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl MavenVersion {
    /// Parses a Maven version. Every non-empty string is a Maven version; the empty string
    /// is refused.
    pub fn parse(s: &str) -> Result<MavenVersion, String> {
        if s.is_empty() {
            return Err("empty version".to_string());
        }
        let lower = s.to_lowercase();
        let raw = tokenize(&lower);
        Ok(MavenVersion {
            original: s.to_string(),
            tokens: trim(raw),
        })
    }
}

/// Splits a lower-cased version into tokens (rules 2 to 5).
fn tokenize(s: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    // Prefix of the token being read: `.` at the start and after a dot.
    let mut dot = true;
    let mut start = 0;
    let mut in_digits = false;
    for (i, c) in s.char_indices() {
        if c == '.' || c == '-' {
            tokens.push(make_token(
                s.get(start..i).unwrap_or(""),
                dot,
                in_digits,
                false,
            ));
            dot = c == '.';
            start = i + 1;
        } else if c.is_ascii_digit() {
            if !in_digits && i > start {
                tokens.push(make_token(s.get(start..i).unwrap_or(""), dot, false, true));
                dot = false;
                start = i;
            }
            in_digits = true;
        } else {
            if in_digits && i > start {
                tokens.push(make_token(s.get(start..i).unwrap_or(""), dot, true, false));
                dot = false;
                start = i;
            }
            in_digits = false;
        }
    }
    if start < s.len() {
        tokens.push(make_token(
            s.get(start..).unwrap_or(""),
            dot,
            in_digits,
            false,
        ));
    }
    tokens
}

fn make_token(text: &str, dot: bool, digits: bool, followed_by_digit: bool) -> Token {
    if text.is_empty() || digits {
        Token::Number {
            dot,
            digits: text.trim_start_matches('0').into(),
        }
    } else {
        Token::Qualifier(Qualifier::from_text(text, followed_by_digit))
    }
}

/// Removes the trailing nulls of every segment (rule 6).
fn trim(raw: Vec<Token>) -> Vec<Token> {
    let mut segments: Vec<Vec<Token>> = Vec::new();
    for token in raw {
        match segments.last_mut() {
            Some(segment) if !token.starts_segment() => segment.push(token),
            _ => segments.push(vec![token]),
        }
    }
    let mut out = Vec::new();
    for mut segment in segments {
        while segment.last().is_some_and(Token::is_null) {
            segment.pop();
        }
        out.extend(segment);
    }
    out
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.tokens.len().max(other.tokens.len());
        for i in 0..len {
            let o = match (self.tokens.get(i), other.tokens.get(i)) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(a), None) => a.cmp_padding(),
                (None, Some(b)) => b.cmp_padding().reverse(),
                (None, None) => Ordering::Equal,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

ord_via_cmp!(MavenVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;
    use proptest::prelude::*;

    version_test_helpers!(MavenVersion);

    #[test]
    fn maven_empty_string_is_refused_everything_else_parses() {
        assert!(MavenVersion::parse("").is_err());
        for s in ["1", "foo", "-", ".", " ", "🦀", "1..2", "--", "\u{0}"] {
            assert!(MavenVersion::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn maven_pom_reference_examples() {
        // The examples of the POM reference's "Version Order Specification".
        assert_eq!(cmp("1", "1.1"), Less);
        assert_ascending(&["1-snapshot", "1", "1-sp"]);
        assert_eq!(cmp("1-foo2", "1-foo10"), Less);
        assert_eq!(cmp("1.foo", "1-foo"), Equal);
        assert_ascending(&["1-foo", "1-1", "1.1"]);
        assert_all_equal(&["1.ga", "1-ga", "1-0", "1.0", "1", "1.final", "1.", "1-"]);
        assert_eq!(cmp("1-sp", "1-ga"), Greater);
        assert_eq!(cmp("1-sp.1", "1-ga.1"), Greater);
        assert_eq!(cmp("1-sp-1", "1-ga-1"), Less);
        assert_eq!(cmp("1-ga-1", "1-1"), Equal);
        assert_eq!(cmp("1-a1", "1-alpha-1"), Equal);
        assert_eq!(cmp("1.0.0", "1"), Equal);
        assert_eq!(cmp("1.0.0-foo.0.0", "1-foo"), Equal);
        assert_eq!(cmp("1.0.0-0.0.0", "1"), Equal);
        // The splitting example: 1-1.foo-bar1baz-.1 reads as 1-1.foo-bar-1-baz-0.1.
        assert_eq!(cmp("1-1.foo-bar1baz-.1", "1-1.foo-bar-1-baz-0.1"), Equal);
    }

    #[test]
    fn maven_qualifier_order() {
        assert_ascending(&[
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-foo",
            "1-zzz",
        ]);
        assert_eq!(cmp("1-cr", "1-rc"), Equal);
        assert_all_equal(&[
            "1",
            "1-ga",
            "1-final",
            "1-release",
            "1.GA",
            "1.Final",
            "1.RELEASE",
        ]);
        // Unknown qualifiers sort after all known ones, lexically.
        assert_eq!(cmp("1-jre", "1-android"), Greater);
        assert_eq!(cmp("1-incubating", "1-sp"), Greater);
        assert_eq!(cmp("1-a", "1-sp"), Greater, "bare `a` is not alpha");
    }

    #[test]
    fn maven_shorthands_need_a_following_digit() {
        assert_eq!(cmp("1-a1", "1-alpha1"), Equal);
        assert_eq!(cmp("1-b2", "1-beta-2"), Equal);
        assert_eq!(cmp("1-m3", "1-milestone-3"), Equal);
        assert_eq!(cmp("1a1", "1-alpha-1"), Equal);
        // Not followed by a digit: plain unknown qualifiers, above release.
        assert_eq!(cmp("1-a", "1"), Greater);
        assert_eq!(cmp("1-b", "1"), Greater);
        assert_eq!(cmp("1-m", "1"), Greater);
        assert_eq!(cmp("1-a-1", "1-alpha-1"), Greater);
    }

    #[test]
    fn maven_case_is_ignored() {
        assert_eq!(cmp("1.0-SNAPSHOT", "1.0-snapshot"), Equal);
        assert_eq!(cmp("1.0.0.RC1", "1.0.0.rc1"), Equal);
        assert_eq!(cmp("1-FOO", "1-foo"), Equal);
        assert_eq!(cmp("1-Alpha-1", "1-ALPHA1"), Equal);
    }

    #[test]
    fn maven_transitions_between_digits_and_letters_act_as_hyphens() {
        assert_eq!(cmp("1.0alpha1", "1.0-alpha-1"), Equal);
        assert_eq!(cmp("1rc", "1-rc"), Equal);
        assert_eq!(cmp("2.0.0RC2", "2.0.0-rc-2"), Equal);
        assert_eq!(cmp("1.4_3", "1.4-_-3"), Equal);
        assert_eq!(cmp("1.0.1.0-jre12", "1.0.1-jre-12"), Equal);
    }

    #[test]
    fn maven_dot_qualifier_equals_hyphen_qualifier() {
        assert_eq!(cmp("1.0.0.RC1", "1.0.0-RC1"), Equal);
        assert_eq!(cmp("1.0.RC2", "1.0-RC3"), Less);
        assert_eq!(cmp("1.0-RC3", "1.0.1"), Less);
        assert_eq!(cmp("3.2.0.Final", "3.2.0"), Equal);
        assert_eq!(cmp("3.5.0.Beta1", "3.5.0"), Less);
        assert_eq!(cmp("1.0.alpha.1", "1-alpha.1"), Equal);
        assert_eq!(cmp("1.0.beta-1", "1.0-beta-1"), Equal);
    }

    #[test]
    fn maven_numbers_compare_by_value_at_any_size() {
        assert_eq!(cmp("1.10", "1.9"), Greater);
        assert_eq!(cmp("1.010", "1.10"), Equal);
        assert_eq!(cmp("00001", "1"), Equal);
        let big = "123456789012345678901234567890123456789012345678901234567890";
        let bigger = "123456789012345678901234567890123456789012345678901234567891";
        assert_eq!(cmp(big, bigger), Less);
        assert_eq!(cmp(&format!("1.{big}"), &format!("1.{bigger}")), Less);
        assert_eq!(cmp(&format!("1.{big}"), "1.2147483648"), Greater);
        assert_eq!(
            cmp("1.9223372036854775808", "1.9223372036854775807"),
            Greater
        );
        assert_eq!(cmp(&format!("0000{big}"), big), Equal);
    }

    #[test]
    fn maven_numbers_beat_qualifiers_and_dots_beat_hyphens() {
        assert_ascending(&["1-sp", "1-1", "1.1"]);
        assert_ascending(&["1-zzz", "1-0.1", "1-1", "1.0.1"]);
        assert_eq!(cmp("1.0.1", "1.0-zzz"), Greater);
        assert_eq!(cmp("1-1.1", "1-1-1"), Greater);
        assert_eq!(cmp("1-rc-1", "1-rc.1"), Less);
    }

    #[test]
    fn maven_padding_depends_on_the_longer_side() {
        assert_eq!(cmp("1", "1.0.0.0.1"), Less);
        assert_eq!(
            cmp("1", "1-0.1"),
            Less,
            "a -number beats the padding, even 0.1"
        );
        assert_eq!(cmp("1", "1-alpha"), Greater);
        assert_eq!(cmp("1", "1-ga.1"), Less);
        assert_eq!(cmp("1-rc", "1-rc-1"), Less);
        assert_eq!(cmp("1-rc", "1-rc-alpha"), Greater);
        assert_eq!(cmp("1.0-SNAPSHOT", "1.0"), Less);
    }

    #[test]
    fn maven_trimming_is_per_hyphen_segment() {
        assert_eq!(cmp("1.0-1", "1-1"), Equal);
        assert_eq!(cmp("1.0.0-final-1", "1-1"), Equal);
        assert_eq!(cmp("1.0-0-alpha", "1-alpha"), Equal);
        assert_eq!(cmp("-1", "0-1"), Equal);
        assert_eq!(cmp("1.2.3.Final-redhat-00001", "1.2.3-redhat-1"), Equal);
        // Inside a segment only trailing nulls go.
        assert_eq!(cmp("1.0.1", "1.1"), Less);
        assert_eq!(cmp("1-ga.1", "1-1"), Less);
    }

    #[test]
    fn maven_real_world_sequences() {
        assert_ascending(&[
            "1.0-alpha-1",
            "1.0-beta-1",
            "1.0-M1",
            "1.0-RC1",
            "1.0-RC2",
            "1.0-SNAPSHOT",
            "1.0",
            "1.0-SP1",
            "1.0-jenkins-2",
            "1.0-1",
            "1.0.1-RC1",
            "1.0.1",
            "1.1",
        ]);
        assert_ascending(&[
            "3.0.0.CR2",
            "3.0.0.GA",
            "3.0.1.Final",
            "3.1.0.ALPHA1",
            "3.1.0.BETA1",
            "3.1.0",
        ]);
        assert_ascending(&[
            "4.0.0.201505260635-rc2",
            "4.0.0.201506090130-r",
            "4.0.1.201506240215-r",
        ]);
        assert_ascending(&["23.0", "23.0-android", "23.0-jre", "23.2-android"]);
        assert_ascending(&["2.9.0", "2.9.0.pr3", "2.9.0.1"]);
    }

    #[test]
    fn maven_unicode_and_odd_input() {
        assert_eq!(cmp("1-ÄPFEL", "1-äpfel"), Equal);
        // Non-ASCII digits are text, not numbers.
        assert_eq!(cmp("1-٣", "1-3"), Less);
        assert_eq!(cmp("..", "0"), Equal);
        assert_eq!(cmp("-", "0"), Equal);
        assert_eq!(cmp("1 ", "1"), Greater, "a space is an unknown qualifier");
        // Other qualifiers compare by UTF-16 code units, as Java does.
        assert_eq!(cmp("1-\u{FF61}", "1-\u{10000}"), Greater);
    }

    #[test]
    fn maven_cycles_of_comparable_version_are_resolved() {
        // Maven 3.8.7 answers 1.0.alpha.1 < 1 < 1.ga.1 < 1.0.alpha.1 and
        // 1-sp < 1--alpha < 1 < 1-sp; the specification's rules give a consistent order.
        assert_ascending(&["1.0.alpha.1", "1", "1.ga.1"]);
        assert_ascending(&["1--alpha", "1", "1-sp"]);
        assert_eq!(cmp("1--alpha", "1-alpha"), Equal);
        assert_eq!(cmp("1.foo-", "1-foo"), Equal);
    }

    /// All strings over a small alphabet up to a length: sorted with `cmp`, every pair must be
    /// consistent with the sorted order and equal versions must be adjacent (a total order).
    #[test]
    fn maven_order_is_total_on_all_short_strings() {
        let strings =
            crate::order_checks::all_strings(&["0", "1", "2", ".", "-", "a", "sp", "ga"], 4);
        let versions: Vec<MavenVersion> = strings
            .iter()
            .filter_map(|s| MavenVersion::parse(s).ok())
            .collect();
        crate::order_checks::assert_sorted_is_total(versions);
    }

    const VERSION_LIKE: &str = "[0-9]{1,3}(\\.[0-9]{0,3}){0,3}([.-]?(alpha|a|beta|b|m|milestone|rc|cr|SNAPSHOT|ga|final|release|sp|foo|jre|)[0-9]{0,2}){0,3}(\\.[0-9]{1,2})?";

    proptest! {
        #[test]
        fn maven_never_panics_on_arbitrary_strings(a in any::<String>(), b in "\\PC{0,40}") {
            let pa = MavenVersion::parse(&a);
            let pb = MavenVersion::parse(&b);
            if let (Ok(x), Ok(y)) = (pa, pb) {
                let _ = x.cmp(&y);
                let _ = y == x;
            }
        }

        #[test]
        fn maven_never_panics_on_separator_soup(a in "[0-9a-zA-Z.\\-_+ ]{0,30}", b in "[0-9.\\-]{0,30}") {
            if let (Ok(x), Ok(y)) = (MavenVersion::parse(&a), MavenVersion::parse(&b)) {
                prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
            }
        }

        #[test]
        fn maven_order_is_total(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            crate::order_checks::total_order_holds(&v(&a), &v(&b), &v(&c))?;
        }
    }
}
