//! What every request handler shares: the store, the clock and the server's settings.

use std::sync::Arc;

use patchwarden_store::Store;

/// Settings of the HTTP side of `patchwarden serve` (`[serve]` in the configuration).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The instance's name (logs, job claims).
    pub instance: String,
    /// Mark the session cookie `Secure` (set it when the server is reached over HTTPS).
    pub secure_cookies: bool,
    /// How long a browser session lasts, in hours.
    pub session_hours: i64,
    /// Failed password logins for one user name within [`Settings::login_window_minutes`]
    /// after which that name is refused until the window has passed.
    pub max_failed_logins_per_user: i64,
    /// Failed password logins from one client address within the window after which that
    /// address is refused.
    pub max_failed_logins_per_source: i64,
    /// The window of the login limits, in minutes.
    pub login_window_minutes: i64,
    /// The largest request body accepted (scan uploads), in bytes.
    pub max_body_bytes: usize,
    /// How long the overview figures are reused before they are computed again, in seconds.
    pub overview_cache_seconds: u64,
    /// Who publishes the reports (`[report]`).
    pub publisher: patchwarden_report::portfolio::Publisher,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            instance: "patchwarden".into(),
            secure_cookies: false,
            session_hours: 12,
            max_failed_logins_per_user: 5,
            max_failed_logins_per_source: 30,
            login_window_minutes: 15,
            max_body_bytes: 64 * 1024 * 1024,
            overview_cache_seconds: 15,
            publisher: patchwarden_report::portfolio::Publisher {
                name: crate::partners::DEFAULT_PUBLISHER.into(),
                namespace: crate::partners::DEFAULT_NAMESPACE.into(),
            },
        }
    }
}

/// The current time as RFC 3339 UTC text with whole seconds (`2026-11-23T10:00:00Z`).
pub type Clock = Arc<dyn Fn() -> String + Send + Sync>;

/// The state handed to every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The server's settings.
    pub settings: Arc<Settings>,
    clock: Clock,
    pub(crate) cache: Arc<crate::cache::Caches>,
    /// Where notifications go (`[notify]`); `None` sends nothing.
    pub notify: Option<Arc<patchwarden_notify::Rules>>,
}

impl AppState {
    /// State over `store` with `settings`, reading the time from `clock`.
    pub fn new(store: Store, settings: Settings, clock: Clock) -> AppState {
        AppState {
            store,
            settings: Arc::new(settings),
            clock,
            cache: Arc::new(crate::cache::Caches::default()),
            notify: None,
        }
    }

    /// The same state, sending notifications by `rules`.
    pub fn with_notifications(mut self, rules: Arc<patchwarden_notify::Rules>) -> AppState {
        self.notify = Some(rules);
        self
    }

    /// Delivers notifications in the background: a channel that is down retries for a while,
    /// and no request waits for it. Failures are logged.
    pub fn notify(&self, notifications: Vec<patchwarden_notify::Notification>) {
        let Some(rules) = self.notify.clone() else {
            return;
        };
        if notifications.is_empty() {
            return;
        }
        tokio::spawn(async move {
            let report = patchwarden_engine::notices::send_all(&rules, &notifications).await;
            tracing::info!(report = %serde_json::to_string(&report).unwrap_or_default(), "notifications sent");
        });
    }

    /// State with default settings and the system clock.
    pub fn with_defaults(store: Store) -> AppState {
        AppState::new(store, Settings::default(), Arc::new(system_now))
    }

    /// Now, RFC 3339 UTC.
    pub fn now(&self) -> String {
        (self.clock)()
    }

    /// Today, `YYYY-MM-DD` (the first ten characters of [`AppState::now`]).
    pub fn today(&self) -> String {
        self.now().chars().take(10).collect()
    }
}

/// The system clock, whole seconds.
pub fn system_now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// `now` moved by `minutes` (negative: back), RFC 3339 UTC; `now` itself when unreadable.
pub fn shift_minutes(now: &str, minutes: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(now, &Rfc3339)
        .ok()
        .map(|t| t + time::Duration::minutes(minutes))
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| now.to_string())
}
