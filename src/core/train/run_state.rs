//! Where a run directory stands, read from its files alone (so runs of another process, a
//! sweep or an earlier session read the same): finished, stopped, failed with its reason,
//! interrupted, or still being written.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::events::{CheckpointKind, RunSummary};
use super::run_dir::RunDir;

/// A run whose files changed this recently, with no end in its log, is taken to be training
/// in some process.
pub const ACTIVE_WITHIN: Duration = Duration::from_secs(90);

/// The state of a run directory.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Ran to its last epoch or stopped early on the validation loss.
    Finished(RunSummary),
    /// Stopped by the user after `summary.epochs_completed` epochs.
    Stopped(RunSummary),
    /// Ended with an error; the reason as the log records it.
    Failed(String),
    /// Started, not ended, and its files changed within [`ACTIVE_WITHIN`].
    Active { epochs_completed: usize },
    /// Started, not ended, and quiet: the process was killed or the machine went down.
    Interrupted { epochs_completed: usize },
}

impl RunState {
    /// Reads the state of `run`, whose configuration asks for `epochs` epochs.
    pub fn of(run: &RunDir, epochs: usize) -> RunState {
        Self::from_parts(
            &std::fs::read_to_string(run.path.join("train.log")).unwrap_or_default(),
            run.read_summary().ok(),
            run.read_progress(CheckpointKind::Last).map(|p| p.epochs_completed).unwrap_or(0),
            last_change(&run.path).and_then(|t| t.elapsed().ok()),
            epochs,
        )
    }

    /// The state from the log's text, the summary (if any), the epochs of the last checkpoint
    /// and how long ago the run's files last changed. The log's last lifecycle line (start,
    /// resume, failure, end) decides
    /// (a resumed run that then failed is failed, whatever an earlier stop's summary says).
    pub fn from_parts(
        log: &str,
        summary: Option<RunSummary>,
        epochs_completed: usize,
        since_change: Option<Duration>,
        epochs: usize,
    ) -> RunState {
        let lifecycle = ["failed: ", "finished: ", "training ", "resumed after"];
        let last = log.lines().rev().find(|l| lifecycle.iter().any(|p| l.starts_with(p)));
        match (last, summary) {
            (Some(line), _) if line.starts_with("failed: ") => RunState::Failed(line["failed: ".len()..].to_string()),
            (Some(line), Some(s)) if line.starts_with("finished: ") => {
                if s.stopped_by_user && s.epochs_completed < epochs {
                    RunState::Stopped(s)
                } else {
                    RunState::Finished(s)
                }
            }
            _ if since_change.is_some_and(|d| d < ACTIVE_WITHIN) => RunState::Active { epochs_completed },
            _ => RunState::Interrupted { epochs_completed },
        }
    }

    /// Whether `cadet train --resume` (or the workbench's Resume) can continue it.
    pub fn resumable(&self) -> bool {
        match self {
            RunState::Stopped(s) => s.epochs_completed > 0,
            RunState::Interrupted { epochs_completed } => *epochs_completed > 0,
            RunState::Failed(_) | RunState::Finished(_) | RunState::Active { .. } => false,
        }
    }

    /// One line for a runs list.
    pub fn describe(&self) -> String {
        let best = |s: &RunSummary| {
            format!(
                "best val loss {} acc {} (epoch {})",
                s.best_val_loss.map_or("-".into(), |v| format!("{v:.3}")),
                s.best_val_accuracy.map_or("-".into(), |v| format!("{v:.3}")),
                s.best_epoch.map_or("-".into(), |e| (e + 1).to_string())
            )
        };
        match self {
            RunState::Finished(s) => {
                let early = if s.early_stopped { ", early stop" } else { "" };
                format!("finished after {} epochs{early}: {}", s.epochs_completed, best(s))
            }
            RunState::Stopped(s) => format!("stopped after {} epochs: {}", s.epochs_completed, best(s)),
            RunState::Failed(reason) => format!("failed: {reason}"),
            RunState::Active { epochs_completed } => format!("training ({epochs_completed} epochs done)"),
            RunState::Interrupted { epochs_completed } => format!("interrupted after {epochs_completed} epochs"),
        }
    }
}

/// The newest modification time of the files a training run keeps writing.
fn last_change(dir: &Path) -> Option<SystemTime> {
    ["metrics.jsonl", "train.log", "config.toml"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).and_then(|m| m.modified()).ok())
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(epochs: usize, stopped: bool) -> RunSummary {
        RunSummary {
            epochs_completed: epochs,
            best_epoch: Some(1),
            best_val_loss: Some(0.25),
            best_val_accuracy: Some(0.875),
            stopped_by_user: stopped,
            early_stopped: false,
            seconds: 3.0,
        }
    }

    const OLD: Option<Duration> = Some(Duration::from_secs(3600));

    #[test]
    fn the_last_lifecycle_line_decides() {
        let log = "training cifarnet (ri) on CPU\nfinished: RunSummary { .. }\n";
        assert_eq!(
            RunState::from_parts(log, Some(summary(3, false)), 3, OLD, 3),
            RunState::Finished(summary(3, false))
        );
        let stopped = RunState::from_parts(log, Some(summary(1, true)), 1, OLD, 3);
        assert_eq!(stopped, RunState::Stopped(summary(1, true)));
        assert!(stopped.resumable());
        // resumed after the stop, then failed: failed, with the reason, not resumable
        let log = format!("{log}resumed after epoch 1\ntraining cifarnet (ri) on CPU\nfailed: the loss became NaN\n");
        let failed = RunState::from_parts(&log, Some(summary(1, true)), 2, OLD, 3);
        assert_eq!(failed, RunState::Failed("the loss became NaN".into()));
        assert_eq!(failed.describe(), "failed: the loss became NaN");
        assert!(!failed.resumable());
        // a failure before training started (no volume, no positives) is a failure too
        // a failure followed by a resume is no longer a failure
        let resumed = RunState::from_parts("training\nfailed: disk full\nresumed after epoch 1\n", None, 1, OLD, 3);
        assert_eq!(resumed, RunState::Interrupted { epochs_completed: 1 });
        let failed = RunState::from_parts("training\nfailed: disk full\n", None, 1, OLD, 3);
        assert_eq!(failed, RunState::Failed("disk full".into()));
        let early = RunState::from_parts("failed: fold 1: the test set has no patients\n", None, 0, OLD, 3);
        assert_eq!(early, RunState::Failed("fold 1: the test set has no patients".into()));
    }

    #[test]
    fn unfinished_runs_are_active_while_their_files_change() {
        let log = "training cifarnet (ri) on CPU\n";
        let recent = Some(Duration::from_secs(5));
        let active = RunState::from_parts(log, None, 2, recent, 3);
        assert_eq!(active, RunState::Active { epochs_completed: 2 });
        assert!(!active.resumable(), "never resume a run another process is writing");
        let quiet = RunState::from_parts(log, None, 2, OLD, 3);
        assert_eq!(quiet, RunState::Interrupted { epochs_completed: 2 });
        assert!(quiet.resumable());
        assert!(!RunState::from_parts(log, None, 0, OLD, 3).resumable(), "no checkpoint yet");
        let done = RunState::from_parts("training x\nfinished: ..\n", Some(summary(3, true)), 3, OLD, 3);
        assert!(matches!(done, RunState::Finished(_)), "stopped at the last epoch is finished");
    }
}
