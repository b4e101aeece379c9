//! Binary ROC analysis: the curve of (false-positive rate, true-positive rate, threshold) and
//! the area under it, computed as the Mann–Whitney statistic with ties counted half.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RocError {
    #[error("sample {index} has a non-finite score ({score})")]
    NonFiniteScore { index: usize, score: f64 },
}

/// One operating point: everything scoring at or above `threshold` is called positive.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    pub false_positive_rate: f64,
    pub true_positive_rate: f64,
    /// `+inf` for the starting point (nothing called positive); `null` in JSON.
    #[serde(with = "super::threshold_serde")]
    pub threshold: f64,
}

/// The ROC curve of `(score, is_positive)` samples: the starting point (0, 0, +inf), then one
/// point per distinct score, highest first, with tied scores entering together. A rate whose
/// class has no samples is 0.
pub fn roc_curve(samples: &[(f64, bool)]) -> Result<Vec<RocPoint>, RocError> {
    check_finite(samples)?;
    let positives = samples.iter().filter(|(_, positive)| *positive).count();
    let negatives = samples.len() - positives;
    let rate = |count: usize, total: usize| if total == 0 { 0.0 } else { count as f64 / total as f64 };
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut curve = vec![RocPoint { false_positive_rate: 0.0, true_positive_rate: 0.0, threshold: f64::INFINITY }];
    let (mut true_hits, mut false_hits) = (0, 0);
    for group in sorted.chunk_by(|a, b| a.0 == b.0) {
        let group_positives = group.iter().filter(|(_, positive)| *positive).count();
        true_hits += group_positives;
        false_hits += group.len() - group_positives;
        curve.push(RocPoint {
            false_positive_rate: rate(false_hits, negatives),
            true_positive_rate: rate(true_hits, positives),
            threshold: group[0].0,
        });
    }
    Ok(curve)
}

/// The area under the ROC curve: the probability that a random positive outscores a random
/// negative, a tie counting half. `None` when either class is absent.
pub fn roc_auc(samples: &[(f64, bool)]) -> Result<Option<f64>, RocError> {
    check_finite(samples)?;
    Ok(mann_whitney_auc(samples.iter().copied()))
}

/// [`roc_auc`] for scores already known to be finite.
pub(super) fn mann_whitney_auc(samples: impl IntoIterator<Item = (f64, bool)>) -> Option<f64> {
    let mut sorted: Vec<(f64, bool)> = samples.into_iter().collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|(_, positive)| *positive).count();
    let negatives = sorted.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Walking up the scores: each positive beats every negative below its group and ties
    // (half) with the negatives inside it.
    let mut wins = 0.0;
    let mut negatives_below = 0usize;
    for group in sorted.chunk_by(|a, b| a.0 == b.0) {
        let group_positives = group.iter().filter(|(_, positive)| *positive).count();
        let group_negatives = group.len() - group_positives;
        wins += group_positives as f64 * (negatives_below as f64 + 0.5 * group_negatives as f64);
        negatives_below += group_negatives;
    }
    Some(wins / (positives as f64 * negatives as f64))
}

fn check_finite(samples: &[(f64, bool)]) -> Result<(), RocError> {
    match samples.iter().position(|(score, _)| !score.is_finite()) {
        Some(index) => Err(RocError::NonFiniteScore { index, score: samples[index].0 }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_reversed_and_tied_separations() {
        let perfect = [(0.9, true), (0.8, true), (0.2, false), (0.1, false)];
        let reversed = [(0.1, true), (0.2, true), (0.8, false), (0.9, false)];
        let tied = [(0.5, true), (0.5, false), (0.5, true), (0.5, false)];
        assert_eq!(roc_auc(&perfect).unwrap(), Some(1.0));
        assert_eq!(roc_auc(&reversed).unwrap(), Some(0.0));
        assert_eq!(roc_auc(&tied).unwrap(), Some(0.5));
    }

    #[test]
    fn small_case_by_hand() {
        // positives 0.8, 0.6, 0.4; negatives 0.6, 0.3.
        // pairs (pos, neg): 0.8>0.6 1, 0.8>0.3 1, 0.6=0.6 ½, 0.6>0.3 1, 0.4<0.6 0, 0.4>0.3 1
        // wins = 4.5 over 3·2 = 6 pairs → 0.75
        let samples = [(0.8, true), (0.6, true), (0.4, true), (0.6, false), (0.3, false)];
        assert_eq!(roc_auc(&samples).unwrap(), Some(0.75));
    }

    #[test]
    fn one_class_has_no_auc() {
        assert_eq!(roc_auc(&[(0.3, true), (0.7, true)]).unwrap(), None);
        assert_eq!(roc_auc(&[(0.3, false)]).unwrap(), None);
        assert_eq!(roc_auc(&[]).unwrap(), None);
    }

    #[test]
    fn non_finite_scores_are_rejected() {
        let err = roc_auc(&[(0.3, true), (f64::NAN, false)]).unwrap_err();
        assert!(matches!(err, RocError::NonFiniteScore { index: 1, .. }));
        assert!(roc_curve(&[(f64::INFINITY, true)]).is_err());
    }

    #[test]
    fn curve_points_by_hand() {
        // Same samples as `small_case_by_hand`: P = 3, N = 2.
        // ≥0.8: 1 TP 0 FP → (0, 1/3); ≥0.6: 2 TP 1 FP → (1/2, 2/3);
        // ≥0.4: 3 TP 1 FP → (1/2, 1); ≥0.3: 3 TP 2 FP → (1, 1).
        let samples = [(0.8, true), (0.6, true), (0.4, true), (0.6, false), (0.3, false)];
        let curve = roc_curve(&samples).unwrap();
        let got: Vec<(f64, f64, f64)> =
            curve.iter().map(|p| (p.false_positive_rate, p.true_positive_rate, p.threshold)).collect();
        let expected = vec![
            (0.0, 0.0, f64::INFINITY),
            (0.0, 1.0 / 3.0, 0.8),
            (0.5, 2.0 / 3.0, 0.6),
            (0.5, 1.0, 0.4),
            (1.0, 1.0, 0.3),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn infinite_threshold_survives_json() {
        let curve = roc_curve(&[(0.5, true)]).unwrap();
        let json = serde_json::to_string(&curve).unwrap();
        assert!(json.contains("\"threshold\":null"));
        let back: Vec<RocPoint> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, curve);
    }
}
