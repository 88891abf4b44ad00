//! The policy file (`patchwarden.toml`): SLA days per severity, the KEV and EPSS rules, the
//! CI gate and exceptions; and what it decides for one finding. Pure: the caller reads the
//! file and supplies dates.

use patchwarden_core::Severity;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::exceptions::{AppliedException, Exception, ExceptionSet};

/// Days to patch per severity. Defaults: Critical 30, High 30, Medium 90, Low 180,
/// None 180, Unknown 90.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaDays {
    /// Critical findings.
    pub critical: u32,
    /// High findings.
    pub high: u32,
    /// Medium findings.
    pub medium: u32,
    /// Low findings.
    pub low: u32,
    /// Findings scored 0.0.
    pub none: u32,
    /// Findings with neither a score nor a label.
    pub unknown: u32,
}

impl Default for SlaDays {
    fn default() -> Self {
        SlaDays {
            critical: 30,
            high: 30,
            medium: 90,
            low: 180,
            none: 180,
            unknown: 90,
        }
    }
}

impl SlaDays {
    /// The days allowed for a severity.
    pub fn days(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::None => self.none,
            Severity::Unknown => self.unknown,
        }
    }
}

/// The CISA KEV rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KevRule {
    /// A finding in the KEV catalogue is due no later than CISA's due date.
    pub cisa_due_date: bool,
}

impl Default for KevRule {
    fn default() -> Self {
        KevRule {
            cisa_due_date: true,
        }
    }
}

/// The EPSS escalation rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EpssRule {
    /// Whether the rule applies.
    pub enabled: bool,
    /// EPSS probability (0–1) at or above which the SLA severity rises one step
    /// (Low → Medium → High → Critical; Unknown and None count as Low).
    pub escalate_at: f64,
}

impl Default for EpssRule {
    fn default() -> Self {
        EpssRule {
            enabled: true,
            escalate_at: 0.5,
        }
    }
}

/// When the CI gate fails. Every rule is off unless set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailOn {
    /// Fail on an open finding of at least this severity (`critical`, `high`, `medium`,
    /// `low`, `none`, `unknown`: every finding).
    #[serde(with = "severity_name", skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Fail on an open finding past its due date.
    pub overdue: bool,
    /// Fail on an open finding in CISA's KEV catalogue.
    pub kev: bool,
    /// Fail on an open finding with no fix whose advisory was published more than this many
    /// days ago.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_fix_older_than_days: Option<u32>,
}

impl FailOn {
    /// Whether any rule is set.
    pub fn is_set(&self) -> bool {
        self.severity.is_some() || self.overdue || self.kev || self.no_fix_older_than_days.is_some()
    }
}

/// Reads a severity name in any case (`high`, `High`, `MODERATE`), or `unknown`.
pub fn parse_severity(name: &str) -> Option<Severity> {
    match name.trim().to_ascii_lowercase().as_str() {
        "unknown" | "any" => Some(Severity::Unknown),
        other => Severity::from_label(other),
    }
}

mod severity_name {
    use patchwarden_core::Severity;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Severity>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.as_str().to_ascii_lowercase()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Severity>, D::Error> {
        let name = String::deserialize(d)?;
        super::parse_severity(&name).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown severity `{name}` (expected critical, high, medium, low, none or unknown)"
            ))
        })
    }
}

/// The stale-image rule: an image not rebuilt for `max_age_days` misses the base image's
/// updates, which is a finding of its own with its own SLA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaleImageRule {
    /// Whether the rule applies.
    pub enabled: bool,
    /// Days after its build an image counts as stale.
    pub max_age_days: u32,
    /// Days allowed to rebuild it once stale.
    pub sla_days: u32,
    /// Severity of the stale-image finding.
    #[serde(with = "severity_name_required")]
    pub severity: Severity,
}

impl Default for StaleImageRule {
    fn default() -> Self {
        StaleImageRule {
            enabled: true,
            max_age_days: 7,
            sla_days: 7,
            severity: Severity::Medium,
        }
    }
}

mod severity_name_required {
    use patchwarden_core::Severity;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Severity, s: S) -> Result<S::Ok, S::Error> {
        super::severity_name::serialize(&Some(*v), s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
        super::severity_name::deserialize(d).map(|s| s.unwrap_or(Severity::Unknown))
    }
}

/// A whole policy file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Days to patch per severity.
    pub sla: SlaDays,
    /// The KEV rule.
    pub kev: KevRule,
    /// The EPSS rule.
    pub epss: EpssRule,
    /// The CI gate.
    pub fail_on: FailOn,
    /// Accepted risks, each with a reason and an expiry date.
    pub exceptions: Vec<Exception>,
    /// Images not rebuilt for too long (portfolio tracking).
    pub stale_image: StaleImageRule,
}

