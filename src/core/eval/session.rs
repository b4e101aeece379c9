//! One evaluation from start to files: score the runs (one, the folds of a cross-validation,
//! or an ensemble), combine their candidates, report FROC and classification figures, and write
//! `scores.csv`, `lesions.csv`, `report.json` and `froc.png` into a new folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::report::{EvalReport, FoldSummary, ReportError, ReportInput, build_report};
use super::score::ScoreError;
use super::{
    AggregateError, EvalIoError, FrocError, FrocSeries, LesionRef, RunScores, ScoreOptions, ScoredCandidate, ci_band,
    ensemble_mean, froc, froc_png, pool_folds, score_run, write_lesions, write_scores,
};
use crate::core::atomic::{create_fresh_dir, write_bytes_atomically};
use crate::core::cache::bank::{BankError, ViewBank};
use crate::core::study::{Study, StudyError};

/// Why an evaluation failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("no runs to evaluate")]
    NoRuns,
    #[error("{run}: {source}")]
    Score { run: PathBuf, source: Box<ScoreError> },
    #[error(transparent)]
    Bank(#[from] BankError),
    #[error("cannot read the study: {0}")]
    Study(#[from] StudyError),
    #[error(transparent)]
    Froc(#[from] FrocError),
    #[error(transparent)]
    Combine(#[from] AggregateError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Write(#[from] EvalIoError),
    #[error("{path}: {detail}")]
    Output { path: PathBuf, detail: String },
}

/// What is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalKind {
    Run,
    /// Folds of a cross-validation: test folds pooled.
    Cv,
    /// Models trained on the same fold: probabilities averaged.
    Ensemble,
}

impl EvalKind {
    pub fn name(self) -> &'static str {
        match self {
            EvalKind::Run => "run",
            EvalKind::Cv => "cv",
            EvalKind::Ensemble => "ensemble",
        }
    }
}

#[derive(Clone, Debug)]
pub struct EvalRequest {
    pub kind: EvalKind,
    pub runs: Vec<PathBuf>,
    pub options: ScoreOptions,
    pub bootstrap: usize,
    pub seed: u64,
    /// Output folder; by default a new `eval` folder in the first run.
    pub out: Option<PathBuf>,
}

/// Runs an evaluation; `progress(run, done, total)` counts views per run.
pub fn evaluate(
    request: &EvalRequest,
    progress: &mut dyn FnMut(usize, usize, usize),
) -> Result<(PathBuf, EvalReport), EvalError> {
    if request.runs.is_empty() {
        return Err(EvalError::NoRuns);
    }
    let scored: Vec<RunScores> = request
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            score_run(r, &request.options, &mut |d, t| progress(i, d, t))
                .map_err(|e| EvalError::Score { run: r.clone(), source: Box::new(e) })
        })
        .collect::<Result<_, _>>()?;
    let first = &scored[0];
    let Combined { candidates, probabilities, lesions, patients, folds } =
        combine(request.kind, &request.runs, &scored)?;
    let regions = match &request.options.bank {
        Some(bank) => {
            let bank = ViewBank::open(bank)?;
            bank.manifest.patients.iter().map(|p| (p.id.clone(), p.region.code().to_string())).collect()
        }
        None => regions_of(&first.config.study)?,
    };
    let report = build_report(ReportInput {
        kind: request.kind.name(),
        runs: request.runs.iter().map(|r| r.display().to_string()).collect(),
        model: first.config.model.name().to_string(),
        regime: first.config.regime.name().to_string(),
        views: request.options.views,
        candidates: &candidates,
        probabilities: &probabilities,
        lesions: &lesions,
        patients: &patients,
        regions: &regions,
        folds,
        bootstrap: request.bootstrap,
        seed: request.seed,
    })?;
    let out = match &request.out {
        Some(o) => {
            std::fs::create_dir_all(o).map_err(|e| EvalError::Output { path: o.clone(), detail: e.to_string() })?;
            o.clone()
        }
        None => create_fresh_dir(&request.runs[0].join("eval"))
            .map_err(|e| EvalError::Output { path: request.runs[0].clone(), detail: e.to_string() })?,
    };
    write_outputs(&out, &report, &candidates, &lesions)?;
    Ok((out, report))
}

