//! The portfolio pipelines: record a scan as an artifact of a project, re-evaluate every
//! project's latest artifact after an advisory update, record deployments (which verify
//! fixes), and apply people's lifecycle decisions. The rules of the lifecycle live in
//! `patchwarden-lifecycle`; this module reads the stored state, applies them, and writes
//! each change with its audit entry in one transaction per project.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use patchwarden_core::{Location, Severity};
use patchwarden_inventory::Inventory;
use patchwarden_lifecycle::{self as lifecycle, Action, Event, Observation, Status, Stored};
use patchwarden_policy::exceptions::{Exception, ExceptionSet, parse_date};
use patchwarden_policy::rules::Policy;
use patchwarden_store::{
    Artifact, Deployment, FindingRow, NewArtifact, NewException, Patch, Store, StoredException,
    Write,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, Duration};

use crate::scan::{apply_judgement, gate, rank};
use crate::{EngineError, Evaluation, Finding, FindingStatus, ScanResult};

/// The vulnerability id of the stale-image finding.
pub const STALE_IMAGE_ID: &str = "STALE-IMAGE";
/// The ecosystem of the stale-image finding.
pub const IMAGE_ECOSYSTEM: &str = "image";

/// Where to record a scan.
#[derive(Clone, Debug)]
pub struct RecordTarget<'a> {
    /// Product name (created when missing).
    pub product: &'a str,
    /// Project name (created when missing).
    pub project: &'a str,
    /// Artifact id given (`--artifact`); otherwise the commit, the image digest, or a
    /// digest of the component list.
    pub artifact: Option<&'a str>,
    /// The commit of the scanned tree, when it is a git checkout.
    pub commit: Option<&'a str>,
    /// Who records.
    pub actor: &'a str,
}

/// A finding in a record or re-evaluation summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Brief {
    /// Finding id.
    pub id: i64,
    /// Shown vulnerability id.
    pub vulnerability_id: String,
    /// Ecosystem.
    pub ecosystem: String,
    /// Package.
    pub package: String,
    /// Installed versions that have it.
    pub versions: Vec<String>,
    /// Severity.
    pub severity: String,
    /// Status after the change.
    pub status: String,
    /// First seen, RFC 3339.
    pub first_seen: String,
    /// Due date.
    pub due: String,
}

impl Brief {
    fn of(f: &FindingRow) -> Brief {
        Brief {
            id: f.id,
            vulnerability_id: f.vulnerability_id.clone(),
            ecosystem: f.ecosystem.clone(),
            package: f.package.clone(),
            versions: f.versions.clone(),
            severity: f.severity.clone(),
            status: f.status.clone(),
            first_seen: f.first_seen.clone(),
            due: f.due.clone(),
        }
    }
}

/// What recording an artifact changed, compared with the project's previous artifact. The
/// server answers an uploaded scan with it, and `scan --upload` reads it back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordSummary {
    /// Product name.
    pub product: String,
    /// Project name.
    pub project: String,
    /// The artifact recorded.
    pub artifact_id: i64,
    /// Its reference (commit, digest, id given).
    #[serde(rename = "artifact_ref")]
    pub artifact_ref: String,
    /// The project's artifact before it.
    pub previous_artifact_id: Option<i64>,
    /// Findings the project did not have.
    pub new: Vec<Brief>,
    /// Findings still there and still to patch.
    pub still_open: Vec<Brief>,
    /// Findings the previous artifact had and this one does not (now fixed).
    pub gone: Vec<Brief>,
    /// Fixed findings that came back (reopened, regression logged).
    pub regressed: Vec<Brief>,
}

/// What a re-evaluation did.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReevaluationReport {
    /// Projects whose latest artifact was matched again.
    pub projects: usize,
    /// Distinct package versions matched.
    pub components: usize,
    /// Findings that appeared.
    pub findings_new: usize,
    /// Findings closed because they no longer match (withdrawn advisories, changed ranges).
    pub findings_closed: usize,
    /// Findings whose severity, due date or status changed.
    pub findings_updated: usize,
    /// Wall time, milliseconds.
    pub elapsed_ms: u128,
    /// The findings that appeared, with their product and project (for notifications; not
    /// part of the JSON report).
    #[serde(skip)]
    pub new: Vec<Located>,
    /// Fixed findings that matched again and were reopened (for notifications; not part of
    /// the JSON report).
    #[serde(skip)]
    pub regressed: Vec<Located>,
}

/// A finding with the product and project it belongs to.
#[derive(Clone, Debug, Serialize)]
pub struct Located {
    /// Product name.
    pub product: String,
    /// Project name.
    pub project: String,
    /// The finding.
    #[serde(flatten)]
    pub finding: Brief,
}

/// Per-project changes, counted.
#[derive(Default)]
struct Changes {
    new: Vec<FindingRow>,
    still_open: Vec<FindingRow>,
    gone: Vec<FindingRow>,
    regressed: Vec<FindingRow>,
    closed: usize,
    updated: usize,
    /// First seen per (ecosystem, package, vulnerability) of the observed findings.
    first_seen: HashMap<(String, String, String), String>,
}

/// Whether a project's findings are reconciled with a new artifact or with the same one
/// matched again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Record,
    Reevaluate,
}

