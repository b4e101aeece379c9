//! Scoring a trained run's test candidates: K fixed random views of every candidate through the
//! network, and the candidate's probability is the mean of its views' probabilities (the
//! paper's random view aggregation).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::froc::{LesionRef, ScoredCandidate};
use crate::core::cache::bank::{BankError, ViewBank};
use crate::core::dataset::{DatasetError, Prefetcher, Prior, Purpose, ViewSource, fixed_samples, load_samplers};
use crate::core::models::Net;
use crate::core::study::{Study, StudyError};
use crate::core::train::{CheckpointKind, DeviceChoice, DeviceError, RunDir, RunDirError, TrainConfig, select_device};

/// Why a run could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    RunDir(#[from] RunDirError),
    #[error(transparent)]
    Bank(#[from] BankError),
    #[error(transparent)]
    Study(#[from] StudyError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Volumes(#[from] DatasetError),
    #[error("{run}: no {kind} checkpoint yet")]
    NoCheckpoint { run: PathBuf, kind: CheckpointKind },
    #[error("{path}: {detail}")]
    Checkpoint { path: PathBuf, detail: String },
    #[error("{run}: test patient {patient} is not in the study")]
    UnknownPatient { run: PathBuf, patient: String },
    #[error("cannot start the view loader: {0}")]
    Loader(std::io::Error),
    #[error("cannot read the network's output: {0}")]
    Output(String),
}

/// How to score a run.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreOptions {
    /// Views per candidate (the paper: 100).
    pub views: usize,
    pub checkpoint: CheckpointKind,
    pub device: DeviceChoice,
    pub batch: usize,
    /// Score from this view bank (its views of the test candidates) instead of the volumes.
    pub bank: Option<PathBuf>,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        Self { views: 100, checkpoint: CheckpointKind::Best, device: DeviceChoice::Auto, batch: 64, bank: None }
    }
}

/// The scored test fold of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunScores {
    pub config: TrainConfig,
    /// One entry per labelled candidate; `score` is the mean probability of class 1.
    pub candidates: Vec<ScoredCandidate>,
    /// Mean probability of every class, per candidate (same order).
    pub probabilities: Vec<Vec<f64>>,
    /// Every true node of the test patients.
    pub lesions: Vec<LesionRef>,
    /// Test patient ids.
    pub patients: Vec<String>,
}

/// The network of a run, with weights from a checkpoint, for inference on `device`.
pub fn load_run_model(
    run: &RunDir,
    config: &TrainConfig,
    kind: CheckpointKind,
    device: &Device,
) -> Result<Net, ScoreError> {
    let path = run.checkpoint_dir(kind).join("model.bpk");
    if !path.is_file() {
        return Err(ScoreError::NoCheckpoint { run: run.path.clone(), kind });
    }
    let net = config.model.build(config.classes, device);
    net.try_load_file(&path).map_err(|e| ScoreError::Checkpoint { detail: e.to_string(), path })
}

/// Scores the test patients of a run; `progress(done, total)` counts views.
pub fn score_run(
    run_dir: &Path,
    options: &ScoreOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<RunScores, ScoreError> {
    let run = RunDir::open(run_dir)?;
    let config = run.read_config()?;
    let split = run.read_split()?;
    let bank = match &options.bank {
        Some(dir) => Some(Arc::new(ViewBank::open(dir)?)),
        None => None,
    };
    let study = Arc::new(match &bank {
        Some(b) => b.manifest.study(),
        None => Study::load(&config.study)?,
    });
    let test: Vec<usize> = split
        .test
        .iter()
        .map(|id| {
            study
                .patients
                .iter()
                .position(|p| &p.id == id)
                .ok_or_else(|| ScoreError::UnknownPatient { run: run_dir.to_path_buf(), patient: id.clone() })
        })
        .collect::<Result<_, _>>()?;
    let device = select_device(options.device)?.device.without_autodiff();
    let model = load_run_model(&run, &config, options.checkpoint, &device)?.valid();
    let samplers = match bank {
        Some(_) => vec![None; study.patients.len()],
        None => load_samplers(&study, &test, config.interpolation)?,
    };
    // a bank holds K views per candidate: more would repeat them
    let views = bank.as_ref().map_or(options.views, |b| options.views.min(b.manifest.views_per_candidate));
    let source = ViewSource {
        study: study.clone(),
        samplers: Arc::new(samplers),
        pipeline: Arc::new(config.pipeline()),
        seed: config.seed,
        bank,
    };
    let samples = fixed_samples(&study, &test, Prior::Biased, views, config.seed);
    let total = samples.len();
    let loader = Prefetcher::start(source, samples, options.batch, 4, Purpose::Evaluate).map_err(ScoreError::Loader)?;
    let mut sums: HashMap<(usize, usize), (Vec<f64>, usize)> = HashMap::new();
    let mut order: Vec<(usize, usize)> = Vec::new();
    let mut done = 0;
    for batch in loader {
        let n = batch.labels.len();
        let s = batch.size;
        let x = Tensor::<4>::from_data(TensorData::new(batch.images, [n, 3, s, s]), &device); // [n, 3, s, s]
        let probs = softmax(model.forward(x), 1); // [n, classes]
        let values: Vec<f32> = probs.try_into_vec_as::<f32>().map_err(|e| ScoreError::Output(format!("{e:?}")))?;
        let classes = values.len() / n.max(1);
        for (i, sample) in batch.samples.iter().enumerate() {
            let key = (sample.patient, sample.candidate);
            let entry = sums.entry(key).or_insert_with(|| {
                order.push(key);
                (vec![0.0; classes], 0)
            });
            for c in 0..classes {
                entry.0[c] += f64::from(values[i * classes + c]);
            }
            entry.1 += 1;
        }
        done += n;
        progress(done, total);
    }
    let mut candidates = Vec::new();
    let mut probabilities = Vec::new();
    for key @ (p, c) in order {
        let (sum, count) = &sums[&key];
        let mean: Vec<f64> = sum.iter().map(|v| v / *count as f64).collect();
        let patient = &study.patients[p];
        let candidate = &patient.candidates[c];
        candidates.push(ScoredCandidate {
            patient: patient.id.clone(),
            candidate: candidate.id.to_string(),
            label: candidate.label.as_class() as u8,
            score: mean.get(1).copied().unwrap_or(0.0),
            lesion: candidate.lesion.map(|l| l.to_string()),
        });
        probabilities.push(mean);
    }
    let lesions = test
        .iter()
        .flat_map(|&p| {
            let patient = &study.patients[p];
            patient.lesions.iter().map(|l| LesionRef { patient: patient.id.clone(), lesion: l.id.to_string() })
        })
        .collect();
    Ok(RunScores { config, candidates, probabilities, lesions, patients: split.test })
}
