//! `patchwarden partner ...` (partners who receive the quarterly partner report, their
//! products, channel and opt-in; the record of deliveries) and `patchwarden report partner`
//! (build a partner's report, print it, or send it). See docs/partners.md.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use patchwarden_notify::{Rules, document_channel_problem};
use patchwarden_report::portfolio::Quarter;
use patchwarden_server::partners::{
    DeliveryRequest, deliver_partner_report, gather_partner_report, partner_documents,
    previous_quarter,
};
use patchwarden_store::{
    DeliveryStatus, DeliveryTrigger, NewPartner, Partner, PartnerChange, PartnerDelivery, Store,
};
use serde_json::json;

use crate::portfolio_cmd::{actor, render, table};
use crate::{Global, OutputArgs, now_rfc3339, open_store, write_output};

#[derive(Subcommand, Debug)]
pub enum PartnerCommand {
    /// Add a partner: the products it runs and the channel its reports go through.
    #[command(
        after_help = "The channel is the name of a webhook or email entry of [notify.channels] in the configuration file (docs/notifications.md); a webhook must be https:// (http:// only to a loopback host). Nothing is sent until the partner opts in.\n\nExamples:\n  patchwarden partner add acme --product shop --channel acme-hook --contact 'security@acme.example'\n  patchwarden partner add globex --product shop --product billing --channel globex-mail --opt-in"
    )]
    Add(AddArgs),
    /// List partners with their products, channel and opt-in.
    #[command(
        after_help = "Examples:\n  patchwarden partner list\n  patchwarden partner list --format json"
    )]
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Show one partner and its report deliveries.
    #[command(
        after_help = "Examples:\n  patchwarden partner show acme\n  patchwarden partner show acme --format json"
    )]
    Show {
        /// The partner's name.
        name: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Change a partner's products (the list given replaces the old one), channel or contact.
    #[command(
        after_help = "Examples:\n  patchwarden partner set acme --product shop --product billing\n  patchwarden partner set acme --channel acme-mail --contact 'psirt@acme.example'"
    )]
    Set(SetArgs),
    /// The partner agrees to receive reports: the schedule sends them from now on.
    #[command(after_help = "Examples:\n  patchwarden partner opt-in acme")]
    OptIn {
        /// The partner's name.
        name: String,
    },
    /// The partner no longer receives reports (neither scheduled nor on request).
    #[command(after_help = "Examples:\n  patchwarden partner opt-out acme")]
    OptOut {
        /// The partner's name.
        name: String,
    },
    /// Remove a partner; the record of its deliveries stays.
    #[command(after_help = "Examples:\n  patchwarden partner remove acme")]
    Remove {
        /// The partner's name.
        name: String,
    },
    /// The record of report deliveries (time, channel, SHA-256 of the bytes sent, attempts,
    /// answer or error), oldest first: of one partner, or of all.
    #[command(
        after_help = "Examples:\n  patchwarden partner deliveries\n  patchwarden partner deliveries acme --format json"
    )]
    Deliveries {
        /// Only this partner's.
        name: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// Unique name.
    name: String,
    /// A product the partner runs (repeatable; at least one).
    #[arg(long = "product", value_name = "PRODUCT", required = true)]
    products: Vec<String>,
    /// The [notify.channels] entry (webhook or email) reports go through.
    #[arg(long, value_name = "CHANNEL")]
    channel: String,
    /// Who to talk to at the partner.
    #[arg(long, value_name = "TEXT", default_value = "")]
    contact: String,
    /// The partner agreed to receive reports already.
    #[arg(long)]
    opt_in: bool,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    /// The partner's name.
    name: String,
    /// The products it runs (repeatable; replaces the list).
    #[arg(long = "product", value_name = "PRODUCT")]
    products: Vec<String>,
    /// The [notify.channels] entry (webhook or email) reports go through.
    #[arg(long, value_name = "CHANNEL")]
    channel: Option<String>,
    /// Who to talk to at the partner.
    #[arg(long, value_name = "TEXT")]
    contact: Option<String>,
}

