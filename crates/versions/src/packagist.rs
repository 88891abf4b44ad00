//! Packagist (Composer) version ordering: composer/semver's `VersionParser::normalize`, then
//! `Comparator`, which compares normalised versions with PHP's `version_compare`.
//!
//! # Normalisation (`VersionParser::normalize`), step by step
//!
//! A string Composer refuses (it throws `UnexpectedValueException`) is refused here too.
//! Matching is ASCII case-insensitive where Composer's is (`V1.0-RC1` = `v1.0-rc1`).
//! 1. White space (` \t\n\r\0\x0B`) around the string is removed.
//! 2. An alias `X as Y` keeps `X`; a stability flag `@stable|@RC|@beta|@alpha|@dev` at the end
//!    is removed.
//! 3. `master`, `trunk`, `default` become `dev-master`, …; a string starting with `dev-` is a
//!    **branch** and is kept as is (`dev-feature/x`).
//! 4. Build metadata `+…` is removed.
//! 5. **Classical**: an optional `v`, 1 to 5 digits, up to three more `.digits` parts, then a
//!    modifier (below). Missing parts become `.0`: `1.2` → `1.2.0.0`.
//! 6. **Date**: otherwise an optional `v` and 4 digits, 1 to 6 groups of 2 digits and an
//!    optional group of 1 to 3 digits, each optionally preceded by `.`, `:` or `-`, then a
//!    modifier; every separator becomes `.`: `2010-01-02` → `2010.01.02`, `20100102` stays
//!    one number.
//! 7. **Modifier** (after 5 or 6): optionally `.`, `_` or `-`, then optionally a stability
//!    `stable`, `beta`/`b`, `RC`, `alpha`/`a`, `patch`/`pl`/`p` followed by numbers (each
//!    optionally preceded by `.` or `-`), then optionally `dev` (optionally preceded by `.` or
//!    `-`). Lower-case `stable` drops the whole modifier (`1.0-stable1-dev` = `1.0`); any
//!    other stability is appended as `-alpha`, `-beta`, `-RC` or `-patch` with its numbers
//!    (`1.0b2` → `1.0.0.0-beta2`), and `dev` as `-dev`. A trailing separator alone is
//!    dropped (`1.0-` → `1.0.0.0`). `stable` in another case (`STABLE`, `Stable`) is kept as
//!    `-stable`, exactly as Composer does.
//! 8. **Numbered branch**: otherwise, a string ending in `dev` (optionally after `.` or `-`)
//!    whose rest is an optional `v`, digits, and up to three `.digits`/`.x`/`.X`/`.*` parts
//!    becomes a version with every missing or wildcard part 9999999, plus `-dev`:
//!    `2.1.x-dev` → `2.1.9999999.9999999-dev`.
//! 9. Anything else is refused.
//!
//! # Order (`Comparator` over `version_compare`)
//!
//! * A normalised version is a sequence of parts: its numbers, then the stability word and
//!   its numbers, then `dev`. Parts compare one by one in this order:
//!   `stable` (only from an upper-case `STABLE`) < `dev` < `alpha` < `beta` < `RC` <
//!   *end of version* < any number < `patch`; numbers by value (leading zeros ignored). So
//!   `1.0-dev` < `1.0-alpha1` < `1.0-beta` < `1.0-RC1` < `1.0` < `1.0-patch1` < `1.0.0.1`, and
//!   `1.0-beta` < `1.0-beta1` < `1.0-beta1.1` < `1.0-beta2`.
//! * A branch (`dev-*`) is below every numbered version. Composer never orders two different
//!   branches (none of `<`, `=`, `>` holds); to keep a total order, two branches compare by
//!   name here (bytes), and are equal only when their names are identical.
//!
//! Deliberate difference: numbers compare by value at any size, where PHP saturates numbers
//! above 9223372036854775807 (so PHP deems `1.99999999999999999998` = `1.99999999999999999999`).

use std::cmp::Ordering;

/// A Composer package version, ordered as Composer does (see the module documentation).
#[derive(Clone, Debug)]
pub struct PackagistVersion {
    /// The string as given (shown by `Debug`).
    #[allow(dead_code)]
    original: String,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// `dev-<name>`: the name after `dev-`.
    Branch(Box<str>),
    /// The parts `version_compare` splits a normalised version into.
    Numbered(Vec<Part>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// ASCII digits without leading zeros (`""` is 0).
    Number(Box<str>),
    Word(Word),
}

/// The words a normalised version can hold, in `version_compare`'s order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Word {
    /// From an upper- or mixed-case `STABLE`: PHP ranks unknown words lowest.
    Stable,
    Dev,
    Alpha,
    Beta,
    Rc,
    Patch,
}

