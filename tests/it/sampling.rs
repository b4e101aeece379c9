//! The 2.5D view sampler against hand-checkable cases and SciPy.

use std::sync::Arc;

use cadet::core::geometry::{Affine, random_rotation};
use cadet::core::nifti::read_nifti;
use cadet::core::sampling::{Interpolation, OUTSIDE_HU, Plane, SliceGeometry, ViewProtocol, ViewSampler, ViewSpec};
use cadet::core::volume::{Volume, Voxels};
use glam::{DMat3, DMat4, DVec3, DVec4};
use rand::SeedableRng;

use crate::require_shared_data;

/// An oblique, anisotropic f32 volume whose HU is a linear function of world position.
fn linear_volume() -> (Volume, impl Fn(DVec3) -> f64) {
    let dims = [40, 36, 30];
    let rot = DMat3::from_rotation_z(0.4) * DMat3::from_rotation_x(-0.3);
    let lin = rot * DMat3::from_diagonal(DVec3::new(0.8, 0.9, 1.3));
    let m = DMat4::from_cols(
        lin.x_axis.extend(0.0),
        lin.y_axis.extend(0.0),
        lin.z_axis.extend(0.0),
        DVec4::new(-12.0, 30.0, 5.0, 1.0),
    );
    let affine = Affine::new(m).unwrap();
    let f = |w: DVec3| 3.0 * w.x - 2.0 * w.y + 5.0 * w.z + 10.0;
    let mut values = vec![0f32; dims.iter().product()];
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let w = affine.world_from_voxel_point(DVec3::new(i as f64, j as f64, k as f64));
                values[i + dims[0] * (j + dims[1] * k)] = f(w) as f32;
            }
        }
    }
    (Volume::new(dims, affine, Voxels::F32(values)).unwrap(), f)
}

#[test]
fn linear_fields_are_reproduced_on_every_plane_for_any_rotation() {
    let (volume, f) = linear_volume();
    let center = volume.center_world_mm();
    let volume = Arc::new(volume);
    let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
    for (interp, tolerance) in [(Interpolation::Linear, 2e-2), (Interpolation::Bspline, 5e-2)] {
        let sampler = ViewSampler::new(volume.clone(), interp);
        for _ in 0..10 {
            let r = random_rotation(&mut rng);
            let spec = ViewSpec {
                center_world_mm: center.to_array(),
                shift_mm: [0.7, -0.4, 0.2],
                fov_mm: 9.0,
                rotation: r.transpose().to_cols_array_2d(),
            };
            let n = 7;
            let view = sampler.sample(&spec, n);
            for c in 0..3 {
                for row in 0..n {
                    for col in 0..n {
                        let expected = f(spec.pixel_world_mm(c, n, row, col));
                        let got = f64::from(view[c * n * n + row * n + col]);
                        assert!(
                            (got - expected).abs() < tolerance,
                            "{interp:?} ch{c} ({row},{col}): {got} vs {expected}"
                        );
                    }
                }
            }
        }
    }
}

fn impulse_volume(affine: Affine, at: [usize; 3]) -> Volume {
    let dims = [21, 21, 21];
    let mut v = vec![0i16; 21 * 21 * 21];
    v[at[0] + 21 * (at[1] + 21 * at[2])] = 1000;
    Volume::new(dims, affine, Voxels::I16(v)).unwrap()
}

