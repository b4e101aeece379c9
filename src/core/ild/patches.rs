//! Patch-level samples: square crops of native pixels whose centre pixel is inside a contour,
//! at least 75 % of whose pixels are inside it, and which lie wholly in the image; at most a
//! given number per contour, drawn with a seed. A patch of even size S centred on pixel
//! (r, c) covers rows r − S/2 … r + S/2 − 1 (and the same for columns).

use rand::seq::SliceRandom;

use super::IldClass;
use super::database::IldDatabase;
use super::polygon::rasterize;
use crate::core::dataset::candidate_stream;
use crate::core::seed::rng_for;

/// The share of a patch's pixels that must be inside its contour.
pub const MIN_INSIDE: f64 = 0.75;

/// Seed stream of patch selection.
pub const PATCH_STREAM: u64 = 101;

/// One patch of a contour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PatchRef {
    /// Index into the database's patients.
    pub patient: usize,
    /// Index into the patient's slices.
    pub slice: usize,
    /// The contour's number within its patient.
    pub roi: usize,
    pub class: IldClass,
    pub center_row: usize,
    pub center_col: usize,
}

/// The centres (row, col) of every admissible `size × size` patch of a contour's mask.
pub fn admissible_centres(mask: &[bool], rows: usize, cols: usize, size: usize) -> Vec<(usize, usize)> {
    let half = size / 2;
    if size == 0 || rows < size || cols < size {
        return Vec::new();
    }
    // summed-area table: sat[(r + 1) * (cols + 1) + c + 1] = inside pixels in [0, r] × [0, c]
    let w = cols + 1;
    let mut sat = vec![0u32; (rows + 1) * w];
    for r in 0..rows {
        let mut run = 0;
        for c in 0..cols {
            run += u32::from(mask[r * cols + c]);
            sat[(r + 1) * w + c + 1] = sat[r * w + c + 1] + run;
        }
    }
    let need = (MIN_INSIDE * (size * size) as f64).ceil() as u32;
    let mut out = Vec::new();
    for r in half..=rows - size + half {
        for c in half..=cols - size + half {
            if !mask[r * cols + c] {
                continue;
            }
            let (r0, c0, r1, c1) = (r - half, c - half, r - half + size, c - half + size);
            let inside = sat[r1 * w + c1] + sat[r0 * w + c0] - sat[r0 * w + c1] - sat[r1 * w + c0];
            if inside >= need {
                out.push((r, c));
            }
        }
    }
    out
}

/// Up to `per_roi` admissible patches of every contour of the database, drawn with `seed`
/// (each contour from its own stream, so adding a patient changes no other's patches).
pub fn select_patches(db: &IldDatabase, size: usize, per_roi: usize, seed: u64) -> Vec<PatchRef> {
    let mut out = Vec::new();
    for (p, patient) in db.patients.iter().enumerate() {
        for (s, slice) in patient.slices.iter().enumerate() {
            let (rows, cols) = (slice.rows(), slice.cols());
            for contour in &slice.contours {
                let mask = rasterize(&contour.points, rows, cols);
                let mut centres = admissible_centres(&mask, rows, cols, size);
                let stream = candidate_stream(&patient.id, contour.roi);
                centres.shuffle(&mut rng_for(seed, &[PATCH_STREAM, stream]));
                centres.truncate(per_roi);
                centres.sort_unstable();
                out.extend(centres.into_iter().map(|(center_row, center_col)| PatchRef {
                    patient: p,
                    slice: s,
                    roi: contour.roi,
                    class: contour.class,
                    center_row,
                    center_col,
                }));
            }
        }
    }
    out
}

/// The `[3, size, size]` crop of planar RGB bytes (`[3, rows, cols]`) around a centre, as
/// floats in [0, 1].
pub fn crop_patch(rgb: &[u8], rows: usize, cols: usize, center: (usize, usize), size: usize) -> Vec<f32> {
    let (r0, c0) = (center.0 - size / 2, center.1 - size / 2);
    let mut out = Vec::with_capacity(3 * size * size);
    for ch in 0..3 {
        for r in r0..r0 + size {
            let row = &rgb[ch * rows * cols + r * cols + c0..][..size];
            out.extend(row.iter().map(|&v| f32::from(v) / 255.0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ild::PixelPoint;

    #[test]
    fn patch_selection_by_a_hand_checkable_square() {
        // a 12 × 12 image, the contour encloses the 6 × 6 pixels of rows and columns 2..=7
        let square = [(1.5, 1.5), (1.5, 7.5), (7.5, 7.5), (7.5, 1.5)].map(|(row, col)| PixelPoint { row, col });
        let mask = rasterize(&square, 12, 12);
        // a 4 × 4 patch at (r, c) covers rows r − 2 ..= r + 1: it overlaps the square's rows by 4
        // for r in 4..=6, by 3 for r = 3 and r = 7 (and by 2 for r = 2), and likewise for columns;
        // it needs 12 of its 16 pixels (75 %): a 4 × 4 or 4 × 3 overlap, never 3 × 3
        let got = admissible_centres(&mask, 12, 12, 4);
        let mut expected: Vec<(usize, usize)> = Vec::new();
        for r in 3..=7 {
            let columns = if (4..=6).contains(&r) { 3..=7 } else { 4..=6 };
            expected.extend(columns.map(|c| (r, c)));
        }
        assert_eq!(expected.len(), 3 * 5 + 2 * 3);
        assert_eq!(got, expected);
        // a patch must lie in the image: a square at the border loses the centres near it
        let corner = [(-0.5, -0.5), (-0.5, 5.5), (5.5, 5.5), (5.5, -0.5)].map(|(row, col)| PixelPoint { row, col });
        let got = admissible_centres(&rasterize(&corner, 12, 12), 12, 12, 4);
        assert!(got.iter().all(|&(r, c)| r >= 2 && c >= 2), "{got:?}");
        assert!(got.contains(&(2, 2)) && got.contains(&(4, 4)) && !got.contains(&(5, 5)), "{got:?}");
    }

    #[test]
    fn crops_are_planar_and_centred() {
        // 3 channels of a 6 × 6 image whose value is 10·row + col (+100 per channel)
        let rgb: Vec<u8> =
            (0..3).flat_map(|ch| (0..36).map(move |i| (ch * 100 + (i / 6) * 10 + i % 6) as u8)).collect();
        let p = crop_patch(&rgb, 6, 6, (3, 2), 2);
        // a 2 × 2 patch centred on (3, 2) covers rows 2..=3, columns 1..=2
        let p_expected: Vec<f32> =
            [21u8, 22, 31, 32, 121, 122, 131, 132, 221, 222, 231, 232].map(|v| f32::from(v) / 255.0).to_vec();
        assert_eq!(p, p_expected);
    }
}
