//! `cadet models [--classes N] [--json]`: the model zoo with input sizes, parameters and
//! multiply-adds.

use clap::Args;
use serde::Serialize;

use crate::core::models::{ModelKind, count_trainable};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Number of output classes.
    #[arg(long, default_value_t = 2)]
    pub classes: usize,
    /// Print a JSON list instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Row {
    name: &'static str,
    input_size: usize,
    view_size: usize,
    params: usize,
    macs: u64,
    description: &'static str,
}

pub fn run(args: &ModelsArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.classes >= 2, "--classes must be at least 2");
    // parameters are counted on the CPU without initialising them (shapes only)
    let device = burn::prelude::Device::flex();
    let rows: Vec<Row> = ModelKind::ALL
        .iter()
        .map(|&kind| Row {
            name: kind.name(),
            input_size: kind.input_size(),
            view_size: kind.view_size(),
            params: count_trainable(&kind.build(args.classes, &device)),
            macs: kind.trace(args.classes).macs,
            description: kind.description(),
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string(&rows)?);
        return Ok(());
    }
    println!("{:<12} {:>6} {:>6} {:>13} {:>9}  description", "model", "input", "view", "parameters", "GMACs");
    for r in &rows {
        println!(
            "{:<12} {:>6} {:>6} {:>13} {:>9.3}  {}",
            r.name,
            r.input_size,
            r.view_size,
            r.params,
            r.macs as f64 / 1e9,
            r.description
        );
    }
    Ok(())
}
