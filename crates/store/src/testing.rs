//! Helpers for tests that must run on both backends.
//!
//! SQLite always runs; PostgreSQL runs when `PATCHWARDEN_TEST_POSTGRES_URL` names a server
//! where the user may create databases (`.ci/run` starts one). Each call makes a new,
//! empty database so tests never see each other's data.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::any::{AnyPoolOptions, install_default_drivers};

/// Environment variable holding the PostgreSQL server URL for tests.
pub const POSTGRES_ENV: &str = "PATCHWARDEN_TEST_POSTGRES_URL";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL URL for tests, or `None` after printing why the PostgreSQL half is skipped.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("{POSTGRES_ENV} is not set: skipping the PostgreSQL half of this test");
            None
        }
    }
}

/// Creates a fresh database on the server at `admin_url` and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> Result<String, sqlx::Error> {
    install_default_drivers();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "pw_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(with_database(admin_url, &name))
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::with_database("postgres://u@h:1/postgres", "x"),
            "postgres://u@h:1/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h:1", "x"),
            "postgres://u@h:1/x"
        );
        assert_eq!(
            super::with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
