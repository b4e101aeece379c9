//! `Volume`: a CT volume's voxels in Hounsfield units, its grid and its place in the world.

use glam::DVec3;
use thiserror::Error;

use super::geometry::Affine;

/// Voxel storage: i16 where the source is integral and fits (a 512×512×600 CT then takes
/// 300 MB, not 600), f32 otherwise. Values are HU after the file's scaling.
#[derive(Clone, Debug, PartialEq)]
pub enum Voxels {
    I16(Vec<i16>),
    F32(Vec<f32>),
}

impl Voxels {
    pub fn len(&self) -> usize {
        match self {
            Voxels::I16(v) => v.len(),
            Voxels::F32(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at a linear index, as f32.
    #[inline]
    pub fn get(&self, index: usize) -> f32 {
        match self {
            Voxels::I16(v) => f32::from(v[index]),
            Voxels::F32(v) => v[index],
        }
    }

    /// Name of the storage type ("int16" or "float32").
    pub fn storage_name(&self) -> &'static str {
        match self {
            Voxels::I16(_) => "int16",
            Voxels::F32(_) => "float32",
        }
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum VolumeError {
    #[error("dimensions {dims:?} hold {expected} voxels but {got} values were given")]
    LengthMismatch { dims: [usize; 3], expected: usize, got: usize },
    #[error("dimensions {0:?} include a zero")]
    EmptyDimension([usize; 3]),
}

/// Minimum, maximum and mean HU of a volume (the mean accumulated in f64).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HuStats {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// A 3-D CT volume. Voxel (i, j, k) lives at linear index `i + nx·(j + ny·k)` (NIfTI order).
#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    dims: [usize; 3],
    affine: Affine,
    voxels: Voxels,
}

impl Volume {
    pub fn new(dims: [usize; 3], affine: Affine, voxels: Voxels) -> Result<Self, VolumeError> {
        if dims.contains(&0) {
            return Err(VolumeError::EmptyDimension(dims));
        }
        let expected = dims.iter().product::<usize>();
        if voxels.len() != expected {
            return Err(VolumeError::LengthMismatch { dims, expected, got: voxels.len() });
        }
        Ok(Self { dims, affine, voxels })
    }

    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    pub fn affine(&self) -> &Affine {
        &self.affine
    }

    pub fn voxels(&self) -> &Voxels {
        &self.voxels
    }

    /// The voxels, without a copy.
    pub fn into_voxels(self) -> Voxels {
        self.voxels
    }

    pub fn spacing_mm(&self) -> DVec3 {
        self.affine.spacing_mm()
    }

    pub fn len(&self) -> usize {
        self.voxels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.voxels.is_empty()
    }

    #[inline]
    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        i + self.dims[0] * (j + self.dims[1] * k)
    }

    /// HU at an integer voxel index; `None` outside the grid.
    pub fn hu_at(&self, i: i64, j: i64, k: i64) -> Option<f32> {
        let [nx, ny, nz] = self.dims.map(|d| d as i64);
        if i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz {
            return None;
        }
        Some(self.voxels.get(self.index(i as usize, j as usize, k as usize)))
    }

    /// HU of the voxel nearest to a world point; `None` outside the grid.
    pub fn hu_at_world_nearest(&self, world_mm: DVec3) -> Option<f32> {
        let v = self.affine.voxel_from_world_point(world_mm).round();
        self.hu_at(v.x as i64, v.y as i64, v.z as i64)
    }

    /// Whether a continuous voxel coordinate lies within the grid of voxel centres.
    pub fn contains_voxel(&self, voxel: DVec3) -> bool {
        const EPS: f64 = 1e-6;
        (0..3).all(|a| voxel[a] >= -EPS && voxel[a] <= self.dims[a] as f64 - 1.0 + EPS)
    }

    /// Whether a world point lies within the grid of voxel centres.
    pub fn contains_world(&self, world_mm: DVec3) -> bool {
        self.contains_voxel(self.affine.voxel_from_world_point(world_mm))
    }

    /// Axis-aligned world bounding box (min, max corners, mm) of the voxels' extent
    /// (voxel edges, i.e. centres ± half a voxel).
    pub fn bounds_world_mm(&self) -> (DVec3, DVec3) {
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        for corner in 0..8 {
            let v = DVec3::new(
                if corner & 1 == 0 { -0.5 } else { self.dims[0] as f64 - 0.5 },
                if corner & 2 == 0 { -0.5 } else { self.dims[1] as f64 - 0.5 },
                if corner & 4 == 0 { -0.5 } else { self.dims[2] as f64 - 0.5 },
            );
            let w = self.affine.world_from_voxel_point(v);
            lo = lo.min(w);
            hi = hi.max(w);
        }
        (lo, hi)
    }

    /// World position of the volume's centre.
    pub fn center_world_mm(&self) -> DVec3 {
        let c = DVec3::new(
            (self.dims[0] as f64 - 1.0) / 2.0,
            (self.dims[1] as f64 - 1.0) / 2.0,
            (self.dims[2] as f64 - 1.0) / 2.0,
        );
        self.affine.world_from_voxel_point(c)
    }

    pub fn stats(&self) -> HuStats {
        fn fold<T: Copy + Into<f64>>(values: &[T]) -> HuStats {
            let mut s = HuStats { min: f64::INFINITY, max: f64::NEG_INFINITY, mean: 0.0 };
            let mut sum = 0.0f64;
            for &v in values {
                let v: f64 = v.into();
                s.min = s.min.min(v);
                s.max = s.max.max(v);
                sum += v;
            }
            s.mean = sum / values.len().max(1) as f64;
            s
        }
        match &self.voxels {
            Voxels::I16(v) => fold(v),
            Voxels::F32(v) => fold(v),
        }
    }

    /// All voxels as f32 HU.
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.voxels {
            Voxels::I16(v) => v.iter().map(|&x| f32::from(x)).collect(),
            Voxels::F32(v) => v.clone(),
        }
    }

    /// A sub-volume of voxel ranges `[lo, hi)` per axis, keeping its world position.
    pub fn crop(&self, lo: [usize; 3], hi: [usize; 3]) -> Result<Volume, VolumeError> {
        let hi = [0, 1, 2].map(|a| hi[a].min(self.dims[a]));
        let dims = [0, 1, 2].map(|a| hi[a].saturating_sub(lo[a]));
        if dims.contains(&0) {
            return Err(VolumeError::EmptyDimension(dims));
        }
        let mut idx = Vec::with_capacity(dims.iter().product());
        for k in lo[2]..hi[2] {
            for j in lo[1]..hi[1] {
                let start = self.index(lo[0], j, k);
                idx.push(start..start + dims[0]);
            }
        }
        let voxels = match &self.voxels {
            Voxels::I16(v) => Voxels::I16(idx.into_iter().flat_map(|r| v[r].iter().copied()).collect()),
            Voxels::F32(v) => Voxels::F32(idx.into_iter().flat_map(|r| v[r].iter().copied()).collect()),
        };
        let origin = self.affine.world_from_voxel_point(DVec3::new(lo[0] as f64, lo[1] as f64, lo[2] as f64));
        Volume::new(dims, self.affine.with_origin(origin), voxels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Volume {
        let dims = [4, 3, 2];
        let values = (0..24).map(|v| v as i16).collect();
        let affine = Affine::from_spacing_origin(DVec3::new(1.0, 2.0, 3.0), DVec3::new(10.0, 20.0, 30.0)).unwrap();
        Volume::new(dims, affine, Voxels::I16(values)).unwrap()
    }

    #[test]
    fn indexing_is_x_fastest() {
        let v = ramp();
        assert_eq!(v.hu_at(1, 0, 0), Some(1.0));
        assert_eq!(v.hu_at(0, 1, 0), Some(4.0));
        assert_eq!(v.hu_at(0, 0, 1), Some(12.0));
        assert_eq!(v.hu_at(3, 2, 1), Some(23.0));
        assert_eq!(v.hu_at(4, 0, 0), None);
        assert_eq!(v.hu_at_world_nearest(DVec3::new(12.0, 22.0, 33.0)), Some(2.0 + 4.0 + 12.0));
    }

    #[test]
    fn stats_bounds_and_centre() {
        let v = ramp();
        let s = v.stats();
        assert_eq!((s.min, s.max, s.mean), (0.0, 23.0, 11.5));
        let (lo, hi) = v.bounds_world_mm();
        assert_eq!(lo, DVec3::new(9.5, 19.0, 28.5));
        assert_eq!(hi, DVec3::new(13.5, 25.0, 34.5));
        assert_eq!(v.center_world_mm(), DVec3::new(11.5, 22.0, 31.5));
    }

    #[test]
    fn crop_keeps_world_position() {
        let v = ramp();
        let c = v.crop([1, 1, 1], [3, 3, 2]).unwrap();
        assert_eq!(c.dims(), [2, 2, 1]);
        assert_eq!(c.hu_at(0, 0, 0), v.hu_at(1, 1, 1));
        assert_eq!(c.hu_at(1, 1, 0), v.hu_at(2, 2, 1));
        let w = c.affine().world_from_voxel_point(DVec3::ZERO);
        assert_eq!(w, v.affine().world_from_voxel_point(DVec3::new(1.0, 1.0, 1.0)));
    }

    #[test]
    fn length_mismatch_is_refused() {
        let affine = Affine::from_spacing_origin(DVec3::ONE, DVec3::ZERO).unwrap();
        let err = Volume::new([2, 2, 2], affine, Voxels::F32(vec![0.0; 7])).unwrap_err();
        assert_eq!(err, VolumeError::LengthMismatch { dims: [2, 2, 2], expected: 8, got: 7 });
    }
}
