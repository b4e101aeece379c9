//! Saving what a view shows as PNG: either the screen pixels of its rectangle (overlays
//! included) or the windowed slice alone at square pixels (as `cadet slice` does).

use std::path::Path;

use eframe::egui;
use glam::DVec3;

use crate::core::raster::RgbaImage;
use crate::core::sampling::{Plane, SliceGeometry};
use crate::core::volume::Volume;
use crate::core::window::Window;

/// Crops a screenshot to a view's rectangle and writes it.
pub fn save_screenshot(
    image: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
    path: &Path,
) -> Result<(), String> {
    let region = image.region(&rect, Some(pixels_per_point));
    let [w, h] = region.size;
    let pixels = region.pixels.iter().map(|c| [c.r(), c.g(), c.b(), 255]).collect();
    RgbaImage { width: w, height: h, pixels }.save_png(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Renders the cursor's slice of a view on the CPU and writes it.
pub fn save_slice_png(volume: &Volume, plane: Plane, cursor: DVec3, window: Window, path: &Path) -> Result<(), String> {
    let geom = SliceGeometry::new(volume, plane);
    let slice = cursor[geom.slice_axis].round().clamp(0.0, geom.depth as f64 - 1.0) as usize;
    let hu = geom.extract(volume, slice);
    let image = RgbaImage::from_hu(&hu, geom.width, geom.height, window).isotropic(
        geom.col_spacing_mm,
        geom.row_spacing_mm,
        1.0,
    );
    image.save_png(path).map_err(|e| format!("{}: {e}", path.display()))
}
