//! Pictures of what a network holds: first-layer filters as an RGB mosaic (each filter's three
//! input channels are the view's axial, coronal and sagittal planes, or the three CT windows),
//! and a grid of activation maps with the strongest units outlined.

use serde::{Deserialize, Serialize};

use crate::core::choice::named_choice;
use crate::core::raster::RgbaImage;

/// How filter values map to brightness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilterNormalization {
    /// Each filter stretched over its own range (its structure shows, not its strength).
    PerFilter,
    /// One range for all filters (strengths compare).
    Global,
}

named_choice!(FilterNormalization, "filter normalisation", { PerFilter => "per-filter", Global => "global" });

const GRID: [u8; 4] = [60, 60, 60, 255];

fn range(values: &[f32]) -> (f32, f32) {
    values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
}

fn to_u8(v: f32, (lo, hi): (f32, f32)) -> u8 {
    if hi > lo { (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0).round() as u8 } else { 128 }
}

/// Rows and columns of a near-square grid of `n` tiles.
pub fn grid_shape(n: usize) -> (usize, usize) {
    let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
    (n.div_ceil(cols), cols)
}

/// A mosaic of filters `[n, c, kh, kw]` (row-major values): each enlarged `scale` times by
/// nearest neighbour, with a one-pixel grid. Channels beyond 3 are ignored; a single-channel
/// filter is shown grey.
pub fn filter_mosaic(
    weights: &[f32],
    shape: [usize; 4],
    normalization: FilterNormalization,
    scale: usize,
) -> RgbaImage {
    let [n, c, kh, kw] = shape;
    let scale = scale.max(1);
    let (rows, cols) = grid_shape(n);
    let (tw, th) = (kw * scale, kh * scale);
    let mut img = RgbaImage { width: cols * (tw + 1) + 1, height: rows * (th + 1) + 1, pixels: Vec::new() };
    img.pixels = vec![GRID; img.width * img.height];
    let per = c * kh * kw;
    let global = range(weights);
    for f in 0..n {
        let values = &weights[f * per..(f + 1) * per];
        let r = match normalization {
            FilterNormalization::PerFilter => range(values),
            FilterNormalization::Global => global,
        };
        let (x0, y0) = (1 + (f % cols) * (tw + 1), 1 + (f / cols) * (th + 1));
        for y in 0..kh {
            for x in 0..kw {
                let channel = |ch: usize| to_u8(values[ch.min(c - 1) * kh * kw + y * kw + x], r);
                let px = [channel(0), channel(1), channel(2), 255];
                for dy in 0..scale {
                    for dx in 0..scale {
                        img.pixels[(y0 + y * scale + dy) * img.width + x0 + x * scale + dx] = px;
                    }
                }
            }
        }
    }
    img
}

/// The `k` units with the largest maximum activation, strongest first.
pub fn top_units(maps: &[f32], shape: [usize; 3], k: usize) -> Vec<usize> {
    let [c, h, w] = shape;
    let mut peaks: Vec<(usize, f32)> =
        (0..c).map(|u| (u, maps[u * h * w..(u + 1) * h * w].iter().copied().fold(f32::MIN, f32::max))).collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    peaks.into_iter().take(k).map(|(u, _)| u).collect()
}

/// Activation maps `[c, h, w]` as a grid of grey tiles (one range for all units, so strong
/// units stand out), the given units outlined in colour.
pub fn activation_grid(maps: &[f32], shape: [usize; 3], highlight: &[usize], scale: usize) -> RgbaImage {
    let [c, h, w] = shape;
    let scale = scale.max(1);
    let (rows, cols) = grid_shape(c);
    let (tw, th) = (w * scale, h * scale);
    let mut img = RgbaImage { width: cols * (tw + 2) + 2, height: rows * (th + 2) + 2, pixels: Vec::new() };
    img.pixels = vec![[30, 30, 30, 255]; img.width * img.height];
    let r = (0.0, range(maps).1.max(1e-6));
    for u in 0..c {
        let (x0, y0) = (2 + (u % cols) * (tw + 2), 2 + (u / cols) * (th + 2));
        for y in 0..th {
            for x in 0..tw {
                let g = to_u8(maps[u * h * w + (y / scale) * w + x / scale], r);
                img.pixels[(y0 + y) * img.width + x0 + x] = [g, g, g, 255];
            }
        }
        if highlight.contains(&u) {
            for x in x0 - 1..=x0 + tw {
                img.pixels[(y0 - 1) * img.width + x] = [255, 80, 40, 255];
                img.pixels[(y0 + th) * img.width + x] = [255, 80, 40, 255];
            }
            for y in y0 - 1..=y0 + th {
                img.pixels[y * img.width + x0 - 1] = [255, 80, 40, 255];
                img.pixels[y * img.width + x0 + tw] = [255, 80, 40, 255];
            }
        }
    }
    img
}

/// The tile of unit `u` in an [`activation_grid`] at `scale`: (x, y, width, height).
pub fn activation_tile(shape: [usize; 3], u: usize, scale: usize) -> (usize, usize, usize, usize) {
    let [c, h, w] = shape;
    let (_, cols) = grid_shape(c);
    let (tw, th) = (w * scale.max(1), h * scale.max(1));
    (2 + (u % cols) * (tw + 2), 2 + (u / cols) * (th + 2), tw, th)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mosaic_layout_and_per_filter_normalisation() {
        // two 1×1 RGB filters: (0, 1, 2) and (10, 10, 20)
        let w = [0.0, 1.0, 2.0, 10.0, 10.0, 20.0];
        let img = filter_mosaic(&w, [2, 3, 1, 1], FilterNormalization::PerFilter, 2);
        // 2 filters: 1 row of 2 columns of 2×2 tiles with 1 px grid: 2·3 + 1 wide, 1·3 + 1 high
        assert_eq!((img.width, img.height), (7, 4));
        assert_eq!(img.pixels[0], GRID);
        assert_eq!(img.pixels[img.width + 1], [0, 128, 255, 255], "filter 0 stretched over 0..2");
        assert_eq!(img.pixels[img.width + 2], [0, 128, 255, 255], "nearest-neighbour enlargement");
        assert_eq!(img.pixels[img.width + 4], [0, 0, 255, 255], "filter 1 over 10..20");
        let global = filter_mosaic(&w, [2, 3, 1, 1], FilterNormalization::Global, 1);
        // one range 0..20: filter 0 is (0, 13, 26), filter 1 (128, 128, 255)
        assert_eq!(global.pixels[global.width + 1], [0, 13, 26, 255]);
        assert_eq!(global.pixels[global.width + 3], [128, 128, 255, 255]);
    }

    #[test]
    fn grid_and_top_units() {
        assert_eq!(grid_shape(96), (10, 10));
        assert_eq!(grid_shape(64), (8, 8));
        assert_eq!(grid_shape(5), (2, 3));
        let maps = [0.0, 1.0, 5.0, 0.0, 2.0, 2.0];
        assert_eq!(top_units(&maps, [3, 1, 2], 2), vec![1, 2]);
        let img = activation_grid(&maps, [3, 1, 2], &[1], 1);
        let (x, y, _, _) = activation_tile([3, 1, 2], 1, 1);
        assert_eq!(img.pixels[y * img.width + x], [255, 255, 255, 255], "the strongest value is white");
        assert_eq!(img.pixels[(y - 1) * img.width + x], [255, 80, 40, 255], "outlined");
    }
}
