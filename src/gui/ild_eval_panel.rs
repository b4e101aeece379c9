//! The Evaluation tab for ILD runs: the ILD evaluations of the runs folder (made here or with
//! `cadet eval`), one shown at a time, pooled or fold by fold: accuracy and macro F1 with their
//! patient-bootstrap intervals, the per-class precision/recall/F1 table and the 6 × 6 confusion
//! matrix as a coloured grid (rows true, columns predicted); exports as PNG and CSV; and the
//! buttons that evaluate an ILD run or its whole cross-validation.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Color32};

use super::training::RunListing;
use crate::core::eval::ild_eval::IldEvalReport;
use crate::core::eval::ild_export::{confusion_image, confusion_shade, row_fractions};
use crate::core::eval::ild_metrics::IldIntervals;
use crate::core::eval::{ClassificationReport, Interval};
use crate::core::ild::IldClass;
use crate::core::raster::RgbaImage;
use crate::core::train::list_runs;

/// An ILD evaluation folder with its report.
#[derive(Clone, Debug)]
pub struct IldEvalListing {
    pub path: PathBuf,
    pub name: String,
    pub report: IldEvalReport,
}

/// ILD evaluation folders under the runs folder (`RUN/eval*/ild_report.json`), as absolute paths.
pub fn scan_ild(runs_dir: &Path) -> Vec<IldEvalListing> {
    let mut out = Vec::new();
    let runs_dir = std::path::absolute(runs_dir).unwrap_or_else(|_| runs_dir.to_path_buf());
    for run in list_runs(&runs_dir) {
        let Ok(entries) = std::fs::read_dir(&run.path) else { continue };
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            let report = std::fs::read_to_string(path.join("ild_report.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<IldEvalReport>(&t).ok());
            if let Some(report) = report {
                let folder = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                out.push(IldEvalListing { name: format!("{}/{folder}", run.name()), path, report });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The runs of `run`'s cross-validation when all of them are in the folder: `cadet cv` names
/// them `NAME-f1` … `NAME-fK` (K its folds), with the same task.
pub fn cv_runs(runs: &[RunListing], run: &Path) -> Option<Vec<PathBuf>> {
    let chosen = runs.iter().find(|r| r.path == run)?;
    let (base, fold) = chosen.name.rsplit_once("-f")?;
    fold.parse::<usize>().ok()?;
    (1..=chosen.folds)
        .map(|k| {
            let name = format!("{base}-f{k}");
            runs.iter().find(|r| r.name == name && r.task == chosen.task).map(|r| r.path.clone())
        })
        .collect()
}

/// Pooled, or one fold of the evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IldView {
    #[default]
    Pooled,
    Fold(usize),
}

#[derive(Default)]
pub struct IldEvalState {
    pub evals: Vec<IldEvalListing>,
    /// The evaluation shown (instead of the lymph-node plots).
    pub selected: Option<PathBuf>,
    pub view: IldView,
    /// The ILD runs of the runs folder (set by the app each frame).
    pub runs: Vec<RunListing>,
    /// A table waiting for its save dialog.
    pub pending_csv: Option<(ClassificationReport, Option<IldIntervals>)>,
}

/// What the ILD part of the tab asks for.
#[derive(Debug, Default)]
pub struct IldEvalActions {
    /// Evaluate these runs (one run, or the folds of a cross-validation).
    pub evaluate: Option<Vec<PathBuf>>,
    pub export_png: Option<RgbaImage>,
    pub export_csv: bool,
}

/// The ILD evaluations to pick from (left panel).
pub fn list_ui(ui: &mut egui::Ui, state: &mut IldEvalState) {
    if state.evals.is_empty() {
        return;
    }
    ui.separator();
    ui.strong("ILD evaluations");
    for e in &state.evals {
        let on = state.selected.as_ref() == Some(&e.path);
        let r = &e.report;
        let label = format!("{} ({} {}{}, {}, {})", e.name, r.model, r.regime, r.lung.label_suffix(), r.task, r.kind);
        if ui.selectable_label(on, label).clicked() {
            state.selected = if on { None } else { Some(e.path.clone()) };
            state.view = IldView::Pooled;
        }
    }
}

/// Under "Evaluate a run", for an ILD run: what is scored, and its cross-validation.
pub fn controls_ui(ui: &mut egui::Ui, state: &IldEvalState, run: Option<&PathBuf>, busy: bool) -> Option<Vec<PathBuf>> {
    let run = run.filter(|r| state.runs.iter().any(|l| &l.path == *r))?;
    ui.label(egui::RichText::new("an ILD run: every test patch or slice is scored once").small());
    let folds = cv_runs(&state.runs, run)?;
    let text = format!("Evaluate its cross-validation ({} folds)", folds.len());
    ui.add_enabled(!busy, egui::Button::new(text))
        .on_hover_text("pools the test folds of NAME-f1 … NAME-fK, as `cadet eval --cv`")
        .clicked()
        .then_some(folds)
}

fn interval(i: Option<&Interval>) -> String {
    i.map_or(String::new(), |i| format!(" [{:.3}, {:.3}]", i.lower, i.upper))
}

/// The shown evaluation (central panel).
pub fn report_ui(ui: &mut egui::Ui, state: &mut IldEvalState, e: &IldEvalListing) -> IldEvalActions {
    let mut actions = IldEvalActions::default();
    let r = &e.report;
    ui.heading(format!("{} — {} {}{} ({}), {}", e.name, r.model, r.regime, r.lung.label_suffix(), r.task, r.kind));
    if r.task == crate::core::train::Task::IldSlice {
        ui.label("slice level: a prediction is a hit when it is one of the slice's classes");
    }
    if r.folds.len() > 1 {
        ui.horizontal_wrapped(|ui| {
            ui.selectable_value(&mut state.view, IldView::Pooled, "pooled");
            for (i, f) in r.folds.iter().enumerate() {
                ui.selectable_value(&mut state.view, IldView::Fold(i), &f.run);
            }
        });
    }
    let (report, ci, title) = match state.view {
        IldView::Fold(i) if i < r.folds.len() => (&r.folds[i].report, None, r.folds[i].run.clone()),
        _ => (&r.pooled, r.ci.as_ref(), "pooled".to_string()),
    };
    ui.strong(format!(
        "{title}: {} items, accuracy {:.3}{}, macro F1 {:.3}{}",
        report.samples,
        report.accuracy,
        interval(ci.map(|c| &c.accuracy)),
        report.macro_f1,
        interval(ci.map(|c| &c.macro_f1))
    ));
    match (ci, state.view) {
        (Some(c), _) => ui.label(format!("95 % intervals from {} patient-bootstrap resamples", c.resamples)),
        (None, IldView::Pooled) => ui.label("no bootstrap intervals (evaluated with 0 resamples)"),
        (None, IldView::Fold(_)) => ui.label("intervals are computed for the pooled figures only"),
    };
    ui.add_space(6.0);
    ui.columns(2, |cols| {
        class_table_ui(&mut cols[0], report, ci);
        confusion_ui(&mut cols[1], report);
    });
    ui.horizontal(|ui| {
        if ui.button("Save confusion matrix as PNG…").clicked() {
            let heading = format!("{} {} ({}), {title}: accuracy {:.3}", r.model, r.regime, r.task, report.accuracy);
            match confusion_image(report, &heading) {
                Ok(image) => actions.export_png = Some(image),
                Err(err) => log::error!("cannot draw the confusion matrix: {err}"),
            }
        }
        if ui.button("Save table as CSV…").clicked() {
            state.pending_csv = Some((report.clone(), ci.cloned()));
            actions.export_csv = true;
        }
    });
    actions
}

fn class_name(index: usize) -> &'static str {
    IldClass::from_index(index).map_or("?", IldClass::name)
}

fn class_table_ui(ui: &mut egui::Ui, report: &ClassificationReport, ci: Option<&IldIntervals>) {
    egui::Grid::new("ild-classes").striped(true).show(ui, |ui| {
        for head in ["class", "precision", "recall", "F1", "support"] {
            ui.strong(head);
        }
        ui.end_row();
        for m in &report.per_class {
            ui.label(class_name(m.class));
            ui.label(format!("{:.3}", m.precision));
            ui.label(format!("{:.3}", m.recall));
            let f1_ci = ci.and_then(|c| c.f1.get(m.class).and_then(Option::as_ref));
            ui.label(format!("{:.3}{}", m.f1, interval(f1_ci)));
            ui.label(m.support.to_string());
            ui.end_row();
        }
    });
}

/// The confusion matrix: rows true, columns predicted, each cell shaded by its share of the
/// row (the colours of the PNG export) with its count; each cell is labelled for screen readers
/// as "true CLASS, predicted CLASS: COUNT".
fn confusion_ui(ui: &mut egui::Ui, report: &ClassificationReport) {
    let n = report.classes;
    let cell = ((ui.available_width() - 100.0) / n as f32).clamp(34.0, 80.0);
    let fractions = row_fractions(&report.confusion);
    ui.label("rows: true class; columns: predicted class");
    let font = egui::FontId::proportional(10.5);
    let (header, _) = ui.allocate_exact_size(egui::vec2(100.0 + cell * n as f32, 28.0), egui::Sense::hover());
    for p in 0..n {
        let at = egui::pos2(header.left() + 100.0 + cell * (p as f32 + 0.5), header.bottom() - 2.0);
        // whole names where the cells are wide enough, else their first letters (the rows name them)
        let name = class_name(p).replace('_', " ");
        let shown = if cell >= 72.0 { name } else { name[..name.len().min(4)].to_string() };
        ui.painter().text(at, egui::Align2::CENTER_BOTTOM, shown, font.clone(), ui.visuals().text_color());
    }
    for (t, row) in report.confusion.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 0.0;
            let (name, _) = ui.allocate_exact_size(egui::vec2(100.0, cell), egui::Sense::hover());
            let at = egui::pos2(name.right() - 6.0, name.center().y);
            ui.painter().text(at, egui::Align2::RIGHT_CENTER, class_name(t), font.clone(), ui.visuals().text_color());
            for (p, &count) in row.iter().enumerate() {
                let (rect, response) = ui.allocate_exact_size(egui::vec2(cell, cell), egui::Sense::hover());
                let [r, g, b] = confusion_shade(fractions[t][p]);
                ui.painter().rect_filled(rect.shrink(1.0), 2.0, Color32::from_rgb(r, g, b));
                let ink = if fractions[t][p] > 0.5 { Color32::WHITE } else { Color32::BLACK };
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    count,
                    egui::FontId::monospace(13.0),
                    ink,
                );
                let label = format!("true {}, predicted {}: {count}", class_name(t), class_name(p));
                response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
                response.on_hover_text(format!("{label} ({:.0} % of the row)", 100.0 * fractions[t][p]));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::train::{RunState, Task};

    fn listing(name: &str, task: Task, folds: usize) -> RunListing {
        RunListing {
            path: PathBuf::from("runs").join(name),
            name: name.into(),
            description: String::new(),
            study: PathBuf::from("ild"),
            task,
            folds,
            state: RunState::Interrupted { epochs_completed: 0 },
        }
    }

    #[test]
    fn a_cross_validation_is_found_only_when_every_fold_is_there() {
        let runs = vec![
            listing("a-f1", Task::IldPatch, 3),
            listing("a-f2", Task::IldPatch, 3),
            listing("a-f3", Task::IldPatch, 3),
            listing("b-f1", Task::IldSlice, 2),
            listing("b-f2", Task::IldPatch, 2),
            listing("single", Task::IldPatch, 5),
        ];
        let paths = |names: &[&str]| names.iter().map(|n| PathBuf::from("runs").join(n)).collect::<Vec<_>>();
        assert_eq!(cv_runs(&runs, Path::new("runs/a-f2")), Some(paths(&["a-f1", "a-f2", "a-f3"])));
        assert_eq!(cv_runs(&runs, Path::new("runs/b-f1")), None, "b-f2 learns another task");
        assert_eq!(cv_runs(&runs, Path::new("runs/single")), None, "not named NAME-fK");
        assert_eq!(cv_runs(&runs[1..], Path::new("runs/a-f2")), None, "fold 1 is missing");
    }
}
