//! Shared helpers for the version tests: real version strings from `../shared/data`, pair
//! sampling, and running reference implementations ("oracles") installed by `.ci/oracles.sh`.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data` beside the repository (or `PATCHWARDEN_SHARED_DATA`), or `None` after
/// printing why the test is skipped.
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

/// Every JSON record of `osv-all/<zip_name>` (e.g. `"Maven-all.zip"`).
pub fn osv_records(data: &Path, zip_name: &str) -> Vec<serde_json::Value> {
    let file = std::fs::File::open(data.join("osv-all").join(zip_name))
        .unwrap_or_else(|e| panic!("{zip_name}: {e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{zip_name}: {e}"));
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::new();
        if entry.read_to_string(&mut text).is_ok()
            && let Ok(v) = serde_json::from_str(&text)
        {
            out.push(v);
        }
    }
    out
}

/// Distinct version strings an OSV archive uses: `affected[].versions` and the
/// `introduced` (except "0"), `fixed` and `last_affected` events of ECOSYSTEM and SEMVER
/// ranges (GIT ranges hold commits, not versions), for
/// affected packages whose ecosystem starts with `ecosystem_prefix` (e.g. `"Debian"`).
pub fn osv_version_strings(data: &Path, zip_name: &str, ecosystem_prefix: &str) -> Vec<String> {
    let mut set = BTreeSet::new();
    for record in osv_records(data, zip_name) {
        for affected in record["affected"].as_array().into_iter().flatten() {
            let eco = affected["package"]["ecosystem"]
                .as_str()
                .unwrap_or_default();
            if !eco.starts_with(ecosystem_prefix) {
                continue;
            }
            for v in affected["versions"].as_array().into_iter().flatten() {
                if let Some(s) = v.as_str() {
                    set.insert(s.to_string());
                }
            }
            for range in affected["ranges"].as_array().into_iter().flatten() {
                if range["type"] != "ECOSYSTEM" && range["type"] != "SEMVER" {
                    continue;
                }
                for event in range["events"].as_array().into_iter().flatten() {
                    for key in ["introduced", "fixed", "last_affected"] {
                        if let Some(s) = event[key].as_str()
                            && s != "0"
                        {
                            set.insert(s.to_string());
                        }
                    }
                }
            }
        }
    }
    set.into_iter().collect()
}

/// A deterministic sample of about `n` pairs: every neighbour pair in sorted order (close
/// versions are where orderings disagree) plus pseudo-random pairs.
pub fn sample_pairs(strings: &[String], n: usize) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for w in strings.windows(2) {
        pairs.push((w[0].clone(), w[1].clone()));
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let len = strings.len().max(1) as u64;
    while pairs.len() < n && strings.len() > 1 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = ((state >> 33) % len) as usize;
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let b = ((state >> 33) % len) as usize;
        pairs.push((strings[a].clone(), strings[b].clone()));
    }
    pairs.truncate(n.max(strings.len().saturating_sub(1)));
    pairs
}

/// Runs an oracle: `program args...` with `input` on stdin, returns stdout. When the program
/// is missing: fails under CI (CI must have installed it), else prints why and returns None.
pub fn run_oracle(program: &str, args: &[&str], input: &str) -> Option<String> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("oracle `{program}` unavailable ({e}); run .ci/oracles.sh");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg}");
            }
            eprintln!("skipping: {msg}");
            return None;
        }
    };
    let mut stdin = child.stdin.take()?;
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let _ = writer.join();
    if !out.status.success() {
        let msg = format!(
            "oracle `{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("skipping: {msg}");
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Pairs as `a<TAB>b` lines.
pub fn pairs_input(pairs: &[(String, String)]) -> String {
    let mut s = String::new();
    for (a, b) in pairs {
        s.push_str(a);
        s.push('\t');
        s.push_str(b);
        s.push('\n');
    }
    s
}

/// `<`, `=`, `>` for an ordering.
pub fn symbol(o: std::cmp::Ordering) -> &'static str {
    match o {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    }
}