impl Policy {
    /// Parses a policy file's text and checks every exception (reason and expiry required,
    /// at least one selector). Errors are one line.
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            match e.span().map(|s| line_of(text, s.start)) {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            }
        })?;
        for (i, e) in policy.exceptions.iter().enumerate() {
            e.validate()
                .map_err(|m| format!("exceptions[{}] ({}): {m}", i + 1, e.label()))?;
        }
        if !(0.0..=1.0).contains(&policy.epss.escalate_at) {
            return Err(format!(
                "epss.escalate_at must lie between 0 and 1, not {}",
                policy.epss.escalate_at
            ));
        }
        Ok(policy)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// What the policy needs to know of one finding.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    /// The vulnerability's ids: the shown id first, then every alias.
    pub ids: &'a [String],
    /// OSV ecosystem of the component (`npm`, `Debian:12`).
    pub ecosystem: &'a str,
    /// Package name.
    pub package: &'a str,
    /// The component's purl, when its ecosystem has one.
    pub purl: Option<&'a str>,
    /// The finding's severity.
    pub severity: Severity,
    /// CISA's due date, when the vulnerability is in the KEV catalogue.
    pub kev_due: Option<Date>,
    /// Whether the vulnerability is in the KEV catalogue.
    pub kev: bool,
    /// EPSS probability, when known.
    pub epss: Option<f64>,
    /// When the advisory was published.
    pub published: Option<Date>,
    /// When the finding was first seen (a plain scan: the later of publication and scan).
    pub first_seen: Date,
    /// Whether any fixed version is known.
    pub has_fix: bool,
}

/// What the policy decides for one finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The severity the SLA is taken from (raised one step by EPSS escalation).
    pub sla_severity: Severity,
    /// Days the SLA allows.
    pub sla_days: u32,
    /// Whether EPSS raised the SLA severity.
    pub epss_escalated: bool,
    /// The date it is due: first seen + SLA days, or CISA's due date when earlier.
    pub due: Date,
    /// Whether CISA's due date set `due`.
    pub kev_due_applied: bool,
    /// Whether `today` is past `due`.
    pub overdue: bool,
    /// The exception that covers it, if one does.
    pub exception: Option<AppliedException>,
}

impl Decision {
    /// A decision not taken yet: due today, nothing applied. Replaced by [`Policy::decide`].
    pub fn pending(severity: Severity, today: Date) -> Decision {
        Decision {
            sla_severity: severity,
            sla_days: 0,
            epss_escalated: false,
            due: today,
            kev_due_applied: false,
            overdue: false,
            exception: None,
        }
    }
}

/// One step up the severity scale, for the SLA.
fn escalate(severity: Severity) -> Severity {
    match severity {
        Severity::Unknown | Severity::None | Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
    }
}

impl Policy {
    /// The decision for one finding on `today`; `exceptions` are the policy's exceptions
    /// together with any read from compatibility files.
    pub fn decide(&self, facts: &Facts<'_>, exceptions: &ExceptionSet, today: Date) -> Decision {
        let escalated = self.epss.enabled
            && facts.epss.is_some_and(|e| e >= self.epss.escalate_at)
            && facts.severity != Severity::Critical;
        let sla_severity = if escalated {
            escalate(facts.severity)
        } else {
            facts.severity
        };
        let sla_days = self.sla.days(sla_severity);
        let by_sla = facts
            .first_seen
            .checked_add(time::Duration::days(i64::from(sla_days)))
            .unwrap_or(Date::MAX);
        let (due, kev_due_applied) = match facts.kev_due {
            Some(kev) if self.kev.cisa_due_date && kev < by_sla => (kev, true),
            _ => (by_sla, false),
        };
        Decision {
            sla_severity,
            sla_days,
            epss_escalated: escalated,
            due,
            kev_due_applied,
            overdue: today > due,
            exception: exceptions.find(facts, today),
        }
    }

