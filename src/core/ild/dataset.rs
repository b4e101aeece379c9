//! The ILD training set: items (patches, or one instance per (slice, class)), per-epoch sample
//! plans with the equal (resampled) or biased class prior, and batches rendered from the slices'
//! RGB bytes: patches resized to the network's input, slices rotated and shifted by one of their
//! 12 augmentations and resized.

use std::sync::Arc;

use rand::seq::SliceRandom;
use rayon::prelude::*;

use super::database::IldDatabase;
use super::images::SliceImages;
use super::lung::{AverageLungMask, LungFocus, SMOOTH_SIGMA_MM, overlay, shrink_mask, smooth_outside};
use super::patches::{PatchRef, crop_patch, select_patches};
use super::slices::{SliceTransform, augmentation, render_slice, shrink};
use super::windows::ild_rgb;
use super::{CLASSES, IldClass, IldError};
use crate::core::dataset::{
    Batch, IMAGENET_MEAN, IMAGENET_STD, InputNormalization, Prior, Purpose, RenderBatch, Sample,
};
use crate::core::dicom::PADDING_HU;
use crate::core::sampling::resize_bilinear;
use crate::core::seed::{rng_for, stream};

/// Patch or slice level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IldLevel {
    Patch,
    Slice,
}

/// One training item: a patch, or a slice seen as one of its classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IldItem {
    Patch(PatchRef),
    Slice { patient: usize, slice: usize, class: IldClass },
}

impl IldItem {
    pub fn patient(&self) -> usize {
        match self {
            IldItem::Patch(p) => p.patient,
            IldItem::Slice { patient, .. } => *patient,
        }
    }

    pub fn slice(&self) -> usize {
        match self {
            IldItem::Patch(p) => p.slice,
            IldItem::Slice { slice, .. } => *slice,
        }
    }

    pub fn class(&self) -> IldClass {
        match self {
            IldItem::Patch(p) => p.class,
            IldItem::Slice { class, .. } => *class,
        }
    }
}

/// How items become network input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IldInput {
    /// Patch size in native pixels.
    pub patch_size: usize,
    /// At most this many patches per contour.
    pub per_roi: usize,
    /// The network's input size.
    pub input_size: usize,
    pub normalization: InputNormalization,
    pub seed: u64,
    /// How slice-level inputs show the lung.
    pub lung: LungFocus,
}

/// A slice shrunk for the slice level: planar RGB in [0, 1], rows, columns.
type Thumb = (Vec<f32>, usize, usize);

/// The dataset of one ILD database.
pub struct IldSet {
    pub db: IldDatabase,
    pub level: IldLevel,
    pub items: Vec<IldItem>,
    pub input: IldInput,
    images: SliceImages,
    /// Per patient, per slice: the slice shrunk towards twice the input size (slice level),
    /// with its lung focus applied.
    thumbs: Vec<Option<Vec<Arc<Thumb>>>>,
    /// The fold's training patients, whose lungs the average lung mask is taken over.
    training: Option<Vec<usize>>,
    average: Option<Arc<AverageLungMask>>,
}

impl IldSet {
    /// The items of a database (no pixel is read yet).
    pub fn new(db: IldDatabase, level: IldLevel, input: IldInput) -> IldSet {
        let items = match level {
            IldLevel::Patch => select_patches(&db, input.patch_size, input.per_roi, input.seed)
                .into_iter()
                .map(IldItem::Patch)
                .collect(),
            IldLevel::Slice => {
                let mut items = Vec::new();
                for (p, patient) in db.patients.iter().enumerate() {
                    for (s, slice) in patient.slices.iter().enumerate() {
                        items.extend(slice.classes().into_iter().map(|class| IldItem::Slice {
                            patient: p,
                            slice: s,
                            class,
                        }));
                    }
                }
                items
            }
        };
        let n = db.patients.len();
        let (images, thumbs) = (SliceImages::default(), vec![None; n]);
        IldSet { db, level, items, input, images, thumbs, training: None, average: None }
    }

