//! The app's side of ILD runs: evaluating an ILD run (or its cross-validation) in the
//! background, taking the result, and the exports of the ILD evaluation view.

use std::path::PathBuf;

use super::{CadetApp, JobResult, Notice};
use crate::core::eval::ScoreOptions;
use crate::core::eval::ild_eval::evaluate_ild;
use crate::core::eval::ild_export::write_class_table_csv;
use crate::core::eval::session::EvalKind;
use crate::gui::dialogs::SaveTarget;
use crate::gui::ild_eval_panel::{IldEvalActions, scan_ild};

/// Bootstrap resamples and seed of the workbench's ILD evaluations (`cadet eval`'s defaults).
const BOOTSTRAP: usize = 1000;
const SEED: u64 = 2016;

impl CadetApp {
    pub(super) fn ild_eval_actions(&mut self, actions: IldEvalActions) {
        if let Some(runs) = actions.evaluate {
            self.eval.evaluating = true;
            let kind = if runs.len() > 1 { EvalKind::Cv } else { EvalKind::Run };
            self.jobs.spawn("evaluating an ILD run", move || {
                let result = evaluate_ild(kind, &runs, &ScoreOptions::default(), BOOTSTRAP, SEED, None);
                JobResult::IldEvaluated(result.map(|(dir, _)| dir))
            });
        }
        if let Some(picture) = actions.export_png {
            self.pending_picture = Some(picture);
            self.dialogs.save_png(SaveTarget::Picture);
        }
        if actions.export_csv {
            self.dialogs.save_png(SaveTarget::IldTable);
        }
    }

    /// An ILD evaluation finished: list it and show it.
    pub(super) fn ild_evaluated(&mut self, result: Result<PathBuf, String>) {
        self.eval.evaluating = false;
        self.eval.ild.evals = scan_ild(&self.training.form.runs_dir);
        self.notice = Some(match result {
            Ok(dir) => {
                let text = format!("evaluation written to {}", dir.display());
                self.eval.ild.selected = Some(std::path::absolute(&dir).unwrap_or(dir));
                Notice { text, is_error: false }
            }
            Err(text) => Notice { text, is_error: true },
        });
    }

    /// Writes the table the ILD evaluation view asked to save.
    pub(super) fn export_ild_table(&mut self, path: PathBuf) {
        let Some((report, ci)) = self.eval.ild.pending_csv.take() else { return };
        let result = write_class_table_csv(&report, ci.as_ref(), &path).map_err(|e| format!("{}: {e}", path.display()));
        self.apply(None, JobResult::Exported { path, result });
    }
}
