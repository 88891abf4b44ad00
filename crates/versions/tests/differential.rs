//! Differential tests: our orderings against the reference implementations, on thousands of
//! pairs of real version strings from `../shared/data`. The oracles are installed by
//! `.ci/oracles.sh`; outside CI a missing oracle skips its test with a message.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use common::*;
use patchwarden_versions::Scheme;

/// Pairs whose oracle answer differs from ours, or that one side rejects and the other not.
struct Outcome {
    checked: usize,
    disagreements: Vec<String>,
}

fn compare_with_oracle(scheme: Scheme, pairs: &[(String, String)], oracle_output: &str) -> Outcome {
    let answers: Vec<&str> = oracle_output.lines().collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "oracle answered {} of {} pairs",
        answers.len(),
        pairs.len()
    );
    let mut disagreements = Vec::new();
    for ((a, b), expected) in pairs.iter().zip(answers) {
        let ours = match scheme.compare(a, b) {
            Ok(o) => symbol(o).to_string(),
            Err(_) => "error".to_string(),
        };
        if ours != expected {
            disagreements.push(format!("{a} vs {b}: ours {ours}, oracle {expected}"));
        }
    }
    Outcome {
        checked: pairs.len(),
        disagreements,
    }
}

fn report(name: &str, outcome: &Outcome) {
    eprintln!(
        "{name}: {} pairs checked, {} disagreements",
        outcome.checked,
        outcome.disagreements.len()
    );
    for d in outcome.disagreements.iter().take(20) {
        eprintln!("  {d}");
    }
}

fn oracle(file: &str) -> String {
    repo_root()
        .join("crates/versions/tests/oracles")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

/// Version strings of one kind inside lockfiles.zip entries, extracted by `pick`.
fn lockfile_strings(
    data: &Path,
    entries: &[&str],
    pick: impl Fn(&str) -> Vec<String>,
) -> Vec<String> {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for entry in entries {
        let mut text = String::new();
        zip.by_name(entry)
            .unwrap_or_else(|e| panic!("{entry}: {e}"))
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{e}"));
        out.extend(pick(&text));
    }
    out
}

fn merge(a: Vec<String>, b: Vec<String>) -> Vec<String> {
    a.into_iter()
        .chain(b)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn pep440_agrees_with_python_packaging() {
    let Some(data) = shared_data() else { return };
    let from_lockfiles = lockfile_strings(
        &data,
        &[
            "pygoat__requirements.txt",
            "netbox__2020-11__requirements.txt",
            "netbox__2026__requirements.txt",
        ],
        |t| {
            t.lines()
                .filter_map(|l| l.split_once("==").map(|(_, v)| v.trim().to_string()))
                .collect()
        },
    );
    let strings = merge(
        osv_version_strings(&data, "PyPI-all.zip", "PyPI"),
        from_lockfiles,
    );
    let pairs = sample_pairs(&strings, 6000);
    let Some(out) = run_oracle("python3", &[&oracle("pep440.py")], &pairs_input(&pairs)) else {
        return;
    };
    let outcome = compare_with_oracle(Scheme::Pep440, &pairs, &out);
    report("PEP 440", &outcome);
    assert!(outcome.checked >= 3000);
    assert!(outcome.disagreements.is_empty());
}

#[test]
fn dpkg_agrees_with_dpkg_compare_versions() {
    let Some(data) = shared_data() else { return };
    // Real Debian versions: the installed packages of a Debian 12 system (dpkg status).
    let mut text = String::new();
    flate2_free_gunzip(&data.join("os/debian-dpkg-status.gz"), &mut text);
    let mut strings: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("Version: ").map(str::to_string))
        .collect();
    strings.sort();
    strings.dedup();
    let pairs = sample_pairs(&strings, 3000);
    let Some(out) = run_oracle("bash", &[&oracle("dpkg.sh")], &pairs_input(&pairs)) else {
        return;
    };
    let outcome = compare_with_oracle(Scheme::Dpkg, &pairs, &out);
    report("dpkg", &outcome);
    assert!(outcome.checked >= 1000);
    assert!(outcome.disagreements.is_empty());
}

/// gunzip through the `gzip` tool: keeps the test free of a decompression dependency.
fn flate2_free_gunzip(path: &Path, out: &mut String) {
    let bytes = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("gzip: {e}"))
        .stdout;
    *out = String::from_utf8_lossy(&bytes).into_owned();
}

#[test]
fn rpm_agrees_with_rpm_label_compare() {
    let Some(data) = shared_data() else { return };
    let strings = osv_version_strings(&data, "AlmaLinux-all.zip", "AlmaLinux");
    let pairs = sample_pairs(&strings, 6000);
    let Some(out) = run_oracle(
        "/usr/bin/python3",
        &[&oracle("rpm_labelcompare.py")],
        &pairs_input(&pairs),
    ) else {
        return;
    };
    let outcome = compare_with_oracle(Scheme::Rpm, &pairs, &out);
    report("RPM", &outcome);
    assert!(outcome.checked >= 3000);
    assert!(outcome.disagreements.is_empty());
}

#[test]
fn npm_agrees_with_node_semver() {
    let Some(data) = shared_data() else { return };
    let from_lockfiles = lockfile_strings(
        &data,
        &[
            "juice-shop__package-lock.v3.json",
            "nodegoat__package-lock.v2.json",
        ],
        |t| {
            t.lines()
                .filter_map(|l| l.trim().strip_prefix("\"version\": \""))
                .map(|v| v.trim_end_matches(['"', ',']).to_string())
                .collect()
        },
    );
    let strings = merge(
        osv_version_strings(&data, "npm-all.zip", "npm"),
        from_lockfiles,
    );
    let pairs = sample_pairs(&strings, 6000);
    let node_path = repo_root().join("target/oracles/node_modules");
    if !node_path.join("semver").is_dir() && std::env::var("CI").is_err() {
        eprintln!("skipping: node semver not installed (run .ci/oracles.sh)");
        return;
    }
    let Some(out) = run_oracle(
        "node",
        &[&oracle("semver.js"), &node_path.to_string_lossy()],
        &pairs_input(&pairs),
    ) else {
        return;
    };
    let outcome = compare_with_oracle(Scheme::Npm, &pairs, &out);
    report("npm", &outcome);
    assert!(outcome.checked >= 3000);
    assert!(outcome.disagreements.is_empty());
}

#[test]
fn rubygems_agrees_with_gem_version() {
    let Some(data) = shared_data() else { return };
    let from_lockfiles = lockfile_strings(
        &data,
        &[
            "railsgoat__2021__Gemfile.lock",
            "railsgoat__2026__Gemfile.lock",
        ],
        |t| {
            t.lines()
                .filter_map(|l| l.trim().split_once(" ("))
                .map(|(_, v)| {
                    v.trim_end_matches(')')
                        .split('-')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                .collect()
        },
    );
    let strings = merge(
        osv_version_strings(&data, "RubyGems-all.zip", "RubyGems"),
        from_lockfiles,
    );
    let pairs = sample_pairs(&strings, 6000);
    let Some(out) = run_oracle("ruby", &[&oracle("gem.rb")], &pairs_input(&pairs)) else {
        return;
    };
    let outcome = compare_with_oracle(Scheme::RubyGems, &pairs, &out);
    report("RubyGems", &outcome);
    assert!(outcome.checked >= 3000);
    assert!(outcome.disagreements.is_empty());
}
