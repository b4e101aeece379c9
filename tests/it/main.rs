//! Integration tests: one binary (linking the library once), one module per capability.

mod common;
#[cfg(feature = "gui")]
mod gui;
mod nifti_bad_input;
mod nifti_real;
mod nifti_roundtrip;
mod sampling;
mod synth;
mod train;
