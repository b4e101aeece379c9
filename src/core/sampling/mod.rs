//! Sampling a volume: 2.5D views around candidate points (trilinear or cubic B-spline), the
//! seeded random view protocol, resizing, and axis-aligned slices for display.

mod interp;
mod protocol;
mod resize;
mod slice;
mod view;

use std::sync::Arc;

use glam::DMat4;

pub use interp::{BSplineCoefficients, Interpolation, Interpolator, OUTSIDE_HU, Trilinear};
pub use protocol::{FovChoice, RotationMode, ShiftMode, ViewProtocol};
pub use resize::resize_bilinear;
pub use slice::{Plane, SliceGeometry};
pub use view::{ViewSpec, sample_plane, sample_view};

use crate::core::volume::{Volume, Voxels};

/// A volume ready for view sampling: the voxels for trilinear interpolation, and (computed once
/// on creation) the B-spline coefficients when cubic interpolation is asked for.
pub struct ViewSampler {
    volume: Arc<Volume>,
    bspline: Option<BSplineCoefficients>,
    voxel_from_world: DMat4,
}

impl ViewSampler {
    pub fn new(volume: Arc<Volume>, interpolation: Interpolation) -> Self {
        let bspline = (interpolation == Interpolation::Bspline).then(|| BSplineCoefficients::new(&volume));
        let voxel_from_world = volume.affine().voxel_from_world();
        Self { volume, bspline, voxel_from_world }
    }

    pub fn volume(&self) -> &Arc<Volume> {
        &self.volume
    }

    pub fn interpolation(&self) -> Interpolation {
        if self.bspline.is_some() { Interpolation::Bspline } else { Interpolation::Linear }
    }

    /// Samples a view into `out` (3·size² HU values, channel-major).
    pub fn sample_into(&self, spec: &ViewSpec, size: usize, out: &mut [f32]) {
        let dims = self.volume.dims();
        match (&self.bspline, self.volume.voxels()) {
            (Some(b), _) => sample_view(b, &self.voxel_from_world, spec, size, out),
            (None, Voxels::I16(v)) => sample_view(&Trilinear::new(v, dims), &self.voxel_from_world, spec, size, out),
            (None, Voxels::F32(v)) => sample_view(&Trilinear::new(v, dims), &self.voxel_from_world, spec, size, out),
        }
    }

    /// Samples a view and returns it (3·size² HU values).
    pub fn sample(&self, spec: &ViewSpec, size: usize) -> Vec<f32> {
        let mut out = vec![0f32; 3 * size * size];
        self.sample_into(spec, size, &mut out);
        out
    }
}
