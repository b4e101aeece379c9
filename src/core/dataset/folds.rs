//! Patient-level splits: k folds stratified by region (so each fold has patients of every
//! region), and a validation subset of the training patients for early stopping. No patient is
//! ever in two sets, so no view of a test patient is seen in training.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::DatasetError;
use crate::core::seed::{rng_for, stream};
use crate::core::study::{Region, Study};

/// Patient indices (into `Study::patients`) of the three sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

/// The fold (0-based) of every patient: within each region, patients sorted by id are shuffled
/// with the seed and dealt round-robin.
pub fn assign_folds(study: &Study, folds: usize, seed: u64) -> Vec<usize> {
    let mut assignment = vec![0; study.patients.len()];
    let mut regions: Vec<&Region> = study.patients.iter().map(|p| &p.region).collect();
    regions.sort();
    regions.dedup();
    for (r, region) in regions.iter().enumerate() {
        let mut members: Vec<usize> =
            (0..study.patients.len()).filter(|&i| &study.patients[i].region == *region).collect();
        members.sort_by(|&a, &b| study.patients[a].id.cmp(&study.patients[b].id));
        members.shuffle(&mut rng_for(seed, &[stream::FOLDS, r as u64]));
        for (k, &p) in members.iter().enumerate() {
            assignment[p] = k % folds;
        }
    }
    assignment
}

/// The split for fold `fold` (1-based) of `folds`: its patients are the test set; of the rest,
/// `ceil(val_fraction · n)` patients (at least one, at most n − 1) are kept for validation.
pub fn split_patients(
    study: &Study,
    folds: usize,
    fold: usize,
    val_fraction: f64,
    seed: u64,
) -> Result<Split, DatasetError> {
    if folds < 2 {
        return Err(DatasetError::Invalid(format!("{folds} folds: cross-validation needs at least 2")));
    }
    if fold == 0 || fold > folds {
        return Err(DatasetError::Invalid(format!("fold {fold} does not exist (folds are 1 to {folds})")));
    }
    if study.patients.len() < folds {
        return Err(DatasetError::Invalid(format!("{} patients cannot fill {folds} folds", study.patients.len())));
    }
    let assignment = assign_folds(study, folds, seed);
    let test: Vec<usize> = (0..assignment.len()).filter(|&i| assignment[i] == fold - 1).collect();
    let mut rest: Vec<usize> = (0..assignment.len()).filter(|&i| assignment[i] != fold - 1).collect();
    if rest.len() < 2 {
        return Err(DatasetError::Invalid(format!(
            "fold {fold}: {} patients in {folds} folds put {} in the test fold and leave {} for training and \
             validation, which need at least 2 (one each); add patients or use fewer folds",
            study.patients.len(),
            test.len(),
            rest.len()
        )));
    }
    rest.sort_by(|&a, &b| study.patients[a].id.cmp(&study.patients[b].id));
    rest.shuffle(&mut rng_for(seed, &[stream::FOLDS, 1000 + fold as u64]));
    // interleave regions (first of each region, then second, ...) so that validation patients
    // come from every region when there are enough
    let mut seen: Vec<(&Region, usize)> = Vec::new();
    let mut ranked: Vec<(usize, usize)> = rest
        .iter()
        .map(|&i| {
            let region = &study.patients[i].region;
            let rank = match seen.iter_mut().find(|(r, _)| *r == region) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((region, 0));
                    0
                }
            };
            (rank, i)
        })
        .collect();
    ranked.sort_by_key(|&(rank, _)| rank);
    let rest: Vec<usize> = ranked.into_iter().map(|(_, i)| i).collect();
    let n_val = ((val_fraction * rest.len() as f64).ceil() as usize)
        .clamp(usize::from(rest.len() > 1), rest.len().saturating_sub(1));
    let mut val = rest[..n_val].to_vec();
    let mut train = rest[n_val..].to_vec();
    train.sort_unstable();
    val.sort_unstable();
    Ok(Split { train, val, test })
}

