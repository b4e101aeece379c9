//! Series discovery: every file under a folder, headers read in parallel, grouped by
//! SeriesInstanceUID, and the choice of one series (asked for, or the one with most slices).

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::DicomError;
use super::header::{SliceHeader, has_dicom_magic, read_slice_header, transfer_syntax_name};

/// The image files of one series, in the order they were found (not sorted).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub uid: String,
    pub slices: Vec<SliceHeader>,
}

/// What a series chooser shows about a series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesSummary {
    pub uid: String,
    pub description: String,
    pub modality: String,
    pub series_number: Option<i32>,
    pub slices: usize,
    pub rows: u16,
    pub columns: u16,
    /// (between rows, between columns) in mm, from the first file.
    pub pixel_spacing_mm: Option<[f64; 2]>,
    pub transfer_syntax: String,
    pub transfer_syntax_name: String,
}

impl Series {
    pub fn first(&self) -> &SliceHeader {
        &self.slices[0]
    }

    pub fn summary(&self) -> SeriesSummary {
        let f = self.first();
        SeriesSummary {
            uid: self.uid.clone(),
            description: f.series_description.clone(),
            modality: f.modality.clone(),
            series_number: f.series_number,
            slices: self.slices.len(),
            rows: f.rows,
            columns: f.columns,
            pixel_spacing_mm: f.pixel_spacing_mm,
            transfer_syntax: f.transfer_syntax.clone(),
            transfer_syntax_name: transfer_syntax_name(&f.transfer_syntax),
        }
    }
}

impl SeriesSummary {
    /// One line for messages: uid, description, slice count.
    pub fn line(&self) -> String {
        let desc = if self.description.is_empty() { "no description" } else { &self.description };
        format!("{} ({desc}, {} {}, {} slices)", self.uid, self.modality, self.transfer_syntax_name, self.slices)
    }
}

/// Whether a file is a DICOM Part 10 file (has the `DICM` magic after the preamble).
pub fn is_dicom_file(path: &Path) -> bool {
    path.is_file() && has_dicom_magic(path)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DicomError> {
    let entries = fs::read_dir(dir).map_err(|source| DicomError::Io { path: dir.into(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| DicomError::Io { path: dir.into(), source })?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| DicomError::Io { path: path.clone(), source })?;
        if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
            collect_files(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the headers of the given files in parallel and groups the images into series, most
/// slices first (ties: by series number, then UID). Files that are not DICOM images are skipped.
pub fn scan_headers(files: &[PathBuf]) -> Result<Vec<Series>, DicomError> {
    let headers: Vec<Option<SliceHeader>> = files.par_iter().map(|p| read_slice_header(p)).collect::<Result<_, _>>()?;
    let mut series: Vec<Series> = Vec::new();
    for h in headers.into_iter().flatten() {
        match series.iter_mut().find(|s| s.uid == h.series_uid) {
            Some(s) => s.slices.push(h),
            None => series.push(Series { uid: h.series_uid.clone(), slices: vec![h] }),
        }
    }
    series.sort_by(|a, b| {
        b.slices
            .len()
            .cmp(&a.slices.len())
            .then(a.first().series_number.cmp(&b.first().series_number))
            .then(a.uid.cmp(&b.uid))
    });
    Ok(series)
}

/// Every DICOM image series under `dir` (recursively), headers only, most slices first.
pub fn scan_folder(dir: &Path) -> Result<Vec<Series>, DicomError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let series = scan_headers(&files)?;
    if series.is_empty() {
        return Err(DicomError::NoDicom { dir: dir.into(), files: files.len() });
    }
    Ok(series)
}

/// Picks the series asked for, or the one with most slices; returns it and the others.
pub fn choose_series(
    dir: &Path,
    mut series: Vec<Series>,
    uid: Option<&str>,
) -> Result<(Series, Vec<Series>), DicomError> {
    let index = match uid {
        Some(uid) => series.iter().position(|s| s.uid == uid).ok_or_else(|| DicomError::SeriesNotFound {
            dir: dir.into(),
            uid: uid.to_string(),
            available: series.iter().map(|s| s.summary().line()).collect::<Vec<_>>().join("; "),
        })?,
        None => 0,
    };
    if series.is_empty() {
        return Err(DicomError::NoDicom { dir: dir.into(), files: 0 });
    }
    let chosen = series.remove(index);
    Ok((chosen, series))
}
