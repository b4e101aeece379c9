//! Experiment sweeps: a grid of trainings (the paper's tables) expanded into runs, recorded in
//! `R/sweep.toml`, run by local processes or one Slurm job array, followed from the run
//! directories and the scheduler, and collected into reports like the paper's Table II (lymph
//! nodes) and Table III (interstitial lung disease).

mod grid;
mod ild_report;
mod local;
mod plan;
mod report;
pub mod slurm;
mod snapshot;
mod state;
mod task;
mod tool;

use std::path::PathBuf;

pub use grid::{Grid, PlannedRun, Skipped, configuration_name};
pub use ild_report::{ild_cells, ild_markdown};
pub use local::{
    LocalEvent, cancel_local, hostname, local_tasks, plan_and_run_local, read_task_pid, run_local, task_alive,
};
pub use plan::{SWEEP_FILE, Submission, Sweep};
pub use report::{CollectOptions, Estimate, RegionResult, ReportRow, collect, report_markdown, write_report};
pub use snapshot::{SweepSnapshot, read_snapshot};
pub use state::{DirState, RunRow, RunStatus, SchedulerInfo, SweepRunState, read_run_dir, sweep_status};
pub use task::{TaskStart, prepare_task, task_pid_path};
pub use tool::{DEFAULT_TIMEOUT, run_tool};

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{path}: {detail}")]
    File { path: PathBuf, detail: String },
    #[error(
        "run {run} in {sweep} was planned with another configuration ({detail}); a run directory is \
         never reused for another configuration: give a new --runs-dir"
    )]
    ConfigurationChanged { sweep: PathBuf, run: String, detail: String },
    #[error("{sweep} has no run with index {index}")]
    NoSuchRun { sweep: PathBuf, index: usize },
    #[error("`{tool}` was not found on PATH: {hint}")]
    MissingTool { tool: String, hint: String },
    #[error("`{command}` did not answer within {seconds} s")]
    Timeout { command: String, seconds: u64 },
    #[error("`{command}` failed ({status}): {stderr}")]
    ToolFailed { command: String, status: String, stderr: String },
    #[error("cannot parse the output of `{command}`: {detail}")]
    Parse { command: String, detail: String },
    #[error("{0}")]
    Other(String),
}

pub(crate) fn file_error(path: &std::path::Path, detail: impl ToString) -> SweepError {
    SweepError::File { path: path.to_path_buf(), detail: detail.to_string() }
}

/// What cancelling a sweep ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cancelled {
    /// The Slurm job arrays cancelled (`scancel`).
    pub job_arrays: Vec<String>,
    /// The run indices of the local task processes ended.
    pub local_tasks: Vec<usize>,
}

impl Cancelled {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.job_arrays.is_empty() {
            parts.push(format!("cancelled job arrays {}", self.job_arrays.join(", ")));
        }
        if !self.local_tasks.is_empty() {
            parts.push(format!("ended {} local tasks", self.local_tasks.len()));
        }
        if parts.is_empty() { "nothing was running".into() } else { parts.join("; ") }
    }
}

/// Cancels the sweep's Slurm job arrays (when it has any) and ends its local task processes.
pub fn cancel_sweep(sweep: &Sweep) -> Result<Cancelled, SweepError> {
    let job_arrays = if sweep.job_ids().is_empty() { Vec::new() } else { slurm::cancel(sweep)? };
    Ok(Cancelled { job_arrays, local_tasks: cancel_local(sweep)? })
}
