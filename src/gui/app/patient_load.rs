//! Loading a volume and the patient's node mask off the UI thread: both read at once (the mask's
//! gzip stream on its own thread while the series decodes), the mask's failure reported without
//! losing the volume.

use std::path::Path;
use std::sync::Arc;

use super::CadetApp;
use crate::core::mask::NodeMask;
use crate::core::open::{LoadedVolume, open_volume};
use crate::gui::state::OpenVolume;

/// No mask (the patient has none), the mask, or why it could not be read.
pub type MaskResult = Option<Result<Arc<NodeMask>, String>>;

/// Reads a volume (a series in a DICOM folder) and, when given, its node mask.
pub fn load_with_mask(
    path: &Path,
    series: Option<&str>,
    mask: Option<&Path>,
) -> (Result<LoadedVolume, String>, MaskResult) {
    std::thread::scope(|scope| {
        let reader =
            scope.spawn(|| mask.map(|m| NodeMask::read(m).map(Arc::new).map_err(|e| format!("node mask: {e}"))));
        let volume = open_volume(path, series).map_err(|e| e.to_string());
        let mask = reader.join().unwrap_or_else(|_| Some(Err("node mask: the reader thread panicked".into())));
        (volume, mask)
    })
}

impl CadetApp {
    /// Puts a loaded volume (and its patient's mask) on screen; returns why the mask is missing
    /// when it could not be read.
    pub(super) fn show_volume(
        &mut self,
        path: &Path,
        file: LoadedVolume,
        patient: Option<usize>,
        mask: MaskResult,
    ) -> Option<String> {
        self.generation += 1;
        self.viewer.reset_for(&file.volume);
        let volume = Arc::new(file.volume);
        let (mask, problem) = match mask {
            Some(Ok(m)) => (Some(m), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        let generation = self.generation;
        self.workspace.volume =
            Some(OpenVolume { path: path.to_path_buf(), volume, source: file.source, generation, mask });
        self.workspace.patient = patient;
        self.workspace.candidate = None;
        problem
    }
}
