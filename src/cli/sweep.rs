//! `cadet sweep`: plan a grid of trainings into a sweep folder and run it (local processes or
//! one Slurm job array), follow it (`status`), end it (`cancel`) and report it (`collect`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};

use super::choice::choice;
use super::sweep_task::{CollectArgs, print_status, run_cancel, run_collect, run_task, scheduler_tasks};
use super::train::RunArgs;
use crate::core::ild::lung::LungFocus;
use crate::core::models::ModelKind;
use crate::core::study::Region;
use crate::core::sweep::slurm::{self, SlurmOptions};
use crate::core::sweep::{Grid, LocalEvent, Sweep, SweepRunState, run_local, sweep_status};
use crate::core::train::{Regime, Task};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub action: Option<SweepAction>,
    #[command(flatten)]
    pub launch: LaunchArgs,
}

#[derive(Debug, Subcommand)]
pub enum SweepAction {
    /// A table of the sweep's runs: state, epoch, best validation loss, node.
    Status { dir: PathBuf },
    /// Evaluate every finished configuration (folds pooled) into report.md and report.csv.
    Collect(CollectArgs),
    /// Cancel the sweep's Slurm job arrays and local task processes.
    Cancel { dir: PathBuf },
    /// One task of a sweep (what each Slurm array task and local process runs).
    #[command(hide = true)]
    RunTask {
        dir: PathBuf,
        #[arg(long)]
        index: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Executor {
    /// Concurrent processes on this machine.
    Local,
    /// One Slurm job array (sbatch).
    Slurm,
}

#[derive(Debug, Args)]
pub struct LaunchArgs {
    /// Every `cadet train` option; --runs-dir is the sweep folder; --task alone is a grid of
    /// that one task.
    #[command(flatten)]
    pub run: RunArgs,
    /// Tasks of the grid: ln (Table II), ild-slice,ild-patch (Table III); the options not given
    /// keep each task's paper defaults (e.g. 3 folds for ln, 5 for the ILD tasks).
    #[arg(long, value_delimiter = ',', conflicts_with = "task")]
    pub tasks: Vec<Task>,
    /// The ILD database root of the ILD tasks when the grid also has ln (--study is then the
    /// lymph-node study); for ILD tasks alone, --study is the ILD root.
    #[arg(long)]
    pub ild_study: Option<PathBuf>,
    /// Models of the grid: cifarnet,alexnet-l,...
    #[arg(long, value_parser = choice::<ModelKind>(), value_delimiter = ',')]
    pub models: Vec<ModelKind>,
    /// Regimes of the grid: ri,tl,imnet
    #[arg(long, value_parser = choice::<Regime>(), value_delimiter = ',')]
    pub regimes: Vec<Regime>,
    /// Regions the report gives columns for: MED,ABD (training pools them unless --per-region).
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Train each of --regions on its own (one network per region and fold, as the paper's
    /// Table II) instead of one network on the pooled regions.
    #[arg(long, requires = "regions")]
    pub per_region: bool,
    /// Lung settings the ild-slice task trains under, each a configuration of its own:
    /// none,average,smooth (the paper's §II-B comparison); unset: --lung.
    #[arg(long, value_parser = choice::<LungFocus>(), value_delimiter = ',', conflicts_with = "lung")]
    pub lungs: Vec<LungFocus>,
    /// Pretrained weights of one model: MODEL=FILE (repeat per model; --weights is for all).
    #[arg(long)]
    pub model_weights: Vec<String>,
    /// The grid from a file (the `[grid]` table of a sweep.toml) instead of the flags.
    #[arg(long, conflicts_with_all = ["models", "regimes", "study", "config", "tasks", "task", "ild_study"])]
    pub grid: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Executor::Local)]
    pub executor: Executor,
    /// Concurrent processes for --executor local.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Wait for every run to end, then collect the report.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up waiting after this many minutes (the runs go on; `cadet sweep
    /// status` follows them and `cadet sweep collect` reports them later).
    #[arg(long, requires = "wait")]
    pub wait_minutes: Option<f64>,
    #[arg(long)]
    pub partition: Option<String>,
    /// Slurm time limit per run (e.g. 12:00:00).
    #[arg(long)]
    pub time: Option<String>,
    /// Slurm generic resources per run (e.g. gpu:1).
    #[arg(long)]
    pub gres: Option<String>,
    #[arg(long)]
    pub cpus_per_task: Option<usize>,
    /// Slurm memory per run (e.g. 16G).
    #[arg(long)]
    pub mem: Option<String>,
    /// Let Slurm requeue a killed task (it continues from its last checkpoint).
    #[arg(long)]
    pub requeue: bool,
    /// A further sbatch option, as it is: --sbatch-arg=--account=lab (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    pub sbatch_arg: Vec<String>,
    /// Evaluation settings used with --wait.
    #[command(flatten)]
    pub eval: super::sweep_task::EvalSettings,
}

pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    match &args.action {
        Some(SweepAction::Status { dir }) => print_status(dir),
        Some(SweepAction::Collect(c)) => run_collect(c),
        Some(SweepAction::Cancel { dir }) => run_cancel(dir),
        Some(SweepAction::RunTask { dir, index }) => run_task(dir, *index),
        None => launch(&args.launch),
    }
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))
}

