//! `cadet eval` (score runs: one, a cross-validation, or an ensemble), `cadet froc` (FROC of a
//! scores file) and `cadet report` (a table like the paper's Table II over evaluations).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use super::choice::choice;
use super::progress::bar;
use crate::core::eval::ild_eval::{IldEvalReport, evaluate_ild};
use crate::core::eval::ild_table::{TableIiiCell, write_table_iii_csv};
use crate::core::eval::report::EvalReport;
use crate::core::eval::session::{EvalKind, EvalRequest, evaluate};
use crate::core::eval::{FrocSeries, ScoreOptions, bootstrap_froc, ci_band, froc, froc_png, read_lesions, read_scores};
use crate::core::train::{CheckpointKind, DeviceChoice};

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A run directory.
    #[arg(long, conflicts_with_all = ["cv", "ensemble"])]
    pub run: Option<PathBuf>,
    /// Runs of a cross-validation (one per fold): their test folds are pooled. A,B,C
    #[arg(long, value_delimiter = ',', conflicts_with = "ensemble")]
    pub cv: Vec<PathBuf>,
    /// Runs trained on the same fold: their candidate probabilities are averaged. X,Y,...
    #[arg(long, value_delimiter = ',')]
    pub ensemble: Vec<PathBuf>,
    /// Random views per candidate.
    #[arg(long, default_value_t = 100)]
    pub views: usize,
    #[arg(long, value_parser = choice::<CheckpointKind>(), default_value_t = CheckpointKind::Best)]
    pub checkpoint: CheckpointKind,
    #[arg(long, value_parser = choice::<DeviceChoice>(), default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Bootstrap resamples of patients for 95 % intervals (0: none).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
    /// Score from a view bank (`cadet bank`) instead of sampling the test volumes; at most the
    /// bank's views per candidate are used.
    #[arg(long)]
    pub bank: Option<PathBuf>,
    /// Output folder (default: a new `eval` folder in the (first) run directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub cache: super::cache::CacheDir,
}

fn print_summary(report: &EvalReport) {
    let f = &report.all.froc;
    let ci = |key: &str| {
        report
            .all
            .ci
            .as_ref()
            .and_then(|c| c.sensitivity_at.get(key))
            .map_or(String::new(), |i| format!(" [{:.3}, {:.3}]", i.lower, i.upper))
    };
    println!("{} patients, {} lesions, {} candidates", f.patients, f.lesions, f.candidates);
    println!("sensitivity at 3 FP/patient {:.3}{}", f.tpr_at_3fp, ci("3"));
    let cis = report.all.ci.as_ref();
    println!(
        "CPM (step) {:.3}{}   CPM (LUNA16) {}{}   ROC AUC {}",
        f.cpm,
        bracket(cis.map(|c| &c.cpm)),
        fixed(f.cpm_luna16),
        bracket(cis.and_then(|c| c.cpm_luna16.as_ref())),
        f.roc_auc.map_or("-".into(), |a| format!("{a:.3}"))
    );
    for (region, s) in &report.regions {
        println!(
            "  {region}: sensitivity at 3 FP/patient {:.3}, CPM (step) {:.3}, CPM (LUNA16) {}",
            s.froc.tpr_at_3fp,
            s.froc.cpm,
            fixed(s.froc.cpm_luna16)
        );
    }
    for fold in &report.folds {
        println!(
            "  {}: sensitivity at 3 FP/patient {:.3}, CPM (step) {:.3}, CPM (LUNA16) {}",
            fold.run,
            fold.froc.tpr_at_3fp,
            fold.froc.cpm,
            fixed(fold.froc.cpm_luna16)
        );
    }
    println!(
        "(CPM (step): mean sensitivity reached at or below 1/8..8 FP/patient; CPM (LUNA16): the same, \
         interpolated between operating points as the LUNA16 script does)"
    );
}

/// A value to three decimals, or "-" when the report lacks it.
fn fixed(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.3}"))
}

