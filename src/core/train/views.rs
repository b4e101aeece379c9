//! Where a run's views come from: fresh from the study's volumes, or from a view bank whose
//! manifest then stands in for the study (no volume is opened).

use std::sync::Arc;

use super::config::TrainConfig;
use super::run_dir::RunDir;
use crate::core::cache::bank::ViewBank;
use crate::core::study::Study;

/// The study and, when the run trains from a bank, the bank (whose manifest is the study).
pub fn open_views(config: &TrainConfig, run: &RunDir) -> Result<(Arc<Study>, Option<Arc<ViewBank>>), String> {
    let Some(dir) = &config.bank else {
        return Ok((Arc::new(Study::load(&config.study).map_err(|e| e.to_string())?), None));
    };
    let bank = ViewBank::open(dir).map_err(|e| e.to_string())?;
    let m = &bank.manifest;
    run.log(&format!(
        "views from the bank {} ({} candidates × {} views of {} px, window [{}, {}] HU, seed {})",
        dir.display(),
        m.rows(),
        m.views_per_candidate,
        m.size,
        m.window.lower_hu,
        m.window.upper_hu,
        m.seed
    ));
    if m.window != config.window {
        run.log("the bank's window replaces the run's window (bank views are stored windowed)");
    }
    Ok((Arc::new(m.study()), Some(Arc::new(bank))))
}
