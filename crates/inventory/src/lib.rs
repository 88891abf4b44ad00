//! Inventory: finds lockfiles under a path and reads them into [`Component`]s.
//!
//! Parsers are pure functions from file text to components (see [`parse_lockfile`]); only
//! [`scan_path`] touches the filesystem. The walk skips `.git` and `node_modules`, follows no
//! symbolic link, and refuses files larger than [`MAX_FILE_BYTES`].
//!
//! Formats in this version: `Cargo.lock` (v1–v4), npm `package-lock.json` /
//! `npm-shrinkwrap.json` (lockfileVersion 1, 2, 3) and pip `requirements*.txt` (pinned `==`
//! lines; anything else becomes a warning, never a silent drop).

mod cargo;
mod npm;
mod pip;

use std::path::{Path, PathBuf};

use patchwarden_core::Component;
use serde::Serialize;

/// Largest lockfile read, in bytes: real lockfiles are a few MB; anything near this is hostile.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The lockfile formats this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockfileKind {
    /// Cargo's `Cargo.lock`.
    CargoLock,
    /// npm's `package-lock.json` or `npm-shrinkwrap.json`.
    NpmLock,
    /// pip's `requirements*.txt`.
    PipRequirements,
}

impl LockfileKind {
    /// Recognises a lockfile by its file name.
    pub fn detect(file_name: &str) -> Option<LockfileKind> {
        match file_name {
            "Cargo.lock" => Some(LockfileKind::CargoLock),
            "package-lock.json" | "npm-shrinkwrap.json" => Some(LockfileKind::NpmLock),
            n if n.starts_with("requirements") && n.ends_with(".txt") => {
                Some(LockfileKind::PipRequirements)
            }
            _ => None,
        }
    }

    /// Recognises a file the user named explicitly, more loosely than in a directory walk:
    /// renamed copies such as `app__Cargo.lock` or `package-lock.v3.json` are accepted.
    pub fn detect_named(file_name: &str) -> Option<LockfileKind> {
        LockfileKind::detect(file_name).or_else(|| {
            let n = file_name.to_ascii_lowercase();
            if n.ends_with("cargo.lock") || (n.contains("cargo") && n.ends_with(".lock")) {
                Some(LockfileKind::CargoLock)
            } else if (n.contains("package-lock") || n.contains("npm-shrinkwrap"))
                && n.ends_with(".json")
            {
                Some(LockfileKind::NpmLock)
            } else if n.contains("requirements") && n.ends_with(".txt") {
                Some(LockfileKind::PipRequirements)
            } else {
                None
            }
        })
    }
}

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

/// A lockfile that was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    /// Path relative to the scanned root.
    pub path: String,
    /// Format.
    pub kind: LockfileKind,
    /// How many components it gave.
    pub components: usize,
}

/// What parsing one lockfile gave.
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
    /// Components of all lockfiles, in walk order.
    pub components: Vec<Component>,
    /// Lockfiles read.
    pub sources: Vec<SourceFile>,
    /// Warnings from all lockfiles.
    pub warnings: Vec<Warning>,
}

/// A lockfile could not be read. The message names the file and the problem.
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
    /// The file is not a valid lockfile of its kind.
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A parse failure inside one file, before the caller attaches the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// Parses the text of one lockfile. `path` is the relative path recorded in each component;
/// `manifest` is the text of the sibling manifest (`package.json`) when there is one, used to
/// tell direct from transitive dependencies where the lockfile alone cannot.
pub fn parse_lockfile(
    kind: LockfileKind,
    path: &str,
    text: &str,
    manifest: Option<&str>,
) -> Result<Parsed, ParseError> {
    match kind {
        LockfileKind::CargoLock => cargo::parse(path, text),
        LockfileKind::NpmLock => npm::parse(path, text, manifest),
        LockfileKind::PipRequirements => Ok(pip::parse(path, text)),
    }
}

fn read_limited(path: &Path) -> Result<String, InventoryError> {
    let io = |source| InventoryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(InventoryError::Malformed {
            path: path.to_path_buf(),
            message: format!(
                "file is {} bytes, larger than the {} byte limit for a lockfile",
                meta.len(),
                MAX_FILE_BYTES
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    String::from_utf8(bytes).map_err(|_| InventoryError::Malformed {
        path: path.to_path_buf(),
        message: "not UTF-8 text".into(),
    })
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        s
    }
}

/// Lockfiles under `root` (or `root` itself when it is a file), in a stable order.
pub fn find_lockfiles(root: &Path) -> Result<Vec<(PathBuf, LockfileKind)>, InventoryError> {
    let meta = std::fs::symlink_metadata(root).map_err(|source| InventoryError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    if meta.is_file() || (meta.file_type().is_symlink() && root.is_file()) {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return match LockfileKind::detect_named(&name) {
            Some(kind) => Ok(vec![(root.to_path_buf(), kind)]),
            None => Err(InventoryError::Malformed {
                path: root.to_path_buf(),
                message: "not a supported lockfile (expected Cargo.lock, package-lock.json, npm-shrinkwrap.json or requirements*.txt)".into(),
            }),
        };
    }
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && matches!(e.file_name().to_str(), Some(".git" | "node_modules")))
        });
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
        if let Some(kind) = entry.file_name().to_str().and_then(LockfileKind::detect) {
            found.push((entry.path().to_path_buf(), kind));
        }
    }
    Ok(found)
}

/// Finds and parses every lockfile under `root`.
pub fn scan_path(root: &Path) -> Result<Inventory, InventoryError> {
    let mut inventory = Inventory::default();
    let base = if root.is_dir() {
        root
    } else {
        root.parent().unwrap_or(root)
    };
    for (path, kind) in find_lockfiles(root)? {
        let text = read_limited(&path)?;
        let manifest = match kind {
            LockfileKind::NpmLock => path
                .parent()
                .map(|p| p.join("package.json"))
                .filter(|p| p.is_file())
                .map(|p| read_limited(&p))
                .transpose()?,
            _ => None,
        };
        let rel = relative(base, &path);
        let parsed = parse_lockfile(kind, &rel, &text, manifest.as_deref()).map_err(|e| {
            InventoryError::Malformed {
                path: path.clone(),
                message: e.0,
            }
        })?;
        inventory.sources.push(SourceFile {
            path: rel,
            kind,
            components: parsed.components.len(),
        });
        inventory.components.extend(parsed.components);
        inventory.warnings.extend(parsed.warnings);
    }
    Ok(inventory)
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
            LockfileKind::detect_named("nushell__2020-06__Cargo.lock"),
            Some(LockfileKind::CargoLock)
        );
        assert_eq!(
            LockfileKind::detect_named("Cargo.v1-metadata.lock"),
            Some(LockfileKind::CargoLock)
        );
        assert_eq!(
            LockfileKind::detect_named("juice-shop__package-lock.v3.json"),
            Some(LockfileKind::NpmLock)
        );
        assert_eq!(LockfileKind::detect_named("package.json"), None);
    }
}
