//! A training run's configuration: everything needed to rerun it, saved as `config.toml` in
//! the run directory. Defaults follow the paper's lymph-node protocol.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::choice::named_choice;
use crate::core::dataset::{InputNormalization, Prior, ViewPipeline};
use crate::core::ild::lung::LungFocus;
use crate::core::models::ModelKind;
use crate::core::sampling::{Interpolation, ViewProtocol};
use crate::core::window::{Window, WindowPreset};

use super::task::Task;

/// How the network's weights start and which of them train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// Random initialisation; every layer trains.
    Ri,
    /// Transfer learning: pretrained weights, a new last layer, every layer fine-tuned with the
    /// learning rate ×0.1 except the new last layer.
    Tl,
    /// Off-the-shelf features: pretrained weights frozen, only the new last layer trains.
    Imnet,
}

named_choice!(Regime, "regime", { Ri => "ri", Tl => "tl", Imnet => "imnet" });

/// Where training runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceChoice {
    /// The GPU when one exists, otherwise the CPU.
    Auto,
    /// The GPU (burn-wgpu); an error when there is none.
    Gpu,
    /// The CPU (burn's flex backend).
    Cpu,
}

named_choice!(DeviceChoice, "device", { Auto => "auto", Gpu => "gpu", Cpu => "cpu" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// The run's name; its directory is `runs_dir/name` (or `name-2`, ... if taken).
    pub name: String,
    pub runs_dir: PathBuf,
    /// What the run learns; `study` is a lymph-node study for `ln`, an ILD database otherwise.
    #[serde(default)]
    pub task: Task,
    pub study: PathBuf,
    pub model: ModelKind,
    pub regime: Regime,
    /// Pretrained weights for `tl` and `imnet`.
    pub weights: Option<PathBuf>,
    /// Load every pretrained tensor whose shape matches and list the others, instead of
    /// refusing weights that do not fit the model completely (e.g. ImageNet AlexNet weights for
    /// the reduced alexnet-l).
    #[serde(default)]
    pub partial_weights: bool,
    pub classes: usize,
    pub folds: usize,
    /// The test fold, 1-based.
    pub fold: usize,
    /// Train, validate and test on the patients of this region only ("MED", "ABD"); unset,
    /// on every patient of the study.
    #[serde(default)]
    pub region: Option<String>,
    /// Fraction of the training patients kept for validation (early stopping).
    pub val_fraction: f64,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    /// The learning rate is multiplied by `lr_gamma` every `lr_step_epochs` epochs.
    pub lr_step_epochs: usize,
    pub lr_gamma: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    /// Stop when the validation loss has not improved for this many epochs.
    pub patience: Option<usize>,
    pub prior: Prior,
    pub views_per_candidate: usize,
    pub val_views: usize,
    /// Pixels the views are sampled at (then resized to the model's view size).
    pub sample_size: usize,
    /// Network input size, overriding the model's (views are then resized to it, not cropped);
    /// e.g. 64 px for a fast EfficientNet on the CPU.
    #[serde(default)]
    pub input_size: Option<usize>,
    pub interpolation: Interpolation,
    /// ILD patch task: at most this many patches per contour (the paper: 100).
    #[serde(default = "default_patches_per_roi")]
    pub patches_per_roi: usize,
    pub protocol: ViewProtocol,
    pub window: Window,
    pub normalization: InputNormalization,
    pub seed: u64,
    pub device: DeviceChoice,
    /// Batches rendered ahead of the trainer.
    pub prefetch: usize,
    /// Train from this view bank (`cadet bank`) instead of sampling fresh views every epoch;
    /// its manifest then gives the patients and candidates, and no volume is opened.
    #[serde(default)]
    pub bank: Option<PathBuf>,
    /// ILD slice task: how its inputs show the lung (the paper's average mask, or smoothing
    /// outside the slice's lung).
    #[serde(default)]
    pub lung: LungFocus,
}

fn default_patches_per_roi() -> usize {
    100
}

impl TrainConfig {
    /// The paper's lymph-node protocol for a model: SGD, momentum 0.9, weight decay 0.0005,
    /// learning rate 0.01 divided by 10 every 10 epochs, 30 epochs, batch 50.
    pub fn paper_defaults(study: &Path, model: ModelKind) -> Self {
        Self {
            name: model.name().to_string(),
            runs_dir: PathBuf::from("runs"),
            task: Task::Ln,
            study: study.to_path_buf(),
            model,
            regime: Regime::Ri,
            weights: None,
            partial_weights: false,
            classes: 2,
            folds: 3,
            fold: 1,
            region: None,
            val_fraction: 0.2,
            epochs: 30,
            batch: 50,
            lr: 0.01,
            lr_step_epochs: 10,
            lr_gamma: 0.1,
            momentum: 0.9,
            weight_decay: 0.0005,
            patience: Some(10),
            prior: Prior::Equal,
            views_per_candidate: 40,
            val_views: 4,
            sample_size: model.view_size().min(64),
            input_size: None,
            interpolation: Interpolation::Linear,
            patches_per_roi: default_patches_per_roi(),
            protocol: ViewProtocol::default(),
            window: WindowPreset::SoftTissue.window(),
            normalization: InputNormalization::Imagenet,
            seed: 2016,
            device: DeviceChoice::Auto,
            prefetch: 4,
            bank: None,
            lung: LungFocus::None,
        }
    }

    /// The paper's ILD protocol for a model on a task: 6 classes, patient-level 5-fold CV, 64 px
    /// patches (slice level: whole slices); every epoch shows each patch once and each
    /// (slice, class) in all 12 of its augmentations; the validation items are shown once.
    pub fn ild_defaults(study: &Path, model: ModelKind, task: Task) -> Self {
        Self {
            task,
            classes: task.classes(),
            folds: 5,
            sample_size: 64,
            views_per_candidate: if task == Task::IldSlice { crate::core::ild::slices::AUGMENTATIONS } else { 1 },
            val_views: 1,
            ..Self::paper_defaults(study, model)
        }
    }

    /// The same configuration with the study, weights, bank and runs folder as absolute paths (what
    /// a run directory records), so that `eval`, `--resume` and the workbench find them from
    /// any working directory.
    pub fn with_absolute_paths(mut self) -> std::io::Result<Self> {
        self.study = std::path::absolute(&self.study)?;
        self.runs_dir = std::path::absolute(&self.runs_dir)?;
        self.weights = self.weights.as_deref().map(std::path::absolute).transpose()?;
        self.bank = self.bank.as_deref().map(std::path::absolute).transpose()?;
        Ok(self)
    }

    /// The learning rate of epoch `epoch` (0-based) under the step schedule.
    pub fn lr_at(&self, epoch: usize) -> f64 {
        let steps = epoch.checked_div(self.lr_step_epochs).unwrap_or(0);
        self.lr * self.lr_gamma.powi(steps as i32)
    }

    pub fn pipeline(&self) -> ViewPipeline {
        ViewPipeline {
            protocol: self.protocol.clone(),
            sample_size: self.sample_size,
            view_size: self.input_size.unwrap_or(self.model.view_size()),
            input_size: self.input_size.unwrap_or(self.model.input_size()),
            window: self.window,
            normalization: self.normalization,
        }
    }

    /// Explains why a configuration cannot run, before anything starts.
    pub fn validate(&self) -> Result<(), String> {
        let model = self.model;
        let input_ok = match (self.model, self.input_size) {
            (_, None) => true,
            (ModelKind::Cifarnet, Some(s)) => s == 32,
            (_, Some(s)) => (32..=512).contains(&s) && s % 2 == 0,
        };
        let classes_ok = !self.task.is_ild() || self.classes == self.task.classes();
        let checks: [(bool, String); 12] = [
            (classes_ok, format!("the {} task has {} classes, not {}", self.task, self.task.classes(), self.classes)),
            (
                input_ok,
                format!(
                    "{} cannot take {} px inputs (cifarnet: 32; others: even sizes 32 to 512)",
                    model.name(),
                    self.input_size.unwrap_or(0)
                ),
            ),
            (self.epochs >= 1, "epochs must be at least 1".into()),
            (self.batch >= 1, "the batch size must be at least 1".into()),
            (self.lr > 0.0 && self.lr.is_finite(), "the learning rate must be positive".into()),
            (self.classes >= 2, "at least 2 classes are needed".into()),
            (
                self.views_per_candidate >= 1 && self.views_per_candidate <= 200,
                "views per candidate must be 1 to 200".into(),
            ),
            (self.val_views >= 1 && self.val_views <= 200, "validation views must be 1 to 200".into()),
            (self.sample_size >= 8 && self.sample_size <= 512, "the sample size must be 8 to 512 pixels".into()),
            (
                self.regime == Regime::Ri || self.weights.is_some(),
                format!("the {} regime needs pretrained weights (--weights FILE)", self.regime.name()),
            ),
            (self.fold >= 1 && self.fold <= self.folds, format!("fold {} is not one of 1..={}", self.fold, self.folds)),
            (
                self.lung == LungFocus::None || self.task == Task::IldSlice,
                format!("the lung focus ({}) is a setting of the ild-slice task, not of {}", self.lung, self.task),
            ),
        ];
        match checks.into_iter().find(|(ok, _)| !ok) {
            Some((_, why)) => Err(why),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_schedule_divides_by_ten_every_ten_epochs() {
        let c = TrainConfig::paper_defaults(Path::new("s"), ModelKind::Cifarnet);
        assert_eq!(c.lr_at(0), 0.01);
        assert_eq!(c.lr_at(9), 0.01);
        assert!((c.lr_at(10) - 0.001).abs() < 1e-15);
        assert!((c.lr_at(29) - 0.0001).abs() < 1e-15);
    }

    #[test]
    fn config_round_trips_through_toml_and_validates() {
        let mut c = TrainConfig::paper_defaults(Path::new("sample_data/synthetic"), ModelKind::AlexnetL);
        let text = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<TrainConfig>(&text).unwrap(), c);
        assert!(c.validate().is_ok());
        c.regime = Regime::Tl;
        assert!(c.validate().unwrap_err().contains("--weights"));
    }
}
