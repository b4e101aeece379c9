//! ImageNet-1k classification of a photo with pretrained weights, to check that weights loaded:
//! short side resized to 256 (bilinear), centre crop of 224, ImageNet mean and standard
//! deviation; class names ship with cadet.

use burn::prelude::*;
use burn::tensor::activation::softmax;
use image::DynamicImage;
use serde::Serialize;

use super::Net;
use crate::core::dataset::{IMAGENET_MEAN, IMAGENET_STD};

static CLASS_NAMES: &str = include_str!("../../../assets/imagenet1k_class_names.json");

/// The 1000 ImageNet-1k class names in index order.
pub fn class_names() -> Vec<String> {
    serde_json::from_str(CLASS_NAMES).unwrap_or_default()
}

/// `[3, 224, 224]` normalised input for a photo.
pub fn preprocess(photo: &DynamicImage) -> Vec<f32> {
    let (w, h) = (photo.width().max(1), photo.height().max(1));
    let scale = 256.0 / w.min(h) as f64;
    let (rw, rh) = (((w as f64 * scale).round() as u32).max(224), ((h as f64 * scale).round() as u32).max(224));
    let resized = photo.resize_exact(rw, rh, image::imageops::FilterType::Triangle).to_rgb8();
    let (x0, y0) = ((rw - 224) / 2, (rh - 224) / 2);
    let mut out = vec![0f32; 3 * 224 * 224];
    for y in 0..224 {
        for x in 0..224 {
            let p = resized.get_pixel(x0 + x, y0 + y);
            for c in 0..3 {
                out[c * 224 * 224 + (y * 224 + x) as usize] =
                    (f32::from(p[c]) / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
            }
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    pub index: usize,
    pub name: String,
    pub probability: f64,
}

/// The `top` most likely ImageNet classes of a photo.
pub fn predict(net: &Net, device: &Device, photo: &DynamicImage, top: usize) -> Result<Vec<Prediction>, String> {
    let x = Tensor::<4>::from_data(TensorData::new(preprocess(photo), [1, 3, 224, 224]), device);
    let probs: Vec<f32> = softmax(net.valid().forward(x), 1).try_into_vec_as::<f32>().map_err(|e| format!("{e:?}"))?;
    let names = class_names();
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    Ok(order
        .into_iter()
        .take(top)
        .map(|i| Prediction {
            index: i,
            name: names.get(i).cloned().unwrap_or_else(|| format!("class {i}")),
            probability: f64::from(probs[i]),
        })
        .collect())
}
