//! FROC analysis of scored CADe candidates: lesion sensitivity against false positives per
//! patient, the sensitivities at the usual FP rates, the LUNA16 competition performance
//! metric (CPM) and the candidate-level ROC AUC.
//!
//! **Semantics.** At threshold `t` a lesion is detected when any candidate of that lesion (same
//! patient and lesion id) scores `>= t`; each label-0 candidate scoring `>= t` is one false
//! positive. A label-1 candidate without a lesion id neither detects nor counts as an FP.
//! FPs per patient divide by the patient count (distinct patients among candidates and
//! lesions, or the given count); sensitivity is detected / all lesions (0 without lesions).
//! The curve has the starting point (0, 0, +inf) and one point per distinct score, highest
//! first, tied scores entering together. The sensitivity at `k` FPs per patient is the highest
//! sensitivity of any curve point with at most `k` FPs per patient.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::cases::{FrocError, LesionRef, ScoredCandidate};
use super::cases::{Scored, concatenate, index_by_patient};
use super::roc::mann_whitney_auc;

/// The FP-per-patient rates reported in [`FrocResult::sensitivity_at`], with their keys.
pub const FP_RATES: [(&str, f64); 8] =
    [("0.125", 0.125), ("0.25", 0.25), ("0.5", 0.5), ("1", 1.0), ("2", 2.0), ("3", 3.0), ("4", 4.0), ("8", 8.0)];

