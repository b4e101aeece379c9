//! NIfTI-1 input and output (`.nii` and `.nii.gz`).
//!
//! Reading uses the `nifti` crate for the header and our own typed, size-checked data path;
//! writing serialises the 348-byte header directly, because the crate's writer needs a second
//! `ndarray` version, always resets `scl_slope`/`scl_inter`, and writes non-atomically.
//!
//! 4-D files: a trailing dimension of size 1 is accepted; a real series (more than one
//! volume) is refused with an error that says how many volumes it holds.

mod dtype;
mod header;
mod read;
mod write;

use std::path::PathBuf;

pub use dtype::{NiftiData, NiftiDtype};
pub use header::{AffineSource, Quatern, quatern_from_affine, quatern_to_affine};
pub use read::{HeaderInfo, MAX_VOXELS, NiftiFile, read_grid, read_header, read_nifti};
pub use write::{NiftiImage, write_nifti_image, write_volume};

/// Everything that can go wrong reading or writing a NIfTI file. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum NiftiError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}: read failed: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: write failed: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path}: corrupt gzip stream ({detail})")]
    CorruptGzip { path: PathBuf, detail: String },
    #[error("{path}: not a NIfTI-1 file ({reason})")]
    NotNifti { path: PathBuf, reason: String },
    #[error("{path}: truncated: expected {expected} bytes of {what}, found {found}")]
    Truncated { path: PathBuf, what: &'static str, expected: u64, found: u64 },
    #[error("{path}: invalid dimensions in the header: {detail}")]
    BadDims { path: PathBuf, detail: String },
    #[error(
        "{path}: the header claims {dims:?} voxels ({voxels} voxels, {gib:.1} GiB); cadet refuses \
         volumes over {limit} voxels"
    )]
    TooLarge { path: PathBuf, dims: Vec<i64>, voxels: u64, gib: f64, limit: u64 },
    #[error(
        "{path}: 4-D series with {volumes} volumes; cadet reads one 3-D volume per file (extract one first, e.g. with fslroi)"
    )]
    Series { path: PathBuf, volumes: u64 },
    #[error("{path}: unsupported data type {detail}")]
    UnsupportedType { path: PathBuf, detail: String },
    #[error("{path}: {count} voxels are not finite (NaN or infinite), e.g. voxel index {first}")]
    NonFinite { path: PathBuf, count: usize, first: usize },
    #[error("{path}: unusable affine ({source})")]
    Affine { path: PathBuf, source: crate::core::geometry::GeometryError },
    #[error("{path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
}
