//! What is drawn over a slice: the crosshair, candidates (positive, negative and unknown told
//! apart by shape as well as colour), true nodes as circles where the slice cuts them, outlines
//! of sampled views, orientation letters and the slice number.

use eframe::egui::{self, Align2, Color32, FontId, Painter, Pos2, Rect, Stroke, pos2, vec2};
use glam::DVec3;

use super::ViewMapping;
use crate::core::sampling::{Plane, SliceGeometry};
use crate::core::study::Label;
use crate::core::volume::Volume;
use crate::core::window::Window;
use crate::gui::state::{ViewerState, Workspace};

pub const POSITIVE: Color32 = Color32::from_rgb(80, 220, 110);
pub const NEGATIVE: Color32 = Color32::from_rgb(255, 120, 60);
pub const LESION: Color32 = Color32::from_rgb(60, 200, 255);
const CROSSHAIR: Color32 = Color32::from_rgba_premultiplied(200, 60, 60, 160);

/// A candidate marker: diamond (positive), cross (negative), square (unknown).
pub fn marker(painter: &Painter, at: Pos2, label: Label, size: f32, selected: bool) {
    let width = if selected { 2.5 } else { 1.5 };
    let s = size;
    match label {
        Label::Positive => {
            let pts = vec![pos2(at.x, at.y - s), pos2(at.x + s, at.y), pos2(at.x, at.y + s), pos2(at.x - s, at.y)];
            painter.add(egui::Shape::closed_line(pts, Stroke::new(width, POSITIVE)));
        }
        Label::Negative => {
            let stroke = Stroke::new(width, NEGATIVE);
            painter.line_segment([pos2(at.x - s, at.y - s), pos2(at.x + s, at.y + s)], stroke);
            painter.line_segment([pos2(at.x - s, at.y + s), pos2(at.x + s, at.y - s)], stroke);
        }
    }
    if selected {
        painter.circle_stroke(at, s * 1.9, Stroke::new(1.0, Color32::WHITE));
    }
}

pub fn draw(painter: &Painter, state: &ViewerState, workspace: &Workspace, volume: &Volume, mapping: &ViewMapping) {
    let world_to_voxel = |p: DVec3| volume.affine().voxel_from_world_point(p);
    if state.show_crosshair {
        let (c, _) = mapping.screen_of(state.cursor_voxel);
        let r = mapping.image_rect;
        let stroke = Stroke::new(1.0, CROSSHAIR);
        painter.line_segment([pos2(r.min.x, c.y), pos2(r.max.x, c.y)], stroke);
        painter.line_segment([pos2(c.x, r.min.y), pos2(c.x, r.max.y)], stroke);
    }
    let slice_mm = mapping.geom.slice_spacing_mm;
    let ppm = mapping.pixels_per_mm();
    if let Some(patient) = workspace.patient().filter(|_| workspace.volume.is_some()) {
        if state.show_lesions {
            for lesion in &patient.lesions {
                let (at, ds) = mapping.screen_of(world_to_voxel(lesion.center()));
                let d_mm = ds.abs() * slice_mm;
                let r_mm = lesion.radius_mm();
                if d_mm < r_mm {
                    let cut = (r_mm * r_mm - d_mm * d_mm).sqrt() as f32;
                    painter.circle_stroke(at, (cut * ppm).max(2.0), Stroke::new(1.5, LESION));
                }
            }
        }
        if state.show_candidates {
            for c in &patient.candidates {
                let (at, ds) = mapping.screen_of(world_to_voxel(c.center()));
                if ds.abs() * slice_mm <= (1.5 * slice_mm).max(3.0) {
                    marker(painter, at, c.label, 5.0, workspace.candidate == Some(c.id));
                }
            }
        }
    }
    for corners in &state.highlight_planes {
        let pts: Vec<Pos2> = corners.iter().map(|w| mapping.screen_of(world_to_voxel(*w)).0).collect();
        painter.add(egui::Shape::closed_line(pts, Stroke::new(1.5, Color32::from_rgb(255, 0, 255))));
    }
}

/// View name, slice number, window and the orientation letters at the edges.
pub fn labels(
    painter: &Painter,
    rect: Rect,
    plane: Plane,
    slice: usize,
    geom: &SliceGeometry,
    volume: &Volume,
    window: Window,
) {
    let font = FontId::proportional(13.0);
    let text = Color32::from_rgb(230, 230, 120);
    painter.text(
        rect.left_top() + vec2(6.0, 4.0),
        Align2::LEFT_TOP,
        format!("{}  {}/{}", plane.label(), slice + 1, geom.depth),
        font.clone(),
        text,
    );
    painter.text(
        rect.left_bottom() + vec2(6.0, -4.0),
        Align2::LEFT_BOTTOM,
        format!("W [{:.0}, {:.0}] HU", window.lower_hu, window.upper_hu),
        FontId::proportional(11.0),
        text,
    );
    let [l, r, t, b] = geom.edge_letters(volume);
    let big = FontId::proportional(15.0);
    let letter = Color32::from_rgb(255, 200, 80);
    painter.text(pos2(rect.min.x + 6.0, rect.center().y), Align2::LEFT_CENTER, l, big.clone(), letter);
    painter.text(pos2(rect.max.x - 6.0, rect.center().y), Align2::RIGHT_CENTER, r, big.clone(), letter);
    painter.text(pos2(rect.center().x, rect.min.y + 22.0), Align2::CENTER_TOP, t, big.clone(), letter);
    painter.text(pos2(rect.center().x, rect.max.y - 4.0), Align2::CENTER_BOTTOM, b, big, letter);
}
