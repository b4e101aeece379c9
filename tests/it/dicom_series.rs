//! DICOM series geometry and values, checked at world points computed by the fixture script
//! from each file's own position and orientation (and, for two cases, against dcm2niix).

use std::path::{Path, PathBuf};

use cadet::core::dicom::read_dicom_series;
use cadet::core::open::open_volume;
use cadet::core::volume::Volume;
use glam::DVec3;
use serde_json::Value;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dicom")
}

pub fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn point(p: &Value) -> (DVec3, f64) {
    let ras: Vec<f64> = p["ras"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    (DVec3::new(ras[0], ras[1], ras[2]), p["hu"].as_f64().unwrap())
}

/// Every listed world point holds the expected HU (nearest voxel; points are voxel centres).
pub fn assert_points(volume: &Volume, case: &Value) {
    let points = case["points"].as_array().unwrap();
    assert!(!points.is_empty());
    for p in points {
        let (world, hu) = point(p);
        let got = volume.hu_at_world_nearest(world).unwrap_or_else(|| panic!("{world} is outside the volume"));
        assert!((f64::from(got) - hu).abs() < 1e-3, "at {world}: {got} HU, expected {hu}");
        let v = volume.affine().voxel_from_world_point(world);
        assert!((v - v.round()).length() < 1e-4, "{world} is not a voxel centre ({v})");
    }
}

fn load_case(name: &str) -> (Volume, cadet::core::dicom::SeriesInfo) {
    let loaded = read_dicom_series(&fixtures().join(name), None).unwrap_or_else(|e| panic!("{name}: {e}"));
    (loaded.volume, loaded.info)
}

#[test]
fn axial_series_skips_junk_and_sorts_by_position() {
    let (volume, info) = load_case("axial");
    assert_eq!(volume.dims(), [16, 12, 6]);
    assert_eq!(volume.voxels().storage_name(), "int16");
    let s = volume.spacing_mm();
    assert!((s - DVec3::new(0.6, 0.8, 2.0)).length() < 1e-9, "{s}");
    assert_eq!(volume.affine().orientation(), "LPS");
    assert_eq!(info.summary.slices, 6);
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    assert_points(&volume, &expected()["axial"]);
}

#[test]
fn dcm2niix_agrees_with_the_fixture_points() {
    let e = expected();
    for case in ["axial", "oblique"] {
        let Some(values) = e[case]["dcm2niix"].as_array() else {
            crate::common::skip("the fixtures were written without dcm2niix");
            return;
        };
        let (volume, _) = load_case(case);
        for (p, v) in e[case]["points"].as_array().unwrap().iter().zip(values) {
            let (world, _) = point(p);
            assert_eq!(f64::from(volume.hu_at_world_nearest(world).unwrap()), v.as_f64().unwrap(), "{case} at {world}");
        }
    }
}

#[test]
fn oblique_orientation_is_kept_exactly() {
    let (volume, _) = load_case("oblique");
    assert!(volume.affine().obliquity_deg() > 10.0);
    let s = volume.spacing_mm();
    assert!((s - DVec3::new(0.7, 0.9, 2.5)).length() < 1e-6, "{s}");
    assert_points(&volume, &expected()["oblique"]);
}

#[test]
fn gantry_tilt_is_a_sheared_affine_with_a_warning() {
    let (volume, info) = load_case("tilt");
    assert!((info.tilt_deg - 15.0).abs() < 1e-3, "{}", info.tilt_deg);
    assert!(info.warnings.iter().any(|w| w.contains("gantry tilt") && w.contains("sheared")), "{:?}", info.warnings);
    let [a, b, c] = volume.affine().axis_vectors_mm();
    assert!(a.dot(b).abs() < 1e-9 && a.dot(c).abs() < 1e-9 && b.dot(c).abs() > 0.1, "not sheared: {a} {b} {c}");
    assert_points(&volume, &expected()["tilt"]);
}

#[test]
fn a_missing_slice_is_refused_with_gap_and_position() {
    let err = read_dicom_series(&fixtures().join("missing_slice"), None).unwrap_err().to_string();
    assert!(err.contains("uneven slice spacing: 4.000 mm") && err.contains("2.000 mm apart"), "{err}");
    assert!(err.contains("between the slices at 44.000 mm") && err.contains("48.000 mm"), "{err}");
}

#[test]
fn padding_reads_as_air_and_rescale_is_applied() {
    let e = expected();
    let (volume, _) = load_case("padding");
    assert_eq!(volume.stats().min, -1024.0);
    assert_points(&volume, &e["padding"]);
    let (volume, _) = load_case("rescale_float");
    assert_eq!(volume.voxels().storage_name(), "float32");
    assert_points(&volume, &e["rescale_float"]);
    let (volume, _) = load_case("rescale_per_slice");
    assert_eq!(volume.voxels().storage_name(), "int16");
    assert_points(&volume, &e["rescale_per_slice"]);
}

#[test]
fn several_series_open_the_largest_or_the_one_asked_for() {
    let e = expected();
    let dir = fixtures().join("two_series");
    let loaded = open_volume(&dir, None).unwrap();
    let info = loaded.dicom().unwrap();
    assert_eq!(info.summary.uid, e["two_series"]["series_uid"].as_str().unwrap());
    assert_eq!(info.others.len(), 2);
    assert!(loaded.messages.iter().any(|m| m.contains("most slices")), "{:?}", loaded.messages);
    assert!(
        loaded.messages.iter().any(|m| m.contains("thick recon") && m.contains("--series")),
        "{:?}",
        loaded.messages
    );
    assert_points(&loaded.volume, &e["two_series"]);
    let second = &e["two_series"]["second"];
    let loaded = open_volume(&dir, second["series_uid"].as_str()).unwrap();
    assert_eq!(loaded.volume.dims(), [16, 12, 4]);
    assert_points(&loaded.volume, second);
    let err = open_volume(&dir, Some("1.2.3.4")).unwrap_err().to_string();
    assert!(err.contains("no series 1.2.3.4") && err.contains("main axial"), "{err}");
}

#[test]
fn a_single_file_opens_its_series() {
    let dir = fixtures().join("two_series/recon");
    let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let loaded = open_volume(&file, None).unwrap();
    assert_eq!(loaded.volume.dims(), [16, 12, 4]);
}

#[test]
fn real_jpeg2000_series_matches_dcm2niix_at_world_points() {
    let data = crate::require_shared_data!();
    let dir = data.join("dicom/totalseg_upper_abdomen");
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("totalseg_reference.json")).unwrap()).unwrap();
    let loaded = open_volume(&dir, None).unwrap();
    let info = loaded.dicom().unwrap();
    assert!(info.summary.transfer_syntax.starts_with("1.2.840.10008.1.2.4.9"), "{}", info.summary.transfer_syntax);
    let dims: Vec<usize> = reference["dims"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(loaded.volume.dims().to_vec(), dims);
    assert_points(&loaded.volume, &reference);
}
