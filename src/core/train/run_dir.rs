//! The run directory: `config.toml`, `split.json`, `metrics.jsonl`, `train.log`,
//! `summary.json` and `checkpoints/{best,last}/` (model, optimizer state, progress). A new run
//! never reuses an existing directory; checkpoints are replaced atomically.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::events::{CheckpointKind, EpochMetrics, MetricRecord, RunSummary};
use crate::core::atomic::{create_fresh_dir, write_bytes_atomically};

#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct RunDirError {
    pub path: PathBuf,
    pub detail: String,
}

fn err(path: &Path, detail: impl ToString) -> RunDirError {
    RunDirError { path: path.to_path_buf(), detail: detail.to_string() }
}

/// Progress saved with every checkpoint, enough to continue a run exactly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Epochs completed (the next epoch to train).
    pub epochs_completed: usize,
    pub global_iteration: usize,
    pub best_val_loss: Option<f64>,
    pub best_val_accuracy: Option<f64>,
    pub best_epoch: Option<usize>,
    pub epochs_without_improvement: usize,
    pub seconds: f64,
}

/// The patient ids of a run's sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    pub train: Vec<String>,
    pub val: Vec<String>,
    pub test: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunDir {
    pub path: PathBuf,
}

impl RunDir {
    /// Creates `runs_dir/name`, or `name-2`, `name-3`, ... when taken.
    pub fn create(runs_dir: &Path, name: &str) -> Result<Self, RunDirError> {
        let base = runs_dir.join(name);
        let path = create_fresh_dir(&base).map_err(|e| err(&base, e))?;
        Ok(Self { path })
    }

    /// An existing run directory (it must hold a config).
    pub fn open(path: &Path) -> Result<Self, RunDirError> {
        let run = Self { path: path.to_path_buf() };
        if !run.config_path().is_file() {
            return Err(err(path, "not a run directory (no config.toml)"));
        }
        Ok(run)
    }

    pub fn name(&self) -> String {
        self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path.join("config.toml")
    }

    pub fn metrics_path(&self) -> PathBuf {
        self.path.join("metrics.jsonl")
    }

    pub fn checkpoint_dir(&self, kind: CheckpointKind) -> PathBuf {
        self.path.join("checkpoints").join(kind.dir_name())
    }

    pub fn write_config(&self, config: &TrainConfig) -> Result<(), RunDirError> {
        let p = self.config_path();
        let text = toml::to_string_pretty(config).map_err(|e| err(&p, e))?;
        write_bytes_atomically(&p, text.as_bytes()).map_err(|e| err(&p, e))
    }

    pub fn read_config(&self) -> Result<TrainConfig, RunDirError> {
        let p = self.config_path();
        let text = fs::read_to_string(&p).map_err(|e| err(&p, e))?;
        toml::from_str(&text).map_err(|e| err(&p, e))
    }

    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), RunDirError> {
        let p = self.path.join(name);
        let text = serde_json::to_string_pretty(value).map_err(|e| err(&p, e))?;
        write_bytes_atomically(&p, text.as_bytes()).map_err(|e| err(&p, e))
    }

    pub fn read_json<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Result<T, RunDirError> {
        let p = self.path.join(name);
        let text = fs::read_to_string(&p).map_err(|e| err(&p, e))?;
        serde_json::from_str(&text).map_err(|e| err(&p, e))
    }

    pub fn read_split(&self) -> Result<SplitRecord, RunDirError> {
        self.read_json("split.json")
    }

    pub fn read_summary(&self) -> Result<RunSummary, RunDirError> {
        self.read_json("summary.json")
    }

    pub fn append_metric(&self, record: &MetricRecord) -> Result<(), RunDirError> {
        let p = self.metrics_path();
        let line = serde_json::to_string(record).map_err(|e| err(&p, e))?;
        let mut f = OpenOptions::new().create(true).append(true).open(&p).map_err(|e| err(&p, e))?;
        writeln!(f, "{line}").map_err(|e| err(&p, e))
    }

    /// Every record of `metrics.jsonl` (a run in progress may have none yet).
    pub fn read_metrics(&self) -> Result<Vec<MetricRecord>, RunDirError> {
        let p = self.metrics_path();
        let Ok(f) = fs::File::open(&p) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| err(&p, e))?;
            if line.trim().is_empty() {
                continue;
            }
            out.push(serde_json::from_str(&line).map_err(|e| err(&p, format!("line {}: {e}", i + 1)))?);
        }
        Ok(out)
    }

    /// The epoch records, in order.
    pub fn epoch_metrics(&self) -> Result<Vec<EpochMetrics>, RunDirError> {
        Ok(self
            .read_metrics()?
            .into_iter()
            .filter_map(|r| match r {
                MetricRecord::Epoch(e) => Some(e),
                MetricRecord::Iteration(_) => None,
            })
            .collect())
    }

    /// Drops records of epochs at or after `epoch` (an interrupted epoch is trained again).
    pub fn truncate_metrics(&self, epoch: usize) -> Result<(), RunDirError> {
        let kept: Vec<String> = self
            .read_metrics()?
            .iter()
            .filter(|r| match r {
                MetricRecord::Iteration(m) => m.epoch < epoch,
                MetricRecord::Epoch(m) => m.epoch < epoch,
            })
            .filter_map(|r| serde_json::to_string(r).ok())
            .collect();
        let p = self.metrics_path();
        let text: String = kept.iter().map(|l| format!("{l}\n")).collect();
        write_bytes_atomically(&p, text.as_bytes()).map_err(|e| err(&p, e))
    }

    /// Appends a line to `train.log`.
    pub fn log(&self, message: &str) {
        let p = self.path.join("train.log");
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(&p) {
            let _ = writeln!(f, "{message}");
        }
        log::info!("{}: {message}", self.name());
    }

    /// Replaces a checkpoint directory with the files `write` puts into a fresh temporary one.
    pub fn replace_checkpoint(
        &self,
        kind: CheckpointKind,
        write: impl FnOnce(&Path) -> Result<(), RunDirError>,
    ) -> Result<PathBuf, RunDirError> {
        let target = self.checkpoint_dir(kind);
        let parent = target.parent().unwrap_or(&self.path).to_path_buf();
        fs::create_dir_all(&parent).map_err(|e| err(&parent, e))?;
        let staging = parent.join(format!(".{}-{}.partial", kind.dir_name(), std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging).map_err(|e| err(&staging, e))?;
        write(&staging)?;
        let old = parent.join(format!(".{}.old", kind.dir_name()));
        let _ = fs::remove_dir_all(&old);
        if target.exists() {
            fs::rename(&target, &old).map_err(|e| err(&target, e))?;
        }
        fs::rename(&staging, &target).map_err(|e| err(&target, e))?;
        let _ = fs::remove_dir_all(&old);
        Ok(target)
    }

    /// A checkpoint's saved progress.
    pub fn read_progress(&self, kind: CheckpointKind) -> Result<Progress, RunDirError> {
        let p = self.checkpoint_dir(kind).join("progress.json");
        let text = fs::read_to_string(&p).map_err(|e| err(&p, e))?;
        serde_json::from_str(&text).map_err(|e| err(&p, e))
    }
}

/// Every run directory under `runs_dir`, sorted by name.
pub fn list_runs(runs_dir: &Path) -> Vec<RunDir> {
    let Ok(entries) = fs::read_dir(runs_dir) else { return Vec::new() };
    let mut runs: Vec<RunDir> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("config.toml").is_file())
        .map(|path| RunDir { path })
        .collect();
    runs.sort_by(|a, b| a.path.cmp(&b.path));
    runs
}
