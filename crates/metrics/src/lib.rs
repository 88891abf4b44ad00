//! Portfolio figures computed from finding rows: counts by status and severity, open and
//! overdue counts, SLA compliance, mean time to remediate, a 90-day daily trend and open
//! findings in CISA's KEV catalogue.
//!
//! Pure: the caller passes the findings ([`FindingFacts`], a plain struct so this crate
//! depends on no storage) and `today`; nothing here reads a clock, a file or a database.
//! The definitions below are the ones `docs/metrics.md` states, and the dashboard, the
//! overview API and the partner reports all show these numbers.
//!
//! - **Active**: status `open`, `triaged` or `patching`.
//! - **Overdue**: active and due before `today` (due `2026-11-22` is overdue on the 23rd, not
//!   on the 22nd) — the same rule as the findings API's `overdue=true`.
//! - **SLA compliance** of a set of findings: counted are the findings that were remediated
//!   (`fixed` or `verified`) and the active findings that are overdue; active findings not yet
//!   due and findings closed without a fix (`risk_accepted`, `not_affected`,
//!   `false_positive`) are not counted. On time are the remediated findings whose fix day
//!   (`fixed_at`, else `verified_at`) is on or before their due date; a remediated finding
//!   with no fix time is counted as late. Compliance = on time / counted, in percent,
//!   rounded *down* to one decimal (so 100.0 means every one), none when nothing is counted.
//! - **Mean time to remediate**: over the findings remediated within the last
//!   [`WINDOW_DAYS`] days (fix day from `today - 89` to `today`), the mean of whole days from
//!   the first-seen day to the fix day, rounded to one decimal.
//! - **Trend**: for each of the last [`WINDOW_DAYS`] days, the findings open at the end of
//!   that day, and those first seen and fixed that day. It is rebuilt from the current rows:
//!   a finding counts as open from its first-seen day until the day it was fixed (`fixed`,
//!   `verified`) or, for the other closed statuses, its last change; a reopened finding
//!   counts as open throughout.

use serde::Serialize;
use time::Date;
use time::macros::format_description;

/// Severities in the order figures list them.
pub const SEVERITIES: [&str; 6] = ["Critical", "High", "Medium", "Low", "None", "Unknown"];

/// Lifecycle statuses in the order figures list them.
pub const STATUSES: [&str; 8] = [
    "open",
    "triaged",
    "patching",
    "fixed",
    "verified",
    "risk_accepted",
    "not_affected",
    "false_positive",
];

/// The statuses that count as active (still to be remediated).
pub const ACTIVE: [&str; 3] = ["open", "triaged", "patching"];

/// Days of the trend and of the mean-time-to-remediate window.
pub const WINDOW_DAYS: i64 = 90;

/// What the figures need of one finding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingFacts {
    /// `Critical`, `High`, `Medium`, `Low`, `None` or `Unknown` (anything else counts as
    /// `Unknown`).
    pub severity: String,
    /// Lifecycle status (`open`, `triaged`, ..., see [`STATUSES`]).
    pub status: String,
    /// In CISA's KEV catalogue.
    pub kev: bool,
    /// When the product first had it, RFC 3339 or `YYYY-MM-DD`.
    pub first_seen: String,
    /// Due date, `YYYY-MM-DD`.
    pub due: String,
    /// When it was fixed, RFC 3339.
    pub fixed_at: Option<String>,
    /// When its fix reached production, RFC 3339.
    pub verified_at: Option<String>,
    /// Its last change, RFC 3339 (taken as the closing day of findings closed without a fix).
    pub updated_at: String,
}

impl FindingFacts {
    fn is_active(&self) -> bool {
        ACTIVE.contains(&self.status.as_str())
    }

    fn is_remediated(&self) -> bool {
        matches!(self.status.as_str(), "fixed" | "verified")
    }

    /// The fix day, `YYYY-MM-DD`: `fixed_at`, else `verified_at`.
    fn fix_day(&self) -> Option<&str> {
        self.fixed_at
            .as_deref()
            .or(self.verified_at.as_deref())
            .map(day_of)
    }

    fn severity_index(&self) -> usize {
        SEVERITIES
            .iter()
            .position(|s| *s == self.severity)
            .unwrap_or(SEVERITIES.len() - 1)
    }
}

/// SLA compliance of a set of findings (see the crate documentation for the definition).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Compliance {
    /// Remediated on or before the due date (the numerator).
    pub on_time: u64,
    /// Remediated, or active and overdue (the denominator).
    pub counted: u64,
    /// `on_time / counted` in percent, rounded down to one decimal; none when `counted` is 0.
    pub percent: Option<f64>,
}

