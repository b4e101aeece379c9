//! Loading a series: the pixel data of every slice decoded in parallel (dicom-rs codecs),
//! stored values turned into HU, written straight into the volume's buffer.

use std::path::{Path, PathBuf};

use dicom_object::OpenFileOptions;
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};
use rayon::prelude::*;
use serde::Serialize;

use super::DicomError;
use super::discover::{Series, SeriesSummary, choose_series, scan_folder};
use super::geometry::{SeriesGeometry, series_geometry};
use super::header::{SliceHeader, transfer_syntax_name};
use crate::core::volume::{Volume, Voxels};

/// HU given to padding pixels (PixelPaddingValue), as air.
pub const PADDING_HU: i16 = -1024;

/// What was loaded, besides the voxels.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesInfo {
    pub summary: SeriesSummary,
    pub patient_id: String,
    pub study_uid: String,
    /// (slope, intercept) of the first slice.
    pub rescale: (f64, f64),
    pub tilt_deg: f64,
    /// Geometry remarks (gantry tilt, single slice).
    pub warnings: Vec<String>,
    /// The other series in the folder, most slices first.
    pub others: Vec<SeriesSummary>,
}

/// A decoded series.
#[derive(Clone, Debug)]
pub struct DicomVolume {
    pub dir: PathBuf,
    pub volume: Volume,
    pub info: SeriesInfo,
}

/// Stored values as i32 (BitsStored and PixelRepresentation applied), appended to `out`.
fn stored_values(h: &SliceHeader, bytes: &[u8], pixels: usize, out: &mut Vec<i32>) -> Result<(), DicomError> {
    let width = usize::from(h.bits_allocated.div_ceil(8));
    if !matches!(width, 1 | 2 | 4) || h.bits_stored == 0 || h.bits_stored > h.bits_allocated {
        let detail = format!("BitsAllocated {} with BitsStored {}", h.bits_allocated, h.bits_stored);
        return Err(DicomError::Unsupported { path: h.path.clone(), detail });
    }
    let Some(bytes) = bytes.get(..pixels * width) else {
        let detail = format!(
            "{} bytes of pixel data where {} rows × {} columns need {}",
            bytes.len(),
            h.rows,
            h.columns,
            pixels * width
        );
        return Err(DicomError::Decode { path: h.path.clone(), detail });
    };
    let bits = u32::from(h.bits_stored).min(32);
    let shift = 32 - bits;
    let mask = if bits == 32 { u32::MAX } else { (1u32 << bits) - 1 };
    let signed = h.signed;
    let fix = |raw: u32| -> i32 { if signed { ((raw << shift) as i32) >> shift } else { (raw & mask) as i32 } };
    out.clear();
    match width {
        1 => out.extend(bytes.iter().map(|&b| fix(u32::from(b)))),
        2 => out.extend(bytes.chunks_exact(2).map(|c| fix(u32::from(u16::from_le_bytes([c[0], c[1]]))))),
        _ => out.extend(bytes.chunks_exact(4).map(|c| fix(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))),
    }
    Ok(())
}

/// Whether a stored value is padding (PixelPaddingValue, or within PixelPaddingRangeLimit).
/// The attributes are US or SS; a value written in the other sign is brought into the
/// stored values' representation first.
fn padding_test(h: &SliceHeader) -> impl Fn(i32) -> bool + use<> {
    let modulus = 1i64 << u32::from(h.bits_stored).min(32);
    let signed = h.signed;
    let to_stored = move |v: i64| match (signed, v) {
        (true, v) if v >= modulus / 2 => v - modulus,
        (false, v) if v < 0 => v + modulus,
        (_, v) => v,
    };
    let range = h.padding.map(|(value, limit)| {
        let (a, b) = (to_stored(value), to_stored(limit.unwrap_or(value)));
        (a.min(b), a.max(b))
    });
    move |raw: i32| range.is_some_and(|(lo, hi)| (lo..=hi).contains(&i64::from(raw)))
}

/// Decodes one file's pixels into stored values.
fn decode_stored(h: &SliceHeader, out: &mut Vec<i32>) -> Result<(), DicomError> {
    let obj = OpenFileOptions::new()
        .open_file(&h.path)
        .map_err(|e| DicomError::Unreadable { path: h.path.clone(), detail: e.to_string() })?;
    if obj.get(dicom_dictionary_std::tags::PIXEL_DATA).is_none() {
        return Err(DicomError::Missing { path: h.path.clone(), what: "PixelData (7FE0,0010)" });
    }
    let pixels =
        obj.decode_pixel_data().map_err(|e| DicomError::Decode { path: h.path.clone(), detail: e.to_string() })?;
    stored_values(h, pixels.data(), usize::from(h.rows) * usize::from(h.columns), out)
}

