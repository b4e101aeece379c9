//! Writing one axial CT slice as a DICOM Part 10 file through dicom-rs (Explicit VR Little
//! Endian, signed 16-bit stored values with a rescale): what the synthetic ILD study is made of.

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::DicomError;
use crate::core::atomic::write_atomically;

/// The attributes of one slice; positions in DICOM's LPS millimetres.
#[derive(Clone, Debug, PartialEq)]
pub struct CtSlice<'a> {
    pub patient_id: &'a str,
    pub study_uid: &'a str,
    pub series_uid: &'a str,
    pub sop_instance_uid: &'a str,
    pub instance_number: i32,
    pub rows: u16,
    pub columns: u16,
    /// (between rows, between columns), as PixelSpacing stores it.
    pub pixel_spacing_mm: [f64; 2],
    pub slice_thickness_mm: f64,
    pub position_lps: [f64; 3],
    pub slope: f64,
    pub intercept: f64,
    /// Stored values, row-major.
    pub stored: &'a [i16],
    /// The stored value of padding outside the field of view (PixelPaddingValue), if any.
    pub padding: Option<i16>,
}

fn put(obj: &mut InMemDicomObject, tag: dicom_core::Tag, vr: VR, value: PrimitiveValue) {
    obj.put(DataElement::new(tag, vr, value));
}

fn text(obj: &mut InMemDicomObject, tag: dicom_core::Tag, vr: VR, value: &str) {
    put(obj, tag, vr, PrimitiveValue::from(value));
}

/// A decimal string as DICOM's DS writes it (at most 16 characters).
fn ds(v: f64) -> String {
    let s = format!("{v}");
    if s.len() <= 16 { s } else { format!("{v:.9}").chars().take(16).collect() }
}

/// Writes `slice` to `path` atomically.
pub fn write_ct_slice(path: &Path, slice: &CtSlice<'_>) -> Result<(), DicomError> {
    let pixels = usize::from(slice.rows) * usize::from(slice.columns);
    if slice.stored.len() != pixels {
        let detail = format!("{} stored values for {} × {} pixels", slice.stored.len(), slice.rows, slice.columns);
        return Err(DicomError::Inconsistent { path: path.into(), detail });
    }
    let mut obj = InMemDicomObject::new_empty();
    text(&mut obj, tags::SOP_CLASS_UID, VR::UI, uids::CT_IMAGE_STORAGE);
    text(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, slice.sop_instance_uid);
    text(&mut obj, tags::MODALITY, VR::CS, "CT");
    text(&mut obj, tags::PATIENT_ID, VR::LO, slice.patient_id);
    text(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, slice.study_uid);
    text(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, slice.series_uid);
    text(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, "synthetic HRCT (cadet)");
    put(&mut obj, tags::SERIES_NUMBER, VR::IS, PrimitiveValue::from("1"));
    put(&mut obj, tags::INSTANCE_NUMBER, VR::IS, PrimitiveValue::from(slice.instance_number.to_string()));
    let [x, y, z] = slice.position_lps.map(ds);
    put(&mut obj, tags::IMAGE_POSITION_PATIENT, VR::DS, dicom_value!(Strs, [x, y, z]));
    put(&mut obj, tags::IMAGE_ORIENTATION_PATIENT, VR::DS, dicom_value!(Strs, ["1", "0", "0", "0", "1", "0"]));
    let [r, c] = slice.pixel_spacing_mm.map(ds);
    put(&mut obj, tags::PIXEL_SPACING, VR::DS, dicom_value!(Strs, [r, c]));
    put(&mut obj, tags::SLICE_THICKNESS, VR::DS, PrimitiveValue::from(ds(slice.slice_thickness_mm)));
    put(&mut obj, tags::RESCALE_SLOPE, VR::DS, PrimitiveValue::from(ds(slice.slope)));
    put(&mut obj, tags::RESCALE_INTERCEPT, VR::DS, PrimitiveValue::from(ds(slice.intercept)));
    put(&mut obj, tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16));
    text(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    put(&mut obj, tags::ROWS, VR::US, PrimitiveValue::from(slice.rows));
    put(&mut obj, tags::COLUMNS, VR::US, PrimitiveValue::from(slice.columns));
    put(&mut obj, tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16));
    put(&mut obj, tags::BITS_STORED, VR::US, PrimitiveValue::from(16u16));
    put(&mut obj, tags::HIGH_BIT, VR::US, PrimitiveValue::from(15u16));
    put(&mut obj, tags::PIXEL_REPRESENTATION, VR::US, PrimitiveValue::from(1u16));
    if let Some(padding) = slice.padding {
        put(&mut obj, tags::PIXEL_PADDING_VALUE, VR::SS, PrimitiveValue::from(padding));
    }
    let words: Vec<u16> = slice.stored.iter().map(|&v| v as u16).collect();
    put(&mut obj, tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(words.into()));
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
        .media_storage_sop_instance_uid(slice.sop_instance_uid);
    let file = obj.with_meta(meta).map_err(|e| DicomError::Unreadable { path: path.into(), detail: e.to_string() })?;
    write_atomically(path, |w| file.write_all(w).map_err(std::io::Error::other))
        .map_err(|source| DicomError::Io { path: path.into(), source })
}
