//! The annotated slices of a database decoded once and kept as three-window RGB bytes
//! (`[3, rows, cols]` per slice), which patches and slice views are cut from.

use std::sync::Arc;

use rayon::prelude::*;

use super::IldError;
use super::database::IldDatabase;
use super::lung::slice_lung_mask;
use super::windows::rgb_planes_u8;

/// One slice's RGB bytes and size, and its lung mask when asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceImage {
    pub rgb: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
    pub lung: Option<Vec<bool>>,
}

/// Per patient, per annotated slice: its image (`None` for patients not loaded).
#[derive(Clone, Debug, Default)]
pub struct SliceImages {
    pub slices: Vec<Option<Vec<Arc<SliceImage>>>>,
}

impl SliceImages {
    /// Decodes the slices of the given patients (all cores), with their lung masks (the HUG
    /// mask, or estimated) when `with_lung`.
    pub fn load(db: &IldDatabase, patients: &[usize], with_lung: bool) -> Result<SliceImages, IldError> {
        let mut slices = vec![None; db.patients.len()];
        for &p in patients {
            let images = db.patients[p]
                .slices
                .par_iter()
                .map(|s| {
                    let hu = s.load_hu()?;
                    let lung = if with_lung { Some(slice_lung_mask(s, &hu)?.0) } else { None };
                    Ok(Arc::new(SliceImage { rgb: rgb_planes_u8(&hu), rows: s.rows(), cols: s.cols(), lung }))
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
