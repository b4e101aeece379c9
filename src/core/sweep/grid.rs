//! An experiment grid (tasks × models × regimes × folds, regions when each lymph-node region
//! trains on its own, lung settings of the ILD slice task) and its expansion into one training
//! configuration per run, with the combinations that cannot run set aside and their reasons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::ild::is_ild_root;
use crate::core::ild::lung::LungFocus;
use crate::core::models::ModelKind;
use crate::core::train::{Regime, Task, TrainConfig};

/// The grid: every model is trained under every regime on every fold of the base config's
/// cross-validation, for every task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// The tasks trained (`ln` for Table II, `ild-slice` and `ild-patch` for Table III); empty:
    /// the base's task.
    #[serde(default)]
    pub tasks: Vec<Task>,
    pub models: Vec<ModelKind>,
    pub regimes: Vec<Regime>,
    /// Region codes the lymph-node report gives columns for.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Train every region of `regions` on its own (the paper's Table II: one network per
    /// region and fold) instead of one network on the pooled regions.
    #[serde(default)]
    pub per_region: bool,
    /// The lung settings the ild-slice task trains under, each its own configuration (the
    /// paper's §II-B comparison of the average mask and smoothing outside the lung); empty: the
    /// base's. The other tasks always train with `none`.
    #[serde(default)]
    pub lungs: Vec<LungFocus>,
    /// Pretrained weights per model name, for the `tl` and `imnet` regimes.
    #[serde(default)]
    pub weights: BTreeMap<String, PathBuf>,
    /// Sample size for every model; unset, each model's own view size (at most 64 px) for
    /// `ln` and 64 px patches for the ILD tasks.
    #[serde(default)]
    pub sample_size: Option<usize>,
    /// The ILD database the ILD tasks read when the grid also trains `ln` (on `base.study`);
    /// unset, the ILD tasks read `base.study`.
    #[serde(default)]
    pub ild_study: Option<PathBuf>,
    /// Everything else every run shares (its task, model, regime, fold, name and runs folder
    /// are replaced per run).
    pub base: TrainConfig,
}

/// One run of a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// The run's name and directory name under `runs/`.
    pub name: String,
    /// The configuration (task, model, regime, input size) whose folds are pooled in the report.
    pub configuration: String,
    pub config: TrainConfig,
}

/// A combination that cannot run, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub configuration: String,
    pub reason: String,
}

/// The name of a configuration: the ILD task when it is one, model and regime, the lung
/// setting when it is not `none`, and the input size when it is not the model's own.
pub fn configuration_name(config: &TrainConfig) -> String {
    let mut name = format!("{}-{}", config.model.name(), config.regime.name());
    if config.task.is_ild() {
        name = format!("{}-{name}", config.task.name());
    }
    if config.lung != LungFocus::None {
        name.push_str(&format!("-lung-{}", config.lung));
    }
    if let Some(size) = config.input_size {
        name.push_str(&format!("-{size}px"));
    }
    name
}

/// The settings whose paper defaults differ between the tasks: folds, views per item,
/// validation views.
fn protocol(task: Task, model: ModelKind) -> (usize, usize, usize) {
    let d = if task.is_ild() {
        TrainConfig::ild_defaults(Path::new(""), model, task)
    } else {
        TrainConfig::paper_defaults(Path::new(""), model)
    };
    (d.folds, d.views_per_candidate, d.val_views)
}

impl Grid {
    /// The tasks of the grid, in order.
    pub fn tasks(&self) -> Vec<Task> {
        if self.tasks.is_empty() { vec![self.base.task] } else { self.tasks.clone() }
    }

    /// The base of one task's runs: the grid's base with the task, its classes and its study (the
    /// ILD tasks read `ild_study` when set, and no view bank); the folds, views per item and
    /// validation views the base leaves at its own task's paper default take this task's.
    fn task_base(&self, task: Task) -> TrainConfig {
        let mut c = self.base.clone();
        let (from, to) = (protocol(c.task, c.model), protocol(task, c.model));
        if c.folds == from.0 {
            c.folds = to.0;
        }
        if c.views_per_candidate == from.1 {
            c.views_per_candidate = to.1;
        }
        if c.val_views == from.2 {
            c.val_views = to.2;
        }
        c.task = task;
        c.classes = task.classes();
        if task != Task::IldSlice {
            c.lung = LungFocus::None;
        }
        if task.is_ild() {
            c.study = self.ild_study.clone().unwrap_or(c.study);
            c.bank = None;
        }
        c
    }

