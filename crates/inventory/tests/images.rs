//! Container images built here from files written by the tests: a `docker save` archive
//! (layers stored out of order, manifest.json last), an OCI layout as a directory and as a
//! tar, and hostile archives, each refused or bounded with a clear message.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use patchwarden_inventory::image::{Image, ImageError, Limits, is_image, read_image};
use sha2::{Digest, Sha256};

// ---- A minimal tar writer (ustar headers, names up to 100 bytes). ----

enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Link(&'a str, &'a str),
    Hard(&'a str, &'a str),
}

fn header(name: &str, flag: u8, size: u64, link: &str) -> [u8; 512] {
    assert!(name.len() <= 100 && link.len() <= 100, "{name}");
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(if flag == b'5' { b"0000755" } else { b"0000644" });
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = flag;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

fn append(out: &mut Vec<u8>, e: &E) {
    let (name, flag, data, link): (&str, u8, &[u8], &str) = match e {
        E::File(n, d) => (n, b'0', d, ""),
        E::Dir(n) => (n, b'5', b"", ""),
        E::Link(n, t) => (n, b'2', b"", t),
        E::Hard(n, t) => (n, b'1', b"", t),
    };
    out.extend_from_slice(&header(name, flag, data.len() as u64, link));
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn tar(entries: &[E]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        append(&mut out, e);
    }
    out.extend_from_slice(&[0; 1024]);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
    enc.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

// ---- What the inventory asks for. ----

fn wanted(p: &str) -> bool {
    matches!(
        p,
        "var/lib/dpkg/status"
            | "lib/apk/db/installed"
            | "var/lib/rpm/rpmdb.sqlite"
            | "etc/os-release"
            | "usr/lib/os-release"
            | "package-lock.json"
    ) || p.starts_with("var/lib/dpkg/status.d/")
        || p.ends_with("/package-lock.json")
}

// ---- The three-layer image. ----

const STATUS: &[u8] = b"Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\n\n";
const OS_RELEASE: &[u8] = b"ID=debian\nVERSION_ID=\"12\"\n";
const LOCK_V1: &[u8] = b"{\"lockfileVersion\":3,\"name\":\"app\",\"version\":\"1.0.0\"}\n";
const LOCK_V2: &[u8] = b"{\"lockfileVersion\":3,\"name\":\"app\",\"version\":\"2.0.0\"}\n";

/// Uncompressed layer tars and the blobs stored (the second one gzip).
struct Layers {
    diffs: Vec<Vec<u8>>,
    blobs: Vec<Vec<u8>>,
}

fn three_layers() -> Layers {
    let tool: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let l1 = tar(&[
        E::Dir("app/"),
        E::File("app/package-lock.json", LOCK_V1),
        E::Dir("etc/"),
        E::Link("etc/os-release", "../usr/lib/os-release"),
        E::Dir("opt/"),
        E::Dir("opt/cache/"),
        E::File("opt/cache/package-lock.json", b"{\"hidden\":true}"),
        E::Dir("srv/"),
        E::File("srv/package-lock.json", b"{\"deleted\":true}"),
        E::Dir("usr/"),
        E::Dir("usr/bin/"),
        E::File("usr/bin/tool", &tool),
        E::Dir("usr/lib/"),
        E::File("usr/lib/os-release", OS_RELEASE),
        E::Dir("var/"),
        E::Dir("var/lib/"),
        E::Dir("var/lib/dpkg/"),
        E::File("var/lib/dpkg/status", STATUS),
    ]);
    let l2 = tar(&[
        E::Dir("opt/"),
        E::File("opt/.wh..wh..opq", b""),
        E::Dir("opt/new/"),
        E::File("opt/new/package-lock.json", b"{\"new\":true}"),
        E::Dir("srv/"),
        E::File("srv/.wh.package-lock.json", b""),
    ]);
    let l3 = tar(&[E::Dir("app/"), E::File("app/package-lock.json", LOCK_V2)]);
    let blobs = vec![l1.clone(), gzip(&l2), l3.clone()];
    Layers {
        diffs: vec![l1, l2, l3],
        blobs,
    }
}

fn config_json(diffs: &[Vec<u8>]) -> Vec<u8> {
    let ids: Vec<String> = diffs
        .iter()
        .map(|d| format!("\"sha256:{}\"", hex(d)))
        .collect();
    format!(
        "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{}]}}}}",
        ids.join(",")
    )
    .into_bytes()
}

/// A `docker save` archive: each layer as `<n>/layer.tar`, stored in the order `order`, then
/// the config and manifest.json last.
fn docker_save(path: &Path, blobs: &[Vec<u8>], config: &[u8], order: &[usize]) {
    let names: Vec<String> = (0..blobs.len())
        .map(|i| format!("{:064x}/layer.tar", i + 1))
        .collect();
    let mut out = Vec::new();
    for &i in order {
        append(&mut out, &E::Dir(&names[i][..65]));
        append(&mut out, &E::File(&names[i], &blobs[i]));
    }
    let config_name = format!("{}.json", hex(config));
    append(&mut out, &E::File(&config_name, config));
    let layers: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let manifest = format!(
        "[{{\"Config\":\"{config_name}\",\"RepoTags\":[\"example/app:1.0\"],\"Layers\":[{}]}}]",
        layers.join(",")
    );
    append(&mut out, &E::File("manifest.json", manifest.as_bytes()));
    out.extend_from_slice(&[0; 1024]);
    write(path, &out);
}

fn descriptor(media: &str, bytes: &[u8], extra: &str) -> String {
    format!(
        "{{\"mediaType\":\"{media}\",\"digest\":\"sha256:{}\",\"size\":{}{extra}}}",
        hex(bytes),
        bytes.len()
    )
}

/// An OCI layout directory: index.json → nested index (arm64 listed first, its manifest
/// absent) → amd64 manifest → config and layers.
fn oci_layout(dir: &Path, layers: &Layers, config: &[u8]) {
    let blob = |bytes: &[u8]| write(&dir.join("blobs/sha256").join(hex(bytes)), bytes);
    write(
        &dir.join("oci-layout"),
        b"{\"imageLayoutVersion\":\"1.0.0\"}",
    );
    for b in &layers.blobs {
        blob(b);
    }
    blob(config);
    let layer_descs: Vec<String> = layers
        .blobs
        .iter()
        .map(|b| {
            let media = if b.starts_with(&[0x1f, 0x8b]) {
                "application/vnd.oci.image.layer.v1.tar+gzip"
            } else {
                "application/vnd.oci.image.layer.v1.tar"
            };
            descriptor(media, b, "")
        })
        .collect();
    let manifest = format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[{}]}}",
        descriptor("application/vnd.oci.image.config.v1+json", config, ""),
        layer_descs.join(",")
    );
    blob(manifest.as_bytes());
    let arm = descriptor(
        "application/vnd.oci.image.manifest.v1+json",
        b"not stored",
        ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}",
    );
    let amd = descriptor(
        "application/vnd.oci.image.manifest.v1+json",
        manifest.as_bytes(),
        ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}",
    );
    let nested = format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{arm},{amd}]}}"
    );
    blob(nested.as_bytes());
    let index = format!(
        "{{\"schemaVersion\":2,\"manifests\":[{}]}}",
        descriptor(
            "application/vnd.oci.image.index.v1+json",
            nested.as_bytes(),
            ",\"annotations\":{\"io.containerd.image.name\":\"example/app:1.0\",\"org.opencontainers.image.ref.name\":\"1.0\"}"
        )
    );
    write(&dir.join("index.json"), index.as_bytes());
}

