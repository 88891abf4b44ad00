//! RPM's package database in its SQLite form, `rpmdb.sqlite` (RHEL/AlmaLinux/Rocky 9 and
//! later, Fedora 33+, openSUSE, Azure Linux: `var/lib/rpm/rpmdb.sqlite` or
//! `usr/lib/sysimage/rpm/rpmdb.sqlite`). The older Berkeley DB and NDB forms are not read.
//!
//! The table `Packages(hnum INTEGER, blob BLOB)` holds one RPM header per installed package.
//! A header blob is: the number of index entries and the size of the data store (two
//! big-endian `u32`s), the index entries (16 bytes each: tag, type, offset into the data
//! store, count; all big-endian), then the data store. Read: NAME (1000), VERSION (1001),
//! RELEASE (1002), EPOCH (1003), ARCH (1022) and SOURCERPM (1044); other tags are skipped.
//! Every offset and count is checked against the blob before use.
//!
//! Versions are written as OSV's RPM-family advisories write them: `epoch:version-release`
//! when the package has a non-zero epoch (`1:3.0.7-27.el9`), else `version-release`. The
//! source package comes from SOURCERPM (`openssl-3.0.7-27.el9.src.rpm` → `openssl`,
//! `1:3.0.7-27.el9`: a source RPM carries the epoch of the binaries built from it). The
//! `gpg-pubkey` entries are imported signing keys, not packages, and are skipped.
//!
//! The database is opened read-only and `immutable`: SQLite takes no lock and never creates
//! a journal, `-wal` or `-shm` file beside it, so a mounted image or a read-only file system
//! is left exactly as it was.

use std::collections::HashSet;
use std::path::Path;

use patchwarden_core::{Component, Ecosystem, Location, Scope, SourcePackage};

use crate::{ParseError, Parsed, Warning};

/// Most index entries a header may have (rpm's own limit).
pub const MAX_INDEX_ENTRIES: u32 = 0xffff;
/// Largest data store a header may have (rpm's own limit, 256 MiB).
pub const MAX_DATA_BYTES: u32 = 0x0fff_ffff;
/// Most rows read from one database; a real system has a few thousand packages.
const MAX_ROWS: usize = 1_000_000;

const TAG_NAME: i32 = 1000;
const TAG_VERSION: i32 = 1001;
const TAG_RELEASE: i32 = 1002;
const TAG_EPOCH: i32 = 1003;
const TAG_ARCH: i32 = 1022;
const TAG_SOURCERPM: i32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
/// A string array; rpm accepts one where a single string is expected and uses the first.
const TYPE_STRING_ARRAY: u32 = 8;
/// A localised string table; the first entry is the untranslated string.
const TYPE_I18NSTRING: u32 = 9;

/// The fields of one RPM header that identify the package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RpmHeader {
    /// NAME (`openssl-libs`).
    pub name: String,
    /// VERSION (`3.0.7`).
    pub version: String,
    /// RELEASE (`27.el9`).
    pub release: String,
    /// EPOCH, where the package has one.
    pub epoch: Option<u32>,
    /// ARCH (`x86_64`, `noarch`); `None` for `gpg-pubkey` entries.
    pub arch: Option<String>,
    /// SOURCERPM (`openssl-3.0.7-27.el9.src.rpm`); `None` for source packages and
    /// `gpg-pubkey` entries.
    pub source_rpm: Option<String>,
}

