//! A slice's lung mask: the HUG database's own (`ILD_DB_lungMasks`) when it has one for the
//! slice, otherwise estimated by simple morphology, as the paper's footnote does ("simple
//! morphology operations to obtain the lung boundary").
//!
//! The HUG masks are distributed beside the slices, one DICOM file per slice:
//!
//! ```text
//! ROOT/ILD_DB_lungMasks/<patient>/[<series folder>/]lung_mask/lung_mask_<series>_<slice>.dcm
//! ```
//!
//! (the same folder also holds copies of the CT slices, which are not masks). A mask belongs to
//! the slice in the same series folder whose file name ends in the same number
//! (`CT-0002-0006.dcm` ↔ `lung_mask_0002_06.dcm`); nonzero pixels are lung. The label masks of
//! `ILD_DB_volumeROIs` (`roi_mask/roi_mask_*_<n>.dcm`) are found the same way.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::super::IldError;
use crate::core::dicom::{decode_slice_hu, read_slice_header};

/// HU below this are air or lung (aerated tissue) for the estimate.
pub const LOW_HU: f32 = -400.0;

/// Where a slice's lung mask comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskSource {
    /// The database's mask file (`ILD_DB_lungMasks`).
    Hug,
    /// Estimated from the slice by [`estimate_lung_mask`].
    Estimated,
}

impl MaskSource {
    pub fn describe(self) -> &'static str {
        match self {
            MaskSource::Hug => "the HUG lung mask",
            MaskSource::Estimated => "estimated (below −400 HU inside the body, holes filled)",
        }
    }
}

/// Flood-fills from the image border through pixels where `pass` holds; returns the reached
/// pixels.
fn reach_from_border(pass: &[bool], rows: usize, cols: usize) -> Vec<bool> {
    let mut reached = vec![false; rows * cols];
    let mut stack: Vec<usize> = (0..cols).flat_map(|c| [c, (rows - 1) * cols + c]).collect();
    stack.extend((0..rows).flat_map(|r| [r * cols, r * cols + cols - 1]));
    while let Some(i) = stack.pop() {
        if reached[i] || !pass[i] {
            continue;
        }
        reached[i] = true;
        let (r, c) = (i / cols, i % cols);
        if r > 0 {
            stack.push(i - cols);
        }
        if r + 1 < rows {
            stack.push(i + cols);
        }
        if c > 0 {
            stack.push(i - 1);
        }
        if c + 1 < cols {
            stack.push(i + 1);
        }
    }
    reached
}

/// Pixels below −400 HU that are not connected to the image border through such pixels (the
/// air around the body): a chest slice's lungs and airways, without what is denser inside them.
pub fn aerated_inside_body(hu: &[f32], rows: usize, cols: usize) -> Vec<bool> {
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let low: Vec<bool> = hu.iter().map(|&v| v < LOW_HU).collect();
    let outside = reach_from_border(&low, rows, cols);
    low.iter().zip(&outside).map(|(&l, &o)| l && !o).collect()
}

/// `mask` with its holes filled: every pixel not connected to the image border through pixels
/// outside the mask joins it.
pub fn fill_holes(mask: &[bool], rows: usize, cols: usize) -> Vec<bool> {
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let not_mask: Vec<bool> = mask.iter().map(|&m| !m).collect();
    reach_from_border(&not_mask, rows, cols).iter().map(|&o| !o).collect()
}

/// The lungs of an axial chest slice (row-major HU): [`aerated_inside_body`] with its holes
/// filled (vessels, nodules and dense lesions wholly inside a lung).
pub fn estimate_lung_mask(hu: &[f32], rows: usize, cols: usize) -> Vec<bool> {
    fill_holes(&aerated_inside_body(hu, rows, cols), rows, cols)
}

/// The number a file name ends in (before its extension): `CT-0002-0006.dcm` → 6.
pub fn trailing_number(path: &Path) -> Option<u64> {
    let stem = path.file_stem()?.to_str()?;
    let digits: String = stem.chars().rev().take_while(char::is_ascii_digit).collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

fn is_mask_file(path: &Path, in_mask_folder: bool, kind: &str) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    path.is_file() && (in_mask_folder || name.starts_with(kind)) && !name.starts_with('.')
}

fn list(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    out.sort();
    out
}

/// The mask files of one patient's mask folder, by (series folder relative to it, trailing
/// number of the file name): files in `<series folder>/<kind>/` or named `<kind>*`, where
/// `kind` is `lung_mask` (`ILD_DB_lungMasks`) or `roi_mask` (`ILD_DB_volumeROIs`).
pub fn index_mask_files(dir: &Path, kind: &str) -> BTreeMap<(PathBuf, u64), PathBuf> {
    let mut out = BTreeMap::new();
    let mut add = |folder: &Path, series: &Path| {
        for entry in list(folder) {
            let in_mask_folder = folder.file_name().is_some_and(|n| n.eq_ignore_ascii_case(kind));
            if let (true, Some(k)) = (is_mask_file(&entry, in_mask_folder, kind), trailing_number(&entry)) {
                out.entry((series.to_path_buf(), k)).or_insert(entry);
            }
        }
    };
    let series_folders: Vec<PathBuf> = std::iter::once(dir.to_path_buf())
        .chain(list(dir).into_iter().filter(|p| p.is_dir() && !p.ends_with(kind)))
        .collect();
    for folder in series_folders {
        let series = folder.strip_prefix(dir).unwrap_or(Path::new("")).to_path_buf();
        add(&folder, &series);
        add(&folder.join(kind), &series);
    }
    out
}