/// One slice into i16 HU; `Ok(false)` when its HU are not all integers in i16's range.
fn slice_i16(h: &SliceHeader, stored: &[i32], dst: &mut [i16]) -> bool {
    let integral = h.slope.fract() == 0.0 && h.intercept.fract() == 0.0;
    if !integral || h.slope.abs() > 65536.0 || h.intercept.abs() > 1e9 {
        return false;
    }
    let (slope, inter) = (h.slope as i64, h.intercept as i64);
    let is_padding = padding_test(h);
    for (d, &raw) in dst.iter_mut().zip(stored) {
        if is_padding(raw) {
            *d = PADDING_HU;
            continue;
        }
        match i16::try_from(slope * i64::from(raw) + inter) {
            Ok(v) => *d = v,
            Err(_) => return false,
        }
    }
    true
}

fn slice_f32(h: &SliceHeader, stored: &[i32], dst: &mut [f32]) {
    let is_padding = padding_test(h);
    for (d, &raw) in dst.iter_mut().zip(stored) {
        *d = if is_padding(raw) { f32::from(PADDING_HU) } else { (h.slope * f64::from(raw) + h.intercept) as f32 };
    }
}

/// Decodes the sorted slices in parallel, as i16 when every slice fits, f32 otherwise.
fn decode_voxels(slices: &[&SliceHeader], plane: usize) -> Result<Voxels, DicomError> {
    let mut i16s = vec![0i16; plane * slices.len()];
    let fits = i16s.par_chunks_mut(plane).zip(slices).map_init(Vec::new, |buf, (dst, h)| {
        decode_stored(h, buf)?;
        Ok::<bool, DicomError>(slice_i16(h, buf, dst))
    });
    if fits.collect::<Result<Vec<bool>, _>>()?.into_iter().all(|f| f) {
        return Ok(Voxels::I16(i16s));
    }
    drop(i16s);
    let mut f32s = vec![0f32; plane * slices.len()];
    f32s.par_chunks_mut(plane).zip(slices).try_for_each_init(Vec::new, |buf, (dst, h)| {
        decode_stored(h, buf)?;
        slice_f32(h, buf, dst);
        Ok::<(), DicomError>(())
    })?;
    Ok(Voxels::F32(f32s))
}

/// Refuses a series whose transfer syntax has no decoder in this build.
fn check_transfer_syntaxes(series: &Series) -> Result<(), DicomError> {
    for h in &series.slices {
        let decodable = TransferSyntaxRegistry.get(&h.transfer_syntax).is_some_and(|ts| ts.can_decode_all());
        if !decodable {
            return Err(DicomError::UnsupportedTransferSyntax {
                path: h.path.clone(),
                uid: h.transfer_syntax.clone(),
                name: transfer_syntax_name(&h.transfer_syntax),
            });
        }
    }
    Ok(())
}

/// One slice's pixels in HU (row-major, Rows × Columns), padding read as −1024: what readers of
/// sparse series (the HUG ILD database's 10 mm HRCT slices) use instead of a volume.
pub fn decode_slice_hu(h: &SliceHeader) -> Result<Vec<f32>, DicomError> {
    let decodable = TransferSyntaxRegistry.get(&h.transfer_syntax).is_some_and(|ts| ts.can_decode_all());
    if !decodable {
        return Err(DicomError::UnsupportedTransferSyntax {
            path: h.path.clone(),
            uid: h.transfer_syntax.clone(),
            name: transfer_syntax_name(&h.transfer_syntax),
        });
    }
    let mut stored = Vec::new();
    decode_stored(h, &mut stored)?;
    let mut hu = vec![0f32; usize::from(h.rows) * usize::from(h.columns)];
    slice_f32(h, &stored, &mut hu);
    Ok(hu)
}

/// Decodes a series whose headers were read; `dir` names it in errors.
pub fn load_series(dir: &Path, series: &Series, others: &[Series]) -> Result<DicomVolume, DicomError> {
    let SeriesGeometry { affine, dims, order, tilt_deg, warnings } = series_geometry(dir, &series.slices)?;
    check_transfer_syntaxes(series)?;
    let sorted: Vec<&SliceHeader> = order.iter().map(|&i| &series.slices[i]).collect();
    let voxels = decode_voxels(&sorted, dims[0] * dims[1])?;
    let volume = Volume::new(dims, affine, voxels).map_err(|source| DicomError::Volume { dir: dir.into(), source })?;
    let first = series.first();
    let info = SeriesInfo {
        summary: series.summary(),
        patient_id: first.patient_id.clone(),
        study_uid: first.study_uid.clone(),
        rescale: (first.slope, first.intercept),
        tilt_deg,
        warnings,
        others: others.iter().map(Series::summary).collect(),
    };
    Ok(DicomVolume { dir: dir.into(), volume, info })
}

/// Finds the series in `dir` (the one asked for, or the one with most slices) and decodes it.
pub fn read_dicom_series(dir: &Path, uid: Option<&str>) -> Result<DicomVolume, DicomError> {
    let (series, others) = choose_series(dir, scan_folder(dir)?, uid)?;
    load_series(dir, &series, &others)
}