    /// Why no configuration of an ILD task can run, when none can.
    fn ild_refusal(&self, base: &TrainConfig) -> Option<String> {
        let has_ln = self.tasks().contains(&Task::Ln);
        if base.region.is_some() {
            Some("the ILD database has no body regions (--region is for the ln task)".into())
        } else if !has_ln && (self.per_region || !self.regions.is_empty()) {
            Some("the ILD tasks have no body regions (--regions and --per-region are for the ln task)".into())
        } else if !is_ild_root(&base.study) {
            Some(format!(
                "{} is not an ILD database (no ILD_DB_txtROIs folder); beside ln, give the ILD root as --ild-study",
                base.study.display()
            ))
        } else {
            None
        }
    }

    /// The lung settings a task trains under.
    fn lung_settings(&self, task: Task, base: &TrainConfig) -> Vec<LungFocus> {
        match task {
            Task::IldSlice if !self.lungs.is_empty() => self.lungs.clone(),
            _ => vec![base.lung],
        }
    }

    /// The regions trained on their own (`None`: the base's, by default the pooled study;
    /// always for the ILD tasks).
    fn trained_regions(&self, task: Task) -> Vec<Option<String>> {
        if self.per_region && !task.is_ild() { self.regions.iter().cloned().map(Some).collect() } else { vec![None] }
    }

