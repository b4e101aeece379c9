//! The Evaluation tab's lymph-node plots: FROC curves with their bootstrap bands, the operating
//! points table and the ROC curves of the chosen evaluations.

use eframe::egui::{self, Color32};
use egui_plot::{FilledArea, Legend, Line, Plot, PlotPoints};

use super::eval_panel::EvalListing;
use super::training::plots::COLORS;
use crate::core::eval::FP_RATES;

pub(super) fn froc_plot(ui: &mut egui::Ui, chosen: &[&EvalListing]) {
    let log = |x: f64| x.clamp(0.125, 8.0).log2();
    Plot::new("froc")
        .height(260.0)
        .legend(Legend::default().position(egui_plot::Corner::RightBottom))
        .x_axis_label("false positives per patient")
        .y_axis_label("sensitivity")
        .x_axis_formatter(|m, _| format!("{}", 2f64.powf(m.value)))
        .include_x(-3.0)
        .include_x(3.0)
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            for (i, e) in chosen.iter().enumerate() {
                let color = COLORS[i % COLORS.len()];
                // the bootstrap band first, as a light fill underneath; then the curve as a line
                if let Some(ci) = &e.report.all.ci {
                    let xs: Vec<f64> = FP_RATES.iter().map(|(_, r)| log(*r)).collect();
                    let lo: Vec<f64> =
                        FP_RATES.iter().map(|(k, _)| ci.sensitivity_at.get(*k).map_or(0.0, |i| i.lower)).collect();
                    let hi: Vec<f64> =
                        FP_RATES.iter().map(|(k, _)| ci.sensitivity_at.get(*k).map_or(0.0, |i| i.upper)).collect();
                    let [r, g, b, _] = color.to_array();
                    plot.add(
                        FilledArea::new(format!("{} 95% CI", e.name), &xs, &lo, &hi)
                            .fill_color(Color32::from_rgba_unmultiplied(r, g, b, 40))
                            .allow_hover(false),
                    );
                }
                plot.line(
                    Line::new(e.name.clone(), PlotPoints::from(froc_steps(&e.report.all.froc, log)))
                        .color(color)
                        .width(2.0)
                        // a step curve repeats x values; egui_plot would merge those into a band
                        .allow_band(false),
                );
            }
        });
}

/// The FROC curve as steps on the log axis, ending at the axis' right edge (8 FP/patient).
fn froc_steps(froc: &crate::core::eval::FrocResult, log: impl Fn(f64) -> f64) -> Vec<[f64; 2]> {
    let mut pts: Vec<[f64; 2]> = Vec::new();
    let mut best = 0.0f64;
    for p in &froc.curve {
        let x = log(p.fp_per_patient);
        pts.push([x, best]);
        best = best.max(p.sensitivity);
        pts.push([x, best]);
    }
    pts.push([3.0, best]);
    pts
}

pub(super) fn operating_points(ui: &mut egui::Ui, chosen: &[&EvalListing]) {
    egui::Grid::new("operating-points").striped(true).show(ui, |ui| {
        ui.strong("evaluation");
        for (k, _) in FP_RATES {
            ui.strong(format!("{k} FP"));
        }
        ui.strong("CPM (step)").on_hover_text("mean sensitivity reached at or below 1/8 … 8 FP/patient");
        ui.strong("CPM (LUNA16)").on_hover_text("the same, interpolated between operating points as LUNA16 does");
        ui.strong("AUC");
        ui.end_row();
        for e in chosen {
            ui.label(&e.name);
            let f = &e.report.all.froc;
            for (k, _) in FP_RATES {
                ui.label(format!("{:.3}", f.sensitivity_at.get(k).copied().unwrap_or(0.0)));
            }
            ui.label(format!("{:.3}", f.cpm));
            ui.label(f.cpm_luna16.map_or("-".into(), |v| format!("{v:.3}")));
            ui.label(f.roc_auc.map_or("-".into(), |a| format!("{a:.3}")));
            ui.end_row();
        }
    });
}

pub(super) fn roc_plot(ui: &mut egui::Ui, chosen: &[&EvalListing]) {
    // a square widget (not stretched by the justified column) showing 0..1 on both axes at
    // equal scale
    let side = ui.available_width().min(280.0);
    ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
        Plot::new("roc")
            .width(side)
            .height(side)
            .data_aspect(1.0)
            .include_x(0.0)
            .include_x(1.0)
            .include_y(0.0)
            .include_y(1.0)
            .set_margin_fraction(egui::vec2(0.02, 0.02))
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .legend(Legend::default().position(egui_plot::Corner::RightBottom))
            .x_axis_label("false positive rate")
            .y_axis_label("sensitivity")
            .show(ui, |plot| {
                plot.line(
                    Line::new("chance", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                        .color(Color32::GRAY)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
                for (i, e) in chosen.iter().enumerate() {
                    let pts = PlotPoints::from(e.roc.clone());
                    let line = Line::new(format!("{} ROC", e.name), pts).color(COLORS[i % COLORS.len()]).width(2.0);
                    plot.line(line.allow_band(false));
                }
            });
    });
}
