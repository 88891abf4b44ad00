//! The portfolio: products › projects › artifacts with their components, environments and
//! deployments, findings, exceptions, patch records, and the append-only audit log.
//!
//! Reads are methods of [`Store`]. Every write goes through a [`Write`]: one transaction
//! that knows who acts and when, and writes an audit entry beside each change, so a change
//! and its audit entry land together or not at all. On SQLite a write transaction starts
//! `IMMEDIATE` (writers queue instead of failing when two upgrade at once); on PostgreSQL
//! writers of one product queue on its row ([`Write::lock_product`]).

use std::collections::HashMap;

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::{Backend, Store, StoreError};

/// Ids per `IN (...)` list.
const CHUNK: usize = 400;

/// A product: what the organisation ships (e.g. "chat platform").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The product's policy (TOML), when one is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

/// A project of a product: a repository or an image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// Row id.
    pub id: i64,
    /// Its product's id.
    pub product_id: i64,
    /// Its product's name.
    pub product: String,
    /// Name, unique in the product.
    pub name: String,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

/// How recently a project was scanned: what [`Store::project_activity`] gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectActivity {
    /// The project's id.
    pub project_id: i64,
    /// Its product's name.
    pub product: String,
    /// Its name.
    pub project: String,
    /// Artifacts recorded for it.
    pub artifacts: i64,
    /// When the latest was recorded, RFC 3339; none when it was never scanned.
    pub last_recorded_at: Option<String>,
}

/// One recorded scan of a project.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Artifact {
    /// Row id.
    pub id: i64,
    /// Its project's id.
    pub project_id: i64,
    /// Its project's name.
    pub project: String,
    /// Its product's id.
    pub product_id: i64,
    /// Its product's name.
    pub product: String,
    /// Commit, image digest or the id given.
    #[serde(rename = "ref")]
    pub reference: String,
    /// `commit`, `image`, `given` or `content` (a digest of the component list).
    pub kind: String,
    /// The path scanned.
    pub target: String,
    /// When it was recorded, RFC 3339.
    pub recorded_at: String,
    /// When the image was built (its config's `created`), RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub built_at: Option<String>,
    /// The image's name (first repo tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_name: Option<String>,
    /// Components it holds.
    pub components: i64,
    /// Findings it had when recorded or last re-evaluated.
    pub findings: i64,
    /// The policy (TOML) it is judged by.
    #[serde(skip)]
    pub policy: String,
}

/// An artifact to record.
#[derive(Clone, Debug)]
pub struct NewArtifact<'a> {
    /// The project.
    pub project_id: i64,
    /// Commit, image digest or the id given.
    pub reference: &'a str,
    /// `commit`, `image`, `given` or `content`.
    pub kind: &'a str,
    /// The path scanned.
    pub target: &'a str,
    /// When the image was built.
    pub built_at: Option<&'a str>,
    /// The image's name.
    pub image_name: Option<&'a str>,
    /// Number of components.
    pub components: i64,
    /// The policy (TOML) it is judged by.
    pub policy: &'a str,
    /// The scan record holding the full scan document.
    pub scan_id: Option<i64>,
}

/// Where artifacts run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Environment {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// `test`, `production` or `custom`.
    pub kind: String,
    /// When it was created, RFC 3339.
    pub created_at: String,
}

/// An artifact deployed to an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deployment {
    /// Row id.
    pub id: i64,
    /// The artifact.
    pub artifact_id: i64,
    /// The environment's name.
    pub environment: String,
    /// The environment's kind.
    pub environment_kind: String,
    /// When, RFC 3339.
    pub deployed_at: String,
    /// Whether a backup was confirmed before deploying.
    pub backup_confirmed: bool,
    /// The maintenance window it went out in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_window: Option<String>,
    /// Who recorded it.
    pub actor: String,
}

/// An exception kept in the database for a product or one of its projects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredException {
    /// Row id.
    pub id: i64,
    /// The product.
    pub product: String,
    /// The project, when limited to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Vulnerability id or alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerability: Option<String>,
    /// Ecosystem of `package`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// Package name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Purl pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// Last day it applies (YYYY-MM-DD).
    pub expires: String,
    /// When it was added.
    pub created_at: String,
    /// Who added it.
    pub created_by: String,
}

/// An exception to add.
#[derive(Clone, Debug, Default)]
pub struct NewException<'a> {
    /// The product.
    pub product_id: i64,
    /// The project, to limit it to one.
    pub project_id: Option<i64>,
    /// Vulnerability id or alias.
    pub vulnerability: Option<&'a str>,
    /// Ecosystem of `package`.
    pub ecosystem: Option<&'a str>,
    /// Package name.
    pub package: Option<&'a str>,
    /// Purl pattern.
    pub purl: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// Who approved it.
    pub approved_by: &'a str,
    /// Last day (YYYY-MM-DD).
    pub expires: &'a str,
}

/// A finding's patch record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Patch {
    /// Row id.
    pub id: i64,
    /// The finding.
    pub finding_id: i64,
    /// The version the patch moves to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_version: Option<String>,
    /// The pull request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<String>,
    /// `planned`, `tested` or `deployed`.
    pub state: String,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Who last changed it.
    pub actor: String,
}

/// One audit log entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Row id (increasing).
    pub id: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What (`finding.triaged`, `artifact.recorded`, ...).
    pub action: String,
    /// The kind of thing changed (`finding`, `product`, ...).
    pub entity: String,
    /// Its id.
    pub entity_id: i64,
    /// Its product, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<i64>,
    /// Values before the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<Value>,
    /// Values after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<Value>,
}

/// A tracked finding: one vulnerability on one package of one project.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingRow {
    /// Row id (0 before it is stored).
    pub id: i64,
    /// The product's id.
    pub product_id: i64,
    /// The product's name.
    pub product: String,
    /// The project's id.
    pub project_id: i64,
    /// The project's name.
    pub project: String,
    /// OSV ecosystem.
    pub ecosystem: String,
    /// Package name.
    pub package: String,
    /// The id shown (the CVE when there is exactly one).
    pub vulnerability_id: String,
    /// Every id of the vulnerability, the shown one included.
    pub ids: Vec<String>,
    /// Installed versions that have it.
    pub versions: Vec<String>,
    /// Purl of the (first) affected component.
    pub purl: Option<String>,
    /// Where the component was found.
    pub path: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Severity.
    pub severity: String,
    /// CVSS vector the severity came from.
    pub cvss_vector: Option<String>,
    /// Its score.
    pub cvss_score: Option<f64>,
    /// Versions that fix it.
    pub fixed_versions: Vec<String>,
    /// In CISA's KEV catalogue.
    pub kev: bool,
    /// EPSS probability.
    pub epss: Option<f64>,
    /// Advisory publication, RFC 3339.
    pub published: Option<String>,
    /// When the product first had it, RFC 3339 (the SLA clock starts here).
    pub first_seen: String,
    /// When an artifact last had it, RFC 3339.
    pub last_seen: String,
    /// The first artifact of the project that had it.
    pub first_artifact_id: Option<i64>,
    /// The last artifact that had it.
    pub last_artifact_id: Option<i64>,
    /// Due date, YYYY-MM-DD.
    pub due: String,
    /// Days the SLA allowed.
    pub sla_days: i64,
    /// Lifecycle status (`open`, `triaged`, ..., see the lifecycle crate).
    pub status: String,
    /// Why it has its status (risk acceptance reason, VEX justification, withdrawal).
    pub status_reason: Option<String>,
    /// Closed by a re-evaluation rather than a person.
    pub closed_by_system: bool,
    /// Who approved the risk acceptance.
    pub accepted_by: Option<String>,
    /// Last day of the risk acceptance, YYYY-MM-DD.
    pub accepted_until: Option<String>,
    /// When it was fixed, RFC 3339.
    pub fixed_at: Option<String>,
    /// The artifact that no longer had it.
    pub fixed_artifact_id: Option<i64>,
    /// When its fix reached production, RFC 3339.
    pub verified_at: Option<String>,
    /// The deployment that verified it.
    pub verified_deployment_id: Option<i64>,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

