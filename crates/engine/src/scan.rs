//! The scan pipeline: components matched against the stored advisories (by package, and
//! for OS packages by source package), grouped by vulnerability, enriched with KEV, EPSS
//! and NVD, then judged by the policy (SLA due date, exceptions, VEX, gate) and ranked.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use patchwarden_core::{Component, Ecosystem, Severity, normalize_package_name};
use patchwarden_inventory::{ImageInfo, Inventory, SourceFile, Warning};
use patchwarden_matching::{Match, Remediation, match_component, remediate};
use patchwarden_osv::Advisory;
use patchwarden_policy::exceptions::{AppliedException, ExceptionSet, parse_date};
use patchwarden_policy::rules::{Decision, Facts, Policy};
use patchwarden_policy::vex::{VexStatement, VexStatus, applicable};
use patchwarden_policy::{CvssScore, assess, best_vector, version_preference};
use patchwarden_store::Store;
use serde::Serialize;
use time::Date;

use crate::EngineError;

/// How findings are judged: the policy, the exceptions of every file, VEX statements.
#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    /// The policy (defaults when there is no file).
    pub policy: Policy,
    /// Exceptions from the policy file and the ignore files.
    pub exceptions: ExceptionSet,
    /// Statements of the VEX documents given.
    pub vex: Vec<VexStatement>,
    /// The files the policy, exceptions and VEX came from, for the report.
    pub sources: Vec<String>,
    /// The policy file, when one was read (a product's stored policy applies otherwise).
    pub policy_file: Option<String>,
}

/// Where a finding stands after exceptions and VEX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// To be patched.
    Open,
    /// Covered by an unexpired exception (accepted risk).
    Excepted,
    /// A VEX statement says the product is not affected.
    NotAffected,
    /// A VEX statement says the product has it fixed.
    Fixed,
}

/// The CISA KEV entry of a finding's vulnerability.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KevInfo {
    /// The CVE listed.
    pub cve: String,
    /// When CISA added it.
    pub date_added: String,
    /// CISA's due date for federal agencies.
    pub due_date: String,
    /// Known to be used in ransomware campaigns.
    pub ransomware: bool,
}

/// The VEX statement applied to a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VexInfo {
    /// What it says.
    pub status: VexStatus,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The document.
    pub source: String,
}

/// One vulnerability affecting one component (advisories that are aliases of each other
/// are one finding).
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The advisory the severity and summary come from.
    pub advisory_id: String,
    /// Every matching advisory of the vulnerability, sorted.
    pub advisory_ids: Vec<String>,
    /// The id to show: the CVE when the vulnerability has exactly one, else the advisory id.
    pub vulnerability_id: String,
    /// Every other id of the vulnerability.
    pub aliases: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Chosen severity.
    pub severity: Severity,
    /// The CVSS vector the severity came from, if any.
    pub cvss: Option<CvssScore>,
    /// Where the CVSS came from: `advisory` or `nvd`.
    pub cvss_source: Option<&'static str>,
    /// Publication date of the advisory (the earliest of those merged).
    pub published: Option<String>,
    /// The affected component.
    pub component: Component,
    /// Matched through the component's source package (Debian advisories name those).
    pub via_source_package: bool,
    /// Versions that fix it, above the installed one, lowest first (empty: no fix known).
    pub fixed: Vec<String>,
    /// Computed with an ordering that is not exact for the ecosystem.
    pub approximate: bool,
    /// The affected ranges that matched, in words, per advisory (`GHSA-…: SEMVER >=0, <1.2.0`).
    pub ranges: Vec<String>,
    /// In CISA's KEV catalogue.
    pub kev: Option<KevInfo>,
    /// EPSS probability and percentile (the highest of the vulnerability's CVEs).
    pub epss: Option<(f64, f64)>,
    /// When the SLA clock started (RFC 3339 date).
    pub first_seen: Date,
    /// What the policy decided: SLA severity, due date, overdue, exception.
    pub decision: Decision,
    /// Open, excepted, or closed by VEX.
    pub status: FindingStatus,
    /// The VEX statement that applied.
    pub vex: Option<VexInfo>,
    /// Why this finding fails the gate (empty when it does not).
    pub gate: Vec<String>,
    /// Rank in patch priority: KEV first, then EPSS, CVSS score, due date (1 is first).
    pub priority: usize,
}

/// An advisory that names a component but could not be evaluated against it.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    /// Advisory id.
    pub advisory_id: String,
    /// The component.
    pub component: Component,
    /// What went wrong.
    pub message: String,
}

