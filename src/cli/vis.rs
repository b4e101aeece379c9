//! `cadet filters` (the first layer of a run as a mosaic) and `cadet deconv` (pool-5 maps and
//! deconvnet reconstructions for a view of a volume), as PNG (and .npy arrays).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use burn::prelude::*;
use clap::Args;
use glam::DVec3;

use super::choice::choice;
use super::sample::write_npy;
use crate::core::eval::load_run_model;
use crate::core::raster::RgbaImage;
use crate::core::sampling::{ViewSampler, ViewSpec};
use crate::core::train::{CheckpointKind, RunDir};
use crate::core::vis::{
    FilterNormalization, activation_grid, chain, first_layer_filters, forward, overlay, reconstruction_image, top_units,
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
    let net = load_run_model(&run, &config, args.checkpoint, &device).map_err(anyhow::Error::msg)?;
    let image = first_layer_filters(&net, args.normalization, args.scale).map_err(anyhow::Error::msg)?;
    image.save_png(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("wrote the first-layer filters of {} ({}) to {}", run.name(), config.model, args.out.display());
    Ok(())
}

#[derive(Debug, Args)]
pub struct DeconvArgs {
    #[arg(long)]
    pub run: PathBuf,
    #[arg(long, value_parser = choice::<CheckpointKind>(), default_value_t = CheckpointKind::Best)]
    pub checkpoint: CheckpointKind,
    /// The volume to sample the view from: a NIfTI file or a folder holding a DICOM series.
    #[arg(long)]
    pub volume: PathBuf,
    /// The DICOM series to open when VOLUME is a folder holding several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// View centre (RAS mm): X,Y,Z.
    #[arg(long, allow_hyphen_values = true)]
    pub center: String,
    /// Field of view (mm) of the (axis-aligned) view.
    #[arg(long, default_value_t = 64.0)]
    pub fov: f64,
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

pub fn run_deconv(args: &DeconvArgs) -> anyhow::Result<()> {
    if args.layer != "pool5" && args.layer != "last-pool" {
        bail!("--layer {}: cadet projects from the last pooling layer (pool5)", args.layer);
    }
    let c: Vec<f64> =
        args.center.split(',').map(|v| v.trim().parse()).collect::<Result<_, _>>().context("--center must be X,Y,Z")?;
    anyhow::ensure!(c.len() == 3 && c.iter().all(|v| v.is_finite()), "--center must be X,Y,Z");
    anyhow::ensure!(args.fov > 0.0 && args.fov.is_finite(), "--fov must be a positive number of mm");
    anyhow::ensure!((1..=MAX_DECONV_SCALE).contains(&args.scale), "--scale must be 1 to {MAX_DECONV_SCALE}");
    anyhow::ensure!((1..=64).contains(&args.top), "--top must be 1 to 64");
    let run = RunDir::open(&args.run)?;
    let config = run.read_config()?;
    let device = Device::flex();
    let net = load_run_model(&run, &config, args.checkpoint, &device).map_err(anyhow::Error::msg)?;
    let Some(layers) = chain(&net) else {
        bail!("{}: the deconvnet needs a plain convolutional chain (cifarnet, alexnet-h, alexnet-l)", config.model);
    };
    let volume = Arc::new(super::load_volume(&args.volume, args.series.as_deref())?.volume);
    let pipeline = config.pipeline();
    let sampler = ViewSampler::new(volume, config.interpolation);
    let spec = ViewSpec::axial(DVec3::new(c[0], c[1], c[2]), args.fov);
    let n = pipeline.input_size;
    anyhow::ensure!(
        n * args.scale <= MAX_DECONV_TILE_PX,
        "--scale {}: {n}-pixel inputs would make {}-pixel tiles; at most {MAX_DECONV_TILE_PX} (use --scale {} or less)",
        args.scale,
        n * args.scale,
        (MAX_DECONV_TILE_PX / n).max(1)
    );
    let mut input = vec![0f32; 3 * n * n];
    pipeline.render_into(&sampler, &spec, None, &mut input);
    let x = Tensor::<4>::from_data(TensorData::new(input.clone(), [1, 3, n, n]), &device); // [1, 3, n, n]
    let trace = forward(layers, x);
    let [_, ch, h, w] = trace.output.dims();
    let maps: Vec<f32> = trace.output.clone().try_into_vec_as().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let units = match args.unit {
        Some(u) if u < ch => vec![u],
        Some(u) => bail!("--unit {u}: the layer has {ch} units"),
        None => top_units(&maps, [ch, h, w], args.top),
    };
    let recons: Vec<Vec<f32>> = units
        .iter()
        .map(|&u| trace.reconstruct(u).try_into_vec_as().map_err(|e| anyhow::anyhow!("{e:?}")))
        .collect::<anyhow::Result<_>>()?;
    // one picture: input | pool maps, then per unit reconstruction | overlay
    let input_rgb = RgbaImage::from_rgb_planes(&input.iter().map(|v| v * 0.25 + 0.5).collect::<Vec<_>>(), n);
    let grid = activation_grid(&maps, [ch, h, w], &units, (n * args.scale / (h * 6)).max(2));
    let tile = n * args.scale;
    let width = 2 * tile + 12;
    let height = tile.max(grid.height) + 6 + units.len() * (tile + 6);
    let mut canvas = RgbaImage::new(width.max(tile + grid.width + 12), height);
    canvas.blit(&input_rgb.resized(tile, tile), 0, 0);
    canvas.blit(&grid, tile + 12, 0);
    for (i, r) in recons.iter().enumerate() {
        let y = tile.max(grid.height) + 6 + i * (tile + 6);
        canvas.blit(&reconstruction_image(r, [n, n]).resized(tile, tile), 0, y);
        canvas.blit(&overlay(&input_rgb, r).resized(tile, tile), tile + 12, y);
    }
    canvas.save_png(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    if let Some(dir) = &args.npy {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write_npy(&dir.join("input.npy"), &[3, n as u64, n as u64], &input)?;
        write_npy(&dir.join("pool.npy"), &[ch as u64, h as u64, w as u64], &maps)?;
        let flat: Vec<f32> = recons.iter().flatten().copied().collect();
        write_npy(&dir.join("reconstructions.npy"), &[units.len() as u64, 3, n as u64, n as u64], &flat)?;
    }
    println!("units {units:?} of {ch} projected back; wrote {}", args.out.display());
    Ok(())
}
