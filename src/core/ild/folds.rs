//! Patient-level folds for ILD: k-fold cross-validation stratified by the classes a patient
//! has (patients whose rarest class is the same are dealt round-robin over the folds, rarest
//! classes first), or leave-one-patient-out. No patient is in two folds.

use rand::seq::SliceRandom;

use super::{CLASSES, IldClass};
use crate::core::dataset::Split;
use crate::core::seed::{rng_for, stream};

/// The fold (0-based) of every patient. `classes[p]` are patient p's classes and `ids[p]` its
/// id (the order within a stratum before the seeded shuffle). `folds` equal to the number of
/// patients is leave-one-patient-out.
pub fn ild_folds(ids: &[String], classes: &[Vec<IldClass>], folds: usize, seed: u64) -> Vec<usize> {
    let n = ids.len();
    let mut patients_with = [0usize; CLASSES];
    for c in classes.iter().flatten() {
        patients_with[c.index()] += 1;
    }
    // a patient's stratum: its rarest class (fewest patients have it); none for no class
    let stratum = |p: usize| {
        classes[p].iter().min_by_key(|c| (patients_with[c.index()], c.index())).map_or(CLASSES, |c| c.index())
    };
    let mut strata: Vec<usize> = (0..=CLASSES).collect();
    strata.sort_by_key(|&s| (if s < CLASSES { patients_with[s] } else { usize::MAX }, s));
    let mut assignment = vec![0; n];
    let mut next = 0;
    for s in strata {
        let mut members: Vec<usize> = (0..n).filter(|&p| stratum(p) == s).collect();
        members.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
        members.shuffle(&mut rng_for(seed, &[stream::FOLDS, s as u64]));
        for p in members {
            assignment[p] = next % folds.max(1);
            next += 1;
        }
    }
    assignment
}

/// The split of fold `fold` (1-based): its patients test; of the others, `ceil(val_fraction · n)`
/// (at least one, at most n − 1, chosen with the seed) validate and the rest train.
pub fn ild_split(
    ids: &[String],
    classes: &[Vec<IldClass>],
    folds: usize,
    fold: usize,
    val_fraction: f64,
    seed: u64,
) -> Result<Split, String> {
    if folds < 2 || fold == 0 || fold > folds {
        return Err(format!("fold {fold} of {folds}: cross-validation needs at least 2 folds, numbered from 1"));
    }
    if ids.len() < folds {
        return Err(format!("{} patients cannot fill {folds} folds", ids.len()));
    }
    let assignment = ild_folds(ids, classes, folds, seed);
    let test: Vec<usize> = (0..ids.len()).filter(|&p| assignment[p] == fold - 1).collect();
    let mut rest: Vec<usize> = (0..ids.len()).filter(|&p| assignment[p] != fold - 1).collect();
    if rest.len() < 2 {
        return Err(format!(
            "fold {fold}: {} patients in {folds} folds leave {} for training and validation, which need at least 2",
            ids.len(),
            rest.len()
        ));
    }
    rest.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
    rest.shuffle(&mut rng_for(seed, &[stream::FOLDS, 1000 + fold as u64]));
    let n_val = ((val_fraction * rest.len() as f64).ceil() as usize).clamp(1, rest.len() - 1);
    let mut val = rest.split_off(rest.len() - n_val);
    rest.sort_unstable();
    val.sort_unstable();
    Ok(Split { train: rest, val, test })
}

#[cfg(test)]
mod tests {
    use super::*;
    use IldClass::*;

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn folds_are_disjoint_cover_every_patient_and_spread_rare_classes() {
        let classes: Vec<Vec<IldClass>> = (0..12)
            .map(|p| match p % 4 {
                0 => vec![Healthy, Consolidation],
                1 => vec![Healthy, Emphysema],
                2 => vec![Fibrosis, GroundGlass],
                _ => vec![Micronodules],
            })
            .collect();
        let a = ild_folds(&ids(12), &classes, 3, 5);
        assert_eq!(a.len(), 12);
        let members: Vec<Vec<usize>> = (0..3).map(|f| (0..12).filter(|&p| a[p] == f).collect()).collect();
        // every patient in exactly one fold: the folds are disjoint and cover all 12
        let mut all: Vec<usize> = members.concat();
        all.sort_unstable();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
        assert!(members.iter().all(|m| m.len() == 4), "{members:?}");
        // the three consolidation patients (0, 4, 8) are in three different folds
        let mut folds: Vec<usize> = [0, 4, 8].iter().map(|&p| a[p]).collect();
        folds.sort_unstable();
        assert_eq!(folds, [0, 1, 2]);
        assert_eq!(a, ild_folds(&ids(12), &classes, 3, 5), "seeded");
        // leave-one-patient-out: n folds of one patient each
        let mut lopo = ild_folds(&ids(12), &classes, 12, 5);
        lopo.sort_unstable();
        assert_eq!(lopo, (0..12).collect::<Vec<_>>());
        // splits: test, validation and training sets are disjoint and cover every patient
        for fold in 1..=3 {
            let s = ild_split(&ids(12), &classes, 3, fold, 0.2, 5).unwrap();
            assert_eq!(s.test, members[fold - 1]);
            assert_eq!(s.val.len(), 2, "ceil(0.2 · 8)");
            let mut all: Vec<usize> = s.train.iter().chain(&s.val).chain(&s.test).copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..12).collect::<Vec<_>>());
        }
        assert!(ild_split(&ids(12), &classes, 3, 4, 0.2, 5).is_err());
    }
}
