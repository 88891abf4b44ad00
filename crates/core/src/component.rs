//! A component: one package at one version, found somewhere in an artifact.

use serde::{Deserialize, Serialize};

use crate::{Ecosystem, EcosystemKind};

/// Where a component was found: the file (relative to the scanned root), and where known the
/// line in that file and the image layer that introduced it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Path of the lockfile, manifest or database, relative to the scanned root, `/`-separated.
    pub path: String,
    /// 1-based line of the entry in that file, where the parser could tell.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// Digest of the image layer that introduced the file, for container images.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<String>,
}

impl Location {
    /// A location in a file, line unknown.
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line: None,
            layer: None,
        }
    }

    /// A location in a file at a line, where the parser could tell.
    pub fn at(path: impl Into<String>, line: Option<u32>) -> Self {
        Location {
            path: path.into(),
            line,
            layer: None,
        }
    }
}

/// The dependency scope a lockfile gives a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Needed at run time (or the format does not distinguish).
    Required,
    /// Only for development and tests.
    Dev,
    /// Optional (installed only on some platforms or on request).
    Optional,
}

/// The source package an OS binary package was built from (Debian `Source:`, RPM source RPM).
/// Distribution advisories name source packages, so matching uses this when present.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourcePackage {
    /// Source package name (`openssl` for the binary `libssl3`).
    pub name: String,
    /// Source package version (may differ from the binary's, e.g. binNMUs `1.2-3+b1`).
    pub version: String,
}

/// One third-party package at one version, as found in an artifact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Component {
    /// Ecosystem the name and version belong to (selects the version ordering).
    pub ecosystem: Ecosystem,
    /// Package name as the ecosystem spells it (`@scope/name`, `group:artifact`, `github.com/a/b`).
    pub name: String,
    /// Installed version, exactly as the lockfile records it.
    pub version: String,
    /// Where it was found.
    pub source: Location,
    /// `Some(true)` when the project depends on it directly, `Some(false)` when only
    /// transitively, `None` when the format does not say.
    pub direct: Option<bool>,
    /// Dependency scope.
    pub scope: Scope,
    /// For OS packages: the source package it was built from, where the database says.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_package: Option<SourcePackage>,
    /// The packages through which the project reaches this one, outermost first, where the
    /// format records it (e.g. npm's nested `node_modules`); empty when unknown or direct.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub dependency_path: Vec<String>,
}

impl Component {
    /// A component found at `source`: required scope, directness unknown, no source package
    /// or dependency path. Set the other fields on the value as the format allows.
    pub fn new(
        ecosystem: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        source: Location,
    ) -> Self {
        Component {
            ecosystem,
            name: name.into(),
            version: version.into(),
            source,
            direct: None,
            scope: Scope::Required,
            source_package: None,
            dependency_path: Vec::new(),
        }
    }

    /// The package URL of this component (`pkg:npm/%40scope/name@1.0.0`), or `None` for an
    /// ecosystem without a purl type.
    pub fn purl(&self) -> Option<String> {
        purl_for(&self.ecosystem, &self.name, &self.version)
    }
}

/// Builds the package URL for a package of an ecosystem at a version.
///
/// OS packages (`deb`, `apk`, `rpm`) get the distribution as namespace and, where the
/// ecosystem has a release, a `distro` qualifier, as the purl spec's examples and Trivy write
/// them: `pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12`,
/// `pkg:apk/alpine/busybox@1.36.1-r2?distro=3.20`. An RPM epoch (`1:3.0.7-27.el9`) moves
/// to the `epoch` qualifier: `pkg:rpm/almalinux/openssl@3.0.7-27.el9?distro=almalinux-9&epoch=1`
/// (qualifiers in the spec's canonical, sorted order).
pub fn purl_for(ecosystem: &Ecosystem, name: &str, version: &str) -> Option<String> {
    let kind = ecosystem.kind();
    let ty = kind.purl_type()?;
    let (namespace, short) = match kind {
        EcosystemKind::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group), artifact),
            None => (None, name),
        },
        EcosystemKind::Npm
        | EcosystemKind::Go
        | EcosystemKind::Packagist
        | EcosystemKind::GitHubActions
        | EcosystemKind::SwiftUrl => match name.rsplit_once('/') {
            Some((ns, n)) if !ns.is_empty() && !n.is_empty() => (Some(ns), n),
            _ => (None, name),
        },
        _ => (os_vendor(kind), name),
    };
    let mut version = version;
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    if let Some(vendor) = os_vendor(kind) {
        if let Some(distro) = ecosystem.release().and_then(|r| os_distro(kind, vendor, r)) {
            qualifiers.push(("distro", distro));
        }
        if ty == "rpm"
            && let Some((epoch, rest)) = version.split_once(':')
            && !epoch.is_empty()
            && epoch.bytes().all(|b| b.is_ascii_digit())
        {
            if epoch.bytes().any(|b| b != b'0') {
                qualifiers.push(("epoch", epoch.trim_start_matches('0').to_string()));
            }
            version = rest;
        }
    }
    let mut purl = packageurl::PackageUrl::new(ty, short).ok()?;
    if let Some(ns) = namespace {
        purl.with_namespace(ns).ok()?;
    }
    if !version.is_empty() {
        purl.with_version(version).ok()?;
    }
    for (key, value) in qualifiers {
        purl.add_qualifier(key, value).ok()?;
    }
    Some(purl.to_string())
}

