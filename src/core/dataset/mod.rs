//! Datasets for training and evaluation: patient-level folds, class priors, per-epoch sample
//! plans, the view pipeline and a prefetching loader that streams batches to the trainer
//! without materialising the whole set.

mod bank;
mod folds;
mod loader;
mod pipeline;
mod plan;

use std::path::PathBuf;
use std::sync::Arc;

pub use bank::{bank_slot, render_bank_batch};
pub use folds::{Split, assign_folds, split_patients, split_region};
pub use loader::{Prefetcher, RenderBatch};
pub use pipeline::{Batch, IMAGENET_MEAN, IMAGENET_STD, InputNormalization, Purpose, ViewPipeline};
pub use plan::{Prior, Sample, candidate_stream, epoch_samples, fixed_samples, labelled_candidates};

use crate::core::cache::bank::ViewBank;
use crate::core::cache::{CacheError, VolumeCache};
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
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// Everything needed to turn samples into network input, cheap to clone between threads.
#[derive(Clone)]
pub struct ViewSource {
    pub study: Arc<Study>,
    pub samplers: Arc<Vec<Option<Arc<ViewSampler>>>>,
    pub pipeline: Arc<ViewPipeline>,
    pub seed: u64,
    /// Views come from this bank instead of the samplers when set.
    pub bank: Option<Arc<ViewBank>>,
}

impl ViewSource {
    pub fn render_batch(&self, samples: &[Sample], purpose: Purpose) -> Batch {
        match &self.bank {
            Some(bank) => render_bank_batch(&self.pipeline, bank, &self.study, samples, self.seed, purpose),
            None => self.pipeline.render_batch(&self.study, &self.samplers, samples, self.seed, purpose),
        }
    }
}

/// Opens the volumes of the given patients for view sampling through the shared volume cache
/// (memory-mapped, so memory does not grow with the number of patients); other patients' slots
/// stay empty. Missing entries are built one volume at a time, which bounds the memory of a
/// first run; a cache that cannot be written is reported and the volume read into memory.
pub fn load_samplers(
    study: &Study,
    patients: &[usize],
    interpolation: Interpolation,
) -> Result<Vec<Option<Arc<ViewSampler>>>, DatasetError> {
    let cache = VolumeCache::shared();
    let mut out = vec![None; study.patients.len()];
    for &p in patients {
        let patient = &study.patients[p];
        let sampler = match cache.sampler(&patient.volume_path, patient.series.as_deref(), interpolation, || {
            patient.load_volume().map(|f| f.volume).map_err(|e| e.to_string())
        }) {
            Ok((sampler, _)) => sampler,
            Err(CacheError::Io { path, source }) => {
                log::warn!("volume cache {}: {source}; reading {} into memory", path.display(), patient.id);
                ViewSampler::new(Arc::new(patient.load_volume()?.volume), interpolation)
            }
            Err(e) => return Err(e.into()),
        };
        out[p] = Some(Arc::new(sampler));
    }
    Ok(out)
}
