//! The real CTs in ../shared/data against nibabel 5.4.2 (values recorded by
//! `tests/fixtures/nibabel_reference.py`; each is nibabel's `img.affine`, header dims and
//! `get_fdata(dtype=float64)` min/max/mean). Skipped when ../shared is absent.

use serde_json::Value;

use crate::common::{cadet, stdout};
use crate::require_shared_data;

struct Expected {
    file: &'static str,
    dims: [usize; 3],
    spacing: f64,
    affine: [[f64; 4]; 3],
    orientation: &'static str,
    dtype: &'static str,
    min: f64,
    max: f64,
    mean: f64,
    probe: ([i64; 3], f64),
}

const EXPECTED: [Expected; 4] = [
    Expected {
        file: "ct/chest_cta_1.5mm.nii.gz",
        dims: [233, 167, 191],
        spacing: 1.5,
        affine: [[-1.5, 0.0, 0.0, 179.658203125], [0.0, -1.5, 0.0, 275.158203125], [0.0, 0.0, 1.5, 540.2000122070312]],
        orientation: "LPS",
        dtype: "int16",
        min: -1094.0,
        max: 3343.0,
        mean: -329.76638364284395,
        probe: ([116, 83, 95], 561.0),
    },
    Expected {
        file: "ct/abdomen_pelvis_3mm.nii.gz",
        dims: [122, 101, 112],
        spacing: 3.0,
        affine: [
            [3.0, 0.0, 0.0, -177.95632934570312],
            [0.0, 3.0, 0.0, 11.319000244140625],
            [0.0, 0.0, 3.0, 94.3017578125],
        ],
        orientation: "RAS",
        dtype: "int32",
        min: -1207.0,
        max: 3382.0,
        mean: -360.0203852864795,
        probe: ([61, 50, 56], 164.0),
    },
    Expected {
        file: "ct/abdomen_crop_3mm.nii.gz",
        dims: [122, 101, 30],
        spacing: 3.0,
        affine: [
            [3.0, 0.0, 0.0, -177.95632934570312],
            [0.0, 3.0, 0.0, 11.319000244140625],
            [0.0, 0.0, 3.0, 94.3017578125],
        ],
        orientation: "RAS",
        dtype: "int16",
        min: -1100.0,
        max: 1207.0,
        mean: -354.09530920305144,
        probe: ([91, 50, 10], 45.0),
    },
    Expected {
        file: "ct/abdomen_crop_3mm_organs.nii.gz",
        dims: [122, 101, 30],
        spacing: 3.0,
        affine: [
            [3.0, 0.0, 0.0, -177.95632934570312],
            [0.0, 3.0, 0.0, 11.319000244140625],
            [0.0, 0.0, 3.0, 94.3017578125],
        ],
        orientation: "RAS",
        dtype: "uint8",
        min: 0.0,
        max: 117.0,
        mean: 7.397871016609858,
        probe: ([91, 50, 10], 5.0),
    },
];

#[test]
fn cadet_info_agrees_with_nibabel() {
    let data = require_shared_data!();
    for e in &EXPECTED {
        let path = data.join(e.file);
        let out = cadet(&["info", "--json", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}: {}", e.file, String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let dims: Vec<usize> = serde_json::from_value(v["dims"].clone()).unwrap();
        assert_eq!(dims, e.dims, "{}", e.file);
        for s in v["spacing_mm"].as_array().unwrap() {
            assert!((s.as_f64().unwrap() - e.spacing).abs() < 1e-9, "{}", e.file);
        }
        let rows: Vec<Vec<f64>> = serde_json::from_value(v["world_from_voxel"].clone()).unwrap();
        for r in 0..3 {
            for c in 0..4 {
                assert!((rows[r][c] - e.affine[r][c]).abs() < 1e-3, "{} affine[{r}][{c}]", e.file);
            }
        }
        assert_eq!(rows[3], vec![0.0, 0.0, 0.0, 1.0]);
        assert_eq!(v["orientation"], e.orientation, "{}", e.file);
        assert_eq!(v["dtype"], e.dtype, "{}", e.file);
        assert_eq!(v["hu_min"].as_f64().unwrap(), e.min, "{}", e.file);
        assert_eq!(v["hu_max"].as_f64().unwrap(), e.max, "{}", e.file);
        assert!((v["hu_mean"].as_f64().unwrap() - e.mean).abs() < 0.05, "{} mean", e.file);
    }
}

#[test]
fn voxel_values_and_extension_skipping_match_nibabel() {
    let data = require_shared_data!();
    for e in &EXPECTED {
        let f = cadet::core::nifti::read_nifti(&data.join(e.file)).unwrap();
        let ([i, j, k], value) = e.probe;
        assert_eq!(f.volume.hu_at(i, j, k), Some(value as f32), "{} at {:?}", e.file, e.probe.0);
    }
}

#[test]
fn both_voxel_orders_put_the_same_anatomy_the_same_way_up() {
    // chest (LPS storage) and abdomen (RAS storage): the superior end has the larger world z,
    // and the patient's left (negative x) is where the first voxel axis of the chest grows.
    let data = require_shared_data!();
    let chest = cadet::core::nifti::read_nifti(&data.join("ct/chest_cta_1.5mm.nii.gz")).unwrap().volume;
    let abd = cadet::core::nifti::read_nifti(&data.join("ct/abdomen_pelvis_3mm.nii.gz")).unwrap().volume;
    let a = chest.affine().world_from_voxel_point(glam::DVec3::new(0.0, 0.0, 0.0));
    let b = chest.affine().world_from_voxel_point(glam::DVec3::new(10.0, 0.0, 0.0));
    assert!(b.x < a.x, "chest voxel x grows towards the patient's left");
    let c = abd.affine().world_from_voxel_point(glam::DVec3::new(10.0, 0.0, 0.0));
    let d = abd.affine().world_from_voxel_point(glam::DVec3::new(0.0, 0.0, 0.0));
    assert!(c.x > d.x, "abdomen voxel x grows towards the patient's right");
}