/// As [`split_patients`], among the patients of one region only (`None`: every patient), for
/// training a region on its own; the indices still point into `study.patients`.
pub fn split_region(
    study: &Study,
    region: Option<&str>,
    folds: usize,
    fold: usize,
    val_fraction: f64,
    seed: u64,
) -> Result<Split, DatasetError> {
    let Some(code) = region else { return split_patients(study, folds, fold, val_fraction, seed) };
    let wanted = Region::parse(code);
    let members: Vec<usize> = (0..study.patients.len()).filter(|&i| study.patients[i].region == wanted).collect();
    if members.is_empty() {
        let mut present: Vec<&str> = study.patients.iter().map(|p| p.region.code()).collect();
        present.sort_unstable();
        present.dedup();
        return Err(DatasetError::Invalid(format!(
            "{}: no patient of region {} (the study's regions: {})",
            study.root.display(),
            wanted.code(),
            present.join(", ")
        )));
    }
    let sub =
        Study { root: study.root.clone(), patients: members.iter().map(|&i| study.patients[i].clone()).collect() };
    let split = split_patients(&sub, folds, fold, val_fraction, seed)?;
    let back = |set: Vec<usize>| set.into_iter().map(|i| members[i]).collect();
    Ok(Split { train: back(split.train), val: back(split.val), test: back(split.test) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::study::Patient;

    fn study(regions: &[&str]) -> Study {
        let patients = regions
            .iter()
            .enumerate()
            .map(|(i, r)| Patient {
                id: format!("P{i:02}"),
                region: Region::parse(r),
                volume_path: "x.nii".into(),
                series: None,
                mask_path: None,
                lesions: vec![],
                candidates: vec![],
            })
            .collect();
        Study { root: ".".into(), patients }
    }

    #[test]
    fn folds_are_stratified_by_region_and_disjoint() {
        let s = study(&["MED", "MED", "MED", "ABD", "ABD", "ABD", "MED", "ABD", "MED"]);
        let a = assign_folds(&s, 3, 7);
        for region in ["MED", "ABD"] {
            let mut counts = [0; 3];
            for (i, p) in s.patients.iter().enumerate() {
                if p.region.code() == region {
                    counts[a[i]] += 1;
                }
            }
            assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{region}: {counts:?}");
        }
        assert_eq!(a, assign_folds(&s, 3, 7), "seeded");
        let mut seen = vec![0; s.patients.len()];
        for fold in 1..=3 {
            let split = split_patients(&s, 3, fold, 0.2, 7).unwrap();
            for &i in &split.test {
                seen[i] += 1;
            }
            let mut all: Vec<usize> = split.train.iter().chain(&split.val).chain(&split.test).copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..9).collect::<Vec<_>>(), "fold {fold} covers every patient once");
            let rest = split.train.len() + split.val.len();
            assert_eq!(split.val.len(), (0.2 * rest as f64).ceil() as usize, "ceil(0.2 · {rest}) validation patients");
        }
        assert_eq!(seen, vec![1; 9], "every patient is tested exactly once");
    }

    #[test]
    fn bad_fold_requests_are_refused() {
        let s = study(&["MED", "ABD", "MED"]);
        assert!(split_patients(&s, 3, 4, 0.2, 1).is_err());
        assert!(split_patients(&s, 1, 1, 0.2, 1).is_err());
        assert!(split_patients(&s, 4, 1, 0.2, 1).is_err());
        // three patients in two folds: one fold tests two (the two MED) and leaves one patient,
        // too few to both train and validate; the message says so with the counts
        let short = (1..=2).find_map(|f| split_patients(&s, 2, f, 0.2, 1).err()).expect("one fold is too small");
        let message = short.to_string();
        assert!(message.contains("3 patients in 2 folds put 2 in the test fold and leave 1"), "{message}");
        assert!(message.contains("at least 2"), "{message}");
    }

    #[test]
    fn a_region_split_holds_only_that_region_and_tests_each_of_its_patients_once() {
        let s = study(&["MED", "ABD", "MED", "ABD", "MED", "ABD", "MED", "ABD"]);
        let med: Vec<usize> = vec![0, 2, 4, 6];
        let mut tested = Vec::new();
        for fold in 1..=2 {
            let split = split_region(&s, Some("med"), 2, fold, 0.2, 3).unwrap();
            let mut all: Vec<usize> = split.train.iter().chain(&split.val).chain(&split.test).copied().collect();
            all.sort_unstable();
            assert_eq!(all, med, "fold {fold}: every MED patient once, no ABD patient");
            assert_eq!((split.test.len(), split.val.len(), split.train.len()), (2, 1, 1));
            tested.extend(split.test);
        }
        tested.sort_unstable();
        assert_eq!(tested, med);
        assert_eq!(split_region(&s, None, 2, 1, 0.2, 3).unwrap(), split_patients(&s, 2, 1, 0.2, 3).unwrap());
        let missing = split_region(&s, Some("NECK"), 2, 1, 0.2, 3).unwrap_err().to_string();
        assert!(missing.contains("no patient of region NECK (the study's regions: ABD, MED)"), "{missing}");
    }
}
