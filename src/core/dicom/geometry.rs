//! A series' grid from its headers: slice order along the normal, the slice step from the
//! positions, consistency checks, and the RAS `world_from_voxel` (sheared under gantry tilt).

use std::path::Path;

use glam::{DMat4, DVec3};

use super::DicomError;
use super::header::SliceHeader;
use crate::core::geometry::{Affine, lps_to_ras};

/// Directions and spacings that agree within this are the same.
const SAME_TOL: f64 = 1e-4;
/// Slice steps may deviate from the mean step by this fraction (positions are rounded text).
const STEP_REL_TOL: f64 = 0.01;
/// ... and by at least this many mm.
const STEP_ABS_TOL_MM: f64 = 0.01;
/// A tilt below this (degrees) is rounding, not tilt.
const TILT_TOL_DEG: f64 = 0.01;

/// The grid of a series, ready for decoding.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesGeometry {
    /// Voxel (i, j, k) = (column, row, slice in `order`) → RAS mm.
    pub affine: Affine,
    pub dims: [usize; 3],
    /// Indices into the series' slices, sorted along the slice normal.
    pub order: Vec<usize>,
    /// Angle between the slice step and the slice normal, degrees (0 without gantry tilt).
    pub tilt_deg: f64,
    pub warnings: Vec<String>,
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The attributes every slice must have, checked against the first slice.
fn check_slices(slices: &[SliceHeader]) -> Result<(DVec3, DVec3, [f64; 2]), DicomError> {
    let first = &slices[0];
    let orientation = first.orientation.ok_or(DicomError::Missing {
        path: first.path.clone(),
        what: "ImageOrientationPatient (0020,0037): cannot place the image in space",
    })?;
    let spacing = first
        .pixel_spacing_mm
        .ok_or(DicomError::Missing { path: first.path.clone(), what: "PixelSpacing (0028,0030)" })?;
    let row = DVec3::new(orientation[0], orientation[1], orientation[2]);
    let col = DVec3::new(orientation[3], orientation[4], orientation[5]);
    if row.length() < 0.5 || col.length() < 0.5 || row.normalize().dot(col.normalize()).abs() > 1e-3 {
        let detail = format!("ImageOrientationPatient {orientation:?} is not two orthogonal unit vectors");
        return Err(DicomError::Inconsistent { path: first.path.clone(), detail });
    }
    for s in slices {
        let path = s.path.clone();
        if s.samples_per_pixel != 1 || s.frames != 1 {
            let detail = format!(
                "{} samples per pixel, {} frames: cadet reads single-frame greyscale (CT) images",
                s.samples_per_pixel, s.frames
            );
            return Err(DicomError::Unsupported { path, detail });
        }
        if (s.rows, s.columns) != (first.rows, first.columns) {
            let detail = format!(
                "{}×{} pixels (rows × columns) where {} has {}×{}: one series must have one image size",
                s.rows,
                s.columns,
                file_name(&first.path),
                first.rows,
                first.columns
            );
            return Err(DicomError::Inconsistent { path, detail });
        }
        let o = s
            .orientation
            .ok_or(DicomError::Missing { path: path.clone(), what: "ImageOrientationPatient (0020,0037)" })?;
        if o.iter().zip(orientation).any(|(a, b)| (a - b).abs() > SAME_TOL) {
            let detail = format!(
                "ImageOrientationPatient {o:?} differs from {orientation:?} in {}: mixed orientations in one series",
                file_name(&first.path)
            );
            return Err(DicomError::Inconsistent { path, detail });
        }
        let sp = s.pixel_spacing_mm.unwrap_or([0.0; 2]);
        if sp.iter().zip(spacing).any(|(a, b)| (a - b).abs() > SAME_TOL) {
            let detail = format!("PixelSpacing {sp:?} differs from {spacing:?} in {}", file_name(&first.path));
            return Err(DicomError::Inconsistent { path, detail });
        }
        if s.position_lps.is_none() {
            return Err(DicomError::Missing { path, what: "ImagePositionPatient (0020,0032)" });
        }
    }
    Ok((row.normalize(), col.normalize(), spacing))
}

