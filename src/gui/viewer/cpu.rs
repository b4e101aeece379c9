//! The CPU slice path (used when no wgpu device is available, and for exports): the windowed
//! slice is extracted on the CPU and uploaded as an egui texture, only when the slice, the
//! window or the volume changed.

use eframe::egui;

use crate::core::sampling::SliceGeometry;
use crate::core::volume::Volume;
use crate::core::window::Window;

#[derive(Clone, Copy, PartialEq)]
struct Key {
    generation: u64,
    slice: usize,
    lower: f32,
    upper: f32,
}

/// Which slice of which view, as what window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceRequest {
    pub index: usize,
    pub generation: u64,
    pub slice: usize,
    pub window: Window,
}

/// One cached texture per view.
#[derive(Default)]
pub struct SliceTextures {
    cached: [Option<(Key, egui::TextureHandle)>; 3],
}

impl SliceTextures {
    /// The texture of view `index` showing `slice`, re-rendered only when needed.
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        volume: &Volume,
        geom: &SliceGeometry,
        request: SliceRequest,
    ) -> egui::TextureId {
        let SliceRequest { index, generation, slice, window } = request;
        let key = Key { generation, slice, lower: window.lower_hu, upper: window.upper_hu };
        if let Some((k, tex)) = &self.cached[index]
            && *k == key
        {
            return tex.id();
        }
        let hu = geom.extract(volume, slice);
        let gray: Vec<u8> = hu.iter().map(|v| window.apply_u8(*v)).collect();
        let image = egui::ColorImage::from_gray([geom.width, geom.height], &gray);
        let handle = match self.cached[index].take() {
            Some((_, mut tex)) => {
                tex.set(image, egui::TextureOptions::LINEAR);
                tex
            }
            None => ctx.load_texture(format!("slice-{index}"), image, egui::TextureOptions::LINEAR),
        };
        let id = handle.id();
        self.cached[index] = Some((key, handle));
        id
    }
}
