//! Reading a NIfTI-1 file into a [`Volume`], checking every header field that could make the
//! read panic, allocate absurdly or silently produce a wrong image.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;

use super::NiftiError;
use super::dtype::{NiftiData, NiftiDtype, with_data};
use super::header::{AffineSource, header_affine};
use crate::core::geometry::Affine;
use crate::core::volume::{Volume, Voxels};

/// The largest volume cadet reads: 2³¹ voxels (8 GiB as f32). Larger headers are refused
/// before anything is allocated.
pub const MAX_VOXELS: u64 = 1 << 31;

const HEADER_BYTES: usize = 348;

/// What the header said, beyond the volume itself.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderInfo {
    pub dtype: NiftiDtype,
    /// `(slope, intercept)` applied to the stored values; `None` when the header asks for none.
    pub scaling: Option<(f64, f64)>,
    pub affine_source: AffineSource,
    pub sform_code: i16,
    pub qform_code: i16,
    pub big_endian: bool,
    pub description: String,
}

/// A volume read from a file, with its header facts.
#[derive(Clone, Debug)]
pub struct NiftiFile {
    pub path: PathBuf,
    pub volume: Volume,
    pub info: HeaderInfo,
}

struct Opened {
    stream: Box<dyn Read>,
    gzip: bool,
    file_len: u64,
}

fn open(path: &Path) -> Result<Opened, NiftiError> {
    let file = File::open(path).map_err(|source| NiftiError::Open { path: path.into(), source })?;
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let mut buf = BufReader::with_capacity(1 << 20, file);
    let head = buf.fill_buf().map_err(|source| NiftiError::Read { path: path.into(), source })?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let stream: Box<dyn Read> = if gzip { Box::new(MultiGzDecoder::new(buf)) } else { Box::new(buf) };
    Ok(Opened { stream, gzip, file_len })
}

/// Reads until `buf` is full or the stream ends; returns how many bytes were read.
fn read_full(stream: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Maps a stream error to the right kind: a gzip stream that ends early is truncation, one
/// that fails to inflate is corruption.
fn stream_error(path: &Path, gzip: bool, what: &'static str, expected: u64, found: u64, e: io::Error) -> NiftiError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => NiftiError::Truncated { path: path.into(), what, expected, found },
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData if gzip => {
            NiftiError::CorruptGzip { path: path.into(), detail: e.to_string() }
        }
        _ => NiftiError::Read { path: path.into(), source: e },
    }
}

fn parse_header(path: &Path, opened: &mut Opened) -> Result<nifti::NiftiHeader, NiftiError> {
    let mut bytes = [0u8; HEADER_BYTES];
    let n = read_full(&mut opened.stream, &mut bytes)
        .map_err(|e| stream_error(path, opened.gzip, "header", HEADER_BYTES as u64, 0, e))?;
    if n == 0 {
        return Err(NiftiError::NotNifti { path: path.into(), reason: "the file is empty".into() });
    }
    if n < 4 {
        return Err(NiftiError::NotNifti { path: path.into(), reason: format!("only {n} bytes") });
    }
    let size_le = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let size_be = i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if size_le == 540 || size_be == 540 {
        let reason = "NIfTI-2 header; only NIfTI-1 is supported (convert with e.g. nibabel)".into();
        return Err(NiftiError::NotNifti { path: path.into(), reason });
    }
    if size_le != 348 && size_be != 348 {
        let reason = format!("header size field is {size_le}, not 348");
        return Err(NiftiError::NotNifti { path: path.into(), reason });
    }
    if n < HEADER_BYTES {
        return Err(NiftiError::Truncated {
            path: path.into(),
            what: "header",
            expected: HEADER_BYTES as u64,
            found: n as u64,
        });
    }
    let header = nifti::NiftiHeader::from_reader(&bytes[..]).map_err(|e| NiftiError::NotNifti {
        path: path.into(),
        reason: format!("{e} (magic {:?})", String::from_utf8_lossy(&bytes[344..347])),
    })?;
    if &header.magic == b"ni1\0" {
        let reason = "a .hdr/.img pair; cadet reads single-file .nii/.nii.gz".into();
        return Err(NiftiError::NotNifti { path: path.into(), reason });
    }
    Ok(header)
}

