//! A bank's manifest (`manifest.json`): how its views were made, and the patients, lesions and
//! candidates they belong to, so that training and evaluation need neither the study's volumes
//! nor its folder. Its progress (`progress.json`) says which candidates are done.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::BankError;
use crate::core::atomic::write_bytes_atomically;
use crate::core::sampling::{Interpolation, ViewProtocol};
use crate::core::study::{Candidate, Lesion, Patient, Region, Study};
use crate::core::window::Window;

pub const BANK_FORMAT: u32 = 1;
/// Every view is stored as `3·size²` bytes: the window applied, then rounded to 1/255.
pub const STORAGE: &str = "uint8 after the window, channel-major [3, size, size]";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BankPatient {
    pub id: String,
    pub region: Region,
    pub lesions: Vec<Lesion>,
    pub candidates: Vec<Candidate>,
    /// The bank row of this patient's first candidate (rows follow candidate order).
    pub first_row: usize,
}

/// Everything that determines a bank's bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BankManifest {
    pub format: u32,
    pub storage: String,
    pub study: PathBuf,
    pub seed: u64,
    pub views_per_candidate: usize,
    /// Pixels per side of every view.
    pub size: usize,
    pub interpolation: Interpolation,
    pub protocol: ViewProtocol,
    pub window: Window,
    pub patients: Vec<BankPatient>,
}

impl BankManifest {
    /// Rows (candidates) in the bank.
    pub fn rows(&self) -> usize {
        self.patients.iter().map(|p| p.candidates.len()).sum()
    }

    /// Bytes of one view.
    pub fn view_bytes(&self) -> usize {
        3 * self.size * self.size
    }

    /// The study the bank describes (no volume paths: views come from the bank).
    pub fn study(&self) -> Study {
        let patients = self
            .patients
            .iter()
            .map(|p| Patient {
                id: p.id.clone(),
                region: p.region.clone(),
                volume_path: PathBuf::new(),
                series: None,
                mask_path: None,
                lesions: p.lesions.clone(),
                candidates: p.candidates.clone(),
            })
            .collect();
        Study { root: self.study.clone(), patients }
    }

    pub fn read(path: &Path) -> Result<Self, BankError> {
        let text = std::fs::read_to_string(path).map_err(|e| BankError::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| BankError::Invalid { path: path.into(), detail: e.to_string() })
    }

    pub fn write(&self, path: &Path) -> Result<(), BankError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| BankError::io(path, std::io::Error::other(e)))?;
        write_bytes_atomically(path, text.as_bytes()).map_err(|e| BankError::io(path, e))
    }
}

/// Which rows are written (`done[row]`), saved atomically after every chunk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BankProgress {
    pub done: Vec<bool>,
}

impl BankProgress {
    pub fn complete(&self) -> bool {
        self.done.iter().all(|&d| d)
    }

    pub fn read(path: &Path, rows: usize) -> Result<Self, BankError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let p: Self = serde_json::from_str(&text)
                    .map_err(|e| BankError::Invalid { path: path.into(), detail: e.to_string() })?;
                if p.done.len() != rows {
                    return Err(BankError::Invalid {
                        path: path.into(),
                        detail: format!("{} rows, not {rows}", p.done.len()),
                    });
                }
                Ok(p)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self { done: vec![false; rows] }),
            Err(e) => Err(BankError::io(path, e)),
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), BankError> {
        let text = serde_json::to_string(self).map_err(|e| BankError::io(path, std::io::Error::other(e)))?;
        write_bytes_atomically(path, text.as_bytes()).map_err(|e| BankError::io(path, e))
    }
}