fn regions_of(study: &Path) -> Result<HashMap<String, String>, StudyError> {
    let s = Study::load(study)?;
    Ok(s.patients.iter().map(|p| (p.id.clone(), p.region.code().to_string())).collect())
}

/// The candidates of one evaluation, from however many runs.
struct Combined {
    candidates: Vec<ScoredCandidate>,
    /// Mean probability of every class, per candidate (same order).
    probabilities: Vec<Vec<f64>>,
    lesions: Vec<LesionRef>,
    patients: Vec<String>,
    /// Per-fold FROC of a cross-validation (empty otherwise).
    folds: Vec<FoldSummary>,
}

/// One candidate list from one run, several folds (pooled) or several models (averaged).
fn combine(kind: EvalKind, runs: &[PathBuf], scored: &[RunScores]) -> Result<Combined, EvalError> {
    let mut folds = Vec::new();
    let (candidates, probabilities) = match kind {
        EvalKind::Cv => {
            for (run, s) in runs.iter().zip(scored) {
                let f = froc(&s.candidates, &s.lesions, Some(s.patients.len()))?;
                folds.push(FoldSummary { run: run.display().to_string(), froc: f });
            }
            let lists: Vec<Vec<ScoredCandidate>> = scored.iter().map(|s| s.candidates.clone()).collect();
            (pool_folds(&lists)?, scored.iter().flat_map(|s| s.probabilities.clone()).collect())
        }
        EvalKind::Ensemble => {
            let lists: Vec<Vec<ScoredCandidate>> = scored.iter().map(|s| s.candidates.clone()).collect();
            let merged = ensemble_mean(&lists)?;
            let probs = merged.iter().map(|c| vec![1.0 - c.score, c.score]).collect();
            (merged, probs)
        }
        EvalKind::Run => (scored[0].candidates.clone(), scored[0].probabilities.clone()),
    };
    let mut lesions: Vec<LesionRef> = scored.iter().flat_map(|s| s.lesions.clone()).collect();
    lesions.sort_by(|a, b| (&a.patient, &a.lesion).cmp(&(&b.patient, &b.lesion)));
    lesions.dedup();
    let mut patients: Vec<String> = scored.iter().flat_map(|s| s.patients.clone()).collect();
    patients.sort();
    patients.dedup();
    Ok(Combined { candidates, probabilities, lesions, patients, folds })
}

fn write_outputs(
    out: &Path,
    report: &EvalReport,
    candidates: &[ScoredCandidate],
    lesions: &[LesionRef],
) -> Result<(), EvalError> {
    write_scores(&out.join("scores.csv"), candidates)?;
    write_lesions(&out.join("lesions.csv"), lesions)?;
    let path = out.join("report.json");
    let output = |detail: String| EvalError::Output { path: path.clone(), detail };
    let json = serde_json::to_string_pretty(report).map_err(|e| output(e.to_string()))?;
    write_bytes_atomically(&path, json.as_bytes()).map_err(|e| output(e.to_string()))?;
    let mut series = vec![FrocSeries {
        name: format!("{} {} (all)", report.model, report.regime),
        curve: &report.all.froc.curve,
        band: report.all.ci.as_ref().and_then(|ci| ci_band(&report.all.froc.curve, ci)),
    }];
    for (region, s) in &report.regions {
        series.push(FrocSeries { name: region.clone(), curve: &s.froc.curve, band: None });
    }
    let png = out.join("froc.png");
    froc_png(&series, &format!("FROC: {} {}", report.model, report.regime), &png, 720, 520)
        .map_err(|detail| EvalError::Output { path: png, detail })
}
