//! `cadet bench train --model M --batch B [--steps S] [--warmup W] [--device cpu|gpu|auto]
//! [--precision f32|f16] [--lr R] [--json]`: timed SGD steps of one network (see `core::train::bench`).

use clap::{Args, Subcommand};

use super::choice::choice;
use crate::core::models::ModelKind;
use crate::core::train::{BenchSpec, DeviceChoice, Precision, bench_train};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Time SGD training steps of one model: images/s, peak memory, FLOP/s.
    Train(BenchTrainArgs),
}

#[derive(Debug, Args)]
pub struct BenchTrainArgs {
    /// The network (see `cadet models`).
    #[arg(long, value_parser = choice::<ModelKind>())]
    pub model: ModelKind,
    #[arg(long)]
    pub batch: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// Untimed steps first (kernel compilation and tuning on a GPU).
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// cpu (burn flex), gpu (burn-wgpu on any adapter) or auto (a hardware GPU, else the CPU).
    #[arg(long, default_value = "auto", value_parser = choice::<DeviceChoice>())]
    pub device: DeviceChoice,
    /// f32, or f16 (GPU only).
    #[arg(long, default_value_t = Precision::F32)]
    pub precision: Precision,
    /// Seed of the initial weights and the batches.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Learning rate of the SGD steps (speed does not depend on it; at 0.01 alexnet-l diverges
    /// on the random batches within ten steps, in PyTorch too).
    #[arg(long, default_value_t = crate::core::train::BENCH_LR)]
    pub lr: f64,
    /// Print the measurement as one line of JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let BenchWhat::Train(a) = &args.what;
    let spec = BenchSpec {
        model: a.model,
        batch: a.batch,
        steps: a.steps,
        warmup: a.warmup,
        device: a.device,
        precision: a.precision,
        seed: a.seed,
        lr: a.lr,
    };
    let report = bench_train(&spec).map_err(anyhow::Error::msg)?;
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let mib = |v: Option<f64>| v.map_or("n/a".into(), |m| format!("{m:.0} MiB"));
    let peak = report.peak_fraction.map_or(String::new(), |f| format!(" ({:.1} % of the device's peak)", f * 100.0));
    println!(
        "{} batch {} ({}) on {}, {} threads: {:.1} images/s over {} steps ({:.3} s/step; warm-up {:.1} s)",
        report.model,
        report.batch,
        report.precision,
        report.device,
        report.threads,
        report.images_per_second,
        report.steps,
        report.seconds / report.steps as f64,
        report.warmup_seconds
    );
    println!(
        "peak resident set {}, GPU pool {}; {:.2} GFLOP/s{peak}",
        mib(report.peak_rss_mb),
        mib(report.gpu_reserved_mb),
        report.flop_per_second / 1e9
    );
    if let Some(cache) = &report.kernel_cache {
        let state = match (cache.persisted, cache.cold) {
            (false, _) => "not kept between runs in this build",
            (true, true) => "cold: tuned in this run",
            (true, false) => "warm",
        };
        println!("kernel cache {} ({state})", cache.path.display());
    }
    Ok(())
}
