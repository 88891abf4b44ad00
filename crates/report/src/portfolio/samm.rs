//! The SAMM self-assessment of the Patching and Updating stream (OWASP SAMM, Operations ›
//! Environment Management): its three questions answered from what the portfolio holds,
//! each quality criterion with the figure behind it and what would raise it.
//!
//! [`assess`] turns plain evidence ([`SammEvidence`]: projects with their latest scan time,
//! advisory sources, findings, exceptions, patch records, products, process reviews) into a
//! [`SammAssessment`]; [`samm_json`] and [`samm_html`] render it. Pure: the caller reads the
//! store. The rules are stated in `docs/samm.md`:
//!
//! - a criterion's **answer** comes from its measured share: none measured (nothing to
//!   measure) or 0 → *No*; above 0 and below 50 % → *Yes, for some*; 50 % to below 90 % →
//!   *Yes, for at least half*; 90 % or more → *Yes, for most or all* (compared exactly, not
//!   on the rounded percent);
//! - a **question**'s answer is the lowest of its criteria's (each must hold);
//! - the **score** is the sum of the questions' values (0, 0.25, 0.5, 1), 0 to 3;
//! - the **maturity level** is the highest L such that questions 1 to L all answer at least
//!   *Yes, for at least half* (0 when question 1 does not).

use std::collections::BTreeSet;

use patchwarden_metrics::{Compliance, FindingFacts, compute, day_of as day, parse_day, percent};
use patchwarden_store::{
    FindingRow, ProcessReview, Product, ProjectActivity, SourceStatus, StoredException,
};
use serde::Serialize;
use time::{Date, Duration};

use super::partner::exception_covers;
use super::period::day_text;
use crate::html::escape;

/// Version of the JSON document's shape.
pub const SAMM_SCHEMA: &str = "patchwarden.samm-assessment/1";

/// Items an evidence list shows at most (its `total` says how many there are).
pub const EVIDENCE_ITEMS: usize = 10;

/// The windows the criteria measure against, in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SammOptions {
    /// 1a: a project's inventory is up to date when its latest scan is at most this old.
    pub inventory_days: u32,
    /// 3a: a project is rescanned regularly when its latest scan is at most this old.
    pub rescan_days: u32,
    /// 1b, 2b: an advisory source is fresh when its last successful update is at most this
    /// old.
    pub source_days: u32,
    /// 2a, 3b, 3c: the look-back window for remediations and process reviews.
    pub review_days: u32,
}

impl Default for SammOptions {
    fn default() -> SammOptions {
        SammOptions {
            inventory_days: 30,
            rescan_days: 7,
            source_days: 2,
            review_days: 365,
        }
    }
}

/// Everything [`assess`] reads. Plain values: the caller fills them from the store.
#[derive(Clone, Debug, Default)]
pub struct SammEvidence {
    /// Now (RFC 3339); the assessment is as of its day.
    pub generated_at: String,
    /// The windows.
    pub options: SammOptions,
    /// Every project with its latest scan time.
    pub projects: Vec<ProjectActivity>,
    /// Every advisory and threat intelligence source.
    pub sources: Vec<SourceStatus>,
    /// Every finding, any status.
    pub findings: Vec<FindingRow>,
    /// Every stored exception.
    pub exceptions: Vec<StoredException>,
    /// The ids of the findings with a patch record.
    pub patched_findings: Vec<i64>,
    /// Every product (with its policy, when one is stored).
    pub products: Vec<Product>,
    /// The recorded process reviews.
    pub reviews: Vec<ProcessReview>,
}

/// A SAMM answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// No (value 0).
    No,
    /// Yes, for some (value 0.25).
    Some,
    /// Yes, for at least half (value 0.5).
    AtLeastHalf,
    /// Yes, for most or all (value 1).
    MostOrAll,
}

impl Answer {
    /// The answer a share `part / whole` gives: 0 of anything, or nothing to measure, is
    /// *No*; below half *some*; below 90 % *at least half*; else *most or all*. Exact
    /// integer comparisons, so 899 of 1000 is *at least half* and 900 of 1000 *most or all*.
    pub fn from_share(part: u64, whole: u64) -> Answer {
        let part = u128::from(part.min(whole));
        let whole = u128::from(whole);
        if part == 0 {
            Answer::No
        } else if part * 100 < whole * 50 {
            Answer::Some
        } else if part * 100 < whole * 90 {
            Answer::AtLeastHalf
        } else {
            Answer::MostOrAll
        }
    }

    /// SAMM's value of the answer: 0, 0.25, 0.5 or 1.
    pub fn value(self) -> f64 {
        match self {
            Answer::No => 0.0,
            Answer::Some => 0.25,
            Answer::AtLeastHalf => 0.5,
            Answer::MostOrAll => 1.0,
        }
    }

