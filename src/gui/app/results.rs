//! What the workbench does with the results of its background jobs: a loaded study or volume, an
//! evaluation, figures, exports.

use std::sync::Arc;

use super::{CadetApp, JobResult, Notice};
use crate::gui::jobs::JobId;

impl CadetApp {
    pub(super) fn apply(&mut self, job: Option<JobId>, result: JobResult) {
        let superseded = job.is_some() && job != self.volume_job;
        match result {
            JobResult::Study { path, result: Ok((study, warnings, volume)) } => {
                self.workspace.study = Some(Arc::new(study));
                self.dicom.show_warnings = !warnings.is_empty();
                self.dicom.warnings = warnings;
                self.workspace.patient = None;
                let problem = match volume.filter(|_| !superseded) {
                    Some((file, mask)) => self.show_volume(&file.path.clone(), file, Some(0), mask),
                    None => None,
                };
                self.settings.remember(path);
                self.notice = problem.map(|text| Notice { text, is_error: true });
            }
            JobResult::Volume { path, .. } if superseded => {
                log::info!("dropped the load of {}: another volume was asked for since", path.display());
            }
            JobResult::Volume { path, patient, result: Ok(file), mask } => {
                let mut messages = file.messages.clone();
                self.note_series(&path, &file);
                let problem = self.show_volume(&path, file, patient, mask);
                let is_error = problem.is_some();
                messages.extend(problem);
                let messages = messages.join("\n");
                match self.pending_jump {
                    Some((index, target)) if Some(index) == patient => {
                        self.pending_jump = None;
                        self.go_to(target);
                    }
                    _ => {}
                }
                if patient.is_none() {
                    self.settings.remember(path);
                }
                self.notice = (!messages.is_empty()).then_some(Notice { text: messages, is_error });
            }
            JobResult::Study { result: Err(e), .. } | JobResult::Volume { result: Err(e), .. } => {
                self.notice = Some(Notice { text: e, is_error: true });
            }
            JobResult::Evaluated(result) => {
                self.eval.evaluating = false;
                self.eval.evals = crate::gui::eval_panel::scan(&self.training.form.runs_dir);
                match result {
                    Ok(dir) => {
                        self.eval.selected.push(dir.clone());
                        self.notice =
                            Some(Notice { text: format!("evaluation written to {}", dir.display()), is_error: false });
                    }
                    Err(e) => self.notice = Some(Notice { text: e, is_error: true }),
                }
            }
            JobResult::IldEvaluated(result) => self.ild_evaluated(result),
            JobResult::IldTargets(run, targets) => self.vis.ild.listed(run, targets),
            JobResult::Gallery(path, items) => {
                self.eval.gallery_pending = false;
                self.eval.gallery = Some((path, items));
            }
            JobResult::Vis(slot, result) => {
                self.vis.pending[slot] = false;
                self.vis.results[slot] = Some(*result);
            }
            JobResult::FovViews(views) => {
                if self.fov_panel.pending.as_ref() == Some(&views.request) {
                    self.fov_panel.pending = None;
                }
                self.fov_panel.views = Some(views);
            }
            JobResult::Exported { path, result } => {
                self.notice = Some(match result {
                    Ok(()) => Notice { text: format!("saved {}", path.display()), is_error: false },
                    Err(e) => Notice { text: e, is_error: true },
                });
            }
        }
    }
}
