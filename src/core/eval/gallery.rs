//! Which cases an evaluation's gallery shows: the lowest-scored candidates on true nodes, the
//! true nodes that no candidate reached at all (the CADe missed them before the network could),
//! and the highest-scored false positives. Plain selection on `scores.csv` and `lesions.csv`.

use std::collections::HashSet;

use super::froc::{LesionRef, ScoredCandidate};

/// One case of the gallery, by kind.
#[derive(Clone, Debug, PartialEq)]
pub enum GalleryCase {
    /// A candidate on a true node, scored low: the network's miss.
    MissedCandidate { patient: String, candidate: String, score: f64 },
    /// A true node that no candidate hit: no threshold can find it.
    UnreachedNode { patient: String, lesion: String },
    /// A candidate on no node, scored high.
    FalsePositive { patient: String, candidate: String, score: f64 },
}

impl GalleryCase {
    pub fn patient(&self) -> &str {
        match self {
            GalleryCase::MissedCandidate { patient, .. }
            | GalleryCase::UnreachedNode { patient, .. }
            | GalleryCase::FalsePositive { patient, .. } => patient,
        }
    }

    /// A short label for the picture.
    pub fn label(&self) -> String {
        match self {
            GalleryCase::MissedCandidate { patient, candidate, score } => {
                format!("missed node\n{patient} candidate #{candidate}\nscore {score:.3}")
            }
            GalleryCase::UnreachedNode { patient, lesion } => {
                format!("node no candidate reached\n{patient} node {lesion}")
            }
            GalleryCase::FalsePositive { patient, candidate, score } => {
                format!("false positive\n{patient} candidate #{candidate}\nscore {score:.3}")
            }
        }
    }
}

/// Up to `per_kind` cases of each kind: the lowest-scored positive candidates, the nodes no
/// candidate reached (in patient and node order), the highest-scored negatives.
pub fn gallery_cases(scores: &[ScoredCandidate], lesions: &[LesionRef], per_kind: usize) -> Vec<GalleryCase> {
    let mut positives: Vec<&ScoredCandidate> = scores.iter().filter(|c| c.label == 1).collect();
    positives.sort_by(|a, b| a.score.total_cmp(&b.score));
    let mut negatives: Vec<&ScoredCandidate> = scores.iter().filter(|c| c.label == 0).collect();
    negatives.sort_by(|a, b| b.score.total_cmp(&a.score));
    let reached: HashSet<(&str, &str)> =
        positives.iter().filter_map(|c| c.lesion.as_deref().map(|l| (c.patient.as_str(), l))).collect();
    let mut unreached: Vec<&LesionRef> =
        lesions.iter().filter(|l| !reached.contains(&(l.patient.as_str(), l.lesion.as_str()))).collect();
    unreached.sort();
    unreached.dedup();
    let missed = positives.into_iter().take(per_kind).map(|c| GalleryCase::MissedCandidate {
        patient: c.patient.clone(),
        candidate: c.candidate.clone(),
        score: c.score,
    });
    let nodes = unreached
        .into_iter()
        .take(per_kind)
        .map(|l| GalleryCase::UnreachedNode { patient: l.patient.clone(), lesion: l.lesion.clone() });
    let false_positives = negatives.into_iter().take(per_kind).map(|c| GalleryCase::FalsePositive {
        patient: c.patient.clone(),
        candidate: c.candidate.clone(),
        score: c.score,
    });
    missed.chain(nodes).chain(false_positives).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(patient: &str, candidate: &str, label: u8, score: f64, lesion: Option<&str>) -> ScoredCandidate {
        ScoredCandidate {
            patient: patient.into(),
            candidate: candidate.into(),
            label,
            score,
            lesion: lesion.map(Into::into),
        }
    }

    fn lesion(patient: &str, lesion: &str) -> LesionRef {
        LesionRef { patient: patient.into(), lesion: lesion.into() }
    }

    #[test]
    fn shows_low_scored_hits_unreached_nodes_and_high_scored_negatives() {
        // patient A has nodes 1, 2, 3: candidates hit 1 (twice) and 2; node 3 is reached by none.
        // patient B has node 1, hit by nothing either.
        let scores = vec![
            scored("A", "0", 1, 0.9, Some("1")),
            scored("A", "1", 1, 0.2, Some("1")),
            scored("A", "2", 1, 0.4, Some("2")),
            scored("A", "3", 0, 0.7, None),
            scored("A", "4", 0, 0.1, None),
            scored("B", "0", 0, 0.95, None),
        ];
        let lesions = vec![lesion("A", "1"), lesion("A", "2"), lesion("A", "3"), lesion("B", "1"), lesion("A", "3")];
        let cases = gallery_cases(&scores, &lesions, 2);
        assert_eq!(
            cases,
            vec![
                GalleryCase::MissedCandidate { patient: "A".into(), candidate: "1".into(), score: 0.2 },
                GalleryCase::MissedCandidate { patient: "A".into(), candidate: "2".into(), score: 0.4 },
                GalleryCase::UnreachedNode { patient: "A".into(), lesion: "3".into() },
                GalleryCase::UnreachedNode { patient: "B".into(), lesion: "1".into() },
                GalleryCase::FalsePositive { patient: "B".into(), candidate: "0".into(), score: 0.95 },
                GalleryCase::FalsePositive { patient: "A".into(), candidate: "3".into(), score: 0.7 },
            ]
        );
        assert!(cases[2].label().starts_with("node no candidate reached"));
        assert_eq!(gallery_cases(&scores, &lesions, 1).len(), 3);
    }
}
