//! The ILD half of a sweep report: each ILD configuration's folds evaluated together (test
//! folds pooled, `evaluate_ild`), laid out as the paper's Table III (rows model × regime, and
//! the slice level's lung setting where it is not `none`; columns slice- and patch-level
//! accuracy with 95 % patient-bootstrap intervals).

use std::path::{Path, PathBuf};

use super::report::{CollectOptions, Estimate, ReportRow};
use crate::core::eval::ild_eval::evaluate_ild;
use crate::core::eval::ild_table::{TableIiiCell, table_iii_markdown, write_table_iii_csv};
use crate::core::eval::session::EvalKind;

/// The pooled accuracy of one ILD configuration's finished folds; the evaluation's files go
/// into a new folder `out` (`out-2`, ... when it exists).
pub(super) fn ild_accuracy(dirs: &[PathBuf], options: &CollectOptions, out: &Path) -> Result<Estimate, String> {
    let (_, report) = evaluate_ild(EvalKind::Cv, dirs, &options.score, options.bootstrap, options.seed, Some(out))?;
    Ok(Estimate { value: report.pooled.accuracy, interval: report.ci.map(|c| (c.accuracy.lower, c.accuracy.upper)) })
}

/// The Table III cells of the report's ILD rows; a row without figures gives its reason.
pub fn ild_cells(rows: &[ReportRow]) -> Vec<TableIiiCell> {
    rows.iter()
        .filter(|r| r.task.is_ild())
        .map(|r| TableIiiCell {
            model: r.model.clone(),
            regime: r.regime.clone(),
            task: r.task,
            lung: r.lung,
            folds: r.folds,
            accuracy: r
                .accuracy
                .map(|e| (e.value, e.interval))
                .ok_or_else(|| r.pending.clone().unwrap_or_else(|| "not evaluated".into())),
        })
        .collect()
}

/// Table III in Markdown, with how it was computed.
pub fn ild_markdown(rows: &[ReportRow]) -> String {
    table_iii_markdown(&ild_cells(rows))
        + "\nFolds pooled per configuration and task; slice level: a hit when the prediction is one of the \
           slice's classes; intervals: 95 % patient bootstrap.\n"
}

/// Writes Table III as CSV.
pub(super) fn write_ild_csv(w: &mut dyn std::io::Write, rows: &[ReportRow]) -> std::io::Result<()> {
    write_table_iii_csv(w, &ild_cells(rows))
}
