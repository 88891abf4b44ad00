//! Container images: the files of an image's final file system that the caller wants
//! (lockfiles, OS package databases, `os-release`), read without unpacking the image and
//! without ever holding a layer in memory.
//!
//! # Formats
//!
//! - **`docker save` tar**: `manifest.json` (an array; the first image is read) names the
//!   config file and the layer tars in order. Layers are plain tar or gzip, told apart by
//!   their first bytes. Newer Docker versions write the same archive with OCI blobs
//!   (`blobs/sha256/<hex>`) and an `index.json`; `manifest.json` is preferred when both exist.
//! - **OCI image layout**, as a directory or a tar of one: `oci-layout`, `index.json` →
//!   a manifest (linux/amd64 when the index lists platforms, else the first one; attestation
//!   manifests, platform `unknown/unknown`, are passed over; nested indexes are followed up to
//!   four deep) → config and layers under `blobs/sha256/<hex>`. Every manifest, config and
//!   layer blob is checked against its digest. In a layout directory no symbolic link is
//!   followed, not even for `blobs/`.
//!
//! An archive is a plain tar: its entries are indexed once by position (headers only,
//! seeking over data), so `manifest.json` may come last and layers may be stored in any
//! order; each layer is then streamed from its position in manifest order, through a
//! SHA-256 hasher, a gzip decoder when needed, and a byte budget. zstd, xz and bzip2 layers,
//! and compressed outer archives, are refused with a message naming them.
//!
//! **Layer digests** are reported as the `sha256:` digest of the layer blob as stored in
//! the archive, in both formats: the descriptor digest of an OCI manifest (verified), and
//! the digest computed while streaming for `docker save` (verified against the blob name when
//! it is `blobs/sha256/<hex>`). When the config's `rootfs.diff_ids` has one entry per layer,
//! each layer's uncompressed digest is checked against it too.
//!
//! # Layer semantics
//!
//! Layers are applied in order, as a container runtime extracts them: an entry replaces
//! what lower layers (or earlier entries) had at its path, and a non-directory entry
//! replaces a whole directory subtree; `.wh.<name>` deletes `<name>` (file or subtree) from
//! lower layers; `.wh..wh..opq` in a directory hides everything lower layers put in it;
//! other `.wh..wh.*` names (AUFS bookkeeping) are ignored. Entry paths are taken literally:
//! an entry below a directory that an earlier entry replaced with a symbolic link is not
//! redirected through the link (image builders never write such entries).
//!
//! Only paths the caller wants are tracked: their contents, plus a small set of link
//! records — symbolic links whose names are wanted, links at depth one or two (such as
//! `lib -> usr/lib`), hard links to wanted files — never the names of the other files.
//!
//! **Links** are never followed on the host. A wanted path that is a symbolic link is
//! resolved inside the image: relative to its directory, absolute targets from the image
//! root, `..` clamped at the root (so `../../../etc/passwd` can only mean the image's own
//! `etc/passwd`), at most 40 hops. The file it reaches is reported under the link's path with
//! the layer that wrote that file. When the target was not tracked on the way (a file that is
//! not wanted itself, or a deep directory link), the layers are read again with those paths
//! tracked, at most twice. Hard links are resolved the same way, inside the image.
//!
//! # Hostile input and limits
//!
//! See [`Limits`]. Entries whose path climbs out of the root with `..` are skipped with a
//! warning (absolute paths are read relative to the image root, as runtimes do); archive
//! entries whose names leave the root are skipped with a warning, and a manifest naming such
//! a path, or a blob the archive lacks, is an error. Gzip layers that inflate past
//! `max_layer_bytes`, layers with more than `max_entries_per_layer` headers, images with
//! more than `max_layers` layers, wanted files past `max_kept_bytes` together are errors;
//! wanted files past `max_file_bytes` are left out with a warning. JSON documents are read
//! up to 8 MiB; at most 100 warnings are listed (then a count).

mod archive;
mod layers;
mod tar;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use archive::Archive;
use layers::{Node, State};

