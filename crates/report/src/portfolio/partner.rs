//! The quarterly partner report: the High and Critical vulnerabilities of the products a
//! partner runs, with what we are doing about each. [`build`] turns stored findings into a
//! [`PartnerReport`]; [`partner_json`] writes it as JSON. The HTML and CSAF 2.0 VEX forms
//! render the same value.
//!
//! Which findings count for quarter Q (first day S, last day E): severity High or Critical,
//! first seen on or before E, and not closed before S — still active or risk-accepted, fixed
//! (fix day) on or after S, or marked not affected / false positive (last change) on or after
//! S. Statuses are as of the report's generation, so a report for a past quarter shows what
//! became of each vulnerability since.

use std::collections::BTreeMap;

use patchwarden_metrics::day_of as day;
use patchwarden_store::{FindingRow, Patch, StoredException, severity_rank};
use serde::Serialize;

use super::period::{Quarter, day_text};

/// Version of the JSON document's shape.
pub const PARTNER_SCHEMA: &str = "patchwarden.partner-report/1";

/// Who publishes the report (CSAF `document.publisher`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Publisher {
    /// The organisation's name.
    pub name: String,
    /// A URL of the organisation (CSAF's namespace), such as `https://example.com`.
    pub namespace: String,
}

/// What a partner sees of one product's exposure to a vulnerability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Affected and not yet being patched (`open`, `triaged`).
    Affected,
    /// Affected; a patch is under way (`patching`).
    FixInProgress,
    /// Affected; the risk is accepted until a date, with a compensating control.
    RiskAccepted,
    /// The vulnerable version is gone (`fixed`, `verified`).
    Fixed,
    /// Not affected (`not_affected` with a VEX justification, or `false_positive`).
    NotAffected,
}

impl PartnerStatus {
    /// The status a lifecycle status shows as.
    pub fn of(status: &str) -> PartnerStatus {
        match status {
            "patching" => PartnerStatus::FixInProgress,
            "risk_accepted" => PartnerStatus::RiskAccepted,
            "fixed" | "verified" => PartnerStatus::Fixed,
            "not_affected" | "false_positive" => PartnerStatus::NotAffected,
            _ => PartnerStatus::Affected,
        }
    }

    /// The words shown to a reader.
    pub fn label(self) -> &'static str {
        match self {
            PartnerStatus::Affected => "affected",
            PartnerStatus::FixInProgress => "fix in progress",
            PartnerStatus::RiskAccepted => "risk accepted",
            PartnerStatus::Fixed => "fixed",
            PartnerStatus::NotAffected => "not affected",
        }
    }

    /// Whether the product is still exposed.
    pub fn is_affected(self) -> bool {
        matches!(
            self,
            PartnerStatus::Affected | PartnerStatus::FixInProgress | PartnerStatus::RiskAccepted
        )
    }
}

/// A vulnerable package of a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AffectedPackage {
    /// OSV ecosystem.
    pub ecosystem: String,
    /// Package name.
    pub name: String,
    /// Purl of the component, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// The versions the product had.
    pub affected_versions: Vec<String>,
    /// The versions that fix it.
    pub fixed_versions: Vec<String>,
}

/// One product's state for one vulnerability.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductExposure {
    /// The product.
    pub product: String,
    /// Its state: the least advanced of its findings (affected before fix in progress before
    /// risk accepted before fixed before not affected).
    pub status: PartnerStatus,
    /// The lifecycle statuses of its findings, sorted, without repeats.
    pub finding_statuses: Vec<String>,
    /// The packages that carry it.
    pub packages: Vec<AffectedPackage>,
    /// The earliest due date of its findings still exposed (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Whether that due date has passed on the day of the report.
    pub overdue: bool,
    /// The day the last of its findings was fixed, when all are fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_on: Option<String>,
    /// Mitigations and compensating controls: risk acceptances, exceptions in force, planned
    /// upgrades, not-affected justifications.
    pub mitigations: Vec<String>,
}

/// One vulnerability of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartnerVulnerability {
    /// The id shown (the CVE when there is one).
    pub id: String,
    /// Its other ids.
    pub aliases: Vec<String>,
    /// One-line summary from the advisory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `Critical` or `High` (the highest of its findings).
    pub severity: String,
    /// The CVSS vector behind the score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    /// The CVSS base score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// Known to be exploited (in CISA's KEV catalogue).
    pub exploited: bool,
    /// When the advisory was published (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Each product's state.
    pub products: Vec<ProductExposure>,
}

