//! `patchwarden inventory`: what a path holds, without advisories or a
//! database.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use patchwarden_core::Ecosystem;
use patchwarden_inventory::{Inventory, ScanOptions};

use crate::{Format, Global, OutputArgs, write_output};

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
    /// Directory (source tree or unpacked root file system), lockfile, manifest or OS package
    /// database.
    #[arg(value_name = "PATH")]
    pub(crate) path: PathBuf,
    #[command(flatten)]
    pub(crate) walk: WalkArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
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