    /// The words SAMM uses.
    pub fn label(self) -> &'static str {
        match self {
            Answer::No => "No",
            Answer::Some => "Yes, for some",
            Answer::AtLeastHalf => "Yes, for at least half",
            Answer::MostOrAll => "Yes, for most or all",
        }
    }

    fn css(self) -> &'static str {
        match self {
            Answer::No => "a-no",
            Answer::Some => "a-some",
            Answer::AtLeastHalf => "a-half",
            Answer::MostOrAll => "a-most",
        }
    }
}

/// A list of things behind a figure (stale projects, findings without a decision, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvidenceList {
    /// What is listed.
    pub title: String,
    /// How many there are in all.
    pub total: usize,
    /// The first [`EVIDENCE_ITEMS`] of them.
    pub items: Vec<String>,
}

/// One quality criterion, measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Criterion {
    /// `1a`, `1b`, `2a`, ...
    pub id: &'static str,
    /// SAMM's wording.
    pub text: &'static str,
    /// What was measured, in plain words.
    pub measure: String,
    /// The part that meets it.
    pub numerator: u64,
    /// The whole measured.
    pub denominator: u64,
    /// `numerator / denominator` in percent, rounded down to one decimal; none when nothing
    /// was measured.
    pub percent: Option<f64>,
    /// The answer.
    pub answer: Answer,
    /// Its words.
    pub label: &'static str,
    /// Why the answer is not simply the share's (no evidence, capped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What lies behind the figure.
    pub evidence: Vec<EvidenceList>,
    /// What to do to raise the answer (or to meet the criterion fully); empty when met.
    pub to_raise: Vec<String>,
}

/// One SAMM question with its criteria.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// 1, 2 or 3.
    pub number: u8,
    /// The maturity level it belongs to (the same as its number).
    pub level: u8,
    /// SAMM's wording.
    pub text: &'static str,
    /// The lowest answer of its criteria.
    pub answer: Answer,
    /// Its words.
    pub label: &'static str,
    /// Its value.
    pub value: f64,
    /// The criteria that hold the answer down (those with the lowest answer), when it is
    /// below *most or all*.
    pub limited_by: Vec<&'static str>,
    /// The criteria.
    pub criteria: Vec<Criterion>,
}

/// The assessment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SammAssessment {
    /// [`SAMM_SCHEMA`].
    pub schema: &'static str,
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// The day the windows end on, `YYYY-MM-DD`.
    pub as_of: String,
    /// `Operations / Environment Management / Patching and Updating`.
    pub stream: &'static str,
    /// The windows used.
    pub options: SammOptions,
    /// The sum of the questions' values, 0 to 3.
    pub score: f64,
    /// The highest level L such that questions 1 to L all answer at least *Yes, for at least
    /// half*; 0 when question 1 does not.
    pub maturity_level: u8,
    /// The three questions.
    pub questions: Vec<Question>,
}

const STREAM: &str = "Operations / Environment Management / Patching and Updating";

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn list(title: impl Into<String>, items: Vec<String>) -> EvidenceList {
    EvidenceList {
        title: title.into(),
        total: items.len(),
        items: items.into_iter().take(EVIDENCE_ITEMS).collect(),
    }
}

/// Up to five names, then "and N more".
fn names(items: &[String]) -> String {
    let mut text = items.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 5 {
        text.push_str(&format!(" and {} more", items.len() - 5));
    }
    text
}

fn as_count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The context every criterion is measured in.
struct Ctx<'a> {
    e: &'a SammEvidence,
    today: Option<Date>,
}

impl Ctx<'_> {
    /// Whole days from the day of `time` to today (negative when after today); none when
    /// either is not a date.
    fn age(&self, time: &str) -> Option<i64> {
        Some((self.today? - parse_day(time)?).whole_days())
    }

    /// Whether `time` is at most `days` old (a time after today counts as fresh).
    fn within(&self, time: Option<&str>, days: u32) -> bool {
        time.and_then(|t| self.age(t))
            .is_some_and(|a| a <= i64::from(days))
    }

    /// The first day of a window of `days` days ending today, as text.
    fn since(&self, days: u32) -> Option<String> {
        self.today
            .and_then(|t| t.checked_sub(Duration::days(i64::from(days))))
            .map(day_text)
    }

    fn today_text(&self) -> String {
        self.today.map(day_text).unwrap_or_default()
    }
}

fn criterion(
    id: &'static str,
    text: &'static str,
    measure: String,
    numerator: u64,
    denominator: u64,
) -> Criterion {
    let answer = Answer::from_share(numerator, denominator);
    Criterion {
        id,
        text,
        measure,
        numerator,
        denominator,
        percent: percent(numerator, denominator),
        answer,
        label: answer.label(),
        note: (denominator == 0).then(|| "no evidence: nothing to measure".to_string()),
        evidence: Vec::new(),
        to_raise: Vec::new(),
    }
}

