//! The menu bar (File, View) and the viewer's toolbar (window presets and values, overlay
//! toggles, the node-mask style).

use std::path::PathBuf;

use eframe::egui;

use super::dicom_panel::DicomPanel;
use super::state::{Settings, ViewerState};
use super::viewer::SliceRenderer;
use super::viewer::mask::MaskStyle;
use crate::core::sampling::Plane;
use crate::core::window::{Window, WindowPreset};

/// What a menu click asks for.
#[derive(Debug, PartialEq)]
pub enum MenuAction {
    OpenVolume,
    OpenDicom,
    OpenStudy,
    Open(PathBuf),
    Quit,
}

/// What the menu bar shows and changes.
pub struct MenuState<'a> {
    pub settings: &'a mut Settings,
    pub viewer: &'a mut ViewerState,
    pub dicom: &'a mut DicomPanel,
    pub renderer: &'a mut SliceRenderer,
}

/// Where the volume cache lives: the default folder, or one the user typed (kept in settings).
fn cache_settings_ui(ui: &mut egui::Ui, cache_dir: &mut Option<PathBuf>) {
    ui.label(format!("now: {}", crate::core::cache::VolumeCache::shared().dir().display()));
    let l = ui.label("move to (empty: the default)");
    let mut text = cache_dir.as_ref().map_or(String::new(), |p| p.display().to_string());
    if ui.text_edit_singleline(&mut text).labelled_by(l.id).changed() {
        *cache_dir = (!text.trim().is_empty()).then(|| PathBuf::from(text.trim()));
        crate::core::cache::configure(cache_dir.clone());
    }
}

pub fn menu_bar_ui(ui: &mut egui::Ui, app: MenuState<'_>) -> Vec<MenuAction> {
    let mut actions = Vec::new();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open volume…").clicked() {
                actions.push(MenuAction::OpenVolume);
            }
            if ui.button("Open DICOM folder…").clicked() {
                actions.push(MenuAction::OpenDicom);
            }
            if ui.button("Open study…").clicked() {
                actions.push(MenuAction::OpenStudy);
            }
            if ui.button("Open the sample study").clicked() {
                actions.push(MenuAction::Open(crate::core::sample_data::sample_data_dir().join("synthetic")));
            }
            if ui.button("Open the sample ILD study").clicked() {
                actions.push(MenuAction::Open(crate::core::sample_data::sample_data_dir().join("ild")));
            }
            ui.menu_button("Recent", |ui| {
                if app.settings.recent.is_empty() {
                    ui.label("(none yet)");
                }
                for path in &app.settings.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        actions.push(MenuAction::Open(path.clone()));
                    }
                }
            });
            ui.menu_button("Volume cache", |ui| cache_settings_ui(ui, &mut app.settings.cache_dir));
            ui.separator();
            if ui.button("Quit").clicked() {
                actions.push(MenuAction::Quit);
            }
        });
        ui.menu_button("View", |ui| {
            let v = &mut *app.viewer;
            ui.checkbox(&mut v.show_candidates, "Candidates");
            ui.checkbox(&mut v.show_lesions, "True nodes");
            ui.checkbox(&mut v.show_crosshair, "Crosshair");
            ui.checkbox(&mut v.show_mask, "Node masks");
            ui.separator();
            if app.dicom.series.is_some() {
                ui.checkbox(&mut app.dicom.show_chooser, "DICOM series…");
            }
            if !app.dicom.warnings.is_empty() {
                let label = format!("Import warnings ({})…", app.dicom.warnings.len());
                ui.checkbox(&mut app.dicom.show_warnings, label);
            }
            let v = &mut *app.viewer;
            if ui.button("Reset zoom and pan").clicked() {
                v.transforms = Default::default();
            }
            ui.menu_button("Maximise", |ui| {
                if ui.selectable_label(v.maximized.is_none(), "All three views").clicked() {
                    v.maximized = None;
                }
                for &p in Plane::ALL {
                    if ui.selectable_label(v.maximized == Some(p), p.label()).clicked() {
                        v.maximized = Some(p);
                    }
                }
            });
            ui.separator();
            ui.label("Slice rendering");
            ui.radio_value(app.renderer, SliceRenderer::Gpu, "GPU (WGSL shader)");
            ui.radio_value(app.renderer, SliceRenderer::Cpu, "CPU");
        });
    });
    actions
}

/// Window/level presets and values, and the overlay toggles; `dialog_cancelled` adds a hint
/// for desktops without a file-dialog service.
pub fn toolbar_ui(ui: &mut egui::Ui, v: &mut ViewerState, has_mask: bool, dialog_cancelled: bool) {
    ui.horizontal_wrapped(|ui| {
        let current = v.preset.map_or("Custom", WindowPreset::label);
        egui::ComboBox::from_label("Window").selected_text(current).show_ui(ui, |ui| {
            for p in WindowPreset::ALL {
                if ui.selectable_label(v.preset == Some(p), p.label()).clicked() {
                    v.set_preset(p);
                }
            }
        });
        let mut lower = v.window.lower_hu;
        let mut upper = v.window.upper_hu;
        let l = ui.label("lower");
        let lr = ui.add(egui::DragValue::new(&mut lower).speed(2.0).range(-2000.0..=upper - 1.0).suffix(" HU")).labelled_by(l.id);
        let u = ui.label("upper");
        let ur = ui.add(egui::DragValue::new(&mut upper).speed(2.0).range(lower + 1.0..=4000.0).suffix(" HU")).labelled_by(u.id);
        if lr.changed() || ur.changed() {
            v.window = Window::new(lower, upper);
            v.preset = None;
        }
        ui.separator();
        ui.checkbox(&mut v.show_candidates, "Candidates");
        ui.checkbox(&mut v.show_lesions, "True nodes");
        ui.checkbox(&mut v.show_crosshair, "Crosshair");
        mask_toggle_ui(ui, v, has_mask);
        if ui.button("Reset views").on_hover_text("Reset zoom and pan of every view").clicked() {
            v.transforms = Default::default();
        }
        if dialog_cancelled {
            ui.label("(no file chosen; without a desktop file-dialog service, pass paths on the command line or drop files here)");
        }
    });
}

/// The node-mask toggle and its style (outline or fill), shown when the volume has a mask.
fn mask_toggle_ui(ui: &mut egui::Ui, v: &mut ViewerState, has_mask: bool) {
    if !has_mask {
        return;
    }
    ui.checkbox(&mut v.show_mask, "Node masks").on_hover_text("The patient's node mask, one colour per node");
    for (style, name) in [(MaskStyle::Outline, "outline"), (MaskStyle::Fill, "fill")] {
        if ui.add_enabled(v.show_mask, egui::Button::selectable(v.mask_style == style, name)).clicked() {
            v.mask_style = style;
        }
    }
}
