//! ILD figures (the paper's Tables III–V): accuracy, per-class precision/recall/F1 and the 6 × 6
//! confusion matrix from per-item predictions, per fold and pooled, with patient-bootstrap
//! intervals. A patch's truth is its contour's class. A slice is a hit when the predicted class
//! is one of the slice's classes; its confusion row is then the predicted class, and otherwise
//! the slice's class the network found most probable.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::bootstrap::{BOOTSTRAP_STREAM, Interval, percentile_interval};
use super::classification::{ClassificationError, ClassificationReport, argmax, classification_report};
use crate::core::ild::{CLASSES, IldClass};
use crate::core::seed::rng_for;

/// The network's output for one test item (a patch, or a whole slice).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IldPrediction {
    pub patient: String,
    pub slice_number: i32,
    /// The contour (patch level).
    pub roi: Option<usize>,
    /// The patch centre (row, column).
    pub center: Option<(usize, usize)>,
    /// The item's classes: one for a patch, every class of the slice for a slice.
    pub truth: Vec<IldClass>,
    pub probabilities: Vec<f64>,
}

impl IldPrediction {
    pub fn predicted(&self) -> usize {
        argmax(&self.probabilities).unwrap_or(0)
    }

    /// (true, predicted) under the hit rule.
    pub fn pair(&self) -> (usize, usize) {
        let predicted = self.predicted();
        if self.truth.iter().any(|c| c.index() == predicted) {
            return (predicted, predicted);
        }
        let truth = self
            .truth
            .iter()
            .max_by(|a, b| self.probabilities[a.index()].total_cmp(&self.probabilities[b.index()]).then(b.cmp(a)))
            .map_or(0, |c| c.index());
        (truth, predicted)
    }
}

/// The classification report of predictions under the hit rule.
pub fn ild_report(predictions: &[IldPrediction]) -> Result<ClassificationReport, ClassificationError> {
    for (sample, p) in predictions.iter().enumerate() {
        if p.probabilities.len() != CLASSES {
            return Err(ClassificationError::ProbabilityCount {
                sample,
                found: p.probabilities.len(),
                classes: CLASSES,
            });
        }
    }
    let pairs: Vec<(usize, usize)> = predictions.iter().map(IldPrediction::pair).collect();
    classification_report(CLASSES, &pairs)
}

/// 95 % patient-bootstrap intervals of accuracy, macro F1 and each class's F1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IldIntervals {
    pub resamples: usize,
    pub seed: u64,
    pub accuracy: Interval,
    pub macro_f1: Interval,
    /// Per class (None when no resample had the class).
    pub f1: Vec<Option<Interval>>,
}

/// Resamples patients with replacement `resamples` times (seeded) and takes the 2.5th and
/// 97.5th percentiles; `None` without predictions or resamples.
pub fn bootstrap_ild(predictions: &[IldPrediction], resamples: usize, seed: u64) -> Option<IldIntervals> {
    let mut patients: Vec<&str> = predictions.iter().map(|p| p.patient.as_str()).collect();
    patients.sort_unstable();
    patients.dedup();
    if patients.is_empty() || resamples == 0 {
        return None;
    }
    let groups: Vec<Vec<(usize, usize)>> = patients
        .iter()
        .map(|id| predictions.iter().filter(|p| p.patient == *id).map(IldPrediction::pair).collect())
        .collect();
    let mut rng = rng_for(seed, &[BOOTSTRAP_STREAM]);
    let (mut accuracy, mut macro_f1) = (Vec::new(), Vec::new());
    let mut f1: Vec<Vec<f64>> = vec![Vec::new(); CLASSES];
    for _ in 0..resamples {
        let pairs: Vec<(usize, usize)> =
            (0..groups.len()).flat_map(|_| groups[rng.random_range(0..groups.len())].iter().copied()).collect();
        let Ok(r) = classification_report(CLASSES, &pairs) else { continue };
        accuracy.push(r.accuracy);
        macro_f1.push(r.macro_f1);
        for m in r.per_class.iter().filter(|m| m.support > 0) {
            f1[m.class].push(m.f1);
        }
    }
    Some(IldIntervals {
        resamples,
        seed,
        accuracy: percentile_interval(&mut accuracy)?,
        macro_f1: percentile_interval(&mut macro_f1)?,
        f1: f1.iter_mut().map(|v| percentile_interval(v)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use IldClass::*;

    fn prediction(patient: &str, truth: &[IldClass], predicted: IldClass) -> IldPrediction {
        let mut probabilities = vec![0.1; CLASSES];
        probabilities[predicted.index()] = 0.5;
        IldPrediction {
            patient: patient.into(),
            slice_number: 1,
            roi: None,
            center: None,
            truth: truth.to_vec(),
            probabilities,
        }
    }

    #[test]
    fn f1_and_confusion_by_hand_with_the_slice_hit_rule() {
        let p = [
            prediction("1", &[Healthy], Healthy),
            prediction("1", &[Healthy], Emphysema),
            prediction("2", &[Emphysema], Emphysema),
            prediction("2", &[Fibrosis, Emphysema], Emphysema), // a hit: emphysema is one of its classes
            prediction("3", &[Fibrosis], Healthy),
            prediction("3", &[Fibrosis], Fibrosis),
        ];
        let r = ild_report(&p).unwrap();
        // confusion rows are truths: healthy → [1 healthy, 1 emphysema]; emphysema → [2 emphysema];
        // fibrosis → [1 healthy, 1 fibrosis]
        assert_eq!(r.confusion[0], [1, 1, 0, 0, 0, 0]);
        assert_eq!(r.confusion[1], [0, 2, 0, 0, 0, 0]);
        assert_eq!(r.confusion[3], [1, 0, 0, 1, 0, 0]);
        assert_eq!(r.accuracy, 4.0 / 6.0);
        // healthy: precision 1/2, recall 1/2, F1 1/2; emphysema: precision 2/3, recall 1, F1 0.8;
        // fibrosis: precision 1, recall 1/2, F1 2/3
        let f1: Vec<f64> = r.per_class.iter().map(|m| m.f1).collect();
        assert!(
            (f1[0] - 0.5).abs() < 1e-12 && (f1[1] - 0.8).abs() < 1e-12 && (f1[3] - 2.0 / 3.0).abs() < 1e-12,
            "{f1:?}"
        );
        assert!((r.macro_f1 - (0.5 + 0.8 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        // a miss on a two-class slice counts against the class the network found more probable
        let mut miss = prediction("4", &[Fibrosis, Consolidation], Micronodules);
        miss.probabilities[Consolidation.index()] = 0.3;
        assert_eq!(miss.pair(), (Consolidation.index(), Micronodules.index()));
        let ci = bootstrap_ild(&p, 200, 1).unwrap();
        assert!(ci.accuracy.lower <= r.accuracy && r.accuracy <= ci.accuracy.upper, "{ci:?}");
        assert_eq!(bootstrap_ild(&p, 200, 1), Some(ci), "seeded");
    }
}
