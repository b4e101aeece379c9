//! Uncompressed files' pixel bytes read straight from the file, a shorter road measured to
//! matter (`benches/reference/dicom_bench.py`): the headers were already parsed by dicom-rs
//! during the scan, and in nearly every CT file the PixelData element is the last one, so its
//! value is the file's tail. When the element header that must precede it is found exactly
//! there (tag, VR, the expected length), the samples are used in place; any other layout (a
//! trailing element, an odd length, big-endian or compressed syntaxes) goes through dicom-rs.

use std::fs::File;
use std::io::Read;

use super::DicomError;
use super::header::SliceHeader;

/// Explicit VR Little Endian and Implicit VR Little Endian: the samples as they are stored.
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
/// The PixelData tag (7FE0,0010) as little-endian bytes.
const PIXEL_DATA_TAG: [u8; 4] = [0xE0, 0x7F, 0x10, 0x00];

/// Reads the file into `buffer` and finds its PixelData at the tail, if it is there:
/// `(offset, length)` of the samples in `buffer`.
pub(super) fn native_tail(
    h: &SliceHeader,
    want: usize,
    buffer: &mut Vec<u8>,
) -> Result<Option<(usize, usize)>, DicomError> {
    let explicit = h.transfer_syntax == EXPLICIT_LE;
    if !explicit && h.transfer_syntax != IMPLICIT_LE {
        return Ok(None);
    }
    let io = |source| DicomError::Io { path: h.path.clone(), source };
    buffer.clear();
    File::open(&h.path).and_then(|mut f| f.read_to_end(buffer)).map_err(io)?;
    let value_len = want + want % 2;
    let head_len = if explicit { 12 } else { 8 };
    let Some(start) = buffer.len().checked_sub(value_len + head_len) else { return Ok(None) };
    let head = &buffer[start..start + head_len];
    let length = |at: usize| u32::from_le_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]) as usize;
    let found = head[..4] == PIXEL_DATA_TAG
        && if explicit {
            matches!(&head[4..8], b"OW\0\0" | b"OB\0\0") && length(8) == value_len
        } else {
            length(4) == value_len
        };
    Ok(found.then_some((start + head_len, want)))
}
