//! Multi-class classification reports: the confusion matrix (rows the true class, columns the
//! predicted one), accuracy, balanced accuracy, per-class precision, recall and F1, and macro
//! and support-weighted F1, from (true, predicted) pairs or from per-sample probabilities.
//!
//! Undefined ratios (no predictions of a class, no samples of it) are 0. Balanced accuracy
//! averages recall over the classes present in the truth; macro F1 averages F1 over the
//! classes present in the truth or the predictions (scikit-learn's default label set).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassificationError {
    #[error("a classification report needs at least one class")]
    NoClasses,
    #[error("sample {sample}: class {class} is out of range for {classes} classes")]
    ClassOutOfRange { sample: usize, class: usize, classes: usize },
    #[error("{truths} true classes but {probabilities} probability vectors")]
    LengthMismatch { truths: usize, probabilities: usize },
    #[error("sample {sample}: {found} probabilities for {classes} classes")]
    ProbabilityCount { sample: usize, found: usize, classes: usize },
    #[error("sample {sample}: a probability is not finite")]
    NonFiniteProbability { sample: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub class: usize,
    /// Samples whose true class this is.
    pub support: usize,
    /// Samples predicted as this class.
    pub predicted: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    pub classes: usize,
    pub samples: usize,
    /// `confusion[true][predicted]` sample counts.
    pub confusion: Vec<Vec<usize>>,
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub per_class: Vec<ClassMetrics>,
    pub macro_f1: f64,
    pub weighted_f1: f64,
}

/// The report for `(true, predicted)` class pairs over `classes` classes.
pub fn classification_report(
    classes: usize,
    pairs: &[(usize, usize)],
) -> Result<ClassificationReport, ClassificationError> {
    if classes == 0 {
        return Err(ClassificationError::NoClasses);
    }
    let mut confusion = vec![vec![0usize; classes]; classes];
    for (sample, &(truth, predicted)) in pairs.iter().enumerate() {
        for class in [truth, predicted] {
            if class >= classes {
                return Err(ClassificationError::ClassOutOfRange { sample, class, classes });
            }
        }
        confusion[truth][predicted] += 1;
    }
    let per_class: Vec<ClassMetrics> = (0..classes).map(|class| class_metrics(&confusion, class)).collect();
    let samples = pairs.len();
    let correct: usize = (0..classes).map(|c| confusion[c][c]).sum();
    let present: Vec<&ClassMetrics> = per_class.iter().filter(|m| m.support > 0).collect();
    let balanced_accuracy = mean(present.iter().map(|m| m.recall));
    let macro_f1 = mean(per_class.iter().filter(|m| m.support > 0 || m.predicted > 0).map(|m| m.f1));
    let weighted_f1 = ratio(per_class.iter().map(|m| m.support as f64 * m.f1).sum(), samples as f64);
    Ok(ClassificationReport {
        classes,
        samples,
        accuracy: ratio(correct as f64, samples as f64),
        balanced_accuracy,
        per_class,
        macro_f1,
        weighted_f1,
        confusion,
    })
}

/// The report for true classes and per-sample class probabilities, each sample predicted as
/// its most probable class (the lowest class index among equal maxima).
pub fn classification_report_from_probabilities(
    classes: usize,
    truths: &[usize],
    probabilities: &[Vec<f64>],
) -> Result<ClassificationReport, ClassificationError> {
    if truths.len() != probabilities.len() {
        return Err(ClassificationError::LengthMismatch { truths: truths.len(), probabilities: probabilities.len() });
    }
    let mut pairs = Vec::with_capacity(truths.len());
    for (sample, (&truth, sample_probabilities)) in truths.iter().zip(probabilities).enumerate() {
        if sample_probabilities.len() != classes {
            return Err(ClassificationError::ProbabilityCount { sample, found: sample_probabilities.len(), classes });
        }
        if sample_probabilities.iter().any(|p| !p.is_finite()) {
            return Err(ClassificationError::NonFiniteProbability { sample });
        }
        let predicted = argmax(sample_probabilities).ok_or(ClassificationError::NoClasses)?;
        pairs.push((truth, predicted));
    }
    classification_report(classes, &pairs)
}

/// The index of the largest value, the first among equals; `None` for an empty slice.
pub fn argmax(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (index, &value) in values.iter().enumerate() {
        if best.is_none_or(|b| value > values[b]) {
            best = Some(index);
        }
    }
    best
}