/// A tar of a directory, files sorted by path, `oci-layout` and `index.json` last.
fn tar_of_dir(dir: &Path, path: &Path) {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| e.unwrap_or_else(|e| panic!("{e}")).path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, files);
            } else {
                let rel = p.strip_prefix(root).unwrap_or_else(|e| panic!("{e}"));
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
                files.push((rel.to_string_lossy().into_owned(), bytes));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort_by_key(|(name, _)| (!name.starts_with("blobs/"), name.clone()));
    let entries: Vec<E> = files.iter().map(|(n, b)| E::File(n, b)).collect();
    write(path, &tar(&entries));
}

fn read(path: &Path) -> Image {
    read_image(path, &wanted, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn read_err(path: &Path, limits: &Limits) -> String {
    match read_image(path, &wanted, limits) {
        Ok(image) => panic!("read, but should have failed: {image:?}"),
        Err(e) => e.to_string(),
    }
}

fn render(image: &Image) -> String {
    let layer_no = |d: &str| {
        image
            .layers
            .iter()
            .position(|l| l == d)
            .map_or("?".to_string(), |i| (i + 1).to_string())
    };
    let mut out = format!(
        "platform: {}/{}\ntags: {}\nconfig: {}\nlayers:\n",
        image.os.as_deref().unwrap_or("-"),
        image.architecture.as_deref().unwrap_or("-"),
        image.repo_tags.join(", "),
        image.config_digest.as_deref().unwrap_or("-"),
    );
    // Digests of gzip blobs depend on the deflate implementation linked in, so the
    // snapshot names layers by position; the test compares digests with the blobs.
    for (i, _) in image.layers.iter().enumerate() {
        out += &format!("  {}\n", i + 1);
    }
    out += "files:\n";
    for f in &image.files {
        out += &format!(
            "  {} (layer {}): {}\n",
            f.path,
            layer_no(&f.layer),
            String::from_utf8_lossy(&f.contents).escape_debug()
        );
    }
    out += &format!("warnings: {:?}\n", image.warnings);
    out
}

struct Fixture {
    _tmp: tempfile::TempDir,
    docker: PathBuf,
    oci_dir: PathBuf,
    oci_tar: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let layers = three_layers();
    let config = config_json(&layers.diffs);
    let docker = tmp.path().join("docker.tar");
    docker_save(&docker, &layers.blobs, &config, &[2, 0, 1]);
    let oci_dir = tmp.path().join("oci");
    oci_layout(&oci_dir, &layers, &config);
    let oci_tar = tmp.path().join("oci.tar");
    tar_of_dir(&oci_dir, &oci_tar);
    Fixture {
        _tmp: tmp,
        docker,
        oci_dir,
        oci_tar,
    }
}

#[test]
fn docker_save_and_oci_layouts_give_the_same_final_files() {
    let f = fixture();
    let docker = read(&f.docker);
    insta::assert_snapshot!("three_layer_image", render(&docker));
    let paths: Vec<&str> = docker.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "app/package-lock.json",
            "etc/os-release",
            "opt/new/package-lock.json",
            "usr/lib/os-release",
            "var/lib/dpkg/status"
        ]
    );
    let file = |p: &str| docker.files.iter().find(|f| f.path == p);
    assert_eq!(
        file("app/package-lock.json").map(|f| &f.contents[..]),
        Some(LOCK_V2)
    );
    assert_eq!(
        file("app/package-lock.json").map(|f| &f.layer),
        docker.layers.get(2)
    );
    assert_eq!(
        file("etc/os-release").map(|f| &f.contents[..]),
        Some(OS_RELEASE)
    );
    assert_eq!(
        file("etc/os-release").map(|f| &f.layer),
        docker.layers.first()
    );
    assert_eq!(
        file("opt/new/package-lock.json").map(|f| &f.layer),
        docker.layers.get(1)
    );
    assert!(docker.warnings.is_empty(), "{:?}", docker.warnings);
    // The layer digests are those of the blobs as stored.
    let layers = three_layers();
    let stored: Vec<String> = layers
        .blobs
        .iter()
        .map(|b| format!("sha256:{}", hex(b)))
        .collect();
    assert_eq!(docker.layers, stored);
    assert_eq!(read(&f.oci_dir), docker);
    assert_eq!(read(&f.oci_tar), docker);
}

