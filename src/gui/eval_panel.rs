//! The Evaluation tab: evaluations of the runs folder (made here or with `cadet eval`), their
//! FROC curves on one plot (FPs per patient on a log axis, 0.125–8, with bootstrap bands), the
//! operating-point table, ROC curves, confusion matrices, and a gallery of the missed nodes
//! (low-scored candidates on nodes and nodes no candidate reached) and the worst false
//! positives; clicking one jumps the viewer to it.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Color32};

use super::eval_plots::{froc_plot, operating_points, roc_plot};
use super::ild_eval_panel::{self, IldEvalActions, IldEvalState, scan_ild};
use crate::core::cache::VolumeCache;
use crate::core::eval::report::EvalReport;
use crate::core::eval::{GalleryCase, gallery_cases, read_lesions, read_scores, roc_curve};
use crate::core::raster::RgbaImage;
use crate::core::sampling::{ViewSampler, ViewSpec};
use crate::core::study::Study;
use crate::core::train::RunDir;

/// An evaluation folder with its report.
#[derive(Clone, Debug)]
pub struct EvalListing {
    pub path: PathBuf,
    pub name: String,
    pub report: EvalReport,
    /// The candidates' ROC curve (false positive rate, sensitivity).
    pub roc: Vec<[f64; 2]>,
}

