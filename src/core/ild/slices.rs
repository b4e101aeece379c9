//! Slice-level samples: a whole axial slice carries every class it has a contour of; it is
//! trained on once per (slice, class), each time in one of 12 seeded random rotations and
//! translations; evaluation shows the slice as it is, and a prediction is a hit when it is one
//! of the slice's classes.

use std::f64::consts::PI;

use rand::RngExt;

use super::IldClass;
use super::database::IldDatabase;
use crate::core::dataset::candidate_stream;
use crate::core::seed::rng_for;

/// Random rotations and translations per slice (the paper's augmentation).
pub const AUGMENTATIONS: usize = 12;

/// Seed stream of the slice augmentations.
pub const SLICE_STREAM: u64 = 102;

/// The largest translation, as a fraction of the slice's width.
pub const MAX_SHIFT: f64 = 0.1;

/// An annotated slice and its classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SliceRef {
    pub patient: usize,
    pub slice: usize,
    pub slice_number: i32,
    pub classes: Vec<IldClass>,
}

/// Every annotated slice of the database, in patient then slice order.
pub fn slice_refs(db: &IldDatabase) -> Vec<SliceRef> {
    let mut out = Vec::new();
    for (p, patient) in db.patients.iter().enumerate() {
        for (s, slice) in patient.slices.iter().enumerate() {
            out.push(SliceRef { patient: p, slice: s, slice_number: slice.slice_number, classes: slice.classes() });
        }
    }
    out
}

/// A rigid transform of a slice: rotation about its centre, then a shift (fractions of its
/// width and height).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliceTransform {
    pub angle_rad: f64,
    pub shift: [f64; 2],
}

impl SliceTransform {
    pub const IDENTITY: SliceTransform = SliceTransform { angle_rad: 0.0, shift: [0.0, 0.0] };
}

/// Augmentation `k` (taken modulo 12) of a slice: the same for the same patient, slice and seed.
pub fn augmentation(patient_id: &str, slice_number: i32, k: u64, seed: u64) -> SliceTransform {
    let stream = candidate_stream(patient_id, slice_number as usize);
    let mut rng = rng_for(seed, &[SLICE_STREAM, stream, k % AUGMENTATIONS as u64]);
    SliceTransform {
        angle_rad: rng.random_range(-PI..PI),
        shift: [rng.random_range(-MAX_SHIFT..MAX_SHIFT), rng.random_range(-MAX_SHIFT..MAX_SHIFT)],
    }
}

/// Box-averages planar `[3, rows, cols]` bytes by an integer factor (as floats in [0, 1]).
pub fn shrink(rgb: &[u8], rows: usize, cols: usize, factor: usize) -> (Vec<f32>, usize, usize) {
    let f = factor.max(1);
    let (h, w) = (rows / f, cols / f);
    let mut out = vec![0f32; 3 * h * w];
    let norm = 1.0 / (255.0 * (f * f) as f32);
    for ch in 0..3 {
        for r in 0..h {
            for c in 0..w {
                let mut sum = 0u32;
                for dr in 0..f {
                    let row = &rgb[ch * rows * cols + (r * f + dr) * cols + c * f..][..f];
                    sum += row.iter().map(|&v| u32::from(v)).sum::<u32>();
                }
                out[ch * h * w + r * w + c] = sum as f32 * norm;
            }
        }
    }
    (out, h, w)
}