#[test]
fn is_image_tells_images_from_other_files() {
    let f = fixture();
    assert!(is_image(&f.docker));
    assert!(is_image(&f.oci_dir));
    assert!(is_image(&f.oci_tar));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = dir.path().join("project.tar");
    write(&project, &tar(&[E::File("src/main.rs", b"fn main() {}")]));
    assert!(!is_image(&project));
    let text = dir.path().join("notes.txt");
    write(&text, b"manifest.json\n");
    assert!(!is_image(&text));
    assert!(!is_image(dir.path()));
    assert!(!is_image(&dir.path().join("absent")));
}

/// A one-image `docker save` archive of the given layer blobs, without diff_ids.
fn simple_image(dir: &Path, blobs: &[Vec<u8>]) -> PathBuf {
    let path = dir.join("image.tar");
    let order: Vec<usize> = (0..blobs.len()).collect();
    docker_save(
        &path,
        blobs,
        b"{\"os\":\"linux\",\"architecture\":\"amd64\"}",
        &order,
    );
    path
}

#[test]
fn entries_leaving_the_root_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let layer = tar(&[
        E::File("../../escape/package-lock.json", b"escaped"),
        E::File("a/../../package-lock.json", b"escaped"),
        E::File("/abs/package-lock.json", b"absolute"),
        E::File("./rel/./package-lock.json", b"relative"),
    ]);
    let image = read(&simple_image(dir.path(), &[layer]));
    let kept: Vec<(&str, &[u8])> = image
        .files
        .iter()
        .map(|f| (f.path.as_str(), &f.contents[..]))
        .collect();
    assert_eq!(
        kept,
        [
            ("abs/package-lock.json", &b"absolute"[..]),
            ("rel/package-lock.json", &b"relative"[..])
        ]
    );
    assert_eq!(image.warnings.len(), 2, "{:?}", image.warnings);
    assert!(
        image.warnings[0]
            .contains("`../../escape/package-lock.json`: its path leaves the image root")
    );
}

