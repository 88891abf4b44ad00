//! Which format a file is: by its name in a directory walk or an image, by its path for the
//! operating-system package databases, and more loosely for a file the user names.

use serde::{Deserialize, Serialize};

/// Every format the inventory reads. The name is kept from the first version, when all of them
/// were lockfiles; it appears in scan results as each source's `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockfileKind {
    /// Cargo's `Cargo.lock`.
    CargoLock,
    /// npm's `package-lock.json` or `npm-shrinkwrap.json`.
    NpmLock,
    /// Yarn's `yarn.lock` (classic v1 and berry).
    YarnLock,
    /// pnpm's `pnpm-lock.yaml`.
    PnpmLock,
    /// Bun's text lockfile `bun.lock`.
    BunLock,
    /// pip's `requirements*.txt`, with the files it includes.
    PipRequirements,
    /// Poetry's `poetry.lock`.
    PoetryLock,
    /// Pipenv's `Pipfile.lock`.
    PipfileLock,
    /// uv's `uv.lock`.
    UvLock,
    /// PDM's `pdm.lock`.
    PdmLock,
    /// Go's `go.mod` (with its `go.sum` where needed).
    GoMod,
    /// Bundler's `Gemfile.lock`.
    GemfileLock,
    /// Composer's `composer.lock`.
    ComposerLock,
    /// Maven's `pom.xml` (declared dependencies).
    MavenPom,
    /// Gradle's `gradle.lockfile`.
    GradleLockfile,
    /// NuGet's `packages.lock.json`.
    NugetLock,
    /// Dart's `pubspec.lock`.
    PubspecLock,
    /// Elixir's `mix.lock`.
    MixLock,
    /// dpkg's `var/lib/dpkg/status`.
    DpkgStatus,
    /// One file of dpkg's `var/lib/dpkg/status.d/` (distroless images).
    DpkgStatusD,
    /// Alpine's `lib/apk/db/installed`.
    ApkInstalled,
    /// RPM's database in SQLite form (`rpmdb.sqlite`).
    RpmdbSqlite,
    /// A CycloneDX SBOM in JSON.
    #[serde(rename = "cyclonedx-json")]
    CycloneDxJson,
    /// A CycloneDX SBOM in XML.
    #[serde(rename = "cyclonedx-xml")]
    CycloneDxXml,
    /// An SPDX SBOM in JSON.
    SpdxJson,
    /// An SPDX SBOM in tag-value form.
    SpdxTagValue,
    /// A saved `patchwarden scan --format json` document, read back for its components.
    PatchwardenScan,
}

impl LockfileKind {
    /// Whether the format is an operating-system package database (its ecosystem comes from
    /// the `os-release` of the same root).
    pub fn is_os_database(self) -> bool {
        matches!(
            self,
            LockfileKind::DpkgStatus
                | LockfileKind::DpkgStatusD
                | LockfileKind::ApkInstalled
                | LockfileKind::RpmdbSqlite
        )
    }

    /// Recognises a file by its exact name, as found in a directory walk or an image.
    pub fn detect(file_name: &str) -> Option<LockfileKind> {
        Some(match file_name {
            "Cargo.lock" => LockfileKind::CargoLock,
            "package-lock.json" | "npm-shrinkwrap.json" => LockfileKind::NpmLock,
            "yarn.lock" => LockfileKind::YarnLock,
            "pnpm-lock.yaml" => LockfileKind::PnpmLock,
            "bun.lock" => LockfileKind::BunLock,
            "poetry.lock" => LockfileKind::PoetryLock,
            "Pipfile.lock" => LockfileKind::PipfileLock,
            "uv.lock" => LockfileKind::UvLock,
            "pdm.lock" => LockfileKind::PdmLock,
            "go.mod" => LockfileKind::GoMod,
            "Gemfile.lock" | "gems.locked" => LockfileKind::GemfileLock,
            "composer.lock" => LockfileKind::ComposerLock,
            "pom.xml" => LockfileKind::MavenPom,
            "gradle.lockfile" | "buildscript-gradle.lockfile" => LockfileKind::GradleLockfile,
            "packages.lock.json" => LockfileKind::NugetLock,
            "pubspec.lock" => LockfileKind::PubspecLock,
            "mix.lock" => LockfileKind::MixLock,
            n if n.starts_with("requirements") && n.ends_with(".txt") => {
                LockfileKind::PipRequirements
            }
            "bom.json" => LockfileKind::CycloneDxJson,
            "bom.xml" => LockfileKind::CycloneDxXml,
            n if n.ends_with(".cdx.json") => LockfileKind::CycloneDxJson,
            n if n.ends_with(".cdx.xml") => LockfileKind::CycloneDxXml,
            n if n.ends_with(".spdx.json") => LockfileKind::SpdxJson,
            n if n.ends_with(".spdx") => LockfileKind::SpdxTagValue,
            _ => return None,
        })
    }

