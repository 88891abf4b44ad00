//! Version schemes: which ordering an ecosystem uses, and parsed versions to compare.

use std::cmp::Ordering;
use std::str::FromStr;

use patchwarden_core::EcosystemKind;

use crate::generic::GenericVersion;

/// A version string could not be read in a scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{version}` is not a valid {scheme} version: {reason}")]
pub struct VersionError {
    /// The string that failed.
    pub version: String,
    /// The scheme it was read in.
    pub scheme: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

/// A version ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Semantic Versioning 2.0.0 precedence (build metadata ignored). Used by crates.io and npm,
    /// and by Go with the leading `v` removed.
    SemVer,
    /// PEP 440, the PyPI ordering (epochs, pre/post/dev releases, local versions).
    Pep440,
    /// A best-effort ordering for schemes not implemented yet: dot/dash separated numeric and
    /// alphabetic parts. Verdicts computed with it are approximate.
    Generic,
}

impl Scheme {
    /// The ordering an ecosystem uses.
    pub fn for_ecosystem(kind: &EcosystemKind) -> Scheme {
        match kind {
            EcosystemKind::CratesIo | EcosystemKind::Npm | EcosystemKind::Go => Scheme::SemVer,
            EcosystemKind::PyPI => Scheme::Pep440,
            _ => Scheme::Generic,
        }
    }

    /// Name of the scheme, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::SemVer => "SemVer",
            Scheme::Pep440 => "PEP 440",
            Scheme::Generic => "generic",
        }
    }

    /// Whether comparisons in this scheme follow the ecosystem's own rules exactly.
    pub fn is_exact(self) -> bool {
        !matches!(self, Scheme::Generic)
    }

    /// Parses a version string in this scheme.
    pub fn parse(self, s: &str) -> Result<Version, VersionError> {
        let err = |reason: String| VersionError {
            version: s.to_string(),
            scheme: self.name(),
            reason,
        };
        match self {
            Scheme::SemVer => {
                let t = s.trim();
                let t = t.strip_prefix('=').unwrap_or(t).trim_start();
                let t = t.strip_prefix('v').unwrap_or(t);
                semver::Version::parse(t)
                    .map(Version::SemVer)
                    .map_err(|e| err(e.to_string()))
            }
            Scheme::Pep440 => pep440_rs::Version::from_str(s.trim())
                .map(Version::Pep440)
                .map_err(|e| err(e.to_string())),
            Scheme::Generic => GenericVersion::parse(s)
                .map(Version::Generic)
                .ok_or_else(|| err("empty version".to_string())),
        }
    }

    /// Compares two version strings in this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

/// A parsed version. Versions are only compared with versions of the same scheme; comparing
/// across schemes orders by scheme first (a total order, but meaningless: callers never do it).
#[derive(Clone, Debug)]
pub enum Version {
    /// A SemVer 2.0 version.
    SemVer(semver::Version),
    /// A PEP 440 version.
    Pep440(pep440_rs::Version),
    /// A version in the generic fallback ordering.
    Generic(GenericVersion),
}

impl Version {
    fn rank(&self) -> u8 {
        match self {
            Version::SemVer(_) => 0,
            Version::Pep440(_) => 1,
            Version::Generic(_) => 2,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::SemVer(a), Version::SemVer(b)) => a.cmp_precedence(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::Generic(a), Version::Generic(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(s: Scheme, a: &str, b: &str) -> Ordering {
        s.compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn semver_follows_precedence_rules() {
        let s = Scheme::SemVer;
        assert_eq!(cmp(s, "1.0.0-alpha", "1.0.0-alpha.1"), Less);
        assert_eq!(cmp(s, "1.0.0-alpha.beta", "1.0.0-beta"), Less);
        assert_eq!(cmp(s, "1.0.0-beta.11", "1.0.0-rc.1"), Less);
        assert_eq!(cmp(s, "1.0.0-rc.1", "1.0.0"), Less);
        assert_eq!(cmp(s, "1.0.0+build.1", "1.0.0+build.2"), Equal);
        assert_eq!(cmp(s, "v1.2.3", "1.2.3"), Equal);
        assert_eq!(cmp(s, "1.10.0", "1.9.0"), Greater);
        assert!(s.parse("1.0").is_err());
    }

    #[test]
    fn pep440_orders_pre_post_dev_epochs_and_locals() {
        let s = Scheme::Pep440;
        assert_eq!(cmp(s, "1.0.dev0", "1.0a1"), Less);
        assert_eq!(cmp(s, "1.0a1", "1.0rc1"), Less);
        assert_eq!(cmp(s, "1.0rc1", "1.0"), Less);
        assert_eq!(cmp(s, "1.0", "1.0.post1"), Less);
        assert_eq!(cmp(s, "1.0", "1.0.0"), Equal);
        assert_eq!(cmp(s, "1.0+local", "1.0"), Greater);
        assert_eq!(cmp(s, "1!0.1", "2.0"), Greater);
        assert!(s.parse("not a version").is_err());
    }

    #[test]
    fn ecosystems_pick_their_scheme() {
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::PyPI), Scheme::Pep440);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Npm), Scheme::SemVer);
        assert!(!Scheme::for_ecosystem(&EcosystemKind::Other("x".into())).is_exact());
    }
}
