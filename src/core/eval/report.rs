//! An evaluation report: FROC of all test candidates with bootstrap intervals, the same per
//! region, per-fold figures for cross-validation, and classification metrics on the natural
//! and on a balanced candidate set. Saved as `report.json` beside `scores.csv`.

use std::collections::{BTreeMap, HashMap};

use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};

use super::bootstrap::{BootstrapError, FrocIntervals, bootstrap_froc};
use super::classification::{ClassificationReport, classification_report_from_probabilities};
use super::froc::{FrocError, FrocResult, LesionRef, ScoredCandidate, froc};
use crate::core::seed::rng_for;

/// Why a report could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Froc(#[from] FrocError),
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
}

/// FROC of a subset with its intervals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrocSummary {
    pub froc: FrocResult,
    pub ci: Option<FrocIntervals>,
}

/// One fold of a cross-validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldSummary {
    pub run: String,
    pub froc: FrocResult,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// What was evaluated: "run", "cv" or "ensemble", the run directories, model and regime.
    pub kind: String,
    pub runs: Vec<String>,
    pub model: String,
    pub regime: String,
    pub views: usize,
    pub all: FrocSummary,
    pub regions: BTreeMap<String, FrocSummary>,
    pub folds: Vec<FoldSummary>,
    /// Every candidate (the natural, biased prior).
    pub classification_natural: Option<ClassificationReport>,
    /// All positives and as many (seeded) negatives.
    pub classification_balanced: Option<ClassificationReport>,
}

/// What goes into a report besides the scores.
pub struct ReportInput<'a> {
    pub kind: &'a str,
    pub runs: Vec<String>,
    pub model: String,
    pub regime: String,
    pub views: usize,
    pub candidates: &'a [ScoredCandidate],
    /// Mean class probabilities per candidate (same order), for the classification metrics.
    pub probabilities: &'a [Vec<f64>],
    pub lesions: &'a [LesionRef],
    /// Ids of the evaluated (test) patients, also those without candidates.
    pub patients: &'a [String],
    /// Region code of every patient id.
    pub regions: &'a HashMap<String, String>,
    pub folds: Vec<FoldSummary>,
    pub bootstrap: usize,
    pub seed: u64,
}

fn summary(
    candidates: &[ScoredCandidate],
    lesions: &[LesionRef],
    patients: usize,
    bootstrap: usize,
    seed: u64,
) -> Result<FrocSummary, ReportError> {
    let result = froc(candidates, lesions, Some(patients))?;
    let ci =
        (bootstrap > 0).then(|| bootstrap_froc(candidates, lesions, Some(patients), bootstrap, seed)).transpose()?;
    Ok(FrocSummary { froc: result, ci })
}

fn classification(input: &ReportInput<'_>, balanced: bool) -> Option<ClassificationReport> {
    let classes = input.probabilities.first()?.len();
    let mut indices: Vec<usize> = (0..input.candidates.len()).collect();
    if balanced {
        let positives: Vec<usize> = indices.iter().copied().filter(|&i| input.candidates[i].label == 1).collect();
        let negatives: Vec<usize> = indices.iter().copied().filter(|&i| input.candidates[i].label == 0).collect();
        let mut rng = rng_for(input.seed, &[crate::core::seed::stream::EVAL_VIEWS, 1]);
        indices = negatives.sample(&mut rng, positives.len().min(negatives.len())).copied().collect();
        indices.extend(positives);
        indices.sort_unstable();
    }
    let truths: Vec<usize> = indices.iter().map(|&i| usize::from(input.candidates[i].label)).collect();
    let probs: Vec<Vec<f64>> = indices.iter().map(|&i| input.probabilities[i].clone()).collect();
    classification_report_from_probabilities(classes, &truths, &probs).ok()
}

pub fn build_report(input: ReportInput<'_>) -> Result<EvalReport, ReportError> {
    let all = summary(input.candidates, input.lesions, input.patients.len(), input.bootstrap, input.seed)?;
    let mut codes: Vec<&String> = input.patients.iter().filter_map(|p| input.regions.get(p)).collect();
    codes.sort();
    codes.dedup();
    let mut regions = BTreeMap::new();
    if codes.len() > 1 {
        for code in codes {
            let in_region = |patient: &String| input.regions.get(patient) == Some(code);
            let c: Vec<ScoredCandidate> = input.candidates.iter().filter(|c| in_region(&c.patient)).cloned().collect();
            let l: Vec<LesionRef> = input.lesions.iter().filter(|l| in_region(&l.patient)).cloned().collect();
            let n = input.patients.iter().filter(|p| in_region(p)).count();
            regions.insert(code.clone(), summary(&c, &l, n, input.bootstrap, input.seed)?);
        }
    }
    Ok(EvalReport {
        kind: input.kind.to_string(),
        runs: input.runs.clone(),
        model: input.model.clone(),
        regime: input.regime.clone(),
        views: input.views,
        all,
        regions,
        classification_natural: classification(&input, false),
        classification_balanced: classification(&input, true),
        folds: input.folds,
    })
}
