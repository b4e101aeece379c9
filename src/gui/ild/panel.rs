//! The ILD side panel: the load's progress, then the patients with their annotated slices
//! (slice number and the classes present); clicking a slice shows it.

use eframe::egui;

use super::IldViewer;
use crate::core::ild::IldSlice;

/// "slice 8: ground_glass, fibrosis"
pub fn slice_label(slice: &IldSlice) -> String {
    let classes: Vec<&str> = slice.classes().into_iter().map(|c| c.name()).collect();
    format!("slice {}: {}", slice.slice_number, classes.join(", "))
}

/// Patient folders expanded by default when there are at most this many patients.
const EXPAND_ALL: usize = 12;

pub fn panel_ui(ui: &mut egui::Ui, viewer: &mut IldViewer) {
    let name = viewer.root().map(|r| r.display().to_string()).unwrap_or_default();
    ui.strong("ILD study (HUG layout)");
    ui.label(name);
    if let Some((stage, done, total)) = viewer.progress {
        let fraction = if total == 0 { 0.0 } else { done as f32 / total as f32 };
        ui.add(egui::ProgressBar::new(fraction).text(format!("{stage}: {done} of {total}")));
    }
    let Some(study) = &viewer.study else { return };
    let db = study.db.clone();
    let slices: usize = db.patients.iter().map(|p| p.slices.len()).sum();
    ui.label(format!("{} patients, {slices} annotated slices", db.patients.len()));
    ui.separator();
    let mut select = None;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for (p, patient) in db.patients.iter().enumerate() {
            let series = study.series[p].len();
            let heading = format!("Patient {} · {} of {series} slices annotated", patient.id, patient.slices.len());
            egui::CollapsingHeader::new(heading)
                .id_salt(("ild-patient", p))
                .default_open(db.patients.len() <= EXPAND_ALL || p == viewer.patient)
                .show(ui, |ui| {
                    for (s, slice) in patient.slices.iter().enumerate() {
                        let selected = p == viewer.patient && viewer.shown().and_then(|x| x.annotated) == Some(s);
                        if ui.selectable_label(selected, slice_label(slice)).clicked() {
                            select = Some((p, s));
                        }
                    }
                    if !patient.ignored.is_empty() {
                        let ignored: Vec<String> = patient.ignored.iter().map(|(l, n)| format!("{l} ×{n}")).collect();
                        ui.weak(format!("ignored labels: {}", ignored.join(", ")));
                    }
                    for warning in &patient.warnings {
                        ui.colored_label(egui::Color32::from_rgb(230, 180, 90), warning);
                    }
                });
        }
    });
    if let Some((p, s)) = select {
        viewer.select_annotated(p, s);
    }
}
