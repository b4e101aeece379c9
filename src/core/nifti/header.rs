//! The NIfTI-1 rules for a header's voxel-to-world affine: sform, qform (quaternion) or plain
//! pixdim scaling, as section "3D IMAGE (VOLUME) ORIENTATION AND LOCATION IN SPACE" of
//! nifti1.h defines them.

use glam::{DMat3, DMat4, DVec3, DVec4};

/// The qform parameters: quaternion (b, c, d), offsets, voxel sizes and qfac.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quatern {
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub offset_mm: DVec3,
    pub pixdim_mm: DVec3,
    pub qfac: f64,
}

/// The affine of a qform (NIfTI-1 "method 2"). Non-positive voxel sizes count as 1 and a qfac
/// other than −1 counts as +1, as the reference implementation (nifti1_io.c) does.
pub fn quatern_to_affine(q: &Quatern) -> DMat4 {
    let (b, c, d) = (q.b, q.c, q.d);
    let a2 = 1.0 - (b * b + c * c + d * d);
    let (a, b, c, d) = if a2 < 1e-7 {
        // a = 0: renormalise (b, c, d) to a unit vector (a 180° rotation)
        let n = (b * b + c * c + d * d).sqrt();
        (0.0, b / n, c / n, d / n)
    } else {
        (a2.sqrt(), b, c, d)
    };
    let r = DMat3::from_cols(
        DVec3::new(a * a + b * b - c * c - d * d, 2.0 * (b * c + a * d), 2.0 * (b * d - a * c)),
        DVec3::new(2.0 * (b * c - a * d), a * a + c * c - b * b - d * d, 2.0 * (c * d + a * b)),
        DVec3::new(2.0 * (b * d + a * c), 2.0 * (c * d - a * b), a * a + d * d - c * c - b * b),
    );
    let size = q.pixdim_mm.map(|s| if s > 0.0 { s } else { 1.0 });
    let qfac = if q.qfac < 0.0 { -1.0 } else { 1.0 };
    let lin = r * DMat3::from_diagonal(DVec3::new(size.x, size.y, size.z * qfac));
    DMat4::from_cols(lin.x_axis.extend(0.0), lin.y_axis.extend(0.0), lin.z_axis.extend(0.0), q.offset_mm.extend(1.0))
}

/// The qform that represents an affine, when its axes are orthogonal (a rotation, a
/// reflection of the third axis, and voxel sizes); `None` for sheared affines.
pub fn quatern_from_affine(m: DMat4) -> Option<Quatern> {
    let lin = DMat3::from_mat4(m);
    let size = DVec3::new(lin.x_axis.length(), lin.y_axis.length(), lin.z_axis.length());
    if size.min_element() <= 0.0 {
        return None;
    }
    let (x, y, mut z) = (lin.x_axis / size.x, lin.y_axis / size.y, lin.z_axis / size.z);
    if x.dot(y).abs() > 1e-5 || x.dot(z).abs() > 1e-5 || y.dot(z).abs() > 1e-5 {
        return None;
    }
    let qfac = if DMat3::from_cols(x, y, z).determinant() < 0.0 {
        z = -z;
        -1.0
    } else {
        1.0
    };
    // rotation matrix → unit quaternion (a, b, c, d), choosing the numerically stable branch
    let (r11, r12, r13) = (x.x, y.x, z.x);
    let (r21, r22, r23) = (x.y, y.y, z.y);
    let (r31, r32, r33) = (x.z, y.z, z.z);
    let trace = r11 + r22 + r33;
    let (a, b, c, d) = if trace > 0.0 {
        let s = 0.5 / (trace + 1.0).sqrt();
        (0.25 / s, (r32 - r23) * s, (r13 - r31) * s, (r21 - r12) * s)
    } else if r11 > r22 && r11 > r33 {
        let s = 2.0 * (1.0 + r11 - r22 - r33).sqrt();
        ((r32 - r23) / s, 0.25 * s, (r12 + r21) / s, (r13 + r31) / s)
    } else if r22 > r33 {
        let s = 2.0 * (1.0 + r22 - r11 - r33).sqrt();
        ((r13 - r31) / s, (r12 + r21) / s, 0.25 * s, (r23 + r32) / s)
    } else {
        let s = 2.0 * (1.0 + r33 - r11 - r22).sqrt();
        ((r21 - r12) / s, (r13 + r31) / s, (r23 + r32) / s, 0.25 * s)
    };
    let sign = if a < 0.0 { -1.0 } else { 1.0 };
    Some(Quatern { b: b * sign, c: c * sign, d: d * sign, offset_mm: m.w_axis.truncate(), pixdim_mm: size, qfac })
}

