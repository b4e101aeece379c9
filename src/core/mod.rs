//! The headless core: everything the workbench does, as plain Rust with no GUI types.

pub mod atomic;
pub mod cache;
pub mod choice;
pub mod dataset;
pub mod dicom;
pub mod eval;
pub mod geometry;
pub mod ild;
pub mod mask;
pub mod models;
pub mod nifti;
pub mod open;
pub mod raster;
pub mod sample_data;
pub mod sampling;
pub mod seed;
pub mod study;
pub mod sweep;
pub mod synth;
pub mod train;
pub mod vis;
pub mod volume;
pub mod window;