fn is_active(f: &FindingRow) -> bool {
    patchwarden_metrics::ACTIVE.contains(&f.status.as_str())
}

fn is_remediated(f: &FindingRow) -> bool {
    matches!(f.status.as_str(), "fixed" | "verified")
}

fn finding_name(f: &FindingRow) -> String {
    format!(
        "#{} {} in {} ({}/{})",
        f.id, f.vulnerability_id, f.package, f.product, f.project
    )
}

/// 1a and 3a: the projects whose latest scan is at most `days` old.
fn projects_scanned(
    ctx: &Ctx<'_>,
    id: &'static str,
    text: &'static str,
    days: u32,
    verb: &str,
) -> Criterion {
    let projects = &ctx.e.projects;
    let mut stale: Vec<(Option<i64>, String, String)> = projects
        .iter()
        .filter(|p| !ctx.within(p.last_recorded_at.as_deref(), days))
        .map(|p| {
            let name = format!("{}/{}", p.product, p.project);
            match p.last_recorded_at.as_deref() {
                Some(t) => {
                    let age = ctx.age(t);
                    let ago = age.map_or_else(String::new, |a| format!(", {a} days ago"));
                    let line = format!("{name}: last scanned {}{ago}", day(t));
                    (age, line, name)
                }
                None => (None, format!("{name}: never scanned"), name),
            }
        })
        .collect();
    // Never scanned first, then the oldest.
    stale.sort_by(|a, b| match (a.0, b.0) {
        (None, None) => a.1.cmp(&b.1),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x).then(a.1.cmp(&b.1)),
    });
    let total = as_count(projects.len());
    let fresh = total - as_count(stale.len());
    let mut c = criterion(
        id,
        text,
        format!(
            "projects whose latest recorded scan (its component list with versions) is at most {days} days old"
        ),
        fresh,
        total,
    );
    if projects.is_empty() {
        c.note = Some("no evidence: no projects are recorded".into());
        c.to_raise.push(
            "Record a scan of each project (`patchwarden scan --record`, or an upload from CI): the assessment measures projects.".into(),
        );
        return c;
    }
    let names_only: Vec<String> = stale.iter().map(|(_, _, n)| n.clone()).collect();
    let items: Vec<String> = stale.into_iter().map(|(_, s, _)| s).collect();
    if !items.is_empty() {
        c.to_raise.push(format!(
            "{verb} the {} not scanned in the last {days} days: {}.",
            plural(items.len(), "project", "projects"),
            names(&names_only)
        ));
        c.evidence.push(list(
            format!("projects not scanned in the last {days} days"),
            items,
        ));
    }
    c
}

/// 1b: advisory sources updated within the freshness window.
fn sources_fresh(ctx: &Ctx<'_>) -> Criterion {
    let days = ctx.e.options.source_days;
    let sources = &ctx.e.sources;
    let stale: Vec<&SourceStatus> = sources
        .iter()
        .filter(|s| !ctx.within(s.last_success.as_deref(), days))
        .collect();
    let total = as_count(sources.len());
    let mut c = criterion(
        "1b",
        "You regularly review public sources for vulnerabilities related to your components",
        format!(
            "advisory and threat intelligence sources (OSV, CISA KEV, EPSS, NVD, imported files) whose last successful update is at most {days} days old"
        ),
        total - as_count(stale.len()),
        total,
    );
    if sources.is_empty() {
        c.note = Some("no evidence: no advisory source was ever imported".into());
        c.to_raise.push(
            "Import advisories and keep them current: `patchwarden db update` (OSV, CISA KEV, EPSS, NVD), scheduled by `patchwarden serve`.".into(),
        );
        return c;
    }
    let mut fresh_items: Vec<String> = sources
        .iter()
        .filter(|s| ctx.within(s.last_success.as_deref(), days))
        .map(|s| {
            format!(
                "{} ({}): updated {}",
                s.name,
                s.kind,
                s.last_success.as_deref().map(day).unwrap_or_default()
            )
        })
        .collect();
    fresh_items.sort();
    if !stale.is_empty() {
        let items: Vec<String> = stale
            .iter()
            .map(|s| {
                let last = match s.last_success.as_deref() {
                    Some(t) => format!("last updated {}", day(t)),
                    None => "never updated".into(),
                };
                let error = s
                    .last_error
                    .as_deref()
                    .map_or_else(String::new, |e| format!("; last attempt failed: {e}"));
                format!("{} ({}): {last}{error}", s.name, s.kind)
            })
            .collect();
        let stale_names: Vec<String> = stale.iter().map(|s| s.name.clone()).collect();
        c.to_raise.push(format!(
            "Update the {} older than {days} days (`patchwarden db update`, or the scheduled update job; re-import sources read from files): {}.",
            plural(stale.len(), "stale source", "stale sources"),
            names(&stale_names)
        ));
        c.evidence
            .push(list(format!("sources older than {days} days"), items));
    }
    if !fresh_items.is_empty() {
        c.evidence.push(list("fresh sources", fresh_items));
    }
    c
}

