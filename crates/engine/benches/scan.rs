//! Scan latency once the database is open: the 1,561-package npm lockfile of juice-shop
//! (`lockfiles.zip`) against every OSV record of `../shared/data/osv-all/` (about 26,700),
//! in a SQLite store built once before measuring. Issue 6's target: under 100 ms wall.
//!
//! `cargo bench -p patchwarden-engine --bench scan`

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use patchwarden_engine::{Strictness, import_advisories, scan};
use patchwarden_store::Store;

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PATCHWARDEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.join("osv-all").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: shared data not found at {}", dir.display());
        None
    }
}

fn extract(data: &Path, entry: &str, to: &Path) -> PathBuf {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut src = zip
        .by_name(entry)
        .unwrap_or_else(|e| panic!("{entry}: {e}"));
    let path = to.join("package-lock.json");
    let mut out = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    std::io::copy(&mut src, &mut out).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn scan_npm(c: &mut Criterion) {
    let Some(data) = shared_data() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("bench.db");
    let store = runtime
        .block_on(Store::open(&db.display().to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    let now = "2026-11-23T00:00:00Z";
    let mut archives: Vec<PathBuf> = std::fs::read_dir(data.join("osv-all"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "zip")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    archives.sort();
    for archive in &archives {
        runtime
            .block_on(import_advisories(&store, archive, Strictness::Lenient, now))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let advisories = runtime
        .block_on(store.advisory_count())
        .unwrap_or_else(|e| panic!("{e}"));
    let project = dir.path().join("juice-shop");
    std::fs::create_dir_all(&project).unwrap_or_else(|e| panic!("{e}"));
    let lockfile = extract(&data, "juice-shop__package-lock.v3.json", &project);
    let first = runtime
        .block_on(scan(&store, &lockfile, now))
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "store: {advisories} advisories; juice-shop: {} components, {} findings",
        first.components.len(),
        first.findings.len()
    );
    let mut group = c.benchmark_group("scan");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    group.bench_function(
        "juice-shop package-lock v3 (1,561 packages), whole store",
        |b| {
            b.iter(|| {
                runtime
                    .block_on(scan(&store, &lockfile, now))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        },
    );
    group.finish();
    runtime.block_on(store.close());
}

criterion_group!(benches, scan_npm);
criterion_main!(benches);
