//! The tri-planar viewer: axial, coronal and sagittal windows in radiological convention with a
//! shared 3-D cursor, window/level, zoom and pan, candidate, lesion and node-mask overlays.

mod cpu;
pub mod gpu;
pub mod mask;
pub mod overlay;

use eframe::egui::{self, Color32, Rect, Sense, Vec2, pos2, vec2};
use glam::DVec3;

pub use cpu::SliceTextures;
use gpu::{SliceCallback, SliceUniforms};
pub use mask::MaskTextures;

use super::state::{OpenVolume, ViewerState, Workspace};
use crate::core::sampling::{Plane, SliceGeometry};
use crate::core::window::Window;

/// How slices get to the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SliceRenderer {
    /// WGSL shader on the volume uploaded once.
    Gpu,
    /// Windowed slices extracted on the CPU and uploaded as textures.
    Cpu,
}

/// Where a view's image lies on screen, and the mapping between screen and voxels.
#[derive(Clone, Copy, Debug)]
pub struct ViewMapping {
    pub geom: SliceGeometry,
    pub image_rect: Rect,
    pub slice: f64,
}

impl ViewMapping {
    /// Continuous voxel coordinate under a screen position (on the current slice).
    pub fn voxel_at(&self, pos: egui::Pos2) -> DVec3 {
        let r = self.image_rect;
        let col = f64::from((pos.x - r.min.x) / r.width()) * self.geom.width as f64 - 0.5;
        let row = f64::from((pos.y - r.min.y) / r.height()) * self.geom.height as f64 - 0.5;
        self.geom.voxel_of(col, row, self.slice)
    }

    /// Screen position of a voxel coordinate (its projection onto the view) and its distance,
    /// in slices, from the shown slice.
    pub fn screen_of(&self, voxel: DVec3) -> (egui::Pos2, f64) {
        let (col, row, slice) = self.geom.screen_of(voxel);
        let r = self.image_rect;
        let x = r.min.x + ((col + 0.5) / self.geom.width as f64) as f32 * r.width();
        let y = r.min.y + ((row + 0.5) / self.geom.height as f64) as f32 * r.height();
        (pos2(x, y), slice - self.slice)
    }

    /// Screen pixels per millimetre.
    pub fn pixels_per_mm(&self) -> f32 {
        self.image_rect.width() / (self.geom.width as f64 * self.geom.col_spacing_mm) as f32
    }
}

/// The image rectangle of a view: physical aspect ratio, fitted into `area`, then zoomed and
/// panned.
fn image_rect(area: Rect, geom: &SliceGeometry, zoom: f32, pan: Vec2) -> Rect {
    let (w_mm, h_mm) = geom.size_mm();
    let scale = (area.width() / w_mm as f32).min(area.height() / h_mm as f32) * zoom;
    let size = vec2(w_mm as f32 * scale, h_mm as f32 * scale);
    Rect::from_center_size(area.center() + pan, size)
}

/// Per-frame inputs a view needs besides the state.
pub struct ViewContext<'a> {
    pub renderer: SliceRenderer,
    pub textures: &'a mut SliceTextures,
    pub mask_textures: &'a mut MaskTextures,
    pub workspace: &'a Workspace,
}

/// What a view asks the app to do after this frame.
#[derive(Debug, Default, PartialEq)]
pub struct ViewActions {
    pub toggle_maximize: Option<Plane>,
    pub export: Option<(Plane, bool)>,
    /// The quarter left free by the three views (none when one view is maximised).
    pub free_rect: Option<Rect>,
}

/// Draws the three views (or the maximised one) into `area`.
pub fn views_ui(ui: &mut egui::Ui, state: &mut ViewerState, ctx: &mut ViewContext<'_>) -> ViewActions {
    let mut actions = ViewActions::default();
    let Some(open) = &ctx.workspace.volume else {
        ui.centered_and_justified(|ui| ui.label("Open a volume or a study (File menu, or drop it here)."));
        return actions;
    };
    let area = ui.available_rect_before_wrap().intersect(ui.clip_rect());
    let planes: Vec<(Plane, Rect)> = match state.maximized {
        Some(p) => vec![(p, area)],
        None => {
            let half = vec2(area.width() / 2.0, area.height() / 2.0);
            actions.free_rect = Some(Rect::from_min_size(area.min + half, half));
            vec![
                (Plane::Axial, Rect::from_min_size(area.min, half)),
                (Plane::Coronal, Rect::from_min_size(area.min + vec2(half.x, 0.0), half)),
                (Plane::Sagittal, Rect::from_min_size(area.min + vec2(0.0, half.y), half)),
            ]
        }
    };
    state.hover = None;
    for (plane, rect) in planes {
        let a = view_ui(ui, state, ctx, open, plane, rect.shrink(2.0));
        actions.toggle_maximize = actions.toggle_maximize.or(a.toggle_maximize);
        actions.export = actions.export.or(a.export);
    }
    ui.allocate_rect(area, Sense::hover());
    actions
}