/// The upgrade advice for one vulnerable component.
#[derive(Clone, Debug, Serialize)]
pub struct ComponentRemediation {
    /// The component.
    pub component: Component,
    /// Vulnerabilities on it (shown ids).
    pub vulnerabilities: Vec<String>,
    /// The upgrade that clears them.
    pub remediation: Remediation,
}

/// The CI gate's verdict.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Gate {
    /// Whether any `fail_on` rule is set.
    pub rules_set: bool,
    /// Whether the gate passed.
    pub passed: bool,
    /// Open findings that fail it.
    pub failing_findings: usize,
    /// Each distinct reason with the number of findings it applies to.
    pub reasons: Vec<(String, usize)>,
}

/// Everything a scan found.
#[derive(Clone, Debug, Serialize)]
pub struct ScanResult {
    /// The path scanned, as given.
    pub target: String,
    /// When, RFC 3339.
    pub scanned_at: String,
    /// Advisories in the store at scan time.
    pub advisories_in_store: i64,
    /// Lockfiles read.
    pub sources: Vec<SourceFile>,
    /// The image, when the target was one.
    pub image: Option<ImageInfo>,
    /// All components.
    pub components: Vec<Component>,
    /// Findings, in priority order (open ones first).
    pub findings: Vec<Finding>,
    /// Upgrade advice per vulnerable component.
    pub remediations: Vec<ComponentRemediation>,
    /// Inventory warnings (unpinned requirements, unreadable entries).
    pub warnings: Vec<Warning>,
    /// Advisory/component pairs that could not be decided.
    pub problems: Vec<Problem>,
    /// The gate.
    pub gate: Gate,
    /// Exceptions that expired and no longer apply.
    pub expired_exceptions: Vec<AppliedException>,
    /// Policy, ignore and VEX files used.
    pub policy_sources: Vec<String>,
    /// What recording the scan in the portfolio changed (`scan --record`).
    pub record: Option<crate::portfolio::RecordSummary>,
}

impl ScanResult {
    /// Number of findings per severity, most severe first, zero counts included.
    pub fn counts_by_severity(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    self.findings.iter().filter(|f| f.severity == *s).count(),
                )
            })
            .collect()
    }

    /// Number of distinct components with at least one finding.
    pub fn vulnerable_components(&self) -> usize {
        let mut seen: Vec<&Component> = self.findings.iter().map(|f| &f.component).collect();
        seen.sort();
        seen.dedup();
        seen.len()
    }

    /// Findings still to be patched (not excepted, not closed by VEX).
    pub fn open_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.status == FindingStatus::Open)
    }
}

/// Memoised store lookups for one scan.
#[derive(Default)]
struct Lookups {
    advisories: HashMap<(String, String), std::sync::Arc<Vec<Advisory>>>,
    identity: HashMap<String, String>,
    ids: HashMap<String, Vec<String>>,
    /// Every ecosystem the store's advisories name, read once when first needed.
    ecosystems: Option<Vec<String>>,
    /// Whether the KEV, EPSS and NVD tables hold anything, read once.
    feeds: Option<(bool, bool, bool)>,
}

impl Lookups {
    async fn advisories(
        &mut self,
        store: &Store,
        component: &Component,
        name: &str,
    ) -> Result<std::sync::Arc<Vec<Advisory>>, EngineError> {
        let key = (component.ecosystem.to_string(), name.to_string());
        if let Some(found) = self.advisories.get(&key) {
            return Ok(found.clone());
        }
        let found = if component.ecosystem.stream_prefix().is_some() {
            // Advisories name streams of the release (Red Hat): look in each of them.
            if self.ecosystems.is_none() {
                self.ecosystems = Some(store.advisory_ecosystems().await?);
            }
            let streams: Vec<String> = self
                .ecosystems
                .iter()
                .flatten()
                .filter(|e| Ecosystem::parse(e).applies_to(&component.ecosystem))
                .cloned()
                .collect();
            store
                .advisories_in(&streams, component.ecosystem.kind(), name)
                .await?
        } else {
            // Normally filled by `prefetch`; a package it did not cover is looked up alone.
            store.advisories_for(&component.ecosystem, name).await?
        };
        let found = std::sync::Arc::new(found);
        self.advisories.insert(key, found.clone());
        Ok(found)
    }

