//! `portfolio-gen`: a synthetic portfolio for the re-evaluation benchmark (`bench/portfolio.sh`).
//!
//! Reads the real lockfiles of `lockfiles.zip` (shared data), each project snapshot in a folder
//! of its own with the file names its tools give them, lists their components with
//! Patchwarden's own inventory, pools the distinct ones per ecosystem, then writes N CycloneDX
//! 1.6 SBOMs of M distinct components each, sampled with a seeded generator: each project draws
//! one or two ecosystems and within them prefers the packages that more of the real lockfiles
//! share, so projects overlap on popular packages as real portfolios do. Also writes
//! `portfolio-summary.json`: the pool sizes and the packages most projects hold.
//!
//! ```text
//! portfolio-gen --out /tmp/portfolio [--projects 1000] [--components 1000] [--seed 7] [--data ../shared/data]
//! ```

mod sample;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use patchwarden_core::{Component, Location, normalize_package_name};
use patchwarden_inventory::cyclonedx::{SbomMeta, write_json};
use serde_json::json;

use sample::{SplitMix64, sample_project};

/// Largest lockfile read from the archive; the real ones are under 1 MB.
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries read from the archive; it holds a few dozen.
const MAX_ENTRIES: usize = 10_000;
/// When the SBOMs say they were made: fixed, so that the same arguments give the same files.
const TIMESTAMP: &str = "2026-01-01T00:00:00Z";
/// How many of the most widespread packages per ecosystem the summary lists.
const SUMMARY_TOP: usize = 10;

/// Builds a synthetic portfolio of CycloneDX SBOMs from the real lockfiles of the shared data.
#[derive(Parser, Debug)]
#[command(name = "portfolio-gen", version)]
struct Args {
    /// Folder holding lockfiles.zip.
    #[arg(
        long,
        value_name = "DIR",
        env = "PATCHWARDEN_SHARED_DATA",
        default_value = "../shared/data"
    )]
    data: PathBuf,
    /// Folder the SBOMs (p0001.cdx.json, ...) and portfolio-summary.json are written to;
    /// created when missing.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of projects (SBOMs).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    projects: u32,
    /// Distinct components per project.
    #[arg(long, value_name = "M", default_value_t = 1000)]
    components: usize,
    /// Seed of the sampler: the same seed and data give the same portfolio.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("portfolio-gen: {message}");
            ExitCode::from(2)
        }
    }
}

/// One pooled component and what the real lockfiles say about how common it is.
struct Pooled {
    component: Component,
    /// Snapshots (folders) holding this exact package and version.
    folders: BTreeSet<String>,
}

/// The distinct components of one ecosystem.
#[derive(Default)]
struct EcosystemPool {
    /// By purl (or ecosystem/name@version where there is none): the SBOM writer merges
    /// components with one purl, so this is what "distinct" has to mean.
    entries: BTreeMap<String, Pooled>,
    /// Snapshots holding each package name (normalised as the ecosystem compares names).
    name_folders: BTreeMap<String, BTreeSet<String>>,
}