/// 2a: findings handled in the window that carry vendor fix information.
fn vendor_information(ctx: &Ctx<'_>, patched: &BTreeSet<i64>) -> Criterion {
    let days = ctx.e.options.review_days;
    let since = ctx.since(days);
    let handled: Vec<&FindingRow> = ctx
        .e
        .findings
        .iter()
        .filter(|f| {
            is_active(f)
                || (is_remediated(f)
                    && since.as_deref().is_some_and(|s| {
                        f.fixed_at
                            .as_deref()
                            .or(f.verified_at.as_deref())
                            .unwrap_or(&f.updated_at)
                            .get(..10)
                            .is_some_and(|d| d >= s)
                    }))
        })
        .collect();
    let without: Vec<&&FindingRow> = handled
        .iter()
        .filter(|f| f.fixed_versions.is_empty() && !patched.contains(&f.id))
        .collect();
    let total = as_count(handled.len());
    let mut c = criterion(
        "2a",
        "The process includes vendor information for third-party patches",
        format!(
            "findings being handled (active, or remediated in the last {days} days) whose advisory names the vendor's fixed version, or that have a patch record"
        ),
        total - as_count(without.len()),
        total,
    );
    if handled.is_empty() {
        c.note = Some(format!(
            "no evidence: no active finding and none remediated in the last {days} days"
        ));
        c.to_raise.push(
            "Nothing shows the process at work yet: record scans so findings are tracked, and record each patch (`patchwarden findings patch ID --version V`).".into(),
        );
        return c;
    }
    if !without.is_empty() {
        let ids: Vec<String> = without.iter().map(|f| format!("#{}", f.id)).collect();
        c.to_raise.push(format!(
            "Find the vendor's fix for the {} and record the plan (`patchwarden findings patch ID --version V`); where the vendor has none, handle them as zero-days (2b): {}.",
            plural(without.len(), "finding without vendor fix information", "findings without vendor fix information"),
            names(&ids)
        ));
        c.evidence.push(list(
            "findings without a fixed version or a patch record",
            without.iter().map(|f| finding_name(f)).collect(),
        ));
    }
    c
}

/// Why a zero-day finding's risk decision does not count, or none when it counts.
enum Decision {
    Counted(String),
    Incomplete(String),
    Missing,
}

fn risk_decision(ctx: &Ctx<'_>, f: &FindingRow, patched: &BTreeSet<i64>, today: &str) -> Decision {
    if patched.contains(&f.id) {
        return Decision::Counted("patch record".into());
    }
    let mut incomplete = None;
    if f.status == "risk_accepted" {
        let approver = f.accepted_by.as_deref().filter(|a| !a.trim().is_empty());
        let until = f.accepted_until.as_deref().filter(|u| !u.trim().is_empty());
        match (approver, until) {
            (Some(a), Some(u)) if day(u) >= today => {
                return Decision::Counted(format!("risk accepted by {a} until {u}"));
            }
            (Some(_), Some(u)) => incomplete = Some(format!("risk acceptance expired on {u}")),
            (None, _) => incomplete = Some("risk accepted without an approver".into()),
            (_, None) => incomplete = Some("risk accepted without an expiry".into()),
        }
    }
    for x in &ctx.e.exceptions {
        if !exception_covers(x, f, today) {
            continue;
        }
        if x.approved_by.trim().is_empty() {
            incomplete = Some(format!("exception {} has no approver", x.id));
        } else if x.expires.trim().is_empty() {
            incomplete = Some(format!("exception {} has no expiry", x.id));
        } else {
            return Decision::Counted(format!(
                "exception {} approved by {} until {}",
                x.id, x.approved_by, x.expires
            ));
        }
    }
    // An exception without an expiry never matches `exception_covers` (empty < today):
    // name it too.
    for x in &ctx.e.exceptions {
        if x.expires.trim().is_empty() && x.product == f.product {
            let mut with_expiry = x.clone();
            with_expiry.expires = "9999-12-31".into();
            if exception_covers(&with_expiry, f, today) {
                incomplete = Some(format!("exception {} has no expiry", x.id));
            }
        }
    }
    match incomplete {
        Some(why) => Decision::Incomplete(why),
        None => Decision::Missing,
    }
}

