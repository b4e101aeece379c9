//! The on-disk volume cache: the first time a volume is sampled, its voxels (and, for B-spline
//! interpolation, its prefiltered coefficients) are written once as raw arrays; afterwards they
//! are memory-mapped and the sampler reads them in place, so the OS decides what stays resident
//! and a process's anonymous memory does not grow with the number of patients.
//!
//! Also the view bank ([`bank`]): every candidate's views sampled once, stored memory-mapped.

pub mod bank;
mod entry;
mod key;

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

pub use entry::{Dtype, EntryHeader, EntryKind, Rejection};
pub use key::{SourceKey, fnv1a, payload_hash};

use crate::core::geometry::Affine;
use crate::core::sampling::{ByteOwner, Interpolation, SharedArray, ViewSampler, VoxelArray, prefilter};
use crate::core::volume::{Volume, Voxels};
use entry::{MappedEntry, open_entry, read_header, write_entry};

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {detail}")]
    Load { path: PathBuf, detail: String },
    #[error("cache entry {path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
}

/// What happened when an entry was asked for (for logs and tests).
#[derive(Clone, Debug, PartialEq)]
pub enum EntryStatus {
    /// A valid entry was mapped.
    Hit,
    /// There was none; it was written.
    Built,
    /// The one there was stale or corrupt (the reason); it was rewritten.
    Rebuilt(String),
}

/// A cached file as `cadet cache` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CachedFile {
    pub file: PathBuf,
    pub bytes: u64,
    pub header: Option<EntryHeader>,
}

static CONFIGURED: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Sets the cache folder for this process (`--cache DIR`, the workbench's setting); `None`
/// goes back to the default.
pub fn configure(dir: Option<PathBuf>) {
    *CONFIGURED.write().unwrap_or_else(PoisonError::into_inner) = dir;
}

/// The default folder: `$CADET_CACHE`, else `cadet/volumes` in the user's cache folder
/// (`$XDG_CACHE_HOME`, `~/.cache`, ...), else `.cadet-cache` in the working folder.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CADET_CACHE") {
        return PathBuf::from(dir);
    }
    dirs::cache_dir().map_or_else(|| PathBuf::from(".cadet-cache"), |d| d.join("cadet").join("volumes"))
}

/// The volume cache in one folder.
#[derive(Clone, Debug)]
pub struct VolumeCache {
    dir: PathBuf,
}