fn class_metrics(confusion: &[Vec<usize>], class: usize) -> ClassMetrics {
    let true_positives = confusion[class][class];
    let support: usize = confusion[class].iter().sum();
    let predicted: usize = confusion.iter().map(|row| row[class]).sum();
    let false_negatives = support - true_positives;
    let false_positives = predicted - true_positives;
    ClassMetrics {
        class,
        support,
        predicted,
        precision: ratio(true_positives as f64, predicted as f64),
        recall: ratio(true_positives as f64, support as f64),
        // F1 = 2PR / (P + R) = 2TP / (2TP + FP + FN).
        f1: ratio(2.0 * true_positives as f64, (2 * true_positives + false_positives + false_negatives) as f64),
    }
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 { 0.0 } else { numerator / denominator }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    ratio(sum, count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    // true → predicted: 0→0, 0→0, 0→1, 1→1, 1→0, 1→1, 2→1, 2→0 (class 2 never predicted).
    const PAIRS: [(usize, usize); 8] = [(0, 0), (0, 0), (0, 1), (1, 1), (1, 0), (1, 1), (2, 1), (2, 0)];

    #[test]
    fn three_classes_with_one_never_predicted() {
        // Confusion rows [2 1 0], [1 2 0], [1 1 0]; accuracy (2 + 2) / 8 = ½.
        // Class 0: support 3, predicted 4 → P = 2/4, R = 2/3, F1 = 2·2 / (4 + 2 + 1) = 4/7.
        // Class 1: the same by symmetry. Class 2: support 2, never predicted → P = R = F1 = 0.
        // Balanced accuracy (2/3 + 2/3 + 0) / 3 = 4/9; macro F1 (4/7 + 4/7 + 0) / 3 = 8/21;
        // weighted F1 (3·4/7 + 3·4/7 + 2·0) / 8 = 3/7.
        let report = classification_report(3, &PAIRS).unwrap();
        assert_eq!(report.confusion, vec![vec![2, 1, 0], vec![1, 2, 0], vec![1, 1, 0]]);
        assert_eq!(report.accuracy, 0.5);
        assert!(close(report.per_class[0].precision, 0.5));
        assert!(close(report.per_class[0].recall, 2.0 / 3.0));
        assert!(close(report.per_class[0].f1, 4.0 / 7.0));
        assert!(close(report.per_class[1].f1, 4.0 / 7.0));
        assert_eq!(
            (report.per_class[2].precision, report.per_class[2].recall, report.per_class[2].f1),
            (0.0, 0.0, 0.0)
        );
        assert!(close(report.balanced_accuracy, 4.0 / 9.0));
        assert!(close(report.macro_f1, 8.0 / 21.0));
        assert!(close(report.weighted_f1, 3.0 / 7.0));
    }

    #[test]
    fn an_absent_class_does_not_dilute_the_averages() {
        // Class 3 has no samples and no predictions: its row and column are 0 and it is left
        // out of balanced accuracy and macro F1, which stay 4/9 and 8/21.
        let report = classification_report(4, &PAIRS).unwrap();
        assert_eq!(report.per_class[3].support, 0);
        assert_eq!(report.per_class[3].f1, 0.0);
        assert!(close(report.balanced_accuracy, 4.0 / 9.0));
        assert!(close(report.macro_f1, 8.0 / 21.0));
    }

    #[test]
    fn binary_perfect_and_empty() {
        let perfect = classification_report(2, &[(0, 0), (1, 1), (1, 1)]).unwrap();
        assert_eq!(
            (perfect.accuracy, perfect.balanced_accuracy, perfect.macro_f1, perfect.weighted_f1),
            (1.0, 1.0, 1.0, 1.0)
        );
        let empty = classification_report(2, &[]).unwrap();
        assert_eq!((empty.accuracy, empty.macro_f1), (0.0, 0.0));
    }

    #[test]
    fn from_probabilities_uses_argmax() {
        // argmax: [0.7 0.2 0.1] → 0, [0.3 0.3 0.4] → 2, [0.2 0.5 0.3] → 1, tie [0.4 0.4 0.2] → 0.
        let probabilities = vec![vec![0.7, 0.2, 0.1], vec![0.3, 0.3, 0.4], vec![0.2, 0.5, 0.3], vec![0.4, 0.4, 0.2]];
        let report = classification_report_from_probabilities(3, &[0, 1, 2, 1], &probabilities).unwrap();
        assert_eq!(report.confusion, vec![vec![1, 0, 0], vec![1, 0, 1], vec![0, 1, 0]]);
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(classification_report(0, &[]), Err(ClassificationError::NoClasses));
        let out = classification_report(2, &[(0, 0), (0, 2)]);
        assert_eq!(out, Err(ClassificationError::ClassOutOfRange { sample: 1, class: 2, classes: 2 }));
        let short = classification_report_from_probabilities(2, &[0], &[vec![1.0]]);
        assert_eq!(short, Err(ClassificationError::ProbabilityCount { sample: 0, found: 1, classes: 2 }));
        let nan = classification_report_from_probabilities(2, &[0], &[vec![f64::NAN, 0.0]]);
        assert_eq!(nan, Err(ClassificationError::NonFiniteProbability { sample: 0 }));
        let lengths = classification_report_from_probabilities(2, &[0, 1], &[vec![1.0, 0.0]]);
        assert_eq!(lengths, Err(ClassificationError::LengthMismatch { truths: 2, probabilities: 1 }));
    }
}
