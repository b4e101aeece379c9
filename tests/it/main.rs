//! Integration tests: one binary (linking the library once), one module per capability.

mod bank;
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
mod train_bench;
mod vis;
