//! cadet: a desktop workbench for CNN-based computer-aided detection (CADe) in CT.
//!
//! The library holds the headless core (volumes, windowing, sampling, studies, datasets, models,
//! training, evaluation, visualisation), the `cadet` command line, and, behind the default `gui`
//! feature, the eframe workbench. The core never uses a GUI type.

pub mod cli;
pub mod core;
#[cfg(feature = "gui")]
pub mod gui;