    /// Fills the advisory cache for every (ecosystem, package) of `components` (and their
    /// source packages) that some advisory names, with one query per ecosystem.
    async fn prefetch(
        &mut self,
        store: &Store,
        components: &[Component],
    ) -> Result<(), EngineError> {
        let mut wanted: BTreeMap<String, (Ecosystem, Vec<(String, String)>)> = BTreeMap::new();
        for c in components {
            if c.ecosystem.stream_prefix().is_some() {
                continue;
            }
            let names = std::iter::once(c.name.as_str())
                .chain(c.source_package.as_ref().map(|s| s.name.as_str()));
            let entry = wanted
                .entry(c.ecosystem.to_string())
                .or_insert_with(|| (c.ecosystem.clone(), Vec::new()));
            for name in names {
                entry.1.push((
                    name.to_string(),
                    normalize_package_name(c.ecosystem.kind(), name),
                ));
            }
        }
        for (eco_text, (ecosystem, names)) in wanted {
            // Only the names some advisory mentions are worth asking for.
            let known = store.advisory_package_names(&ecosystem).await?;
            let mut query: Vec<String> = names
                .iter()
                .filter(|(_, n)| known.contains(n))
                .map(|(_, n)| n.clone())
                .collect();
            query.sort();
            query.dedup();
            let found = store.advisories_for_names(&ecosystem, &query).await?;
            for (name, normalised) in names {
                let advisories = found.get(&normalised).cloned().unwrap_or_default();
                self.advisories
                    .entry((eco_text.clone(), name))
                    .or_insert_with(|| std::sync::Arc::new(advisories));
            }
        }
        Ok(())
    }

    async fn feeds(&mut self, store: &Store) -> Result<(bool, bool, bool), EngineError> {
        if let Some(f) = self.feeds {
            return Ok(f);
        }
        let f = store.feeds_present().await?;
        self.feeds = Some(f);
        Ok(f)
    }

    async fn identity(&mut self, store: &Store, advisory: &str) -> Result<String, EngineError> {
        if let Some(v) = self.identity.get(advisory) {
            return Ok(v.clone());
        }
        let v = store
            .vulnerability_of(advisory)
            .await?
            .unwrap_or_else(|| advisory.to_string());
        self.identity.insert(advisory.to_string(), v.clone());
        Ok(v)
    }

    async fn ids(&mut self, store: &Store, identity: &str) -> Result<Vec<String>, EngineError> {
        if let Some(v) = self.ids.get(identity) {
            return Ok(v.clone());
        }
        let v = store.vulnerability_ids(identity).await?;
        self.ids.insert(identity.to_string(), v.clone());
        Ok(v)
    }
}

/// A matched advisory on a component.
struct Hit {
    advisory: Advisory,
    matched: Match,
    via_source: bool,
}

/// The component as its source package, when it names one with another name or version.
fn as_source(component: &Component) -> Option<Component> {
    let src = component.source_package.as_ref()?;
    if src.name == component.name && src.version == component.version {
        return None;
    }
    let mut c = component.clone();
    c.name = src.name.clone();
    if !src.version.is_empty() {
        c.version = src.version.clone();
    }
    Some(c)
}

/// Matches an inventory against the store with the default policy and nothing excepted.
pub async fn match_inventory(
    store: &Store,
    inventory: Inventory,
    target: &str,
    now: &str,
) -> Result<ScanResult, EngineError> {
    evaluate(store, inventory, target, now, &Evaluation::default()).await
}

/// Finds the components under `path` and matches them against the store (default policy).
pub async fn scan(store: &Store, path: &Path, now: &str) -> Result<ScanResult, EngineError> {
    scan_with(store, path, now, &Evaluation::default()).await
}

/// Finds the components under `path`, matches them and judges them by `evaluation`.
pub async fn scan_with(
    store: &Store,
    path: &Path,
    now: &str,
    evaluation: &Evaluation,
) -> Result<ScanResult, EngineError> {
    let inventory = patchwarden_inventory::scan_path(path)?;
    evaluate(
        store,
        inventory,
        &path.display().to_string(),
        now,
        evaluation,
    )
    .await
}

