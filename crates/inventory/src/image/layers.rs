//! Streams one layer (hashing what is stored, inflating gzip, bounding what comes out) and
//! applies its entries to the state of the paths being tracked.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufReader, Read};
use std::ops::Bound;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use super::archive::{Compression, LayerRef, hex, read_up_to};
use super::tar::{Entry, Kind, Streamed, TarError, TarReader};
use super::{Limits, Problem, Warnings, normalise};

/// How many symbolic links outside the wanted paths are recorded (links at depth one or two,
/// such as `lib -> usr/lib`, to resolve wanted links without a second pass).
const MAX_SHALLOW_LINKS: usize = 1024;
/// How many paths (wanted files and links) may be tracked at once.
pub(super) const MAX_TRACKED: usize = 100_000;
/// Most tracked nodes visited by removals in one read of the layers.
const MAX_WORK: u64 = 200_000_000;

/// What is known of a tracked path after the layers read so far.
#[derive(Debug)]
pub(super) enum Node {
    /// A regular file and its contents.
    File { layer: usize, contents: Vec<u8> },
    /// A regular file too large to keep.
    TooBig { layer: usize },
    /// A symbolic link.
    Symlink { layer: usize, target: String },
    /// A hard link whose target was not tracked when it was written.
    Hardlink { layer: usize, target: String },
}

impl Node {
    fn layer(&self) -> usize {
        match self {
            Node::File { layer, .. }
            | Node::TooBig { layer }
            | Node::Symlink { layer, .. }
            | Node::Hardlink { layer, .. } => *layer,
        }
    }
}

/// The tracked paths of the image as the layers are applied.
pub(super) struct State<'a> {
    pub nodes: BTreeMap<String, Node>,
    wanted: &'a dyn Fn(&str) -> bool,
    extra: &'a BTreeSet<String>,
    limits: &'a Limits,
    kept_bytes: u64,
    shallow_links: usize,
    /// Tracked nodes visited by removals, to bound hostile whiteout patterns.
    work: u64,
    /// Every symbolic link at depth one or two was recorded.
    pub shallow_complete: bool,
}

/// Digests of one layer as read.
pub(super) struct LayerDigests {
    /// Of the blob as stored.
    pub stored: String,
    /// Of the tar after decompression (the diff_id).
    pub uncompressed: String,
}

/// Why reading stopped inside the decompressed stream.
#[derive(Debug)]
struct LimitHit(String);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

/// Hashes (optionally) and counts what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Option<Sha256>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn digest(&mut self) -> String {
        let hasher = self.hasher.take().unwrap_or_default();
        format!("sha256:{}", hex(&hasher.finalize()))
    }
}

/// Fails once more than the layer's or the image's budget of uncompressed bytes went through.
struct Bounded<'t, R> {
    inner: R,
    read: u64,
    max: u64,
    total: &'t mut u64,
    max_total: u64,
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        *self.total += n as u64;
        if self.read > self.max {
            return Err(io::Error::other(LimitHit(format!(
                "inflates past the limit of {} bytes (max_layer_bytes)",
                self.max
            ))));
        }
        if *self.total > self.max_total {
            return Err(io::Error::other(LimitHit(format!(
                "the layers together exceed the limit of {} bytes (max_total_bytes)",
                self.max_total
            ))));
        }
        Ok(n)
    }
}

/// An I/O error met while reading a layer, as a problem naming the layer.
fn layer_io(label: &str, e: io::Error) -> Problem {
    if let Some(hit) = e.get_ref().and_then(|r| r.downcast_ref::<LimitHit>()) {
        return Problem::Limit(format!("{label}: {hit}"));
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => Problem::Malformed(format!("{label}: truncated")),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            Problem::Malformed(format!("{label}: corrupt compressed data ({e})"))
        }
        _ => Problem::Io(label.to_string(), e),
    }
}

fn tar_problem(label: &str, e: TarError) -> Problem {
    match e {
        TarError::Io(e) => layer_io(label, e),
        TarError::Format(m) => Problem::Malformed(format!("{label}: {m}")),
    }
}

