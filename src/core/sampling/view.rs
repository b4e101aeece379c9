//! One 2.5D view: three orthogonal planes through a (shifted) candidate point in a rotated
//! frame, encoded as channels 0, 1, 2 (axial, coronal, sagittal).
//!
//! For field of view F, size N, rotation R (columns e1, e2, e3) and p0 = c + t:
//!
//! ```text
//! o(k) = ((k + 0.5) / N − 0.5) · F
//! channel 0, axial:     p(r, q) = p0 − o(q)·e1 − o(r)·e2
//! channel 1, coronal:   p(r, q) = p0 − o(q)·e1 − o(r)·e3
//! channel 2, sagittal:  p(r, q) = p0 − o(q)·e2 − o(r)·e3
//! ```
//!
//! With R = identity these are the viewer's planes in radiological convention: columns run
//! towards the patient's left (axial, coronal) or posterior (sagittal), rows downwards
//! (posterior, inferior), so a view's tiles read like the tri-planar viewer beside them.
//! Views logged by earlier versions used +o(q)·e1 in channels 0 and 1 (mirrored left–right).

use glam::{DMat3, DMat4, DVec3};
use serde::{Deserialize, Serialize};

use super::interp::Interpolator;

/// The parameters of one view (everything but its pixel size and interpolation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewSpec {
    pub center_world_mm: [f64; 3],
    pub shift_mm: [f64; 3],
    pub fov_mm: f64,
    /// Row-major 3×3 rotation; its columns are e1, e2, e3.
    pub rotation: [[f64; 3]; 3],
}

impl ViewSpec {
    /// An axis-aligned, unshifted view.
    pub fn axial(center_world_mm: DVec3, fov_mm: f64) -> Self {
        Self {
            center_world_mm: center_world_mm.to_array(),
            shift_mm: [0.0; 3],
            fov_mm,
            rotation: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        }
    }

    pub fn rotation_matrix(&self) -> DMat3 {
        DMat3::from_cols_array_2d(&self.rotation).transpose()
    }

    /// p0 = c + t.
    pub fn plane_center(&self) -> DVec3 {
        DVec3::from_array(self.center_world_mm) + DVec3::from_array(self.shift_mm)
    }

    /// For each channel, the world directions of increasing column and increasing row.
    pub fn plane_axes(&self) -> [(DVec3, DVec3); 3] {
        let r = self.rotation_matrix();
        let (e1, e2, e3) = (r.x_axis, r.y_axis, r.z_axis);
        [(-e1, -e2), (-e1, -e3), (-e2, -e3)]
    }

    /// World position of pixel (row, col) of a channel in an N-pixel view.
    pub fn pixel_world_mm(&self, channel: usize, size: usize, row: usize, col: usize) -> DVec3 {
        let o = |k: usize| ((k as f64 + 0.5) / size as f64 - 0.5) * self.fov_mm;
        let (u, v) = self.plane_axes()[channel];
        self.plane_center() + o(col) * u + o(row) * v
    }

    /// The four world corners (mm) of a channel's square, in drawing order.
    pub fn plane_corners_world_mm(&self, channel: usize) -> [DVec3; 4] {
        let (u, v) = self.plane_axes()[channel];
        let h = self.fov_mm / 2.0;
        let c = self.plane_center();
        [c - h * u - h * v, c + h * u - h * v, c + h * u + h * v, c - h * u + h * v]
    }
}

/// Samples a view of `size`×`size` pixels into `out` (length 3·size², channel-major, HU).
pub fn sample_view<I: Interpolator>(
    interp: &I,
    voxel_from_world: &DMat4,
    spec: &ViewSpec,
    size: usize,
    out: &mut [f32],
) {
    debug_assert_eq!(out.len(), 3 * size * size);
    let step = spec.fov_mm / size as f64;
    let o0 = (0.5 / size as f64 - 0.5) * spec.fov_mm;
    let base_world = spec.plane_center();
    for (channel, (u, v)) in spec.plane_axes().into_iter().enumerate() {
        // voxel position of pixel (r, q) = origin + q·du + r·dv
        let du = voxel_from_world.transform_vector3(u * step);
        let dv = voxel_from_world.transform_vector3(v * step);
        let origin = voxel_from_world.transform_point3(base_world + o0 * u + o0 * v);
        let plane = &mut out[channel * size * size..(channel + 1) * size * size];
        sample_plane(interp, origin, du, dv, size, plane);
    }
}

/// Samples a regular grid of voxel positions `origin + q·du + r·dv` (row-major output).
pub fn sample_plane<I: Interpolator>(interp: &I, origin: DVec3, du: DVec3, dv: DVec3, size: usize, out: &mut [f32]) {
    for (r, row) in out.chunks_exact_mut(size).take(size).enumerate() {
        interp.row(origin + dv * r as f64, du, row);
    }
}
