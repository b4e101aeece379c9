//! Interpolating a volume at continuous voxel coordinates: the interpolation methods, the
//! [`Interpolator`] trait that views sample through, and trilinear interpolation on the stored
//! voxels (cubic B-splines live in [`bspline`](super::bspline)).
//!
//! Callers of [`Interpolator::at`] check that a coordinate lies inside `[0, n − 1]` on every
//! axis before asking; [`Interpolator::row`] checks itself, and points outside read
//! [`OUTSIDE_HU`].

use glam::DVec3;

use crate::core::choice::named_choice;

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

    /// The values at voxel positions `start + q·step` for q = 0, 1, … into `out`; positions
    /// outside the grid (by more than a rounding error) read [`OUTSIDE_HU`].
    fn row(&self, start: DVec3, step: DVec3, out: &mut [f32]) {
        let [nx, ny, nz] = self.dims();
        let hi = DVec3::new(nx as f64 - 1.0, ny as f64 - 1.0, nz as f64 - 1.0);
        for (q, px) in out.iter_mut().enumerate() {
            let p = start + step * q as f64;
            *px = if inside(p, hi) {
                let p = p.clamp(DVec3::ZERO, hi);
                self.at(p.x, p.y, p.z)
            } else {
                OUTSIDE_HU
            };
        }
    }
}

/// How far (in voxels) a position may lie outside the grid and still count as inside: a
/// rounding error, clamped onto the grid.
pub(super) const EPS: f64 = 1e-6;

/// Whether a voxel position lies within `[0, hi]` on every axis, give or take [`EPS`].
#[inline(always)]
pub(super) fn inside(p: DVec3, hi: DVec3) -> bool {
    p.x >= -EPS && p.y >= -EPS && p.z >= -EPS && p.x <= hi.x + EPS && p.y <= hi.y + EPS && p.z <= hi.z + EPS
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

#[cfg(test)]
mod tests {
    use super::*;

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
