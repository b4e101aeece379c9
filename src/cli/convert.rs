//! `cadet convert DIR --out FILE.nii.gz [--series UID]`: a DICOM series as NIfTI, with the
//! affine as sform and (when the axes are orthogonal) qform, int16 when the HU fit.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::core::nifti::{NiftiImage, write_nifti_image};

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// A folder holding a DICOM series (or one of its files), or a NIfTI file.
    pub input: PathBuf,
    /// Output NIfTI (.nii, or .nii.gz to compress).
    #[arg(long)]
    pub out: PathBuf,
    /// The series to convert when the folder holds several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
}

pub fn run(args: &ConvertArgs) -> anyhow::Result<()> {
    let loaded = super::load_volume(&args.input, args.series.as_deref())?;
    let description = loaded.dicom().map(|info| format!("cadet from DICOM {}", info.summary.description));
    let [nx, ny, nz] = loaded.volume.dims();
    let storage = loaded.volume.voxels().storage_name();
    let mut image = NiftiImage::from_owned_volume(loaded.volume);
    if let Some(description) = description {
        image.description = description.chars().take(79).collect();
    }
    if image.qform.is_none() {
        eprintln!(
            "the voxel axes are not orthogonal (gantry tilt): the affine is written as sform only (qform_code 0)"
        );
    }
    write_nifti_image(&args.out, &image).with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("{}: {nx} × {ny} × {nz} voxels, {storage} → {}", loaded.path.display(), args.out.display());
    Ok(())
}
