//! Loading a series: the pixel data of every slice decoded in parallel (dicom-rs codecs),
//! stored values turned into HU, written straight into the volume's buffer (uncompressed files
//! by the shorter road of [`super::native`] when it applies).

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
use super::native::native_tail;
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
    let range = padding_range(h);
    move |raw: i32| range.is_some_and(|(lo, hi)| (lo..=hi).contains(&i64::from(raw)))
}

/// The padding values as an inclusive range of stored values.
fn padding_range(h: &SliceHeader) -> Option<(i64, i64)> {
    let modulus = 1i64 << u32::from(h.bits_stored).min(32);
    let signed = h.signed;
    let to_stored = move |v: i64| match (signed, v) {
        (true, v) if v >= modulus / 2 => v - modulus,
        (false, v) if v < 0 => v + modulus,
        (_, v) => v,
    };
    h.padding.map(|(value, limit)| {
        let (a, b) = (to_stored(value), to_stored(limit.unwrap_or(value)));
        (a.min(b), a.max(b))
    })
}

/// A slice's pixel bytes: read into a reused buffer (uncompressed files whose PixelData is
/// their last element) or decoded by dicom-rs.
enum SliceBytes {
    /// `buffer[offset..offset + len]`.
    Tail {
        offset: usize,
        len: usize,
    },
    Decoded(Vec<u8>),
}

/// One file's pixel bytes (`want` of them: rows × columns × bytes per sample).
fn slice_bytes(h: &SliceHeader, want: usize, buffer: &mut Vec<u8>) -> Result<SliceBytes, DicomError> {
    match native_tail(h, want, buffer)? {
        Some((offset, len)) => Ok(SliceBytes::Tail { offset, len }),
        None => dicom_rs_bytes(h).map(SliceBytes::Decoded),
    }
}

/// A file's pixel bytes as dicom-rs reads and decodes them.
fn dicom_rs_bytes(h: &SliceHeader) -> Result<Vec<u8>, DicomError> {
    let obj = OpenFileOptions::new()
        .open_file(&h.path)
        .map_err(|e| DicomError::Unreadable { path: h.path.clone(), detail: e.to_string() })?;
    if obj.get(dicom_dictionary_std::tags::PIXEL_DATA).is_none() {
        return Err(DicomError::Missing { path: h.path.clone(), what: "PixelData (7FE0,0010)" });
    }
    let pixels =
        obj.decode_pixel_data().map_err(|e| DicomError::Decode { path: h.path.clone(), detail: e.to_string() })?;
    Ok(pixels.data().to_vec())
}

/// Per-thread buffers: the file's bytes and the stored values.
#[derive(Default)]
struct Scratch {
    file: Vec<u8>,
    stored: Vec<i32>,
}

/// Decodes one file's pixels into stored values.
fn decode_stored(h: &SliceHeader, scratch: &mut Scratch) -> Result<(), DicomError> {
    let pixels = usize::from(h.rows) * usize::from(h.columns);
    let want = pixels * usize::from(h.bits_allocated.div_ceil(8));
    let bytes = slice_bytes(h, want, &mut scratch.file)?;
    let bytes = match &bytes {
        SliceBytes::Tail { offset, len } => &scratch.file[*offset..offset + len],
        SliceBytes::Decoded(v) => v,
    };
    stored_values(h, bytes, pixels, &mut scratch.stored)
}

/// The rescale as integers, when it is integral (i16 output is possible).
fn integral_rescale(h: &SliceHeader) -> Option<(i64, i64)> {
    let integral = h.slope.fract() == 0.0 && h.intercept.fract() == 0.0;
    (integral && h.slope.abs() <= 65536.0 && h.intercept.abs() <= 1e9).then_some((h.slope as i64, h.intercept as i64))
}

