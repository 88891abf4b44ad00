//! Matches components against OSV advisories.
//!
//! A component matches an advisory when one of the advisory's `affected` entries names the
//! same ecosystem and package (names compared the ecosystem's way) and the component's
//! version lies in that entry's ranges or versions list. Withdrawn advisories never match.
//! Nothing here does IO: the caller hands in the candidate advisories.

use patchwarden_core::{Component, Ecosystem, normalize_package_name};
use patchwarden_osv::{Advisory, Affected};
use patchwarden_versions::{
    Event, Range, RangeKind, Scheme, VersionError, evaluate, upgrade_targets,
};

/// A component found inside an advisory's affected versions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    /// Id of the matching advisory.
    pub advisory_id: String,
    /// Index of the `affected` entry that matched (the first one, when several did).
    pub affected_index: usize,
    /// Versions that fix it, above the installed one, lowest first.
    pub fixed: Vec<String>,
    /// The ordering used is not exact for the ecosystem.
    pub approximate: bool,
}

/// An advisory that names the component's package but could not be evaluated, usually a
/// version that does not parse in the ecosystem's scheme. Reported, never dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchProblem {
    /// Id of the advisory.
    pub advisory_id: String,
    /// What went wrong.
    pub error: VersionError,
}

/// What matching one component gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComponentMatches {
    /// Advisories the component is affected by, one entry per advisory.
    pub matches: Vec<Match>,
    /// Advisories that could not be decided.
    pub problems: Vec<MatchProblem>,
}

/// Converts an OSV affected entry's ranges into the version engine's form.
pub fn ranges_of(affected: &Affected) -> Vec<Range<'_>> {
    affected
        .ranges
        .iter()
        .map(|r| Range {
            kind: RangeKind::parse(&r.kind),
            events: r
                .events
                .iter()
                .filter_map(|e| {
                    if let Some(v) = &e.introduced {
                        Some(Event::Introduced(v))
                    } else if let Some(v) = &e.fixed {
                        Some(Event::Fixed(v))
                    } else if let Some(v) = &e.last_affected {
                        Some(Event::LastAffected(v))
                    } else {
                        e.limit.as_deref().map(Event::Limit)
                    }
                })
                .collect(),
        })
        .collect()
}

/// The affected versions of an entry in words, one line per interval of each range
/// (`SEMVER >=1.0.0, <1.6.1`; `ECOSYSTEM >=0, <=2.3 (last affected)`), then the count of
/// versions it lists one by one. GIT ranges are left out: they name commits, not releases.
pub fn describe_ranges(affected: &Affected) -> Vec<String> {
    let mut out = Vec::new();
    for range in &affected.ranges {
        if range.kind.eq_ignore_ascii_case("GIT") {
            continue;
        }
        let mut lower: Option<&str> = None;
        for e in &range.events {
            if let Some(v) = &e.introduced {
                if let Some(l) = lower.replace(v) {
                    out.push(format!("{} >={l}", range.kind));
                }
            } else if let Some(v) = &e.fixed {
                out.push(format!(
                    "{} >={}, <{v}",
                    range.kind,
                    lower.take().unwrap_or("0")
                ));
            } else if let Some(v) = &e.last_affected {
                out.push(format!(
                    "{} >={}, <={v}",
                    range.kind,
                    lower.take().unwrap_or("0")
                ));
            } else if let Some(v) = &e.limit {
                out.push(format!("{} limit <{v}", range.kind));
            }
        }
        if let Some(l) = lower {
            out.push(format!("{} >={l}", range.kind));
        }
    }
    if !affected.versions.is_empty() {
        out.push(format!("{} versions listed", affected.versions.len()));
    }
    out
}

/// Whether an affected entry names package `name` of `ecosystem` (names compared the
/// ecosystem's way; a Red Hat stream such as `enterprise_linux:9::appstream` applies to
/// `enterprise_linux:9`).
pub fn names_package(affected: &Affected, ecosystem: &Ecosystem, name: &str) -> bool {
    let Some(package) = &affected.package else {
        return false;
    };
    let named = Ecosystem::parse(&package.ecosystem);
    named.applies_to(ecosystem)
        && normalize_package_name(named.kind(), &package.name)
            == normalize_package_name(ecosystem.kind(), name)
}

