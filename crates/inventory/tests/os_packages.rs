//! Operating-system package databases: dpkg `status` and `status.d/`, apk `installed`,
//! `rpmdb.sqlite`, and `os-release`. Real data where the shared data has it (Debian 12),
//! fixtures written for these tests otherwise (`tests/fixtures/os/`), an RPM database built
//! here with a small header encoder, and hostile inputs.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use patchwarden_core::{Component, Ecosystem};
use patchwarden_inventory::{Parsed, apk, dpkg, os_release, rpmdb};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/os")
}

fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// One line per component: line, name, version, source package, purl.
fn compact(components: &[Component]) -> String {
    components
        .iter()
        .map(|c| {
            let line = c.source.line.map(|l| l.to_string()).unwrap_or_default();
            let src = c
                .source_package
                .as_ref()
                .map(|s| format!("{} {}", s.name, s.version))
                .unwrap_or_else(|| "-".into());
            let purl = c.purl().unwrap_or_else(|| "-".into());
            format!("{line:>5} {} {} <- {src} {purl}\n", c.name, c.version)
        })
        .collect()
}

fn as_json(parsed: &Parsed) -> serde_json::Value {
    serde_json::json!({
        "components": parsed.components,
        "warnings": parsed.warnings,
    })
}

// --- dpkg -------------------------------------------------------------------------------

#[test]
fn debian12_status_yields_every_installed_package_with_its_source() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let gz = data.join("os/debian-dpkg-status.gz");
    let Ok(file) = std::fs::File::open(&gz) else {
        eprintln!("skipping: {} is absent", gz.display());
        return;
    };
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let os_release = std::fs::read_to_string(data.join("os/os-release"))
        .unwrap_or_else(|e| panic!("os-release: {e}"));
    let eco = os_release::parse(&os_release)
        .ecosystem()
        .unwrap_or_else(|| panic!("no ecosystem for the shared os-release"));
    assert_eq!(eco.to_string(), "Debian:12");

    let parsed = dpkg::parse_status("var/lib/dpkg/status", &text, &eco)
        .unwrap_or_else(|e| panic!("{}", e.0));
    // tests/oracles/os_counts.py dpkg debian-dpkg-status.gz:
    // "dpkg installed 707, with a Source field 578".
    assert_eq!(parsed.components.len(), 707);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert!(parsed.components.iter().all(|c| c.source_package.is_some()));
    let differs = parsed
        .components
        .iter()
        .filter(|c| c.source_package.as_ref().is_some_and(|s| s.name != c.name))
        .count();
    assert!(
        differs > 400,
        "{differs} packages have a differently named source"
    );
    let source_of = |name: &str| {
        parsed
            .components
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.source_package.clone())
            .map(|s| s.name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(source_of("libssl3"), "openssl");
    assert_eq!(source_of("libc6"), "glibc");
    // `Source: bash (5.2.15-2)` of the binNMU bash 5.2.15-2+b8.
    let bash = parsed.components.iter().find(|c| c.name == "bash");
    let bash_src = bash.and_then(|c| c.source_package.as_ref());
    assert_eq!(bash_src.map(|s| s.version.as_str()), Some("5.2.15-2"));
    insta::assert_snapshot!("debian12_status_compact", compact(&parsed.components));
}

#[test]
fn distroless_status_d_directory() {
    let dir = fixtures().join("status.d");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md5sums"))
        .collect();
    entries.sort();
    let eco = Ecosystem::parse("Debian:12");
    let mut all = Parsed::default();
    for name in entries {
        let rel = format!("var/lib/dpkg/status.d/{name}");
        let text = read_fixture(&format!("status.d/{name}"));
        let parsed = dpkg::parse_status_d(&rel, &text, &eco).unwrap_or_else(|e| panic!("{}", e.0));
        all.components.extend(parsed.components);
        all.warnings.extend(parsed.warnings);
    }
    // tests/oracles/os_counts.py status.d tests/fixtures/os/status.d: "status.d packages 5".
    assert_eq!(all.components.len(), 5);
    // netbase has no Version on purpose.
    assert_eq!(all.warnings.len(), 1, "{:?}", all.warnings);
    insta::assert_json_snapshot!("status_d_fixture", as_json(&all));
}

