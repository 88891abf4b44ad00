//! The assessment of the seeded portfolio (fixture.rs), every figure worked out by hand in
//! the comments; the answer boundaries; the question = lowest criterion rule; the KEV cap;
//! an empty portfolio; snapshots of the JSON and HTML.

use super::*;
use crate::portfolio::fixture;

fn evidence() -> SammEvidence {
    fixture::samm_evidence()
}

fn find<'a>(a: &'a SammAssessment, id: &str) -> &'a Criterion {
    a.questions
        .iter()
        .flat_map(|q| &q.criteria)
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no criterion {id}"))
}

/// (numerator, denominator, percent, answer) of a criterion.
fn figures(c: &Criterion) -> (u64, u64, Option<f64>, Answer) {
    (c.numerator, c.denominator, c.percent, c.answer)
}

#[test]
fn the_seeded_portfolio_by_hand() {
    let a = assess(&evidence());
    assert_eq!(a.as_of, "2026-11-23");

    // 1a: scanned since 2026-10-24 (30 days): api (11-20) and web (11-10) of 4 projects.
    let c = find(&a, "1a");
    assert_eq!(figures(c), (2, 4, Some(50.0), Answer::AtLeastHalf));
    assert_eq!(
        c.evidence[0].items,
        [
            "intranet/portal: never scanned",
            "billing/core: last scanned 2026-10-01, 53 days ago",
        ]
    );
    assert_eq!(
        c.to_raise,
        ["Rescan the 2 projects not scanned in the last 30 days: intranet/portal, billing/core."]
    );

    // 1b: OSV (1 day) and KEV (2 days: still within 2) of 4; EPSS 13 days, NVD never.
    let c = find(&a, "1b");
    assert_eq!(figures(c), (2, 4, Some(50.0), Answer::AtLeastHalf));
    assert_eq!(
        c.evidence[0].items,
        [
            "epss (epss): last updated 2026-11-10",
            "nvd (nvd): never updated; last attempt failed: HTTP 503",
        ]
    );

    // 2a: handled = active 3, 5, 7, 9, 10, 12, 14 + remediated since 2025-11-23: 1, 2, 6
    // = 10; without a fixed version or patch record: 12 and 14.
    let c = find(&a, "2a");
    assert_eq!(figures(c), (8, 10, Some(80.0), Answer::AtLeastHalf));
    assert_eq!(c.evidence[0].total, 2);
    assert!(c.evidence[0].items[0].starts_with("#12 CVE-2026-1200 in marked"));

    // 2b: no fix or in KEV, active or accepted: 3 (KEV), 7 (KEV), 12, 13, 14 = 5. Counted:
    // 7 (patch record 1), 14 (exception 3). 3 and 12 have nothing; 13's acceptance has no
    // approver. KEV is fresh, so no cap.
    let c = find(&a, "2b");
    assert_eq!(figures(c), (2, 5, Some(40.0), Answer::Some));
    assert_eq!(c.note, None);
    let titles: Vec<&str> = c.evidence.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "findings without a fix or in KEV, with no risk decision",
            "risk decisions lacking an approver or expiry, or expired",
            "findings with a risk decision",
        ]
    );
    assert_eq!(
        c.evidence[0].items,
        [
            "#3 CVE-2023-44487 in h2 (chat/api) [in KEV]",
            "#12 CVE-2026-1200 in marked (intranet/portal) [no fix]",
        ]
    );
    assert_eq!(
        c.evidence[1].items,
        ["#13 CVE-2026-1300 in xmldom (chat/web) [no fix]: risk accepted without an approver"]
    );
    assert_eq!(
        c.evidence[2].items,
        [
            "#7 CVE-2023-44487 in golang.org/x/net (billing/core) [in KEV]: patch record",
            "#14 CVE-2026-1400 in pyjwt (billing/core) [no fix]: exception 3 approved by ciso until 2027-03-31",
        ]
    );

    // 2c: all 3 products have guidance; billing and intranet on the defaults are listed.
    let c = find(&a, "2c");
    assert_eq!(figures(c), (3, 3, Some(100.0), Answer::MostOrAll));
    assert_eq!(c.evidence[0].items, ["billing", "intranet"]);
    assert_eq!(c.evidence[1].items, ["chat"]);

    // 3a: scanned since 2026-11-16 (7 days): api only.
    let c = find(&a, "3a");
    assert_eq!(figures(c), (1, 4, Some(25.0), Answer::Some));
    assert_eq!(c.evidence[0].total, 3);

    // 3b: remediated since 2025-11-23: 1 (on time), 2 (late), 6 (on time); active and due
    // before 11-23: 3, 5, 7, 9, 10 (12 and 14 are not due yet) → 2 of 8.
    let c = find(&a, "3b");
    assert_eq!(figures(c), (2, 8, Some(25.0), Answer::Some));
    let overdue: Vec<&str> = c.evidence[0]
        .items
        .iter()
        .map(|s| s.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(overdue, ["#9", "#3", "#5", "#7", "#10"]);
    assert_eq!(
        c.evidence[1].items,
        ["#2 CVE-2021-23337 in lodash (chat/web): due 2026-08-09, fixed 2026-08-20"]
    );

    // 3c: reviews on or after 2025-11-23: 10-15 and 04-20 (not 2025-10-01) → 2 of 4; the
    // next one is due 91 days after 2026-10-15.
    let c = find(&a, "3c");
    assert_eq!(figures(c), (2, 4, Some(50.0), Answer::AtLeastHalf));
    assert_eq!(c.evidence[0].items.len(), 2);
    assert!(c.evidence[0].items[0].starts_with("2026-10-15 by alice: KEV alerts"));
    assert!(c.to_raise[0].contains("2 more"), "{:?}", c.to_raise);
    assert!(c.to_raise[0].ends_with("the next one is due by 2027-01-14."));

    // Questions: the lowest of their criteria.
    let answers: Vec<(Answer, &[&str])> = a
        .questions
        .iter()
        .map(|q| (q.answer, q.limited_by.as_slice()))
        .collect();
    assert_eq!(
        answers,
        [
            (Answer::AtLeastHalf, &["1a", "1b"][..]),
            (Answer::Some, &["2b"][..]),
            (Answer::Some, &["3a", "3b"][..]),
        ]
    );
    assert_eq!(a.score, 1.0);
    assert_eq!(a.maturity_level, 1);
}