#[test]
fn symbolic_links_resolve_inside_the_image_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let layer = tar(&[
        // Climbs far above the root: clamped there, so it means the image's own file.
        E::Link("etc/os-release", "../../../../../../usr/lib/os-release"),
        E::File("usr/lib/os-release", OS_RELEASE),
        // Present on the host, absent in the image.
        E::Link("var/lib/dpkg/status", "/etc/hostname"),
        E::Link("app/package-lock.json", "/proc/self/environ"),
        E::Link("loop/a/package-lock.json", "../b/package-lock.json"),
        E::Link("loop/b/package-lock.json", "../a/package-lock.json"),
    ]);
    let image = read(&simple_image(dir.path(), &[layer]));
    let kept: Vec<&str> = image.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(kept, ["etc/os-release", "usr/lib/os-release"]);
    assert_eq!(image.files[0].contents, OS_RELEASE);
    let warnings = image.warnings.join("\n");
    assert!(warnings.contains("`var/lib/dpkg/status` is a symbolic link to `/etc/hostname`, not resolved inside the image"), "{warnings}");
    assert!(
        warnings.contains("`app/package-lock.json` is a symbolic link"),
        "{warnings}"
    );
    assert!(warnings.contains("more than 40 links"), "{warnings}");
}

#[test]
fn links_to_files_not_wanted_are_read_in_another_pass() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let l1 = tar(&[
        E::File("data/dpkg-status", STATUS),
        E::File("data/lock", LOCK_V1),
        E::Hard("app/package-lock.json", "data/lock"),
        E::Dir("lib"),
        E::File("usr/share/real/installed", b"P:musl\nV:1.2.5-r0\n\n"),
    ]);
    let l2 = tar(&[
        E::Link("var/lib/dpkg/status", "../../../data/dpkg-status"),
        // A deep directory link, on the way to a wanted path.
        E::Link("usr/share/alias", "real"),
        E::Link("lib/apk/db/installed", "/usr/share/alias/installed"),
    ]);
    let image = read(&simple_image(dir.path(), &[l1, l2]));
    let kept: Vec<(&str, &[u8])> = image
        .files
        .iter()
        .map(|f| (f.path.as_str(), &f.contents[..]))
        .collect();
    assert_eq!(
        kept,
        [
            ("app/package-lock.json", LOCK_V1),
            ("lib/apk/db/installed", &b"P:musl\nV:1.2.5-r0\n\n"[..]),
            ("var/lib/dpkg/status", STATUS),
        ]
    );
    assert!(image.warnings.is_empty(), "{:?}", image.warnings);
}

#[test]
fn whiteouts_hide_lower_layers_only_and_files_replace_directories() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let l1 = tar(&[
        E::File("a/package-lock.json", b"a1"),
        E::File("b/package-lock.json", b"b1"),
        E::File("c/package-lock.json", b"c1"),
        E::File("d/x/package-lock.json", b"d1"),
    ]);
    let l2 = tar(&[
        // A file where a directory was: the directory's files are gone.
        E::File("a", b"not a directory any more"),
        // A whiteout or opaque marker after an entry of its own layer hides only lower ones.
        E::File("b/package-lock.json", b"b2"),
        E::File("b/.wh.package-lock.json", b""),
        E::File("c/new/package-lock.json", b"c2"),
        E::File("c/.wh..wh..opq", b""),
        // A whole directory whited out.
        E::File(".wh.d", b""),
    ]);
    let image = read(&simple_image(dir.path(), &[l1, l2]));
    let kept: Vec<(&str, &[u8])> = image
        .files
        .iter()
        .map(|f| (f.path.as_str(), &f.contents[..]))
        .collect();
    assert_eq!(
        kept,
        [
            ("b/package-lock.json", &b"b2"[..]),
            ("c/new/package-lock.json", &b"c2"[..])
        ]
    );
    assert!(image.files.iter().all(|f| f.layer == image.layers[1]));
}