    /// The fold's training patients: the average lung mask ([`LungFocus::Average`]) is theirs.
    pub fn set_training_patients(&mut self, patients: &[usize]) {
        if self.training.as_deref() != Some(patients) {
            self.training = Some(patients.to_vec());
            self.average = None;
        }
    }

    /// The average lung mask of the training patients (computed once).
    pub fn average_lung_mask(&mut self) -> Result<Arc<AverageLungMask>, IldError> {
        if let Some(avg) = &self.average {
            return Ok(avg.clone());
        }
        let Some(train) = &self.training else {
            let detail = "the average lung mask needs the fold's training patients".into();
            return Err(IldError::Invalid { path: self.db.root.clone(), detail });
        };
        // the masks of loaded training patients are at hand; otherwise (evaluation) they are read
        let loaded = train.iter().all(|&p| self.images.slices.get(p).is_some_and(Option::is_some));
        let masks: Option<Vec<(&[bool], usize, usize)>> = loaded
            .then(|| {
                let images = train.iter().flat_map(|&p| self.images.slices[p].iter().flatten());
                images.map(|im| im.lung.as_deref().map(|m| (m, im.rows, im.cols))).collect()
            })
            .flatten();
        let avg = Arc::new(match masks {
            Some(masks) => AverageLungMask::of_masks(masks.into_iter()),
            None => AverageLungMask::of_patients(&self.db, train)?,
        });
        self.average = Some(avg.clone());
        Ok(avg)
    }

    /// Decodes the slices of the given patients.
    pub fn load_images(&mut self, patients: &[usize]) -> Result<(), IldError> {
        let focus = if self.level == IldLevel::Slice { self.input.lung } else { LungFocus::None };
        self.images = SliceImages::load(&self.db, patients, focus != LungFocus::None)?;
        if self.level != IldLevel::Slice {
            return Ok(());
        }
        let average = match focus {
            LungFocus::Average => Some(self.average_lung_mask()?),
            _ => None,
        };
        let outside = ild_rgb(f32::from(PADDING_HU));
        for &p in patients {
            let slices = &self.db.patients[p].slices;
            let thumbs = (0..slices.len())
                .filter_map(|s| self.images.get(p, s).map(|im| (&slices[s], im)))
                .map(|(slice, im)| {
                    let factor = (im.rows.min(im.cols) / (2 * self.input.input_size)).max(1);
                    let (mut planes, h, w) = shrink(&im.rgb, im.rows, im.cols, factor);
                    if let Some(avg) = &average {
                        overlay(&mut planes, &avg.at(h, w), outside);
                    }
                    if let (LungFocus::Smooth, Some(lung)) = (focus, &im.lung) {
                        let inside = shrink_mask(lung, im.rows, im.cols, factor);
                        let spacing = slice.header.pixel_spacing_mm.map_or(1.0, |s| s[1]);
                        smooth_outside(&mut planes, h, w, &inside, SMOOTH_SIGMA_MM / (spacing * factor as f64));
                    }
                    Arc::new((planes, h, w))
                })
                .collect();
            self.thumbs[p] = Some(thumbs);
        }
        Ok(())
    }

    /// Item indices of the given patients.
    pub fn items_of(&self, patients: &[usize]) -> Vec<usize> {
        (0..self.items.len()).filter(|&i| patients.contains(&self.items[i].patient())).collect()
    }

    fn sample(&self, item: usize, view: u64) -> Sample {
        let it = &self.items[item];
        Sample { patient: it.patient(), candidate: item, label: it.class().index(), view }
    }

