//! The runs browser: every run under the runs folder with its task, configuration and state
//! (finished, stopped, failed and why, interrupted, training here or elsewhere); tick runs to
//! overlay their curves (read from `metrics.jsonl`, so headless runs look the same), resume
//! stopped or interrupted ones.

use std::path::PathBuf;

use eframe::egui;

use super::{RunStatus, TrainingPanel};
use crate::core::train::{RunCurves, RunDir, RunState, Start, Task, list_runs};

/// One run of the runs folder.
#[derive(Clone, Debug, PartialEq)]
pub struct RunListing {
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    /// The study it trains on (absolute for runs made since paths are stored absolute).
    pub study: PathBuf,
    /// What it learns (lymph nodes, ILD patches or slices).
    pub task: Task,
    /// Folds of its cross-validation.
    pub folds: usize,
    pub state: RunState,
}

/// Scans the runs folder (file reads only: run it off the UI thread, see [`super::watch`]).
pub fn scan(runs_dir: &std::path::Path) -> Vec<RunListing> {
    list_runs(runs_dir)
        .into_iter()
        .filter_map(|run| {
            let config = run.read_config().ok()?;
            Some(RunListing {
                name: run.name(),
                description: format!(
                    "{} · {} {} fold {}/{} · {} epochs",
                    config.task,
                    config.model,
                    config.regime.name(),
                    config.fold,
                    config.folds,
                    config.epochs
                ),
                state: RunState::of(&run, config.epochs),
                study: config.study,
                task: config.task,
                folds: config.folds,
                path: run.path,
            })
        })
        .collect()
}

pub fn runs_ui(ui: &mut egui::Ui, panel: &mut TrainingPanel) {
    ui.horizontal(|ui| {
        ui.heading("Runs");
        if ui.button("Refresh").on_hover_text("the list also refreshes by itself every 2 s").clicked() {
            panel.watch_runs(ui.ctx(), true);
        }
    });
    let runs_dir = std::path::absolute(&panel.form.runs_dir).unwrap_or_else(|_| panel.form.runs_dir.clone());
    ui.label(egui::RichText::new(format!("in {}", runs_dir.display())).small());
    let current = panel.current_run().map(PathBuf::from);
    let mut resume = None;
    for listing in panel.runs.clone() {
        let shown = panel.overlays.iter().any(|c| c.path == listing.path);
        let here = current.as_ref() == Some(&listing.path);
        let mut tick = shown;
        ui.horizontal(|ui| {
            ui.checkbox(&mut tick, &listing.name).on_hover_text(format!(
                "{}\nstudy {}",
                listing.description,
                listing.study.display()
            ));
            if !here && listing.state.resumable() && ui.small_button("Resume").clicked() {
                resume = Some(listing.path.clone());
            }
        });
        let state = if here { "training now, in this workbench".to_string() } else { listing.state.describe() };
        let text = egui::RichText::new(format!("{} · {state}", listing.description)).small();
        match (&listing.state, here) {
            (RunState::Failed(_), false) => ui.colored_label(egui::Color32::from_rgb(255, 150, 90), text),
            _ => ui.label(text),
        };
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
