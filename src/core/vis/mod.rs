//! Seeing what a network learned (the paper's Fig. 12 and 13): first-layer filter mosaics,
//! the last pooling layer's activation maps, Zeiler–Fergus deconvnet reconstructions and
//! Grad-CAM, as plain RGBA images for the workbench and for PNG export.

pub mod deconv;
mod figure;
mod gradcam;
mod ild_view;
mod mosaic;

pub use deconv::{DeconvPass, Layer, Rule, chain, forward};
pub use figure::{PoolFigures, Reconstruction, Units, ViewInput, deconv_sheet, pool_figures, strip};
pub use gradcam::{ClassGradient, GradCam, cam_from_gradient, class_gradient, grad_cam, heatmap_overlay};
pub use ild_view::{IldTarget, ild_targets, ild_view_input};
pub use mosaic::{FilterNormalization, activation_grid, activation_tile, filter_mosaic, grid_shape, top_units};

use crate::core::models::{ModelKind, Net};
use crate::core::raster::RgbaImage;

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum VisError {
    #[error("cannot read the network's tensors: {0}")]
    Tensor(String),
    #[error("unit {unit}: the layer has {units} units")]
    NoSuchUnit { unit: usize, units: usize },
    #[error("class {class}: the network has {classes} classes")]
    NoSuchClass { class: usize, classes: usize },
    /// The run's ILD study could not be read, or lacks the slice or patch asked for.
    #[error("{0}")]
    Data(String),
}

/// The models whose features form a plain chain, which the deconvnet and guided Grad-CAM
/// reverse (read from the networks themselves, built lazily), as "cifarnet, alexnet-h, ...".
pub fn reversible_models() -> String {
    let device = burn::prelude::Device::flex();
    let kinds = ModelKind::ALL.iter().filter(|k| k.build(2, &device).stages().is_some());
    kinds.map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

/// A tensor's values, in row-major order.
fn tensor_values<const D: usize>(t: burn::prelude::Tensor<D>) -> Result<Vec<f32>, VisError> {
    t.try_into_vec_as().map_err(|e| VisError::Tensor(format!("{e:?}")))
}

/// The first convolution's filters as a mosaic.
pub fn first_layer_filters(net: &Net, normalization: FilterNormalization, scale: usize) -> Result<RgbaImage, VisError> {
    let w = net.first_conv_weight();
    let shape = w.dims();
    Ok(filter_mosaic(&tensor_values(w)?, shape, normalization, scale))
}

/// A signed reconstruction `[3, h, w]` as RGB: zero is mid-grey, the largest magnitude saturates.
pub fn reconstruction_image(values: &[f32], size: [usize; 2]) -> RgbaImage {
    let [h, w] = size;
    let peak = values.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
    let planes: Vec<f32> = values.iter().map(|v| 0.5 + 0.5 * v / peak).collect();
    let mut img = RgbaImage::new(w, h);
    for i in 0..w * h {
        let c = |ch: usize| (planes[ch * w * h + i].clamp(0.0, 1.0) * 255.0).round() as u8;
        img.pixels[i] = [c(0), c(1), c(2), 255];
    }
    img
}

/// The reconstruction's magnitude as a red overlay on the input image.
pub fn overlay(input: &RgbaImage, values: &[f32]) -> RgbaImage {
    let n = input.width * input.height;
    let magnitude: Vec<f32> = (0..n).map(|i| (0..3).map(|c| values[c * n + i].abs()).sum()).collect();
    let peak = magnitude.iter().copied().fold(0f32, f32::max).max(1e-12);
    let mut out = input.clone();
    for (p, m) in out.pixels.iter_mut().zip(magnitude) {
        let a = (m / peak).sqrt();
        p[0] = (f32::from(p[0]) * (1.0 - a) + 255.0 * a) as u8;
        p[1] = (f32::from(p[1]) * (1.0 - a)) as u8;
        p[2] = (f32::from(p[2]) * (1.0 - a)) as u8;
    }
    out
}
