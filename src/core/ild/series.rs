//! A patient's whole HRCT series, annotated slices or not, for browsing slice by slice: every
//! DICOM slice of the series its ROI files annotate (in the folders of those files), in
//! InstanceNumber order, each with the annotated slice it is (if any), and the gap between
//! neighbouring slices that makes coronal and sagittal reformats meaningless.

use std::path::PathBuf;

use super::IldError;
use super::database::IldPatient;
use crate::core::dicom::{SliceHeader, scan_headers};

/// One slice of a patient's series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSlice {
    pub header: SliceHeader,
    /// Its index into the patient's annotated slices, when it is one of them.
    pub annotated: Option<usize>,
}

/// Every slice of the series the patient's annotated slices belong to, ordered by series
/// (as the annotated slices are) then InstanceNumber. Reads headers only.
pub fn series_slices(patient: &IldPatient) -> Result<Vec<SeriesSlice>, IldError> {
    let mut folders: Vec<PathBuf> =
        patient.slices.iter().filter_map(|s| s.header.path.parent().map(PathBuf::from)).collect();
    folders.sort();
    folders.dedup();
    let mut files = Vec::new();
    for folder in &folders {
        let entries = std::fs::read_dir(folder).map_err(|source| IldError::Io { path: folder.clone(), source })?;
        for entry in entries {
            let path = entry.map_err(|source| IldError::Io { path: folder.clone(), source })?.path();
            if path.is_file() && !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt")) {
                files.push(path);
            }
        }
    }
    files.sort();
    let uids: Vec<&str> = patient.slices.iter().map(|s| s.series_uid.as_str()).collect();
    let mut out: Vec<SeriesSlice> = scan_headers(&files)?
        .into_iter()
        .filter(|series| uids.contains(&series.uid.as_str()))
        .flat_map(|series| series.slices)
        .map(|header| {
            let annotated = patient.slices.iter().position(|s| s.header.path == header.path);
            SeriesSlice { header, annotated }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.header.series_uid, a.header.instance_number, &a.header.path).cmp(&(
            &b.header.series_uid,
            b.header.instance_number,
            &b.header.path,
        ))
    });
    Ok(out)
}

/// The smallest distance (mm) between neighbouring slices of a series (by ImagePositionPatient),
/// `None` with fewer than two positioned slices.
pub fn slice_gap_mm(series: &[SeriesSlice]) -> Option<f64> {
    let positions: Vec<_> = series.iter().filter_map(|s| s.header.position_lps).collect();
    positions.windows(2).map(|w| (w[1] - w[0]).length()).filter(|d| *d > 0.0).min_by(f64::total_cmp)
}
