//! DICOM CT series: discovery in a folder, grouping by SeriesInstanceUID, geometry as the
//! standard defines it, and parallel pixel decoding through dicom-rs, into a [`Volume`].
//!
//! - **Discovery** ([`scan_folder`]): every file under a folder, any name, any order; files
//!   that are not DICOM (no `DICM` magic: README.txt, .DS_Store, empty files), DICOMDIR and
//!   objects without an image (structured reports) are skipped. Headers only: pixel data is
//!   read when a series is loaded.
//! - **Geometry** ([`series_geometry`]): slices are sorted by the projection of
//!   ImagePositionPatient on the slice normal (row × column of ImageOrientationPatient), never
//!   by InstanceNumber or file name; the slice step comes from the positions, not from
//!   SliceThickness; LPS becomes RAS once, here. Oblique orientations are kept exactly; a
//!   gantry tilt becomes a sheared `world_from_voxel` (with a warning saying so); uneven
//!   spacing (a missing slice) is refused with an error naming the gap and its position.
//! - **Values** ([`load_series`]): RescaleSlope/Intercept to HU, BitsStored and
//!   PixelRepresentation respected, PixelPaddingValue (and PixelPaddingRangeLimit) read as
//!   −1024 HU. Slices decode in parallel (rayon), straight into the volume's buffer.
//!
//! JPEG-LS needs the C++ CharLS library, which does not build from its crate alone here; those
//! files (and any other syntax without a codec) fail with [`DicomError::UnsupportedTransferSyntax`].

mod decode;
mod discover;
mod geometry;
mod header;
mod native;
mod write;

use std::path::PathBuf;

pub use decode::{DicomVolume, PADDING_HU, SeriesInfo, decode_slice_hu, load_series, read_dicom_series};
pub use discover::{Series, SeriesSummary, choose_series, is_dicom_file, scan_folder, scan_headers};
pub use geometry::{SeriesGeometry, series_geometry};
pub use header::{SliceHeader, read_slice_header, transfer_syntax_name};
pub use write::{CtSlice, write_ct_slice};

use crate::core::geometry::GeometryError;
use crate::core::volume::VolumeError;

/// Everything that can go wrong reading a DICOM series. Every message names the file or folder.
#[derive(Debug, thiserror::Error)]
pub enum DicomError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{dir}: no DICOM image files found (looked at {files} files)")]
    NoDicom { dir: PathBuf, files: usize },
    #[error("{path}: not a readable DICOM file ({detail})")]
    Unreadable { path: PathBuf, detail: String },
    #[error("{path}: missing {what}")]
    Missing { path: PathBuf, what: &'static str },
    #[error("{path}: {detail}")]
    Unsupported { path: PathBuf, detail: String },
    #[error("{path}: unsupported transfer syntax {uid} ({name}); convert the series first, e.g. `gdcmconv --raw`")]
    UnsupportedTransferSyntax { path: PathBuf, uid: String, name: String },
    #[error("{path}: {detail}")]
    Inconsistent { path: PathBuf, detail: String },
    #[error("{dir}: no series {uid}; the folder holds: {available}")]
    SeriesNotFound { dir: PathBuf, uid: String, available: String },
    #[error(
        "{dir}: uneven slice spacing: {gap_mm:.3} mm between the slices at {from_mm:.3} mm ({from_file}) and \
         {to_mm:.3} mm ({to_file}) along the slice normal, where the other slices are {step_mm:.3} mm apart \
         (a missing slice?); cadet does not load an uneven series as if it were regular"
    )]
    UnevenSpacing {
        dir: PathBuf,
        gap_mm: f64,
        step_mm: f64,
        from_mm: f64,
        to_mm: f64,
        from_file: String,
        to_file: String,
    },
    #[error("{first} and {second}: two slices at the same position ({position_mm:.3} mm along the normal)")]
    DuplicatePosition { first: PathBuf, second: PathBuf, position_mm: f64 },
    #[error("{path}: cannot decode the pixel data: {detail}")]
    Decode { path: PathBuf, detail: String },
    #[error("{dir}: unusable geometry ({source})")]
    Geometry { dir: PathBuf, source: GeometryError },
    #[error("{dir}: {source}")]
    Volume { dir: PathBuf, source: VolumeError },
}