impl Part {
    /// The part's rank in the order `stable < dev < alpha < beta < RC < end < number < patch`.
    fn rank(part: Option<&Part>) -> u8 {
        match part {
            Some(Part::Word(Word::Stable)) => 0,
            Some(Part::Word(Word::Dev)) => 1,
            Some(Part::Word(Word::Alpha)) => 2,
            Some(Part::Word(Word::Beta)) => 3,
            Some(Part::Word(Word::Rc)) => 4,
            None => 5,
            Some(Part::Number(_)) => 6,
            Some(Part::Word(Word::Patch)) => 7,
        }
    }
}

/// The stability words of the modifier, in the order Composer's regular expression tries
/// them.
const STABILITIES: [&str; 9] = [
    "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p",
];

/// What the modifier of a version holds.
struct Modifier<'a> {
    /// The stability word as written, and the numbers after it.
    stability: Option<(&'a [u8], &'a [u8])>,
    dev: bool,
}

impl PackagistVersion {
    /// Normalises a version as Composer's `VersionParser::normalize` does; `Err` when Composer
    /// would refuse it.
    pub fn parse(s: &str) -> Result<PackagistVersion, String> {
        let kind = normalize(s)?;
        Ok(PackagistVersion {
            original: s.to_string(),
            kind,
        })
    }
}

/// PHP's `trim` characters.
fn is_php_trim(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\u{b}')
}

/// PCRE's `\s`.
fn is_pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s.iter().zip(prefix).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn normalize(input: &str) -> Result<Kind, String> {
    let refuse = || Err(format!("`{input}` is not a version Composer accepts"));
    let mut version: &str = input.trim_matches(is_php_trim);

    // 2. `X as Y` keeps X.
    if let Some(alias_source) = strip_alias(version) {
        version = alias_source;
    }
    // 2. `@stability` flag.
    if let Some(at) = version.rfind('@') {
        let flag = version.get(at + 1..).unwrap_or("");
        if ["stable", "RC", "beta", "alpha", "dev"]
            .iter()
            .any(|f| f.eq_ignore_ascii_case(flag))
        {
            version = version.get(..at).unwrap_or("");
        }
    }
    // 3. Branches.
    if matches!(version, "master" | "trunk" | "default") {
        return Ok(Kind::Branch(version.into()));
    }
    if starts_with_ignore_case(version.as_bytes(), b"dev-") {
        return Ok(Kind::Branch(version.get(4..).unwrap_or("").into()));
    }
    // 4. Build metadata.
    if let Some(without) = strip_build_metadata(version) {
        version = without;
    }
    let bytes = version.as_bytes();
    // 5. and 6.
    if let Some(parts) = classical(bytes).or_else(|| date_based(bytes)) {
        return Ok(Kind::Numbered(parts));
    }
    // 8.
    if let Some(parts) = numbered_branch(bytes) {
        return Ok(Kind::Numbered(parts));
    }
    refuse()
}

/// `^([^,\s]++) ++as ++([^,\s]++)$`: the alias source.
fn strip_alias(v: &str) -> Option<&str> {
    let b = v.as_bytes();
    let token = |from: usize| {
        b.get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&c| c != b',' && !is_pcre_space(c))
            .count()
    };
    let first = token(0);
    if first == 0 {
        return None;
    }
    let mut i = first;
    let spaces = |from: usize| {
        b.get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&c| c == b' ')
            .count()
    };
    let n = spaces(i);
    if n == 0 {
        return None;
    }
    i += n;
    if b.get(i..i + 2) != Some(&b"as"[..]) {
        return None;
    }
    i += 2;
    let n = spaces(i);
    if n == 0 {
        return None;
    }
    i += n;
    let second = token(i);
    (second > 0 && i + second == b.len()).then(|| v.get(..first).unwrap_or(""))
}

/// `^([^,\s+]++)\+[^\s]++$`: the version without its build metadata.
fn strip_build_metadata(v: &str) -> Option<&str> {
    let b = v.as_bytes();
    let head = b
        .iter()
        .take_while(|&&c| c != b',' && c != b'+' && !is_pcre_space(c))
        .count();
    if head == 0 || b.get(head) != Some(&b'+') {
        return None;
    }
    let tail = b.get(head + 1..).unwrap_or(&[]);
    (!tail.is_empty() && !tail.iter().any(|&c| is_pcre_space(c)))
        .then(|| v.get(..head).unwrap_or(""))
}

