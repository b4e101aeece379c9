//! The node-mask overlay: a patient's instance-label mask drawn over each view as outlines or
//! a translucent fill, one colour per node, from a texture rebuilt only when the slice, the
//! style or the volume changes.

use eframe::egui::{self, Color32};

use crate::core::mask::NodeMask;
use crate::core::sampling::SliceGeometry;
use crate::core::volume::Volume;

/// How the mask is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MaskStyle {
    /// The voxels on each node's border, opaque.
    #[default]
    Outline,
    /// Every voxel of each node, translucent.
    Fill,
}

/// Opacity of the fill style.
const FILL_ALPHA: u8 = 110;

/// A node's colour: hues a golden angle apart, so neighbouring ids look different.
pub fn node_colour(label: u16) -> Color32 {
    let hue = (f32::from(label) * 0.381_966).fract();
    Color32::from(egui::ecolor::Hsva::new(hue, 0.85, 1.0, 1.0))
}

/// The overlay of one slice: labels (row-major, `width × height`) as RGBA.
pub fn mask_image(labels: &[u16], width: usize, height: usize, style: MaskStyle) -> egui::ColorImage {
    let at = |col: usize, row: usize| labels[row * width + col];
    let mut pixels = vec![Color32::TRANSPARENT; width * height];
    for row in 0..height {
        for col in 0..width {
            let label = at(col, row);
            if label == 0 {
                continue;
            }
            let border = col == 0
                || row == 0
                || col + 1 == width
                || row + 1 == height
                || at(col - 1, row) != label
                || at(col + 1, row) != label
                || at(col, row - 1) != label
                || at(col, row + 1) != label;
            let colour = node_colour(label);
            pixels[row * width + col] = match style {
                MaskStyle::Outline if border => colour,
                MaskStyle::Outline => continue,
                MaskStyle::Fill => Color32::from_rgba_unmultiplied(colour.r(), colour.g(), colour.b(), FILL_ALPHA),
            };
        }
    }
    egui::ColorImage::new([width, height], pixels)
}

#[derive(Clone, Copy, PartialEq)]
struct Key {
    generation: u64,
    slice: usize,
    style: MaskStyle,
}

/// One cached overlay texture per view.
#[derive(Default)]
pub struct MaskTextures {
    cached: [Option<(Key, egui::TextureHandle)>; 3],
}

impl MaskTextures {
    /// The overlay texture of view `index` on `slice`, rebuilt only when needed.
    #[allow(clippy::too_many_arguments)]
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        mask: &NodeMask,
        volume: &Volume,
        geom: &SliceGeometry,
        index: usize,
        generation: u64,
        slice: usize,
        style: MaskStyle,
    ) -> egui::TextureId {
        let key = Key { generation, slice, style };
        if let Some((k, tex)) = &self.cached[index]
            && *k == key
        {
            return tex.id();
        }
        let labels = mask.mask.slice_labels(geom, volume.affine(), slice);
        let image = mask_image(&labels, geom.width, geom.height, style);
        let handle = match self.cached[index].take() {
            Some((_, mut tex)) => {
                tex.set(image, egui::TextureOptions::NEAREST);
                tex
            }
            None => ctx.load_texture(format!("mask-{index}"), image, egui::TextureOptions::NEAREST),
        };
        let id = handle.id();
        self.cached[index] = Some((key, handle));
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_keeps_the_border_and_fill_covers_the_node() {
        // a 3×3 node (label 2) in a 5×5 slice, a single-voxel node (label 5) in the corner
        let mut labels = vec![0u16; 25];
        for row in 1..4 {
            for col in 1..4 {
                labels[row * 5 + col] = 2;
            }
        }
        labels[0] = 5;
        let outline = mask_image(&labels, 5, 5, MaskStyle::Outline);
        let coloured = |img: &egui::ColorImage| img.pixels.iter().filter(|p| p.a() > 0).count();
        assert_eq!(coloured(&outline), 9, "the 8 border voxels of the 3×3 node and the single voxel");
        assert_eq!(outline.pixels[2 * 5 + 2], Color32::TRANSPARENT, "the node's centre is open");
        assert_eq!(outline.pixels[5 + 1], node_colour(2));
        let fill = mask_image(&labels, 5, 5, MaskStyle::Fill);
        assert_eq!(coloured(&fill), 10);
        assert_eq!(fill.pixels[2 * 5 + 2].a(), FILL_ALPHA);
        assert_ne!(node_colour(1), node_colour(2));
        assert_ne!(node_colour(2), node_colour(3));
    }
}
