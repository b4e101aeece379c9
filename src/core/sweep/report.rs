//! Collecting a sweep: every configuration whose folds all finished is evaluated with its test
//! folds pooled (`R/evals/CONFIGURATION`), and the results are laid out like the paper's
//! Table II for `ln`, one row per configuration with AUC and sensitivity at 3 FP/patient (95 %
//! bootstrap intervals) per region, and like Table III for the ILD tasks, in `R/report.md`
//! (both tables when the grid has both) and `R/report.csv` (Table II, or Table III for a grid of
//! ILD tasks alone; beside `ln`, Table III goes to `R/report-ild.csv`).

use std::path::{Path, PathBuf};

use super::ild_report::{ild_accuracy, ild_markdown, write_ild_csv};
use super::plan::Sweep;
use super::state::{DirState, read_run_dir};
use super::{SweepError, file_error};
use crate::core::atomic::{write_atomically, write_bytes_atomically};
use crate::core::eval::ScoreOptions;
use crate::core::eval::report::{EvalReport, FrocSummary};
use crate::core::eval::session::{EvalKind, EvalRequest, evaluate};
use crate::core::ild::lung::LungFocus;
use crate::core::train::Task;

/// How the runs are evaluated.
#[derive(Clone, Debug)]
pub struct CollectOptions {
    pub score: ScoreOptions,
    pub bootstrap: usize,
    pub seed: u64,
}

/// A figure with its interval, when there is one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub interval: Option<(f64, f64)>,
}

/// One region of one configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionResult {
    pub region: String,
    pub auc: Option<Estimate>,
    pub tpr_at_3fp: Estimate,
    pub patients: usize,
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    pub configuration: String,
    pub task: Task,
    pub model: String,
    pub regime: String,
    /// The ILD slice task's lung setting (`none` for the other tasks).
    pub lung: LungFocus,
    /// Runs pooled (folds, times regions when each trains on its own).
    pub folds: usize,
    /// `ln`: per region (in the grid's order, then `ALL`); `None` until every fold finished.
    pub results: Option<Vec<RegionResult>>,
    /// The ILD tasks: the pooled accuracy; `None` until every fold finished.
    pub accuracy: Option<Estimate>,
    /// Why there are no results yet.
    pub pending: Option<String>,
}

fn region_result(region: &str, s: &FrocSummary) -> RegionResult {
    let ci = s.ci.as_ref();
    RegionResult {
        region: region.to_string(),
        auc: s
            .froc
            .roc_auc
            .map(|value| Estimate { value, interval: ci.and_then(|c| c.roc_auc.as_ref()).map(|i| (i.lower, i.upper)) }),
        tpr_at_3fp: Estimate {
            value: s.froc.tpr_at_3fp,
            interval: ci.and_then(|c| c.sensitivity_at.get("3")).map(|i| (i.lower, i.upper)),
        },
        patients: s.froc.patients,
    }
}

fn rows_of(report: &EvalReport, regions: &[String]) -> Vec<RegionResult> {
    let mut out: Vec<RegionResult> = if regions.is_empty() {
        report.regions.iter().map(|(r, s)| region_result(r, s)).collect()
    } else {
        regions.iter().filter_map(|r| report.regions.get(r).map(|s| region_result(r, s))).collect()
    };
    out.push(region_result("ALL", &report.all));
    out
}