#[test]
fn answers_at_every_boundary() {
    let cases = [
        (0, 0, Answer::No),
        (0, 10, Answer::No),
        (1, 1000, Answer::Some),
        (499, 1000, Answer::Some),        // 49.9 %
        (500, 1000, Answer::AtLeastHalf), // 50 %
        (899, 1000, Answer::AtLeastHalf), // 89.9 %
        (900, 1000, Answer::MostOrAll),   // 90 %
        (1, 2, Answer::AtLeastHalf),
        (9, 10, Answer::MostOrAll),
        (1, 1, Answer::MostOrAll),
        (5, 3, Answer::MostOrAll), // a part above the whole counts as the whole
    ];
    for (part, whole, answer) in cases {
        assert_eq!(Answer::from_share(part, whole), answer, "{part}/{whole}");
    }
    // A share below 0.1 % is still "some" though its rounded percent reads 0.0.
    assert_eq!(Answer::from_share(1, 10_001), Answer::Some);
    assert_eq!(percent(1, 10_001), Some(0.0));
    let values: Vec<f64> = [
        Answer::No,
        Answer::Some,
        Answer::AtLeastHalf,
        Answer::MostOrAll,
    ]
    .map(Answer::value)
    .to_vec();
    assert_eq!(values, [0.0, 0.25, 0.5, 1.0]);
}

