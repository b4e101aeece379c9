//! `R/sweep.toml`: the grid, the runs it expanded to (a run's index is its position and its
//! directory is `R/runs/NAME`), the combinations skipped, and every submission with its job id.
//! Planning again on the same folder keeps every run and refuses one whose configuration changed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::grid::{Grid, PlannedRun, Skipped};
use super::{SweepError, file_error};
use crate::core::atomic::write_bytes_atomically;

pub const SWEEP_FILE: &str = "sweep.toml";

/// One submission of some of the runs: a Slurm job array or a local batch of processes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// "slurm" or "local".
    pub executor: String,
    /// The Slurm job id of the array (none for local processes).
    pub job_id: Option<String>,
    /// Run indices, which are also the array task ids.
    pub indices: Vec<usize>,
    /// The batch script submitted.
    pub script: Option<PathBuf>,
    /// Seconds since the Unix epoch.
    pub submitted_unix: u64,
}

/// A sweep folder and its plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    #[serde(skip)]
    pub dir: PathBuf,
    pub grid: Grid,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    #[serde(default)]
    pub runs: Vec<PlannedRun>,
    #[serde(default)]
    pub submissions: Vec<Submission>,
}

/// The first field where two configurations differ (their TOML lines), for the error message.
fn first_difference(a: &impl Serialize, b: &impl Serialize) -> String {
    let (Ok(a), Ok(b)) = (toml::to_string(a), toml::to_string(b)) else { return "unreadable".into() };
    let removed = a.lines().find(|l| !b.lines().any(|m| m == *l)).unwrap_or("");
    let added = b.lines().find(|l| !a.lines().any(|m| m == *l)).unwrap_or("");
    format!("was `{removed}`, now `{added}`")
}

impl Sweep {
    pub fn runs_dir(dir: &Path) -> PathBuf {
        dir.join("runs")
    }

    pub fn run_dir(&self, index: usize) -> Option<PathBuf> {
        self.runs.get(index).map(|r| Self::runs_dir(&self.dir).join(&r.name))
    }

    /// Reads `dir/sweep.toml`.
    pub fn load(dir: &Path) -> Result<Self, SweepError> {
        let path = dir.join(SWEEP_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
        let mut sweep: Sweep = toml::from_str(&text).map_err(|e| file_error(&path, e))?;
        sweep.dir = dir.to_path_buf();
        Ok(sweep)
    }

    pub fn save(&self) -> Result<(), SweepError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| file_error(&self.dir, e))?;
        let path = self.dir.join(SWEEP_FILE);
        let text = toml::to_string_pretty(self).map_err(|e| file_error(&path, e))?;
        write_bytes_atomically(&path, text.as_bytes()).map_err(|e| file_error(&path, e))
    }

    /// Expands `grid` into `dir` (runs under `dir/runs`) and merges it with the plan already
    /// there: runs planned before keep their index; a run whose name is planned with another
    /// configuration is refused. Saves `sweep.toml`.
    pub fn plan(dir: &Path, grid: Grid) -> Result<Self, SweepError> {
        let (planned, skipped) = grid.expand(&Self::runs_dir(dir));
        let mut sweep = if dir.join(SWEEP_FILE).is_file() {
            Self::load(dir)?
        } else {
            Sweep {
                dir: dir.to_path_buf(),
                grid: grid.clone(),
                skipped: Vec::new(),
                runs: Vec::new(),
                submissions: Vec::new(),
            }
        };
        for run in planned {
            match sweep.runs.iter().find(|r| r.name == run.name) {
                Some(old) if old.config != run.config => {
                    return Err(SweepError::ConfigurationChanged {
                        sweep: dir.to_path_buf(),
                        run: run.name.clone(),
                        detail: first_difference(&old.config, &run.config),
                    });
                }
                Some(_) => {}
                None => sweep.runs.push(run),
            }
        }
        sweep.grid = grid;
        sweep.skipped = skipped;
        sweep.save()?;
        Ok(sweep)
    }

    /// Records a submission and saves the plan.
    pub fn record(&mut self, submission: Submission) -> Result<(), SweepError> {
        self.submissions.push(submission);
        self.save()
    }

    /// The Slurm job ids of every submission, oldest first.
    pub fn job_ids(&self) -> Vec<String> {
        self.submissions.iter().filter_map(|s| s.job_id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::core::models::ModelKind;
    use crate::core::train::{Regime, TrainConfig};

    fn grid(epochs: usize) -> Grid {
        let mut base = TrainConfig::paper_defaults(Path::new("study"), ModelKind::Cifarnet);
        base.epochs = epochs;
        base.folds = 2;
        Grid {
            tasks: Vec::new(),
            models: vec![ModelKind::Cifarnet],
            regimes: vec![Regime::Ri],
            regions: vec![],
            per_region: false,
            lungs: Vec::new(),
            weights: BTreeMap::new(),
            sample_size: None,
            ild_study: None,
            base,
        }
    }

    #[test]
    fn planning_again_keeps_runs_and_refuses_a_changed_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let first = Sweep::plan(dir.path(), grid(1)).unwrap();
        assert_eq!(first.runs.len(), 2);
        assert_eq!(first.run_dir(1).unwrap(), dir.path().join("runs/cifarnet-ri-f2"));
        let mut again = Sweep::plan(dir.path(), grid(1)).unwrap();
        assert_eq!(again.runs, first.runs);
        again
            .record(Submission {
                executor: "slurm".into(),
                job_id: Some("7".into()),
                indices: vec![0, 1],
                script: None,
                submitted_unix: 0,
            })
            .unwrap();
        assert_eq!(Sweep::load(dir.path()).unwrap().job_ids(), ["7"]);
        let changed = Sweep::plan(dir.path(), grid(2)).unwrap_err();
        assert!(matches!(changed, SweepError::ConfigurationChanged { .. }), "{changed}");
        assert!(changed.to_string().contains("epochs = 1"), "{changed}");
    }
}