impl FindingRow {
    /// The key a project holds it under: ecosystem, package, vulnerability.
    pub fn key(&self) -> (String, String, String) {
        (
            self.ecosystem.clone(),
            self.package.clone(),
            self.vulnerability_id.clone(),
        )
    }
}

/// Which findings to list.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    /// Only this product.
    pub product: Option<String>,
    /// Only this project (with `product`, or any product's project of that name).
    pub project: Option<String>,
    /// Only these severities (`Critical`, `High`, ...).
    pub severities: Vec<String>,
    /// Only these statuses.
    pub statuses: Vec<String>,
    /// Only active findings due before this date (YYYY-MM-DD): overdue on that day.
    pub overdue_on: Option<String>,
    /// Only findings in CISA's KEV catalogue.
    pub kev: bool,
    /// Only this vulnerability (any of its ids).
    pub vulnerability: Option<String>,
    /// Only these products, by id (what a principal may read); `None` means every product.
    pub product_ids: Option<Vec<i64>>,
}

/// The order of a page of findings ([`Store::findings_page`]); the row id breaks ties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FindingSort {
    /// Due date.
    #[default]
    Due,
    /// Severity rank (Unknown 0, None 1, Low 2, Medium 3, High 4, Critical 5).
    Severity,
    /// First seen in the product.
    FirstSeen,
    /// Last change.
    UpdatedAt,
    /// EPSS probability (none sorts as -1).
    Epss,
    /// CVSS base score (none sorts as -1).
    Cvss,
    /// Row id.
    Id,
}

impl FindingSort {
    /// Every sort key with its API name.
    pub const ALL: [(&'static str, FindingSort); 7] = [
        ("due", FindingSort::Due),
        ("severity", FindingSort::Severity),
        ("first_seen", FindingSort::FirstSeen),
        ("updated_at", FindingSort::UpdatedAt),
        ("epss", FindingSort::Epss),
        ("cvss", FindingSort::Cvss),
        ("id", FindingSort::Id),
    ];

    /// The sort key named `name` (`due`, `severity`, ...).
    pub fn from_name(name: &str) -> Option<FindingSort> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    /// The API name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(n, _)| *n)
            .unwrap_or("due")
    }

    fn expression(self) -> &'static str {
        match self {
            FindingSort::Due => "f.due",
            FindingSort::Severity => {
                "(CASE f.severity WHEN 'Critical' THEN 5 WHEN 'High' THEN 4 WHEN 'Medium' THEN 3 \
                 WHEN 'Low' THEN 2 WHEN 'None' THEN 1 ELSE 0 END)"
            }
            FindingSort::FirstSeen => "f.first_seen",
            FindingSort::UpdatedAt => "f.updated_at",
            FindingSort::Epss => "COALESCE(f.epss, -1)",
            FindingSort::Cvss => "COALESCE(f.cvss_score, -1)",
            FindingSort::Id => "f.id",
        }
    }

    fn cast(self) -> &'static str {
        match self {
            FindingSort::Due | FindingSort::FirstSeen | FindingSort::UpdatedAt => "TEXT",
            FindingSort::Severity | FindingSort::Id => "BIGINT",
            FindingSort::Epss | FindingSort::Cvss => "DOUBLE PRECISION",
        }
    }

    /// The key of a row, as text, for a [`PageKey`].
    fn key_of(self, row: &FindingRow) -> String {
        match self {
            FindingSort::Due => row.due.clone(),
            FindingSort::Severity => severity_rank(&row.severity).to_string(),
            FindingSort::FirstSeen => row.first_seen.clone(),
            FindingSort::UpdatedAt => row.updated_at.clone(),
            FindingSort::Epss => row.epss.unwrap_or(-1.0).to_string(),
            FindingSort::Cvss => row.cvss_score.unwrap_or(-1.0).to_string(),
            FindingSort::Id => row.id.to_string(),
        }
    }
}

/// The rank [`FindingSort::Severity`] orders by.
pub fn severity_rank(severity: &str) -> i64 {
    match severity {
        "Critical" => 5,
        "High" => 4,
        "Medium" => 3,
        "Low" => 2,
        "None" => 1,
        _ => 0,
    }
}

/// Where a page of findings ends: the last row's sort key and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageKey {
    /// The sort key's value, as text.
    pub key: String,
    /// The row id.
    pub id: i64,
}

/// One page of findings.
#[derive(Clone, Debug)]
pub struct FindingPage {
    /// The rows.
    pub items: Vec<FindingRow>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<PageKey>,
}

/// A WHERE clause being built, with its text binds in order.
struct Clauses {
    backend: Backend,
    clauses: Vec<String>,
    binds: Vec<String>,
}

impl Clauses {
    fn new(backend: Backend) -> Clauses {
        Clauses {
            backend,
            clauses: Vec::new(),
            binds: Vec::new(),
        }
    }

    /// Adds a bind and returns its placeholder.
    fn bind(&mut self, value: &str) -> String {
        self.binds.push(value.to_string());
        mark(self.backend, self.binds.len())
    }

