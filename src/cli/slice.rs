//! `cadet slice VOLUME --axis axial|coronal|sagittal --index K --window L,U --out FILE.png`:
//! one slice in display orientation (radiological), with square pixels.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use super::choice::choice;
use crate::core::raster::RgbaImage;
use crate::core::sampling::{Plane, SliceGeometry};
use crate::core::window::{WindowPreset, WindowSpec};

#[derive(Debug, Args)]
pub struct SliceArgs {
    /// A NIfTI volume or a folder holding a DICOM series.
    pub volume: PathBuf,
    /// The DICOM series to open when VOLUME is a folder holding several (SeriesInstanceUID).
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    #[arg(long, value_parser = choice::<Plane>(), default_value_t = Plane::Axial)]
    pub axis: Plane,
    /// Slice index along the chosen axis (0 = inferior / posterior / patient right); the middle
    /// slice when omitted.
    #[arg(long)]
    pub index: Option<usize>,
    /// LOWER,UPPER in HU or a preset (soft-tissue, lymph-node, lung, bone, ...).
    #[arg(long, default_value = "soft-tissue", allow_hyphen_values = true)]
    pub window: WindowSpec,
    /// Enlarge the image by this factor (after making pixels square).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &SliceArgs) -> anyhow::Result<()> {
    let file = super::load_volume(&args.volume, args.series.as_deref())?;
    let volume = &file.volume;
    let g = SliceGeometry::new(volume, args.axis);
    let index = args.index.unwrap_or(g.depth / 2);
    if index >= g.depth {
        bail!(
            "--index {index} is outside the {} {} slices (0..{})",
            g.depth,
            args.axis.label().to_lowercase(),
            g.depth - 1
        );
    }
    if args.scale <= 0.0 || args.scale > 16.0 || args.scale.is_nan() {
        bail!("--scale must be in (0, 16]");
    }
    let window = match args.window {
        WindowSpec::Window(w) => w,
        WindowSpec::None => WindowPreset::SoftTissue.window(),
    };
    let hu = g.extract(volume, index);
    let img =
        RgbaImage::from_hu(&hu, g.width, g.height, window).isotropic(g.col_spacing_mm, g.row_spacing_mm, args.scale);
    img.save_png(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let [l, r, t, b] = g.edge_letters(volume);
    println!(
        "wrote {} slice {index} ({}×{} px; left {l}, right {r}, top {t}, bottom {b}) to {}",
        args.axis.label().to_lowercase(),
        img.width,
        img.height,
        args.out.display()
    );
    Ok(())
}
