//! The paper's Table III: the cross-validated accuracy of every model × regime on the ILD slice
//! and patch tasks, as Markdown and CSV; one definition for `cadet report` and sweep reports.
//! Slice-level runs under a lung setting other than `none` (§II-B) get rows of their own.

use std::io::Write;

use super::ild_eval::IldEvalReport;
use crate::core::ild::lung::LungFocus;
use crate::core::train::Task;

/// One cell of the table: a configuration's pooled accuracy on one ILD task.
#[derive(Clone, Debug, PartialEq)]
pub struct TableIiiCell {
    pub model: String,
    pub regime: String,
    pub task: Task,
    /// How the slice-level inputs showed the lung (`none` for the patch level).
    pub lung: LungFocus,
    /// The cross-validation's folds (the `CV5` of the column name).
    pub folds: usize,
    /// The pooled accuracy and its 95 % interval, or why there is none yet.
    pub accuracy: Result<(f64, Option<(f64, f64)>), String>,
}

impl TableIiiCell {
    /// The cell of one evaluation (`ild_report.json`).
    pub fn of_report(r: &IldEvalReport) -> Self {
        Self {
            model: r.model.clone(),
            regime: r.regime.clone(),
            task: r.task,
            lung: r.lung,
            folds: r.folds_total,
            accuracy: Ok((r.pooled.accuracy, r.ci.as_ref().map(|c| (c.accuracy.lower, c.accuracy.upper)))),
        }
    }
}

/// One row: a model, regime and lung setting with its slice- and patch-level cells.
#[derive(Clone, Debug, PartialEq)]
pub struct TableIiiRow<'a> {
    pub model: &'a str,
    pub regime: &'a str,
    pub lung: LungFocus,
    pub slice: Option<&'a TableIiiCell>,
    pub patch: Option<&'a TableIiiCell>,
}

/// The rows, model × regime × lung setting in the order the cells first name them.
pub fn table_iii_rows(cells: &[TableIiiCell]) -> Vec<TableIiiRow<'_>> {
    let mut rows: Vec<TableIiiRow<'_>> = Vec::new();
    for cell in cells.iter().filter(|c| c.task.is_ild()) {
        let at = match rows.iter().position(|r| r.model == cell.model && r.regime == cell.regime && r.lung == cell.lung)
        {
            Some(at) => at,
            None => {
                let (model, regime, lung) = (&cell.model, &cell.regime, cell.lung);
                rows.push(TableIiiRow { model, regime, lung, slice: None, patch: None });
                rows.len() - 1
            }
        };
        match cell.task {
            Task::IldSlice => rows[at].slice = Some(cell),
            _ => rows[at].patch = Some(cell),
        }
    }
    rows
}

fn cell_text(cell: Option<&TableIiiCell>) -> String {
    match cell.map(|c| &c.accuracy) {
        Some(Ok((value, Some((lower, upper))))) => format!("{value:.3} [{lower:.3}, {upper:.3}]"),
        Some(Ok((value, None))) => format!("{value:.3}"),
        Some(Err(why)) => format!("({why})"),
        None => "-".into(),
    }
}

/// The column name of a task: `slice-CV5`, with the folds of its first cell.
fn column(cells: &[TableIiiCell], task: Task, name: &str) -> String {
    cells.iter().find(|c| c.task == task).map_or(name.to_string(), |c| format!("{name}-CV{}", c.folds))
}

/// Table III in Markdown: rows model × regime, columns slice- and patch-level accuracy.
pub fn table_iii_markdown(cells: &[TableIiiCell]) -> String {
    let mut lines = vec![
        format!(
            "| model | regime | {} | {} |",
            column(cells, Task::IldSlice, "slice"),
            column(cells, Task::IldPatch, "patch")
        ),
        "|---|---|---|---|".to_string(),
    ];
    for r in table_iii_rows(cells) {
        let regime = format!("{}{}", r.regime, r.lung.label_suffix());
        lines.push(format!("| {} | {regime} | {} | {} |", r.model, cell_text(r.slice), cell_text(r.patch)));
    }
    lines.join("\n") + "\n"
}

