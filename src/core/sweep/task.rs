//! One task of a sweep (an array task or a local process): which run its index names, and
//! whether that run starts, continues from its last checkpoint, or is already done.

use std::path::{Path, PathBuf};

use super::plan::Sweep;
use super::{SweepError, file_error};
use crate::core::train::{CheckpointKind, RunDir, Start};

/// What a task does.
#[derive(Debug)]
pub enum TaskStart {
    /// The run finished before; nothing to do.
    Finished(PathBuf),
    /// Train (a new run, or the continuation of its checkpoint); the run's directory.
    Train(Start, PathBuf),
}

/// Where a task writes its process id and host while it runs: `R/tasks/INDEX.pid`.
pub fn task_pid_path(sweep_dir: &Path, index: usize) -> PathBuf {
    sweep_dir.join("tasks").join(format!("{index}.pid"))
}

/// Moves an unusable run directory aside (`.NAME.aborted-N`) so nothing in it is lost.
fn set_aside(dir: &Path) -> Result<(), SweepError> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for n in 1.. {
        let target = dir.with_file_name(format!(".{name}.aborted-{n}"));
        if !target.exists() {
            return std::fs::rename(dir, &target).map_err(|e| file_error(dir, e));
        }
    }
    Ok(())
}

/// The start of run `index`: new when its directory does not exist; a continuation from the
/// last checkpoint when it has one; a fresh start when it was killed before its first
/// checkpoint (the old directory is kept beside it). Refuses a directory holding another
/// configuration.
pub fn prepare_task(sweep: &Sweep, index: usize) -> Result<TaskStart, SweepError> {
    let planned = sweep.runs.get(index).ok_or_else(|| SweepError::NoSuchRun { sweep: sweep.dir.clone(), index })?;
    let dir = Sweep::runs_dir(&sweep.dir).join(&planned.name);
    if !dir.exists() {
        return Ok(TaskStart::Train(Start::New(Box::new(planned.config.clone())), dir));
    }
    let Ok(run) = RunDir::open(&dir) else {
        set_aside(&dir)?;
        return Ok(TaskStart::Train(Start::New(Box::new(planned.config.clone())), dir));
    };
    let config = run.read_config().map_err(|e| file_error(&dir, e))?;
    if config != planned.config {
        return Err(SweepError::ConfigurationChanged {
            sweep: sweep.dir.clone(),
            run: planned.name.clone(),
            detail: format!("{} holds another config.toml", dir.display()),
        });
    }
    if run.read_summary().is_ok_and(|s| !s.stopped_by_user) {
        return Ok(TaskStart::Finished(dir));
    }
    if run.checkpoint_dir(CheckpointKind::Last).join("progress.json").is_file() {
        return Ok(TaskStart::Train(Start::Resume(dir.clone()), dir));
    }
    set_aside(&dir)?;
    Ok(TaskStart::Train(Start::New(Box::new(planned.config.clone())), dir))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::core::models::ModelKind;
    use crate::core::sweep::Grid;
    use crate::core::train::{Regime, TrainConfig};

    #[test]
    fn a_task_starts_continues_or_restarts_its_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut base = TrainConfig::paper_defaults(Path::new("study"), ModelKind::Cifarnet);
        base.folds = 2;
        let grid = Grid {
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
        };
        let sweep = Sweep::plan(dir.path(), grid).unwrap();
        let run_dir = sweep.run_dir(1).unwrap();
        assert!(matches!(prepare_task(&sweep, 1).unwrap(), TaskStart::Train(Start::New(_), _)));
        assert!(matches!(prepare_task(&sweep, 2).unwrap_err(), SweepError::NoSuchRun { .. }));
        // killed before its first checkpoint: started again, the old directory kept aside
        let run = RunDir::create(&Sweep::runs_dir(dir.path()), "cifarnet-ri-f2").unwrap();
        run.write_config(&sweep.runs[1].config).unwrap();
        assert!(matches!(prepare_task(&sweep, 1).unwrap(), TaskStart::Train(Start::New(_), _)));
        assert!(!run_dir.exists());
        assert!(dir.path().join("runs/.cifarnet-ri-f2.aborted-1/config.toml").is_file());
        // with a checkpoint: continued
        let run = RunDir::create(&Sweep::runs_dir(dir.path()), "cifarnet-ri-f2").unwrap();
        run.write_config(&sweep.runs[1].config).unwrap();
        std::fs::create_dir_all(run.checkpoint_dir(CheckpointKind::Last)).unwrap();
        std::fs::write(run.checkpoint_dir(CheckpointKind::Last).join("progress.json"), "{}").unwrap();
        assert!(matches!(prepare_task(&sweep, 1).unwrap(), TaskStart::Train(Start::Resume(_), _)));
        // holding another configuration: refused
        let mut other = sweep.runs[1].config.clone();
        other.epochs = 99;
        run.write_config(&other).unwrap();
        assert!(matches!(prepare_task(&sweep, 1).unwrap_err(), SweepError::ConfigurationChanged { .. }));
    }
}