    /// The gate's reasons to fail for one open finding (none when it passes).
    pub fn gate_reasons(&self, facts: &Facts<'_>, decision: &Decision, today: Date) -> Vec<String> {
        let rules = &self.fail_on;
        let mut out = Vec::new();
        if let Some(min) = rules.severity
            && facts.severity >= min
        {
            out.push(format!("severity {} at or above {}", facts.severity, min));
        }
        if rules.overdue && decision.overdue {
            out.push(format!("overdue since {}", decision.due));
        }
        if rules.kev && facts.kev {
            out.push("in CISA's Known Exploited Vulnerabilities catalogue".to_string());
        }
        if let (Some(days), false, Some(published)) =
            (rules.no_fix_older_than_days, facts.has_fix, facts.published)
            && (today - published).whole_days() > i64::from(days)
        {
            out.push(format!(
                "no fix, published {published}, more than {days} days ago"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn facts<'a>(ids: &'a [String], severity: Severity) -> Facts<'a> {
        Facts {
            ids,
            ecosystem: "npm",
            package: "lodash",
            purl: Some("pkg:npm/lodash@4.17.20"),
            severity,
            kev_due: None,
            kev: false,
            epss: None,
            published: Some(date!(2021 - 02 - 15)),
            first_seen: date!(2026 - 11 - 01),
            has_fix: true,
        }
    }

    #[test]
    fn defaults_follow_the_house_sla() {
        let p = Policy::from_toml("").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.sla.days(Severity::Critical), 30);
        assert_eq!(p.sla.days(Severity::High), 30);
        assert_eq!(p.sla.days(Severity::Medium), 90);
        assert_eq!(p.sla.days(Severity::Low), 180);
        assert_eq!(p.sla.days(Severity::Unknown), 90);
        assert!(!p.fail_on.is_set());
        assert!(p.kev.cisa_due_date && p.epss.enabled);
    }

    #[test]
    fn due_dates_kev_cap_and_epss_escalation() {
        let p = Policy::default();
        let ids = vec!["CVE-2021-23337".to_string()];
        let none = ExceptionSet::default();
        let today = date!(2026 - 11 - 23);
        let mut f = facts(&ids, Severity::Medium);
        let d = p.decide(&f, &none, today);
        assert_eq!(
            (d.due, d.overdue, d.sla_days),
            (date!(2027 - 01 - 30), false, 90)
        );
        // EPSS 0.6 raises Medium to High: 30 days.
        f.epss = Some(0.6);
        let d = p.decide(&f, &none, today);
        assert_eq!(
            (d.sla_severity, d.due),
            (Severity::High, date!(2026 - 12 - 01))
        );
        assert!(d.epss_escalated);
        // A KEV due date earlier than the SLA wins, and is overdue.
        f.kev = true;
        f.kev_due = Some(date!(2026 - 11 - 20));
        let d = p.decide(&f, &none, today);
        assert_eq!(
            (d.due, d.kev_due_applied, d.overdue),
            (date!(2026 - 11 - 20), true, true)
        );
        // A later KEV date does not extend the SLA.
        f.kev_due = Some(date!(2027 - 06 - 01));
        assert_eq!(p.decide(&f, &none, today).due, date!(2026 - 12 - 01));
    }

    #[test]
    fn gate_rules_each_give_a_reason() {
        let p = Policy::from_toml(
            "[fail_on]\nseverity = \"high\"\noverdue = true\nkev = true\nno_fix_older_than_days = 30\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ids = vec!["CVE-1".to_string()];
        let today = date!(2026 - 11 - 23);
        let mut f = facts(&ids, Severity::Medium);
        let d = p.decide(&f, &ExceptionSet::default(), today);
        assert!(p.gate_reasons(&f, &d, today).is_empty());
        f.severity = Severity::Critical;
        f.kev = true;
        f.has_fix = false;
        let d = p.decide(&f, &ExceptionSet::default(), today);
        let reasons = p.gate_reasons(&f, &d, today);
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("Critical at or above High"));
    }

    #[test]
    fn the_documented_example_parses() {
        let text = include_str!("../../../docs/patchwarden.example.toml");
        let p = Policy::from_toml(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.fail_on.severity, Some(Severity::High));
        assert_eq!(p.fail_on.no_fix_older_than_days, Some(90));
        assert_eq!(p.exceptions.len(), 2);
        assert_eq!(
            p,
            Policy {
                exceptions: p.exceptions.clone(),
                fail_on: p.fail_on.clone(),
                ..Policy::default()
            }
        );
    }

    #[test]
    fn bad_files_are_one_line_errors() {
        let e = Policy::from_toml("[sla]\nhigh = \"soon\"\n")
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("line 2:") && !e.contains('\n'), "{e}");
        let e = Policy::from_toml("[fail_on]\nseverity = \"severe\"\n")
            .err()
            .unwrap_or_default();
        assert!(e.contains("unknown severity `severe`"), "{e}");
        let e = Policy::from_toml("[slas]\n").err().unwrap_or_default();
        assert!(e.contains("slas"), "{e}");
        let e = Policy::from_toml("[epss]\nescalate_at = 5\n")
            .err()
            .unwrap_or_default();
        assert!(e.contains("between 0 and 1"), "{e}");
        let e = Policy::from_toml("[[exceptions]]\nid = \"CVE-1\"\nexpires = 2027-01-01\n")
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("exceptions[1] (CVE-1): a reason is required"),
            "{e}"
        );
    }
}