/// Matches one component against candidate advisories (typically those the store indexes
/// under the component's ecosystem and name; others are simply skipped).
pub fn match_component<'a>(
    component: &Component,
    advisories: impl IntoIterator<Item = &'a Advisory>,
) -> ComponentMatches {
    let scheme = Scheme::for_ecosystem(component.ecosystem.kind());
    let mut out = ComponentMatches::default();
    for advisory in advisories {
        if advisory.is_withdrawn() {
            continue;
        }
        let mut found: Option<Match> = None;
        for (index, affected) in advisory.affected.iter().enumerate() {
            if !names_package(affected, &component.ecosystem, &component.name) {
                continue;
            }
            let ranges = ranges_of(affected);
            let versions: Vec<&str> = affected.versions.iter().map(String::as_str).collect();
            match evaluate(scheme, &component.version, &ranges, &versions) {
                Ok(v) if v.affected => {
                    let fixed = upgrade_targets(scheme, &component.version, &ranges, &versions);
                    match &mut found {
                        Some(m) => {
                            m.approximate |= v.approximate;
                            for f in fixed {
                                if !m.fixed.contains(&f) {
                                    m.fixed.push(f);
                                }
                            }
                        }
                        None => {
                            found = Some(Match {
                                advisory_id: advisory.id.clone(),
                                affected_index: index,
                                fixed,
                                approximate: v.approximate,
                            })
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => out.problems.push(MatchProblem {
                    advisory_id: advisory.id.clone(),
                    error,
                }),
            }
        }
        if let Some(m) = found {
            out.matches.push(m);
        }
    }
    out
}

/// The upgrade that clears every advisory matched on one component.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Remediation {
    /// The smallest version above the installed one that none of the advisories affects,
    /// preferring one with the installed major version; `None` when no version the
    /// advisories name clears them all.
    pub upgrade_to: Option<String>,
    /// `upgrade_to` keeps the installed major version (for SemVer, `0.x` counts as a major).
    pub same_major: bool,
    /// When `upgrade_to` leaves the major version: the smallest version within it that
    /// clears some of the advisories, and does not clear the rest.
    pub partial_in_major: Option<String>,
    /// Advisories with no fixed version at all: no upgrade clears them (no fix available).
    pub unfixed: Vec<String>,
}

/// The major version of a version string, for "stay within the major" advice: the text up
/// to the first `.` (a leading `v` dropped); for SemVer `0.y.z` the major is `0.y`, since
/// Cargo and npm treat each `0.y` as incompatible with the next.
pub fn major_of(version: &str) -> &str {
    let v = version.strip_prefix('v').unwrap_or(version);
    match v.split_once('.') {
        None => v,
        Some(("0", rest)) => {
            let minor = rest.split_once('.').map_or(rest, |(m, _)| m);
            &v[..2 + minor.len()]
        }
        Some((major, _)) => major,
    }
}

/// Whether `candidate` is left unaffected by every entry of `advisory` naming the
/// component's package. An evaluation error counts as affected (never advise blindly).
fn clears(component: &Component, scheme: Scheme, advisory: &Advisory, candidate: &str) -> bool {
    advisory
        .affected
        .iter()
        .filter(|a| names_package(a, &component.ecosystem, &component.name))
        .all(|a| {
            let versions: Vec<&str> = a.versions.iter().map(String::as_str).collect();
            evaluate(scheme, candidate, &ranges_of(a), &versions).is_ok_and(|v| !v.affected)
        })
}

/// The smallest upgrade of `component` that clears every advisory in `matched` (those it
/// matched, with their [`Match`]es): candidates are the fixed versions the matches offer;
/// each is checked against every matched advisory, since a fix of one can lie inside
/// another's affected range. A candidate within the installed major version is preferred.
pub fn remediate<'a>(
    component: &Component,
    matched: impl IntoIterator<Item = (&'a Advisory, &'a Match)>,
) -> Remediation {
    let scheme = Scheme::for_ecosystem(component.ecosystem.kind());
    let matched: Vec<(&Advisory, &Match)> = matched.into_iter().collect();
    let mut candidates: Vec<&str> = Vec::new();
    for (_, m) in &matched {
        for f in &m.fixed {
            if !candidates.contains(&f.as_str()) {
                candidates.push(f);
            }
        }
    }
    candidates.sort_by(|a, b| scheme.compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
    let unfixed: Vec<String> = matched
        .iter()
        .filter(|(_, m)| m.fixed.is_empty())
        .map(|(a, _)| a.id.clone())
        .collect();
    let major = major_of(&component.version);
    let clearing = |c: &&&str| matched.iter().all(|(a, _)| clears(component, scheme, a, c));
    let in_major: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|c| major_of(c) == major)
        .collect();
    let best_in_major = in_major.iter().find(clearing).copied();
    let best = best_in_major.or_else(|| candidates.iter().find(clearing).copied());
    let partial_in_major = match (best_in_major, best) {
        (None, Some(_)) => in_major.last().map(|s| s.to_string()),
        _ => None,
    };
    Remediation {
        upgrade_to: best.map(|s| s.to_string()),
        same_major: best_in_major.is_some(),
        partial_in_major,
        unfixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchwarden_core::{EcosystemKind, Location};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn major_of_never_panics_and_is_a_prefix(v in "\\PC{0,12}") {
            let m = major_of(&v);
            prop_assert!(v.trim_start_matches('v').starts_with(m) || v.starts_with(m));
        }
    }

    fn advisory(json: &str) -> Advisory {
        Advisory::from_json(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn component(eco: EcosystemKind, name: &str, version: &str) -> Component {
        Component::new(Ecosystem::new(eco), name, version, Location::file("lock"))
    }

    const PYYAML: &str = r#"{"id":"PYSEC-T","modified":"2021-01-01T00:00:00Z","affected":[
        {"package":{"ecosystem":"PyPI","name":"PyYAML"},
         "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.4"}]}]}]}"#;

    #[test]
    fn matches_by_normalised_name_and_range() {
        let adv = advisory(PYYAML);
        let m = match_component(&component(EcosystemKind::PyPI, "pyyaml", "5.1"), [&adv]);
        assert_eq!(m.matches.len(), 1);
        assert_eq!(m.matches[0].fixed, ["5.4"]);
        let m = match_component(&component(EcosystemKind::PyPI, "PyYAML", "5.4"), [&adv]);
        assert!(m.matches.is_empty());
        // Same name, other ecosystem: no match.
        let m = match_component(&component(EcosystemKind::Npm, "PyYAML", "5.1.0"), [&adv]);
        assert!(m.matches.is_empty() && m.problems.is_empty());
    }

    #[test]
    fn fixed_versions_inside_another_interval_are_not_offered() {
        let adv = advisory(
            r#"{"id":"T","modified":"2021-01-01T00:00:00Z","affected":[
            {"package":{"ecosystem":"crates.io","name":"time"},
             "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"0.2.0"},
               {"introduced":"0.2.1-0"},{"fixed":"0.2.2"},{"introduced":"0.2.7"},{"fixed":"0.2.23"}]}]}]}"#,
        );
        let m = match_component(
            &component(EcosystemKind::CratesIo, "time", "0.1.43"),
            [&adv],
        );
        assert_eq!(m.matches[0].fixed, ["0.2.0", "0.2.2", "0.2.23"]);
    }

    #[test]
    fn withdrawn_advisories_never_match() {
        let mut adv = advisory(PYYAML);
        adv.withdrawn = Some("2022-01-01T00:00:00Z".into());
        let m = match_component(&component(EcosystemKind::PyPI, "pyyaml", "5.1"), [&adv]);
        assert!(m.matches.is_empty());
    }

    #[test]
    fn unparsable_installed_version_is_a_problem_not_a_miss() {
        let adv = advisory(PYYAML);
        let m = match_component(&component(EcosystemKind::PyPI, "pyyaml", "five"), [&adv]);
        assert!(m.matches.is_empty());
        assert_eq!(m.problems.len(), 1);
        assert_eq!(m.problems[0].advisory_id, "PYSEC-T");
    }

    fn semver_advisory(id: &str, events: &str) -> Advisory {
        advisory(&format!(
            r#"{{"id":"{id}","modified":"2021-01-01T00:00:00Z","affected":[
            {{"package":{{"ecosystem":"npm","name":"lib"}},
             "ranges":[{{"type":"SEMVER","events":[{events}]}}]}}]}}"#
        ))
    }

    fn remediation_of(version: &str, advisories: &[Advisory]) -> Remediation {
        let c = component(EcosystemKind::Npm, "lib", version);
        let result = match_component(&c, advisories);
        let pairs: Vec<(&Advisory, &Match)> = result
            .matches
            .iter()
            .filter_map(|m| {
                advisories
                    .iter()
                    .find(|a| a.id == m.advisory_id)
                    .map(|a| (a, m))
            })
            .collect();
        remediate(&c, pairs)
    }

    #[test]
    fn the_smallest_upgrade_clearing_every_advisory_in_the_major() {
        // A: fixed in 1.2.0 and 2.0.1; B: 1.2.0 is still affected, fixed in 1.3.0.
        let a = semver_advisory(
            "A",
            r#"{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"2.0.0"},{"fixed":"2.0.1"}"#,
        );
        let b = semver_advisory("B", r#"{"introduced":"1.1.0"},{"fixed":"1.3.0"}"#);
        let r = remediation_of("1.1.5", &[a.clone(), b.clone()]);
        assert_eq!(r.upgrade_to.as_deref(), Some("1.3.0"));
        assert!(r.same_major && r.unfixed.is_empty());
        // From 2.0.0 only A applies: 2.0.1.
        let r = remediation_of("2.0.0", &[a, b]);
        assert_eq!(r.upgrade_to.as_deref(), Some("2.0.1"));
    }

    #[test]
    fn leaving_the_major_is_said_and_no_fix_is_explicit() {
        let a = semver_advisory("A", r#"{"introduced":"0"},{"fixed":"1.4.0"}"#);
        let b = semver_advisory("B", r#"{"introduced":"1.0.0"},{"fixed":"2.0.0"}"#);
        let r = remediation_of("1.2.0", &[a, b]);
        assert_eq!(r.upgrade_to.as_deref(), Some("2.0.0"));
        assert!(!r.same_major);
        assert_eq!(r.partial_in_major.as_deref(), Some("1.4.0"));
        let none = semver_advisory("N", r#"{"introduced":"0"}"#);
        let r = remediation_of("1.2.0", &[none]);
        assert_eq!(r.upgrade_to, None);
        assert_eq!(r.unfixed, ["N"]);
    }

    #[test]
    fn ranges_in_words() {
        let adv = semver_advisory(
            "A",
            r#"{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"2.0.0"},{"last_affected":"2.0.3"},{"introduced":"3.0.0"}"#,
        );
        assert_eq!(
            describe_ranges(&adv.affected[0]),
            [
                "SEMVER >=0, <1.2.0",
                "SEMVER >=2.0.0, <=2.0.3",
                "SEMVER >=3.0.0"
            ]
        );
    }

    #[test]
    fn majors_follow_semver_zero_rule() {
        assert_eq!(major_of("1.2.3"), "1");
        assert_eq!(major_of("v2.0"), "2");
        assert_eq!(major_of("0.4.7"), "0.4");
        assert_eq!(major_of("0"), "0");
        assert_eq!(major_of("3"), "3");
        assert_eq!(major_of("0.4"), "0.4");
        assert_eq!(major_of("0."), "0.");
        assert_eq!(major_of(""), "");
    }
}