/// Evaluation folders under the runs folder (`RUN/eval*/report.json`).
pub fn scan(runs_dir: &Path) -> Vec<EvalListing> {
    let mut out = Vec::new();
    for run in crate::core::train::list_runs(runs_dir) {
        let Ok(entries) = std::fs::read_dir(&run.path) else { continue };
        for e in entries.filter_map(Result::ok) {
            let path = e.path();
            let report = std::fs::read_to_string(path.join("report.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<EvalReport>(&t).ok());
            if let Some(report) = report {
                let name = format!(
                    "{}/{}",
                    run.name(),
                    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
                );
                out.push(EvalListing { roc: roc_points(&path), path, name, report });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A place in a patient the viewer can jump to (from the Evaluation gallery).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JumpTarget {
    /// A candidate, by its id within the patient.
    Candidate(usize),
    /// A true node, by its id (line number in the node file).
    Node(usize),
}

/// One case of the gallery with its picture and where the viewer jumps to.
#[derive(Clone, Debug)]
pub struct GalleryItem {
    pub patient: String,
    pub target: JumpTarget,
    pub label: String,
    pub image: RgbaImage,
}

/// The gallery of an evaluation (see [`gallery_cases`]: missed nodes, nodes no candidate
/// reached, false positives), each with an axial 64 mm view; computed off the UI thread.
pub fn gallery(eval: &Path, report: &EvalReport, per_kind: usize) -> Result<Vec<GalleryItem>, String> {
    let scores = read_scores(&eval.join("scores.csv")).map_err(|e| e.to_string())?;
    let lesions = read_lesions(&eval.join("lesions.csv")).map_err(|e| e.to_string())?;
    let run =
        RunDir::open(Path::new(report.runs.first().ok_or("the report names no run")?)).map_err(|e| e.to_string())?;
    let config = run.read_config().map_err(|e| e.to_string())?;
    let study = Study::load(&config.study).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    let mut sampler: Option<(String, ViewSampler)> = None;
    let n = 64;
    for case in gallery_cases(&scores, &lesions, per_kind) {
        let Some(patient) = study.patient(case.patient()) else { continue };
        let (target, center) = match &case {
            GalleryCase::MissedCandidate { candidate, .. } | GalleryCase::FalsePositive { candidate, .. } => {
                let Some(c) =
                    candidate.parse::<usize>().ok().and_then(|id| patient.candidates.iter().find(|x| x.id == id))
                else {
                    continue;
                };
                (JumpTarget::Candidate(c.id), c.center())
            }
            GalleryCase::UnreachedNode { lesion, .. } => {
                let Some(l) = lesion.parse::<usize>().ok().and_then(|id| patient.lesions.iter().find(|x| x.id == id))
                else {
                    continue;
                };
                (JumpTarget::Node(l.id), l.center())
            }
        };
        if sampler.as_ref().is_none_or(|(p, _)| p != &patient.id) {
            // through the volume cache: mapped, and prefiltered once per machine
            let load = || patient.load_volume().map(|f| f.volume).map_err(|e| e.to_string());
            let (s, _) = VolumeCache::shared()
                .sampler(&patient.volume_path, patient.series.as_deref(), config.interpolation, load)
                .map_err(|e| e.to_string())?;
            sampler = Some((patient.id.clone(), s));
        }
        let Some((_, s)) = &sampler else { continue };
        let hu = s.sample(&ViewSpec::axial(center, 64.0), n);
        let planes: Vec<f32> = hu.iter().map(|v| config.window.apply(*v)).collect();
        items.push(GalleryItem {
            patient: patient.id.clone(),
            target,
            label: case.label(),
            image: RgbaImage::from_rgb_planes(&planes, n),
        });
    }
    Ok(items)
}

#[derive(Default)]
pub struct EvalPanel {
    pub evals: Vec<EvalListing>,
    pub selected: Vec<PathBuf>,
    pub gallery: Option<(PathBuf, Result<Vec<GalleryItem>, String>)>,
    pub gallery_pending: bool,
    pub run: Option<PathBuf>,
    pub views: usize,
    pub evaluating: bool,
    textures: Vec<egui::TextureHandle>,
    textured_for: Option<PathBuf>,
    /// The ILD evaluations (see [`super::ild_eval_panel`]).
    pub ild: IldEvalState,
}

/// What the tab asks for.
#[derive(Debug, Default)]
pub struct EvalActions {
    pub evaluate: Option<(PathBuf, usize)>,
    pub gallery: Option<(PathBuf, Box<EvalReport>)>,
    pub jump: Option<(String, JumpTarget)>,
    pub ild: IldEvalActions,
}

pub fn eval_ui(ui: &mut egui::Ui, panel: &mut EvalPanel, runs_dir: &Path, runs: &[(String, PathBuf)]) -> EvalActions {
    let mut actions = EvalActions::default();
    if panel.views == 0 {
        panel.views = 100;
        panel.evals = scan(runs_dir);
        panel.ild.evals = scan_ild(runs_dir);
    }
    egui::Panel::left("eval-list").default_size(300.0).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading("Evaluations");
            if ui.button("Refresh").clicked() {
                panel.evals = scan(runs_dir);
                panel.ild.evals = scan_ild(runs_dir);
            }
        });
        for e in &panel.evals {
            let mut on = panel.selected.contains(&e.path);
            let label = format!("{} ({} {}, {})", e.name, e.report.model, e.report.regime, e.report.kind);
            if ui.checkbox(&mut on, label).changed() {
                panel.ild.selected = None;
                panel.selected.retain(|p| p != &e.path);
                if on {
                    panel.selected.push(e.path.clone());
                }
            }
        }
        ild_eval_panel::list_ui(ui, &mut panel.ild);
        ui.separator();
        ui.strong("Evaluate a run");
        let current = panel
            .run
            .as_ref()
            .and_then(|p| runs.iter().find(|(_, q)| q == p))
            .map_or("(choose)".to_string(), |(n, _)| n.clone());
        egui::ComboBox::from_label("run").selected_text(current).show_ui(ui, |ui| {
            for (name, path) in runs {
                ui.selectable_value(&mut panel.run, Some(path.clone()), name);
            }
        });
        let ild_run = panel.run.as_ref().is_some_and(|r| panel.ild.runs.iter().any(|l| &l.path == r));
        if !ild_run {
            let l = ui.label("views per candidate");
            ui.add(egui::DragValue::new(&mut panel.views).range(1..=1000)).labelled_by(l.id);
        }
        let ready = panel.run.is_some() && !panel.evaluating;
        if ui.add_enabled(ready, egui::Button::new("Evaluate")).clicked()
            && let Some(run) = &panel.run
        {
            panel.evaluating = true;
            actions.evaluate = Some((run.clone(), panel.views));
        }
        if let Some(folds) = ild_eval_panel::controls_ui(ui, &panel.ild, panel.run.as_ref(), panel.evaluating) {
            panel.evaluating = true;
            actions.ild.evaluate = Some(folds);
        }
        if panel.evaluating {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("scoring the test items…");
            });
        }
    });
    egui::CentralPanel::default().show(ui, |ui| {
        let ild = panel.ild.selected.as_ref().and_then(|p| panel.ild.evals.iter().find(|e| &e.path == p)).cloned();
        if let Some(e) = ild {
            egui::ScrollArea::vertical().id_salt("ild-eval-scroll").show(ui, |ui| {
                let export = ild_eval_panel::report_ui(ui, &mut panel.ild, &e);
                actions.ild.export_png = export.export_png;
                actions.ild.export_csv = export.export_csv;
            });
            return;
        }
        let owned: Vec<EvalListing> =
            panel.selected.iter().filter_map(|p| panel.evals.iter().find(|e| &e.path == p).cloned()).collect();
        let chosen: Vec<&EvalListing> = owned.iter().collect();
        if chosen.is_empty() {
            ui.label("Tick evaluations on the left to compare them (or pick an ILD evaluation).");
            return;
        }
        egui::ScrollArea::vertical().id_salt("eval-scroll").show(ui, |ui| {
            froc_plot(ui, &chosen);
            operating_points(ui, &chosen);
            ui.columns(2, |cols| {
                roc_plot(&mut cols[0], &chosen);
                confusion(&mut cols[1], chosen[0]);
            });
            let first = chosen[0].clone();
            gallery_ui(ui, panel, &first, &mut actions);
        });
    });
    actions
}

