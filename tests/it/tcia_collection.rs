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
    assert!(has("ABD_LYMPH_002", "replaced by 5 - k"), "{warnings:?}");
    assert!(has("ABD_LYMPH_002", "negCADe"), "{warnings:?}");
    assert!(has("MED_LYMPH_003", "no image folder"), "{warnings:?}");
    assert!(!has("MED_LYMPH_001", "indices"), "{warnings:?}");
}

#[test]
fn candidates_csv_has_world_and_voxel_coordinates() {
    let root = fixtures().join("tcia");
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("c.csv");
    let out =
        cadet(&["study", root.to_str().unwrap(), "--candidates", csv.to_str().unwrap(), "--check-masks", "--extents"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("import warnings"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("instance labels"), "the masks hold one label per node: {}", stderr(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "patient,region,candidate,x,y,z,i,j,k,label,node,node_voxels,node_volume_mm3,\
         node_size_i_mm,node_size_j_mm,node_size_k_mm,node_centroid_x,node_centroid_y,node_centroid_z"
    );
    // MED_LYMPH_001's first node is at voxel (3, 4, 1); its positive candidate is 0.5 mm off in x
    let row = text.lines().find(|l| l.starts_with("MED_LYMPH_001,MED,0,")).unwrap();
    let f: Vec<&str> = row.split(',').collect();
    assert_eq!(&f[3..6], ["7.700", "4.800", "42.000"]);
    let ijk: Vec<f64> = f[6..9].iter().map(|v| v.parse().unwrap()).collect();
    assert!((ijk[0] - (3.0 + 0.5 / 0.6)).abs() < 0.01 && ijk[1] == 4.0 && ijk[2] == 1.0, "{row}");
    assert_eq!(&f[9..11], ["1", "1"]);
    // node 1 is the mask's 3 × 3 voxels around (3, 4, 1) on the 0.6 × 0.8 × 2 mm grid: 9 voxels of
    // 0.96 mm³, 1.8 × 2.4 × 2 mm, centred on the node's point (RAS 8.2, 4.8, 42)
    assert_eq!(&f[11..], ["9", "8.64", "1.800", "2.400", "2.000", "8.200", "4.800", "42.000"]);
    let negative = text.lines().find(|l| l.starts_with("MED_LYMPH_001,MED,2,")).unwrap();
    assert!(negative.ends_with(",0,,,,,,,,,"), "a negative has no node and no extent: {negative}");
}

#[test]
fn study_csv_takes_a_mask_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixtures().join("axial");
    let mask = fixtures().join("tcia/MED_ABD_LYMPH_MASKS/MED_LYMPH_001/MED_LYMPH_001_mask.nii.gz");
    let csv = format!("patient,region,volume,mask\nP1,ABD,{},{}\n", dir.display(), mask.display());
    std::fs::write(tmp.path().join("study.csv"), csv).unwrap();
    assert_eq!(Study::load(tmp.path()).unwrap().patients[0].mask_path.as_deref(), Some(mask.as_path()));
    std::fs::write(
        tmp.path().join("study.csv"),
        format!("patient,region,volume,mask\nP1,ABD,{},m.nii\n", dir.display()),
    )
    .unwrap();
    let err = Study::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("patient P1") && err.contains("m.nii"), "{err}");
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
