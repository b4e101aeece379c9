//! The lungs at the slice level: the paper's two ways of telling a slice-level network where
//! the lung is (§II-B, footnote 1, "no significant difference between two setups"):
//!
//! - [`LungFocus::Average`]: the slice overlaid with the average lung mask of the fold's
//!   training patients: each pixel is blended towards air by one minus the fraction of training
//!   slices whose lung covers it;
//! - [`LungFocus::Smooth`]: the slice's own lung boundary (the HUG mask, or estimated by
//!   morphology) and Gaussian smoothing outside it (σ = [`SMOOTH_SIGMA_MM`]), which keeps the
//!   lung's inside as it is and blurs the rest.
//!
//! Both act on the slice once, before its augmentations rotate and shift it.

pub mod mask;

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::IldError;
use super::database::{IldDatabase, IldSlice};
use crate::core::choice::named_choice;
pub use mask::{MaskSource, estimate_lung_mask, read_lung_mask};

/// σ of the smoothing outside the lung: blurs the chest wall's and mediastinum's detail (a few
/// millimetres) while keeping their mean attenuation.
pub const SMOOTH_SIGMA_MM: f64 = 5.0;

/// The side of the grid the average lung mask is kept on (slices of any size map onto it).
pub const AVERAGE_GRID: usize = 128;

/// How a slice-level input shows the lung.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LungFocus {
    /// The slice as it is.
    #[default]
    None,
    /// Overlaid with the training patients' average lung mask.
    Average,
    /// Smoothed outside the slice's own lung mask.
    Smooth,
}

named_choice!(LungFocus, "lung focus", { None => "none", Average => "average", Smooth => "smooth" });

impl LungFocus {
    /// What a configuration's label ("ri", "cifarnet ri") gains under this setting:
    /// ", lung average", or nothing for `none`.
    pub fn label_suffix(self) -> String {
        match self {
            LungFocus::None => String::new(),
            lung => format!(", lung {lung}"),
        }
    }
}

/// A slice's lung mask (row-major, the slice's size) and where it comes from: the slice's HUG
/// mask file when it has one, otherwise estimated from its HU.
pub fn slice_lung_mask(slice: &IldSlice, hu: &[f32]) -> Result<(Vec<bool>, MaskSource), IldError> {
    lung_mask_of(slice.lung_mask.as_deref(), hu, slice.rows(), slice.cols())
}

/// The lung mask of a `rows × cols` slice of HU: its mask file when it has one (`file`),
/// otherwise estimated.
pub fn lung_mask_of(
    file: Option<&Path>,
    hu: &[f32],
    rows: usize,
    cols: usize,
) -> Result<(Vec<bool>, MaskSource), IldError> {
    match file {
        Some(path) => Ok((read_lung_mask(path, rows, cols)?, MaskSource::Hug)),
        None => Ok((estimate_lung_mask(hu, rows, cols), MaskSource::Estimated)),
    }
}

/// The fraction of lung in each cell when a `rows × cols` mask is divided into `h × w` cells
/// (each mask pixel counted in the cell its centre falls in).
pub fn mask_fractions(mask: &[bool], rows: usize, cols: usize, h: usize, w: usize) -> Vec<f32> {
    let mut lung = vec![0u32; h * w];
    let mut all = vec![0u32; h * w];
    for r in 0..rows {
        let cr = (r * h / rows).min(h - 1);
        for c in 0..cols {
            let cell = cr * w + (c * w / cols).min(w - 1);
            all[cell] += 1;
            lung[cell] += u32::from(mask[r * cols + c]);
        }
    }
    lung.iter().zip(&all).map(|(&l, &a)| if a == 0 { 0.0 } else { l as f32 / a as f32 }).collect()
}

/// A mask box-averaged by an integer factor, as [`super::slices::shrink`] shrinks its slice (the
/// rows and columns past a whole block dropped): the fraction of lung per block.
pub fn shrink_mask(mask: &[bool], rows: usize, cols: usize, factor: usize) -> Vec<f32> {
    let f = factor.max(1);
    let (h, w) = (rows / f, cols / f);
    let kept: Vec<bool> = (0..h * f).flat_map(|r| mask[r * cols..r * cols + w * f].iter().copied()).collect();
    mask_fractions(&kept, h * f, w * f, h, w)
}