/// Which of the three NIfTI-1 methods produced an affine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AffineSource {
    Sform,
    Qform,
    Pixdim,
}

impl AffineSource {
    pub fn name(self) -> &'static str {
        match self {
            AffineSource::Sform => "sform",
            AffineSource::Qform => "qform",
            AffineSource::Pixdim => "pixdim",
        }
    }
}

/// The header's affine: sform when sform_code > 0, else qform when qform_code > 0, else
/// scaling by pixdim ("method 1": no rotation, no offset).
pub fn header_affine(h: &nifti::NiftiHeader) -> (DMat4, AffineSource) {
    if h.sform_code > 0 {
        let [x, y, z] = [h.srow_x, h.srow_y, h.srow_z].map(|r| r.map(f64::from));
        let m = DMat4::from_cols(
            DVec4::new(x[0], y[0], z[0], 0.0),
            DVec4::new(x[1], y[1], z[1], 0.0),
            DVec4::new(x[2], y[2], z[2], 0.0),
            DVec4::new(x[3], y[3], z[3], 1.0),
        );
        (m, AffineSource::Sform)
    } else if h.qform_code > 0 {
        let q = Quatern {
            b: h.quatern_b.into(),
            c: h.quatern_c.into(),
            d: h.quatern_d.into(),
            offset_mm: DVec3::new(h.quatern_x.into(), h.quatern_y.into(), h.quatern_z.into()),
            pixdim_mm: DVec3::new(h.pixdim[1].into(), h.pixdim[2].into(), h.pixdim[3].into()),
            qfac: h.pixdim[0].into(),
        };
        (quatern_to_affine(&q), AffineSource::Qform)
    } else {
        let s = |v: f32| if v > 0.0 { f64::from(v) } else { 1.0 };
        let m = DMat4::from_diagonal(DVec4::new(s(h.pixdim[1]), s(h.pixdim[2]), s(h.pixdim[3]), 1.0));
        (m, AffineSource::Pixdim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: DMat4, b: DMat4) -> bool {
        a.abs_diff_eq(b, 1e-9)
    }

    #[test]
    fn identity_quaternion_scales_by_pixdim_and_qfac() {
        let q = Quatern {
            b: 0.0,
            c: 0.0,
            d: 0.0,
            offset_mm: DVec3::new(1.0, 2.0, 3.0),
            pixdim_mm: DVec3::new(0.5, 0.75, 2.0),
            qfac: -1.0,
        };
        let expected = DMat4::from_cols(
            DVec4::new(0.5, 0.0, 0.0, 0.0),
            DVec4::new(0.0, 0.75, 0.0, 0.0),
            DVec4::new(0.0, 0.0, -2.0, 0.0),
            DVec4::new(1.0, 2.0, 3.0, 1.0),
        );
        assert!(close(quatern_to_affine(&q), expected));
    }

    #[test]
    fn half_turn_about_z_flips_x_and_y() {
        // b = c = 0, d = 1: a 180° rotation about z, i.e. the usual LPS-stored DICOM volume
        let q = Quatern { b: 0.0, c: 0.0, d: 1.0, offset_mm: DVec3::ZERO, pixdim_mm: DVec3::ONE, qfac: 1.0 };
        let m = quatern_to_affine(&q);
        assert!(close(m, DMat4::from_diagonal(DVec4::new(-1.0, -1.0, 1.0, 1.0))));
    }

    #[test]
    fn affine_quaternion_round_trip_with_reflection() {
        let (s, c) = 0.3f64.sin_cos();
        let rot = DMat3::from_cols(DVec3::new(c, s, 0.0), DVec3::new(-s, c, 0.0), DVec3::new(0.0, 0.0, 1.0));
        let lin = rot * DMat3::from_diagonal(DVec3::new(0.8, 0.9, -1.25));
        let m = DMat4::from_cols(
            lin.x_axis.extend(0.0),
            lin.y_axis.extend(0.0),
            lin.z_axis.extend(0.0),
            DVec4::new(-100.0, 20.0, 5.0, 1.0),
        );
        let q = quatern_from_affine(m).unwrap();
        assert_eq!(q.qfac, -1.0);
        assert!(close(quatern_to_affine(&q), m));
    }

    #[test]
    fn sheared_affine_has_no_quaternion() {
        let mut m = DMat4::IDENTITY;
        m.y_axis = DVec4::new(0.5, 1.0, 0.0, 0.0);
        assert!(quatern_from_affine(m).is_none());
    }
}
