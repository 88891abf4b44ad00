//! The SAMM Patching and Updating self-assessment (docs/samm.md): the evidence is read from
//! the store by the server crate's gatherer (the API uses the same), assessed and rendered
//! by the report crate.

use anyhow::Result;
use clap::{Args, ValueEnum};
use patchwarden_report::portfolio::{SammOptions, assess_samm, samm_html, samm_json};
use patchwarden_store::Store;

/// What the assessment is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SammFormat {
    /// One self-contained, printable HTML page.
    Html,
    /// The `patchwarden.samm-assessment/1` JSON document.
    Json,
}

/// The flags of the SAMM report.
#[derive(Args, Debug, Clone)]
pub struct SammArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "html")]
    pub format: SammFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// 1a: a project's component list is up to date when scanned within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub inventory_days: u32,
    /// 3a: a project is rescanned regularly when scanned within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub rescan_days: u32,
    /// 1b, 2b: an advisory source is fresh when updated within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub source_days: u32,
    /// 2a, 3b, 3c: the look-back window for remediations and process reviews.
    #[arg(long, value_name = "DAYS", default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub review_days: u32,
}

impl SammArgs {
    /// The windows these flags set.
    pub fn options(&self) -> SammOptions {
        SammOptions {
            inventory_days: self.inventory_days,
            rescan_days: self.rescan_days,
            source_days: self.source_days,
            review_days: self.review_days,
        }
    }
}

/// The assessment as of `now` (RFC 3339), rendered in `args.format`. Writing it to
/// `args.output` is the caller's.
pub async fn run_samm(store: &Store, args: &SammArgs, now: &str) -> Result<String> {
    let evidence = patchwarden_server::reports::samm_evidence(store, now, args.options()).await?;
    let assessment = assess_samm(&evidence);
    Ok(match args.format {
        SammFormat::Html => samm_html(&assessment),
        SammFormat::Json => samm_json(&assessment),
    })
}
