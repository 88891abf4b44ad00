//! Advisory intelligence: reads advisory feeds into OSV records.
//!
//! This version reads OSV JSON: one record per file, a directory of such files (searched
//! recursively), or an osv.dev-style per-ecosystem `all.zip`. Archives are treated as hostile:
//! entry count, entry size and total size are bounded, and nothing is ever extracted to disk.

mod compact;
pub mod epss;
pub mod fetch;
pub mod kev;
pub mod nvd;

pub use compact::compact_json;

use std::io::Read;
use std::path::{Path, PathBuf};

use patchwarden_osv::{Advisory, peek_id};

/// Most records read from one archive.
pub const MAX_ARCHIVE_ENTRIES: usize = 1_000_000;
/// Largest single record, uncompressed.
pub const MAX_RECORD_BYTES: u64 = 32 * 1024 * 1024;
/// Most bytes decompressed from one archive in total.
pub const MAX_ARCHIVE_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// A source could not be read at all (as opposed to one bad record inside it).
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The path could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The archive is not a readable zip, or breaks a limit.
    #[error("{}: {message}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A record that could not be read; the rest of the source still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Where it came from: a file path, or `archive.zip!entry.json`.
    pub origin: String,
    /// The record's id, when it could be read.
    pub id: Option<String>,
    /// What is wrong with it.
    pub error: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{} ({id}): {}", self.origin, self.error),
            None => write!(f, "{}: {}", self.origin, self.error),
        }
    }
}

/// Records read from a source.
#[derive(Debug, Default)]
pub struct Batch {
    /// Valid records.
    pub advisories: Vec<Advisory>,
    /// Records that failed, with the reason.
    pub rejected: Vec<Rejected>,
}

/// One record as read: the parsed advisory and its original JSON text, kept whole so that
/// fields this version does not model survive storage.
#[derive(Debug, Clone)]
pub struct OsvRecord {
    /// The parsed advisory.
    pub advisory: Advisory,
    /// The record as the source gave it, in compact form: every name, value and string byte
    /// kept, the indentation between tokens removed.
    pub raw: String,
}

/// What a visit hands over for each record: the record, or why it was rejected.
pub type Visited = Result<OsvRecord, Rejected>;

/// Receives records one by one; returns `false` to stop the walk early.
pub type Visitor<'a> = dyn FnMut(Visited) -> bool + 'a;

/// Decides from a record's `id` and `modified` alone that it need not be parsed (e.g. it is
/// stored already with that `modified`).
pub type Skip<'a> = dyn Fn(&str, &str) -> bool + 'a;

/// Reads only `id` and `modified`, borrowing from the bytes: a fraction of a full parse.
fn peek_id_modified(
    bytes: &[u8],
) -> Option<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(borrow)]
        id: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        modified: Option<std::borrow::Cow<'a, str>>,
    }
    let head: Head<'_> = serde_json::from_slice(bytes).ok()?;
    Some((head.id?, head.modified?))
}

/// Per-walk state: the visitor, the skip rule and how many records it skipped.
struct Walk<'v, 's> {
    visit: &'v mut Visitor<'v>,
    skip: Option<&'s Skip<'s>>,
    skipped: usize,
}

impl Walk<'_, '_> {
    /// Hands one record over (unless skipped); returns whether to go on.
    fn record(&mut self, origin: String, bytes: &[u8]) -> bool {
        if let Some(skip) = self.skip
            && let Some((id, modified)) = peek_id_modified(bytes)
            && skip(&id, &modified)
        {
            self.skipped += 1;
            return true;
        }
        (self.visit)(parse_record(origin, bytes))
    }

    fn too_large(&mut self, origin: String) -> bool {
        (self.visit)(too_large(origin))
    }
}

fn parse_record(origin: String, bytes: &[u8]) -> Visited {
    let rejected = |error: String| Rejected {
        origin: origin.clone(),
        id: peek_id(bytes),
        error,
    };
    let advisory = Advisory::from_json(bytes).map_err(|e| rejected(e.to_string()))?;
    let raw = String::from_utf8(compact::compact_json(bytes))
        .map_err(|_| rejected("not UTF-8".into()))?;
    Ok(OsvRecord { advisory, raw })
}

fn too_large(origin: String) -> Visited {
    Err(Rejected {
        origin,
        id: None,
        error: format!("record larger than {MAX_RECORD_BYTES} bytes"),
    })
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> IntelError + '_ {
    move |source| IntelError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The SHA-256 of a file's bytes, lower-case hex; read in 64 KiB blocks, never whole.
pub fn sha256_file(path: &Path) -> Result<String, IntelError> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io_error(path))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Reads OSV records from a `.json` file, a `.zip` archive, or a directory of `.json` files,
/// all into memory. For large sources prefer [`visit_osv`], which streams.
pub fn read_osv(path: &Path) -> Result<Batch, IntelError> {
    let mut batch = Batch::default();
    visit_osv(path, &mut |item| {
        match item {
            Ok(r) => batch.advisories.push(r.advisory),
            Err(r) => batch.rejected.push(r),
        }
        true
    })?;
    Ok(batch)
}