/// Validated grid size: the three spatial dimensions (missing ones are 1).
fn spatial_dims(path: &Path, h: &nifti::NiftiHeader) -> Result<[usize; 3], NiftiError> {
    let rank = h.dim[0] as i16;
    if !(1..=7).contains(&rank) {
        return Err(NiftiError::BadDims { path: path.into(), detail: format!("dim[0] = {rank} (must be 1 to 7)") });
    }
    let dims: Vec<i64> = (1..=rank as usize).map(|a| i64::from(h.dim[a] as i16)).collect();
    if let Some(a) = dims.iter().position(|&d| d <= 0) {
        let detail = format!("dim[{}] = {} (every dimension must be at least 1; dims {:?})", a + 1, dims[a], dims);
        return Err(NiftiError::BadDims { path: path.into(), detail });
    }
    let volumes: u64 = dims.iter().skip(3).map(|&d| d as u64).product();
    if volumes > 1 {
        return Err(NiftiError::Series { path: path.into(), volumes });
    }
    let spatial = [0, 1, 2].map(|a| dims.get(a).copied().unwrap_or(1));
    let voxels: u64 = spatial.iter().map(|&d| d as u64).product();
    if voxels > MAX_VOXELS {
        let dtype_bytes = NiftiDtype::from_code(h.datatype).map_or(4, |t| t.size_bytes()) as f64;
        return Err(NiftiError::TooLarge {
            path: path.into(),
            dims: spatial.to_vec(),
            voxels,
            gib: voxels as f64 * dtype_bytes / (1u64 << 30) as f64,
            limit: MAX_VOXELS,
        });
    }
    Ok(spatial.map(|d| d as usize))
}

/// Reads only the header (cheap even for big gzip files) and checks it as [`read_nifti`] does.
pub fn read_header(path: &Path) -> Result<(nifti::NiftiHeader, [usize; 3]), NiftiError> {
    let mut opened = open(path)?;
    let header = parse_header(path, &mut opened)?;
    let dims = spatial_dims(path, &header)?;
    Ok((header, dims))
}

/// The grid of a file (dims and voxel-to-world map) from its header alone.
pub fn read_grid(path: &Path) -> Result<([usize; 3], Affine), NiftiError> {
    let (header, dims) = read_header(path)?;
    let (matrix, _) = header_affine(&header);
    let affine = Affine::new(matrix).map_err(|source| NiftiError::Affine { path: path.into(), source })?;
    Ok((dims, affine))
}

/// Reads a `.nii` or `.nii.gz` file (gzip is detected from the content, not the name).
pub fn read_nifti(path: &Path) -> Result<NiftiFile, NiftiError> {
    let mut opened = open(path)?;
    let header = parse_header(path, &mut opened)?;
    let dims = spatial_dims(path, &header)?;
    let dtype = NiftiDtype::from_code(header.datatype).ok_or_else(|| NiftiError::UnsupportedType {
        path: path.into(),
        detail: format!(
            "code {} (cadet reads uint8, int8, uint16, int16, uint32, int32, float32, float64)",
            header.datatype
        ),
    })?;
    let len: usize = dims.iter().product();
    let data_bytes = (len * dtype.size_bytes()) as u64;
    let vox_offset = header.vox_offset as i64;
    if vox_offset < HEADER_BYTES as i64 {
        let detail = format!("vox_offset {} points inside the 348-byte header", header.vox_offset);
        return Err(NiftiError::Invalid { path: path.into(), detail });
    }
    if !opened.gzip && opened.file_len < vox_offset as u64 + data_bytes {
        return Err(NiftiError::Truncated {
            path: path.into(),
            what: "voxel data",
            expected: data_bytes,
            found: opened.file_len.saturating_sub(vox_offset as u64),
        });
    }
    let skip = vox_offset as u64 - HEADER_BYTES as u64;
    let skipped = io::copy(&mut (&mut opened.stream).take(skip), &mut io::sink())
        .map_err(|e| stream_error(path, opened.gzip, "extensions", skip, 0, e))?;
    if skipped < skip {
        return Err(NiftiError::Truncated { path: path.into(), what: "extensions", expected: skip, found: skipped });
    }
    let mut data = NiftiData::try_zeroed(dtype, len).map_err(|_| NiftiError::Invalid {
        path: path.into(),
        detail: format!("cannot allocate {:.1} GiB for the voxels", data_bytes as f64 / (1u64 << 30) as f64),
    })?;
    let found = read_full(&mut opened.stream, data.as_bytes_mut())
        .map_err(|e| stream_error(path, opened.gzip, "voxel data", data_bytes, 0, e))?;
    if (found as u64) < data_bytes {
        return Err(NiftiError::Truncated {
            path: path.into(),
            what: "voxel data",
            expected: data_bytes,
            found: found as u64,
        });
    }
    let big_endian = header.endianness == nifti::Endianness::Big;
    if big_endian != cfg!(target_endian = "big") {
        data.swap_bytes();
    }
    let scaling = scaling_of(&header);
    let voxels = to_hu(path, data, scaling)?;
    let (matrix, affine_source) = header_affine(&header);
    let affine = Affine::new(matrix).map_err(|source| NiftiError::Affine { path: path.into(), source })?;
    let volume = Volume::new(dims, affine, voxels)
        .map_err(|e| NiftiError::Invalid { path: path.into(), detail: e.to_string() })?;
    let description = String::from_utf8_lossy(&header.descrip).trim_end_matches('\0').trim().to_string();
    let info = HeaderInfo {
        dtype,
        scaling,
        affine_source,
        sform_code: header.sform_code,
        qform_code: header.qform_code,
        big_endian,
        description,
    };
    Ok(NiftiFile { path: path.into(), volume, info })
}

