//! The annotated slices of a database decoded once and kept as three-window RGB bytes
//! (`[3, rows, cols]` per slice), which patches and slice views are cut from.

use std::sync::Arc;

use rayon::prelude::*;

use super::IldError;
use super::database::IldDatabase;
use super::windows::rgb_planes_u8;

/// One slice's RGB bytes and size.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceImage {
    pub rgb: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
}

/// Per patient, per annotated slice: its image (`None` for patients not loaded).
#[derive(Clone, Debug, Default)]
pub struct SliceImages {
    pub slices: Vec<Option<Vec<Arc<SliceImage>>>>,
}

impl SliceImages {
    /// Decodes the slices of the given patients (all cores).
    pub fn load(db: &IldDatabase, patients: &[usize]) -> Result<SliceImages, IldError> {
        let mut slices = vec![None; db.patients.len()];
        for &p in patients {
            let images = db.patients[p]
                .slices
                .par_iter()
                .map(|s| {
                    let hu = s.load_hu()?;
                    Ok(Arc::new(SliceImage { rgb: rgb_planes_u8(&hu), rows: s.rows(), cols: s.cols() }))
                })
                .collect::<Result<Vec<_>, IldError>>()?;
            slices[p] = Some(images);
        }
        Ok(SliceImages { slices })
    }

    pub fn get(&self, patient: usize, slice: usize) -> Option<&Arc<SliceImage>> {
        self.slices.get(patient)?.as_ref()?.get(slice)
    }
}
