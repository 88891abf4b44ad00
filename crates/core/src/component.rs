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
        _ => (None, name),
    };
    let mut purl = packageurl::PackageUrl::new(ty, short).ok()?;
    if let Some(ns) = namespace {
        purl.with_namespace(ns).ok()?;
    }
    if !version.is_empty() {
        purl.with_version(version).ok()?;
    }
    Some(purl.to_string())
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
            "pkg:deb/openssl@3.0.11-1~deb12u2"
        );
    }
}
