//! The side panel: the study tree (patients by region) and, for the selected patient, a
//! sortable, filterable table of candidates with the node each positive belongs to and that
//! node's extent in the patient's mask; selecting a row moves the cursor to it.

use eframe::egui;
use egui_extras::{Column, TableBuilder};

use super::state::Workspace;
use super::viewer::overlay::{NEGATIVE, POSITIVE};
use crate::core::mask::NodeExtent;
use crate::core::study::{Label, Patient};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Id,
    Label,
    Score,
    Distance,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabelFilter {
    #[default]
    All,
    Positive,
    Negative,
}

/// Table state.
#[derive(Default)]
pub struct StudyPanel {
    pub sort: SortKey,
    pub descending: bool,
    pub filter: LabelFilter,
}

/// What the user asked for in the panel.
#[derive(Debug, Default, PartialEq)]
pub struct PanelActions {
    pub select_patient: Option<usize>,
    pub select_candidate: Option<usize>,
}

/// One table row.
struct Row {
    id: usize,
    label: Label,
    score: Option<f64>,
    distance_mm: Option<f64>,
    /// The node a positive candidate belongs to, and its extent when the mask is loaded.
    node: Option<usize>,
    extent: Option<NodeExtent>,
}

/// "12.0×9.4×6.0" (mm along the mask's voxel axes).
pub fn extent_text(e: &NodeExtent) -> String {
    let [a, b, c] = e.size_mm;
    format!("{a:.1}×{b:.1}×{c:.1}")
}

fn extent_details(e: &NodeExtent) -> String {
    let [x, y, z] = e.centroid_world_mm;
    let [[i0, j0, k0], [i1, j1, k1]] = e.bbox_voxel;
    format!(
        "node {}: {} voxels, {:.0} mm³\nvoxels i {i0}–{i1}, j {j0}–{j1}, k {k0}–{k1}\ncentroid ({x:.1}, {y:.1}, {z:.1}) mm RAS",
        e.label, e.voxel_count, e.volume_mm3
    )
}

fn rows(patient: &Patient, workspace: &Workspace, panel: &StudyPanel) -> Vec<Row> {
    let mask = workspace.volume.as_ref().and_then(|o| o.mask.as_ref());
    let mut rows: Vec<Row> = patient
        .candidates
        .iter()
        .filter(|c| match panel.filter {
            LabelFilter::All => true,
            LabelFilter::Positive => c.label == Label::Positive,
            LabelFilter::Negative => c.label == Label::Negative,
        })
        .map(|c| Row {
            id: c.id,
            label: c.label,
            score: workspace.scores.get(&(patient.id.clone(), c.id)).copied(),
            distance_mm: patient.nearest_lesion(c.center()).map(|(_, d)| d),
            node: c.lesion,
            extent: c.lesion.and_then(|n| mask?.extent(n)).cloned(),
        })
        .collect();
    let key = |r: &Row| -> f64 {
        match panel.sort {
            SortKey::Id => r.id as f64,
            SortKey::Label => r.label.as_class() as f64,
            SortKey::Score => r.score.unwrap_or(f64::NEG_INFINITY),
            SortKey::Distance => r.distance_mm.unwrap_or(f64::INFINITY),
        }
    };
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.id.cmp(&b.id)));
    if panel.descending {
        rows.reverse();
    }
    rows
}

pub fn study_panel_ui(ui: &mut egui::Ui, workspace: &Workspace, panel: &mut StudyPanel) -> PanelActions {
    let mut actions = PanelActions::default();
    let Some(study) = &workspace.study else {
        ui.label("No study open.");
        return actions;
    };
    ui.heading("Study");
    ui.label(egui::RichText::new(study.root.display().to_string()).small());
    egui::ScrollArea::vertical().id_salt("patients").max_height(180.0).show(ui, |ui| {
        for summary in study.summary() {
            egui::CollapsingHeader::new(format!("{} ({} patients)", summary.region, summary.patients))
                .default_open(true)
                .show(ui, |ui| {
                    for (i, p) in study.patients.iter().enumerate().filter(|(_, p)| p.region.code() == summary.region) {
                        let text = format!("{}  ({} candidates, {} nodes)", p.id, p.candidates.len(), p.lesions.len());
                        if ui.selectable_label(workspace.patient == Some(i), text).clicked() {
                            actions.select_patient = Some(i);
                        }
                    }
                });
        }
    });
    ui.separator();
    let Some(patient) = workspace.patient() else { return actions };
    ui.horizontal(|ui| {
        ui.strong(format!("Candidates of {}", patient.id));
    });
    ui.horizontal(|ui| {
        ui.label("Show");
        for (f, name) in
            [(LabelFilter::All, "all"), (LabelFilter::Positive, "positive"), (LabelFilter::Negative, "negative")]
        {
            ui.selectable_value(&mut panel.filter, f, name);
        }
    });
    let rows = rows(patient, workspace, panel);
    let mut header_button = |ui: &mut egui::Ui, text: &str, key: SortKey| {
        let arrow = if panel.sort == key { if panel.descending { " v" } else { " ^" } } else { "" };
        if ui.button(format!("{text}{arrow}")).on_hover_text(format!("Sort by {}", text.to_lowercase())).clicked() {
            if panel.sort == key {
                panel.descending = !panel.descending;
            } else {
                panel.sort = key;
                panel.descending = false;
            }
        }
    };
    TableBuilder::new(ui)
        .id_salt("candidates")
        .striped(true)
        .sense(egui::Sense::click())
        .column(Column::exact(36.0))
        .column(Column::exact(34.0))
        .column(Column::exact(44.0))
        .column(Column::exact(58.0))
        .column(Column::exact(34.0))
        .column(Column::remainder().at_least(80.0))
        .header(22.0, |mut header| {
            header.col(|ui| header_button(ui, "Id", SortKey::Id));
            header.col(|ui| header_button(ui, "Label", SortKey::Label));
            header.col(|ui| header_button(ui, "Score", SortKey::Score));
            header.col(|ui| header_button(ui, "Node mm", SortKey::Distance));
            header.col(|ui| {
                ui.strong("Node").on_hover_text("The true node a positive candidate belongs to");
            });
            header.col(|ui| {
                ui.strong("Extent")
                    .on_hover_text("The node's size in the patient's mask, mm along its voxel axes i×j×k");
            });
        })
        .body(|body| {
            body.rows(20.0, rows.len(), |mut row| {
                let r = &rows[row.index()];
                row.set_selected(workspace.candidate == Some(r.id));
                row.col(|ui| {
                    if ui.selectable_label(workspace.candidate == Some(r.id), format!("#{}", r.id)).clicked() {
                        actions.select_candidate = Some(r.id);
                    }
                });
                row.col(|ui| {
                    let (text, color) = match r.label {
                        Label::Positive => ("pos", POSITIVE),
                        Label::Negative => ("neg", NEGATIVE),
                    };
                    ui.colored_label(color, text);
                });
                row.col(|ui| {
                    ui.label(r.score.map_or("-".into(), |s| format!("{s:.3}")));
                });
                row.col(|ui| {
                    ui.label(r.distance_mm.map_or("-".into(), |d| format!("{d:.1}")));
                });
                row.col(|ui| {
                    ui.label(r.node.map_or("-".into(), |n| n.to_string()));
                });
                row.col(|ui| match &r.extent {
                    Some(e) => {
                        ui.label(extent_text(e)).on_hover_text(extent_details(e));
                    }
                    None => {
                        ui.label("-");
                    }
                });
                if row.response().clicked() {
                    actions.select_candidate = Some(r.id);
                }
            });
        });
    actions
}
