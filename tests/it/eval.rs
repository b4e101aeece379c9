//! Evaluation end to end on a tiny trained run: `score_run`, `evaluate` and `build_report`
//! against FROC, CPM and ROC AUC recomputed here by brute force from the `scores.csv` and
//! `lesions.csv` the evaluation wrote.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use cadet::core::eval::report::{ReportInput, build_report};
use cadet::core::eval::session::{EvalKind, EvalRequest, evaluate};
use cadet::core::eval::{ScoreOptions, score_run};
use cadet::core::train::{CheckpointKind, DeviceChoice};

use crate::common::tiny_run;

/// (patient, candidate, label, score, lesion) rows of a scores.csv, read without cadet.
fn read_scores(path: &Path) -> Vec<(String, String, u8, f64, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("patient,candidate,label,score,lesion"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].into(), f[1].into(), f[2].parse().unwrap(), f[3].parse().unwrap(), f[4].into())
        })
        .collect()
}

/// Sensitivity at `rate` FPs per patient by brute force: every threshold at a score (and +∞),
/// the best sensitivity among thresholds with at most `rate` FPs per patient.
fn sensitivity_at(
    rows: &[(String, String, u8, f64, String)],
    lesions: &BTreeSet<(String, String)>,
    patients: usize,
    rate: f64,
) -> f64 {
    let mut thresholds: Vec<f64> = rows.iter().map(|r| r.3).collect();
    thresholds.push(f64::INFINITY);
    thresholds
        .iter()
        .filter_map(|&t| {
            let fps = rows.iter().filter(|r| r.2 == 0 && r.3 >= t).count() as f64 / patients as f64;
            let hit: BTreeSet<(String, String)> = rows
                .iter()
                .filter(|r| r.2 == 1 && r.3 >= t && !r.4.is_empty())
                .map(|r| (r.0.clone(), r.4.clone()))
                .collect();
            (fps <= rate).then(|| hit.len() as f64 / lesions.len() as f64)
        })
        .fold(0.0, f64::max)
}

/// ROC AUC by comparing every positive with every negative (ties count half).
fn auc(rows: &[(String, String, u8, f64, String)]) -> f64 {
    let (pos, neg): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.2 == 1);
    let wins: f64 = pos
        .iter()
        .flat_map(|p| {
            neg.iter().map(move |n| {
                if p.3 > n.3 {
                    1.0
                } else if p.3 == n.3 {
                    0.5
                } else {
                    0.0
                }
            })
        })
        .sum();
    wins / (pos.len() * neg.len()) as f64
}

#[test]
fn an_evaluation_reports_what_its_scores_csv_gives_by_brute_force() {
    let run = tiny_run();
    let options =
        ScoreOptions { views: 2, checkpoint: CheckpointKind::Best, device: DeviceChoice::Cpu, batch: 64, bank: None };
    let scored = score_run(run, &options, &mut |_, _| {}).unwrap();
    assert!(!scored.candidates.is_empty() && !scored.lesions.is_empty());
    for (c, p) in scored.candidates.iter().zip(&scored.probabilities) {
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-5, "mean probabilities sum to 1");
        assert_eq!(c.score, p[1], "the score is the mean probability of class 1");
    }
    let out = tempfile::tempdir().unwrap();
    let request = EvalRequest {
        kind: EvalKind::Run,
        runs: vec![run.to_path_buf()],
        options: options.clone(),
        bootstrap: 0,
        seed: 3,
        out: Some(out.path().to_path_buf()),
    };
    let (dir, report) = evaluate(&request, &mut |_, _, _| {}).unwrap();
    for file in ["scores.csv", "lesions.csv", "report.json", "froc.png"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }

    let rows = read_scores(&dir.join("scores.csv"));
    assert_eq!(rows.len(), scored.candidates.len());
    for (r, c) in rows.iter().zip(&scored.candidates) {
        assert_eq!((&r.0, &r.1, r.2), (&c.patient, &c.candidate, c.label));
        assert!((r.3 - c.score).abs() < 1e-12, "the file holds what scoring gave");
    }
    let lesion_text = std::fs::read_to_string(dir.join("lesions.csv")).unwrap();
    let lesions: BTreeSet<(String, String)> = lesion_text
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').map(|(p, l)| (p.to_string(), l.to_string())).unwrap())
        .collect();
    assert_eq!(lesions.len(), scored.lesions.len());
    let patients = scored.patients.len();
    let froc = &report.all.froc;
    assert_eq!((froc.patients, froc.lesions, froc.candidates), (patients, lesions.len(), rows.len()));
    let at3 = sensitivity_at(&rows, &lesions, patients, 3.0);
    assert!((froc.tpr_at_3fp - at3).abs() < 1e-12, "TPR at 3 FP/patient {} vs {at3}", froc.tpr_at_3fp);
    let rates = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0];
    let cpm = rates.iter().map(|&r| sensitivity_at(&rows, &lesions, patients, r)).sum::<f64>() / 7.0;
    assert!((froc.cpm - cpm).abs() < 1e-12, "CPM {} vs {cpm}", froc.cpm);
    let roc = auc(&rows);
    assert!((froc.roc_auc.unwrap() - roc).abs() < 1e-12, "AUC {:?} vs {roc}", froc.roc_auc);

    // the report alone, from the scored run, is the one evaluate wrote
    let regions: HashMap<String, String> = HashMap::new();
    let direct = build_report(ReportInput {
        kind: "run",
        runs: report.runs.clone(),
        model: report.model.clone(),
        regime: report.regime.clone(),
        views: 2,
        candidates: &scored.candidates,
        probabilities: &scored.probabilities,
        lesions: &scored.lesions,
        patients: &scored.patients,
        regions: &regions,
        folds: Vec::new(),
        bootstrap: 0,
        seed: 3,
    })
    .unwrap();
    assert_eq!(direct.all, report.all);
    assert_eq!(direct.classification_natural, report.classification_natural);
    let natural = report.classification_natural.as_ref().unwrap();
    let correct = scored
        .candidates
        .iter()
        .zip(&scored.probabilities)
        .filter(|(c, p)| usize::from(c.label) == usize::from(p[1] > p[0]))
        .count();
    assert!((natural.accuracy - correct as f64 / rows.len() as f64).abs() < 1e-12, "accuracy at the arg-max");
}
