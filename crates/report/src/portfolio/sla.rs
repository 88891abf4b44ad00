//! The SLA compliance report for a period: compliance per severity and product, time to
//! remediate (mean and 90th percentile), the overdue list with ages, a month-by-month trend,
//! and the exceptions and risk acceptances in force and expired. [`build`] computes it from
//! stored rows; the renderers in [`super::sla_render`] write HTML, Markdown, CSV and JSON.
//!
//! The definitions (also in `docs/reports.md`), for a period from F to T reported on day D
//! (today), with A = the earlier of T and D (the day the period is looked at):
//!
//! - **due in the period**: due date from F to T.
//! - **counted**: due in the period and either remediated (`fixed`, `verified`) or still
//!   active (`open`, `triaged`, `patching`) with the due date before D. Not counted: findings
//!   closed without a fix (`risk_accepted`, `not_affected`, `false_positive`: a risk decision,
//!   listed with the exceptions) and active findings not yet due.
//! - **on time**: remediated on or before the due date (the fix day is the day of `fixed_at`,
//!   else `verified_at`). **Compliance** = on time ÷ counted, rounded down to one decimal
//!   (the `patchwarden-metrics` rule), none when nothing is counted.
//! - **time to remediate**: for the findings fixed from F to T, whole days from the first-seen
//!   day to the fix day; the mean (one decimal) and the 90th percentile (nearest rank: the
//!   ⌈0.9·n⌉-th smallest).
//! - **overdue on A**: first seen on or before A, due before A, not fixed by A and not closed
//!   without a fix by A (its last change), with its days overdue (A − due) and age (A − first
//!   seen). Rebuilt from the rows as they are now, like the dashboard trend.
//! - **trend**: per calendar month of the period (clipped to it): the same compliance figures
//!   over the findings due that month, new (first seen), remediated (fixed), and open and
//!   overdue at the month's end (or at A when that is earlier).
//! - **exceptions**: in force on A (added on or before A, expiring on or after A) and expired
//!   within the period before A; risk acceptances likewise, their start being the finding's
//!   last change.

use patchwarden_metrics::{ACTIVE, Compliance, SEVERITIES};
use patchwarden_store::{FindingRow, StoredException};
use serde::Serialize;
use time::Date;

use super::period::{Period, day_text};

/// Version of the JSON document's shape.
pub const SLA_SCHEMA: &str = "patchwarden.sla-report/1";

/// Most rows the overdue list keeps (the counts still cover every finding).
pub const OVERDUE_LIST_LIMIT: usize = 500;

/// Compliance and remediation figures of a set of findings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SlaFigures {
    /// Findings due in the period.
    pub due: u64,
    /// Of those, counted (remediated, or active and past due).
    pub counted: u64,
    /// Of those, remediated on or before the due date.
    pub on_time: u64,
    /// Counted and not on time.
    pub late: u64,
    /// Due in the period, still active, not yet due on the report day.
    pub pending: u64,
    /// Due in the period, closed without a fix (a risk decision).
    pub closed_without_fix: u64,
    /// On time ÷ counted, in percent rounded down to one decimal.
    pub compliance: Option<f64>,
    /// Findings fixed in the period.
    pub remediated: u64,
    /// Their mean time to remediate, in days (one decimal).
    pub mean_days: Option<f64>,
    /// Their 90th percentile time to remediate, in days.
    pub p90_days: Option<u64>,
}

/// Figures of one severity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeverityFigures {
    /// `Critical`, `High`, `Medium`, `Low`, `None` or `Unknown`.
    pub severity: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: SlaFigures,
}

/// Figures of one product.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductFigures {
    /// The product.
    pub product: String,
    /// All its findings.
    pub total: SlaFigures,
    /// Per severity, every severity listed.
    pub by_severity: Vec<SeverityFigures>,
}

