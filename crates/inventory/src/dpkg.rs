//! dpkg's package database: `var/lib/dpkg/status`, and the one-file-per-package
//! `var/lib/dpkg/status.d/` of distroless images.
//!
//! The format is deb822: each package is a stanza of `Field: value` lines, stanzas
//! separated by blank lines; a line starting with a space or tab continues the field above
//! it (none of the fields read here spans lines). Field names are case-insensitive. Read:
//! `Package`, `Version`, `Status` and `Source`. `Architecture` is not kept: a component has
//! no architecture, and the multi-arch copies of one package at one version (`libc6` for
//! amd64 and i386) are one component.
//!
//! Which stanzas are installed packages: `Status` is `want flag state`. As `dpkg -l` and
//! Trivy/Grype users expect, a package counts when its files are fully on disk, whatever it
//! is marked for: state `installed`, `triggers-pending` or `triggers-awaited` (so held
//! packages, `hold ok installed`, count too). `config-files` and `not-installed` stanzas are
//! remnants of removed packages and are skipped; `unpacked`, `half-configured` and
//! `half-installed` (an interrupted operation) become warnings. `status.d/` files have no
//! `Status` field and every stanza counts (a `Status`, where present, is still honoured).
//!
//! Debian advisories name source packages, so each component records its source package:
//! `Source: openssl` (same version as the binary), `Source: glibc (2.36-9+deb12u4)` (the
//! source version differs, e.g. binNMUs), or no `Source` field (the binary is its own
//! source).

use std::collections::HashSet;

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};

use crate::values::{clip, is_token};
use crate::{ParseError, Parsed, Warning};

/// One stanza's fields of interest, with its first line.
#[derive(Default)]
struct Stanza {
    line: u32,
    package: Option<String>,
    version: Option<String>,
    status: Option<String>,
    source: Option<String>,
    /// A field of interest given twice.
    repeated: Option<&'static str>,
}

impl Stanza {
    fn set(&mut self, field: &str, value: &str) {
        let (slot, name) = if field.eq_ignore_ascii_case("Package") {
            (&mut self.package, "Package")
        } else if field.eq_ignore_ascii_case("Version") {
            (&mut self.version, "Version")
        } else if field.eq_ignore_ascii_case("Status") {
            (&mut self.status, "Status")
        } else if field.eq_ignore_ascii_case("Source") {
            (&mut self.source, "Source")
        } else {
            return;
        };
        if slot.is_some() {
            self.repeated.get_or_insert(name);
        } else {
            *slot = Some(value.trim().to_string());
        }
    }
}

/// Splits the text into stanzas, in file order. Lines that are neither a field nor a
/// continuation are ignored (dpkg would refuse them; what surrounds them is still useful).
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
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        current
            .get_or_insert_with(|| Stanza {
                line: number,
                ..Stanza::default()
            })
            .set(field.trim(), value);
    }
    out.extend(current);
    out
}

/// What the `Status` field says about a package.
enum Installed {
    Yes,
    /// Removed; only configuration files or nothing is left.
    Removed,
    /// In the middle of an operation, or unreadable: the message for the warning.
    Unclear(String),
}

fn installed(status: Option<&str>, need_status: bool) -> Installed {
    let Some(status) = status else {
        return if need_status {
            Installed::Unclear("package has no Status field".into())
        } else {
            Installed::Yes
        };
    };
    let words: Vec<&str> = status.split_whitespace().collect();
    match words.as_slice() {
        [_, _, "installed" | "triggers-pending" | "triggers-awaited"] => Installed::Yes,
        [_, _, "config-files" | "not-installed"] => Installed::Removed,
        [
            _,
            _,
            state @ ("unpacked" | "half-configured" | "half-installed"),
        ] => Installed::Unclear(format!(
            "package is `{state}` (an install or removal did not finish): not listed"
        )),
        _ => Installed::Unclear(format!("unrecognised Status `{}`", clip(status))),
    }
}

/// The source package of a binary from its `Source` field: `src`, `src (version)`, or
/// absent (the binary is its own source).
fn source_package(source: Option<&str>, name: &str, version: &str) -> Option<SourcePackage> {
    let own = || SourcePackage {
        name: name.to_string(),
        version: version.to_string(),
    };
    let Some(source) = source.filter(|s| !s.is_empty()) else {
        return Some(own());
    };
    let (src, src_version) = match source.split_once('(') {
        Some((src, rest)) => {
            let inner = rest.trim().strip_suffix(')')?.trim();
            (src.trim(), inner)
        }
        None => (source.trim(), version),
    };
    (is_token(src) && is_token(src_version)).then(|| SourcePackage {
        name: src.to_string(),
        version: src_version.to_string(),
    })
}