    /// Every run of the grid, in order (task, model, regime, lung setting, region, fold), with its run
    /// directory under `runs_dir`; invalid combinations are skipped once per configuration,
    /// with the reason. A configuration's runs of every region pool into one row of the report
    /// (each patient is tested once, by its region's network).
    pub fn expand(&self, runs_dir: &Path) -> (Vec<PlannedRun>, Vec<Skipped>) {
        let mut runs = Vec::new();
        let mut skipped = Vec::new();
        for task in self.tasks() {
            let base = self.task_base(task);
            let refusal = if task.is_ild() { self.ild_refusal(&base) } else { None };
            let lungs = self.lung_settings(task, &base);
            for &model in &self.models {
                for (&regime, lung) in self.regimes.iter().flat_map(|r| lungs.iter().map(move |&l| (r, l))) {
                    let mut c = base.clone();
                    c.model = model;
                    c.regime = regime;
                    c.lung = lung;
                    let own_size = if task.is_ild() { 64 } else { model.view_size().min(64) };
                    c.sample_size = self.sample_size.unwrap_or(own_size);
                    c.runs_dir = runs_dir.to_path_buf();
                    c.weights = match regime {
                        Regime::Ri => None,
                        Regime::Tl | Regime::Imnet => {
                            self.weights.get(model.name()).cloned().or_else(|| self.base.weights.clone())
                        }
                    };
                    let configuration = configuration_name(&c);
                    if let Some(reason) = refusal.clone().map_or_else(|| c.validate().err(), Some) {
                        skipped.push(Skipped { configuration, reason });
                        continue;
                    }
                    for region in self.trained_regions(task) {
                        for fold in 1..=c.folds {
                            let mut run = c.clone();
                            run.fold = fold;
                            run.name = match &region {
                                Some(r) => format!("{configuration}-{}-f{fold}", r.to_lowercase()),
                                None => format!("{configuration}-f{fold}"),
                            };
                            if region.is_some() {
                                run.region = region.clone();
                            }
                            runs.push(PlannedRun {
                                name: run.name.clone(),
                                configuration: configuration.clone(),
                                config: run,
                            });
                        }
                    }
                }
            }
        }
        (runs, skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid {
            tasks: vec![Task::Ln],
            models: vec![ModelKind::Cifarnet, ModelKind::AlexnetL],
            regimes: vec![Regime::Ri, Regime::Tl, Regime::Imnet],
            regions: vec!["MED".into(), "ABD".into()],
            per_region: false,
            lungs: Vec::new(),
            weights: BTreeMap::from([("alexnet-l".to_string(), PathBuf::from("alexnet.pth"))]),
            sample_size: None,
            ild_study: None,
            base: TrainConfig::paper_defaults(Path::new("study"), ModelKind::Cifarnet),
        }
    }

    #[test]
    fn expansion_gives_every_fold_and_skips_regimes_without_weights() {
        let (runs, skipped) = grid().expand(Path::new("R/runs"));
        // cifarnet: ri only (no weights); alexnet-l: ri, tl, imnet; three folds each
        assert_eq!(runs.len(), 4 * 3);
        assert_eq!(runs[0].name, "cifarnet-ri-f1");
        assert_eq!(runs[3].name, "alexnet-l-ri-f1");
        assert_eq!(runs[3].config.sample_size, 64);
        assert!(runs.iter().all(|r| r.config.runs_dir == Path::new("R/runs")));
        assert!(runs.iter().filter(|r| r.config.regime == Regime::Ri).all(|r| r.config.weights.is_none()));
        let tl = runs.iter().find(|r| r.name == "alexnet-l-tl-f2").unwrap();
        assert_eq!((tl.config.fold, tl.config.weights.as_deref()), (2, Some(Path::new("alexnet.pth"))));
        let names: Vec<&str> = skipped.iter().map(|s| s.configuration.as_str()).collect();
        assert_eq!(names, ["cifarnet-tl", "cifarnet-imnet"]);
        assert!(skipped[0].reason.contains("--weights"), "{}", skipped[0].reason);
    }

    #[test]
    fn a_grid_round_trips_through_toml() {
        let g = grid();
        let text = toml::to_string(&g).unwrap();
        assert_eq!(toml::from_str::<Grid>(&text).unwrap(), g);
    }

    #[test]
    fn per_region_training_gives_each_region_its_own_folds() {
        let mut g = grid();
        g.models = vec![ModelKind::Cifarnet];
        g.regimes = vec![Regime::Ri];
        g.per_region = true;
        let (runs, _) = g.expand(Path::new("R/runs"));
        let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cifarnet-ri-med-f1",
                "cifarnet-ri-med-f2",
                "cifarnet-ri-med-f3",
                "cifarnet-ri-abd-f1",
                "cifarnet-ri-abd-f2",
                "cifarnet-ri-abd-f3"
            ]
        );
        assert!(runs.iter().all(|r| r.configuration == "cifarnet-ri"), "one report row for both regions");
        assert_eq!(runs[4].config.region.as_deref(), Some("ABD"));
        assert_eq!(runs[4].config.fold, 2);
        g.per_region = false;
        assert!(g.expand(Path::new("R/runs")).0.iter().all(|r| r.config.region.is_none()), "pooled by default");
    }

    fn ild_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/ild")
    }

    #[test]
    fn ild_tasks_take_their_own_protocol_study_and_names() {
        let mut g = grid();
        g.tasks = vec![Task::Ln, Task::IldSlice, Task::IldPatch];
        g.models = vec![ModelKind::Cifarnet];
        g.regimes = vec![Regime::Ri];
        g.per_region = true;
        g.ild_study = Some(ild_root());
        g.base.bank = Some(PathBuf::from("bank"));
        g.base.epochs = 2;
        let (runs, skipped) = g.expand(Path::new("R/runs"));
        assert!(skipped.is_empty(), "{skipped:?}");
        // ln: 2 regions × 3 folds; each ILD task: the database pooled, 5 folds (its default)
        assert_eq!(runs.len(), 6 + 5 + 5);
        let slice = &runs[6];
        assert_eq!(
            (slice.name.as_str(), slice.configuration.as_str()),
            ("ild-slice-cifarnet-ri-f1", "ild-slice-cifarnet-ri")
        );
        let c = &slice.config;
        assert_eq!(
            (c.task, c.classes, c.folds, c.region.as_deref(), c.bank.as_deref()),
            (Task::IldSlice, 6, 5, None, None)
        );
        assert_eq!(
            (c.views_per_candidate, c.val_views, c.sample_size, c.epochs),
            (12, 1, 64, 2),
            "set options carry over"
        );
        assert_eq!(c.study, ild_root());
        let patch = &runs[15].config;
        assert_eq!(
            (runs[15].name.as_str(), patch.task, patch.views_per_candidate, patch.fold),
            ("ild-patch-cifarnet-ri-f5", Task::IldPatch, 1, 5)
        );
        assert_eq!((runs[0].config.task, runs[0].config.study.as_path()), (Task::Ln, Path::new("study")));
        // a grid of ILD tasks alone reads its ILD database as the study; set folds carry over
        g.tasks = vec![Task::IldPatch];
        g.ild_study = None;
        g.base.study = ild_root();
        g.base.folds = 2;
        g.per_region = false;
        g.regions.clear();
        let (runs, _) = g.expand(Path::new("R/runs"));
        assert_eq!(
            runs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["ild-patch-cifarnet-ri-f1", "ild-patch-cifarnet-ri-f2"]
        );
    }

    #[test]
    fn lung_settings_multiply_the_slice_task_alone() {
        let mut g = grid();
        g.tasks = vec![Task::IldSlice, Task::IldPatch];
        g.models = vec![ModelKind::Cifarnet];
        g.regimes = vec![Regime::Ri];
        g.regions.clear();
        g.base.study = ild_root();
        g.base.folds = 2;
        g.lungs = vec![LungFocus::None, LungFocus::Average, LungFocus::Smooth];
        let (runs, skipped) = g.expand(Path::new("R/runs"));
        assert!(skipped.is_empty(), "{skipped:?}");
        let named: Vec<(&str, LungFocus)> = runs.iter().map(|r| (r.name.as_str(), r.config.lung)).collect();
        assert_eq!(
            named,
            [
                ("ild-slice-cifarnet-ri-f1", LungFocus::None),
                ("ild-slice-cifarnet-ri-f2", LungFocus::None),
                ("ild-slice-cifarnet-ri-lung-average-f1", LungFocus::Average),
                ("ild-slice-cifarnet-ri-lung-average-f2", LungFocus::Average),
                ("ild-slice-cifarnet-ri-lung-smooth-f1", LungFocus::Smooth),
                ("ild-slice-cifarnet-ri-lung-smooth-f2", LungFocus::Smooth),
                ("ild-patch-cifarnet-ri-f1", LungFocus::None),
                ("ild-patch-cifarnet-ri-f2", LungFocus::None),
            ]
        );
        assert_eq!(runs[3].configuration, "ild-slice-cifarnet-ri-lung-average");
        // without a list the base's setting holds for the slice task; the patch task has none
        g.lungs.clear();
        g.base.task = Task::IldSlice;
        g.base.lung = LungFocus::Smooth;
        let (runs, skipped) = g.expand(Path::new("R/runs"));
        assert!(skipped.is_empty(), "{skipped:?}");
        let lungs: Vec<LungFocus> = runs.iter().map(|r| r.config.lung).collect();
        assert_eq!(lungs, [LungFocus::Smooth, LungFocus::Smooth, LungFocus::None, LungFocus::None]);
    }

    #[test]
    fn ild_combinations_that_cannot_run_are_skipped_with_the_reason() {
        let reasons = |g: &Grid| -> Vec<String> {
            let (runs, skipped) = g.expand(Path::new("R/runs"));
            assert!(runs.iter().all(|r| !r.config.task.is_ild()), "{runs:?}");
            skipped.into_iter().map(|s| format!("{}: {}", s.configuration, s.reason)).collect()
        };
        let mut g = grid();
        g.tasks = vec![Task::IldSlice];
        g.models = vec![ModelKind::Cifarnet];
        g.regimes = vec![Regime::Ri];
        g.base.study = ild_root();
        let regions = reasons(&g);
        assert_eq!(regions.len(), 1);
        assert!(regions[0].starts_with("ild-slice-cifarnet-ri: the ILD tasks have no body regions"), "{regions:?}");
        g.regions.clear();
        g.base.region = Some("MED".into());
        assert!(reasons(&g)[0].contains("--region is for the ln task"));
        g.base.region = None;
        g.base.study = PathBuf::from("study");
        assert!(reasons(&g)[0].contains("study is not an ILD database"), "{:?}", reasons(&g));
        g.base.study = ild_root();
        g.base.input_size = Some(64);
        assert!(reasons(&g)[0].contains("cifarnet cannot take 64 px inputs"), "{:?}", reasons(&g));
        g.base.input_size = None;
        g.regimes = vec![Regime::Tl];
        assert_eq!(reasons(&g), ["ild-slice-cifarnet-tl: the tl regime needs pretrained weights (--weights FILE)"]);
    }
}
