//! What a cache entry was made from: the source's path, the DICOM series chosen in a folder,
//! size, modification time and a hash of its first bytes (a NIfTI header, compressed or not) or,
//! for a DICOM folder, of its listing (every file below it). An entry whose key differs from the
//! source's key now is stale.

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
    /// The SeriesInstanceUID asked for in a DICOM folder (`None`: the series with most slices).
    #[serde(default)]
    pub series: Option<String>,
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

/// (path below `root`, size, mtime) of every file under `dir`, recursively.
fn list_files(root: &Path, dir: &Path, out: &mut Vec<(String, u64, u64)>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let m = fs::metadata(&path)?;
        if m.is_dir() {
            list_files(root, &path, out)?;
        } else if m.is_file() {
            let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
            out.push((name, m.len(), mtime_ns(&m)));
        }
    }
    Ok(())
}

impl SourceKey {
    /// The key of a file, or of a folder and the series chosen in it, as they are now.
    pub fn of(path: &Path, series: Option<&str>) -> std::io::Result<Self> {
        let path = fs::canonicalize(path)?;
        let meta = fs::metadata(&path)?;
        let series = series.map(str::to_string);
        if meta.is_dir() {
            let mut files: Vec<(String, u64, u64)> = Vec::new();
            list_files(&path, &path, &mut files)?;
            files.sort();
            let listing: String = files.iter().map(|(n, s, t)| format!("{n}\t{s}\t{t}\n")).collect();
            return Ok(Self {
                size_bytes: files.iter().map(|f| f.1).sum(),
                mtime_ns: files.iter().map(|f| f.2).max().unwrap_or(0),
                head_hash: fnv1a(listing.as_bytes()),
                path,
                series,
            });
        }
        let mut head = Vec::new();
        fs::File::open(&path)?.take(HEAD_BYTES).read_to_end(&mut head)?;
        Ok(Self { size_bytes: meta.len(), mtime_ns: mtime_ns(&meta), head_hash: fnv1a(&head), path, series })
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
        let a = SourceKey::of(&f, None).unwrap();
        assert_eq!(a, SourceKey::of(&f, None).unwrap());
        fs::write(&f, b"other").unwrap();
        assert_ne!(a.head_hash, SourceKey::of(&f, None).unwrap().head_hash, "same size, new content");
        let folder = SourceKey::of(dir.path(), None).unwrap();
        assert_eq!(folder.size_bytes, 5);
        // a file in a sub-folder (a series spread over folders) changes the folder's key
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("sub/b.dcm"), b"xyz").unwrap();
        let deeper = SourceKey::of(dir.path(), None).unwrap();
        assert_eq!(deeper.size_bytes, 8);
        assert_ne!(deeper.head_hash, folder.head_hash);
        let other_series = SourceKey::of(dir.path(), Some("1.2.3")).unwrap();
        assert_eq!(other_series.series.as_deref(), Some("1.2.3"));
        assert_ne!(other_series, deeper);
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