/// The purl namespace (the distribution's vendor) of an OS package ecosystem.
fn os_vendor(kind: &EcosystemKind) -> Option<&'static str> {
    Some(match kind {
        EcosystemKind::Debian => "debian",
        EcosystemKind::Ubuntu => "ubuntu",
        EcosystemKind::Alpine => "alpine",
        EcosystemKind::Wolfi => "wolfi",
        EcosystemKind::Chainguard => "chainguard",
        EcosystemKind::Alpaquita => "alpaquita",
        EcosystemKind::AlmaLinux => "almalinux",
        EcosystemKind::RockyLinux => "rocky",
        EcosystemKind::RedHat => "redhat",
        EcosystemKind::Suse => "suse",
        EcosystemKind::OpenSuse => "opensuse",
        EcosystemKind::Mageia => "mageia",
        EcosystemKind::OpenEuler => "openeuler",
        EcosystemKind::AzureLinux => "azurelinux",
        EcosystemKind::PhotonOs => "photon",
        _ => return None,
    })
}

/// The `distro` qualifier for an OSV release: `debian-12`, `ubuntu-22.04` (the `:LTS` and
/// `Pro:` markers dropped), `3.20` for Alpine (whose purls carry the bare release),
/// `rhel-9`, `opensuse-leap-15.6`.
fn os_distro(kind: &EcosystemKind, vendor: &str, release: &str) -> Option<String> {
    let release = release.trim();
    let release = match kind {
        EcosystemKind::Ubuntu => {
            let r = release.strip_prefix("Pro:").unwrap_or(release);
            r.strip_suffix(":LTS").unwrap_or(r).to_string()
        }
        EcosystemKind::Alpine => return Some(release.trim_start_matches('v').to_string()),
        EcosystemKind::RedHat => {
            let major = release
                .strip_prefix("enterprise_linux:")?
                .split(':')
                .next()?;
            return (!major.is_empty()).then(|| format!("rhel-{major}"));
        }
        _ => release
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-"),
    };
    (!release.is_empty()).then(|| format!("{vendor}-{release}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purl(eco: &str, name: &str, version: &str) -> String {
        purl_for(&Ecosystem::parse(eco), name, version).unwrap_or_default()
    }

    #[test]
    fn purls_follow_the_purl_spec_per_type() {
        assert_eq!(purl("npm", "lodash", "4.17.20"), "pkg:npm/lodash@4.17.20");
        assert_eq!(
            purl("npm", "@babel/core", "7.0.0"),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(purl("PyPI", "Django", "3.1.3"), "pkg:pypi/django@3.1.3");
        assert_eq!(
            purl("crates.io", "smallvec", "1.6.0"),
            "pkg:cargo/smallvec@1.6.0"
        );
        assert_eq!(
            purl("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            purl("Go", "github.com/gin-gonic/gin", "v1.9.0"),
            "pkg:golang/github.com/gin-gonic/gin@v1.9.0"
        );
        assert_eq!(
            purl("Debian:12", "openssl", "3.0.11-1~deb12u2"),
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12"
        );
    }

    #[test]
    fn os_package_purls_carry_vendor_distro_and_epoch() {
        let cases = [
            (
                "Debian",
                "bash",
                "5.2.15-2+b8",
                "pkg:deb/debian/bash@5.2.15-2%2Bb8",
            ),
            (
                "Debian:12",
                "perl",
                "1:5.36.0-7",
                "pkg:deb/debian/perl@1:5.36.0-7?distro=debian-12",
            ),
            (
                "Ubuntu:22.04:LTS",
                "openssl",
                "3.0.2-0ubuntu1.15",
                "pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.15?distro=ubuntu-22.04",
            ),
            (
                "Alpine:v3.20",
                "busybox",
                "1.36.1-r2",
                "pkg:apk/alpine/busybox@1.36.1-r2?distro=3.20",
            ),
            ("Wolfi", "glibc", "2.40-r1", "pkg:apk/wolfi/glibc@2.40-r1"),
            (
                "AlmaLinux:9",
                "openssl",
                "1:3.0.7-27.el9",
                "pkg:rpm/almalinux/openssl@3.0.7-27.el9?distro=almalinux-9&epoch=1",
            ),
            (
                "Rocky Linux:9",
                "bash",
                "5.1.8-9.el9",
                "pkg:rpm/rocky/bash@5.1.8-9.el9?distro=rocky-9",
            ),
            (
                "Red Hat:enterprise_linux:9",
                "bash",
                "0:5.1.8-9.el9",
                "pkg:rpm/redhat/bash@5.1.8-9.el9?distro=rhel-9",
            ),
            (
                "openSUSE:Leap 15.6",
                "bash",
                "4.4-150400.27.3.2",
                "pkg:rpm/opensuse/bash@4.4-150400.27.3.2?distro=opensuse-leap-15.6",
            ),
        ];
        for (eco, name, version, want) in cases {
            assert_eq!(purl(eco, name, version), want, "{eco} {name}");
        }
    }
}