/// Table III as CSV: one line per row (model, regime, lung setting), each task's folds, accuracy and interval bounds (empty
/// when unknown), and why cells are missing.
pub fn write_table_iii_csv(w: &mut dyn Write, cells: &[TableIiiCell]) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut head = vec!["model".to_string(), "regime".to_string(), "lung".to_string()];
    for task in ["slice", "patch"] {
        head.extend(["folds", "accuracy", "accuracy_lower", "accuracy_upper"].map(|f| format!("{task}_{f}")));
    }
    head.push("pending".into());
    csv.write_record(&head)?;
    for r in table_iii_rows(cells) {
        let mut record = vec![r.model.to_string(), r.regime.to_string(), r.lung.to_string()];
        let mut pending = Vec::new();
        for cell in [r.slice, r.patch] {
            let (value, interval) = match cell.map(|c| &c.accuracy) {
                Some(Ok((v, i))) => (Some(*v), *i),
                Some(Err(why)) => {
                    pending.push(format!("{}: {why}", cell.map_or("", |c| c.task.name())));
                    (None, None)
                }
                None => (None, None),
            };
            let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
            record.extend([
                cell.map_or(String::new(), |c| c.folds.to_string()),
                opt(value),
                opt(interval.map(|i| i.0)),
                opt(interval.map(|i| i.1)),
            ]);
        }
        record.push(pending.join("; "));
        csv.write_record(&record)?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(
        model: &str,
        regime: &str,
        task: Task,
        accuracy: Result<(f64, Option<(f64, f64)>), String>,
    ) -> TableIiiCell {
        TableIiiCell { model: model.into(), regime: regime.into(), task, lung: LungFocus::None, folds: 5, accuracy }
    }

    /// Hand-made cells: alexnet-l ri has both tasks (the patch cell given first) and a slice
    /// cell under the average lung mask, googlenet-l tl only a pending slice cell; rows keep
    /// the order the cells first name them.
    fn cells() -> Vec<TableIiiCell> {
        let averaged =
            TableIiiCell { lung: LungFocus::Average, ..cell("alexnet-l", "ri", Task::IldSlice, Ok((0.625, None))) };
        vec![
            cell("alexnet-l", "ri", Task::IldPatch, Ok((0.75, Some((0.625, 0.875))))),
            cell("googlenet-l", "tl", Task::IldSlice, Err("2 of 5 folds not finished".into())),
            averaged,
            cell("alexnet-l", "ri", Task::IldSlice, Ok((0.5, None))),
        ]
    }

    #[test]
    fn table_three_has_a_row_per_model_and_regime_and_a_column_per_level() {
        let md = table_iii_markdown(&cells());
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(
            lines,
            [
                "| model | regime | slice-CV5 | patch-CV5 |",
                "|---|---|---|---|",
                "| alexnet-l | ri | 0.500 | 0.750 [0.625, 0.875] |",
                "| googlenet-l | tl | (2 of 5 folds not finished) | - |",
                "| alexnet-l | ri, lung average | 0.625 | - |",
            ]
        );
        let mut csv = Vec::new();
        write_table_iii_csv(&mut csv, &cells()).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "model,regime,lung,slice_folds,slice_accuracy,slice_accuracy_lower,slice_accuracy_upper,\
             patch_folds,patch_accuracy,patch_accuracy_lower,patch_accuracy_upper,pending"
        );
        assert_eq!(lines[1], "alexnet-l,ri,none,5,0.5,,,5,0.75,0.625,0.875,");
        assert_eq!(lines[2], "googlenet-l,tl,none,5,,,,,,,,ild-slice: 2 of 5 folds not finished");
        assert_eq!(lines[3], "alexnet-l,ri,average,5,0.625,,,,,,,");
    }
}