    /// Recognises a file of a directory walk or image by its path relative to the root
    /// (`/`-separated): the OS package databases by their place, the rest by name.
    pub fn detect_path(rel: &str) -> Option<LockfileKind> {
        let rel = rel.trim_start_matches('/');
        match rel {
            "var/lib/dpkg/status" => return Some(LockfileKind::DpkgStatus),
            "lib/apk/db/installed" => return Some(LockfileKind::ApkInstalled),
            "var/lib/rpm/rpmdb.sqlite" | "usr/lib/sysimage/rpm/rpmdb.sqlite" => {
                return Some(LockfileKind::RpmdbSqlite);
            }
            _ => {}
        }
        if let Some(name) = rel.strip_prefix("var/lib/dpkg/status.d/")
            && !name.contains('/')
            && !name.is_empty()
            && !name.ends_with(".md5sums")
        {
            return Some(LockfileKind::DpkgStatusD);
        }
        LockfileKind::detect(rel.rsplit('/').next().unwrap_or(rel))
    }

    /// Recognises a file the user named explicitly, more loosely than in a walk: renamed
    /// copies such as `app__Cargo.lock` or `package-lock.v3.json`, a dpkg `status`, an apk
    /// `installed` database, and SBOMs recognised from their first bytes (`head`) whatever
    /// their name.
    pub fn detect_named(file_name: &str, head: &[u8]) -> Option<LockfileKind> {
        if let Some(kind) = LockfileKind::detect(file_name) {
            return Some(kind);
        }
        let n = file_name.to_ascii_lowercase();
        let n = n.strip_suffix(".gz").unwrap_or(&n);
        let head = String::from_utf8_lossy(head.get(..4096).unwrap_or(head));
        // A saved `patchwarden scan --format json`, then SBOMs, by their content first:
        // their names are free.
        if crate::upload::looks_like_scan(head.as_bytes()) {
            return Some(LockfileKind::PatchwardenScan);
        }
        if let Some(sbom) = crate::cyclonedx::looks_like_sbom(file_name, head.as_bytes()) {
            return Some(match sbom {
                crate::cyclonedx::SbomKind::CycloneDxJson => LockfileKind::CycloneDxJson,
                crate::cyclonedx::SbomKind::CycloneDxXml => LockfileKind::CycloneDxXml,
                crate::cyclonedx::SbomKind::SpdxJson => LockfileKind::SpdxJson,
                crate::cyclonedx::SbomKind::SpdxTagValue => LockfileKind::SpdxTagValue,
            });
        }
        let loose: &[(&str, &str, LockfileKind)] = &[
            ("cargo", ".lock", LockfileKind::CargoLock),
            ("package-lock", ".json", LockfileKind::NpmLock),
            ("npm-shrinkwrap", ".json", LockfileKind::NpmLock),
            ("yarn", ".lock", LockfileKind::YarnLock),
            ("pnpm-lock", ".yaml", LockfileKind::PnpmLock),
            ("bun", ".lock", LockfileKind::BunLock),
            ("poetry", ".lock", LockfileKind::PoetryLock),
            ("pipfile", ".lock", LockfileKind::PipfileLock),
            ("pdm", ".lock", LockfileKind::PdmLock),
            ("requirements", ".txt", LockfileKind::PipRequirements),
            ("go", ".mod", LockfileKind::GoMod),
            ("gemfile", ".lock", LockfileKind::GemfileLock),
            ("composer", ".lock", LockfileKind::ComposerLock),
            ("pom", ".xml", LockfileKind::MavenPom),
            ("gradle", ".lockfile", LockfileKind::GradleLockfile),
            ("packages.lock", ".json", LockfileKind::NugetLock),
            ("pubspec", ".lock", LockfileKind::PubspecLock),
            ("mix", ".lock", LockfileKind::MixLock),
        ];
        for (contains, suffix, kind) in loose {
            if n.contains(contains) && n.ends_with(suffix) {
                return Some(*kind);
            }
        }
        if n.ends_with("uv.lock") {
            return Some(LockfileKind::UvLock);
        }
        if n == "status" || n.ends_with("dpkg-status") || n.ends_with("dpkg.status") {
            return Some(LockfileKind::DpkgStatus);
        }
        if n.ends_with("rpmdb.sqlite") {
            return Some(LockfileKind::RpmdbSqlite);
        }
        if n == "installed" && (head.starts_with("C:") || head.starts_with("P:")) {
            return Some(LockfileKind::ApkInstalled);
        }
        None
    }

