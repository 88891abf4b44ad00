use proptest::prelude::*;

use super::*;

fn finding(severity: &str, status: &str, first_seen: &str, due: &str) -> FindingFacts {
    FindingFacts {
        severity: severity.into(),
        status: status.into(),
        kev: false,
        first_seen: format!("{first_seen}T08:00:00Z"),
        due: due.into(),
        fixed_at: None,
        verified_at: None,
        updated_at: format!("{first_seen}T08:00:00Z"),
    }
}

fn fixed(severity: &str, first_seen: &str, due: &str, fixed_on: &str) -> FindingFacts {
    FindingFacts {
        fixed_at: Some(format!("{fixed_on}T12:00:00Z")),
        updated_at: format!("{fixed_on}T12:00:00Z"),
        ..finding(severity, "fixed", first_seen, due)
    }
}

fn severity<'a>(f: &'a Figures, name: &str) -> &'a SeverityFigures {
    f.by_severity
        .iter()
        .find(|s| s.severity == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

const TODAY: &str = "2026-11-23";

/// Eight critical findings, worked out by hand:
/// - fixed on time (due 11-10, fixed 11-05; due 11-20, fixed 11-20 — the due day counts)
/// - fixed late (due 11-01, fixed 11-03)
/// - verified on time (fixed 10-01, due 10-15)
/// - open and overdue (due 11-22), patching and overdue (due 11-01): late
/// - open, due today: not counted yet
/// - risk accepted: not counted
///
/// Counted 6, on time 3: 50.0 %.
fn criticals() -> Vec<FindingFacts> {
    vec![
        fixed("Critical", "2026-11-01", "2026-11-10", "2026-11-05"),
        fixed("Critical", "2026-11-10", "2026-11-20", "2026-11-20"),
        fixed("Critical", "2026-10-25", "2026-11-01", "2026-11-03"),
        FindingFacts {
            status: "verified".into(),
            verified_at: Some("2026-10-20T00:00:00Z".into()),
            ..fixed("Critical", "2026-09-21", "2026-10-15", "2026-10-01")
        },
        finding("Critical", "open", "2026-11-15", "2026-11-22"),
        finding("Critical", "patching", "2026-10-20", "2026-11-01"),
        finding("Critical", "open", "2026-11-16", "2026-11-23"),
        FindingFacts {
            updated_at: "2026-11-02T00:00:00Z".into(),
            ..finding("Critical", "risk_accepted", "2026-10-01", "2026-10-05")
        },
    ]
}

#[test]
fn sla_compliance_counts_remediated_and_overdue_findings_only() {
    let f = compute(&criticals(), TODAY);
    let c = severity(&f, "Critical");
    assert_eq!(c.sla.on_time, 3);
    assert_eq!(c.sla.counted, 6);
    assert_eq!(c.sla.percent, Some(50.0));
    assert_eq!(c.total, 8);
    assert_eq!(c.open, 3);
    assert_eq!(c.overdue, 2);
    // Nothing of another severity: no figure rather than 0 %.
    let h = severity(&f, "High");
    assert_eq!((h.total, h.sla.counted, h.sla.percent), (0, 0, None));
    assert_eq!(f.sla, c.sla);
    assert_eq!((f.open, f.overdue, f.total), (3, 2, 8));
}

#[test]
fn percent_is_rounded_down_to_one_decimal() {
    assert_eq!(percent(2, 3), Some(66.6));
    assert_eq!(percent(1, 8), Some(12.5));
    assert_eq!(percent(9_999, 10_000), Some(99.9));
    assert_eq!(percent(7, 7), Some(100.0));
    assert_eq!(percent(0, 0), None);
}

#[test]
fn mean_time_to_remediate_covers_fixes_of_the_last_90_days() {
    // Fixed within the window: 4, 10 and 9 days (11-01→11-05, 11-10→11-20, 10-25→11-03);
    // the verified one was fixed 10-01, within the window (starts 08-26) too: 10 days.
    // Mean (4 + 10 + 9 + 10) / 4 = 8.25 → 8.3.
    let mut findings = criticals();
    // Fixed before the window starts (2026-08-26): left out.
    findings.push(fixed("Critical", "2026-01-01", "2026-02-01", "2026-08-25"));
    let f = compute(&findings, TODAY);
    let c = severity(&f, "Critical");
    assert_eq!(c.mttr.remediated, 4);
    assert_eq!(c.mttr.mean_days, Some(8.3));
    assert_eq!(severity(&f, "Low").mttr.mean_days, None);
}

#[test]
fn counts_by_status_follow_the_lifecycle_order() {
    let mut findings = criticals();
    findings.push(finding("Weird", "someday", "2026-11-01", "2026-12-01"));
    let f = compute(&findings, TODAY);
    let counts: Vec<(&str, u64)> = f
        .by_status
        .iter()
        .map(|c| (c.status.as_str(), c.count))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("open", 2),
            ("triaged", 0),
            ("patching", 1),
            ("fixed", 3),
            ("verified", 1),
            ("risk_accepted", 1),
            ("not_affected", 0),
            ("false_positive", 0),
            ("someday", 1),
        ]
    );
    // An unknown severity is counted as Unknown.
    assert_eq!(severity(&f, "Unknown").total, 1);
}

