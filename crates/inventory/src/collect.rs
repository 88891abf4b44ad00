//! Turns a set of found files (from a directory walk or a container image) into an
//! inventory: the distribution from `os-release`, each file through its parser, manifests
//! read from beside their lockfiles, includes resolved inside the same root.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use patchwarden_core::Ecosystem;

use crate::{
    Inventory, InventoryError, LockfileKind, MAX_FILE_BYTES, ParseError, Parsed, SourceFile,
    Warning,
};

/// Where a found file's bytes are.
pub(crate) enum Origin {
    /// A regular file on disk.
    Disk(PathBuf),
    /// A file read out of a container image.
    Memory(Vec<u8>),
}

/// A file to inventory or to consult (manifests, `os-release`).
pub(crate) struct Found {
    /// Its format, when it is read for components (manifests and `os-release` are only
    /// consulted).
    pub kind: Option<LockfileKind>,
    /// The image layer that wrote it, for images.
    pub layer: Option<String>,
    /// Its bytes.
    pub origin: Origin,
}

/// The files of one root (directory or image), by relative path.
pub(crate) struct Tree {
    /// What is reported as the location root in messages (the directory or archive).
    pub root: PathBuf,
    /// Every file of interest, by relative path.
    pub files: BTreeMap<String, Found>,
    /// Distribution given by the user, used when the tree has no `os-release`.
    pub distro: Option<Ecosystem>,
    /// The directory relative paths start from, when the tree is on disk: other files
    /// under it (requirements includes) may be read on demand. `None` for images.
    pub base: Option<PathBuf>,
}

impl Tree {
    fn display_path(&self, rel: &str) -> PathBuf {
        if self.root.is_dir() {
            self.root.join(rel)
        } else if self
            .root
            .file_name()
            .is_some_and(|n| n.to_string_lossy() == rel)
        {
            self.root.clone()
        } else if let Some(Found {
            origin: Origin::Disk(path),
            ..
        }) = self.files.get(rel)
        {
            path.clone()
        } else {
            PathBuf::from(format!("{}!{rel}", self.root.display()))
        }
    }

    fn bytes(&self, rel: &str) -> Result<Option<Vec<u8>>, InventoryError> {
        let Some(found) = self.files.get(rel) else {
            return Ok(None);
        };
        match &found.origin {
            Origin::Disk(path) => read_limited(path).map(Some),
            Origin::Memory(bytes) => Ok(Some(bytes.clone())),
        }
    }

    /// The text of any file of the tree, found or not: for trees on disk, a regular file
    /// under [`Tree::base`] reached without passing through a symbolic link. `None` when
    /// there is no such file or it is not UTF-8 text.
    fn text_anywhere(&self, rel: &str) -> Option<String> {
        if self.files.contains_key(rel) {
            return self.text(rel).ok().flatten();
        }
        let base = self.base.as_ref()?;
        let mut path = base.clone();
        for part in rel.split('/') {
            path.push(part);
            // Every step must be a real directory or, at the end, a regular file.
            let meta = std::fs::symlink_metadata(&path).ok()?;
            if meta.file_type().is_symlink() {
                return None;
            }
        }
        if !std::fs::symlink_metadata(&path).ok()?.is_file() {
            return None;
        }
        String::from_utf8(read_limited(&path).ok()?).ok()
    }

    fn text(&self, rel: &str) -> Result<Option<String>, InventoryError> {
        match self.bytes(rel)? {
            None => Ok(None),
            Some(bytes) => {
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| InventoryError::Malformed {
                        path: self.display_path(rel),
                        message: "not UTF-8 text".into(),
                    })
            }
        }
    }
}

