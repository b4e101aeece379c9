//! The view bank: the paper's protocol precomputed. Every candidate's K views are sampled once
//! and stored as plain files a cluster job can read from shared storage:
//!
//! - `manifest.json`: settings, patients, lesions and candidates ([`BankManifest`]);
//! - `views.u8`: row-major `[rows, K, 3, size, size]` bytes, memory-mapped when read;
//! - `params.f64`: `[rows, K, 16]` little-endian f64, each view's centre, shift, field of view
//!   and rotation (row-major), so any view can be regenerated and shown;
//! - `progress.json`: the rows written so far.
//!
//! Views are stored as uint8 after the window, not float16: the window is the first thing the
//! network input goes through, it clamps to [0, 1] anyway, and a step of 1/255 of the soft-tissue
//! window is 1.6 HU, far below CT noise; half the bytes of float16 means twice the views in the
//! page cache. The cost: a bank serves one window; another window needs another bank.

mod build;
mod manifest;

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

pub use build::{BankRequest, BankSummary, build_bank};
pub use manifest::{BankManifest, BankPatient, BankProgress, STORAGE};

use super::CacheError;
use crate::core::sampling::ViewSpec;

pub const MANIFEST_FILE: &str = "manifest.json";
pub const PROGRESS_FILE: &str = "progress.json";
pub const VIEWS_FILE: &str = "views.u8";
pub const PARAMS_FILE: &str = "params.f64";
/// Centre (3), shift (3), field of view (1), rotation rows (9).
pub const PARAMS_PER_VIEW: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error("{0}")]
    Request(String),
    #[error(transparent)]
    Cache(CacheError),
}

impl BankError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// A view's parameters as 16 numbers (the layout of `params.f64`).
pub fn view_spec_values(spec: &ViewSpec) -> [f64; PARAMS_PER_VIEW] {
    let mut v = [0.0; PARAMS_PER_VIEW];
    v[..3].copy_from_slice(&spec.center_world_mm);
    v[3..6].copy_from_slice(&spec.shift_mm);
    v[6] = spec.fov_mm;
    for (r, row) in spec.rotation.iter().enumerate() {
        v[7 + 3 * r..10 + 3 * r].copy_from_slice(row);
    }
    v
}

/// A complete bank, mapped for reading.
pub struct ViewBank {
    pub dir: PathBuf,
    pub manifest: BankManifest,
    views: Mmap,
}

impl ViewBank {
    /// Opens a complete bank; an incomplete one is refused with what to do.
    pub fn open(dir: &Path) -> Result<Self, BankError> {
        let manifest = BankManifest::read(&dir.join(MANIFEST_FILE))?;
        let rows = manifest.rows();
        if !BankProgress::read(&dir.join(PROGRESS_FILE), rows)?.complete() {
            return Err(BankError::Invalid {
                path: dir.into(),
                detail: "the bank is incomplete; run the same `cadet bank` command again to finish it".into(),
            });
        }
        let path = dir.join(VIEWS_FILE);
        let file = File::open(&path).map_err(|e| BankError::io(&path, e))?;
        // SAFETY: a bank's views file is only written by `cadet bank` before it is complete;
        // a complete bank is read-only.
        let views = unsafe { Mmap::map(&file) }.map_err(|e| BankError::io(&path, e))?;
        let expected = rows * manifest.views_per_candidate * manifest.view_bytes();
        if views.len() != expected {
            let detail = format!("{} bytes, expected {expected}", views.len());
            return Err(BankError::Invalid { path, detail });
        }
        #[cfg(unix)]
        {
            let _ = views.advise(memmap2::Advice::Random);
        }
        Ok(Self { dir: dir.into(), manifest, views })
    }

    /// The bank row of a patient's candidate (indices into [`BankManifest::study`]).
    pub fn row(&self, patient: usize, candidate: usize) -> usize {
        self.manifest.patients[patient].first_row + candidate
    }

    /// View `k` of a row: `3·size²` bytes.
    pub fn view(&self, row: usize, k: usize) -> &[u8] {
        let n = self.manifest.view_bytes();
        let at = (row * self.manifest.views_per_candidate + k) * n;
        &self.views[at..at + n]
    }

    /// The logged parameters of view `k` of a row.
    pub fn params(&self, row: usize, k: usize) -> Result<[f64; PARAMS_PER_VIEW], BankError> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.dir.join(PARAMS_FILE);
        let mut file = File::open(&path).map_err(|e| BankError::io(&path, e))?;
        let at = ((row * self.manifest.views_per_candidate + k) * PARAMS_PER_VIEW * 8) as u64;
        let mut bytes = [0u8; PARAMS_PER_VIEW * 8];
        file.seek(SeekFrom::Start(at))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| BankError::io(&path, e))?;
        let mut out = [0.0; PARAMS_PER_VIEW];
        for (o, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            *o = f64::from_le_bytes(a);
        }
        Ok(out)
    }
}