impl VolumeCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The cache this process uses: the configured folder or the default one.
    pub fn shared() -> Self {
        let configured = CONFIGURED.read().unwrap_or_else(PoisonError::into_inner).clone();
        Self::new(configured.unwrap_or_else(default_dir))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, path: &Path) -> impl FnOnce(std::io::Error) -> CacheError {
        let path = path.to_path_buf();
        move |source| CacheError::Io { path, source }
    }

    /// One file per source and series: two series of one folder never share an entry.
    fn entry_path(&self, key: &SourceKey, kind: EntryKind) -> PathBuf {
        let mut name = key.path.to_string_lossy().into_owned();
        if let Some(uid) = &key.series {
            name.push('\0');
            name.push_str(uid);
        }
        let id = fnv1a(name.as_bytes());
        self.dir.join(format!("{id:016x}-{}.cvc", kind.name()))
    }

    /// A sampler over the cached voxels (and coefficients) of `source` (a NIfTI file, or a DICOM
    /// folder and the `series` chosen in it); `load` reads the volume when there is no valid
    /// entry yet.
    pub fn sampler(
        &self,
        source: &Path,
        series: Option<&str>,
        interpolation: Interpolation,
        load: impl FnOnce() -> Result<Volume, String>,
    ) -> Result<(ViewSampler, EntryStatus), CacheError> {
        let key = SourceKey::of(source, series)
            .map_err(|e| CacheError::Load { path: source.into(), detail: e.to_string() })?;
        let (voxels, status) = self.entry(&key, EntryKind::Voxels, || {
            let volume = load().map_err(|detail| CacheError::Load { path: source.into(), detail })?;
            Ok(voxel_payload(volume, &key))
        })?;
        let h = &voxels.header;
        let affine = Affine::from_rows(h.world_from_voxel_rows())
            .map_err(|e| CacheError::Invalid { path: source.into(), detail: e.to_string() })?;
        let owner: Arc<dyn ByteOwner> = voxels.map.clone();
        let n: usize = h.dims.iter().product();
        let array = match h.dtype {
            Dtype::Int16 => SharedArray::new(owner, voxels.payload_offset, n).map(VoxelArray::I16),
            Dtype::Float32 => SharedArray::new(owner, voxels.payload_offset, n).map(VoxelArray::F32),
        };
        let invalid = |detail: &str| CacheError::Invalid { path: source.into(), detail: detail.into() };
        let array = array.ok_or_else(|| invalid("voxel payload is misaligned"))?;
        let bspline = match interpolation {
            Interpolation::Linear => None,
            Interpolation::Bspline => {
                let (coeffs, _) = self.entry(&key, EntryKind::Bspline, || Ok(bspline_payload(h, &array, &key)))?;
                let owner: Arc<dyn ByteOwner> = coeffs.map.clone();
                Some(SharedArray::new(owner, coeffs.payload_offset, n).ok_or_else(|| invalid("misaligned"))?)
            }
        };
        let sampler = ViewSampler::from_parts(h.dims, affine, array, bspline)
            .ok_or_else(|| invalid("arrays do not match the grid"))?;
        Ok((sampler, status))
    }

    /// Maps the entry of `key`, (re)building it with `build` when it is missing, stale or corrupt.
    fn entry(
        &self,
        key: &SourceKey,
        kind: EntryKind,
        build: impl FnOnce() -> Result<(EntryHeader, Box<dyn ByteOwner>), CacheError>,
    ) -> Result<(MappedEntry, EntryStatus), CacheError> {
        let path = self.entry_path(key, kind);
        let status = match open_entry(&path, kind, key) {
            Ok(Ok(mapped)) => return Ok((mapped, EntryStatus::Hit)),
            Ok(Err(Rejection::Stale)) => EntryStatus::Rebuilt("stale".into()),
            Ok(Err(Rejection::Corrupt(why))) => EntryStatus::Rebuilt(format!("corrupt: {why}")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => EntryStatus::Built,
            Err(e) => EntryStatus::Rebuilt(format!("unreadable: {e}")),
        };
        if let EntryStatus::Rebuilt(why) = &status {
            log::warn!("{}: cache entry {} was {why}; rebuilding it", key.path.display(), path.display());
        }
        let (header, payload) = build()?;
        std::fs::create_dir_all(&self.dir).map_err(self.io(&self.dir))?;
        write_entry(&path, &header, payload.bytes()).map_err(self.io(&path))?;
        drop(payload);
        match open_entry(&path, kind, key).map_err(self.io(&path))? {
            Ok(mapped) => Ok((mapped, status)),
            Err(r) => Err(CacheError::Invalid { path, detail: format!("just written, yet {r:?}") }),
        }
    }

    /// Every cache file with its size and header.
    pub fn list(&self) -> Result<Vec<CachedFile>, CacheError> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CacheError::Io { path: self.dir.clone(), source: e }),
        };
        let mut files = Vec::new();
        for entry in read {
            let entry = entry.map_err(self.io(&self.dir))?;
            let file = entry.path();
            if file.extension().is_some_and(|e| e == "cvc") {
                let bytes = entry.metadata().map_err(self.io(&file))?.len();
                files.push(CachedFile { header: read_header(&file).ok().flatten(), file, bytes });
            }
        }
        files.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(files)
    }

    /// Removes every cache file (and leftovers of interrupted writes); returns (files, bytes).
    pub fn clear(&self) -> Result<(usize, u64), CacheError> {
        let files = self.list()?;
        let bytes = files.iter().map(|f| f.bytes).sum();
        for f in &files {
            std::fs::remove_file(&f.file).map_err(self.io(&f.file))?;
        }
        if let Ok(read) = std::fs::read_dir(&self.dir) {
            for e in read.flatten() {
                if e.file_name().to_string_lossy().ends_with(".partial") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok((files.len(), bytes))
    }
}

/// A loaded volume as the bytes of its voxels (native little-endian order).
struct VolumeBytes(Volume);

impl ByteOwner for VolumeBytes {
    fn bytes(&self) -> &[u8] {
        match self.0.voxels() {
            Voxels::I16(v) => bytemuck::cast_slice(v),
            Voxels::F32(v) => bytemuck::cast_slice(v),
        }
    }
}

fn header_for(
    key: &SourceKey,
    kind: EntryKind,
    dtype: Dtype,
    dims: [usize; 3],
    rows: [[f64; 4]; 3],
    payload: &[u8],
) -> EntryHeader {
    EntryHeader {
        version: entry::FORMAT_VERSION,
        little_endian: cfg!(target_endian = "little"),
        kind,
        dtype,
        dims,
        world_from_voxel_bits: rows.map(|r| r.map(f64::to_bits)),
        source: key.clone(),
        payload_bytes: payload.len() as u64,
        payload_hash: payload_hash(payload),
    }
}

fn voxel_payload(volume: Volume, key: &SourceKey) -> (EntryHeader, Box<dyn ByteOwner>) {
    let rows = volume.affine().rows();
    let rows = [rows[0], rows[1], rows[2]];
    let dtype = match volume.voxels() {
        Voxels::I16(_) => Dtype::Int16,
        Voxels::F32(_) => Dtype::Float32,
    };
    let dims = volume.dims();
    let payload = VolumeBytes(volume);
    (header_for(key, EntryKind::Voxels, dtype, dims, rows, payload.bytes()), Box::new(payload))
}

fn bspline_payload(voxels: &EntryHeader, array: &VoxelArray, key: &SourceKey) -> (EntryHeader, Box<dyn ByteOwner>) {
    let coeffs = match array {
        VoxelArray::I16(a) => prefilter(a.as_slice(), voxels.dims),
        VoxelArray::F32(a) => prefilter(a.as_slice(), voxels.dims),
    };
    let rows = voxels.world_from_voxel_rows();
    let header = header_for(key, EntryKind::Bspline, Dtype::Float32, voxels.dims, rows, bytemuck::cast_slice(&coeffs));
    (header, Box::new(coeffs))
}