impl Compliance {
    /// Compliance from its numerator and denominator.
    pub fn of(on_time: u64, counted: u64) -> Compliance {
        let on_time = on_time.min(counted);
        Compliance {
            on_time,
            counted,
            percent: percent(on_time, counted),
        }
    }
}

/// `part / whole` in percent, rounded down to one decimal; none when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let tenths = u128::from(part.min(whole)) * 1000 / u128::from(whole);
    // At most 1000: exact in f64.
    Some(tenths as f64 / 10.0)
}

/// Mean time to remediate over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Remediation {
    /// Findings remediated within the window.
    pub remediated: u64,
    /// Their mean days from first seen to fixed, one decimal; none when there were none.
    pub mean_days: Option<f64>,
}

/// The figures of one severity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeverityFigures {
    /// `Critical`, `High`, `Medium`, `Low`, `None` or `Unknown`.
    pub severity: String,
    /// Findings of this severity, any status.
    pub total: u64,
    /// Active findings.
    pub open: u64,
    /// Active findings past their due date.
    pub overdue: u64,
    /// Active findings in CISA's KEV catalogue.
    pub kev_open: u64,
    /// SLA compliance.
    pub sla: Compliance,
    /// Mean time to remediate over the last [`WINDOW_DAYS`] days.
    pub mttr: Remediation,
}

/// How many findings have a status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCount {
    /// The status.
    pub status: String,
    /// Findings with it.
    pub count: u64,
}

/// One day of the trend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendDay {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Findings open at the end of the day.
    pub open: u64,
    /// Findings first seen that day.
    pub new: u64,
    /// Findings fixed that day.
    pub fixed: u64,
}

/// Every figure of a set of findings on one day.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// The day the figures are for, `YYYY-MM-DD`.
    pub today: String,
    /// Findings, any status.
    pub total: u64,
    /// Active findings.
    pub open: u64,
    /// Active findings past their due date.
    pub overdue: u64,
    /// Active findings in CISA's KEV catalogue.
    pub kev_open: u64,
    /// SLA compliance over every severity.
    pub sla: Compliance,
    /// Mean time to remediate over every severity.
    pub mttr: Remediation,
    /// Counts by status, in lifecycle order ([`STATUSES`], then any other status by name).
    pub by_status: Vec<StatusCount>,
    /// Figures by severity, in [`SEVERITIES`] order (every severity, zero or not).
    pub by_severity: Vec<SeverityFigures>,
    /// The last [`WINDOW_DAYS`] days, oldest first, ending with `today`; empty when `today`
    /// is not a date.
    pub trend: Vec<TrendDay>,
}

/// The first ten characters (`YYYY-MM-DD` of an RFC 3339 time).
pub fn day_of(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
}

/// Parses the day of an RFC 3339 time or a `YYYY-MM-DD` date.
pub fn parse_day(text: &str) -> Option<Date> {
    Date::parse(day_of(text), format_description!("[year]-[month]-[day]")).ok()
}

#[derive(Default)]
struct Acc {
    total: u64,
    open: u64,
    overdue: u64,
    kev_open: u64,
    on_time: u64,
    counted: u64,
    remediated: u64,
    remediation_days: u64,
}

impl Acc {
    fn add(&mut self, other: &Acc) {
        self.total += other.total;
        self.open += other.open;
        self.overdue += other.overdue;
        self.kev_open += other.kev_open;
        self.on_time += other.on_time;
        self.counted += other.counted;
        self.remediated += other.remediated;
        self.remediation_days += other.remediation_days;
    }

    fn mttr(&self) -> Remediation {
        Remediation {
            remediated: self.remediated,
            mean_days: (self.remediated > 0).then(|| {
                let tenths = (self.remediation_days as f64 * 10.0 / self.remediated as f64).round();
                tenths / 10.0
            }),
        }
    }
}

/// Computes every figure of `findings` on `today` (`YYYY-MM-DD`, or an RFC 3339 time whose
/// day is taken).
pub fn compute(findings: &[FindingFacts], today: &str) -> Figures {
    compute_counted(findings.iter().map(|f| (f, 1)), today)
}