/// Most symbolic links followed to resolve one wanted path.
const MAX_HOPS: usize = 40;
/// Most path components handled while resolving one link.
const MAX_LINK_PARTS: usize = 1024;
/// Most times the layers are read (the first pass, then passes for link targets).
const MAX_PASSES: usize = 3;
/// Most extra paths tracked for link targets.
const MAX_EXTRA: usize = 4096;
/// Most warnings listed.
const MAX_WARNINGS: usize = 100;

/// Bounds on what an image may make the reader do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Layers in the image.
    pub max_layers: usize,
    /// Tar headers in one layer (also bounds the entries of the outer archive).
    pub max_entries_per_layer: usize,
    /// Uncompressed bytes of one layer.
    pub max_layer_bytes: u64,
    /// Uncompressed bytes of all layers together.
    pub max_total_bytes: u64,
    /// Bytes of one kept file; larger wanted files are left out with a warning.
    pub max_file_bytes: u64,
    /// Bytes of all kept files together.
    pub max_kept_bytes: u64,
}

impl Default for Limits {
    /// Room for large real images: 256 layers, a million entries and 16 GiB per layer,
    /// 64 GiB in all, 256 MiB per kept file, 512 MiB kept.
    fn default() -> Self {
        Limits {
            max_layers: 256,
            max_entries_per_layer: 1_000_000,
            max_layer_bytes: 16 << 30,
            max_total_bytes: 64 << 30,
            max_file_bytes: 256 << 20,
            max_kept_bytes: 512 << 20,
        }
    }
}

/// A wanted file of the image's final file system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageFile {
    /// Its path inside the image: normalised, `/`-separated, no leading `/`.
    pub path: String,
    /// `sha256:<hex>` digest of the layer that wrote its final version (for a path reached
    /// through a symbolic link, the layer that wrote the file it leads to).
    pub layer: String,
    /// Its bytes.
    pub contents: Vec<u8>,
}

/// What was read of an image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    /// The wanted files, by path.
    pub files: Vec<ImageFile>,
    /// Digests of the layer blobs as stored, bottom first.
    pub layers: Vec<String>,
    /// Digest of the image config.
    pub config_digest: Option<String>,
    /// Names the archive gives the image (`docker save` tags, OCI name annotations).
    pub repo_tags: Vec<String>,
    /// Operating system from the config (`linux`).
    pub os: Option<String>,
    /// Architecture from the config (`amd64`).
    pub architecture: Option<String>,
    /// When the image was built (the config's `created`, RFC 3339).
    pub created: Option<String>,
    /// Things left out or not resolved, one line each.
    pub warnings: Vec<String>,
}

/// An image could not be read. The message names the archive and the problem.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Reading the archive failed.
    #[error("{}: {context}: {source}", archive.display())]
    Io {
        /// The archive.
        archive: PathBuf,
        /// What was being read.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The archive is not a valid image (bad JSON or tar, missing blob, digest mismatch).
    #[error("{}: {message}", archive.display())]
    Malformed {
        /// The archive.
        archive: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The image exceeds one of the [`Limits`].
    #[error("{}: {message}", archive.display())]
    Limit {
        /// The archive.
        archive: PathBuf,
        /// Which limit, and where.
        message: String,
    },
    /// The image uses something this reader does not read (zstd layers, other digests).
    #[error("{}: {message}", archive.display())]
    Unsupported {
        /// The archive.
        archive: PathBuf,
        /// What.
        message: String,
    },
}

/// A failure before the archive path is attached.
#[derive(Debug)]
enum Problem {
    Io(String, io::Error),
    Malformed(String),
    Limit(String),
    Unsupported(String),
}

impl Problem {
    fn at(self, archive: &Path) -> ImageError {
        let archive = archive.to_path_buf();
        match self {
            Problem::Io(context, source) => ImageError::Io {
                archive,
                context,
                source,
            },
            Problem::Malformed(message) => ImageError::Malformed { archive, message },
            Problem::Limit(message) => ImageError::Limit { archive, message },
            Problem::Unsupported(message) => ImageError::Unsupported { archive, message },
        }
    }
}

/// Warnings, at most [`MAX_WARNINGS`] of them listed.
#[derive(Default)]
struct Warnings {
    list: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, message: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(message);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("{} more warnings not listed", self.dropped));
        }
        self.list
    }
}

