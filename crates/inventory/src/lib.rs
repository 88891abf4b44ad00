//! Inventory: every third-party component of an artifact, with its version.
//!
//! [`scan`] takes a path (a directory or root file system, a single lockfile, manifest or OS
//! package database) and returns an [`Inventory`]: each
//! component with its ecosystem, name, version, purl, the file (and image layer) it came
//! from, whether it is a direct dependency and its scope. Parsers are pure functions from
//! text to components, one module per format; only the walk touches the filesystem.
//!
//! Formats: see [`LockfileKind`] and `docs/inventory.md`.

mod cargo;
mod collect;
mod detect;
mod npm;
pub mod pip;
pub mod python;

// JavaScript
pub mod bun;
pub mod pnpm;
pub mod yarn;
// Ruby, PHP
pub mod composer;
pub mod gem;
// Go, JVM, .NET, Dart, Elixir
pub mod golang;
pub mod gradle;
pub mod maven;
pub mod mix;
pub mod nuget;
pub mod pubspec;
// Operating system package databases
pub mod apk;
pub mod dpkg;
pub mod os_release;
pub mod rpmdb;
mod values;
// SBOMs, read and written
pub mod cyclonedx;
pub mod spdx;
// Documents uploaded to the server: scan JSON and SBOMs
pub mod upload;
// Container images
pub mod image;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use patchwarden_core::{Component, Ecosystem};
use serde::{Deserialize, Serialize};

pub use collect::parse_text;
use collect::{Found, Origin, Tree};
pub use detect::LockfileKind;
pub use upload::{Document, DocumentFormat, MAX_DOCUMENT_BYTES, read_document};

/// Largest single file read, in bytes: real lockfiles and package databases are a few MB;
/// anything near this is hostile.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Something the inventory could not turn into a component, but that the user should know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// File, relative to the scanned root.
    pub path: String,
    /// 1-based line, where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// What is wrong (`requests>=2.0 is not pinned to one version`).
    pub message: String,
}

impl std::fmt::Display for Warning {
    /// `path:line: message`, or `path: message` when the line is unknown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// A file that was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Path relative to the scanned root.
    pub path: String,
    /// Format.
    pub kind: LockfileKind,
    /// How many components it gave.
    pub components: usize,
}

/// What parsing one file gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Components, in file order, one per distinct (name, version).
    pub components: Vec<Component>,
    /// Entries that could not become components.
    pub warnings: Vec<Warning>,
}

/// Every component under a path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Components of all files, in path order.
    pub components: Vec<Component>,
    /// Files read.
    pub sources: Vec<SourceFile>,
    /// Warnings from all files.
    pub warnings: Vec<Warning>,
    /// The image, when the path was a container image.
    pub image: Option<ImageInfo>,
}

/// What identifies a scanned container image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageInfo {
    /// `sha256:` digests of its layers as stored, bottom first.
    pub layers: Vec<String>,
    /// Digest of its config (the image ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// Names the archive gives it (`docker save` tags, OCI name annotations).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repo_tags: Vec<String>,
    /// Operating system from its config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Architecture from its config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// When it was built (its config's `created`, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

/// A file could not be read. The message names the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid file of its kind.
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An `--exclude` pattern is not a valid glob.
    #[error("invalid --exclude pattern `{pattern}`: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// What is wrong.
        message: String,
    },
}

/// A parse failure inside one file, before the caller attaches the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// How to walk a path.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Globs (relative to the scanned root, `/`-separated) of files and directories to
    /// leave out; `**/test/**`, `vendor`, `*.lock`.
    pub exclude: Vec<String>,
    /// Also walk `node_modules` directories (skipped by default: the lockfile beside them
    /// already lists what they hold).
    pub include_node_modules: bool,
    /// OSV ecosystem of OS package databases when the root has no `os-release`
    /// (`Debian:12`).
    pub distro: Option<Ecosystem>,
}

/// Parses the text of one lockfile, manifest or SBOM (see [`parse_text`] for the formats
/// that need a sibling manifest). Kept for callers of the first version.
pub fn parse_lockfile(
    kind: LockfileKind,
    path: &str,
    text: &str,
    manifest: Option<&str>,
) -> Result<Parsed, ParseError> {
    parse_text(kind, path, text, manifest)
}

/// Every component under `root` with default options (see [`scan`]).
pub fn scan_path(root: &Path) -> Result<Inventory, InventoryError> {
    scan(root, &ScanOptions::default())
}

