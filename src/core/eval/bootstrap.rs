//! Patient-bootstrap confidence intervals for FROC results: patients are drawn with
//! replacement, the FROC analysis is redone on each resample, and the 2.5th and 97.5th
//! percentiles of each metric bound its 95 % interval.
//!
//! A patient drawn several times counts as that many distinct patients: its candidates and
//! lesions are repeated under separate patient identities. When a patient count larger than
//! the patients seen is given, the unseen patients (no candidates, no lesions) are drawn too.
//!
//! **Percentiles** interpolate linearly between order statistics (Hyndman & Fan type 7, the
//! default of NumPy and R): for `n` sorted values `x₀..x₍ₙ₋₁₎` and probability `p`, with
//! `h = (n − 1)·p`, the percentile is `x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋)`.
//!
//! Resample `b` draws from `rng_for(seed, &[BOOTSTRAP_STREAM, b])`, so intervals depend only on
//! the seed and the data (not on input order: patients are pooled in id order).

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::cases::{PatientCases, concatenate, index_by_patient};
use super::froc::{
    FP_RATES, FrocError, FrocResult, LesionRef, ScoredCandidate, resolve_patient_count, sensitivity_at_rate, sweep,
};
use crate::core::seed::rng_for;

/// The seed stream of the bootstrap; each resample is a sub-stream of it.
pub const BOOTSTRAP_STREAM: u64 = crate::core::seed::stream::BOOTSTRAP;

/// The coverage of the intervals, and the percentiles that bound them.
pub const CONFIDENCE_LEVEL: f64 = 0.95;
const LOWER_PERCENTILE: f64 = 0.025;
const UPPER_PERCENTILE: f64 = 0.975;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrocIntervals {
    pub resamples: usize,
    pub seed: u64,
    /// The coverage of every interval ([`CONFIDENCE_LEVEL`]).
    pub level: f64,
    /// Keyed like [`FrocResult::sensitivity_at`].
    pub sensitivity_at: BTreeMap<String, Interval>,
    pub cpm: Interval,
    /// The interval of [`FrocResult::cpm_luna16`]; absent in reports written before it existed.
    #[serde(default)]
    pub cpm_luna16: Option<Interval>,
    /// Over the resamples that had both classes; `None` when none had.
    pub roc_auc: Option<Interval>,
    /// How many resamples had both classes (and so an AUC).
    pub roc_auc_resamples: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Froc(#[from] FrocError),
    #[error("there are no patients to resample")]
    NoPatients,
    #[error("the bootstrap needs at least one resample")]
    NoResamples,
}

/// 95 % intervals for every `sensitivity_at` rate, the CPM and the ROC AUC from `resamples`
/// patient resamples. Inputs as for [`super::froc::froc`].
pub fn bootstrap_froc(
    candidates: &[ScoredCandidate],
    lesions: &[LesionRef],
    patients: Option<usize>,
    resamples: usize,
    seed: u64,
) -> Result<FrocIntervals, BootstrapError> {
    let mut pool = index_by_patient(candidates, lesions)?;
    let patient_count = resolve_patient_count(pool.len(), patients)?;
    pool.resize(patient_count, PatientCases::default());
    if pool.is_empty() {
        return Err(BootstrapError::NoPatients);
    }
    let mut sensitivities: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); FP_RATES.len()];
    let mut cpms = Vec::with_capacity(resamples);
    let mut cpms_luna16 = Vec::with_capacity(resamples);
    let mut aucs = Vec::with_capacity(resamples);
    for resample in 0..resamples {
        let mut rng = rng_for(seed, &[BOOTSTRAP_STREAM, resample as u64]);
        let draws: Vec<usize> = (0..pool.len()).map(|_| rng.random_range(0..pool.len())).collect();
        let result = resample_froc(&pool, &draws);
        for ((_, rate), values) in FP_RATES.iter().zip(&mut sensitivities) {
            values.push(sensitivity_at_rate(&result.curve, *rate));
        }
        cpms.push(result.cpm);
        cpms_luna16.extend(result.cpm_luna16);
        aucs.extend(result.roc_auc);
    }
    let mut sensitivity_at = BTreeMap::new();
    for ((key, _), mut values) in FP_RATES.iter().zip(sensitivities) {
        sensitivity_at.insert(key.to_string(), percentile_interval(&mut values).ok_or(BootstrapError::NoResamples)?);
    }
    Ok(FrocIntervals {
        resamples,
        seed,
        level: CONFIDENCE_LEVEL,
        sensitivity_at,
        cpm: percentile_interval(&mut cpms).ok_or(BootstrapError::NoResamples)?,
        cpm_luna16: percentile_interval(&mut cpms_luna16),
        roc_auc_resamples: aucs.len(),
        roc_auc: percentile_interval(&mut aucs),
    })
}

/// The FROC analysis of the patients `draws` picks from `pool`, each draw a separate patient.
fn resample_froc(pool: &[PatientCases], draws: &[usize]) -> FrocResult {
    let (scored, lesions) = concatenate(draws.iter().map(|&i| &pool[i]));
    sweep(scored, lesions, draws.len())
}

