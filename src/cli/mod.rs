//! The `cadet` command line: clap subcommands over the core. With no subcommand the binary
//! starts the workbench (see `main.rs`).

mod bank;
mod bench;
mod cache;
mod choice;
mod convert;
mod crop;
mod eval;
mod explain;
mod ild;
mod ild_report;
mod info;
mod models;
mod pretrained;
mod progress;
mod sample;
mod slice;
mod study;
mod sweep;
mod sweep_task;
mod synth;
mod train;
mod vis;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::core::open::{LoadedVolume, open_volume};

#[derive(Debug, Parser)]
#[command(
    name = "cadet",
    version,
    about = "A workbench for CNN-based computer-aided detection in CT",
    long_about = "A workbench for CNN-based computer-aided detection in CT.\n\n\
                  Without a subcommand, opens the workbench on PATH (a study folder or a volume), \
                  or on the bundled sample study.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A study folder (study.csv or the TCIA layout), a NIfTI volume or a DICOM series folder to
    /// open in the workbench.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a volume's grid, orientation and HU statistics.
    Info(info::InfoArgs),
    /// Write a synthetic lymph-node study.
    Synth(synth::SynthArgs),
    /// Summarise a study folder.
    Study(study::StudyArgs),
    /// Convert a DICOM series to NIfTI (the dcm2niix use case).
    Convert(convert::ConvertArgs),
    /// Crop a volume to a voxel box, keeping its world position.
    Crop(crop::CropArgs),
    /// Export one slice as PNG, in display orientation.
    Slice(slice::SliceArgs),
    /// List the model zoo with parameters and multiply-adds.
    Models(models::ModelsArgs),
    /// Sample 2.5D views: one at given parameters, or random views of many candidates.
    Sample(sample::SampleArgs),
    /// Sample every candidate's views once into a view bank (resumes an unfinished one).
    Bank(bank::BankArgs),
    /// Show or clear the volume cache.
    Cache(cache::CacheArgs),
    /// Train one model on one fold (or resume a run).
    Train(train::TrainArgs),
    /// Train every fold of a cross-validation.
    Cv(train::CvArgs),
    /// Plot the training curves of runs (PNG, CSV).
    Curves(train::CurvesArgs),
    /// Score a run's test candidates (or pool folds, or ensemble runs) and report FROC.
    Eval(eval::EvalArgs),
    /// FROC analysis of a scores.csv.
    Froc(eval::FrocArgs),
    /// A table like the paper's Table II over evaluation folders.
    Report(eval::ReportArgs),
    /// Pretrained ImageNet weights: check them on a photo.
    Pretrained(pretrained::PretrainedArgs),
    /// First-layer filters of a run as a PNG mosaic.
    Filters(vis::FiltersArgs),
    /// Pool-5 maps and deconvnet reconstructions for a view of a volume.
    Deconv(vis::DeconvArgs),
    /// Grad-CAM (or the deconvnet) of a run's network for a view of a volume, as PNG.
    Explain(explain::ExplainArgs),
    /// Interstitial lung disease: the HUG database (summary, patches, slices) and a synthetic one.
    Ild(ild::IldArgs),
    /// Run a grid of trainings (the paper's tables) locally or as a Slurm job array; follow,
    /// cancel and collect it.
    Sweep(Box<sweep::SweepArgs>),
    /// Measure: timed training steps of a model on the CPU or the GPU.
    Bench(bench::BenchArgs),
}

/// Runs a headless subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Info(args) => info::run(&args),
        Command::Synth(args) => synth::run(&args),
        Command::Study(args) => study::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Crop(args) => crop::run(&args),
        Command::Slice(args) => slice::run(&args),
        Command::Models(args) => models::run(&args),
        Command::Sample(args) => sample::run(&args),
        Command::Bank(args) => bank::run(&args),
        Command::Cache(args) => cache::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Cv(args) => train::run_cv(&args),
        Command::Curves(args) => train::run_curves(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Froc(args) => eval::run_froc(&args),
        Command::Report(args) => eval::run_report(&args),
        Command::Pretrained(args) => pretrained::run(&args),
        Command::Filters(args) => vis::run_filters(&args),
        Command::Deconv(args) => vis::run_deconv(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Ild(args) => ild::run(&args),
        Command::Bench(args) => bench::run(&args),
    }
}

/// Reads a VOLUME argument (NIfTI file or DICOM folder) and tells the user on stderr which
/// series was opened and what the geometry checks found.
pub fn load_volume(path: &Path, series: Option<&str>) -> anyhow::Result<LoadedVolume> {
    let loaded = open_volume(path, series).with_context(|| format!("cannot read the volume {}", path.display()))?;
    for message in &loaded.messages {
        eprintln!("{message}");
    }
    Ok(loaded)
}