impl RpmHeader {
    /// The version as OSV's RPM advisories write it: `epoch:version-release`, the epoch left
    /// out when absent or zero (`1:3.0.7-27.el9`, `5.1.8-9.el9`).
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(epoch) if epoch != 0 => format!("{epoch}:{}-{}", self.version, self.release),
            _ => format!("{}-{}", self.version, self.release),
        }
    }

    /// The source package: name and `epoch:version-release` from SOURCERPM with this
    /// package's epoch, or `None` when SOURCERPM is absent or not `name-version-release.src.rpm`.
    pub fn source_package(&self) -> Option<SourcePackage> {
        let file = self.source_rpm.as_deref()?;
        let stem = file
            .strip_suffix(".src.rpm")
            .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
        let (rest, release) = stem.rsplit_once('-')?;
        let (name, version) = rest.rsplit_once('-')?;
        if name.is_empty() || version.is_empty() || release.is_empty() {
            return None;
        }
        let header = RpmHeader {
            name: name.to_string(),
            version: version.to_string(),
            release: release.to_string(),
            epoch: self.epoch,
            arch: None,
            source_rpm: None,
        };
        Some(SourcePackage {
            version: header.evr(),
            name: header.name,
        })
    }
}

/// Reads a big-endian `u32` at `at`, if the bytes are there.
fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let b: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// The NUL-terminated string at `offset` of the data store.
fn string_at(data: &[u8], offset: usize, tag: &str) -> Result<String, ParseError> {
    let rest = data
        .get(offset..)
        .ok_or_else(|| ParseError(format!("RPM header: {tag} points outside the data")))?;
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| ParseError(format!("RPM header: {tag} is not NUL-terminated")))?;
    let bytes = rest.get(..len).unwrap_or_default();
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ParseError(format!("RPM header: {tag} is not UTF-8")))
}

/// Decodes the fields of interest of one RPM header blob (as stored in `rpmdb.sqlite`,
/// without the 8-byte header magic), checking every bound. Fails when the blob is
/// truncated, exceeds rpm's limits, points outside itself, or lacks NAME, VERSION or
/// RELEASE.
pub fn parse_header_blob(blob: &[u8]) -> Result<RpmHeader, ParseError> {
    let too_short = || ParseError(format!("RPM header: truncated ({} bytes)", blob.len()));
    let il = be_u32(blob, 0).ok_or_else(too_short)?;
    let dl = be_u32(blob, 4).ok_or_else(too_short)?;
    if il == 0 || il > MAX_INDEX_ENTRIES {
        return Err(ParseError(format!(
            "RPM header: {il} index entries (expected 1 to {MAX_INDEX_ENTRIES})"
        )));
    }
    if dl > MAX_DATA_BYTES {
        return Err(ParseError(format!(
            "RPM header: data store of {dl} bytes exceeds the {MAX_DATA_BYTES}-byte limit"
        )));
    }
    // Both fit in usize on every supported platform (u32 into at least 32-bit usize).
    let il = il as usize;
    let dl = dl as usize;
    let index_end = il
        .checked_mul(16)
        .and_then(|n| n.checked_add(8))
        .ok_or_else(too_short)?;
    let data_end = index_end.checked_add(dl).ok_or_else(too_short)?;
    if blob.len() < data_end {
        return Err(ParseError(format!(
            "RPM header: truncated ({} bytes, the header says {data_end})",
            blob.len()
        )));
    }
    let index = blob.get(8..index_end).ok_or_else(too_short)?;
    let data = blob.get(index_end..data_end).ok_or_else(too_short)?;

    let mut header = RpmHeader::default();
    let (mut name, mut version, mut release) = (None, None, None);
    for entry in index.chunks_exact(16) {
        let field = |at: usize| be_u32(entry, at).ok_or_else(too_short);
        // Tags are signed in rpm; a tag that does not fit is simply not one of ours.
        let tag = i32::try_from(field(0)?).unwrap_or(-1);
        let ty = field(4)?;
        let offset = field(8)? as usize;
        let count = field(12)?;
        let label = match tag {
            TAG_NAME => "NAME",
            TAG_VERSION => "VERSION",
            TAG_RELEASE => "RELEASE",
            TAG_EPOCH => "EPOCH",
            TAG_ARCH => "ARCH",
            TAG_SOURCERPM => "SOURCERPM",
            _ => continue,
        };
        if offset >= dl {
            return Err(ParseError(format!(
                "RPM header: {label} points outside the data"
            )));
        }
        if tag == TAG_EPOCH {
            if ty != TYPE_INT32 || count < 1 {
                return Err(ParseError(format!(
                    "RPM header: EPOCH has type {ty} (expected INT32)"
                )));
            }
            let epoch = be_u32(data, offset)
                .ok_or_else(|| ParseError("RPM header: EPOCH points outside the data".into()))?;
            header.epoch = Some(epoch);
            continue;
        }
        if !matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) || count < 1 {
            return Err(ParseError(format!(
                "RPM header: {label} has type {ty} (expected STRING)"
            )));
        }
        let value = string_at(data, offset, label)?;
        match tag {
            TAG_NAME => name = Some(value),
            TAG_VERSION => version = Some(value),
            TAG_RELEASE => release = Some(value),
            TAG_ARCH => header.arch = Some(value),
            _ => header.source_rpm = Some(value),
        }
    }
    let missing = |what: &str| ParseError(format!("RPM header: no {what} tag"));
    header.name = name.ok_or_else(|| missing("NAME"))?;
    header.version = version.ok_or_else(|| missing("VERSION"))?;
    header.release = release.ok_or_else(|| missing("RELEASE"))?;
    if header.name.is_empty() || header.version.is_empty() {
        return Err(ParseError("RPM header: empty NAME or VERSION".into()));
    }
    Ok(header)
}

