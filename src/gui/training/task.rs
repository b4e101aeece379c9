//! The run form's task (lymph nodes, ILD patches, ILD slices) and, for the ILD tasks, the ILD
//! study root (chosen with a folder picker, or the one the Viewer has open) and the settings
//! only they have.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::{TrainingActions, TrainingPanel};
use crate::core::ild::is_ild_root;
use crate::core::ild::lung::LungFocus;
use crate::core::ild::slices::AUGMENTATIONS;
use crate::core::train::{Task, TrainConfig};

/// The ILD database the ILD tasks train on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IldStudyChoice {
    pub root: Option<PathBuf>,
    /// Whether `root` came from the Viewer (or the default) rather than the folder picker: the
    /// Viewer's next ILD root then replaces it, a root picked by hand stays.
    pub from_viewer: bool,
    /// Whether `root` has an `ILD_DB_txtROIs` folder (checked when it is set, not every frame).
    pub looks_right: bool,
}

impl IldStudyChoice {
    /// The bundled synthetic ILD study, when it is there.
    pub fn bundled() -> Self {
        let root = crate::core::sample_data::sample_data_dir().join("ild");
        let looks_right = is_ild_root(&root);
        Self { root: looks_right.then_some(root), from_viewer: true, looks_right }
    }

    /// A root chosen with the folder picker.
    pub fn pick(&mut self, root: PathBuf) {
        self.looks_right = is_ild_root(&root);
        self.root = Some(root);
        self.from_viewer = false;
    }

    /// The ILD root the Viewer has open (the Viewer calls this when it opens one); it replaces
    /// a root that did not come from the folder picker.
    pub fn offer_viewer_root(&mut self, root: &Path) {
        if self.root.is_none() || self.from_viewer {
            self.looks_right = is_ild_root(root);
            self.root = Some(root.to_path_buf());
            self.from_viewer = true;
        }
    }
}

impl TrainingPanel {
    /// See [`IldStudyChoice::offer_viewer_root`]. A form still on the lymph-node task switches to
    /// the ILD patch task: opening an ILD study closes the lymph-node one, so there is nothing
    /// left for that task to train on.
    pub fn offer_viewer_ild_root(&mut self, root: &Path) {
        self.ild.offer_viewer_root(root);
        if self.form.task == Task::Ln
            && let Some(root) = self.ild.root.clone()
        {
            self.form = defaults_for(&self.form, Task::IldPatch, &root);
        }
    }
}

fn task_label(task: Task) -> &'static str {
    match task {
        Task::Ln => "lymph nodes (2.5D views)",
        Task::IldPatch => "ILD patches (6 classes)",
        Task::IldSlice => "ILD slices (6 classes)",
    }
}

/// The defaults of `task` for the form's model (the paper's protocol), keeping the runs folder.
pub fn defaults_for(form: &TrainConfig, task: Task, study: &Path) -> TrainConfig {
    let base = match task {
        Task::Ln => TrainConfig::paper_defaults(study, form.model),
        _ => TrainConfig::ild_defaults(study, form.model, task),
    };
    TrainConfig { runs_dir: form.runs_dir.clone(), ..base }
}

/// The task row and, for ILD, the study root row (in the form's grid); returns the study the
/// run trains on (the Viewer's open lymph-node study, or the ILD root) when there is one.
pub fn task_rows(
    ui: &mut egui::Ui,
    panel: &mut TrainingPanel,
    ln_study: Option<&Path>,
    actions: &mut TrainingActions,
) -> Option<PathBuf> {
    {
        let l = ui.label("task");
        let mut task = panel.form.task;
        egui::ComboBox::from_id_salt("task")
            .selected_text(task_label(task))
            .show_ui(ui, |ui| {
                for t in Task::ALL {
                    ui.selectable_value(&mut task, t, task_label(t));
                }
            })
            .response
            .labelled_by(l.id);
        ui.end_row();
        if task != panel.form.task {
            let study = if task.is_ild() { panel.ild.root.clone() } else { ln_study.map(Path::to_path_buf) };
            panel.form = defaults_for(&panel.form, task, &study.unwrap_or_default());
        }
        if task.is_ild() {
            ui.label("ILD study");
            ui.horizontal(|ui| {
                let shown = panel.ild.root.as_ref().map_or("(none)".into(), |r| {
                    r.file_name().map_or_else(|| r.display().to_string(), |n| n.to_string_lossy().into_owned())
                });
                let hover =
                    panel.ild.root.as_ref().map_or("an ILD database root (holding ILD_DB_txtROIs)".into(), |r| {
                        let from =
                            if panel.ild.from_viewer { "the Viewer's (or the bundled sample)" } else { "chosen" };
                        format!("{} ({from})", r.display())
                    });
                ui.label(shown).on_hover_text(hover);
                if ui.button("Choose…").on_hover_text("an ILD database root (holding ILD_DB_txtROIs)").clicked() {
                    actions.choose_ild_root = true;
                }
            });
            ui.end_row();
        }
    }
    if panel.form.task.is_ild() {
        let root = panel.ild.root.clone()?;
        panel.form.study = root.clone();
        return Some(root);
    }
    let study = ln_study?;
    panel.form.study = study.to_path_buf();
    Some(study.to_path_buf())
}

/// Why the ILD root cannot be trained on, if it cannot.
pub fn ild_problem(panel: &TrainingPanel) -> Option<String> {
    if !panel.form.task.is_ild() {
        return None;
    }
    match &panel.ild.root {
        None => Some("choose an ILD study root (a folder holding ILD_DB_txtROIs)".into()),
        Some(root) if !panel.ild.looks_right => {
            Some(format!("{} is not an ILD database: it has no ILD_DB_txtROIs folder", root.display()))
        }
        Some(_) => None,
    }
}

/// The ILD settings (patch size and patches per contour, or augmentations per slice), in the
/// form's grid.
pub fn ild_settings_ui(ui: &mut egui::Ui, f: &mut TrainConfig) {
    let row = |ui: &mut egui::Ui, label: &str, hover: &str, value: &mut usize, range| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(range).speed(0.2)).labelled_by(l.id).on_hover_text(hover);
        ui.end_row();
    };
    match f.task {
        Task::IldPatch => {
            row(ui, "patch size (px)", "native pixels; resized to the model's input", &mut f.sample_size, 8..=256);
            row(ui, "patches per contour", "at most; drawn with the run's seed", &mut f.patches_per_roi, 1..=1000);
        }
        Task::IldSlice => {
            row(
                ui,
                "augmentations per slice",
                "seeded rotations and translations per (slice, class) each epoch",
                &mut f.views_per_candidate,
                1..=AUGMENTATIONS,
            );
            let l = ui.label("lung");
            egui::ComboBox::from_id_salt("lung-focus")
                .selected_text(f.lung.name())
                .show_ui(ui, |ui| {
                    for (focus, hover) in [
                        (LungFocus::None, "the slice as it is"),
                        (LungFocus::Average, "overlaid with the training patients' average lung mask (the paper's first setup)"),
                        (LungFocus::Smooth, "Gaussian-smoothed outside the slice's lung: its HUG mask, or estimated (the paper's second)"),
                    ] {
                        ui.selectable_value(&mut f.lung, focus, focus.name()).on_hover_text(hover);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
        }
        Task::Ln => {}
    }
}
