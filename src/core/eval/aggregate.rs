//! Combining scores: a candidate's class probabilities from its random views (the mean over
//! views, the paper's random view aggregation), model ensembles (mean candidate score), and
//! cross-validation pooling (the test folds' candidates as one list).

use std::collections::HashMap;

use super::froc::ScoredCandidate;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AggregateError {
    #[error("a candidate needs at least one view to aggregate")]
    NoViews,
    #[error("view {view} has {found} class probabilities, view 0 has {expected}")]
    ViewClassCount { view: usize, found: usize, expected: usize },
    #[error("view {view} has a non-finite probability")]
    NonFiniteProbability { view: usize },
    #[error("an ensemble needs at least one model")]
    NoModels,
    #[error("model {model} lists candidate {patient}/{candidate} twice")]
    DuplicateInModel { model: usize, patient: String, candidate: String },
    #[error("model {model} scored candidate {patient}/{candidate}, which model 0 did not")]
    UnmatchedCandidate { model: usize, patient: String, candidate: String },
    #[error("model {model} did not score candidate {patient}/{candidate}, which model 0 scored")]
    MissingCandidate { model: usize, patient: String, candidate: String },
    #[error("model {model} gives candidate {patient}/{candidate} another label or lesion than model 0")]
    TruthMismatch { model: usize, patient: String, candidate: String },
    #[error("candidate {patient}/{candidate} appears in fold {first_fold} and fold {second_fold}")]
    DuplicateAcrossFolds { patient: String, candidate: String, first_fold: usize, second_fold: usize },
}

/// A candidate's class probabilities: the mean of its views' probability vectors, any number
/// of classes.
pub fn mean_over_views(views: &[Vec<f64>]) -> Result<Vec<f64>, AggregateError> {
    let first = views.first().ok_or(AggregateError::NoViews)?;
    let mut sums = vec![0.0; first.len()];
    for (view, probabilities) in views.iter().enumerate() {
        if probabilities.len() != first.len() {
            return Err(AggregateError::ViewClassCount { view, found: probabilities.len(), expected: first.len() });
        }
        if probabilities.iter().any(|p| !p.is_finite()) {
            return Err(AggregateError::NonFiniteProbability { view });
        }
        for (sum, p) in sums.iter_mut().zip(probabilities) {
            *sum += p;
        }
    }
    Ok(sums.into_iter().map(|sum| sum / views.len() as f64).collect())
}

fn key(candidate: &ScoredCandidate) -> (&str, &str) {
    (&candidate.patient, &candidate.candidate)
}

fn ids(candidate: &ScoredCandidate) -> (String, String) {
    (candidate.patient.clone(), candidate.candidate.clone())
}

/// The ensemble of several models' scores of the same candidates: each candidate's mean score,
/// in model 0's order. All models must score the same (patient, candidate) set with the same
/// labels and lesions.
pub fn ensemble_mean(models: &[Vec<ScoredCandidate>]) -> Result<Vec<ScoredCandidate>, AggregateError> {
    let (first, others) = models.split_first().ok_or(AggregateError::NoModels)?;
    let mut index: HashMap<(&str, &str), usize> = HashMap::with_capacity(first.len());
    for (position, candidate) in first.iter().enumerate() {
        if index.insert(key(candidate), position).is_some() {
            let (patient, candidate) = ids(candidate);
            return Err(AggregateError::DuplicateInModel { model: 0, patient, candidate });
        }
    }
    let mut sums: Vec<f64> = first.iter().map(|c| c.score).collect();
    for (offset, scores) in others.iter().enumerate() {
        let model = offset + 1;
        let mut seen = vec![false; first.len()];
        for candidate in scores {
            let Some(&position) = index.get(&key(candidate)) else {
                let (patient, candidate) = ids(candidate);
                return Err(AggregateError::UnmatchedCandidate { model, patient, candidate });
            };
            if std::mem::replace(&mut seen[position], true) {
                let (patient, candidate) = ids(candidate);
                return Err(AggregateError::DuplicateInModel { model, patient, candidate });
            }
            let reference = &first[position];
            if candidate.label != reference.label || candidate.lesion != reference.lesion {
                let (patient, candidate) = ids(candidate);
                return Err(AggregateError::TruthMismatch { model, patient, candidate });
            }
            sums[position] += candidate.score;
        }
        if let Some(position) = seen.iter().position(|&s| !s) {
            let (patient, candidate) = ids(&first[position]);
            return Err(AggregateError::MissingCandidate { model, patient, candidate });
        }
    }
    let count = models.len() as f64;
    Ok(first.iter().zip(sums).map(|(c, sum)| ScoredCandidate { score: sum / count, ..c.clone() }).collect())
}

