//! What a cache entry was made from: the source's path, size, modification time and a hash of
//! its first bytes (a NIfTI header, compressed or not) or, for a DICOM folder, of its listing.
//! An entry whose key differs from the source's key now is stale.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Bytes of a source file hashed into its key (the NIfTI header and more).
const HEAD_BYTES: u64 = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceKey {
    /// The absolute source path.
    pub path: PathBuf,
    /// File size, or the total size of a folder's files.
    pub size_bytes: u64,
    /// Latest modification time, nanoseconds since 1970.
    pub mtime_ns: u64,
    /// FNV-1a of the first 64 KiB (a file) or of the names, sizes and times (a folder).
    pub head_hash: u64,
}

/// FNV-1a, 64 bit.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn mtime_ns(meta: &fs::Metadata) -> u64 {
    meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as u64)
}

impl SourceKey {
    /// The key of a file or a folder as it is now.
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let path = fs::canonicalize(path)?;
        let meta = fs::metadata(&path)?;
        if meta.is_dir() {
            let mut files: Vec<(String, u64, u64)> = Vec::new();
            for entry in fs::read_dir(&path)? {
                let entry = entry?;
                let m = entry.metadata()?;
                if m.is_file() {
                    files.push((entry.file_name().to_string_lossy().into_owned(), m.len(), mtime_ns(&m)));
                }
            }
            files.sort();
            let listing: String = files.iter().map(|(n, s, t)| format!("{n}\t{s}\t{t}\n")).collect();
            return Ok(Self {
                size_bytes: files.iter().map(|f| f.1).sum(),
                mtime_ns: files.iter().map(|f| f.2).max().unwrap_or(0),
                head_hash: fnv1a(listing.as_bytes()),
                path,
            });
        }
        let mut head = Vec::new();
        fs::File::open(&path)?.take(HEAD_BYTES).read_to_end(&mut head)?;
        Ok(Self { size_bytes: meta.len(), mtime_ns: mtime_ns(&meta), head_hash: fnv1a(&head), path })
    }
}

/// A 64-bit checksum of a large payload, computed in parallel over 1 MiB chunks (each chunk a
/// multiply–xor hash over 8-byte words, the chunk hashes combined in order).
pub fn payload_hash(bytes: &[u8]) -> u64 {
    const CHUNK: usize = 1 << 20;
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let chunk_hash = |chunk: &[u8]| {
        let mut words = chunk.chunks_exact(8);
        let mut h = chunk.len() as u64;
        for w in words.by_ref() {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K).rotate_left(29);
        }
        for &b in words.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(K);
        }
        h
    };
    let hashes: Vec<u64> = bytes.par_chunks(CHUNK).map(chunk_hash).collect();
    hashes.iter().fold(0x51_7c_c1_b7_27_22_0a_95, |acc, &h| (acc ^ h).wrapping_mul(K).rotate_left(31))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.nii");
        fs::write(&f, b"first").unwrap();
        let a = SourceKey::of(&f).unwrap();
        assert_eq!(a, SourceKey::of(&f).unwrap());
        fs::write(&f, b"other").unwrap();
        assert_ne!(a.head_hash, SourceKey::of(&f).unwrap().head_hash, "same size, new content");
        let folder = SourceKey::of(dir.path()).unwrap();
        assert_eq!(folder.size_bytes, 5);
    }

    #[test]
    fn payload_hash_sees_one_flipped_bit() {
        let mut v = vec![7u8; 3 << 20];
        let h = payload_hash(&v);
        v[2_500_000] ^= 1;
        assert_ne!(h, payload_hash(&v));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
