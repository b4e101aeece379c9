//! The view figures that `cadet deconv`, `cadet explain` and the Visualisation tab share,
//! computed once here: a run's network input for a view, the last pooling layer's maps with
//! the strongest units, deconvnet reconstructions of chosen units, and the one-picture sheet
//! the command line writes.

use std::sync::Arc;

use burn::prelude::*;
use glam::DVec3;

use super::deconv::{chain, forward};
use super::mosaic::{activation_grid, top_units};
use super::{VisError, overlay, reconstruction_image, tensor_values};
use crate::core::models::Net;
use crate::core::raster::RgbaImage;
use crate::core::sampling::{ViewSampler, ViewSpec};
use crate::core::train::TrainConfig;
use crate::core::volume::Volume;

/// A view as the network sees it.
#[derive(Clone, Debug)]
pub struct ViewInput {
    /// Network input `[3, size, size]` (windowed and normalised as the run's pipeline does).
    pub values: Vec<f32>,
    pub size: usize,
    /// The input as a picture (normalised values mapped around mid-grey).
    pub image: RgbaImage,
}

impl ViewInput {
    pub fn new(values: Vec<f32>, size: usize) -> Self {
        let image = RgbaImage::from_rgb_planes(&values.iter().map(|v| v * 0.25 + 0.5).collect::<Vec<_>>(), size);
        Self { values, size, image }
    }

    /// An axial view of `fov_mm` centred at `center_world_mm`, rendered by the run's pipeline.
    pub fn axial(config: &TrainConfig, volume: Arc<Volume>, center_world_mm: DVec3, fov_mm: f64) -> Self {
        let pipeline = config.pipeline();
        let sampler = ViewSampler::new(volume, config.interpolation);
        let n = pipeline.input_size;
        let mut values = vec![0f32; 3 * n * n];
        pipeline.render_into(&sampler, &ViewSpec::axial(center_world_mm, fov_mm), None, &mut values);
        Self::new(values, n)
    }

    /// `[1, 3, size, size]` on `device`.
    pub fn tensor(&self, device: &Device) -> Tensor<4> {
        Tensor::from_data(TensorData::new(self.values.clone(), [1, 3, self.size, self.size]), device)
    }
}

/// Which units of the last pooling layer to project back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    /// None (only the maps).
    Nothing,
    One(usize),
    /// The `k` strongest.
    Strongest(usize),
}

/// One unit projected back to input space.
#[derive(Clone, Debug)]
pub struct Reconstruction {
    pub unit: usize,
    /// `[3, size, size]`, signed.
    pub values: Vec<f32>,
    pub image: RgbaImage,
    /// Its magnitude in red over the input.
    pub overlay: RgbaImage,
}

/// The last pooling layer's maps of a view and the deconvnet reconstructions asked for.
#[derive(Clone, Debug)]
pub struct PoolFigures {
    /// `[c, h, w]` values and shape.
    pub maps: Vec<f32>,
    pub shape: [usize; 3],
    /// Units by decreasing peak activation (at most the number asked for).
    pub strongest: Vec<usize>,
    /// Empty when the network has no plain chain to reverse (GoogLeNet, EfficientNet).
    pub reconstructions: Vec<Reconstruction>,
    /// Whether the deconvnet could run (the network is a plain chain).
    pub deconvnet: bool,
}

/// The maps of `input` through `net`, the `strongest` strongest units, and the reconstructions
/// of `units` where the network is a plain chain.
pub fn pool_figures(net: &Net, input: &ViewInput, units: Units, strongest: usize) -> Result<PoolFigures, VisError> {
    let x = input.tensor(&Device::flex());
    let Some(layers) = chain(net) else {
        let f = net.features(x);
        let [_, c, h, w] = f.dims();
        let maps = tensor_values(f)?;
        let strongest = top_units(&maps, [c, h, w], strongest);
        return Ok(PoolFigures { maps, shape: [c, h, w], strongest, reconstructions: Vec::new(), deconvnet: false });
    };
    let pass = forward(layers, x);
    let [_, c, h, w] = pass.output.dims();
    let maps = tensor_values(pass.output.clone())?;
    let chosen = match units {
        Units::Nothing => Vec::new(),
        Units::One(u) if u < c => vec![u],
        Units::One(unit) => return Err(VisError::NoSuchUnit { unit, units: c }),
        Units::Strongest(k) => top_units(&maps, [c, h, w], k),
    };
    let n = input.size;
    let reconstructions = chosen
        .into_iter()
        .map(|unit| {
            let values = tensor_values(pass.reconstruct(unit))?;
            let image = reconstruction_image(&values, [n, n]);
            let overlay = overlay(&input.image, &values);
            Ok(Reconstruction { unit, values, image, overlay })
        })
        .collect::<Result<_, VisError>>()?;
    let strongest = top_units(&maps, [c, h, w], strongest);
    Ok(PoolFigures { maps, shape: [c, h, w], strongest, reconstructions, deconvnet: true })
}

/// One picture: the input and the maps (reconstructed units outlined) on top, then per unit its
/// reconstruction beside its overlay; `scale` pixels per input pixel.
pub fn deconv_sheet(input: &ViewInput, figures: &PoolFigures, scale: usize) -> RgbaImage {
    let n = input.size;
    let [_, h, _] = figures.shape;
    let units: Vec<usize> = figures.reconstructions.iter().map(|r| r.unit).collect();
    let grid = activation_grid(&figures.maps, figures.shape, &units, (n * scale / (h * 6)).max(2));
    let tile = n * scale;
    let width = 2 * tile + 12;
    let top = tile.max(grid.height) + 6;
    let height = top + units.len() * (tile + 6);
    let mut canvas = RgbaImage::new(width.max(tile + grid.width + 12), height);
    canvas.blit(&input.image.resized(tile, tile), 0, 0);
    canvas.blit(&grid, tile + 12, 0);
    for (i, r) in figures.reconstructions.iter().enumerate() {
        let y = top + i * (tile + 6);
        canvas.blit(&r.image.resized(tile, tile), 0, y);
        canvas.blit(&r.overlay.resized(tile, tile), tile + 12, y);
    }
    canvas
}

/// Pictures side by side, each resized to `tile`×`tile`, 4 px apart.
pub fn strip(images: &[&RgbaImage], tile: usize) -> RgbaImage {
    let mut canvas = RgbaImage::new((images.len() * (tile + 4)).saturating_sub(4).max(1), tile);
    for (i, img) in images.iter().enumerate() {
        canvas.blit(&img.resized(tile, tile), i * (tile + 4), 0);
    }
    canvas
}
