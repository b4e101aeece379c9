//! Where each run of a sweep stands: what its directory says (finished, stopped, failed with
//! the reason from `train.log`, or started and not ended) combined with what the scheduler says
//! (queued or running, and on which node).

use std::collections::HashMap;
use std::path::Path;

use super::plan::Sweep;
use crate::core::train::{RunDir, RunState, Task};

/// What a run directory alone tells.
#[derive(Clone, Debug, PartialEq)]
pub enum DirState {
    /// No directory (or no config in it) yet.
    Missing,
    /// Started, not ended: training now, or killed.
    Started,
    Finished,
    /// Stopped by a user; its last epoch and best snapshot stay.
    Stopped,
    Failed(String),
}

/// A run directory's state with its progress.
#[derive(Clone, Debug, PartialEq)]
pub struct RunStatus {
    pub state: DirState,
    pub epochs_completed: usize,
    pub best_val_loss: Option<f64>,
}

/// Reads a run directory (it may not exist yet); its state is the run's own
/// ([`RunState`], as the workbench's runs browser reads it), whether it is still being
/// written being left to the scheduler.
pub fn read_run_dir(dir: &Path) -> RunStatus {
    let Ok(run) = RunDir::open(dir) else {
        return RunStatus { state: DirState::Missing, epochs_completed: 0, best_val_loss: None };
    };
    let epochs = run.epoch_metrics().unwrap_or_default();
    let best_val_loss =
        epochs.iter().map(|e| e.val_loss).fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.min(v))));
    let planned = run.read_config().map_or(0, |c| c.epochs);
    let state = match RunState::of(&run, planned) {
        RunState::Finished(_) => DirState::Finished,
        RunState::Stopped(_) => DirState::Stopped,
        RunState::Failed(reason) => DirState::Failed(reason),
        RunState::Active { .. } | RunState::Interrupted { .. } => DirState::Started,
    };
    RunStatus { state, epochs_completed: epochs.len(), best_val_loss }
}

/// What the scheduler (or the local process table) says of one task.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchedulerInfo {
    /// Slurm's state name (PENDING, RUNNING, COMPLETED, FAILED, ...), or RUNNING for a live
    /// local process.
    pub state: String,
    pub node: Option<String>,
    /// Slurm's reason or exit code, when it gives one.
    pub reason: Option<String>,
}

impl SchedulerInfo {
    fn is_active(&self) -> bool {
        matches!(
            self.state.as_str(),
            "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "REQUEUED" | "RESIZING" | "SUSPENDED"
        )
    }
}

/// The state of one run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepRunState {
    /// Never started and not queued.
    Missing,
    Queued,
    Running,
    Finished,
    Stopped,
    Failed(String),
    /// Started, but no task is running it any more (killed, cancelled, node lost).
    Interrupted,
}

impl SweepRunState {
    pub fn label(&self) -> &'static str {
        match self {
            SweepRunState::Missing => "missing",
            SweepRunState::Queued => "queued",
            SweepRunState::Running => "running",
            SweepRunState::Finished => "finished",
            SweepRunState::Stopped => "stopped",
            SweepRunState::Failed(_) => "failed",
            SweepRunState::Interrupted => "interrupted",
        }
    }

    /// Whether submitting the sweep again should run it (it continues from its checkpoint).
    pub fn needs_submission(&self) -> bool {
        matches!(self, SweepRunState::Missing | SweepRunState::Failed(_) | SweepRunState::Interrupted)
    }
}

/// One row of `cadet sweep status`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub index: usize,
    pub name: String,
    pub configuration: String,
    pub task: Task,
    pub state: SweepRunState,
    pub epochs_completed: usize,
    pub epochs: usize,
    pub best_val_loss: Option<f64>,
    pub node: Option<String>,
}

/// Combines the directory and the scheduler. A task the scheduler saw fail that left no reason
/// in the directory gets the scheduler's.
fn combine(dir: RunStatus, task: Option<&SchedulerInfo>) -> SweepRunState {
    match (dir.state, task) {
        (DirState::Finished, _) => SweepRunState::Finished,
        (_, Some(t)) if t.is_active() && t.state == "PENDING" => SweepRunState::Queued,
        (_, Some(t)) if t.is_active() => SweepRunState::Running,
        (DirState::Stopped, _) => SweepRunState::Stopped,
        (DirState::Failed(reason), _) => SweepRunState::Failed(reason),
        (_, Some(t)) if t.state != "COMPLETED" => {
            let why = t.reason.clone().unwrap_or_default();
            SweepRunState::Failed(format!("task {} {why}", t.state.to_lowercase()).trim().to_string())
        }
        (DirState::Started, _) => SweepRunState::Interrupted,
        (_, _) => SweepRunState::Missing,
    }
}

/// Every run's row; `tasks` maps run indices to what the scheduler knows of them.
pub fn sweep_status(sweep: &Sweep, tasks: &HashMap<usize, SchedulerInfo>) -> Vec<RunRow> {
    sweep
        .runs
        .iter()
        .enumerate()
        .map(|(index, run)| {
            let dir = sweep.run_dir(index).map(|d| read_run_dir(&d));
            let dir = dir.unwrap_or(RunStatus { state: DirState::Missing, epochs_completed: 0, best_val_loss: None });
            let (epochs_completed, best_val_loss) = (dir.epochs_completed, dir.best_val_loss);
            let task = tasks.get(&index);
            RunRow {
                index,
                name: run.name.clone(),
                configuration: run.configuration.clone(),
                task: run.config.task,
                state: combine(dir, task),
                epochs_completed,
                epochs: run.config.epochs,
                best_val_loss,
                node: task.and_then(|t| t.node.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: DirState) -> RunStatus {
        RunStatus { state, epochs_completed: 1, best_val_loss: Some(0.5) }
    }

    fn task(state: &str) -> SchedulerInfo {
        SchedulerInfo { state: state.into(), node: Some("n1".into()), reason: Some("NonZeroExitCode".into()) }
    }

    #[test]
    fn the_directory_and_the_scheduler_combine() {
        assert_eq!(combine(status(DirState::Finished), Some(&task("RUNNING"))), SweepRunState::Finished);
        assert_eq!(combine(status(DirState::Missing), Some(&task("PENDING"))), SweepRunState::Queued);
        assert_eq!(combine(status(DirState::Started), Some(&task("RUNNING"))), SweepRunState::Running);
        assert_eq!(combine(status(DirState::Started), None), SweepRunState::Interrupted);
        assert_eq!(combine(status(DirState::Missing), None), SweepRunState::Missing);
        let failed = combine(status(DirState::Missing), Some(&task("FAILED")));
        assert_eq!(failed, SweepRunState::Failed("task failed NonZeroExitCode".into()));
        assert!(failed.needs_submission());
        let logged = combine(status(DirState::Failed("no positives".into())), Some(&task("COMPLETED")));
        assert_eq!(logged, SweepRunState::Failed("no positives".into()));
        assert!(!SweepRunState::Finished.needs_submission());
    }
}
