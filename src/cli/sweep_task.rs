//! The parts of `cadet sweep` that act on an existing sweep folder: one task (`run-task`, what
//! array tasks and local processes run), `status`, `cancel` and `collect`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use super::choice::choice;
use crate::core::eval::ScoreOptions;
use crate::core::sweep::slurm;
use crate::core::sweep::{
    CollectOptions, SchedulerInfo, Sweep, SweepRunState, TaskStart, cancel_sweep, collect, hostname, local_tasks,
    prepare_task, sweep_status, task_pid_path, write_report,
};
use crate::core::train::{CheckpointKind, DeviceChoice, TrainEvent, train_blocking};

/// How `collect` (and `--wait`) evaluates the runs.
#[derive(Clone, Debug, Args)]
pub struct EvalSettings {
    /// Random views per test candidate.
    #[arg(long, default_value_t = 100)]
    pub views: usize,
    /// Bootstrap resamples of patients for the 95 % intervals (0: none).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    #[arg(long, value_parser = choice::<DeviceChoice>(), default_value_t = DeviceChoice::Auto)]
    pub eval_device: DeviceChoice,
    #[arg(long, default_value_t = 64)]
    pub eval_batch: usize,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    pub dir: PathBuf,
    #[command(flatten)]
    pub eval: EvalSettings,
}

/// What the scheduler knows of the sweep's tasks: Slurm's job arrays when the sweep was
/// submitted there, and live local processes.
pub fn scheduler_tasks(sweep: &Sweep) -> anyhow::Result<HashMap<usize, SchedulerInfo>> {
    let mut tasks = local_tasks(sweep);
    if !sweep.job_ids().is_empty() {
        tasks.extend(slurm::query(sweep)?);
    }
    Ok(tasks)
}

/// Removes the task's pid file when the task ends, however it ends.
struct PidFile(PathBuf);

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs one task of a sweep: its run starts, continues from its checkpoint, or is already done.
pub fn run_task(dir: &Path, index: usize) -> anyhow::Result<()> {
    let sweep = Sweep::load(dir)?;
    let pid_path = task_pid_path(dir, index);
    if let Some(parent) = pid_path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&pid_path, format!("{} {}\n", std::process::id(), hostname()))
        .with_context(|| format!("cannot write {}", pid_path.display()))?;
    let _pid = PidFile(pid_path);
    let (start, expected) = match prepare_task(&sweep, index)? {
        TaskStart::Finished(run) => {
            println!("{} already finished", run.display());
            return Ok(());
        }
        TaskStart::Train(start, run) => (start, run),
    };
    println!("run {index}: {} on {}", expected.display(), hostname());
    let mut failure = None;
    let run = train_blocking(start, &mut |event| match event {
        TrainEvent::Started { device, first_epoch, .. } => {
            println!("training on {device} from epoch {}", first_epoch + 1)
        }
        TrainEvent::Epoch(m) => println!(
            "epoch {}: train loss {:.4} | val loss {:.4} acc {:.3} | {:.1} s",
            m.epoch + 1,
            m.train_loss,
            m.val_loss,
            m.val_accuracy,
            m.seconds
        ),
        TrainEvent::Finished(s) => println!("finished after {} epochs", s.epochs_completed),
        TrainEvent::Failed { message, .. } => failure = Some(message.clone()),
        _ => {}
    })?;
    if let Some(message) = failure {
        bail!("run {index} failed ({}): {message}", run.display());
    }
    if run != expected {
        bail!("run {index} was written to {} instead of {}", run.display(), expected.display());
    }
    Ok(())
}

pub fn print_status(dir: &Path) -> anyhow::Result<()> {
    let sweep = Sweep::load(dir)?;
    let rows = sweep_status(&sweep, &scheduler_tasks(&sweep)?);
    println!(
        "{:<5} {:<32} {:<9} {:<12} {:>7} {:>14} {:<12} reason",
        "index", "run", "task", "state", "epoch", "best val loss", "node"
    );
    for r in &rows {
        let reason = match &r.state {
            SweepRunState::Failed(why) => why.clone(),
            _ => String::new(),
        };
        println!(
            "{:<5} {:<32} {:<9} {:<12} {:>7} {:>14} {:<12} {reason}",
            r.index,
            r.name,
            r.task.name(),
            r.state.label(),
            format!("{}/{}", r.epochs_completed, r.epochs),
            r.best_val_loss.map_or("-".into(), |v| format!("{v:.4}")),
            r.node.as_deref().unwrap_or("-"),
        );
    }
    let count = |label: &str| rows.iter().filter(|r| r.state.label() == label).count();
    println!(
        "{} runs: {} finished, {} running, {} queued, {} failed",
        rows.len(),
        count("finished"),
        count("running"),
        count("queued"),
        count("failed")
    );
    Ok(())
}

pub fn run_cancel(dir: &Path) -> anyhow::Result<()> {
    let cancelled = cancel_sweep(&Sweep::load(dir)?)?;
    println!("{}", cancelled.describe());
    Ok(())
}

pub fn run_collect(args: &CollectArgs) -> anyhow::Result<()> {
    let sweep = Sweep::load(&args.dir)?;
    let e = &args.eval;
    anyhow::ensure!((1..=1000).contains(&e.views), "--views must be 1 to 1000");
    let options = CollectOptions {
        score: ScoreOptions {
            views: e.views,
            checkpoint: CheckpointKind::Best,
            device: e.eval_device,
            batch: e.eval_batch,
            // runs trained from a bank are scored from it (a cluster job may have no volumes)
            bank: sweep.grid.base.bank.clone(),
        },
        bootstrap: e.bootstrap,
        seed: sweep.grid.base.seed,
    };
    let rows = collect(&sweep, &options, &mut |c| println!("evaluating {c}"))?;
    write_report(&args.dir, &rows)?;
    print!("{}", crate::core::sweep::report_markdown(&rows));
    println!("wrote {} and report.csv", args.dir.join("report.md").display());
    Ok(())
}
