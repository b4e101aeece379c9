//! Writing NIfTI-1 single files (`.nii`, or gzip-compressed when the name ends in `.gz`),
//! atomically.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use glam::DMat4;

use super::NiftiError;
use super::dtype::NiftiData;
use super::header::{Quatern, quatern_from_affine};
use crate::core::atomic::write_atomically;
use crate::core::volume::{Volume, Voxels};

/// NIfTI xform code "scanner anatomical".
pub const XFORM_SCANNER_ANAT: i16 = 1;

/// Everything cadet writes into a NIfTI-1 file.
#[derive(Clone, Debug, PartialEq)]
pub struct NiftiImage {
    pub dims: [usize; 3],
    pub data: NiftiData,
    pub pixdim_mm: [f64; 3],
    /// `(sform_code, world_from_voxel)`; `None` writes sform_code 0.
    pub sform: Option<(i16, DMat4)>,
    /// `(qform_code, quaternion)`; `None` writes qform_code 0.
    pub qform: Option<(i16, Quatern)>,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub description: String,
}

impl NiftiImage {
    /// A volume as a file: its storage type, its affine as sform and (when the axes are
    /// orthogonal) as qform too, so that readers preferring either agree.
    pub fn from_volume(volume: &Volume) -> Self {
        let data = match volume.voxels() {
            Voxels::I16(v) => NiftiData::I16(v.clone()),
            Voxels::F32(v) => NiftiData::F32(v.clone()),
        };
        Self::with_data(volume, data)
    }

    /// As [`NiftiImage::from_volume`], taking the voxels rather than copying them.
    pub fn from_owned_volume(volume: Volume) -> Self {
        let header = Self::with_data(&volume, NiftiData::I16(Vec::new()));
        let data = match volume.into_voxels() {
            Voxels::I16(v) => NiftiData::I16(v),
            Voxels::F32(v) => NiftiData::F32(v),
        };
        Self { data, ..header }
    }

    fn with_data(volume: &Volume, data: NiftiData) -> Self {
        let m = volume.affine().world_from_voxel();
        let spacing = volume.spacing_mm();
        Self {
            dims: volume.dims(),
            data,
            pixdim_mm: spacing.to_array(),
            sform: Some((XFORM_SCANNER_ANAT, m)),
            qform: quatern_from_affine(m).map(|q| (XFORM_SCANNER_ANAT, q)),
            scl_slope: 1.0,
            scl_inter: 0.0,
            description: "written by cadet".into(),
        }
    }
}

/// The 348-byte header plus the 4-byte empty extension block, little-endian.
fn header_bytes(img: &NiftiImage) -> Vec<u8> {
    let mut h = vec![0u8; 352];
    let put_i16 = |h: &mut Vec<u8>, at: usize, v: i16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put_f32 = |h: &mut Vec<u8>, at: usize, v: f64| h[at..at + 4].copy_from_slice(&(v as f32).to_le_bytes());
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    h[38] = b'r';
    put_i16(&mut h, 40, 3);
    for (a, &d) in img.dims.iter().enumerate() {
        put_i16(&mut h, 42 + 2 * a, d as i16);
    }
    for a in 3..7 {
        put_i16(&mut h, 42 + 2 * a, 1);
    }
    let dtype = img.data.dtype();
    put_i16(&mut h, 70, dtype.code());
    put_i16(&mut h, 72, (dtype.size_bytes() * 8) as i16);
    let qfac = img.qform.map_or(1.0, |(_, q)| q.qfac);
    put_f32(&mut h, 76, qfac);
    for a in 0..3 {
        put_f32(&mut h, 80 + 4 * a, img.pixdim_mm[a]);
    }
    put_f32(&mut h, 108, 352.0);
    put_f32(&mut h, 112, img.scl_slope);
    put_f32(&mut h, 116, img.scl_inter);
    h[123] = 2 | 8; // millimetres, seconds
    let descr = img.description.as_bytes();
    let n = descr.len().min(79);
    h[148..148 + n].copy_from_slice(&descr[..n]);
    if let Some((code, q)) = img.qform {
        put_i16(&mut h, 252, code);
        for (i, v) in [q.b, q.c, q.d, q.offset_mm.x, q.offset_mm.y, q.offset_mm.z].into_iter().enumerate() {
            put_f32(&mut h, 256 + 4 * i, v);
        }
    }
    if let Some((code, m)) = img.sform {
        put_i16(&mut h, 254, code);
        for r in 0..3 {
            for c in 0..4 {
                put_f32(&mut h, 280 + 16 * r + 4 * c, m.row(r)[c]);
            }
        }
    }
    h[344..348].copy_from_slice(b"n+1\0");
    h
}

fn write_payload(w: &mut dyn Write, img: &NiftiImage) -> std::io::Result<()> {
    w.write_all(&header_bytes(img))?;
    if cfg!(target_endian = "little") {
        w.write_all(img.data.as_bytes())
    } else {
        let mut swapped = img.data.clone();
        swapped.swap_bytes();
        w.write_all(swapped.as_bytes())
    }
}

/// Writes an image; gzip-compressed when the file name ends in `.gz`.
pub fn write_nifti_image(path: &Path, img: &NiftiImage) -> Result<(), NiftiError> {
    let expected: usize = img.dims.iter().product();
    if img.data.len() != expected {
        let detail = format!("{} values for dims {:?} ({expected} voxels)", img.data.len(), img.dims);
        return Err(NiftiError::Invalid { path: path.into(), detail });
    }
    if img.dims.iter().any(|&d| d == 0 || d > i16::MAX as usize) {
        let detail = format!("dims {:?} cannot be stored in NIfTI-1 (1 to 32767 per axis)", img.dims);
        return Err(NiftiError::Invalid { path: path.into(), detail });
    }
    let gzip = path.extension().is_some_and(|e| e == "gz");
    write_atomically(path, |w| {
        if gzip {
            let mut enc = GzEncoder::new(w, Compression::new(6));
            write_payload(&mut enc, img)?;
            enc.finish()?;
            Ok(())
        } else {
            write_payload(w, img)
        }
    })
    .map_err(|source| NiftiError::Write { path: path.into(), source })
}

/// Writes a volume (its storage type, sform and qform).
pub fn write_volume(path: &Path, volume: &Volume) -> Result<(), NiftiError> {
    write_nifti_image(path, &NiftiImage::from_volume(volume))
}