/// The pipeline behind [`scan_with`], for an inventory already read.
pub async fn evaluate(
    store: &Store,
    inventory: Inventory,
    target: &str,
    now: &str,
    evaluation: &Evaluation,
) -> Result<ScanResult, EngineError> {
    let today = parse_date(now).unwrap_or(Date::MIN);
    let mut lookups = Lookups::default();
    let mut findings = Vec::new();
    let mut problems = Vec::new();
    let mut remediations = Vec::new();
    // 0. The advisories of every package the inventory holds, one query per ecosystem.
    lookups.prefetch(store, &inventory.components).await?;
    // 1. Match every component: by the package's own name, then (OS packages) by its source
    //    package.
    let mut matched: Vec<(&Component, Option<Component>, Vec<Hit>)> = Vec::new();
    for component in &inventory.components {
        let mut hits: Vec<Hit> = Vec::new();
        let own = lookups
            .advisories(store, component, &component.name)
            .await?;
        let source = as_source(component);
        let mut attempts: Vec<(&Component, std::sync::Arc<Vec<Advisory>>, bool)> =
            vec![(component, own, false)];
        if let Some(src) = &source {
            let by_source = lookups.advisories(store, src, &src.name).await?;
            attempts.push((src, by_source, true));
        }
        for (subject, candidates, via_source) in &attempts {
            if candidates.is_empty() {
                continue;
            }
            let result = match_component(subject, candidates.iter());
            for m in result.matches {
                if hits.iter().any(|h| h.advisory.id == m.advisory_id) {
                    continue;
                }
                if let Some(advisory) = candidates.iter().find(|a| a.id == m.advisory_id) {
                    hits.push(Hit {
                        advisory: advisory.clone(),
                        matched: m,
                        via_source: *via_source,
                    });
                }
            }
            for p in result.problems {
                problems.push(Problem {
                    advisory_id: p.advisory_id,
                    component: component.clone(),
                    message: p.error.to_string(),
                });
            }
        }
        if !hits.is_empty() {
            matched.push((component, source, hits));
        }
    }
    // 2. The vulnerability identities of every matched advisory, in one round trip.
    let mut advisory_ids: Vec<String> = matched
        .iter()
        .flat_map(|(_, _, hits)| hits.iter().map(|h| h.advisory.id.clone()))
        .collect();
    advisory_ids.sort();
    advisory_ids.dedup();
    for (id, (identity, members)) in store.vulnerabilities_of(&advisory_ids).await? {
        lookups.identity.insert(id, identity.clone());
        lookups.ids.insert(identity, members);
    }
    // 3. One finding per vulnerability of each component, and its upgrade advice.
    for (component, source, hits) in &matched {
        let mut groups: BTreeMap<String, Vec<&Hit>> = BTreeMap::new();
        for hit in hits {
            let identity = lookups.identity(store, &hit.advisory.id).await?;
            groups.entry(identity).or_default().push(hit);
        }
        let mut shown = Vec::new();
        for (identity, group) in groups {
            let finding = judge(
                store,
                &mut lookups,
                component,
                &identity,
                &group,
                evaluation,
                today,
            )
            .await?;
            shown.push(finding.vulnerability_id.clone());
            findings.push(finding);
        }
        // Upgrade advice: on the package's own versions when it matched by name.
        let by_name: Vec<(&Advisory, &Match)> = hits
            .iter()
            .filter(|h| !h.via_source)
            .map(|h| (&h.advisory, &h.matched))
            .collect();
        let remediation = if !by_name.is_empty() {
            remediate(component, by_name)
        } else {
            let subject = source.as_ref().unwrap_or(component);
            remediate(subject, hits.iter().map(|h| (&h.advisory, &h.matched)))
        };
        remediations.push(ComponentRemediation {
            component: (*component).clone(),
            vulnerabilities: shown,
            remediation,
        });
    }
    rank(&mut findings);
    let gate = gate(&evaluation.policy, &findings);
    Ok(ScanResult {
        target: target.to_string(),
        scanned_at: now.to_string(),
        advisories_in_store: store.advisory_count().await?,
        sources: inventory.sources,
        image: inventory.image,
        components: inventory.components,
        findings,
        remediations,
        warnings: inventory.warnings,
        problems,
        gate,
        expired_exceptions: evaluation.exceptions.expired(today),
        policy_sources: evaluation.sources.clone(),
        record: None,
    })
}

