//! `cadet pretrained predict`: classify a photo with pretrained ImageNet weights, to see that
//! they really loaded.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::choice::choice;
use crate::core::models::ModelKind;
use crate::core::models::imagenet::predict;
use crate::core::models::pretrained::{LoadOptions, load_weights};
use crate::core::train::{DeviceChoice, select_device};

#[derive(Debug, Args)]
pub struct PretrainedArgs {
    #[command(subcommand)]
    pub command: PretrainedCommand,
}

#[derive(Debug, Subcommand)]
pub enum PretrainedCommand {
    /// Top ImageNet classes of a photo.
    Predict(PredictArgs),
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    #[arg(long, value_parser = choice::<ModelKind>(), default_value_t = ModelKind::EfficientnetLite0)]
    pub model: ModelKind,
    /// ImageNet weights (.pth, .pt, .safetensors or .bpk) with the 1000-class head.
    #[arg(long)]
    pub weights: PathBuf,
    /// A photo (PNG or JPEG).
    #[arg(long)]
    pub image: PathBuf,
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Print a JSON list of {index, name, probability}.
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_parser = choice::<DeviceChoice>(), default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

pub fn run(args: &PretrainedArgs) -> anyhow::Result<()> {
    let PretrainedCommand::Predict(a) = &args.command;
    let photo = image::open(&a.image).with_context(|| format!("cannot read the photo {}", a.image.display()))?;
    let device = select_device(a.device)?.device.without_autodiff();
    let mut net = a.model.build(1000, &device);
    let report =
        load_weights(&mut net, a.model, &a.weights, LoadOptions { keep_classifier: true, allow_partial: false })?;
    let predictions = predict(&net, &device, &photo, a.top.clamp(1, 1000)).map_err(anyhow::Error::msg)?;
    if a.json {
        println!("{}", serde_json::to_string(&predictions)?);
        return Ok(());
    }
    println!("{} ({})", a.weights.display(), report.describe());
    for p in &predictions {
        println!("{:>6.2}%  {:>4}  {}", 100.0 * p.probability, p.index, p.name);
    }
    Ok(())
}