/// The mask file of the slice stored at `ct` (in the patient folder `patient_dir`), if `masks`
/// (from [`index_mask_files`]) has one.
pub fn mask_for_slice(masks: &BTreeMap<(PathBuf, u64), PathBuf>, patient_dir: &Path, ct: &Path) -> Option<PathBuf> {
    let series = ct.parent()?.strip_prefix(patient_dir).ok()?.to_path_buf();
    masks.get(&(series, trailing_number(ct)?)).cloned()
}

/// A mask file's stored pixel values (row-major); it must have its slice's size. `what` names
/// the kind of mask in errors.
pub fn read_mask_values(path: &Path, rows: usize, cols: usize, what: &str) -> Result<Vec<i64>, IldError> {
    let header = read_slice_header(path)?
        .ok_or_else(|| IldError::Invalid { path: path.into(), detail: format!("not a DICOM image ({what})") })?;
    let (r, c) = (usize::from(header.rows), usize::from(header.columns));
    if (r, c) != (rows, cols) {
        let detail = format!("the {what} is {r} × {c} pixels, its slice {rows} × {cols}");
        return Err(IldError::Invalid { path: path.into(), detail });
    }
    let values = decode_slice_hu(&header)?;
    Ok(values.iter().map(|&v| ((f64::from(v) - header.intercept) / header.slope).round() as i64).collect())
}

/// Reads a HUG lung mask (nonzero pixels are lung); it must have the slice's size.
pub fn read_lung_mask(path: &Path, rows: usize, cols: usize) -> Result<Vec<bool>, IldError> {
    Ok(read_mask_values(path, rows, cols, "lung mask")?.iter().map(|&v| v != 0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_keeps_the_lungs_and_fills_their_vessels() {
        // 7 × 7: air border, tissue body, a 3 × 3 lung whose centre is a vessel (+40 HU)
        let mut hu = vec![-1000f32; 49];
        for r in 1..6 {
            for c in 1..6 {
                hu[r * 7 + c] = 40.0;
            }
        }
        for r in 2..5 {
            for c in 2..5 {
                hu[r * 7 + c] = if (r, c) == (3, 3) { 40.0 } else { -850.0 };
            }
        }
        // the aerated pixels inside the body: the lung without its vessel, not the air around it
        let aerated = aerated_inside_body(&hu, 7, 7);
        let expected: Vec<usize> = (2..5).flat_map(|r| (2..5).map(move |c| r * 7 + c)).filter(|&i| i != 24).collect();
        assert_eq!((0..49).filter(|&i| aerated[i]).collect::<Vec<_>>(), expected);
        let m = estimate_lung_mask(&hu, 7, 7);
        let inside: Vec<usize> = (0..49).filter(|&i| m[i]).collect();
        let expected: Vec<usize> = (2..5).flat_map(|r| (2..5).map(move |c| r * 7 + c)).collect();
        assert_eq!(inside, expected, "the lung's 9 pixels, the vessel in its middle included");
        // the body's tissue and the air around it are not lung
        assert!(!m[0] && !m[8]);
    }

    #[test]
    fn mask_files_pair_with_slices_by_series_folder_and_number() {
        let dir = std::env::temp_dir().join(format!("cadet-lung-index-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for p in ["lung_mask/lung_mask_0002_06.dcm", "CT-0002-0006.dcm", "HRCT/lung_mask/lung_mask_1_13.dcm"] {
            fs::create_dir_all(dir.join(p).parent().unwrap()).unwrap();
            fs::write(dir.join(p), b"").unwrap();
        }
        let index = index_mask_files(&dir, "lung_mask");
        assert_eq!(index.len(), 2, "the CT copy is not a mask: {index:?}");
        let txt = Path::new("/db/ILD_DB_txtROIs/12");
        assert_eq!(
            mask_for_slice(&index, txt, &txt.join("CT-0002-0006.dcm")),
            Some(dir.join("lung_mask/lung_mask_0002_06.dcm"))
        );
        assert_eq!(
            mask_for_slice(&index, txt, &txt.join("HRCT/CT-1-0013.dcm")),
            Some(dir.join("HRCT/lung_mask/lung_mask_1_13.dcm"))
        );
        assert_eq!(mask_for_slice(&index, txt, &txt.join("CT-0002-0007.dcm")), None);
        assert_eq!(trailing_number(Path::new("CT-1-0013.dcm")), Some(13));
        assert_eq!(trailing_number(Path::new("mask.dcm")), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