/// The date part of an RFC 3339 time.
fn day(at: &str) -> Date {
    parse_date(at).unwrap_or(Date::MIN)
}

/// The policy an artifact is judged by, as stored: the policy with every exception of the
/// evaluation (policy file and ignore files) folded in.
pub fn policy_text(evaluation: &Evaluation) -> String {
    let mut policy = evaluation.policy.clone();
    policy.exceptions = evaluation.exceptions.exceptions().cloned().collect();
    toml::to_string(&policy).unwrap_or_default()
}

/// Reads a stored policy. A stored policy was valid when stored; one that no longer parses
/// (a newer version's field) falls back to the defaults with a warning.
fn stored_policy(text: &str) -> Policy {
    match toml::from_str::<Policy>(text) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("a stored artifact policy is unreadable ({e}); using the defaults");
            Policy::default()
        }
    }
}

/// The exceptions stored for a project (its own and its product's), as policy exceptions.
fn stored_exceptions(list: &[StoredException]) -> Vec<Exception> {
    list.iter()
        .map(|x| Exception {
            id: x.vulnerability.clone(),
            package: x.package.clone(),
            ecosystem: x.ecosystem.clone(),
            purl: x.purl.clone(),
            reason: x.reason.clone(),
            approved_by: Some(x.approved_by.clone()),
            expires: Some(toml::Value::String(x.expires.clone())),
        })
        .collect()
}

/// The evaluation of a stored artifact: its policy and exceptions, plus the exceptions the
/// database holds for its project.
fn artifact_evaluation(policy: &str, stored: &[StoredException]) -> Evaluation {
    let policy = stored_policy(policy);
    let mut exceptions = ExceptionSet::default();
    exceptions.extend(&policy.exceptions, "artifact policy");
    exceptions.extend(&stored_exceptions(stored), "portfolio exceptions");
    Evaluation {
        policy,
        exceptions,
        ..Evaluation::default()
    }
}

/// One observed vulnerability on one package: the findings of every version and location
/// of the package folded together.
struct Observed {
    finding: Finding,
    ids: Vec<String>,
    versions: Vec<String>,
}

fn observed(findings: &[Finding]) -> BTreeMap<(String, String, String), Observed> {
    let mut out: BTreeMap<(String, String, String), Observed> = BTreeMap::new();
    for f in findings {
        let key = (
            f.component.ecosystem.to_string(),
            f.component.name.clone(),
            f.vulnerability_id.clone(),
        );
        let entry = out.entry(key).or_insert_with(|| Observed {
            finding: f.clone(),
            ids: Vec::new(),
            versions: Vec::new(),
        });
        for id in std::iter::once(&f.vulnerability_id)
            .chain(&f.aliases)
            .chain(&f.advisory_ids)
        {
            if !entry.ids.contains(id) {
                entry.ids.push(id.clone());
            }
        }
        if !entry.versions.contains(&f.component.version) {
            entry.versions.push(f.component.version.clone());
        }
        // The most severe finding of the package speaks for it.
        if f.severity > entry.finding.severity {
            entry.finding = f.clone();
        }
    }
    for o in out.values_mut() {
        o.ids.sort();
        o.versions.sort();
    }
    out
}

/// Copies what the latest match says onto a stored (or new) finding row.
fn refresh(row: &mut FindingRow, o: &Observed) {
    let f = &o.finding;
    row.vulnerability_id = f.vulnerability_id.clone();
    for id in &o.ids {
        if !row.ids.contains(id) {
            row.ids.push(id.clone());
        }
    }
    row.ids.sort();
    row.versions = o.versions.clone();
    row.purl = f.component.purl();
    row.path = Some(f.component.source.path.clone());
    row.summary = f.summary.clone();
    row.severity = f.severity.as_str().to_string();
    row.cvss_vector = f.cvss.as_ref().map(|c| c.vector.clone());
    row.cvss_score = f.cvss.as_ref().map(|c| c.score);
    row.fixed_versions = f.fixed.clone();
    row.kev = f.kev.is_some();
    row.epss = f.epss.map(|(s, _)| s);
    row.published = f.published.clone();
    row.due = f.decision.due.to_string();
    row.sla_days = i64::from(f.decision.sla_days);
}

/// The fields an audit entry shows for a finding.
fn audit_view(f: &FindingRow) -> serde_json::Value {
    json!({
        "status": f.status,
        "status_reason": f.status_reason,
        "severity": f.severity,
        "due": f.due,
        "versions": f.versions,
        "accepted_by": f.accepted_by,
        "accepted_until": f.accepted_until,
    })
}

fn lifecycle_status(row: &FindingRow) -> Status {
    Status::parse(&row.status).unwrap_or(Status::Open)
}

/// Applies a lifecycle event to a row.
fn apply_event(row: &mut FindingRow, next: Status, event: Event, at: &str, artifact_id: i64) {
    row.status = next.as_str().to_string();
    match event {
        Event::Regressed => {
            row.status_reason = Some(format!(
                "regression: the vulnerable version came back in artifact {artifact_id}"
            ));
            row.fixed_at = None;
            row.fixed_artifact_id = None;
            row.verified_at = None;
            row.verified_deployment_id = None;
        }
        Event::AcceptanceExpired => {
            row.status_reason = Some(format!(
                "risk acceptance expired on {}",
                row.accepted_until.clone().unwrap_or_default()
            ));
            row.accepted_by = None;
            row.accepted_until = None;
        }
        Event::Fixed => {
            row.status_reason = Some(format!("absent from artifact {artifact_id}"));
            row.fixed_at = Some(at.to_string());
            row.fixed_artifact_id = Some(artifact_id);
        }
        Event::Withdrawn => {
            row.closed_by_system = true;
        }
        Event::Rematched => {
            row.status_reason = Some("matched again after an advisory update".into());
            row.closed_by_system = false;
        }
    }
    row.updated_at = at.to_string();
}