    /// The manifest beside a lockfile that tells direct from transitive dependencies.
    pub fn manifest_name(self) -> Option<&'static str> {
        match self {
            LockfileKind::NpmLock
            | LockfileKind::YarnLock
            | LockfileKind::PnpmLock
            | LockfileKind::BunLock => Some("package.json"),
            LockfileKind::PoetryLock | LockfileKind::UvLock | LockfileKind::PdmLock => {
                Some("pyproject.toml")
            }
            LockfileKind::PipfileLock => Some("Pipfile"),
            LockfileKind::ComposerLock => Some("composer.json"),
            LockfileKind::GoMod => Some("go.sum"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_names_are_exact_named_files_are_loose() {
        assert_eq!(
            LockfileKind::detect("Cargo.lock"),
            Some(LockfileKind::CargoLock)
        );
        assert_eq!(
            LockfileKind::detect("requirements-dev.txt"),
            Some(LockfileKind::PipRequirements)
        );
        assert_eq!(LockfileKind::detect("nushell__Cargo.lock"), None);
        assert_eq!(
            LockfileKind::detect_named("nushell__2020-06__Cargo.lock", b""),
            Some(LockfileKind::CargoLock)
        );
        assert_eq!(
            LockfileKind::detect_named("Cargo.v1-metadata.lock", b""),
            Some(LockfileKind::CargoLock)
        );
        assert_eq!(
            LockfileKind::detect_named("juice-shop__package-lock.v3.json", b""),
            Some(LockfileKind::NpmLock)
        );
        assert_eq!(
            LockfileKind::detect_named("vuejs-core__2022__pnpm-lock.v5.4.yaml", b""),
            Some(LockfileKind::PnpmLock)
        );
        assert_eq!(
            LockfileKind::detect_named("excalidraw__yarn.v1.lock", b""),
            Some(LockfileKind::YarnLock)
        );
        assert_eq!(
            LockfileKind::detect_named("debian-dpkg-status.gz", b""),
            Some(LockfileKind::DpkgStatus)
        );
        assert_eq!(
            LockfileKind::detect_named("sbom.json", br#"{"bomFormat": "CycloneDX""#),
            Some(LockfileKind::CycloneDxJson)
        );
        assert_eq!(
            LockfileKind::detect("app.spdx.json"),
            Some(LockfileKind::SpdxJson)
        );
        assert_eq!(LockfileKind::detect_named("package.json", b"{}"), None);
        assert_eq!(
            LockfileKind::detect_named("poetry__poetry.lock", b""),
            Some(LockfileKind::PoetryLock)
        );
        assert_eq!(
            LockfileKind::detect_named("app-uv.lock", b""),
            Some(LockfileKind::UvLock)
        );
        assert_eq!(
            LockfileKind::detect("Pipfile.lock"),
            Some(LockfileKind::PipfileLock)
        );
        assert_eq!(
            LockfileKind::detect("bun.lock"),
            Some(LockfileKind::BunLock)
        );
        assert_eq!(LockfileKind::detect("bun.lockb"), None);
    }

    #[test]
    fn os_databases_are_recognised_by_their_place() {
        assert_eq!(
            LockfileKind::detect_path("var/lib/dpkg/status"),
            Some(LockfileKind::DpkgStatus)
        );
        assert_eq!(
            LockfileKind::detect_path("var/lib/dpkg/status.d/libc6"),
            Some(LockfileKind::DpkgStatusD)
        );
        assert_eq!(
            LockfileKind::detect_path("var/lib/dpkg/status.d/libc6.md5sums"),
            None
        );
        assert_eq!(LockfileKind::detect_path("srv/status"), None);
        assert_eq!(
            LockfileKind::detect_path("lib/apk/db/installed"),
            Some(LockfileKind::ApkInstalled)
        );
        assert_eq!(
            LockfileKind::detect_path("app/web/yarn.lock"),
            Some(LockfileKind::YarnLock)
        );
    }
}
