//! `ApkVersion` against apk-tools' own test vectors
//! (`reference/univers-testdata/alpine_test.txt`, apk-tools 2.12.9 `test/version.data`).
//!
//! Each line is `a OP b` with OP one of `<`, `=`, `>`: apk's comparison of `a` with `b`. Later
//! apk-tools releases extend the format with lines holding a single version, which must be
//! valid, and lines `!version`, which apk must reject; both are handled should the file gain
//! them. The fuzzy operators (`~`, `<~`, `>~`, `!~`) test prefix matching, not the order, and
//! are counted and skipped.

mod common;

use std::cmp::Ordering;

use common::{shared_data, symbol};
use patchwarden_versions::apk::ApkVersion;

/// Vectors where this implementation knowingly disagrees with apk, as `(a, op, b)`.
/// Empty: every vector in the file agrees.
const ACCEPTED_DISAGREEMENTS: &[(&str, &str, &str)] = &[];

fn parse(s: &str) -> Result<ApkVersion, String> {
    ApkVersion::parse(s).map_err(|e| format!("`{s}` rejected: {e}"))
}

#[test]
fn agrees_with_apk_tools_test_vectors() {
    let Some(data) = shared_data() else { return };
    let path = data.join("reference/univers-testdata/alpine_test.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

    let mut comparisons = 0;
    let mut validity = 0;
    let mut fuzzy_skipped = 0;
    let mut accepted = 0;
    let mut failures = Vec::new();
    let mut versions = Vec::new();
    let mut relations = Vec::new();

    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [single] => {
                validity += 1;
                let outcome = match single.strip_prefix('!') {
                    Some(invalid) => match ApkVersion::parse(invalid) {
                        Ok(_) => Err(format!("`{invalid}` accepted, apk rejects it")),
                        Err(_) => Ok(()),
                    },
                    None => parse(single).map(|_| ()),
                };
                if let Err(e) = outcome {
                    failures.push(format!("line {line_no}: {e}"));
                }
            }
            [a, op, b] => {
                let expected = match *op {
                    "<" => Ordering::Less,
                    "=" => Ordering::Equal,
                    ">" => Ordering::Greater,
                    "~" | "<~" | ">~" | "!~" => {
                        fuzzy_skipped += 1;
                        continue;
                    }
                    other => panic!("line {line_no}: unknown operator `{other}` in `{line}`"),
                };
                comparisons += 1;
                let (va, vb) = match (parse(a), parse(b)) {
                    (Ok(va), Ok(vb)) => (va, vb),
                    (Err(e), _) | (_, Err(e)) => {
                        failures.push(format!("line {line_no}: {e}"));
                        continue;
                    }
                };
                let got = va.cmp(&vb);
                // The reverse comparison must agree too.
                let reverse = vb.cmp(&va);
                if got != expected || reverse != expected.reverse() {
                    if ACCEPTED_DISAGREEMENTS.contains(&(*a, *op, *b)) {
                        accepted += 1;
                    } else {
                        failures.push(format!(
                            "line {line_no}: `{line}` but ours says `{a} {} {b}` (reverse `{}`)",
                            symbol(got),
                            symbol(reverse)
                        ));
                    }
                    continue;
                }
                relations.push((va.clone(), expected, vb.clone()));
                versions.push(va);
                versions.push(vb);
            }
            _ => panic!("line {line_no}: unexpected format `{line}`"),
        }
    }

    // Sorting every version of the file must respect every vector: the order is consistent
    // across the whole file, not only pair by pair.
    versions.sort();
    for w in versions.windows(2) {
        assert!(
            w[0] <= w[1],
            "sort is not monotone: {:?} then {:?}",
            w[0],
            w[1]
        );
    }
    for (a, expected, b) in &relations {
        let pa = versions.partition_point(|v| v < a);
        let pb = versions.partition_point(|v| v < b);
        assert_eq!(
            pa.cmp(&pb),
            *expected,
            "sorted positions of {a:?} and {b:?}"
        );
    }

    eprintln!(
        "apk reference: {comparisons} comparison vectors and {validity} validity vectors \
         checked, {} disagreements ({accepted} accepted), {fuzzy_skipped} fuzzy-match lines \
         skipped",
        failures.len() + accepted
    );
    assert!(
        comparisons > 700,
        "only {comparisons} vectors found in {}",
        path.display()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
