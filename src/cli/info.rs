//! `cadet info VOLUME [--series UID] [--json]`: a NIfTI file or a DICOM series folder.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use crate::core::open::{LoadedVolume, VolumeSource};

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// A NIfTI volume (.nii or .nii.gz) or a folder holding a DICOM series.
    pub volume: PathBuf,
    /// The DICOM series to describe when the folder holds several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The fields only one kind of source has.
fn source_fields(loaded: &LoadedVolume) -> Value {
    match &loaded.source {
        VolumeSource::Nifti(info) => json!({
            "format": "nifti",
            "affine_source": info.affine_source.name(),
            "sform_code": info.sform_code,
            "qform_code": info.qform_code,
            "dtype": info.dtype.name(),
            "scaling": info.scaling.map(|(slope, inter)| json!({"slope": slope, "inter": inter})),
            "description": info.description,
        }),
        VolumeSource::Dicom(info) => json!({
            "format": "dicom",
            "affine_source": "ImagePositionPatient/ImageOrientationPatient",
            "series_uid": info.summary.uid,
            "description": info.summary.description,
            "modality": info.summary.modality,
            "patient_id": info.patient_id,
            "study_uid": info.study_uid,
            "transfer_syntax": info.summary.transfer_syntax,
            "transfer_syntax_name": info.summary.transfer_syntax_name,
            "slices": info.summary.slices,
            "scaling": json!({"slope": info.rescale.0, "inter": info.rescale.1}),
            "gantry_tilt_deg": info.tilt_deg,
            "warnings": info.warnings,
            "other_series": info.others,
        }),
    }
}

pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let loaded = super::load_volume(&args.volume, args.series.as_deref())?;
    let v = &loaded.volume;
    let stats = v.stats();
    let (lo, hi) = v.bounds_world_mm();
    let affine = v.affine();
    let mut value = json!({
        "path": loaded.path,
        "dims": v.dims(),
        "spacing_mm": v.spacing_mm().to_array(),
        "world_from_voxel": affine.rows(),
        "orientation": affine.orientation(),
        "obliquity_deg": affine.obliquity_deg(),
        "storage": v.voxels().storage_name(),
        "hu_min": stats.min,
        "hu_max": stats.max,
        "hu_mean": stats.mean,
        "bounds_world_mm": [lo.to_array(), hi.to_array()],
    });
    if let (Some(map), Value::Object(extra)) = (value.as_object_mut(), source_fields(&loaded)) {
        map.extend(extra);
    }
    if args.json {
        println!("{value}");
        return Ok(());
    }
    let [nx, ny, nz] = v.dims();
    let s = v.spacing_mm();
    println!("{}", loaded.path.display());
    println!("  grid         {nx} × {ny} × {nz} voxels, {:.4} × {:.4} × {:.4} mm", s.x, s.y, s.z);
    match &loaded.source {
        VolumeSource::Nifti(info) => {
            println!("  orientation  {} (affine from {})", affine.orientation(), info.affine_source.name());
            println!("  data type    {} (stored as {})", info.dtype.name(), v.voxels().storage_name());
            if let Some((slope, inter)) = info.scaling {
                println!("  scaling      HU = {slope} × value + {inter}");
            }
        }
        VolumeSource::Dicom(info) => {
            println!("  series       {}", info.summary.line());
            println!("  orientation  {} (from the slice positions)", affine.orientation());
            println!("  syntax       {} ({})", info.summary.transfer_syntax_name, info.summary.transfer_syntax);
            println!(
                "  scaling      HU = {} × value + {} (stored as {})",
                info.rescale.0,
                info.rescale.1,
                v.voxels().storage_name()
            );
        }
    }
    if affine.obliquity_deg() > 0.01 {
        println!("  obliquity    {:.2}° (shown on the nearest axes)", affine.obliquity_deg());
    }
    println!("  HU           min {} max {} mean {:.2}", stats.min, stats.max, stats.mean);
    println!("  world (RAS)  [{:.1}, {:.1}, {:.1}] to [{:.1}, {:.1}, {:.1}] mm", lo.x, lo.y, lo.z, hi.x, hi.y, hi.z);
    for row in affine.rows().iter().take(3) {
        println!("  affine       {:>10.4} {:>10.4} {:>10.4} {:>10.4}", row[0], row[1], row[2], row[3]);
    }
    Ok(())
}
