//! `cadet filters` (the first layer of a run as a mosaic) and `cadet deconv` (pool-5 maps and
//! deconvnet reconstructions for a view of a volume, or an annotated slice or patch of an ILD
//! run's study), as PNG (and .npy arrays).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use burn::prelude::*;
use clap::Args;
use glam::DVec3;

use super::choice::choice;
use super::sample::write_npy;
use crate::core::eval::load_run_model;
use crate::core::models::Net;
use crate::core::train::{CheckpointKind, RunDir, Task, TrainConfig};
use crate::core::vis::{
    FilterNormalization, Units, ViewInput, VisError, deconv_sheet, first_layer_filters, ild_targets, ild_view_input,
    pool_figures, reversible_models,
};

#[derive(Debug, Args)]
pub struct FiltersArgs {
    /// A run directory.
    #[arg(long)]
    pub run: PathBuf,
    #[arg(long, value_parser = choice::<CheckpointKind>(), default_value_t = CheckpointKind::Best)]
    pub checkpoint: CheckpointKind,
    #[arg(long, value_parser = choice::<FilterNormalization>(), default_value_t = FilterNormalization::PerFilter)]
    pub normalization: FilterNormalization,
    /// Pixels per filter weight.
    #[arg(long, default_value_t = 8)]
    pub scale: usize,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run_filters(args: &FiltersArgs) -> anyhow::Result<()> {
    anyhow::ensure!((1..=64).contains(&args.scale), "--scale must be 1 to 64");
    let run = RunDir::open(&args.run)?;
    let config = run.read_config()?;
    let device = Device::flex();
    let net = load_run_model(&run, &config, args.checkpoint, &device)?;
    let image = first_layer_filters(&net, args.normalization, args.scale)?;
    image.save_png(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("wrote the first-layer filters of {} ({}) to {}", run.name(), config.model, args.out.display());
    Ok(())
}

/// A run's network and the axis-aligned view of a volume it is shown (`cadet deconv`, `cadet
/// explain`).
#[derive(Clone, Debug, Args)]
pub struct ViewArgs {
    /// A run directory.
    #[arg(long)]
    pub run: PathBuf,
    #[arg(long, value_parser = choice::<CheckpointKind>(), default_value_t = CheckpointKind::Best)]
    pub checkpoint: CheckpointKind,
    /// The volume to sample the view from: a NIfTI file or a folder holding a DICOM series.
    #[arg(long, required_unless_present = "ild_slice")]
    pub volume: Option<PathBuf>,
    /// The DICOM series to open when VOLUME is a folder holding several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// View centre (RAS mm): X,Y,Z.
    #[arg(long, allow_hyphen_values = true, required_unless_present = "ild_slice")]
    pub center: Option<String>,
    /// Field of view (mm) of the (axis-aligned) view.
    #[arg(long, default_value_t = 64.0)]
    pub fov: f64,
    /// ILD runs, instead of a volume: an annotated slice of the run's study, PATIENT:SLICE
    /// (its slice_number); patch-level runs take its first patch, or PATIENT:SLICE:ROW,COL the
    /// patch centred there. The input is the evaluation's (three windows, resized).
    #[arg(long, value_name = "PATIENT:SLICE", conflicts_with_all = ["volume", "center", "series"])]
    pub ild_slice: Option<String>,
}

impl ViewArgs {
    /// Checks the centre and field of view, then loads the run's configuration and network.
    pub fn open_model(&self) -> anyhow::Result<(TrainConfig, Net)> {
        if let Some(center) = &self.center {
            parse_center(center)?;
        }
        anyhow::ensure!(self.fov > 0.0 && self.fov.is_finite(), "--fov must be a positive number of mm");
        let run = RunDir::open(&self.run)?;
        let config = run.read_config()?;
        let net = load_run_model(&run, &config, self.checkpoint, &Device::flex())?;
        Ok((config, net))
    }

    /// The view the network is shown, sampled from the volume as `config` samples it.
    pub fn view(&self, config: &TrainConfig) -> anyhow::Result<ViewInput> {
        match (&self.ild_slice, &self.volume, &self.center) {
            (Some(spec), ..) => ild_view(config, spec),
            _ if config.task.is_ild() => bail!("an {} run: give --ild-slice PATIENT:SLICE", config.task),
            (None, Some(volume), Some(center)) => {
                let center = parse_center(center)?;
                let volume = Arc::new(super::load_volume(volume, self.series.as_deref())?.volume);
                Ok(ViewInput::axial(config, volume, center, self.fov))
            }
            _ => bail!("give --volume and --center (or --ild-slice for an ILD run)"),
        }
    }
}

/// The input of an ILD run for `PATIENT:SLICE[:ROW,COL]` of its study.
fn ild_view(config: &TrainConfig, spec: &str) -> anyhow::Result<ViewInput> {
    anyhow::ensure!(config.task.is_ild(), "--ild-slice: the run learns {}, not an ILD task", config.task);
    let parts: Vec<&str> = spec.split(':').collect();
    let (patient, slice, center) = match parts[..] {
        [p, s] => (p, s, None),
        [p, s, c] => (p, s, Some(c)),
        _ => bail!("--ild-slice {spec}: give PATIENT:SLICE or PATIENT:SLICE:ROW,COL"),
    };
    let slice: i32 = slice.parse().with_context(|| format!("--ild-slice {spec}: {slice} is not a slice number"))?;
    let center: Option<(usize, usize)> = match center.map(|c| c.split_once(',')) {
        None => None,
        Some(Some((r, c))) => Some((r.trim().parse()?, c.trim().parse()?)),
        Some(None) => bail!("--ild-slice {spec}: the patch centre is ROW,COL"),
    };
    let targets = ild_targets(config)?;
    let target = targets
        .iter()
        .filter(|t| t.patient == patient && t.slice_number == slice)
        .find(|t| center.is_none_or(|c| t.patch.is_some_and(|(_, row, col)| (row, col) == c)))
        .with_context(|| {
            let what = if config.task == Task::IldPatch { "patch" } else { "annotated slice" };
            format!("--ild-slice {spec}: no such {what} in {}", config.study.display())
        })?;
    println!("showing {}", target.describe());
    Ok(ild_view_input(config, target)?)
}

#[derive(Debug, Args)]
pub struct DeconvArgs {
    #[command(flatten)]
    pub view: ViewArgs,
    /// The layer whose units are projected back (the last pooling layer).
    #[arg(long, default_value = "pool5")]
    pub layer: String,
    /// One unit (channel) of that layer.
    #[arg(long, conflicts_with = "top")]
    pub unit: Option<usize>,
    /// The K strongest units.
    #[arg(long, default_value_t = 4)]
    pub top: usize,
    /// Pixels per input pixel in the PNG.
    #[arg(long, default_value_t = 3)]
    pub scale: usize,
    #[arg(long)]
    pub out: PathBuf,
    /// Also write input.npy, pool.npy and reconstructions.npy into this folder.
    #[arg(long)]
    pub npy: Option<PathBuf>,
}

/// Largest `--scale` of `cadet deconv`, and the largest tile it draws (pixels per side).
const MAX_DECONV_SCALE: usize = 32;
const MAX_DECONV_TILE_PX: usize = 2048;

/// `--center X,Y,Z` as a world point (mm).
pub fn parse_center(text: &str) -> anyhow::Result<DVec3> {
    let c: Vec<f64> =
        text.split(',').map(|v| v.trim().parse()).collect::<Result<_, _>>().context("--center must be X,Y,Z")?;
    anyhow::ensure!(c.len() == 3 && c.iter().all(|v| v.is_finite()), "--center must be X,Y,Z");
    Ok(DVec3::new(c[0], c[1], c[2]))
}

/// Checks `--scale` against the tile size it would give for `n`-pixel inputs.
pub fn check_scale(scale: usize, n: usize) -> anyhow::Result<()> {
    anyhow::ensure!((1..=MAX_DECONV_SCALE).contains(&scale), "--scale must be 1 to {MAX_DECONV_SCALE}");
    anyhow::ensure!(
        n * scale <= MAX_DECONV_TILE_PX,
        "--scale {scale}: {n}-pixel inputs would make {}-pixel tiles; at most {MAX_DECONV_TILE_PX} (use --scale {} or less)",
        n * scale,
        (MAX_DECONV_TILE_PX / n).max(1)
    );
    Ok(())
}

pub fn run_deconv(args: &DeconvArgs) -> anyhow::Result<()> {
    if args.layer != "pool5" && args.layer != "last-pool" {
        bail!("--layer {}: cadet projects from the last pooling layer (pool5)", args.layer);
    }
    anyhow::ensure!((1..=MAX_DECONV_SCALE).contains(&args.scale), "--scale must be 1 to {MAX_DECONV_SCALE}");
    anyhow::ensure!((1..=64).contains(&args.top), "--top must be 1 to 64");
    let (config, net) = args.view.open_model()?;
    if net.stages().is_none() {
        bail!(
            "{}: the deconvnet needs a plain convolutional chain ({}); try cadet explain --method gradcam",
            config.model,
            reversible_models()
        );
    }
    let input = args.view.view(&config)?;
    check_scale(args.scale, input.size)?;
    let units = args.unit.map_or(Units::Strongest(args.top), Units::One);
    let figures = pool_figures(&net, &input, units, args.top).map_err(|e| match e {
        VisError::NoSuchUnit { .. } => anyhow::anyhow!("--{e}"),
        other => other.into(),
    })?;
    let sheet = deconv_sheet(&input, &figures, args.scale);
    sheet.save_png(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let n = input.size as u64;
    let [ch, h, w] = figures.shape;
    let units: Vec<usize> = figures.reconstructions.iter().map(|r| r.unit).collect();
    if let Some(dir) = &args.npy {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write_npy(&dir.join("input.npy"), &[3, n, n], &input.values)?;
        write_npy(&dir.join("pool.npy"), &[ch as u64, h as u64, w as u64], &figures.maps)?;
        let flat: Vec<f32> = figures.reconstructions.iter().flat_map(|r| r.values.iter().copied()).collect();
        write_npy(&dir.join("reconstructions.npy"), &[units.len() as u64, 3, n, n], &flat)?;
    }
    println!("units {units:?} of {ch} projected back; wrote {}", args.out.display());
    Ok(())
}
