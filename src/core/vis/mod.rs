//! Seeing what a network learned (the paper's Fig. 12 and 13): first-layer filter mosaics,
//! the last pooling layer's activation maps, and Zeiler–Fergus deconvnet reconstructions, as
//! plain RGBA images for the workbench and for PNG export.

pub mod deconv;
mod mosaic;

pub use deconv::{DeconvPass, Layer, chain, forward};
pub use mosaic::{FilterNormalization, activation_grid, activation_tile, filter_mosaic, grid_shape, top_units};

use crate::core::models::Net;
use crate::core::raster::RgbaImage;

/// The first convolution's filters as a mosaic.
pub fn first_layer_filters(net: &Net, normalization: FilterNormalization, scale: usize) -> Result<RgbaImage, String> {
    let w = net.first_conv_weight();
    let shape = w.dims();
    let values: Vec<f32> = w.try_into_vec_as().map_err(|e| format!("{e:?}"))?;
    Ok(filter_mosaic(&values, shape, normalization, scale))
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
