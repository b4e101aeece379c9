//! Bad DICOM input: one error naming the file and the problem, never a panic.

use cadet::core::dicom::read_dicom_series;

use super::dicom_series::{expected, fixtures};

#[test]
fn each_bad_series_names_its_file_and_problem() {
    let e = expected();
    for (case, folder) in [
        ("bad_rows", "rows"),
        ("bad_orientation", "orientation"),
        ("bad_truncated", "truncated"),
        ("bad_no_pixels", "no_pixels"),
        ("bad_jpegls", "jpegls"),
        ("bad_no_dicom", "no_dicom"),
    ] {
        let err =
            read_dicom_series(&fixtures().join("bad").join(folder), None).map(|_| ()).expect_err(case).to_string();
        let want = e[case]["error"].as_str().unwrap();
        assert!(err.contains(want), "{case}: {err}");
        if let Some(file) = e[case]["file"].as_str() {
            assert!(err.contains(file), "{case} does not name {file}: {err}");
        }
    }
}

#[test]
fn a_missing_folder_is_an_error() {
    let err = cadet::core::open::open_volume(&fixtures().join("nope"), None).unwrap_err().to_string();
    assert!(err.contains("nope") && err.contains("no such file"), "{err}");
}
