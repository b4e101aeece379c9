//! The synthetic lymph-node study: crude but recognisable thoraco-abdominal CT volumes with
//! nodes in the mediastinal or abdominal fat, and CADe-like candidates, written in the TCIA
//! "CT Lymph Nodes" layout so the same importer reads synthetic and real data.
//!
//! Everything is derived from one seed: the same seed gives the same bytes.

mod anatomy;
mod nodes;
mod organs;
mod render;
mod shapes;

use std::fs;
use std::path::{Path, PathBuf};

use glam::DVec3;
use rand::RngExt;
use serde::Serialize;

pub use anatomy::Phantom;
pub use nodes::NodeSpec;
pub use render::Grid;
pub use shapes::Tissue;

use crate::core::nifti::{NiftiError, write_volume};
use crate::core::seed::rng_for;
use crate::core::study::{ManifestRow, Region, StudyError, tcia, write_manifest};
use crate::core::volume::Volume;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{path} already holds a study (study.csv); choose another --out, cadet never overwrites one")]
    Exists { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    #[error(transparent)]
    Study(#[from] StudyError),
}

/// Parameters of a synthetic study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SynthConfig {
    pub patients: usize,
    pub seed: u64,
    /// Clinical resolution: 512×512 voxels of 0.8 mm in-plane, 1 mm slices (about 512×512×271,
    /// 140 MB as int16), like the TCIA collection, instead of the light ~2.4 mm default.
    pub full_size: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self { patients: 6, seed: 2016, full_size: false }
    }
}

/// One synthetic patient in world coordinates (RAS mm).
pub struct SynthPatient {
    pub id: String,
    pub region: Region,
    pub volume: Volume,
    pub nodes: Vec<NodeSpec>,
    pub positives: Vec<DVec3>,
    pub negatives: Vec<DVec3>,
}

/// Patient `index` (0-based) of a study: even indices are mediastinal, odd abdominal.
pub fn synth_patient(seed: u64, index: usize) -> SynthPatient {
    synth_patient_at(seed, index, false)
}

/// Patient `index` at the light default resolution or at clinical resolution (`full_size`);
/// the anatomy, nodes and candidates are the same either way.
pub fn synth_patient_at(seed: u64, index: usize, full_size: bool) -> SynthPatient {
    let region = if index.is_multiple_of(2) { Region::Mediastinal } else { Region::Abdominal };
    let mut rng = rng_for(seed, &[index as u64]);
    let mut phantom = Phantom::generate(&mut rng);
    let s_xy = rng.random_range(2.2..2.6);
    let s_z = if rng.random_bool(0.5) { 2.5 } else { 3.0 };
    let (z_lo, z_hi) = match region {
        Region::Abdominal => (-445.0, -175.0),
        _ => (-175.0, 95.0),
    };
    let (s_xy, s_z) = if full_size { (0.8, 1.0) } else { (s_xy, s_z) };
    let dims = if full_size {
        [512, 512, ((z_hi - z_lo) / s_z) as usize + 1]
    } else {
        [(360.0 / s_xy) as usize, (280.0 / s_xy) as usize, ((z_hi - z_lo) / s_z) as usize + 1]
    };
    let grid = Grid {
        dims,
        spacing_mm: DVec3::new(s_xy, s_xy, s_z),
        world_offset_mm: DVec3::new(
            rng.random_range(-15.0..15.0),
            rng.random_range(-20.0..20.0),
            rng.random_range(-200.0..200.0),
        ),
        first_voxel_mm: DVec3::new((dims[0] - 1) as f64 * s_xy / 2.0, (dims[1] - 1) as f64 * s_xy / 2.0 - 5.0, z_lo),
    };
    let nodes = nodes::place_nodes(&mut rng, &phantom, &region, z_lo, z_hi);
    phantom.add_nodes(nodes.iter().flat_map(|n| n.structures()).collect());
    let (lo, hi) = grid.patient_bounds();
    let bounds = nodes::Bounds { lo: lo + DVec3::splat(6.0), hi: hi - DVec3::splat(6.0) };
    let candidates = nodes::make_candidates(&mut rng, &phantom, &nodes, &bounds);
    let noise_hu = rng.random_range(10.0..20.0);
    let volume = render::render(&phantom, &grid, noise_hu, rng.random());
    let to_world = |p: DVec3| p + grid.world_offset_mm;
    let prefix = match region {
        Region::Abdominal => "ABD",
        _ => "MED",
    };
    SynthPatient {
        id: format!("{prefix}_SYNTH_{:03}", index + 1),
        region,
        volume,
        nodes: nodes.iter().map(|n| NodeSpec { center: to_world(n.center), ..n.clone() }).collect(),
        positives: candidates.positives.into_iter().map(to_world).collect(),
        negatives: candidates.negatives.into_iter().map(to_world).collect(),
    }
}

/// Writes a synthetic study to `out` (which must not already hold one); calls `progress`
/// after each patient with the number done.
pub fn write_study(out: &Path, config: &SynthConfig, progress: &dyn Fn(usize)) -> Result<Vec<ManifestRow>, SynthError> {
    let manifest = out.join("study.csv");
    if manifest.exists() {
        return Err(SynthError::Exists { path: out.into() });
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SynthError::Io { path, source }
    };
    fs::create_dir_all(out).map_err(io(out))?;
    let mut rows = Vec::new();
    for index in 0..config.patients {
        let p = synth_patient_at(config.seed, index, config.full_size);
        let dir = out.join(&p.id);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let volume_name = format!("{}.nii.gz", p.id);
        write_volume(&dir.join(&volume_name), &p.volume)?;
        let files = tcia::AnnotationPaths::new(&dir, &p.id);
        tcia::write_points_lps(&files.lymph_nodes, &p.nodes.iter().map(|n| n.center).collect::<Vec<_>>())?;
        tcia::write_sizes(
            &files.sizes,
            &p.nodes.iter().map(|n| (n.short_axis_mm, n.long_axis_mm)).collect::<Vec<_>>(),
        )?;
        tcia::write_points_lps(&files.positive_candidates, &p.positives)?;
        tcia::write_points_lps(&files.negative_candidates, &p.negatives)?;
        rows.push(ManifestRow {
            patient: p.id.clone(),
            region: p.region.code().to_string(),
            volume: format!("{}/{}", p.id, volume_name),
            annotations: None,
            mask: None,
        });
        progress(index + 1);
    }
    write_manifest(&manifest, &rows)?;
    let about = serde_json::json!({
        "generator": "cadet synth",
        "cadet_version": env!("CARGO_PKG_VERSION"),
        "seed": config.seed,
        "patients": config.patients,
        "full_size": config.full_size,
    });
    let about_path = out.join("synth.json");
    fs::write(&about_path, format!("{about:#}\n")).map_err(io(&about_path))?;
    Ok(rows)
}
