//! Printing ILD evaluations: the paper's Table III (accuracy of every model × regime at the
//! slice and patch level), and Tables IV and V (per-class precision, recall and F1, and the
//! confusion matrix) of one evaluation.

use crate::core::eval::ild_eval::IldEvalReport;
use crate::core::eval::ild_table::{TableIiiCell, table_iii_markdown};
use crate::core::ild::IldClass;
use crate::core::train::Task;

fn interval(i: Option<&crate::core::eval::Interval>) -> String {
    i.map_or(String::new(), |i| format!(" [{:.3}, {:.3}]", i.lower, i.upper))
}

/// Tables IV and V of one evaluation, with its folds' accuracies.
pub fn print_ild_eval(r: &IldEvalReport) {
    let p = &r.pooled;
    println!(
        "{} {} ({}), {}: {} items, accuracy {:.3}{}, macro F1 {:.3}{}",
        r.model,
        r.regime,
        r.task,
        r.kind,
        p.samples,
        p.accuracy,
        interval(r.ci.as_ref().map(|c| &c.accuracy)),
        p.macro_f1,
        interval(r.ci.as_ref().map(|c| &c.macro_f1))
    );
    if r.task == Task::IldSlice {
        println!("(slice level: a prediction is a hit when it is one of the slice's classes)");
    }
    for f in &r.folds {
        println!("  {}: accuracy {:.3} on {} items", f.run, f.report.accuracy, f.report.samples);
    }
    println!("\n| class | precision | recall | F1 | support |");
    println!("|---|---|---|---|---|");
    for m in &p.per_class {
        let name = IldClass::from_index(m.class).map_or("?", IldClass::name);
        let ci = r.ci.as_ref().and_then(|c| c.f1.get(m.class).and_then(Option::as_ref));
        println!("| {name} | {:.3} | {:.3} | {:.3}{} | {} |", m.precision, m.recall, m.f1, interval(ci), m.support);
    }
    let short = ["H", "E", "G", "F", "M", "C"];
    println!("\n| true \\ predicted | {} |", short.join(" | "));
    println!("|---|{}", "---|".repeat(short.len()));
    for (k, row) in p.confusion.iter().enumerate() {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        println!("| {} | {} |", IldClass::ALL[k], cells.join(" | "));
    }
    println!("(H healthy, E emphysema, G ground glass, F fibrosis, M micronodules, C consolidation)");
}

/// Table III: rows model × regime, columns slice- and patch-level cross-validated accuracy.
pub fn print_table_iii(reports: &[IldEvalReport]) {
    let cells: Vec<TableIiiCell> = reports.iter().map(TableIiiCell::of_report).collect();
    print!("{}", table_iii_markdown(&cells));
}