fn digits_at(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .unwrap_or(&[])
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

fn skip_v(b: &[u8]) -> usize {
    usize::from(matches!(b.first(), Some(b'v' | b'V')))
}

fn number(digits: &[u8]) -> Part {
    let significant: String = digits
        .iter()
        .skip_while(|&&c| c == b'0')
        .map(|&c| char::from(c))
        .collect();
    Part::Number(significant.into())
}

/// Step 5: `^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?` + modifier + `$`.
fn classical(b: &[u8]) -> Option<Vec<Part>> {
    let mut i = skip_v(b);
    let n = digits_at(b, i);
    if !(1..=5).contains(&n) {
        return None;
    }
    let mut parts = vec![number(b.get(i..i + n)?)];
    i += n;
    for _ in 0..3 {
        if b.get(i) == Some(&b'.') {
            let n = digits_at(b, i + 1);
            if n > 0 {
                parts.push(number(b.get(i + 1..i + 1 + n)?));
                i += 1 + n;
                continue;
            }
        }
        break;
    }
    while parts.len() < 4 {
        parts.push(Part::Number("".into()));
    }
    let modifier = modifier(b.get(i..)?)?;
    Some(with_modifier(parts, &modifier))
}

/// Step 6: `^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)` + modifier + `$`.
fn date_based(b: &[u8]) -> Option<Vec<Part>> {
    let start = skip_v(b);
    // The date is at most 4 + 6 * 3 + 4 characters; the modifier cannot start with a digit,
    // so at most one end position can work.
    let longest = b.len().min(start + 26);
    for end in (start + 4..=longest).rev() {
        let date = b.get(start..end)?;
        if !is_date(date) {
            continue;
        }
        if let Some(modifier) = modifier(b.get(end..)?) {
            let parts = date.split(|c| !c.is_ascii_digit()).map(number).collect();
            return Some(with_modifier(parts, &modifier));
        }
    }
    None
}

/// Whether `d` is exactly `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?`.
fn is_date(d: &[u8]) -> bool {
    fn rest(d: &[u8], pairs: usize) -> bool {
        let seps: &[usize] = if matches!(d.first(), Some(b'.' | b':' | b'-')) {
            &[1, 0]
        } else {
            &[0]
        };
        for &sep in seps {
            let after = d.get(sep..).unwrap_or(&[]);
            if pairs < 6
                && after.len() >= 2
                && after.iter().take(2).all(u8::is_ascii_digit)
                && rest(after.get(2..).unwrap_or(&[]), pairs + 1)
            {
                return true;
            }
            if pairs >= 1 && (1..=3).contains(&after.len()) && after.iter().all(u8::is_ascii_digit)
            {
                return true;
            }
        }
        pairs >= 1 && d.is_empty()
    }
    d.len() >= 4 && d.iter().take(4).all(u8::is_ascii_digit) && rest(d.get(4..).unwrap_or(&[]), 0)
}

/// The modifier regular expression, anchored at both ends:
/// `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?`, with the
/// captures PCRE's backtracking order gives.
fn modifier(r: &[u8]) -> Option<Modifier<'_>> {
    let with_separator = matches!(r.first(), Some(b'.' | b'_' | b'-'));
    let starts: &[usize] = if with_separator { &[1, 0] } else { &[0] };
    for &start in starts {
        let r1 = r.get(start..).unwrap_or(&[]);
        for word in STABILITIES {
            if !starts_with_ignore_case(r1, word.as_bytes()) {
                continue;
            }
            let r2 = r1.get(word.len()..).unwrap_or(&[]);
            let numbers = numbers_len(r2);
            if let Some(dev) = dev_tail(r2.get(numbers..).unwrap_or(&[])) {
                return Some(Modifier {
                    stability: Some((r1.get(..word.len())?, r2.get(..numbers)?)),
                    dev,
                });
            }
        }
        if let Some(dev) = dev_tail(r1) {
            return Some(Modifier {
                stability: None,
                dev,
            });
        }
    }
    None
}

/// Length of the possessive `(?:[.-]?\d+)*+` at the start of `r`.
fn numbers_len(r: &[u8]) -> usize {
    let mut i = 0;
    loop {
        let sep = usize::from(matches!(r.get(i), Some(b'.' | b'-')));
        let n = digits_at(r, i + sep);
        if n == 0 {
            return i;
        }
        i += sep + n;
    }
}

