//! The outer container: an OCI layout directory, or a tar file (`docker save` or OCI layout)
//! whose entries are indexed by position so that any member can be streamed in any order;
//! and the plan read from its manifests (config, layers in order, tags, platform).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::tar::{Kind, Seeking, TarError, TarReader};
use super::{Limits, Problem, Warnings, normalise};

/// Largest JSON document read (manifest.json, index.json, manifests, configs).
pub(super) const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;
/// How deep image indexes may nest.
const MAX_INDEX_DEPTH: usize = 4;

/// Compression recognised by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Compression {
    None,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Compression {
    /// From the first bytes of a stream.
    pub(super) fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Compression::Xz
        } else if head.starts_with(b"BZh") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    /// Its name in messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Where a member of a tar archive is.
#[derive(Clone, Copy, Debug)]
pub(super) struct Member {
    offset: u64,
    size: u64,
}

/// An opened image archive.
pub(super) enum Archive {
    /// An OCI layout directory.
    Dir(PathBuf),
    /// A tar file and the position of each of its regular files, by normalised name.
    Tar {
        file: File,
        members: HashMap<String, Member>,
    },
}

/// One layer to read.
#[derive(Debug)]
pub(super) struct LayerRef {
    /// Its member name in the archive.
    pub member: String,
    /// The digest it must have (OCI descriptors; `docker save` blobs under `blobs/sha256/`).
    pub expected: Option<String>,
    /// What to call it in messages.
    pub label: String,
}

/// What the manifests say.
#[derive(Debug, Default)]
pub(super) struct Plan {
    pub layers: Vec<LayerRef>,
    pub config_digest: Option<String>,
    pub repo_tags: Vec<String>,
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub created: Option<String>,
    pub diff_ids: Vec<String>,
}

/// `sha256:<hex>` of some bytes.
pub(super) fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// Lower-case hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The hex of a well-formed `sha256:<64 lower-case hex>` digest.
fn sha256_hex(digest: &str) -> Result<&str, Problem> {
    let hex = digest.strip_prefix("sha256:").ok_or_else(|| {
        Problem::Unsupported(format!(
            "digest `{digest}` is not a sha256 digest (only sha256 is supported)"
        ))
    })?;
    if hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(hex)
    } else {
        Err(Problem::Malformed(format!("malformed digest `{digest}`")))
    }
}

fn io_problem(context: String) -> impl FnOnce(io::Error) -> Problem {
    move |e| Problem::Io(context, e)
}

