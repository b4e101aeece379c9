//! The sampled-FOV panel (the paper's Fig. 1): for the selected candidate (or the cursor), one
//! row per field of view with the axial, coronal and sagittal planes of a random 2.5D view and
//! their RGB composite. New random views on request (the seed is shown); hovering a row
//! outlines its planes in the main views; the grid exports as PNG.

use std::sync::Arc;

use eframe::egui;
use glam::DVec3;

use crate::core::geometry::random_rotation;
use crate::core::raster::RgbaImage;
use crate::core::sampling::{Interpolation, ViewSampler, ViewSpec};
use crate::core::seed::rng_for;
use crate::core::volume::Volume;
use crate::core::window::{Window, WindowPreset};

/// Pixels each view is sampled at.
pub const VIEW_SIZE: usize = 64;

/// What the grid shows; a change of any field means new views.
#[derive(Clone, Debug, PartialEq)]
pub struct FovRequest {
    pub generation: u64,
    pub center_world_mm: DVec3,
    pub fovs_mm: Vec<f64>,
    pub seed: u64,
    pub interpolation: Interpolation,
}

/// Sampled views, one per field of view, in HU.
pub struct FovViews {
    pub request: FovRequest,
    pub specs: Vec<ViewSpec>,
    pub views: Vec<Vec<f32>>,
}

/// Samples the grid's views (off the UI thread). Seed 0 gives axis-aligned planes; other seeds
/// a random rotation and shift (within 3 mm) per row.
pub fn sample_fov_views(volume: Arc<Volume>, request: FovRequest) -> FovViews {
    let sampler = ViewSampler::new(volume, request.interpolation);
    let specs: Vec<ViewSpec> = request
        .fovs_mm
        .iter()
        .enumerate()
        .map(|(row, &fov)| {
            let mut spec = ViewSpec::axial(request.center_world_mm, fov);
            if request.seed != 0 {
                let mut rng = rng_for(request.seed, &[row as u64]);
                spec.rotation = random_rotation(&mut rng).transpose().to_cols_array_2d();
                let shift = random_rotation(&mut rng).x_axis * 3.0 * rand::RngExt::random::<f64>(&mut rng).cbrt();
                spec.shift_mm = shift.to_array();
            }
            spec
        })
        .collect();
    let views = specs.iter().map(|s| sampler.sample(s, VIEW_SIZE)).collect();
    FovViews { request, specs, views }
}

/// The grid as one image: per row the three planes (grey) and the RGB composite.
pub fn compose_grid(views: &FovViews, window: Window, scale: usize) -> RgbaImage {
    let n = VIEW_SIZE;
    let gap = 4;
    let mut grid =
        RgbaImage::new(4 * (n + gap) - gap, views.views.len() * (n + gap) - gap.min(views.views.len() * (n + gap)));
    for (row, hu) in views.views.iter().enumerate() {
        let planes: Vec<f32> = hu.iter().map(|v| window.apply(*v)).collect();
        for c in 0..3 {
            let grey = &hu[c * n * n..(c + 1) * n * n];
            grid.blit(&RgbaImage::from_hu(grey, n, n, window), c * (n + gap), row * (n + gap));
        }
        grid.blit(&RgbaImage::from_rgb_planes(&planes, n), 3 * (n + gap), row * (n + gap));
    }
    grid.resized(grid.width * scale, grid.height * scale)
}

/// Panel state.
pub struct FovPanel {
    pub fovs_mm: Vec<f64>,
    pub seed: u64,
    pub interpolation: Interpolation,
    /// `None`: the viewer's window.
    pub window: Option<WindowPreset>,
    pub views: Option<FovViews>,
    pub pending: Option<FovRequest>,
    textures: Vec<egui::TextureHandle>,
    textured_for: Option<(FovRequest, Window)>,
}

impl Default for FovPanel {
    fn default() -> Self {
        Self {
            fovs_mm: vec![30.0, 45.0, 85.0, 128.0],
            seed: 0,
            interpolation: Interpolation::Linear,
            window: Some(WindowPreset::SoftTissue),
            views: None,
            pending: None,
            textures: Vec::new(),
            textured_for: None,
        }
    }
}

/// What the panel asks the app to do.
#[derive(Debug, Default, PartialEq)]
pub struct FovActions {
    pub sample: Option<FovRequest>,
    pub export: bool,
    /// World corners of the hovered row's three planes.
    pub highlight: Vec<[DVec3; 4]>,
}

impl FovPanel {
    pub fn window(&self, viewer: Window) -> Window {
        self.window.map_or(viewer, WindowPreset::window)
    }

