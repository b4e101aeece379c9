//! A sweep as a viewer shows it, read in one go (off the UI thread: it may call `squeue`): the
//! rows of its runs, the curves of chosen runs, and the report once written.

use std::path::{Path, PathBuf};

use super::local::local_tasks;
use super::plan::Sweep;
use super::state::{RunRow, sweep_status};
use super::{SweepError, slurm};
use crate::core::train::{RunCurves, RunDir};

/// Everything a viewer shows of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSnapshot {
    pub dir: PathBuf,
    pub rows: Vec<RunRow>,
    /// Run directory of every row (same order).
    pub run_dirs: Vec<PathBuf>,
    /// Curves of the runs asked for that have a directory.
    pub curves: Vec<RunCurves>,
    /// `report.md`, when collected.
    pub report: Option<String>,
    /// Why the scheduler could not be asked (the rows then come from the run directories).
    pub scheduler_error: Option<String>,
}

/// Reads the sweep in `dir`, asking Slurm when it was submitted there, and loads the curves of
/// the runs in `curves_of`.
pub fn read_snapshot(dir: &Path, curves_of: &[PathBuf]) -> Result<SweepSnapshot, SweepError> {
    let sweep = Sweep::load(dir)?;
    let mut tasks = local_tasks(&sweep);
    let mut scheduler_error = None;
    if !sweep.job_ids().is_empty() {
        match slurm::query(&sweep) {
            Ok(t) => tasks.extend(t),
            Err(e) => scheduler_error = Some(e.to_string()),
        }
    }
    let rows = sweep_status(&sweep, &tasks);
    let run_dirs: Vec<PathBuf> = (0..sweep.runs.len()).filter_map(|i| sweep.run_dir(i)).collect();
    let curves =
        curves_of.iter().filter_map(|p| RunDir::open(p).ok()).filter_map(|run| RunCurves::load(&run).ok()).collect();
    let report = std::fs::read_to_string(dir.join("report.md")).ok();
    Ok(SweepSnapshot { dir: dir.to_path_buf(), rows, run_dirs, curves, report, scheduler_error })
}
