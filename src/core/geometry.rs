//! Affine maps between voxel indices and RAS+ world millimetres, and anatomical axis codes.
//!
//! World coordinates are NIfTI's RAS+ millimetres: +x points to the patient's Right, +y to
//! Anterior, +z to Superior. DICOM patient space (and the TCIA lymph-node text files) use LPS+,
//! converted once on import with [`lps_to_ras`]. Voxel coordinates put voxel centres at integer
//! indices, as NIfTI does.

use glam::{DMat3, DMat4, DVec3, DVec4};
use thiserror::Error;

/// Why a 4×4 matrix cannot serve as a voxel-to-world map.
#[derive(Debug, Error, PartialEq)]
pub enum GeometryError {
    #[error("the affine has non-finite entries")]
    NonFinite,
    #[error("the affine's last row is not (0, 0, 0, 1)")]
    NotAffine,
    #[error("the affine is singular (its 3×3 part has determinant {det:e}): a voxel axis has no extent")]
    Singular { det: f64 },
}

/// A voxel↔world map with its inverse cached.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    world_from_voxel: DMat4,
    voxel_from_world: DMat4,
}

impl Affine {
    /// Checks that `world_from_voxel` is a finite, invertible affine map.
    pub fn new(world_from_voxel: DMat4) -> Result<Self, GeometryError> {
        let cols = world_from_voxel.to_cols_array();
        if cols.iter().any(|v| !v.is_finite()) {
            return Err(GeometryError::NonFinite);
        }
        if world_from_voxel.row(3) != DVec4::new(0.0, 0.0, 0.0, 1.0) {
            return Err(GeometryError::NotAffine);
        }
        let linear = DMat3::from_mat4(world_from_voxel);
        let det = linear.determinant();
        let scale = linear.x_axis.length() * linear.y_axis.length() * linear.z_axis.length();
        if scale == 0.0 || det.abs() < 1e-9 * scale {
            return Err(GeometryError::Singular { det });
        }
        Ok(Self { world_from_voxel, voxel_from_world: world_from_voxel.inverse() })
    }

    /// Axis-aligned scaling with the given spacing and world position of voxel (0, 0, 0).
    pub fn from_spacing_origin(spacing_mm: DVec3, origin_world_mm: DVec3) -> Result<Self, GeometryError> {
        let m = DMat4::from_cols(
            DVec4::new(spacing_mm.x, 0.0, 0.0, 0.0),
            DVec4::new(0.0, spacing_mm.y, 0.0, 0.0),
            DVec4::new(0.0, 0.0, spacing_mm.z, 0.0),
            origin_world_mm.extend(1.0),
        );
        Self::new(m)
    }

    /// Builds the map from row-major rows (as NIfTI's srow_x, srow_y, srow_z).
    pub fn from_rows(rows: [[f64; 4]; 3]) -> Result<Self, GeometryError> {
        let m = DMat4::from_cols_array_2d(&[
            [rows[0][0], rows[1][0], rows[2][0], 0.0],
            [rows[0][1], rows[1][1], rows[2][1], 0.0],
            [rows[0][2], rows[1][2], rows[2][2], 0.0],
            [rows[0][3], rows[1][3], rows[2][3], 1.0],
        ]);
        Self::new(m)
    }

    /// The same axes with voxel (0, 0, 0) moved to `origin_world_mm` (cannot become singular).
    pub fn with_origin(&self, origin_world_mm: DVec3) -> Affine {
        let mut m = self.world_from_voxel;
        m.w_axis = origin_world_mm.extend(1.0);
        Self { world_from_voxel: m, voxel_from_world: m.inverse() }
    }

    pub fn world_from_voxel(&self) -> DMat4 {
        self.world_from_voxel
    }

    pub fn voxel_from_world(&self) -> DMat4 {
        self.voxel_from_world
    }

    /// The 4×4 world_from_voxel matrix as row-major nested arrays.
    pub fn rows(&self) -> [[f64; 4]; 4] {
        let m = self.world_from_voxel;
        [0, 1, 2, 3].map(|r| m.row(r).to_array())
    }

    pub fn world_from_voxel_point(&self, voxel: DVec3) -> DVec3 {
        self.world_from_voxel.transform_point3(voxel)
    }

    pub fn voxel_from_world_point(&self, world_mm: DVec3) -> DVec3 {
        self.voxel_from_world.transform_point3(world_mm)
    }

    /// World-space step (mm) of one voxel along each voxel axis.
    pub fn axis_vectors_mm(&self) -> [DVec3; 3] {
        let l = DMat3::from_mat4(self.world_from_voxel);
        [l.x_axis, l.y_axis, l.z_axis]
    }

    /// Voxel spacing along each voxel axis, in mm (the column norms of the linear part).
    pub fn spacing_mm(&self) -> DVec3 {
        let [a, b, c] = self.axis_vectors_mm();
        DVec3::new(a.length(), b.length(), c.length())
    }