/// The boundaries through a criterion: 1a with 1000 projects, of which `fresh` were scanned
/// within 30 days.
#[test]
fn boundaries_through_the_inventory_criterion() {
    for (fresh, answer, shown) in [
        (0, Answer::No, 0.0),
        (499, Answer::Some, 49.9),
        (500, Answer::AtLeastHalf, 50.0),
        (899, Answer::AtLeastHalf, 89.9),
        (900, Answer::MostOrAll, 90.0),
        (1000, Answer::MostOrAll, 100.0),
    ] {
        let mut e = evidence();
        e.projects = (0..1000)
            .map(|i| ProjectActivity {
                project_id: i,
                product: "p".into(),
                project: format!("j{i:04}"),
                artifacts: 1,
                last_recorded_at: Some(if i < fresh {
                    "2026-10-24T00:00:00Z".into() // exactly 30 days: still up to date
                } else {
                    "2026-10-23T23:59:59Z".into() // 31 days
                }),
            })
            .collect();
        let c = find(&assess(&e), "1a").clone();
        assert_eq!(
            (c.numerator, c.denominator, c.percent, c.answer),
            (u64::try_from(fresh).unwrap_or(0), 1000, Some(shown), answer)
        );
        assert!(c.evidence.iter().all(|l| l.items.len() <= EVIDENCE_ITEMS));
        if fresh < 1000 {
            assert_eq!(
                c.evidence[0].total,
                1000 - usize::try_from(fresh).unwrap_or(0)
            );
            assert!(c.to_raise[0].contains("and "), "{:?}", c.to_raise);
        }
    }
}

/// A question is as good as its weakest criterion: raising 2b alone raises question 2 to
/// 2a's level.
#[test]
fn a_question_answers_with_its_lowest_criterion() {
    let mut e = evidence();
    // Decisions for 3, 12 and 13: 5 of 5 now.
    e.patched_findings.extend([3, 12, 13]);
    let a = assess(&e);
    assert_eq!(figures(find(&a, "2b")).3, Answer::MostOrAll);
    // 2a: 12 now has a patch record: 9 of 10 → most or all.
    assert_eq!(
        figures(find(&a, "2a")),
        (9, 10, Some(90.0), Answer::MostOrAll)
    );
    assert_eq!(a.questions[1].answer, Answer::MostOrAll);
    assert!(a.questions[1].limited_by.is_empty());
    // Q1 at least half, Q2 most or all, Q3 some: level 2, score 0.5 + 1 + 0.25.
    assert_eq!(a.maturity_level, 2);
    assert_eq!(a.score, 1.75);

    // Without any process review 3c is No, and so is question 3.
    e.reviews.clear();
    let a = assess(&e);
    assert_eq!(figures(find(&a, "3c")), (0, 4, Some(0.0), Answer::No));
    assert_eq!(a.questions[2].answer, Answer::No);
    assert_eq!(a.questions[2].limited_by, ["3c"]);
}

/// A stale or missing KEV catalogue caps 2b at "some", however many decisions there are.
#[test]
fn a_stale_kev_catalogue_caps_the_zero_day_criterion() {
    let mut e = evidence();
    e.patched_findings.extend([3, 12, 13]);
    for s in &mut e.sources {
        if s.kind == "kev" {
            s.last_success = Some("2026-11-20T06:00:00Z".into()); // 3 days
        }
    }
    let c = find(&assess(&e), "2b").clone();
    assert_eq!(figures(&c), (5, 5, Some(100.0), Answer::Some));
    assert_eq!(c.label, "Yes, for some");
    assert_eq!(
        c.note.as_deref(),
        Some(
            "capped at \"Yes, for some\": the CISA KEV catalogue is stale (at most 2 days allowed)"
        )
    );
    assert!(c.to_raise[0].starts_with("Update the CISA KEV catalogue"));

    e.sources.retain(|s| s.kind != "kev");
    let c = find(&assess(&e), "2b").clone();
    assert_eq!(c.answer, Answer::Some);
    assert!(
        c.note
            .as_deref()
            .is_some_and(|n| n.contains("not imported"))
    );

    // With a wider freshness window the same catalogue is fresh again.
    let mut e = evidence();
    e.patched_findings.extend([3, 12, 13]);
    e.options.source_days = 3;
    for s in &mut e.sources {
        if s.kind == "kev" {
            s.last_success = Some("2026-11-20T06:00:00Z".into());
        }
    }
    assert_eq!(find(&assess(&e), "2b").answer, Answer::MostOrAll);
}

