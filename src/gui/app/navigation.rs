//! Moving through the study: opening a patient, and putting the cursor on a candidate or node.

use super::CadetApp;
use crate::gui::eval_panel::JumpTarget;

impl CadetApp {
    pub fn select_patient(&mut self, index: usize) {
        let Some(study) = &self.workspace.study else { return };
        let Some(patient) = study.patients.get(index) else { return };
        let (path, series, mask) = (patient.volume_path.clone(), patient.series.clone(), patient.mask_path.clone());
        self.open_volume(path, series, Some(index), mask);
    }

    /// Goes to a candidate or node of patient `index`, loading its volume first if needed.
    pub fn jump_to(&mut self, index: usize, target: JumpTarget) {
        if self.workspace.patient == Some(index) && self.workspace.volume.is_some() {
            self.go_to(target);
        } else {
            self.pending_jump = Some((index, target));
            self.select_patient(index);
        }
    }

    pub(super) fn go_to(&mut self, target: JumpTarget) {
        match target {
            JumpTarget::Candidate(id) => self.select_candidate(id),
            JumpTarget::Node(id) => {
                let center =
                    self.workspace.patient().and_then(|p| p.lesions.iter().find(|l| l.id == id)).map(|l| l.center());
                if let (Some(center), Some(open)) = (center, &self.workspace.volume) {
                    self.workspace.candidate = None;
                    self.viewer.set_cursor_world(&open.volume, center);
                }
            }
        }
    }

    /// Selects a candidate of the current patient and moves the cursor to it.
    pub fn select_candidate(&mut self, id: usize) {
        let Some(patient) = self.workspace.patient() else { return };
        let Some(c) = patient.candidates.iter().find(|c| c.id == id) else { return };
        let center = c.center();
        self.workspace.candidate = Some(id);
        if let Some(open) = &self.workspace.volume {
            self.viewer.set_cursor_world(&open.volume, center);
        }
    }

    /// Moves to the next (`+1`) or previous (`-1`) candidate.
    pub fn step_candidate(&mut self, delta: i64) {
        let Some(patient) = self.workspace.patient() else { return };
        let n = patient.candidates.len() as i64;
        if n == 0 {
            return;
        }
        let next = match self.workspace.candidate {
            Some(c) => (c as i64 + delta).rem_euclid(n),
            None if delta >= 0 => 0,
            None => n - 1,
        };
        self.select_candidate(next as usize);
    }
}