#[test]
fn hostile_dpkg_inputs_never_panic_and_stay_bounded() {
    let eco = Ecosystem::parse("Debian:12");
    let long_name = format!(
        "Package: {}\nStatus: install ok installed\nVersion: 1\n",
        "a".repeat(1 << 20)
    );
    let many_blank = "\n".repeat(100_000);
    let one_long_line = "x".repeat(4 << 20);
    let inputs: Vec<String> = vec![
        String::new(),
        long_name.clone(),
        many_blank,
        one_long_line,
        "Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n".into(),
        "Package: a\nStatus: install ok installed\nVersion: 1\nSource: (\n".into(),
        "Package: a\nStatus: install ok installed\nVersion: 1\nSource: b (((1)\n".into(),
        "Package: a b\nStatus: install ok installed\nVersion: 1\n".into(),
        "Package: a\nPackage: b\nStatus: install ok installed\nVersion: 1\n".into(),
        "Package: ä\nStatus: ♥ ok installed\nVersion: 1\n".into(),
        " continuation first\nPackage: a\nStatus:\nVersion: 1\n".into(),
        ":\n:\n::\n".into(),
        "Package:\nVersion:\nStatus: install ok installed\n".into(),
    ];
    for text in &inputs {
        for parse in [dpkg::parse_status, dpkg::parse_status_d] {
            if let Ok(parsed) = parse("s", text, &eco) {
                for w in &parsed.warnings {
                    assert!(
                        w.message.len() < 400,
                        "unbounded message {}",
                        w.message.len()
                    );
                }
            }
        }
    }
    let parsed = dpkg::parse_status("s", &long_name, &eco).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(parsed.components.len(), 1, "a long name is still a name");
    let crlf = dpkg::parse_status("s", &inputs[4], &eco).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(
        crlf.components.first().map(|c| c.version.as_str()),
        Some("1")
    );
    let dup = dpkg::parse_status("s", &inputs[8], &eco).unwrap_or_else(|e| panic!("{}", e.0));
    assert_eq!(dup.components.first().map(|c| c.name.as_str()), Some("a"));
    assert_eq!(dup.warnings.len(), 1);
}

// --- apk --------------------------------------------------------------------------------

#[test]
fn alpine_installed_database() {
    let text = read_fixture("apk-installed");
    let eco = os_release::parse(&read_fixture("os-release/alpine-3.20"))
        .ecosystem()
        .unwrap_or_else(|| panic!("no ecosystem"));
    let parsed = apk::parse_installed("lib/apk/db/installed", &text, &eco)
        .unwrap_or_else(|e| panic!("{}", e.0));
    // tests/oracles/os_counts.py apk tests/fixtures/os/apk-installed: "apk packages 8".
    assert_eq!(parsed.components.len(), 8);
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    let libssl = parsed.components.iter().find(|c| c.name == "libssl3");
    assert_eq!(
        libssl.and_then(Component::purl).as_deref(),
        Some("pkg:apk/alpine/libssl3@3.3.2-r0?distro=3.20")
    );
    insta::assert_snapshot!("apk_fixture_compact", compact(&parsed.components));
    insta::assert_json_snapshot!("apk_fixture", as_json(&parsed));
}

#[test]
fn hostile_apk_inputs_never_panic() {
    let eco = Ecosystem::parse("Alpine:v3.20");
    let inputs = [
        String::new(),
        "P:".into(),
        "P:a\nV:\n".into(),
        "P:a\nV:1 2\n".into(),
        "P:a\nV:1\no:b c\n".into(),
        "P:a\nP:b\nV:1\n".into(),
        "ä:x\nP:♥\nV:1\n".into(),
        format!("P:{}\nV:1\n", "x".repeat(1 << 20)),
        "\n\n\n:::\n".into(),
    ];
    for text in &inputs {
        if let Ok(parsed) = apk::parse_installed("i", text, &eco) {
            for w in &parsed.warnings {
                assert!(w.message.len() < 400, "unbounded message");
            }
        }
    }
}

// --- os-release -------------------------------------------------------------------------

