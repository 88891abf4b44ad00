//! `patchwarden review`: record and list reviews of the patching process (SAMM Patching and
//! Updating, level 3: the process reviewed and updated from the feedback of the people who
//! patch). Each review is written with its audit entry, as `--actor`, at `PATCHWARDEN_NOW`.

use anyhow::{Result, bail};
use clap::Subcommand;
use patchwarden_report::portfolio::parse_day;
use patchwarden_store::NewProcessReview;

use crate::portfolio_cmd::{actor, render, table};
use crate::{Global, OutputArgs, now_rfc3339, open_store};

#[derive(Subcommand, Debug)]
pub enum ReviewCommand {
    /// Record a review of the patching process.
    Add {
        /// What the review found: the feedback of the people who patch.
        #[arg(long)]
        summary: String,
        /// What was changed in the process as a result.
        #[arg(long)]
        changes: Option<String>,
        /// Who led the review (default: the actor).
        #[arg(long, value_name = "NAME")]
        reviewer: Option<String>,
        /// The day it took place, YYYY-MM-DD (default: today; never after today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
    /// List the recorded reviews, newest first.
    List {
        /// Only those held on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

fn non_blank(flag: &str, text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        bail!("{flag} must not be empty");
    }
    Ok(t.to_string())
}

pub async fn review(global: &Global, command: ReviewCommand) -> Result<u8> {
    match command {
        ReviewCommand::Add {
            summary,
            changes,
            reviewer,
            date,
        } => {
            let now = now_rfc3339();
            let today = now.get(..10).unwrap_or_default().to_string();
            let summary = non_blank("--summary", &summary)?;
            let changes = changes
                .as_deref()
                .map(|c| non_blank("--changes", c))
                .transpose()?;
            let actor = actor(global);
            let reviewer = match reviewer.as_deref() {
                Some(r) => non_blank("--reviewer", r)?,
                None => actor.clone(),
            };
            let day = match date.as_deref() {
                Some(d) => {
                    let parsed = parse_day(d)?;
                    let text = parsed.to_string();
                    if text > today {
                        bail!(
                            "--date {d} is after today ({today}): record a review once it took place"
                        );
                    }
                    text
                }
                None => today,
            };
            let store = open_store(global).await?;
            let mut w = store.write(&actor, &now).await?;
            let stored = w
                .add_process_review(&NewProcessReview {
                    reviewed_on: &day,
                    reviewer: &reviewer,
                    summary: &summary,
                    changes: changes.as_deref(),
                })
                .await?;
            w.commit().await?;
            if !global.quiet {
                println!(
                    "process review {} of {} recorded (reviewer {})",
                    stored.id, stored.reviewed_on, stored.reviewer
                );
            }
            Ok(0)
        }
        ReviewCommand::List { since, output } => {
            let since = since
                .as_deref()
                .map(|d| parse_day(d).map(|p| p.to_string()))
                .transpose()?;
            let store = open_store(global).await?;
            let reviews = store.process_reviews(since.as_deref()).await?;
            render(&output, &reviews, || {
                table(
                    &["id", "reviewed on", "reviewer", "summary", "changes"],
                    reviews
                        .iter()
                        .map(|r| {
                            vec![
                                r.id.to_string(),
                                r.reviewed_on.clone(),
                                r.reviewer.clone(),
                                r.summary.clone(),
                                r.changes.clone().unwrap_or_default(),
                            ]
                        })
                        .collect(),
                )
            })?;
            Ok(0)
        }
    }
}