#[test]
fn a_gzip_bomb_is_stopped_at_max_layer_bytes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let size: u64 = 64 << 20;
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(&header("zeros", b'0', size, ""))
        .unwrap_or_else(|e| panic!("{e}"));
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        enc.write_all(&chunk).unwrap_or_else(|e| panic!("{e}"));
    }
    let bomb = enc.finish().unwrap_or_else(|e| panic!("{e}"));
    assert!(bomb.len() < 200_000);
    let path = simple_image(dir.path(), &[bomb]);
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = read_err(&path, &limits);
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    assert!(
        err.contains("/layer.tar`: inflates past the limit of 1048576 bytes (max_layer_bytes)"),
        "{err}"
    );
    let limits = Limits {
        max_total_bytes: 1 << 20,
        ..Limits::default()
    };
    assert!(read_err(&path, &limits).contains("max_total_bytes"));
}

#[test]
fn a_layer_of_a_hundred_thousand_entries_is_read_or_refused_by_the_limit() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut layer = Vec::with_capacity(100_001 * 512 + 2048);
    for i in 0..100_000 {
        append(&mut layer, &E::File(&format!("d{}/f{i}", i % 100), b""));
    }
    append(&mut layer, &E::File("z/package-lock.json", b"{}"));
    layer.extend_from_slice(&[0; 1024]);
    let path = simple_image(dir.path(), &[layer]);
    let image = read(&path);
    assert_eq!(image.files.len(), 1);
    assert_eq!(image.files[0].path, "z/package-lock.json");
    let limits = Limits {
        max_entries_per_layer: 1000,
        ..Limits::default()
    };
    let err = read_err(&path, &limits);
    assert!(
        err.contains("more than 1000 entries (max_entries_per_layer)"),
        "{err}"
    );
}

#[test]
fn a_manifest_naming_a_missing_blob_is_an_error() {
    let f = fixture();
    // docker save: a manifest whose layer is not in the archive.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("missing.tar");
    write(
        &path,
        &tar(&[
            E::File("config.json", b"{}"),
            E::File(
                "manifest.json",
                b"[{\"Config\":\"config.json\",\"Layers\":[\"abc/layer.tar\"]}]",
            ),
        ]),
    );
    let err = read_err(&path, &Limits::default());
    assert!(
        err.ends_with("layer `abc/layer.tar`: `abc/layer.tar` is missing from the archive"),
        "{err}"
    );
    // OCI: a layer blob removed from the layout.
    let layers = three_layers();
    std::fs::remove_file(f.oci_dir.join("blobs/sha256").join(hex(&layers.blobs[1])))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = read_err(&f.oci_dir, &Limits::default());
    assert!(err.contains("is missing from the layout"), "{err}");
    assert!(err.contains(&hex(&layers.blobs[1])), "{err}");
}

#[test]
fn traversal_in_the_outer_archive_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("evil.tar");
    let layer = tar(&[E::File("package-lock.json", b"{}")]);
    write(
        &path,
        &tar(&[
            E::File("../evil/layer.tar", &layer),
            E::File("config.json", b"{}"),
            E::File(
                "manifest.json",
                b"[{\"Config\":\"config.json\",\"Layers\":[\"../evil/layer.tar\"]}]",
            ),
        ]),
    );
    let err = read_err(&path, &Limits::default());
    assert!(
        err.ends_with("manifest.json: layer path `../evil/layer.tar` leaves the archive root"),
        "{err}"
    );
    // An escaping entry the manifest does not use is only a warning.
    write(
        &path,
        &tar(&[
            E::File("../evil/layer.tar", &layer),
            E::File("good/layer.tar", &layer),
            E::File("config.json", b"{}"),
            E::File(
                "manifest.json",
                b"[{\"Config\":\"config.json\",\"Layers\":[\"good/layer.tar\"]}]",
            ),
        ]),
    );
    let image = read(&path);
    assert_eq!(image.files.len(), 1);
    assert_eq!(
        image.warnings,
        ["skipped archive entry `../evil/layer.tar`: its name leaves the archive root"]
    );
}

