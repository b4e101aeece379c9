//! DICOM-specific windows: the series chooser (when a folder holds several series) and the
//! TCIA import-warnings panel (the collection's per-patient cross-checks).

use std::path::PathBuf;

use eframe::egui;

use crate::core::dicom::SeriesSummary;
use crate::core::study::ImportWarning;

/// The series of the folder on screen and the import warnings of the open study.
#[derive(Default)]
pub struct DicomPanel {
    /// The folder and all its series (the open one first), when there are several.
    pub series: Option<(PathBuf, Vec<SeriesSummary>)>,
    /// The UID of the series on screen.
    pub current: Option<String>,
    pub show_chooser: bool,
    pub warnings: Vec<ImportWarning>,
    pub show_warnings: bool,
}

/// What the user picked in a DICOM window.
#[derive(Debug, PartialEq)]
pub enum DicomAction {
    OpenSeries { dir: PathBuf, uid: String },
}

fn spacing_text(s: &SeriesSummary) -> String {
    s.pixel_spacing_mm.map_or_else(|| "no spacing".into(), |[r, c]| format!("{c:.3} × {r:.3} mm"))
}

/// The series chooser: description, slice count, image size and spacing per series.
pub fn series_chooser_ui(ctx: &egui::Context, panel: &mut DicomPanel) -> Option<DicomAction> {
    let (dir, series) = panel.series.as_ref()?;
    let mut open = panel.show_chooser;
    let mut action = None;
    egui::Window::new("DICOM series").open(&mut open).resizable(true).show(ctx, |ui| {
        ui.label(format!("{} holds {} series:", dir.display(), series.len()));
        egui::Grid::new("series-grid").striped(true).show(ui, |ui| {
            for h in ["", "description", "modality", "slices", "image", "pixel spacing", "syntax"] {
                ui.strong(h);
            }
            ui.end_row();
            for s in series {
                let current = panel.current.as_deref() == Some(s.uid.as_str());
                if ui
                    .selectable_label(current, if current { "shown" } else { "open" })
                    .on_hover_text(s.uid.as_str())
                    .clicked()
                    && !current
                {
                    action = Some(DicomAction::OpenSeries { dir: dir.clone(), uid: s.uid.clone() });
                }
                ui.label(if s.description.is_empty() { "(none)" } else { &s.description });
                ui.label(s.modality.as_str());
                ui.label(s.slices.to_string());
                ui.label(format!("{} × {}", s.columns, s.rows));
                ui.label(spacing_text(s));
                ui.label(s.transfer_syntax_name.as_str());
                ui.end_row();
            }
        });
    });
    panel.show_chooser = open;
    action
}

/// The per-patient warnings of a TCIA collection import.
pub fn warnings_ui(ctx: &egui::Context, panel: &mut DicomPanel) {
    if panel.warnings.is_empty() {
        return;
    }
    let mut open = panel.show_warnings;
    egui::Window::new(format!("Import warnings ({})", panel.warnings.len())).open(&mut open).resizable(true).show(
        ctx,
        |ui| {
            egui::ScrollArea::vertical().max_height(400.0).show(ui, |ui| {
                egui::Grid::new("import-warnings").striped(true).show(ui, |ui| {
                    for w in &panel.warnings {
                        ui.monospace(w.patient.as_str());
                        ui.label(w.message.as_str());
                        ui.end_row();
                    }
                });
            });
        },
    );
    panel.show_warnings = open;
}
