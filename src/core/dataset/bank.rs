//! Batches from a view bank instead of volumes: sample `view` of a candidate reads the bank's
//! view `(view + offset) mod K`, where the offset is seeded per candidate. Epoch e of a run with
//! v views per candidate reads views e·v … e·v + v − 1 in that order, so every bank view is used
//! once before any is used again, and no volume is opened.

use rayon::prelude::*;

use super::pipeline::{Batch, Purpose, ViewPipeline};
use super::plan::{Sample, candidate_stream};
use crate::core::cache::bank::ViewBank;
use crate::core::seed::mix_seed;
use crate::core::study::Study;

/// The bank view (0..k) that sample view number `view` of a candidate reads.
pub fn bank_slot(seed: u64, patient_id: &str, candidate: usize, view: u64, k: usize) -> usize {
    let k = k.max(1) as u64;
    let offset = mix_seed(seed, candidate_stream(patient_id, candidate)) % k;
    ((view % k + offset) % k) as usize
}

/// Renders a batch from the bank (in parallel; the result depends only on the samples and
/// the seed). Training views are cropped at random, as fresh ones are.
pub fn render_bank_batch(
    pipeline: &ViewPipeline,
    bank: &ViewBank,
    study: &Study,
    samples: &[Sample],
    seed: u64,
    purpose: Purpose,
) -> Batch {
    let n = pipeline.input_size;
    let size = bank.manifest.size;
    let k = bank.manifest.views_per_candidate;
    let mut images = vec![0f32; samples.len() * 3 * n * n];
    images.par_chunks_mut(3 * n * n).zip(samples.par_iter()).for_each(|(out, sample)| {
        let patient = &study.patients[sample.patient];
        let slot = bank_slot(seed, &patient.id, sample.candidate, sample.view, k);
        let bytes = bank.view(bank.row(sample.patient, sample.candidate), slot);
        let view: Vec<f32> = bytes.iter().map(|&b| f32::from(b) * (1.0 / 255.0)).collect();
        let crop = (purpose == Purpose::Train).then(|| ViewPipeline::crop_seed(study, sample, seed));
        pipeline.finish(&view, false, size, crop, out);
    });
    Batch { images, labels: samples.iter().map(|s| s.label as i64).collect(), samples: samples.to_vec(), size: n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_walk_through_every_bank_view_before_repeating() {
        let (k, v) = (10, 5);
        for candidate in 0..4 {
            let mut seen: Vec<usize> = (0..2 * v as u64).map(|view| bank_slot(7, "P1", candidate, view, k)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..k).collect::<Vec<_>>(), "epochs 0 and 1 together read all 10 views");
            assert_eq!(bank_slot(7, "P1", candidate, 3, k), bank_slot(7, "P1", candidate, 13, k), "then repeat");
        }
        assert_eq!(bank_slot(7, "P1", 0, 0, 1), 0);
    }
}
