//! The run form: task and study, model, regime and weights, folds, schedule, prior, views, seed and device,
//! with defaults per model from the paper and invalid settings explained before Start.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::{MemoryLimit, RunStatus, TrainingActions, TrainingPanel, task};
use crate::core::dataset::Prior;
use crate::core::models::ModelKind;
use crate::core::train::{DeviceChoice, Regime, Start, TrainConfig, TrainControl};

/// Why the form cannot start, if it cannot; `limit` is the last batch the device could not hold.
pub fn problem(form: &TrainConfig, study: Option<&Path>, limit: Option<&MemoryLimit>) -> Option<String> {
    if study.is_none() {
        return Some("open a study first (File, Open study…)".into());
    }
    if let Err(why) = form.validate() {
        return Some(why);
    }
    if form.regime != Regime::Ri && !form.weights.as_deref().is_some_and(Path::is_file) {
        return Some(format!("the {} regime needs a pretrained weights file that exists", form.regime.name()));
    }
    if let Some(bank) = &form.bank
        && !bank.join("manifest.json").is_file()
    {
        return Some("choose a bank folder written by `cadet bank` (it holds manifest.json)".into());
    }
    if form.batch > 512 {
        return Some(format!("batch {} is larger than cadet allows (512)", form.batch));
    }
    limit.and_then(|l| l.refuses(form))
}

fn number<T: egui::emath::Numeric>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut T,
    range: std::ops::RangeInclusive<T>,
    speed: f64,
) {
    let l = ui.label(label);
    ui.add(egui::DragValue::new(value).range(range).speed(speed)).labelled_by(l.id);
    ui.end_row();
}

/// Views fresh each epoch (sampled from the volumes) or from a precomputed bank.
fn views_source_ui(ui: &mut egui::Ui, bank: &mut Option<PathBuf>) {
    ui.label("views");
    let mut from_bank = bank.is_some();
    let text = if from_bank { "from a bank" } else { "fresh each epoch" };
    egui::ComboBox::from_id_salt("views-source").selected_text(text).show_ui(ui, |ui| {
        ui.selectable_value(&mut from_bank, false, "fresh each epoch");
        ui.selectable_value(&mut from_bank, true, "from a bank");
    });
    ui.end_row();
    if from_bank != bank.is_some() {
        *bank = from_bank.then(PathBuf::new);
    }
    if let Some(dir) = bank {
        let l = ui.label("bank folder");
        let mut text = dir.display().to_string();
        let edit = ui.text_edit_singleline(&mut text).labelled_by(l.id);
        if edit.on_hover_text("a folder written by `cadet bank`; no volume is opened").changed() {
            *dir = PathBuf::from(text);
        }
        ui.end_row();
    }
}

