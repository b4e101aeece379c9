//! Integration tests: one binary (linking the library once), one module per capability.

mod architecture;
mod bank;
// early in name order on purpose: libtest starts tests by name, and its burn-wgpu test spends
// minutes compiling kernels on lavapipe, so it runs beside the rest instead of after them
mod bench_train;
mod cache;
mod cli;
mod common;
mod dicom_bad_input;
mod dicom_cli;
mod dicom_series;
mod eval;
mod gpu_check;
#[cfg(feature = "gui")]
mod gui;
#[cfg(feature = "gui")]
mod gui_ild;
#[cfg(feature = "gui")]
mod gui_ild_runs;
#[cfg(feature = "gui")]
mod gui_training;
mod ild;
mod ild_lung;
mod models;
mod nifti_bad_input;
mod nifti_real;
mod nifti_roundtrip;
mod pipeline;
mod pretrained;
mod rough_edges;
mod sampling;
mod sgd;
mod sweep;
mod synth;
mod tcia_collection;
mod train;
mod vis;
