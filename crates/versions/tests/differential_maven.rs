//! Differential test: our Maven ordering against Maven's own
//! `org.apache.maven.artifact.versioning.ComparableVersion` (the maven-artifact jar, run
//! through `tests/oracles/MavenCompare.java`), on thousands of pairs of real Maven versions:
//! every version string of the OSV Maven archive plus the versions of WebGoat's `pom.xml`.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::*;
use patchwarden_versions::maven::MavenVersion;

/// Pairs on which Maven's `ComparableVersion` answers differently from us in the real data,
/// because of a quirk we deliberately do not follow. Empty: on the real strings, the two
/// orderings agree everywhere.
const ACCEPTED_REAL_DISAGREEMENTS: &[(&str, &str)] = &[];

/// Shapes where `ComparableVersion` (3.8.7, the Debian jar) breaks the specification or the
/// total order, and we follow the specification instead (see `maven.rs`). None occurs in the
/// real data; they are listed so the deviations are visible and checked. Each entry: the
/// pair, our answer, Maven 3.8.7's answer, and the rule.
const QUIRKS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "1-ga-1",
        "1-1",
        "=",
        "<",
        // Trailing nulls are trimmed at each hyphen and an emptied segment disappears; the
        // POM reference lists `1-ga-1` = `1-1` as an example. Maven keeps an empty level.
        "trimming at each hyphen",
    ),
    (
        "1.0.0-final-1",
        "1-1",
        "=",
        "<",
        // Same rule: `-final` is a null segment, trimmed away.
        "trimming at each hyphen",
    ),
    (
        "1.0.alpha.1",
        "1-alpha.1",
        "=",
        ">",
        // A qualifier is `-`-prefixed wherever it stands (`.qualifier` = `-qualifier`); Maven
        // does so only for a last qualifier or one directly followed by a digit, which makes
        // its order cyclic: 1.0.alpha.1 < 1 < 1.ga.1 < 1.0.alpha.1.
        ".qualifier = -qualifier",
    ),
    (
        "1.0.alpha.1",
        "1.ga.1",
        "<",
        ">",
        // The cycle above, resolved by the same rule.
        ".qualifier = -qualifier",
    ),
    (
        "1-٣",
        "1-3",
        "<",
        "=",
        // Numbers are runs of ASCII digits; Maven's Character.isDigit also reads other
        // scripts' digits as numbers.
        "ASCII digits only",
    ),
];

/// The maven-artifact jar: where Debian's `libmaven3-core-java` puts it.
fn maven_jar() -> PathBuf {
    let preferred = PathBuf::from("/usr/share/maven/lib/maven-artifact-3.x.jar");
    if preferred.exists() {
        return preferred;
    }
    for dir in ["/usr/share/maven/lib", "/usr/share/java"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if (name.starts_with("maven-artifact") || name.starts_with("maven3-artifact"))
                && name.ends_with(".jar")
            {
                return entry.path();
            }
        }
    }
    preferred
}

fn oracle_source() -> String {
    repo_root()
        .join("crates/versions/tests/oracles/MavenCompare.java")
        .to_string_lossy()
        .into_owned()
}

/// The versions WebGoat's `pom.xml` declares: the texts of its `<version>` elements, and of
/// its `<….version>` properties, which those elements reference as `${….version}`. A simple
/// scan, not an XML parser; property references themselves are not versions and are skipped.
fn webgoat_versions(data: &Path) -> Vec<String> {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::new();
    zip.by_name("webgoat__2026__pom.xml")
        .unwrap_or_else(|e| panic!("webgoat__2026__pom.xml: {e}"))
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        if tag != "version" && !tag.ends_with(".version") {
            continue;
        }
        let end_tag = format!("</{tag}>");
        if let Some(end) = rest.find(&end_tag) {
            let value = rest[..end].trim();
            if !value.is_empty() && !value.contains("${") && !value.contains('<') {
                out.push(value.to_string());
            }
        }
    }
    out
}

fn answer(a: &str, b: &str) -> String {
    match (MavenVersion::parse(a), MavenVersion::parse(b)) {
        (Ok(x), Ok(y)) => symbol(x.cmp(&y)).to_string(),
        _ => "error".to_string(),
    }
}

#[test]
fn maven_agrees_with_comparable_version() {
    let Some(data) = shared_data() else { return };
    let webgoat = webgoat_versions(&data);
    assert!(
        webgoat.len() >= 10,
        "WebGoat pom.xml: only {} versions",
        webgoat.len()
    );
    let strings: Vec<String> = osv_version_strings(&data, "Maven-all.zip", "Maven")
        .into_iter()
        .chain(webgoat)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Every neighbour pair and random pairs of all strings, then the same over the strings
    // with a qualifier, where the orderings have the most room to differ.
    let mut pairs = sample_pairs(&strings, 5000);
    let qualified: Vec<String> = strings
        .iter()
        .filter(|s| s.bytes().any(|b| b.is_ascii_alphabetic()))
        .cloned()
        .collect();
    pairs.extend(sample_pairs(&qualified, 3000));
    let real_pairs = pairs.len();
    pairs.extend(
        QUIRKS
            .iter()
            .map(|(a, b, ..)| (a.to_string(), b.to_string())),
    );

    let jar = maven_jar();
    let jar = jar.to_string_lossy();
    let Some(out) = run_oracle(
        "java",
        &["-cp", &jar, &oracle_source()],
        &pairs_input(&pairs),
    ) else {
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
    for ((a, b), expected) in pairs.iter().zip(&answers).take(real_pairs) {
        let ours = answer(a, b);
        if ours != *expected {
            if ACCEPTED_REAL_DISAGREEMENTS.contains(&(a.as_str(), b.as_str())) {
                accepted += 1;
            } else {
                disagreements.push(format!("{a} vs {b}: ours {ours}, Maven {expected}"));
            }
        }
    }
    eprintln!(
        "Maven: {real_pairs} pairs of {} real versions checked against ComparableVersion, {} agree, {accepted} accepted disagreements, {} unexpected",
        strings.len(),
        real_pairs - accepted - disagreements.len(),
        disagreements.len()
    );
    for d in disagreements.iter().take(30) {
        eprintln!("  {d}");
    }

    for ((a, b, ours_expected, maven_3_8_7, rule), oracle) in
        QUIRKS.iter().zip(&answers[real_pairs..])
    {
        let ours = answer(a, b);
        assert_eq!(ours, *ours_expected, "{a} vs {b} ({rule})");
        eprintln!("  known quirk ({rule}): {a} vs {b}: ours {ours}, Maven {oracle}");
        assert!(
            *oracle == *maven_3_8_7 || *oracle == ours,
            "{a} vs {b}: Maven answered {oracle}"
        );
    }

    assert!(real_pairs >= 3000, "only {real_pairs} pairs");
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}