pub fn form_ui(ui: &mut egui::Ui, panel: &mut TrainingPanel, study: Option<&Path>, actions: &mut TrainingActions) {
    ui.heading("New run");
    let mut chosen = None;
    egui::Grid::new("train-grid").num_columns(2).spacing([6.0, 4.0]).show(ui, |ui| {
        chosen = task::task_rows(ui, panel, study, actions);
        if let Some(s) = &chosen {
            let shown = std::path::absolute(s).unwrap_or_else(|_| s.clone());
            ui.label("");
            ui.label(egui::RichText::new(format!("study {}", shown.display())).small())
                .on_hover_text("runs record this absolute path, so they evaluate and resume from anywhere");
            ui.end_row();
        }
        let f = &mut panel.form;
        ui.label("name");
        ui.text_edit_singleline(&mut f.name).on_hover_text("run name (a new folder; never overwritten)");
        ui.end_row();
        ui.label("model");
        let before = f.model;
        egui::ComboBox::from_id_salt("model").selected_text(f.model.name()).show_ui(ui, |ui| {
            for &k in ModelKind::ALL {
                ui.selectable_value(&mut f.model, k, k.name()).on_hover_text(k.description());
            }
        });
        if f.model != before {
            // the paper's settings for the new model, keeping the study and the name's pattern
            let study = f.study.clone();
            *f = task::defaults_for(f, f.task, &study);
        }
        ui.end_row();
        ui.label("regime");
        egui::ComboBox::from_id_salt("regime").selected_text(f.regime.name()).show_ui(ui, |ui| {
            ui.selectable_value(&mut f.regime, Regime::Ri, "ri (random init)");
            ui.selectable_value(&mut f.regime, Regime::Tl, "tl (fine-tune pretrained)");
            ui.selectable_value(&mut f.regime, Regime::Imnet, "imnet (frozen features)");
        });
        ui.end_row();
        if f.regime != Regime::Ri {
            ui.label("weights");
            ui.horizontal(|ui| {
                ui.label(f.weights.as_ref().map_or("(none)".into(), |w| {
                    w.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
                }));
                if ui.button("Choose…").clicked() {
                    actions.choose_weights = true;
                }
            });
            ui.end_row();
            ui.label("");
            ui.checkbox(&mut f.partial_weights, "partial weights").on_hover_text(
                "load the pretrained tensors whose shapes fit this model and list the others in the run's log \
                 (e.g. ImageNet AlexNet weights for alexnet-l)",
            );
            ui.end_row();
        }
        number(ui, "folds", &mut f.folds, 2..=10, 0.05);
        let folds = f.folds;
        number(ui, "test fold", &mut f.fold, 1..=folds, 0.05);
        number(ui, "epochs", &mut f.epochs, 1..=500, 0.1);
        number(ui, "batch", &mut f.batch, 1..=1024, 0.5);
        number(ui, "learning rate", &mut f.lr, 1e-6..=1.0, 0.0005);
        number(ui, "lr step (epochs)", &mut f.lr_step_epochs, 1..=500, 0.1);
        ui.label("prior");
        egui::ComboBox::from_id_salt("prior").selected_text(format!("{:?}", f.prior).to_lowercase()).show_ui(
            ui,
            |ui| {
                ui.selectable_value(&mut f.prior, Prior::Equal, "equal");
                ui.selectable_value(&mut f.prior, Prior::Biased, "biased");
            },
        );
        ui.end_row();
        if f.task.is_ild() {
            task::ild_settings_ui(ui, f);
        } else {
            views_source_ui(ui, &mut f.bank);
            number(ui, "views per candidate", &mut f.views_per_candidate, 1..=200, 0.2);
            number(ui, "sample size (px)", &mut f.sample_size, 8..=512, 0.5);
        }
        number(ui, "seed", &mut f.seed, 0..=u64::MAX, 1.0);
        ui.label("device");
        egui::ComboBox::from_id_salt("device").selected_text(format!("{:?}", f.device).to_lowercase()).show_ui(
            ui,
            |ui| {
                ui.selectable_value(&mut f.device, DeviceChoice::Auto, "auto");
                ui.selectable_value(&mut f.device, DeviceChoice::Gpu, "gpu");
                ui.selectable_value(&mut f.device, DeviceChoice::Cpu, "cpu");
            },
        );
        ui.end_row();
    });
    let problem =
        task::ild_problem(panel).or_else(|| problem(&panel.form, chosen.as_deref(), panel.memory_limit.as_ref()));
    if let Some(why) = &problem {
        ui.colored_label(egui::Color32::from_rgb(255, 150, 90), why);
    }
    ui.horizontal(|ui| {
        let can_start = problem.is_none() && !panel.is_active();
        if ui.add_enabled(can_start, egui::Button::new("Start")).clicked() {
            let start = Start::New(Box::new(panel.form.clone()));
            if let Err(e) = panel.start(start, ui.ctx()) {
                panel.status = RunStatus::Failed(e);
            }
        }
        let active = panel.is_active();
        if panel.status == RunStatus::Paused {
            if ui.button("Resume").clicked() {
                panel.control(TrainControl::Resume);
            }
        } else if ui.add_enabled(active, egui::Button::new("Pause")).clicked() {
            panel.control(TrainControl::Pause);
        }
        if ui.add_enabled(active, egui::Button::new("Stop")).on_hover_text("Stop; the best snapshot is kept").clicked()
        {
            panel.control(TrainControl::Stop);
        }
    });
}
