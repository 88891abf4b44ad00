//! dpkg's package database: `var/lib/dpkg/status`, and the one-file-per-package
//! `var/lib/dpkg/status.d/` of distroless images.
//!
//! Each package is a stanza of `Field: value` lines (continuation lines start with a space or
//! tab), stanzas separated by blank lines. Read: `Package`, `Version`, `Architecture`,
//! `Status` and `Source`. In `status` only packages whose `Status` is `install ok installed`
//! are installed (removed packages keep a `deinstall ok config-files` stanza); `status.d/`
//! files have no `Status` field and every stanza counts.
//!
//! Debian advisories name source packages, so each component records its source package:
//! `Source: openssl` (same version as the binary), `Source: glibc (2.36-9+deb12u4)` (the
//! source version differs, e.g. binNMUs), or no `Source` field (the binary is its own source).

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};

use crate::{ParseError, Parsed, Warning};

/// One stanza's fields of interest, with its first line.
#[derive(Default)]
struct Stanza {
    line: u32,
    package: Option<String>,
    version: Option<String>,
    status: Option<String>,
    source: Option<String>,
}

/// Splits the text into stanzas; continuation lines belong to the field before them and are
/// not needed for any field read here.
fn stanzas(text: &str) -> Vec<Stanza> {
    let mut out = Vec::new();
    let mut current: Option<Stanza> = None;
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let stanza = current.get_or_insert_with(|| Stanza {
            line: number,
            ..Stanza::default()
        });
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match field {
            "Package" => stanza.package = value,
            "Version" => stanza.version = value,
            "Status" => stanza.status = value,
            "Source" => stanza.source = value,
            _ => {}
        }
    }
    out.extend(current);
    out
}

fn parse_stanzas(
    path: &str,
    text: &str,
    ecosystem: &Ecosystem,
    need_status: bool,
) -> Result<Parsed, ParseError> {
    if text.contains('\0') {
        return Err(ParseError("not a dpkg status file (binary data)".into()));
    }
    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    for s in stanzas(text) {
        let installed = match &s.status {
            Some(status) => {
                status.split_whitespace().collect::<Vec<_>>() == ["install", "ok", "installed"]
            }
            None => !need_status,
        };
        if !installed {
            continue;
        }
        let (Some(name), Some(version)) = (s.package, s.version) else {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: Some(s.line),
                message: "installed package without Package or Version field".into(),
            });
            continue;
        };
        if !seen.insert((name.clone(), version.clone())) {
            continue;
        }
        let source_package = match s.source.as_deref() {
            None => SourcePackage {
                name: name.clone(),
                version: version.clone(),
            },
            Some(source) => match source.split_once('(') {
                Some((src, rest)) => SourcePackage {
                    name: src.trim().to_string(),
                    version: rest.trim_end().trim_end_matches(')').trim().to_string(),
                },
                None => SourcePackage {
                    name: source.trim().to_string(),
                    version: version.clone(),
                },
            },
        };
        let mut component = Component::new(
            ecosystem.clone(),
            name,
            version,
            Location {
                path: path.to_string(),
                line: Some(s.line),
                layer: None,
            },
        );
        component.scope = Scope::Required;
        component.source_package = Some(source_package);
        parsed.components.push(component);
    }
    Ok(parsed)
}

/// Reads `var/lib/dpkg/status`: every installed package (`Status: install ok installed`),
/// in file order, with its source package, in `ecosystem` (from `os-release`).
pub fn parse_status(path: &str, text: &str, ecosystem: &Ecosystem) -> Result<Parsed, ParseError> {
    parse_stanzas(path, text, ecosystem, true)
}

/// Reads one file of `var/lib/dpkg/status.d/` (distroless images): every stanza is an
/// installed package; a `Status` field, where present, is still honoured.
pub fn parse_status_d(path: &str, text: &str, ecosystem: &Ecosystem) -> Result<Parsed, ParseError> {
    parse_stanzas(path, text, ecosystem, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: TLS\n library\n\nPackage: libc6\nStatus: install ok installed\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4+b1\n\nPackage: old\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: adduser\nStatus: install ok installed\nVersion: 3.134\n\nPackage: broken\nStatus: install ok installed\n";

    fn summary(parsed: &Parsed) -> Vec<String> {
        parsed
            .components
            .iter()
            .map(|c| {
                let src = c
                    .source_package
                    .as_ref()
                    .map(|s| format!("{} {}", s.name, s.version));
                format!(
                    "{} {} <- {} @{:?}",
                    c.name,
                    c.version,
                    src.unwrap_or_default(),
                    c.source.line
                )
            })
            .collect()
    }

    #[test]
    fn installed_packages_with_their_source_packages() {
        let parsed = parse_status(
            "var/lib/dpkg/status",
            STATUS,
            &Ecosystem::parse("Debian:12"),
        )
        .unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(
            summary(&parsed),
            [
                "libssl3 3.0.11-1~deb12u2 <- openssl 3.0.11-1~deb12u2 @Some(1)",
                "libc6 2.36-9+deb12u4+b1 <- glibc 2.36-9+deb12u4 @Some(9)",
                "adduser 3.134 <- adduser 3.134 @Some(18)",
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, Some(22));
        assert_eq!(parsed.components[0].ecosystem.to_string(), "Debian:12");
    }

    #[test]
    fn status_d_files_need_no_status_field() {
        let text = "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n";
        let eco = Ecosystem::parse("Debian:12");
        let parsed = parse_status_d("var/lib/dpkg/status.d/tzdata", text, &eco)
            .unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(parsed.components.len(), 1);
        let in_status =
            parse_status("var/lib/dpkg/status", text, &eco).unwrap_or_else(|e| panic!("{}", e.0));
        assert!(in_status.components.is_empty(), "status needs Status");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(Package|Version|Status|Source|\\PC{0,8}|:| |\n|\\(|\\)){0,60}") {
            let _ = parse_status("s", &text, &Ecosystem::parse("Debian:12"));
            let _ = parse_status_d("s", &text, &Ecosystem::parse("Debian:12"));
        }
    }
}