/// Reads a file whole, refusing one larger than [`MAX_FILE_BYTES`]; gzip files (`.gz`)
/// are inflated, bounded by the same limit.
pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>, InventoryError> {
    let io = |source| InventoryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || InventoryError::Malformed {
        path: path.to_path_buf(),
        message: format!("larger than the {MAX_FILE_BYTES} byte limit for one file"),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let mut bytes = Vec::new();
    let read = if gz {
        flate2::read::GzDecoder::new(file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)
    };
    read.map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The directory part of a relative path (`a/b/c.lock` → `a/b`, `c.lock` → ``).
pub(crate) fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

/// `dir` joined with a relative `name`, `..` resolved; `None` when it climbs above the root.
pub(crate) fn join(dir: &str, name: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The distribution of a tree from `etc/os-release` or `usr/lib/os-release`.
fn distro(tree: &Tree, warnings: &mut Vec<Warning>) -> Result<Option<Ecosystem>, InventoryError> {
    for rel in ["etc/os-release", "usr/lib/os-release"] {
        if let Some(text) = tree.text(rel)? {
            let distro = crate::os_release::parse(&text);
            match distro.ecosystem() {
                Some(eco) => return Ok(Some(eco)),
                None => warnings.push(Warning {
                    path: rel.to_string(),
                    line: None,
                    message: format!(
                        "distribution `{}` {} has no OSV ecosystem: its packages cannot be matched",
                        distro.id,
                        distro.version_id.as_deref().unwrap_or("")
                    ),
                }),
            }
        }
    }
    Ok(None)
}

/// Parses every recognised file of `tree` into `inventory`.
pub(crate) fn collect(tree: &Tree, inventory: &mut Inventory) -> Result<(), InventoryError> {
    let os = match distro(tree, &mut inventory.warnings)? {
        Some(eco) => Some(eco),
        None => tree.distro.clone(),
    };
    for (rel, found) in &tree.files {
        let Some(kind) = found.kind else {
            continue;
        };
        let malformed = |e: ParseError| InventoryError::Malformed {
            path: tree.display_path(rel),
            message: e.0,
        };
        let manifest = |kind: LockfileKind| -> Result<Option<String>, InventoryError> {
            match kind.manifest_name().and_then(|m| join(parent(rel), m)) {
                Some(m) => tree.text(&m),
                None => Ok(None),
            }
        };
        let mut parsed = if kind == LockfileKind::PipRequirements {
            let Some(text) = tree.text(rel)? else {
                continue;
            };
            let mut read = |include: &str| tree.text_anywhere(include);
            crate::pip::parse_with_includes(rel, &text, &mut read)
        } else if kind == LockfileKind::PatchwardenScan {
            // A saved scan: its components, warnings and image as the scan found them.
            let Some(bytes) = tree.bytes(rel)? else {
                continue;
            };
            let document = crate::upload::read_scan_bytes(&bytes).map_err(malformed)?;
            if inventory.image.is_none() {
                inventory.image = document.image;
            }
            Parsed {
                components: document.components,
                warnings: document.warnings,
            }
        } else if kind.is_os_database() {
            let fallback;
            let eco = match os.as_ref() {
                Some(eco) => eco,
                None => {
                    inventory.warnings.push(Warning {
                        path: rel.clone(),
                        line: None,
                        message: "no os-release in this root and no --distro given: its packages are listed without a release and cannot be matched".into(),
                    });
                    fallback = Ecosystem::parse(default_os(kind));
                    &fallback
                }
            };
            parse_os(tree, rel, kind, eco)?.map_err(malformed)?
        } else {
            let Some(text) = tree.text(rel)? else {
                continue;
            };
            let manifest = manifest(kind)?;
            parse_text(kind, rel, &text, manifest.as_deref()).map_err(malformed)?
        };
        if let Some(layer) = &found.layer {
            for c in &mut parsed.components {
                c.source.layer = Some(layer.clone());
            }
        }
        inventory.sources.push(SourceFile {
            path: rel.clone(),
            kind,
            components: parsed.components.len(),
        });
        inventory.components.extend(parsed.components);
        inventory.warnings.extend(parsed.warnings);
    }
    Ok(())
}

/// The ecosystem family an OS database belongs to when no release is known.
fn default_os(kind: LockfileKind) -> &'static str {
    match kind {
        LockfileKind::ApkInstalled => "Alpine",
        LockfileKind::RpmdbSqlite => "Red Hat",
        _ => "Debian",
    }
}

fn parse_os(
    tree: &Tree,
    rel: &str,
    kind: LockfileKind,
    eco: &Ecosystem,
) -> Result<Result<Parsed, ParseError>, InventoryError> {
    if kind == LockfileKind::RpmdbSqlite {
        return Ok(match tree.files.get(rel).map(|f| &f.origin) {
            Some(Origin::Disk(path)) => crate::rpmdb::parse_rpmdb_sqlite(path, rel, eco),
            Some(Origin::Memory(bytes)) => {
                // SQLite reads files, not buffers: a private temporary copy, removed after.
                let io = |source| InventoryError::Io {
                    path: tree.display_path(rel),
                    source,
                };
                let dir = tempfile::tempdir().map_err(io)?;
                let copy = dir.path().join("rpmdb.sqlite");
                std::fs::write(&copy, bytes).map_err(io)?;
                crate::rpmdb::parse_rpmdb_sqlite(&copy, rel, eco)
            }
            None => Ok(Parsed::default()),
        });
    }
    let Some(text) = tree.text(rel)? else {
        return Ok(Ok(Parsed::default()));
    };
    Ok(match kind {
        LockfileKind::DpkgStatus => crate::dpkg::parse_status(rel, &text, eco),
        LockfileKind::DpkgStatusD => crate::dpkg::parse_status_d(rel, &text, eco),
        LockfileKind::ApkInstalled => crate::apk::parse_installed(rel, &text, eco),
        _ => Ok(Parsed::default()),
    })
}

/// Parses the text of one file of a text format. `manifest` is the sibling manifest (see
/// [`LockfileKind::manifest_name`]) when there is one.
pub fn parse_text(
    kind: LockfileKind,
    path: &str,
    text: &str,
    manifest: Option<&str>,
) -> Result<Parsed, ParseError> {
    use LockfileKind as K;
    match kind {
        K::CargoLock => crate::cargo::parse(path, text),
        K::NpmLock => crate::npm::parse(path, text, manifest),
        K::YarnLock => crate::yarn::parse(path, text, manifest),
        K::PnpmLock => crate::pnpm::parse(path, text, manifest),
        K::BunLock => crate::bun::parse(path, text, manifest),
        K::PipRequirements => Ok(crate::pip::parse(path, text)),
        K::PoetryLock => crate::python::parse_poetry_lock(path, text, manifest),
        K::PipfileLock => crate::python::parse_pipfile_lock(path, text, manifest),
        K::UvLock => crate::python::parse_uv_lock(path, text, manifest),
        K::PdmLock => crate::python::parse_pdm_lock(path, text, manifest),
        K::GoMod => {
            let sum_path = join(parent(path), "go.sum").unwrap_or_default();
            crate::golang::parse_go_mod(path, text, manifest.map(|sum| (sum_path.as_str(), sum)))
        }
        K::GemfileLock => crate::gem::parse(path, text),
        K::ComposerLock => crate::composer::parse(path, text, manifest),
        K::MavenPom => crate::maven::parse_pom(path, text),
        K::GradleLockfile => crate::gradle::parse_gradle_lockfile(path, text),
        K::NugetLock => crate::nuget::parse_packages_lock(path, text),
        K::PubspecLock => crate::pubspec::parse_pubspec_lock(path, text),
        K::MixLock => crate::mix::parse_mix_lock(path, text),
        K::CycloneDxJson => crate::cyclonedx::parse_json(path, text),
        K::CycloneDxXml => crate::cyclonedx::parse_xml(path, text),
        K::SpdxJson => crate::spdx::parse_json(path, text),
        K::SpdxTagValue => crate::spdx::parse_tag_value(path, text),
        K::PatchwardenScan => crate::upload::parse_scan_text(text),
        K::DpkgStatus | K::DpkgStatusD | K::ApkInstalled | K::RpmdbSqlite => Err(ParseError(
            "an OS package database needs its distribution: use scan_path".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_root() {
        assert_eq!(join("a/b", "c.txt").as_deref(), Some("a/b/c.txt"));
        assert_eq!(join("a/b", "../c.txt").as_deref(), Some("a/c.txt"));
        assert_eq!(join("", "./x/y").as_deref(), Some("x/y"));
        assert_eq!(join("a", "../../etc/passwd"), None);
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
    }
}