/// What `report partner` writes.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PartnerFormat {
    /// The partner report JSON (patchwarden.partner-report/1).
    Json,
    /// One self-contained HTML page.
    Html,
    /// A CSAF 2.0 VEX document.
    Csaf,
}

#[derive(Args, Debug)]
pub struct PartnerReportArgs {
    /// The partner.
    #[arg(long, value_name = "NAME")]
    partner: String,
    /// The quarter, such as 2026Q3 (default: the previous quarter).
    #[arg(long, value_name = "YEARQn")]
    quarter: Option<String>,
    /// What to write.
    #[arg(
        long,
        short = 'f',
        value_enum,
        default_value = "json",
        conflicts_with = "send"
    )]
    format: PartnerFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Deliver the report through the partner's channel now (recorded with trigger
    /// `request` and you as requester) and print the delivery record (JSON).
    #[arg(long)]
    send: bool,
}

/// The channel named, checked: configured, and able to carry reports.
fn check_channel(rules: &Rules, name: &str) -> Result<()> {
    let channel = rules.channel(name).ok_or_else(|| {
        let names: Vec<&str> = rules.channels.iter().map(|c| c.name.as_str()).collect();
        anyhow!(
            "no channel named `{name}` in [notify.channels] (configured: {})",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )
    })?;
    if let Some(problem) = document_channel_problem(channel) {
        bail!("channel `{name}`: {problem}");
    }
    Ok(())
}

fn rules(global: &Global) -> Result<Rules> {
    crate::config::load(global.config.as_deref())?.notify_rules()
}

async fn partner_named(store: &Store, name: &str) -> Result<Partner> {
    store
        .partner(name)
        .await?
        .ok_or_else(|| anyhow!("no partner named {name} (see `patchwarden partner list`)"))
}

fn partners_table(partners: &[Partner]) -> String {
    table(
        &["partner", "products", "channel", "opted in", "contact"],
        partners
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.products.join(", "),
                    p.channel.clone(),
                    if p.opted_in { "yes" } else { "no" }.to_string(),
                    p.contact.clone(),
                ]
            })
            .collect(),
    )
}

