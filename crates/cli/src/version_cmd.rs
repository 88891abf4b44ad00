//! `patchwarden version compare|affected`: inspect the version engine directly, to debug a
//! match or to check an ordering against another tool.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result};
use patchwarden_core::Ecosystem;
use patchwarden_matching::{names_package, ranges_of};
use patchwarden_osv::Advisory;
use patchwarden_versions::{Scheme, evaluate, symbol};

/// The scheme for an ecosystem name, with a note on stderr when it is only approximate.
fn scheme_for(ecosystem: &str, quiet: bool) -> (Ecosystem, Scheme) {
    let eco = Ecosystem::parse(ecosystem);
    let scheme = Scheme::for_ecosystem(eco.kind());
    if !scheme.is_exact() && !quiet {
        eprintln!(
            "note: no exact ordering for ecosystem `{ecosystem}`: using the generic ordering; results are approximate"
        );
    }
    (eco, scheme)
}

/// Reads `A<TAB>B` lines from `input` and writes `<`, `=`, `>` or `error: <reason>` per line.
pub fn compare(
    ecosystem: &str,
    quiet: bool,
    input: impl BufRead,
    mut out: impl Write,
) -> Result<()> {
    let (_, scheme) = scheme_for(ecosystem, quiet);
    for line in input.lines() {
        let line = line.context("standard input")?;
        let answer = match line.split_once('\t') {
            Some((a, b)) => match scheme.compare(a, b) {
                Ok(o) => symbol(o).to_string(),
                Err(e) => format!("error: {e}"),
            },
            None => "error: expected two versions separated by a TAB".to_string(),
        };
        writeln!(out, "{answer}")?;
    }
    Ok(())
}

/// Prints `VERSION<TAB>affected|not-affected|error: ...` for each version, evaluated against
/// the advisory's affected entries for `ecosystem` (and `package`, when given).
pub fn affected(
    ecosystem: &str,
    advisory_path: &Path,
    package: Option<&str>,
    versions: &[String],
    quiet: bool,
    mut out: impl Write,
) -> Result<()> {
    let bytes =
        std::fs::read(advisory_path).with_context(|| advisory_path.display().to_string())?;
    let advisory = Advisory::from_json(&bytes)
        .with_context(|| format!("{}: malformed advisory", advisory_path.display()))?;
    let (eco, scheme) = scheme_for(ecosystem, quiet);
    let entries: Vec<_> = advisory
        .affected
        .iter()
        .filter(|a| match package {
            Some(name) => names_package(a, &eco, name),
            None => a
                .package
                .as_ref()
                .is_some_and(|p| Ecosystem::parse(&p.ecosystem) == eco),
        })
        .collect();
    if entries.is_empty() {
        anyhow::bail!(
            "{}: advisory {} names no {} package{}",
            advisory_path.display(),
            advisory.id,
            eco,
            package.map(|p| format!(" called {p}")).unwrap_or_default()
        );
    }
    if advisory.is_withdrawn() && !quiet {
        eprintln!(
            "note: advisory {} is withdrawn; scans never report it",
            advisory.id
        );
    }
    for version in versions {
        let mut answer = "not-affected".to_string();
        for entry in &entries {
            let ranges = ranges_of(entry);
            let listed: Vec<&str> = entry.versions.iter().map(String::as_str).collect();
            match evaluate(scheme, version, &ranges, &listed) {
                Ok(v) if v.affected => {
                    answer = "affected".to_string();
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    answer = format!("error: {e}");
                    break;
                }
            }
        }
        writeln!(out, "{version}\t{answer}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_answers_every_line() {
        let mut out = Vec::new();
        compare(
            "PyPI",
            true,
            "1.0\t1.0.post1\n2.0\t2.0.0\nbad\tline\nnotab\n".as_bytes(),
            &mut out,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "<");
        assert_eq!(lines[1], "=");
        assert!(
            lines[2].starts_with("error: `bad` is not a valid PEP 440 version"),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "error: expected two versions separated by a TAB");
    }
}
