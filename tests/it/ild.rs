//! The ILD path: the HUG layout read from DICOM slices and ROI files (synthetic and hand-made),
//! the summary JSON, patches and slices from the command line.

use std::fs;
use std::path::{Path, PathBuf};

use cadet::core::dicom::{CtSlice, decode_slice_hu, write_ct_slice};
use cadet::core::ild::patches::select_patches;
use cadet::core::ild::polygon::contains;
use cadet::core::ild::series::{series_slices, slice_gap_mm};
use cadet::core::ild::synth::{Anatomy, IldSynthConfig, write_ild_study};
use cadet::core::ild::{IldClass, IldDatabase, summarize};

use crate::common::{cadet, stderr, stdout};

fn small(seed: u64) -> IldSynthConfig {
    IldSynthConfig { patients: 5, slices: 2, size: 128, spacing_mm: 2.5, seed, masks: false }
}

/// Writes a small phantom study into a fresh temporary folder.
pub fn synth_study(seed: u64) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ild");
    write_ild_study(&root, &small(seed), &Anatomy::Phantom, &|_| {}).unwrap();
    (tmp, root)
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn synthetic_study_is_read_back_through_the_hug_layout_and_is_deterministic() {
    let (_a, root) = synth_study(7);
    let (_b, again) = synth_study(7);
    let (_c, other) = synth_study(8);
    assert_eq!(files(&root), files(&again), "same seed, same bytes");
    assert_ne!(files(&root), files(&other));
    let db = IldDatabase::open(&root).unwrap();
    let ids: Vec<&str> = db.patients.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    assert!(db.patients[2].dir.join("HRCT").is_dir(), "patient 3 keeps its series in a sub-folder");
    for p in &db.patients {
        assert_eq!(p.slices.len(), 2, "patient {}: {:?}", p.id, p.warnings);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        for s in &p.slices {
            assert_eq!(s.header.instance_number, Some(s.slice_number), "matched by InstanceNumber");
            assert_eq!(s.contours.len(), 2);
            let hu = s.load_hu().unwrap();
            assert_eq!(hu.len(), 128 * 128);
            assert_eq!(hu[0], -1024.0, "the −2000 HU padding outside the field of view reads as −1024");
            // declared as PixelPaddingValue (−2000 + 1024 stored), so the plain DICOM reader agrees
            assert_eq!(s.header.padding, Some((-976, None)));
            assert_eq!(decode_slice_hu(&s.header).unwrap()[0], -1024.0);
            assert!(hu.iter().all(|&v| v >= -1100.0), "no value below air after the padding rule");
            let lung = hu.iter().filter(|&&v| v < -700.0 && v > -1000.0).count();
            assert!(lung > 1000, "the phantom has lungs ({lung} lung pixels)");
        }
    }
    let s = summarize(&db);
    assert_eq!(s.total.slices, 10);
    let contours: usize = s.total.classes.0.iter().map(|c| c.contours).sum();
    assert_eq!(contours, 20);
    assert_eq!(s.total.ignored.get("reticulation"), Some(&2), "patients 2 and 4 have a reticulation contour");
}

/// A hand-made series: slices with InstanceNumber 4, 6 and 9 (rescale slope 2, intercept −1000;
/// no PixelPaddingValue), a ROI file with a contour on slice 9, one on a slice that has no file,
/// and an ignored label; slice 6 has none. Slice 9 has a lung mask in `ILD_DB_lungMasks`.
pub fn hand_made(root: &Path) {
    let dir = root.join("ILD_DB_txtROIs").join("12");
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all(root.join("ILD_DB_lungMasks").join("12")).unwrap();
    for (number, value) in [(4, 100i16), (6, 150), (9, 200)] {
        let mut stored = vec![value; 16 * 16];
        stored[0] = -500; // −2000 HU after the rescale: padding
        let slice = CtSlice {
            patient_id: "12",
            study_uid: "1.2.3",
            series_uid: "1.2.3.4",
            sop_instance_uid: &format!("1.2.3.4.{number}"),
            instance_number: number,
            rows: 16,
            columns: 16,
            pixel_spacing_mm: [0.5, 0.5],
            slice_thickness_mm: 1.0,
            position_lps: [0.0, 0.0, -10.0 * f64::from(number)],
            slope: 2.0,
            intercept: -1000.0,
            stored: &stored,
            padding: None,
        };
        write_ct_slice(&dir.join(format!("CT-a-{number}.dcm")), &slice).unwrap();
    }
    let roi = "Study: 1.2.3\nSeries: 1.2.3.4\nSpacingX: 0.5\nSpacingY: 0.5\nSpacingZ: 10\n\
        label: emphysema\nslice_number: 9\nnb_points_on_contour: 3\n1 1\n4 1\n4 4\n\
        nb_points_on_contour: 3\n0 0\n2 0\n2 2\nslice_number: 5\nnb_points_on_contour: 3\n1 1\n2 1\n2 2\n\
        label: bronchiectasis\nslice_number: 4\nnb_points_on_contour: 3\n1 1\n2 1\n2 2\n\
        label: healthy\nslice_number: 4\nnb_points_on_contour: 3\n5 5\n7 5\n7 7\n";
    fs::write(dir.join("CT-a.txt"), roi).unwrap();
    fs::write(dir.join("notes.md"), "not DICOM").unwrap();
    // slice 9's lung mask (rows 2..6, columns 3..9 are lung); slice 4 has none
    let masks = root.join("ILD_DB_lungMasks").join("12").join("lung_mask");
    fs::create_dir_all(&masks).unwrap();
    let stored: Vec<i16> =
        (0..256).map(|i| if (2..6).contains(&(i / 16)) && (3..9).contains(&(i % 16)) { 255 } else { 0 }).collect();
    write_mask_of_slice_9(&masks.join("lung_mask_a_09.dcm"), &stored);
}