    fn list(&mut self, values: &[String]) -> String {
        values
            .iter()
            .map(|v| self.bind(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn filter(&mut self, filter: &FindingFilter) {
        if let Some(p) = &filter.product {
            let m = self.bind(p);
            self.clauses.push(format!("p.name = {m}"));
        }
        if let Some(p) = &filter.project {
            let m = self.bind(p);
            self.clauses.push(format!("j.name = {m}"));
        }
        if let Some(ids) = &filter.product_ids {
            if ids.is_empty() {
                self.clauses.push("1 = 0".into());
            } else {
                // Ids are integers we hold, not input text: inlined.
                let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
                self.clauses
                    .push(format!("f.product_id IN ({})", list.join(", ")));
            }
        }
        if !filter.severities.is_empty() {
            let list = self.list(&filter.severities);
            self.clauses.push(format!("f.severity IN ({list})"));
        }
        if !filter.statuses.is_empty() {
            let list = self.list(&filter.statuses);
            let column = self.status_column();
            self.clauses.push(format!("{column} IN ({list})"));
        }
        if let Some(day) = &filter.overdue_on {
            let m = self.bind(day);
            let column = self.status_column();
            self.clauses.push(format!(
                "{column} IN ('open', 'triaged', 'patching') AND f.due < {m}"
            ));
        }
        if filter.kev {
            self.clauses.push("f.kev = 1".into());
        }
        if let Some(v) = &filter.vulnerability {
            // The ids column is a JSON array of strings: match the quoted id, with LIKE's
            // wildcards escaped (`x_NSWG-ECO-120` has an underscore).
            let mut escaped = String::new();
            for c in v.chars().filter(|c| *c != '"') {
                if matches!(c, '%' | '_' | '\\') {
                    escaped.push('\\');
                }
                escaped.push(c);
            }
            let m = self.bind(&format!("%\"{escaped}\"%"));
            self.clauses.push(format!("f.ids LIKE {m} ESCAPE '\\'"));
        }
    }

    /// The status column as filters use it. On SQLite the unary `+` keeps the planner off
    /// the status index: a page walks the index of its sort key and stops after `limit`
    /// rows, where the status index would make it sort every active finding first.
    fn status_column(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "+f.status",
            Backend::Postgres => "f.status",
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// A component of an artifact, with its row id.
#[derive(Clone, Debug)]
pub struct StoredComponent {
    /// Row id in `components`.
    pub id: i64,
    /// The component (location empty: an artifact gives it).
    pub component: Component,
}

/// Where a component sits in one artifact.
#[derive(Clone, Debug)]
pub struct Membership {
    /// The artifact.
    pub artifact_id: i64,
    /// The component's row id.
    pub component_id: i64,
    /// Where it was found.
    pub location: Location,
    /// Direct dependency, when known.
    pub direct: Option<bool>,
    /// Scope.
    pub scope: Scope,
}

const FINDING_COLUMNS: &str = "f.id, f.product_id, p.name, f.project_id, j.name, f.ecosystem, f.package, \
     f.vulnerability_id, f.ids, f.versions, f.purl, f.path, f.summary, f.severity, f.cvss_vector, \
     f.cvss_score, f.fixed_versions, f.kev, f.epss, f.published, f.first_seen, f.last_seen, \
     f.first_artifact_id, f.last_artifact_id, f.due, f.sla_days, f.status, f.status_reason, \
     f.closed_by_system, f.accepted_by, f.accepted_until, f.fixed_at, f.fixed_artifact_id, \
     f.verified_at, f.verified_deployment_id, f.updated_at";
const FINDING_FROM: &str =
    "FROM findings f JOIN products p ON p.id = f.product_id JOIN projects j ON j.id = f.project_id";

const ARTIFACT_COLUMNS: &str = "a.id, a.project_id, j.name, j.product_id, p.name, a.ref, a.kind, a.target, \
     a.recorded_at, a.built_at, a.image_name, a.components, \
     (SELECT COUNT(*) FROM artifact_findings af WHERE af.artifact_id = a.id), a.policy";
const ARTIFACT_FROM: &str = "FROM artifacts a JOIN projects j ON j.id = a.project_id JOIN products p ON p.id = j.product_id";

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn list_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// A nullable float as text, for `CAST($n AS DOUBLE PRECISION)`. sqlx 0.9's `Any` driver
/// declares a NULL `f64` as PostgreSQL `float4`, so a cached statement first run with a NULL
/// score rejects a real one later ("incorrect binary data format"); text is declared the same
/// way whatever the value. Rust prints the shortest text that reads back to the same f64.
fn float_text(v: Option<f64>) -> Option<String> {
    v.filter(|x| x.is_finite()).map(|x| x.to_string())
}

/// A statement of the `Any` driver.
type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds a finding's columns from `vulnerability_id` to `updated_at`, in table order: the
/// shared tail of the insert and the update.
fn bind_finding<'q>(query: AnyQuery<'q>, f: &'q FindingRow) -> AnyQuery<'q> {
    query
        .bind(f.vulnerability_id.as_str())
        .bind(list_json(&f.ids))
        .bind(list_json(&f.versions))
        .bind(f.purl.as_deref())
        .bind(f.path.as_deref())
        .bind(f.summary.as_deref())
        .bind(f.severity.as_str())
        .bind(f.cvss_vector.as_deref())
        .bind(float_text(f.cvss_score))
        .bind(list_json(&f.fixed_versions))
        .bind(i64::from(f.kev))
        .bind(float_text(f.epss))
        .bind(f.published.as_deref())
        .bind(f.first_seen.as_str())
        .bind(f.last_seen.as_str())
        .bind(f.first_artifact_id)
        .bind(f.last_artifact_id)
        .bind(f.due.as_str())
        .bind(f.sla_days)
        .bind(f.status.as_str())
        .bind(f.status_reason.as_deref())
        .bind(i64::from(f.closed_by_system))
        .bind(f.accepted_by.as_deref())
        .bind(f.accepted_until.as_deref())
        .bind(f.fixed_at.as_deref())
        .bind(f.fixed_artifact_id)
        .bind(f.verified_at.as_deref())
        .bind(f.verified_deployment_id)
        .bind(f.updated_at.as_str())
}

fn finding_from(row: &AnyRow) -> Result<FindingRow, StoreError> {
    Ok(FindingRow {
        id: row.try_get(0)?,
        product_id: row.try_get(1)?,
        product: row.try_get(2)?,
        project_id: row.try_get(3)?,
        project: row.try_get(4)?,
        ecosystem: row.try_get(5)?,
        package: row.try_get(6)?,
        vulnerability_id: row.try_get(7)?,
        ids: json_list(&row.try_get::<String, _>(8)?),
        versions: json_list(&row.try_get::<String, _>(9)?),
        purl: row.try_get(10)?,
        path: row.try_get(11)?,
        summary: row.try_get(12)?,
        severity: row.try_get(13)?,
        cvss_vector: row.try_get(14)?,
        cvss_score: row.try_get(15)?,
        fixed_versions: json_list(&row.try_get::<String, _>(16)?),
        kev: row.try_get::<i64, _>(17)? != 0,
        epss: row.try_get(18)?,
        published: row.try_get(19)?,
        first_seen: row.try_get(20)?,
        last_seen: row.try_get(21)?,
        first_artifact_id: row.try_get(22)?,
        last_artifact_id: row.try_get(23)?,
        due: row.try_get(24)?,
        sla_days: row.try_get(25)?,
        status: row.try_get(26)?,
        status_reason: row.try_get(27)?,
        closed_by_system: row.try_get::<i64, _>(28)? != 0,
        accepted_by: row.try_get(29)?,
        accepted_until: row.try_get(30)?,
        fixed_at: row.try_get(31)?,
        fixed_artifact_id: row.try_get(32)?,
        verified_at: row.try_get(33)?,
        verified_deployment_id: row.try_get(34)?,
        updated_at: row.try_get(35)?,
    })
}

fn artifact_from(row: &AnyRow) -> Result<Artifact, StoreError> {
    Ok(Artifact {
        id: row.try_get(0)?,
        project_id: row.try_get(1)?,
        project: row.try_get(2)?,
        product_id: row.try_get(3)?,
        product: row.try_get(4)?,
        reference: row.try_get(5)?,
        kind: row.try_get(6)?,
        target: row.try_get(7)?,
        recorded_at: row.try_get(8)?,
        built_at: row.try_get(9)?,
        image_name: row.try_get(10)?,
        components: row.try_get(11)?,
        findings: row.try_get(12)?,
        policy: row.try_get(13)?,
    })
}

fn product_from(row: &AnyRow) -> Result<Product, StoreError> {
    Ok(Product {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        description: row.try_get(2)?,
        policy: row.try_get(3)?,
        created_at: row.try_get(4)?,
    })
}

fn project_from(row: &AnyRow) -> Result<Project, StoreError> {
    Ok(Project {
        id: row.try_get(0)?,
        product_id: row.try_get(1)?,
        product: row.try_get(2)?,
        name: row.try_get(3)?,
        created_at: row.try_get(4)?,
    })
}

fn deployment_from(row: &AnyRow) -> Result<Deployment, StoreError> {
    Ok(Deployment {
        id: row.try_get(0)?,
        artifact_id: row.try_get(1)?,
        environment: row.try_get(2)?,
        environment_kind: row.try_get(3)?,
        deployed_at: row.try_get(4)?,
        backup_confirmed: row.try_get::<i64, _>(5)? != 0,
        maintenance_window: row.try_get(6)?,
        actor: row.try_get(7)?,
    })
}

fn exception_from(row: &AnyRow) -> Result<StoredException, StoreError> {
    Ok(StoredException {
        id: row.try_get(0)?,
        product: row.try_get(1)?,
        project: row.try_get(2)?,
        vulnerability: row.try_get(3)?,
        ecosystem: row.try_get(4)?,
        package: row.try_get(5)?,
        purl: row.try_get(6)?,
        reason: row.try_get(7)?,
        approved_by: row.try_get(8)?,
        expires: row.try_get(9)?,
        created_at: row.try_get(10)?,
        created_by: row.try_get(11)?,
    })
}

fn patch_from(row: &AnyRow) -> Result<Patch, StoreError> {
    Ok(Patch {
        id: row.try_get(0)?,
        finding_id: row.try_get(1)?,
        planned_version: row.try_get(2)?,
        pull_request: row.try_get(3)?,
        state: row.try_get(4)?,
        created_at: row.try_get(5)?,
        updated_at: row.try_get(6)?,
        actor: row.try_get(7)?,
    })
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Required => "required",
        Scope::Dev => "dev",
        Scope::Optional => "optional",
    }
}

fn scope_from(name: &str) -> Scope {
    match name {
        "dev" => Scope::Dev,
        "optional" => Scope::Optional,
        _ => Scope::Required,
    }
}

/// `$n` numbered from `start` on PostgreSQL, `?` on SQLite, `count` of them joined by commas.
fn marks(backend: Backend, start: usize, count: usize) -> String {
    (0..count)
        .map(|i| match backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${}", start + i),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholder number `n` for the backend.
fn mark(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// The id of the latest artifact of every project.
const LATEST_ARTIFACTS: &str = "SELECT MAX(id) FROM artifacts GROUP BY project_id";

impl Store {
    /// Starts a write transaction acting as `actor` at `at` (RFC 3339).
    pub async fn write(&self, actor: &str, at: &str) -> Result<Write, StoreError> {
        let tx = self.begin_write().await?;
        Ok(Write {
            tx,
            backend: self.backend,
            actor: actor.to_string(),
            at: at.to_string(),
        })
    }

    /// Every product, by name.
    pub async fn products(&self) -> Result<Vec<Product>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, description, policy, created_at FROM products ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(product_from).collect()
    }

    /// The product named `name`.
    pub async fn product(&self, name: &str) -> Result<Option<Product>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, description, policy, created_at FROM products WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(product_from).transpose()
    }

    /// The projects, of one product or all, by product and name.
    pub async fn projects(&self, product: Option<&str>) -> Result<Vec<Project>, StoreError> {
        let rows = sqlx::query(
            "SELECT j.id, j.product_id, p.name, j.name, j.created_at
             FROM projects j JOIN products p ON p.id = j.product_id
             WHERE ($1 IS NULL OR p.name = $1) ORDER BY p.name, j.name",
        )
        .bind(product)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(project_from).collect()
    }

    /// The project `name` of product `product`.
    pub async fn project(&self, product: &str, name: &str) -> Result<Option<Project>, StoreError> {
        let row = sqlx::query(
            "SELECT j.id, j.product_id, p.name, j.name, j.created_at
             FROM projects j JOIN products p ON p.id = j.product_id
             WHERE p.name = $1 AND j.name = $2",
        )
        .bind(product)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(project_from).transpose()
    }

    /// Artifacts, newest first, optionally of one product and project.
    pub async fn artifacts(
        &self,
        product: Option<&str>,
        project: Option<&str>,
    ) -> Result<Vec<Artifact>, StoreError> {
        let sql = format!(
            "SELECT {ARTIFACT_COLUMNS} {ARTIFACT_FROM}
             WHERE ($1 IS NULL OR p.name = $1) AND ($2 IS NULL OR j.name = $2)
             ORDER BY a.id DESC"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(product)
            .bind(project)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(artifact_from).collect()
    }

    /// One artifact.
    pub async fn artifact(&self, id: i64) -> Result<Option<Artifact>, StoreError> {
        let sql = format!("SELECT {ARTIFACT_COLUMNS} {ARTIFACT_FROM} WHERE a.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(artifact_from).transpose()
    }

    /// The latest artifact of every project, by project id.
    pub async fn latest_artifacts(&self) -> Result<Vec<Artifact>, StoreError> {
        let sql = format!(
            "SELECT {ARTIFACT_COLUMNS} {ARTIFACT_FROM} WHERE a.id IN ({LATEST_ARTIFACTS})
             ORDER BY a.project_id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(artifact_from).collect()
    }

    /// Every project with its number of recorded artifacts and when the latest was recorded,
    /// by product and project name; one grouped query.
    pub async fn project_activity(&self) -> Result<Vec<ProjectActivity>, StoreError> {
        let rows = sqlx::query(
            "SELECT j.id, p.name, j.name, COUNT(a.id), MAX(a.recorded_at)
             FROM projects j JOIN products p ON p.id = j.product_id
             LEFT JOIN artifacts a ON a.project_id = j.id
             GROUP BY j.id, p.name, j.name ORDER BY p.name, j.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProjectActivity {
                    project_id: r.try_get(0)?,
                    product: r.try_get(1)?,
                    project: r.try_get(2)?,
                    artifacts: r.try_get(3)?,
                    last_recorded_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The ids of the findings that have at least one patch record, ascending.
    pub async fn patched_finding_ids(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT finding_id FROM patches ORDER BY finding_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
    }

    /// Every distinct component of the latest artifacts (location left empty).
    pub async fn latest_components(&self) -> Result<Vec<StoredComponent>, StoreError> {
        let sql = format!(
            "SELECT id, ecosystem, name, version, source_name, source_version FROM components
             WHERE id IN (SELECT component_id FROM artifact_components
                          WHERE artifact_id IN ({LATEST_ARTIFACTS}))"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let ecosystem: String = row.try_get(1)?;
            let source_name: String = row.try_get(4)?;
            let source_version: String = row.try_get(5)?;
            let mut component = Component::new(
                Ecosystem::parse(&ecosystem),
                row.try_get::<String, _>(2)?,
                row.try_get::<String, _>(3)?,
                Location::file(""),
            );
            if !source_name.is_empty() {
                component.source_package = Some(SourcePackage {
                    name: source_name,
                    version: source_version,
                });
            }
            out.push(StoredComponent {
                id: row.try_get(0)?,
                component,
            });
        }
        Ok(out)
    }

    /// Where the components `component_ids` sit in the latest artifacts.
    pub async fn latest_memberships(
        &self,
        component_ids: &[i64],
    ) -> Result<Vec<Membership>, StoreError> {
        let mut out = Vec::new();
        for chunk in component_ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT artifact_id, component_id, path, line, layer, direct, scope
                 FROM artifact_components
                 WHERE component_id IN ({}) AND artifact_id IN ({LATEST_ARTIFACTS})",
                marks(self.backend, 1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&self.pool).await? {
                out.push(membership_from(&row)?);
            }
        }
        Ok(out)
    }

    /// The components of one artifact, with their locations.
    pub async fn artifact_components(
        &self,
        artifact_id: i64,
    ) -> Result<Vec<Component>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.ecosystem, c.name, c.version, c.source_name, c.source_version,
                    ac.path, ac.line, ac.layer, ac.direct, ac.scope
             FROM artifact_components ac JOIN components c ON c.id = ac.component_id
             WHERE ac.artifact_id = $1 ORDER BY c.ecosystem, c.name, c.version, ac.path",
        )
        .bind(artifact_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut location = Location::at(
                row.try_get::<String, _>(5)?,
                row.try_get::<Option<i64>, _>(6)?
                    .and_then(|l| u32::try_from(l).ok()),
            );
            location.layer = row.try_get(7)?;
            let mut c = Component::new(
                Ecosystem::parse(&row.try_get::<String, _>(0)?),
                row.try_get::<String, _>(1)?,
                row.try_get::<String, _>(2)?,
                location,
            );
            let source_name: String = row.try_get(3)?;
            if !source_name.is_empty() {
                c.source_package = Some(SourcePackage {
                    name: source_name,
                    version: row.try_get(4)?,
                });
            }
            c.direct = row.try_get::<Option<i64>, _>(8)?.map(|d| d != 0);
            c.scope = scope_from(&row.try_get::<String, _>(9)?);
            out.push(c);
        }
        Ok(out)
    }

    /// Findings matching `filter`, most urgent first (due date, then id).
    pub async fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, StoreError> {
        let mut w = Clauses::new(self.backend);
        w.filter(filter);
        let sql = format!(
            "SELECT {FINDING_COLUMNS} {FINDING_FROM} {}
             ORDER BY f.due, f.id",
            w.sql()
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in &w.binds {
            q = q.bind(v.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(finding_from).collect()
    }

    /// One page of the findings matching `filter`, in `sort` order with the row id breaking
    /// ties, starting after `after` (the previous page's [`FindingPage::next`]). Keyset
    /// pagination: a page costs the same wherever it is, and rows written between two calls
    /// neither repeat nor vanish from the pages not yet read.
    pub async fn findings_page(
        &self,
        filter: &FindingFilter,
        sort: FindingSort,
        descending: bool,
        after: Option<&PageKey>,
        limit: usize,
    ) -> Result<FindingPage, StoreError> {
        let mut w = Clauses::new(self.backend);
        w.filter(filter);
        let key = sort.expression();
        let (cmp, dir) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some(after) = after {
            // A row value, so the planner can seek in the (key, id) index; SQLite seeks on a
            // row value of plain columns only, so the key's own bound comes first for the
            // expression sorts (severity, EPSS, CVSS).
            let cast = sort.cast();
            let k = w.bind(&after.key);
            let a = w.bind(&after.key);
            let id = w.bind(&after.id.to_string());
            w.clauses.push(format!(
                "{key} {cmp}= CAST({k} AS {cast}) AND ({key}, f.id) {cmp} (CAST({a} AS {cast}), CAST({id} AS BIGINT))"
            ));
        }
        let limit = limit.clamp(1, 1000);
        let sql = format!(
            "SELECT {FINDING_COLUMNS} {FINDING_FROM} {}
             ORDER BY {key} {dir}, f.id {dir} LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in &w.binds {
            q = q.bind(v.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(finding_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| PageKey {
                key: sort.key_of(last),
                id: last.id,
            })
        } else {
            None
        };
        Ok(FindingPage { items, next })
    }

    /// What the portfolio figures need of the findings matching `filter`, grouped: each item
    /// is the facts shared by `count` findings (severity, status, KEV, and the days of first
    /// seen, due, fixed, verified and last change). A lean read for the overview, which covers
    /// every finding a viewer may read; findings recorded by the same scans share most facts,
    /// so 100,000 findings come back as far fewer rows.
    pub async fn finding_facts(
        &self,
        filter: &FindingFilter,
    ) -> Result<Vec<(patchwarden_metrics::FindingFacts, u64)>, StoreError> {
        let mut w = Clauses::new(self.backend);
        w.filter(filter);
        let sql = format!(
            "SELECT f.severity, f.status, f.kev, SUBSTR(f.first_seen, 1, 10), SUBSTR(f.due, 1, 10), \
             SUBSTR(f.fixed_at, 1, 10), SUBSTR(f.verified_at, 1, 10), SUBSTR(f.updated_at, 1, 10), \
             COUNT(*) {FINDING_FROM} {} \
             GROUP BY f.severity, f.status, f.kev, SUBSTR(f.first_seen, 1, 10), SUBSTR(f.due, 1, 10), \
             SUBSTR(f.fixed_at, 1, 10), SUBSTR(f.verified_at, 1, 10), SUBSTR(f.updated_at, 1, 10)",
            w.sql()
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for v in &w.binds {
            q = q.bind(v.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    patchwarden_metrics::FindingFacts {
                        severity: r.try_get(0)?,
                        status: r.try_get(1)?,
                        kev: r.try_get::<i64, _>(2)? != 0,
                        first_seen: r.try_get(3)?,
                        due: r.try_get(4)?,
                        fixed_at: r.try_get(5)?,
                        verified_at: r.try_get(6)?,
                        updated_at: r.try_get(7)?,
                    },
                    u64::try_from(r.try_get::<i64, _>(8)?).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// The findings an artifact had when it was recorded (or last re-evaluated).
    pub async fn artifact_findings(&self, artifact_id: i64) -> Result<Vec<FindingRow>, StoreError> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS} {FINDING_FROM}
             WHERE f.id IN (SELECT finding_id FROM artifact_findings WHERE artifact_id = $1)
             ORDER BY f.due, f.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(artifact_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(finding_from).collect()
    }

    /// One finding.
    pub async fn finding(&self, id: i64) -> Result<Option<FindingRow>, StoreError> {
        let sql = format!("SELECT {FINDING_COLUMNS} {FINDING_FROM} WHERE f.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(finding_from).transpose()
    }

    /// The ids of every withdrawn advisory.
    pub async fn withdrawn_advisories(&self) -> Result<Vec<String>, StoreError> {
        withdrawn_advisories(&self.pool).await
    }

    /// Counts of artifacts and findings (for tests and status lines).
    pub async fn portfolio_counts(&self) -> Result<(i64, i64), StoreError> {
        let row =
            sqlx::query("SELECT (SELECT COUNT(*) FROM artifacts), (SELECT COUNT(*) FROM findings)")
                .fetch_one(&self.pool)
                .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Every environment, by name.
    pub async fn environments(&self) -> Result<Vec<Environment>, StoreError> {
        let rows = sqlx::query("SELECT id, name, kind, created_at FROM environments ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Environment {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Deployments of one artifact, or every deployment, newest first.
    pub async fn deployments(
        &self,
        artifact_id: Option<i64>,
    ) -> Result<Vec<Deployment>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.id, d.artifact_id, e.name, e.kind, d.deployed_at, d.backup_confirmed,
                    d.maintenance_window, d.actor
             FROM deployments d JOIN environments e ON e.id = d.environment_id
             WHERE ($1 IS NULL OR d.artifact_id = $1) ORDER BY d.id DESC",
        )
        .bind(artifact_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(deployment_from).collect()
    }

    /// The exceptions of a product (those of its projects included), or every one.
    pub async fn exceptions(
        &self,
        product: Option<&str>,
    ) -> Result<Vec<StoredException>, StoreError> {
        let rows = sqlx::query(
            "SELECT x.id, p.name, j.name, x.vulnerability, x.ecosystem, x.package, x.purl,
                    x.reason, x.approved_by, x.expires, x.created_at, x.created_by
             FROM exceptions x JOIN products p ON p.id = x.product_id
             LEFT JOIN projects j ON j.id = x.project_id
             WHERE ($1 IS NULL OR p.name = $1) ORDER BY p.name, x.id",
        )
        .bind(product)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exception_from).collect()
    }

    /// The exceptions that apply to a project: its product's and its own.
    pub async fn exceptions_for_project(
        &self,
        project_id: i64,
    ) -> Result<Vec<StoredException>, StoreError> {
        exceptions_for_project(&self.pool, project_id).await
    }

    /// A finding's patch records, oldest first.
    pub async fn patches(&self, finding_id: i64) -> Result<Vec<Patch>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, finding_id, planned_version, pull_request, state, created_at, updated_at, actor
             FROM patches WHERE finding_id = $1 ORDER BY id",
        )
        .bind(finding_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(patch_from).collect()
    }

    /// Audit entries, oldest first: of one entity, or of everything.
    pub async fn audit_log(
        &self,
        entity: Option<(&str, i64)>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let (kind, id) = match entity {
            Some((k, i)) => (Some(k), Some(i)),
            None => (None, None),
        };
        let rows = sqlx::query(
            "SELECT id, at, actor, action, entity, entity_id, product_id, before, after
             FROM audit_log WHERE ($1 IS NULL OR (entity = $1 AND entity_id = $2)) ORDER BY id",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let parse = |v: Option<String>| v.and_then(|t| serde_json::from_str(&t).ok());
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    entity: r.try_get(4)?,
                    entity_id: r.try_get(5)?,
                    product_id: r.try_get(6)?,
                    before: parse(r.try_get(7)?),
                    after: parse(r.try_get(8)?),
                })
            })
            .collect()
    }
}

async fn exceptions_for_project<'e, E: sqlx::Executor<'e, Database = Any>>(
    executor: E,
    project_id: i64,
) -> Result<Vec<StoredException>, StoreError> {
    let rows = sqlx::query(
        "SELECT x.id, p.name, j.name, x.vulnerability, x.ecosystem, x.package, x.purl,
                x.reason, x.approved_by, x.expires, x.created_at, x.created_by
         FROM exceptions x JOIN products p ON p.id = x.product_id
         LEFT JOIN projects j ON j.id = x.project_id
         WHERE x.product_id = (SELECT product_id FROM projects WHERE id = $1)
           AND (x.project_id IS NULL OR x.project_id = $1)
         ORDER BY x.id",
    )
    .bind(project_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(exception_from).collect()
}

async fn withdrawn_advisories<'e, E: sqlx::Executor<'e, Database = Any>>(
    executor: E,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT id FROM advisories WHERE withdrawn IS NOT NULL")
        .fetch_all(executor)
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
}

fn membership_from(row: &AnyRow) -> Result<Membership, StoreError> {
    let mut location = Location::at(
        row.try_get::<String, _>(2)?,
        row.try_get::<Option<i64>, _>(3)?
            .and_then(|l| u32::try_from(l).ok()),
    );
    location.layer = row.try_get(4)?;
    Ok(Membership {
        artifact_id: row.try_get(0)?,
        component_id: row.try_get(1)?,
        location,
        direct: row.try_get::<Option<i64>, _>(5)?.map(|d| d != 0),
        scope: scope_from(&row.try_get::<String, _>(6)?),
    })
}

/// One write transaction with its actor and time. Dropping it without [`Write::commit`]
/// rolls everything back.
pub struct Write {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    pub(crate) actor: String,
    pub(crate) at: String,
}

impl Write {
    /// Who acts.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// When, RFC 3339.
    pub fn at(&self) -> &str {
        &self.at
    }

    /// Commits every change and its audit entries.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }

    /// Appends an audit entry.
    pub async fn audit(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: i64,
        product_id: Option<i64>,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, product_id, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.at.as_str())
        .bind(self.actor.as_str())
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(product_id)
        .bind(before.map(|v| v.to_string()))
        .bind(after.map(|v| v.to_string()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// The product named `name`, created (and audited) when missing; `true` when created.
    pub async fn ensure_product(&mut self, name: &str) -> Result<(Product, bool), StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO products (name, description, policy, created_at) VALUES ($1, '', NULL, $2)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(self.at.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected()
            > 0;
        let product = self.product(name).await?.ok_or_else(|| {
            StoreError::NotFound(format!("product {name} vanished while being created"))
        })?;
        if inserted {
            self.audit(
                "product.created",
                "product",
                product.id,
                Some(product.id),
                None,
                Some(&serde_json::json!({"name": name})),
            )
            .await?;
        }
        Ok((product, inserted))
    }

    /// Creates a product; an error when the name is taken.
    pub async fn create_product(
        &mut self,
        name: &str,
        description: &str,
        policy: Option<&str>,
    ) -> Result<Product, StoreError> {
        let (_, created) = self.ensure_product(name).await?;
        if !created {
            return Err(StoreError::Conflict(format!(
                "product {name} exists already"
            )));
        }
        sqlx::query("UPDATE products SET description = $1, policy = $2 WHERE name = $3")
            .bind(description)
            .bind(policy)
            .bind(name)
            .execute(&mut *self.tx)
            .await?;
        let product = self
            .product(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("product {name}")))?;
        if !description.is_empty() || policy.is_some() {
            self.audit(
                "product.updated",
                "product",
                product.id,
                Some(product.id),
                None,
                Some(&serde_json::json!({"description": description, "policy": policy})),
            )
            .await?;
        }
        Ok(product)
    }

    /// Sets (or with `None` removes) a product's policy.
    pub async fn set_product_policy(
        &mut self,
        product: &Product,
        policy: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE products SET policy = $1 WHERE id = $2")
            .bind(policy)
            .bind(product.id)
            .execute(&mut *self.tx)
            .await?;
        self.audit(
            "product.policy_set",
            "product",
            product.id,
            Some(product.id),
            Some(&serde_json::json!({"policy": product.policy})),
            Some(&serde_json::json!({"policy": policy})),
        )
        .await
    }

    async fn product(&mut self, name: &str) -> Result<Option<Product>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, description, policy, created_at FROM products WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(product_from).transpose()
    }

    /// Makes other writers of this product wait until this transaction ends (PostgreSQL;
    /// SQLite has one writer at a time already).
    pub async fn lock_product(&mut self, product_id: i64) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM products WHERE id = $1 FOR UPDATE")
                .bind(product_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// The project `name` of `product`, created (and audited) when missing.
    pub async fn ensure_project(
        &mut self,
        product: &Product,
        name: &str,
    ) -> Result<(Project, bool), StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO projects (product_id, name, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (product_id, name) DO NOTHING",
        )
        .bind(product.id)
        .bind(name)
        .bind(self.at.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected()
            > 0;
        let row = sqlx::query(
            "SELECT j.id, j.product_id, p.name, j.name, j.created_at
             FROM projects j JOIN products p ON p.id = j.product_id
             WHERE j.product_id = $1 AND j.name = $2",
        )
        .bind(product.id)
        .bind(name)
        .fetch_one(&mut *self.tx)
        .await?;
        let project = project_from(&row)?;
        if inserted {
            self.audit(
                "project.created",
                "project",
                project.id,
                Some(product.id),
                None,
                Some(&serde_json::json!({"product": product.name, "name": name})),
            )
            .await?;
        }
        Ok((project, inserted))
    }

    /// The id of the project's latest artifact.
    pub async fn latest_artifact_id(&mut self, project_id: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(id) FROM artifacts WHERE project_id = $1")
            .bind(project_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Records an artifact and its components; audited.
    pub async fn insert_artifact(
        &mut self,
        artifact: &NewArtifact<'_>,
        product_id: i64,
        components: &[Component],
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO artifacts (project_id, ref, kind, target, recorded_at, built_at, image_name,
                                    components, policy, scan_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(artifact.project_id)
        .bind(artifact.reference)
        .bind(artifact.kind)
        .bind(artifact.target)
        .bind(self.at.as_str())
        .bind(artifact.built_at)
        .bind(artifact.image_name)
        .bind(artifact.components)
        .bind(artifact.policy)
        .bind(artifact.scan_id)
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        self.insert_components(id, components).await?;
        self.audit(
            "artifact.recorded",
            "artifact",
            id,
            Some(product_id),
            None,
            Some(&serde_json::json!({
                "project_id": artifact.project_id,
                "ref": artifact.reference,
                "kind": artifact.kind,
                "target": artifact.target,
                "components": artifact.components,
            })),
        )
        .await?;
        Ok(id)
    }

    async fn insert_components(
        &mut self,
        artifact_id: i64,
        components: &[Component],
    ) -> Result<(), StoreError> {
        // Each distinct package version once, then the artifact's rows pointing at them.
        let mut keys: Vec<(String, &str, &str, &str, &str)> = components
            .iter()
            .map(|c| {
                let (sn, sv) = c
                    .source_package
                    .as_ref()
                    .map_or(("", ""), |s| (s.name.as_str(), s.version.as_str()));
                (
                    c.ecosystem.to_string(),
                    c.name.as_str(),
                    c.version.as_str(),
                    sn,
                    sv,
                )
            })
            .collect();
        keys.sort();
        keys.dedup();
        let mut ids: HashMap<(String, String, String, String, String), i64> = HashMap::new();
        for chunk in keys.chunks(CHUNK / 5) {
            let sql = format!(
                "INSERT INTO components (ecosystem, name, version, source_name, source_version)
                 VALUES {} ON CONFLICT DO NOTHING",
                crate::placeholders(self.backend, chunk.len(), 5)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (e, n, v, sn, sv) in chunk {
                q = q.bind(e.as_str()).bind(*n).bind(*v).bind(*sn).bind(*sv);
            }
            q.execute(&mut *self.tx).await?;
            let where_sql: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 5;
                    format!(
                        "(ecosystem = {} AND name = {} AND version = {} AND source_name = {} AND source_version = {})",
                        mark(self.backend, b + 1),
                        mark(self.backend, b + 2),
                        mark(self.backend, b + 3),
                        mark(self.backend, b + 4),
                        mark(self.backend, b + 5)
                    )
                })
                .collect();
            let sql = format!(
                "SELECT id, ecosystem, name, version, source_name, source_version FROM components WHERE {}",
                where_sql.join(" OR ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (e, n, v, sn, sv) in chunk {
                q = q.bind(e.as_str()).bind(*n).bind(*v).bind(*sn).bind(*sv);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                ids.insert(
                    (
                        row.try_get(1)?,
                        row.try_get(2)?,
                        row.try_get(3)?,
                        row.try_get(4)?,
                        row.try_get(5)?,
                    ),
                    row.try_get(0)?,
                );
            }
        }
        let mut rows: Vec<(i64, &Component)> = Vec::with_capacity(components.len());
        let mut seen = std::collections::HashSet::new();
        for c in components {
            let (sn, sv) = c
                .source_package
                .as_ref()
                .map_or((String::new(), String::new()), |s| {
                    (s.name.clone(), s.version.clone())
                });
            let key = (
                c.ecosystem.to_string(),
                c.name.clone(),
                c.version.clone(),
                sn,
                sv,
            );
            let Some(id) = ids.get(&key) else {
                return Err(StoreError::NotFound(format!(
                    "component {} {} was not stored",
                    c.name, c.version
                )));
            };
            if seen.insert((*id, c.source.path.as_str())) {
                rows.push((*id, c));
            }
        }
        for chunk in rows.chunks(CHUNK / 7) {
            let sql = format!(
                "INSERT INTO artifact_components (artifact_id, component_id, path, line, layer, direct, scope)
                 VALUES {}",
                crate::placeholders(self.backend, chunk.len(), 7)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, c) in chunk {
                q = q
                    .bind(artifact_id)
                    .bind(*id)
                    .bind(c.source.path.as_str())
                    .bind(c.source.line.map(i64::from))
                    .bind(c.source.layer.as_deref())
                    .bind(c.direct.map(i64::from))
                    .bind(scope_name(c.scope));
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Keeps the scan document in the scan history; returns its id.
    pub async fn record_scan(
        &mut self,
        target: &str,
        components: i64,
        findings: i64,
        result: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO scans (target, scanned_at, components, findings, result)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(target)
        .bind(self.at.as_str())
        .bind(components)
        .bind(findings)
        .bind(result)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// When the project first recorded an artifact with this reference (an image digest seen
    /// before was built no later than that).
    pub async fn first_recorded(
        &mut self,
        project_id: i64,
        reference: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT MIN(recorded_at) FROM artifacts WHERE project_id = $1 AND ref = $2",
        )
        .bind(project_id)
        .bind(reference)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The exceptions that apply to a project, read inside the transaction.
    pub async fn exceptions_for_project(
        &mut self,
        project_id: i64,
    ) -> Result<Vec<StoredException>, StoreError> {
        exceptions_for_project(&mut *self.tx, project_id).await
    }

    /// The ids of every withdrawn advisory, read inside the transaction.
    pub async fn withdrawn_advisories(&mut self) -> Result<Vec<String>, StoreError> {
        withdrawn_advisories(&mut *self.tx).await
    }

    /// Every finding of a project.
    pub async fn project_findings(
        &mut self,
        project_id: i64,
    ) -> Result<Vec<FindingRow>, StoreError> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS} {FINDING_FROM} WHERE f.project_id = $1 ORDER BY f.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(project_id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(finding_from).collect()
    }

    /// The earliest first-seen of the product's findings of `package` whose ids share one
    /// with `ids` (the same vulnerability, in any project, under any of its names).
    pub async fn product_first_seen(
        &mut self,
        product_id: i64,
        ecosystem: &str,
        package: &str,
        ids: &[String],
    ) -> Result<Option<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT first_seen, ids FROM findings
             WHERE product_id = $1 AND ecosystem = $2 AND package = $3",
        )
        .bind(product_id)
        .bind(ecosystem)
        .bind(package)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut best: Option<String> = None;
        for row in rows {
            let theirs = json_list(&row.try_get::<String, _>(1)?);
            if theirs.iter().any(|t| ids.contains(t)) {
                let seen: String = row.try_get(0)?;
                if best.as_ref().is_none_or(|b| seen < *b) {
                    best = Some(seen);
                }
            }
        }
        Ok(best)
    }

    /// Stores a new finding; returns its id. The caller audits it.
    pub async fn insert_finding(&mut self, f: &FindingRow) -> Result<i64, StoreError> {
        let query = sqlx::query(
            "INSERT INTO findings (product_id, project_id, ecosystem, package, vulnerability_id, ids,
                versions, purl, path, summary, severity, cvss_vector, cvss_score, fixed_versions, kev,
                epss, published, first_seen, last_seen, first_artifact_id, last_artifact_id, due,
                sla_days, status, status_reason, closed_by_system, accepted_by, accepted_until,
                fixed_at, fixed_artifact_id, verified_at, verified_deployment_id, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CAST($13 AS DOUBLE PRECISION),
                $14, $15, CAST($16 AS DOUBLE PRECISION), $17, $18,
                $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)
             RETURNING id",
        )
        .bind(f.product_id)
        .bind(f.project_id)
        .bind(f.ecosystem.as_str())
        .bind(f.package.as_str());
        let row = bind_finding(query, f).fetch_one(&mut *self.tx).await?;
        Ok(row.try_get(0)?)
    }

    /// Writes every changeable column of a stored finding. The caller audits it.
    pub async fn update_finding(&mut self, f: &FindingRow) -> Result<(), StoreError> {
        let query = sqlx::query(
            "UPDATE findings SET vulnerability_id = $1, ids = $2, versions = $3, purl = $4, path = $5,
                summary = $6, severity = $7, cvss_vector = $8,
                cvss_score = CAST($9 AS DOUBLE PRECISION), fixed_versions = $10,
                kev = $11, epss = CAST($12 AS DOUBLE PRECISION), published = $13, first_seen = $14, last_seen = $15,
                first_artifact_id = $16, last_artifact_id = $17, due = $18, sla_days = $19,
                status = $20, status_reason = $21, closed_by_system = $22, accepted_by = $23,
                accepted_until = $24, fixed_at = $25, fixed_artifact_id = $26, verified_at = $27,
                verified_deployment_id = $28, updated_at = $29
             WHERE id = $30",
        );
        bind_finding(query, f)
            .bind(f.id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// One finding, read inside the transaction.
    pub async fn finding(&mut self, id: i64) -> Result<Option<FindingRow>, StoreError> {
        let sql = format!("SELECT {FINDING_COLUMNS} {FINDING_FROM} WHERE f.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(finding_from).transpose()
    }

    /// Replaces the findings an artifact has.
    pub async fn set_artifact_findings(
        &mut self,
        artifact_id: i64,
        finding_ids: &[i64],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM artifact_findings WHERE artifact_id = $1")
            .bind(artifact_id)
            .execute(&mut *self.tx)
            .await?;
        for chunk in finding_ids.chunks(CHUNK / 2) {
            let sql = format!(
                "INSERT INTO artifact_findings (artifact_id, finding_id) VALUES {}",
                crate::placeholders(self.backend, chunk.len(), 2)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(artifact_id).bind(*id);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// The ids of the findings an artifact has, ascending.
    pub async fn artifact_finding_ids(&mut self, artifact_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT finding_id FROM artifact_findings WHERE artifact_id = $1 ORDER BY finding_id",
        )
        .bind(artifact_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Whether an artifact had a finding.
    pub async fn artifact_has_finding(
        &mut self,
        artifact_id: i64,
        finding_id: i64,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM artifact_findings WHERE artifact_id = $1 AND finding_id = $2",
        )
        .bind(artifact_id)
        .bind(finding_id)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// Creates an environment; audited. `kind` is `test`, `production` or `custom`.
    pub async fn create_environment(
        &mut self,
        name: &str,
        kind: &str,
    ) -> Result<Environment, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO environments (name, kind, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(kind)
        .bind(self.at.as_str())
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "environment {name} exists already"
            )));
        }
        let env = self
            .environment(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("environment {name}")))?;
        self.audit(
            "environment.created",
            "environment",
            env.id,
            None,
            None,
            Some(&serde_json::json!({"name": name, "kind": kind})),
        )
        .await?;
        Ok(env)
    }

    /// The environment named `name`.
    pub async fn environment(&mut self, name: &str) -> Result<Option<Environment>, StoreError> {
        let row =
            sqlx::query("SELECT id, name, kind, created_at FROM environments WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|r| {
            Ok(Environment {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// Records a deployment; audited.
    pub async fn insert_deployment(
        &mut self,
        artifact: &Artifact,
        environment: &Environment,
        deployed_at: &str,
        backup_confirmed: bool,
        maintenance_window: Option<&str>,
    ) -> Result<Deployment, StoreError> {
        let row = sqlx::query(
            "INSERT INTO deployments (artifact_id, environment_id, deployed_at, backup_confirmed,
                                      maintenance_window, actor)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(artifact.id)
        .bind(environment.id)
        .bind(deployed_at)
        .bind(i64::from(backup_confirmed))
        .bind(maintenance_window)
        .bind(self.actor.as_str())
        .fetch_one(&mut *self.tx)
        .await?;
        let deployment = Deployment {
            id: row.try_get(0)?,
            artifact_id: artifact.id,
            environment: environment.name.clone(),
            environment_kind: environment.kind.clone(),
            deployed_at: deployed_at.to_string(),
            backup_confirmed,
            maintenance_window: maintenance_window.map(str::to_string),
            actor: self.actor.clone(),
        };
        self.audit(
            "deployment.recorded",
            "deployment",
            deployment.id,
            Some(artifact.product_id),
            None,
            Some(&serde_json::to_value(&deployment).unwrap_or(Value::Null)),
        )
        .await?;
        Ok(deployment)
    }

    /// Adds an exception; audited.
    pub async fn add_exception(&mut self, x: &NewException<'_>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO exceptions (product_id, project_id, vulnerability, ecosystem, package, purl,
                                     reason, approved_by, expires, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(x.product_id)
        .bind(x.project_id)
        .bind(x.vulnerability)
        .bind(x.ecosystem)
        .bind(x.package)
        .bind(x.purl)
        .bind(x.reason)
        .bind(x.approved_by)
        .bind(x.expires)
        .bind(self.at.as_str())
        .bind(self.actor.as_str())
        .fetch_one(&mut *self.tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        self.audit(
            "exception.created",
            "exception",
            id,
            Some(x.product_id),
            None,
            Some(&serde_json::json!({
                "project_id": x.project_id, "vulnerability": x.vulnerability,
                "ecosystem": x.ecosystem, "package": x.package, "purl": x.purl,
                "reason": x.reason, "approved_by": x.approved_by, "expires": x.expires,
            })),
        )
        .await?;
        Ok(id)
    }

    /// Adds a patch record to a finding, or updates its latest one; audited.
    pub async fn upsert_patch(
        &mut self,
        finding: &FindingRow,
        planned_version: Option<&str>,
        pull_request: Option<&str>,
        state: &str,
    ) -> Result<Patch, StoreError> {
        let latest = sqlx::query(
            "SELECT id, finding_id, planned_version, pull_request, state, created_at, updated_at, actor
             FROM patches WHERE finding_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(finding.id)
        .fetch_optional(&mut *self.tx)
        .await?
        .as_ref()
        .map(patch_from)
        .transpose()?;
        let (id, before) = match &latest {
            Some(p) => {
                sqlx::query(
                    "UPDATE patches SET planned_version = $1, pull_request = $2, state = $3,
                            updated_at = $4, actor = $5 WHERE id = $6",
                )
                .bind(planned_version.or(p.planned_version.as_deref()))
                .bind(pull_request.or(p.pull_request.as_deref()))
                .bind(state)
                .bind(self.at.as_str())
                .bind(self.actor.as_str())
                .bind(p.id)
                .execute(&mut *self.tx)
                .await?;
                (p.id, serde_json::to_value(p).ok())
            }
            None => {
                let row = sqlx::query(
                    "INSERT INTO patches (finding_id, planned_version, pull_request, state,
                                          created_at, updated_at, actor)
                     VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
                )
                .bind(finding.id)
                .bind(planned_version)
                .bind(pull_request)
                .bind(state)
                .bind(self.at.as_str())
                .bind(self.actor.as_str())
                .fetch_one(&mut *self.tx)
                .await?;
                (row.try_get(0)?, None)
            }
        };
        let row = sqlx::query(
            "SELECT id, finding_id, planned_version, pull_request, state, created_at, updated_at, actor
             FROM patches WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *self.tx)
        .await?;
        let patch = patch_from(&row)?;
        self.audit(
            if latest.is_some() {
                "patch.updated"
            } else {
                "patch.created"
            },
            "patch",
            patch.id,
            Some(finding.product_id),
            before.as_ref(),
            serde_json::to_value(&patch).ok().as_ref(),
        )
        .await?;
        Ok(patch)
    }

    /// The findings of `project_id` that were fixed by an artifact at or before
    /// `artifact_id` and that `artifact_id` does not have.
    pub async fn fixed_findings_absent_from(
        &mut self,
        project_id: i64,
        artifact_id: i64,
    ) -> Result<Vec<FindingRow>, StoreError> {
        let sql = format!(
            "SELECT {FINDING_COLUMNS} {FINDING_FROM}
             WHERE f.project_id = $1 AND f.status = 'fixed' AND f.fixed_artifact_id <= $2
               AND NOT EXISTS (SELECT 1 FROM artifact_findings af
                               WHERE af.artifact_id = $2 AND af.finding_id = f.id)
             ORDER BY f.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(project_id)
            .bind(artifact_id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(finding_from).collect()
    }
}
