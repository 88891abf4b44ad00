//! `patchwarden inventory` and `patchwarden sbom`: what a path holds, without advisories or
//! a database.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use patchwarden_core::Ecosystem;
use patchwarden_inventory::{Inventory, ScanOptions};

use crate::{Format, Global, OutputArgs, now_rfc3339, write_output};

/// Which files of a path are read.
#[derive(Args, Debug, Clone)]
pub(crate) struct WalkArgs {
    /// Leave out files and directories matching this glob, relative to PATH (repeatable):
    /// `--exclude 'test/**' --exclude 'docs'`.
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Also walk node_modules directories (skipped by default).
    #[arg(long)]
    pub(crate) include_node_modules: bool,
    /// OSV ecosystem of OS package databases when PATH has no os-release (`Debian:12`,
    /// `Alpine:v3.20`, `AlmaLinux:9`).
    #[arg(long, value_name = "ECOSYSTEM")]
    pub(crate) distro: Option<String>,
}

impl WalkArgs {
    /// The inventory options these flags give.
    pub(crate) fn options(&self) -> ScanOptions {
        ScanOptions {
            exclude: self.exclude.clone(),
            include_node_modules: self.include_node_modules,
            distro: self.distro.as_deref().map(Ecosystem::parse),
        }
    }
}

/// `inventory PATH`.
#[derive(Args, Debug)]
pub(crate) struct InventoryArgs {
    /// Directory (source tree or unpacked root file system), lockfile, manifest, OS package
    /// database, SBOM, or container image (`docker save` tar, OCI layout directory or tar).
    #[arg(value_name = "PATH")]
    pub(crate) path: PathBuf,
    #[command(flatten)]
    pub(crate) walk: WalkArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// SBOM formats written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// `sbom PATH`.
#[derive(Args, Debug)]
pub(crate) struct SbomArgs {
    /// Directory (source tree or unpacked root file system), lockfile, manifest, OS package
    /// database, SBOM, or container image (`docker save` tar, OCI layout directory or tar).
    #[arg(value_name = "PATH")]
    pub(crate) path: PathBuf,
    /// SBOM format.
    #[arg(long, short = 'f', value_enum, default_value = "cyclonedx")]
    pub(crate) format: SbomFormat,
    /// Write the SBOM to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) walk: WalkArgs,
}

fn read(global: &Global, path: &Path, walk: &WalkArgs) -> Result<Inventory> {
    let inventory = patchwarden_inventory::scan(path, &walk.options())?;
    if !global.quiet {
        for w in &inventory.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(inventory)
}

/// Lists the components of a path.
pub(crate) fn inventory(global: &Global, args: InventoryArgs) -> Result<u8> {
    let inventory = read(global, &args.path, &args.walk)?;
    let text = match args.output.format {
        Format::Json => patchwarden_report::inventory_json(&inventory),
        Format::Table => patchwarden_report::inventory_table(&inventory),
    };
    write_output(args.output.output.as_deref(), &text)?;
    Ok(0)
}

/// Writes an SBOM of a path.
pub(crate) fn sbom(global: &Global, args: SbomArgs) -> Result<u8> {
    let inventory = read(global, &args.path, &args.walk)?;
    let meta = patchwarden_inventory::cyclonedx::SbomMeta {
        name: args.path.display().to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        timestamp: now_rfc3339(),
    };
    let mut text = match args.format {
        SbomFormat::Cyclonedx => {
            patchwarden_inventory::cyclonedx::write_json(&inventory.components, &meta)
        }
        SbomFormat::Spdx => patchwarden_inventory::spdx::write_json(&inventory.components, &meta),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    write_output(args.output.as_deref(), &text)?;
    Ok(0)
}