/// `([.-]?dev)?$`: `Some(true)` when `dev` is there, `Some(false)` when nothing is left.
fn dev_tail(r: &[u8]) -> Option<bool> {
    let word = match r.first() {
        Some(b'.' | b'-') => r.get(1..).unwrap_or(&[]),
        _ => r,
    };
    if r.is_empty() {
        Some(false)
    } else if word.len() == 3 && starts_with_ignore_case(word, b"dev") {
        Some(true)
    } else {
        None
    }
}

/// Appends the modifier as `normalize` writes it, split into `version_compare`'s parts.
fn with_modifier(mut parts: Vec<Part>, m: &Modifier<'_>) -> Vec<Part> {
    if let Some((word, numbers)) = m.stability {
        if word == b"stable" {
            return parts;
        }
        let lower = word.to_ascii_lowercase();
        parts.push(Part::Word(match lower.as_slice() {
            b"a" | b"alpha" => Word::Alpha,
            b"b" | b"beta" => Word::Beta,
            b"rc" => Word::Rc,
            b"p" | b"pl" | b"patch" => Word::Patch,
            _ => Word::Stable,
        }));
        parts.extend(
            numbers
                .split(|c| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(number),
        );
    }
    if m.dev {
        parts.push(Part::Word(Word::Dev));
    }
    parts
}

/// Step 8: `(.*?)[.-]?dev$` then `VersionParser::normalizeBranch` on the captured prefix.
fn numbered_branch(b: &[u8]) -> Option<Vec<Part>> {
    let len = b.len();
    if len < 3 || !starts_with_ignore_case(b.get(len - 3..)?, b"dev") {
        return None;
    }
    let mut end = len - 3;
    if end > 0 && matches!(b.get(end - 1), Some(b'.' | b'-')) {
        end -= 1;
    }
    // `.` does not match a line feed: the lazy group starts after the last one.
    let start = b
        .get(..end)?
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let name = b.get(start..end)?;
    let name = trim_php_bytes(name);

    // `^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$`
    let mut i = skip_v(name);
    let n = digits_at(name, i);
    if n == 0 {
        return None;
    }
    let mut parts = vec![number(name.get(i..i + n)?)];
    i += n;
    while i < name.len() {
        if parts.len() == 4 || name.get(i) != Some(&b'.') {
            return None;
        }
        let n = digits_at(name, i + 1);
        if n > 0 {
            parts.push(number(name.get(i + 1..i + 1 + n)?));
            i += 1 + n;
        } else if matches!(name.get(i + 1), Some(b'x' | b'X' | b'*')) {
            parts.push(number(b"9999999"));
            i += 2;
        } else {
            return None;
        }
    }
    while parts.len() < 4 {
        parts.push(number(b"9999999"));
    }
    parts.push(Part::Word(Word::Dev));
    Some(parts)
}

fn trim_php_bytes(mut b: &[u8]) -> &[u8] {
    let trim = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0b');
    while let Some((first, rest)) = b.split_first() {
        if !trim(first) {
            break;
        }
        b = rest;
    }
    while let Some((last, rest)) = b.split_last() {
        if !trim(last) {
            break;
        }
        b = rest;
    }
    b
}

fn compare_parts(a: &[Part], b: &[Part]) -> Ordering {
    let len = a.len().max(b.len());
    for i in 0..len {
        let (x, y) = (a.get(i), b.get(i));
        let o = match (x, y) {
            (Some(Part::Number(m)), Some(Part::Number(n))) => {
                m.len().cmp(&n.len()).then_with(|| m.cmp(n))
            }
            _ => Part::rank(x).cmp(&Part::rank(y)),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

impl Ord for PackagistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.kind, &other.kind) {
            (Kind::Branch(a), Kind::Branch(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Kind::Branch(_), Kind::Numbered(_)) => Ordering::Less,
            (Kind::Numbered(_), Kind::Branch(_)) => Ordering::Greater,
            (Kind::Numbered(a), Kind::Numbered(b)) => compare_parts(a, b),
        }
    }
}

ord_via_cmp!(PackagistVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;
    use proptest::prelude::*;

    version_test_helpers!(PackagistVersion);

    #[test]
    fn packagist_classical_versions_pad_to_four_parts() {
        assert_all_equal(&["1", "1.0", "1.0.0", "1.0.0.0", "v1.0.0", "V1.0", "01.00"]);
        assert_ascending(&["1.0", "1.0.0.1", "1.0.1", "1.1", "1.10", "2"]);
        assert_eq!(cmp("12345.0", "9999.9"), Greater);
    }

    #[test]
    fn packagist_stabilities() {
        assert_ascending(&[
            "1.0-dev",
            "1.0-alpha",
            "1.0-alpha1",
            "1.0-alpha2",
            "1.0-beta",
            "1.0-beta1",
            "1.0-beta1.1",
            "1.0-beta2",
            "1.0-RC1",
            "1.0",
            "1.0-patch1",
            "1.0-patch2",
            "1.0.0.1-dev",
            "1.0.0.1",
        ]);
    }

    #[test]
    fn packagist_stability_spellings() {
        assert_all_equal(&[
            "1.0-alpha1",
            "1.0-a1",
            "1.0a1",
            "1.0.0-ALPHA1",
            "1.0_alpha.1",
        ]);
        assert_all_equal(&["1.0-beta2", "1.0b2", "1.0-b-2", "1.0.0-BETA.2"]);
        assert_all_equal(&["1.0-RC1", "1.0rc1", "1.0-rc.1", "v1.0.0RC1", "1.0.0-Rc1"]);
        assert_all_equal(&["1.0-patch1", "1.0-p1", "1.0-pl1", "1.0-PL1", "1.0p1"]);
        assert_all_equal(&["1.0-dev", "1.0.dev", "1.0_dev", "1.0dev", "1.0-DEV"]);
        assert_all_equal(&["3.7.0-rc.3", "v3.7.0RC3"]);
        assert_all_equal(&["v3.1.0-alpha-1", "3.1.0-alpha1"]);
    }

    #[test]
    fn packagist_dev_suffix_on_stabilities() {
        assert_ascending(&[
            "1.0-beta-dev",
            "1.0-beta",
            "1.0-beta1-dev",
            "1.0-beta1",
            "1.0-RC1-dev",
            "1.0-RC1",
        ]);
        assert_eq!(cmp("1.0-patch1-dev", "1.0"), Greater);
    }

    #[test]
    fn packagist_stable_keyword() {
        // Lower-case `stable` drops the modifier, including a dev suffix.
        assert_all_equal(&["1.0-stable", "1.0", "1.0-stable1-dev", "1.0stable"]);
        // In another case Composer keeps `-stable`, which version_compare ranks lowest.
        assert_eq!(cmp("1.0-STABLE", "1.0-dev"), Less);
        assert_eq!(cmp("1.0-Stable2", "1.0-STABLE1"), Greater);
    }

    #[test]
    fn packagist_trailing_separator_build_metadata_flags_and_aliases() {
        assert_all_equal(&[
            "1.0",
            "1.0-",
            "1.0.",
            "1.0_",
            "1.0+build",
            "1.0.0+build.1",
            "1.0 as 2.0",
            "1.0@stable",
            "1.0@beta",
            "  1.0  ",
            "\t1.0\n",
        ]);
        assert_eq!(cmp("1.0.0-beta+exp.sha.5114f85", "1.0-beta"), Equal);
        assert_eq!(
            cmp("1.0@dev", "1.0-dev"),
            Greater,
            "@dev is a flag, not a suffix"
        );
    }

    #[test]
    fn packagist_date_versions() {
        assert_ascending(&[
            "2010-01-02",
            "2010.01.02",
            "2010-01-02-03-04",
            "2010.01.02.5",
            "2011-01-01",
        ]);
        assert_eq!(
            cmp("2010-01-02", "2010.1.2"),
            Less,
            "three parts < four parts"
        );
        assert_eq!(cmp("2010:01:02", "2010-01-02"), Equal);
        assert_all_equal(&["20100102", "v20100102"]);
        assert_eq!(cmp("201001021230", "20100102"), Greater);
        assert_eq!(cmp("2010-01-02-beta1", "2010-01-02"), Less);
        assert_eq!(cmp("20100102-dev", "20100102"), Less);
        // More than 5 leading digits: only the date form reads them.
        assert_eq!(cmp("123456", "12345"), Greater);
        assert_eq!(cmp("123456.0", "123456"), Greater);
    }

    #[test]
    fn packagist_numbered_branches() {
        assert_all_equal(&["1.x-dev", "1.X-dev", "1.*-dev", "v1.x-dev", "1.x.dev"]);
        assert_ascending(&[
            "1.0-dev",
            "1.0",
            "1.0.x-dev",
            "1.1",
            "1.x-dev",
            "2.0-dev",
            "2.1.x-dev",
            "2.2",
        ]);
        assert_eq!(cmp("2.1.x-dev", "2.1.9999999.9999999-dev"), Equal);
        assert_eq!(
            cmp(
                "12345678901234567890-dev",
                "12345678901234567890.9999999.9999999.9999999-dev"
            ),
            Equal
        );
    }

    #[test]
    fn packagist_branches() {
        assert_all_equal(&["dev-master", "master"]);
        assert_all_equal(&["dev-trunk", "trunk"]);
        assert_eq!(cmp("dev-Foo", "DEV-Foo"), Equal);
        assert_eq!(
            cmp("dev-foo", "dev-Foo"),
            Greater,
            "branch names keep their case"
        );
        assert_eq!(cmp("dev-foo@dev", "dev-foo"), Equal);
        for branch in ["dev-master", "dev-feature/x", "dev-", "dev-9.9"] {
            for version in ["0.0.0.0-dev", "0.0.1-alpha", "1.0", "1.x-dev", "2010-01-01"] {
                assert_eq!(cmp(branch, version), Less, "{branch} vs {version}");
            }
        }
        assert_ascending(&["dev-", "dev-a", "dev-b", "dev-master"]);
    }

    #[test]
    fn packagist_invalid_strings() {
        assert_invalid(&[
            "",
            "   ",
            "foo",
            "dev",
            "-dev",
            "1.x",
            "1.0-1",
            "1.0-pre1",
            "1.0.0-alpha.beta",
            "1.0.0.0.0",
            "1.2.3.4.x-dev",
            "1.0-alpha_dev",
            "1.0 2.0",
            "1.0,2.0",
            "1.0-dev+",
            "v",
            "٣.0",
        ]);
    }

    #[test]
    fn packagist_numbers_compare_by_value_at_any_size() {
        assert_eq!(cmp("1.010", "1.10"), Equal);
        // PHP would saturate both at 9223372036854775807 and call them equal.
        assert_eq!(
            cmp("1.99999999999999999998", "1.99999999999999999999"),
            Less
        );
    }

    #[test]
    fn packagist_real_advisory_versions() {
        assert_ascending(&[
            "2.0.0-alpha1",
            "2.0.0-alpha8",
            "2.0.0-rc1",
            "2.0.0",
            "2.3.2-p2",
            "2.4.4-p9",
            "v3.3.0rc1",
            "v3.3.0",
            "v3.5.0.1",
            "v3.10.0RC1",
            "v3.10.0",
            "4.0.0-alpha1",
            "4.0.0-rc2",
            "4.0.0-rc10",
        ]);
    }

    #[test]
    fn packagist_order_is_total_on_all_short_strings() {
        let versions: Vec<PackagistVersion> = crate::order_checks::all_strings(
            &[
                "0", "1", "2", ".", "-", "x", "dev", "a", "RC", "p", "stable",
            ],
            4,
        )
        .iter()
        .filter_map(|s| PackagistVersion::parse(s).ok())
        .collect();
        assert!(versions.len() > 1000, "{}", versions.len());
        crate::order_checks::assert_sorted_is_total(versions);
    }

    const VERSION_LIKE: &str = "(v|dev-)?[0-9]{1,5}(\\.[0-9x]{1,3}){0,4}([._-]?(stable|STABLE|beta|b|RC|rc|alpha|a|patch|pl|p)([.-]?[0-9]{1,2}){0,2})?([.-]?dev)?";

    proptest! {
        #[test]
        fn packagist_never_panics_on_arbitrary_strings(a in any::<String>(), b in "\\PC{0,40}") {
            if let (Ok(x), Ok(y)) = (PackagistVersion::parse(&a), PackagistVersion::parse(&b)) {
                let _ = x.cmp(&y);
            }
        }

        #[test]
        fn packagist_never_panics_on_version_soup(a in "[0-9vVx*.:_@ +,\\-]{0,30}(dev|as|alpha|p|RC)?[0-9.\\-]{0,6}") {
            let _ = PackagistVersion::parse(&a);
        }

        #[test]
        fn packagist_order_is_total(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            // Not every generated string is a Composer version: check the ones that are, in
            // every arrangement.
            let parsed: Vec<PackagistVersion> = [&a, &b, &c]
                .iter()
                .filter_map(|s| PackagistVersion::parse(s).ok())
                .collect();
            for x in &parsed {
                for y in &parsed {
                    for z in &parsed {
                        crate::order_checks::total_order_holds(x, y, z)?;
                    }
                }
            }
        }
    }
}