fn run(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let zip_path = args.data.join("lockfiles.zip");
    if !zip_path.is_file() {
        eprintln!(
            "skipping: {} not found (pass --data DIR or set PATCHWARDEN_SHARED_DATA)",
            zip_path.display()
        );
        return Ok(());
    }
    let work = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let folders = extract(&zip_path, work.path())?;

    let mut pools: BTreeMap<String, EcosystemPool> = BTreeMap::new();
    for snapshot in &folders {
        let folder = &snapshot.name;
        let inventory = patchwarden_inventory::scan_path(&snapshot.dir)
            .map_err(|e| snapshot.explain(&zip_path, &e.to_string()))?;
        let files: Vec<&str> = inventory.sources.iter().map(|s| s.path.as_str()).collect();
        eprintln!(
            "  {folder}: {} components from {}{}",
            inventory.components.len(),
            if files.is_empty() {
                "no recognised file".to_string()
            } else {
                files.join(", ")
            },
            match inventory.warnings.len() {
                0 => String::new(),
                n => format!(" ({n} entries skipped with a warning)"),
            }
        );
        for mut c in inventory.components {
            let ecosystem = c.ecosystem.to_string();
            let pool = pools.entry(ecosystem.clone()).or_default();
            let name = normalize_package_name(c.ecosystem.kind(), &c.name);
            pool.name_folders
                .entry(name)
                .or_default()
                .insert(folder.clone());
            let key = c
                .purl()
                .unwrap_or_else(|| format!("{ecosystem}/{}@{}", c.name, c.version));
            // The SBOM records which real lockfile the component was taken from.
            c.source = Location::file(format!("{folder}/{}", c.source.path));
            pool.entries
                .entry(key)
                .or_insert_with(|| Pooled {
                    component: c,
                    folders: BTreeSet::new(),
                })
                .folders
                .insert(folder.clone());
        }
    }
    pools.retain(|_, p| !p.entries.is_empty());
    let total: usize = pools.values().map(|p| p.entries.len()).sum();
    let sizes: Vec<String> = pools
        .iter()
        .map(|(e, p)| format!("{e} {}", p.entries.len()))
        .collect();
    eprintln!(
        "pool: {} distinct components from {} snapshots: {}",
        total,
        folders.len(),
        sizes.join(", ")
    );

    // Stacks: per ecosystem, the pooled components and the weight each is drawn with. A
    // package found in more snapshots, at a version found in more snapshots, is drawn more.
    let names: Vec<&String> = pools.keys().collect();
    let mut stacks: Vec<Vec<&Component>> = Vec::new();
    let mut weights: Vec<Vec<f64>> = Vec::new();
    for pool in pools.values() {
        let mut members = Vec::with_capacity(pool.entries.len());
        let mut w = Vec::with_capacity(pool.entries.len());
        for p in pool.entries.values() {
            let c = &p.component;
            let name = normalize_package_name(c.ecosystem.kind(), &c.name);
            let by_name = pool.name_folders.get(&name).map_or(1, BTreeSet::len);
            members.push(c);
            w.push((by_name * p.folders.len()) as f64);
        }
        stacks.push(members);
        weights.push(w);
    }

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: cannot create: {e}", args.out.display()))?;
    // (ecosystem index, normalised name) -> projects holding it, versions seen.
    let mut spread: BTreeMap<(usize, String), (usize, BTreeSet<String>)> = BTreeMap::new();
    let width = args.projects.to_string().len().max(4);
    for p in 1..=args.projects {
        let mut rng = SplitMix64::for_project(args.seed, u64::from(p));
        let picks = sample_project(&weights, args.components, &mut rng)?;
        let mut seen: HashSet<(usize, String)> = HashSet::new();
        let mut components: Vec<Component> = Vec::with_capacity(picks.len());
        for (stack, i) in picks {
            let c = stacks[stack][i];
            let key = (stack, normalize_package_name(c.ecosystem.kind(), &c.name));
            let entry = spread.entry(key.clone()).or_default();
            if seen.insert(key) {
                entry.0 += 1;
            }
            entry.1.insert(c.version.clone());
            components.push(c.clone());
        }
        let id = format!("p{p:0width$}");
        let meta = SbomMeta {
            name: format!("bench-portfolio/{id}"),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            timestamp: TIMESTAMP.to_string(),
        };
        let path = args.out.join(format!("{id}.cdx.json"));
        std::fs::write(&path, write_json(&components, &meta))
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    }

    let mut popular = serde_json::Map::new();
    for (index, name) in names.iter().enumerate() {
        let mut top: Vec<(&String, &(usize, BTreeSet<String>))> = spread
            .range((index, String::new())..)
            .take_while(|((i, _), _)| *i == index)
            .map(|((_, n), v)| (n, v))
            .collect();
        top.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        let list: Vec<_> = top
            .into_iter()
            .take(SUMMARY_TOP)
            .map(|(n, (projects, versions))| {
                json!({ "name": n, "projects": projects, "versions": versions })
            })
            .collect();
        popular.insert((*name).clone(), json!(list));
    }
    let pool_sizes: serde_json::Map<String, serde_json::Value> = pools
        .iter()
        .map(|(e, p)| (e.clone(), json!(p.entries.len())))
        .collect();
    let summary = json!({
        "projects": args.projects,
        "components_per_project": args.components,
        "seed": args.seed,
        "pool": pool_sizes,
        "popular": popular,
    });
    let path = args.out.join("portfolio-summary.json");
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    eprintln!(
        "wrote {} SBOMs of {} components to {} in {:.2} s",
        args.projects,
        args.components,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The lockfiles of one project at one date, extracted.
struct Snapshot {
    /// `juice-shop__frontend`, `hugo__2026`: the archive names without the file part.
    name: String,
    /// The folder they were extracted to.
    dir: PathBuf,
    /// Each extracted file and the archive entry it came from.
    files: Vec<(PathBuf, String)>,
}

impl Snapshot {
    /// A parse error as one line naming the archive entry rather than the temporary file:
    /// `lockfiles.zip!x__Cargo.lock: not a valid Cargo.lock: ...`. Multi-line messages (a TOML
    /// error with its excerpt) keep their first and last lines.
    fn explain(&self, zip_path: &Path, message: &str) -> String {
        let mut message = message.to_string();
        for (path, raw) in &self.files {
            message = message.replace(
                &path.display().to_string(),
                &format!("{}!{raw}", zip_path.display()),
            );
        }
        let lines: Vec<&str> = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        match lines.as_slice() {
            [] => format!("{}: {}: unreadable", zip_path.display(), self.name),
            [one] => one.to_string(),
            [first, .., last] => format!("{first}: {last}"),
        }
    }
}

/// Extracts every entry of the archive into a folder per project snapshot under `work`,
/// restoring the file names the tools read, and returns the snapshots sorted by name. An entry `juice-shop__frontend__package-lock.v3.json` becomes
/// `juice-shop__frontend/package-lock.json`; `hugo__2026__go.mod` and `hugo__2026__go.sum`
/// share the folder `hugo__2026`.
fn extract(zip_path: &Path, work: &Path) -> Result<Vec<Snapshot>, String> {
    let fail = |message: String| format!("{}: {message}", zip_path.display());
    let file = std::fs::File::open(zip_path).map_err(|e| fail(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| fail(format!("not a readable zip archive: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(fail(format!(
            "{} entries, more than {MAX_ENTRIES}",
            archive.len()
        )));
    }
    let mut folders: BTreeMap<String, Snapshot> = BTreeMap::new();
    let mut bytes = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| fail(format!("entry {index}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let raw = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let Some((snapshot, name)) = split_entry_name(&raw) else {
            eprintln!(
                "  {}!{raw}: not a lockfile name, skipped",
                zip_path.display()
            );
            continue;
        };
        bytes.clear();
        let read = entry
            .by_ref()
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("{raw}: cannot decompress: {e}")))?;
        if read as u64 > MAX_ENTRY_BYTES {
            return Err(fail(format!("{raw}: larger than {MAX_ENTRY_BYTES} bytes")));
        }
        // Two entries with one name in one snapshot: the second starts a snapshot of its own.
        let mut key = snapshot.clone();
        let mut n = 2;
        while folders
            .get(&key)
            .is_some_and(|s| s.dir.join(&name).exists())
        {
            key = format!("{snapshot}~{n}");
            n += 1;
        }
        let dir = work.join(&key);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let target = dir.join(&name);
        std::fs::write(&target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        folders
            .entry(key.clone())
            .or_insert_with(|| Snapshot {
                name: key,
                dir,
                files: Vec::new(),
            })
            .files
            .push((target, raw));
    }
    Ok(folders.into_values().collect())
}

/// `(snapshot, file name)` of an archive entry named `project__[part__...]file`: the snapshot
/// is everything before the last `__`, the file name is the last part without the variant tag
/// the archive adds (`.v3` in `package-lock.v3.json`, `.v5.4` in `pnpm-lock.v5.4.yaml`,
/// `.v1-metadata` in `Cargo.v1-metadata.lock`). Names are reduced to characters safe in a
/// path; `None` for names that leave nothing usable.
fn split_entry_name(raw: &str) -> Option<(String, String)> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let (snapshot, file) = match base.rsplit_once("__") {
        Some((s, f)) => (s.to_string(), f),
        None => (base.split('.').next().unwrap_or(base).to_string(), base),
    };
    let mut parts: Vec<&str> = file.split('.').collect();
    if let Some(tag) = parts
        .iter()
        .skip(1)
        .position(|p| p.starts_with('v') && p[1..].starts_with(|c: char| c.is_ascii_digit()))
        .map(|i| i + 1)
    {
        let mut end = tag + 1;
        while end + 1 < parts.len() && parts[end].chars().all(|c| c.is_ascii_digit()) {
            end += 1;
        }
        if end < parts.len() {
            parts.drain(tag..end);
        }
    }
    let file = safe(&parts.join("."));
    let snapshot = safe(&snapshot);
    if file.is_empty() || snapshot.is_empty() {
        return None;
    }
    Some((snapshot, file))
}