#[test]
fn too_many_layers_are_refused() {
    let f = fixture();
    let limits = Limits {
        max_layers: 2,
        ..Limits::default()
    };
    let err = read_err(&f.docker, &limits);
    assert!(
        err.ends_with("the image has 3 layers, more than the limit of 2 (max_layers)"),
        "{err}"
    );
}

#[test]
fn zstd_layers_and_compressed_archives_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let zstd = vec![0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0];
    let path = simple_image(dir.path(), &[zstd]);
    let err = read_err(&path, &Limits::default());
    assert!(
        err.contains("/layer.tar` is zstd-compressed, which is not supported"),
        "{err}"
    );
    let f = fixture();
    let gz = dir.path().join("image.tar.gz");
    write(
        &gz,
        &gzip(&std::fs::read(&f.docker).unwrap_or_else(|e| panic!("{e}"))),
    );
    let err = read_err(&gz, &Limits::default());
    assert!(
        err.contains("gzip-compressed; decompress it first"),
        "{err}"
    );
}

#[test]
fn blobs_must_match_their_digests() {
    let f = fixture();
    let layers = three_layers();
    let blob = f.oci_dir.join("blobs/sha256").join(hex(&layers.blobs[2]));
    let mut bytes = layers.blobs[2].clone();
    bytes[1030] ^= 1;
    write(&blob, &bytes);
    let err = read_err(&f.oci_dir, &Limits::default());
    assert!(
        err.contains(&format!(
            "layer sha256:{}: content does not match its digest",
            hex(&layers.blobs[2])
        )),
        "{err}"
    );
    // docker save: a layer that differs from the config's diff_ids.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("image.tar");
    let mut config_diffs = layers.diffs.clone();
    config_diffs[0] = b"other".to_vec();
    docker_save(
        &path,
        &layers.blobs,
        &config_json(&config_diffs),
        &[0, 1, 2],
    );
    let err = read_err(&path, &Limits::default());
    assert!(err.contains("not the config's diff_id"), "{err}");
}

#[test]
fn files_past_max_file_bytes_are_left_out_with_a_warning() {
    let f = fixture();
    let limits = Limits {
        max_file_bytes: 40,
        ..Limits::default()
    };
    let image = read_image(&f.docker, &wanted, &limits).unwrap_or_else(|e| panic!("{e}"));
    assert!(!image.files.iter().any(|f| f.path == "var/lib/dpkg/status"));
    assert!(
        image.warnings.iter().any(|w| w.contains(
            "`var/lib/dpkg/status` not read: 69 bytes, more than the limit of 40 (max_file_bytes)"
        )),
        "{:?}",
        image.warnings
    );
    let limits = Limits {
        max_kept_bytes: 100,
        ..Limits::default()
    };
    assert!(read_err(&f.docker, &limits).contains("max_kept_bytes"));
}

mod garbage {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Corrupted and cut archives give a result or an error, never a panic.
        #[test]
        fn corrupt_archives_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
            let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let layers = three_layers();
            let path = tmp.path().join("image.tar");
            docker_save(&path, &layers.blobs, &config_json(&layers.diffs), &[2, 0, 1]);
            let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            for (at, value) in flips {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            let cut = cut.index(bytes.len() + 1);
            write(&path, &bytes);
            let _ = read_image(&path, &wanted, &Limits::default());
            let _ = is_image(&path);
            write(&path, &bytes[..cut]);
            let _ = read_image(&path, &wanted, &Limits::default());
        }
    }
}

#[test]
fn errors_are_one_line_naming_the_archive() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("nothing.tar");
    write(&path, b"not a tar archive at all");
    let err = read_image(&path, &wanted, &Limits::default());
    let Err(err @ ImageError::Malformed { .. }) = err else {
        panic!("{err:?}");
    };
    let text = err.to_string();
    assert!(!text.contains('\n'));
    assert!(text.starts_with(&path.display().to_string()), "{text}");
}

