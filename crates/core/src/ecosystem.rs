//! Package ecosystems, named exactly as OSV names them.

use std::fmt;

/// The family of an ecosystem: which registry or distribution a package comes from.
///
/// Names and spellings follow OSV's `ecosystems.json`. Anything else is kept verbatim in
/// [`EcosystemKind::Other`], so an advisory for a new ecosystem never fails to load.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EcosystemKind {
    AlmaLinux,
    Alpaquita,
    Alpine,
    Android,
    AzureLinux,
    Bitnami,
    Chainguard,
    ConanCenter,
    Cran,
    CratesIo,
    Debian,
    Ghc,
    GitHubActions,
    Go,
    Hackage,
    Hex,
    Julia,
    Mageia,
    Maven,
    MinimOs,
    Npm,
    NuGet,
    OpenEuler,
    OpenSuse,
    Packagist,
    PhotonOs,
    Pub,
    PyPI,
    RedHat,
    RockyLinux,
    RubyGems,
    Suse,
    SwiftUrl,
    Ubuntu,
    Wolfi,
    /// An ecosystem this version of Patchwarden does not know, spelled as the source spelled it.
    Other(String),
}

/// Every known kind with its OSV spelling; one table so parsing and printing cannot disagree.
const NAMES: &[(EcosystemKind, &str)] = &[
    (EcosystemKind::AlmaLinux, "AlmaLinux"),
    (EcosystemKind::Alpaquita, "Alpaquita"),
    (EcosystemKind::Alpine, "Alpine"),
    (EcosystemKind::Android, "Android"),
    (EcosystemKind::AzureLinux, "Azure Linux"),
    (EcosystemKind::Bitnami, "Bitnami"),
    (EcosystemKind::Chainguard, "Chainguard"),
    (EcosystemKind::ConanCenter, "ConanCenter"),
    (EcosystemKind::Cran, "CRAN"),
    (EcosystemKind::CratesIo, "crates.io"),
    (EcosystemKind::Debian, "Debian"),
    (EcosystemKind::Ghc, "GHC"),
    (EcosystemKind::GitHubActions, "GitHub Actions"),
    (EcosystemKind::Go, "Go"),
    (EcosystemKind::Hackage, "Hackage"),
    (EcosystemKind::Hex, "Hex"),
    (EcosystemKind::Julia, "Julia"),
    (EcosystemKind::Mageia, "Mageia"),
    (EcosystemKind::Maven, "Maven"),
    (EcosystemKind::MinimOs, "MinimOS"),
    (EcosystemKind::Npm, "npm"),
    (EcosystemKind::NuGet, "NuGet"),
    (EcosystemKind::OpenEuler, "openEuler"),
    (EcosystemKind::OpenSuse, "openSUSE"),
    (EcosystemKind::Packagist, "Packagist"),
    (EcosystemKind::PhotonOs, "Photon OS"),
    (EcosystemKind::Pub, "Pub"),
    (EcosystemKind::PyPI, "PyPI"),
    (EcosystemKind::RedHat, "Red Hat"),
    (EcosystemKind::RockyLinux, "Rocky Linux"),
    (EcosystemKind::RubyGems, "RubyGems"),
    (EcosystemKind::Suse, "SUSE"),
    (EcosystemKind::SwiftUrl, "SwiftURL"),
    (EcosystemKind::Ubuntu, "Ubuntu"),
    (EcosystemKind::Wolfi, "Wolfi"),
];

impl EcosystemKind {
    /// Parses an OSV ecosystem name without release suffix (`"crates.io"`, `"Debian"`).
    pub fn parse(name: &str) -> Self {
        NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| EcosystemKind::Other(name.to_string()))
    }

    /// The OSV spelling of this kind.
    pub fn as_str(&self) -> &str {
        match self {
            EcosystemKind::Other(s) => s,
            known => NAMES
                .iter()
                .find(|(k, _)| k == known)
                .map(|(_, n)| *n)
                .unwrap_or("unknown"),
        }
    }

    /// The purl type (`pkg:<type>/...`) packages of this ecosystem use, where one is defined.
    pub fn purl_type(&self) -> Option<&'static str> {
        Some(match self {
            EcosystemKind::CratesIo => "cargo",
            EcosystemKind::Npm => "npm",
            EcosystemKind::PyPI => "pypi",
            EcosystemKind::Go => "golang",
            EcosystemKind::Maven => "maven",
            EcosystemKind::NuGet => "nuget",
            EcosystemKind::RubyGems => "gem",
            EcosystemKind::Packagist => "composer",
            EcosystemKind::Pub => "pub",
            EcosystemKind::Hex => "hex",
            EcosystemKind::Debian | EcosystemKind::Ubuntu => "deb",
            EcosystemKind::Alpine
            | EcosystemKind::Wolfi
            | EcosystemKind::Chainguard
            | EcosystemKind::Alpaquita => "apk",
            EcosystemKind::AlmaLinux
            | EcosystemKind::RockyLinux
            | EcosystemKind::RedHat
            | EcosystemKind::Suse
            | EcosystemKind::OpenSuse
            | EcosystemKind::Mageia
            | EcosystemKind::OpenEuler
            | EcosystemKind::AzureLinux
            | EcosystemKind::PhotonOs => "rpm",
            EcosystemKind::Bitnami => "bitnami",
            EcosystemKind::Cran => "cran",
            EcosystemKind::Hackage | EcosystemKind::Ghc => "hackage",
            EcosystemKind::Julia => "julia",
            EcosystemKind::SwiftUrl => "swift",
            EcosystemKind::GitHubActions => "github",
            EcosystemKind::ConanCenter => "conan",
            _ => return None,
        })
    }
}

