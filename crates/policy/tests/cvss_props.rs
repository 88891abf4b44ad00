//! `cvss::score` on generated input: arbitrary strings and mutated vectors give `Ok` or `Err`,
//! never a panic; every well-formed vector of every version scores, within 0.0–10.0, with the
//! score and severity the documentation promises. (`fuzz/fuzz_targets/policy_cvss.rs` runs
//! the same property under libFuzzer.)

use patchwarden_core::Severity;
use patchwarden_policy::cvss::score;
use proptest::prelude::*;

/// One metric: its name, its values, and whether a vector may leave it out.
type Metric = (&'static str, &'static [&'static str], bool);

const V2: &[Metric] = &[
    ("AV", &["L", "A", "N"], false),
    ("AC", &["H", "M", "L"], false),
    ("Au", &["M", "S", "N"], false),
    ("C", &["N", "P", "C"], false),
    ("I", &["N", "P", "C"], false),
    ("A", &["N", "P", "C"], false),
    ("E", &["U", "POC", "F", "H", "ND"], true),
    ("RL", &["OF", "TF", "W", "U", "ND"], true),
    ("RC", &["UC", "UR", "C", "ND"], true),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"], true),
    ("TD", &["N", "L", "M", "H", "ND"], true),
    ("CR", &["L", "M", "H", "ND"], true),
    ("IR", &["L", "M", "H", "ND"], true),
    ("AR", &["L", "M", "H", "ND"], true),
];

const V3: &[Metric] = &[
    ("AV", &["N", "A", "L", "P"], false),
    ("AC", &["L", "H"], false),
    ("PR", &["N", "L", "H"], false),
    ("UI", &["N", "R"], false),
    ("S", &["U", "C"], false),
    ("C", &["H", "L", "N"], false),
    ("I", &["H", "L", "N"], false),
    ("A", &["H", "L", "N"], false),
    ("E", &["X", "U", "P", "F", "H"], true),
    ("RL", &["X", "O", "T", "W", "U"], true),
    ("RC", &["X", "U", "R", "C"], true),
    ("CR", &["X", "L", "M", "H"], true),
    ("IR", &["X", "L", "M", "H"], true),
    ("AR", &["X", "L", "M", "H"], true),
    ("MAV", &["X", "N", "A", "L", "P"], true),
    ("MAC", &["X", "L", "H"], true),
    ("MPR", &["X", "N", "L", "H"], true),
    ("MUI", &["X", "N", "R"], true),
    ("MS", &["X", "U", "C"], true),
    ("MC", &["X", "N", "L", "H"], true),
    ("MI", &["X", "N", "L", "H"], true),
    ("MA", &["X", "N", "L", "H"], true),
];

const V4: &[Metric] = &[
    ("AV", &["N", "A", "L", "P"], false),
    ("AC", &["L", "H"], false),
    ("AT", &["N", "P"], false),
    ("PR", &["N", "L", "H"], false),
    ("UI", &["N", "P", "A"], false),
    ("VC", &["H", "L", "N"], false),
    ("VI", &["H", "L", "N"], false),
    ("VA", &["H", "L", "N"], false),
    ("SC", &["H", "L", "N"], false),
    ("SI", &["H", "L", "N"], false),
    ("SA", &["H", "L", "N"], false),
    ("E", &["X", "A", "P", "U"], true),
    ("CR", &["X", "H", "M", "L"], true),
    ("IR", &["X", "H", "M", "L"], true),
    ("AR", &["X", "H", "M", "L"], true),
    ("MAV", &["X", "N", "A", "L", "P"], true),
    ("MAC", &["X", "L", "H"], true),
    ("MAT", &["X", "N", "P"], true),
    ("MPR", &["X", "N", "L", "H"], true),
    ("MUI", &["X", "N", "P", "A"], true),
    ("MVC", &["X", "H", "L", "N"], true),
    ("MVI", &["X", "H", "L", "N"], true),
    ("MVA", &["X", "H", "L", "N"], true),
    ("MSC", &["X", "H", "L", "N"], true),
    ("MSI", &["X", "S", "H", "L", "N"], true),
    ("MSA", &["X", "S", "H", "L", "N"], true),
    ("S", &["X", "N", "P"], true),
    ("AU", &["X", "N", "Y"], true),
    ("R", &["X", "A", "U", "I"], true),
    ("V", &["X", "D", "C"], true),
    ("RE", &["X", "L", "M", "H"], true),
    ("U", &["X", "Clear", "Green", "Amber", "Red"], true),
];

/// A well-formed vector of one version: every mandatory metric, some optional ones, each
/// with a value chosen by the matching byte of `choices`.
fn build(version: u8, choices: &[u8]) -> String {
    let (prefix, metrics) = match version % 4 {
        0 => (None, V2),
        1 => (Some("CVSS:3.0"), V3),
        2 => (Some("CVSS:3.1"), V3),
        _ => (Some("CVSS:4.0"), V4),
    };
    let mut parts: Vec<String> = prefix.map(str::to_string).into_iter().collect();
    for (i, (name, values, optional)) in metrics.iter().enumerate() {
        let byte = usize::from(choices.get(i).copied().unwrap_or_default());
        if *optional {
            // One more choice than values: leave the metric out.
            match values.get(byte % (values.len() + 1)) {
                Some(value) => parts.push(format!("{name}:{value}")),
                None => continue,
            }
        } else {
            parts.push(format!("{name}:{}", values[byte % values.len()]));
        }
    }
    parts.join("/")
}

fn valid_vector() -> impl Strategy<Value = String> {
    (any::<u8>(), proptest::collection::vec(any::<u8>(), 32))
        .prop_map(|(version, choices)| build(version, &choices))
}

/// Characters that make near-miss vectors likelier than random bytes do.
const ALPHABET: &[u8] = b"ANLPHXCRUSMIEDV:/.0134 ";

/// Applies `(position, operation, byte)` edits: delete, insert or replace a character.
fn mutate(vector: &str, edits: &[(u16, u8, u8)]) -> String {
    let mut bytes = vector.as_bytes().to_vec();
    for &(position, operation, byte) in edits {
        let c = ALPHABET[usize::from(byte) % ALPHABET.len()];
        let at = usize::from(position) % (bytes.len() + 1);
        match operation % 3 {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, c),
            _ if at < bytes.len() => bytes[at] = c,
            _ => bytes.push(c),
        }
    }
    // Only ASCII goes in, so this is the identity; lossy keeps it panic-free regardless.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Whether `x` is a score printed with one decimal: 0.0 to 10.0 in steps of 0.1.
fn is_score(x: f64) -> bool {
    (0.0..=10.0).contains(&x) && ((x * 10.0).round() - x * 10.0).abs() < 1e-9
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = score(&input);
    }

    #[test]
    fn vector_shaped_strings_never_panic(input in "(CVSS:[0-9.]{0,4}/)?([A-Za-z]{1,3}:[A-Za-z]{1,5}/?){0,35}") {
        let _ = score(&input);
    }

    #[test]
    fn mutated_vectors_never_panic(
        vector in valid_vector(),
        edits in proptest::collection::vec((any::<u16>(), any::<u8>(), any::<u8>()), 1..6),
    ) {
        let _ = score(&mutate(&vector, &edits));
    }

    #[test]
    fn shuffled_and_repeated_components_never_panic(
        vector in valid_vector(),
        order in proptest::collection::vec(any::<u16>(), 0..40),
    ) {
        let parts: Vec<&str> = vector.split('/').collect();
        let picked: Vec<&str> = order
            .iter()
            .map(|i| parts[usize::from(*i) % parts.len()])
            .collect();
        let _ = score(&picked.join("/"));
    }

    #[test]
    fn every_well_formed_vector_scores(vector in valid_vector()) {
        let s = score(&vector).map_err(|e| TestCaseError::fail(format!("{vector}: {e}")))?;
        prop_assert!(is_score(s.base), "{vector}: base {}", s.base);
        prop_assert!(s.temporal.is_none_or(is_score), "{vector}: {:?}", s.temporal);
        prop_assert!(s.environmental.is_none_or(is_score), "{vector}: {:?}", s.environmental);
        prop_assert!(is_score(s.score), "{vector}: score {}", s.score);
        if s.version == "4.0" {
            prop_assert!(s.temporal.is_none() && s.environmental.is_none());
            prop_assert_eq!(s.severity, Severity::from_score(s.score));
        } else {
            prop_assert_eq!(s.score, s.environmental.or(s.temporal).unwrap_or(s.base));
            if s.version == "2.0" {
                let expected = if s.score >= 7.0 {
                    Severity::High
                } else if s.score >= 4.0 {
                    Severity::Medium
                } else {
                    Severity::Low
                };
                prop_assert_eq!(s.severity, expected);
            } else {
                prop_assert_eq!(s.severity, Severity::from_score(s.score));
            }
        }
        // The same vector with its components in another order scores the same.
        let mut parts: Vec<&str> = vector.split('/').collect();
        let keep_prefix = usize::from(parts.first().is_some_and(|p| p.starts_with("CVSS:")));
        parts[keep_prefix..].reverse();
        let reversed = score(&parts.join("/"))
            .map_err(|e| TestCaseError::fail(format!("{vector} reversed: {e}")))?;
        prop_assert_eq!(
            (reversed.base, reversed.temporal, reversed.environmental, reversed.score),
            (s.base, s.temporal, s.environmental, s.score)
        );
    }
}