/// 2b: zero-days (no fix, or exploited) with a risk decision; the KEV catalogue fresh.
fn zero_days(ctx: &Ctx<'_>, patched: &BTreeSet<i64>) -> Criterion {
    let days = ctx.e.options.source_days;
    let today = ctx.today_text();
    let population: Vec<&FindingRow> = ctx
        .e
        .findings
        .iter()
        .filter(|f| {
            (is_active(f) || f.status == "risk_accepted") && (f.fixed_versions.is_empty() || f.kev)
        })
        .collect();
    let mut covered = Vec::new();
    let mut incomplete = Vec::new();
    let mut missing = Vec::new();
    for f in &population {
        let why = if f.kev { "in KEV" } else { "no fix" };
        match risk_decision(ctx, f, patched, &today) {
            Decision::Counted(how) => covered.push(format!("{} [{why}]: {how}", finding_name(f))),
            Decision::Incomplete(how) => {
                incomplete.push((f.id, format!("{} [{why}]: {how}", finding_name(f))))
            }
            Decision::Missing => missing.push((f.id, format!("{} [{why}]", finding_name(f)))),
        }
    }
    let total = as_count(population.len());
    let mut c = criterion(
        "2b",
        "The process considers external sources to gather information about zero day attacks, and includes appropriate risk mitigation steps",
        format!(
            "active or risk-accepted findings without a fixed version or in CISA KEV that carry a risk decision (a patch record, a risk acceptance in force with approver and expiry, or an exception in force with approver and expiry); the KEV catalogue must be at most {days} days old"
        ),
        as_count(covered.len()),
        total,
    );
    let kev: Vec<&SourceStatus> = ctx.e.sources.iter().filter(|s| s.kind == "kev").collect();
    let kev_fresh = kev
        .iter()
        .any(|s| ctx.within(s.last_success.as_deref(), days));
    if population.is_empty() {
        c.note = Some(
            "no evidence: no active or risk-accepted finding lacks a fix or is in CISA KEV, so no risk decision shows the process".into(),
        );
    } else if !kev_fresh && c.answer > Answer::Some {
        c.answer = Answer::Some;
        c.label = c.answer.label();
        c.note = Some(format!(
            "capped at \"Yes, for some\": the CISA KEV catalogue is {} (at most {days} days allowed)",
            if kev.is_empty() {
                "not imported"
            } else {
                "stale"
            }
        ));
    }
    if !kev_fresh {
        let last = kev
            .iter()
            .filter_map(|s| s.last_success.as_deref())
            .max()
            .map_or_else(
                || "never imported".to_string(),
                |t| format!("last updated {}", day(t)),
            );
        c.to_raise.push(format!(
            "Update the CISA KEV catalogue (`patchwarden db update`; {last}): exploited vulnerabilities are the zero-days to act on first."
        ));
    }
    if !missing.is_empty() {
        let ids: Vec<String> = missing.iter().map(|(id, _)| format!("#{id}")).collect();
        c.to_raise.push(format!(
            "Record a risk decision for the {}: a patch plan (`findings patch`), a risk acceptance (`findings accept ID --approver --reason --expires`) or an exception with approver and expiry (`exception add`): {}.",
            plural(missing.len(), "finding without one", "findings without one"),
            names(&ids)
        ));
        c.evidence.push(list(
            "findings without a fix or in KEV, with no risk decision",
            missing.into_iter().map(|(_, s)| s).collect(),
        ));
    }
    if !incomplete.is_empty() {
        let ids: Vec<String> = incomplete.iter().map(|(id, _)| format!("#{id}")).collect();
        c.to_raise.push(format!(
            "Complete or renew the risk decisions of the {} (approver and expiry in force): {}.",
            plural(
                incomplete.len(),
                "finding whose decision does not count",
                "findings whose decisions do not count"
            ),
            names(&ids)
        ));
        c.evidence.push(list(
            "risk decisions lacking an approver or expiry, or expired",
            incomplete.into_iter().map(|(_, s)| s).collect(),
        ));
    }
    if !covered.is_empty() {
        c.evidence
            .push(list("findings with a risk decision", covered));
    }
    c
}

/// 2c: products with prioritisation guidance (their own policy, or the built-in one).
fn guidance(ctx: &Ctx<'_>) -> Criterion {
    let products = &ctx.e.products;
    let total = as_count(products.len());
    let mut c = criterion(
        "2c",
        "The process includes guidance for prioritizing component updates",
        "products whose findings are prioritised by an SLA policy: their own stored policy, or Patchwarden's built-in one (Critical and High 30 days, Medium 90, Low 180, capped by CISA KEV's due date; ranked KEV, EPSS, CVSS); products on the built-in policy are listed".into(),
        total,
        total,
    );
    if products.is_empty() {
        c.note = Some("no evidence: no products are recorded".into());
        c.to_raise.push(
            "Create the products (`patchwarden product add NAME --policy FILE`) and record their projects' scans.".into(),
        );
        return c;
    }
    let own: Vec<String> = products
        .iter()
        .filter(|p| p.policy.is_some())
        .map(|p| p.name.clone())
        .collect();
    let defaults: Vec<String> = products
        .iter()
        .filter(|p| p.policy.is_none())
        .map(|p| p.name.clone())
        .collect();
    if !defaults.is_empty() {
        c.to_raise.push(format!(
            "Tailor the guidance to each product's criticality and risk tolerance: set a policy (`patchwarden product set-policy NAME FILE`) for the {} on the built-in defaults: {}.",
            plural(defaults.len(), "product", "products"),
            names(&defaults)
        ));
        c.evidence.push(list(
            "products on the built-in policy (no policy of their own)",
            defaults,
        ));
    }
    if !own.is_empty() {
        c.evidence.push(list("products with their own policy", own));
    }
    c
}