/// The FP-per-patient rates averaged into the CPM (as in LUNA16).
pub const CPM_RATES: [f64; 7] = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0];

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrocPoint {
    pub fp_per_patient: f64,
    pub sensitivity: f64,
    /// `+inf` for the starting point; `null` in JSON.
    #[serde(with = "super::threshold_serde")]
    pub threshold: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrocResult {
    pub curve: Vec<FrocPoint>,
    /// Sensitivity at each rate of [`FP_RATES`], keyed "0.125" ... "8".
    pub sensitivity_at: BTreeMap<String, f64>,
    pub tpr_at_3fp: f64,
    /// Mean sensitivity at [`CPM_RATES`], each the step value at or below the rate ("CPM
    /// (step)": the sensitivity some threshold actually reaches).
    pub cpm: f64,
    /// The same mean with each sensitivity interpolated linearly between operating points, as
    /// the LUNA16 evaluation script does (`np.interp` on the FROC): "CPM (LUNA16)". `None` only
    /// in reports written before cadet computed it.
    #[serde(default)]
    pub cpm_luna16: Option<f64>,
    /// Candidate-level ROC AUC over labels (ties half); `None` when a class is absent.
    pub roc_auc: Option<f64>,
    pub patients: usize,
    pub lesions: usize,
    pub candidates: usize,
}

/// FROC analysis of `candidates` against all true `lesions`; `patients` is the number of
/// patients when some had neither candidates nor lesions (at least the number observed).
pub fn froc(
    candidates: &[ScoredCandidate],
    lesions: &[LesionRef],
    patients: Option<usize>,
) -> Result<FrocResult, FrocError> {
    let cases = index_by_patient(candidates, lesions)?;
    let patient_count = resolve_patient_count(cases.len(), patients)?;
    let (scored, lesion_count) = concatenate(&cases);
    Ok(sweep(scored, lesion_count, patient_count))
}

/// The patient count: `given` when there is one (and it covers the `observed` patients).
pub(super) fn resolve_patient_count(observed: usize, given: Option<usize>) -> Result<usize, FrocError> {
    match given {
        Some(given) if given < observed => Err(FrocError::TooFewPatients { given, observed }),
        Some(given) => Ok(given),
        None => Ok(observed),
    }
}

/// The threshold sweep over validated candidates whose lesion indices run over `0..lesions`.
pub(super) fn sweep(mut scored: Vec<Scored>, lesions: usize, patients: usize) -> FrocResult {
    let candidates = scored.len();
    let roc_auc = mann_whitney_auc(scored.iter().map(|c| (c.score, c.positive)));
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    let ratio = |count: usize, total: usize| if total == 0 { 0.0 } else { count as f64 / total as f64 };
    let mut detected = vec![false; lesions];
    let (mut false_positives, mut detected_count) = (0usize, 0usize);
    let mut curve = vec![FrocPoint { fp_per_patient: 0.0, sensitivity: 0.0, threshold: f64::INFINITY }];
    for group in scored.chunk_by(|a, b| a.score == b.score) {
        for candidate in group {
            if !candidate.positive {
                false_positives += 1;
            } else if let Some(lesion) = candidate.lesion
                && !detected[lesion]
            {
                detected[lesion] = true;
                detected_count += 1;
            }
        }
        curve.push(FrocPoint {
            fp_per_patient: ratio(false_positives, patients),
            sensitivity: ratio(detected_count, lesions),
            threshold: group[0].score,
        });
    }
    let sensitivity_at: BTreeMap<String, f64> =
        FP_RATES.iter().map(|&(key, rate)| (key.to_string(), sensitivity_at_rate(&curve, rate))).collect();
    let mean = |f: fn(&[FrocPoint], f64) -> f64| {
        CPM_RATES.iter().map(|&rate| f(&curve, rate)).sum::<f64>() / CPM_RATES.len() as f64
    };
    let (cpm, cpm_luna16) = (mean(sensitivity_at_rate), mean(sensitivity_at_rate_luna16));
    FrocResult {
        tpr_at_3fp: sensitivity_at_rate(&curve, 3.0),
        curve,
        sensitivity_at,
        cpm,
        cpm_luna16: Some(cpm_luna16),
        roc_auc,
        patients,
        lesions,
        candidates,
    }
}

/// The highest sensitivity among curve points with at most `rate` FPs per patient.
pub fn sensitivity_at_rate(curve: &[FrocPoint], rate: f64) -> f64 {
    curve.iter().filter(|p| p.fp_per_patient <= rate).map(|p| p.sensitivity).fold(0.0, f64::max)
}

/// The sensitivity at `rate` interpolated linearly between the curve's operating points, as
/// `np.interp(rate, fps, sens)` in the LUNA16 evaluation script: from the last point at or
/// below the rate (the highest sensitivity there) to the first point beyond it; past the last
/// point, its sensitivity.
pub fn sensitivity_at_rate_luna16(curve: &[FrocPoint], rate: f64) -> f64 {
    let below = curve.iter().rposition(|p| p.fp_per_patient <= rate);
    let above = curve.iter().position(|p| p.fp_per_patient > rate);
    match (below, above) {
        (Some(b), Some(a)) => {
            let (p0, p1) = (curve[b], curve[a]);
            let t = (rate - p0.fp_per_patient) / (p1.fp_per_patient - p0.fp_per_patient);
            p0.sensitivity + t * (p1.sensitivity - p0.sensitivity)
        }
        (Some(b), None) => curve[b].sensitivity,
        (None, Some(a)) => curve[a].sensitivity,
        (None, None) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(patient: &str, id: &str, label: u8, score: f64, lesion: Option<&str>) -> ScoredCandidate {
        ScoredCandidate { patient: patient.into(), candidate: id.into(), label, score, lesion: lesion.map(Into::into) }
    }

    fn lesion(patient: &str, id: &str) -> LesionRef {
        LesionRef { patient: patient.into(), lesion: id.into() }
    }

    fn points(result: &FrocResult) -> Vec<(f64, f64, f64)> {
        result.curve.iter().map(|p| (p.fp_per_patient, p.sensitivity, p.threshold)).collect()
    }

    fn at(result: &FrocResult) -> Vec<f64> {
        FP_RATES.iter().map(|(key, _)| result.sensitivity_at[*key]).collect()
    }

    #[test]
    fn tie_between_a_positive_and_a_negative() {
        // 2 patients, 2 lesions. ≥0.9: L1 → (0 FP, ½); ≥0.7: the p1 negative and the p2
        // positive enter together → (1/2 FP, 1); ≥0.2: second FP → (1, 1).
        // sens@0.125 = sens@0.25 = ½ (the 0.7 point has ½ FP/patient), from 0.5 on 1.
        // CPM = (½ + ½ + 1 + 1 + 1 + 1 + 1) / 7 = 6/7.
        // AUC: pos {0.9, 0.7} vs neg {0.7, 0.2}: 1 + 1 + ½ + 1 = 3.5 of 4 = 0.875.
        let candidates = [
            candidate("p1", "c1", 1, 0.9, Some("L1")),
            candidate("p1", "c2", 0, 0.7, None),
            candidate("p2", "c1", 1, 0.7, Some("L2")),
            candidate("p2", "c2", 0, 0.2, None),
        ];
        let result = froc(&candidates, &[lesion("p1", "L1"), lesion("p2", "L2")], None).unwrap();
        let inf = f64::INFINITY;
        assert_eq!(points(&result), vec![(0.0, 0.0, inf), (0.0, 0.5, 0.9), (0.5, 1.0, 0.7), (1.0, 1.0, 0.2)]);
        assert_eq!(at(&result), vec![0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(result.tpr_at_3fp, 1.0);
        assert_eq!(result.cpm, 6.0 / 7.0);
        // LUNA16 interpolates: at 0.125 FP/patient a quarter of the way from (0, ½) to (½, 1),
        // ⅝; at 0.25 ¾; from 0.5 on 1 (np.interp(rates, [0, 0, .5, 1], [0, .5, 1, 1]) agrees)
        let luna: Vec<f64> = CPM_RATES.iter().map(|&r| sensitivity_at_rate_luna16(&result.curve, r)).collect();
        assert_eq!(luna, vec![0.625, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(result.cpm_luna16, Some(6.375 / 7.0));
        assert_eq!(result.roc_auc, Some(0.875));
        assert_eq!((result.patients, result.lesions, result.candidates), (2, 2, 4));
    }

    #[test]
    fn repeated_hits_missed_lesions_and_empty_patients() {
        // N = 4 patients (p4 has nothing); lesions p1/A, p1/B (never reached), p3/C (p3 has
        // no candidates) → 3 lesions. ≥0.8: A → (0, 1/3); ≥0.7: FP → (1/4, 1/3); ≥0.6: A
        // again, no change → (1/4, 1/3); ≥0.5: FP → (2/4, 1/3). Every rate gives 1/3.
        let candidates = [
            candidate("p1", "c1", 1, 0.8, Some("A")),
            candidate("p1", "c2", 1, 0.6, Some("A")),
            candidate("p1", "c3", 0, 0.7, None),
            candidate("p2", "c1", 0, 0.5, None),
        ];
        let lesions = [lesion("p1", "A"), lesion("p1", "B"), lesion("p3", "C")];
        let result = froc(&candidates, &lesions, Some(4)).unwrap();
        let third = 1.0 / 3.0;
        let inf = f64::INFINITY;
        let expected =
            vec![(0.0, 0.0, inf), (0.0, third, 0.8), (0.25, third, 0.7), (0.25, third, 0.6), (0.5, third, 0.5)];
        assert_eq!(points(&result), expected);
        assert_eq!(at(&result), vec![third; 8]);
        assert_eq!(result.cpm, third);
        assert_eq!((result.patients, result.lesions), (4, 3));
        // Without N only the 3 patients seen count: the FPs come at 1/3 and 2/3 per patient.
        let observed = froc(&candidates, &lesions, None).unwrap();
        assert_eq!(observed.patients, 3);
        assert_eq!(observed.curve[4].fp_per_patient, 2.0 / 3.0);
    }

    #[test]
    fn sensitivity_at_is_the_highest_within_the_fp_budget() {
        // 2 patients, 4 lesions, FPs and hits alternating:
        // 0.95 A (0, ¼) · 0.9 FP (½, ¼) · 0.85 C (½, ½) · 0.8 FP (1, ½) · 0.75 B (1, ¾)
        // · 0.7 FP (1½, ¾) · 0.65 FP (2, ¾) · 0.6 D (2, 1).
        // At ½ the best is ½ (threshold 0.85), not the ¼ first reached at ½ FP; at 1 it is ¾
        // (a point exactly at the budget counts); at 2 it is 1.
        // CPM = (¼ + ¼ + ½ + ¾ + 1 + 1 + 1) / 7 = 4.75 / 7.
        // AUC: positives 0.95, 0.85, 0.75, 0.6 beat 4, 3, 2, 0 of the 4 negatives → 9/16.
        let candidates = [
            candidate("p1", "a", 1, 0.95, Some("A")),
            candidate("p1", "n1", 0, 0.9, None),
            candidate("p2", "c", 1, 0.85, Some("C")),
            candidate("p2", "n1", 0, 0.8, None),
            candidate("p1", "b", 1, 0.75, Some("B")),
            candidate("p1", "n2", 0, 0.7, None),
            candidate("p2", "n2", 0, 0.65, None),
            candidate("p2", "d", 1, 0.6, Some("D")),
        ];
        let lesions = [lesion("p1", "A"), lesion("p1", "B"), lesion("p2", "C"), lesion("p2", "D")];
        let result = froc(&candidates, &lesions, None).unwrap();
        assert_eq!(at(&result), vec![0.25, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(result.cpm, 4.75 / 7.0);
        // every CPM rate falls on a flat stretch or exactly on a point, so interpolation changes
        // nothing there; 0.75 FP/patient lies between (½, ½) and (1, ½): ½ (np.interp agrees)
        assert_eq!(result.cpm_luna16, Some(4.75 / 7.0));
        assert_eq!(sensitivity_at_rate_luna16(&result.curve, 0.75), 0.5);
        assert_eq!(sensitivity_at_rate_luna16(&result.curve, 1.75), 0.75);
        assert_eq!(sensitivity_at_rate_luna16(&result.curve, 9.0), 1.0);
        assert_eq!(result.roc_auc, Some(0.5625));
        assert_eq!(sensitivity_at_rate(&result.curve, 1.49), 0.75);
    }

    #[test]
    fn no_positives_at_all() {
        // One patient, no lesions, two negatives: sensitivity stays 0; FPs 1 then 2 per patient.
        let candidates = [candidate("p1", "c1", 0, 0.3, None), candidate("p1", "c2", 0, 0.1, None)];
        let result = froc(&candidates, &[], None).unwrap();
        let inf = f64::INFINITY;
        assert_eq!(points(&result), vec![(0.0, 0.0, inf), (1.0, 0.0, 0.3), (2.0, 0.0, 0.1)]);
        assert_eq!(result.cpm, 0.0);
        assert_eq!(result.roc_auc, None);
        assert_eq!(result.lesions, 0);
    }

    #[test]
    fn positive_without_lesion_id_neither_detects_nor_counts_as_fp() {
        // ≥0.9: the id-less positive changes nothing → (0, 0); ≥0.5: A detected → (0, 1).
        let candidates = [candidate("p1", "c1", 1, 0.9, None), candidate("p1", "c2", 1, 0.5, Some("A"))];
        let result = froc(&candidates, &[lesion("p1", "A")], None).unwrap();
        let inf = f64::INFINITY;
        assert_eq!(points(&result), vec![(0.0, 0.0, inf), (0.0, 0.0, 0.9), (0.0, 1.0, 0.5)]);
        assert_eq!(result.roc_auc, None);
    }

    #[test]
    fn empty_input_and_patient_count_checks() {
        let empty = froc(&[], &[], None).unwrap();
        assert_eq!(empty.curve.len(), 1);
        assert_eq!((empty.patients, empty.cpm), (0, 0.0));
        let err = froc(&[candidate("p1", "c1", 0, 0.2, None)], &[lesion("p2", "A")], Some(1)).unwrap_err();
        assert_eq!(err, FrocError::TooFewPatients { given: 1, observed: 2 });
        let nan = froc(&[candidate("p1", "c1", 0, f64::NAN, None)], &[], None);
        assert!(matches!(nan, Err(FrocError::NonFiniteScore { .. })));
    }

    #[test]
    fn result_round_trips_through_json() {
        let candidates = [candidate("p1", "c1", 1, 0.9, Some("A")), candidate("p1", "c2", 0, 0.4, None)];
        let result = froc(&candidates, &[], None).unwrap();
        let json = serde_json::to_string(&result).unwrap();
        let back: FrocResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, result);
    }
}