/// [`compute`] over findings grouped by identical facts: each item stands for `count`
/// findings (only the days of the times matter, so a store can group by them).
pub fn compute_counted<'a>(
    findings: impl IntoIterator<Item = (&'a FindingFacts, u64)>,
    today: &str,
) -> Figures {
    let today_text = day_of(today).to_string();
    let today_date = parse_day(today);
    let window_start =
        today_date.and_then(|t| t.checked_sub(time::Duration::days(WINDOW_DAYS - 1)));
    let mut per_severity: Vec<Acc> = SEVERITIES.iter().map(|_| Acc::default()).collect();
    let mut statuses: Vec<StatusCount> = STATUSES
        .iter()
        .map(|s| StatusCount {
            status: s.to_string(),
            count: 0,
        })
        .collect();
    let days = usize::try_from(WINDOW_DAYS).unwrap_or(90);
    // Difference array for the open count, plain counts for new and fixed.
    let mut open_delta = vec![0u64; days + 1];
    let mut open_end = vec![0u64; days + 1];
    let mut new = vec![0u64; days];
    let mut fixed = vec![0u64; days];
    let index =
        |date: Date| -> Option<i64> { window_start.map(|start| (date - start).whole_days()) };
    for (f, n) in findings {
        if n == 0 {
            continue;
        }
        match statuses.iter_mut().find(|c| c.status == f.status) {
            Some(c) => c.count += n,
            None => statuses.push(StatusCount {
                status: f.status.clone(),
                count: n,
            }),
        }
        let acc = &mut per_severity[f.severity_index()];
        acc.total += n;
        let due = day_of(&f.due);
        if f.is_active() {
            acc.open += n;
            if f.kev {
                acc.kev_open += n;
            }
            if due < today_text.as_str() {
                acc.overdue += n;
                acc.counted += n;
            }
        } else if f.is_remediated() {
            acc.counted += n;
            if f.fix_day().is_some_and(|d| d <= due) {
                acc.on_time += n;
            }
        }
        // Mean time to remediate, over fixes within the window.
        let first = parse_day(&f.first_seen);
        let fix = f.fix_day().and_then(parse_day);
        if f.is_remediated()
            && let (Some(first), Some(fix), Some(start), Some(end)) =
                (first, fix, window_start, today_date)
            && fix >= start
            && fix <= end
        {
            acc.remediated += n;
            acc.remediation_days += n * u64::try_from((fix - first).whole_days()).unwrap_or(0);
        }
        // Trend.
        let Some(first) = first else { continue };
        let Some(first_index) = index(first) else {
            continue;
        };
        let closed = if f.is_active() {
            None
        } else if f.is_remediated() {
            Some(fix.or_else(|| parse_day(&f.updated_at)))
        } else {
            Some(parse_day(&f.updated_at))
        };
        let end_index = match closed {
            None => None,
            // Closed at an unknown time: not counted as open at all.
            Some(None) => Some(first_index),
            Some(Some(day)) => index(day),
        };
        let last = WINDOW_DAYS;
        let from = first_index.clamp(0, last);
        // A closed finding is not open at the end of today, even when its closing time
        // lies after `today` (a clock ahead of the caller's).
        let until = end_index.map_or(last, |e| e.clamp(0, last - 1));
        if from < until
            && let (Ok(a), Ok(b)) = (usize::try_from(from), usize::try_from(until))
        {
            open_delta[a] += n;
            open_end[b] += n;
        }
        if let Ok(i) = usize::try_from(first_index)
            && i < days
        {
            new[i] += n;
        }
        if f.is_remediated()
            && let Some(i) = fix.and_then(index).and_then(|i| usize::try_from(i).ok())
            && i < days
        {
            fixed[i] += n;
        }
    }
    let mut all = Acc::default();
    for acc in &per_severity {
        all.add(acc);
    }
    let by_severity = SEVERITIES
        .iter()
        .zip(&per_severity)
        .map(|(name, acc)| SeverityFigures {
            severity: name.to_string(),
            total: acc.total,
            open: acc.open,
            overdue: acc.overdue,
            kev_open: acc.kev_open,
            sla: Compliance::of(acc.on_time, acc.counted),
            mttr: acc.mttr(),
        })
        .collect();
    let mut trend = Vec::new();
    if let Some(start) = window_start {
        let mut running = 0u64;
        for i in 0..days {
            running = (running + open_delta[i]).saturating_sub(open_end[i]);
            let day = start
                .checked_add(time::Duration::days(i as i64))
                .map(|d| d.to_string())
                .unwrap_or_default();
            trend.push(TrendDay {
                day,
                open: running,
                new: new[i],
                fixed: fixed[i],
            });
        }
    }
    Figures {
        today: today_text,
        total: all.total,
        open: all.open,
        overdue: all.overdue,
        kev_open: all.kev_open,
        sla: Compliance::of(all.on_time, all.counted),
        mttr: all.mttr(),
        by_status: statuses,
        by_severity,
        trend,
    }
}

#[cfg(test)]
mod tests;
