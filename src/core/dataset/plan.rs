//! Which views of which candidates an epoch sees: class priors (equal: negatives re-drawn each
//! epoch to about the number of positives; biased: all candidates), fresh random views every
//! epoch for training, fixed views for validation and testing, and a seeded shuffle.

use rand::seq::{IndexedRandom, SliceRandom};
use serde::{Deserialize, Serialize};

use crate::core::choice::named_choice;
use crate::core::seed::{mix_seed, rng_for, stream};
use crate::core::study::Study;

/// Class prior of the training set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prior {
    /// About as many negatives as positives, re-drawn every epoch.
    Equal,
    /// Every candidate (the natural, biased prior).
    Biased,
}

named_choice!(Prior, "prior", { Equal => "equal", Biased => "biased" });

/// One view of one candidate: `view` numbers the candidate's views in a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sample {
    pub patient: usize,
    pub candidate: usize,
    pub label: usize,
    pub view: u64,
}

/// A stable number for a candidate, independent of the study's patient order (FNV-1a of the
/// patient id, mixed with the candidate index).
pub fn candidate_stream(patient_id: &str, candidate: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in patient_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix_seed(h, candidate as u64)
}

/// Labelled candidates (patient, candidate, class) of the given patients.
pub fn labelled_candidates(study: &Study, patients: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for &p in patients {
        for c in &study.patients[p].candidates {
            out.push((p, c.id, c.label.as_class()));
        }
    }
    out
}

/// The training samples of epoch `epoch` (0-based), shuffled.
pub fn epoch_samples(
    study: &Study,
    patients: &[usize],
    prior: Prior,
    views: usize,
    epoch: usize,
    seed: u64,
) -> Vec<Sample> {
    let candidates = labelled_candidates(study, patients);
    let chosen: Vec<(usize, usize, usize)> = match prior {
        Prior::Biased => candidates,
        Prior::Equal => {
            let positives: Vec<_> = candidates.iter().copied().filter(|c| c.2 != 0).collect();
            let negatives: Vec<_> = candidates.iter().copied().filter(|c| c.2 == 0).collect();
            let mut rng = rng_for(seed, &[stream::PRIOR, epoch as u64]);
            let n = positives.len().max(1).min(negatives.len());
            let mut picked: Vec<_> = negatives.sample(&mut rng, n).copied().collect();
            picked.extend(positives);
            picked
        }
    };
    let mut samples: Vec<Sample> = chosen
        .iter()
        .flat_map(|&(patient, candidate, label)| {
            (0..views).map(move |k| Sample { patient, candidate, label, view: (epoch * views + k) as u64 })
        })
        .collect();
    samples.sort_by_key(|s| (s.patient, s.candidate, s.view));
    samples.shuffle(&mut rng_for(seed, &[stream::SHUFFLE, epoch as u64]));
    samples
}

/// Fixed samples (views `0..views`) of the labelled candidates, in candidate order: all of
/// them under the biased prior, all positives and a fixed (seeded) equal number of negatives
/// under the equal prior, so that validation measures what training optimises.
pub fn fixed_samples(study: &Study, patients: &[usize], prior: Prior, views: usize, seed: u64) -> Vec<Sample> {
    let mut candidates = labelled_candidates(study, patients);
    if prior == Prior::Equal {
        let positives = candidates.iter().filter(|c| c.2 != 0).count();
        let negatives: Vec<_> = candidates.iter().copied().filter(|c| c.2 == 0).collect();
        let mut rng = rng_for(seed, &[stream::VALIDATION_VIEWS]);
        let mut keep: Vec<_> = negatives.sample(&mut rng, positives.max(1).min(negatives.len())).copied().collect();
        keep.extend(candidates.iter().copied().filter(|c| c.2 != 0));
        keep.sort_unstable();
        candidates = keep;
    }
    candidates
        .into_iter()
        .flat_map(|(patient, candidate, label)| {
            (0..views).map(move |k| Sample { patient, candidate, label, view: k as u64 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::study::{Candidate, CandidateSource, Label, Patient, Region};

    fn study() -> Study {
        let candidate = |id: usize, label: Label| Candidate {
            id,
            center_world_mm: [0.0; 3],
            label,
            lesion: None,
            source: CandidateSource::NegativeFile,
        };
        let patient = |name: &str, labels: &[Label]| Patient {
            id: name.into(),
            region: Region::Mediastinal,
            volume_path: "x".into(),
            series: None,
            mask_path: None,
            lesions: vec![],
            candidates: labels.iter().enumerate().map(|(i, l)| candidate(i, *l)).collect(),
        };
        use Label::*;
        Study {
            root: ".".into(),
            patients: vec![
                patient("A", &[Positive, Negative, Negative, Negative]),
                patient("B", &[Negative, Positive, Negative, Negative, Negative]),
            ],
        }
    }

    #[test]
    fn equal_prior_balances_and_redraws_each_epoch() {
        let s = study();
        let e0 = epoch_samples(&s, &[0, 1], Prior::Equal, 3, 0, 9);
        assert_eq!(e0.len(), (2 + 2) * 3, "2 positives and 2 of the 7 negatives, 3 views each");
        assert_eq!(e0.iter().filter(|x| x.label == 1).count(), 6);
        assert!(e0.iter().all(|x| x.view < 3), "epoch 0 uses views 0..3");
        let negatives = |e: &[Sample]| {
            let mut v: Vec<_> = e.iter().filter(|x| x.label == 0).map(|x| (x.patient, x.candidate)).collect();
            v.sort();
            v.dedup();
            v
        };
        let differ =
            (1..10).any(|epoch| negatives(&epoch_samples(&s, &[0, 1], Prior::Equal, 3, epoch, 9)) != negatives(&e0));
        assert!(differ, "negatives are re-selected across epochs");
        let e1 = epoch_samples(&s, &[0, 1], Prior::Equal, 3, 1, 9);
        assert!(e1.iter().all(|x| (3..6).contains(&x.view)), "epoch 1 draws fresh views");
        assert_eq!(e0, epoch_samples(&s, &[0, 1], Prior::Equal, 3, 0, 9), "seeded");
    }

    #[test]
    fn biased_prior_keeps_every_candidate() {
        let s = study();
        let e = epoch_samples(&s, &[0, 1], Prior::Biased, 2, 0, 1);
        assert_eq!(e.len(), 9 * 2);
        assert_eq!(fixed_samples(&s, &[1], Prior::Biased, 4, 3).len(), 5 * 4);
        assert_eq!(fixed_samples(&s, &[0, 1], Prior::Equal, 2, 3).len(), 4 * 2, "2 positives, 2 negatives");
        assert_ne!(candidate_stream("A", 0), candidate_stream("B", 0));
        assert_ne!(candidate_stream("A", 0), candidate_stream("A", 1));
    }
}