/// One slice into i16 HU; `false` when its HU are not all integers in i16's range.
fn slice_i16(h: &SliceHeader, stored: &[i32], dst: &mut [i16]) -> bool {
    let Some((slope, inter)) = integral_rescale(h) else { return false };
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

/// The common case in one pass: 16-bit samples from the file's tail straight to i16 HU.
/// `None` when it does not apply (the general path then runs); `Some(false)` when the HU do
/// not fit i16.
fn tail_i16(h: &SliceHeader, scratch: &mut Scratch, dst: &mut [i16]) -> Result<Option<bool>, DicomError> {
    let applies = h.bits_allocated == 16 && (1..=16).contains(&h.bits_stored);
    // small enough that raw · slope + intercept cannot overflow i32 for 16-bit raw values
    let small = |(slope, inter): (i64, i64)| slope.abs() <= 4096 && inter.abs() <= 1 << 24;
    let Some((slope, inter)) = integral_rescale(h).filter(|r| applies && small(*r)) else { return Ok(None) };
    let Some((offset, len)) = native_tail(h, dst.len() * 2, &mut scratch.file)? else {
        return Ok(None);
    };
    // the padding range as stored values (empty when there is none); stored values fit i32
    let (lo, hi) =
        padding_range(h).map_or((1, 0), |(lo, hi)| (lo.clamp(-1 << 20, 1 << 20), hi.clamp(-1 << 20, 1 << 20)));
    let kernel = Kernel {
        shift: 32 - u32::from(h.bits_stored),
        slope: slope as i32,
        inter: inter as i32,
        lo: lo as i32,
        hi: hi as i32,
    };
    let bytes = &scratch.file[offset..offset + len];
    Ok(Some(if h.signed { kernel.run::<true>(bytes, dst) } else { kernel.run::<false>(bytes, dst) }))
}

/// Stored 16-bit words to HU, written so that the compiler vectorises it (no branches, i32).
#[derive(Clone, Copy)]
struct Kernel {
    /// 32 − BitsStored: the shift that drops the unused high bits (and sign-extends).
    shift: u32,
    slope: i32,
    inter: i32,
    /// Stored values from `lo` to `hi` are padding (`lo > hi`: none).
    lo: i32,
    hi: i32,
}

impl Kernel {
    /// `false` when some HU does not fit i16.
    fn run<const SIGNED: bool>(&self, bytes: &[u8], dst: &mut [i16]) -> bool {
        let Kernel { shift, slope, inter, lo, hi } = *self;
        let mut overflow = false;
        for (d, c) in dst.iter_mut().zip(bytes.chunks_exact(2)) {
            let word = u32::from(u16::from_le_bytes([c[0], c[1]])) << shift;
            let raw = if SIGNED { (word as i32) >> shift } else { (word >> shift) as i32 };
            let hu = raw.wrapping_mul(slope).wrapping_add(inter);
            let padding = (raw >= lo) & (raw <= hi);
            overflow |= !padding & (i32::from(hu as i16) != hu);
            *d = if padding { PADDING_HU } else { hu as i16 };
        }
        !overflow
    }
}

fn slice_f32(h: &SliceHeader, stored: &[i32], dst: &mut [f32]) {
    let is_padding = padding_test(h);
    for (d, &raw) in dst.iter_mut().zip(stored) {
        *d = if is_padding(raw) { f32::from(PADDING_HU) } else { (h.slope * f64::from(raw) + h.intercept) as f32 };
    }
}

/// One slice into i16 HU, by the shortest road that applies; `false` when the HU do not fit.
fn decode_i16(h: &SliceHeader, scratch: &mut Scratch, dst: &mut [i16]) -> Result<bool, DicomError> {
    if let Some(fits) = tail_i16(h, scratch, dst)? {
        return Ok(fits);
    }
    decode_stored(h, scratch)?;
    Ok(slice_i16(h, &scratch.stored, dst))
}

/// Decodes the sorted slices in parallel, as i16 when every slice fits, f32 otherwise.
fn decode_voxels(slices: &[&SliceHeader], plane: usize) -> Result<Voxels, DicomError> {
    let mut i16s = vec![0i16; plane * slices.len()];
    let fits = i16s
        .par_chunks_mut(plane)
        .zip(slices)
        .map_init(Scratch::default, |scratch, (dst, h)| decode_i16(h, scratch, dst));
    if fits.collect::<Result<Vec<bool>, _>>()?.into_iter().all(|f| f) {
        return Ok(Voxels::I16(i16s));
    }
    drop(i16s);
    let mut f32s = vec![0f32; plane * slices.len()];
    f32s.par_chunks_mut(plane).zip(slices).try_for_each_init(Scratch::default, |scratch, (dst, h)| {
        decode_stored(h, scratch)?;
        slice_f32(h, &scratch.stored, dst);
        Ok::<(), DicomError>(())
    })?;
    Ok(Voxels::F32(f32s))
}

/// Refuses a slice whose transfer syntax has no decoder in this build.
fn check_decodable(h: &SliceHeader) -> Result<(), DicomError> {
    let decodable = TransferSyntaxRegistry.get(&h.transfer_syntax).is_some_and(|ts| ts.can_decode_all());
    if decodable {
        return Ok(());
    }
    Err(DicomError::UnsupportedTransferSyntax {
        path: h.path.clone(),
        uid: h.transfer_syntax.clone(),
        name: transfer_syntax_name(&h.transfer_syntax),
    })
}

/// Refuses a series whose transfer syntax has no decoder in this build.
fn check_transfer_syntaxes(series: &Series) -> Result<(), DicomError> {
    series.slices.iter().try_for_each(check_decodable)
}

/// One slice's pixels in HU (row-major, Rows × Columns), padding read as −1024: what readers of
/// sparse series (the HUG ILD database's 10 mm HRCT slices) use instead of a volume.
pub fn decode_slice_hu(h: &SliceHeader) -> Result<Vec<f32>, DicomError> {
    check_decodable(h)?;
    let mut scratch = Scratch::default();
    decode_stored(h, &mut scratch)?;
    let mut hu = vec![0f32; usize::from(h.rows) * usize::from(h.columns)];
    slice_f32(h, &scratch.stored, &mut hu);
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

#[cfg(test)]
mod tests {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_dictionary_std::{tags, uids};
    use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

    use super::*;
    use crate::core::dicom::read_slice_header;

    /// Six 12-bit signed samples (stored in 16 bits, one with garbage in its top bits), slope 2,
    /// intercept −1024, padding −2000: the words and the HU a reader must make of them.
    const WORDS: [u16; 6] = [0x0830, 0x0FFF, 0x0000, 0xF064, 0x07FF, 0x0800];
    /// Signed: 0x830 is −2000 (padding → −1024); 0xFFF is −1; 0x064 is 100; 0x7FF 2047; 0x800 −2048.
    const HU: [i16; 6] = [-1024, -1026, -1024, -824, 3070, -5120];
    /// Unsigned: 0x830 is 2096 (−2000 + 4096 as a stored value: padding); 0xFFF 4095; 0x800 2048.
    const HU_UNSIGNED: [i16; 6] = [-1024, 7166, -1024, -824, 3070, 3072];

    fn write_slice(path: &Path, syntax: &str, trailing_element: bool, signed: bool) {
        let bytes: Vec<u8> = WORDS.iter().flat_map(|w| w.to_le_bytes()).collect();
        let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
        let mut obj = InMemDicomObject::from_element_iter([
            DataElement::new(tags::SOP_CLASS_UID, VR::UI, PrimitiveValue::from(uids::CT_IMAGE_STORAGE)),
            DataElement::new(tags::SOP_INSTANCE_UID, VR::UI, PrimitiveValue::from("2.25.1")),
            DataElement::new(tags::SERIES_INSTANCE_UID, VR::UI, PrimitiveValue::from("2.25.2")),
            DataElement::new(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, PrimitiveValue::from("MONOCHROME2")),
            DataElement::new(tags::RESCALE_SLOPE, VR::DS, PrimitiveValue::from("2")),
            DataElement::new(tags::RESCALE_INTERCEPT, VR::DS, PrimitiveValue::from("-1024")),
            DataElement::new(tags::PIXEL_PADDING_VALUE, VR::SS, PrimitiveValue::from(-2000i16)),
            DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::from(bytes)),
        ]);
        for (tag, v) in [
            (tags::ROWS, 2),
            (tags::COLUMNS, 3),
            (tags::SAMPLES_PER_PIXEL, 1),
            (tags::BITS_ALLOCATED, 16),
            (tags::BITS_STORED, 12),
            (tags::HIGH_BIT, 11),
            (tags::PIXEL_REPRESENTATION, u16::from(signed)),
        ] {
            obj.put(us(tag, v));
        }
        if trailing_element {
            obj.put(DataElement::new(tags::DATA_SET_TRAILING_PADDING, VR::OB, PrimitiveValue::from(vec![0u8; 4])));
        }
        let file = obj.with_meta(FileMetaTableBuilder::new().transfer_syntax(syntax)).unwrap();
        file.write_to_file(path).unwrap();
    }

    #[test]
    fn the_file_tail_and_dicom_rs_read_the_same_hu() {
        let dir = tempfile::tempdir().unwrap();
        for (name, syntax, trailing, at_tail, signed) in [
            ("explicit", uids::EXPLICIT_VR_LITTLE_ENDIAN, false, true, true),
            ("implicit", uids::IMPLICIT_VR_LITTLE_ENDIAN, false, true, true),
            ("trailing", uids::EXPLICIT_VR_LITTLE_ENDIAN, true, false, true),
            ("unsigned", uids::EXPLICIT_VR_LITTLE_ENDIAN, false, true, false),
            ("unsigned-trailing", uids::EXPLICIT_VR_LITTLE_ENDIAN, true, false, false),
        ] {
            let path = dir.path().join(name);
            write_slice(&path, syntax, trailing, signed);
            let expected = if signed { HU } else { HU_UNSIGNED };
            let h = read_slice_header(&path).unwrap().unwrap();
            let mut scratch = Scratch::default();
            let tail = native_tail(&h, 12, &mut scratch.file).unwrap();
            assert_eq!(tail.is_some(), at_tail, "{name}");
            let mut fast = [0i16; 6];
            assert!(decode_i16(&h, &mut scratch, &mut fast).unwrap(), "{name}");
            assert_eq!(fast, expected, "{name}");
            // dicom-rs alone, through the general conversion
            let mut stored = Vec::new();
            stored_values(&h, &dicom_rs_bytes(&h).unwrap(), 6, &mut stored).unwrap();
            let mut general = [0i16; 6];
            assert!(slice_i16(&h, &stored, &mut general));
            assert_eq!(general, expected, "{name}");
        }
    }
}