/// A path inside an archive or image, normalised: `/`-separated, without empty or `.`
/// components or a leading `/`. `None` when it has a `..` component.
fn normalise(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(part);
            }
        }
    }
    Some(out)
}

/// Whether `path` looks like a container image, cheaply: a directory holding an
/// `oci-layout` file, or a tar file among whose first entries (headers only) is
/// `manifest.json`, `index.json` or `oci-layout`.
pub fn is_image(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            std::fs::symlink_metadata(path.join("oci-layout")).is_ok_and(|m| m.is_file())
        }
        Ok(m) if m.is_file() => archive::tar_looks_like_image(path),
        _ => false,
    }
}

/// Reads the image at `path` (a `docker save` tar, an OCI layout directory or tar) and
/// returns the files of its final file system for which `wanted(path)` holds (paths as in
/// [`ImageFile::path`]), with the image's layers, config digest, tags and platform.
pub fn read_image(
    path: &Path,
    wanted: &dyn Fn(&str) -> bool,
    limits: &Limits,
) -> Result<Image, ImageError> {
    read(path, wanted, limits).map_err(|p| p.at(path))
}

fn read(path: &Path, wanted: &dyn Fn(&str) -> bool, limits: &Limits) -> Result<Image, Problem> {
    let mut warnings = Warnings::default();
    let archive = Archive::open(path, limits, &mut warnings)?;
    let plan = archive.plan(&mut warnings)?;
    if plan.layers.len() > limits.max_layers {
        return Err(Problem::Limit(format!(
            "the image has {} layers, more than the limit of {} (max_layers)",
            plan.layers.len(),
            limits.max_layers
        )));
    }
    let check_diff_ids = !plan.diff_ids.is_empty();
    if check_diff_ids && plan.diff_ids.len() != plan.layers.len() {
        warnings.push(format!(
            "the config lists {} diff_ids for {} layers; layers not checked against them",
            plan.diff_ids.len(),
            plan.layers.len()
        ));
    }
    let mut extra = BTreeSet::new();
    let mut pass = 1;
    loop {
        let mut pass_warnings = Warnings::default();
        let mut state = State::new(wanted, &extra, limits);
        let mut digests = Vec::with_capacity(plan.layers.len());
        let mut total = 0u64;
        for (index, layer) in plan.layers.iter().enumerate() {
            let (reader, _) = archive.open_member(&layer.member, &layer.label)?;
            let got = layers::read_layer(
                reader,
                layer,
                index,
                &mut total,
                &mut state,
                &mut pass_warnings,
            )?;
            if let Some(expected) = &layer.expected
                && *expected != got.stored
            {
                return Err(Problem::Malformed(format!(
                    "{}: content does not match its digest (it is {})",
                    layer.label, got.stored
                )));
            }
            if plan.diff_ids.len() == plan.layers.len()
                && let Some(diff_id) = plan.diff_ids.get(index)
                && *diff_id != got.uncompressed
            {
                return Err(Problem::Malformed(format!(
                    "{}: uncompressed content is {}, not the config's diff_id {diff_id}",
                    layer.label, got.uncompressed
                )));
            }
            digests.push(got.stored);
        }
        let links = resolve_links(&state, wanted, &extra);
        let more: Vec<String> = links
            .needs
            .iter()
            .filter(|p| !extra.contains(*p))
            .cloned()
            .collect();
        if !more.is_empty() && pass < MAX_PASSES && extra.len() + more.len() <= MAX_EXTRA {
            extra.extend(more);
            pass += 1;
            continue;
        }
        for w in pass_warnings.finish() {
            warnings.push(w);
        }
        for w in links.warnings {
            warnings.push(w);
        }
        let files = collect_files(state, wanted, &links.resolved, &digests, limits)?;
        return Ok(Image {
            files,
            layers: digests,
            config_digest: plan.config_digest,
            repo_tags: plan.repo_tags,
            os: plan.os,
            architecture: plan.architecture,
            created: plan.created,
            warnings: warnings.finish(),
        });
    }
}

/// Where each wanted link leads.
struct Links {
    /// Wanted link path → path of the file it leads to.
    resolved: Vec<(String, String)>,
    /// Paths to track in another pass.
    needs: BTreeSet<String>,
    /// Links that lead nowhere readable (reported after the last pass).
    warnings: Vec<String>,
}

