//! `os-release` (`etc/os-release`, falling back to `usr/lib/os-release`): which distribution
//! and release a root file system is, so that its OS packages land in the right OSV
//! ecosystem (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.20`, `AlmaLinux:9`…).
//!
//! The format is a list of shell-style `KEY=value` assignments, one a line; lines starting
//! with `#` are comments. A value may be bare, `"double-quoted"` (where `\"`, `\\`, `` \` ``
//! and `\$` are escapes) or `'single-quoted'` (literal), and quoted and bare pieces may be
//! joined as in the shell. Read: `ID`, `ID_LIKE`, `VERSION_ID`, `VERSION_CODENAME`,
//! `PRETTY_NAME` and `VERSION`; every other key and every malformed line is ignored, so any
//! text gives a (possibly empty) [`Distro`].

use patchwarden_core::{Ecosystem, EcosystemKind};

/// What `os-release` says about the distribution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Distro {
    /// `ID` (`debian`, `ubuntu`, `alpine`, `almalinux`…), lower-cased; empty when absent.
    pub id: String,
    /// `ID_LIKE`: the distributions this one derives from, lower-cased.
    pub id_like: Vec<String>,
    /// `VERSION_ID` (`12`, `22.04`, `3.20.3`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub version_codename: Option<String>,
    /// `PRETTY_NAME` (`Debian GNU/Linux 12 (bookworm)`); SUSE's OSV releases are spelled
    /// from it.
    pub pretty_name: Option<String>,
    /// `VERSION` (`22.04.4 LTS (Jammy Jellyfish)`): Ubuntu and openEuler mark their
    /// long-term-support releases there.
    pub version: Option<String>,
}

/// Longest value kept; real values are a few dozen characters.
const MAX_VALUE_CHARS: usize = 1024;

/// Decodes the value of one assignment the way a POSIX shell would for the constructs
/// os-release allows. An unterminated quote runs to the end of the line (the shell would
/// reject the file; keeping the text is more useful than dropping it).
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '`' | '$')) => out.push(e),
                            // Inside double quotes a backslash before any other character
                            // is kept literally, as in the shell.
                            Some(other) => {
                                out.push('\\');
                                out.push(other);
                            }
                            None => out.push('\\'),
                        },
                        other => out.push(other),
                    }
                }
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            // Outside quotes a backslash escapes the next character.
            '\\' => out.extend(chars.next()),
            other => out.push(other),
        }
        // A cheap bound on the work for hostile lines; trimmed exactly below.
        if out.len() > MAX_VALUE_CHARS * 4 {
            break;
        }
    }
    out.chars().take(MAX_VALUE_CHARS).collect()
}

