//! `cadet crop VOLUME --box I0:I1,J0:J1,K0:K1 --out FILE`: a sub-volume that keeps its world
//! position (used to make the bundled real CT sample).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::core::nifti::write_volume;

#[derive(Debug, Args)]
pub struct CropArgs {
    /// The volume to crop: a NIfTI file or a folder holding a DICOM series.
    pub volume: PathBuf,
    /// The DICOM series to open when VOLUME is a folder holding several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// Voxel ranges, half-open: `I0:I1,J0:J1,K0:K1`.
    #[arg(long = "box", value_name = "I0:I1,J0:J1,K0:K1")]
    pub bbox: String,
    /// Output NIfTI (.nii or .nii.gz).
    #[arg(long)]
    pub out: PathBuf,
}

fn parse_box(s: &str) -> anyhow::Result<([usize; 3], [usize; 3])> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() != 3 {
        bail!("--box '{s}': expected three ranges I0:I1,J0:J1,K0:K1");
    }
    let mut lo = [0; 3];
    let mut hi = [0; 3];
    for (a, part) in parts.iter().enumerate() {
        let (l, h) = part.split_once(':').with_context(|| format!("--box: '{part}' is not a range A:B"))?;
        lo[a] = l.trim().parse().with_context(|| format!("--box: '{l}' is not a voxel index"))?;
        hi[a] = h.trim().parse().with_context(|| format!("--box: '{h}' is not a voxel index"))?;
        if hi[a] <= lo[a] {
            bail!("--box: range {part} is empty");
        }
    }
    Ok((lo, hi))
}

pub fn run(args: &CropArgs) -> anyhow::Result<()> {
    let (lo, hi) = parse_box(&args.bbox)?;
    let file = super::load_volume(&args.volume, args.series.as_deref())?;
    let dims = file.volume.dims();
    if (0..3).any(|a| hi[a] > dims[a]) {
        bail!("--box {} reaches outside the volume's {:?} voxels", args.bbox, dims);
    }
    let cropped = file.volume.crop(lo, hi)?;
    write_volume(&args.out, &cropped)?;
    println!("wrote {:?} voxels to {}", cropped.dims(), args.out.display());
    Ok(())
}