/// One finding from the advisories of one vulnerability matched on one component.
async fn judge(
    store: &Store,
    lookups: &mut Lookups,
    component: &Component,
    identity: &str,
    group: &[&Hit],
    evaluation: &Evaluation,
    today: Date,
) -> Result<Finding, EngineError> {
    // The advisory whose CVSS the house rule prefers (3.1, 4.0, 3.0, 2.0, then a label).
    let assessed: Vec<_> = group
        .iter()
        .map(|h| (h, assess(&h.advisory, h.matched.affected_index)))
        .collect();
    let (primary, assessment) = assessed
        .iter()
        .min_by(|(ha, a), (hb, b)| {
            let key = |x: &patchwarden_policy::Assessment| {
                x.cvss.as_ref().map_or(9, |c| version_preference(c.version))
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| b.severity.cmp(&a.severity))
                .then_with(|| ha.advisory.id.cmp(&hb.advisory.id))
        })
        .map(|(h, a)| (**h, a.clone()))
        .ok_or_else(|| EngineError::Feed {
            path: identity.to_string(),
            message: "a vulnerability without advisories".into(),
        })?;
    let mut ids = lookups.ids(store, identity).await?;
    for h in group {
        for id in std::iter::once(&h.advisory.id).chain(&h.advisory.aliases) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    ids.sort();
    let cves: Vec<&String> = ids.iter().filter(|i| i.starts_with("CVE-")).collect();
    let vulnerability_id = match cves.as_slice() {
        [one] => (*one).clone(),
        _ => primary.advisory.preferred_id().to_string(),
    };
    // KEV, EPSS, and NVD's CVSS when the advisories carry none.
    let mut kev = None;
    let mut epss: Option<(f64, f64)> = None;
    let mut cvss = assessment.cvss.clone();
    let mut cvss_source = cvss.as_ref().map(|_| "advisory");
    let mut severity = assessment.severity;
    let (has_kev, has_epss, has_nvd) = lookups.feeds(store).await?;
    for cve in &cves {
        if has_kev
            && kev.is_none()
            && let Some(row) = store.kev_for(cve).await?
        {
            kev = Some(KevInfo {
                cve: row.cve_id,
                date_added: row.date_added,
                due_date: row.due_date,
                ransomware: row.ransomware,
            });
        }
        if has_epss
            && let Some(row) = store.epss_for(cve).await?
            && epss.is_none_or(|(s, _)| row.score > s)
        {
            epss = Some((row.score, row.percentile));
        }
        if has_nvd
            && cvss.is_none()
            && let Some(row) = store.nvd_for(cve).await?
        {
            let metrics = row.cvss.as_array().cloned().unwrap_or_default();
            let primary_first = metrics
                .iter()
                .filter(|m| m.get("primary").and_then(|p| p.as_bool()) == Some(true))
                .chain(
                    metrics
                        .iter()
                        .filter(|m| m.get("primary").and_then(|p| p.as_bool()) != Some(true)),
                )
                .filter_map(|m| m.get("vector").and_then(|v| v.as_str()));
            if let Some(best) = best_vector(primary_first) {
                severity = Severity::from_score(best.score);
                cvss = Some(best);
                cvss_source = Some("nvd");
            }
        }
    }
    let mut fixed: Vec<String> = Vec::new();
    for h in group {
        for f in &h.matched.fixed {
            if !fixed.contains(f) {
                fixed.push(f.clone());
            }
        }
    }
    if group.len() > 1 {
        let scheme = patchwarden_versions::Scheme::for_ecosystem(component.ecosystem.kind());
        fixed.sort_by(|a, b| scheme.compare(a, b).unwrap_or(std::cmp::Ordering::Equal));
    }
    let published = group
        .iter()
        .filter_map(|h| h.advisory.published.clone())
        .min();
    // A plain scan has no history: the clock starts at the later of publication and now.
    let first_seen = published
        .as_deref()
        .and_then(parse_date)
        .map_or(today, |p| p.max(today));
    let mut advisory_ids: Vec<String> = group.iter().map(|h| h.advisory.id.clone()).collect();
    advisory_ids.sort();
    let mut finding = Finding {
        advisory_id: primary.advisory.id.clone(),
        advisory_ids,
        aliases: ids
            .iter()
            .filter(|i| **i != vulnerability_id)
            .cloned()
            .collect(),
        vulnerability_id,
        summary: primary.advisory.summary.clone(),
        severity,
        cvss,
        cvss_source,
        published,
        component: component.clone(),
        via_source_package: group.iter().all(|h| h.via_source),
        fixed,
        approximate: group.iter().any(|h| h.matched.approximate),
        ranges: group
            .iter()
            .flat_map(|h| {
                let entry = h.advisory.affected.get(h.matched.affected_index);
                entry
                    .map(patchwarden_matching::describe_ranges)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |r| format!("{}: {r}", h.advisory.id))
            })
            .collect(),
        kev,
        epss,
        first_seen,
        decision: Decision::pending(severity, today),
        status: FindingStatus::Open,
        vex: None,
        gate: Vec::new(),
        priority: 0,
    };
    apply_judgement(&mut finding, evaluation, first_seen, today);
    Ok(finding)
}