/// Evaluates every configuration whose folds all finished; `progress(configuration)` is told
/// which one is being scored.
pub fn collect(
    sweep: &Sweep,
    options: &CollectOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<ReportRow>, SweepError> {
    let mut configurations: Vec<String> = Vec::new();
    for run in &sweep.runs {
        if !configurations.contains(&run.configuration) {
            configurations.push(run.configuration.clone());
        }
    }
    let mut rows = Vec::new();
    for configuration in configurations {
        let members: Vec<(usize, &super::PlannedRun)> =
            sweep.runs.iter().enumerate().filter(|(_, r)| r.configuration == configuration).collect();
        let dirs: Vec<PathBuf> = members.iter().filter_map(|(i, _)| sweep.run_dir(*i)).collect();
        let first = &members[0].1.config;
        let mut row = ReportRow {
            configuration: configuration.clone(),
            task: first.task,
            model: first.model.name().to_string(),
            regime: first.regime.name().to_string(),
            lung: first.lung,
            folds: members.len(),
            results: None,
            accuracy: None,
            pending: None,
        };
        let unfinished = dirs.iter().filter(|d| read_run_dir(d).state != DirState::Finished).count();
        if unfinished > 0 {
            row.pending = Some(format!("{unfinished} of {} folds not finished", dirs.len()));
            rows.push(row);
            continue;
        }
        progress(&configuration);
        let out = sweep.dir.join("evals").join(&configuration);
        if first.task.is_ild() {
            match ild_accuracy(&dirs, options, &out) {
                Ok(accuracy) => row.accuracy = Some(accuracy),
                Err(e) => row.pending = Some(format!("evaluation failed: {e}")),
            }
            rows.push(row);
            continue;
        }
        let request = EvalRequest {
            kind: EvalKind::Cv,
            runs: dirs,
            options: options.score.clone(),
            bootstrap: options.bootstrap,
            seed: options.seed,
            out: Some(out),
        };
        match evaluate(&request, &mut |_, _, _| {}) {
            Ok((_, report)) => row.results = Some(rows_of(&report, &sweep.grid.regions)),
            Err(e) => row.pending = Some(format!("evaluation failed: {e}")),
        }
        rows.push(row);
    }
    Ok(rows)
}

fn estimate(e: Option<Estimate>) -> String {
    match e {
        Some(Estimate { value, interval: Some((l, u)) }) => format!("{value:.3} [{l:.3}, {u:.3}]"),
        Some(Estimate { value, interval: None }) => format!("{value:.3}"),
        None => "-".into(),
    }
}

/// The region columns of the report: the grid's, or those the results hold, then `ALL`.
fn region_columns(rows: &[ReportRow]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for r in rows.iter().filter_map(|r| r.results.as_ref()).flatten() {
        if !columns.contains(&r.region) {
            columns.push(r.region.clone());
        }
    }
    columns
}

/// The Markdown tables: Table II for the `ln` rows, Table III for the ILD rows, each under a
/// heading when the report has both.
pub fn report_markdown(rows: &[ReportRow]) -> String {
    let (ild, ln): (Vec<ReportRow>, Vec<ReportRow>) = rows.iter().cloned().partition(|r| r.task.is_ild());
    match (ln.is_empty(), ild.is_empty()) {
        (false, false) => format!(
            "## Lymph nodes (Table II)\n\n{}\n## Interstitial lung disease (Table III)\n\n{}",
            table_ii_markdown(&ln),
            ild_markdown(&ild)
        ),
        (true, false) => ild_markdown(&ild),
        _ => table_ii_markdown(&ln),
    }
}

/// Table II: one row per configuration, AUC and TPR at 3 FP/patient per region.
fn table_ii_markdown(rows: &[ReportRow]) -> String {
    let columns = region_columns(rows);
    let mut head = "| configuration | model | regime | folds |".to_string();
    let mut rule = "|---|---|---|---|".to_string();
    for c in &columns {
        head.push_str(&format!(" {c} AUC | {c} TPR at 3 FP/patient |"));
        rule.push_str("---|---|");
    }
    head.push_str(" note |");
    rule.push_str("---|");
    let mut lines = vec![head, rule];
    for row in rows {
        let mut line = format!("| {} | {} | {} | {} |", row.configuration, row.model, row.regime, row.folds);
        for c in &columns {
            let r = row.results.as_ref().and_then(|rs| rs.iter().find(|r| &r.region == c));
            match r {
                Some(r) => line.push_str(&format!(" {} | {} |", estimate(r.auc), estimate(Some(r.tpr_at_3fp)))),
                None => line.push_str(" - | - |"),
            }
        }
        line.push_str(&format!(" {} |", row.pending.as_deref().unwrap_or("")));
        lines.push(line);
    }
    lines.push(String::new());
    lines.push("Folds pooled per configuration; intervals: 95 % patient bootstrap.".into());
    lines.join("\n") + "\n"
}

/// Writes `report.md` and the CSV tables into the sweep: `report.csv` holds Table II (one line
/// per configuration and region) or, for a grid of ILD tasks alone, Table III; beside `ln`,
/// Table III goes to `report-ild.csv`.
pub fn write_report(dir: &Path, rows: &[ReportRow]) -> Result<(), SweepError> {
    let md = dir.join("report.md");
    let text = format!("# Sweep report\n\n{}", report_markdown(rows));
    write_bytes_atomically(&md, text.as_bytes()).map_err(|e| file_error(&md, e))?;
    let (ild, ln): (Vec<ReportRow>, Vec<ReportRow>) = rows.iter().cloned().partition(|r| r.task.is_ild());
    if !ild.is_empty() {
        let path = dir.join(if ln.is_empty() { "report.csv" } else { "report-ild.csv" });
        write_atomically(&path, |w| write_ild_csv(w, &ild)).map_err(|e| file_error(&path, e))?;
        if ln.is_empty() {
            return Ok(());
        }
    }
    write_table_ii_csv(&dir.join("report.csv"), &ln)
}

/// Table II as CSV: one line per configuration and region.
fn write_table_ii_csv(path: &Path, rows: &[ReportRow]) -> Result<(), SweepError> {
    write_atomically(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record([
            "configuration",
            "model",
            "regime",
            "folds",
            "region",
            "patients",
            "auc",
            "auc_lower",
            "auc_upper",
            "tpr_at_3fp",
            "tpr_at_3fp_lower",
            "tpr_at_3fp_upper",
            "pending",
        ])?;
        let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
        for row in rows {
            let fixed = [row.configuration.clone(), row.model.clone(), row.regime.clone(), row.folds.to_string()];
            let Some(results) = &row.results else {
                let pending = row.pending.clone().unwrap_or_default();
                let empty = [""; 8].map(String::from);
                csv.write_record(fixed.iter().cloned().chain(empty).chain([pending]))?;
                continue;
            };
            for r in results {
                let auc = r.auc;
                let t = r.tpr_at_3fp;
                csv.write_record(fixed.iter().cloned().chain([
                    r.region.clone(),
                    r.patients.to_string(),
                    opt(auc.map(|a| a.value)),
                    opt(auc.and_then(|a| a.interval).map(|i| i.0)),
                    opt(auc.and_then(|a| a.interval).map(|i| i.1)),
                    t.value.to_string(),
                    opt(t.interval.map(|i| i.0)),
                    opt(t.interval.map(|i| i.1)),
                    String::new(),
                ]))?;
            }
        }
        csv.flush()
    })
    .map_err(|e| file_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_a_column_pair_per_region_and_marks_pending_rows() {
        let result = |region: &str, auc: f64| RegionResult {
            region: region.into(),
            auc: Some(Estimate { value: auc, interval: Some((auc - 0.1, auc + 0.05)) }),
            tpr_at_3fp: Estimate { value: 0.5, interval: None },
            patients: 3,
        };
        let rows = vec![
            ReportRow {
                configuration: "cifarnet-ri".into(),
                task: Task::Ln,
                model: "cifarnet".into(),
                regime: "ri".into(),
                lung: LungFocus::None,
                folds: 3,
                results: Some(vec![result("MED", 0.9), result("ALL", 0.8)]),
                accuracy: None,
                pending: None,
            },
            ReportRow {
                configuration: "alexnet-l-ri".into(),
                task: Task::Ln,
                model: "alexnet-l".into(),
                regime: "ri".into(),
                lung: LungFocus::None,
                folds: 3,
                results: None,
                accuracy: None,
                pending: Some("1 of 3 folds not finished".into()),
            },
        ];
        let md = report_markdown(&rows);
        let lines: Vec<&str> = md.lines().collect();
        assert!(lines[0].contains("MED AUC | MED TPR at 3 FP/patient | ALL AUC"), "{md}");
        assert!(lines[2].contains("| 0.900 [0.800, 0.950] | 0.500 |"), "{md}");
        assert!(lines[3].contains("1 of 3 folds not finished"), "{md}");
    }

    fn ild_row(task: Task, accuracy: Option<Estimate>, pending: Option<&str>) -> ReportRow {
        ReportRow {
            configuration: format!("{task}-cifarnet-ri"),
            task,
            model: "cifarnet".into(),
            regime: "ri".into(),
            lung: LungFocus::None,
            folds: 5,
            results: None,
            accuracy,
            pending: pending.map(String::from),
        }
    }

    #[test]
    fn a_grid_with_both_kinds_of_task_reports_both_tables() {
        let ln = ReportRow {
            configuration: "cifarnet-ri".into(),
            task: Task::Ln,
            model: "cifarnet".into(),
            regime: "ri".into(),
            lung: LungFocus::None,
            folds: 3,
            results: Some(vec![RegionResult {
                region: "ALL".into(),
                auc: None,
                tpr_at_3fp: Estimate { value: 0.25, interval: None },
                patients: 6,
            }]),
            accuracy: None,
            pending: None,
        };
        // 7 of 8 test slices right; the patch folds still running
        let slice = ild_row(Task::IldSlice, Some(Estimate { value: 0.875, interval: Some((0.75, 1.0)) }), None);
        let patch = ild_row(Task::IldPatch, None, Some("1 of 5 folds not finished"));
        let dir = tempfile::tempdir().unwrap();
        write_report(dir.path(), &[ln.clone(), slice.clone(), patch.clone()]).unwrap();
        let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
        let tables: Vec<&str> = md.split("## ").collect();
        assert!(
            tables[1].starts_with("Lymph nodes (Table II)")
                && tables[1].contains("| cifarnet-ri | cifarnet | ri | 3 |")
        );
        assert!(tables[2].starts_with("Interstitial lung disease (Table III)"), "{md}");
        assert!(tables[2].contains("| model | regime | slice-CV5 | patch-CV5 |\n|---|---|---|---|\n"), "{md}");
        assert!(tables[2].contains("| cifarnet | ri | 0.875 [0.750, 1.000] | (1 of 5 folds not finished) |"), "{md}");
        let csv = std::fs::read_to_string(dir.path().join("report.csv")).unwrap();
        assert!(
            csv.starts_with("configuration,model,regime,folds,region")
                && csv.contains("cifarnet-ri,cifarnet,ri,3,ALL,6,")
        );
        let ild = std::fs::read_to_string(dir.path().join("report-ild.csv")).unwrap();
        assert_eq!(
            ild.lines().nth(1),
            Some("cifarnet,ri,none,5,0.875,0.75,1,5,,,,ild-patch: 1 of 5 folds not finished")
        );
        // ILD tasks alone: Table III is the whole report and report.csv
        let alone = tempfile::tempdir().unwrap();
        write_report(alone.path(), &[slice, patch]).unwrap();
        let md = std::fs::read_to_string(alone.path().join("report.md")).unwrap();
        assert!(md.starts_with("# Sweep report\n\n| model | regime | slice-CV5 | patch-CV5 |"), "{md}");
        assert_eq!(std::fs::read_to_string(alone.path().join("report.csv")).unwrap(), ild);
        assert!(!alone.path().join("report-ild.csv").exists());
    }
}