/// Renders planar RGB (`[3, rows, cols]` in [0, 1]) transformed by `t` into `[3, n, n]`,
/// bilinearly; points outside the slice take `outside` (per channel).
pub fn render_slice(rgb: &[f32], rows: usize, cols: usize, t: SliceTransform, n: usize, outside: [f32; 3]) -> Vec<f32> {
    let mut out = vec![0f32; 3 * n * n];
    let (cy, cx) = ((rows as f64 - 1.0) / 2.0, (cols as f64 - 1.0) / 2.0);
    let (sy, sx) = (rows as f64 / n as f64, cols as f64 / n as f64);
    let (sin, cos) = t.angle_rad.sin_cos();
    for r in 0..n {
        for c in 0..n {
            // output pixel → offset from the centre in source pixels, minus the shift, rotated back
            let v = ((r as f64 + 0.5) * sy - 0.5 - cy) - t.shift[1] * rows as f64;
            let u = ((c as f64 + 0.5) * sx - 0.5 - cx) - t.shift[0] * cols as f64;
            let (x, y) = (cos * u + sin * v + cx, -sin * u + cos * v + cy);
            for ch in 0..3 {
                out[ch * n * n + r * n + c] =
                    bilinear(&rgb[ch * rows * cols..][..rows * cols], rows, cols, y, x).unwrap_or(outside[ch]);
            }
        }
    }
    out
}

fn bilinear(plane: &[f32], rows: usize, cols: usize, y: f64, x: f64) -> Option<f32> {
    // a tolerance for rounding (a half turn's sine is 1e-16, not 0)
    let (ymax, xmax) = ((rows - 1) as f64, (cols - 1) as f64);
    if !(y >= -1e-9 && x >= -1e-9 && y <= ymax + 1e-9 && x <= xmax + 1e-9) {
        return None;
    }
    let (y, x) = (y.clamp(0.0, ymax), x.clamp(0.0, xmax));
    let (r0, c0) = (y.floor() as usize, x.floor() as usize);
    let (r1, c1) = ((r0 + 1).min(rows - 1), (c0 + 1).min(cols - 1));
    let (fy, fx) = ((y - r0 as f64) as f32, (x - c0 as f64) as f32);
    let at = |r: usize, c: usize| plane[r * cols + c];
    let top = at(r0, c0) * (1.0 - fx) + at(r0, c1) * fx;
    let bottom = at(r1, c0) * (1.0 - fx) + at(r1, c1) * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

/// Whether a slice-level prediction is a hit: it is one of the slice's classes.
pub fn slice_hit(classes: &[IldClass], predicted: IldClass) -> bool {
    classes.contains(&predicted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_resamples_and_a_half_turn_flips() {
        // one channel 4 × 4 (value = 4·row + col), the others zero; rendered at 4 px
        let mut rgb = vec![0f32; 48];
        for i in 0..16 {
            rgb[i] = i as f32;
        }
        let same = render_slice(&rgb, 4, 4, SliceTransform::IDENTITY, 4, [9.0; 3]);
        assert_eq!(same, rgb);
        let half = SliceTransform { angle_rad: PI, shift: [0.0, 0.0] };
        let turned = render_slice(&rgb, 4, 4, half, 4, [9.0; 3]);
        for i in 0..16 {
            assert!((turned[i] - (15 - i) as f32).abs() < 1e-4, "pixel {i}: {}", turned[i]);
        }
        // a shift of a quarter width moves columns right by one; the vacated column is outside
        let shifted = render_slice(&rgb, 4, 4, SliceTransform { angle_rad: 0.0, shift: [0.25, 0.0] }, 4, [9.0; 3]);
        assert_eq!(&shifted[..4], &[9.0, 0.0, 1.0, 2.0]);
        // shrinking 2× averages 2 × 2 blocks
        let bytes: Vec<u8> = (0..48).map(|i| if i < 16 { (i * 10) as u8 } else { 0 }).collect();
        let (small, h, w) = shrink(&bytes, 4, 4, 2);
        assert_eq!((h, w), (2, 2));
        assert!((small[0] - 25.0 / 255.0).abs() < 1e-6, "(0 + 10 + 40 + 50) / 4 = 25");
        assert!(slice_hit(&[IldClass::Fibrosis, IldClass::Healthy], IldClass::Healthy));
        assert!(!slice_hit(&[IldClass::Fibrosis], IldClass::Healthy));
        assert_eq!(augmentation("3", 6, 1, 7), augmentation("3", 6, 13, 7), "12 augmentations, cycled");
        assert_ne!(augmentation("3", 6, 1, 7), augmentation("3", 6, 2, 7));
    }
}