/// How resolving one link ended.
enum Resolution {
    File(String),
    Missing(String),
    Needs(Vec<String>),
}

fn resolve_links(
    state: &State<'_>,
    wanted: &dyn Fn(&str) -> bool,
    extra: &BTreeSet<String>,
) -> Links {
    let mut links = Links {
        resolved: Vec::new(),
        needs: BTreeSet::new(),
        warnings: Vec::new(),
    };
    for (path, node) in &state.nodes {
        if !wanted(path) {
            continue;
        }
        let (what, target, outcome) = match node {
            Node::Symlink { target, .. } => {
                ("symbolic link", target, resolve(state, wanted, extra, path))
            }
            Node::Hardlink { target, .. } => (
                "hard link",
                target,
                if extra.contains(target) {
                    Resolution::Missing(format!("`{target}` is not a file in the image"))
                } else {
                    Resolution::Needs(vec![target.clone()])
                },
            ),
            _ => continue,
        };
        match outcome {
            Resolution::File(to) => links.resolved.push((path.clone(), to)),
            Resolution::Missing(why) => links.warnings.push(format!(
                "`{path}` is a {what} to `{target}`, not resolved inside the image: {why}"
            )),
            Resolution::Needs(paths) => {
                links.warnings.push(format!(
                    "`{path}` is a {what} to `{target}`, not resolved inside the image: its target was not found"
                ));
                links.needs.extend(paths);
            }
        }
    }
    links
}

/// Follows the symbolic link at `start` inside the image root.
fn resolve(
    state: &State<'_>,
    wanted: &dyn Fn(&str) -> bool,
    extra: &BTreeSet<String>,
    start: &str,
) -> Resolution {
    let tracked = |p: &str| wanted(p) || extra.contains(p);
    let mut resolved: Vec<String> = start.split('/').map(str::to_string).collect();
    let mut pending: Vec<String> = Vec::new();
    // The link itself, as if reached by walking to it.
    let Some(last) = resolved.pop() else {
        return Resolution::Missing("empty path".into());
    };
    pending.push(last);
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if pending.len() > MAX_LINK_PARTS || resolved.len() > MAX_LINK_PARTS {
            return Resolution::Missing("the path is too long".into());
        }
        if part == ".." {
            resolved.pop(); // clamped at the root
            continue;
        }
        resolved.push(part);
        let cur = resolved.join("/");
        let last = pending.is_empty();
        match state.nodes.get(&cur) {
            Some(Node::Symlink { target, .. }) => {
                hops += 1;
                if hops > MAX_HOPS {
                    return Resolution::Missing(format!("more than {MAX_HOPS} links"));
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .filter(|p| !p.is_empty() && *p != ".")
                        .rev()
                        .map(str::to_string),
                );
            }
            Some(Node::File { .. }) | Some(Node::TooBig { .. }) => {
                return if last {
                    Resolution::File(cur)
                } else {
                    Resolution::Missing(format!("`{cur}` is not a directory"))
                };
            }
            Some(Node::Hardlink { target, .. }) => {
                return if extra.contains(target) {
                    Resolution::Missing(format!("hard link `{cur}` leads nowhere"))
                } else {
                    Resolution::Needs(vec![target.clone()])
                };
            }
            None if last => {
                return if tracked(&cur) {
                    Resolution::Missing(format!("`{cur}` is not a file in the image"))
                } else {
                    Resolution::Needs(vec![cur])
                };
            }
            None => {
                // A directory on the way: known not to be a link when it is tracked, when
                // all shallow links were recorded, or when a tracked file lies below it
                // (anything replacing the directory would have removed that file).
                let below = format!("{cur}/");
                let known = tracked(&cur)
                    || (state.shallow_complete && resolved.len() <= 2)
                    || state
                        .nodes
                        .range(below.clone()..)
                        .next()
                        .is_some_and(|(k, _)| k.starts_with(&below));
                if !known {
                    // Track this directory and every path on the rest of the way.
                    let mut way = resolved.clone();
                    let mut needs = vec![cur];
                    for p in pending.iter().rev() {
                        if p == ".." {
                            way.pop();
                        } else {
                            way.push(p.clone());
                        }
                        needs.push(way.join("/"));
                    }
                    return Resolution::Needs(needs);
                }
            }
        }
    }
    Resolution::Missing("it leads to a directory".into())
}