impl Archive {
    /// Opens a directory (must hold `oci-layout`) or indexes a tar file.
    pub(super) fn open(
        path: &Path,
        limits: &Limits,
        warnings: &mut Warnings,
    ) -> Result<Archive, Problem> {
        let meta = std::fs::metadata(path).map_err(io_problem("cannot open".into()))?;
        if meta.is_dir() {
            let layout = path.join("oci-layout");
            if !std::fs::symlink_metadata(&layout).is_ok_and(|m| m.is_file()) {
                return Err(Problem::Malformed(
                    "directory has no `oci-layout` file: not an OCI image layout".into(),
                ));
            }
            return Ok(Archive::Dir(path.to_path_buf()));
        }
        let mut file = File::open(path).map_err(io_problem("cannot open".into()))?;
        let len = meta.len();
        let mut head = [0u8; 6];
        let got = read_up_to(&mut file, &mut head).map_err(io_problem("cannot read".into()))?;
        let compression = Compression::sniff(head.get(..got).unwrap_or_default());
        if compression != Compression::None {
            return Err(Problem::Unsupported(format!(
                "the archive is {}-compressed; decompress it first (images are read from a plain tar or an OCI layout directory)",
                compression.name()
            )));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(io_problem("cannot read".into()))?;
        let mut tar = TarReader::new(Seeking(BufReader::with_capacity(16 * 1024, &mut file)));
        let mut members = HashMap::new();
        loop {
            let entry = match tar.next_entry() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(TarError::Format(m)) => return Err(Problem::Malformed(m)),
                Err(TarError::Io(e)) => return Err(Problem::Io("cannot read".into(), e)),
            };
            if tar.headers() > limits.max_entries_per_layer as u64 {
                return Err(Problem::Limit(format!(
                    "the archive has more than {} entries (max_entries_per_layer)",
                    limits.max_entries_per_layer
                )));
            }
            let Some(name) = normalise(&entry.path) else {
                warnings.push(format!(
                    "skipped archive entry `{}`: its name leaves the archive root",
                    entry.path
                ));
                continue;
            };
            match entry.kind {
                Kind::File => {
                    let end = entry.data_offset.checked_add(entry.size);
                    if end.is_none_or(|end| end > len) {
                        return Err(Problem::Malformed(format!(
                            "the archive is truncated: entry `{name}` ends past the end of the file"
                        )));
                    }
                    members.insert(
                        name,
                        Member {
                            offset: entry.data_offset,
                            size: entry.size,
                        },
                    );
                }
                Kind::Hardlink => {
                    // A later name for an earlier member.
                    if let Some(m) = normalise(&entry.link).and_then(|t| members.get(&t).copied()) {
                        members.insert(name, m);
                    }
                }
                _ => {}
            }
        }
        if members.is_empty() {
            return Err(Problem::Malformed("not an image archive: no files".into()));
        }
        Ok(Archive::Tar { file, members })
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Archive::Dir(dir) => safe_dir_file(dir, name).is_ok(),
            Archive::Tar { members, .. } => members.contains_key(name),
        }
    }

    /// Streams a member; `what` names it in messages.
    pub(super) fn open_member(
        &self,
        name: &str,
        what: &str,
    ) -> Result<(Box<dyn Read + '_>, u64), Problem> {
        match self {
            Archive::Dir(dir) => {
                let path = safe_dir_file(dir, name)
                    .map_err(|m| Problem::Malformed(format!("{what}: {m}")))?;
                let file = File::open(&path).map_err(io_problem(format!("{what}: `{name}`")))?;
                let size = file
                    .metadata()
                    .map_err(io_problem(format!("{what}: `{name}`")))?
                    .len();
                Ok((Box::new(file.take(size)), size))
            }
            Archive::Tar { file, members } => {
                let m = members.get(name).ok_or_else(|| {
                    Problem::Malformed(format!("{what}: `{name}` is missing from the archive"))
                })?;
                let mut f = file;
                f.seek(SeekFrom::Start(m.offset))
                    .map_err(io_problem(format!("{what}: `{name}`")))?;
                Ok((Box::new(f.take(m.size)), m.size))
            }
        }
    }

    /// Reads a small member whole (JSON documents).
    fn read_small(&self, name: &str, what: &str) -> Result<Vec<u8>, Problem> {
        let (mut reader, size) = self.open_member(name, what)?;
        if size > MAX_JSON_BYTES {
            return Err(Problem::Limit(format!(
                "{what} `{name}` is {size} bytes, more than {MAX_JSON_BYTES}"
            )));
        }
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(io_problem(format!("{what}: `{name}`")))?;
        Ok(bytes)
    }

    /// Reads a blob by digest, verifying it.
    fn read_blob(&self, digest: &str, what: &str) -> Result<Vec<u8>, Problem> {
        let hex = sha256_hex(digest)?;
        let bytes = self.read_small(&format!("blobs/sha256/{hex}"), what)?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(Problem::Malformed(format!(
                "{what} blob {digest} does not match its digest (its content is {actual})"
            )));
        }
        Ok(bytes)
    }

    /// What the manifests say: `manifest.json` (`docker save`) when present, else the OCI
    /// `index.json`.
    pub(super) fn plan(&self, warnings: &mut Warnings) -> Result<Plan, Problem> {
        if self.has("manifest.json") {
            self.docker_plan(warnings)
        } else if self.has("index.json") {
            self.oci_plan(warnings)
        } else {
            Err(Problem::Malformed(
                "not an image archive: neither manifest.json (docker save) nor index.json (OCI layout) found".into(),
            ))
        }
    }

    fn docker_plan(&self, warnings: &mut Warnings) -> Result<Plan, Problem> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "Config")]
            config: String,
            #[serde(rename = "RepoTags", default)]
            repo_tags: Option<Vec<String>>,
            #[serde(rename = "Layers", default)]
            layers: Vec<String>,
        }
        let bytes = self.read_small("manifest.json", "manifest")?;
        let entries: Vec<Entry> = serde_json::from_slice(&bytes)
            .map_err(|e| Problem::Malformed(format!("manifest.json: {e}")))?;
        let mut entries = entries.into_iter();
        let entry = entries
            .next()
            .ok_or_else(|| Problem::Malformed("manifest.json lists no image".into()))?;
        let more = entries.len();
        if more > 0 {
            warnings.push(format!(
                "manifest.json lists {} images; read the first",
                more + 1
            ));
        }
        let member = |raw: &str, what: &str| {
            normalise(raw).filter(|n| !n.is_empty()).ok_or_else(|| {
                Problem::Malformed(format!(
                    "manifest.json: {what} path `{raw}` leaves the archive root"
                ))
            })
        };
        let config_name = member(&entry.config, "config")?;
        let config = self.read_small(&config_name, "config")?;
        let mut plan = Plan {
            config_digest: Some(sha256_digest(&config)),
            repo_tags: entry.repo_tags.unwrap_or_default(),
            ..Plan::default()
        };
        read_config(&config, &mut plan)?;
        for raw in &entry.layers {
            let name = member(raw, "layer")?;
            // Newer `docker save` stores layers as content-addressed blobs.
            let expected = name
                .strip_prefix("blobs/sha256/")
                .map(|hex| format!("sha256:{hex}"))
                .filter(|d| sha256_hex(d).is_ok());
            plan.layers.push(LayerRef {
                label: format!("layer `{name}`"),
                member: name,
                expected,
            });
        }
        Ok(plan)
    }

    fn oci_plan(&self, warnings: &mut Warnings) -> Result<Plan, Problem> {
        let index = self.read_small("index.json", "index")?;
        let mut doc: Document = serde_json::from_slice(&index)
            .map_err(|e| Problem::Malformed(format!("index.json: {e}")))?;
        let mut repo_tags = Vec::new();
        let mut depth = 0;
        let manifest = loop {
            let Some(descriptors) = doc.manifests.take() else {
                break doc;
            };
            depth += 1;
            if depth > MAX_INDEX_DEPTH {
                return Err(Problem::Malformed(format!(
                    "image indexes nest deeper than {MAX_INDEX_DEPTH}"
                )));
            }
            let chosen = choose(&descriptors, warnings, depth == 1).ok_or_else(|| {
                Problem::Malformed(if depth == 1 {
                    "index.json lists no manifest".into()
                } else {
                    "a nested image index lists no manifest".into()
                })
            })?;
            if depth == 1 {
                let a = &chosen.annotations;
                if let Some(name) = a
                    .get("io.containerd.image.name")
                    .or_else(|| a.get("org.opencontainers.image.ref.name"))
                {
                    repo_tags.push(name.clone());
                }
            }
            let bytes = self.read_blob(&chosen.digest, "manifest")?;
            doc = serde_json::from_slice(&bytes)
                .map_err(|e| Problem::Malformed(format!("manifest {}: {e}", chosen.digest)))?;
        };
        let config = manifest.config.ok_or_else(|| {
            Problem::Malformed("the image manifest has no config descriptor".into())
        })?;
        let config_bytes = self.read_blob(&config.digest, "config")?;
        let mut plan = Plan {
            config_digest: Some(config.digest.clone()),
            repo_tags,
            ..Plan::default()
        };
        read_config(&config_bytes, &mut plan)?;
        for layer in manifest.layers {
            let hex = sha256_hex(&layer.digest)?;
            plan.layers.push(LayerRef {
                member: format!("blobs/sha256/{hex}"),
                label: format!("layer {}", layer.digest),
                expected: Some(layer.digest),
            });
        }
        Ok(plan)
    }
}