#[test]
fn the_trend_has_90_days_ending_today() {
    let f = compute(&criticals(), TODAY);
    assert_eq!(f.trend.len(), 90);
    assert_eq!(f.trend[0].day, "2026-08-26");
    assert_eq!(f.trend[89].day, TODAY);
    let day = |d: &str| {
        f.trend
            .iter()
            .find(|t| t.day == d)
            .unwrap_or_else(|| panic!("{d} missing"))
            .clone()
    };
    // 2026-09-21: the verified one is first seen (open until 10-01).
    assert_eq!(day("2026-09-21").new, 1);
    assert_eq!(day("2026-09-21").open, 1);
    assert_eq!(day("2026-10-01").fixed, 1);
    // 10-01: the verified one fixed that day (not open at its end); the risk-accepted one
    // first seen that day and open until its last change on 11-02.
    assert_eq!(day("2026-10-01").open, 1);
    // 11-02: the risk-accepted one closed that day; open are the 10-20 patching one, the
    // 10-25 one (fixed 11-03) and the 11-01 one (fixed 11-05).
    assert_eq!(day("2026-11-02").open, 3);
    // Today: three active findings.
    assert_eq!(day(TODAY).open, 3);
    let total_new: u64 = f.trend.iter().map(|t| t.new).sum();
    assert_eq!(total_new, 8);
    let total_fixed: u64 = f.trend.iter().map(|t| t.fixed).sum();
    assert_eq!(total_fixed, 4);
}

#[test]
fn kev_counts_active_findings_only() {
    let mut a = finding("High", "open", "2026-11-01", "2026-12-01");
    a.kev = true;
    let mut b = fixed("High", "2026-11-01", "2026-12-01", "2026-11-02");
    b.kev = true;
    let f = compute(&[a, b], TODAY);
    assert_eq!(f.kev_open, 1);
    assert_eq!(severity(&f, "High").kev_open, 1);
}

#[test]
fn an_unreadable_today_gives_no_trend_and_no_panic() {
    let f = compute(&criticals(), "yesterday");
    assert!(f.trend.is_empty());
    assert_eq!(f.mttr.remediated, 0);
}

fn arbitrary_finding() -> impl Strategy<Value = FindingFacts> {
    let day = (2025i32..2028, 1u8..13, 1u8..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"));
    (
        prop::sample::select(SEVERITIES.to_vec()),
        prop::sample::select(STATUSES.to_vec()),
        any::<bool>(),
        day.clone(),
        day.clone(),
        prop::option::of(day.clone()),
        prop_oneof![day, "[a-z0-9:-]{0,12}"],
    )
        .prop_map(
            |(severity, status, kev, first, due, fixed_on, updated)| FindingFacts {
                severity: severity.into(),
                status: status.into(),
                kev,
                first_seen: first,
                due,
                fixed_at: fixed_on,
                verified_at: None,
                updated_at: updated,
            },
        )
}

proptest! {
    #[test]
    fn compliance_is_a_percentage_of_what_it_counts(
        findings in prop::collection::vec(arbitrary_finding(), 0..60),
    ) {
        let f = compute(&findings, TODAY);
        for s in f.by_severity.iter().map(|s| &s.sla).chain([&f.sla]) {
            prop_assert!(s.on_time <= s.counted);
            match s.percent {
                Some(p) => prop_assert!((0.0..=100.0).contains(&p)),
                None => prop_assert_eq!(s.counted, 0),
            }
        }
        let by_status: u64 = f.by_status.iter().map(|c| c.count).sum();
        prop_assert_eq!(by_status, findings.len() as u64);
        prop_assert!(f.overdue <= f.open);
        prop_assert_eq!(f.trend.len(), 90);
        let new: u64 = f.trend.iter().map(|d| d.new).sum();
        prop_assert!(new <= findings.len() as u64);
        let fixed: u64 = f.trend.iter().map(|d| d.fixed).sum();
        let remediated = findings.iter().filter(|x| x.is_remediated()).count() as u64;
        prop_assert!(fixed <= remediated);
    }

    #[test]
    fn grouped_findings_give_the_same_figures_as_repeated_ones(
        groups in prop::collection::vec((arbitrary_finding(), 0u64..4), 0..30),
    ) {
        let repeated: Vec<FindingFacts> = groups
            .iter()
            .flat_map(|(f, n)| std::iter::repeat_n(f.clone(), *n as usize))
            .collect();
        prop_assert_eq!(
            compute_counted(groups.iter().map(|(f, n)| (f, *n)), TODAY),
            compute(&repeated, TODAY)
        );
    }

    #[test]
    fn the_last_trend_day_counts_the_active_findings_first_seen_in_the_window(
        findings in prop::collection::vec(arbitrary_finding(), 0..60),
    ) {
        let f = compute(&findings, TODAY);
        let expected = findings
            .iter()
            .filter(|x| ACTIVE.contains(&x.status.as_str()))
            .filter(|x| x.first_seen.as_str() <= TODAY)
            .count() as u64;
        prop_assert_eq!(f.trend.last().map(|d| d.open), Some(expected));
    }
}
