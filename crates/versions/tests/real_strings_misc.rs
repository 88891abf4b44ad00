//! Every version string in the real OSV archives of Hackage, GHC and CRAN parses in its
//! ordering, sorting them is consistent, and each advisory range opens below where it closes.
//!
//! Alpine/Wolfi/Chainguard (`ApkVersion`) and pub.dev (`PubVersion`) have no archive in
//! `../shared/data/osv-all`; they are covered by apk-tools' vectors (`reference_apk.rs`) and
//! by unit tests.

mod common;

use std::cmp::Ordering;
use std::fmt::Debug;
use std::path::Path;

use common::{osv_records, osv_version_strings, shared_data};
use patchwarden_versions::cran::CranVersion;
use patchwarden_versions::hackage::HackageVersion;

/// Parses every string, failing with the list of rejects (none are expected: an exception
/// would be listed here with its reason); then checks that sorting is consistent.
fn check_all_parse_and_sort<V: Ord + Debug>(
    label: &str,
    strings: &[String],
    parse: impl Fn(&str) -> Result<V, String>,
) {
    assert!(!strings.is_empty(), "{label}: no version strings found");
    let mut parsed = Vec::new();
    let mut rejected = Vec::new();
    for s in strings {
        match parse(s) {
            Ok(v) => parsed.push((v, s.as_str())),
            Err(e) => rejected.push(format!("`{s}`: {e}")),
        }
    }
    assert!(
        rejected.is_empty(),
        "{label}: {} of {} strings rejected:\n{}",
        rejected.len(),
        strings.len(),
        rejected.join("\n")
    );

    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    for w in parsed.windows(2) {
        assert!(
            w[0].0 <= w[1].0,
            "{label}: `{}` sorted before `{}`",
            w[0].1,
            w[1].1
        );
    }
    // All pairs, not only neighbours: the lists are small.
    for (i, (a, sa)) in parsed.iter().enumerate() {
        for (b, sb) in &parsed[i..] {
            assert_ne!(
                a.cmp(b),
                Ordering::Greater,
                "{label}: `{sa}` > `{sb}` after sorting"
            );
            assert_eq!(
                a.cmp(b),
                b.cmp(a).reverse(),
                "{label}: `{sa}` vs `{sb}` not antisymmetric"
            );
        }
    }
    eprintln!(
        "{label}: {} distinct version strings parsed and sorted ({} .. {})",
        strings.len(),
        parsed.first().map_or("", |p| p.1),
        parsed.last().map_or("", |p| p.1)
    );
}

/// In every ECOSYSTEM range, an `introduced` event must sort below the `fixed` that follows it
/// (and not above a following `last_affected`). Returns how many pairs were checked.
fn check_ranges_open_below_close<V: Ord>(
    label: &str,
    data: &Path,
    zip_name: &str,
    ecosystem_prefix: &str,
    parse: impl Fn(&str) -> Result<V, String>,
) -> usize {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for record in osv_records(data, zip_name) {
        let id = record["id"].as_str().unwrap_or("?").to_string();
        for affected in record["affected"].as_array().into_iter().flatten() {
            let eco = affected["package"]["ecosystem"]
                .as_str()
                .unwrap_or_default();
            if !eco.starts_with(ecosystem_prefix) {
                continue;
            }
            for range in affected["ranges"].as_array().into_iter().flatten() {
                if range["type"] != "ECOSYSTEM" {
                    continue;
                }
                let mut open: Option<String> = None;
                for event in range["events"].as_array().into_iter().flatten() {
                    if let Some(intro) = event["introduced"].as_str() {
                        open = (intro != "0").then(|| intro.to_string());
                        continue;
                    }
                    let Some(start) = open.take() else { continue };
                    let (end, strict) = if let Some(fixed) = event["fixed"].as_str() {
                        (fixed, true)
                    } else if let Some(last) = event["last_affected"].as_str() {
                        (last, false)
                    } else {
                        continue;
                    };
                    let (Ok(a), Ok(b)) = (parse(&start), parse(end)) else {
                        wrong.push(format!("{id}: unparsable bound `{start}` or `{end}`"));
                        continue;
                    };
                    checked += 1;
                    let ok = if strict { a < b } else { a <= b };
                    if !ok {
                        wrong.push(format!("{id}: introduced `{start}` is not below `{end}`"));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{label}: {}", wrong.join("\n"));
    eprintln!("{label}: {checked} introduced/closing pairs in order");
    checked
}

#[test]
fn hackage_strings_parse_and_sort() {
    let Some(data) = shared_data() else { return };
    let strings = osv_version_strings(&data, "Hackage-all.zip", "Hackage");
    check_all_parse_and_sort("Hackage", &strings, HackageVersion::parse);
    check_ranges_open_below_close(
        "Hackage",
        &data,
        "Hackage-all.zip",
        "Hackage",
        HackageVersion::parse,
    );
}

#[test]
fn ghc_strings_parse_and_sort() {
    // GHC releases are numbered like Cabal versions.
    let Some(data) = shared_data() else { return };
    let strings = osv_version_strings(&data, "GHC-all.zip", "GHC");
    check_all_parse_and_sort("GHC", &strings, HackageVersion::parse);
    check_ranges_open_below_close("GHC", &data, "GHC-all.zip", "GHC", HackageVersion::parse);
}

#[test]
fn cran_strings_parse_and_sort() {
    let Some(data) = shared_data() else { return };
    let strings = osv_version_strings(&data, "CRAN-all.zip", "CRAN");
    check_all_parse_and_sort("CRAN", &strings, CranVersion::parse);
    check_ranges_open_below_close("CRAN", &data, "CRAN-all.zip", "CRAN", CranVersion::parse);
}