/// " [lower, upper]" or nothing.
fn bracket(interval: Option<&crate::core::eval::Interval>) -> String {
    interval.map_or(String::new(), |i| format!(" [{:.3}, {:.3}]", i.lower, i.upper))
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    args.cache.apply();
    let (kind, runs) = match (&args.run, args.cv.is_empty(), args.ensemble.is_empty()) {
        (Some(r), true, true) => (EvalKind::Run, vec![r.clone()]),
        (None, false, true) => (EvalKind::Cv, args.cv.clone()),
        (None, true, false) => (EvalKind::Ensemble, args.ensemble.clone()),
        _ => bail!("give one of --run DIR, --cv A,B,C or --ensemble X,Y"),
    };
    anyhow::ensure!((1..=1000).contains(&args.views), "--views must be 1 to 1000");
    let options = ScoreOptions {
        views: args.views,
        checkpoint: args.checkpoint,
        device: args.device,
        batch: args.batch,
        bank: args.bank.clone(),
    };
    let task = crate::core::train::RunDir::open(&runs[0])?.read_config()?.task;
    if task.is_ild() {
        let (out, report) = evaluate_ild(kind, &runs, &options, args.bootstrap, args.seed, args.out.as_deref())
            .map_err(anyhow::Error::msg)?;
        super::ild_report::print_ild_eval(&report);
        println!("{}", out.display());
        return Ok(());
    }
    let request =
        EvalRequest { kind, runs, options, bootstrap: args.bootstrap, seed: args.seed, out: args.out.clone() };
    let pb = bar(0, "views");
    let (out, report) = evaluate(&request, &mut |run, done, total| {
        pb.set_message(format!("run {}", run + 1));
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })
    .map_err(anyhow::Error::msg)?;
    pb.finish_and_clear();
    print_summary(&report);
    println!("{}", out.display());
    Ok(())
}

#[derive(Debug, Args)]
pub struct FrocArgs {
    /// scores.csv (patient,candidate,label,score,lesion).
    #[arg(long)]
    pub scores: PathBuf,
    /// lesions.csv (patient,lesion): every true node, also those no candidate reached.
    #[arg(long)]
    pub lesions: Option<PathBuf>,
    /// Number of patients (default: distinct patients in the files).
    #[arg(long)]
    pub patients: Option<usize>,
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[arg(long)]
    pub png: Option<PathBuf>,
    /// Bootstrap resamples for 95 % intervals.
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    #[arg(long, default_value_t = 2016)]
    pub seed: u64,
}

