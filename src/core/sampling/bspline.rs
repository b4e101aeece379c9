//! Cubic B-spline interpolation on coefficients computed once per volume (see
//! [`prefilter`](super::prefilter)), with mirror boundaries as SciPy's `mode="mirror"`.
//!
//! A row of view pixels is evaluated in two passes. The first, over all points of the row,
//! finds each point's base index and its separable weights (four per axis, computed once per
//! point). The second reads each point's 4×4 rows of 4 coefficients, sums them along y and
//! then z as 4-wide vectors, and ends with one dot product with the x weights: fixed-size
//! loops the compiler turns into vector code. Points within a tap of the border take the
//! mirrored path.

use glam::DVec3;

use super::interp::{EPS, Interpolator, OUTSIDE_HU};
use super::prefilter::prefilter;
use crate::core::volume::{Volume, Voxels};

/// Cubic B-spline coefficients of a volume, computed once and shared by every view.
pub struct BSplineCoefficients {
    coeffs: Vec<f32>,
    dims: [usize; 3],
}

impl BSplineCoefficients {
    /// Prefilters the whole volume.
    pub fn new(volume: &Volume) -> Self {
        let dims = volume.dims();
        let coeffs = match volume.voxels() {
            Voxels::I16(v) => prefilter(v, dims),
            Voxels::F32(v) => prefilter(v, dims),
        };
        Self { coeffs, dims }
    }

    pub fn coefficients(&self) -> &[f32] {
        &self.coeffs
    }

    pub fn into_coefficients(self) -> Vec<f32> {
        self.coeffs
    }

    pub fn interpolator(&self) -> BSpline<'_> {
        BSpline::new(&self.coeffs, self.dims)
    }
}

/// Cubic B-spline interpolation over borrowed coefficients (in memory or memory-mapped).
pub struct BSpline<'a> {
    coeffs: &'a [f32],
    dims: [usize; 3],
}

impl<'a> BSpline<'a> {
    pub fn new(coeffs: &'a [f32], dims: [usize; 3]) -> Self {
        debug_assert_eq!(coeffs.len(), dims.iter().product::<usize>());
        Self { coeffs, dims }
    }
}

/// Cubic B-spline weights for fractional offset t of the taps at i − 1, i, i + 1, i + 2.
#[inline(always)]
pub(super) fn weights(t: f32) -> [f32; 4] {
    const SIXTH: f32 = 1.0 / 6.0;
    let t2 = t * t;
    let t3 = t2 * t;
    let u = 1.0 - t;
    [u * u * u * SIXTH, (4.0 - 6.0 * t2 + 3.0 * t3) * SIXTH, (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) * SIXTH, t3 * SIXTH]
}

/// Mirror (whole-sample symmetric) index into `0..n`.
#[inline(always)]
pub(super) fn mirror(i: i64, n: usize) -> usize {
    let n = n as i64;
    if n == 1 {
        return 0;
    }
    let period = 2 * n - 2;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - m }) as usize
}

/// The integer part and the fraction of a coordinate in `[0, n − 1]` (never negative, so the
/// truncating cast is the floor).
#[inline(always)]
fn split(x: f64) -> (usize, f32) {
    let i = x as usize;
    (i, (x - i as f64) as f32)
}

/// The 4×4×4 coefficients from `block[0]` (tap (i − 1, j − 1, k − 1)), rows `sy` and slabs
/// `sz` apart, summed along y and z with their weights and multiplied by the x weights: the
/// four terms whose sum is the value. (The sum is left to the caller: summed here, the
/// compiler splits the 4-wide vectors in two and needs half again as many instructions.)
#[inline(always)]
fn weighted_block(block: &[f32], sy: usize, sz: usize, wx: &[f32; 4], wy: &[f32; 4], wz: &[f32; 4]) -> [f32; 4] {
    let mut acc = [0f32; 4];
    for kz in 0..4 {
        let mut t = [0f32; 4];
        for ky in 0..4 {
            let r = kz * sz + ky * sy;
            let row = &block[r..r + 4];
            for i in 0..4 {
                t[i] += row[i] * wy[ky];
            }
        }
        for i in 0..4 {
            acc[i] += t[i] * wz[kz];
        }
    }
    let mut terms = [0f32; 4];
    for i in 0..4 {
        terms[i] = acc[i] * wx[i];
    }
    terms
}

/// Points per pass of the row kernel (a view row of up to this many pixels is one pass).
const BATCH: usize = 64;

