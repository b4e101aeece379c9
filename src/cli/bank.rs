//! `cadet bank --study DIR --views-per-candidate K --size N --seed S --out BANK`: every
//! candidate's views sampled once into a memory-mapped bank (resumes when run again).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::cache::CacheDir;
use super::choice::choice;
use super::progress::bar;
use crate::core::cache::bank::{BankRequest, build_bank};
use crate::core::sampling::{FovChoice, Interpolation, ViewProtocol};
use crate::core::window::WindowPreset;

#[derive(Debug, Args)]
pub struct BankArgs {
    /// Study folder (with study.csv).
    #[arg(long)]
    pub study: PathBuf,
    /// Views sampled per candidate (the paper: up to 200).
    #[arg(long, default_value_t = 200)]
    pub views_per_candidate: usize,
    /// Pixels per side of every view.
    #[arg(long, default_value_t = 32)]
    pub size: usize,
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    /// Field of view range in mm, "A,B" (default: the paper's 35,128).
    #[arg(long, value_delimiter = ',', num_args = 2)]
    pub fov_range: Vec<f64>,
    #[arg(long, value_parser = choice::<Interpolation>(), default_value_t = Interpolation::Linear)]
    pub interp: Interpolation,
    /// The bank folder (created; an unfinished bank there is continued).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub cache: CacheDir,
}

pub fn run(args: &BankArgs) -> anyhow::Result<()> {
    let cache = args.cache.apply();
    let mut protocol = ViewProtocol::default();
    if let [a, b] = args.fov_range[..] {
        anyhow::ensure!(a > 0.0 && b >= a, "--fov-range A,B needs 0 < A ≤ B");
        protocol.fov = FovChoice::Uniform { min_mm: a, max_mm: b };
    }
    let request = BankRequest {
        study: args.study.clone(),
        out: args.out.clone(),
        seed: args.seed,
        views_per_candidate: args.views_per_candidate,
        size: args.size,
        interpolation: args.interp,
        protocol,
        window: WindowPreset::SoftTissue.window(),
    };
    let pb = bar(0, "views");
    let summary = build_bank(&request, &cache, &mut |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
        true
    })
    .with_context(|| format!("cannot write the bank {}", args.out.display()))?;
    pb.finish_and_clear();
    println!(
        "{}: {} candidates × {} views ({} rows written now){}",
        args.out.display(),
        summary.rows,
        args.views_per_candidate,
        summary.written_rows,
        if summary.complete { "" } else { ", incomplete" }
    );
    Ok(())
}
