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

/// Whether an affected entry names package `name` of `ecosystem` (names compared the
/// ecosystem's way).
pub fn names_package(affected: &Affected, ecosystem: &Ecosystem, name: &str) -> bool {
    let Some(package) = &affected.package else {
        return false;
    };
    let named = Ecosystem::parse(&package.ecosystem);
    named == *ecosystem
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

#[cfg(test)]
mod tests {
    use super::*;
    use patchwarden_core::{EcosystemKind, Location};

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
}
