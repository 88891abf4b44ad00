//! Helpers shared by the binary's integration tests.
#![allow(dead_code)]

pub mod serve;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn patchwarden(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("patchwarden").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("PATCHWARDEN_DATABASE")
        .arg("--database")
        .arg(db);
    cmd
}

/// The binary with `--database DB` (a SQLite path or a PostgreSQL URL), inheriting none of
/// the variables that set the clock, the actor or the test pause of `scan --record`.
pub fn pw(db: &str) -> Command {
    let mut cmd = patchwarden(Path::new(db));
    cmd.env_remove("PATCHWARDEN_NOW")
        .env_remove("PATCHWARDEN_ACTOR")
        .env_remove("PATCHWARDEN_TEST_PAUSE_IN_RECORD_MS");
    cmd
}

/// Runs a future to completion on a fresh single-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .block_on(future)
}

/// Opens the database `db` with the store (as the binary does), runs `sql` on its pool and
/// gives every row's first column as text (numbers and text alike), or the database's error.
pub fn sql_column(db: &str, sql: &str) -> Result<Vec<String>, String> {
    use sqlx::Row;
    block_on(async {
        let store = patchwarden_store::Store::open(db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let result = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(store.pool())
            .await;
        store.close().await;
        let rows = result.map_err(|e| e.to_string())?;
        Ok(rows
            .iter()
            .map(|row| {
                row.try_get::<i64, _>(0)
                    .map(|n| n.to_string())
                    .or_else(|_| row.try_get::<String, _>(0))
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            })
            .collect())
    })
}

/// The single number `sql` (a `SELECT COUNT(*) ...`) gives on `db`.
pub fn sql_count(db: &str, sql: &str) -> i64 {
    let column = sql_column(db, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(column.len(), 1, "{sql}: {column:?}");
    column[0].parse().unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A fresh, empty PostgreSQL database URL on the test server, or `None` after the store's
/// test support printed why the PostgreSQL half is skipped.
pub fn fresh_postgres_url() -> Option<String> {
    let admin = patchwarden_store::testing::postgres_url()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Some(
        runtime
            .block_on(patchwarden_store::testing::fresh_postgres_database(&admin))
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Seeds through `run` (which runs one `patchwarden` command and checks it succeeds): the
/// demo advisories, then storefront recorded as product `shop` and billing-api as `billing`
/// (project `api`), artifact `v1` each.
pub fn seed_shop_and_billing(mut run: impl FnMut(&[&str])) {
    let advisories = repo_root().join("examples/advisories");
    run(&["db", "import", &advisories.to_string_lossy()]);
    for (demo, product, project) in [
        ("storefront", "shop", "storefront"),
        ("billing-api", "billing", "api"),
    ] {
        let path = repo_root().join("examples/portfolio").join(demo);
        run(&[
            "scan",
            &path.to_string_lossy(),
            "--record",
            "--product",
            product,
            "--project",
            project,
            "--artifact",
            "v1",
            "--format",
            "json",
        ]);
    }
}

/// The shared real-world data (`../shared/data` beside the repository), or `None` after
/// saying why the test is skipped.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PATCHWARDEN_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"));
    if dir.join("osv-all").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared data not found at {} (set PATCHWARDEN_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

/// Extracts one entry of `lockfiles.zip` into `dir` under `name`.
pub fn extract_lockfile(data: &Path, entry: &str, dir: &Path, name: &str) -> PathBuf {
    let file = std::fs::File::open(data.join("lockfiles.zip")).unwrap_or_else(|e| panic!("{e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{e}"));
    let mut src = zip
        .by_name(entry)
        .unwrap_or_else(|e| panic!("{entry}: {e}"));
    let path = dir.join(name);
    let mut out = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    std::io::copy(&mut src, &mut out).unwrap_or_else(|e| panic!("{e}"));
    path
}

pub fn json_stdout(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "exit {:?}; stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A ustar entry: header, data, padding.
pub fn tar_entry(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}
