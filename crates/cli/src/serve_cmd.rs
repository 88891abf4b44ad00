//! `patchwarden serve`: the HTTP server (health endpoints so far) and the scheduled jobs, until
//! SIGINT or SIGTERM, which stop it gracefully: the listener closes, requests in flight and a
//! running job's current step finish, the database closes.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use patchwarden_engine::update::IntelConfig;
use patchwarden_server::jobs::{self, JobConfig, JobFuture, Runner};
use patchwarden_store::{FindingFilter, Store};
use serde_json::json;
use tokio::sync::watch;

use crate::{Global, now_rfc3339, open_store};

/// The jobs `serve` knows.
pub const JOBS: [&str; 4] = ["update", "reevaluate", "reminders", "stale-images"];

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one, logged at start).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Do not run the scheduled jobs on this instance.
    #[arg(long)]
    no_jobs: bool,
    /// This instance's name in the job log (default: host name and process id).
    #[arg(long, value_name = "NAME")]
    instance: Option<String>,
    /// Where advisory downloads are kept between runs (default: the user's cache directory).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// The `[serve]` table of the configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on (default `127.0.0.1:8080`).
    pub listen: Option<String>,
    /// Scheduled jobs (default: `update` daily at 03:00, `reminders` daily at 07:00,
    /// `stale-images` on Mondays at 06:00, UTC).
    pub jobs: Option<Vec<JobConfig>>,
    /// Mark the session cookie `Secure` (default false; set it when users reach the server
    /// over HTTPS, directly or through a proxy).
    pub secure_cookies: Option<bool>,
    /// How long a browser session lasts, in hours (default 12).
    pub session_hours: Option<i64>,
    /// The largest scan or SBOM upload accepted, in MiB (default 64).
    pub max_upload_mib: Option<usize>,
}

pub async fn serve(global: &Global, args: ServeArgs) -> Result<u8> {
    let config = crate::config::load(global.config.as_deref())?;
    let listen = args
        .listen
        .or(config.serve.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let scheduled = jobs::parse(
        &config.serve.jobs.clone().unwrap_or_else(jobs::default_jobs),
        &JOBS,
    )
    .map_err(|e| anyhow!("configuration [serve]: {e}"))?;
    let cache = match args.cache_dir {
        Some(d) => d,
        None => directories::ProjectDirs::from("", "", "patchwarden")
            .map(|d| d.cache_dir().join("feeds"))
            .context("cannot find a cache directory; pass --cache-dir")?,
    };
    let store = open_store(global).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener
        .local_addr()
        .with_context(|| format!("cannot listen on {listen}"))?;
    let instance = args.instance.unwrap_or_else(|| {
        format!(
            "{}:{}",
            hostname().unwrap_or_else(|| "host".into()),
            std::process::id()
        )
    });
    let (stop, shutdown) = watch::channel(false);
    let scheduler = if args.no_jobs {
        None
    } else {
        let runner = runner(
            store.clone(),
            config.intel.clone(),
            cache,
            crate::portfolio_cmd::actor(global),
        );
        Some(tokio::spawn(jobs::run(
            store.clone(),
            scheduled,
            instance.clone(),
            runner,
            shutdown.clone(),
        )))
    };
    // Scripts and tests read the address from this line (port 0 picks one).
    eprintln!("patchwarden: listening on http://{address} as {instance}");
    tracing::info!(%address, %instance, "listening");
    let defaults = patchwarden_server::Settings::default();
    let settings = patchwarden_server::Settings {
        instance: instance.clone(),
        secure_cookies: config
            .serve
            .secure_cookies
            .unwrap_or(defaults.secure_cookies),
        session_hours: config
            .serve
            .session_hours
            .filter(|h| *h > 0)
            .unwrap_or(defaults.session_hours),
        max_body_bytes: config
            .serve
            .max_upload_mib
            .map(|m| m.saturating_mul(1024 * 1024))
            .unwrap_or(defaults.max_body_bytes),
        ..defaults
    };
    let state = patchwarden_server::AppState::new(store.clone(), settings, Arc::new(now_rfc3339));
    let app = patchwarden_server::app(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let mut until = shutdown.clone();
    let served = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = until.wait_for(|stop| *stop).await;
    });
    let signals = tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    });
    served.await.context("the server stopped")?;
    signals.abort();
    if let Some(s) = scheduler {
        let _ = s.await;
    }
    store.close().await;
    eprintln!("patchwarden: stopped");
    Ok(0)
}

/// SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

/// What each job does.
fn runner(store: Store, intel: IntelConfig, cache: PathBuf, actor: String) -> Runner {
    Arc::new(move |job: &str, _slot: &str| -> JobFuture {
        let store = store.clone();
        let intel = intel.clone();
        let cache = cache.clone();
        let actor = actor.clone();
        let job = job.to_string();
        Box::pin(async move {
            let now = now_rfc3339();
            match job.as_str() {
                "update" => {
                    let mut quiet = |_: &patchwarden_engine::update::FeedSource| -> Box<dyn patchwarden_intel::fetch::Progress> {
                        Box::new(patchwarden_intel::fetch::NoProgress)
                    };
                    let reports = patchwarden_engine::update::update(
                        &store,
                        &intel.sources(),
                        &cache,
                        &patchwarden_intel::fetch::FetchOptions::default(),
                        &now,
                        &mut quiet,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    let failed: Vec<&str> = reports
                        .iter()
                        .filter(|r| {
                            matches!(
                                r.outcome,
                                patchwarden_engine::update::UpdateOutcome::Failed { .. }
                            )
                        })
                        .map(|r| r.name.as_str())
                        .collect();
                    // The zero-day path: whatever was imported, the portfolio is matched again.
                    let reevaluation =
                        patchwarden_engine::portfolio::reevaluate(&store, &actor, &now)
                            .await
                            .map_err(|e| e.to_string())?;
                    Ok(
                        json!({"sources": reports.len(), "failed": failed, "reevaluation": reevaluation}),
                    )
                }
                "reevaluate" | "stale-images" => {
                    let report = patchwarden_engine::portfolio::reevaluate(&store, &actor, &now)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(json!({"reevaluation": report}))
                }
                "reminders" => reminders(&store, &now).await,
                other => Err(format!("unknown job {other}")),
            }
        })
    })
}

/// The findings to remind people of: active ones due within 7 days, and those that became
/// overdue since yesterday. Delivery through the notification channels comes with them; the
/// counts are kept in the job log.
async fn reminders(store: &Store, now: &str) -> Result<serde_json::Value, String> {
    let today = patchwarden_policy::exceptions::parse_date(now).ok_or("bad clock")?;
    let in_a_week = today + time::Duration::days(7);
    let yesterday = today - time::Duration::days(1);
    let active = store
        .findings(&FindingFilter {
            statuses: vec!["open".into(), "triaged".into(), "patching".into()],
            ..FindingFilter::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let (today, in_a_week, yesterday) = (
        today.to_string(),
        in_a_week.to_string(),
        yesterday.to_string(),
    );
    let due_soon = active
        .iter()
        .filter(|f| f.due >= today && f.due <= in_a_week)
        .count();
    let newly_overdue = active.iter().filter(|f| f.due == yesterday).count();
    let overdue = active.iter().filter(|f| f.due < today).count();
    Ok(json!({"due_within_7_days": due_soon, "newly_overdue": newly_overdue, "overdue": overdue}))
}