/// The cross-validation test folds' candidates as one list, fold by fold. A (patient,
/// candidate) may appear in only one fold.
pub fn pool_folds(folds: &[Vec<ScoredCandidate>]) -> Result<Vec<ScoredCandidate>, AggregateError> {
    let mut fold_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut pooled = Vec::with_capacity(folds.iter().map(Vec::len).sum());
    for (fold, candidates) in folds.iter().enumerate() {
        for candidate in candidates {
            if let Some(first_fold) = fold_of.insert(key(candidate), fold)
                && first_fold != fold
            {
                let (patient, candidate) = ids(candidate);
                return Err(AggregateError::DuplicateAcrossFolds { patient, candidate, first_fold, second_fold: fold });
            }
            pooled.push(candidate.clone());
        }
    }
    Ok(pooled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(patient: &str, id: &str, label: u8, score: f64) -> ScoredCandidate {
        let lesion = (label == 1).then(|| format!("{id}-lesion"));
        ScoredCandidate { patient: patient.into(), candidate: id.into(), label, score, lesion }
    }

    #[test]
    fn views_average_per_class() {
        // Three views of a 3-class candidate: class means (0.6+0.2+0.4)/3 = 0.4,
        // (0.3+0.5+0.4)/3 = 0.4, (0.1+0.3+0.2)/3 = 0.2.
        let views = vec![vec![0.6, 0.3, 0.1], vec![0.2, 0.5, 0.3], vec![0.4, 0.4, 0.2]];
        let mean = mean_over_views(&views).unwrap();
        for (got, expected) in mean.iter().zip([0.4, 0.4, 0.2]) {
            assert!((got - expected).abs() < 1e-12);
        }
        assert_eq!(mean_over_views(&[]), Err(AggregateError::NoViews));
        let ragged = mean_over_views(&[vec![0.5, 0.5], vec![1.0]]);
        assert_eq!(ragged, Err(AggregateError::ViewClassCount { view: 1, found: 1, expected: 2 }));
        assert_eq!(mean_over_views(&[vec![f64::NAN]]), Err(AggregateError::NonFiniteProbability { view: 0 }));
    }

    #[test]
    fn ensemble_averages_scores_in_any_order() {
        // a: (0.2 + 0.6) / 2 = 0.4; b: (0.9 + 0.5) / 2 = 0.7; model 1 lists them reversed.
        let model_a = vec![scored("p", "a", 0, 0.2), scored("p", "b", 1, 0.9)];
        let model_b = vec![scored("p", "b", 1, 0.5), scored("p", "a", 0, 0.6)];
        let ensemble = ensemble_mean(&[model_a, model_b]).unwrap();
        assert_eq!(ensemble[0].candidate, "a");
        assert!((ensemble[0].score - 0.4).abs() < 1e-12);
        assert!((ensemble[1].score - 0.7).abs() < 1e-12);
        assert_eq!(ensemble[1].lesion.as_deref(), Some("b-lesion"));
    }

    #[test]
    fn ensemble_rejects_different_candidate_sets() {
        let base = vec![scored("p", "a", 0, 0.2), scored("p", "b", 1, 0.9)];
        let missing = vec![scored("p", "a", 0, 0.3)];
        let extra = vec![scored("p", "a", 0, 0.3), scored("p", "b", 1, 0.9), scored("q", "a", 0, 0.1)];
        let relabelled = vec![scored("p", "a", 1, 0.3), scored("p", "b", 1, 0.9)];
        let doubled = vec![scored("p", "a", 0, 0.3), scored("p", "a", 0, 0.3)];
        let err = |other: &Vec<ScoredCandidate>| ensemble_mean(&[base.clone(), other.clone()]).unwrap_err();
        assert!(matches!(err(&missing), AggregateError::MissingCandidate { model: 1, .. }));
        assert!(matches!(err(&extra), AggregateError::UnmatchedCandidate { model: 1, .. }));
        assert!(matches!(err(&relabelled), AggregateError::TruthMismatch { model: 1, .. }));
        assert!(matches!(err(&doubled), AggregateError::DuplicateInModel { model: 1, .. }));
        assert_eq!(ensemble_mean(&[]), Err(AggregateError::NoModels));
    }

    #[test]
    fn folds_pool_and_reject_overlap() {
        let fold_0 = vec![scored("p1", "a", 0, 0.2)];
        let fold_1 = vec![scored("p2", "a", 1, 0.8), scored("p2", "b", 0, 0.1)];
        let pooled = pool_folds(&[fold_0.clone(), fold_1.clone()]).unwrap();
        assert_eq!(pooled.len(), 3);
        assert_eq!(pooled[1].patient, "p2");
        let overlap = pool_folds(&[fold_0, fold_1.clone(), vec![scored("p2", "b", 0, 0.3)]]).unwrap_err();
        let expected = AggregateError::DuplicateAcrossFolds {
            patient: "p2".into(),
            candidate: "b".into(),
            first_fold: 1,
            second_fold: 2,
        };
        assert_eq!(overlap, expected);
    }
}
