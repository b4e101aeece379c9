//! `cadet synth --out DIR [--patients N] [--seed S] [--full-size]`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::progress::bar;
use crate::core::synth::{SynthConfig, write_study};

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Folder to write the study into (must not already hold one).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of patients (alternately mediastinal and abdominal).
    #[arg(long, default_value_t = 6)]
    pub patients: usize,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    /// Clinical resolution (512×512×~271, 0.8×0.8×1 mm) instead of ~2.4 mm voxels.
    #[arg(long)]
    pub full_size: bool,
}

pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.patients > 0, "--patients must be at least 1");
    let config = SynthConfig { patients: args.patients, seed: args.seed, full_size: args.full_size };
    let pb = bar(args.patients as u64, "patients");
    let rows = write_study(&args.out, &config, &|done| pb.set_position(done as u64))
        .with_context(|| format!("cannot write the synthetic study to {}", args.out.display()))?;
    pb.finish_and_clear();
    println!("wrote {} patients to {}", rows.len(), args.out.display());
    Ok(())
}