/// The average lung mask of a set of slices on an [`AVERAGE_GRID`]² grid: per cell, the mean
/// over slices of the fraction of lung in it.
#[derive(Clone, Debug, PartialEq)]
pub struct AverageLungMask {
    pub values: Vec<f32>,
    pub slices: usize,
}

impl AverageLungMask {
    /// The average of the lung masks of every annotated slice of `patients`.
    pub fn of_patients(db: &IldDatabase, patients: &[usize]) -> Result<AverageLungMask, IldError> {
        let g = AVERAGE_GRID;
        let slices: Vec<&IldSlice> = patients.iter().flat_map(|&p| &db.patients[p].slices).collect();
        let fractions = slices
            .par_iter()
            .map(|s| {
                let hu = s.load_hu()?;
                let (mask, _) = slice_lung_mask(s, &hu)?;
                Ok(mask_fractions(&mask, s.rows(), s.cols(), g, g))
            })
            .collect::<Result<Vec<_>, IldError>>()?;
        Ok(AverageLungMask::of_fractions(fractions))
    }

    /// The average of masks at hand (`(mask, rows, cols)` of every slice).
    pub fn of_masks<'a>(masks: impl Iterator<Item = (&'a [bool], usize, usize)>) -> AverageLungMask {
        let g = AVERAGE_GRID;
        AverageLungMask::of_fractions(masks.map(|(m, rows, cols)| mask_fractions(m, rows, cols, g, g)).collect())
    }

    fn of_fractions(fractions: Vec<Vec<f32>>) -> AverageLungMask {
        let g = AVERAGE_GRID;
        let mut values = vec![0f32; g * g];
        for f in &fractions {
            values.iter_mut().zip(f).for_each(|(v, x)| *v += x);
        }
        let n = fractions.len().max(1) as f32;
        values.iter_mut().for_each(|v| *v /= n);
        AverageLungMask { values, slices: fractions.len() }
    }

    /// The average on an `h × w` grid covering the same image (nearest cell).
    pub fn at(&self, h: usize, w: usize) -> Vec<f32> {
        let g = AVERAGE_GRID;
        (0..h * w)
            .map(|i| {
                let (r, c) = (i / w, i % w);
                let (gr, gc) = (((2 * r + 1) * g / (2 * h)).min(g - 1), ((2 * c + 1) * g / (2 * w)).min(g - 1));
                self.values[gr * g + gc]
            })
            .collect()
    }
}

/// Blends planar RGB (`[3, h, w]`) towards `outside` by `1 − weight` per pixel.
pub fn overlay(planes: &mut [f32], weights: &[f32], outside: [f32; 3]) {
    let n = weights.len();
    for (ch, plane) in planes.chunks_mut(n).enumerate() {
        for (v, &a) in plane.iter_mut().zip(weights) {
            *v = a * *v + (1.0 - a) * outside[ch];
        }
    }
}

/// The normalised Gaussian kernel of `sigma` pixels, truncated at 3σ.
fn gaussian_kernel(sigma: f64) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil().max(1.0) as i64;
    let k: Vec<f64> = (-radius..=radius).map(|x| (-(x * x) as f64 / (2.0 * sigma * sigma)).exp()).collect();
    let sum: f64 = k.iter().sum();
    k.iter().map(|v| (v / sum) as f32).collect()
}

/// One plane (`h × w`) smoothed by a separable Gaussian of `sigma` pixels, edges clamped.
pub fn gaussian_blur(plane: &[f32], h: usize, w: usize, sigma: f64) -> Vec<f32> {
    let k = gaussian_kernel(sigma);
    let radius = (k.len() / 2) as i64;
    let tap = |i: i64, n: usize| i.clamp(0, n as i64 - 1) as usize;
    let mut rows_done = vec![0f32; h * w];
    for r in 0..h {
        for c in 0..w {
            rows_done[r * w + c] =
                k.iter().enumerate().map(|(j, &kj)| kj * plane[r * w + tap(c as i64 + j as i64 - radius, w)]).sum();
        }
    }
    let mut out = vec![0f32; h * w];
    for r in 0..h {
        for c in 0..w {
            out[r * w + c] =
                k.iter().enumerate().map(|(j, &kj)| kj * rows_done[tap(r as i64 + j as i64 - radius, h) * w + c]).sum();
        }
    }
    out
}