#[test]
fn a_bright_voxel_appears_where_the_formula_says_in_each_channel() {
    // the same world geometry stored in RAS and in LPS voxel order
    let ras = Affine::from_spacing_origin(DVec3::ONE, DVec3::ZERO).unwrap();
    let lps = Affine::from_rows([[-1.0, 0.0, 0.0, 20.0], [0.0, -1.0, 0.0, 20.0], [0.0, 0.0, 1.0, 0.0]]).unwrap();
    for (affine, voxel) in [(ras, [10, 10, 10]), (lps, [10, 10, 10])] {
        let volume = Arc::new(impulse_volume(affine, voxel));
        let w = affine.world_from_voxel_point(DVec3::new(10.0, 10.0, 10.0));
        let sampler = ViewSampler::new(volume, Interpolation::Linear);
        let n = 5;
        let at = |view: &[f32], c: usize, r: usize, q: usize| view[c * n * n + r * n + q];
        let bright = |view: &[f32]| -> Vec<(usize, usize, usize)> {
            (0..3 * n * n).filter(|i| view[*i] > 0.0).map(|i| (i / (n * n), (i % (n * n)) / n, i % n)).collect()
        };
        // view centre 1 mm towards the patient's right (+x): the voxel lies to the patient's
        // left of it, at o(q) = +1, one column right of centre (radiological convention) in
        // axial and coronal; the sagittal plane misses it
        let spec = ViewSpec { center_world_mm: (w + DVec3::X).to_array(), ..ViewSpec::axial(w, 5.0) };
        let view = sampler.sample(&spec, n);
        assert_eq!(bright(&view), vec![(0, 2, 3), (1, 2, 3)]);
        assert_eq!(at(&view, 0, 2, 3), 1000.0);
        // 1 mm anterior: one row down in axial (anterior is up), one column right in sagittal
        let spec = ViewSpec { center_world_mm: (w + DVec3::Y).to_array(), ..ViewSpec::axial(w, 5.0) };
        assert_eq!(bright(&sampler.sample(&spec, n)), vec![(0, 3, 2), (2, 2, 3)]);
        // 1 mm superior: one row down in coronal and sagittal
        let spec = ViewSpec { center_world_mm: (w + DVec3::Z).to_array(), ..ViewSpec::axial(w, 5.0) };
        assert_eq!(bright(&sampler.sample(&spec, n)), vec![(1, 3, 2), (2, 3, 2)]);
    }
}

#[test]
fn identity_rotation_reproduces_axis_aligned_slices() {
    let dims = [15, 13, 11];
    let values: Vec<i16> = (0..dims.iter().product::<usize>()).map(|i| ((i * 7919) % 2000) as i16 - 1000).collect();
    let affine = Affine::from_spacing_origin(DVec3::ONE, DVec3::new(-7.0, -6.0, -5.0)).unwrap();
    let volume = Arc::new(Volume::new(dims, affine, Voxels::I16(values)).unwrap());
    let (i0, j0, k0) = (7usize, 6usize, 5usize);
    let center = affine.world_from_voxel_point(DVec3::new(i0 as f64, j0 as f64, k0 as f64));
    for interp in [Interpolation::Linear, Interpolation::Bspline] {
        let sampler = ViewSampler::new(volume.clone(), interp);
        let n = 5;
        let view = sampler.sample(&ViewSpec::axial(center, n as f64), n);
        for r in 0..n {
            for q in 0..n {
                let (dq, dr) = (q as i64 - 2, r as i64 - 2);
                let axial = volume.hu_at(i0 as i64 - dq, j0 as i64 - dr, k0 as i64).unwrap();
                let coronal = volume.hu_at(i0 as i64 - dq, j0 as i64, k0 as i64 - dr).unwrap();
                let sagittal = volume.hu_at(i0 as i64, j0 as i64 - dq, k0 as i64 - dr).unwrap();
                let tol = if interp == Interpolation::Linear { 0.0 } else { 1e-2 };
                assert!((view[r * n + q] - axial).abs() <= tol, "{interp:?} axial {r},{q}");
                assert!((view[n * n + r * n + q] - coronal).abs() <= tol, "{interp:?} coronal {r},{q}");
                assert!((view[2 * n * n + r * n + q] - sagittal).abs() <= tol, "{interp:?} sagittal {r},{q}");
            }
        }
    }
}