/// An OCI index or manifest (the fields read of either).
#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: HashMap<String, String>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
}

/// The manifest to read from an index: linux/amd64 when platforms are given, else the first
/// (attestation manifests, platform `unknown/unknown`, are passed over).
fn choose<'d>(
    descriptors: &'d [Descriptor],
    warnings: &mut Warnings,
    top: bool,
) -> Option<&'d Descriptor> {
    let is_attestation = |d: &Descriptor| d.platform.as_ref().is_some_and(|p| p.os == "unknown");
    let candidates: Vec<&Descriptor> = descriptors.iter().filter(|d| !is_attestation(d)).collect();
    let amd64 = candidates.iter().find(|d| {
        d.platform
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
    });
    let chosen = amd64.or(candidates.first()).copied()?;
    let platformless = candidates.iter().filter(|d| d.platform.is_none()).count();
    if top && platformless > 1 {
        warnings.push(format!(
            "index.json lists {platformless} images; read the first"
        ));
    }
    Some(chosen)
}

/// Platform and diff_ids from an image config.
fn read_config(bytes: &[u8], plan: &mut Plan) -> Result<(), Problem> {
    #[derive(Deserialize)]
    struct Config {
        #[serde(default)]
        os: Option<String>,
        #[serde(default)]
        architecture: Option<String>,
        #[serde(default)]
        created: Option<String>,
        #[serde(default)]
        rootfs: Option<RootFs>,
    }
    #[derive(Deserialize)]
    struct RootFs {
        #[serde(default)]
        diff_ids: Vec<String>,
    }
    let config: Config = serde_json::from_slice(bytes)
        .map_err(|e| Problem::Malformed(format!("image config: {e}")))?;
    plan.os = config.os.filter(|s| !s.is_empty());
    plan.architecture = config.architecture.filter(|s| !s.is_empty());
    plan.created = config.created.filter(|s| !s.is_empty());
    plan.diff_ids = config.rootfs.map(|r| r.diff_ids).unwrap_or_default();
    Ok(())
}

