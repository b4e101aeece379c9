//! The HUG database's label masks (`ILD_DB_volumeROIs`: per slice a DICOM image whose pixel
//! values are label codes) checked against the ROI files' contours: per class, the code its
//! contours cover most, and how well that code's pixels and the rasterised contours agree. A
//! misread contour (the mm → pixel rule, a slice paired with the wrong file) shows as a low
//! Dice; the codes are found, not assumed, so a database with another numbering reads too.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::database::{IldDatabase, IldSlice};
use super::lung::mask::read_mask_values;
use super::polygon::rasterize;
use super::{CLASSES, IldClass, IldError};

/// One class's agreement over every slice with a label mask.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassAgreement {
    pub class: IldClass,
    /// The nonzero code most of its contour pixels carry (`None`: no contour pixel has one).
    pub code: Option<i64>,
    /// Pixels inside its contours.
    pub contour_pixels: usize,
    /// Pixels with its code.
    pub code_pixels: usize,
    /// Pixels both inside its contours and with its code.
    pub both: usize,
}

impl ClassAgreement {
    /// 2 |contours ∩ code| / (|contours| + |code|).
    pub fn dice(&self) -> Option<f64> {
        let sizes = self.contour_pixels + self.code_pixels;
        (sizes > 0).then(|| 2.0 * self.both as f64 / sizes as f64)
    }
}

/// What one slice contributes: per class, the codes under its contours; the slice's pixels per
/// code; and, per class and code, the pixels inside its contours with that code.
struct SliceCounts {
    under: [BTreeMap<i64, usize>; CLASSES],
    per_code: BTreeMap<i64, usize>,
}

fn count_slice(slice: &IldSlice, path: &std::path::Path) -> Result<SliceCounts, IldError> {
    let (rows, cols) = (slice.rows(), slice.cols());
    let codes = read_mask_values(path, rows, cols, "label mask")?;
    let mut under: [BTreeMap<i64, usize>; CLASSES] = Default::default();
    for class in IldClass::ALL {
        let mut inside = vec![false; rows * cols];
        for c in slice.contours.iter().filter(|c| c.class == class) {
            inside.iter_mut().zip(rasterize(&c.points, rows, cols)).for_each(|(a, b)| *a |= b);
        }
        for (i, _) in inside.iter().enumerate().filter(|(_, b)| **b) {
            *under[class.index()].entry(codes[i]).or_default() += 1;
        }
    }
    let mut per_code = BTreeMap::new();
    for &code in codes.iter().filter(|&&c| c != 0) {
        *per_code.entry(code).or_default() += 1;
    }
    Ok(SliceCounts { under, per_code })
}

/// Per class, the agreement of the label masks with the contours, over every annotated slice
/// that has a label mask; `None` when no slice has one.
pub fn label_agreement(db: &IldDatabase) -> Result<Option<(usize, Vec<ClassAgreement>)>, IldError> {
    let slices: Vec<(&IldSlice, &std::path::Path)> =
        db.patients.iter().flat_map(|p| &p.slices).filter_map(|s| Some((s, s.label_mask.as_deref()?))).collect();
    if slices.is_empty() {
        return Ok(None);
    }
    let counts = slices.par_iter().map(|(s, path)| count_slice(s, path)).collect::<Result<Vec<_>, _>>()?;
    let agreements = IldClass::ALL
        .into_iter()
        .map(|class| {
            let mut under: BTreeMap<i64, usize> = BTreeMap::new();
            for c in &counts {
                c.under[class.index()].iter().for_each(|(&code, &n)| *under.entry(code).or_default() += n);
            }
            let contour_pixels = under.values().sum();
            let code = under.iter().filter(|(c, _)| **c != 0).max_by_key(|(c, n)| (**n, -**c)).map(|(c, _)| *c);
            let both = code.and_then(|c| under.get(&c)).copied().unwrap_or(0);
            let code_pixels = code.map_or(0, |k| counts.iter().filter_map(|c| c.per_code.get(&k)).sum());
            ClassAgreement { class, code, contour_pixels, code_pixels, both }
        })
        .collect();
    Ok(Some((slices.len(), agreements)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_by_hand() {
        let a =
            ClassAgreement { class: IldClass::Fibrosis, code: Some(4), contour_pixels: 30, code_pixels: 10, both: 10 };
        assert_eq!(a.dice(), Some(0.5), "2 · 10 / (30 + 10)");
        let none = ClassAgreement { class: IldClass::Healthy, code: None, contour_pixels: 0, code_pixels: 0, both: 0 };
        assert_eq!(none.dice(), None);
    }
}