/// Judges a finding by `evaluation` with its SLA clock started at `first_seen`: due date,
/// exception, VEX status and gate reasons. A VEX statement found before is kept when
/// `evaluation` has none for it (a re-evaluation has no VEX documents).
pub(crate) fn apply_judgement(
    finding: &mut Finding,
    evaluation: &Evaluation,
    first_seen: Date,
    today: Date,
) {
    let mut shown_ids = vec![finding.vulnerability_id.clone()];
    shown_ids.extend(finding.aliases.iter().cloned());
    let purl = finding.component.purl();
    let ecosystem = finding.component.ecosystem.to_string();
    let facts = Facts {
        ids: &shown_ids,
        ecosystem: &ecosystem,
        package: &finding.component.name,
        purl: purl.as_deref(),
        severity: finding.severity,
        kev_due: finding.kev.as_ref().and_then(|k| parse_date(&k.due_date)),
        kev: finding.kev.is_some(),
        epss: finding.epss.map(|(s, _)| s),
        published: finding.published.as_deref().and_then(parse_date),
        first_seen,
        has_fix: !finding.fixed.is_empty(),
    };
    let decision = evaluation
        .policy
        .decide(&facts, &evaluation.exceptions, today);
    let vex = applicable(&evaluation.vex, &shown_ids, purl.as_deref())
        .filter(|s| s.status.suppresses())
        .map(|s| VexInfo {
            status: s.status,
            justification: s.justification.clone(),
            source: s.source.clone(),
        })
        .or_else(|| finding.vex.take());
    let status = match (&vex, &decision.exception) {
        (Some(v), _) if v.status == VexStatus::Fixed => FindingStatus::Fixed,
        (Some(_), _) => FindingStatus::NotAffected,
        (None, Some(_)) => FindingStatus::Excepted,
        (None, None) => FindingStatus::Open,
    };
    finding.gate = if status == FindingStatus::Open {
        evaluation.policy.gate_reasons(&facts, &decision, today)
    } else {
        Vec::new()
    };
    finding.first_seen = first_seen;
    finding.decision = decision;
    finding.status = status;
    finding.vex = vex;
}

/// Sorts findings into patch priority and numbers them: open ones first; then KEV, EPSS
/// (higher first), CVSS score (higher first; severity when there is no score), due date;
/// then package, version and id so that the order is stable.
pub(crate) fn rank(findings: &mut [Finding]) {
    let score = |f: &Finding| {
        f.cvss.as_ref().map_or(
            match f.severity {
                Severity::Critical => 9.0,
                Severity::High => 7.0,
                Severity::Medium => 4.0,
                Severity::Low => 0.1,
                _ => 0.0,
            },
            |c| c.score,
        )
    };
    findings.sort_by(|a, b| {
        (a.status != FindingStatus::Open)
            .cmp(&(b.status != FindingStatus::Open))
            .then_with(|| b.kev.is_some().cmp(&a.kev.is_some()))
            .then_with(|| {
                let (ea, eb) = (a.epss.map_or(-1.0, |e| e.0), b.epss.map_or(-1.0, |e| e.0));
                eb.total_cmp(&ea)
            })
            .then_with(|| score(b).total_cmp(&score(a)))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.decision.due.cmp(&b.decision.due))
            .then_with(|| a.component.name.cmp(&b.component.name))
            .then_with(|| a.component.version.cmp(&b.component.version))
            .then_with(|| a.component.source.path.cmp(&b.component.source.path))
            .then_with(|| a.vulnerability_id.cmp(&b.vulnerability_id))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.priority = i + 1;
    }
}

/// The gate over all open findings.
pub(crate) fn gate(policy: &Policy, findings: &[Finding]) -> Gate {
    let mut reasons: Vec<(String, usize)> = Vec::new();
    let mut failing = 0;
    for f in findings.iter().filter(|f| !f.gate.is_empty()) {
        failing += 1;
        for r in &f.gate {
            // Group "severity High at or above High" and the like by their rule.
            let rule = if r.starts_with("overdue since") {
                "overdue".to_string()
            } else if r.starts_with("no fix, published") {
                "no fix available past the allowed age".to_string()
            } else {
                r.clone()
            };
            match reasons.iter_mut().find(|(x, _)| *x == rule) {
                Some((_, n)) => *n += 1,
                None => reasons.push((rule, 1)),
            }
        }
    }
    Gate {
        rules_set: policy.fail_on.is_set(),
        passed: failing == 0,
        failing_findings: failing,
        reasons,
    }
}