impl BSpline<'_> {
    /// The value at a point one of whose taps lies outside the grid (mirrored indices).
    fn at_border(&self, x: f64, y: f64, z: f64) -> f32 {
        let [nx, ny, nz] = self.dims;
        let taps = |v: f64| {
            let (i, t) = split(v);
            (i as i64 - 1, weights(t))
        };
        let ((bx, wx), (by, wy), (bz, wz)) = (taps(x), taps(y), taps(z));
        let xi = [0, 1, 2, 3].map(|k| mirror(bx + k, nx));
        let mut acc = 0.0;
        for (kz, wzk) in wz.iter().enumerate() {
            let zz = mirror(bz + kz as i64, nz);
            for (ky, wyk) in wy.iter().enumerate() {
                let r = nx * (mirror(by + ky as i64, ny) + ny * zz);
                let s: f32 = (0..4).map(|k| self.coeffs[r + xi[k]] * wx[k]).sum();
                acc += s * wyk * wzk;
            }
        }
        acc
    }

    /// One pass of [`Interpolator::row`] over at most [`BATCH`] points, those of index
    /// `first + q` along the row.
    fn row_batch(&self, start: DVec3, step: DVec3, first: usize, out: &mut [f32]) {
        let [nx, ny, nz] = self.dims;
        let (sy, sz) = (nx, nx * ny);
        let hi = [nx as f64 - 1.0, ny as f64 - 1.0, nz as f64 - 1.0];
        // pass 1, axis by axis over all points (branch-free loops that vectorise): whether a
        // point is inside, its clamped integer part and its fraction, then its weights
        let mut ok = [true; BATCH];
        let mut index = [[0usize; BATCH]; 3];
        let mut w = [[[0f32; BATCH]; 4]; 3];
        for (a, (s, d)) in start.to_array().into_iter().zip(step.to_array()).enumerate() {
            let h = hi[a];
            let mut frac = [0f32; BATCH];
            for q in 0..BATCH {
                let p = s + d * (first + q) as f64;
                ok[q] &= p >= -EPS && p <= h + EPS;
                let p = p.clamp(0.0, h);
                let (i, t) = split(p);
                index[a][q] = i;
                frac[q] = t;
            }
            for q in 0..BATCH {
                let k = weights(frac[q]);
                for j in 0..4 {
                    w[a][j][q] = k[j];
                }
            }
        }
        // pass 2, point by point: the weighted sums
        let span = 3 * sz + 3 * sy + 4;
        let interior = |q: usize| {
            let [ix, iy, iz] = [index[0][q], index[1][q], index[2][q]];
            ix >= 1 && iy >= 1 && iz >= 1 && ix + 2 < nx && iy + 2 < ny && iz + 2 < nz
        };
        let mut terms = [[0f32; 4]; BATCH];
        let mut border = false;
        for (q, o) in out.iter_mut().enumerate() {
            if !ok[q] {
                *o = OUTSIDE_HU;
            } else if interior(q) {
                let b = (index[0][q] - 1) + sy * (index[1][q] - 1) + sz * (index[2][q] - 1);
                let g = |a: usize| [w[a][0][q], w[a][1][q], w[a][2][q], w[a][3][q]];
                terms[q] = weighted_block(&self.coeffs[b..b + span], sy, sz, &g(0), &g(1), &g(2));
            } else {
                border = true;
            }
        }
        for (q, o) in out.iter_mut().enumerate().filter(|(q, _)| ok[*q] && interior(*q)) {
            let t = terms[q];
            *o = (t[0] + t[1]) + (t[2] + t[3]);
        }
        // points within a tap of the border, on the mirrored path
        if border {
            for (q, o) in out.iter_mut().enumerate().filter(|(q, _)| ok[*q] && !interior(*q)) {
                let p = start + step * (first + q) as f64;
                let p = p.clamp(DVec3::ZERO, DVec3::from_array(hi));
                *o = self.at_border(p.x, p.y, p.z);
            }
        }
    }
}

impl Interpolator for BSpline<'_> {
    fn dims(&self) -> [usize; 3] {
        self.dims
    }

    fn at(&self, x: f64, y: f64, z: f64) -> f32 {
        let mut v = [0f32];
        self.row_batch(DVec3::new(x, y, z), DVec3::ZERO, 0, &mut v);
        v[0]
    }

    fn row(&self, start: DVec3, step: DVec3, out: &mut [f32]) {
        for (k, chunk) in out.chunks_mut(BATCH).enumerate() {
            self.row_batch(start, step, k * BATCH, chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::interp::inside;
    use super::super::prefilter::prefilter_line;
    use super::*;

    #[test]
    fn prefilter_then_evaluate_interpolates_the_samples() {
        let samples = [3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0, 6.0];
        let mut c: Vec<f64> = samples.to_vec();
        prefilter_line(&mut c);
        let n = samples.len();
        for (i, s) in samples.iter().enumerate() {
            // at an integer position the weights are (1/6, 4/6, 1/6, 0)
            let v = (c[mirror(i as i64 - 1, n)] + 4.0 * c[i] + c[mirror(i as i64 + 1, n)]) / 6.0;
            assert!((v - s).abs() < 1e-9, "sample {i}: {v} vs {s}");
        }
    }

    #[test]
    fn weights_partition_unity_and_mirror_indices() {
        for t in [0.0, 0.25, 0.5, 0.99] {
            assert!((weights(t).iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert_eq!(weights(0.0), [1.0 / 6.0, 4.0 / 6.0, 1.0 / 6.0, 0.0]);
        let m: Vec<usize> = (-3..8).map(|i| mirror(i, 5)).collect();
        assert_eq!(m, vec![3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]);
    }

    #[test]
    fn the_row_kernel_agrees_with_the_mirrored_path() {
        // an oblique row that crosses the border and the interior of a 9×8×7 grid
        let dims = [9, 8, 7];
        let coeffs: Vec<f32> = (0..9 * 8 * 7).map(|i| ((i * 53 % 97) as f32 - 48.0) * 7.25).collect();
        let b = BSpline::new(&coeffs, dims);
        let (start, step) = (DVec3::new(-0.5, 0.2, 0.1), DVec3::new(0.37, 0.29, 0.23));
        let mut row = [0f32; 80];
        b.row(start, step, &mut row);
        let hi = DVec3::new(8.0, 7.0, 6.0);
        for (q, v) in row.iter().enumerate() {
            let p = start + step * q as f64;
            let expected = if inside(p, hi) {
                let p = p.clamp(DVec3::ZERO, hi);
                b.at_border(p.x, p.y, p.z)
            } else {
                OUTSIDE_HU
            };
            assert!((v - expected).abs() < 1e-3, "point {q} at {p}: {v} vs {expected}");
        }
        assert!(row[0] == OUTSIDE_HU && row[10] != OUTSIDE_HU && row[79] == OUTSIDE_HU);
    }
}