/// An SQLite URI for `file` with `immutable=1` (read-only, no locks, no journal files).
/// Every byte but unreserved characters and `/` is percent-encoded, so `?`, `#` or `%` in
/// a path cannot be taken for URI syntax.
fn immutable_uri(file: &Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        file.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = file.to_string_lossy().replace('\\', "/").into_bytes();
    let mut uri = String::from("file:");
    for b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// Reads every installed package of the `rpmdb.sqlite` at `db_file` (on disk; `path` is its
/// path relative to the scanned root, for locations and warnings), in `hnum` order, in
/// `ecosystem` (from `os-release`, e.g. `AlmaLinux:9`). A header that cannot be decoded
/// becomes a warning; a file that is not an SQLite RPM database is an error.
pub fn parse_rpmdb_sqlite(
    db_file: &Path,
    path: &str,
    ecosystem: &Ecosystem,
) -> Result<Parsed, ParseError> {
    use rusqlite::{OpenFlags, types::ValueRef};

    if !db_file.is_file() {
        return Err(ParseError("RPM database not found or not a file".into()));
    }
    let sql_error = |e: rusqlite::Error| ParseError(format!("not a readable RPM database: {e}"));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn =
        rusqlite::Connection::open_with_flags(immutable_uri(db_file), flags).map_err(sql_error)?;
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
            [],
            |row| row.get(0),
        )
        .map_err(sql_error)?;
    if !has_table {
        return Err(ParseError(
            "not an RPM database: it has no `Packages` table".into(),
        ));
    }
    let mut statement = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sql_error)?;
    let mut rows = statement.query([]).map_err(sql_error)?;

    let mut parsed = Parsed::default();
    let mut seen = HashSet::new();
    let mut read = 0usize;
    while let Some(row) = rows.next().map_err(sql_error)? {
        read += 1;
        if read > MAX_ROWS {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: None,
                message: format!("more than {MAX_ROWS} packages: the rest are not read"),
            });
            break;
        }
        let hnum = match row.get_ref(0) {
            Ok(ValueRef::Integer(n)) => n.to_string(),
            _ => "?".to_string(),
        };
        let warn = |parsed: &mut Parsed, message: String| {
            parsed.warnings.push(Warning {
                path: path.to_string(),
                line: None,
                message: format!("package #{hnum}: {message}"),
            });
        };
        let header = match row.get_ref(1) {
            Ok(ValueRef::Blob(blob)) => parse_header_blob(blob),
            Ok(_) => Err(ParseError("header is not a blob".into())),
            Err(e) => Err(ParseError(e.to_string())),
        };
        let header = match header {
            Ok(header) => header,
            Err(e) => {
                warn(&mut parsed, e.0);
                continue;
            }
        };
        if header.name == "gpg-pubkey" {
            continue;
        }
        let version = header.evr();
        if !seen.insert((header.name.clone(), version.clone())) {
            continue;
        }
        let source = match (header.source_package(), header.source_rpm.as_deref()) {
            (Some(source), _) => source,
            (None, None) => SourcePackage {
                name: header.name.clone(),
                version: version.clone(),
            },
            (None, Some(file)) => {
                warn(
                    &mut parsed,
                    format!(
                        "{}: SOURCERPM `{file}` is not name-version-release.src.rpm; the package is taken as its own source",
                        header.name
                    ),
                );
                SourcePackage {
                    name: header.name.clone(),
                    version: version.clone(),
                }
            }
        };
        let mut component = Component::new(
            ecosystem.clone(),
            header.name,
            version,
            Location::at(path, None),
        );
        component.direct = None;
        component.scope = Scope::Required;
        component.source_package = Some(source);
        parsed.components.push(component);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header blob with string entries, and an INT32 epoch when given.
    fn blob(strings: &[(i32, &str)], epoch: Option<u32>) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        let mut count = 0u32;
        if let Some(e) = epoch {
            index.extend(TAG_EPOCH.to_be_bytes());
            index.extend(TYPE_INT32.to_be_bytes());
            index.extend(0u32.to_be_bytes());
            index.extend(1u32.to_be_bytes());
            data.extend(e.to_be_bytes());
            count += 1;
        }
        for (tag, s) in strings {
            let offset = u32::try_from(data.len()).unwrap_or(u32::MAX);
            index.extend(tag.to_be_bytes());
            index.extend(TYPE_STRING.to_be_bytes());
            index.extend(offset.to_be_bytes());
            index.extend(1u32.to_be_bytes());
            data.extend(s.as_bytes());
            data.push(0);
            count += 1;
        }
        let mut out = count.to_be_bytes().to_vec();
        out.extend(u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    #[test]
    fn decodes_the_identifying_tags() {
        let b = blob(
            &[
                (TAG_NAME, "openssl-libs"),
                (TAG_VERSION, "3.0.7"),
                (TAG_RELEASE, "27.el9"),
                (TAG_ARCH, "x86_64"),
                (TAG_SOURCERPM, "openssl-3.0.7-27.el9.src.rpm"),
            ],
            Some(1),
        );
        let h = parse_header_blob(&b).unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(h.evr(), "1:3.0.7-27.el9");
        assert_eq!(h.arch.as_deref(), Some("x86_64"));
        let src = h.source_package().unwrap_or_else(|| panic!("no source"));
        assert_eq!(
            (src.name.as_str(), src.version.as_str()),
            ("openssl", "1:3.0.7-27.el9")
        );
    }

    #[test]
    fn zero_epoch_is_left_out() {
        let h = RpmHeader {
            name: "bash".into(),
            version: "5.1.8".into(),
            release: "9.el9".into(),
            epoch: Some(0),
            ..RpmHeader::default()
        };
        assert_eq!(h.evr(), "5.1.8-9.el9");
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = blob(
            &[(TAG_NAME, "a"), (TAG_VERSION, "1"), (TAG_RELEASE, "1")],
            None,
        );
        assert!(parse_header_blob(&b).is_ok());
        for len in 0..b.len() {
            assert!(
                parse_header_blob(b.get(..len).unwrap_or_default()).is_err(),
                "{len}"
            );
        }
    }

    #[test]
    fn uris_escape_special_characters() {
        assert_eq!(
            immutable_uri(Path::new("/tmp/a b/?#%.sqlite")),
            "file:/tmp/a%20b/%3F%23%25.sqlite?mode=ro&immutable=1"
        );
    }
}
