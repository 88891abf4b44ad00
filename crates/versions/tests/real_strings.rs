//! Every version string the real OSV archives use must parse in its ecosystem's scheme, or the
//! failure must be a genuinely invalid string listed here with the reason. A string we cannot
//! parse would make matching report a problem instead of a verdict.

mod common;

use std::collections::BTreeMap;

use common::*;
use patchwarden_core::Ecosystem;
use patchwarden_versions::Scheme;

/// PyPI still serves some releases from before PEP 440 (`0.3.2d`, `0.1-bulbasaur`), and PYSEC
/// records enumerate them; two records even use one as a range event (PYSEC-2021-371
/// `0.2.0-n653`, PYSEC-2019-125 `2019-09-12`). They are not PEP 440 versions: Python
/// `packaging` rejects them too, which the test confirms with the oracle. Matching reports
/// such a package as a problem instead of a verdict.
fn confirm_pypi_failures_with_packaging(failures: &[String]) -> bool {
    let pairs: Vec<(String, String)> = failures
        .iter()
        .map(|s| (s.clone(), "0".to_string()))
        .collect();
    let script = repo_root().join("crates/versions/tests/oracles/pep440.py");
    let Some(out) = run_oracle(
        "python3",
        &[&script.to_string_lossy()],
        &pairs_input(&pairs),
    ) else {
        return false;
    };
    let answers: Vec<&str> = out.lines().collect();
    for (s, answer) in failures.iter().zip(&answers) {
        assert_eq!(*answer, "error", "packaging accepts {s:?} but we do not");
    }
    assert_eq!(answers.len(), failures.len());
    eprintln!(
        "  all {} PyPI failures are rejected by Python packaging as well",
        failures.len()
    );
    true
}

#[test]
fn every_real_osv_version_string_parses_in_its_scheme() {
    let Some(data) = shared_data() else { return };
    let zips = [
        "AlmaLinux-all.zip",
        "Bitnami-all.zip",
        "CRAN-all.zip",
        "crates-all.zip",
        "GHC-all.zip",
        "Go-all.zip",
        "Hackage-all.zip",
        "Julia-all.zip",
        "Maven-all.zip",
        "npm-all.zip",
        "NuGet-all.zip",
        "Packagist-all.zip",
        "PyPI-all.zip",
        "RubyGems-all.zip",
        "SwiftURL-all.zip",
    ];
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut checked = 0usize;
    for zip in zips {
        let mut by_ecosystem: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for record in osv_records(&data, zip) {
            for affected in record["affected"].as_array().into_iter().flatten() {
                let eco = affected["package"]["ecosystem"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let list = by_ecosystem.entry(eco).or_default();
                list.extend(
                    affected["versions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(String::from)),
                );
                for range in affected["ranges"].as_array().into_iter().flatten() {
                    if range["type"] != "ECOSYSTEM" {
                        continue;
                    }
                    for event in range["events"].as_array().into_iter().flatten() {
                        for key in ["introduced", "fixed", "last_affected"] {
                            if let Some(s) = event[key].as_str().filter(|s| *s != "0") {
                                list.push(s.to_string());
                            }
                        }
                    }
                }
            }
        }
        for (eco, mut strings) in by_ecosystem {
            strings.sort();
            strings.dedup();
            let scheme = Scheme::for_ecosystem(Ecosystem::parse(&eco).kind());
            for s in &strings {
                checked += 1;
                if scheme.parse(s).is_err() {
                    failures
                        .entry(format!("{eco} ({})", scheme.name()))
                        .or_default()
                        .push(s.clone());
                }
            }
        }
    }
    let failed: usize = failures.values().map(Vec::len).sum();
    eprintln!("{checked} version strings checked, {failed} do not parse");
    for (eco, list) in &failures {
        eprintln!(
            "  {eco}: {} e.g. {:?}",
            list.len(),
            &list[..list.len().min(8)]
        );
    }
    assert!(checked > 25_000);
    let pypi = failures.remove("PyPI (PEP 440)").unwrap_or_default();
    if !pypi.is_empty() {
        confirm_pypi_failures_with_packaging(&pypi);
    }
    assert!(failures.is_empty(), "{failures:?}");
}
