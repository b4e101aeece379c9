//! `cadet explain`: what in a view made a run's network decide, as a PNG: Grad-CAM of a class on
//! the last convolutional block (with guided Grad-CAM for the plain chains), or the deconvnet.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use burn::prelude::*;
use clap::{Args, ValueEnum};

use super::choice::choice;
use super::vis::{DeconvArgs, check_scale, parse_center, run_deconv};
use crate::core::eval::load_run_model;
use crate::core::train::{CheckpointKind, RunDir};
use crate::core::vis::{ViewInput, grad_cam, heatmap_overlay, reconstruction_image, strip};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Grad-CAM on the last convolutional block (every model); guided Grad-CAM beside it for
    /// the plain chains.
    Gradcam,
    /// Deconvnet reconstructions of the strongest last-pooling units (the plain chains).
    Deconv,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run directory.
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
    #[arg(long, value_enum, default_value_t = Method::Gradcam)]
    pub method: Method,
    /// Grad-CAM: the class whose evidence is shown (default: the predicted class).
    #[arg(long)]
    pub class: Option<usize>,
    /// Deconvnet: the K strongest units.
    #[arg(long, default_value_t = 4)]
    pub top: usize,
    /// Pixels per input pixel in the PNG.
    #[arg(long, default_value_t = 3)]
    pub scale: usize,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &ExplainArgs) -> anyhow::Result<()> {
    if args.method == Method::Deconv {
        return run_deconv(&DeconvArgs {
            run: args.run.clone(),
            checkpoint: args.checkpoint,
            volume: args.volume.clone(),
            series: args.series.clone(),
            center: args.center.clone(),
            fov: args.fov,
            layer: "pool5".into(),
            unit: None,
            top: args.top,
            scale: args.scale,
            out: args.out.clone(),
            npy: None,
        });
    }
    let center = parse_center(&args.center)?;
    anyhow::ensure!(args.fov > 0.0 && args.fov.is_finite(), "--fov must be a positive number of mm");
    let run = RunDir::open(&args.run)?;
    let config = run.read_config()?;
    let net = load_run_model(&run, &config, args.checkpoint, &Device::flex())?;
    check_scale(args.scale, config.pipeline().input_size)?;
    let volume = Arc::new(super::load_volume(&args.volume, args.series.as_deref())?.volume);
    let input = ViewInput::axial(&config, volume, center, args.fov);
    let cam = grad_cam(&net, &input, args.class).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let heat = heatmap_overlay(&input.image, &cam.map);
    let guided = cam.guided.as_ref().map(|g| reconstruction_image(g, [input.size, input.size]));
    let mut pictures = vec![&input.image, &heat];
    pictures.extend(&guided);
    let sheet = strip(&pictures, input.size * args.scale);
    sheet.save_png(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let [h, w] = cam.coarse_size;
    println!(
        "Grad-CAM of class {} (logit {:.3}) on the last convolutional block of {} ({} maps of {h}×{w}){}; wrote {}",
        cam.class,
        cam.logit,
        config.model,
        cam.weights.len(),
        if guided.is_some() { " with guided Grad-CAM" } else { "" },
        args.out.display()
    );
    Ok(())
}
