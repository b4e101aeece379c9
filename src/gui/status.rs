//! The status bar: voxel index, RAS millimetres and HU under the mouse, the cursor's slices,
//! obliquity, the renderer and background work in progress.

use eframe::egui;

use super::state::{OpenVolume, ViewerState};
use super::viewer::SliceRenderer;
use crate::core::open::VolumeSource;
use crate::core::sampling::{Plane, SliceGeometry};

/// What the status bar shows.
pub struct StatusView<'a> {
    pub volume: Option<&'a OpenVolume>,
    pub viewer: &'a ViewerState,
    pub renderer: SliceRenderer,
    /// The background job in progress, if any.
    pub job: Option<&'a str>,
}

pub fn status_bar_ui(ui: &mut egui::Ui, app: StatusView<'_>) {
    ui.horizontal(|ui| {
        if let Some(open) = app.volume {
            let volume = &open.volume;
            if let Some((world, hu)) = app.viewer.hover {
                let v = volume.affine().voxel_from_world_point(world).round();
                ui.monospace(format!("voxel ({:.0}, {:.0}, {:.0})", v.x, v.y, v.z));
                ui.monospace(format!("RAS ({:.1}, {:.1}, {:.1}) mm", world.x, world.y, world.z));
                ui.monospace(match hu {
                    Some(h) => format!("{h:.0} HU"),
                    None => "outside".into(),
                });
                ui.separator();
            }
            let slices: Vec<String> = Plane::ALL
                .iter()
                .map(|&p| {
                    let g = SliceGeometry::new(volume, p);
                    format!(
                        "{} {}/{}",
                        &p.label()[..3],
                        app.viewer.cursor_voxel[g.slice_axis].round() as usize + 1,
                        g.depth
                    )
                })
                .collect();
            ui.monospace(slices.join("  "));
            let oblique = volume.affine().obliquity_deg();
            if oblique > 0.01 {
                ui.separator();
                ui.colored_label(egui::Color32::YELLOW, format!("oblique by {oblique:.1}°, shown on the nearest axes"));
            }
            ui.separator();
            let series = match &open.source {
                VolumeSource::Dicom(info) => format!(", DICOM series {}", info.summary.line()),
                VolumeSource::Nifti(_) => String::new(),
            };
            let text = format!(
                "{} ({}{series})",
                open.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                volume.affine().orientation()
            );
            // leave room for the renderer and job labels on the right; the full text on hover
            let room = (ui.available_width() - 260.0).max(80.0);
            ui.allocate_ui(egui::vec2(room, ui.available_height()), |ui| {
                ui.add(egui::Label::new(text.as_str()).truncate()).on_hover_text(text.as_str());
            });
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(match app.renderer {
                SliceRenderer::Gpu => "GPU slices",
                SliceRenderer::Cpu => "CPU slices",
            });
            if let Some(job) = app.job {
                ui.separator();
                ui.label(job);
                ui.spinner();
            }
        });
    });
}
