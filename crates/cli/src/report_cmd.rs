//! `patchwarden report ...`: reports on the tracked portfolio.

use anyhow::Result;
use clap::Subcommand;

use crate::Global;

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The quarterly partner report: the High and Critical vulnerabilities of the products a
    /// partner runs, with their status, due dates and mitigations. Prints it, or with --send
    /// delivers it through the partner's channel and records the delivery.
    #[command(
        after_help = "The quarter defaults to the previous one (by PATCHWARDEN_NOW when set). The publisher named in the report comes from the [report] table of the configuration file. --send needs the partner to have opted in and its channel in [notify.channels]; it prints the delivery record (JSON) and exits 2 when the delivery failed (the failure is recorded too). See docs/partners.md.\n\nExamples:\n  patchwarden report partner --partner acme --quarter 2026Q3\n  patchwarden report partner --partner acme --quarter 2026Q3 --output acme-2026Q3.json\n  patchwarden report partner --partner acme --quarter 2026Q3 --send\n  patchwarden --actor alice report partner --partner acme --send   # the previous quarter"
    )]
    Partner(crate::partner_cmd::PartnerReportArgs),
}

/// `patchwarden report ...`.
pub async fn report(global: &Global, command: ReportCommand) -> Result<u8> {
    match command {
        ReportCommand::Partner(args) => crate::partner_cmd::report_partner(global, args).await,
    }
}
