//! FROC inputs (scored candidates and true lesions), validated and indexed per patient: the
//! form that the threshold sweep and the patient bootstrap work on, with lesion ids replaced
//! by numbers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// A scored candidate: `label` 1 for a true lesion hit, 0 otherwise; `lesion` names the lesion
/// a positive hits (within its patient).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredCandidate {
    pub patient: String,
    pub candidate: String,
    pub label: u8,
    pub score: f64,
    pub lesion: Option<String>,
}

/// A true lesion, whether or not any candidate reached it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LesionRef {
    pub patient: String,
    pub lesion: String,
}

/// Why FROC inputs are invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrocError {
    #[error("candidate {patient}/{candidate} has a non-finite score ({score})")]
    NonFiniteScore { patient: String, candidate: String, score: f64 },
    #[error("candidate {patient}/{candidate} has label {label}; labels are 0 or 1")]
    InvalidLabel { patient: String, candidate: String, label: u8 },
    #[error("candidate {patient}/{candidate} has label 0 but names a lesion")]
    NegativeWithLesion { patient: String, candidate: String },
    #[error("candidate {patient}/{candidate} is listed twice")]
    DuplicateCandidate { patient: String, candidate: String },
    #[error("{given} patients given, but the candidates and lesions involve {observed}")]
    TooFewPatients { given: usize, observed: usize },
}

/// A candidate reduced to what the threshold sweep needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Scored {
    pub score: f64,
    pub positive: bool,
    /// Index of the lesion it hits; `None` for negatives and for positives without a lesion id.
    pub lesion: Option<usize>,
}

/// One patient's candidates and lesion count; candidate lesion indices run over `0..lesions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct PatientCases {
    pub candidates: Vec<Scored>,
    pub lesions: usize,
}

#[derive(Default)]
struct PatientBuilder<'a> {
    lesion_ids: HashMap<&'a str, usize>,
    candidates: Vec<Scored>,
}

impl<'a> PatientBuilder<'a> {
    fn lesion_index(&mut self, id: &'a str) -> usize {
        let next = self.lesion_ids.len();
        *self.lesion_ids.entry(id).or_insert(next)
    }
}

/// Validates the inputs and groups them by patient, in patient-id order (so the result does
/// not depend on input order). Every lesion of `lesions` is kept, duplicates once; lesions
/// that candidates name but the list lacks are added.
pub(super) fn index_by_patient(
    candidates: &[ScoredCandidate],
    lesions: &[LesionRef],
) -> Result<Vec<PatientCases>, FrocError> {
    let mut patients: BTreeMap<&str, PatientBuilder> = BTreeMap::new();
    for lesion in lesions {
        patients.entry(&lesion.patient).or_default().lesion_index(&lesion.lesion);
    }
    let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(candidates.len());
    for candidate in candidates {
        validate(candidate)?;
        if !seen.insert((&candidate.patient, &candidate.candidate)) {
            return Err(FrocError::DuplicateCandidate {
                patient: candidate.patient.clone(),
                candidate: candidate.candidate.clone(),
            });
        }
        let patient = patients.entry(&candidate.patient).or_default();
        let lesion = candidate.lesion.as_deref().map(|id| patient.lesion_index(id));
        patient.candidates.push(Scored { score: candidate.score, positive: candidate.label == 1, lesion });
    }
    Ok(patients.into_values().map(|p| PatientCases { lesions: p.lesion_ids.len(), candidates: p.candidates }).collect())
}

fn validate(candidate: &ScoredCandidate) -> Result<(), FrocError> {
    let id = || (candidate.patient.clone(), candidate.candidate.clone());
    if !candidate.score.is_finite() {
        let (patient, candidate_id) = id();
        return Err(FrocError::NonFiniteScore { patient, candidate: candidate_id, score: candidate.score });
    }
    if candidate.label > 1 {
        let (patient, candidate_id) = id();
        return Err(FrocError::InvalidLabel { patient, candidate: candidate_id, label: candidate.label });
    }
    if candidate.label == 0 && candidate.lesion.is_some() {
        let (patient, candidate_id) = id();
        return Err(FrocError::NegativeWithLesion { patient, candidate: candidate_id });
    }
    Ok(())
}

/// The patients' candidates as one list, each patient's lesions renumbered after those of the
/// patients before it, and the total lesion count. A patient listed twice counts twice.
pub(super) fn concatenate<'a>(patients: impl IntoIterator<Item = &'a PatientCases>) -> (Vec<Scored>, usize) {
    let mut all = Vec::new();
    let mut lesion_offset = 0;
    for patient in patients {
        all.extend(patient.candidates.iter().map(|c| Scored { lesion: c.lesion.map(|l| l + lesion_offset), ..*c }));
        lesion_offset += patient.lesions;
    }
    (all, lesion_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(patient: &str, id: &str, label: u8, score: f64, lesion: Option<&str>) -> ScoredCandidate {
        ScoredCandidate { patient: patient.into(), candidate: id.into(), label, score, lesion: lesion.map(Into::into) }
    }

    #[test]
    fn groups_by_patient_and_adds_unlisted_lesions() {
        let candidates = [
            candidate("p2", "c1", 1, 0.9, Some("L7")),
            candidate("p1", "c1", 0, 0.4, None),
            candidate("p1", "c2", 1, 0.8, Some("A")),
        ];
        // p1 lists A and B (A twice); L7 of p2 is unlisted and gets added.
        let lesions = [
            LesionRef { patient: "p1".into(), lesion: "A".into() },
            LesionRef { patient: "p1".into(), lesion: "B".into() },
            LesionRef { patient: "p1".into(), lesion: "A".into() },
        ];
        let patients = index_by_patient(&candidates, &lesions).unwrap();
        assert_eq!(patients.len(), 2);
        assert_eq!(patients[0].lesions, 2);
        assert_eq!(patients[0].candidates[1].lesion, Some(0));
        assert_eq!(patients[1].lesions, 1);
        // p2's lesion comes after p1's two when concatenated.
        let (all, lesions) = concatenate(&patients);
        assert_eq!(lesions, 3);
        assert_eq!(all.iter().map(|c| c.lesion).collect::<Vec<_>>(), vec![None, Some(0), Some(2)]);
    }

    #[test]
    fn invalid_candidates_are_rejected() {
        let nan = index_by_patient(&[candidate("p", "c", 0, f64::NAN, None)], &[]);
        assert!(matches!(nan, Err(FrocError::NonFiniteScore { .. })));
        let label = index_by_patient(&[candidate("p", "c", 2, 0.5, None)], &[]);
        assert!(matches!(label, Err(FrocError::InvalidLabel { label: 2, .. })));
        let negative = index_by_patient(&[candidate("p", "c", 0, 0.5, Some("L"))], &[]);
        assert!(matches!(negative, Err(FrocError::NegativeWithLesion { .. })));
        let twice = index_by_patient(&[candidate("p", "c", 0, 0.5, None), candidate("p", "c", 0, 0.1, None)], &[]);
        assert!(matches!(twice, Err(FrocError::DuplicateCandidate { .. })));
    }
}