/// A finding overdue on the day the period is looked at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverdueFinding {
    /// Finding id.
    pub finding: i64,
    /// Product.
    pub product: String,
    /// Project.
    pub project: String,
    /// Vulnerability id.
    pub vulnerability: String,
    /// Ecosystem of the package.
    pub ecosystem: String,
    /// Package.
    pub package: String,
    /// The versions that have it.
    pub versions: Vec<String>,
    /// Severity.
    pub severity: String,
    /// In CISA's KEV catalogue.
    pub kev: bool,
    /// Its status now.
    pub status: String,
    /// First-seen day.
    pub first_seen: String,
    /// Due date.
    pub due: String,
    /// Days past the due date.
    pub days_overdue: i64,
    /// Days since first seen.
    pub age_days: i64,
}

/// One month of the trend.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// Compliance figures of the findings due that month (within the period).
    #[serde(flatten)]
    pub sla: SlaFigures,
    /// Findings first seen that month.
    pub new: u64,
    /// Open at the month's end (or on the day the period is looked at, when earlier).
    pub open_at_end: u64,
    /// Of those, past their due date.
    pub overdue_at_end: u64,
}

/// An exception or risk acceptance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExceptionEntry {
    /// `exception` or `risk_acceptance`.
    pub kind: &'static str,
    /// Exception id or finding id.
    pub id: i64,
    /// Product.
    pub product: String,
    /// What it covers, in words.
    pub scope: String,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies.
    pub expires: String,
}

/// Exceptions and risk acceptances of the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExceptionFigures {
    /// In force on the day the period is looked at.
    pub in_force: Vec<ExceptionEntry>,
    /// Expired within the period, before that day.
    pub expired: Vec<ExceptionEntry>,
}

/// The SLA compliance report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlaReport {
    /// [`SLA_SCHEMA`].
    pub schema: &'static str,
    /// First day of the period.
    pub from: String,
    /// Last day of the period.
    pub to: String,
    /// The product reported on, or none for every product the reader may see.
    pub product: Option<String>,
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// The day the overdue list, open counts and exceptions are taken on: the earlier of the
    /// period's last day and the report day.
    pub as_of: String,
    /// Every finding.
    pub total: SlaFigures,
    /// Per severity, every severity listed.
    pub by_severity: Vec<SeverityFigures>,
    /// Per product, by name.
    pub by_product: Vec<ProductFigures>,
    /// Findings overdue on `as_of`: most days overdue first.
    pub overdue: Vec<OverdueFinding>,
    /// Findings overdue on `as_of`, all of them (the list stops at [`OVERDUE_LIST_LIMIT`]).
    pub overdue_count: u64,
    /// Month by month.
    pub trend: Vec<MonthFigures>,
    /// Exceptions and risk acceptances.
    pub exceptions: ExceptionFigures,
}

/// Everything [`build`] needs.
#[derive(Clone, Copy, Debug)]
pub struct SlaInput<'a> {
    /// The period.
    pub period: Period,
    /// Now (RFC 3339).
    pub generated_at: &'a str,
    /// The product reported on, when one.
    pub product: Option<&'a str>,
    /// The findings to report on (already limited to what the reader may see).
    pub findings: &'a [FindingRow],
    /// The exceptions of the same products.
    pub exceptions: &'a [StoredException],
}

fn day(text: &str) -> Option<Date> {
    patchwarden_metrics::parse_day(text)
}

fn is_active(status: &str) -> bool {
    ACTIVE.contains(&status)
}

fn is_remediated(status: &str) -> bool {
    matches!(status, "fixed" | "verified")
}

fn severity_index(s: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|x| *x == s)
        .unwrap_or(SEVERITIES.len() - 1)
}

/// The fix day of a remediated finding.
fn fix_day(f: &FindingRow) -> Option<Date> {
    if !is_remediated(&f.status) {
        return None;
    }
    f.fixed_at
        .as_deref()
        .or(f.verified_at.as_deref())
        .and_then(day)
}