/// 3b: SLA compliance over the window.
fn sla(ctx: &Ctx<'_>) -> Criterion {
    let days = ctx.e.options.review_days;
    let since = ctx.since(days).unwrap_or_default();
    let today = ctx.today_text();
    let fix_day = |f: &FindingRow| -> String {
        day(f
            .fixed_at
            .as_deref()
            .or(f.verified_at.as_deref())
            .unwrap_or(&f.updated_at))
        .to_string()
    };
    let counted: Vec<&FindingRow> = ctx
        .e
        .findings
        .iter()
        .filter(|f| {
            (is_remediated(f) && fix_day(f) >= since)
                || (is_active(f) && f.due.as_str() < today.as_str())
        })
        .collect();
    let facts: Vec<FindingFacts> = counted
        .iter()
        .map(|f| FindingFacts {
            severity: f.severity.clone(),
            status: f.status.clone(),
            kev: f.kev,
            first_seen: f.first_seen.clone(),
            due: f.due.clone(),
            fixed_at: f.fixed_at.clone(),
            verified_at: f.verified_at.clone(),
            updated_at: f.updated_at.clone(),
        })
        .collect();
    let sla: Compliance = compute(&facts, &today).sla;
    let mut c = criterion(
        "3b",
        "You identify and update missing updates according to existing SLA",
        format!(
            "SLA compliance (docs/metrics.md) over the findings remediated in the last {days} days and the active findings now overdue: fixed on or before the due date, of all those"
        ),
        sla.on_time,
        sla.counted,
    );
    if sla.counted == 0 {
        c.note = Some(format!(
            "no evidence: no finding was remediated in the last {days} days and none is overdue"
        ));
        c.to_raise.push(
            "Nothing shows SLA performance yet: track findings through to their fix (`patchwarden findings` and later scans).".into(),
        );
        return c;
    }
    let mut overdue: Vec<&&FindingRow> = counted.iter().filter(|f| is_active(f)).collect();
    overdue.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
    let mut late: Vec<&&FindingRow> = counted
        .iter()
        .filter(|f| {
            is_remediated(f)
                && (f.fixed_at.is_none() && f.verified_at.is_none() || fix_day(f) > f.due)
        })
        .collect();
    late.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
    if !overdue.is_empty() {
        let ids: Vec<String> = overdue.iter().map(|f| format!("#{}", f.id)).collect();
        c.to_raise.push(format!(
            "Fix the {}, oldest due date first: {}.",
            plural(overdue.len(), "overdue finding", "overdue findings"),
            names(&ids)
        ));
        c.evidence.push(list(
            "active findings past their due date",
            overdue
                .iter()
                .map(|f| format!("{}: {} due {}", finding_name(f), f.severity, f.due))
                .collect(),
        ));
    }
    if !late.is_empty() {
        c.to_raise.push(format!(
            "The {} against the figure for {days} days after the fix; keep new fixes within their due dates.",
            plural(late.len(), "late fix counts", "late fixes count"),
        ));
        c.evidence.push(list(
            "findings fixed after their due date",
            late.iter()
                .map(|f| {
                    let fixed = if f.fixed_at.is_none() && f.verified_at.is_none() {
                        "fix time not recorded".to_string()
                    } else {
                        format!("fixed {}", fix_day(f))
                    };
                    format!("{}: due {}, {fixed}", finding_name(f), f.due)
                })
                .collect(),
        ));
    }
    c
}

/// Reviews a year needs for *most or all*: one a quarter.
const REVIEWS_EXPECTED: u64 = 4;

