//! One cache file: a small header (magic, JSON description with the source key, its checksum)
//! padded to a page, then the raw array in the writer's byte order (recorded; little-endian on
//! every machine cadet targets), memory-mapped when read.
//!
//! ```text
//! 0..8     b"CADETVC1"
//! 8..16    n, the header's JSON length (u64 LE)
//! 16..24   FNV-1a of the JSON (u64 LE)
//! 24..     the JSON, zero-padded to a multiple of 4096 bytes
//! then     the payload (payload_bytes), checked against payload_hash on every open
//! ```

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;
use serde::{Deserialize, Serialize};

use super::key::{SourceKey, fnv1a, payload_hash};
use crate::core::atomic::write_atomically;

const MAGIC: &[u8; 8] = b"CADETVC1";
const PAGE: usize = 4096;
pub const FORMAT_VERSION: u32 = 1;

/// What an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// The voxels in HU, as stored by the volume (int16 or float32).
    Voxels,
    /// Cubic B-spline coefficients (float32).
    Bspline,
}

impl EntryKind {
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Voxels => "voxels",
            EntryKind::Bspline => "bspline",
        }
    }
}

/// The element type of the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dtype {
    Int16,
    Float32,
}

impl Dtype {
    pub fn size(self) -> usize {
        match self {
            Dtype::Int16 => 2,
            Dtype::Float32 => 4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryHeader {
    pub version: u32,
    /// The payload's byte order is the writer's; a reader of the other order rebuilds.
    pub little_endian: bool,
    pub kind: EntryKind,
    pub dtype: Dtype,
    pub dims: [usize; 3],
    /// Rows of world_from_voxel as f64 bit patterns (exact through JSON).
    pub world_from_voxel_bits: [[u64; 4]; 3],
    pub source: SourceKey,
    pub payload_bytes: u64,
    pub payload_hash: u64,
}

impl EntryHeader {
    pub fn world_from_voxel_rows(&self) -> [[f64; 4]; 3] {
        self.world_from_voxel_bits.map(|row| row.map(f64::from_bits))
    }
}

/// An entry whose header and payload were checked, mapped read-only.
pub struct MappedEntry {
    pub header: EntryHeader,
    pub map: Arc<Mmap>,
    pub payload_offset: usize,
}

/// Why an existing entry cannot be used.
#[derive(Debug, PartialEq)]
pub enum Rejection {
    /// The source changed since the entry was written.
    Stale,
    /// The file is damaged (bad magic, header checksum, length or payload checksum).
    Corrupt(String),
}

fn padded(json_len: usize) -> usize {
    (24 + json_len).div_ceil(PAGE) * PAGE
}

/// Writes an entry atomically (a reader sees the old file or the whole new one).
pub fn write_entry(path: &Path, header: &EntryHeader, payload: &[u8]) -> io::Result<()> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    let mut head = Vec::with_capacity(padded(json.len()));
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&(json.len() as u64).to_le_bytes());
    head.extend_from_slice(&fnv1a(&json).to_le_bytes());
    head.extend_from_slice(&json);
    head.resize(padded(json.len()), 0);
    write_atomically(path, |w| {
        w.write_all(&head)?;
        w.write_all(payload)
    })
}

fn parse_header(bytes: &[u8]) -> Result<(EntryHeader, usize), Rejection> {
    let corrupt = |why: &str| Rejection::Corrupt(why.to_string());
    if bytes.len() < 24 || &bytes[..8] != MAGIC {
        return Err(corrupt("not a cadet cache file"));
    }
    let word = |at: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(a)
    };
    let len = usize::try_from(word(8)).map_err(|_| corrupt("header length"))?;
    let json = bytes.get(24..24usize.saturating_add(len)).ok_or_else(|| corrupt("truncated header"))?;
    if fnv1a(json) != word(16) {
        return Err(corrupt("header checksum"));
    }
    let header: EntryHeader = serde_json::from_slice(json).map_err(|e| Rejection::Corrupt(e.to_string()))?;
    Ok((header, padded(len)))
}

/// Reads only the header (for listings).
pub fn read_header(path: &Path) -> io::Result<Option<EntryHeader>> {
    let mut head = vec![0u8; PAGE];
    let mut file = File::open(path)?;
    let n = file.read(&mut head)?;
    head.truncate(n);
    if let Ok((_, offset)) = parse_header(&head)
        && offset > n
    {
        head.resize(offset, 0);
        file.read_exact(&mut head[n..offset])?;
    }
    Ok(parse_header(&head).ok().map(|(h, _)| h))
}

/// Maps an entry and checks it against the source's current key and its own checksums.
pub fn open_entry(path: &Path, kind: EntryKind, source: &SourceKey) -> io::Result<Result<MappedEntry, Rejection>> {
    let file = File::open(path)?;
    // SAFETY: cache files are never modified in place; they are replaced by rename, which leaves
    // an open mapping on the old file intact. Only outside truncation could invalidate it.
    let map = unsafe { Mmap::map(&file)? };
    let (header, payload_offset) = match parse_header(&map) {
        Ok(h) => h,
        Err(r) => return Ok(Err(r)),
    };
    if header.version != FORMAT_VERSION
        || header.little_endian != cfg!(target_endian = "little")
        || header.kind != kind
        || &header.source != source
    {
        return Ok(Err(Rejection::Stale));
    }
    let expected = header.dims.iter().product::<usize>() * header.dtype.size();
    let payload = map.get(payload_offset..).unwrap_or_default();
    if header.payload_bytes != expected as u64 || payload.len() != expected {
        return Ok(Err(Rejection::Corrupt(format!("payload of {} bytes, expected {expected}", payload.len()))));
    }
    if payload_hash(payload) != header.payload_hash {
        return Ok(Err(Rejection::Corrupt("payload checksum".into())));
    }
    Ok(Ok(MappedEntry { header, map: Arc::new(map), payload_offset }))
}
