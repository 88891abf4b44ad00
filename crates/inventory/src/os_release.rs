//! `os-release` (`etc/os-release`, `usr/lib/os-release`): which distribution and release a
//! root file system is, so its packages land in the right OSV ecosystem (`Debian:12`,
//! `Ubuntu:22.04:LTS`, `Alpine:v3.20`, `AlmaLinux:9`…).
//!
//! The syntax is shell-like `KEY=value` lines; values may be quoted with `"` or `'`, and
//! backslash escapes `\"`, `\\`, `` \` `` and `\$` inside double quotes. Comments start with
//! `#`.

use patchwarden_core::{Ecosystem, EcosystemKind};

/// What `os-release` says about the distribution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Distro {
    /// `ID` (`debian`, `ubuntu`, `alpine`, `almalinux`…), lower-case.
    pub id: String,
    /// `ID_LIKE`, the distributions it derives from.
    pub id_like: Vec<String>,
    /// `VERSION_ID` (`12`, `22.04`, `3.20.3`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
    /// `VERSION` (Ubuntu marks LTS releases there: `22.04.4 LTS (Jammy Jellyfish)`).
    pub version: Option<String>,
}

/// Unquotes one value: `"a \"b\""` → `a "b"`, `'x'` → `x`, `plain` → `plain`.
fn unquote(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(inner) = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| raw.len() >= 2)
    {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(e @ ('"' | '\\' | '`' | '$')) => out.push(e),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    } else if let Some(inner) = raw
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .filter(|_| raw.len() >= 2)
    {
        inner.to_string()
    } else {
        raw.to_string()
    }
}

/// Reads an `os-release` file. Unknown keys and malformed lines are ignored.
pub fn parse(text: &str) -> Distro {
    let mut distro = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(value);
        let non_empty = || Some(value.clone()).filter(|v| !v.is_empty());
        match key.trim() {
            "ID" => distro.id = value.to_ascii_lowercase(),
            "ID_LIKE" => {
                distro.id_like = value
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
            }
            "VERSION_ID" => distro.version_id = non_empty(),
            "VERSION_CODENAME" => distro.version_codename = non_empty(),
            "PRETTY_NAME" => distro.pretty_name = non_empty(),
            "VERSION" => distro.version = non_empty(),
            _ => {}
        }
    }
    distro
}

/// The first `n` dot-separated parts of a version (`3.20.3`, 2 → `3.20`).
fn leading_parts(version: &str, n: usize) -> String {
    version.split('.').take(n).collect::<Vec<_>>().join(".")
}

impl Distro {
    /// The OSV ecosystem of this distribution's packages, with the release as OSV spells it,
    /// or `None` when OSV has no ecosystem for it.
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        let version = self.version_id.as_deref().unwrap_or("");
        let with = |kind: EcosystemKind, release: String| {
            let name = kind.as_str().to_string();
            Some(if release.is_empty() {
                Ecosystem::parse(&name)
            } else {
                Ecosystem::parse(&format!("{name}:{release}"))
            })
        };
        match self.id.as_str() {
            "debian" => {
                // Testing and unstable have no VERSION_ID; OSV uses the series name there.
                let release = if version.is_empty() {
                    self.version_codename.clone().unwrap_or_default()
                } else {
                    leading_parts(version, 1)
                };
                with(EcosystemKind::Debian, release)
            }
            "ubuntu" => {
                let lts = self
                    .version
                    .as_deref()
                    .or(self.pretty_name.as_deref())
                    .is_some_and(|v| v.contains("LTS"));
                let release = leading_parts(version, 2);
                with(
                    EcosystemKind::Ubuntu,
                    if lts {
                        format!("{release}:LTS")
                    } else {
                        release
                    },
                )
            }
            "alpine" if !version.is_empty() => with(
                EcosystemKind::Alpine,
                format!("v{}", leading_parts(version, 2)),
            ),
            "almalinux" => with(EcosystemKind::AlmaLinux, leading_parts(version, 1)),
            "rocky" => with(EcosystemKind::RockyLinux, leading_parts(version, 1)),
            "wolfi" => with(EcosystemKind::Wolfi, String::new()),
            "chainguard" => with(EcosystemKind::Chainguard, String::new()),
            "photon" => with(EcosystemKind::PhotonOs, leading_parts(version, 2)),
            "azurelinux" => with(EcosystemKind::AzureLinux, leading_parts(version, 2)),
            "mageia" => with(EcosystemKind::Mageia, leading_parts(version, 1)),
            "openeuler" => with(EcosystemKind::OpenEuler, version.to_string()),
            "opensuse-leap" | "opensuse-tumbleweed" | "opensuse" => with(
                EcosystemKind::OpenSuse,
                self.pretty_name.clone().unwrap_or_default(),
            ),
            "sles" | "sled" | "sle-micro" => with(
                EcosystemKind::Suse,
                self.pretty_name.clone().unwrap_or_default(),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eco(text: &str) -> Option<String> {
        parse(text).ecosystem().map(|e| e.to_string())
    }

    #[test]
    fn reads_quoted_and_escaped_values() {
        let d = parse(
            "# comment\nNAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME='x y'\nX=\"a \\\"q\\\" \\\\ b\"\nbroken line\n",
        );
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.pretty_name.as_deref(), Some("x y"));
        assert_eq!(unquote("\"a \\\"q\\\" \\\\ b\""), "a \"q\" \\ b");
        assert_eq!(unquote("\""), "\"");
    }

    #[test]
    fn maps_distributions_to_osv_ecosystems() {
        assert_eq!(
            eco("ID=debian\nVERSION_ID=\"12\"\n").as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            eco("ID=debian\nVERSION_CODENAME=trixie\n").as_deref(),
            Some("Debian:trixie")
        );
        assert_eq!(
            eco("ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\n")
                .as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            eco("ID=ubuntu\nVERSION_ID=\"23.10\"\nVERSION=\"23.10 (Mantic Minotaur)\"\n")
                .as_deref(),
            Some("Ubuntu:23.10")
        );
        assert_eq!(
            eco("ID=alpine\nVERSION_ID=3.20.3\n").as_deref(),
            Some("Alpine:v3.20")
        );
        assert_eq!(
            eco("ID=\"almalinux\"\nVERSION_ID=\"9.4\"\n").as_deref(),
            Some("AlmaLinux:9")
        );
        assert_eq!(
            eco("ID=\"rocky\"\nVERSION_ID=\"8.10\"\n").as_deref(),
            Some("Rocky Linux:8")
        );
        assert_eq!(eco("ID=wolfi\n").as_deref(), Some("Wolfi"));
        assert_eq!(eco("ID=plan9\nVERSION_ID=4\n"), None);
        assert_eq!(eco(""), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text).ecosystem();
        }
    }
}
