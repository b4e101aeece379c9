//! From a sample to network input: sample the view (at its own size, or at a smaller size and
//! resize, as the paper does), crop to the model's input (random for training, central
//! otherwise), window HU to [0, 1] and normalise as the weights expect.

use std::sync::Arc;

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::plan::{Sample, candidate_stream};
use crate::core::choice::named_choice;
use crate::core::sampling::{ViewProtocol, ViewSampler, ViewSpec, resize_bilinear};
use crate::core::seed::{mix_seed, rng_for, stream};
use crate::core::study::Study;
use crate::core::window::Window;

/// Input normalisation after windowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputNormalization {
    /// Per-channel ImageNet mean and standard deviation (what pretrained weights expect).
    Imagenet,
    /// The windowed [0, 1] values as they are.
    None,
}

named_choice!(InputNormalization, "input normalisation", { Imagenet => "imagenet", None => "none" });

pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// How views become network input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewPipeline {
    pub protocol: ViewProtocol,
    /// Pixels the view is sampled at.
    pub sample_size: usize,
    /// Pixels after resizing (bilinear), before cropping.
    pub view_size: usize,
    /// Pixels the network takes (a crop of `view_size`).
    pub input_size: usize,
    pub window: Window,
    pub normalization: InputNormalization,
}

/// What views are for: training views come from the augmentation stream and are cropped at
/// random; validation and evaluation views come from their own fixed streams, centre-cropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Train,
    Validate,
    Evaluate,
}

impl Purpose {
    /// The run's seed stream these views are drawn from.
    pub fn stream(self) -> u64 {
        match self {
            Purpose::Train => stream::AUGMENT,
            Purpose::Validate => stream::VALIDATION_VIEWS,
            Purpose::Evaluate => stream::EVAL_VIEWS,
        }
    }
}

/// Network input for a list of samples: `[n, 3, input, input]` values and class labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub images: Vec<f32>,
    pub labels: Vec<i64>,
    pub samples: Vec<Sample>,
    pub size: usize,
}

impl ViewPipeline {
    /// The view parameters of a sample; training views come from the augmentation stream,
    /// the others from the fixed validation/evaluation stream.
    pub fn spec(&self, study: &Study, sample: &Sample, seed: u64, stream_id: u64) -> ViewSpec {
        let patient = &study.patients[sample.patient];
        let candidate = &patient.candidates[sample.candidate];
        let view_seed = mix_seed(seed, stream_id);
        self.protocol.draw(view_seed, candidate_stream(&patient.id, candidate.id), sample.view, candidate.center())
    }

    /// Renders one sample into `out` (3·input² values).
    pub fn render_into(&self, sampler: &ViewSampler, spec: &ViewSpec, crop_seed: Option<u64>, out: &mut [f32]) {
        let hu = sampler.sample(spec, self.sample_size);
        self.finish(&hu, true, self.sample_size, crop_seed, out);
    }

    /// From a sampled view (`3·size²` values: HU, or already windowed to [0, 1] when
    /// `apply_window` is false) to network input: resize, crop, window, normalise.
    pub fn finish(&self, view: &[f32], apply_window: bool, size: usize, crop_seed: Option<u64>, out: &mut [f32]) {
        let view = resize_bilinear(view, 3, size, self.view_size);
        let margin = self.view_size - self.input_size;
        let (dx, dy) = match crop_seed {
            Some(s) if margin > 0 => {
                let mut rng = rng_for(s, &[]);
                (rng.random_range(0..=margin), rng.random_range(0..=margin))
            }
            _ => (margin / 2, margin / 2),
        };
        let n = self.input_size;
        for c in 0..3 {
            let (mean, std) = match self.normalization {
                InputNormalization::Imagenet => (IMAGENET_MEAN[c], IMAGENET_STD[c]),
                InputNormalization::None => (0.0, 1.0),
            };
            for r in 0..n {
                let row = &view[c * self.view_size * self.view_size + (r + dy) * self.view_size + dx..][..n];
                let dst = &mut out[c * n * n + r * n..][..n];
                if apply_window {
                    dst.iter_mut().zip(row).for_each(|(o, &v)| *o = (self.window.apply(v) - mean) / std);
                } else {
                    dst.iter_mut().zip(row).for_each(|(o, &v)| *o = (v - mean) / std);
                }
            }
        }
    }

    /// The seed of a training view's random crop.
    pub fn crop_seed(study: &Study, sample: &Sample, seed: u64) -> u64 {
        let patient = &study.patients[sample.patient];
        mix_seed(mix_seed(seed, candidate_stream(&patient.id, sample.candidate)), sample.view)
    }

    /// Renders a batch in parallel; the result depends only on the samples and the seed.
    pub fn render_batch(
        &self,
        study: &Study,
        samplers: &[Option<Arc<ViewSampler>>],
        samples: &[Sample],
        seed: u64,
        purpose: Purpose,
    ) -> Batch {
        let n = self.input_size;
        let stream_id = purpose.stream();
        let train = purpose == Purpose::Train;
        let mut images = vec![0f32; samples.len() * 3 * n * n];
        images.par_chunks_mut(3 * n * n).zip(samples.par_iter()).for_each(|(out, sample)| {
            match samplers.get(sample.patient).and_then(Option::as_ref) {
                Some(sampler) => {
                    let spec = self.spec(study, sample, seed, stream_id);
                    let crop = train.then(|| Self::crop_seed(study, sample, seed));
                    self.render_into(sampler, &spec, crop, out);
                }
                None => out.fill(0.0),
            }
        });
        Batch { images, labels: samples.iter().map(|s| s.label as i64).collect(), samples: samples.to_vec(), size: n }
    }
}
