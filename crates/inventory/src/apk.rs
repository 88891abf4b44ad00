//! apk's package database, `lib/apk/db/installed` (Alpine, Wolfi, Chainguard, Alpaquita).
//!
//! Each installed package is a record of `X:value` lines, where `X` is a one-letter key,
//! records separated by blank lines. Read: `P` (name), `V` (version), `A` (architecture)
//! and `o` (origin: the source package, e.g. `openssl` for `libcrypto3`); the file lists
//! (`F`, `R`, `Z`…), checksums and dependencies are skipped. The database lists installed
//! packages only, so every record counts.
//!
//! Alpine's advisories name the origin package, and an origin builds all its subpackages at
//! its own version, so the source package's version is the record's `V`. A record without
//! `o` is its own origin. `A` is not kept: a component has no architecture.

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};

use crate::values::{clip, is_token};
use crate::{ParseError, Parsed, Warning};

/// One record's fields of interest, with its first line.
#[derive(Default)]
struct Record {
    line: u32,
    name: Option<String>,
    version: Option<String>,
    origin: Option<String>,
    /// A key of interest given twice.
    repeated: Option<char>,
}

impl Record {
    fn set(&mut self, key: char, value: &str) {
        let slot = match key {
            'P' => &mut self.name,
            'V' => &mut self.version,
            'o' => &mut self.origin,
            _ => return,
        };
        if slot.is_some() {
            self.repeated.get_or_insert(key);
        } else {
            *slot = Some(value.trim().to_string());
        }
    }
}

/// Splits the text into records, in file order. Lines that are not `X:value` with a
/// one-character key are ignored.
fn records(text: &str) -> Vec<Record> {
    let mut out = Vec::new();
    let mut current: Option<Record> = None;
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        let mut chars = line.chars();
        let (Some(key), Some(':')) = (chars.next(), chars.next()) else {
            continue;
        };
        current
            .get_or_insert_with(|| Record {
                line: number,
                ..Record::default()
            })
            .set(key, chars.as_str());
    }
    out.extend(current);
    out
}

/// Reads `lib/apk/db/installed`: every package, in file order, with its origin as source
/// package, in `ecosystem` (from `os-release`, e.g. `Alpine:v3.20`).
pub fn parse_installed(
    path: &str,
    text: &str,
    ecosystem: &Ecosystem,
) -> Result<Parsed, ParseError> {
    if text.contains('\0') {
        return Err(ParseError(
            "not an apk installed database: it holds binary data".into(),
        ));
    }
    let all = records(text);
    if !all.is_empty() && all.iter().all(|r| r.name.is_none()) {
        return Err(ParseError(
            "not an apk installed database: no record has a `P:` (package name) line".into(),
        ));
    }
    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    for r in all {
        let mut warn = |message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(r.line),
                message,
            });
        };
        let label = |message: &str| match r.name.as_deref() {
            Some(name) => format!("{}: {message}", clip(name)),
            None => message.to_string(),
        };
        if let Some(key) = r.repeated {
            warn(label(&format!(
                "the `{key}:` line appears twice; the first is used"
            )));
        }
        let (Some(name), Some(version)) = (r.name.as_deref(), r.version.as_deref()) else {
            warn(label("package without a `P:` name or `V:` version"));
            continue;
        };
        if !is_token(name) || !is_token(version) {
            warn(format!(
                "invalid package name or version `{} {}`",
                clip(name),
                clip(version)
            ));
            continue;
        }
        let origin = match r.origin.as_deref() {
            None | Some("") => name,
            Some(origin) if is_token(origin) => origin,
            Some(origin) => {
                warn(label(&format!("invalid origin `{}`", clip(origin))));
                continue;
            }
        };
        if !seen.insert((name.to_string(), version.to_string())) {
            continue;
        }
        let mut component = Component::new(
            ecosystem.clone(),
            name,
            version,
            Location::at(path, Some(r.line)),
        );
        component.direct = None;
        component.scope = Scope::Required;
        component.source_package = Some(SourcePackage {
            name: origin.to_string(),
            version: version.to_string(),
        });
        parsed.components.push(component);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\nC:Q1def=\nP:libcrypto3\nV:3.3.2-r0\nA:x86_64\no:openssl\n\nP:nover\nA:x86_64\n\nP:scanelf\nV:1.3.7-r2\n";

    #[test]
    fn records_with_origins() {
        let parsed = parse_installed(
            "lib/apk/db/installed",
            DB,
            &Ecosystem::parse("Alpine:v3.20"),
        )
        .unwrap_or_else(|e| panic!("{}", e.0));
        let got: Vec<_> = parsed
            .components
            .iter()
            .map(|c| {
                let s = c.source_package.as_ref().map(|s| s.name.as_str());
                (c.name.as_str(), c.version.as_str(), s, c.source.line)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("musl", "1.2.5-r0", Some("musl"), Some(1)),
                ("libcrypto3", "3.3.2-r0", Some("openssl"), Some(9)),
                ("scanelf", "1.3.7-r2", Some("scanelf"), Some(18)),
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, Some(15));
        assert_eq!(
            parsed.warnings[0].message,
            "nover: package without a `P:` name or `V:` version"
        );
    }

    #[test]
    fn garbage_is_an_error_and_empty_is_nothing() {
        let eco = Ecosystem::parse("Alpine:v3.20");
        assert!(parse_installed("i", "hello world\nV:1\n", &eco).is_err());
        assert!(parse_installed("i", "P:a\0", &eco).is_err());
        let empty = parse_installed("i", "", &eco).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(empty, Parsed::default());
    }
}