/// Planar RGB (`[3, h, w]`) kept where `inside` is 1 and Gaussian-smoothed (`sigma` pixels)
/// where it is 0, blended in between.
pub fn smooth_outside(planes: &mut [f32], h: usize, w: usize, inside: &[f32], sigma: f64) {
    for plane in planes.chunks_mut(h * w) {
        let blurred = gaussian_blur(plane, h, w, sigma);
        for ((v, &b), &a) in plane.iter_mut().zip(&blurred).zip(inside) {
            *v = a * *v + (1.0 - a) * b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_overlay_and_smoothing_by_hand() {
        // a 4 × 4 mask with its left half lung, in 2 × 2 cells: 1, 0 / 1, 0
        let mask: Vec<bool> = (0..16).map(|i| i % 4 < 2).collect();
        assert_eq!(mask_fractions(&mask, 4, 4, 2, 2), [1.0, 0.0, 1.0, 0.0]);
        // a 2 × 2 mask with one lung pixel in one 1 × 1 cell: a quarter
        assert_eq!(mask_fractions(&[true, false, false, false], 2, 2, 1, 1), [0.25]);
        // shrinking a 5 × 5 mask by 2 drops its last row and column: 2 × 2 blocks of the 4 × 4
        let five: Vec<bool> = (0..25).map(|i| i % 5 == 0 || i >= 20).collect();
        assert_eq!(shrink_mask(&five, 5, 5, 2), [0.5, 0.0, 0.5, 0.0]);
        // weight 0.25 moves 0.8 three quarters of the way to 0: 0.2
        let mut planes = vec![0.8f32, 0.8, 0.8];
        overlay(&mut planes, &[0.25], [0.0, 0.4, 0.8]);
        assert!((planes[0] - 0.2).abs() < 1e-6 && (planes[1] - 0.5).abs() < 1e-6 && (planes[2] - 0.8).abs() < 1e-6);
        // the kernel sums to one; a constant plane stays constant, an impulse spreads symmetrically
        let k = gaussian_kernel(1.0);
        assert_eq!(k.len(), 7);
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(gaussian_blur(&[0.3; 25], 5, 5, 1.0).iter().all(|v| (v - 0.3).abs() < 1e-6));
        let mut impulse = vec![0f32; 81];
        impulse[40] = 1.0;
        let b = gaussian_blur(&impulse, 9, 9, 1.0);
        // the centre keeps k0², with k0 = 1 / Σ exp(−x²/2) over x = −3..3
        let k0 = 1.0 / (-3i32..=3).map(|x| (-(x * x) as f64 / 2.0).exp()).sum::<f64>();
        assert!((f64::from(b[40]) - k0 * k0).abs() < 1e-6);
        assert!((b[39] - b[41]).abs() < 1e-7 && (b[31] - b[49]).abs() < 1e-7 && (b[39] - b[31]).abs() < 1e-7);
        // inside (1) keeps the impulse, outside (0) takes the blurred value
        let mut one = impulse.clone();
        smooth_outside(&mut one, 9, 9, &[1.0; 81], 1.0);
        assert_eq!(one, impulse);
        smooth_outside(&mut impulse, 9, 9, &[0.0; 81], 1.0);
        assert_eq!(impulse, b);
    }

    #[test]
    fn the_average_maps_onto_any_grid() {
        let g = AVERAGE_GRID;
        // left half lung on the grid
        let values: Vec<f32> = (0..g * g).map(|i| if i % g < g / 2 { 1.0 } else { 0.0 }).collect();
        let avg = AverageLungMask { values, slices: 1 };
        assert_eq!(avg.at(2, 2), [1.0, 0.0, 1.0, 0.0]);
        assert_eq!(avg.at(1, 4), [1.0, 1.0, 0.0, 0.0]);
    }
}