/// The 2.5th–97.5th percentile interval of `values` (sorted in place); `None` when empty.
pub(crate) fn percentile_interval(values: &mut [f64]) -> Option<Interval> {
    values.sort_by(f64::total_cmp);
    Some(Interval { lower: percentile(values, LOWER_PERCENTILE)?, upper: percentile(values, UPPER_PERCENTILE)? })
}

/// Type-7 percentile of sorted `values` at probability `p` in [0, 1].
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p;
    let below = (h.floor() as usize).min(last);
    let above = (below + 1).min(last);
    Some(sorted[below] + (h - below as f64) * (sorted[above] - sorted[below]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(patient: &str, id: &str, label: u8, score: f64, lesion: Option<&str>) -> ScoredCandidate {
        ScoredCandidate { patient: patient.into(), candidate: id.into(), label, score, lesion: lesion.map(Into::into) }
    }

    /// Ten patients of varied difficulty, so resamples differ.
    fn study() -> Vec<ScoredCandidate> {
        let mut candidates = Vec::new();
        for p in 0..10 {
            let patient = format!("p{p}");
            let hit = 0.3 + 0.07 * p as f64;
            candidates.push(candidate(&patient, "hit", 1, hit, Some("L")));
            for n in 0..(p % 4) {
                let score = ((p * 7 + n * 3) % 10) as f64 / 10.0;
                candidates.push(candidate(&patient, &format!("n{n}"), 0, score, None));
            }
        }
        candidates
    }

    #[test]
    fn same_seed_same_intervals_other_seed_other_intervals() {
        let candidates = study();
        let a = bootstrap_froc(&candidates, &[], None, 200, 7).unwrap();
        let b = bootstrap_froc(&candidates, &[], None, 200, 7).unwrap();
        let c = bootstrap_froc(&candidates, &[], None, 200, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.sensitivity_at.len(), FP_RATES.len());
        assert!(a.cpm.lower <= a.cpm.upper);
        assert_eq!(a.level, 0.95);
        // The order of the input does not matter.
        let mut reversed = candidates.clone();
        reversed.reverse();
        assert_eq!(bootstrap_froc(&reversed, &[], None, 200, 7).unwrap(), a);
    }

    #[test]
    fn a_patient_drawn_twice_counts_twice() {
        // One patient: lesion A hit at 0.9, one FP at 0.5. Drawn twice: 2 patients, 2 lesions;
        // ≥0.9: both copies' A → (0, 1); ≥0.5: both FPs → (2 FP / 2 patients = 1, 1).
        let candidates = [candidate("p", "a", 1, 0.9, Some("A")), candidate("p", "n", 0, 0.5, None)];
        let pool = index_by_patient(&candidates, &[]).unwrap();
        let result = resample_froc(&pool, &[0, 0]);
        assert_eq!((result.patients, result.lesions, result.candidates), (2, 2, 4));
        assert_eq!(result.curve[2].fp_per_patient, 1.0);
        assert_eq!(result.curve[2].sensitivity, 1.0);
    }

    #[test]
    fn identical_patients_give_a_point_interval() {
        // Every resample of identical patients is the same study: sensitivity 1 at every rate,
        // AUC 1, so every interval is [1, 1].
        let candidates: Vec<ScoredCandidate> = (0..5)
            .flat_map(|p| {
                let patient = format!("p{p}");
                [candidate(&patient, "a", 1, 0.9, Some("A")), candidate(&patient, "n", 0, 0.1, None)]
            })
            .collect();
        let intervals = bootstrap_froc(&candidates, &[], None, 50, 1).unwrap();
        assert_eq!(intervals.cpm, Interval { lower: 1.0, upper: 1.0 });
        assert_eq!(intervals.roc_auc, Some(Interval { lower: 1.0, upper: 1.0 }));
        assert_eq!(intervals.roc_auc_resamples, 50);
    }

    #[test]
    fn percentiles_by_hand() {
        // n = 5, values 1..5: h = 4·0.025 = 0.1 → 1 + 0.1·(2 − 1) = 1.1;
        // h = 4·0.975 = 3.9 → 4 + 0.9·(5 − 4) = 4.9.
        let mut values = [5.0, 3.0, 1.0, 4.0, 2.0];
        let interval = percentile_interval(&mut values).unwrap();
        assert!((interval.lower - 1.1).abs() < 1e-12);
        assert!((interval.upper - 4.9).abs() < 1e-12);
        assert_eq!(percentile_interval(&mut [0.7]), Some(Interval { lower: 0.7, upper: 0.7 }));
        assert_eq!(percentile_interval(&mut []), None);
    }

    #[test]
    fn degenerate_requests_are_errors() {
        assert_eq!(bootstrap_froc(&[], &[], None, 10, 0), Err(BootstrapError::NoPatients));
        let one = [candidate("p", "n", 0, 0.5, None)];
        assert_eq!(bootstrap_froc(&one, &[], None, 0, 0), Err(BootstrapError::NoResamples));
        // Unseen patients given by N are drawn as empty patients.
        assert!(bootstrap_froc(&one, &[], Some(3), 10, 0).is_ok());
    }
}
