//! `patchwarden demo`: the bundled demo advisories and portfolio, scanned into a fresh SQLite
//! database. Everything it needs is compiled into the binary, so it runs anywhere, offline.

use std::path::Path;

use anyhow::{Context, Result};
use patchwarden_engine::Strictness;
use patchwarden_store::Store;
use rust_embed::RustEmbed;
use serde_json::json;

use crate::{DemoArgs, Format, Global, now_rfc3339, write_output};

/// The repository's `examples/` folder: demo advisories and demo projects.
#[derive(RustEmbed)]
#[folder = "../../examples/"]
#[include = "advisories/*.json"]
#[include = "portfolio/**"]
struct Examples;

/// Writes the embedded examples below `dir`.
fn unpack(dir: &Path) -> Result<()> {
    for name in Examples::iter() {
        let Some(file) = Examples::get(&name) else {
            continue;
        };
        let path = dir.join(name.as_ref());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
        }
        std::fs::write(&path, file.data.as_ref()).with_context(|| format!("{}", path.display()))?;
    }
    Ok(())
}

pub async fn run(global: &Global, args: DemoArgs) -> Result<u8> {
    let work = tempfile::Builder::new()
        .prefix("patchwarden-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the demo")?;
    unpack(work.path())?;
    // A fresh database unless the user chose one: the demo must not mix with real data.
    let (database, keep) = match &global.database {
        Some(d) => (d.clone(), None),
        None => {
            let keep = tempfile::Builder::new()
                .prefix("patchwarden-demo-db-")
                .tempdir()
                .context("cannot create a directory for the demo database")?
                .keep();
            (
                keep.join("demo.db").to_string_lossy().into_owned(),
                Some(keep),
            )
        }
    };
    let store = Store::open(&database).await?;
    let now = now_rfc3339();
    let imported = patchwarden_engine::import_advisories(
        &store,
        &work.path().join("advisories"),
        Strictness::Strict,
        &now,
    )
    .await?;
    let portfolio = work.path().join("portfolio");
    let mut projects: Vec<_> = std::fs::read_dir(&portfolio)
        .with_context(|| format!("{}", portfolio.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    projects.sort();

    let mut documents = Vec::new();
    let mut text = String::new();
    for project in &projects {
        let mut result = patchwarden_engine::scan(&store, &portfolio.join(project), &now).await?;
        result.target = format!("demo/{project}");
        // Each demo project is recorded in the portfolio (product `demo`), so that
        // `patchwarden findings list` and the other portfolio commands have data to show.
        let scan_json = patchwarden_report::json(&result).to_string();
        let summary = patchwarden_engine::portfolio::record(
            &store,
            &mut result,
            &patchwarden_engine::Evaluation::default(),
            &patchwarden_engine::portfolio::RecordTarget {
                product: "demo",
                project,
                artifact: Some("demo"),
                commit: None,
                actor: &crate::portfolio_cmd::actor(global),
            },
            &scan_json,
        )
        .await?;
        result.record = Some(summary);
        match args.output.format {
            Format::Table => {
                text.push_str(&format!("\n== {project} ==\n"));
                text.push_str(&patchwarden_report::table(&result, false));
                // Warnings are part of what the demo shows, so they go with each project.
                if !global.quiet {
                    emit_warnings_to(&mut text, &result);
                }
            }
            Format::Json => documents.push(json!({
                "project": project,
                "scan": patchwarden_report::json(&result),
            })),
        }
    }
    store.close().await;
    match args.output.format {
        Format::Table => {
            text.push_str(&format!(
                "\n{} demo advisories imported; database: {}\nThe projects are recorded in the portfolio as product `demo`: try `patchwarden --database {} findings list`.\n",
                imported.stats.inserted + imported.stats.updated + imported.stats.unchanged,
                database,
                database
            ));
            write_output(args.output.output.as_deref(), &text)?;
        }
        Format::Json => {
            let doc = json!({"database": database, "projects": documents});
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            write_output(args.output.output.as_deref(), &s)?;
        }
    }
    if let Some(dir) = keep {
        tracing::info!("demo database kept in {}", dir.display());
    }
    Ok(0)
}

fn emit_warnings_to(text: &mut String, result: &patchwarden_engine::ScanResult) {
    for w in &result.warnings {
        text.push_str(&format!("note: {w}\n"));
    }
}
