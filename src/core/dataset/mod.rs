//! Datasets for training and evaluation: patient-level folds, class priors, per-epoch sample
//! plans, the view pipeline and a prefetching loader that streams batches to the trainer
//! without materialising the whole set.

mod folds;
mod loader;
mod pipeline;
mod plan;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

pub use folds::{Split, assign_folds, split_patients};
pub use loader::Prefetcher;
pub use pipeline::{Batch, IMAGENET_MEAN, IMAGENET_STD, Normalization, Purpose, ViewPipeline};
pub use plan::{Prior, Sample, candidate_stream, epoch_samples, fixed_samples, labelled_candidates};

use crate::core::open::OpenError;
use crate::core::sampling::{Interpolation, ViewSampler};
use crate::core::study::Study;

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Volume(#[from] OpenError),
    #[error("{path}: {detail}")]
    Patient { path: PathBuf, detail: String },
}

/// Everything needed to turn samples into network input, cheap to clone between threads.
#[derive(Clone)]
pub struct ViewSource {
    pub study: Arc<Study>,
    pub samplers: Arc<Vec<Option<Arc<ViewSampler>>>>,
    pub pipeline: Arc<ViewPipeline>,
    pub seed: u64,
}

impl ViewSource {
    pub fn render_batch(&self, samples: &[Sample], purpose: Purpose) -> Batch {
        self.pipeline.render_batch(&self.study, &self.samplers, samples, self.seed, purpose)
    }
}

/// Loads (in parallel) the volumes of the given patients, ready for view sampling; other
/// patients' slots stay empty.
pub fn load_samplers(
    study: &Study,
    patients: &[usize],
    interpolation: Interpolation,
) -> Result<Vec<Option<Arc<ViewSampler>>>, DatasetError> {
    let loaded: Vec<(usize, Arc<ViewSampler>)> = patients
        .par_iter()
        .map(|&p| {
            let file = study.patients[p].load_volume()?;
            Ok((p, Arc::new(ViewSampler::new(Arc::new(file.volume), interpolation))))
        })
        .collect::<Result<_, DatasetError>>()?;
    let mut out = vec![None; study.patients.len()];
    for (p, s) in loaded {
        out[p] = Some(s);
    }
    Ok(out)
}