/// Reads an `os-release` file. Never fails: unknown keys and malformed lines are ignored.
pub fn parse(text: &str) -> Distro {
    let mut distro = Distro::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(value);
        let non_empty = || Some(value.clone()).filter(|v| !v.trim().is_empty());
        match key.trim() {
            "ID" => distro.id = value.trim().to_ascii_lowercase(),
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

/// `text` with a leading `prefix` and the spaces after it removed, if it starts so.
fn after_word<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = text.trim().strip_prefix(prefix)?;
    let rest = rest.trim_start();
    (!rest.is_empty()).then_some(rest)
}

impl Distro {
    /// The OSV ecosystem of this distribution's packages, with the release spelled as OSV
    /// spells it, or `None` when OSV has no ecosystem for the distribution (Amazon Linux,
    /// Oracle Linux, CentOS, Fedora, Arch…) or the file lacks the release it needs. The
    /// caller warns for `None`.
    ///
    /// Derivatives (`ID_LIKE`) are not mapped to their parent: their package versions
    /// differ, and matching them against the parent's advisories would mislead.
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        let version = self
            .version_id
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let numeric = version.filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
        let major = numeric.map(|v| leading_parts(v, 1));
        let major_minor = numeric.map(|v| leading_parts(v, 2));
        let with = |kind: EcosystemKind, release: Option<String>| {
            release.map(|r| Ecosystem::with_release(kind, r))
        };
        let bare = |kind: EcosystemKind| Some(Ecosystem::new(kind));
        let pretty = self.pretty_name.as_deref().unwrap_or("");
        match self.id.as_str() {
            // `Debian:12`; testing and unstable have no VERSION_ID, and OSV names them by
            // their series (`Debian:trixie`, `Debian:sid`).
            "debian" => with(
                EcosystemKind::Debian,
                major.or_else(|| self.version_codename.clone()),
            ),
            // `Ubuntu:22.04:LTS`, `Ubuntu:23.10`: OSV requires the `:LTS` suffix on LTS
            // releases. `VERSION`/`PRETTY_NAME` say "LTS"; failing both, every `YY.04` of an
            // even year since 8.04 is an LTS release.
            "ubuntu" => major_minor.map(|release| {
                let said = [self.version.as_deref(), self.pretty_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|v| v.split_whitespace().any(|w| w == "LTS"));
                let by_rule = match release.split_once('.') {
                    Some((year, "04")) => year.parse::<u32>().is_ok_and(|y| y % 2 == 0 && y >= 8),
                    _ => false,
                };
                let release = if said || by_rule {
                    format!("{release}:LTS")
                } else {
                    release
                };
                Ecosystem::with_release(EcosystemKind::Ubuntu, release)
            }),
            // `Alpine:v3.20`; edge (`3.21.0_alpha20240807`) keeps its major.minor too.
            "alpine" => with(EcosystemKind::Alpine, major_minor.map(|r| format!("v{r}"))),
            "almalinux" => with(EcosystemKind::AlmaLinux, major),
            "rocky" => with(EcosystemKind::RockyLinux, major),
            // Red Hat advisories are scoped to a CPE-derived product stream
            // (`Red Hat:enterprise_linux:9::appstream`); the package database does not say
            // which repository a package came from, so the release names the product and
            // major version and a matcher compares it as a prefix.
            "rhel" => with(
                EcosystemKind::RedHat,
                major.map(|m| format!("enterprise_linux:{m}")),
            ),
            // SUSE's releases are the product name of PRETTY_NAME without the vendor word:
            // `SUSE Linux Enterprise Server 15 SP5` → `SUSE:Linux Enterprise Server 15 SP5`,
            // `openSUSE Leap 15.6` → `openSUSE:Leap 15.6`, `openSUSE Tumbleweed` →
            // `openSUSE:Tumbleweed`.
            "opensuse-leap" | "opensuse-tumbleweed" | "opensuse-leap-micro" | "opensuse" => with(
                EcosystemKind::OpenSuse,
                after_word(pretty, "openSUSE").map(str::to_string),
            ),
            "sles" | "sled" | "sles_sap" | "sle-micro" | "sl-micro" => with(
                EcosystemKind::Suse,
                after_word(pretty, "SUSE").map(str::to_string),
            ),
            // Azure Linux (and CBL-Mariner, its former name) releases are the major version:
            // `Azure Linux:3`, `Azure Linux:2` for Mariner 2.0.
            "azurelinux" | "mariner" => with(EcosystemKind::AzureLinux, major),
            // `Photon OS:5.0`.
            "photon" => with(EcosystemKind::PhotonOs, major_minor),
            "mageia" => with(EcosystemKind::Mageia, major),
            // `openEuler:22.03-LTS-SP1`: VERSION_ID `22.03`, VERSION `22.03 (LTS-SP1)`.
            // Innovation releases have no advisories; they keep the bare number.
            "openeuler" => with(
                EcosystemKind::OpenEuler,
                major_minor.map(|release| {
                    let qualifier = self
                        .version
                        .as_deref()
                        .and_then(|v| v.split_once('('))
                        .map(|(_, rest)| rest.trim_end().trim_end_matches(')').trim())
                        .filter(|q| q.starts_with("LTS"));
                    match qualifier {
                        Some(q) => format!("{release}-{}", q.replace(' ', "-")),
                        None => release,
                    }
                }),
            ),
            // `Alpaquita:23`, `Alpaquita:stream`.
            "alpaquita" => with(
                EcosystemKind::Alpaquita,
                major.or_else(|| version.map(str::to_ascii_lowercase)),
            ),
            // Rolling distributions: no release.
            "wolfi" => bare(EcosystemKind::Wolfi),
            "chainguard" => bare(EcosystemKind::Chainguard),
            "minimos" => bare(EcosystemKind::MinimOs),
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
    fn values_are_unquoted_like_the_shell() {
        assert_eq!(unquote("\"a \\\"q\\\" \\\\ b\""), "a \"q\" \\ b");
        assert_eq!(unquote("'x \\ y'"), "x \\ y");
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(unquote("a\\ b"), "a b");
        assert_eq!(unquote("\"a\"'b'c"), "abc");
        assert_eq!(unquote("\"\\n\""), "\\n");
        assert_eq!(unquote("\"open"), "open");
        assert_eq!(unquote("\""), "");
        assert_eq!(unquote("\\"), "");
        assert_eq!(unquote(&"x".repeat(5000)).len(), MAX_VALUE_CHARS);
    }

    #[test]
    fn reads_the_keys_of_interest() {
        let d = parse(
            "\u{feff}# comment\nNAME=\"Debian GNU/Linux\"\nID=Debian\nID_LIKE=\"rhel  fedora\"\nVERSION_ID=\"12\"\nPRETTY_NAME='x y'\nVERSION_CODENAME=\nbroken line\n=novalue\n",
        );
        assert_eq!(d.id, "debian");
        assert_eq!(d.id_like, ["rhel", "fedora"]);
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.pretty_name.as_deref(), Some("x y"));
        assert_eq!(d.version_codename, None);
    }

    #[test]
    fn maps_distributions_to_osv_ecosystems() {
        let cases = [
            ("ID=debian\nVERSION_ID=\"12\"\n", Some("Debian:12")),
            (
                "ID=debian\nVERSION_CODENAME=trixie\n",
                Some("Debian:trixie"),
            ),
            (
                "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\n",
                Some("Ubuntu:22.04:LTS"),
            ),
            (
                "ID=ubuntu\nVERSION_ID=\"24.04\"\n",
                Some("Ubuntu:24.04:LTS"),
            ),
            (
                "ID=ubuntu\nVERSION_ID=\"23.10\"\nVERSION=\"23.10 (Mantic Minotaur)\"\n",
                Some("Ubuntu:23.10"),
            ),
            ("ID=alpine\nVERSION_ID=3.20.3\n", Some("Alpine:v3.20")),
            (
                "ID=\"almalinux\"\nVERSION_ID=\"9.4\"\n",
                Some("AlmaLinux:9"),
            ),
            ("ID=\"rocky\"\nVERSION_ID=\"8.10\"\n", Some("Rocky Linux:8")),
            (
                "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n",
                Some("Red Hat:enterprise_linux:9"),
            ),
            (
                "ID=\"sles\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\n",
                Some("SUSE:Linux Enterprise Server 15 SP5"),
            ),
            (
                "ID=\"opensuse-leap\"\nVERSION_ID=\"15.6\"\nPRETTY_NAME=\"openSUSE Leap 15.6\"\n",
                Some("openSUSE:Leap 15.6"),
            ),
            ("ID=mariner\nVERSION_ID=\"2.0\"\n", Some("Azure Linux:2")),
            ("ID=photon\nVERSION_ID=5.0\n", Some("Photon OS:5.0")),
            (
                "ID=\"openEuler\"\nVERSION_ID=\"22.03\"\nVERSION=\"22.03 (LTS-SP1)\"\n",
                Some("openEuler:22.03-LTS-SP1"),
            ),
            ("ID=wolfi\n", Some("Wolfi")),
            ("ID=alpine\n", None),
            ("ID=sles\nVERSION_ID=15.5\n", None),
            ("ID=amzn\nVERSION_ID=\"2023\"\n", None),
            ("ID=plan9\nVERSION_ID=4\n", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(eco(text).as_deref(), want, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "((ID|VERSION_ID|VERSION|PRETTY_NAME)=|\"|'|\\\\|\\PC{0,6}|\n){0,40}") {
            let _ = parse(&text).ecosystem();
        }
    }
}