/// Whether the finding was still to be remediated at the end of `at`.
fn open_on(f: &FindingRow, at: Date) -> bool {
    let Some(first) = day(&f.first_seen) else {
        return false;
    };
    if first > at {
        return false;
    }
    if is_remediated(&f.status) {
        // Fixed that day or before: no longer open. No fix time: taken as open until now.
        return fix_day(f).is_none_or(|d| d > at);
    }
    if is_active(&f.status) {
        return true;
    }
    // Closed without a fix: open until its last change.
    day(&f.updated_at).is_none_or(|d| d > at)
}

/// Adds up compliance and remediation over findings.
#[derive(Default)]
struct Tally {
    figures: SlaFigures,
    durations: Vec<u64>,
}

impl Tally {
    fn add(&mut self, f: &FindingRow, period: &Period, today: Date) {
        let fix = fix_day(f);
        if let Some(due) = day(&f.due).filter(|d| period.contains(*d)) {
            let s = &mut self.figures;
            s.due += 1;
            if is_remediated(&f.status) {
                s.counted += 1;
                if fix.is_some_and(|x| x <= due) {
                    s.on_time += 1;
                }
            } else if is_active(&f.status) {
                if due < today {
                    s.counted += 1;
                } else {
                    s.pending += 1;
                }
            } else {
                s.closed_without_fix += 1;
            }
        }
        if let (Some(x), Some(first)) = (fix, day(&f.first_seen))
            && period.contains(x)
        {
            self.figures.remediated += 1;
            self.durations
                .push(u64::try_from((x - first).whole_days()).unwrap_or(0));
        }
    }

    fn finish(mut self) -> SlaFigures {
        let s = &mut self.figures;
        s.late = s.counted - s.on_time;
        s.compliance = Compliance::of(s.on_time, s.counted).percent;
        if !self.durations.is_empty() {
            self.durations.sort_unstable();
            let n = self.durations.len();
            let sum: u64 = self.durations.iter().sum();
            s.mean_days = Some((sum as f64 * 10.0 / n as f64).round() / 10.0);
            // Nearest rank: the ceil(0.9 n)-th smallest.
            let rank = (n * 9).div_ceil(10).max(1);
            s.p90_days = self.durations.get(rank - 1).copied();
        }
        self.figures
    }
}

fn figures<'a>(
    findings: impl IntoIterator<Item = &'a FindingRow>,
    period: &Period,
    today: Date,
) -> SlaFigures {
    let mut t = Tally::default();
    for f in findings {
        t.add(f, period, today);
    }
    t.finish()
}

fn per_severity(findings: &[&FindingRow], period: &Period, today: Date) -> Vec<SeverityFigures> {
    SEVERITIES
        .iter()
        .enumerate()
        .map(|(i, s)| SeverityFigures {
            severity: s.to_string(),
            figures: figures(
                findings
                    .iter()
                    .copied()
                    .filter(|f| severity_index(&f.severity) == i),
                period,
                today,
            ),
        })
        .collect()
}

fn exception_scope(x: &StoredException) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &x.project {
        parts.push(format!("project {p}"));
    }
    if let Some(v) = &x.vulnerability {
        parts.push(v.clone());
    }
    match (&x.ecosystem, &x.package) {
        (Some(e), Some(p)) => parts.push(format!("{e}/{p}")),
        (None, Some(p)) => parts.push(p.clone()),
        _ => {}
    }
    if let Some(p) = &x.purl {
        parts.push(p.clone());
    }
    if parts.is_empty() {
        "every finding of the product".into()
    } else {
        parts.join(", ")
    }
}

