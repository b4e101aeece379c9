//! `cadet info`, `convert`, `slice` and `--series` on DICOM folders, through the binary.

use cadet::core::nifti::read_nifti;
use serde_json::Value;

use super::common::{cadet, stderr, stdout};
use super::dicom_series::{assert_points, expected, fixtures};

#[test]
fn info_json_reports_series_fields() {
    let dir = fixtures().join("two_series");
    let out = cadet(&["info", dir.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["format"], "dicom");
    assert_eq!(v["series_uid"], expected()["two_series"]["series_uid"]);
    assert_eq!(v["description"], "main axial");
    assert_eq!(v["slices"], 6);
    assert_eq!(v["transfer_syntax"], "1.2.840.10008.1.2.1");
    assert_eq!(v["dims"], serde_json::json!([16, 12, 6]));
    assert_eq!(v["other_series"].as_array().unwrap().len(), 2);
    assert!(stderr(&out).contains("opened the series with most slices"), "{}", stderr(&out));
    let tilt = cadet(&["info", fixtures().join("tilt").to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&tilt)).unwrap();
    assert!(v["warnings"][0].as_str().unwrap().contains("gantry tilt"), "{v}");
}

#[test]
fn convert_writes_nifti_with_the_same_world_values() {
    let e = expected();
    let tmp = tempfile::tempdir().unwrap();
    for case in ["oblique", "tilt", "rescale_float"] {
        let out_path = tmp.path().join(format!("{case}.nii.gz"));
        let out = cadet(&["convert", fixtures().join(case).to_str().unwrap(), "--out", out_path.to_str().unwrap()]);
        assert!(out.status.success(), "{case}: {}", stderr(&out));
        let file = read_nifti(&out_path).unwrap();
        assert_points(&file.volume, &e[case]);
        assert_eq!(file.info.sform_code, 1);
        assert_eq!(file.info.qform_code, if case == "tilt" { 0 } else { 1 }, "{case}");
        let dtype = if case == "rescale_float" { "float32" } else { "int16" };
        assert_eq!(file.info.dtype.name(), dtype, "{case}");
    }
}

#[test]
fn series_flag_selects_and_reports_unknown_uids() {
    let e = expected();
    let dir = fixtures().join("two_series");
    let uid = e["two_series"]["second"]["series_uid"].as_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("s.png");
    let out = cadet(&["slice", dir.to_str().unwrap(), "--series", uid, "--out", png.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(png.exists());
    let out = cadet(&["info", dir.to_str().unwrap(), "--series", "9.9.9"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no series 9.9.9"), "{}", stderr(&out));
    let out = cadet(&["info", fixtures().join("bad/jpegls").to_str().unwrap()]);
    assert!(stderr(&out).contains("unsupported transfer syntax"), "{}", stderr(&out));
}
