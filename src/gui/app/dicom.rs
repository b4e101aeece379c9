//! The workbench's DICOM bookkeeping: which series of a folder is on screen, and the windows
//! that choose another series or list a collection's import warnings.

use std::path::Path;

use eframe::egui;

use super::CadetApp;
use crate::core::open::LoadedVolume;
use crate::gui::dicom_panel::{DicomAction, series_chooser_ui, warnings_ui};

impl CadetApp {
    /// Remembers the series of a DICOM folder for the chooser (shown when there are several).
    pub(super) fn note_series(&mut self, path: &Path, file: &LoadedVolume) {
        let Some(info) = file.dicom() else {
            self.dicom.series = None;
            return;
        };
        let known = self.dicom.series.as_ref().is_some_and(|(dir, _)| dir == path);
        if !info.others.is_empty() && !known {
            let all = std::iter::once(info.summary.clone()).chain(info.others.iter().cloned()).collect();
            self.dicom.series = Some((path.to_path_buf(), all));
            self.dicom.show_chooser = true;
        } else if info.others.is_empty() {
            self.dicom.series = None;
        }
        self.dicom.current = Some(info.summary.uid.clone());
    }

    pub(super) fn dicom_windows(&mut self, ctx: &egui::Context) {
        if let Some(DicomAction::OpenSeries { dir, uid }) = series_chooser_ui(ctx, &mut self.dicom) {
            self.open_volume(dir, Some(uid), None, None);
        }
        warnings_ui(ctx, &mut self.dicom);
    }
}