/// A person-free decision the evaluation makes for an active finding: an exception or a
/// VEX statement that now covers it.
fn evaluation_decision(row: &mut FindingRow, f: &Finding) -> Option<&'static str> {
    if !lifecycle_status(row).is_active() {
        return None;
    }
    match (&f.status, &f.decision.exception, &f.vex) {
        (FindingStatus::Excepted, Some(x), _) => {
            row.status = Status::RiskAccepted.as_str().to_string();
            row.status_reason = Some(format!("{} ({})", x.reason, x.source));
            row.accepted_by = Some(x.approved_by.clone().unwrap_or_else(|| x.source.clone()));
            row.accepted_until = x.expires.map(|d| d.to_string());
            Some("finding.risk_accepted")
        }
        (FindingStatus::NotAffected | FindingStatus::Fixed, _, Some(v)) => {
            row.status = Status::NotAffected.as_str().to_string();
            row.status_reason = Some(format!(
                "VEX {}: {}",
                v.source,
                v.justification
                    .clone()
                    .unwrap_or_else(|| "not affected".into())
            ));
            Some("finding.not_affected")
        }
        _ => None,
    }
}

/// Reconciles a project's stored findings with what an artifact has.
#[allow(clippy::too_many_arguments)]
async fn reconcile(
    w: &mut Write,
    product_id: i64,
    project_id: i64,
    artifact: (i64, &str),
    findings: &[Finding],
    evaluation: &Evaluation,
    mode: Mode,
    stale: Option<StaleImage>,
) -> Result<Changes, EngineError> {
    let at = w.at().to_string();
    let today = day(&at);
    let (artifact_id, _) = artifact;
    let mut changes = Changes::default();
    let stored = w.project_findings(project_id).await?;
    let mut by_key: HashMap<(String, String, String), usize> = HashMap::new();
    for (i, s) in stored.iter().enumerate() {
        by_key.insert(s.key(), i);
    }
    let mut seen: HashSet<usize> = HashSet::new();
    let mut present: Vec<i64> = Vec::new();
    let observed = observed(findings);
    for (key, o) in &observed {
        // The same vulnerability may be stored under another of its ids (aliases merged
        // since): match on any shared id of the same package.
        let index = by_key.get(key).copied().or_else(|| {
            stored.iter().position(|s| {
                s.ecosystem == key.0
                    && s.package == key.1
                    && s.ids.iter().any(|i| o.ids.contains(i))
            })
        });
        match index {
            Some(i) if !seen.contains(&i) => {
                seen.insert(i);
                let before = stored[i].clone();
                let mut row = before.clone();
                let first_seen = day(&row.first_seen);
                let mut f = o.finding.clone();
                apply_judgement(&mut f, evaluation, first_seen, today);
                let o = Observed {
                    finding: f,
                    ids: o.ids.clone(),
                    versions: o.versions.clone(),
                };
                refresh(&mut row, &o);
                if mode == Mode::Record {
                    row.last_seen = at.clone();
                    row.last_artifact_id = Some(artifact_id);
                }
                let state = Stored {
                    status: lifecycle_status(&row),
                    accepted_until: row.accepted_until.as_deref().and_then(parse_date),
                    closed_by_system: row.closed_by_system,
                };
                let mut action = None;
                if let Some((next, event)) = lifecycle::observe(state, Observation::Present, today)
                {
                    apply_event(&mut row, next, event, &at, artifact_id);
                    action = Some(event.action());
                    if event == Event::Regressed {
                        changes.regressed.push(row.clone());
                    }
                }
                if let Some(a) = evaluation_decision(&mut row, &o.finding) {
                    action = Some(a);
                }
                changes
                    .first_seen
                    .insert(key.clone(), row.first_seen.clone());
                let rescored = row.severity != before.severity || row.due != before.due;
                let changed = row != before;
                if changed {
                    row.updated_at = at.clone();
                    match action.or(rescored.then_some("finding.rescored")) {
                        Some(label) => {
                            save(w, label, product_id, &before, &row).await?;
                            changes.updated += 1;
                        }
                        None => w.update_finding(&row).await?,
                    }
                }
                if lifecycle_status(&row).is_active() && action != Some(Event::Regressed.action()) {
                    changes.still_open.push(row.clone());
                }
                present.push(row.id);
            }
            _ => {
                let first_seen = w
                    .product_first_seen(product_id, &key.0, &key.1, &o.ids)
                    .await?
                    .unwrap_or_else(|| at.clone());
                let mut f = o.finding.clone();
                apply_judgement(&mut f, evaluation, day(&first_seen), today);
                let o = Observed {
                    finding: f,
                    ids: o.ids.clone(),
                    versions: o.versions.clone(),
                };
                let mut row = new_row(
                    (product_id, project_id),
                    key.clone(),
                    &first_seen,
                    &at,
                    artifact_id,
                );
                refresh(&mut row, &o);
                evaluation_decision(&mut row, &o.finding);
                row.id = w.insert_finding(&row).await?;
                w.audit(
                    "finding.created",
                    "finding",
                    row.id,
                    Some(product_id),
                    None,
                    Some(&json!({
                        "status": row.status, "status_reason": row.status_reason,
                        "severity": row.severity, "first_seen": row.first_seen,
                        "due": row.due, "versions": row.versions, "artifact_id": artifact_id,
                    })),
                )
                .await?;
                changes
                    .first_seen
                    .insert(key.clone(), row.first_seen.clone());
                present.push(row.id);
                changes.new.push(row);
            }
        }
    }
    // The stale-image finding.
    let stale_key = stale.as_ref().map(|s| {
        (
            IMAGE_ECOSYSTEM.to_string(),
            s.image.clone(),
            STALE_IMAGE_ID.to_string(),
        )
    });
    if let Some(s) = &stale
        && s.stale_since.is_some()
    {
        let key = stale_key.clone().unwrap_or_default();
        let index = by_key.get(&key).copied();
        let id = stale_finding(
            w,
            product_id,
            project_id,
            artifact_id,
            s,
            index.map(|i| &stored[i]),
            &mut changes,
        )
        .await?;
        if let Some(i) = index {
            seen.insert(i);
        }
        present.push(id);
    }
    // What the artifact no longer has.
    let mut withdrawn: Option<HashSet<String>> = None;
    for (i, s) in stored.iter().enumerate() {
        if seen.contains(&i) {
            continue;
        }
        let observation = match mode {
            Mode::Record => Observation::Absent,
            // A re-evaluation of the same artifact: only what it had can stop matching. The
            // stale-image finding is not a match; a fresh image closes it on record.
            Mode::Reevaluate => {
                if s.last_artifact_id != Some(artifact_id)
                    || stale_key.as_ref().is_some_and(|k| *k == s.key())
                    || s.ecosystem == IMAGE_ECOSYSTEM
                {
                    continue;
                }
                Observation::NoLongerMatches
            }
        };
        let state = Stored {
            status: lifecycle_status(s),
            accepted_until: s.accepted_until.as_deref().and_then(parse_date),
            closed_by_system: s.closed_by_system,
        };
        let Some((next, event)) = lifecycle::observe(state, observation, today) else {
            continue;
        };
        let mut row = s.clone();
        apply_event(&mut row, next, event, &at, artifact_id);
        if event == Event::Withdrawn {
            if withdrawn.is_none() {
                withdrawn = Some(w.withdrawn_advisories().await?.into_iter().collect());
            }
            let gone: Vec<&String> = row
                .ids
                .iter()
                .filter(|i| withdrawn.as_ref().is_some_and(|w| w.contains(*i)))
                .collect();
            row.status_reason = Some(if gone.is_empty() {
                format!(
                    "no longer matched after an advisory update: the advisories no longer list {} {} as affected",
                    row.package,
                    row.versions.join(", ")
                )
            } else {
                format!(
                    "advisory {} withdrawn",
                    gone.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            changes.closed += 1;
        }
        save(w, event.action(), product_id, s, &row).await?;
        if event == Event::Fixed {
            changes.gone.push(row);
        }
    }
    present.sort();
    present.dedup();
    // A re-evaluation usually changes nothing: leave the artifact's rows alone then.
    if mode == Mode::Record || w.artifact_finding_ids(artifact_id).await? != present {
        w.set_artifact_findings(artifact_id, &present).await?;
    }
    Ok(changes)
}

/// Writes a finding's change with its audit entry.
async fn save(
    w: &mut Write,
    action: &str,
    product_id: i64,
    before: &FindingRow,
    after: &FindingRow,
) -> Result<(), EngineError> {
    w.update_finding(after).await?;
    w.audit(
        action,
        "finding",
        after.id,
        Some(product_id),
        Some(&audit_view(before)),
        Some(&audit_view(after)),
    )
    .await?;
    Ok(())
}

/// A new open finding of a project, first seen at `first_seen` in artifact `artifact_id`;
/// the caller fills in what the match says.
fn new_row(
    (product_id, project_id): (i64, i64),
    (ecosystem, package, vulnerability_id): (String, String, String),
    first_seen: &str,
    at: &str,
    artifact_id: i64,
) -> FindingRow {
    FindingRow {
        id: 0,
        product_id,
        product: String::new(),
        project_id,
        project: String::new(),
        ecosystem,
        package,
        vulnerability_id,
        ids: Vec::new(),
        versions: Vec::new(),
        purl: None,
        path: None,
        summary: None,
        severity: String::new(),
        cvss_vector: None,
        cvss_score: None,
        fixed_versions: Vec::new(),
        kev: false,
        epss: None,
        published: None,
        first_seen: first_seen.to_string(),
        last_seen: at.to_string(),
        first_artifact_id: Some(artifact_id),
        last_artifact_id: Some(artifact_id),
        due: String::new(),
        sla_days: 0,
        status: Status::Open.as_str().to_string(),
        status_reason: None,
        closed_by_system: false,
        accepted_by: None,
        accepted_until: None,
        fixed_at: None,
        fixed_artifact_id: None,
        verified_at: None,
        verified_deployment_id: None,
        updated_at: at.to_string(),
    }
}

/// Whether an image artifact is stale, and since when.
#[derive(Clone, Debug)]
struct StaleImage {
    /// The image's name (the finding's package).
    image: String,
    /// When it became stale (built + max age), if it is stale now.
    stale_since: Option<String>,
    /// Severity and SLA days of the finding.
    severity: Severity,
    sla_days: u32,
}

fn stale_image(policy: &Policy, image: &str, built: &str, now: &str) -> StaleImage {
    let rule = &policy.stale_image;
    let since = day(built).checked_add(Duration::days(i64::from(rule.max_age_days)));
    let stale = rule.enabled && since.is_some_and(|s| s < day(now));
    StaleImage {
        image: image.to_string(),
        stale_since: if stale {
            since.map(|d| format!("{d}T00:00:00Z"))
        } else {
            None
        },
        severity: rule.severity,
        sla_days: rule.sla_days,
    }
}

/// Creates, keeps or reopens the stale-image finding; returns its id.
async fn stale_finding(
    w: &mut Write,
    product_id: i64,
    project_id: i64,
    artifact_id: i64,
    s: &StaleImage,
    stored: Option<&FindingRow>,
    changes: &mut Changes,
) -> Result<i64, EngineError> {
    let at = w.at().to_string();
    let today = day(&at);
    let since = s.stale_since.clone().unwrap_or_else(|| at.clone());
    let due = day(&since)
        .checked_add(Duration::days(i64::from(s.sla_days)))
        .unwrap_or(today);
    match stored {
        Some(row) => {
            let state = Stored {
                status: lifecycle_status(row),
                accepted_until: row.accepted_until.as_deref().and_then(parse_date),
                closed_by_system: row.closed_by_system,
            };
            if let Some((next, event)) = lifecycle::observe(state, Observation::Present, today) {
                let mut new = row.clone();
                apply_event(&mut new, next, event, &at, artifact_id);
                new.last_seen = at.clone();
                new.last_artifact_id = Some(artifact_id);
                save(w, event.action(), product_id, row, &new).await?;
                if event == Event::Regressed {
                    changes.regressed.push(new);
                }
            } else if lifecycle_status(row).is_active() {
                changes.still_open.push(row.clone());
            }
            Ok(row.id)
        }
        None => {
            let mut row = new_row(
                (product_id, project_id),
                (
                    IMAGE_ECOSYSTEM.into(),
                    s.image.clone(),
                    STALE_IMAGE_ID.into(),
                ),
                &since,
                &at,
                artifact_id,
            );
            row.ids = vec![STALE_IMAGE_ID.into()];
            row.summary = Some(format!(
                "image not rebuilt since {}: base image updates are missing",
                since.get(..10).unwrap_or(&since)
            ));
            row.severity = s.severity.as_str().to_string();
            row.due = due.to_string();
            row.sla_days = i64::from(s.sla_days);
            let id = w.insert_finding(&row).await?;
            w.audit(
                "finding.created",
                "finding",
                id,
                Some(product_id),
                None,
                Some(&json!({"status": "open", "severity": row.severity, "first_seen": row.first_seen, "due": row.due, "stale_image": s.image})),
            )
            .await?;
            changes.new.push(FindingRow { id, ..row });
            Ok(id)
        }
    }
}

/// How the artifact is named when no `--artifact` is given: the commit, the image's
/// config digest, or a digest of the sorted component list.
fn artifact_reference(result: &ScanResult, target: &RecordTarget<'_>) -> (String, &'static str) {
    if let Some(given) = target.artifact {
        return (given.to_string(), "given");
    }
    if let Some(digest) = result.image.as_ref().and_then(|i| i.config_digest.clone()) {
        return (digest, "image");
    }
    if let Some(commit) = target.commit {
        return (commit.to_string(), "commit");
    }
    let mut lines: Vec<String> = result
        .components
        .iter()
        .map(|c| {
            format!(
                "{}\t{}\t{}\t{}",
                c.ecosystem, c.name, c.version, c.source.path
            )
        })
        .collect();
    lines.sort();
    (
        format!("content:{}", fnv_hex(lines.join("\n").as_bytes())),
        "content",
    )
}

/// A 64-bit FNV-1a digest in hex: a stable name for a component list, not a security
/// digest (nothing trusts it).
fn fnv_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Records a scan as an artifact of a project, in one transaction: product and project
/// (created when missing), the artifact and its components, and every finding's new state.
/// The findings of `result` get their real first-seen dates and due dates. Returns what
/// changed since the project's previous artifact.
pub async fn record(
    store: &Store,
    result: &mut ScanResult,
    evaluation: &Evaluation,
    target: &RecordTarget<'_>,
    scan_json: &str,
) -> Result<RecordSummary, EngineError> {
    let now = result.scanned_at.clone();
    let today = day(&now);
    let (reference, kind) = artifact_reference(result, target);
    let mut w = store.write(target.actor, &now).await?;
    let (product, _) = w.ensure_product(target.product).await?;
    w.lock_product(product.id).await?;
    let (project, _) = w.ensure_project(&product, target.project).await?;
    // The product's policy applies when the scanned tree brings none.
    let mut evaluation = evaluation.clone();
    if evaluation.policy_file.is_none()
        && let Some(text) = &product.policy
    {
        let policy = Policy::from_toml(text).map_err(|e| {
            EngineError::Invalid(format!("the policy of product {}: {e}", product.name))
        })?;
        evaluation
            .exceptions
            .extend(&policy.exceptions, &format!("product {}", product.name));
        let fail_on = evaluation.policy.fail_on.clone();
        evaluation.policy = policy;
        if fail_on.is_set() {
            evaluation.policy.fail_on = fail_on;
        }
    }
    let kept = w.exceptions_for_project(project.id).await?;
    evaluation
        .exceptions
        .extend(&stored_exceptions(&kept), "portfolio exceptions");
    let previous = w.latest_artifact_id(project.id).await?;
    let scan_id = w
        .record_scan(
            &result.target,
            i64::try_from(result.components.len()).unwrap_or(i64::MAX),
            i64::try_from(result.findings.len()).unwrap_or(i64::MAX),
            scan_json,
        )
        .await?;
    let image_name = result.image.as_ref().map(|i| {
        i.repo_tags
            .first()
            .cloned()
            .unwrap_or_else(|| project.name.clone())
    });
    let built_at = match &result.image {
        Some(image) => match &image.created {
            Some(c) => Some(c.clone()),
            None => Some(
                w.first_recorded(project.id, &reference)
                    .await?
                    .unwrap_or_else(|| now.clone()),
            ),
        },
        None => None,
    };
    let policy = policy_text(&evaluation);
    let artifact_id = w
        .insert_artifact(
            &NewArtifact {
                project_id: project.id,
                reference: &reference,
                kind,
                target: &result.target,
                built_at: built_at.as_deref(),
                image_name: image_name.as_deref(),
                components: i64::try_from(result.components.len()).unwrap_or(i64::MAX),
                policy: &policy,
                scan_id: Some(scan_id),
            },
            product.id,
            &result.components,
        )
        .await?;
    test_pause();
    let stale = match (&image_name, &built_at) {
        (Some(name), Some(built)) => Some(stale_image(&evaluation.policy, name, built, &now)),
        _ => None,
    };
    let changes = reconcile(
        &mut w,
        product.id,
        project.id,
        (artifact_id, &reference),
        &result.findings,
        &evaluation,
        Mode::Record,
        stale,
    )
    .await?;
    w.commit().await?;
    // The report shows the portfolio's dates: first seen from the product's history.
    for f in &mut result.findings {
        let key = (
            f.component.ecosystem.to_string(),
            f.component.name.clone(),
            f.vulnerability_id.clone(),
        );
        if let Some(seen) = changes.first_seen.get(&key) {
            apply_judgement(f, &evaluation, day(seen), today);
        }
    }
    rank(&mut result.findings);
    result.gate = gate(&evaluation.policy, &result.findings);
    let brief = |v: &[FindingRow]| v.iter().map(Brief::of).collect::<Vec<_>>();
    Ok(RecordSummary {
        product: product.name,
        project: project.name,
        artifact_id,
        artifact_ref: reference,
        previous_artifact_id: previous,
        new: brief(&changes.new),
        still_open: brief(&changes.still_open),
        gone: brief(&changes.gone),
        regressed: brief(&changes.regressed),
    })
}

/// For the crash-consistency test only: with `PATCHWARDEN_TEST_PAUSE_IN_RECORD_MS` set, a
/// record stops inside its transaction (artifact and components written, findings not yet)
/// and says so on stderr, so that a test can kill the process at that point.
fn test_pause() {
    if let Some(ms) = std::env::var("PATCHWARDEN_TEST_PAUSE_IN_RECORD_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        eprintln!("patchwarden: test pause inside the record transaction");
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Matches every project's latest artifact again against the advisories now stored,
/// without rescanning: new findings appear (first seen now, or the product's earlier date),
/// findings that no longer match are closed with the reason, severities and due dates
/// follow the new data. Each project is written in its own transaction; a project that
/// recorded a newer artifact meanwhile is left as that record made it.
pub async fn reevaluate(
    store: &Store,
    actor: &str,
    now: &str,
) -> Result<ReevaluationReport, EngineError> {
    let started = Instant::now();
    let latest = store.latest_artifacts().await?;
    if latest.is_empty() {
        return Ok(ReevaluationReport::default());
    }
    let components = store.latest_components().await?;
    tracing::info!(
        "re-evaluation: {} projects, {} distinct components read in {:?}",
        latest.len(),
        components.len(),
        started.elapsed()
    );
    // Match each distinct package version once. While matching, a component's location is
    // its row id, so that each finding leads back to it.
    let inventory = Inventory {
        components: components
            .iter()
            .map(|c| {
                let mut comp = c.component.clone();
                comp.source = Location::file(c.id.to_string());
                comp
            })
            .collect(),
        ..Inventory::default()
    };
    let matched = crate::scan::evaluate(
        store,
        inventory,
        "re-evaluation",
        now,
        &Evaluation::default(),
    )
    .await?;
    let mut by_component: HashMap<i64, Vec<Finding>> = HashMap::new();
    for f in matched.findings {
        if let Ok(id) = f.component.source.path.parse::<i64>() {
            by_component.entry(id).or_default().push(f);
        }
    }
    let mut vulnerable: Vec<i64> = by_component.keys().copied().collect();
    vulnerable.sort();
    tracing::info!(
        "re-evaluation: {} vulnerable components matched at {:?}",
        vulnerable.len(),
        started.elapsed()
    );
    let memberships = store.latest_memberships(&vulnerable).await?;
    tracing::info!(
        "re-evaluation: {} placements read at {:?}",
        memberships.len(),
        started.elapsed()
    );
    let mut by_artifact: HashMap<i64, Vec<Finding>> = HashMap::new();
    for m in memberships {
        for f in by_component.get(&m.component_id).into_iter().flatten() {
            let mut f = f.clone();
            f.component.source = m.location.clone();
            f.component.direct = m.direct;
            f.component.scope = m.scope;
            by_artifact.entry(m.artifact_id).or_default().push(f);
        }
    }
    let exceptions = store.exceptions(None).await?;
    let mut report = ReevaluationReport {
        projects: latest.len(),
        components: components.len(),
        ..ReevaluationReport::default()
    };
    for artifact in &latest {
        let mine: Vec<StoredException> = exceptions
            .iter()
            .filter(|x| {
                x.product == artifact.product
                    && x.project.as_ref().is_none_or(|p| *p == artifact.project)
            })
            .cloned()
            .collect();
        let evaluation = artifact_evaluation(&artifact.policy, &mine);
        let findings = by_artifact.remove(&artifact.id).unwrap_or_default();
        let mut w = store.write(actor, now).await?;
        w.lock_product(artifact.product_id).await?;
        if w.latest_artifact_id(artifact.project_id).await? != Some(artifact.id) {
            continue;
        }
        let stale = artifact.built_at.as_ref().map(|built| {
            stale_image(
                &evaluation.policy,
                artifact.image_name.as_deref().unwrap_or(&artifact.project),
                built,
                now,
            )
        });
        let changes = reconcile(
            &mut w,
            artifact.product_id,
            artifact.project_id,
            (artifact.id, &artifact.reference),
            &findings,
            &evaluation,
            Mode::Reevaluate,
            stale,
        )
        .await?;
        w.commit().await?;
        report.findings_new += changes.new.len();
        report.findings_closed += changes.closed;
        report.findings_updated += changes.updated;
        let located = |rows: &[FindingRow]| {
            rows.iter()
                .map(|f| Located {
                    product: artifact.product.clone(),
                    project: artifact.project.clone(),
                    finding: Brief::of(f),
                })
                .collect::<Vec<_>>()
        };
        report.new.extend(located(&changes.new));
        report.regressed.extend(located(&changes.regressed));
    }
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

/// What a deployment did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeployOutcome {
    /// The deployment recorded.
    pub deployment: Deployment,
    /// Fixed findings the deployment verified (production only).
    pub verified: Vec<Brief>,
}

/// A deployment to record.
#[derive(Clone, Debug)]
pub struct DeployRequest<'a> {
    /// The artifact deployed.
    pub artifact_id: i64,
    /// The environment's name.
    pub environment: &'a str,
    /// When, RFC 3339.
    pub deployed_at: &'a str,
    /// A backup was confirmed before deploying.
    pub backup_confirmed: bool,
    /// The maintenance window it went out in.
    pub maintenance_window: Option<&'a str>,
}

/// Records that an artifact was deployed to an environment. When the environment is of
/// kind `production`, every `fixed` finding of the project that the artifact does not have
/// (and whose fix is not newer than the artifact) becomes `verified`.
pub async fn deploy(
    store: &Store,
    request: &DeployRequest<'_>,
    actor: &str,
    now: &str,
) -> Result<DeployOutcome, EngineError> {
    let DeployRequest {
        artifact_id,
        environment,
        deployed_at,
        backup_confirmed,
        maintenance_window,
    } = *request;
    let artifact: Artifact = store
        .artifact(artifact_id)
        .await?
        .ok_or_else(|| EngineError::Invalid(format!("no artifact {artifact_id}")))?;
    let mut w = store.write(actor, now).await?;
    w.lock_product(artifact.product_id).await?;
    let env = w.environment(environment).await?.ok_or_else(|| {
        EngineError::Invalid(format!(
            "no environment named {environment}; create it with `patchwarden env add {environment} --kind production|test|custom`"
        ))
    })?;
    let deployment = w
        .insert_deployment(
            &artifact,
            &env,
            deployed_at,
            backup_confirmed,
            maintenance_window,
        )
        .await?;
    let mut verified = Vec::new();
    if env.kind == "production" {
        for row in w
            .fixed_findings_absent_from(artifact.project_id, artifact.id)
            .await?
        {
            let Some(next) = lifecycle::verify(lifecycle_status(&row)) else {
                continue;
            };
            let mut new = row.clone();
            new.status = next.as_str().to_string();
            new.status_reason = Some(format!(
                "artifact {} without it deployed to {} ({})",
                artifact.id, env.name, deployed_at
            ));
            new.verified_at = Some(deployed_at.to_string());
            new.verified_deployment_id = Some(deployment.id);
            new.updated_at = now.to_string();
            save(&mut w, "finding.verified", artifact.product_id, &row, &new).await?;
            verified.push(Brief::of(&new));
        }
    }
    w.commit().await?;
    Ok(DeployOutcome {
        deployment,
        verified,
    })
}

/// What comes with a person's lifecycle decision.
#[derive(Clone, Debug, Default)]
pub struct Decision<'a> {
    /// Why (required for accept, not-affected, false-positive and reopen).
    pub reason: Option<&'a str>,
    /// Who approved a risk acceptance.
    pub approver: Option<&'a str>,
    /// The version a patch moves to.
    pub planned_version: Option<&'a str>,
    /// The patch's pull request.
    pub pull_request: Option<&'a str>,
    /// The patch's state: `planned`, `tested` or `deployed`.
    pub patch_state: Option<&'a str>,
}

/// The states a patch record goes through.
pub const PATCH_STATES: [&str; 3] = ["planned", "tested", "deployed"];

/// Applies a person's decision to a finding, with its audit entry; returns the finding as
/// stored and the patch record when the action was `patch`.
pub async fn decide(
    store: &Store,
    finding_id: i64,
    action: &Action,
    decision: &Decision<'_>,
    actor: &str,
    now: &str,
) -> Result<(FindingRow, Option<Patch>), EngineError> {
    let today = day(now);
    let needs_reason = matches!(
        action,
        Action::Accept { .. } | Action::NotAffected | Action::FalsePositive | Action::Reopen
    );
    let reason = decision.reason.map(str::trim).filter(|r| !r.is_empty());
    if needs_reason && reason.is_none() {
        return Err(EngineError::Invalid(format!(
            "{} needs a reason (--reason)",
            action.name()
        )));
    }
    if let Action::Accept { .. } = action
        && decision.approver.is_none_or(|a| a.trim().is_empty())
    {
        return Err(EngineError::Invalid(
            "a risk acceptance needs an approver (--approver)".into(),
        ));
    }
    if let Some(state) = decision.patch_state
        && !PATCH_STATES.contains(&state)
    {
        return Err(EngineError::Invalid(format!(
            "patch state {state}: expected one of {}",
            PATCH_STATES.join(", ")
        )));
    }
    let mut w = store.write(actor, now).await?;
    let before = w
        .finding(finding_id)
        .await?
        .ok_or_else(|| EngineError::Invalid(format!("no finding {finding_id}")))?;
    w.lock_product(before.product_id).await?;
    let from = lifecycle_status(&before);
    let next = lifecycle::transition(from, action, today)
        .map_err(|e| EngineError::Invalid(format!("finding {finding_id}: {e}")))?;
    let mut row = before.clone();
    row.status = next.as_str().to_string();
    row.closed_by_system = false;
    match action {
        Action::Accept { expires } => {
            row.accepted_by = decision.approver.map(str::to_string);
            row.accepted_until = Some(expires.to_string());
            row.status_reason = reason.map(str::to_string);
        }
        Action::Reopen => {
            row.accepted_by = None;
            row.accepted_until = None;
            row.status_reason = reason.map(str::to_string);
        }
        Action::Triage | Action::Patch => {
            if let Some(r) = reason {
                row.status_reason = Some(r.to_string());
            }
        }
        Action::NotAffected | Action::FalsePositive => {
            row.status_reason = reason.map(str::to_string);
        }
    }
    row.updated_at = now.to_string();
    w.update_finding(&row).await?;
    let mut patch = None;
    if *action == Action::Patch {
        patch = Some(
            w.upsert_patch(
                &row,
                decision.planned_version,
                decision.pull_request,
                decision.patch_state.unwrap_or("planned"),
            )
            .await?,
        );
    }
    if row != before || patch.is_none() {
        w.audit(
            &format!("finding.{}", next.as_str()),
            "finding",
            row.id,
            Some(row.product_id),
            Some(&audit_view(&before)),
            Some(&audit_view(&row)),
        )
        .await?;
    }
    w.commit().await?;
    Ok((row, patch))
}

/// Adds an exception for a product or one of its projects.
pub async fn add_exception(
    store: &Store,
    product: &str,
    project: Option<&str>,
    exception: &NewException<'_>,
    actor: &str,
    now: &str,
) -> Result<i64, EngineError> {
    if exception.vulnerability.is_none() && exception.package.is_none() && exception.purl.is_none()
    {
        return Err(EngineError::Invalid(
            "an exception needs at least one of --id, --package, --purl".into(),
        ));
    }
    if exception.reason.trim().is_empty() || exception.approved_by.trim().is_empty() {
        return Err(EngineError::Invalid(
            "an exception needs a reason (--reason) and an approver (--approver)".into(),
        ));
    }
    if parse_date(exception.expires).is_none() || exception.expires.len() != 10 {
        return Err(EngineError::Invalid(format!(
            "--expires {}: expected a date YYYY-MM-DD",
            exception.expires
        )));
    }
    let product_row = store
        .product(product)
        .await?
        .ok_or_else(|| EngineError::Invalid(format!("no product named {product}")))?;
    let project_id = match project {
        Some(name) => Some(
            store
                .project(product, name)
                .await?
                .ok_or_else(|| {
                    EngineError::Invalid(format!("no project {name} in product {product}"))
                })?
                .id,
        ),
        None => None,
    };
    let mut w = store.write(actor, now).await?;
    let id = w
        .add_exception(&NewException {
            product_id: product_row.id,
            project_id,
            ..exception.clone()
        })
        .await?;
    w.commit().await?;
    Ok(id)
}