/// A file of an OCI layout directory, refusing symbolic links at every step (the layout is
/// read as it is, never through links that could lead elsewhere on the host).
fn safe_dir_file(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let mut path = dir.to_path_buf();
    let mut parts = name.split('/').peekable();
    while let Some(part) = parts.next() {
        if part.is_empty() || part == "." || part == ".." {
            return Err(format!("`{name}` is not a plain path"));
        }
        path.push(part);
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|_| format!("`{name}` is missing from the layout"))?;
        let last = parts.peek().is_none();
        if meta.file_type().is_symlink() {
            return Err(format!(
                "`{name}` goes through a symbolic link, which is not followed"
            ));
        }
        if last && !meta.is_file() || !last && !meta.is_dir() {
            return Err(format!("`{name}` is not a regular file"));
        }
    }
    Ok(path)
}

/// Reads until `buf` is full or the input ends.
pub(super) fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Whether a tar file looks like an image: among its first entries (headers only) is
/// `manifest.json`, `index.json` or `oci-layout`.
pub(super) fn tar_looks_like_image(path: &Path) -> bool {
    const MAX_HEADERS: u64 = 4096;
    let Ok(file) = File::open(path) else {
        return false;
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return false;
    };
    let mut tar = TarReader::new(Seeking(BufReader::with_capacity(4096, file)));
    while let Ok(Some(entry)) = tar.next_entry() {
        if tar.headers() > MAX_HEADERS || entry.data_offset > len {
            return false;
        }
        if let Some(name) = normalise(&entry.path)
            && entry.kind == Kind::File
            && matches!(name.as_str(), "manifest.json" | "index.json" | "oci-layout")
        {
            return true;
        }
    }
    false
}
