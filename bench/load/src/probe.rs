//! `patchwarden-load probe`: times the store's `findings_page` for the filters and orders the
//! load generator uses, one call at a time (no HTTP, no concurrency), and prints SQLite's
//! query plan for the page queries, through the same bundled SQLite the server uses.
//! `--analyze` runs `ANALYZE` first, so that the planner has statistics.

use std::time::Instant;

use anyhow::{Context, Result};
use patchwarden_store::{FindingFilter, FindingSort, Store};
use sqlx::Row;

const SEVERITY: &str = "(CASE f.severity WHEN 'Critical' THEN 5 WHEN 'High' THEN 4 WHEN 'Medium' THEN 3 \
     WHEN 'Low' THEN 2 WHEN 'None' THEN 1 ELSE 0 END)";
const FROM: &str =
    "FROM findings f JOIN products p ON p.id = f.product_id JOIN projects j ON j.id = f.project_id";

/// Times the page queries on `database` and prints their plans.
pub async fn probe(database: &str, analyze: bool) -> Result<()> {
    let store = Store::open(database)
        .await
        .with_context(|| format!("cannot open {database}"))?;
    if analyze {
        let t = Instant::now();
        sqlx::query("ANALYZE").execute(store.pool()).await?;
        eprintln!("ANALYZE took {:.2} s", t.elapsed().as_secs_f64());
    }
    let version: String = sqlx::query("SELECT sqlite_version()")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
    println!("SQLite {version}");
    let active: Vec<String> = ["open", "triaged", "patching"].map(String::from).to_vec();
    let cases: Vec<(&str, FindingFilter, FindingSort, bool)> = vec![
        ("due", FindingFilter::default(), FindingSort::Due, false),
        (
            "active by due",
            FindingFilter {
                statuses: active.clone(),
                ..Default::default()
            },
            FindingSort::Due,
            false,
        ),
        (
            "active by severity",
            FindingFilter {
                statuses: active.clone(),
                ..Default::default()
            },
            FindingSort::Severity,
            true,
        ),
        (
            "active by epss",
            FindingFilter {
                statuses: active.clone(),
                ..Default::default()
            },
            FindingSort::Epss,
            true,
        ),
        (
            "all by cvss",
            FindingFilter::default(),
            FindingSort::Cvss,
            true,
        ),
        (
            "product by due",
            FindingFilter {
                product: Some("bench-01".into()),
                ..Default::default()
            },
            FindingSort::Due,
            false,
        ),
    ];
    for (name, filter, sort, desc) in &cases {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let page = store.findings_page(filter, *sort, *desc, None, 50).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(page);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name:<20} median {:>8.2} ms (5 calls, min {:.2})",
            times[2], times[0]
        );
    }
    for (name, sql) in [
        (
            "active by due",
            format!(
                "SELECT f.id {FROM} WHERE f.status IN ($1, $2, $3) ORDER BY f.due ASC, f.id ASC LIMIT 51"
            ),
        ),
        (
            "active by severity",
            format!(
                "SELECT f.id {FROM} WHERE f.status IN ($1, $2, $3) ORDER BY {SEVERITY} DESC, f.id DESC LIMIT 51"
            ),
        ),
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .bind("open")
            .bind("triaged")
            .bind("patching")
            .fetch_all(store.pool())
            .await?;
        println!("plan of {name}:");
        for row in rows {
            let detail: String = row.try_get(3)?;
            println!("  {detail}");
        }
    }
    store.close().await;
    Ok(())
}