#[test]
fn os_release_files_map_to_osv_ecosystems() {
    let dir = fixtures().join("os-release");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let rendered: String = names
        .iter()
        .map(|name| {
            let distro = os_release::parse(&read_fixture(&format!("os-release/{name}")));
            let eco = distro
                .ecosystem()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "(none)".into());
            format!(
                "{name}: id={} version_id={} -> {eco}\n",
                distro.id,
                distro.version_id.as_deref().unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!("os_release_fixtures", rendered);
}

#[test]
fn shared_os_release_is_debian_12() {
    let Some(data) = common::shared_data() else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(data.join("os/os-release")) else {
        eprintln!("skipping: os/os-release is absent from the shared data");
        return;
    };
    let distro = os_release::parse(&text);
    assert_eq!(distro.version_codename.as_deref(), Some("bookworm"));
    assert_eq!(
        distro.ecosystem().map(|e| e.to_string()).as_deref(),
        Some("Debian:12")
    );
}

// --- rpmdb.sqlite -----------------------------------------------------------------------

/// A test-only RPM header encoder: index entries and data store as rpm lays them out.
mod rpm_encoder {
    pub const NAME: i32 = 1000;
    pub const VERSION: i32 = 1001;
    pub const RELEASE: i32 = 1002;
    pub const EPOCH: i32 = 1003;
    pub const ARCH: i32 = 1022;
    pub const SOURCERPM: i32 = 1044;
    const IMMUTABLE: i32 = 63;

    /// One entry: tag, type, offset, count and the bytes it points at.
    pub struct Entry {
        pub tag: i32,
        pub ty: u32,
        pub count: u32,
        pub bytes: Vec<u8>,
        pub align: usize,
    }

    pub fn string(tag: i32, value: &str) -> Entry {
        let mut bytes = value.as_bytes().to_vec();
        bytes.push(0);
        Entry {
            tag,
            ty: 6,
            count: 1,
            bytes,
            align: 1,
        }
    }

    pub fn int32(tag: i32, value: u32) -> Entry {
        Entry {
            tag,
            ty: 4,
            count: 1,
            bytes: value.to_be_bytes().to_vec(),
            align: 4,
        }
    }

    /// A blob: a leading region tag as rpm writes one, then the entries.
    pub fn header(entries: &[Entry]) -> Vec<u8> {
        let mut index: Vec<[u32; 4]> = Vec::new();
        let mut data: Vec<u8> = Vec::new();
        // The HEADERIMMUTABLE region trailer: 16 opaque bytes, skipped by readers.
        index.push([IMMUTABLE as u32, 7, 0, 16]);
        data.extend([0u8; 16]);
        for e in entries {
            while !data.len().is_multiple_of(e.align) {
                data.push(0);
            }
            let offset = u32::try_from(data.len()).unwrap_or(u32::MAX);
            index.push([e.tag as u32, e.ty, offset, e.count]);
            data.extend(&e.bytes);
        }
        let mut out = Vec::new();
        out.extend(u32::try_from(index.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend(u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
        for [tag, ty, offset, count] in index {
            for v in [tag, ty, offset, count] {
                out.extend(v.to_be_bytes());
            }
        }
        out.extend(data);
        out
    }

    /// A package header: name, version, release, arch, optional epoch and source RPM.
    pub fn package(
        name: &str,
        version: &str,
        release: &str,
        epoch: Option<u32>,
        source_rpm: Option<&str>,
    ) -> Vec<u8> {
        let mut entries = vec![
            string(NAME, name),
            string(VERSION, version),
            string(RELEASE, release),
            string(ARCH, "x86_64"),
        ];
        if let Some(e) = epoch {
            entries.push(int32(EPOCH, e));
        }
        if let Some(s) = source_rpm {
            entries.push(string(SOURCERPM, s));
        }
        header(&entries)
    }
}

/// Creates an `rpmdb.sqlite` with the given blobs (any SQLite value) in `Packages`.
fn build_rpmdb(file: &Path, rows: &[rusqlite::types::Value], wal: bool) {
    let conn = rusqlite::Connection::open(file).unwrap_or_else(|e| panic!("{e}"));
    if wal {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode, "wal");
    }
    conn.execute_batch(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for row in rows {
        conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [row])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    conn.close().unwrap_or_else(|(_, e)| panic!("{e}"));
}

fn sample_rows() -> Vec<rusqlite::types::Value> {
    use rpm_encoder::package;
    use rusqlite::types::Value::{Blob, Integer, Text};
    let mut truncated = package("truncated", "1", "1", None, None);
    truncated.truncate(40);
    vec![
        Blob(package("gpg-pubkey", "b86b3716", "61e69f29", None, None)),
        Blob(package(
            "openssl-libs",
            "3.0.7",
            "27.el9",
            Some(1),
            Some("openssl-3.0.7-27.el9.src.rpm"),
        )),
        Blob(package(
            "bash",
            "5.1.8",
            "9.el9",
            None,
            Some("bash-5.1.8-9.el9.src.rpm"),
        )),
        Blob(package(
            "tzdata",
            "2024a",
            "1.el9",
            Some(0),
            Some("tzdata-2024a-1.el9.src.rpm"),
        )),
        Blob(package(
            "python3-libs",
            "3.9.18",
            "3.el9_4.3",
            None,
            Some("python3.9-3.9.18-3.el9_4.3.src.rpm"),
        )),
        // The same package for a second architecture: one component.
        Blob(package(
            "bash",
            "5.1.8",
            "9.el9",
            None,
            Some("bash-5.1.8-9.el9.src.rpm"),
        )),
        Blob(package("odd-source", "1.0", "1", None, Some("garbage"))),
        Blob(package("no-source", "1.0", "1", None, None)),
        Blob(truncated),
        Blob(vec![0xff; 64]),
        Text("not a blob".into()),
        Integer(7),
    ]
}

#[test]
fn rpmdb_sqlite_built_here() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("rpmdb.sqlite");
    build_rpmdb(&file, &sample_rows(), false);
    let eco = os_release::parse(&read_fixture("os-release/almalinux-9"))
        .ecosystem()
        .unwrap_or_else(|| panic!("no ecosystem"));
    let parsed = rpmdb::parse_rpmdb_sqlite(&file, "var/lib/rpm/rpmdb.sqlite", &eco)
        .unwrap_or_else(|e| panic!("{}", e.0));
    let names: Vec<_> = parsed.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "openssl-libs",
            "bash",
            "tzdata",
            "python3-libs",
            "odd-source",
            "no-source"
        ]
    );
    assert_eq!(
        parsed
            .components
            .first()
            .and_then(Component::purl)
            .as_deref(),
        Some("pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?distro=almalinux-9&epoch=1")
    );
    // The truncated blob, the 0xff blob, the text and the integer; and odd-source.
    assert_eq!(parsed.warnings.len(), 5, "{:#?}", parsed.warnings);
    insta::assert_snapshot!("rpmdb_built_compact", compact(&parsed.components));
    insta::assert_json_snapshot!("rpmdb_built", as_json(&parsed));
}

#[test]
fn rpmdb_is_never_written_and_special_paths_open() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sub = dir.path().join("a dir?#%");
    std::fs::create_dir(&sub).unwrap_or_else(|e| panic!("{e}"));
    for wal in [false, true] {
        let file = sub.join(if wal { "wal.sqlite" } else { "rpmdb.sqlite" });
        build_rpmdb(&file, &sample_rows(), wal);
        let listing = || {
            let mut names: Vec<_> = std::fs::read_dir(&sub)
                .unwrap_or_else(|e| panic!("{e}"))
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect();
            names.sort();
            names
        };
        let before = std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"));
        let files_before = listing();
        let parsed =
            rpmdb::parse_rpmdb_sqlite(&file, "rpmdb.sqlite", &Ecosystem::parse("AlmaLinux:9"))
                .unwrap_or_else(|e| panic!("{}", e.0));
        assert_eq!(parsed.components.len(), 6, "wal={wal}");
        assert_eq!(
            std::fs::read(&file).ok(),
            Some(before),
            "the database changed"
        );
        assert_eq!(
            listing(),
            files_before,
            "files appeared beside the database"
        );
    }
}

#[test]
fn rpmdb_rejects_files_that_are_not_rpm_databases() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let eco = Ecosystem::parse("AlmaLinux:9");
    let text = dir.path().join("text.sqlite");
    std::fs::write(&text, "Package: bash\nVersion: 1\n".repeat(200))
        .unwrap_or_else(|e| panic!("{e}"));
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap_or_else(|e| panic!("{e}"));
    let other = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("CREATE TABLE Names (id INTEGER);")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let missing = dir.path().join("missing.sqlite");
    for (file, expect) in [
        (&text, "not a readable RPM database"),
        (&empty, "no `Packages` table"),
        (&other, "no `Packages` table"),
        (&missing, "not found"),
    ] {
        match rpmdb::parse_rpmdb_sqlite(file, "rpmdb.sqlite", &eco) {
            Ok(p) => panic!("{} parsed: {p:?}", file.display()),
            Err(e) => {
                assert!(e.0.contains(expect), "{}: {}", file.display(), e.0);
                assert!(!e.0.contains('\n'), "one line: {}", e.0);
            }
        }
    }
    assert!(!missing.exists(), "a missing database must not be created");
}

