//! Version schemes: which ordering an ecosystem uses, and parsed versions to compare.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::str::FromStr;

use patchwarden_core::EcosystemKind;

use crate::apk::ApkVersion;
use crate::cran::CranVersion;
use crate::generic::GenericVersion;
use crate::hackage::HackageVersion;
use crate::maven::MavenVersion;
use crate::nuget::NuGetVersion;
use crate::packagist::PackagistVersion;
use crate::pubdev::PubVersion;

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

/// A version ordering. Each ecosystem uses one; distribution ecosystems with a release
/// suffix (`Debian:12`, `Alpine:v3.20`) use their family's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Semantic Versioning 2.0.0 precedence, build metadata ignored, strict `major.minor.patch`
    /// (a leading `v` or `=` is tolerated). crates.io, Go (pseudo-versions are pre-releases,
    /// `+incompatible` is build metadata), Hex; also OSV `SEMVER` ranges.
    SemVer,
    /// npm's SemVer (node-semver): as SemVer, with npm's parsing (`v1.2.3`, `=1.2.3`).
    Npm,
    /// SemVer where a missing minor or patch reads as 0 (`1`, `v4.2`): Bitnami, Julia,
    /// SwiftURL and GitHub Actions tags.
    SemVerPadded,
    /// PEP 440, the PyPI ordering (epochs, pre/post/dev releases, local versions).
    Pep440,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// dpkg: epoch, upstream version, Debian revision, `~` before anything. Debian, Ubuntu.
    Dpkg,
    /// rpmvercmp with epoch, `~` and `^`: Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE…
    Rpm,
    /// Maven `ComparableVersion` per the POM version order specification (see [`crate::maven`]).
    Maven,
    /// NuGet: four numeric parts, case-insensitive pre-release labels (see [`crate::nuget`]).
    NuGet,
    /// Composer: normalised versions with stability suffixes (see [`crate::packagist`]).
    Packagist,
    /// apk-tools: Alpine, Wolfi, Chainguard, Alpaquita (see [`crate::apk`]).
    Apk,
    /// Dart `pub_semver`: SemVer with ordered build metadata (see [`crate::pubdev`]).
    Pub,
    /// R `package_version` (see [`crate::cran`]).
    Cran,
    /// Haskell PVP / Cabal versions: Hackage and GHC (see [`crate::hackage`]).
    Hackage,
    /// A best-effort ordering for schemes not implemented: dot/dash separated numeric and
    /// alphabetic parts. Verdicts computed with it are approximate.
    Generic,
}

impl Scheme {
    /// The ordering an ecosystem uses.
    pub fn for_ecosystem(kind: &EcosystemKind) -> Scheme {
        use EcosystemKind as E;
        match kind {
            E::CratesIo | E::Go | E::Hex => Scheme::SemVer,
            E::Npm => Scheme::Npm,
            E::Bitnami | E::Julia | E::SwiftUrl | E::GitHubActions => Scheme::SemVerPadded,
            E::PyPI => Scheme::Pep440,
            E::RubyGems => Scheme::RubyGems,
            E::Debian | E::Ubuntu => Scheme::Dpkg,
            E::AlmaLinux
            | E::RockyLinux
            | E::RedHat
            | E::Suse
            | E::OpenSuse
            | E::Mageia
            | E::OpenEuler
            | E::AzureLinux
            | E::PhotonOs => Scheme::Rpm,
            E::Alpine | E::Wolfi | E::Chainguard | E::Alpaquita => Scheme::Apk,
            E::Pub => Scheme::Pub,
            E::Maven => Scheme::Maven,
            E::NuGet => Scheme::NuGet,
            E::Packagist => Scheme::Packagist,
            E::Cran => Scheme::Cran,
            E::Hackage | E::Ghc => Scheme::Hackage,
            _ => Scheme::Generic,
        }
    }