/// `s` with characters other than ASCII letters, digits, `-`, `_` and `.` replaced by `_`;
/// empty when that leaves only dots.
fn safe(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.chars().all(|c| c == '.') {
        String::new()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(raw: &str) -> Option<(String, String)> {
        split_entry_name(raw)
    }

    fn pair(a: &str, b: &str) -> Option<(String, String)> {
        Some((a.to_string(), b.to_string()))
    }

    #[test]
    fn archive_names_become_snapshot_folders_and_tool_file_names() {
        assert_eq!(
            split("juice-shop__frontend__package-lock.v3.json"),
            pair("juice-shop__frontend", "package-lock.json")
        );
        assert_eq!(split("hugo__2026__go.mod"), pair("hugo__2026", "go.mod"));
        assert_eq!(
            split("vuejs-core__2022__pnpm-lock.v5.4.yaml"),
            pair("vuejs-core__2022", "pnpm-lock.yaml")
        );
        assert_eq!(
            split("nushell__2019-10__Cargo.v1-metadata.lock"),
            pair("nushell__2019-10", "Cargo.lock")
        );
        assert_eq!(
            split("excalidraw__yarn.v1.lock"),
            pair("excalidraw", "yarn.lock")
        );
        assert_eq!(
            split("netbox__2026__base_requirements.txt"),
            pair("netbox__2026", "base_requirements.txt")
        );
        assert_eq!(
            split("poetry__pyproject.toml"),
            pair("poetry", "pyproject.toml")
        );
        // A dotted name without a variant tag is kept whole.
        assert_eq!(
            split("app__packages.lock.json"),
            pair("app", "packages.lock.json")
        );
        assert_eq!(split("dir/Cargo.lock"), pair("Cargo", "Cargo.lock"));
    }

    #[test]
    fn hostile_names_stay_inside_their_folder() {
        assert_eq!(split("../../etc__passwd"), pair("etc", "passwd"));
        assert_eq!(split("a b__c:d"), pair("a_b", "c_d"));
        for raw in ["..__..", "a__..", "..__x", "__", ""] {
            let got = split(raw);
            if let Some((s, f)) = &got {
                assert!(
                    !s.chars().all(|c| c == '.') && !f.chars().all(|c| c == '.'),
                    "{raw}: {got:?}"
                );
                assert!(!s.contains('/') && !f.contains('/'), "{raw}: {got:?}");
            }
        }
    }
}
