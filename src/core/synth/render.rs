//! Rasterising a phantom into a CT volume: point sampling on the scanner grid, Gaussian noise,
//! and a slight blur that makes the noise correlated and the edges soft, as in real CT.

use glam::DVec3;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64;
use rayon::prelude::*;

use super::anatomy::Phantom;
use crate::core::geometry::Affine;
use crate::core::volume::{Volume, Voxels};

/// The scanner grid of one synthetic patient. Voxels are stored in DICOM order (i towards the
/// patient's left, j towards posterior, k towards superior), so the affine has negative x and
/// y axes, like many converted clinical scans.
#[derive(Clone, Debug)]
pub struct Grid {
    pub dims: [usize; 3],
    pub spacing_mm: DVec3,
    /// World position of the patient frame's origin (the table position).
    pub world_offset_mm: DVec3,
    /// Patient-frame position of voxel (0, 0, 0).
    pub first_voxel_mm: DVec3,
}

impl Grid {
    pub fn affine(&self) -> Affine {
        let s = self.spacing_mm;
        let origin = self.first_voxel_mm + self.world_offset_mm;
        let m = glam::DMat4::from_cols(
            glam::DVec4::new(-s.x, 0.0, 0.0, 0.0),
            glam::DVec4::new(0.0, -s.y, 0.0, 0.0),
            glam::DVec4::new(0.0, 0.0, s.z, 0.0),
            origin.extend(1.0),
        );
        Affine::new(m).unwrap_or_else(|_| unreachable!("spacings are positive"))
    }

    /// Patient-frame position of voxel (i, j, k).
    pub fn patient_mm(&self, i: usize, j: usize, k: usize) -> DVec3 {
        self.first_voxel_mm
            + DVec3::new(-(i as f64) * self.spacing_mm.x, -(j as f64) * self.spacing_mm.y, k as f64 * self.spacing_mm.z)
    }

    /// Patient-frame bounding box of the voxel centres.
    pub fn patient_bounds(&self) -> (DVec3, DVec3) {
        let a = self.patient_mm(0, 0, 0);
        let b = self.patient_mm(self.dims[0] - 1, self.dims[1] - 1, self.dims[2] - 1);
        (a.min(b), a.max(b))
    }
}

/// Separable 1-D Gaussian kernel (radius 2) normalised to sum 1.
fn kernel(sigma_vox: f64) -> [f32; 5] {
    let w: Vec<f64> = (-2i32..=2).map(|x| (-(f64::from(x).powi(2)) / (2.0 * sigma_vox * sigma_vox)).exp()).collect();
    let sum: f64 = w.iter().sum();
    [0, 1, 2, 3, 4].map(|i| (w[i] / sum) as f32)
}

/// Convolves along one axis (stride in elements), clamping at the borders.
fn blur_axis(data: &mut [f32], dims: [usize; 3], axis: usize, k: [f32; 5]) {
    let stride = [1, dims[0], dims[0] * dims[1]][axis];
    let n = dims[axis];
    let src = data.to_vec();
    data.par_chunks_mut(dims[0] * dims[1]).enumerate().for_each(|(z, slab)| {
        for (local, out) in slab.iter_mut().enumerate() {
            let idx = z * dims[0] * dims[1] + local;
            let pos = (idx / stride) % n;
            let mut acc = 0.0;
            for (t, w) in k.iter().enumerate() {
                let q = (pos as i64 + t as i64 - 2).clamp(0, n as i64 - 1) as usize;
                acc += w * src[idx - pos * stride + q * stride];
            }
            *out = acc;
        }
    });
}

/// Renders the phantom on the grid with noise of standard deviation `noise_hu` (measured after
/// the blur) and returns an int16 volume.
pub fn render(phantom: &Phantom, grid: &Grid, noise_hu: f64, seed: u64) -> Volume {
    let [nx, ny, nz] = grid.dims;
    let (sigma_xy, sigma_z) = (0.6, 0.4);
    let (kxy, kz) = (kernel(sigma_xy), kernel(sigma_z));
    // the blur scales white noise by the root of the sum of squared weights, per axis
    let gain = |k: &[f32; 5]| k.iter().map(|w| f64::from(*w).powi(2)).sum::<f64>().sqrt();
    let noise_before = noise_hu / (gain(&kxy) * gain(&kxy) * gain(&kz));
    let normal = Normal::new(0.0, noise_before).unwrap_or_else(|_| unreachable!("sigma is finite"));
    let mut data = vec![0f32; nx * ny * nz];
    data.par_chunks_mut(nx * ny).enumerate().for_each(|(k, slab)| {
        let mut rng = Pcg64::seed_from_u64(seed ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for j in 0..ny {
            for i in 0..nx {
                let (_, hu) = phantom.sample(grid.patient_mm(i, j, k));
                let noise = if hu > -990.0 { normal.sample(&mut rng) as f32 } else { 0.0 };
                slab[i + nx * j] = hu + noise;
            }
        }
    });
    blur_axis(&mut data, grid.dims, 0, kxy);
    blur_axis(&mut data, grid.dims, 1, kxy);
    blur_axis(&mut data, grid.dims, 2, kz);
    let voxels: Vec<i16> = data.par_iter().map(|v| v.round().clamp(-1024.0, 3071.0) as i16).collect();
    Volume::new(grid.dims, grid.affine(), Voxels::I16(voxels)).unwrap_or_else(|_| unreachable!("dims match"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_is_normalised_and_symmetric() {
        let k = kernel(0.6);
        assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(k[0], k[4]);
        assert_eq!(k[1], k[3]);
        assert!(k[2] > k[1] && k[1] > k[0]);
    }

    #[test]
    fn blur_keeps_constants_and_spreads_an_impulse() {
        let dims = [5, 4, 3];
        let mut c = vec![7.0f32; 60];
        blur_axis(&mut c, dims, 1, kernel(0.6));
        assert!(c.iter().all(|v| (v - 7.0).abs() < 1e-5));
        let mut d = vec![0.0f32; 60];
        d[2 + 5 * 2 + 20] = 1.0;
        let k = kernel(0.6);
        blur_axis(&mut d, dims, 0, k);
        assert!((d[1 + 5 * 2 + 20] - k[1]).abs() < 1e-7);
        assert!((d[2 + 5 * 2 + 20] - k[2]).abs() < 1e-7);
        assert_eq!(d[2 + 5 + 20], 0.0);
    }
}