/// The grid the flags (or `--grid FILE`) describe, with absolute paths so tasks find them from
/// any directory and node.
fn grid_of(args: &LaunchArgs) -> anyhow::Result<Grid> {
    let mut grid = match &args.grid {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("{} is not a sweep grid", path.display()))?
        }
        None => {
            let mut models = args.models.clone();
            if models.is_empty() {
                models.extend(args.run.model);
            }
            let Some(&first) = models.first() else { bail!("give --models (or --grid FILE)") };
            let tasks: Vec<Task> =
                if args.tasks.is_empty() { args.run.task.into_iter().collect() } else { args.tasks.clone() };
            let mut run = args.run.clone();
            run.model = Some(first);
            // the base takes the first task's paper defaults; the others follow in the expansion
            run.task = tasks.first().copied();
            let mut weights = BTreeMap::new();
            for spec in &args.model_weights {
                let Some((model, file)) = spec.split_once('=') else { bail!("--model-weights takes MODEL=FILE") };
                let kind =
                    model.to_lowercase().parse::<ModelKind>().map_err(|e| anyhow::anyhow!("--model-weights: {e}"))?;
                weights.insert(kind.name().to_string(), PathBuf::from(file));
            }
            Grid {
                tasks,
                models,
                regimes: if args.regimes.is_empty() {
                    vec![args.run.regime.unwrap_or(Regime::Ri)]
                } else {
                    args.regimes.clone()
                },
                regions: args.regions.iter().map(|r| Region::parse(r).code().to_string()).collect(),
                per_region: args.per_region,
                lungs: args.lungs.clone(),
                weights,
                sample_size: args.run.size,
                ild_study: args.ild_study.clone(),
                base: run.config()?,
            }
        }
    };
    if grid.per_region && grid.regions.is_empty() {
        bail!("per-region training needs the regions to train: --regions MED,ABD (or `regions` in the grid file)");
    }
    grid.base.study = absolute(&grid.base.study)?;
    if let Some(ild) = &grid.ild_study {
        grid.ild_study = Some(absolute(ild)?);
    }
    if let Some(w) = &grid.base.weights {
        grid.base.weights = Some(absolute(w)?);
    }
    for w in grid.weights.values_mut() {
        *w = absolute(w)?;
    }
    Ok(grid)
}

/// Plans the sweep, submits what is missing or failed, and with `--wait` follows it to the end
/// and collects the report.
fn launch(args: &LaunchArgs) -> anyhow::Result<()> {
    let Some(dir) = &args.run.runs_dir else { bail!("give --runs-dir R (the sweep folder)") };
    let dir = absolute(dir)?;
    let mut sweep = Sweep::plan(&dir, grid_of(args)?)?;
    for s in &sweep.skipped {
        println!("skipped {}: {}", s.configuration, s.reason);
    }
    let tasks = scheduler_tasks(&sweep)?;
    let todo: Vec<usize> =
        sweep_status(&sweep, &tasks).iter().filter(|r| r.state.needs_submission()).map(|r| r.index).collect();
    println!("{} runs planned in {}, {} to run", sweep.runs.len(), dir.display(), todo.len());
    let exe = std::env::current_exe().context("cannot find the cadet executable")?;
    if !todo.is_empty() {
        match args.executor {
            Executor::Local => {
                let failed = run_local(
                    &mut sweep,
                    &exe,
                    &todo,
                    args.jobs,
                    Arc::new(AtomicBool::new(false)),
                    &mut |e| match e {
                        LocalEvent::Started { index, pid } => println!("run {index} started (process {pid})"),
                        LocalEvent::Ended { index, success } => {
                            println!("run {index} {}", if success { "ended" } else { "failed" })
                        }
                    },
                )?;
                if !failed.is_empty() {
                    println!("{} runs failed; see `cadet sweep status {}`", failed.len(), dir.display());
                }
            }
            Executor::Slurm => {
                let options = SlurmOptions {
                    partition: args.partition.clone(),
                    time: args.time.clone(),
                    gres: args.gres.clone(),
                    cpus_per_task: args.cpus_per_task,
                    mem: args.mem.clone(),
                    requeue: args.requeue,
                    extra: args.sbatch_arg.clone(),
                };
                let job = slurm::submit(&mut sweep, &exe, &todo, &options)?;
                println!("submitted job array {job} ({} tasks)", todo.len());
            }
        }
    }
    if args.wait {
        let limit = args.wait_minutes.map(|m| Duration::from_secs_f64(m.max(0.0) * 60.0));
        if !wait_for_runs(&sweep, limit)? {
            bail!(
                "gave up waiting after {} minutes; the runs go on: `cadet sweep status {d}` follows them and \
                 `cadet sweep collect {d}` reports them when they end",
                args.wait_minutes.unwrap_or(0.0),
                d = dir.display()
            );
        }
        run_collect(&CollectArgs { dir, eval: args.eval.clone() })?;
    }
    Ok(())
}

/// Polls the scheduler and the run directories until no run is queued or running (true), or
/// until `limit` has passed (false).
fn wait_for_runs(sweep: &Sweep, limit: Option<Duration>) -> anyhow::Result<bool> {
    let started = std::time::Instant::now();
    let mut last = String::new();
    loop {
        let rows = sweep_status(sweep, &scheduler_tasks(sweep)?);
        let active = rows.iter().filter(|r| matches!(r.state, SweepRunState::Queued | SweepRunState::Running)).count();
        let line = rows.iter().map(|r| format!("{} {}", r.name, r.state.label())).collect::<Vec<_>>().join(", ");
        if line != last {
            println!("{line}");
            last = line;
        }
        if active == 0 {
            return Ok(true);
        }
        if limit.is_some_and(|l| started.elapsed() >= l) {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}
