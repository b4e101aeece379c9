//! One entry point for every VOLUME argument: a NIfTI file, a folder holding a DICOM series,
//! or one DICOM file (which opens its series from the file's folder).

use std::path::{Path, PathBuf};

use crate::core::dicom::{self, DicomError, SeriesInfo};
use crate::core::geometry::Affine;
use crate::core::nifti::{HeaderInfo, NiftiError, read_grid, read_nifti};
use crate::core::volume::Volume;

/// Where a volume came from and what its source said about it.
#[derive(Clone, Debug)]
pub enum VolumeSource {
    Nifti(HeaderInfo),
    Dicom(Box<SeriesInfo>),
}

/// A volume read from a path, with its source's facts and messages for the user (which
/// series was chosen among several, geometry remarks).
#[derive(Clone, Debug)]
pub struct LoadedVolume {
    pub path: PathBuf,
    pub volume: Volume,
    pub source: VolumeSource,
    pub messages: Vec<String>,
}

impl LoadedVolume {
    pub fn dicom(&self) -> Option<&SeriesInfo> {
        match &self.source {
            VolumeSource::Dicom(info) => Some(info),
            VolumeSource::Nifti(_) => None,
        }
    }

    pub fn nifti(&self) -> Option<&HeaderInfo> {
        match &self.source {
            VolumeSource::Nifti(info) => Some(info),
            VolumeSource::Dicom(_) => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Nifti(#[from] NiftiError),
    #[error(transparent)]
    Dicom(#[from] DicomError),
    #[error("{path}: a series UID ({uid}) was given, but this is a NIfTI file, not a DICOM folder")]
    SeriesOnNifti { path: PathBuf, uid: String },
    #[error("{path}: no such file or folder")]
    NotFound { path: PathBuf },
}

/// Opens a volume: a folder is read as DICOM (the series `series`, or the one with most
/// slices), a DICOM file opens its own series from its folder, anything else is NIfTI.
pub fn open_volume(path: &Path, series: Option<&str>) -> Result<LoadedVolume, OpenError> {
    if !path.exists() {
        return Err(OpenError::NotFound { path: path.into() });
    }
    let dicom_file = path.is_file() && dicom::is_dicom_file(path);
    if !path.is_dir() && !dicom_file {
        if let Some(uid) = series {
            return Err(OpenError::SeriesOnNifti { path: path.into(), uid: uid.into() });
        }
        let file = read_nifti(path)?;
        return Ok(LoadedVolume {
            path: file.path,
            volume: file.volume,
            source: VolumeSource::Nifti(file.info),
            messages: Vec::new(),
        });
    }
    let (dir, uid) = if dicom_file {
        let header = dicom::read_slice_header(path)?.ok_or(DicomError::NoDicom { dir: path.into(), files: 1 })?;
        (path.parent().unwrap_or(Path::new(".")).to_path_buf(), Some(series.unwrap_or(&header.series_uid).to_string()))
    } else {
        (path.to_path_buf(), series.map(str::to_string))
    };
    let loaded = dicom::read_dicom_series(&dir, uid.as_deref())?;
    let messages = series_messages(&loaded.info, uid.is_some());
    Ok(LoadedVolume { path: dir, volume: loaded.volume, source: VolumeSource::Dicom(Box::new(loaded.info)), messages })
}

/// The grid (dims, voxel-to-world map) of a VOLUME from headers alone: no pixel is read.
pub fn open_grid(path: &Path, series: Option<&str>) -> Result<([usize; 3], Affine), OpenError> {
    if !path.exists() {
        return Err(OpenError::NotFound { path: path.into() });
    }
    if !path.is_dir() {
        return Ok(read_grid(path)?);
    }
    let (chosen, _) = dicom::choose_series(path, dicom::scan_folder(path)?, series)?;
    let g = dicom::series_geometry(path, &chosen.slices)?;
    Ok((g.dims, g.affine))
}

/// "Opened series X; the folder also holds ..." and the geometry warnings.
fn series_messages(info: &SeriesInfo, asked: bool) -> Vec<String> {
    let mut messages = Vec::new();
    if !info.others.is_empty() {
        let how = if asked { "the series asked for" } else { "the series with most slices" };
        messages.push(format!("opened {how}: {}", info.summary.line()));
        for other in &info.others {
            messages.push(format!("  also in the folder (--series {}): {}", other.uid, other.line()));
        }
    }
    messages.extend(info.warnings.iter().cloned());
    messages
}