/// Expired acceptances and exceptions lacking an approver or expiry do not count.
#[test]
fn incomplete_or_expired_decisions_count_against() {
    let mut e = evidence();
    for f in &mut e.findings {
        if f.id == 13 {
            f.accepted_by = Some("ciso".into());
            f.accepted_until = Some("2026-11-22".into()); // expired yesterday
        }
    }
    for x in &mut e.exceptions {
        if x.id == 3 {
            x.approved_by = " ".into();
        }
    }
    let c = find(&assess(&e), "2b").clone();
    // Only 7 (patch record) counts now.
    assert_eq!(figures(&c), (1, 5, Some(20.0), Answer::Some));
    assert_eq!(
        c.evidence[1].items,
        [
            "#13 CVE-2026-1300 in xmldom (chat/web) [no fix]: risk acceptance expired on 2026-11-22",
            "#14 CVE-2026-1400 in pyjwt (billing/core) [no fix]: exception 3 has no approver",
        ]
    );
    // An approved acceptance in force counts.
    for f in &mut e.findings {
        if f.id == 13 {
            f.accepted_until = Some("2027-01-31".into());
        }
    }
    for x in &mut e.exceptions {
        if x.id == 3 {
            x.approved_by = "ciso".into();
            x.expires = String::new();
        }
    }
    let c = find(&assess(&e), "2b").clone();
    assert_eq!((c.numerator, c.denominator), (2, 5));
    assert!(
        c.evidence[1].items[0].ends_with("exception 3 has no expiry"),
        "{:?}",
        c.evidence[1].items
    );
}

#[test]
fn an_empty_portfolio_answers_no_for_lack_of_evidence() {
    let a = assess(&SammEvidence {
        generated_at: fixture::NOW.into(),
        ..SammEvidence::default()
    });
    for q in &a.questions {
        assert_eq!(q.answer, Answer::No, "question {}", q.number);
        for c in &q.criteria {
            assert_eq!(c.answer, Answer::No, "{}", c.id);
            assert!(
                c.note.as_deref().is_some_and(|n| n.starts_with("no ")),
                "{}: {:?}",
                c.id,
                c.note
            );
            // Every criterion says what would give it evidence.
            assert!(!c.to_raise.is_empty(), "{}", c.id);
        }
    }
    assert_eq!(find(&a, "1a").percent, None);
    assert_eq!(find(&a, "3c").percent, Some(0.0));
    assert_eq!((a.score, a.maturity_level), (0.0, 0));
}

#[test]
fn a_bad_clock_gives_no_fresh_evidence_and_no_panic() {
    let mut e = evidence();
    e.generated_at = "not a time".into();
    let a = assess(&e);
    assert_eq!(a.as_of, "");
    assert_eq!(find(&a, "1a").numerator, 0);
    assert_eq!(find(&a, "1b").numerator, 0);
    assert!(samm_html(&a).contains("</html>"));
}

#[test]
fn json_snapshot() {
    let a = assess(&evidence());
    let text = samm_json(&a);
    assert!(text.contains("\"schema\": \"patchwarden.samm-assessment/1\""));
    insta::assert_snapshot!(text);
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!(samm_html(&assess(&evidence())));
}

#[test]
fn html_is_self_contained_printable_and_escaped() {
    let mut e = evidence();
    e.reviews[2].summary = "<script>alert('x')</script>".into();
    e.products[0].name = "a&b\"<".into();
    let html = samm_html(&assess(&e));
    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b&quot;&lt;"));
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("@media print"));
    assert!(html.contains("name=\"viewport\""));
    for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
}
