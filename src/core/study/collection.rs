//! The TCIA "CT Lymph Nodes" collection opened as it is downloaded, without a study.csv:
//!
//! ```text
//! ROOT/CT Lymph Nodes/<PatientID>/<study>/<series>/*.dcm        (also "CT_Lymph_Nodes")
//! ROOT/MED_ABD_LYMPH_ANNOTATIONS/<PatientID>/<PatientID>_lymphnodes_{physicalPoints,indices,sizes}.txt
//! ROOT/MED_ABD_LYMPH_CANDIDATES/<PatientID>/<PatientID>_{pos,neg}CADe_physicalPoints.txt
//! ROOT/MED_ABD_LYMPH_MASKS/<PatientID>/<PatientID>_mask.nii.gz   (instance labels)
//! ```
//!
//! The region comes from the ID's prefix (`MED_LYMPH_NNN`, `ABD_LYMPH_NNN`). Of a patient's
//! series, the CT series whose grid contains most annotation points is taken. Only headers are
//! read; the cross-checks (points outside the volume, indices against physical points, missing
//! files, patients without a series, the mask's grid) become per-patient warnings.

use std::fs;
use std::path::{Path, PathBuf};

use glam::DVec3;
use rayon::prelude::*;
use serde::Serialize;

use super::tcia::{AnnotationPaths, read_indices};
use super::{Lesion, Patient, Region, Study, StudyError, read_annotations};
use crate::core::dicom::{self, Series, SeriesGeometry};
use crate::core::nifti::{NiftiError, read_grid, read_nifti};

/// The folder names the collection's images come in.
pub const IMAGE_DIRS: [&str; 2] = ["CT Lymph Nodes", "CT_Lymph_Nodes"];
pub const ANNOTATIONS_DIR: &str = "MED_ABD_LYMPH_ANNOTATIONS";
pub const CANDIDATES_DIR: &str = "MED_ABD_LYMPH_CANDIDATES";
pub const MASKS_DIR: &str = "MED_ABD_LYMPH_MASKS";

/// One finding of the import cross-checks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportWarning {
    pub patient: String,
    pub message: String,
}

fn image_dir(root: &Path) -> Option<PathBuf> {
    IMAGE_DIRS.iter().map(|d| root.join(d)).find(|d| d.is_dir())
}

/// Whether a folder has the collection's layout.
pub fn is_collection(root: &Path) -> bool {
    image_dir(root).is_some() || root.join(ANNOTATIONS_DIR).is_dir()
}

/// Sub-folder names of a folder, sorted; none when it does not exist.
fn sub_dirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The annotation files of a patient, spread over the collection's two text folders.
pub fn annotation_paths(root: &Path, patient: &str) -> AnnotationPaths {
    let notes = AnnotationPaths::new(&root.join(ANNOTATIONS_DIR).join(patient), patient);
    let cands = AnnotationPaths::new(&root.join(CANDIDATES_DIR).join(patient), patient);
    AnnotationPaths {
        positive_candidates: cands.positive_candidates,
        negative_candidates: cands.negative_candidates,
        ..notes
    }
}

/// Reads the collection under `root`: headers and text files only.
pub(super) fn load_collection(root: &Path) -> Result<(Study, Vec<ImportWarning>), StudyError> {
    let images = image_dir(root);
    let ids = images.as_deref().map(sub_dirs).unwrap_or_default();
    let results: Vec<(Option<Patient>, Vec<ImportWarning>)> = ids
        .par_iter()
        .map(|id| load_patient(root, &images.clone().unwrap_or_default().join(id), id))
        .collect::<Result<_, _>>()?;
    let mut warnings = Vec::new();
    let mut patients = Vec::new();
    for (patient, w) in results {
        warnings.extend(w);
        patients.extend(patient);
    }
    for id in sub_dirs(&root.join(ANNOTATIONS_DIR)).into_iter().filter(|id| !ids.contains(id)) {
        warnings
            .push(ImportWarning { patient: id, message: "annotations but no image folder: patient skipped".into() });
    }
    if patients.is_empty() {
        let detail = format!("no patient with a usable CT series under {}", IMAGE_DIRS.join(" or "));
        return Err(StudyError::Invalid { path: root.into(), detail });
    }
    Ok((Study { root: root.into(), patients }, warnings))
}

/// The folder a series' files share (the patient folder when they are spread out).
fn series_dir(series: &Series, patient_dir: &Path) -> PathBuf {
    let parent = series.first().path.parent().map(Path::to_path_buf);
    match parent {
        Some(p) if series.slices.iter().all(|s| s.path.parent() == Some(p.as_path())) => p,
        _ => patient_dir.to_path_buf(),
    }
}

/// The CT series (any series when none says CT) whose grid holds most of the points.
fn pick_series(
    patient_dir: &Path,
    series: Vec<Series>,
    points: &[DVec3],
    warn: &mut dyn FnMut(String),
) -> Option<(Series, SeriesGeometry)> {
    let any_ct = series.iter().any(|s| s.first().modality == "CT");
    let mut best: Option<(usize, Series, SeriesGeometry)> = None;
    for s in series.into_iter().filter(|s| !any_ct || s.first().modality == "CT") {
        match dicom::series_geometry(patient_dir, &s.slices) {
            Ok(g) => {
                let inside = points.iter().filter(|p| contains(&g, **p)).count();
                if best.as_ref().is_none_or(|(n, _, _)| inside > *n) {
                    best = Some((inside, s, g));
                }
            }
            Err(e) => warn(format!("series {} skipped: {e}", s.uid)),
        }
    }
    best.map(|(_, s, g)| (s, g))
}

