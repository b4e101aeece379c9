//! An experiment grid (models × regimes × folds, and regions when each region trains on its
//! own; reported per region) and its expansion into
//! one training configuration per run, with the combinations that cannot run set aside and
//! their reasons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::core::models::ModelKind;
use crate::core::train::{Regime, TrainConfig};

/// Which of the paper's experiments a grid reproduces. Only lymph-node detection (Table II)
/// exists so far; the interstitial lung disease tasks (Table III) become more variants here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SweepTask {
    /// Lymph-node detection, reported like Table II.
    #[default]
    LymphNodes,
}

impl SweepTask {
    pub fn name(self) -> &'static str {
        match self {
            SweepTask::LymphNodes => "ln",
        }
    }
}

/// The grid: every model is trained under every regime on every fold of the base config's
/// cross-validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    #[serde(default)]
    pub task: SweepTask,
    pub models: Vec<ModelKind>,
    pub regimes: Vec<Regime>,
    /// Region codes the report gives columns for.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Train every region of `regions` on its own (the paper's Table II: one network per
    /// region and fold) instead of one network on the pooled regions.
    #[serde(default)]
    pub per_region: bool,
    /// Pretrained weights per model name, for the `tl` and `imnet` regimes.
    #[serde(default)]
    pub weights: BTreeMap<String, PathBuf>,
    /// Sample size for every model; unset, each model's own view size (at most 64 px).
    #[serde(default)]
    pub sample_size: Option<usize>,
    /// Everything else every run shares (its model, regime, fold, name and runs folder are
    /// replaced per run).
    pub base: TrainConfig,
}

/// One run of a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// The run's name and directory name under `runs/`.
    pub name: String,
    /// The configuration (model, regime, input size) whose folds are pooled in the report.
    pub configuration: String,
    pub config: TrainConfig,
}

/// A combination that cannot run, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub configuration: String,
    pub reason: String,
}

/// The name of a configuration: model and regime, and the input size when it is not the
/// model's own.
pub fn configuration_name(config: &TrainConfig) -> String {
    let mut name = format!("{}-{}", config.model.name(), config.regime.name());
    if let Some(size) = config.input_size {
        name.push_str(&format!("-{size}px"));
    }
    name
}

impl Grid {
    /// The regions trained on their own (`None`: the pooled study).
    fn trained_regions(&self) -> Vec<Option<String>> {
        if self.per_region { self.regions.iter().cloned().map(Some).collect() } else { vec![None] }
    }

    /// Every run of the grid, in order (model, regime, region, fold), with its run directory
    /// under `runs_dir`; invalid combinations are skipped once per configuration, with the
    /// reason. A configuration's runs of every region pool into one row of the report (each
    /// patient is tested once, by its region's network).
    pub fn expand(&self, runs_dir: &Path) -> (Vec<PlannedRun>, Vec<Skipped>) {
        let mut runs = Vec::new();
        let mut skipped = Vec::new();
        for &model in &self.models {
            for &regime in &self.regimes {
                let mut c = self.base.clone();
                c.model = model;
                c.regime = regime;
                c.sample_size = self.sample_size.unwrap_or(model.view_size().min(64));
                c.runs_dir = runs_dir.to_path_buf();
                c.weights = match regime {
                    Regime::Ri => None,
                    Regime::Tl | Regime::Imnet => {
                        self.weights.get(model.name()).cloned().or_else(|| self.base.weights.clone())
                    }
                };
                let configuration = configuration_name(&c);
                if let Err(reason) = c.validate() {
                    skipped.push(Skipped { configuration, reason });
                    continue;
                }
                for region in self.trained_regions() {
                    for fold in 1..=c.folds {
                        let mut run = c.clone();
                        run.fold = fold;
                        run.name = match &region {
                            Some(r) => format!("{configuration}-{}-f{fold}", r.to_lowercase()),
                            None => format!("{configuration}-f{fold}"),
                        };
                        run.region = region.clone();
                        runs.push(PlannedRun {
                            name: run.name.clone(),
                            configuration: configuration.clone(),
                            config: run,
                        });
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
            task: SweepTask::LymphNodes,
            models: vec![ModelKind::Cifarnet, ModelKind::AlexnetL],
            regimes: vec![Regime::Ri, Regime::Tl, Regime::Imnet],
            regions: vec!["MED".into(), "ABD".into()],
            per_region: false,
            weights: BTreeMap::from([("alexnet-l".to_string(), PathBuf::from("alexnet.pth"))]),
            sample_size: None,
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
}
