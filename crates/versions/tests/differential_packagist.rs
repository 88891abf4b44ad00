//! Differential test: our Packagist ordering against composer/semver itself
//! (`VersionParser::normalize`, then `Comparator`, through `tests/oracles/packagist_compare.php`),
//! on thousands of pairs of real Composer versions: every version string of the OSV Packagist
//! archive plus the package versions of Koel's two `composer.lock` files.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use common::*;
use patchwarden_versions::packagist::PackagistVersion;

/// Pairs on which composer/semver answers differently from us in the real data, because of a
/// quirk we deliberately do not follow. Empty: on the real strings, the two agree everywhere.
const ACCEPTED_REAL_DISAGREEMENTS: &[(&str, &str)] = &[];

/// Where composer/semver and we differ on purpose (see `packagist.rs`); none occurs in the
/// real data. Each entry: the pair, our answer, composer/semver's answer, and the rule.
const QUIRKS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "1.99999999999999999998",
        "1.99999999999999999999",
        "<",
        "=",
        // Numbers compare by value at any size; PHP's version_compare saturates them at
        // 9223372036854775807.
        "numbers of any size",
    ),
    (
        "dev-feature",
        "dev-master",
        "<",
        "incomparable",
        // Composer never orders two different branches (none of <, =, > holds); a total
        // order must, so branches compare by name, equal only when the names are identical.
        "branches ordered by name",
    ),
];

fn oracle_script() -> String {
    repo_root()
        .join("crates/versions/tests/oracles/packagist_compare.php")
        .to_string_lossy()
        .into_owned()
}

/// The `version` of every package in Koel's two `composer.lock` files.
fn koel_versions(data: &Path) -> Vec<String> {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for entry in ["koel__2019-06__composer.lock", "koel__2026__composer.lock"] {
        let mut text = String::new();
        zip.by_name(entry)
            .unwrap_or_else(|e| panic!("{entry}: {e}"))
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{entry}: {e}"));
        let lock: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{entry}: {e}"));
        for section in ["packages", "packages-dev"] {
            for package in lock[section].as_array().into_iter().flatten() {
                if let Some(v) = package["version"].as_str() {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

fn answer(a: &str, b: &str) -> String {
    match (PackagistVersion::parse(a), PackagistVersion::parse(b)) {
        (Ok(x), Ok(y)) => symbol(x.cmp(&y)).to_string(),
        _ => "error".to_string(),
    }
}

#[test]
fn packagist_agrees_with_composer_semver() {
    let Some(data) = shared_data() else { return };
    let koel = koel_versions(&data);
    assert!(
        koel.len() >= 300,
        "Koel composer.lock: only {} versions",
        koel.len()
    );
    let strings: Vec<String> = osv_version_strings(&data, "Packagist-all.zip", "Packagist")
        .into_iter()
        .chain(koel)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Every neighbour pair and random pairs of all strings, then the same over the strings
    // with a stability or branch part, where the orderings have the most room to differ.
    let mut pairs = sample_pairs(&strings, 5000);
    let qualified: Vec<String> = strings
        .iter()
        .filter(|s| {
            s.trim_start_matches(['v', 'V'])
                .bytes()
                .any(|b| b.is_ascii_alphabetic())
        })
        .cloned()
        .collect();
    pairs.extend(sample_pairs(&qualified, 1000));
    let real_pairs = pairs.len();
    pairs.extend(
        QUIRKS
            .iter()
            .map(|(a, b, ..)| (a.to_string(), b.to_string())),
    );

    let Some(out) = run_oracle("php", &[&oracle_script()], &pairs_input(&pairs)) else {
        return;
    };
    let answers: Vec<&str> = out.lines().collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "the oracle answered {} of {} pairs",
        answers.len(),
        pairs.len()
    );

    let mut disagreements = Vec::new();
    let mut accepted = 0;
    let mut refused = 0;
    for ((a, b), expected) in pairs.iter().zip(&answers).take(real_pairs) {
        let ours = answer(a, b);
        if ours == "error" && *expected == "error" {
            refused += 1;
        }
        if ours != *expected {
            if ACCEPTED_REAL_DISAGREEMENTS.contains(&(a.as_str(), b.as_str())) {
                accepted += 1;
            } else {
                disagreements.push(format!(
                    "{a} vs {b}: ours {ours}, composer/semver {expected}"
                ));
            }
        }
    }
    eprintln!(
        "Packagist: {real_pairs} pairs of {} real versions checked against composer/semver, {} agree ({refused} refused by both), {accepted} accepted disagreements, {} unexpected",
        strings.len(),
        real_pairs - accepted - disagreements.len(),
        disagreements.len()
    );
    for d in disagreements.iter().take(30) {
        eprintln!("  {d}");
    }

    for ((a, b, ours_expected, composer, rule), oracle) in QUIRKS.iter().zip(&answers[real_pairs..])
    {
        let ours = answer(a, b);
        assert_eq!(ours, *ours_expected, "{a} vs {b} ({rule})");
        eprintln!("  known quirk ({rule}): {a} vs {b}: ours {ours}, composer/semver {oracle}");
        assert!(
            *oracle == *composer || *oracle == ours,
            "{a} vs {b}: composer/semver answered {oracle}"
        );
    }

    assert!(real_pairs >= 3000, "only {real_pairs} pairs");
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}
