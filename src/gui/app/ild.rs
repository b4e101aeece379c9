//! The workbench's side of the ILD study viewer: a folder in the HUG layout opens as an ILD
//! study (replacing the lymph-node study once it has loaded), anything else closes it.

use std::path::Path;

use super::{CadetApp, Notice};
use crate::gui::ild::IldEvent;
use crate::gui::state::Workspace;

impl CadetApp {
    /// Opens `path` as an ILD study when it is an HUG-layout root (returns whether it was);
    /// closes the ILD study otherwise.
    pub(super) fn open_ild(&mut self, path: &Path) -> bool {
        if crate::core::ild::is_ild_root(path) {
            self.ild.open(path.to_path_buf());
            return true;
        }
        self.ild.close();
        false
    }

    /// Applies what the ILD study's background loading reported.
    pub(super) fn drain_ild(&mut self) {
        for event in self.ild.drain() {
            match event {
                IldEvent::Opened(path) => {
                    self.workspace = Workspace::default();
                    // the ILD tasks of the run form train on it (unless a root was chosen there)
                    self.training.offer_viewer_ild_root(&path);
                    self.settings.remember(path);
                }
                IldEvent::Failed(text) => self.notice = Some(Notice { text, is_error: true }),
            }
        }
    }
}