/// Reads one layer from its stored bytes and applies it to `state`.
pub(super) fn read_layer(
    raw: Box<dyn Read + '_>,
    layer: &LayerRef,
    index: usize,
    total: &mut u64,
    state: &mut State<'_>,
    warnings: &mut Warnings,
) -> Result<LayerDigests, Problem> {
    let label = layer.label.as_str();
    let limits = state.limits;
    let mut stored = Hashing {
        inner: BufReader::with_capacity(256 * 1024, raw),
        hasher: Some(Sha256::new()),
    };
    let mut head = [0u8; 6];
    let got = read_up_to(&mut stored, &mut head).map_err(|e| layer_io(label, e))?;
    let head = head.get(..got).unwrap_or_default();
    let compression = Compression::sniff(head);
    let prefix = io::Cursor::new(head.to_vec());
    let uncompressed = match compression {
        Compression::None => {
            let bounded = Bounded {
                inner: prefix.chain(&mut stored),
                read: 0,
                max: limits.max_layer_bytes,
                total: &mut *total,
                max_total: limits.max_total_bytes,
            };
            apply_tar(BufReader::new(bounded), label, index, state, warnings)?;
            None
        }
        Compression::Gzip => {
            let mut inflated = Hashing {
                inner: MultiGzDecoder::new(prefix.chain(&mut stored)),
                hasher: Some(Sha256::new()),
            };
            let bounded = Bounded {
                inner: &mut inflated,
                read: 0,
                max: limits.max_layer_bytes,
                total: &mut *total,
                max_total: limits.max_total_bytes,
            };
            apply_tar(
                BufReader::with_capacity(64 * 1024, bounded),
                label,
                index,
                state,
                warnings,
            )?;
            Some(inflated.digest())
        }
        other => {
            return Err(Problem::Unsupported(format!(
                "{label} is {}-compressed, which is not supported (only plain tar and gzip layers are)",
                other.name()
            )));
        }
    };
    // Whatever follows the compressed stream still belongs to the blob.
    Streamed::new(&mut stored)
        .drain()
        .map_err(|e| layer_io(label, e))?;
    let stored = stored.digest();
    Ok(LayerDigests {
        uncompressed: uncompressed.unwrap_or_else(|| stored.clone()),
        stored,
    })
}

/// Applies the entries of an uncompressed layer stream, then reads it to its end.
fn apply_tar<R: Read>(
    reader: R,
    label: &str,
    index: usize,
    state: &mut State<'_>,
    warnings: &mut Warnings,
) -> Result<(), Problem> {
    let max_entries = state.limits.max_entries_per_layer as u64;
    let mut tar = TarReader::new(Streamed::new(reader));
    while let Some(entry) = tar.next_entry().map_err(|e| tar_problem(label, e))? {
        if tar.headers() > max_entries {
            return Err(Problem::Limit(format!(
                "{label}: more than {max_entries} entries (max_entries_per_layer)"
            )));
        }
        state.apply(&mut tar, entry, index, label, warnings)?;
    }
    tar.into_inner().drain().map_err(|e| layer_io(label, e))?;
    Ok(())
}

/// Number of components of a normalised path.
fn depth(path: &str) -> usize {
    path.split('/').count()
}

impl<'a> State<'a> {
    /// Nothing tracked yet; `extra` are paths tracked besides the wanted ones.
    pub(super) fn new(
        wanted: &'a dyn Fn(&str) -> bool,
        extra: &'a BTreeSet<String>,
        limits: &'a Limits,
    ) -> Self {
        State {
            nodes: BTreeMap::new(),
            wanted,
            extra,
            limits,
            kept_bytes: 0,
            shallow_links: 0,
            work: 0,
            shallow_complete: true,
        }
    }

    /// Bytes of the files kept.
    pub(super) fn kept_bytes(&self) -> u64 {
        self.kept_bytes
    }

    fn tracked(&self, path: &str) -> bool {
        (self.wanted)(path) || self.extra.contains(path)
    }

