//! Finding and reading the files that judge a scan: `patchwarden.toml` (upward from the
//! scanned path, or `--policy`), `.trivyignore` and `osv-scanner.toml` beside the scanned
//! path, and `--vex` documents. Every error names the file and the problem in one line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use patchwarden_engine::Evaluation;
use patchwarden_policy::exceptions::{parse_osv_scanner_toml, parse_trivyignore};
use patchwarden_policy::rules::{Policy, parse_severity};
use patchwarden_policy::vex::parse_vex;

/// The policy file's name, looked for upward from the scanned path.
pub(crate) const POLICY_FILE: &str = "patchwarden.toml";

/// What the command line says about judging a scan.
pub(crate) struct PolicyArgs<'a> {
    pub policy: Option<&'a Path>,
    pub vex: &'a [PathBuf],
    pub fail_on: Option<&'a str>,
    pub ignore_files: bool,
}

/// The directory a scanned path starts from: itself, or the directory of a file.
fn start_dir(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if absolute.is_dir() {
        absolute
    } else {
        absolute.parent().map(Path::to_path_buf).unwrap_or(absolute)
    }
}

/// The nearest `patchwarden.toml` at or above `dir`.
fn find_upward(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(POLICY_FILE))
        .find(|p| p.is_file())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| path.display().to_string())
}

/// Reads everything that judges a scan of `scanned`.
pub(crate) fn load(scanned: &Path, args: &PolicyArgs<'_>) -> Result<Evaluation> {
    let mut evaluation = Evaluation::default();
    let dir = start_dir(scanned);
    let policy_path = match args.policy {
        Some(p) => Some(p.to_path_buf()),
        None => find_upward(&dir),
    };
    if let Some(path) = &policy_path {
        let text = read(path)?;
        let policy = Policy::from_toml(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        evaluation
            .exceptions
            .extend(&policy.exceptions, &path.display().to_string());
        evaluation.policy = policy;
        evaluation.sources.push(path.display().to_string());
        evaluation.policy_file = Some(path.display().to_string());
    }
    if let Some(name) = args.fail_on {
        evaluation.policy.fail_on.severity = Some(parse_severity(name).ok_or_else(|| {
            anyhow!("--fail-on {name}: not a severity (critical, high, medium, low, none, unknown)")
        })?);
    }
    if args.ignore_files {
        let trivy = dir.join(".trivyignore");
        if trivy.is_file() {
            let entries = parse_trivyignore(&read(&trivy)?)
                .map_err(|e| anyhow!("{}: {e}", trivy.display()))?;
            let source = trivy.display().to_string();
            for (id, expires) in entries {
                evaluation
                    .exceptions
                    .add_ignore(&id, expires, "listed in .trivyignore", &source);
            }
            evaluation.sources.push(source);
        }
        let osv = dir.join("osv-scanner.toml");
        if osv.is_file() {
            let entries = parse_osv_scanner_toml(&read(&osv)?)
                .map_err(|e| anyhow!("{}: {e}", osv.display()))?;
            let source = osv.display().to_string();
            for v in entries {
                let reason = v
                    .reason
                    .unwrap_or_else(|| "listed in osv-scanner.toml".to_string());
                evaluation
                    .exceptions
                    .add_ignore(&v.id, v.until, &reason, &source);
            }
            evaluation.sources.push(source);
        }
    }
    for path in args.vex {
        let text = read(path)?;
        let source = path.display().to_string();
        let statements = parse_vex(&text, &source).map_err(|e| anyhow!("{source}: {e}"))?;
        evaluation.vex.extend(statements);
        evaluation.sources.push(source);
    }
    Ok(evaluation)
}
