//! The TCIA "CT Lymph Nodes" layout on a miniature tree: patients, series choice, labels,
//! cross-check warnings, the candidate table; and study.csv errors for missing volumes.

use cadet::core::study::{Label, Region, Study};

use super::common::{cadet, stderr};
use super::dicom_series::fixtures;

#[test]
fn collection_opens_without_study_csv() {
    let root = fixtures().join("tcia");
    let (study, warnings) = Study::load_with_report(&root).unwrap();
    let ids: Vec<&str> = study.patients.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ABD_LYMPH_002", "MED_LYMPH_001"]);
    let med = study.patient("MED_LYMPH_001").unwrap();
    assert_eq!(med.region, Region::Mediastinal);
    assert_eq!(med.lesions.len(), 2);
    assert_eq!(med.candidates.len(), 4);
    assert_eq!(med.positives(), 2);
    assert!(med.candidates.iter().filter(|c| c.label == Label::Positive).all(|c| c.lesion.is_some()));
    assert!(med.mask_path.is_some());
    let abd = study.patient("ABD_LYMPH_002").unwrap();
    assert_eq!(abd.region, Region::Abdominal);
    let volume = abd.load_volume().unwrap().volume;
    assert_eq!(volume.dims(), [16, 12, 6], "the CT series holding the nodes, not the scout");
    let has = |patient: &str, text: &str| warnings.iter().any(|w| w.patient == patient && w.message.contains(text));
    assert!(has("MED_LYMPH_001", "1 of 4 candidates lie outside"), "{warnings:?}");
    assert!(has("ABD_LYMPH_002", "k →"), "{warnings:?}");
    assert!(has("ABD_LYMPH_002", "negCADe"), "{warnings:?}");
    assert!(has("MED_LYMPH_003", "no image folder"), "{warnings:?}");
    assert!(!has("MED_LYMPH_001", "indices"), "{warnings:?}");
}

#[test]
fn candidates_csv_has_world_and_voxel_coordinates() {
    let root = fixtures().join("tcia");
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("c.csv");
    let out = cadet(&["study", root.to_str().unwrap(), "--candidates", csv.to_str().unwrap(), "--check-masks"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("import warnings"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("instance labels"), "the masks hold one label per node: {}", stderr(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "patient,region,candidate,x,y,z,i,j,k,label,node");
    // MED_LYMPH_001's first node is at voxel (3, 4, 1); its positive candidate is 0.5 mm off in x
    let row = text.lines().find(|l| l.starts_with("MED_LYMPH_001,MED,0,")).unwrap();
    let f: Vec<&str> = row.split(',').collect();
    assert_eq!(&f[3..6], ["7.700", "4.800", "42.000"]);
    let ijk: Vec<f64> = f[6..9].iter().map(|v| v.parse().unwrap()).collect();
    assert!((ijk[0] - (3.0 + 0.5 / 0.6)).abs() < 0.01 && ijk[1] == 4.0 && ijk[2] == 1.0, "{row}");
    assert_eq!(&f[9..], ["1", "1"]);
}

#[test]
fn study_csv_with_a_missing_volume_names_patient_and_path() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("study.csv"), "patient,region,volume\nP7,MED,gone/ct.nii.gz\n").unwrap();
    let err = Study::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("patient P7") && err.contains("gone/ct.nii.gz"), "{err}");
}

#[test]
fn study_csv_accepts_a_dicom_folder_as_volume() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixtures().join("axial");
    std::fs::write(tmp.path().join("study.csv"), format!("patient,region,volume\nP1,ABD,{}\n", dir.display())).unwrap();
    let study = Study::load(tmp.path()).unwrap();
    assert_eq!(study.patients[0].load_volume().unwrap().volume.dims(), [16, 12, 6]);
}
