//! The eframe workbench. Everything here is a client of the core; nothing in the core knows
//! about egui.

mod app;

use std::path::PathBuf;

pub use app::CadetApp;

/// Opens the workbench on `path` (a study folder or a volume), or on the bundled sample study.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let path = path.unwrap_or_else(|| crate::cli::sample_data_dir().join("synthetic"));
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default().with_inner_size([1400.0, 900.0]).with_title("cadet"),
        ..Default::default()
    };
    eframe::run_native("cadet", options, Box::new(move |cc| Ok(Box::new(CadetApp::new(cc, path)))))
        .map_err(|e| anyhow::anyhow!("the workbench failed to start: {e}"))
}
