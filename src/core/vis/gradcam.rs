//! Grad-CAM (Selvaraju et al., 2017) on the last convolutional block of every network, with
//! burn's autodiff: the gradient of one class's logit with respect to the block's output
//! activations `A` (`[c, h, w]`, what [`Net::features`] returns), averaged over each map, weighs
//! the maps: `cam = ReLU(Σ_k α_k A_k)` with `α_k = mean_ij ∂y_c/∂A_k,ij`. Upsampled to the input
//! and scaled to [0, 1] it shows where the evidence for the class lies.
//!
//! Guided Grad-CAM multiplies it with guided backpropagation of the same gradient to the input,
//! which needs a single reverse path: the plain chains only (CifarNet, AlexNet, VGG-16,
//! OverFeat), as the deconvnet.

use burn::prelude::*;

use super::deconv::{Rule, chain, forward};
use super::figure::ViewInput;
use super::{VisError, tensor_values};
use crate::core::models::Net;
use crate::core::raster::RgbaImage;
use crate::core::sampling::resize_bilinear;

/// The gradient of a class logit with respect to activations, and the activations.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassGradient {
    pub class: usize,
    pub logit: f32,
    /// `[c, h, w]` activations and their gradient, same layout.
    pub activations: Vec<f32>,
    pub gradient: Vec<f32>,
    pub shape: [usize; 3],
}

/// The gradient of `classify(A)[class]` with respect to `A` (`[1, c, h, w]`, any device; the
/// gradient is taken on its autodiff counterpart). `class` defaults to the highest logit.
pub fn class_gradient(
    activations: Tensor<4>,
    classify: impl Fn(Tensor<4>) -> Tensor<2>,
    class: Option<usize>,
) -> Result<ClassGradient, VisError> {
    let [_, c, h, w] = activations.dims();
    let device = activations.device();
    let autodiff = if device.is_autodiff() { device } else { device.autodiff() };
    let values = tensor_values(activations)?;
    let leaf = Tensor::<4>::from_data(TensorData::new(values.clone(), [1, c, h, w]), &autodiff).require_grad();
    let logits = classify(leaf.clone()); // [1, classes]
    let [_, classes] = logits.dims();
    let all = tensor_values(logits.clone().detach())?;
    let class = match class {
        Some(k) if k < classes => k,
        Some(class) => return Err(VisError::NoSuchClass { class, classes }),
        None => (0..classes).max_by(|&a, &b| all[a].total_cmp(&all[b])).unwrap_or(0),
    };
    let grads = logits.slice([0..1, class..class + 1]).sum().backward();
    let gradient = match leaf.grad(&grads) {
        Some(g) => tensor_values(g)?,
        // the logit does not depend on the activations at all
        None => vec![0.0; values.len()],
    };
    Ok(ClassGradient { class, logit: all[class], activations: values, gradient, shape: [c, h, w] })
}

/// The channel weights `α_k` (mean gradient per map) and the coarse map `ReLU(Σ_k α_k A_k)`
/// (`[h, w]`, unscaled).
pub fn cam_from_gradient(g: &ClassGradient) -> (Vec<f32>, Vec<f32>) {
    let [c, h, w] = g.shape;
    let hw = h * w;
    let weights: Vec<f32> = (0..c).map(|k| g.gradient[k * hw..(k + 1) * hw].iter().sum::<f32>() / hw as f32).collect();
    let coarse =
        (0..hw).map(|i| (0..c).map(|k| weights[k] * g.activations[k * hw + i]).sum::<f32>().max(0.0)).collect();
    (weights, coarse)
}

/// Grad-CAM of one view.
#[derive(Clone, Debug)]
pub struct GradCam {
    pub class: usize,
    pub logit: f32,
    /// `α_k` per channel of the last block.
    pub weights: Vec<f32>,
    /// `[h, w]` at the block's resolution, unscaled.
    pub coarse: Vec<f32>,
    pub coarse_size: [usize; 2],
    /// `[size, size]`, bilinearly upsampled and scaled to [0, 1] (all zero when the class has
    /// no positive evidence).
    pub map: Vec<f32>,
    /// Guided Grad-CAM `[3, size, size]` (guided backpropagation times `map`), for the plain
    /// chains.
    pub guided: Option<Vec<f32>>,
}

/// Grad-CAM (and guided Grad-CAM where the network is a plain chain) of `input` for `class`
/// (by default the predicted one).
pub fn grad_cam(net: &Net, input: &ViewInput, class: Option<usize>) -> Result<GradCam, VisError> {
    let device = Device::flex();
    let net = net.valid();
    let features = net.features(input.tensor(&device));
    let autodiff = device.clone().autodiff();
    // inference mode (dropout off, batch norm on its running statistics) on an autodiff device
    let head = net.clone().to_device(&autodiff);
    let g = class_gradient(features, |a| head.classify(a), class)?;
    let (weights, coarse) = cam_from_gradient(&g);
    let [_, h, w] = g.shape;
    let n = input.size;
    let map = upsample(&coarse, [h, w], n);
    let guided = match chain(&net) {
        Some(layers) => {
            let pass = forward(layers, input.tensor(&device));
            let signal = Tensor::from_data(TensorData::new(g.gradient.clone(), [1, g.shape[0], h, w]), &device);
            let back = tensor_values(pass.project_with(signal, Rule::Guided))?;
            Some(back.iter().enumerate().map(|(i, v)| v * map[i % (n * n)]).collect())
        }
        None => None,
    };
    Ok(GradCam { class: g.class, logit: g.logit, weights, coarse, coarse_size: [h, w], map, guided })
}

/// A `[h, w]` map brought to `size`×`size` (bilinear, half-pixel centres) and scaled so its
/// maximum is 1.
fn upsample(coarse: &[f32], [h, w]: [usize; 2], size: usize) -> Vec<f32> {
    // the maps are square in the zoo; a non-square one is first replicated to h×h
    let square: Vec<f32> =
        if h == w { coarse.to_vec() } else { (0..h * h).map(|i| coarse[(i / h) * w + (i % h) * w / h]).collect() };
    let up = resize_bilinear(&square, 1, h, size);
    let peak = up.iter().copied().fold(0f32, f32::max);
    if peak > 0.0 { up.iter().map(|v| v / peak).collect() } else { vec![0.0; up.len()] }
}

/// The map as a heat overlay (blue–red through yellow, alpha rising with the value) on `input`.
pub fn heatmap_overlay(input: &RgbaImage, map: &[f32]) -> RgbaImage {
    let mut out = input.clone();
    for (p, &v) in out.pixels.iter_mut().zip(map) {
        let v = v.clamp(0.0, 1.0);
        let heat = [
            (3.0 * v - 1.0).clamp(0.0, 1.0),
            (3.0 * v - 0.5).clamp(0.0, 1.0).min((3.0 - 3.0 * v).clamp(0.0, 1.0)),
            (1.0 - 2.0 * v).clamp(0.0, 1.0),
        ];
        let a = 0.6 * v;
        for c in 0..3 {
            p[c] = (f32::from(p[c]) * (1.0 - a) + 255.0 * heat[c] * a).round() as u8;
        }
    }
    out
}