/// 3c: process reviews recorded in the window.
fn reviews(ctx: &Ctx<'_>) -> Criterion {
    let days = ctx.e.options.review_days;
    let since = ctx.since(days).unwrap_or_default();
    let today = ctx.today_text();
    let mut recent: Vec<&ProcessReview> = ctx
        .e
        .reviews
        .iter()
        .filter(|r| {
            let d = day(&r.reviewed_on);
            d >= since.as_str() && d <= today.as_str()
        })
        .collect();
    recent.sort_by(|a, b| b.reviewed_on.cmp(&a.reviewed_on).then(b.id.cmp(&a.id)));
    let held = as_count(recent.len());
    let mut c = criterion(
        "3c",
        "You review and update the process based on feedback from the people who perform patching",
        format!(
            "process reviews recorded in the last {days} days, against one a quarter ({REVIEWS_EXPECTED}): the share is min(reviews, {REVIEWS_EXPECTED}) / {REVIEWS_EXPECTED}"
        ),
        held.min(REVIEWS_EXPECTED),
        REVIEWS_EXPECTED,
    );
    if held == 0 {
        c.note = Some(format!(
            "no process review recorded in the last {days} days"
        ));
    }
    if held < REVIEWS_EXPECTED {
        let next = recent
            .first()
            .and_then(|r| parse_day(&r.reviewed_on))
            .and_then(|d| d.checked_add(Duration::days(i64::from(days / 4))))
            .map(|d| format!("; the next one is due by {}", day_text(d)))
            .unwrap_or_default();
        c.to_raise.push(format!(
            "Hold a review with the people who patch and record it (`patchwarden review add --summary TEXT --changes TEXT`): {} more in the last {days} days reach \"most or all\"{next}.",
            REVIEWS_EXPECTED - held
        ));
    }
    if !recent.is_empty() {
        c.evidence.push(list(
            format!("process reviews in the last {days} days, newest first"),
            recent
                .iter()
                .map(|r| {
                    let changes = r
                        .changes
                        .as_deref()
                        .map_or_else(String::new, |ch| format!("; changed: {ch}"));
                    format!(
                        "{} by {}: {}{changes}",
                        r.reviewed_on, r.reviewer, r.summary
                    )
                })
                .collect(),
        ));
    }
    c
}

fn question(number: u8, text: &'static str, criteria: Vec<Criterion>) -> Question {
    let answer = criteria
        .iter()
        .map(|c| c.answer)
        .min()
        .unwrap_or(Answer::No);
    let limited_by = if answer < Answer::MostOrAll {
        criteria
            .iter()
            .filter(|c| c.answer == answer)
            .map(|c| c.id)
            .collect()
    } else {
        Vec::new()
    };
    Question {
        number,
        level: number,
        text,
        answer,
        label: answer.label(),
        value: answer.value(),
        limited_by,
        criteria,
    }
}

/// Assesses the evidence.
pub fn assess(e: &SammEvidence) -> SammAssessment {
    let ctx = Ctx {
        e,
        today: parse_day(&e.generated_at),
    };
    let patched: BTreeSet<i64> = e.patched_findings.iter().copied().collect();
    let o = e.options;
    let questions = vec![
        question(
            1,
            "Do you identify and patch vulnerable components?",
            vec![
                projects_scanned(
                    &ctx,
                    "1a",
                    "You have an up-to-date list of components, including version information",
                    o.inventory_days,
                    "Rescan",
                ),
                sources_fresh(&ctx),
            ],
        ),
        question(
            2,
            "Do you follow an established process for updating components of your technology stacks?",
            vec![
                vendor_information(&ctx, &patched),
                zero_days(&ctx, &patched),
                guidance(&ctx),
            ],
        ),
        question(
            3,
            "Do you regularly evaluate components and review patch level status?",
            vec![
                projects_scanned(
                    &ctx,
                    "3a",
                    "You update the list with components and versions",
                    o.rescan_days,
                    "Rescan (weekly, e.g. from CI or a scheduled pipeline)",
                ),
                sla(&ctx),
                reviews(&ctx),
            ],
        ),
    ];
    let score = questions.iter().map(|q| q.value).sum();
    let maturity_level = questions
        .iter()
        .take_while(|q| q.answer >= Answer::AtLeastHalf)
        .count();
    SammAssessment {
        schema: SAMM_SCHEMA,
        generated_at: e.generated_at.clone(),
        as_of: ctx.today_text(),
        stream: STREAM,
        options: o,
        score,
        maturity_level: u8::try_from(maturity_level).unwrap_or(3),
        questions,
    }
}

/// The assessment as pretty-printed JSON, ending with a newline.
pub fn samm_json(a: &SammAssessment) -> String {
    let mut text = serde_json::to_string_pretty(a).unwrap_or_default();
    text.push('\n');
    text
}

