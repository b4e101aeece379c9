//! `cadet explain`: what in a view made a run's network decide, as a PNG: Grad-CAM of a class on
//! the last convolutional block (with guided Grad-CAM for the plain chains), or the deconvnet.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::vis::{DeconvArgs, ViewArgs, check_scale, run_deconv};
use crate::core::vis::{grad_cam, heatmap_overlay, reconstruction_image, strip};

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
    #[command(flatten)]
    pub view: ViewArgs,
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
            view: args.view.clone(),
            layer: "pool5".into(),
            unit: None,
            top: args.top,
            scale: args.scale,
            out: args.out.clone(),
            npy: None,
        });
    }
    let (config, net) = args.view.open_model()?;
    check_scale(args.scale, config.pipeline().input_size)?;
    let input = args.view.view(&config)?;
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
