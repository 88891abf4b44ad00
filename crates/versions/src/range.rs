//! OSV affected-range evaluation, following the OSV schema's evaluation rules.

use std::cmp::Ordering;

use crate::scheme::{Scheme, Version, VersionError};

/// The `type` of an OSV range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    /// Versions are SemVer 2.0, whatever the package's ecosystem.
    SemVer,
    /// Versions use the package ecosystem's own ordering.
    Ecosystem,
    /// Commit hashes: they never decide package matching.
    Git,
    /// A type this version does not know: skipped like GIT.
    Unknown,
}

impl RangeKind {
    /// Reads the OSV `type` field.
    pub fn parse(s: &str) -> Self {
        match s {
            "SEMVER" => RangeKind::SemVer,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => RangeKind::Git,
            _ => RangeKind::Unknown,
        }
    }
}

/// One event of an OSV range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// Versions from here on are affected; `"0"` means from the very first version.
    Introduced(&'a str),
    /// Versions from here on are not affected (the fix).
    Fixed(&'a str),
    /// Versions after this one are not affected (no fix known, or the fix is unknown).
    LastAffected(&'a str),
    /// Versions from here on are outside this range altogether.
    Limit(&'a str),
}

impl Event<'_> {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    /// Rank among events at the same version: an interval opens before it closes, so
    /// `introduced: X, fixed: X` is empty and `introduced: X, last_affected: X` holds X.
    fn tie_rank(&self) -> u8 {
        match self {
            Event::Introduced(_) => 0,
            Event::LastAffected(_) => 1,
            Event::Fixed(_) => 2,
            Event::Limit(_) => 3,
        }
    }
}

/// One OSV range: its type and events, in any order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range<'a> {
    /// The range type.
    pub kind: RangeKind,
    /// The events.
    pub events: Vec<Event<'a>>,
}

/// The answer for one version against one affected entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The version lies in a range or in the explicit versions list.
    pub affected: bool,
    /// The ordering used is not exact for the ecosystem: treat the answer as a lead to check.
    pub approximate: bool,
}

/// An event's position in the ordering: `introduced: "0"` sorts before every version.
#[derive(Debug)]
enum Point {
    Zero,
    At(Version),
}

impl Point {
    fn cmp_version(&self, v: &Version) -> Ordering {
        match self {
            Point::Zero => Ordering::Less,
            Point::At(p) => p.cmp(v),
        }
    }
}

fn point_cmp(a: &Point, b: &Point) -> Ordering {
    match (a, b) {
        (Point::Zero, Point::Zero) => Ordering::Equal,
        (Point::Zero, Point::At(_)) => Ordering::Less,
        (Point::At(_), Point::Zero) => Ordering::Greater,
        (Point::At(x), Point::At(y)) => x.cmp(y),
    }
}

/// Parses and sorts a range's `introduced`, `fixed` and `last_affected` events in `scheme`
/// (`limit` events are handled apart, by [`before_limits`]).
fn sorted_events<'a>(
    scheme: Scheme,
    range: &Range<'a>,
) -> Result<Vec<(Point, Event<'a>)>, VersionError> {
    let mut points = Vec::with_capacity(range.events.len());
    for event in &range.events {
        let point = match event {
            Event::Limit(_) => continue,
            Event::Introduced("0") => Point::Zero,
            other => Point::At(scheme.parse(other.version())?),
        };
        points.push((point, *event));
    }
    points.sort_by(|(pa, ea), (pb, eb)| {
        point_cmp(pa, pb).then_with(|| ea.tie_rank().cmp(&eb.tie_rank()))
    });
    Ok(points)
}

/// The OSV `BeforeLimits` rule: with no `limit` event every version is within the limits;
/// otherwise the version must be below at least one limit. `"*"` is infinity.
fn before_limits(
    scheme: Scheme,
    version: &Version,
    range: &Range<'_>,
) -> Result<bool, VersionError> {
    let mut any_limit = false;
    for event in &range.events {
        if let Event::Limit(l) = event {
            any_limit = true;
            if *l == "*" || *version < scheme.parse(l)? {
                return Ok(true);
            }
        }
    }
    Ok(!any_limit)
}

/// Whether `version` lies in `range`, per the OSV evaluation algorithm: within the limits,
/// then walk the sorted events; `introduced` at or below the version opens, `fixed` at or
/// below closes, `last_affected` below closes.
fn in_range(scheme: Scheme, version: &Version, range: &Range<'_>) -> Result<bool, VersionError> {
    if !before_limits(scheme, version, range)? {
        return Ok(false);
    }
    let mut included = false;
    for (point, event) in sorted_events(scheme, range)? {
        let order = point.cmp_version(version);
        match event {
            Event::Introduced(_) if order != Ordering::Greater => included = true,
            Event::Fixed(_) if order != Ordering::Greater => included = false,
            Event::LastAffected(_) if order == Ordering::Less => included = false,
            _ => {}
        }
    }
    Ok(included)
}