    /// Removes `path` and everything under it, when written by a layer before `below`.
    fn remove(&mut self, path: &str, with_path: bool, below: usize) -> Result<(), Problem> {
        if self.nodes.is_empty() {
            return Ok(());
        }
        let mut doomed = Vec::new();
        if with_path && self.nodes.get(path).is_some_and(|n| n.layer() < below) {
            doomed.push(path.to_string());
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        for (k, node) in self
            .nodes
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        {
            if !k.starts_with(&prefix) {
                break;
            }
            // Nodes of the current layer stay, and are visited again by every later
            // whiteout of the same directory: bound that work.
            self.work += 1;
            if node.layer() < below {
                doomed.push(k.clone());
            }
        }
        if self.work > MAX_WORK {
            return Err(Problem::Limit(format!(
                "more than {MAX_WORK} steps spent applying whiteouts to the wanted files"
            )));
        }
        for k in doomed {
            if let Some(Node::File { contents, .. }) = self.nodes.remove(&k) {
                self.kept_bytes -= contents.len() as u64;
            }
        }
        Ok(())
    }

    fn insert(&mut self, path: String, node: Node, label: &str) -> Result<(), Problem> {
        if self.nodes.len() >= MAX_TRACKED {
            return Err(Problem::Limit(format!(
                "{label}: more than {MAX_TRACKED} wanted files and links"
            )));
        }
        self.nodes.insert(path, node);
        Ok(())
    }

    fn keep_bytes(&mut self, n: u64, path: &str, label: &str) -> Result<(), Problem> {
        self.kept_bytes += n;
        if self.kept_bytes > self.limits.max_kept_bytes {
            return Err(Problem::Limit(format!(
                "{label}: keeping `{path}` takes the wanted files past {} bytes (max_kept_bytes)",
                self.limits.max_kept_bytes
            )));
        }
        Ok(())
    }

    /// Applies one entry of layer `index`.
    fn apply<S: super::tar::Source>(
        &mut self,
        tar: &mut TarReader<S>,
        entry: Entry,
        index: usize,
        label: &str,
        warnings: &mut Warnings,
    ) -> Result<(), Problem> {
        let Some(path) = normalise(&entry.path) else {
            warnings.push(format!(
                "{label}: skipped entry `{}`: its path leaves the image root",
                entry.path
            ));
            return Ok(());
        };
        if path.is_empty() {
            return Ok(()); // the root directory itself
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        if let Some(hidden) = name.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                // Opaque directory: what lower layers put in it is gone.
                self.remove(dir, false, index)?;
            } else if hidden.starts_with(".wh.") || hidden.is_empty() {
                // Other `.wh..wh.` names are AUFS bookkeeping.
            } else {
                let target = if dir.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{dir}/{hidden}")
                };
                self.remove(&target, true, index)?;
            }
            return Ok(());
        }
        if entry.kind == Kind::Dir {
            // A directory replaces a file or link of the same name, and keeps what is under it.
            if let Some(Node::File { contents, .. }) = self.nodes.remove(&path) {
                self.kept_bytes -= contents.len() as u64;
            }
            return Ok(());
        }
        // Anything else replaces whatever was at its path, directories included.
        self.remove(&path, true, usize::MAX)?;
        let tracked = self.tracked(&path);
        match entry.kind {
            Kind::File if tracked => {
                if entry.size > self.limits.max_file_bytes {
                    warnings.push(format!(
                        "{label}: `{path}` not read: {} bytes, more than the limit of {} (max_file_bytes)",
                        entry.size, self.limits.max_file_bytes
                    ));
                    self.insert(path, Node::TooBig { layer: index }, label)?;
                } else {
                    self.keep_bytes(entry.size, &path, label)?;
                    let contents = tar.read_data().map_err(|e| tar_problem(label, e))?;
                    self.insert(
                        path,
                        Node::File {
                            layer: index,
                            contents,
                        },
                        label,
                    )?;
                }
            }
            Kind::Symlink => {
                let shallow = depth(&path) <= 2;
                if tracked {
                    self.insert(
                        path,
                        Node::Symlink {
                            layer: index,
                            target: entry.link,
                        },
                        label,
                    )?;
                } else if shallow {
                    if self.shallow_links < MAX_SHALLOW_LINKS {
                        self.shallow_links += 1;
                        self.insert(
                            path,
                            Node::Symlink {
                                layer: index,
                                target: entry.link,
                            },
                            label,
                        )?;
                    } else {
                        self.shallow_complete = false;
                    }
                }
            }
            Kind::Hardlink if tracked => {
                let Some(target) = normalise(&entry.link).filter(|t| !t.is_empty()) else {
                    warnings.push(format!(
                        "{label}: skipped hard link `{path}`: its target `{}` leaves the image root",
                        entry.link
                    ));
                    return Ok(());
                };
                let node = match self.nodes.get(&target) {
                    Some(Node::File { contents, .. }) => {
                        let contents = contents.clone();
                        self.keep_bytes(contents.len() as u64, &path, label)?;
                        Node::File {
                            layer: index,
                            contents,
                        }
                    }
                    Some(Node::TooBig { .. }) => Node::TooBig { layer: index },
                    Some(Node::Symlink { target, .. }) => Node::Symlink {
                        layer: index,
                        target: target.clone(),
                    },
                    Some(Node::Hardlink { target: inner, .. }) => Node::Hardlink {
                        layer: index,
                        target: inner.clone(),
                    },
                    None => Node::Hardlink {
                        layer: index,
                        target: target.clone(),
                    },
                };
                self.insert(path, node, label)?;
            }
            _ => {}
        }
        Ok(())
    }
}