fn contains(g: &SeriesGeometry, world_mm: DVec3) -> bool {
    let v = g.affine.voxel_from_world_point(world_mm);
    (0..3).all(|a| v[a] >= -0.5 && v[a] <= g.dims[a] as f64 - 0.5)
}

fn load_patient(
    root: &Path,
    patient_dir: &Path,
    id: &str,
) -> Result<(Option<Patient>, Vec<ImportWarning>), StudyError> {
    let mut warnings = Vec::new();
    let mut warn = |message: String| warnings.push(ImportWarning { patient: id.to_string(), message });
    let paths = annotation_paths(root, id);
    for p in [&paths.lymph_nodes, &paths.indices, &paths.sizes, &paths.positive_candidates, &paths.negative_candidates]
    {
        if !p.exists() {
            warn(format!("missing {}", p.strip_prefix(root).unwrap_or(p).display()));
        }
    }
    let (lesions, candidates) = read_annotations(&paths)?;
    let points: Vec<DVec3> = if lesions.is_empty() {
        candidates.iter().map(|c| c.center()).collect()
    } else {
        lesions.iter().map(Lesion::center).collect()
    };
    let series = match dicom::scan_folder(patient_dir) {
        Ok(series) => series,
        Err(e) => {
            warn(format!("no series: {e}"));
            return Ok((None, warnings));
        }
    };
    let Some((series, geometry)) = pick_series(patient_dir, series, &points, &mut warn) else {
        warn("no usable CT series: patient skipped".into());
        return Ok((None, warnings));
    };
    let outside_nodes = lesions.iter().filter(|l| !contains(&geometry, l.center())).count();
    if outside_nodes > 0 {
        warn(format!("{outside_nodes} of {} nodes lie outside the volume", lesions.len()));
    }
    let outside = candidates.iter().filter(|c| !contains(&geometry, c.center())).count();
    if outside > 0 {
        warn(format!("{outside} of {} candidates lie outside the volume", candidates.len()));
    }
    if paths.indices.exists()
        && let Some(message) = check_indices(&read_indices(&paths.indices)?, &lesions, &geometry)
    {
        warn(message);
    }
    let mask = root.join(MASKS_DIR).join(id).join(format!("{id}_mask.nii.gz"));
    let mask_path = if mask.exists() {
        match read_grid(&mask) {
            Ok((dims, _)) if dims != geometry.dims => {
                warn(format!("the mask's grid {dims:?} differs from the series' {:?}", geometry.dims))
            }
            Ok(_) => {}
            Err(e) => warn(format!("unreadable mask: {e}")),
        }
        Some(mask)
    } else {
        warn(format!("missing {}", mask.strip_prefix(root).unwrap_or(&mask).display()));
        None
    };
    let region = Region::parse(id.split('_').next().unwrap_or(id));
    let volume_path = series_dir(&series, patient_dir);
    let series = Some(series.uid);
    Ok((Some(Patient { id: id.to_string(), region, volume_path, series, mask_path, lesions, candidates }), warnings))
}

/// Compares a patient's node count with the instance labels in its mask (this reads the
/// mask's voxels, so it is not part of the header-only import). `None` when they agree.
pub fn check_mask_instances(patient: &Patient) -> Result<Option<ImportWarning>, NiftiError> {
    let Some(path) = &patient.mask_path else { return Ok(None) };
    let mask = read_nifti(path)?.volume;
    let mut labels: Vec<i64> = (0..mask.len()).map(|i| mask.voxels().get(i) as i64).filter(|&v| v > 0).collect();
    labels.sort_unstable();
    labels.dedup();
    Ok((labels.len() != patient.lesions.len()).then(|| ImportWarning {
        patient: patient.id.clone(),
        message: format!(
            "{} nodes in the annotations but {} instance labels in the mask",
            patient.lesions.len(),
            labels.len()
        ),
    }))
}

/// Compares the indices file with the physical points through the series' grid: `None` when
/// every node agrees within a voxel, else what disagrees (and whether flipping k explains it).
pub fn check_indices(indices: &[DVec3], lesions: &[Lesion], geometry: &SeriesGeometry) -> Option<String> {
    if indices.len() != lesions.len() {
        return Some(format!("{} indices for {} nodes", indices.len(), lesions.len()));
    }
    let nz = geometry.dims[2] as f64;
    let worst = |flip: bool| {
        indices
            .iter()
            .zip(lesions)
            .map(|(idx, l)| {
                let v = geometry.affine.voxel_from_world_point(l.center());
                let idx = if flip { DVec3::new(idx.x, idx.y, nz - 1.0 - idx.z) } else { *idx };
                (v - idx).abs().max_element()
            })
            .fold(0.0, f64::max)
    };
    let (direct, flipped) = (worst(false), worst(true));
    if direct <= 1.0 {
        None
    } else if flipped <= 1.0 {
        Some(format!(
            "the indices file counts slices from the other end: it agrees with physicalPoints only with k \
             replaced by {} - k (off by up to {direct:.1} voxels otherwise)",
            geometry.dims[2] - 1
        ))
    } else {
        Some(format!("indices and physicalPoints disagree by up to {direct:.1} voxels ({flipped:.1} with k flipped)"))
    }
}
