//! `cadet info VOLUME [--json]`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::core::nifti::read_nifti;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// A NIfTI volume (.nii or .nii.gz).
    pub volume: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let file = read_nifti(&args.volume).context("cannot read the volume")?;
    let v = &file.volume;
    let stats = v.stats();
    let (lo, hi) = v.bounds_world_mm();
    let affine = v.affine();
    let value = json!({
        "path": file.path,
        "dims": v.dims(),
        "spacing_mm": v.spacing_mm().to_array(),
        "world_from_voxel": affine.rows(),
        "orientation": affine.orientation(),
        "obliquity_deg": affine.obliquity_deg(),
        "affine_source": file.info.affine_source.name(),
        "sform_code": file.info.sform_code,
        "qform_code": file.info.qform_code,
        "dtype": file.info.dtype.name(),
        "storage": v.voxels().storage_name(),
        "scaling": file.info.scaling.map(|(slope, inter)| json!({"slope": slope, "inter": inter})),
        "hu_min": stats.min,
        "hu_max": stats.max,
        "hu_mean": stats.mean,
        "bounds_world_mm": [lo.to_array(), hi.to_array()],
        "description": file.info.description,
    });
    if args.json {
        println!("{value}");
        return Ok(());
    }
    let [nx, ny, nz] = v.dims();
    let s = v.spacing_mm();
    println!("{}", file.path.display());
    println!("  grid         {nx} × {ny} × {nz} voxels, {:.4} × {:.4} × {:.4} mm", s.x, s.y, s.z);
    println!("  orientation  {} (affine from {})", affine.orientation(), file.info.affine_source.name());
    if affine.obliquity_deg() > 0.01 {
        println!("  obliquity    {:.2}° (shown on the nearest axes)", affine.obliquity_deg());
    }
    println!("  data type    {} (stored as {})", file.info.dtype.name(), v.voxels().storage_name());
    if let Some((slope, inter)) = file.info.scaling {
        println!("  scaling      HU = {slope} × value + {inter}");
    }
    println!("  HU           min {} max {} mean {:.2}", stats.min, stats.max, stats.mean);
    println!("  world (RAS)  [{:.1}, {:.1}, {:.1}] to [{:.1}, {:.1}, {:.1}] mm", lo.x, lo.y, lo.z, hi.x, hi.y, hi.z);
    for row in affine.rows().iter().take(3) {
        println!("  affine       {:>10.4} {:>10.4} {:>10.4} {:>10.4}", row[0], row[1], row[2], row[3]);
    }
    Ok(())
}