fn deliveries_table(deliveries: &[PartnerDelivery]) -> String {
    table(
        &[
            "id", "partner", "quarter", "trigger", "status", "attempts", "finished", "channel",
            "answer",
        ],
        deliveries
            .iter()
            .map(|d| {
                vec![
                    d.id.to_string(),
                    d.partner.clone(),
                    d.quarter.clone(),
                    d.trigger.as_str().to_string(),
                    d.status.as_str().to_string(),
                    d.attempts.to_string(),
                    d.finished_at.clone(),
                    format!("{} ({})", d.channel, d.channel_type),
                    d.error
                        .clone()
                        .or_else(|| d.response.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    )
}

/// `patchwarden partner ...`.
pub async fn partner(global: &Global, command: PartnerCommand) -> Result<u8> {
    let say = |line: String| {
        if !global.quiet {
            println!("{line}");
        }
    };
    match command {
        PartnerCommand::Add(a) => {
            check_channel(&rules(global)?, &a.channel)?;
            let store = open_store(global).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let p = w
                .create_partner(&NewPartner {
                    name: &a.name,
                    contact: &a.contact,
                    channel: &a.channel,
                    opted_in: a.opt_in,
                    products: &a.products,
                })
                .await?;
            w.commit().await?;
            say(format!(
                "partner {} created (id {}), {}",
                p.name,
                p.id,
                if p.opted_in {
                    "opted in"
                } else {
                    "not opted in yet"
                }
            ));
        }
        PartnerCommand::List { output } => {
            let store = open_store(global).await?;
            let partners = store.partners().await?;
            render(&output, &partners, || partners_table(&partners))?;
        }
        PartnerCommand::Show { name, output } => {
            let store = open_store(global).await?;
            let p = partner_named(&store, &name).await?;
            let deliveries = store.partner_deliveries(Some(&name)).await?;
            let value = json!({"partner": p, "deliveries": deliveries});
            render(&output, &value, || {
                let mut text = partners_table(std::slice::from_ref(&p));
                if deliveries.is_empty() {
                    text.push_str("no deliveries yet\n");
                } else {
                    text.push_str(&deliveries_table(&deliveries));
                }
                text
            })?;
        }
        PartnerCommand::Set(a) => {
            if a.products.is_empty() && a.channel.is_none() && a.contact.is_none() {
                bail!("nothing to change: give --product, --channel or --contact");
            }
            if let Some(channel) = &a.channel {
                check_channel(&rules(global)?, channel)?;
            }
            let store = open_store(global).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let p = w
                .update_partner(
                    &a.name,
                    &PartnerChange {
                        contact: a.contact.as_deref(),
                        channel: a.channel.as_deref(),
                        products: (!a.products.is_empty()).then_some(a.products.as_slice()),
                    },
                )
                .await?;
            w.commit().await?;
            say(format!(
                "partner {}: products {}, channel {}",
                p.name,
                p.products.join(", "),
                p.channel
            ));
        }
        PartnerCommand::OptIn { name } => opt(global, &name, true).await?,
        PartnerCommand::OptOut { name } => opt(global, &name, false).await?,
        PartnerCommand::Remove { name } => {
            let store = open_store(global).await?;
            let mut w = store.write(&actor(global), &now_rfc3339()).await?;
            let p = w.remove_partner(&name).await?;
            w.commit().await?;
            say(format!(
                "partner {} removed (its deliveries stay on record)",
                p.name
            ));
        }
        PartnerCommand::Deliveries { name, output } => {
            let store = open_store(global).await?;
            if let Some(n) = &name
                && store.partner(n).await?.is_none()
                && store.partner_deliveries(Some(n)).await?.is_empty()
            {
                bail!("no partner named {n} (see `patchwarden partner list`)");
            }
            let deliveries = store.partner_deliveries(name.as_deref()).await?;
            render(&output, &deliveries, || deliveries_table(&deliveries))?;
        }
    }
    Ok(0)
}

async fn opt(global: &Global, name: &str, opted_in: bool) -> Result<()> {
    let store = open_store(global).await?;
    let mut w = store.write(&actor(global), &now_rfc3339()).await?;
    let p = w.set_partner_opt_in(name, opted_in).await?;
    w.commit().await?;
    if !global.quiet {
        println!(
            "partner {} {}",
            p.name,
            if p.opted_in { "opted in" } else { "opted out" }
        );
    }
    Ok(())
}

/// `patchwarden report partner`: the partner's report of a quarter, written as JSON (HTML,
/// CSAF), or with `--send` delivered through its channel and recorded.
pub async fn report_partner(global: &Global, args: PartnerReportArgs) -> Result<u8> {
    let config = crate::config::load(global.config.as_deref())?;
    let publisher = config.publisher()?;
    let now = now_rfc3339();
    let quarter = match &args.quarter {
        Some(q) => Quarter::parse(q)?,
        None => previous_quarter(&now)?,
    };
    let rules = if args.send {
        Some(config.notify_rules()?)
    } else {
        None
    };
    let store = open_store(global).await?;
    let partner = partner_named(&store, &args.partner).await?;
    let Some(rules) = rules else {
        let report = gather_partner_report(&store, &partner, quarter, &now, &publisher).await?;
        store.close().await;
        let documents = partner_documents(&report);
        let text = match args.format {
            PartnerFormat::Json => documents.json,
            PartnerFormat::Html => documents.html,
            PartnerFormat::Csaf => documents.csaf,
        };
        write_output(args.output.as_deref(), &text)?;
        return Ok(0);
    };
    let delivery = deliver_partner_report(
        &store,
        &rules,
        &publisher,
        &partner,
        quarter,
        DeliveryRequest {
            trigger: DeliveryTrigger::Request,
            actor: &actor(global),
            now: &now,
        },
    )
    .await?;
    store.close().await;
    let mut text = serde_json::to_string_pretty(&delivery)?;
    text.push('\n');
    write_output(args.output.as_deref(), &text)?;
    if delivery.status == DeliveryStatus::Failed {
        bail!(
            "partner report {quarter} not delivered to {}: {}",
            partner.name,
            delivery.error.as_deref().unwrap_or("unknown error")
        );
    }
    Ok(0)
}
