//! `cadet study DIR [--json] [--candidates OUT.csv [--extents]]`: patients, candidates,
//! positives and lesions per region, the import cross-checks of the TCIA layout, and a
//! candidate table (with each positive's node extent from the patient's mask).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::core::atomic::write_atomically;
use crate::core::mask::{NodeExtent, NodeMask};
use crate::core::open::open_grid;
use crate::core::study::{ImportWarning, Study, check_mask_instances};

#[derive(Debug, Args)]
pub struct StudyArgs {
    /// A study folder holding study.csv, or the TCIA "CT Lymph Nodes" collection's root.
    pub dir: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write one row per candidate (patient, region, candidate, x, y, z in RAS mm, voxel i, j,
    /// k, label, node) to this CSV file. Reads each volume's headers, not its pixels.
    #[arg(long, value_name = "OUT.csv")]
    pub candidates: Option<PathBuf>,
    /// Fill the candidate table's node-extent columns (voxels, mm³, size along i, j, k in mm,
    /// centroid in RAS mm) from each patient's mask (reads the masks' voxels).
    #[arg(long, requires = "candidates")]
    pub extents: bool,
    /// Also compare each patient's node count with its mask's instance labels (reads the masks).
    #[arg(long)]
    pub check_masks: bool,
}

pub fn run(args: &StudyArgs) -> anyhow::Result<()> {
    let (study, mut warnings) = Study::load_with_report(&args.dir)
        .with_context(|| format!("cannot read the study in {}", args.dir.display()))?;
    if args.check_masks {
        for p in &study.patients {
            warnings
                .extend(check_mask_instances(p).with_context(|| format!("patient {}: cannot read the mask", p.id))?);
        }
    }
    if let Some(out) = &args.candidates {
        write_candidates(&study, out, args.extents)?;
        eprintln!("wrote {}", out.display());
    }
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
                    "series": p.series,
                    "mask": p.mask_path,
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
            "warnings": warnings,
        });
        println!("{value}");
        return Ok(());
    }
    println!("{} ({} patients)", study.root.display(), study.patients.len());
    println!("  {:<6} {:>8} {:>10} {:>9} {:>7}", "region", "patients", "candidates", "positives", "nodes");
    for r in &summary {
        println!("  {:<6} {:>8} {:>10} {:>9} {:>7}", r.region, r.patients, r.candidates, r.positives, r.lesions);
    }
    print_warnings(&warnings);
    Ok(())
}

fn print_warnings(warnings: &[ImportWarning]) {
    if warnings.is_empty() {
        return;
    }
    eprintln!("{} import warnings:", warnings.len());
    for w in warnings {
        eprintln!("  {}: {}", w.patient, w.message);
    }
}

/// The candidate table's columns after the eleven: the node's extent in the mask.
const EXTENT_COLUMNS: [&str; 8] = [
    "node_voxels",
    "node_volume_mm3",
    "node_size_i_mm",
    "node_size_j_mm",
    "node_size_k_mm",
    "node_centroid_x",
    "node_centroid_y",
    "node_centroid_z",
];

fn extent_cells(e: Option<&NodeExtent>) -> Vec<String> {
    let Some(e) = e else { return vec![String::new(); EXTENT_COLUMNS.len()] };
    let [i, j, k] = e.size_mm;
    let [x, y, z] = e.centroid_world_mm;
    vec![e.voxel_count.to_string(), format!("{:.2}", e.volume_mm3)]
        .into_iter()
        .chain([i, j, k, x, y, z].map(|v| format!("{v:.3}")))
        .collect()
}

fn write_candidates(study: &Study, out: &Path, extents: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for p in &study.patients {
        let (_, affine) = open_grid(&p.volume_path, p.series.as_deref())
            .with_context(|| format!("patient {}: cannot read the volume's grid", p.id))?;
        let mask = match (&p.mask_path, extents) {
            (Some(path), true) => {
                Some(NodeMask::read(path).with_context(|| format!("patient {}: cannot read the mask", p.id))?)
            }
            _ => None,
        };
        for c in &p.candidates {
            let v = affine.voxel_from_world_point(c.center());
            let extent = c.lesion.and_then(|n| mask.as_ref()?.extent(n)).cloned();
            rows.push((p, c, v, extent));
        }
    }
    write_atomically(out, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let columns = ["patient", "region", "candidate", "x", "y", "z", "i", "j", "k", "label", "node"];
        csv.write_record(columns.iter().chain(&EXTENT_COLUMNS)).map_err(std::io::Error::other)?;
        for (p, c, v, extent) in rows {
            let [x, y, z] = c.center_world_mm;
            let label = c.label.as_class().to_string();
            let node = c.lesion.map_or_else(String::new, |n| n.to_string());
            let record = [
                p.id.clone(),
                p.region.code().to_string(),
                c.id.to_string(),
                format!("{x:.3}"),
                format!("{y:.3}"),
                format!("{z:.3}"),
                format!("{:.2}", v.x),
                format!("{:.2}", v.y),
                format!("{:.2}", v.z),
                label,
                node,
            ];
            let cells = record.into_iter().chain(extent_cells(extent.as_ref()));
            csv.write_record(cells).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
    .with_context(|| format!("cannot write {}", out.display()))
}