#[test]
fn identity_views_read_like_the_viewers_display_slices() {
    // An asymmetric volume (every voxel different), stored in RAS order and in a permuted LPS
    // order (voxel axes along −y, −x, +z), 2 mm voxels. With R = identity and a field of view of
    // 2·N mm each view pixel lands on one voxel centre, so the view's channels must equal the
    // viewer's axial, coronal and sagittal display slices (SliceGeometry::extract, the code that
    // feeds the tri-planar view) cut to the same N×N window around the centre.
    let dims = [11, 9, 7];
    let values: Vec<i16> = (0..dims.iter().product::<usize>()).map(|i| (i as i16) * 3 - 600).collect();
    let layouts = [
        Affine::from_rows([[2.0, 0.0, 0.0, -10.0], [0.0, 2.0, 0.0, -8.0], [0.0, 0.0, 2.0, -6.0]]).unwrap(),
        Affine::from_rows([[0.0, -2.0, 0.0, 8.0], [-2.0, 0.0, 0.0, 10.0], [0.0, 0.0, 2.0, -6.0]]).unwrap(),
    ];
    for affine in layouts {
        let volume = Arc::new(Volume::new(dims, affine, Voxels::I16(values.clone())).unwrap());
        let voxel = DVec3::new(5.0, 4.0, 3.0);
        let center = affine.world_from_voxel_point(voxel);
        let n = 3;
        let view =
            ViewSampler::new(volume.clone(), Interpolation::Linear).sample(&ViewSpec::axial(center, 2.0 * n as f64), n);
        for (channel, plane) in Plane::ALL.iter().copied().enumerate() {
            let g = SliceGeometry::new(&volume, plane);
            let (col0, row0, slice) = g.screen_of(voxel);
            let display = g.extract(&volume, slice as usize);
            for r in 0..n {
                for q in 0..n {
                    let row = row0 as usize + r - n / 2;
                    let col = col0 as usize + q - n / 2;
                    assert_eq!(
                        view[channel * n * n + r * n + q],
                        display[row * g.width + col],
                        "{plane:?} ({r},{q}) with affine {affine:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn points_outside_read_air_and_the_protocol_is_seeded() {
    let (volume, _) = linear_volume();
    let far = volume.center_world_mm() + DVec3::new(500.0, 0.0, 0.0);
    let center = volume.center_world_mm();
    let sampler = ViewSampler::new(Arc::new(volume), Interpolation::Bspline);
    assert!(sampler.sample(&ViewSpec::axial(far, 20.0), 8).iter().all(|v| *v == OUTSIDE_HU));
    let p = ViewProtocol::default();
    let a = sampler.sample(&p.draw(9, 1, 2, center), 16);
    let b = sampler.sample(&p.draw(9, 1, 2, center), 16);
    assert_eq!(a, b);
}

#[test]
fn views_match_scipy_on_a_real_ct() {
    // values from tests/fixtures/make_scipy_view_fixture.py (scipy 1.17.1 map_coordinates,
    // order 1 with mode="constant"; order 3 on spline_filter(mode="mirror") coefficients)
    let data = require_shared_data!();
    let fixture: serde_json::Value = serde_json::from_str(include_str!("../fixtures/scipy_view_fixture.json")).unwrap();
    let volume = Arc::new(read_nifti(&data.join("ct/chest_cta_1.5mm.nii.gz")).unwrap().volume);
    let linear = ViewSampler::new(volume.clone(), Interpolation::Linear);
    let cubic = ViewSampler::new(volume, Interpolation::Bspline);
    let n = fixture["size"].as_u64().unwrap() as usize;
    for v in fixture["views"].as_array().unwrap() {
        let vec3 = |key: &str| -> [f64; 3] { serde_json::from_value(v[key].clone()).unwrap() };
        let spec = ViewSpec {
            center_world_mm: vec3("center"),
            shift_mm: vec3("shift"),
            fov_mm: v["fov_mm"].as_f64().unwrap(),
            rotation: serde_json::from_value(v["R_rows"].clone()).unwrap(),
        };
        for (sampler, key, tolerance) in [(&linear, "order1", 2e-3), (&cubic, "order3", 2e-2)] {
            let expected: Vec<Vec<Vec<f64>>> = serde_json::from_value(v[key].clone()).unwrap();
            let got = sampler.sample(&spec, n);
            for c in 0..3 {
                for r in 0..n {
                    for q in 0..n {
                        let g = f64::from(got[c * n * n + r * n + q]);
                        let e = expected[c][r][q];
                        assert!((g - e).abs() < tolerance, "{key} view {} ch{c} ({r},{q}): {g} vs {e}", v["view"]);
                    }
                }
            }
        }
    }
}