    /// Name of the scheme, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::SemVer => "SemVer",
            Scheme::Npm => "npm",
            Scheme::SemVerPadded => "SemVer",
            Scheme::Pep440 => "PEP 440",
            Scheme::RubyGems => "RubyGems",
            Scheme::Dpkg => "Debian",
            Scheme::Rpm => "RPM",
            Scheme::Maven => "Maven",
            Scheme::NuGet => "NuGet",
            Scheme::Packagist => "Composer",
            Scheme::Apk => "apk",
            Scheme::Pub => "Pub",
            Scheme::Cran => "CRAN",
            Scheme::Hackage => "Hackage",
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
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(err("empty version".into()));
        }
        match self {
            Scheme::SemVer => parse_semver(trimmed).map(Version::SemVer).map_err(err),
            Scheme::SemVerPadded => parse_semver(trimmed)
                .or_else(|e| pad_semver(trimmed).ok_or(e))
                .map(Version::SemVer)
                .map_err(err),
            Scheme::Npm => nodejs_semver::Version::parse(trimmed)
                .map(Version::Npm)
                .map_err(|e| err(e.to_string())),
            Scheme::Pep440 => pep440_rs::Version::from_str(trimmed)
                .map(Version::Pep440)
                .map_err(|e| err(e.to_string())),
            Scheme::RubyGems => gem_version::GemVersion::from_str(trimmed)
                .map(Version::RubyGems)
                .map_err(|e| err(e.to_string())),
            Scheme::Dpkg => debversion::Version::from_str(trimmed)
                .map(Version::Dpkg)
                .map_err(|e| err(e.to_string())),
            Scheme::Rpm => parse_rpm(trimmed).map(Version::Rpm).map_err(err),
            Scheme::Maven => MavenVersion::parse(trimmed)
                .map(Version::Maven)
                .map_err(err),
            Scheme::NuGet => NuGetVersion::parse(trimmed)
                .map(Version::NuGet)
                .map_err(err),
            Scheme::Packagist => PackagistVersion::parse(trimmed)
                .map(Version::Packagist)
                .map_err(err),
            Scheme::Apk => ApkVersion::parse(trimmed).map(Version::Apk).map_err(err),
            Scheme::Pub => PubVersion::parse(trimmed).map(Version::Pub).map_err(err),
            Scheme::Cran => CranVersion::parse(trimmed).map(Version::Cran).map_err(err),
            Scheme::Hackage => HackageVersion::parse(trimmed)
                .map(Version::Hackage)
                .map_err(err),
            Scheme::Generic => GenericVersion::parse(s)
                .map(Version::Generic)
                .ok_or_else(|| err("no digits or letters".to_string())),
        }
    }

    /// Compares two version strings in this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

/// The `<`, `=`, `>` sign of an ordering, as `version compare` prints it.
pub fn symbol(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

fn parse_semver(s: &str) -> Result<semver::Version, String> {
    let t = s.strip_prefix('=').unwrap_or(s).trim_start();
    let t = t.strip_prefix('v').unwrap_or(t);
    semver::Version::parse(t).map_err(|e| e.to_string())
}

/// `1` → `1.0.0`, `v4.2-rc.1` → `4.2.0-rc.1`: only the numeric core is padded.
fn pad_semver(s: &str) -> Option<semver::Version> {
    let t = s.strip_prefix('v').unwrap_or(s);
    let core_end = t.find(['-', '+']).unwrap_or(t.len());
    let (core, rest) = t.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 2
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut padded = parts.join(".");
    for _ in parts.len()..3 {
        padded.push_str(".0");
    }
    semver::Version::parse(&format!("{padded}{rest}")).ok()
}

/// An RPM `[epoch:]version[-release]`, owned so it can live in a [`Version`].
fn parse_rpm(s: &str) -> Result<rpm_version::Evr<'static>, String> {
    if s.chars().any(char::is_whitespace) {
        return Err("white space inside an RPM version".into());
    }
    let (epoch, version, release) = rpm_version::Evr::parse_values(s);
    if version.is_empty() {
        return Err("no version part".into());
    }
    if !epoch.is_empty() && !epoch.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("epoch `{epoch}` is not a number"));
    }
    Ok(rpm_version::Evr::new(
        Cow::Owned(epoch.to_string()),
        Cow::Owned(version.to_string()),
        Cow::Owned(release.to_string()),
    ))
}