/// Evaluates `version` against one OSV `affected` entry: its `ranges` and its explicit
/// `versions` list, in the ecosystem's `scheme`.
///
/// GIT (and unknown) ranges are skipped; SEMVER ranges use SemVer whatever the ecosystem. A
/// version or event that does not parse is an error, never a silent "not affected".
pub fn evaluate(
    scheme: Scheme,
    version: &str,
    ranges: &[Range<'_>],
    versions: &[&str],
) -> Result<Verdict, VersionError> {
    let mut approximate = false;
    if versions.contains(&version) {
        return Ok(Verdict {
            affected: true,
            approximate: false,
        });
    }
    let mut parsed_in: Option<(Scheme, Version)> = None;
    let mut version_in = |s: Scheme| -> Result<Version, VersionError> {
        match &parsed_in {
            Some((ps, v)) if *ps == s => Ok(v.clone()),
            _ => {
                let v = s.parse(version)?;
                parsed_in = Some((s, v.clone()));
                Ok(v)
            }
        }
    };
    if !versions.is_empty() {
        let v = version_in(scheme)?;
        for listed in versions {
            // A listed version that does not parse cannot equal ours unless it matched
            // textually above; it is ignored rather than failing the whole entry.
            if scheme.parse(listed).is_ok_and(|l| l == v) {
                return Ok(Verdict {
                    affected: true,
                    approximate: !scheme.is_exact(),
                });
            }
        }
    }
    for range in ranges {
        let range_scheme = match range.kind {
            RangeKind::SemVer => Scheme::SemVer,
            RangeKind::Ecosystem => scheme,
            RangeKind::Git | RangeKind::Unknown => continue,
        };
        approximate |= !range_scheme.is_exact();
        let v = version_in(range_scheme)?;
        if in_range(range_scheme, &v, range)? {
            return Ok(Verdict {
                affected: true,
                approximate,
            });
        }
    }
    Ok(Verdict {
        affected: false,
        approximate,
    })
}

/// The `fixed` versions of `ranges` that are above `version`, lowest first and without
/// duplicates: the releases an upgrade could move to. Unparsable fixed versions are skipped.
pub fn fixed_versions_above(scheme: Scheme, version: &str, ranges: &[Range<'_>]) -> Vec<String> {
    let mut out: Vec<(Version, String)> = Vec::new();
    for range in ranges {
        let range_scheme = match range.kind {
            RangeKind::SemVer => Scheme::SemVer,
            RangeKind::Ecosystem => scheme,
            RangeKind::Git | RangeKind::Unknown => continue,
        };
        let Ok(current) = range_scheme.parse(version) else {
            continue;
        };
        for event in &range.events {
            if let Event::Fixed(f) = event
                && let Ok(fv) = range_scheme.parse(f)
                && fv > current
                && !out.iter().any(|(v, _)| *v == fv)
            {
                out.push((fv, f.to_string()));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, s)| s).collect()
}

/// The releases an upgrade can move to: the `fixed` versions above `version` that the entry
/// itself leaves unaffected (a fix of one interval can fall inside another), lowest first.
/// The first is the smallest version above `version` outside every affected range, among the
/// versions the advisory names; an empty list means no fix is known.
pub fn upgrade_targets(
    scheme: Scheme,
    version: &str,
    ranges: &[Range<'_>],
    versions: &[&str],
) -> Vec<String> {
    fixed_versions_above(scheme, version, ranges)
        .into_iter()
        .filter(|f| evaluate(scheme, f, ranges, versions).is_ok_and(|v| !v.affected))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eco(events: Vec<Event<'static>>) -> Range<'static> {
        Range {
            kind: RangeKind::Ecosystem,
            events,
        }
    }

    fn affected(scheme: Scheme, v: &str, ranges: &[Range<'_>]) -> bool {
        evaluate(scheme, v, ranges, &[])
            .unwrap_or_else(|e| panic!("{e}"))
            .affected
    }

    #[test]
    fn introduced_zero_fixed() {
        let r = [eco(vec![Event::Introduced("0"), Event::Fixed("1.2.3")])];
        assert!(affected(Scheme::SemVer, "0.0.1", &r));
        assert!(affected(Scheme::SemVer, "1.2.2", &r));
        assert!(affected(Scheme::SemVer, "1.2.3-rc.1", &r));
        assert!(!affected(Scheme::SemVer, "1.2.3", &r));
        assert!(!affected(Scheme::SemVer, "2.0.0", &r));
    }

    #[test]
    fn several_intervals_in_any_event_order() {
        let r = [eco(vec![
            Event::Fixed("2.0.5"),
            Event::Introduced("2.0.0"),
            Event::Fixed("1.2.3"),
            Event::Introduced("0"),
        ])];
        assert!(affected(Scheme::SemVer, "1.0.0", &r));
        assert!(!affected(Scheme::SemVer, "1.5.0", &r));
        assert!(affected(Scheme::SemVer, "2.0.4", &r));
        assert!(!affected(Scheme::SemVer, "2.0.5", &r));
    }

    #[test]
    fn last_affected_includes_itself_only() {
        let r = [eco(vec![
            Event::Introduced("1.0"),
            Event::LastAffected("1.4"),
        ])];
        assert!(!affected(Scheme::Pep440, "0.9", &r));
        assert!(affected(Scheme::Pep440, "1.4", &r));
        assert!(affected(Scheme::Pep440, "1.4.0", &r));
        assert!(!affected(Scheme::Pep440, "1.4.post1", &r));
    }

    #[test]
    fn introduced_without_fix_affects_everything_after() {
        let r = [eco(vec![Event::Introduced("3.0.0")])];
        assert!(!affected(Scheme::SemVer, "2.9.9", &r));
        assert!(affected(Scheme::SemVer, "99.0.0", &r));
    }

    #[test]
    fn limit_caps_a_range() {
        let r = [eco(vec![Event::Introduced("0"), Event::Limit("2.0.0")])];
        assert!(affected(Scheme::SemVer, "1.9.9", &r));
        assert!(!affected(Scheme::SemVer, "2.0.0", &r));
        // Several limits: below any one of them is within the limits (OSV `BeforeLimits`).
        let r = [eco(vec![
            Event::Introduced("0"),
            Event::Limit("1.0.0"),
            Event::Limit("3.0.0"),
        ])];
        assert!(affected(Scheme::SemVer, "2.5.0", &r));
        assert!(!affected(Scheme::SemVer, "3.0.0", &r));
        // `*` is infinity.
        let r = [eco(vec![Event::Introduced("1.0.0"), Event::Limit("*")])];
        assert!(affected(Scheme::SemVer, "99.0.0", &r));
    }

    #[test]
    fn git_ranges_and_semver_ranges() {
        let git = Range {
            kind: RangeKind::Git,
            events: vec![Event::Introduced("0"), Event::Fixed("abc123")],
        };
        assert!(!affected(Scheme::Pep440, "1.0", std::slice::from_ref(&git)));
        let semver = Range {
            kind: RangeKind::SemVer,
            events: vec![Event::Introduced("0"), Event::Fixed("1.0.0")],
        };
        // A SEMVER range on a PyPI package still compares in SemVer.
        assert!(affected(Scheme::Pep440, "0.5.0", &[semver]));
    }

    #[test]
    fn explicit_versions_count_even_outside_ranges() {
        let v =
            evaluate(Scheme::Pep440, "1.1", &[], &["1.0", "1.1"]).unwrap_or_else(|e| panic!("{e}"));
        assert!(v.affected && !v.approximate);
        let v = evaluate(Scheme::Pep440, "1.1.0", &[], &["1.1"]).unwrap_or_else(|e| panic!("{e}"));
        assert!(v.affected);
        let v = evaluate(Scheme::Pep440, "1.2", &[], &["1.1"]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!v.affected);
    }

    #[test]
    fn unparsable_versions_are_errors_not_silence() {
        let r = [eco(vec![Event::Introduced("0"), Event::Fixed("1.0.0")])];
        assert!(evaluate(Scheme::SemVer, "not-a-version", &r, &[]).is_err());
        let bad = [eco(vec![Event::Introduced("0"), Event::Fixed("garbage")])];
        assert!(evaluate(Scheme::SemVer, "1.0.0", &bad, &[]).is_err());
    }

    #[test]
    fn generic_scheme_marks_verdicts_approximate() {
        let r = [eco(vec![Event::Introduced("0"), Event::Fixed("1.2-3")])];
        let v = evaluate(Scheme::Generic, "1.2-2", &r, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(v.affected && v.approximate);
    }

    #[test]
    fn upgrade_targets_skip_fixes_inside_other_intervals() {
        // RUSTSEC-2020-0071's shape: 0.2.1 to 0.2.6 were affected only as pre-releases.
        let r = [Range {
            kind: RangeKind::SemVer,
            events: vec![
                Event::Introduced("0.0.0-0"),
                Event::Fixed("0.2.0"),
                Event::Introduced("0.2.1-0"),
                Event::Fixed("0.2.1"),
                Event::Introduced("0.2.7-0"),
                Event::Fixed("0.2.23"),
            ],
        }];
        assert_eq!(
            upgrade_targets(Scheme::SemVer, "0.1.43", &r, &[]),
            ["0.2.0", "0.2.1", "0.2.23"]
        );
        assert_eq!(
            upgrade_targets(Scheme::SemVer, "0.2.10", &r, &[]),
            ["0.2.23"]
        );
        // A fix that a listed version re-affects is no target.
        let r = [eco(vec![Event::Introduced("0"), Event::Fixed("1.0.0")])];
        assert!(upgrade_targets(Scheme::SemVer, "0.5.0", &r, &["1.0.0"]).is_empty());
    }

    #[test]
    fn fixed_versions_above_lists_upgrade_targets() {
        let r = [eco(vec![
            Event::Introduced("0"),
            Event::Fixed("1.2.3"),
            Event::Introduced("2.0.0"),
            Event::Fixed("2.0.5"),
        ])];
        assert_eq!(
            fixed_versions_above(Scheme::SemVer, "1.0.0", &r),
            ["1.2.3", "2.0.5"]
        );
        assert_eq!(fixed_versions_above(Scheme::SemVer, "2.0.1", &r), ["2.0.5"]);
    }
}