fn plane_index(plane: Plane) -> usize {
    match plane {
        Plane::Axial => 0,
        Plane::Coronal => 1,
        Plane::Sagittal => 2,
    }
}

fn rect_id(plane: Plane) -> egui::Id {
    egui::Id::unique(("cadet-view-rect", plane_index(plane)))
}

fn hovered_id() -> egui::Id {
    egui::Id::unique("cadet-hovered-view")
}

/// Where a view was drawn in the last frame.
pub fn view_rect(ctx: &egui::Context, plane: Plane) -> Option<Rect> {
    ctx.data(|d| d.get_temp::<Rect>(rect_id(plane)))
}

/// The view the mouse was over in the last frame.
pub fn hovered_plane(ctx: &egui::Context) -> Option<Plane> {
    ctx.data(|d| d.get_temp::<Plane>(hovered_id()))
}

fn view_ui(
    ui: &mut egui::Ui,
    state: &mut ViewerState,
    ctx: &mut ViewContext<'_>,
    open: &OpenVolume,
    plane: Plane,
    rect: Rect,
) -> ViewActions {
    let mut actions = ViewActions::default();
    let volume = &open.volume;
    let index = plane_index(plane);
    ui.data_mut(|d| d.insert_temp(rect_id(plane), rect));
    let geom = SliceGeometry::new(volume, plane);
    let response = ui.interact(rect, ui.scope_id().with(("view", index)), Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::BLACK);
    let slice = state.cursor_voxel[geom.slice_axis].round().clamp(0.0, geom.depth as f64 - 1.0);
    let t = state.transforms[index];
    let mapping = ViewMapping { geom, image_rect: image_rect(rect, &geom, t.zoom, t.pan), slice };

    match ctx.renderer {
        SliceRenderer::Gpu => {
            let uniforms = SliceUniforms::new(&geom, volume.dims(), slice, state.window);
            SliceCallback { index, uniforms }.paint(&painter, mapping.image_rect);
        }
        SliceRenderer::Cpu => {
            let request =
                cpu::SliceRequest { index, generation: open.generation, slice: slice as usize, window: state.window };
            let tex = ctx.textures.texture(ui.ctx(), volume, &geom, request);
            painter.image(tex, mapping.image_rect, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
        }
    }
    if let Some(mask) = open.mask.as_ref().filter(|_| state.show_mask) {
        let (generation, style) = (open.generation, state.mask_style);
        let tex = ctx.mask_textures.texture(ui.ctx(), mask, volume, &geom, index, generation, slice as usize, style);
        painter.image(tex, mapping.image_rect, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
    }
    overlay::draw(&painter, state, ctx.workspace, volume, &mapping);
    overlay::labels(&painter, rect, plane, slice as usize, &geom, volume, state.window);
    actions.export = export_buttons(ui, rect, plane, &mut actions.toggle_maximize, state.maximized == Some(plane));
    if response.hovered() {
        ui.data_mut(|d| d.insert_temp(hovered_id(), plane));
    }
    handle_input(ui, &response, state, volume, &mapping, index);
    actions
}

/// Small buttons in a view's top-right corner: maximise and export.
fn export_buttons(
    ui: &mut egui::Ui,
    rect: Rect,
    plane: Plane,
    maximize: &mut Option<Plane>,
    maximized: bool,
) -> Option<(Plane, bool)> {
    let mut export = None;
    let bar = Rect::from_min_size(pos2(rect.max.x - 150.0, rect.min.y + 2.0), vec2(148.0, 20.0));
    ui.scope_builder(
        egui::UiBuilder::new().max_rect(bar).layout(egui::Layout::right_to_left(egui::Align::Min)),
        |ui| {
            let label = if maximized { "Restore" } else { "Maximise" };
            if ui
                .small_button(label)
                .on_hover_text(format!("{label} the {} view", plane.label().to_lowercase()))
                .clicked()
            {
                *maximize = Some(plane);
            }
            ui.menu_button("PNG", |ui| {
                if ui.button("Save view as PNG… (as shown)").clicked() {
                    export = Some((plane, true));
                }
                if ui.button("Save view as PNG… (image only)").clicked() {
                    export = Some((plane, false));
                }
            })
            .response
            .on_hover_text(format!("Save the {} view as PNG", plane.label().to_lowercase()));
        },
    );
    export
}

/// Mouse and keyboard: click/drag moves the cursor, the wheel steps slices, Ctrl+wheel zooms,
/// middle-drag pans, right-drag changes the window, double-click maximises.
fn handle_input(
    ui: &egui::Ui,
    response: &egui::Response,
    state: &mut ViewerState,
    volume: &crate::core::volume::Volume,
    mapping: &ViewMapping,
    index: usize,
) {
    let geom = &mapping.geom;
    if let Some(pos) = response.hover_pos() {
        let voxel = mapping.voxel_at(pos);
        let world = volume.affine().world_from_voxel_point(voxel);
        let hu = volume.hu_at(voxel.x.round() as i64, voxel.y.round() as i64, voxel.z.round() as i64);
        state.hover = Some((world, hu));
        let (zoom, notches) = ui.input(|i| {
            let notches: f32 = i
                .events
                .iter()
                .map(|e| match e {
                    egui::Event::MouseWheel { unit, delta, modifiers, .. } if !modifiers.command => match unit {
                        egui::MouseWheelUnit::Line => delta.y,
                        egui::MouseWheelUnit::Page => delta.y * 10.0,
                        egui::MouseWheelUnit::Point => delta.y / 50.0,
                    },
                    _ => 0.0,
                })
                .sum();
            (i.zoom_delta(), notches)
        });
        if zoom != 1.0 {
            let t = &mut state.transforms[index];
            let old = t.zoom;
            t.zoom = (t.zoom * zoom).clamp(0.25, 40.0);
            // keep the point under the mouse in place
            let center = response.rect.center() + t.pan;
            t.pan += (pos - center) * (1.0 - t.zoom / old);
        }
        if notches != 0.0 {
            step_slice(state, geom, notches.round() as i64);
        }
    }
    let primary = response.dragged_by(egui::PointerButton::Primary) || response.clicked();
    if primary && let Some(pos) = response.interact_pointer_pos() {
        let mut v = mapping.voxel_at(pos);
        let d = volume.dims();
        for a in 0..3 {
            v[a] = v[a].clamp(0.0, d[a] as f64 - 1.0);
        }
        state.cursor_voxel = v;
    }
    if response.dragged_by(egui::PointerButton::Middle) {
        state.transforms[index].pan += response.drag_delta();
    }
    if response.dragged_by(egui::PointerButton::Secondary) {
        let d = response.drag_delta();
        let w = state.window;
        let width = (w.width_hu() + d.x * 4.0).max(1.0);
        let level = w.level_hu() - d.y * 2.0;
        state.window = Window::from_level_width(level, width);
        state.preset = None;
    }
    if response.double_clicked() {
        state.transforms[index] = Default::default();
    }
}

/// The viewer's navigation keys this frame: N and P step the items of a list (candidates, or
/// annotated ILD slices), Up/PageUp and Down/PageDown step slices; each as +1, −1 or 0.
pub struct NavKeys {
    pub item: i64,
    pub slice: i64,
}

impl NavKeys {
    pub fn read(ctx: &egui::Context) -> Self {
        ctx.input(|i| {
            let step = |plus: bool, minus: bool| i64::from(plus) - i64::from(minus);
            NavKeys {
                item: step(i.key_pressed(egui::Key::N), i.key_pressed(egui::Key::P)),
                slice: step(
                    i.key_pressed(egui::Key::PageUp) || i.key_pressed(egui::Key::ArrowUp),
                    i.key_pressed(egui::Key::PageDown) || i.key_pressed(egui::Key::ArrowDown),
                ),
            }
        })
    }
}

/// Moves the cursor `steps` slices along a view's slice axis.
pub fn step_slice(state: &mut ViewerState, geom: &SliceGeometry, steps: i64) {
    let a = geom.slice_axis;
    let v = (state.cursor_voxel[a].round() + steps as f64).clamp(0.0, geom.depth as f64 - 1.0);
    state.cursor_voxel[a] = v;
}