    /// For each voxel axis, the world axis it is closest to (0 = x, 1 = y, 2 = z) and the sign
    /// of its direction along that world axis. Assignment is one-to-one, greedy by alignment.
    pub fn nearest_world_axes(&self) -> [(usize, f64); 3] {
        let dirs = self.axis_vectors_mm().map(|v| v.normalize());
        let mut assigned = [None; 3];
        let mut used_world = [false; 3];
        for _ in 0..3 {
            let mut best = (0.0, 0, 0);
            for (voxel_axis, dir) in dirs.iter().enumerate() {
                if assigned[voxel_axis].is_some() {
                    continue;
                }
                for world_axis in (0..3).filter(|w| !used_world[*w]) {
                    let a = dir[world_axis].abs();
                    if a >= best.0 {
                        best = (a, voxel_axis, world_axis);
                    }
                }
            }
            let (_, voxel_axis, world_axis) = best;
            assigned[voxel_axis] = Some((world_axis, dirs[voxel_axis][world_axis].signum()));
            used_world[world_axis] = true;
        }
        assigned.map(|a| a.unwrap_or((0, 1.0)))
    }

    /// The anatomical direction each voxel axis points to, e.g. `['L', 'P', 'S']` for a volume
    /// stored in DICOM order (as nibabel's `aff2axcodes`).
    pub fn axis_codes(&self) -> [char; 3] {
        self.nearest_world_axes().map(|(world_axis, sign)| axis_letter(world_axis, sign))
    }

    /// Axis codes as a string, e.g. "LPS".
    pub fn orientation(&self) -> String {
        self.axis_codes().iter().collect()
    }

    /// Largest angle, in degrees, between a voxel axis and the world axis it is shown on.
    /// Zero for axis-aligned volumes; a viewer reports a non-zero value as obliquity.
    pub fn obliquity_deg(&self) -> f64 {
        let dirs = self.axis_vectors_mm().map(|v| v.normalize());
        self.nearest_world_axes()
            .iter()
            .zip(dirs)
            .map(|((world_axis, _), d)| d[*world_axis].abs().clamp(0.0, 1.0).acos().to_degrees())
            .fold(0.0, f64::max)
    }
}

/// The letter of an anatomical direction: world axis 0/1/2 with a sign.
pub fn axis_letter(world_axis: usize, sign: f64) -> char {
    match (world_axis, sign >= 0.0) {
        (0, true) => 'R',
        (0, false) => 'L',
        (1, true) => 'A',
        (1, false) => 'P',
        (_, true) => 'S',
        (_, false) => 'I',
    }
}

/// A rotation drawn uniformly from SO(3) (Shoemake's unit-quaternion method).
pub fn random_rotation<R: rand::Rng + ?Sized>(rng: &mut R) -> DMat3 {
    use rand::RngExt;
    let (u1, u2, u3): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
    let tau = std::f64::consts::TAU;
    let (a, b) = ((1.0 - u1).sqrt(), u1.sqrt());
    let q =
        glam::DQuat::from_xyzw(a * (tau * u2).sin(), a * (tau * u2).cos(), b * (tau * u3).sin(), b * (tau * u3).cos());
    DMat3::from_quat(q.normalize())
}

/// Converts a point from DICOM/ITK LPS+ millimetres to NIfTI RAS+ millimetres (and back: the
/// map is its own inverse).
pub fn lps_to_ras(p: DVec3) -> DVec3 {
    DVec3::new(-p.x, -p.y, p.z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lps_volume_axis_codes_and_round_trip() {
        let a = Affine::from_rows([[-1.5, 0.0, 0.0, 100.0], [0.0, -1.5, 0.0, 50.0], [0.0, 0.0, 2.0, -30.0]]).unwrap();
        assert_eq!(a.orientation(), "LPS");
        assert_eq!(a.spacing_mm(), DVec3::new(1.5, 1.5, 2.0));
        let v = DVec3::new(3.0, 4.0, 5.0);
        let w = a.world_from_voxel_point(v);
        assert_eq!(w, DVec3::new(100.0 - 4.5, 50.0 - 6.0, -30.0 + 10.0));
        assert!((a.voxel_from_world_point(w) - v).length() < 1e-12);
        assert_eq!(a.obliquity_deg(), 0.0);
    }

    #[test]
    fn permuted_and_oblique_axes() {
        // voxel axis 0 runs along world z, axis 1 along -x, axis 2 along y
        let a = Affine::from_rows([[0.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]]).unwrap();
        assert_eq!(a.orientation(), "SLA");
        let (s, c) = 10f64.to_radians().sin_cos();
        let b = Affine::from_rows([[c, -s, 0.0, 0.0], [s, c, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]).unwrap();
        assert_eq!(b.orientation(), "RAS");
        assert!((b.obliquity_deg() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn singular_and_non_finite_are_refused() {
        let singular = Affine::from_rows([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
        assert!(matches!(singular, Err(GeometryError::Singular { .. })));
        let nan = Affine::from_rows([[f64::NAN, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
        assert_eq!(nan, Err(GeometryError::NonFinite));
    }

    #[test]
    fn lps_ras_flip_is_an_involution() {
        let p = DVec3::new(12.5, -3.0, 7.0);
        assert_eq!(lps_to_ras(p), DVec3::new(-12.5, 3.0, 7.0));
        assert_eq!(lps_to_ras(lps_to_ras(p)), p);
    }
}
