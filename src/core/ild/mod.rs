//! Interstitial lung disease (the paper's second task): the HUG ILD database as distributed
//! (ROI text files beside one DICOM file per axial slice), its six tissue classes, the three-window
//! RGB encoding, patch- and slice-level datasets, patient-level folds, and a synthetic study
//! written in the same layout.

mod class;
pub mod database;
pub mod dataset;
pub mod folds;
pub mod images;
pub mod label_masks;
pub mod lung;
pub mod patches;
pub mod polygon;
pub mod roi;
pub mod series;
pub mod slices;
pub mod summary;
pub mod synth;
pub mod windows;

use std::path::PathBuf;

pub use class::{CLASSES, IldClass};
pub use database::{IldDatabase, IldPatient, IldSlice, SliceContour, is_ild_root};
pub use roi::{Contour, PixelPoint, RoiFile, parse_roi_text, pixel_from_mm, read_roi_file};
pub use summary::{ClassCount, DatabaseSummary, PerClass, summarize};
pub use windows::{ild_rgb, rgb_planes, rgb_planes_u8};

use crate::core::dicom::DicomError;

/// Everything that can go wrong reading or writing ILD data; messages name the file.
#[derive(Debug, thiserror::Error)]
pub enum IldError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}, line {line}: {detail}")]
    Parse { path: PathBuf, line: usize, detail: String },
    #[error("{path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error(transparent)]
    Dicom(#[from] DicomError),
}