/// A parsed version. Versions are only compared with versions of the same scheme; comparing
/// across schemes orders by scheme first (a total order, but meaningless: callers never do it).
#[derive(Clone, Debug)]
pub enum Version {
    /// SemVer 2.0 (also the padded form).
    SemVer(semver::Version),
    /// node-semver.
    Npm(nodejs_semver::Version),
    /// PEP 440.
    Pep440(pep440_rs::Version),
    /// RubyGems.
    RubyGems(gem_version::GemVersion),
    /// dpkg.
    Dpkg(debversion::Version),
    /// RPM epoch:version-release.
    Rpm(rpm_version::Evr<'static>),
    /// Maven.
    Maven(MavenVersion),
    /// NuGet.
    NuGet(NuGetVersion),
    /// Composer.
    Packagist(PackagistVersion),
    /// apk-tools.
    Apk(ApkVersion),
    /// Dart pub.
    Pub(PubVersion),
    /// R package_version.
    Cran(CranVersion),
    /// Haskell PVP.
    Hackage(HackageVersion),
    /// The generic fallback ordering.
    Generic(GenericVersion),
}

impl Version {
    fn rank(&self) -> u8 {
        match self {
            Version::SemVer(_) => 0,
            Version::Npm(_) => 1,
            Version::Pep440(_) => 2,
            Version::RubyGems(_) => 3,
            Version::Dpkg(_) => 4,
            Version::Rpm(_) => 5,
            Version::Apk(_) => 6,
            Version::Pub(_) => 7,
            Version::Cran(_) => 8,
            Version::Hackage(_) => 9,
            Version::Maven(_) => 10,
            Version::NuGet(_) => 11,
            Version::Packagist(_) => 12,
            Version::Generic(_) => 13,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::SemVer(a), Version::SemVer(b)) => a.cmp_precedence(b),
            (Version::Npm(a), Version::Npm(b)) => a.cmp(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::RubyGems(a), Version::RubyGems(b)) => a.cmp(b),
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(b),
            (Version::Rpm(a), Version::Rpm(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            (Version::NuGet(a), Version::NuGet(b)) => a.cmp(b),
            (Version::Packagist(a), Version::Packagist(b)) => a.cmp(b),
            (Version::Apk(a), Version::Apk(b)) => a.cmp(b),
            (Version::Pub(a), Version::Pub(b)) => a.cmp(b),
            (Version::Cran(a), Version::Cran(b)) => a.cmp(b),
            (Version::Hackage(a), Version::Hackage(b)) => a.cmp(b),
            (Version::Generic(a), Version::Generic(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

ord_via_cmp!(Version);

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
    fn go_module_versions() {
        let go = Scheme::for_ecosystem(&EcosystemKind::Go);
        // `+incompatible` is build metadata: same precedence as the plain version.
        assert_eq!(cmp(go, "2.0.0+incompatible", "v2.0.0"), Equal);
        // A pseudo-version sorts before the release it precedes and after its base.
        assert_eq!(cmp(go, "0.0.0-20191109021931-daa7c04131f5", "0.0.1"), Less);
        assert_eq!(
            cmp(go, "1.2.4-0.20191109021931-daa7c04131f5", "1.2.3"),
            Greater
        );
        assert_eq!(
            cmp(go, "1.2.4-0.20191109021931-daa7c04131f5", "1.2.4"),
            Less
        );
        // Pseudo-versions order by their timestamp.
        assert_eq!(
            cmp(
                go,
                "0.0.0-20191109021931-daa7c04131f5",
                "0.0.0-20200101000000-aaaaaaaaaaaa"
            ),
            Less
        );
    }

    #[test]
    fn dpkg_rpm_rubygems_and_padded_semver() {
        assert_eq!(cmp(Scheme::Dpkg, "1.0~rc1-1", "1.0-1"), Less);
        assert_eq!(cmp(Scheme::Dpkg, "1:0.9", "2.0"), Greater);
        assert_eq!(cmp(Scheme::Dpkg, "3.0.11-1~deb12u2", "3.0.11-1"), Less);
        assert_eq!(cmp(Scheme::Rpm, "1:1.0-1.el9", "2.0-1.el9"), Greater);
        assert_eq!(cmp(Scheme::Rpm, "1.0~rc1-1", "1.0-1"), Less);
        assert_eq!(cmp(Scheme::Rpm, "1.0^git1-1", "1.0-1"), Greater);
        assert_eq!(cmp(Scheme::RubyGems, "1.0.0.pre", "1.0.0"), Less);
        assert_eq!(cmp(Scheme::RubyGems, "1.10", "1.9.9"), Greater);
        assert_eq!(cmp(Scheme::SemVerPadded, "v4", "4.0.0"), Equal);
        assert_eq!(cmp(Scheme::SemVerPadded, "1.2-rc.1", "1.2.0"), Less);
        assert!(Scheme::SemVer.parse("4").is_err());
        assert!(Scheme::Rpm.parse("x:1.0").is_err());
    }

    #[test]
    fn ecosystems_pick_their_scheme() {
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::PyPI), Scheme::Pep440);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Npm), Scheme::Npm);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Ubuntu), Scheme::Dpkg);
        assert_eq!(
            Scheme::for_ecosystem(&EcosystemKind::AlmaLinux),
            Scheme::Rpm
        );
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Wolfi), Scheme::Apk);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Ghc), Scheme::Hackage);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Cran), Scheme::Cran);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Pub), Scheme::Pub);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::Maven), Scheme::Maven);
        assert_eq!(Scheme::for_ecosystem(&EcosystemKind::NuGet), Scheme::NuGet);
        assert_eq!(
            Scheme::for_ecosystem(&EcosystemKind::Packagist),
            Scheme::Packagist
        );
        assert!(!Scheme::for_ecosystem(&EcosystemKind::Other("x".into())).is_exact());
    }
}