    fn refresh_textures(&mut self, ctx: &egui::Context, window: Window) {
        let Some(views) = &self.views else { return };
        if self.textured_for.as_ref() == Some(&(views.request.clone(), window)) {
            return;
        }
        let n = VIEW_SIZE;
        self.textures.clear();
        for (row, hu) in views.views.iter().enumerate() {
            let planes: Vec<f32> = hu.iter().map(|v| window.apply(*v)).collect();
            let mut images: Vec<RgbaImage> =
                (0..3).map(|c| RgbaImage::from_hu(&hu[c * n * n..(c + 1) * n * n], n, n, window)).collect();
            images.push(RgbaImage::from_rgb_planes(&planes, n));
            for (c, img) in images.iter().enumerate() {
                let rgba: Vec<u8> = img.pixels.iter().flatten().copied().collect();
                let color = egui::ColorImage::from_rgba_unmultiplied([n, n], &rgba);
                self.textures.push(ctx.load_texture(format!("fov-{row}-{c}"), color, egui::TextureOptions::NEAREST));
            }
        }
        self.textured_for = Some((views.request.clone(), window));
    }
}

pub fn fov_panel_ui(
    ui: &mut egui::Ui,
    panel: &mut FovPanel,
    center: Option<(DVec3, String)>,
    generation: Option<u64>,
    viewer_window: Window,
) -> FovActions {
    let mut actions = FovActions::default();
    ui.horizontal(|ui| {
        ui.strong("Sampled fields of view");
        if let Some((_, what)) = &center {
            ui.label(format!("at {what}"));
        }
    });
    ui.horizontal_wrapped(|ui| {
        if ui.button("New random views").on_hover_text("Draw a new random rotation and shift per row").clicked() {
            panel.seed += 1;
        }
        if ui.button("Axis-aligned").on_hover_text("Seed 0: no rotation, no shift").clicked() {
            panel.seed = 0;
        }
        ui.label(format!("seed {}", panel.seed));
        egui::ComboBox::from_label("interpolation")
            .selected_text(match panel.interpolation {
                Interpolation::Linear => "linear",
                Interpolation::Bspline => "B-spline",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.interpolation, Interpolation::Linear, "linear");
                ui.selectable_value(&mut panel.interpolation, Interpolation::Bspline, "B-spline");
            });
        egui::ComboBox::from_label("view window")
            .selected_text(panel.window.map_or("as viewer", WindowPreset::label))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut panel.window, None, "as viewer");
                for p in WindowPreset::ALL {
                    ui.selectable_value(&mut panel.window, Some(p), p.label());
                }
            });
        if ui.button("Save grid as PNG…").clicked() {
            actions.export = true;
        }
    });
    ui.horizontal(|ui| {
        ui.label("FOV (mm)");
        for (i, fov) in panel.fovs_mm.iter_mut().enumerate() {
            ui.add(egui::DragValue::new(fov).range(5.0..=400.0).speed(1.0))
                .on_hover_text(format!("field of view of row {}", i + 1));
        }
    });
    let (Some((center_world_mm, _)), Some(generation)) = (center, generation) else {
        ui.label("Select a candidate (or click in a view) to sample its views.");
        return actions;
    };
    let request = FovRequest {
        generation,
        center_world_mm,
        fovs_mm: panel.fovs_mm.clone(),
        seed: panel.seed,
        interpolation: panel.interpolation,
    };
    let current = panel.views.as_ref().map(|v| &v.request);
    if current != Some(&request) && panel.pending.as_ref() != Some(&request) {
        panel.pending = Some(request.clone());
        actions.sample = Some(request);
    }
    let window = panel.window(viewer_window);
    panel.refresh_textures(ui.ctx(), window);
    let Some(views) = &panel.views else {
        ui.spinner();
        return actions;
    };
    let rows = views.specs.len().max(1) as f32;
    let size =
        ((ui.available_width() - 70.0) / 4.0).min((ui.available_height() - 30.0) / rows - 6.0).clamp(24.0, 160.0);
    egui::Grid::new("fov-grid").spacing([4.0, 4.0]).show(ui, |ui| {
        ui.label("");
        for title in ["axial", "coronal", "sagittal", "RGB"] {
            ui.label(title);
        }
        ui.end_row();
        for (row, spec) in views.specs.iter().enumerate() {
            ui.label(format!("{:.0} mm", spec.fov_mm));
            let mut hovered = false;
            for c in 0..4 {
                if let Some(tex) = panel.textures.get(row * 4 + c) {
                    let r = ui.add(
                        egui::Image::new(tex).fit_to_exact_size(egui::vec2(size, size)).sense(egui::Sense::hover()),
                    );
                    hovered |= r.hovered();
                }
            }
            if hovered {
                actions.highlight = (0..3).map(|c| spec.plane_corners_world_mm(c)).collect();
            }
            ui.end_row();
        }
    });
    actions
}