/// Streams OSV records from a `.json` file, a `.zip` archive, or a directory of `.json` files
/// to `visit`, one at a time, in a stable order. Only one record is in memory at once.
pub fn visit_osv(path: &Path, visit: &mut Visitor<'_>) -> Result<(), IntelError> {
    visit_osv_skipping(path, None, visit).map(|_| ())
}

/// As [`visit_osv`], but records for which `skip(id, modified)` holds are not parsed nor
/// visited; returns how many were skipped.
pub fn visit_osv_skipping<'v>(
    path: &Path,
    skip: Option<&Skip<'_>>,
    visit: &'v mut Visitor<'v>,
) -> Result<usize, IntelError> {
    let meta = std::fs::metadata(path).map_err(io_error(path))?;
    let mut walk = Walk {
        visit,
        skip,
        skipped: 0,
    };
    if meta.is_dir() {
        read_dir(path, &mut walk)?;
    } else if has_extension(path, "zip") {
        read_zip(path, &mut walk)?;
    } else {
        read_json_file(path, &mut walk)?;
    }
    Ok(walk.skipped)
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Reads one JSON file; returns whether the visitor wants more.
fn read_json_file(path: &Path, walk: &mut Walk<'_, '_>) -> Result<bool, IntelError> {
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(path))?;
    let origin = path.display().to_string();
    Ok(if bytes.len() as u64 > MAX_RECORD_BYTES {
        walk.too_large(origin)
    } else {
        walk.record(origin, &bytes)
    })
}

fn read_dir(root: &Path, walk: &mut Walk<'_, '_>) -> Result<(), IntelError> {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker {
        let entry = entry.map_err(|e| IntelError::Io {
            path: e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf()),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("directory walk failed")),
        })?;
        if entry.file_type().is_file()
            && has_extension(entry.path(), "json")
            && !read_json_file(entry.path(), walk)?
        {
            break;
        }
    }
    Ok(())
}

fn read_zip(path: &Path, walk: &mut Walk<'_, '_>) -> Result<(), IntelError> {
    let archive_error = |message: String| IntelError::Archive {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(io_error(path))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| archive_error(format!("not a readable zip archive: {e}")))?;
    if zip.len() > MAX_ARCHIVE_ENTRIES {
        return Err(archive_error(format!(
            "{} entries, more than the limit of {MAX_ARCHIVE_ENTRIES}",
            zip.len()
        )));
    }
    let mut total: u64 = 0;
    let mut bytes = Vec::new();
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| archive_error(format!("entry {index}: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        let origin = format!("{}!{name}", path.display());
        // The declared size can lie; the read itself is bounded too.
        bytes.clear();
        let read = entry
            .by_ref()
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| archive_error(format!("{name}: cannot decompress: {e}")))?;
        total += read as u64;
        if total > MAX_ARCHIVE_BYTES {
            return Err(archive_error(format!(
                "more than {MAX_ARCHIVE_BYTES} bytes uncompressed; refusing a possible zip bomb"
            )));
        }
        let more = if read as u64 > MAX_RECORD_BYTES {
            walk.too_large(origin)
        } else {
            walk.record(origin, &bytes)
        };
        if !more {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const GOOD: &str = r#"{"id":"T-1","modified":"2024-01-01T00:00:00Z"}"#;

    fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
        let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}"));
        let mut zip = zip::ZipWriter::new(file);
        for (name, data) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            zip.write_all(data).unwrap_or_else(|e| panic!("{e}"));
        }
        zip.finish().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn reads_zip_and_rejects_bad_records_by_name() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("all.zip");
        write_zip(
            &path,
            &[
                ("T-1.json", GOOD.as_bytes()),
                (
                    "../evil.json",
                    br#"{"id":"T-2","modified":"2024-01-01T00:00:00Z"}"#,
                ),
                ("broken.json", br#"{"id":"T-3"}"#),
                ("README.txt", b"ignored"),
            ],
        );
        let batch = read_osv(&path).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<_> = batch.advisories.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["T-1", "T-2"]);
        assert_eq!(batch.rejected.len(), 1);
        assert_eq!(batch.rejected[0].id.as_deref(), Some("T-3"));
        assert!(batch.rejected[0].origin.ends_with("all.zip!broken.json"));
        assert!(batch.rejected[0].to_string().contains("modified"));
    }

    #[test]
    fn corrupt_zip_is_a_source_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("all.zip");
        std::fs::write(&path, b"PK\x03\x04 this is not really a zip")
            .unwrap_or_else(|e| panic!("{e}"));
        let err = read_osv(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("all.zip") && err.contains("not a readable zip"),
            "{err}"
        );
    }

    #[test]
    fn oversized_entries_are_rejected_without_reading_them_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("bomb.zip");
        let big = vec![b' '; (MAX_RECORD_BYTES + 10) as usize];
        write_zip(&path, &[("big.json", &big)]);
        let batch = read_osv(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(batch.advisories.is_empty());
        assert!(batch.rejected[0].error.contains("larger than"));
    }

    #[test]
    fn reads_directories_recursively() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir(dir.path().join("sub")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("sub/T-1.json"), GOOD).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("bad.json"), "{").unwrap_or_else(|e| panic!("{e}"));
        let batch = read_osv(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(batch.advisories.len(), 1);
        assert_eq!(batch.rejected.len(), 1);
        assert!(read_osv(&dir.path().join("missing")).is_err());
    }
}