/// Every component under `root`: a container image (`docker save` archive, OCI layout
/// directory or tar), a directory (walked, OS package databases found at their place in a
/// root file system), or a single lockfile, manifest, OS package database or SBOM.
pub fn scan(root: &Path, options: &ScanOptions) -> Result<Inventory, InventoryError> {
    let meta = std::fs::symlink_metadata(root).map_err(|source| InventoryError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut inventory = Inventory::default();
    let tree = if image::is_image(root) {
        image_tree(root, options, &mut inventory)?
    } else if meta.is_dir() {
        walk(root, options)?
    } else {
        single_file(root, options)?
    };
    collect::collect(&tree, &mut inventory)?;
    dedup(&mut inventory.components);
    Ok(inventory)
}

/// Removes exact repeats (the same package at the same version from the same file), which
/// arise when a requirements file is read both alone and through another's `-r`.
fn dedup(components: &mut Vec<Component>) {
    let mut seen = std::collections::HashSet::new();
    components.retain(|c| {
        seen.insert((
            c.ecosystem.clone(),
            c.name.clone(),
            c.version.clone(),
            c.source.path.clone(),
        ))
    });
}

/// Whether a file of a walk or image is read: a recognised format, an `os-release`, or a
/// manifest that a lockfile's parser consults.
fn is_wanted(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    LockfileKind::detect_path(rel).is_some()
        || matches!(rel, "etc/os-release" | "usr/lib/os-release")
        || is_manifest(name)
}

fn is_manifest(name: &str) -> bool {
    matches!(
        name,
        "package.json" | "pyproject.toml" | "Pipfile" | "composer.json" | "go.sum"
    ) || (name.ends_with(".txt") && name.contains("requirements"))
}

/// A single named file, with the files beside it that its parser may consult.
fn single_file(path: &Path, options: &ScanOptions) -> Result<Tree, InventoryError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|source| InventoryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let kind = LockfileKind::detect_named(&name, &head).ok_or_else(|| InventoryError::Malformed {
        path: path.to_path_buf(),
        message: "not a supported lockfile, manifest, package database or SBOM (see `patchwarden inventory --help` for the formats)".into(),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files = BTreeMap::new();
    files.insert(
        name.clone(),
        Found {
            kind: Some(kind),
            layer: None,
            origin: Origin::Disk(path.to_path_buf()),
        },
    );
    // The files beside it that its parser consults: the manifest of a lockfile, the
    // `os-release` of a package database.
    let beside = if kind.is_os_database() {
        Some(("os-release", "etc/os-release"))
    } else {
        kind.manifest_name().map(|m| (m, m))
    };
    if let Some((file, as_rel)) = beside {
        let p = dir.join(file);
        if as_rel != name && std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            files.insert(
                as_rel.to_string(),
                Found {
                    kind: None,
                    layer: None,
                    origin: Origin::Disk(p),
                },
            );
        }
    }
    Ok(Tree {
        root: path.to_path_buf(),
        files,
        distro: options.distro.clone(),
        base: Some(dir.to_path_buf()),
    })
}

/// The `--exclude` globs as one matcher.
fn exclusions(options: &ScanOptions) -> Result<globset::GlobSet, InventoryError> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in &options.exclude {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map_err(|e| InventoryError::Pattern {
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| InventoryError::Pattern {
        pattern: options.exclude.join(", "),
        message: e.to_string(),
    })
}

/// Whether a directory of this name is skipped: `.git`, and `node_modules` unless asked.
fn skipped_dir(name: &str, options: &ScanOptions) -> bool {
    name == ".git" || (name == "node_modules" && !options.include_node_modules)
}

/// Reads the files an inventory needs out of a container image: every layer streamed in
/// order, whiteouts applied; each file remembers the layer that wrote it.
fn image_tree(
    root: &Path,
    options: &ScanOptions,
    inventory: &mut Inventory,
) -> Result<Tree, InventoryError> {
    let excluded = exclusions(options)?;
    let wanted = |rel: &str| {
        let mut dirs = rel.split('/').rev().skip(1);
        is_wanted(rel)
            && !dirs.any(|d| skipped_dir(d, options))
            && !excluded.is_match(rel)
            && !rel
                .char_indices()
                .filter(|(_, c)| *c == '/')
                .any(|(i, _)| excluded.is_match(&rel[..i]))
    };
    let image = image::read_image(root, &wanted, &image::Limits::default()).map_err(|e| {
        InventoryError::Malformed {
            path: root.to_path_buf(),
            message: image_message(&e),
        }
    })?;
    let label = root.display().to_string();
    inventory
        .warnings
        .extend(image.warnings.iter().map(|w| Warning {
            path: label.clone(),
            line: None,
            message: w.clone(),
        }));
    inventory.image = Some(ImageInfo {
        layers: image.layers.clone(),
        config_digest: image.config_digest.clone(),
        repo_tags: image.repo_tags.clone(),
        os: image.os.clone(),
        architecture: image.architecture.clone(),
        created: image.created.clone(),
    });
    let files = image
        .files
        .into_iter()
        .map(|f| {
            let found = Found {
                kind: LockfileKind::detect_path(&f.path),
                layer: Some(f.layer),
                origin: Origin::Memory(f.contents),
            };
            (f.path, found)
        })
        .collect();
    Ok(Tree {
        root: root.to_path_buf(),
        files,
        distro: options.distro.clone(),
        base: None,
    })
}

/// The image error without the archive path it starts with (the inventory error adds it).
fn image_message(e: &image::ImageError) -> String {
    let full = e.to_string();
    let archive = match e {
        image::ImageError::Io { archive, .. }
        | image::ImageError::Malformed { archive, .. }
        | image::ImageError::Limit { archive, .. }
        | image::ImageError::Unsupported { archive, .. } => archive.display().to_string(),
    };
    full.strip_prefix(&format!("{archive}: "))
        .map(str::to_string)
        .unwrap_or(full)
}

/// Walks a directory: skips `.git` and (unless asked) `node_modules`, follows no symbolic
/// link, leaves out what `exclude` matches.
fn walk(root: &Path, options: &ScanOptions) -> Result<Tree, InventoryError> {
    let excluded = exclusions(options)?;
    let skip_dir = |name: &str| skipped_dir(name, options);
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let rel = relative(root, e.path());
            let name = e.file_name().to_string_lossy();
            let skipped_dir = e.file_type().is_dir() && skip_dir(&name);
            !skipped_dir && !excluded.is_match(&rel)
        });
    let mut files = BTreeMap::new();
    for entry in walker {
        let entry = entry.map_err(|e| InventoryError::Io {
            path: e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf()),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("directory walk failed")),
        })?;
        // Symbolic links are never followed: a link could point out of the scanned tree.
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = relative(root, entry.path());
        if is_wanted(&rel) {
            files.insert(
                rel.clone(),
                Found {
                    kind: LockfileKind::detect_path(&rel),
                    layer: None,
                    origin: Origin::Disk(entry.path().to_path_buf()),
                },
            );
        }
    }
    Ok(Tree {
        root: root.to_path_buf(),
        files,
        distro: options.distro.clone(),
        base: Some(root.to_path_buf()),
    })
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_read_path_line_message() {
        let w = |line| Warning {
            path: "requirements.txt".into(),
            line,
            message: "x is not pinned".into(),
        };
        assert_eq!(
            w(Some(6)).to_string(),
            "requirements.txt:6: x is not pinned"
        );
        assert_eq!(w(None).to_string(), "requirements.txt: x is not pinned");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Includes are read wherever they are under the root (any name), never through a
    /// symbolic link nor above the root.
    #[cfg(unix)]
    #[test]
    fn requirements_includes_are_read_under_the_root_only() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let outside = tmp.path().join("outside");
        write(&outside, "secret.in", "leaked==1.0\n");
        let root = tmp.path().join("project");
        write(
            &root,
            "app/requirements.txt",
            "-r ../deps/base.in\n-r linked/secret.in\n-r ../../outside/secret.in\nflask==2.0.1\n",
        );
        write(&root, "deps/base.in", "jinja2==3.0.1\n");
        std::os::unix::fs::symlink(&outside, root.join("app/linked"))
            .unwrap_or_else(|e| panic!("{e}"));
        let names = |inv: &Inventory| -> Vec<String> {
            inv.components
                .iter()
                .map(|c| format!("{} {}", c.name, c.source.path))
                .collect()
        };
        let walked = scan_path(&root).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            names(&walked),
            ["jinja2 deps/base.in", "flask app/requirements.txt"]
        );
        assert_eq!(walked.warnings.len(), 2, "{:?}", walked.warnings);
        // A single file reads includes relative to its own directory, under it.
        let single =
            scan_path(&root.join("app/requirements.txt")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&single), ["flask requirements.txt"]);
    }
}