/// Counts at the top of the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartnerSummary {
    /// Vulnerabilities listed.
    pub vulnerabilities: u64,
    /// Of which Critical.
    pub critical: u64,
    /// Of which High.
    pub high: u64,
    /// Of which known to be exploited.
    pub exploited: u64,
    /// Product entries still exposed (affected, fix in progress, risk accepted).
    pub affected: u64,
    /// Of which past their due date.
    pub overdue: u64,
    /// Product entries fixed.
    pub fixed: u64,
    /// Product entries not affected.
    pub not_affected: u64,
}

/// The quarterly report for one partner.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartnerReport {
    /// [`PARTNER_SCHEMA`].
    pub schema: &'static str,
    /// The partner's name.
    pub partner: String,
    /// The quarter.
    pub quarter: Quarter,
    /// Its first day.
    pub from: String,
    /// Its last day.
    pub to: String,
    /// When the report was made (RFC 3339); statuses are as of then.
    pub generated_at: String,
    /// Who publishes it.
    pub publisher: Publisher,
    /// The products the partner runs.
    pub products: Vec<String>,
    /// Counts.
    pub summary: PartnerSummary,
    /// The vulnerabilities: exploited first, then Critical before High, then by score and id.
    pub vulnerabilities: Vec<PartnerVulnerability>,
}

/// Everything [`build`] needs.
#[derive(Clone, Copy, Debug)]
pub struct PartnerInput<'a> {
    /// The partner's name.
    pub partner: &'a str,
    /// The products the partner runs.
    pub products: &'a [String],
    /// The quarter reported.
    pub quarter: Quarter,
    /// Now (RFC 3339).
    pub generated_at: &'a str,
    /// Who publishes it.
    pub publisher: &'a Publisher,
    /// The findings of those products (any severity; the rest is filtered here).
    pub findings: &'a [FindingRow],
    /// The exceptions of those products.
    pub exceptions: &'a [StoredException],
    /// The patch records of those findings.
    pub patches: &'a [Patch],
}

/// High (4) and Critical (5) in the store's severity rank.
const HIGH_RANK: i64 = 4;

/// Whether the finding belongs in the report of the quarter from `start` to `end`.
fn reported(f: &FindingRow, start: &str, end: &str) -> bool {
    if severity_rank(&f.severity) < HIGH_RANK || day(&f.first_seen) > end {
        return false;
    }
    match PartnerStatus::of(&f.status) {
        PartnerStatus::Fixed => {
            let fixed = f.fixed_at.as_deref().or(f.verified_at.as_deref());
            fixed.is_none_or(|t| day(t) >= start)
        }
        PartnerStatus::NotAffected => day(&f.updated_at) >= start,
        _ => true,
    }
}

