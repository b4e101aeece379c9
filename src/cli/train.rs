//! `cadet train` (one run, from flags, a config file, or resuming) and `cadet cv` (every fold of
//! a cross-validation), with a progress bar.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::choice::choice;
use crate::core::dataset::Prior;
use crate::core::ild::lung::LungFocus;
use crate::core::models::ModelKind;
use crate::core::sampling::Interpolation;
use crate::core::train::{
    DeviceChoice, Regime, RunCurves, RunDir, Start, Task, TrainConfig, TrainEvent, train_blocking, write_curves_csv,
};

/// Settings shared by `train` and `cv`; unset flags keep the paper's defaults.
#[derive(Clone, Debug, Args)]
pub struct RunArgs {
    /// Study folder (with study.csv, or the TCIA layout); for the ILD tasks the ILD database root.
    #[arg(long)]
    pub study: Option<PathBuf>,
    /// What to learn: ln (lymph-node candidates), ild-patch or ild-slice (the six ILD classes).
    #[arg(long)]
    pub task: Option<Task>,
    /// Model: cifarnet, alexnet-h, alexnet-l, googlenet-h, googlenet-l, vgg16, overfeat.
    #[arg(long, value_parser = choice::<ModelKind>())]
    pub model: Option<ModelKind>,
    #[arg(long, value_parser = choice::<Regime>())]
    pub regime: Option<Regime>,
    /// Pretrained weights for the tl and imnet regimes.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Load the pretrained tensors whose shapes fit and list the others (e.g. ImageNet AlexNet
    /// weights for alexnet-l), instead of refusing weights that do not fit completely.
    #[arg(long)]
    pub partial_weights: bool,
    #[arg(long)]
    pub folds: Option<usize>,
    /// Train and test on one region's patients only (MED, ABD); by default every patient.
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub epochs: Option<usize>,
    #[arg(long)]
    pub batch: Option<usize>,
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long, value_parser = choice::<Prior>())]
    pub prior: Option<Prior>,
    #[arg(long)]
    pub views_per_candidate: Option<usize>,
    #[arg(long)]
    pub val_views: Option<usize>,
    /// Pixels the views are sampled at (then resized to the model's view size).
    #[arg(long)]
    pub size: Option<usize>,
    /// Network input size instead of the model's (views are resized to it).
    #[arg(long)]
    pub input_size: Option<usize>,
    #[arg(long, value_parser = choice::<Interpolation>())]
    pub interp: Option<Interpolation>,
    /// ILD patch task: at most this many patches per contour (default 100).
    #[arg(long)]
    pub per_roi: Option<usize>,
    /// ILD slice task: how the input shows the lung, the paper's two setups: average (overlaid
    /// with the training patients' average lung mask) or smooth (Gaussian-smoothed outside the
    /// slice's lung: its HUG mask, or estimated); none by default.
    #[arg(long, value_parser = choice::<LungFocus>())]
    pub lung: Option<LungFocus>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, value_parser = choice::<DeviceChoice>())]
    pub device: Option<DeviceChoice>,
    /// Run name (its directory is RUNS_DIR/NAME, never overwritten).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub runs_dir: Option<PathBuf>,
    /// Early-stopping patience in epochs (0 disables it).
    #[arg(long)]
    pub patience: Option<usize>,
    /// Read the configuration from a config.toml (flags given too override it).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Train from a view bank (`cadet bank`): no volume is opened.
    #[arg(long)]
    pub bank: Option<PathBuf>,
    #[command(flatten)]
    pub cache: super::cache::CacheDir,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// The test fold (1-based).
    #[arg(long)]
    pub fold: Option<usize>,
    /// Continue an interrupted run from its last checkpoint.
    #[arg(long, conflicts_with_all = ["config", "study", "model"])]
    pub resume: Option<PathBuf>,
}

impl RunArgs {
    /// The configuration: a file or the paper's defaults, with the given flags applied.
    pub fn config(&self) -> anyhow::Result<TrainConfig> {
        self.cache.apply();
        let mut c = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("{} is not a valid training config", path.display()))?
            }
            None => {
                let study = match (&self.study, &self.bank) {
                    (Some(s), _) => s.clone(),
                    (None, Some(bank)) => crate::core::cache::bank::ViewBank::open(bank)?.manifest.study,
                    (None, None) => bail!("give --study (or --bank) and --model, or --config FILE.toml"),
                };
                let Some(model) = self.model else { bail!("give --model (or --config FILE.toml)") };
                match self.task {
                    Some(task) if task.is_ild() => TrainConfig::ild_defaults(&study, model, task),
                    _ => TrainConfig::paper_defaults(&study, model),
                }
            }
        };
        if let Some(v) = &self.study {
            c.study = v.clone();
        }
        if let Some(task) = self.task {
            c.task = task;
            c.classes = task.classes();
        }
        if let Some(v) = self.model {
            c.model = v;
            let default_size = if c.task.is_ild() { 64 } else { v.view_size().min(64) };
            c.sample_size = self.size.unwrap_or(default_size);
        }
        macro_rules! set {
            ($($field:ident = $value:expr),*) => { $(if let Some(v) = $value { c.$field = v; })* };
        }
        set!(
            regime = self.regime,
            folds = self.folds,
            epochs = self.epochs,
            batch = self.batch,
            lr = self.lr,
            prior = self.prior,
            views_per_candidate = self.views_per_candidate,
            val_views = self.val_views,
            sample_size = self.size,
            interpolation = self.interp,
            patches_per_roi = self.per_roi,
            lung = self.lung,
            seed = self.seed,
            device = self.device,
            name = self.name.clone(),
            runs_dir = self.runs_dir.clone()
        );
        if self.weights.is_some() {
            c.weights = self.weights.clone();
        }
        if let Some(r) = &self.region {
            c.region = Some(crate::core::study::Region::parse(r).code().to_string());
        }
        if self.partial_weights {
            c.partial_weights = true;
        }
        if self.bank.is_some() {
            c.bank = self.bank.clone();
        }
        if self.input_size.is_some() {
            c.input_size = self.input_size;
        }
        if let Some(p) = self.patience {
            c.patience = (p > 0).then_some(p);
        }
        if self.name.is_none() && self.config.is_none() {
            c.name = match c.task {
                Task::Ln => format!("{}-{}", c.model, c.regime.name()),
                task => format!("{task}-{}-{}", c.model, c.regime.name()),
            };
        }
        Ok(c)
    }
}