/// The inventory of an image: OS packages in the distribution's ecosystem from the image's
/// own os-release, lockfiles with their sibling manifests, requirements includes among the
/// files kept, `node_modules` skipped; each component names the layer that wrote its file.
#[test]
fn scan_inventories_an_image_with_the_layer_of_each_component() {
    let status = b"Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib (1:1.2.13.dfsg-1)\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n";
    let lock = br#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"lodash":"^4.17.20"}},"node_modules/lodash":{"version":"4.17.20"},"node_modules/ms":{"version":"2.1.2","dev":true}}}"#;
    let package_json = br#"{"name":"app","dependencies":{"lodash":"^4.17.20"}}"#;
    let l1 = tar(&[
        E::Dir("etc/"),
        E::File("etc/os-release", OS_RELEASE),
        E::Dir("var/"),
        E::Dir("var/lib/"),
        E::Dir("var/lib/dpkg/"),
        E::File("var/lib/dpkg/status", status),
    ]);
    let l2 = tar(&[
        E::Dir("app/"),
        E::File("app/package-lock.json", lock),
        E::File("app/package.json", package_json),
        E::Dir("app/node_modules/"),
        E::Dir("app/node_modules/x/"),
        E::File("app/node_modules/x/package-lock.json", lock),
        E::File(
            "app/requirements.txt",
            b"-r requirements-base.txt\nflask==2.0.1\n",
        ),
        E::File("app/requirements-base.txt", b"jinja2==3.0.1\n"),
    ]);
    let blobs = vec![l1, gzip(&l2)];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = simple_image(dir.path(), &blobs);
    let inventory = patchwarden_inventory::scan_path(&path).unwrap_or_else(|e| panic!("{e}"));
    let layer = |i: usize| format!("sha256:{}", hex(&blobs[i]));
    let got: Vec<String> = inventory
        .components
        .iter()
        .map(|c| {
            let n = (0..blobs.len())
                .find(|i| c.source.layer.as_deref() == Some(layer(*i).as_str()))
                .map_or("-".to_string(), |i| (i + 1).to_string());
            format!(
                "{} {} {} {} layer {n} direct {:?}",
                c.ecosystem, c.name, c.version, c.source.path, c.direct
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "npm lodash 4.17.20 app/package-lock.json layer 2 direct Some(true)",
            "npm ms 2.1.2 app/package-lock.json layer 2 direct Some(false)",
            "PyPI jinja2 3.0.1 app/requirements-base.txt layer 2 direct None",
            "PyPI flask 2.0.1 app/requirements.txt layer 2 direct None",
            "Debian:12 libssl3 3.0.11-1~deb12u2 var/lib/dpkg/status layer 1 direct None",
            "Debian:12 zlib1g 1:1.2.13.dfsg-1 var/lib/dpkg/status layer 1 direct None",
        ],
        "{got:#?}"
    );
    let libssl = inventory.components.iter().find(|c| c.name == "libssl3");
    assert_eq!(
        libssl
            .and_then(|c| c.source_package.as_ref())
            .map(|s| s.name.as_str()),
        Some("openssl")
    );
    let image = inventory
        .image
        .as_ref()
        .unwrap_or_else(|| panic!("no image info"));
    assert_eq!(image.layers, [layer(0), layer(1)]);
    assert_eq!(image.repo_tags, ["example/app:1.0"]);
}

/// A hostile image fails the whole inventory with one line naming the archive.
#[test]
fn scan_of_a_hostile_image_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bomb = gzip(&vec![0u8; 64 << 20]);
    let path = simple_image(dir.path(), &[bomb]);
    // Within the default limits a 64 MiB layer of zeros is fine: read, nothing found.
    let inventory = patchwarden_inventory::scan_path(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(inventory.components.is_empty());
    let missing = dir.path().join("missing.tar");
    let mut out = Vec::new();
    append(
        &mut out,
        &E::File(
            "manifest.json",
            br#"[{"Config":"c.json","Layers":["nope/layer.tar"]}]"#,
        ),
    );
    out.extend_from_slice(&[0; 1024]);
    write(&missing, &out);
    let err = patchwarden_inventory::scan_path(&missing)
        .map(|_| ())
        .map_err(|e| e.to_string());
    let err = err.err().unwrap_or_default();
    assert!(err.starts_with(&missing.display().to_string()), "{err}");
    assert!(!err.contains('\n'), "{err}");
}