    /// Training samples of epoch `epoch`, shuffled. Biased prior: every item `views` times.
    /// Equal prior: every class drawn as often as the most frequent one (`views` times its
    /// item count), cycling through a seeded order of its items.
    pub fn epoch_samples(
        &self,
        patients: &[usize],
        prior: Prior,
        views: usize,
        epoch: usize,
        seed: u64,
    ) -> Vec<Sample> {
        let items = self.items_of(patients);
        let mut out = Vec::new();
        match prior {
            Prior::Biased => {
                for &i in &items {
                    out.extend((0..views).map(|k| self.sample(i, (epoch * views + k) as u64)));
                }
            }
            Prior::Equal => {
                let by_class: Vec<Vec<usize>> = (0..CLASSES)
                    .map(|c| items.iter().copied().filter(|&i| self.items[i].class().index() == c).collect())
                    .collect();
                let target = by_class.iter().map(Vec::len).max().unwrap_or(0) * views;
                for (c, members) in by_class.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
                    let mut order = members.clone();
                    order.shuffle(&mut rng_for(seed, &[stream::PRIOR, epoch as u64, c as u64]));
                    for k in 0..target {
                        let round = (k / order.len()) as u64;
                        out.push(self.sample(order[k % order.len()], epoch as u64 * target as u64 + round));
                    }
                }
            }
        }
        out.shuffle(&mut rng_for(seed, &[stream::SHUFFLE, epoch as u64]));
        out
    }

    /// Fixed samples of every item of the patients: views `0..views` (view 0 of a slice is the
    /// slice as it is, the others its augmentations).
    pub fn fixed_samples(&self, patients: &[usize], views: usize) -> Vec<Sample> {
        self.items_of(patients)
            .into_iter()
            .flat_map(|i| (0..views as u64).map(move |v| (i, v)))
            .map(|(i, v)| self.sample(i, v))
            .collect()
    }

    /// The transform of a slice sample: training views are augmentations; validation and
    /// evaluation show view 0 unchanged and augmentations after it.
    fn transform(&self, item: &IldItem, view: u64, purpose: Purpose) -> SliceTransform {
        let patient = &self.db.patients[item.patient()];
        let number = patient.slices[item.slice()].slice_number;
        match purpose {
            Purpose::Train => augmentation(&patient.id, number, view, self.input.seed),
            _ if view == 0 => SliceTransform::IDENTITY,
            _ => augmentation(&patient.id, number, view, self.input.seed),
        }
    }

    /// Renders one sample into `out` (`3·input²` values).
    pub fn render_into(&self, sample: &Sample, purpose: Purpose, out: &mut [f32]) {
        let n = self.input.input_size;
        let item = &self.items[sample.candidate];
        let rgb = match item {
            IldItem::Patch(p) => match self.images.get(p.patient, p.slice) {
                Some(im) => {
                    let size = self.input.patch_size;
                    let patch = crop_patch(&im.rgb, im.rows, im.cols, (p.center_row, p.center_col), size);
                    resize_bilinear(&patch, 3, size, n)
                }
                None => vec![0.0; 3 * n * n],
            },
            IldItem::Slice { patient, slice, .. } => {
                match self.thumbs.get(*patient).and_then(Option::as_ref).and_then(|t| t.get(*slice)) {
                    Some(thumb) => {
                        let (planes, h, w) = (&thumb.0, thumb.1, thumb.2);
                        let t = self.transform(item, sample.view, purpose);
                        render_slice(planes, h, w, t, n, ild_rgb(f32::from(PADDING_HU)))
                    }
                    None => vec![0.0; 3 * n * n],
                }
            }
        };
        for c in 0..3 {
            let (mean, std) = match self.input.normalization {
                InputNormalization::Imagenet => (IMAGENET_MEAN[c], IMAGENET_STD[c]),
                InputNormalization::None => (0.0, 1.0),
            };
            for (o, &v) in out[c * n * n..(c + 1) * n * n].iter_mut().zip(&rgb[c * n * n..(c + 1) * n * n]) {
                *o = (v - mean) / std;
            }
        }
    }

    /// A batch of samples, rendered in parallel.
    pub fn render_batch(&self, samples: &[Sample], purpose: Purpose) -> Batch {
        let n = self.input.input_size;
        let mut images = vec![0f32; samples.len() * 3 * n * n];
        images
            .par_chunks_mut(3 * n * n)
            .zip(samples.par_iter())
            .for_each(|(out, sample)| self.render_into(sample, purpose, out));
        Batch { images, labels: samples.iter().map(|s| s.label as i64).collect(), samples: samples.to_vec(), size: n }
    }
}

impl RenderBatch for Arc<IldSet> {
    fn render_batch(&self, samples: &[Sample], purpose: Purpose) -> Batch {
        IldSet::render_batch(self, samples, purpose)
    }
}