fn exception_figures(input: &SlaInput<'_>, as_of: Date) -> ExceptionFigures {
    let mut out = ExceptionFigures::default();
    let mut place = |entry: ExceptionEntry, start: Option<Date>, expires: Option<Date>| {
        let Some(expires) = expires else { return };
        if start.is_some_and(|s| s > as_of) {
            return;
        }
        if expires >= as_of {
            out.in_force.push(entry);
        } else if expires >= input.period.from {
            out.expired.push(entry);
        }
    };
    for x in input.exceptions {
        if input.product.is_some_and(|p| p != x.product) {
            continue;
        }
        place(
            ExceptionEntry {
                kind: "exception",
                id: x.id,
                product: x.product.clone(),
                scope: exception_scope(x),
                reason: x.reason.clone(),
                approved_by: x.approved_by.clone(),
                expires: x.expires.clone(),
            },
            day(&x.created_at),
            day(&x.expires),
        );
    }
    for f in input.findings {
        let Some(until) = f.accepted_until.as_deref() else {
            continue;
        };
        // A past acceptance that has since ended keeps its dates; one still in force is the
        // finding's current status.
        place(
            ExceptionEntry {
                kind: "risk_acceptance",
                id: f.id,
                product: f.product.clone(),
                scope: format!(
                    "{} in {}/{} ({})",
                    f.vulnerability_id, f.ecosystem, f.package, f.project
                ),
                reason: f.status_reason.clone().unwrap_or_default(),
                approved_by: f.accepted_by.clone().unwrap_or_default(),
                expires: until.to_string(),
            },
            day(&f.updated_at),
            day(until),
        );
    }
    let order = |a: &ExceptionEntry, b: &ExceptionEntry| {
        (&a.expires, &a.product, a.kind, a.id).cmp(&(&b.expires, &b.product, b.kind, b.id))
    };
    out.in_force.sort_by(order);
    out.expired.sort_by(order);
    out
}

