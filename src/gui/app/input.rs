//! Keyboard, dropped files and finished screenshots.

use std::path::PathBuf;

use eframe::egui;

use super::{CadetApp, JobResult};
use crate::core::sampling::SliceGeometry;
use crate::gui::export;
use crate::gui::viewer::{NavKeys, step_slice};

impl CadetApp {
    pub(super) fn keyboard(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        if self.ild.is_open() {
            self.ild.keyboard(ctx);
            return;
        }
        let keys = NavKeys::read(ctx);
        if keys.item != 0 {
            self.step_candidate(keys.item);
        }
        if keys.slice != 0
            && let Some(open) = &self.workspace.volume
        {
            let geom = SliceGeometry::new(&open.volume, self.active_view);
            step_slice(&mut self.viewer, &geom, keys.slice);
        }
    }

    pub(super) fn handle_screenshot(&mut self, ctx: &egui::Context) {
        while let Ok(image) = self.screenshots.1.try_recv() {
            if let Some((path, rect)) = self.pending_screenshot.take() {
                let result = export::save_screenshot(&image, rect, ctx.pixels_per_point(), &path);
                self.apply(None, JobResult::Exported { path, result });
            }
        }
    }

    pub(super) fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        if let Some(path) = dropped.into_iter().next() {
            self.open(path);
        }
    }
}
