//! Interpolating a volume at continuous voxel coordinates: trilinear on the stored voxels, and
//! cubic B-spline on coefficients computed once per volume (the Unser prefilter with mirror
//! boundaries, as `scipy.ndimage.spline_filter(mode="mirror")`).
//!
//! Callers check that a coordinate lies inside `[0, n − 1]` on every axis before asking; points
//! outside read [`OUTSIDE_HU`].

use rayon::prelude::*;

use crate::core::choice::named_choice;
use crate::core::volume::{Volume, Voxels};

/// What points outside the volume read: air.
pub const OUTSIDE_HU: f32 = -1024.0;

/// Interpolation method of a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpolation {
    /// Trilinear.
    Linear,
    /// Cubic B-spline with prefilter (the paper resamples with B-splines).
    Bspline,
}

named_choice!(Interpolation, "interpolation", { Linear => "linear", Bspline => "bspline" });

/// Something that can be read at a continuous voxel coordinate inside the grid.
pub trait Interpolator: Sync {
    fn dims(&self) -> [usize; 3];
    /// The value at voxel coordinate (x, y, z), each within `[0, n − 1]`. Coordinates are f64
    /// so that the fraction keeps full precision far from the origin.
    fn at(&self, x: f64, y: f64, z: f64) -> f32;
}

/// Trilinear interpolation over stored voxels of type `T` (i16 or f32 HU).
pub struct Trilinear<'a, T> {
    data: &'a [T],
    dims: [usize; 3],
}

impl<'a, T> Trilinear<'a, T> {
    pub fn new(data: &'a [T], dims: [usize; 3]) -> Self {
        debug_assert_eq!(data.len(), dims.iter().product::<usize>());
        Self { data, dims }
    }
}

/// Splits a coordinate in `[0, n − 1]` into a base index, the next index and the fraction.
#[inline(always)]
fn split(x: f64, n: usize) -> (usize, usize, f32) {
    let i = (x.max(0.0) as usize).min(n - 1);
    let f = (x - i as f64).clamp(0.0, 1.0) as f32;
    (i, (i + 1).min(n - 1), f)
}

impl<T: Copy + Into<f32> + Sync> Interpolator for Trilinear<'_, T> {
    fn dims(&self) -> [usize; 3] {
        self.dims
    }

    #[inline]
    fn at(&self, x: f64, y: f64, z: f64) -> f32 {
        let [nx, ny, nz] = self.dims;
        let (x0, x1, fx) = split(x, nx);
        let (y0, y1, fy) = split(y, ny);
        let (z0, z1, fz) = split(z, nz);
        let d = self.data;
        let row = |y: usize, z: usize| {
            let base = nx * (y + ny * z);
            let a: f32 = d[base + x0].into();
            let b: f32 = d[base + x1].into();
            a + (b - a) * fx
        };
        let c0 = row(y0, z0) + (row(y1, z0) - row(y0, z0)) * fy;
        let c1 = row(y0, z1) + (row(y1, z1) - row(y0, z1)) * fy;
        c0 + (c1 - c0) * fz
    }
}

