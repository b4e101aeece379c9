//! What the training thread tells its listeners, and what they may tell it. The same records
//! (iteration and epoch metrics) go to `metrics.jsonl`, so a run trained headless plots exactly
//! like one trained in the workbench.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use crate::core::choice::named_choice;

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MetricRecord {
    Iteration(IterationMetrics),
    Epoch(EpochMetrics),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationMetrics {
    /// 0-based epoch.
    pub epoch: usize,
    /// 0-based iteration within the epoch.
    pub iteration: usize,
    /// Iterations since the run began.
    pub global_iteration: usize,
    pub iterations_per_epoch: usize,
    pub loss: f64,
    pub lr: f64,
    pub images_per_second: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 0-based epoch.
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_loss: f64,
    pub val_accuracy: f64,
    pub lr: f64,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
    /// Seconds the training pass waited for the loader to deliver a batch (0 when the data
    /// pipeline keeps up).
    #[serde(default)]
    pub data_wait_seconds: f64,
    /// Training images per second over the whole training pass, data waits included.
    #[serde(default)]
    pub images_per_second: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointKind {
    Best,
    Last,
}

named_choice!(CheckpointKind, "checkpoint", { Best => "best", Last => "last" });

impl CheckpointKind {
    pub fn dir_name(self) -> &'static str {
        match self {
            CheckpointKind::Best => "best",
            CheckpointKind::Last => "last",
        }
    }
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub epochs_completed: usize,
    pub best_epoch: Option<usize>,
    pub best_val_loss: Option<f64>,
    pub best_val_accuracy: Option<f64>,
    pub stopped_by_user: bool,
    pub early_stopped: bool,
    pub seconds: f64,
}

/// Events from the training thread, in order: `Started`, then `Iteration`s, `Epoch`s and
/// `Checkpoint`s (perhaps `Paused`/`Resumed`, `EarlyStop`), then `Finished` or `Failed`.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainEvent {
    Started {
        run_dir: PathBuf,
        config: Box<TrainConfig>,
        device: String,
        /// Patient ids of the training, validation and test sets.
        train_patients: Vec<String>,
        val_patients: Vec<String>,
        test_patients: Vec<String>,
        /// The first epoch this session trains (non-zero when resuming).
        first_epoch: usize,
        /// The GPU's kernels are tuned in this run (no tuning results kept for this adapter),
        /// so the first iterations take minutes.
        tuning_kernels: bool,
    },
    Iteration(IterationMetrics),
    Epoch(EpochMetrics),
    Checkpoint {
        epoch: usize,
        kind: CheckpointKind,
        path: PathBuf,
    },
    EarlyStop {
        epoch: usize,
        best_epoch: usize,
    },
    Paused,
    Resumed,
    Finished(RunSummary),
    Failed {
        message: String,
        /// The batch size at which the device ran out of memory, when that was the cause (the
        /// workbench then refuses that batch for the same model, input size and device).
        out_of_memory_batch: Option<usize>,
    },
}

/// Commands to a running training thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainControl {
    Pause,
    Resume,
    /// Stop after the current iteration; the best snapshot and the last completed epoch stay.
    Stop,
}