const STYLE: &str = "
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); margin: 0 auto; padding: 1.5rem; max-width: 60rem; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.meta, .muted, footer { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.answer { display: inline-block; font-weight: 700; padding: 0 .4em; border-radius: .25em; border: 1px solid transparent; white-space: nowrap; }
.a-no { background: #b00020; color: #fff; }
.a-some { background: #f9a825; color: #1b1f24; }
.a-half { background: #1565c0; color: #fff; }
.a-most { background: #1a7f37; color: #fff; }
.criterion { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; margin: .75rem 0; break-inside: avoid; }
.figure { font-size: 1.1rem; font-weight: 600; margin: .25rem 0; }
.note { font-style: italic; }
ul { padding-left: 1.25rem; margin: .25rem 0 .5rem; }
.raise { background: var(--head); border-left: 4px solid #1565c0; padding: .25rem .75rem; }
@media (max-width: 40rem) { body { padding: .75rem; font-size: 14px; } .criterion { padding: .5rem .75rem; } }
@page { size: A4; margin: 15mm; }
@media print { body { padding: 0; max-width: none; } .answer { border-color: #000; } h2 { break-after: avoid; } }
";

fn figure(c: &Criterion) -> String {
    match c.percent {
        Some(p) => format!("{} of {} ({p:.1} %)", c.numerator, c.denominator),
        None => "nothing to measure".into(),
    }
}

fn criterion_html(out: &mut String, c: &Criterion) {
    out.push_str(&format!(
        "<article class=\"criterion\" id=\"c{id}\">\n<h3>{id}. {text}</h3>\n<p><span class=\"answer {css}\">{label}</span></p>\n<p class=\"figure\">{figure}</p>\n<p class=\"muted\">Measured: {measure}.</p>\n",
        id = escape(c.id),
        text = escape(c.text),
        css = c.answer.css(),
        label = escape(c.label),
        figure = escape(&figure(c)),
        measure = escape(&c.measure),
    ));
    if let Some(note) = &c.note {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(note)));
    }
    for l in &c.evidence {
        let more = if l.total > l.items.len() {
            format!(" (first {} of {})", l.items.len(), l.total)
        } else {
            format!(" ({})", l.total)
        };
        out.push_str(&format!(
            "<p><strong>{}</strong>{}</p>\n<ul>\n",
            escape(&l.title),
            escape(&more)
        ));
        for item in &l.items {
            out.push_str(&format!("<li>{}</li>\n", escape(item)));
        }
        out.push_str("</ul>\n");
    }
    if !c.to_raise.is_empty() {
        out.push_str("<div class=\"raise\"><p><strong>To raise</strong></p>\n<ul>\n");
        for r in &c.to_raise {
            out.push_str(&format!("<li>{}</li>\n", escape(r)));
        }
        out.push_str("</ul></div>\n");
    }
    out.push_str("</article>\n");
}

/// The assessment as one self-contained printable HTML page (inline CSS, no script, no
/// external resource; A4 when printed, readable on a 375 px wide screen).
pub fn samm_html(a: &SammAssessment) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>SAMM self-assessment: Patching and Updating ({as_of})</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>SAMM self-assessment: Patching and Updating</h1>\n<p class=\"meta\">{stream}. As of {as_of} (generated {generated}). Windows: inventory {inv} days, rescan {rescan} days, source freshness {src} days, look-back {review} days.</p>\n</header>\n",
        as_of = escape(&a.as_of),
        stream = escape(a.stream),
        generated = escape(&a.generated_at),
        inv = a.options.inventory_days,
        rescan = a.options.rescan_days,
        src = a.options.source_days,
        review = a.options.review_days,
    ));
    out.push_str(&format!(
        "<section>\n<h2>Summary</h2>\n<p class=\"figure\">Score {:.2} of 3; maturity level {} of 3.</p>\n<table>\n<thead><tr><th>Question</th><th>Answer</th><th>Value</th></tr></thead>\n<tbody>\n",
        a.score, a.maturity_level
    ));
    for q in &a.questions {
        out.push_str(&format!(
            "<tr><td>{n}. {text}</td><td><span class=\"answer {css}\">{label}</span></td><td class=\"num\">{value:.2}</td></tr>\n",
            n = q.number,
            text = escape(q.text),
            css = q.answer.css(),
            label = escape(q.label),
            value = q.value,
        ));
    }
    out.push_str("</tbody>\n</table>\n<p class=\"muted\">A question's answer is the lowest of its criteria's; the maturity level is the highest L such that questions 1 to L all answer at least \"Yes, for at least half\".</p>\n</section>\n");
    for q in &a.questions {
        out.push_str(&format!(
            "<section id=\"q{n}\">\n<h2>{n}. {text} <span class=\"answer {css}\">{label}</span></h2>\n<p class=\"muted\">Level {level}. ",
            n = q.number,
            text = escape(q.text),
            css = q.answer.css(),
            label = escape(q.label),
            level = q.level,
        ));
        if q.limited_by.is_empty() {
            out.push_str("Every criterion holds for most or all.</p>\n");
        } else {
            out.push_str(&format!(
                "Held down by {}.</p>\n",
                escape(&q.limited_by.join(", "))
            ));
        }
        for c in &q.criteria {
            criterion_html(&mut out, c);
        }
        out.push_str("</section>\n");
    }
    out.push_str("<footer><p>Made by Patchwarden from the recorded portfolio; each figure is defined in docs/samm.md.</p></footer>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests;
