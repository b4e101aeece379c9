//! The runs browser: every run under the runs folder with its configuration and final metrics;
//! tick runs to overlay their curves (read from `metrics.jsonl`, so headless runs look the same),
//! resume interrupted ones.

use std::path::PathBuf;

use eframe::egui;

use super::{RunStatus, TrainingPanel};
use crate::core::train::{CheckpointKind, RunCurves, RunDir, RunSummary, Start, list_runs};

/// One run of the runs folder.
#[derive(Clone, Debug, PartialEq)]
pub struct RunListing {
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    pub summary: Option<RunSummary>,
    /// Stopped or interrupted before its last epoch, with a checkpoint to continue from.
    pub resumable: bool,
}

/// Scans the runs folder.
pub fn scan(runs_dir: &std::path::Path) -> Vec<RunListing> {
    list_runs(runs_dir)
        .into_iter()
        .filter_map(|run| {
            let config = run.read_config().ok()?;
            let summary = run.read_summary().ok();
            let done = run.read_progress(CheckpointKind::Last).map(|p| p.epochs_completed).unwrap_or(0);
            let resumable = done > 0 && done < config.epochs && summary.as_ref().is_none_or(|s| s.stopped_by_user);
            Some(RunListing {
                name: run.name(),
                description: format!(
                    "{} {} fold {}/{} · {} epochs",
                    config.model,
                    config.regime.name(),
                    config.fold,
                    config.folds,
                    config.epochs
                ),
                path: run.path,
                summary,
                resumable,
            })
        })
        .collect()
}

pub fn runs_ui(ui: &mut egui::Ui, panel: &mut TrainingPanel) {
    ui.horizontal(|ui| {
        ui.heading("Runs");
        if ui.button("Refresh").clicked()
            || (panel.runs.is_empty() && ui.ctx().cumulative_frame_nr().is_multiple_of(120))
        {
            panel.runs = scan(&panel.form.runs_dir);
        }
    });
    ui.label(egui::RichText::new(format!("in {}", panel.form.runs_dir.display())).small());
    let mut resume = None;
    for listing in panel.runs.clone() {
        let shown = panel.overlays.iter().any(|c| c.path == listing.path);
        let mut tick = shown;
        ui.horizontal(|ui| {
            ui.checkbox(&mut tick, &listing.name).on_hover_text(&listing.description);
            if listing.resumable && ui.small_button("Resume").clicked() {
                resume = Some(listing.path.clone());
            }
        });
        let result = listing.summary.as_ref().map_or("in progress or interrupted".to_string(), |s| {
            format!(
                "best val loss {} acc {} (epoch {})",
                s.best_val_loss.map_or("-".into(), |v| format!("{v:.3}")),
                s.best_val_accuracy.map_or("-".into(), |v| format!("{v:.3}")),
                s.best_epoch.map_or("-".into(), |e| (e + 1).to_string())
            )
        });
        ui.label(egui::RichText::new(format!("{} · {result}", listing.description)).small());
        if tick && !shown {
            if let Ok(curves) = RunDir::open(&listing.path).and_then(|r| RunCurves::load(&r)) {
                panel.overlays.push(curves);
            }
        } else if !tick && shown {
            panel.overlays.retain(|c| c.path != listing.path);
        }
    }
    if let Some(path) = resume
        && !panel.is_active()
        && let Err(e) = panel.start(Start::Resume(path), ui.ctx())
    {
        panel.status = RunStatus::Failed(e);
    }
}