/// The wanted files, links included, in path order.
fn collect_files(
    mut state: State<'_>,
    wanted: &dyn Fn(&str) -> bool,
    links: &[(String, String)],
    digests: &[String],
    limits: &Limits,
) -> Result<Vec<ImageFile>, Problem> {
    let digest = |layer: usize| digests.get(layer).cloned().unwrap_or_default();
    let mut out: BTreeMap<String, ImageFile> = BTreeMap::new();
    let mut copied = state.kept_bytes();
    for (link, to) in links {
        if let Some(Node::File { layer, contents }) = state.nodes.get(to) {
            copied += contents.len() as u64;
            if copied > limits.max_kept_bytes {
                return Err(Problem::Limit(format!(
                    "files reached through links take the wanted files past {} bytes (max_kept_bytes)",
                    limits.max_kept_bytes
                )));
            }
            out.insert(
                link.clone(),
                ImageFile {
                    path: link.clone(),
                    layer: digest(*layer),
                    contents: contents.clone(),
                },
            );
        }
    }
    for (path, node) in std::mem::take(&mut state.nodes) {
        if let Node::File { layer, contents } = node
            && wanted(&path)
        {
            out.insert(
                path.clone(),
                ImageFile {
                    path,
                    layer: digest(layer),
                    contents,
                },
            );
        }
    }
    Ok(out.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_archive_paths() {
        assert_eq!(
            normalise("./etc//os-release").as_deref(),
            Some("etc/os-release")
        );
        assert_eq!(normalise("/abs/x/").as_deref(), Some("abs/x"));
        assert_eq!(normalise("./").as_deref(), Some(""));
        assert_eq!(normalise("a/../b"), None);
        assert_eq!(normalise("../../etc/passwd"), None);
    }

    fn state_with<'a>(
        wanted: &'a dyn Fn(&str) -> bool,
        extra: &'a BTreeSet<String>,
        limits: &'a Limits,
        nodes: Vec<(&str, Node)>,
    ) -> State<'a> {
        let mut s = State::new(wanted, extra, limits);
        for (p, n) in nodes {
            s.nodes.insert(p.to_string(), n);
        }
        s
    }

    fn link(target: &str) -> Node {
        Node::Symlink {
            layer: 0,
            target: target.into(),
        }
    }

    fn file() -> Node {
        Node::File {
            layer: 0,
            contents: b"x".to_vec(),
        }
    }

    #[test]
    fn resolves_links_inside_the_root_only() {
        let wanted = |p: &str| p.ends_with("os-release") || p == "loop/a" || p == "loop/b";
        let extra = BTreeSet::new();
        let limits = Limits::default();
        let state = state_with(
            &wanted,
            &extra,
            &limits,
            vec![
                ("etc/os-release", link("../../../../usr/lib/os-release")),
                ("lib", link("/usr/lib")),
                ("srv/os-release", link("/lib/os-release")),
                ("usr/lib/os-release", file()),
                ("loop/a", link("b")),
                ("loop/b", link("./a")),
                ("dangling/os-release", link("/etc/shadow/os-release")),
                ("deep/os-release", link("/opt/deep/dir/data")),
            ],
        );
        let r = |p| resolve(&state, &wanted, &extra, p);
        assert!(matches!(r("etc/os-release"), Resolution::File(p) if p == "usr/lib/os-release"));
        assert!(matches!(r("srv/os-release"), Resolution::File(p) if p == "usr/lib/os-release"));
        assert!(matches!(r("loop/a"), Resolution::Missing(m) if m.contains("links")));
        assert!(matches!(r("dangling/os-release"), Resolution::Missing(_)));
        // `opt/deep/dir` could be a link: another pass would track it and the way on.
        assert!(
            matches!(r("deep/os-release"), Resolution::Needs(n) if n == ["opt/deep/dir", "opt/deep/dir/data"])
        );
    }
}