/// The slice step (LPS mm) of sorted positions; refuses uneven spacing.
fn slice_step(dir: &Path, slices: &[SliceHeader], order: &[usize], normal: DVec3) -> Result<DVec3, DicomError> {
    let pos = |k: usize| slices[order[k]].position_lps.unwrap_or(DVec3::ZERO);
    let n = order.len();
    let along = |k: usize| pos(k).dot(normal);
    for k in 1..n {
        if along(k) - along(k - 1) < 1e-3 {
            return Err(DicomError::DuplicatePosition {
                first: slices[order[k - 1]].path.clone(),
                second: slices[order[k]].path.clone(),
                position_mm: along(k),
            });
        }
    }
    let mean = (pos(n - 1) - pos(0)) / (n - 1) as f64;
    let mut normal_steps: Vec<f64> = (1..n).map(|k| along(k) - along(k - 1)).collect();
    normal_steps.sort_by(f64::total_cmp);
    let median = normal_steps[normal_steps.len() / 2];
    let tol = (STEP_REL_TOL * mean.length()).max(STEP_ABS_TOL_MM);
    let worst = (1..n).max_by(|&a, &b| {
        let da = (pos(a) - pos(a - 1) - mean).length();
        let db = (pos(b) - pos(b - 1) - mean).length();
        da.total_cmp(&db)
    });
    if let Some(k) = worst.filter(|&k| (pos(k) - pos(k - 1) - mean).length() > tol) {
        return Err(DicomError::UnevenSpacing {
            dir: dir.into(),
            gap_mm: along(k) - along(k - 1),
            step_mm: median,
            from_mm: along(k - 1),
            to_mm: along(k),
            from_file: file_name(&slices[order[k - 1]].path),
            to_file: file_name(&slices[order[k]].path),
        });
    }
    Ok(mean)
}

/// Sorts a series along its normal and builds its RAS grid. `dir` names the series in errors.
pub fn series_geometry(dir: &Path, slices: &[SliceHeader]) -> Result<SeriesGeometry, DicomError> {
    if slices.is_empty() {
        return Err(DicomError::NoDicom { dir: dir.into(), files: 0 });
    }
    let (row, col, [row_spacing, col_spacing]) = check_slices(slices)?;
    let normal = row.cross(col);
    let along = |i: usize| slices[i].position_lps.unwrap_or(DVec3::ZERO).dot(normal);
    let mut order: Vec<usize> = (0..slices.len()).collect();
    order.sort_by(|&a, &b| along(a).total_cmp(&along(b)));
    let mut warnings = Vec::new();
    let step = if slices.len() == 1 {
        let s = &slices[0];
        let thickness = s.spacing_between_slices_mm.or(s.slice_thickness_mm).filter(|t| *t > 0.0).unwrap_or(1.0);
        warnings.push(format!("a single slice: its thickness ({thickness} mm) serves as the slice step"));
        normal * thickness
    } else {
        slice_step(dir, slices, &order, normal)?
    };
    let tilt_deg = (step.normalize().dot(normal)).clamp(-1.0, 1.0).acos().to_degrees();
    if tilt_deg > TILT_TOL_DEG {
        let stated = slices[0].gantry_tilt_deg.map_or_else(String::new, |t| format!(", GantryDetectorTilt says {t}°"));
        warnings.push(format!(
            "gantry tilt: the slice positions are sheared {tilt_deg:.2}° against the slice normal{stated}; \
             represented exactly by a sheared world_from_voxel, not resampled"
        ));
    }
    let origin = slices[order[0]].position_lps.unwrap_or(DVec3::ZERO);
    let flip = |v: DVec3| lps_to_ras(v);
    let m = DMat4::from_cols(
        flip(row * col_spacing).extend(0.0),
        flip(col * row_spacing).extend(0.0),
        flip(step).extend(0.0),
        flip(origin).extend(1.0),
    );
    let affine = Affine::new(m).map_err(|source| DicomError::Geometry { dir: dir.into(), source })?;
    let dims = [usize::from(slices[0].columns), usize::from(slices[0].rows), slices.len()];
    Ok(SeriesGeometry { affine, dims, order, tilt_deg, warnings })
}