/// Writes a 16 × 16 mask of the hand-made series' slice 9 (stored values as given, no rescale).
pub fn write_mask_of_slice_9(path: &Path, stored: &[i16]) {
    let mask = CtSlice {
        patient_id: "12",
        study_uid: "1.2.3",
        series_uid: "1.2.3.5",
        sop_instance_uid: &format!("1.2.3.5.{}", stored.iter().map(|&v| i64::from(v)).sum::<i64>()),
        instance_number: 9,
        rows: 16,
        columns: 16,
        pixel_spacing_mm: [0.5, 0.5],
        slice_thickness_mm: 1.0,
        position_lps: [0.0, 0.0, -90.0],
        slope: 1.0,
        intercept: 0.0,
        stored,
        padding: None,
    };
    write_ct_slice(path, &mask).unwrap();
}

#[test]
fn slice_numbers_match_instance_numbers_and_hu_come_from_the_rescale() {
    let tmp = tempfile::tempdir().unwrap();
    hand_made(tmp.path());
    let db = IldDatabase::open(tmp.path()).unwrap();
    let p = &db.patients[0];
    assert_eq!(p.id, "12");
    assert!(p.lung_mask_dir.is_some() && p.volume_roi_dir.is_none(), "lung masks used when present, not required");
    assert_eq!(p.slices.iter().map(|s| s.slice_number).collect::<Vec<_>>(), [4, 9]);
    let nine = &p.slices[1];
    assert!(nine.header.path.ends_with("CT-a-9.dcm"));
    assert_eq!(nine.contours.len(), 2);
    assert_eq!(nine.contours[0].class, IldClass::Emphysema);
    // (4, 1) mm at 0.5 mm: column 8, row 2
    assert_eq!((nine.contours[0].points[1].row, nine.contours[0].points[1].col), (2.0, 8.0));
    let hu = nine.load_hu().unwrap();
    assert_eq!(hu[1], 2.0 * 200.0 - 1000.0, "HU = 2 · stored − 1000");
    assert_eq!(hu[0], -1024.0, "padding −2000 reads as −1024");
    // the whole series, for browsing: slice 6 is in it, not annotated; positions −40, −60, −90 mm
    let series = series_slices(p).unwrap();
    let numbers: Vec<(Option<i32>, Option<usize>)> =
        series.iter().map(|s| (s.header.instance_number, s.annotated)).collect();
    assert_eq!(numbers, [(Some(4), Some(0)), (Some(6), None), (Some(9), Some(1))]);
    assert_eq!(slice_gap_mm(&series), Some(20.0), "the smaller of the 20 and 30 mm gaps");
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    assert!(
        p.warnings[0].contains("slice_number 5") && p.warnings[0].contains("CT-a.txt, line 17"),
        "{:?}",
        p.warnings
    );
    assert!(p.warnings[1].contains("no lung mask for slice(s) 4 "), "{:?}", p.warnings);
    let out = cadet(&["ild", "summary", tmp.path().to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let zero = serde_json::json!({"slices": 0, "contours": 0});
    let classes = serde_json::json!({
        "healthy": {"slices": 1, "contours": 1},
        "emphysema": {"slices": 1, "contours": 2},
        "ground_glass": zero, "fibrosis": zero, "micronodules": zero, "consolidation": zero,
    });
    let expected = serde_json::json!({
        "patients": [{"patient": "12", "slices": 2, "classes": classes, "ignored": {"bronchiectasis": 1}}],
        "total": {"slices": 2, "classes": classes, "ignored": {"bronchiectasis": 1}},
    });
    assert_eq!(json, expected);
    assert!(stderr(&out).contains("slice_number 5"), "warnings go to stderr");
}

#[test]
fn patches_and_slices_from_the_command_line() {
    let (tmp, root) = synth_study(3);
    let db = IldDatabase::open(&root).unwrap();
    let refs = select_patches(&db, 16, 5, 1);
    assert!(!refs.is_empty());
    for r in &refs {
        let slice = &db.patients[r.patient].slices[r.slice];
        let contour = slice.contours.iter().find(|c| c.roi == r.roi).unwrap();
        assert!(contains(&contour.points, r.center_row as f64, r.center_col as f64), "centre inside its contour");
        assert!(r.center_row >= 8 && r.center_row + 8 <= 128 && r.center_col >= 8 && r.center_col + 8 <= 128);
    }
    let mut per_roi = std::collections::HashMap::new();
    refs.iter().for_each(|r| *per_roi.entry((r.patient, r.roi)).or_insert(0) += 1);
    assert!(per_roi.values().all(|&n| n <= 5));
    assert_eq!(refs, select_patches(&db, 16, 5, 1), "seeded");
    let out_dir = tmp.path().join("patches");
    let (r, o) = (root.to_str().unwrap(), out_dir.to_str().unwrap());
    let out = cadet(&["ild", "patches", r, "--out", o, "--size", "16", "--per-roi", "5", "--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = fs::read(out_dir.join("patches.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), [refs.len() as u64, 3, 16, 16]);
    let values: Vec<f32> = npy.into_vec().unwrap();
    assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    let csv = fs::read_to_string(out_dir.join("patches.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "patient,slice_number,label,roi,center_row,center_col");
    assert_eq!(lines.len(), refs.len() + 1);
    let first = &refs[0];
    let slice = &db.patients[first.patient].slices[first.slice];
    let row = format!(
        "{},{},{},{},{},{}",
        db.patients[first.patient].id, slice.slice_number, first.class, first.roi, first.center_row, first.center_col
    );
    assert_eq!(lines[1], row);
    let out = cadet(&["ild", "slices", r, "--out", o]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = fs::read_to_string(out_dir.join("slices.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "patient,slice_number,healthy,emphysema,ground_glass,fibrosis,micronodules,consolidation");
    assert_eq!(lines.len(), 11);
    let ones = lines[1].split(',').skip(2).filter(|&v| v == "1").count();
    assert_eq!(ones, 2, "each synthetic slice carries two classes: {}", lines[1]);
}

#[test]
fn a_tiny_ild_run_trains_evaluates_and_reports() {
    let (tmp, root) = synth_study(11);
    let runs = tmp.path().join("runs");
    let (r, runs_s) = (root.to_str().unwrap(), runs.to_str().unwrap());
    let common = ["--study", r, "--model", "cifarnet", "--epochs", "1", "--device", "cpu", "--runs-dir", runs_s];
    let mut patch = vec!["train", "--task", "ild-patch", "--size", "16", "--per-roi", "20", "--name", "patch"];
    patch.extend(common);
    let out = cadet(&patch);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = runs.join("patch");
    let config = fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains("task = \"ild-patch\"") && config.contains("classes = 6"), "{config}");
    let split: serde_json::Value = serde_json::from_str(&fs::read_to_string(run.join("split.json")).unwrap()).unwrap();
    let test: Vec<String> = split["test"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!(test.len(), 1, "5 patients in 5 folds: one tests");
    let eval_dir = tmp.path().join("eval-patch");
    let e = eval_dir.to_str().unwrap();
    let out = cadet(&["eval", "--run", run.to_str().unwrap(), "--device", "cpu", "--bootstrap", "20", "--out", e]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("| true \\ predicted |"), "{}", stdout(&out));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(eval_dir.join("ild_report.json")).unwrap()).unwrap();
    let confusion = report["pooled"]["confusion"].as_array().unwrap();
    assert_eq!(confusion.len(), 6);
    let total: u64 = confusion.iter().flat_map(|row| row.as_array().unwrap()).map(|v| v.as_u64().unwrap()).sum();
    let db = IldDatabase::open(&root).unwrap();
    let test_index = db.patients.iter().position(|p| p.id == test[0]).unwrap();
    let expected = select_patches(&db, 16, 20, 2016).iter().filter(|p| p.patient == test_index).count();
    assert_eq!(total as usize, expected, "every test patch is scored once");
    let predictions = fs::read_to_string(eval_dir.join("predictions.csv")).unwrap();
    assert_eq!(predictions.lines().count(), expected + 1);
    let classes = fs::read_to_string(eval_dir.join("classes.csv")).unwrap();
    let healthy: u64 = confusion[0].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum();
    let row = classes.lines().nth(1).unwrap();
    assert!(row.starts_with("healthy,") && row.split(',').nth(6) == Some(&healthy.to_string()), "support: {row}");
    assert!(image::open(eval_dir.join("confusion.png")).is_ok());

    // the deconvnet on the first scored patch, named as predictions.csv names it
    let first: Vec<&str> = predictions.lines().nth(1).unwrap().split(',').collect();
    let spec = format!("{}:{}:{},{}", first[0], first[1], first[3], first[4]);
    let (png, npy) = (tmp.path().join("deconv.png"), tmp.path().join("deconv-npy"));
    let mut deconv = vec!["deconv", "--run", run.to_str().unwrap(), "--ild-slice", &spec, "--top", "2"];
    deconv.extend(["--out", png.to_str().unwrap(), "--npy", npy.to_str().unwrap()]);
    let out = cadet(&deconv);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("patch at ({}, {})", first[3], first[4])), "{}", stdout(&out));
    let bytes = fs::read(npy.join("input.npy")).unwrap();
    assert_eq!(npyz::NpyFile::new(&bytes[..]).unwrap().shape(), [3, 32, 32], "16 px patches resized to cifarnet's 32");
    let out = cadet(&["deconv", "--run", run.to_str().unwrap(), "--ild-slice", "99:1", "--out", png.to_str().unwrap()]);
    assert!(!out.status.success() && stderr(&out).contains("no such patch"), "{}", stderr(&out));

    let mut slice = vec!["train", "--task", "ild-slice", "--lung", "average", "--name", "slice", "--batch", "8"];
    slice.extend(common);
    let out = cadet(&slice);
    assert!(out.status.success(), "{}", stderr(&out));
    let config = fs::read_to_string(runs.join("slice").join("config.toml")).unwrap();
    assert!(config.contains("lung = \"average\""), "{config}");
    let slice_eval = tmp.path().join("eval-slice");
    let s = slice_eval.to_str().unwrap();
    let out = cadet(&[
        "eval",
        "--run",
        runs.join("slice").to_str().unwrap(),
        "--device",
        "cpu",
        "--bootstrap",
        "0",
        "--out",
        s,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("a hit when it is one of the slice's classes"));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(slice_eval.join("ild_report.json")).unwrap()).unwrap();
    assert_eq!(report["pooled"]["samples"], 2, "the test patient's two slices, each scored once");
    let csv_path = tmp.path().join("table3.csv");
    let out = cadet(&["report", e, s, "--csv", csv_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("| model | regime | slice-CV5 | patch-CV5 |"), "{table}");
    // the slice run used the average lung mask: a row of its own beside the patch run's
    let cells_of = |start: &str| -> Vec<String> {
        let row = table.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("no {start} in {table}"));
        row.split('|').map(|c| c.trim().to_string()).collect()
    };
    let (plain, averaged) = (cells_of("| cifarnet | ri |"), cells_of("| cifarnet | ri, lung average |"));
    let accuracy = |v: &serde_json::Value| format!("{:.3}", v["pooled"]["accuracy"].as_f64().unwrap());
    let patch_report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(eval_dir.join("ild_report.json")).unwrap()).unwrap();
    assert!(plain[3] == "-" && plain[4].starts_with(&accuracy(&patch_report)), "{table}");
    assert!(averaged[3].starts_with(&accuracy(&report)) && averaged[4] == "-", "{table}");
    // --csv holds the same rows: the 5-fold protocol of both runs, the accuracies evaluated
    let csv = fs::read_to_string(&csv_path).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let line = |k: usize| -> Vec<&str> { csv.lines().nth(k).unwrap().split(',').collect() };
    let (patch_line, slice_line) = (line(1), line(2));
    assert_eq!((patch_line[0], patch_line[1], patch_line[2], patch_line[7]), ("cifarnet", "ri", "none", "5"), "{csv}");
    assert_eq!((slice_line[1], slice_line[2], slice_line[3]), ("ri", "average", "5"), "{csv}");
    let close = |cell: &str, v: &serde_json::Value| {
        (cell.parse::<f64>().unwrap() - v["pooled"]["accuracy"].as_f64().unwrap()).abs() < 1e-9
    };
    assert!(close(slice_line[4], &report) && close(patch_line[8], &patch_report), "{csv}");
}
