//! `cadet study DIR [--json]`: patients, candidates, positives and lesions per region.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::core::study::Study;

#[derive(Debug, Args)]
pub struct StudyArgs {
    /// A study folder holding study.csv.
    pub dir: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &StudyArgs) -> anyhow::Result<()> {
    let study = Study::load(&args.dir).with_context(|| format!("cannot read the study in {}", args.dir.display()))?;
    let summary = study.summary();
    if args.json {
        let patients: Vec<_> = study
            .patients
            .iter()
            .map(|p| {
                json!({
                    "patient": p.id,
                    "region": p.region.code(),
                    "volume": p.volume_path,
                    "candidates": p.candidates.len(),
                    "positives": p.positives(),
                    "lesions": p.lesions.len(),
                })
            })
            .collect();
        let value = json!({
            "root": study.root,
            "patients": study.patients.len(),
            "candidates": study.patients.iter().map(|p| p.candidates.len()).sum::<usize>(),
            "positives": study.patients.iter().map(|p| p.positives()).sum::<usize>(),
            "lesions": study.patients.iter().map(|p| p.lesions.len()).sum::<usize>(),
            "regions": summary,
            "per_patient": patients,
        });
        println!("{value}");
        return Ok(());
    }
    println!("{} ({} patients)", study.root.display(), study.patients.len());
    println!("  {:<6} {:>8} {:>10} {:>9} {:>7}", "region", "patients", "candidates", "positives", "nodes");
    for r in &summary {
        println!("  {:<6} {:>8} {:>10} {:>9} {:>7}", r.region, r.patients, r.candidates, r.positives, r.lesions);
    }
    Ok(())
}