/// The header's scaling; a slope of 0 (or a non-finite one) means no scaling, as the NIfTI-1
/// standard and nibabel have it.
fn scaling_of(h: &nifti::NiftiHeader) -> Option<(f64, f64)> {
    let slope = f64::from(h.scl_slope);
    let inter = f64::from(h.scl_inter);
    if slope == 0.0 || !slope.is_finite() {
        return None;
    }
    let inter = if inter.is_finite() { inter } else { 0.0 };
    (slope != 1.0 || inter != 0.0).then_some((slope, inter))
}

/// Widens any stored element type to f64 (one generic function for every `with_data!` arm).
#[inline(always)]
fn as_f64<T: Into<f64>>(x: T) -> f64 {
    x.into()
}

/// Converts stored values to HU, keeping i16 storage when the source is integral, the scaling
/// maps integers to integers and every value fits.
fn to_hu(path: &Path, data: NiftiData, scaling: Option<(f64, f64)>) -> Result<Voxels, NiftiError> {
    let data = match (data, scaling) {
        (NiftiData::I16(v), None) => return Ok(Voxels::I16(v)),
        (data, _) => data,
    };
    let (slope, inter) = scaling.unwrap_or((1.0, 0.0));
    if data.dtype().is_float() {
        let bad = with_data!(&data, v => v.par_iter().filter(|x| !as_f64(**x).is_finite()).count());
        if bad > 0 {
            let first = (0..data.len()).find(|&i| !data.get_f64(i).is_finite()).unwrap_or(0);
            return Err(NiftiError::NonFinite { path: path.into(), count: bad, first });
        }
        let out: Vec<f32> = with_data!(&data, v => v.par_iter().map(|&x| (as_f64(x) * slope + inter) as f32).collect());
        return Ok(Voxels::F32(out));
    }
    let (lo, hi) = with_data!(&data, v => v.par_iter().fold(
        || (f64::INFINITY, f64::NEG_INFINITY),
        |(lo, hi), &x| (lo.min(as_f64(x)), hi.max(as_f64(x))),
    ).reduce(|| (f64::INFINITY, f64::NEG_INFINITY), |a, b| (a.0.min(b.0), a.1.max(b.1))));
    let (a, b) = (lo * slope + inter, hi * slope + inter);
    let integral = slope.fract() == 0.0 && inter.fract() == 0.0;
    let fits = |x: f64| x >= f64::from(i16::MIN) && x <= f64::from(i16::MAX);
    if integral && fits(a) && fits(b) {
        let out: Vec<i16> = with_data!(&data, v => v.par_iter().map(|&x| (as_f64(x) * slope + inter) as i16).collect());
        Ok(Voxels::I16(out))
    } else {
        let out: Vec<f32> = with_data!(&data, v => v.par_iter().map(|&x| (as_f64(x) * slope + inter) as f32).collect());
        Ok(Voxels::F32(out))
    }
}