#[test]
fn hostile_header_blobs_are_errors() {
    use rpm_encoder::{NAME, RELEASE, VERSION, header, int32, string};
    let be = |vals: &[u32]| {
        vals.iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("huge index count", be(&[u32::MAX, 0])),
        ("huge data size", be(&[1, u32::MAX])),
        ("zero entries", be(&[0, 0])),
        ("index past the end", be(&[4, 0, 1000, 6, 0, 1])),
        // One NAME entry whose offset lies beyond the 4-byte data store.
        ("offset outside", {
            let mut b = be(&[1, 4, 1000, 6, 9, 1]);
            b.extend(b"abc\0");
            b
        }),
        // A NAME string with no terminating NUL.
        ("unterminated", {
            let mut b = be(&[1, 4, 1000, 6, 0, 1]);
            b.extend(b"abcd");
            b
        }),
        ("negative offset", {
            let mut b = be(&[1, 4, 1000, 6, 0xffff_fffc, 1]);
            b.extend(b"abc\0");
            b
        }),
        (
            "epoch as string",
            header(&[
                string(NAME, "a"),
                string(VERSION, "1"),
                string(RELEASE, "1"),
                string(1003, "1"),
            ]),
        ),
        (
            "name as int",
            header(&[int32(NAME, 5), string(VERSION, "1"), string(RELEASE, "1")]),
        ),
        (
            "no release",
            header(&[string(NAME, "a"), string(VERSION, "1")]),
        ),
        (
            "not utf-8",
            header(&[
                rpm_encoder::Entry {
                    tag: NAME,
                    ty: 6,
                    count: 1,
                    bytes: vec![0xc3, 0x28, 0],
                    align: 1,
                },
                string(VERSION, "1"),
                string(RELEASE, "1"),
            ]),
        ),
    ];
    // Epoch at the very end of the data store, one byte short.
    let mut short_epoch = header(&[
        string(NAME, "a"),
        string(VERSION, "1"),
        string(RELEASE, "1"),
        int32(1003, 1),
    ]);
    let data_len = short_epoch.len();
    short_epoch.truncate(data_len - 1);
    cases.push(("short epoch", short_epoch));
    for (what, blob) in cases {
        match rpmdb::parse_header_blob(&blob) {
            Ok(h) => panic!("{what}: parsed {h:?}"),
            Err(e) => assert!(
                e.0.starts_with("RPM header:") && !e.0.contains('\n'),
                "{what}: {}",
                e.0
            ),
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let deb = Ecosystem::parse("Debian:12");
        let _ = dpkg::parse_status("s", &text, &deb);
        let _ = dpkg::parse_status_d("s", &text, &deb);
        let _ = apk::parse_installed("i", &text, &Ecosystem::parse("Alpine:v3.20"));
        let _ = os_release::parse(&text).ecosystem();
    }

    #[test]
    fn field_shaped_text_never_panics(
        text in "((Package|Version|Status|Source|P|V|o|A|ID|VERSION_ID)[:=]|install ok installed|\\(|\\)|\"|'|\\\\| |\t|\n|\\PC{0,5}){0,80}"
    ) {
        let deb = Ecosystem::parse("Debian:12");
        let _ = dpkg::parse_status("s", &text, &deb);
        let _ = dpkg::parse_status_d("s", &text, &deb);
        let _ = apk::parse_installed("i", &text, &Ecosystem::parse("Alpine:v3.20"));
        let _ = os_release::parse(&text).ecosystem();
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_header_decoder(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = rpmdb::parse_header_blob(&bytes);
    }

    #[test]
    fn mutated_headers_never_panic(at in 0usize..200, byte in proptest::num::u8::ANY, cut in 0usize..220) {
        let mut blob = rpm_encoder::package("openssl-libs", "3.0.7", "27.el9", Some(1), Some("openssl-3.0.7-27.el9.src.rpm"));
        if let Some(b) = blob.get_mut(at) {
            *b = byte;
        }
        blob.truncate(cut);
        let _ = rpmdb::parse_header_blob(&blob);
    }
}
