//! `patchwarden-load`: the server load benchmark's two halves (`bench/server.sh`).
//!
//! ```text
//! patchwarden-load seed --database target/bench-server/portfolio.db [--findings 100000]
//! patchwarden-load run --base http://127.0.0.1:PORT --token-file TOKEN \
//!     [--user admin --password-file PW] [--rate 500] [--duration 20] [--warmup 3] \
//!     [--phases findings,overview,dashboard] [--json figures.json]
//! ```

mod probe;
mod run;
mod seed;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seeds a large portfolio and drives `patchwarden serve` at a fixed request rate.
#[derive(Parser, Debug)]
#[command(name = "patchwarden-load")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a synthetic portfolio of findings into a fresh database, through the store.
    Seed {
        /// Database path (SQLite) or PostgreSQL URL.
        #[arg(long)]
        database: String,
        /// Findings in all.
        #[arg(long, default_value_t = 100_000)]
        findings: usize,
        /// Products (`bench-01`, ...).
        #[arg(long, default_value_t = 20)]
        products: usize,
        /// Projects per product (`service-001`, ...).
        #[arg(long, default_value_t = 20)]
        projects: usize,
        /// Generator seed: the same seed gives the same portfolio.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// The time to seed at, RFC 3339 (default: now); due dates fall around it.
        #[arg(long)]
        now: Option<String>,
    },
    /// Time the store's finding pages one at a time and print their query plans.
    Probe {
        /// Database path (SQLite) or PostgreSQL URL.
        #[arg(long)]
        database: String,
        /// Run `ANALYZE` first (gives the query planner statistics; kept in the database).
        #[arg(long)]
        analyze: bool,
    },
    /// Send requests at a fixed rate (open loop) and print latency percentiles.
    Run {
        /// The server, `http://127.0.0.1:PORT`.
        #[arg(long)]
        base: String,
        /// A file holding an API token (findings and overview).
        #[arg(long)]
        token_file: PathBuf,
        /// A user to log in as for the dashboard phase.
        #[arg(long)]
        user: Option<String>,
        /// A file holding that user's password.
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Requests per second of each phase.
        #[arg(long, default_value_t = 500.0)]
        rate: f64,
        /// Requests per second of the dashboard phase (default: --rate).
        #[arg(long)]
        dashboard_rate: Option<f64>,
        /// Measured seconds per phase.
        #[arg(long, default_value_t = 20)]
        duration: u64,
        /// Unmeasured seconds before each phase.
        #[arg(long, default_value_t = 3)]
        warmup: u64,
        /// Phases in order: findings, overview, dashboard.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "findings,overview,dashboard"
        )]
        phases: Vec<String>,
        /// Products the findings queries filter on (the seeded `bench-NN` by default).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "bench-01,bench-07,bench-13,bench-20"
        )]
        products: Vec<String>,
        /// Also write the figures here, as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

fn read_secret(path: &PathBuf) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        bail!("{} is empty", path.display());
    }
    Ok(text)
}

async fn main_inner(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Seed {
            database,
            findings,
            products,
            projects,
            seed,
            now,
        } => {
            let now = match now {
                Some(t) => OffsetDateTime::parse(&t, &Rfc3339)
                    .with_context(|| format!("--now {t}: not an RFC 3339 time"))?,
                None => OffsetDateTime::now_utc(),
            };
            seed::seed(&seed::SeedOptions {
                database,
                findings,
                products,
                projects,
                seed,
                now,
            })
            .await?;
            Ok(true)
        }
        Command::Probe { database, analyze } => {
            probe::probe(&database, analyze).await?;
            Ok(true)
        }
        Command::Run {
            base,
            token_file,
            user,
            password_file,
            rate,
            dashboard_rate,
            duration,
            warmup,
            phases,
            products,
            json,
        } => {
            if !(rate > 0.0 && rate <= 100_000.0) {
                bail!("--rate {rate}: expected 0 < rate <= 100000");
            }
            let login = match (user, password_file) {
                (Some(u), Some(p)) => Some((u, read_secret(&p)?)),
                (None, None) => None,
                _ => bail!("--user and --password-file go together"),
            };
            let phases = phases
                .iter()
                .map(|name| {
                    Ok(match name.as_str() {
                        "findings" | "overview" => run::Phase {
                            name: name.clone(),
                            rate,
                            percentile: 0.99,
                            target_ms: 50.0,
                        },
                        "dashboard" => run::Phase {
                            name: name.clone(),
                            rate: dashboard_rate.unwrap_or(rate),
                            percentile: 0.95,
                            target_ms: 200.0,
                        },
                        other => {
                            bail!("phase {other}: expected findings, overview or dashboard")
                        }
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            run::run(&run::RunOptions {
                base: base.trim_end_matches('/').to_string(),
                token: read_secret(&token_file)?,
                login,
                phases,
                duration: Duration::from_secs(duration.max(1)),
                warmup: Duration::from_secs(warmup),
                products,
                json,
            })
            .await
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("patchwarden-load: error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(main_inner(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("patchwarden-load: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