pub fn run_froc(args: &FrocArgs) -> anyhow::Result<()> {
    let candidates = read_scores(&args.scores)?;
    let lesions = match &args.lesions {
        Some(p) => read_lesions(p)?,
        None => Vec::new(),
    };
    let result = froc(&candidates, &lesions, args.patients).map_err(anyhow::Error::msg)?;
    let ci = (args.bootstrap > 0)
        .then(|| bootstrap_froc(&candidates, &lesions, args.patients, args.bootstrap, args.seed))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let mut value = serde_json::to_value(&result)?;
    if let Some(ci) = &ci {
        value["ci"] = serde_json::to_value(ci)?;
    }
    if let Some(path) = &args.json {
        crate::core::atomic::write_bytes_atomically(path, serde_json::to_string_pretty(&value)?.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.png {
        let band = ci.as_ref().and_then(|ci| ci_band(&result.curve, ci));
        froc_png(&[FrocSeries { name: "FROC".into(), curve: &result.curve, band }], "FROC", path, 720, 520)
            .map_err(anyhow::Error::msg)?;
    }
    println!("{:>8} {:>12}", "FP/pt", "sensitivity");
    for (key, _) in crate::core::eval::FP_RATES {
        let interval = ci
            .as_ref()
            .and_then(|c| c.sensitivity_at.get(key))
            .map_or(String::new(), |i| format!("  [{:.3}, {:.3}]", i.lower, i.upper));
        println!("{key:>8} {:>12.3}{interval}", result.sensitivity_at.get(key).copied().unwrap_or(0.0));
    }
    println!(
        "CPM (step) {:.3}{}  CPM (LUNA16) {}{}  ROC AUC {}",
        result.cpm,
        bracket(ci.as_ref().map(|c| &c.cpm)),
        fixed(result.cpm_luna16),
        bracket(ci.as_ref().and_then(|c| c.cpm_luna16.as_ref())),
        result.roc_auc.map_or("-".into(), |a| format!("{a:.3}"))
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Evaluation folders (written by `cadet eval`).
    pub evals: Vec<PathBuf>,
    /// Also write the table as CSV (Table III for ILD evaluations; given both kinds, Table III
    /// goes beside it as NAME-ild.csv).
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// One row of `cadet report`: an evaluation's figures for one region (or all).
struct ReportRow {
    model: String,
    regime: String,
    evaluation: String,
    region: String,
    auc: Option<f64>,
    tpr_at_3fp: f64,
    tpr_at_3fp_ci: Option<(f64, f64)>,
    cpm_step: f64,
    cpm_step_ci: Option<(f64, f64)>,
    cpm_luna16: Option<f64>,
    cpm_luna16_ci: Option<(f64, f64)>,
}

pub fn run_report(args: &ReportArgs) -> anyhow::Result<()> {
    anyhow::ensure!(!args.evals.is_empty(), "give at least one evaluation folder");
    let (ild, lymph): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.evals.iter().partition(|d| d.join("ild_report.json").is_file());
    if !ild.is_empty() {
        let reports: Vec<IldEvalReport> = ild
            .iter()
            .map(|d| {
                let path = d.join("ild_report.json");
                let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                serde_json::from_str(&text).with_context(|| format!("{} is not an ILD evaluation", path.display()))
            })
            .collect::<anyhow::Result<_>>()?;
        super::ild_report::print_table_iii(&reports);
        if let [one] = reports.as_slice() {
            println!();
            super::ild_report::print_ild_eval(one);
        }
        if let Some(path) = &args.csv {
            // beside lymph-node evaluations (whose table takes PATH), Table III goes to PATH-ild.csv
            let path = if lymph.is_empty() { path.clone() } else { ild_csv_path(path) };
            let cells: Vec<TableIiiCell> = reports.iter().map(TableIiiCell::of_report).collect();
            crate::core::atomic::write_atomically(&path, |w| write_table_iii_csv(w, &cells))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Table III written to {}", path.display());
        }
        if lymph.is_empty() {
            return Ok(());
        }
        println!();
    }
    let mut rows = Vec::new();
    for dir in lymph {
        let path = dir.join("report.json");
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let report: EvalReport =
            serde_json::from_str(&text).with_context(|| format!("{} is not an evaluation report", path.display()))?;
        let mut parts = vec![("ALL".to_string(), report.all.clone())];
        parts.extend(report.regions.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (region, s) in parts {
            let pair = |i: &crate::core::eval::Interval| (i.lower, i.upper);
            let ci = s.ci.as_ref();
            rows.push(ReportRow {
                model: report.model.clone(),
                regime: report.regime.clone(),
                evaluation: report.kind.clone(),
                region,
                auc: s.froc.roc_auc,
                tpr_at_3fp: s.froc.tpr_at_3fp,
                tpr_at_3fp_ci: ci.and_then(|c| c.sensitivity_at.get("3")).map(pair),
                cpm_step: s.froc.cpm,
                cpm_step_ci: ci.map(|c| pair(&c.cpm)),
                cpm_luna16: s.froc.cpm_luna16,
                cpm_luna16_ci: ci.and_then(|c| c.cpm_luna16.as_ref()).map(pair),
            });
        }
    }
    let interval = |v: f64, ci: Option<(f64, f64)>| match ci {
        Some((l, u)) => format!("{v:.3} [{l:.3}, {u:.3}]"),
        None => format!("{v:.3}"),
    };
    println!("| model | regime | evaluation | region | AUC | TPR at 3 FP/patient | CPM (step) | CPM (LUNA16) |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.model,
            r.regime,
            r.evaluation,
            r.region,
            r.auc.map_or("-".into(), |a| format!("{a:.3}")),
            interval(r.tpr_at_3fp, r.tpr_at_3fp_ci),
            interval(r.cpm_step, r.cpm_step_ci),
            r.cpm_luna16.map_or("-".into(), |v| interval(v, r.cpm_luna16_ci))
        );
    }
    if let Some(path) = &args.csv {
        write_report_csv(path, &rows).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// `DIR/NAME.csv` → `DIR/NAME-ild.csv`: where `cadet report --csv` puts Table III when the
/// lymph-node table takes the path itself.
fn ild_csv_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-ild.csv"))
}

fn write_report_csv(path: &Path, rows: &[ReportRow]) -> std::io::Result<()> {
    crate::core::atomic::write_atomically(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "model",
            "regime",
            "evaluation",
            "region",
            "auc",
            "tpr_at_3fp",
            "tpr_at_3fp_lower",
            "tpr_at_3fp_upper",
            "cpm",
            "cpm_lower",
            "cpm_upper",
            "cpm_luna16",
            "cpm_luna16_lower",
            "cpm_luna16_upper",
        ])?;
        let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
        for r in rows {
            csv.write_record([
                r.model.clone(),
                r.regime.clone(),
                r.evaluation.clone(),
                r.region.clone(),
                opt(r.auc),
                format!("{}", r.tpr_at_3fp),
                opt(r.tpr_at_3fp_ci.map(|c| c.0)),
                opt(r.tpr_at_3fp_ci.map(|c| c.1)),
                format!("{}", r.cpm_step),
                opt(r.cpm_step_ci.map(|c| c.0)),
                opt(r.cpm_step_ci.map(|c| c.1)),
                opt(r.cpm_luna16),
                opt(r.cpm_luna16_ci.map(|c| c.0)),
                opt(r.cpm_luna16_ci.map(|c| c.1)),
            ])?;
        }
        csv.flush()
    })
}
