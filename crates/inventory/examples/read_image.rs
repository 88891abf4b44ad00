//! Reads a container image as the inventory does and prints what it kept and how fast.
//!
//! ```text
//! cargo run --release -p patchwarden-inventory --example read_image -- image.tar
//! ```
//!
//! Prints the kept files (path, size, layer), the layers, the elapsed seconds and the
//! throughput in MB/s of archive bytes (for a layout directory, the bytes of its blobs).

use std::path::Path;
use std::time::Instant;

use patchwarden_inventory::image::{Limits, read_image};

/// The files the inventory asks an image for: OS package databases, `os-release`, lockfiles.
fn wanted(path: &str) -> bool {
    const EXACT: &[&str] = &[
        "var/lib/dpkg/status",
        "lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "etc/os-release",
        "usr/lib/os-release",
    ];
    const NAMES: &[&str] = &[
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "Cargo.lock",
        "go.mod",
        "Gemfile.lock",
        "composer.lock",
        "poetry.lock",
        "requirements.txt",
        "pom.xml",
    ];
    let name = path.rsplit('/').next().unwrap_or(path);
    EXACT.contains(&path) || path.starts_with("var/lib/dpkg/status.d/") || NAMES.contains(&name)
}

/// Bytes of the archive, or of a layout directory's blobs.
fn archive_bytes(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path.join("blobs/sha256"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let Some(arg) = std::env::args_os().nth(1) else {
        eprintln!("usage: read_image <docker-save.tar | oci-layout dir | oci.tar>");
        std::process::exit(2);
    };
    let path = Path::new(&arg);
    let start = Instant::now();
    let image = match read_image(path, &wanted, &Limits::default()) {
        Ok(image) => image,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let elapsed = start.elapsed().as_secs_f64();
    for f in &image.files {
        println!("{}  {} bytes  {}", f.path, f.contents.len(), f.layer);
    }
    for w in &image.warnings {
        println!("warning: {w}");
    }
    let bytes = archive_bytes(path);
    println!("files kept: {}", image.files.len());
    println!("layers: {}", image.layers.len());
    println!("elapsed: {elapsed:.3} s");
    println!(
        "throughput: {:.1} MB/s of {:.1} MB",
        bytes as f64 / 1e6 / elapsed.max(1e-9),
        bytes as f64 / 1e6
    );
}
