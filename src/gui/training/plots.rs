//! Live plots (egui_plot): training loss per iteration (raw and smoothed), validation loss and
//! accuracy per epoch, the learning rate; x axes linked (in epochs); one colour per run; and the
//! progress bar with epoch, iteration, images per second and ETA.

use eframe::egui::{self, Color32};
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};

use super::{RunStatus, TrainingPanel};
use crate::core::train::RunCurves;

pub const COLORS: [Color32; 6] = [
    Color32::from_rgb(90, 170, 255),
    Color32::from_rgb(255, 140, 60),
    Color32::from_rgb(100, 220, 120),
    Color32::from_rgb(230, 90, 200),
    Color32::from_rgb(240, 220, 80),
    Color32::from_rgb(120, 220, 230),
];

/// The one-line state of the run above the progress bar.
pub fn status_text(panel: &TrainingPanel) -> String {
    match &panel.status {
        RunStatus::Idle => "No run in progress.".to_string(),
        RunStatus::WarmingUp if panel.tuning_kernels => format!(
            "Warming up ({}): tuning kernels (first run on this GPU); the first iterations take minutes",
            panel.device
        ),
        RunStatus::WarmingUp => format!("Warming up ({})…: loading volumes and preparing the device", panel.device),
        RunStatus::Running | RunStatus::Paused => {
            let paused = if panel.status == RunStatus::Paused { " (paused)" } else { "" };
            match &panel.last_iteration {
                Some(m) => format!(
                    "epoch {}/{}, iteration {}/{}, {:.0} images/s on {}{paused}",
                    m.epoch + 1,
                    panel.form.epochs,
                    m.iteration + 1,
                    m.iterations_per_epoch,
                    m.images_per_second,
                    panel.device
                ),
                None => format!("running{paused}"),
            }
        }
        RunStatus::Finished(s) => format!(
            "finished: {} epochs{}{}",
            s.epochs_completed,
            if s.stopped_by_user { ", stopped" } else { "" },
            if s.early_stopped { ", early stop" } else { "" }
        ),
        RunStatus::Failed(e) => format!("failed: {e}"),
    }
}

pub fn progress_ui(ui: &mut egui::Ui, panel: &TrainingPanel) {
    ui.label(status_text(panel));
    if let Some((fraction, eta)) = panel.progress() {
        let eta = eta.map_or(String::new(), |d| format!("  ETA {}:{:02}", d.as_secs() / 60, d.as_secs() % 60));
        ui.add(egui::ProgressBar::new(fraction).text(format!("{:.0}%{eta}", fraction * 100.0)));
    }
}

fn curves_of(panel: &TrainingPanel) -> Vec<(&RunCurves, Color32)> {
    let mut all: Vec<&RunCurves> = panel.overlays.iter().collect();
    if let Some(live) = &panel.live
        && !panel.overlays.iter().any(|c| c.path == live.path)
    {
        all.insert(0, live);
    }
    all.into_iter().enumerate().map(|(i, c)| (c, COLORS[i % COLORS.len()])).collect()
}

pub fn plots_ui(ui: &mut egui::Ui, panel: &TrainingPanel) {
    let link = egui::Id::unique("train-x-link");
    let height = ((ui.available_height() - 40.0) / 3.0).max(80.0);
    let log = panel.log_loss;
    let y = move |v: f64| if log { v.max(1e-6).log10() } else { v };
    Plot::new("loss")
        .height(height)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("epoch")
        .y_axis_label(if log { "loss (log10)" } else { "loss" })
        .show(ui, |plot| {
            for (c, color) in curves_of(panel) {
                let raw: PlotPoints = c.iterations.iter().map(|m| [RunCurves::iteration_epoch(m), y(m.loss)]).collect();
                plot.line(
                    Line::new(format!("{} train (raw)", c.name), raw).color(color.gamma_multiply(0.35)).width(1.0),
                );
                let smooth: PlotPoints = c
                    .iterations
                    .iter()
                    .zip(c.smoothed_loss(0.1))
                    .map(|(m, s)| [RunCurves::iteration_epoch(m), y(s)])
                    .collect();
                plot.line(Line::new(format!("{} train", c.name), smooth).color(color).width(2.0));
                let val: Vec<[f64; 2]> = c.epochs.iter().map(|e| [e.epoch as f64 + 1.0, y(e.val_loss)]).collect();
                plot.line(
                    Line::new(format!("{} val", c.name), PlotPoints::from(val.clone()))
                        .color(color)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
                // the same name as the line: one legend entry shows and hides both
                plot.points(Points::new(format!("{} val", c.name), val).color(color).radius(3.0));
            }
        });
    Plot::new("accuracy")
        .height(height)
        .legend(Legend::default())
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("epoch")
        .y_axis_label("accuracy")
        .show(ui, |plot| {
            for (c, color) in curves_of(panel) {
                let val: Vec<[f64; 2]> = c.epochs.iter().map(|e| [e.epoch as f64 + 1.0, e.val_accuracy]).collect();
                plot.line(
                    Line::new(format!("{} val accuracy", c.name), PlotPoints::from(val.clone()))
                        .color(color)
                        .width(2.0),
                );
                plot.points(Points::new(format!("{} val accuracy", c.name), val).color(color).radius(3.0));
                let train: PlotPoints = c.epochs.iter().map(|e| [e.epoch as f64 + 1.0, e.train_accuracy]).collect();
                plot.line(Line::new(format!("{} train accuracy", c.name), train).color(color.gamma_multiply(0.5)));
            }
        });
    // from 0 to the largest rate, so a constant rate reads as what it is
    let top_lr = curves_of(panel).iter().flat_map(|(c, _)| c.iterations.iter().map(|m| m.lr)).fold(0.0, f64::max);
    Plot::new("lr")
        .height(height * 0.6)
        .include_y(0.0)
        .include_y(if top_lr > 0.0 { top_lr * 1.1 } else { 1.0 })
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_label("epoch")
        .y_axis_label("learning rate")
        .show(ui, |plot| {
            for (c, color) in curves_of(panel) {
                let lr: PlotPoints = c.iterations.iter().map(|m| [RunCurves::iteration_epoch(m), m.lr]).collect();
                plot.line(Line::new(format!("{} lr", c.name), lr).color(color));
            }
        });
}
