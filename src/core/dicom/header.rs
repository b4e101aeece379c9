//! One DICOM file's header: the attributes series assembly, geometry and value decoding need,
//! read without the pixel data.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions, Tag};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};
use glam::DVec3;

use super::DicomError;

/// SOP Class UID of a DICOMDIR (Media Storage Directory Storage).
const DICOMDIR_SOP_CLASS: &str = "1.2.840.10008.1.3.10";

/// The header facts of one image file (positions and directions in DICOM's LPS mm).
#[derive(Clone, Debug, PartialEq)]
pub struct SliceHeader {
    pub path: PathBuf,
    pub series_uid: String,
    pub series_description: String,
    pub series_number: Option<i32>,
    pub modality: String,
    pub patient_id: String,
    pub study_uid: String,
    pub transfer_syntax: String,
    pub rows: u16,
    pub columns: u16,
    pub position_lps: Option<DVec3>,
    /// Row direction then column direction (ImageOrientationPatient), LPS.
    pub orientation: Option<[f64; 6]>,
    /// (spacing between rows, spacing between columns), mm, as PixelSpacing stores them.
    pub pixel_spacing_mm: Option<[f64; 2]>,
    pub slice_thickness_mm: Option<f64>,
    pub spacing_between_slices_mm: Option<f64>,
    pub gantry_tilt_deg: Option<f64>,
    pub slope: f64,
    pub intercept: f64,
    /// PixelPaddingValue and PixelPaddingRangeLimit, as stored values.
    pub padding: Option<(i64, Option<i64>)>,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub signed: bool,
    pub samples_per_pixel: u16,
    pub frames: u32,
    pub photometric: String,
    pub instance_number: Option<i32>,
}

/// Whether a file starts like a DICOM Part 10 file (128-byte preamble, then `DICM`).
pub fn has_dicom_magic(path: &Path) -> bool {
    let mut head = [0u8; 132];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head[128..] == b"DICM"
}

/// The name dicom-rs knows a transfer syntax by, or "unknown".
pub fn transfer_syntax_name(uid: &str) -> String {
    TransferSyntaxRegistry.get(uid).map_or_else(|| "unknown".to_string(), |ts| ts.name().to_string())
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let s = obj.get(tag)?.to_str().ok()?;
    let s = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!s.is_empty()).then(|| s.to_string())
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    obj.get(tag)?.to_float64().ok().filter(|v| v.is_finite())
}

fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    obj.get(tag)?.to_multi_float64().ok().filter(|v| v.iter().all(|x| x.is_finite()))
}

fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    obj.get(tag)?.to_int::<i64>().ok()
}

/// Reads a file's header (everything before the pixel data). `Ok(None)` for files that are
/// not DICOM images: no `DICM` magic, a DICOMDIR, or an object without Rows/Columns.
pub fn read_slice_header(path: &Path) -> Result<Option<SliceHeader>, DicomError> {
    if !has_dicom_magic(path) {
        return Ok(None);
    }
    let obj: DefaultDicomObject = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| DicomError::Unreadable { path: path.into(), detail: e.to_string() })?;
    let meta = obj.meta();
    if meta.media_storage_sop_class_uid().trim_end_matches('\0') == DICOMDIR_SOP_CLASS {
        return Ok(None);
    }
    let transfer_syntax = meta.transfer_syntax().trim_end_matches('\0').to_string();
    let (Some(rows), Some(columns)) = (int(&obj, tags::ROWS), int(&obj, tags::COLUMNS)) else {
        return Ok(None);
    };
    let position_lps =
        floats(&obj, tags::IMAGE_POSITION_PATIENT).filter(|v| v.len() == 3).map(|v| DVec3::new(v[0], v[1], v[2]));
    let orientation = floats(&obj, tags::IMAGE_ORIENTATION_PATIENT)
        .filter(|v| v.len() == 6)
        .map(|v| [v[0], v[1], v[2], v[3], v[4], v[5]]);
    let pixel_spacing_mm =
        floats(&obj, tags::PIXEL_SPACING).filter(|v| v.len() == 2 && v[0] > 0.0 && v[1] > 0.0).map(|v| [v[0], v[1]]);
    let padding = int(&obj, tags::PIXEL_PADDING_VALUE).map(|p| (p, int(&obj, tags::PIXEL_PADDING_RANGE_LIMIT)));
    let bits_allocated = int(&obj, tags::BITS_ALLOCATED).unwrap_or(16) as u16;
    Ok(Some(SliceHeader {
        path: path.into(),
        series_uid: text(&obj, tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        series_description: text(&obj, tags::SERIES_DESCRIPTION).unwrap_or_default(),
        series_number: int(&obj, tags::SERIES_NUMBER).map(|n| n as i32),
        modality: text(&obj, tags::MODALITY).unwrap_or_default(),
        patient_id: text(&obj, tags::PATIENT_ID).unwrap_or_default(),
        study_uid: text(&obj, tags::STUDY_INSTANCE_UID).unwrap_or_default(),
        transfer_syntax,
        rows: rows.clamp(0, u16::MAX as i64) as u16,
        columns: columns.clamp(0, u16::MAX as i64) as u16,
        position_lps,
        orientation,
        pixel_spacing_mm,
        slice_thickness_mm: float(&obj, tags::SLICE_THICKNESS),
        spacing_between_slices_mm: float(&obj, tags::SPACING_BETWEEN_SLICES),
        gantry_tilt_deg: float(&obj, tags::GANTRY_DETECTOR_TILT),
        slope: float(&obj, tags::RESCALE_SLOPE).filter(|s| *s != 0.0).unwrap_or(1.0),
        intercept: float(&obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
        padding,
        bits_allocated,
        bits_stored: int(&obj, tags::BITS_STORED).map_or(bits_allocated, |b| b as u16),
        signed: int(&obj, tags::PIXEL_REPRESENTATION) == Some(1),
        samples_per_pixel: int(&obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as u16,
        frames: int(&obj, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1) as u32,
        photometric: text(&obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default(),
        instance_number: int(&obj, tags::INSTANCE_NUMBER).map(|n| n as i32),
    }))
}