/// Builds the report. Pure: the caller reads the rows and passes the clock.
pub fn build(input: SlaInput<'_>) -> SlaReport {
    let period = input.period;
    let today = day(input.generated_at).unwrap_or(period.to);
    let as_of = period.to.min(today);
    let findings: Vec<&FindingRow> = input
        .findings
        .iter()
        .filter(|f| input.product.is_none_or(|p| p == f.product))
        .collect();

    let mut products: Vec<&str> = findings.iter().map(|f| f.product.as_str()).collect();
    products.sort_unstable();
    products.dedup();
    let by_product = products
        .into_iter()
        .map(|p| {
            let mine: Vec<&FindingRow> = findings
                .iter()
                .copied()
                .filter(|f| f.product == p)
                .collect();
            ProductFigures {
                product: p.to_string(),
                total: figures(mine.iter().copied(), &period, today),
                by_severity: per_severity(&mine, &period, today),
            }
        })
        .collect();

    let mut overdue: Vec<OverdueFinding> = findings
        .iter()
        .filter(|f| open_on(f, as_of) && day(&f.due).is_some_and(|d| d < as_of))
        .filter_map(|f| {
            let due = day(&f.due)?;
            let first = day(&f.first_seen)?;
            Some(OverdueFinding {
                finding: f.id,
                product: f.product.clone(),
                project: f.project.clone(),
                vulnerability: f.vulnerability_id.clone(),
                ecosystem: f.ecosystem.clone(),
                package: f.package.clone(),
                versions: f.versions.clone(),
                severity: f.severity.clone(),
                kev: f.kev,
                status: f.status.clone(),
                first_seen: day_text(first),
                due: f.due.clone(),
                days_overdue: (as_of - due).whole_days(),
                age_days: (as_of - first).whole_days(),
            })
        })
        .collect();
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(severity_index(&a.severity).cmp(&severity_index(&b.severity)))
            .then(a.finding.cmp(&b.finding))
    });
    let overdue_count = overdue.len() as u64;
    overdue.truncate(OVERDUE_LIST_LIMIT);

    let trend = period
        .months()
        .into_iter()
        .filter_map(|(year, month)| {
            let first = Date::from_calendar_date(year, month, 1)
                .ok()?
                .max(period.from);
            let last = Date::from_calendar_date(year, month, month.length(year))
                .ok()?
                .min(period.to);
            let window = Period {
                from: first,
                to: last,
            };
            let end = last.min(as_of);
            Some(MonthFigures {
                month: format!("{year:04}-{:02}", u8::from(month)),
                sla: figures(findings.iter().copied(), &window, today),
                new: findings
                    .iter()
                    .filter(|f| day(&f.first_seen).is_some_and(|d| window.contains(d)))
                    .count() as u64,
                open_at_end: findings.iter().filter(|f| open_on(f, end)).count() as u64,
                overdue_at_end: findings
                    .iter()
                    .filter(|f| open_on(f, end) && day(&f.due).is_some_and(|d| d < end))
                    .count() as u64,
            })
        })
        .collect();

    SlaReport {
        schema: SLA_SCHEMA,
        from: day_text(period.from),
        to: day_text(period.to),
        product: input.product.map(str::to_string),
        generated_at: input.generated_at.to_string(),
        as_of: day_text(as_of),
        total: figures(findings.iter().copied(), &period, today),
        by_severity: per_severity(&findings, &period, today),
        by_product,
        overdue,
        overdue_count,
        trend,
        exceptions: exception_figures(&input, as_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::fixture;

    pub(crate) fn q3(product: Option<&str>) -> SlaReport {
        build(SlaInput {
            period: Period::parse("2026-07-01", "2026-09-30").unwrap_or_else(|e| panic!("{e}")),
            generated_at: fixture::NOW,
            product,
            findings: &fixture::findings(),
            exceptions: &fixture::exceptions(),
        })
    }

    fn severity<'a>(r: &'a [SeverityFigures], s: &str) -> &'a SlaFigures {
        r.iter()
            .find(|x| x.severity == s)
            .map(|x| &x.figures)
            .unwrap_or_else(|| panic!("no {s}"))
    }

    #[test]
    fn q3_figures_worked_out_by_hand() {
        let r = q3(None);
        assert_eq!(r.as_of, "2026-09-30");
        // Due from 07-01 to 09-30: 1 (08-09, fixed 08-01: on time), 2 (08-09, fixed 08-20:
        // late), 3 (09-14, open: late), 5 (09-29, triaged: late), 6 (07-01, fixed 06-20: on
        // time), 8 (08-04, not affected: not counted), 9 (08-31, open: late).
        let t = &r.total;
        assert_eq!(
            (
                t.due,
                t.counted,
                t.on_time,
                t.late,
                t.pending,
                t.closed_without_fix
            ),
            (7, 6, 2, 4, 0, 1)
        );
        assert_eq!(t.compliance, Some(33.3)); // 2/6 rounded down
        // Fixed from 07-01 to 09-30: 1 after 22 days (07-10 to 08-01), 2 after 41.
        assert_eq!(
            (t.remediated, t.mean_days, t.p90_days),
            (2, Some(31.5), Some(41))
        );

        let critical = severity(&r.by_severity, "Critical");
        assert_eq!((critical.counted, critical.on_time), (1, 1));
        assert_eq!(critical.compliance, Some(100.0));
        let high = severity(&r.by_severity, "High");
        assert_eq!((high.due, high.counted, high.on_time), (5, 4, 1));
        assert_eq!(high.compliance, Some(25.0));
        let medium = severity(&r.by_severity, "Medium");
        assert_eq!((medium.counted, medium.compliance), (1, Some(0.0)));
        assert_eq!(severity(&r.by_severity, "Low").compliance, None);

        let products: Vec<(&str, u64, u64, Option<f64>)> = r
            .by_product
            .iter()
            .map(|p| {
                (
                    p.product.as_str(),
                    p.total.counted,
                    p.total.on_time,
                    p.total.compliance,
                )
            })
            .collect();
        assert_eq!(
            products,
            [
                ("billing", 1, 1, Some(100.0)),
                ("chat", 4, 1, Some(25.0)),
                ("intranet", 1, 0, Some(0.0)),
            ]
        );

        // Overdue on 09-30: 9 (due 08-31), 3 (09-14), 5 (09-29). 4 and 7 fall due in
        // October; 8 was closed on 07-20.
        let overdue: Vec<(i64, i64, i64)> = r
            .overdue
            .iter()
            .map(|o| (o.finding, o.days_overdue, o.age_days))
            .collect();
        assert_eq!(overdue, [(9, 30, 60), (3, 16, 46), (5, 1, 91)]);
        assert_eq!(r.overdue_count, 3);

        type Month<'a> = (&'a str, u64, u64, u64, u64, u64, u64, u64);
        let trend: Vec<Month> = r
            .trend
            .iter()
            .map(|m| {
                (
                    m.month.as_str(),
                    m.sla.due,
                    m.sla.counted,
                    m.sla.on_time,
                    m.new,
                    m.sla.remediated,
                    m.open_at_end,
                    m.overdue_at_end,
                )
            })
            .collect();
        assert_eq!(
            trend,
            [
                // due: 6; new: 1, 2, 5, 8; open on 07-31: 1, 2, 5 (8 closed 07-20)
                ("2026-07", 1, 1, 1, 4, 0, 3, 0),
                // due: 1, 2, 8, 9; new: 3, 9; fixed: 1, 2; open on 08-31: 3, 5, 9
                ("2026-08", 4, 3, 1, 2, 2, 3, 0),
                // due: 3, 5; new: 4, 7; open on 09-30: 3, 4 (accepted 10-01), 5, 7, 9
                ("2026-09", 2, 2, 0, 2, 0, 5, 3),
            ]
        );
        assert_eq!(r.trend[1].sla.compliance, Some(33.3));

        // On 09-30: chat's requests exception (added 08-01, to 10-31) is in force; chat's
        // lodash exception expired 08-31; billing's was added 10-02 and the risk acceptance of
        // 4 dates from 10-01, both after.
        let ids = |list: &[ExceptionEntry]| -> Vec<(&str, i64)> {
            list.iter().map(|e| (e.kind, e.id)).collect()
        };
        assert_eq!(ids(&r.exceptions.in_force), [("exception", 2)]);
        assert_eq!(ids(&r.exceptions.expired), [("exception", 3)]);
        assert_eq!(r.exceptions.expired[0].scope, "npm/lodash");
    }

    #[test]
    fn one_product_and_a_period_reaching_today() {
        let r = q3(Some("chat"));
        assert_eq!(r.by_product.len(), 1);
        assert_eq!((r.total.counted, r.total.on_time), (4, 1));
        assert_eq!(r.overdue.len(), 2);

        // Up to today: findings 4 (due 10-20) and 10 (due 11-04) fall due too; 4 is risk
        // accepted (not counted), 10 is open and past due; 7 (10-01) is billing's.
        let now = build(SlaInput {
            period: Period::parse("2026-10-01", "2026-12-31").unwrap_or_else(|e| panic!("{e}")),
            generated_at: fixture::NOW,
            product: None,
            findings: &fixture::findings(),
            exceptions: &fixture::exceptions(),
        });
        assert_eq!(now.as_of, "2026-11-23");
        let t = &now.total;
        assert_eq!(
            (t.due, t.counted, t.on_time, t.closed_without_fix),
            (3, 2, 0, 1)
        );
        assert_eq!(t.compliance, Some(0.0));
        // In force on 11-23: billing's exception (to 12-15) and the acceptance of 4 (to
        // 12-31); chat's requests exception expired 10-31.
        let in_force: Vec<(&str, i64)> = now
            .exceptions
            .in_force
            .iter()
            .map(|e| (e.kind, e.id))
            .collect();
        assert_eq!(in_force, [("exception", 1), ("risk_acceptance", 4)]);
        assert_eq!(now.exceptions.expired.len(), 1);
        assert_eq!(now.trend.len(), 3);
        // December has not happened: its open count is taken on 11-23.
        assert_eq!(now.trend[2].open_at_end, now.trend[1].open_at_end);
    }

    #[test]
    fn p90_uses_the_nearest_rank() {
        let t = Tally {
            durations: (1..=10).collect(),
            ..Tally::default()
        };
        assert_eq!(t.finish().p90_days, Some(9));
        let one = Tally {
            durations: vec![5],
            ..Tally::default()
        };
        assert_eq!(one.finish().p90_days, Some(5));
    }
}
