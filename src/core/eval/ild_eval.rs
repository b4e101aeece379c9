//! Evaluating ILD runs: every test patch (or every test slice, shown as it is) through the
//! network; the folds of a cross-validation pooled, the runs of an ensemble averaged; the
//! report, `predictions.csv`, `ild_report.json`, the per-class table `classes.csv` and the
//! confusion matrix `confusion.png` written into a new folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use super::classification::ClassificationReport;
use super::ild_export::{confusion_image, write_class_table_csv};
use super::ild_metrics::{IldIntervals, IldPrediction, bootstrap_ild, ild_report};
use super::score::{ScoreOptions, load_run_model};
use super::session::EvalKind;
use crate::core::atomic::{create_fresh_dir, write_atomically, write_bytes_atomically};
use crate::core::dataset::Purpose;
use crate::core::ild::IldClass;
use crate::core::ild::dataset::{IldItem, IldSet};
use crate::core::ild::lung::LungFocus;
use crate::core::train::{RunDir, Task, TrainConfig, open_ild, select_device};

/// One fold's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IldFold {
    pub run: String,
    pub report: ClassificationReport,
}

/// An ILD evaluation (`ild_report.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IldEvalReport {
    pub task: Task,
    pub model: String,
    pub regime: String,
    /// How the slice-level inputs showed the lung (reports written before it was recorded:
    /// `none`).
    #[serde(default)]
    pub lung: LungFocus,
    /// run, cv or ensemble.
    pub kind: String,
    pub folds_total: usize,
    pub runs: Vec<PathBuf>,
    pub pooled: ClassificationReport,
    pub folds: Vec<IldFold>,
    pub ci: Option<IldIntervals>,
}

/// The predictions of one run on its test patients.
pub fn score_ild_run(run_dir: &Path, options: &ScoreOptions) -> Result<(TrainConfig, Vec<IldPrediction>), String> {
    let run = RunDir::open(run_dir).map_err(|e| e.to_string())?;
    let config = run.read_config().map_err(|e| e.to_string())?;
    let split = run.read_split().map_err(|e| e.to_string())?;
    let mut set = open_ild(&config)?;
    let indices = |set: &IldSet, ids: &[String], which: &str| -> Result<Vec<usize>, String> {
        ids.iter()
            .map(|id| {
                set.db.patients.iter().position(|p| &p.id == id).ok_or_else(|| {
                    format!("{}: {which} patient {id} is not in {}", run_dir.display(), config.study.display())
                })
            })
            .collect()
    };
    let test = indices(&set, &split.test, "test")?;
    let train = indices(&set, &split.train, "training")?;
    set.set_training_patients(&train);
    set.load_images(&test).map_err(|e| e.to_string())?;
    // a slice is shown once (view 0, unchanged), whatever number of classes it has
    let mut seen = std::collections::HashSet::new();
    let samples: Vec<_> = set
        .fixed_samples(&test, 1)
        .into_iter()
        .filter(|s| match set.items[s.candidate] {
            IldItem::Patch(_) => true,
            IldItem::Slice { patient, slice, .. } => seen.insert((patient, slice)),
        })
        .collect();
    let device = select_device(options.device).map_err(|e| e.to_string())?.device.without_autodiff();
    let model = load_run_model(&run, &config, options.checkpoint, &device).map_err(|e| e.to_string())?.valid();
    let mut out = Vec::with_capacity(samples.len());
    for chunk in samples.chunks(options.batch.max(1)) {
        let batch = set.render_batch(chunk, Purpose::Evaluate);
        let (n, s) = (chunk.len(), batch.size);
        let x = Tensor::<4>::from_data(TensorData::new(batch.images, [n, 3, s, s]), &device); // [n, 3, s, s]
        let probs: Vec<f32> = softmax(model.forward(x), 1).try_into_vec_as::<f32>().map_err(|e| format!("{e:?}"))?; // [n, 6]
        let classes = probs.len() / n.max(1);
        for (i, sample) in chunk.iter().enumerate() {
            let item = set.items[sample.candidate];
            let patient = &set.db.patients[item.patient()];
            let slice = &patient.slices[item.slice()];
            let (roi, center, truth) = match item {
                IldItem::Patch(p) => (Some(p.roi), Some((p.center_row, p.center_col)), vec![p.class]),
                IldItem::Slice { .. } => (None, None, slice.classes()),
            };
            out.push(IldPrediction {
                patient: patient.id.clone(),
                slice_number: slice.slice_number,
                roi,
                center,
                truth,
                probabilities: probs[i * classes..(i + 1) * classes].iter().map(|&v| f64::from(v)).collect(),
            });
        }
    }
    Ok((config, out))
}