/// Trains one run with a progress bar; returns its directory.
fn run_with_progress(start: Start) -> anyhow::Result<PathBuf> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} it  {msg}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut epochs = 0;
    let mut failure = None;
    let dir = train_blocking(start, &mut |event| match event {
        TrainEvent::Started { run_dir, device, config, first_epoch, .. } => {
            epochs = config.epochs;
            bar.println(format!("run {} on {device}", run_dir.display()));
            bar.set_position(0);
            let _ = first_epoch;
        }
        TrainEvent::Iteration(m) => {
            bar.set_length((m.iterations_per_epoch * epochs) as u64);
            bar.set_position((m.epoch * m.iterations_per_epoch + m.iteration + 1) as u64);
            bar.set_prefix(format!("epoch {}/{epochs}", m.epoch + 1));
            bar.set_message(format!("loss {:.4}  {:.0} img/s", m.loss, m.images_per_second));
        }
        TrainEvent::Epoch(m) => bar.println(format!(
            "epoch {:>3}: train loss {:.4} acc {:.3} | val loss {:.4} acc {:.3} | lr {:.0e} | {:.1} s",
            m.epoch + 1,
            m.train_loss,
            m.train_accuracy,
            m.val_loss,
            m.val_accuracy,
            m.lr,
            m.seconds
        )),
        TrainEvent::EarlyStop { epoch, best_epoch } => {
            bar.println(format!("early stop after epoch {} (best: epoch {})", epoch + 1, best_epoch + 1))
        }
        TrainEvent::Finished(s) => bar.println(format!(
            "finished: {} epochs, best val loss {} (epoch {}), {:.0} s",
            s.epochs_completed,
            s.best_val_loss.map_or("-".into(), |v| format!("{v:.4}")),
            s.best_epoch.map_or("-".into(), |e| (e + 1).to_string()),
            s.seconds
        )),
        TrainEvent::Failed { message, .. } => failure = Some(message.clone()),
        _ => {}
    })?;
    bar.finish_and_clear();
    if let Some(message) = failure {
        bail!("training failed ({}): {message}", dir.display());
    }
    Ok(dir)
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let start = match &args.resume {
        Some(dir) => {
            RunDir::open(dir)?;
            Start::Resume(dir.clone())
        }
        None => {
            let mut c = args.run.config()?;
            if let Some(f) = args.fold {
                c.fold = f;
            }
            Start::New(Box::new(c))
        }
    };
    let dir = run_with_progress(start)?;
    println!("{}", dir.display());
    Ok(())
}

#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Leave one patient out: as many folds as the ILD database has patients.
    #[arg(long, conflicts_with = "folds")]
    pub lopo: bool,
}

/// Every fold of a cross-validation, one run per fold named `NAME-f1`, `NAME-f2`, ...
pub fn run_cv(args: &CvArgs) -> anyhow::Result<()> {
    let mut base = args.run.config()?;
    if args.lopo {
        anyhow::ensure!(base.task.is_ild(), "--lopo is for the ILD tasks (--task ild-patch or ild-slice)");
        let db = crate::core::ild::IldDatabase::open(&base.study)?;
        base.folds = db.patients.len();
    }
    let mut dirs = Vec::new();
    for fold in 1..=base.folds {
        let mut c = base.clone();
        c.fold = fold;
        c.name = format!("{}-f{fold}", base.name);
        println!("fold {fold}/{}", base.folds);
        dirs.push(run_with_progress(Start::New(Box::new(c)))?);
    }
    println!("{:<28} {:>11} {:>10} {:>12}", "run", "best epoch", "val loss", "val accuracy");
    for dir in &dirs {
        let summary = RunDir::open(dir)?.read_summary()?;
        println!(
            "{:<28} {:>11} {:>10} {:>12}",
            short(dir),
            summary.best_epoch.map_or("-".into(), |e| (e + 1).to_string()),
            summary.best_val_loss.map_or("-".into(), |v| format!("{v:.4}")),
            summary.best_val_accuracy.map_or("-".into(), |v| format!("{v:.3}"))
        );
    }
    Ok(())
}

fn short(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[derive(Debug, Args)]
pub struct CurvesArgs {
    /// Run directories to plot together.
    pub runs: Vec<PathBuf>,
    /// PNG of the loss and validation-accuracy curves.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write every run's curves as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// Training curves of several runs in one picture (from their metrics.jsonl).
pub fn run_curves(args: &CurvesArgs) -> anyhow::Result<()> {
    anyhow::ensure!(!args.runs.is_empty(), "give at least one run directory");
    let curves: Vec<RunCurves> =
        args.runs.iter().map(|r| RunDir::open(r).and_then(|d| RunCurves::load(&d))).collect::<Result<_, _>>()?;
    crate::core::eval::curves_png(&curves, &args.out, 900, 700).map_err(anyhow::Error::msg)?;
    if let Some(csv) = &args.csv {
        write_curves_csv(&curves, csv).with_context(|| format!("cannot write {}", csv.display()))?;
    }
    println!("wrote {}", args.out.display());
    Ok(())
}