/// ROC points of an evaluation's candidates, read once when the evaluation is listed.
fn roc_points(eval: &Path) -> Vec<[f64; 2]> {
    let Ok(scores) = read_scores(&eval.join("scores.csv")) else { return Vec::new() };
    let samples: Vec<(f64, bool)> = scores.iter().map(|c| (c.score, c.label == 1)).collect();
    roc_curve(&samples)
        .map_or(Vec::new(), |curve| curve.iter().map(|p| [p.false_positive_rate, p.true_positive_rate]).collect())
}

fn confusion(ui: &mut egui::Ui, e: &EvalListing) {
    for (title, report) in
        [("natural prior", &e.report.classification_natural), ("balanced", &e.report.classification_balanced)]
    {
        let Some(r) = report else { continue };
        ui.strong(format!("{} — {title}: accuracy {:.3}, balanced {:.3}", e.name, r.accuracy, r.balanced_accuracy));
        egui::Grid::new(format!("cm-{title}")).striped(true).show(ui, |ui| {
            ui.label("true \\ predicted");
            for c in 0..r.classes {
                ui.strong(c.to_string());
            }
            ui.end_row();
            for (t, row) in r.confusion.iter().enumerate() {
                ui.strong(t.to_string());
                for v in row {
                    ui.label(v.to_string());
                }
                ui.end_row();
            }
        });
    }
}

fn gallery_ui(ui: &mut egui::Ui, panel: &mut EvalPanel, e: &EvalListing, actions: &mut EvalActions) {
    ui.separator();
    ui.strong(format!(
        "Missed nodes (low-scored candidates on nodes, and nodes no candidate reached) and worst false positives of {}",
        e.name
    ));
    let current = panel.gallery.as_ref().map(|(p, _)| p == &e.path).unwrap_or(false);
    if !current && !panel.gallery_pending {
        panel.gallery_pending = true;
        actions.gallery = Some((e.path.clone(), Box::new(e.report.clone())));
    }
    let Some((path, items)) = &panel.gallery else {
        ui.spinner();
        return;
    };
    let items = match items {
        Ok(items) => items.clone(),
        Err(err) => {
            ui.colored_label(Color32::from_rgb(255, 120, 100), err);
            return;
        }
    };
    if panel.textured_for.as_ref() != Some(path) {
        panel.textures = items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let rgba: Vec<u8> = it.image.pixels.iter().flatten().copied().collect();
                ui.ctx().load_texture(
                    format!("gallery-{i}"),
                    egui::ColorImage::from_rgba_unmultiplied([it.image.width, it.image.height], &rgba),
                    egui::TextureOptions::LINEAR,
                )
            })
            .collect();
        panel.textured_for = Some(path.clone());
    }
    ui.horizontal_wrapped(|ui| {
        for (it, tex) in items.iter().zip(&panel.textures) {
            ui.vertical(|ui| {
                let r =
                    ui.add(egui::Image::new(tex).fit_to_exact_size(egui::vec2(96.0, 96.0)).sense(egui::Sense::click()));
                if r.on_hover_text("Show it in the viewer").clicked() {
                    actions.jump = Some((it.patient.clone(), it.target));
                }
                ui.label(egui::RichText::new(&it.label).small());
            });
        }
    });
}