/// An OSV ecosystem: its kind plus the optional release suffix (`Debian:12`, `Alpine:v3.20`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ecosystem {
    kind: EcosystemKind,
    release: Option<String>,
}

impl Ecosystem {
    /// An ecosystem without release suffix.
    pub fn new(kind: EcosystemKind) -> Self {
        Ecosystem {
            kind,
            release: None,
        }
    }

    /// An ecosystem with a release suffix, as distributions use (`Debian:12`).
    pub fn with_release(kind: EcosystemKind, release: impl Into<String>) -> Self {
        Ecosystem {
            kind,
            release: Some(release.into()),
        }
    }

    /// Parses an OSV ecosystem string. The part after the first `:` is the release
    /// (`"Debian:12"`, `"Ubuntu:22.04:LTS"`); an unknown name is kept, never rejected.
    pub fn parse(s: &str) -> Self {
        let s = s.trim();
        match s.split_once(':') {
            Some((base, release)) if !release.is_empty() => Ecosystem {
                kind: EcosystemKind::parse(base),
                release: Some(release.to_string()),
            },
            _ => Ecosystem::new(EcosystemKind::parse(s.trim_end_matches(':'))),
        }
    }

    /// The ecosystem family.
    pub fn kind(&self) -> &EcosystemKind {
        &self.kind
    }

    /// The release suffix, if any.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// For ecosystems whose advisories name a narrower stream than a package database can
    /// tell (Red Hat: `enterprise_linux:9::appstream` for a system that only knows
    /// `enterprise_linux:9`), the prefix an advisory's ecosystem string starts with when it
    /// applies to this one; `None` when only the exact ecosystem applies.
    pub fn stream_prefix(&self) -> Option<String> {
        match (&self.kind, &self.release) {
            (EcosystemKind::RedHat, Some(_)) => Some(format!("{self}::")),
            _ => None,
        }
    }

    /// Whether an advisory for ecosystem `self` applies to a component of `component`: the
    /// same ecosystem, or (see [`Ecosystem::stream_prefix`]) a stream of it.
    pub fn applies_to(&self, component: &Ecosystem) -> bool {
        self == component
            || component
                .stream_prefix()
                .is_some_and(|prefix| self.to_string().starts_with(&prefix))
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.release {
            Some(r) => write!(f, "{}:{}", self.kind.as_str(), r),
            None => f.write_str(self.kind.as_str()),
        }
    }
}

impl From<EcosystemKind> for Ecosystem {
    fn from(kind: EcosystemKind) -> Self {
        Ecosystem::new(kind)
    }
}

impl serde::Serialize for Ecosystem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Ecosystem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Ok(Ecosystem::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_round_trips() {
        for (kind, name) in NAMES {
            assert_eq!(&EcosystemKind::parse(name), kind);
            assert_eq!(kind.as_str(), *name);
        }
    }

    #[test]
    fn release_suffixes_are_split_once() {
        let e = Ecosystem::parse("Ubuntu:22.04:LTS");
        assert_eq!(e.kind(), &EcosystemKind::Ubuntu);
        assert_eq!(e.release(), Some("22.04:LTS"));
        assert_eq!(e.to_string(), "Ubuntu:22.04:LTS");
        assert_eq!(Ecosystem::parse("Debian:12").to_string(), "Debian:12");
    }

    #[test]
    fn unknown_ecosystems_are_kept_verbatim() {
        let e = Ecosystem::parse("Brand New Thing");
        assert_eq!(e.kind(), &EcosystemKind::Other("Brand New Thing".into()));
        assert_eq!(e.to_string(), "Brand New Thing");
        assert_eq!(e.kind().purl_type(), None);
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[test]
    fn red_hat_streams_apply_to_the_release_they_extend() {
        let system = Ecosystem::parse("Red Hat:enterprise_linux:9");
        assert!(Ecosystem::parse("Red Hat:enterprise_linux:9::appstream").applies_to(&system));
        assert!(Ecosystem::parse("Red Hat:enterprise_linux:9::baseos").applies_to(&system));
        assert!(Ecosystem::parse("Red Hat:enterprise_linux:9").applies_to(&system));
        assert!(!Ecosystem::parse("Red Hat:enterprise_linux:8::appstream").applies_to(&system));
        assert!(!Ecosystem::parse("Red Hat:enterprise_linux:90::x").applies_to(&system));
        // Other distributions match exactly.
        let debian = Ecosystem::parse("Debian:12");
        assert!(Ecosystem::parse("Debian:12").applies_to(&debian));
        assert!(!Ecosystem::parse("Debian:12::x").applies_to(&debian));
        assert_eq!(debian.stream_prefix(), None);
    }
}
