//! The Viewer tab of an ILD study: patients on the left; the toolbar (display presets, the
//! class legend with a toggle per class, slice navigation), the axial view, the coronal and
//! sagittal notes and the patch gallery in the middle.

use eframe::egui::{self, Rect, vec2};

use super::IldViewer;
use super::gallery::gallery_ui;
use super::panel::panel_ui;
use super::slice_view::{Display, axial_ui, class_colour, note_ui, reformat_note};
use crate::core::ild::IldClass;
use crate::core::ild::lung::MaskSource;
use crate::core::ild::series::slice_gap_mm;
use crate::gui::Notice;

/// Lays out the tab; `notice` is the app's message line.
pub fn viewer_tab_ui(ui: &mut egui::Ui, viewer: &mut IldViewer, notice: &mut Option<Notice>) {
    egui::Panel::left("ild-study").default_size(300.0).min_size(240.0).show(ui, |ui| panel_ui(ui, viewer));
    egui::CentralPanel::default().show(ui, |ui| {
        if let Some(n) = notice.clone() {
            crate::gui::app::notice_ui(ui, &n, notice);
        }
        toolbar_ui(ui, viewer);
        if viewer.study.is_none() {
            ui.centered_and_justified(|ui| ui.label("Opening the ILD study…"));
            return;
        }
        let area = ui.available_rect_before_wrap().intersect(ui.clip_rect());
        let half = area.width() / 2.0;
        let axial = Rect::from_min_size(area.min, vec2(half, area.height())).shrink(2.0);
        axial_ui(ui, viewer, axial);
        let gap = viewer.study.as_ref().and_then(|s| slice_gap_mm(&s.series[viewer.patient]));
        let note = reformat_note(gap);
        let right = area.min + vec2(half, 0.0);
        let quarter = half / 2.0;
        note_ui(ui, Rect::from_min_size(right, vec2(quarter, 76.0)).shrink(2.0), "Coronal", &note);
        note_ui(
            ui,
            Rect::from_min_size(right + vec2(quarter, 0.0), vec2(quarter, 76.0)).shrink(2.0),
            "Sagittal",
            &note,
        );
        let rest = Rect::from_min_max(right + vec2(0.0, 80.0), area.max).shrink(4.0);
        ui.scope_builder(egui::UiBuilder::new().max_rect(rest), |ui| gallery_pane_ui(ui, viewer));
        ui.allocate_rect(area, egui::Sense::hover());
    });
}

fn gallery_pane_ui(ui: &mut egui::Ui, viewer: &mut IldViewer) {
    ui.heading("Patch gallery");
    let Some(db) = viewer.study.as_ref().map(|s| s.db.clone()) else { return };
    let clicked = match &viewer.gallery {
        None => {
            ui.label("cutting patches…");
            None
        }
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
            None
        }
        Some(Ok(gallery)) => gallery_ui(ui, gallery, &db, &mut viewer.thumbs),
    };
    if let Some(patch) = clicked {
        viewer.select_annotated(patch.patient, patch.slice);
        viewer.highlight = Some(patch);
    }
}

/// Display presets, the legend with a toggle per class, and slice navigation.
fn toolbar_ui(ui: &mut egui::Ui, viewer: &mut IldViewer) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Display");
        for display in Display::ALL {
            ui.selectable_value(&mut viewer.display, display, display.label());
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Contours");
        let on_slice: Vec<IldClass> = viewer.shown_annotated().map(|s| s.classes()).unwrap_or_default();
        for class in IldClass::ALL {
            let (swatch, _) = ui.allocate_exact_size(vec2(12.0, 12.0), egui::Sense::hover());
            ui.painter().rect_filled(swatch, 2.0, class_colour(class));
            let hint = if on_slice.contains(&class) { "on this slice" } else { "not on this slice" };
            ui.checkbox(&mut viewer.visible[class.index()], class.name())
                .on_hover_text(format!("Draw {class} contours ({hint})"));
        }
        ui.separator();
        let source = viewer.shown_lung().map(|l| (l.source, l.problem.clone()));
        let label = match &source {
            Some((MaskSource::Hug, _)) => "lung mask (HUG)",
            Some((MaskSource::Estimated, _)) => "lung mask (estimated)",
            None => "lung mask",
        };
        let hover = match source {
            Some((s, None)) => format!("Outline the lung the slice level uses: {}", s.describe()),
            Some((s, Some(problem))) => format!("{problem}; {}", s.describe()),
            None => "Outline the slice's lung mask".into(),
        };
        ui.checkbox(&mut viewer.show_lung, label).on_hover_text(hover);
    });
    ui.horizontal(|ui| {
        if ui.button("Previous annotated").on_hover_text("P").clicked() {
            viewer.step_annotated(false);
        }
        if ui.button("Next annotated").on_hover_text("N").clicked() {
            viewer.step_annotated(true);
        }
        ui.label("Up/Down, Page Up/Down or the wheel: the series slice by slice");
    });
}