/// Cubic B-spline coefficients of a volume, computed once and shared by every view.
pub struct BSplineCoefficients {
    coeffs: Vec<f32>,
    dims: [usize; 3],
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

/// The pole of the cubic B-spline prefilter, √3 − 2.
const POLE: f64 = -0.267_949_192_431_122_7;

/// In-place prefilter of one line (mirror boundary, exact causal initialisation).
fn prefilter_line(line: &mut [f64]) {
    let n = line.len();
    if n < 2 {
        return;
    }
    let z = POLE;
    for v in line.iter_mut() {
        *v *= (1.0 - z) * (1.0 - 1.0 / z);
    }
    // causal initialisation for the whole-sample mirror extension (period 2n − 2)
    let mut zk = 1.0;
    let mut sum = 0.0;
    for &v in line.iter() {
        sum += zk * v;
        zk *= z;
    }
    // zk is now z^n; continue over the mirrored part k = n .. 2n − 3 (values line[2n − 2 − k])
    for k in n..(2 * n - 2) {
        sum += zk * line[2 * n - 2 - k];
        zk *= z;
    }
    line[0] = sum / (1.0 - zk);
    for k in 1..n {
        line[k] += z * line[k - 1];
    }
    line[n - 1] = (z / (z * z - 1.0)) * (line[n - 1] + z * line[n - 2]);
    for k in (0..n - 1).rev() {
        line[k] = z * (line[k + 1] - line[k]);
    }
}

/// The B-spline coefficients of voxels `data` on a grid of `dims`: the prefilter along x, y
/// and z (in parallel over lines).
pub fn prefilter<T: Copy + Into<f32> + Sync>(data: &[T], dims: [usize; 3]) -> Vec<f32> {
    let [nx, ny, nz] = dims;
    let mut c: Vec<f32> = data.par_iter().map(|&x| x.into()).collect();
    // x: contiguous rows
    c.par_chunks_mut(nx).for_each(|row| {
        let mut line: Vec<f64> = row.iter().map(|&v| f64::from(v)).collect();
        prefilter_line(&mut line);
        row.iter_mut().zip(&line).for_each(|(o, v)| *o = *v as f32);
    });
    // y: within each z-slab, columns of stride nx
    c.par_chunks_mut(nx * ny).for_each(|slab| {
        let mut line = vec![0f64; ny];
        for x in 0..nx {
            for (y, l) in line.iter_mut().enumerate() {
                *l = f64::from(slab[x + nx * y]);
            }
            prefilter_line(&mut line);
            for (y, l) in line.iter().enumerate() {
                slab[x + nx * y] = *l as f32;
            }
        }
    });
    // z: lines of stride nx·ny; process blocks of rows (fixed y) in parallel
    if nz > 1 {
        let plane = nx * ny;
        let columns: Vec<Vec<f32>> = (0..ny)
            .into_par_iter()
            .map(|y| {
                let mut out = vec![0f32; nx * nz];
                let mut line = vec![0f64; nz];
                for x in 0..nx {
                    for (z, l) in line.iter_mut().enumerate() {
                        *l = f64::from(c[x + nx * y + plane * z]);
                    }
                    prefilter_line(&mut line);
                    for (z, l) in line.iter().enumerate() {
                        out[x + nx * z] = *l as f32;
                    }
                }
                out
            })
            .collect();
        c.par_chunks_mut(plane).enumerate().for_each(|(z, slab)| {
            for (y, col) in columns.iter().enumerate() {
                slab[nx * y..nx * (y + 1)].copy_from_slice(&col[nx * z..nx * (z + 1)]);
            }
        });
    }
    c
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

/// Cubic B-spline weights for fractional offset t of the taps at i − 1, i, i + 1, i + 2.
#[inline(always)]
fn weights(t: f32) -> [f32; 4] {
    let t2 = t * t;
    let t3 = t2 * t;
    let u = 1.0 - t;
    [u * u * u / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0, (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0, t3 / 6.0]
}

/// Mirror (whole-sample symmetric) index into `0..n`.
#[inline(always)]
fn mirror(i: i64, n: usize) -> usize {
    let n = n as i64;
    if n == 1 {
        return 0;
    }
    let period = 2 * n - 2;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - m }) as usize
}

/// Base index (the tap at i − 1) and the four weights; `interior` when no tap needs mirroring.
#[inline(always)]
fn taps(x: f64, n: usize) -> (i64, [f32; 4], bool) {
    let i = x.floor();
    let w = weights((x - i) as f32);
    let i = i as i64;
    (i - 1, w, i >= 1 && i + 2 < n as i64)
}

impl Interpolator for BSpline<'_> {
    fn dims(&self) -> [usize; 3] {
        self.dims
    }

    #[inline]
    fn at(&self, x: f64, y: f64, z: f64) -> f32 {
        let [nx, ny, nz] = self.dims;
        let (bx, wx, ix) = taps(x, nx);
        let (by, wy, iy) = taps(y, ny);
        let (bz, wz, iz) = taps(z, nz);
        let c = self.coeffs;
        let mut acc = 0.0;
        if ix && iy && iz {
            // the 16 rows of 4 coefficients, weighted by wy·wz and summed as 4-wide vectors,
            // then one dot product with wx
            let base = bx as usize + nx * (by as usize + ny * bz as usize);
            let mut v = [0f32; 4];
            for (kz, wzk) in wz.iter().enumerate() {
                for (ky, wyk) in wy.iter().enumerate() {
                    let r = base + nx * (ky + ny * kz);
                    let row: &[f32; 4] = c[r..r + 4].try_into().unwrap_or(&[0.0; 4]);
                    let w = wyk * wzk;
                    for i in 0..4 {
                        v[i] += row[i] * w;
                    }
                }
            }
            return v[0] * wx[0] + v[1] * wx[1] + v[2] * wx[2] + v[3] * wx[3];
        }
        let xi = [0, 1, 2, 3].map(|k| mirror(bx + k, nx));
        for (kz, wzk) in wz.iter().enumerate() {
            let zz = mirror(bz + kz as i64, nz);
            for (ky, wyk) in wy.iter().enumerate() {
                let r = nx * (mirror(by + ky as i64, ny) + ny * zz);
                let s: f32 = (0..4).map(|k| c[r + xi[k]] * wx[k]).sum();
                acc += s * wyk * wzk;
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
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
    fn trilinear_by_hand() {
        // 2×2×2 cube with values v(i, j, k) = i + 10 j + 100 k
        let data: Vec<i16> = (0..8).map(|n| (n & 1) + 10 * ((n >> 1) & 1) + 100 * (n >> 2)).collect();
        let t = Trilinear::new(&data, [2, 2, 2]);
        assert_eq!(t.at(0.5, 0.5, 0.5), 55.5);
        assert_eq!(t.at(1.0, 0.25, 0.0), 3.5);
        assert_eq!(t.at(0.0, 1.0, 1.0), 110.0);
    }
}
