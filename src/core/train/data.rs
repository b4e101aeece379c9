//! A run's data, whatever its task: the lymph-node study's candidates (fresh 2.5D views or a
//! view bank) or an ILD database's patches or slices. The engine splits patients, plans each
//! epoch's samples and streams batches through the same calls for both.

use std::sync::Arc;

use super::config::TrainConfig;
use super::run_dir::{RunDir, SplitRecord};
use super::task::Task;
use super::views::open_views;
use crate::core::cache::bank::ViewBank;
use crate::core::dataset::{
    Prefetcher, Purpose, Sample, Split, ViewSource, epoch_samples, fixed_samples, load_samplers, split_region,
};
use crate::core::ild::IldDatabase;
use crate::core::ild::dataset::{IldInput, IldLevel, IldSet};
use crate::core::ild::folds::ild_split;
use crate::core::study::Study;

/// A run's data before its pixels are read.
pub enum Opened {
    Views { study: Arc<Study>, bank: Option<Arc<ViewBank>> },
    Ild(Box<IldSet>),
}

/// A run's data, ready to render batches.
pub enum RunData {
    Views { study: Arc<Study>, source: ViewSource },
    Ild(Arc<IldSet>),
}

/// The ILD dataset a configuration asks for (no pixel read yet).
pub fn open_ild(config: &TrainConfig) -> Result<IldSet, String> {
    let level = match config.task {
        Task::IldSlice => IldLevel::Slice,
        _ => IldLevel::Patch,
    };
    let db = IldDatabase::open(&config.study).map_err(|e| e.to_string())?;
    let input = IldInput {
        patch_size: config.sample_size,
        per_roi: config.patches_per_roi,
        input_size: config.input_size.unwrap_or(config.model.input_size()),
        normalization: config.normalization,
        seed: config.seed,
        lung: config.lung,
    };
    Ok(IldSet::new(db, level, input))
}

/// The configured fold's split of an ILD database's patients (what `open_data` trains on).
pub fn ild_fold_split(config: &TrainConfig, set: &IldSet) -> Result<Split, String> {
    let ids: Vec<String> = set.db.patients.iter().map(|p| p.id.clone()).collect();
    let classes: Vec<_> = set.db.patients.iter().map(|p| p.classes()).collect();
    ild_split(&ids, &classes, config.folds, config.fold, config.val_fraction, config.seed)
}

fn names(ids: &[String], patients: &[usize]) -> Vec<String> {
    patients.iter().map(|&p| ids[p].clone()).collect()
}

/// Refuses lymph-node folds whose sets lack positives (training would be meaningless).
fn check_positives(study: &Study, split: &Split, fold: usize) -> Result<(), String> {
    let ids: Vec<String> = study.patients.iter().map(|p| p.id.clone()).collect();
    for (set, patients) in [("training", &split.train), ("validation", &split.val), ("test", &split.test)] {
        let positives: usize = patients.iter().map(|&p| study.patients[p].positives()).sum();
        if positives == 0 {
            return Err(format!(
                "fold {fold}: the {} {set} patient(s) ({}) have no positive candidates; of {} patients, {} are in \
                 the test fold, {} train and {} validate: every set needs a patient with a true node (more \
                 patients, fewer folds, or another seed)",
                patients.len(),
                names(&ids, patients).join(", "),
                study.patients.len(),
                split.test.len(),
                split.train.len(),
                split.val.len()
            ));
        }
    }
    Ok(())
}

/// Opens the run's data and splits its patients for the configured fold.
pub fn open_data(config: &TrainConfig, run: &RunDir) -> Result<(Opened, Split, SplitRecord), String> {
    if config.task.is_ild() {
        if config.bank.is_some() {
            return Err("view banks hold lymph-node views; an ILD task reads its database (drop --bank)".into());
        }
        let mut set = open_ild(config)?;
        let ids: Vec<String> = set.db.patients.iter().map(|p| p.id.clone()).collect();
        let split = ild_fold_split(config, &set)?;
        set.set_training_patients(&split.train);
        for (name, patients) in [("training", &split.train), ("validation", &split.val)] {
            if set.items_of(patients).is_empty() {
                return Err(format!(
                    "fold {}: the {name} patients ({}) have no items",
                    config.fold,
                    names(&ids, patients).join(", ")
                ));
            }
        }
        run.log(&format!("{} items ({:?} level) in {} patients", set.items.len(), set.level, ids.len()));
        let record = SplitRecord {
            train: names(&ids, &split.train),
            val: names(&ids, &split.val),
            test: names(&ids, &split.test),
        };
        return Ok((Opened::Ild(Box::new(set)), split, record));
    }
    let (study, bank) = open_views(config, run)?;
    let split =
        split_region(&study, config.region.as_deref(), config.folds, config.fold, config.val_fraction, config.seed)
            .map_err(|e| e.to_string())?;
    check_positives(&study, &split, config.fold)?;
    let ids: Vec<String> = study.patients.iter().map(|p| p.id.clone()).collect();
    let record =
        SplitRecord { train: names(&ids, &split.train), val: names(&ids, &split.val), test: names(&ids, &split.test) };
    Ok((Opened::Views { study, bank }, split, record))
}

impl Opened {
    /// Reads the pixels the training and validation patients need.
    pub fn load(self, config: &TrainConfig, split: &Split) -> Result<RunData, String> {
        let needed: Vec<usize> = split.train.iter().chain(&split.val).copied().collect();
        match self {
            Opened::Ild(mut set) => {
                set.load_images(&needed).map_err(|e| e.to_string())?;
                Ok(RunData::Ild(Arc::from(set)))
            }
            Opened::Views { study, bank } => {
                let samplers = match bank {
                    Some(_) => vec![None; study.patients.len()],
                    None => load_samplers(&study, &needed, config.interpolation).map_err(|e| e.to_string())?,
                };
                let source = ViewSource {
                    study: study.clone(),
                    samplers: Arc::new(samplers),
                    pipeline: Arc::new(config.pipeline()),
                    seed: config.seed,
                    bank,
                };
                Ok(RunData::Views { study, source })
            }
        }
    }
}

impl RunData {
    /// The training samples of an epoch.
    pub fn epoch_samples(&self, patients: &[usize], config: &TrainConfig, epoch: usize) -> Vec<Sample> {
        let (prior, views, seed) = (config.prior, config.views_per_candidate, config.seed);
        match self {
            RunData::Views { study, .. } => epoch_samples(study, patients, prior, views, epoch, seed),
            RunData::Ild(set) => set.epoch_samples(patients, prior, views, epoch, seed),
        }
    }

    /// The fixed validation samples.
    pub fn fixed_samples(&self, patients: &[usize], config: &TrainConfig) -> Vec<Sample> {
        match self {
            RunData::Views { study, .. } => fixed_samples(study, patients, config.prior, config.val_views, config.seed),
            RunData::Ild(set) => set.fixed_samples(patients, config.val_views),
        }
    }

    /// Starts streaming the samples' batches.
    pub fn loader(&self, samples: Vec<Sample>, config: &TrainConfig, purpose: Purpose) -> std::io::Result<Prefetcher> {
        match self {
            RunData::Views { source, .. } => {
                Prefetcher::start(source.clone(), samples, config.batch, config.prefetch, purpose)
            }
            RunData::Ild(set) => Prefetcher::start(set.clone(), samples, config.batch, config.prefetch, purpose),
        }
    }
}