/// Averages the probabilities of runs trained on the same fold, item by item.
fn ensemble(runs: &[Vec<IldPrediction>]) -> Result<Vec<IldPrediction>, String> {
    let key = |p: &IldPrediction| (p.patient.clone(), p.slice_number, p.roi, p.center);
    let mut sums: HashMap<_, (IldPrediction, usize)> = HashMap::new();
    for p in runs.iter().flatten() {
        let entry = sums
            .entry(key(p))
            .or_insert_with(|| (IldPrediction { probabilities: vec![0.0; p.probabilities.len()], ..p.clone() }, 0));
        entry.0.probabilities.iter_mut().zip(&p.probabilities).for_each(|(s, v)| *s += v);
        entry.1 += 1;
    }
    let first = runs.first().ok_or("no runs")?;
    first
        .iter()
        .map(|p| {
            let (mut mean, count) = sums[&key(p)].clone();
            if count != runs.len() {
                return Err(format!(
                    "patient {} slice {}: not scored by every run of the ensemble (different folds?)",
                    p.patient, p.slice_number
                ));
            }
            mean.probabilities.iter_mut().for_each(|v| *v /= count as f64);
            Ok(mean)
        })
        .collect()
}

/// Scores the runs, combines them (`kind`), reports and writes the files; returns the folder.
pub fn evaluate_ild(
    kind: EvalKind,
    runs: &[PathBuf],
    options: &ScoreOptions,
    bootstrap: usize,
    seed: u64,
    out: Option<&Path>,
) -> Result<(PathBuf, IldEvalReport), String> {
    let scored: Vec<(TrainConfig, Vec<IldPrediction>)> = runs
        .iter()
        .map(|r| score_ild_run(r, options).map_err(|e| format!("{}: {e}", r.display())))
        .collect::<Result<_, _>>()?;
    let config = &scored.first().ok_or("no runs to evaluate")?.0;
    let name = |r: &PathBuf| r.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let mut folds = Vec::new();
    for (r, (_, predictions)) in runs.iter().zip(&scored) {
        folds.push(IldFold { run: name(r), report: ild_report(predictions).map_err(|e| e.to_string())? });
    }
    let all: Vec<IldPrediction> = match kind {
        EvalKind::Ensemble => ensemble(&scored.iter().map(|s| s.1.clone()).collect::<Vec<_>>())?,
        _ => scored.iter().flat_map(|s| s.1.clone()).collect(),
    };
    let report = IldEvalReport {
        task: config.task,
        model: config.model.to_string(),
        regime: config.regime.name().to_string(),
        lung: config.lung,
        kind: kind.name().to_string(),
        folds_total: config.folds,
        runs: runs.to_vec(),
        pooled: ild_report(&all).map_err(|e| e.to_string())?,
        folds,
        ci: bootstrap_ild(&all, bootstrap, seed),
    };
    let dir = match out {
        Some(d) => create_fresh_dir(d),
        None => create_fresh_dir(&runs[0].join("eval")),
    }
    .map_err(|e| format!("cannot create the evaluation folder: {e}"))?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    let path = dir.join("ild_report.json");
    write_bytes_atomically(&path, json.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    let csv = dir.join("predictions.csv");
    write_predictions(&csv, &all).map_err(|e| format!("{}: {e}", csv.display()))?;
    let table = dir.join("classes.csv");
    write_class_table_csv(&report.pooled, report.ci.as_ref(), &table)
        .map_err(|e| format!("{}: {e}", table.display()))?;
    let png = dir.join("confusion.png");
    let title = format!(
        "{} {} ({}), {}: accuracy {:.3}",
        report.model, report.regime, report.task, report.kind, report.pooled.accuracy
    );
    confusion_image(&report.pooled, &title)?.save_png(&png).map_err(|e| format!("{}: {e}", png.display()))?;
    Ok((dir, report))
}

fn write_predictions(path: &Path, predictions: &[IldPrediction]) -> std::io::Result<()> {
    write_atomically(path, |w| {
        let names: Vec<String> = IldClass::ALL.iter().map(|c| format!("p_{c}")).collect();
        writeln!(w, "patient,slice_number,roi,center_row,center_col,truth,predicted,hit,{}", names.join(","))?;
        for p in predictions {
            let truth: Vec<&str> = p.truth.iter().map(|c| c.name()).collect();
            let predicted = IldClass::from_index(p.predicted()).map_or("?", IldClass::name);
            let (pair_truth, pair_predicted) = p.pair();
            let probs: Vec<String> = p.probabilities.iter().map(|v| format!("{v:.6}")).collect();
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{}",
                p.patient,
                p.slice_number,
                p.roi.map_or(String::new(), |r| r.to_string()),
                p.center.map_or(String::new(), |c| c.0.to_string()),
                p.center.map_or(String::new(), |c| c.1.to_string()),
                truth.join("|"),
                predicted,
                u8::from(pair_truth == pair_predicted),
                probs.join(",")
            )?;
        }
        Ok(())
    })
}
