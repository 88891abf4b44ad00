//! `patchwarden report`: the portfolio reports (docs/reports.md). The rows are read by the
//! server crate's gatherers, the same ones the API uses, and rendered by the report crate.

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use patchwarden_report::portfolio::{Period, SlaTable, sla_csv, sla_html, sla_json, sla_markdown};

use crate::{Global, now_rfc3339, open_store, samm_cmd, write_output};

/// The reports.
#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// SLA compliance of a period: compliance per severity and product (closed within SLA ÷
    /// due in the period), mean and p90 time to remediate, overdue findings with their age,
    /// a monthly trend, exceptions in force and expired.
    #[command(
        after_help = "Examples:\n  patchwarden report sla --from 2026-07-01 --to 2026-09-30 --output sla-q3.html\n  patchwarden report sla --product chat --from 2026-01-01 --to 2026-12-31 --format markdown\n  patchwarden report sla --from 2026-07-01 --to 2026-09-30 --format csv --table overdue\n\nDefinitions: docs/reports.md."
    )]
    Sla(SlaArgs),
    /// The quarterly partner report: the High and Critical vulnerabilities of the products a
    /// partner runs, with their status, due dates and mitigations (JSON, printable HTML, CSAF
    /// 2.0 VEX). Prints it, or with --send delivers it through the partner's channel and
    /// records the delivery.
    #[command(
        after_help = "The quarter defaults to the previous one (by PATCHWARDEN_NOW when set). The publisher named in the report comes from the [report] table of the configuration file. --send needs the partner to have opted in and its channel in [notify.channels]; it prints the delivery record (JSON) and exits 2 when the delivery failed (the failure is recorded too). See docs/partners.md and docs/csaf.md.\n\nExamples:\n  patchwarden report partner --partner acme --quarter 2026Q3\n  patchwarden report partner --partner acme --quarter 2026Q3 --format html --output acme-2026Q3.html\n  patchwarden report partner --partner acme --quarter 2026Q3 --format csaf --output acme-2026Q3.csaf.json\n  patchwarden report partner --partner acme --quarter 2026Q3 --send\n  patchwarden --actor alice report partner --partner acme --send   # the previous quarter"
    )]
    Partner(crate::partner_cmd::PartnerReportArgs),
    /// The SAMM Patching and Updating self-assessment: the three questions answered from the
    /// portfolio's evidence, each criterion with its figure and what would raise the answer.
    #[command(
        after_help = "Examples:\n  patchwarden report samm --output samm.html\n  patchwarden report samm --format json --inventory-days 14\n\nSee docs/samm.md."
    )]
    Samm(samm_cmd::SammArgs),
}

/// How the SLA report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SlaFormat {
    /// One self-contained, printable HTML page with inline SVG charts.
    Html,
    /// Markdown tables.
    Markdown,
    /// One table as CSV (see --table).
    Csv,
    /// The `patchwarden.sla-report/1` JSON document.
    Json,
}

/// Which table a CSV file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SlaCsvTable {
    /// Compliance and remediation figures: total, per severity, per product, per month.
    Figures,
    /// The overdue findings.
    Overdue,
    /// Exceptions and risk acceptances in force and expired.
    Exceptions,
}

/// The flags of `report sla`.
#[derive(Args, Debug, Clone)]
pub struct SlaArgs {
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub from: String,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub to: String,
    /// Only this product (default: every product).
    #[arg(long, value_name = "NAME")]
    pub product: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "html")]
    pub format: SlaFormat,
    /// With --format csv: which table.
    #[arg(long, value_enum, default_value = "figures")]
    pub table: SlaCsvTable,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

/// Runs a `report` subcommand.
pub async fn report(global: &Global, command: ReportCommand) -> Result<u8> {
    match command {
        ReportCommand::Sla(a) => sla(global, a).await,
        ReportCommand::Partner(a) => crate::partner_cmd::report_partner(global, a).await,
        ReportCommand::Samm(a) => {
            let store = open_store(global).await?;
            let text = samm_cmd::run_samm(&store, &a, &now_rfc3339()).await;
            store.close().await;
            write_output(a.output.as_deref(), &text?)?;
            Ok(0)
        }
    }
}

async fn sla(global: &Global, a: SlaArgs) -> Result<u8> {
    let period = Period::parse(&a.from, &a.to).context("report sla")?;
    let store = open_store(global).await?;
    if let Some(p) = &a.product
        && store.product(p).await?.is_none()
    {
        store.close().await;
        anyhow::bail!("report sla: no product named {p}");
    }
    let report = patchwarden_server::reports::sla_report(
        &store,
        period,
        a.product.as_deref(),
        None,
        &now_rfc3339(),
    )
    .await;
    store.close().await;
    let report = report?;
    let text = match a.format {
        SlaFormat::Html => sla_html(&report),
        SlaFormat::Markdown => sla_markdown(&report),
        SlaFormat::Json => sla_json(&report),
        SlaFormat::Csv => sla_csv(
            &report,
            match a.table {
                SlaCsvTable::Figures => SlaTable::Figures,
                SlaCsvTable::Overdue => SlaTable::Overdue,
                SlaCsvTable::Exceptions => SlaTable::Exceptions,
            },
        ),
    };
    write_output(a.output.as_deref(), &text)?;
    Ok(0)
}
