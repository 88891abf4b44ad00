//! `patchwarden serve`: the HTTP server (health endpoints so far) and the scheduled jobs (what
//! each does is in `jobs_cmd`), until SIGINT or SIGTERM, which stop it gracefully: the
//! listener closes, requests in flight and a running job's current step finish, the database
//! closes.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use patchwarden_server::jobs::{self, JobConfig};
use tokio::sync::watch;

use crate::jobs_cmd::{JOBS, JobContext};
use crate::{Global, open_store};

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
    /// `stale-images` on Mondays at 06:00, `partner-reports` daily at 05:00, UTC).
    pub jobs: Option<Vec<JobConfig>>,
    /// Mark the session cookie `Secure` (default false; set it when users reach the server
    /// over HTTPS, directly or through a proxy).
    pub secure_cookies: Option<bool>,
    /// How long a browser session lasts, in hours (default 12).
    pub session_hours: Option<i64>,
    /// The largest scan or SBOM upload accepted, in MiB (default 64).
    pub max_upload_mib: Option<usize>,
    /// How long the overview figures are reused, in seconds (default 15).
    pub overview_cache_seconds: Option<u64>,
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
    // A mistake in [notify] stops the start, rather than losing a notification later.
    let rules = Arc::new(config.notify_rules()?);
    let publisher = config.publisher()?;
    let cache = match args.cache_dir {
        Some(d) => d,
        None => crate::jobs_cmd::default_cache_dir()?,
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
        let runner = crate::jobs_cmd::runner(JobContext {
            store: store.clone(),
            intel: config.intel.clone(),
            cache,
            actor: crate::portfolio_cmd::actor(global),
            rules: rules.clone(),
            publisher: publisher.clone(),
        });
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
    tracing::info!(
        %address,
        %instance,
        channels = rules.channels.len(),
        routes = rules.routes.len(),
        "listening"
    );
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
        overview_cache_seconds: config
            .serve
            .overview_cache_seconds
            .unwrap_or(defaults.overview_cache_seconds),
        publisher: publisher.clone(),
        ..defaults
    };
    let state =
        patchwarden_server::AppState::new(store.clone(), settings, Arc::new(crate::now_rfc3339))
            .with_notifications(rules.clone());
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
    let housekeeping = tokio::spawn(housekeeping(store.clone()));
    served.await.context("the server stopped")?;
    signals.abort();
    housekeeping.abort();
    if let Some(s) = scheduler {
        let _ = s.await;
    }
    store.close().await;
    eprintln!("patchwarden: stopped");
    Ok(0)
}

/// At start and every ten minutes: the query planner's statistics are refreshed, expired
/// sessions deleted and failed logins older than a day forgotten (the login limits look back
/// 15 minutes).
async fn housekeeping(store: patchwarden_store::Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = store.optimize().await {
            tracing::warn!(error = %e, "could not refresh the query planner's statistics");
        }
        let now = crate::now_rfc3339();
        let day_ago = patchwarden_server::state::shift_minutes(&now, -24 * 60);
        match store.delete_expired_sessions(&now).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
        if let Err(e) = store.prune_failed_logins(&day_ago).await {
            tracing::warn!(error = %e, "could not prune failed logins");
        }
    }
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

/// The host's name, for instance names in the job log.
pub(crate) fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}