fn parse_stanzas(
    path: &str,
    text: &str,
    ecosystem: &Ecosystem,
    need_status: bool,
) -> Result<Parsed, ParseError> {
    if text.contains('\0') {
        return Err(ParseError(
            "not a dpkg status file: it holds binary data".into(),
        ));
    }
    let all = stanzas(text);
    if !all.is_empty() && all.iter().all(|s| s.package.is_none()) {
        return Err(ParseError(
            "not a dpkg status file: no stanza has a `Package:` field".into(),
        ));
    }
    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    let warn = |parsed: &mut Parsed, line: u32, message: String| {
        parsed.warnings.push(Warning {
            path: path.to_string(),
            line: Some(line),
            message,
        });
    };
    for s in all {
        // Messages name the package where the stanza has one.
        let label = |message: &str| match s.package.as_deref() {
            Some(name) => format!("{}: {message}", clip(name)),
            None => message.to_string(),
        };
        match installed(s.status.as_deref(), need_status) {
            Installed::Yes => {}
            Installed::Removed => continue,
            Installed::Unclear(why) => {
                warn(&mut parsed, s.line, label(&why));
                continue;
            }
        }
        if let Some(field) = s.repeated {
            warn(
                &mut parsed,
                s.line,
                label(&format!(
                    "the `{field}` field appears twice; the first is used"
                )),
            );
        }
        let (Some(name), Some(version)) = (s.package.as_deref(), s.version.as_deref()) else {
            warn(
                &mut parsed,
                s.line,
                label("installed package without a Package or Version field"),
            );
            continue;
        };
        if !is_token(name) || !is_token(version) {
            warn(
                &mut parsed,
                s.line,
                format!(
                    "invalid package name or version `{} {}`",
                    clip(name),
                    clip(version)
                ),
            );
            continue;
        }
        let Some(source) = source_package(s.source.as_deref(), name, version) else {
            warn(
                &mut parsed,
                s.line,
                format!(
                    "{name}: unreadable Source field `{}`",
                    clip(s.source.as_deref().unwrap_or(""))
                ),
            );
            continue;
        };
        if !seen.insert((name.to_string(), version.to_string())) {
            continue;
        }
        let mut component = Component::new(
            ecosystem.clone(),
            name,
            version,
            Location::at(path, Some(s.line)),
        );
        component.direct = None;
        component.scope = Scope::Required;
        component.source_package = Some(source);
        parsed.components.push(component);
    }
    Ok(parsed)
}

/// Reads `var/lib/dpkg/status`: every installed package (see the module documentation for
/// which `Status` values count), in file order, with its source package, in `ecosystem`
/// (from `os-release`, e.g. `Debian:12`).
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

    const STATUS: &str = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: TLS\n library\n\nPackage: libc6\nstatus: install ok installed\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4+b1\n\nPackage: old\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: adduser\nStatus: hold ok installed\nVersion: 3.134\n\nPackage: broken\nStatus: install ok installed\n\nPackage: half\nStatus: install reinstreq half-installed\nVersion: 1\n\nPackage: libssl3\nStatus: install ok installed\nArchitecture: i386\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n";

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
        let warnings: Vec<_> = parsed
            .warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    Some(22),
                    "broken: installed package without a Package or Version field"
                ),
                (
                    Some(25),
                    "half: package is `half-installed` (an install or removal did not finish): not listed"
                ),
            ]
        );
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
        assert_eq!(in_status.warnings.len(), 1);
    }

    #[test]
    fn source_fields() {
        let sp =
            |s: Option<&str>| source_package(s, "bin", "1.0-1+b1").map(|p| (p.name, p.version));
        assert_eq!(sp(None), Some(("bin".into(), "1.0-1+b1".into())));
        assert_eq!(sp(Some("src")), Some(("src".into(), "1.0-1+b1".into())));
        assert_eq!(
            sp(Some("src (1:1.0-1)")),
            Some(("src".into(), "1:1.0-1".into()))
        );
        assert_eq!(sp(Some("src (1.0")), None);
        assert_eq!(sp(Some("src ()")), None);
        assert_eq!(sp(Some("a b")), None);
    }

    #[test]
    fn garbage_is_an_error_and_empty_is_nothing() {
        let eco = Ecosystem::parse("Debian:12");
        assert!(parse_status("s", "hello\nworld: 1\n", &eco).is_err());
        assert!(parse_status("s", "Package: a\0", &eco).is_err());
        let empty = parse_status("s", "\n\n", &eco).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(empty, Parsed::default());
    }
}
