//! Sampling a volume: 2.5D views around candidate points (trilinear or cubic B-spline), the
//! seeded random view protocol, resizing, and axis-aligned slices for display.

mod bspline;
mod interp;
mod prefilter;
mod protocol;
mod resize;
mod shared;
mod slice;
mod view;

use std::sync::Arc;

use glam::DMat4;

pub use bspline::{BSpline, BSplineCoefficients};
pub use interp::{Interpolation, Interpolator, OUTSIDE_HU, Trilinear};
pub use prefilter::prefilter;
pub use protocol::{FovChoice, RotationMode, ShiftMode, ViewProtocol};
pub use resize::resize_bilinear;
pub use shared::{ByteOwner, SharedArray, VoxelArray};
pub use slice::{Plane, SliceGeometry};
pub use view::{ViewSpec, sample_plane, sample_view};

use crate::core::geometry::Affine;
use crate::core::volume::Volume;

/// A volume ready for view sampling: the voxels for trilinear interpolation, and the B-spline
/// coefficients when cubic interpolation is asked for. The arrays are shared, never copied:
/// they live in a volume in memory or in a memory-mapped cache file.
pub struct ViewSampler {
    dims: [usize; 3],
    affine: Affine,
    voxels: VoxelArray,
    bspline: Option<SharedArray<f32>>,
    voxel_from_world: DMat4,
}

impl ViewSampler {
    /// A sampler over a volume in memory; B-spline coefficients are computed here when asked for.
    pub fn new(volume: Arc<Volume>, interpolation: Interpolation) -> Self {
        let bspline = (interpolation == Interpolation::Bspline)
            .then(|| SharedArray::from_vec(BSplineCoefficients::new(&volume).into_coefficients()));
        let affine = *volume.affine();
        let voxels = VoxelArray::of_volume(&volume);
        Self { dims: volume.dims(), affine, voxels, bspline, voxel_from_world: affine.voxel_from_world() }
    }

    /// A sampler over arrays held elsewhere (a memory map); `None` when a length does not
    /// match the grid.
    pub fn from_parts(
        dims: [usize; 3],
        affine: Affine,
        voxels: VoxelArray,
        bspline: Option<SharedArray<f32>>,
    ) -> Option<Self> {
        let n: usize = dims.iter().product();
        if voxels.len() != n || bspline.as_ref().is_some_and(|b| b.len() != n) {
            return None;
        }
        Some(Self { dims, affine, voxels, bspline, voxel_from_world: affine.voxel_from_world() })
    }

    pub fn dims(&self) -> [usize; 3] {
        self.dims
    }

    pub fn affine(&self) -> &Affine {
        &self.affine
    }

    /// The stored voxels the sampler reads (trilinear), wherever they live.
    pub fn voxels(&self) -> &VoxelArray {
        &self.voxels
    }

    /// The B-spline coefficients, when cubic interpolation was asked for.
    pub fn coefficients(&self) -> Option<&[f32]> {
        self.bspline.as_ref().map(SharedArray::as_slice)
    }

    pub fn interpolation(&self) -> Interpolation {
        if self.bspline.is_some() { Interpolation::Bspline } else { Interpolation::Linear }
    }

    /// Samples a view into `out` (3·size² HU values, channel-major).
    pub fn sample_into(&self, spec: &ViewSpec, size: usize, out: &mut [f32]) {
        let (dims, m) = (self.dims, &self.voxel_from_world);
        match (&self.bspline, &self.voxels) {
            (Some(b), _) => sample_view(&BSpline::new(b.as_slice(), dims), m, spec, size, out),
            (None, VoxelArray::I16(v)) => sample_view(&Trilinear::new(v.as_slice(), dims), m, spec, size, out),
            (None, VoxelArray::F32(v)) => sample_view(&Trilinear::new(v.as_slice(), dims), m, spec, size, out),
        }
    }

    /// Samples a view and returns it (3·size² HU values).
    pub fn sample(&self, spec: &ViewSpec, size: usize) -> Vec<f32> {
        let mut out = vec![0f32; 3 * size * size];
        self.sample_into(spec, size, &mut out);
        out
    }
}