/// Whether an exception of the finding's product covers it and is in force on `today`.
pub(crate) fn exception_covers(x: &StoredException, f: &FindingRow, today: &str) -> bool {
    if x.product != f.product || x.expires.as_str() < today {
        return false;
    }
    if x.project.as_deref().is_some_and(|p| p != f.project) {
        return false;
    }
    let vuln = x
        .vulnerability
        .as_deref()
        .is_none_or(|v| f.ids.iter().any(|id| id.eq_ignore_ascii_case(v)));
    let package = x.package.as_deref().is_none_or(|p| p == f.package)
        && x.ecosystem.as_deref().is_none_or(|e| e == f.ecosystem);
    let purl = x
        .purl
        .as_deref()
        .is_none_or(|p| f.purl.as_deref().is_some_and(|fp| fp.starts_with(p)));
    vuln && package && purl
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The mitigations a finding shows.
fn mitigations_of(f: &FindingRow, input: &PartnerInput<'_>, today: &str, out: &mut Vec<String>) {
    let reason = f.status_reason.as_deref().unwrap_or("no reason recorded");
    match f.status.as_str() {
        "risk_accepted" => push_unique(
            out,
            format!(
                "Risk accepted by {} until {}: {reason}",
                f.accepted_by.as_deref().unwrap_or("an approver"),
                f.accepted_until.as_deref().unwrap_or("a date not recorded"),
            ),
        ),
        "not_affected" => push_unique(out, format!("Not affected: {reason}")),
        "false_positive" => push_unique(out, format!("False positive: {reason}")),
        _ => {}
    }
    if !PartnerStatus::of(&f.status).is_affected() {
        return;
    }
    for x in input.exceptions {
        if exception_covers(x, f, today) {
            push_unique(
                out,
                format!(
                    "Exception approved by {} until {}: {}",
                    x.approved_by, x.expires, x.reason
                ),
            );
        }
    }
    for p in input.patches.iter().filter(|p| p.finding_id == f.id) {
        let target = match &p.planned_version {
            Some(v) => format!("{} {v}", f.package),
            None => format!("a fixed version of {}", f.package),
        };
        push_unique(out, format!("Upgrade to {target}: {}", p.state));
    }
}

/// Builds the report. Pure: the caller reads the findings, exceptions and patches.
pub fn build(input: PartnerInput<'_>) -> PartnerReport {
    let start = day_text(input.quarter.start());
    let end = day_text(input.quarter.end());
    let today = day(input.generated_at).to_string();

    // vulnerability id -> product -> findings
    let mut grouped: BTreeMap<&str, BTreeMap<&str, Vec<&FindingRow>>> = BTreeMap::new();
    for f in input.findings {
        if input.products.contains(&f.product) && reported(f, &start, &end) {
            grouped
                .entry(f.vulnerability_id.as_str())
                .or_default()
                .entry(f.product.as_str())
                .or_default()
                .push(f);
        }
    }

    let mut summary = PartnerSummary::default();
    let mut vulnerabilities = Vec::new();
    for (id, products) in grouped {
        let all: Vec<&FindingRow> = products.values().flatten().copied().collect();
        // The finding with the highest severity, then score, speaks for the vulnerability.
        let Some(lead) = all.iter().copied().min_by(|a, b| {
            severity_rank(&b.severity)
                .cmp(&severity_rank(&a.severity))
                .then(
                    b.cvss_score
                        .unwrap_or(-1.0)
                        .total_cmp(&a.cvss_score.unwrap_or(-1.0)),
                )
                .then(a.id.cmp(&b.id))
        }) else {
            continue;
        };
        let mut aliases: Vec<String> = all
            .iter()
            .flat_map(|f| f.ids.iter())
            .filter(|a| a.as_str() != id)
            .cloned()
            .collect();
        aliases.sort();
        aliases.dedup();

        let mut exposures = Vec::new();
        for (product, findings) in products {
            let status = findings
                .iter()
                .map(|f| PartnerStatus::of(&f.status))
                .min()
                .unwrap_or(PartnerStatus::Affected);
            let mut finding_statuses: Vec<String> =
                findings.iter().map(|f| f.status.clone()).collect();
            finding_statuses.sort();
            finding_statuses.dedup();
            let mut packages: Vec<AffectedPackage> = Vec::new();
            for f in &findings {
                match packages
                    .iter_mut()
                    .find(|p| p.ecosystem == f.ecosystem && p.name == f.package)
                {
                    Some(p) => {
                        for v in &f.versions {
                            push_unique(&mut p.affected_versions, v.clone());
                        }
                        for v in &f.fixed_versions {
                            push_unique(&mut p.fixed_versions, v.clone());
                        }
                        if p.purl.is_none() {
                            p.purl.clone_from(&f.purl);
                        }
                    }
                    None => packages.push(AffectedPackage {
                        ecosystem: f.ecosystem.clone(),
                        name: f.package.clone(),
                        purl: f.purl.clone(),
                        affected_versions: f.versions.clone(),
                        fixed_versions: f.fixed_versions.clone(),
                    }),
                }
            }
            packages.sort_by(|a, b| (&a.ecosystem, &a.name).cmp(&(&b.ecosystem, &b.name)));
            let exposed: Vec<&&FindingRow> = findings
                .iter()
                .filter(|f| PartnerStatus::of(&f.status).is_affected())
                .collect();
            let due = exposed.iter().map(|f| f.due.clone()).min();
            let overdue = exposed
                .iter()
                .any(|f| f.status != "risk_accepted" && f.due.as_str() < today.as_str());
            let fixed_on = (status == PartnerStatus::Fixed)
                .then(|| {
                    findings
                        .iter()
                        .filter_map(|f| f.fixed_at.as_deref().or(f.verified_at.as_deref()))
                        .map(|t| day(t).to_string())
                        .max()
                })
                .flatten();
            let mut mitigations = Vec::new();
            for f in &findings {
                mitigations_of(f, &input, &today, &mut mitigations);
            }
            if status.is_affected() {
                summary.affected += 1;
                if overdue {
                    summary.overdue += 1;
                }
            } else if status == PartnerStatus::Fixed {
                summary.fixed += 1;
            } else {
                summary.not_affected += 1;
            }
            exposures.push(ProductExposure {
                product: product.to_string(),
                status,
                finding_statuses,
                packages,
                due,
                overdue,
                fixed_on,
                mitigations,
            });
        }
        let exploited = all.iter().any(|f| f.kev);
        summary.vulnerabilities += 1;
        if lead.severity == "Critical" {
            summary.critical += 1;
        } else {
            summary.high += 1;
        }
        if exploited {
            summary.exploited += 1;
        }
        vulnerabilities.push(PartnerVulnerability {
            id: id.to_string(),
            aliases,
            summary: lead.summary.clone(),
            severity: lead.severity.clone(),
            cvss_vector: lead.cvss_vector.clone(),
            cvss_score: lead.cvss_score,
            exploited,
            published: lead.published.clone(),
            products: exposures,
        });
    }
    vulnerabilities.sort_by(|a, b| {
        b.exploited
            .cmp(&a.exploited)
            .then(severity_rank(&b.severity).cmp(&severity_rank(&a.severity)))
            .then(
                b.cvss_score
                    .unwrap_or(-1.0)
                    .total_cmp(&a.cvss_score.unwrap_or(-1.0)),
            )
            .then(a.id.cmp(&b.id))
    });
    let mut products = input.products.to_vec();
    products.sort();
    products.dedup();
    PartnerReport {
        schema: PARTNER_SCHEMA,
        partner: input.partner.to_string(),
        quarter: input.quarter,
        from: start,
        to: end,
        generated_at: input.generated_at.to_string(),
        publisher: input.publisher.clone(),
        products,
        summary,
        vulnerabilities,
    }
}

/// The report as pretty-printed JSON, ending with a newline.
pub fn partner_json(report: &PartnerReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::fixture;

    #[test]
    fn q3_lists_high_and_critical_of_the_partners_products_by_hand() {
        let r = fixture::q3_partner_report();
        // Findings 5 (medium), 6 (fixed before Q3), 9 (intranet), 10 (first seen in Q4)
        // and 11 (false positive before Q3) are out; 1+2, 3+7, 4 and 8 remain.
        let ids: Vec<&str> = r.vulnerabilities.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "CVE-2023-44487", // exploited first
                "CVE-2024-5535",  // then Critical
                "CVE-2022-23529", // then High by score: 7.6
                "CVE-2021-23337", // 7.2
            ]
        );
        assert_eq!(
            r.summary,
            PartnerSummary {
                vulnerabilities: 4,
                critical: 1,
                high: 3,
                exploited: 1,
                // chat and billing for CVE-2023-44487, chat for CVE-2024-5535
                affected: 3,
                // both CVE-2023-44487 entries (due 09-14 and 10-01); the risk acceptance is not
                overdue: 2,
                fixed: 1,
                not_affected: 1,
            }
        );
        assert_eq!(
            (r.from.as_str(), r.to.as_str()),
            ("2026-07-01", "2026-09-30")
        );
        assert_eq!(r.products, ["billing", "chat"]);

        let rapid = &r.vulnerabilities[0];
        assert!(rapid.exploited);
        assert_eq!(rapid.aliases, ["GHSA-qppj-fm5r-hxr3"]);
        let billing = &rapid.products[0];
        assert_eq!(billing.product, "billing");
        assert_eq!(billing.status, PartnerStatus::FixInProgress);
        assert_eq!(billing.due.as_deref(), Some("2026-10-01"));
        assert_eq!(
            billing.mitigations,
            [
                "Exception approved by ciso until 2026-12-15: Rate limiting at the load balancer caps HTTP/2 resets",
                "Upgrade to golang.org/x/net 0.17.0: planned",
            ]
        );
        let chat = &rapid.products[1];
        assert_eq!((chat.status, chat.overdue), (PartnerStatus::Affected, true));
        assert!(chat.mitigations.is_empty());

        let openssl = &r.vulnerabilities[1].products[0];
        assert_eq!(openssl.status, PartnerStatus::RiskAccepted);
        assert!(!openssl.overdue);
        assert_eq!(
            openssl.mitigations,
            [
                "Risk accepted by ciso until 2026-12-31: TLS terminates at the gateway; the flawed call is unused"
            ]
        );

        let lodash = &r.vulnerabilities[3];
        let entry = &lodash.products[0];
        assert_eq!(entry.status, PartnerStatus::Fixed);
        assert_eq!(entry.finding_statuses, ["fixed", "verified"]);
        assert_eq!(entry.fixed_on.as_deref(), Some("2026-08-20"));
        assert_eq!(entry.packages.len(), 1);
        assert_eq!(entry.packages[0].affected_versions, ["4.17.20", "4.17.19"]);
        assert_eq!(entry.due, None);
    }

    #[test]
    fn partner_json_snapshot() {
        insta::assert_snapshot!(partner_json(&fixture::q3_partner_report()));
    }

    #[test]
    fn a_partner_without_findings_gets_an_empty_report() {
        let r = fixture::empty_partner_report();
        assert!(r.vulnerabilities.is_empty());
        assert_eq!(r.summary, PartnerSummary::default());
        assert!(partner_json(&r).contains("\"schema\": \"patchwarden.partner-report/1\""));
    }
}
