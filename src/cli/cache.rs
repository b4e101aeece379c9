//! `cadet cache [--json] [--clear] [--cache DIR]`: what the volume cache holds, and emptying it.
//! Also the `--cache DIR` option the sampling commands share.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::core::cache::{self, VolumeCache};

/// Where the volume cache lives (default: the user's cache folder, or `$CADET_CACHE`).
#[derive(Debug, Args, Clone, Default)]
pub struct CacheDir {
    /// Volume cache folder (memory-mapped voxels and B-spline coefficients).
    #[arg(long = "cache", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

impl CacheDir {
    /// Makes the folder this process's cache and returns it.
    pub fn apply(&self) -> VolumeCache {
        if self.dir.is_some() {
            cache::configure(self.dir.clone());
        }
        VolumeCache::shared()
    }
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(flatten)]
    pub cache: CacheDir,
    /// Print the entries as JSON.
    #[arg(long)]
    pub json: bool,
    /// Remove every entry.
    #[arg(long)]
    pub clear: bool,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

pub fn run(args: &CacheArgs) -> anyhow::Result<()> {
    let cache = args.cache.apply();
    if args.clear {
        let (files, bytes) = cache.clear().context("cannot clear the volume cache")?;
        println!("removed {files} entries ({:.1} MiB) from {}", mib(bytes), cache.dir().display());
        return Ok(());
    }
    let files = cache.list().context("cannot list the volume cache")?;
    let total: u64 = files.iter().map(|f| f.bytes).sum();
    if args.json {
        let json = serde_json::json!({ "dir": cache.dir(), "bytes": total, "entries": files });
        println!("{json:#}");
        return Ok(());
    }
    println!("{}: {} entries, {:.1} MiB", cache.dir().display(), files.len(), mib(total));
    for f in &files {
        match &f.header {
            Some(h) => println!(
                "  {:<8} {:>9.1} MiB  {}×{}×{} {:?}  {}",
                h.kind.name(),
                mib(f.bytes),
                h.dims[0],
                h.dims[1],
                h.dims[2],
                h.dtype,
                h.source.path.display()
            ),
            None => println!("  (unreadable) {:>9.1} MiB  {}", mib(f.bytes), f.file.display()),
        }
    }
    Ok(())
}
