//! The portfolio commands: `product`, `project`, `artifact`, `env`, `deploy`, `findings`,
//! `exception`, `reevaluate` and `audit`. Each prints a table or JSON; every change is made
//! by the engine in one transaction with its audit entry, as `--actor`.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use patchwarden_engine::portfolio::{self, Decision};
use patchwarden_lifecycle::{Action, Status};
use patchwarden_policy::exceptions::parse_date;
use patchwarden_policy::rules::{Policy, parse_severity};
use patchwarden_store::{FindingFilter, FindingRow, NewException, Store};
use serde::Serialize;
use serde_json::json;

use crate::{Format, Global, OutputArgs, now_rfc3339, open_store, write_output};

#[derive(Subcommand, Debug)]
pub enum ProductCommand {
    /// Create a product.
    Add {
        /// Unique name.
        name: String,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
        /// A policy file (patchwarden.toml) for the product's projects; a repository's own
        /// patchwarden.toml still wins for its scans.
        #[arg(long, value_name = "FILE")]
        policy: Option<std::path::PathBuf>,
    },
    /// Set or clear a product's policy.
    SetPolicy {
        /// The product.
        name: String,
        /// The policy file; none clears the policy.
        #[arg(value_name = "FILE")]
        policy: Option<std::path::PathBuf>,
    },
    /// List products with their projects and open findings.
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProjectCommand {
    /// Create a project in a product (the product is created when missing).
    Add {
        /// The product.
        #[arg(long)]
        product: String,
        /// Project name, unique in the product.
        name: String,
    },
    /// List projects.
    List {
        /// Only this product's.
        #[arg(long)]
        product: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum ArtifactCommand {
    /// List artifacts, newest first.
    List {
        /// Only this product's.
        #[arg(long)]
        product: Option<String>,
        /// Only this project's.
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Show an artifact: its components, findings and deployments.
    Show {
        /// Artifact id.
        id: i64,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum EnvCommand {
    /// Create an environment.
    Add {
        /// Unique name (`prod-eu`, `staging`).
        name: String,
        /// `production` (deploying there verifies fixes), `test` or `custom`.
        #[arg(long)]
        kind: String,
    },
    /// List environments.
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct DeployArgs {
    /// Artifact id (see `patchwarden artifact list`).
    artifact: i64,
    /// Environment name.
    #[arg(long)]
    env: String,
    /// When it was deployed, RFC 3339 (default: now).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// A backup was taken and checked before deploying.
    #[arg(long)]
    backup_confirmed: bool,
    /// The maintenance window it went out in (`2026-11-24 02:00-04:00 UTC`).
    #[arg(long, value_name = "TEXT")]
    maintenance_window: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct FindingFilterArgs {
    /// Only this product's.
    #[arg(long)]
    product: Option<String>,
    /// Only this project's.
    #[arg(long)]
    project: Option<String>,
    /// Only this severity (repeatable): critical, high, medium, low, none, unknown.
    #[arg(long, value_name = "SEVERITY")]
    severity: Vec<String>,
    /// Only this status (repeatable): open, triaged, patching, fixed, verified,
    /// risk_accepted, not_affected, false_positive; `active` means the first three.
    #[arg(long, value_name = "STATUS")]
    status: Vec<String>,
    /// Only findings past their due date and still to patch.
    #[arg(long)]
    overdue: bool,
    /// Only findings in CISA's KEV catalogue.
    #[arg(long)]
    kev: bool,
    /// Only this vulnerability (any of its ids).
    #[arg(long, value_name = "ID")]
    vulnerability: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum FindingsCommand {
    /// List findings, most urgent first.
    List {
        #[command(flatten)]
        filter: FindingFilterArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Show a finding with its patch records and full history.
    Show {
        /// Finding id.
        id: i64,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Confirm an open finding needs patching.
    Triage {
        /// Finding id.
        id: i64,
        /// A note.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Accept the risk of a finding until a date (reopens the day after).
    Accept {
        /// Finding id.
        id: i64,
        /// Who approves.
        #[arg(long)]
        approver: String,
        /// Why (compensating control, exposure...).
        #[arg(long)]
        reason: String,
        /// Last day it holds, YYYY-MM-DD.
        #[arg(long)]
        expires: String,
    },
    /// Record a patch for a finding: planned version, pull request, state.
    Patch {
        /// Finding id.
        id: i64,
        /// The version the patch moves to.
        #[arg(long = "version", value_name = "VERSION")]
        planned_version: Option<String>,
        /// The pull request URL.
        #[arg(long, value_name = "URL")]
        pr: Option<String>,
        /// planned (default), tested or deployed.
        #[arg(long)]
        state: Option<String>,
    },
    /// Reopen a finding (a decision withdrawn, a fix that did not hold).
    Reopen {
        /// Finding id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Close a finding as not affecting the product (a VEX justification).
    NotAffected {
        /// Finding id.
        id: i64,
        /// The justification (`vulnerable_code_not_in_execute_path`...).
        #[arg(long)]
        reason: String,
    },
    /// Close a finding as a wrong match.
    FalsePositive {
        /// Finding id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExceptionCommand {
    /// Add an exception for a product or one of its projects.
    Add {
        /// The product.
        #[arg(long)]
        product: String,
        /// Only this project of it.
        #[arg(long)]
        project: Option<String>,
        /// A vulnerability id or any alias.
        #[arg(long = "id", value_name = "ID")]
        vulnerability: Option<String>,
        /// A package (every vulnerability of it).
        #[arg(long)]
        package: Option<String>,
        /// The ecosystem of --package.
        #[arg(long)]
        ecosystem: Option<String>,
        /// A purl pattern (`*` matches any run of characters).
        #[arg(long)]
        purl: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who approves.
        #[arg(long)]
        approver: String,
        /// Last day it applies, YYYY-MM-DD.
        #[arg(long)]
        expires: String,
    },
    /// List exceptions.
    List {
        /// Only this product's.
        #[arg(long)]
        product: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only the history of this finding.
    #[arg(long, value_name = "ID", conflicts_with = "entity")]
    finding: Option<i64>,
    /// Only the history of this entity: product, project, artifact, finding, environment,
    /// deployment, exception, patch (with --id).
    #[arg(long, requires = "id")]
    entity: Option<String>,
    /// The entity's id.
    #[arg(long)]
    id: Option<i64>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Who acts: `--actor`, else the login name.
pub fn actor(global: &Global) -> String {
    global
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

pub(crate) fn render<T: Serialize>(
    output: &OutputArgs,
    value: &T,
    table: impl FnOnce() -> String,
) -> Result<()> {
    let text = match output.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value)?;
            s.push('\n');
            s
        }
        Format::Table => table(),
    };
    write_output(output.output.as_deref(), &text)
}

pub(crate) fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    format!("{t}\n")
}

fn read_policy(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Policy::from_toml(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(text)
}

pub async fn product(global: &Global, command: ProductCommand) -> Result<u8> {
    match command {
        ProductCommand::Add {
            name,
            description,
            policy,
        } => {
            let policy = policy.as_deref().map(read_policy).transpose()?;
            let store = open_store(global).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let p = w
                .create_product(&name, &description, policy.as_deref())
                .await?;
            w.commit().await?;
            if !global.quiet {
                println!("product {} created (id {})", p.name, p.id);
            }
            Ok(0)
        }
        ProductCommand::SetPolicy { name, policy } => {
            let policy = policy.as_deref().map(read_policy).transpose()?;
            let store = open_store(global).await?;
            let product = store
                .product(&name)
                .await?
                .ok_or_else(|| anyhow!("no product named {name}"))?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            w.set_product_policy(&product, policy.as_deref()).await?;
            w.commit().await?;
            if !global.quiet {
                match policy {
                    Some(_) => println!("policy of product {name} set"),
                    None => println!("policy of product {name} cleared"),
                }
            }
            Ok(0)
        }
        ProductCommand::List { output } => {
            let store = open_store(global).await?;
            let today = today();
            let mut out = Vec::new();
            for p in store.products().await? {
                let projects = store.projects(Some(&p.name)).await?.len();
                let findings = store
                    .findings(&FindingFilter {
                        product: Some(p.name.clone()),
                        ..FindingFilter::default()
                    })
                    .await?;
                let open = findings.iter().filter(|f| is_active(f)).count();
                let overdue = findings
                    .iter()
                    .filter(|f| is_active(f) && f.due.as_str() < today.as_str())
                    .count();
                out.push(json!({
                    "id": p.id, "name": p.name, "description": p.description,
                    "has_policy": p.policy.is_some(), "projects": projects,
                    "findings": findings.len(), "open": open, "overdue": overdue,
                    "created_at": p.created_at,
                }));
            }
            render(&output, &out, || {
                table(
                    &[
                        "product", "projects", "findings", "open", "overdue", "policy",
                    ],
                    out.iter()
                        .map(|p| {
                            vec![
                                p["name"].as_str().unwrap_or("").to_string(),
                                p["projects"].to_string(),
                                p["findings"].to_string(),
                                p["open"].to_string(),
                                p["overdue"].to_string(),
                                if p["has_policy"].as_bool() == Some(true) {
                                    "own".into()
                                } else {
                                    "default".into()
                                },
                            ]
                        })
                        .collect(),
                )
            })?;
            Ok(0)
        }
    }
}

/// Fails with a clear message when a product (or a project of it) named in a filter does not
/// exist: an empty list would hide a typo.
async fn check_names(store: &Store, product: Option<&str>, project: Option<&str>) -> Result<()> {
    if let Some(p) = product {
        if store.product(p).await?.is_none() {
            bail!("no product named {p} (see `patchwarden product list`)");
        }
        if let Some(j) = project
            && store.project(p, j).await?.is_none()
        {
            bail!("no project {j} in product {p} (see `patchwarden project list --product {p}`)");
        }
    } else if let Some(j) = project
        && !store.projects(None).await?.iter().any(|x| x.name == j)
    {
        bail!("no project named {j} (see `patchwarden project list`)");
    }
    Ok(())
}

fn is_active(f: &FindingRow) -> bool {
    Status::parse(&f.status).is_some_and(Status::is_active)
}

fn today() -> String {
    now_rfc3339().get(..10).unwrap_or("1970-01-01").to_string()
}

pub async fn project(global: &Global, command: ProjectCommand) -> Result<u8> {
    match command {
        ProjectCommand::Add { product, name } => {
            let store = open_store(global).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let (p, _) = w.ensure_product(&product).await?;
            let (project, created) = w.ensure_project(&p, &name).await?;
            w.commit().await?;
            if !created {
                bail!("project {name} exists already in product {product}");
            }
            if !global.quiet {
                println!("project {product}/{name} created (id {})", project.id);
            }
            Ok(0)
        }
        ProjectCommand::List { product, output } => {
            let store = open_store(global).await?;
            check_names(&store, product.as_deref(), None).await?;
            let projects = store.projects(product.as_deref()).await?;
            let latest = store.latest_artifacts().await?;
            let rows: Vec<_> = projects
                .iter()
                .map(|p| {
                    let a = latest.iter().find(|a| a.project_id == p.id);
                    json!({
                        "id": p.id, "product": p.product, "name": p.name,
                        "created_at": p.created_at,
                        "latest_artifact": a.map(|a| json!({"id": a.id, "ref": a.reference, "recorded_at": a.recorded_at, "findings": a.findings})),
                    })
                })
                .collect();
            render(&output, &rows, || {
                table(
                    &["id", "product", "project", "latest artifact", "recorded"],
                    rows.iter()
                        .map(|r| {
                            let a = &r["latest_artifact"];
                            vec![
                                r["id"].to_string(),
                                r["product"].as_str().unwrap_or("").into(),
                                r["name"].as_str().unwrap_or("").into(),
                                a["ref"].as_str().unwrap_or("-").into(),
                                a["recorded_at"].as_str().unwrap_or("-").into(),
                            ]
                        })
                        .collect(),
                )
            })?;
            Ok(0)
        }
    }
}

pub async fn artifact(global: &Global, command: ArtifactCommand) -> Result<u8> {
    let store = open_store(global).await?;
    match command {
        ArtifactCommand::List {
            product,
            project,
            output,
        } => {
            check_names(&store, product.as_deref(), project.as_deref()).await?;
            let list = store
                .artifacts(product.as_deref(), project.as_deref())
                .await?;
            render(&output, &list, || {
                table(
                    &[
                        "id",
                        "product",
                        "project",
                        "ref",
                        "kind",
                        "recorded",
                        "components",
                        "findings",
                    ],
                    list.iter()
                        .map(|a| {
                            vec![
                                a.id.to_string(),
                                a.product.clone(),
                                a.project.clone(),
                                a.reference.clone(),
                                a.kind.clone(),
                                a.recorded_at.clone(),
                                a.components.to_string(),
                                a.findings.to_string(),
                            ]
                        })
                        .collect(),
                )
            })?;
        }
        ArtifactCommand::Show { id, output } => {
            let a = store
                .artifact(id)
                .await?
                .ok_or_else(|| anyhow!("no artifact {id}"))?;
            let components = store.artifact_components(id).await?;
            let deployments = store.deployments(Some(id)).await?;
            let findings = store.artifact_findings(id).await?;
            let doc = json!({
                "artifact": a,
                "components": components.iter().map(|c| json!({
                    "ecosystem": c.ecosystem, "name": c.name, "version": c.version,
                    "purl": c.purl(), "path": c.source.path,
                })).collect::<Vec<_>>(),
                "findings": findings,
                "deployments": deployments,
            });
            render(&output, &doc, || {
                let mut s = format!(
                    "artifact {} of {}/{}: {} {} recorded {} ({} components)\n",
                    a.id, a.product, a.project, a.kind, a.reference, a.recorded_at, a.components
                );
                for d in &deployments {
                    s.push_str(&format!(
                        "deployed to {} ({}) at {}{}\n",
                        d.environment,
                        d.environment_kind,
                        d.deployed_at,
                        if d.backup_confirmed {
                            ", backup confirmed"
                        } else {
                            ""
                        }
                    ));
                }
                s.push_str(&findings_table(&findings));
                s
            })?;
        }
    }
    store.close().await;
    Ok(0)
}

pub async fn env(global: &Global, command: EnvCommand) -> Result<u8> {
    let store = open_store(global).await?;
    match command {
        EnvCommand::Add { name, kind } => {
            let kind = kind.to_ascii_lowercase();
            if !["production", "test", "custom"].contains(&kind.as_str()) {
                bail!("--kind {kind}: expected production, test or custom");
            }
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let e = w.create_environment(&name, &kind).await?;
            w.commit().await?;
            if !global.quiet {
                println!("environment {} ({}) created (id {})", e.name, e.kind, e.id);
            }
        }
        EnvCommand::List { output } => {
            let list = store.environments().await?;
            render(&output, &list, || {
                table(
                    &["id", "environment", "kind", "created"],
                    list.iter()
                        .map(|e| {
                            vec![
                                e.id.to_string(),
                                e.name.clone(),
                                e.kind.clone(),
                                e.created_at.clone(),
                            ]
                        })
                        .collect(),
                )
            })?;
        }
    }
    store.close().await;
    Ok(0)
}

pub async fn deploy(global: &Global, args: DeployArgs) -> Result<u8> {
    let now = now_rfc3339();
    let at = match &args.at {
        Some(t) => {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .with_context(|| format!("--at {t}: expected an RFC 3339 time"))?;
            t.clone()
        }
        None => now.clone(),
    };
    let store = open_store(global).await?;
    let outcome = portfolio::deploy(
        &store,
        &portfolio::DeployRequest {
            artifact_id: args.artifact,
            environment: &args.env,
            deployed_at: &at,
            backup_confirmed: args.backup_confirmed,
            maintenance_window: args.maintenance_window.as_deref(),
        },
        &actor(global),
        &now,
    )
    .await?;
    render(&args.output, &outcome, || {
        let mut s = format!(
            "artifact {} deployed to {} ({}) at {}\n",
            args.artifact,
            outcome.deployment.environment,
            outcome.deployment.environment_kind,
            outcome.deployment.deployed_at
        );
        for v in &outcome.verified {
            s.push_str(&format!(
                "verified: finding {} {} in {} {}\n",
                v.id,
                v.vulnerability_id,
                v.package,
                v.versions.join(", ")
            ));
        }
        s
    })?;
    store.close().await;
    Ok(0)
}

fn findings_table(findings: &[FindingRow]) -> String {
    let today = today();
    table(
        &[
            "id",
            "product/project",
            "package",
            "version",
            "vulnerability",
            "severity",
            "status",
            "first seen",
            "due",
        ],
        findings
            .iter()
            .map(|f| {
                let overdue = is_active(f) && f.due.as_str() < today.as_str();
                vec![
                    f.id.to_string(),
                    format!("{}/{}", f.product, f.project),
                    f.package.clone(),
                    f.versions.join(", "),
                    f.vulnerability_id.clone() + if f.kev { " (KEV)" } else { "" },
                    f.severity.clone(),
                    f.status.clone(),
                    f.first_seen.get(..10).unwrap_or(&f.first_seen).to_string(),
                    if overdue {
                        format!("{} OVERDUE", f.due)
                    } else {
                        f.due.clone()
                    },
                ]
            })
            .collect(),
    )
}

/// A finding as `findings list --format json` prints it: the stored row plus `overdue`.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    finding: &'a FindingRow,
    overdue: bool,
}

/// A decision that carries only a reason.
fn because(reason: &str) -> Decision<'_> {
    Decision {
        reason: Some(reason),
        ..Decision::default()
    }
}

pub async fn findings(global: &Global, command: FindingsCommand) -> Result<u8> {
    let now = now_rfc3339();
    let today = today();
    let store = open_store(global).await?;
    let actor = actor(global);
    let decided = |(row, patch): (FindingRow, Option<patchwarden_store::Patch>)| {
        if !global.quiet {
            println!(
                "finding {} ({} in {}) is now {}",
                row.id, row.vulnerability_id, row.package, row.status
            );
            if let Some(p) = patch {
                println!(
                    "patch {}: {} {}{}",
                    p.id,
                    p.state,
                    p.planned_version
                        .as_deref()
                        .unwrap_or("(version not given)"),
                    p.pull_request.map(|u| format!(", {u}")).unwrap_or_default()
                );
            }
        }
    };
    match command {
        FindingsCommand::List { filter, output } => {
            check_names(&store, filter.product.as_deref(), filter.project.as_deref()).await?;
            let mut statuses = Vec::new();
            for s in &filter.status {
                if s.eq_ignore_ascii_case("active") {
                    statuses.extend(["open", "triaged", "patching"].map(String::from));
                    continue;
                }
                let parsed = Status::parse(s).ok_or_else(|| {
                    anyhow!(
                        "--status {s}: expected one of active, {}",
                        Status::ALL.map(|s| s.as_str()).join(", ")
                    )
                })?;
                statuses.push(parsed.as_str().to_string());
            }
            let mut severities = Vec::new();
            for s in &filter.severity {
                let parsed = parse_severity(s).ok_or_else(|| {
                    anyhow!("--severity {s}: expected critical, high, medium, low, none or unknown")
                })?;
                severities.push(parsed.as_str().to_string());
            }
            let list = store
                .findings(&FindingFilter {
                    product: filter.product,
                    project: filter.project,
                    severities,
                    statuses,
                    overdue_on: filter.overdue.then(|| today.clone()),
                    kev: filter.kev,
                    vulnerability: filter.vulnerability,
                    product_ids: None,
                })
                .await?;
            let listed: Vec<Listed<'_>> = list
                .iter()
                .map(|f| Listed {
                    finding: f,
                    overdue: is_active(f) && f.due.as_str() < today.as_str(),
                })
                .collect();
            render(&output, &listed, || findings_table(&list))?;
        }
        FindingsCommand::Show { id, output } => {
            let f = store
                .finding(id)
                .await?
                .ok_or_else(|| anyhow!("no finding {id}"))?;
            let patches = store.patches(id).await?;
            let history = store.audit_log(Some(("finding", id))).await?;
            let overdue = is_active(&f) && f.due.as_str() < today.as_str();
            let doc = json!({"finding": Listed { finding: &f, overdue }, "patches": patches, "history": history});
            render(&output, &doc, || {
                let mut s = format!(
                    "finding {}: {} in {} {} ({}/{})\n  ids: {}\n  severity {}{}; status {}{}\n  first seen {}, due {}{}\n  fixed versions: {}\n",
                    f.id,
                    f.vulnerability_id,
                    f.package,
                    f.versions.join(", "),
                    f.product,
                    f.project,
                    f.ids.join(", "),
                    f.severity,
                    f.cvss_vector
                        .as_ref()
                        .map(|v| format!(" ({v})"))
                        .unwrap_or_default(),
                    f.status,
                    f.status_reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default(),
                    f.first_seen,
                    f.due,
                    if overdue { " (OVERDUE)" } else { "" },
                    if f.fixed_versions.is_empty() {
                        "none known".to_string()
                    } else {
                        f.fixed_versions.join(", ")
                    },
                );
                for p in &patches {
                    s.push_str(&format!(
                        "  patch {}: {} {} {}\n",
                        p.id,
                        p.state,
                        p.planned_version.as_deref().unwrap_or("-"),
                        p.pull_request.as_deref().unwrap_or("")
                    ));
                }
                s.push_str("  history:\n");
                for h in &history {
                    s.push_str(&format!("    {} {} {}\n", h.at, h.actor, h.action));
                }
                s
            })?;
        }
        FindingsCommand::Triage { id, reason } => decided(
            portfolio::decide(
                &store,
                id,
                &Action::Triage,
                &Decision {
                    reason: reason.as_deref(),
                    ..Decision::default()
                },
                &actor,
                &now,
            )
            .await?,
        ),
        FindingsCommand::Accept {
            id,
            approver,
            reason,
            expires,
        } => {
            let date = parse_date(&expires)
                .filter(|_| expires.len() == 10)
                .ok_or_else(|| anyhow!("--expires {expires}: expected a date YYYY-MM-DD"))?;
            decided(
                portfolio::decide(
                    &store,
                    id,
                    &Action::Accept { expires: date },
                    &Decision {
                        reason: Some(&reason),
                        approver: Some(&approver),
                        ..Decision::default()
                    },
                    &actor,
                    &now,
                )
                .await?,
            )
        }
        FindingsCommand::Patch {
            id,
            planned_version,
            pr,
            state,
        } => decided(
            portfolio::decide(
                &store,
                id,
                &Action::Patch,
                &Decision {
                    planned_version: planned_version.as_deref(),
                    pull_request: pr.as_deref(),
                    patch_state: state.as_deref(),
                    ..Decision::default()
                },
                &actor,
                &now,
            )
            .await?,
        ),
        FindingsCommand::Reopen { id, reason } => decided(
            portfolio::decide(&store, id, &Action::Reopen, &because(&reason), &actor, &now).await?,
        ),
        FindingsCommand::NotAffected { id, reason } => decided(
            portfolio::decide(
                &store,
                id,
                &Action::NotAffected,
                &because(&reason),
                &actor,
                &now,
            )
            .await?,
        ),
        FindingsCommand::FalsePositive { id, reason } => decided(
            portfolio::decide(
                &store,
                id,
                &Action::FalsePositive,
                &because(&reason),
                &actor,
                &now,
            )
            .await?,
        ),
    }
    store.close().await;
    Ok(0)
}

pub async fn exception(global: &Global, command: ExceptionCommand) -> Result<u8> {
    let store = open_store(global).await?;
    match command {
        ExceptionCommand::Add {
            product,
            project,
            vulnerability,
            package,
            ecosystem,
            purl,
            reason,
            approver,
            expires,
        } => {
            let id = portfolio::add_exception(
                &store,
                &product,
                project.as_deref(),
                &NewException {
                    product_id: 0,
                    project_id: None,
                    vulnerability: vulnerability.as_deref(),
                    ecosystem: ecosystem.as_deref(),
                    package: package.as_deref(),
                    purl: purl.as_deref(),
                    reason: &reason,
                    approved_by: &approver,
                    expires: &expires,
                },
                &actor(global),
                &now_rfc3339(),
            )
            .await?;
            if !global.quiet {
                println!(
                    "exception {id} added to {product}{}; it applies from the next scan or `patchwarden reevaluate`",
                    project.map(|p| format!("/{p}")).unwrap_or_default()
                );
            }
        }
        ExceptionCommand::List { product, output } => {
            check_names(&store, product.as_deref(), None).await?;
            let list = store.exceptions(product.as_deref()).await?;
            render(&output, &list, || {
                table(
                    &["id", "scope", "selects", "reason", "approver", "expires"],
                    list.iter()
                        .map(|x| {
                            let selects = [
                                x.vulnerability.clone(),
                                x.package.clone().map(|p| match &x.ecosystem {
                                    Some(e) => format!("{e}/{p}"),
                                    None => p,
                                }),
                                x.purl.clone(),
                            ]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ");
                            vec![
                                x.id.to_string(),
                                match &x.project {
                                    Some(p) => format!("{}/{p}", x.product),
                                    None => x.product.clone(),
                                },
                                selects,
                                x.reason.clone(),
                                x.approved_by.clone(),
                                x.expires.clone(),
                            ]
                        })
                        .collect(),
                )
            })?;
        }
    }
    store.close().await;
    Ok(0)
}

/// Re-evaluates the portfolio; prints what changed.
pub async fn reevaluate(global: &Global, output: &OutputArgs) -> Result<u8> {
    let store = open_store(global).await?;
    let report = run_reevaluation(&store, global).await?;
    render(output, &report, || reevaluation_line(&report))?;
    store.close().await;
    Ok(0)
}

/// Runs a re-evaluation as the acting user.
pub async fn run_reevaluation(
    store: &Store,
    global: &Global,
) -> Result<portfolio::ReevaluationReport> {
    Ok(portfolio::reevaluate(store, &actor(global), &now_rfc3339()).await?)
}

/// One line for people.
pub fn reevaluation_line(r: &portfolio::ReevaluationReport) -> String {
    format!(
        "re-evaluated {} projects ({} distinct components): {} new findings, {} closed, {} updated in {:.2} s\n",
        r.projects,
        r.components,
        r.findings_new,
        r.findings_closed,
        r.findings_updated,
        r.elapsed_ms as f64 / 1000.0
    )
}

pub async fn audit(global: &Global, args: AuditArgs) -> Result<u8> {
    let store = open_store(global).await?;
    let entity = match (&args.finding, &args.entity, args.id) {
        (Some(id), _, _) => Some(("finding".to_string(), *id)),
        (None, Some(e), Some(id)) => Some((e.clone(), id)),
        _ => None,
    };
    let entries = store
        .audit_log(entity.as_ref().map(|(e, i)| (e.as_str(), *i)))
        .await?;
    render(&args.output, &entries, || {
        table(
            &["id", "at", "actor", "action", "entity", "change"],
            entries
                .iter()
                .map(|e| {
                    let change = match (&e.before, &e.after) {
                        (Some(b), Some(a)) => {
                            let keys: Vec<String> = a
                                .as_object()
                                .map(|o| {
                                    o.iter()
                                        .filter(|(k, v)| b.get(k.as_str()) != Some(v))
                                        .map(|(k, v)| {
                                            format!(
                                                "{k}: {} -> {v}",
                                                b.get(k.as_str()).cloned().unwrap_or_default()
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            keys.join("; ")
                        }
                        (None, Some(a)) => a.to_string(),
                        _ => String::new(),
                    };
                    vec![
                        e.id.to_string(),
                        e.at.clone(),
                        e.actor.clone(),
                        e.action.clone(),
                        format!("{} {}", e.entity, e.entity_id),
                        change,
                    ]
                })
                .collect(),
        )
    })?;
    store.close().await;
    Ok(0)
}
