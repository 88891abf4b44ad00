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
// SBOMs, read and written
pub mod cyclonedx;
pub mod spdx;
// Container images
pub mod image;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use patchwarden_core::{Component, Ecosystem};
use serde::Serialize;

pub use collect::parse_text;
use collect::{Found, Origin, Tree};
pub use detect::LockfileKind;

/// Largest single file read, in bytes: real lockfiles and package databases are a few MB;
/// anything near this is hostile.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Something the inventory could not turn into a component, but that the user should know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// File, relative to the scanned root.
    pub path: String,
    /// 1-based line, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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

/// Every component under `root`: a directory (walked, OS package databases found at their
/// place in a root file system), or a single lockfile, manifest or OS package database.
pub fn scan(root: &Path, options: &ScanOptions) -> Result<Inventory, InventoryError> {
    let meta = std::fs::symlink_metadata(root).map_err(|source| InventoryError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let mut inventory = Inventory::default();
    let tree = if meta.is_dir() {
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
    })
}

/// Walks a directory: skips `.git` and (unless asked) `node_modules`, follows no symbolic
/// link, leaves out what `exclude` matches.
fn walk(root: &Path, options: &ScanOptions) -> Result<Tree, InventoryError> {
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
    let excluded = builder.build().map_err(|e| InventoryError::Pattern {
        pattern: options.exclude.join(", "),
        message: e.to_string(),
    })?;
    let skip_dir =
        |name: &str| name == ".git" || (name == "node_modules" && !options.include_node_modules);
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
        let name = entry.file_name().to_string_lossy();
        let kind = LockfileKind::detect_path(&rel);
        if kind.is_some()
            || matches!(rel.as_str(), "etc/os-release" | "usr/lib/os-release")
            || is_manifest(&name)
        {
            files.insert(
                rel,
                Found {
                    kind,
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
}
