//! The rough edges a new user hits first: `cadet sample` draws the very views training draws,
//! run directories find their study from any working directory, and bad numbers are refused
//! with a message instead of a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use cadet::core::dataset::{Purpose, Sample};
use cadet::core::models::ModelKind;
use cadet::core::study::Study;
use cadet::core::train::TrainConfig;

use crate::common::{cadet, stderr, stdout};

fn sample_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic")
}

#[test]
fn sampled_candidate_views_are_the_views_training_draws() {
    let study = Study::load(&sample_study()).unwrap();
    let p = 1;
    let patient = &study.patients[p];
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("candidates.csv");
    let picked = [0usize, 3];
    let mut text = String::from("patient,candidate,x,y,z\n");
    for &c in &picked {
        let [x, y, z] = patient.candidates[c].center_world_mm;
        text += &format!("{},{c},{x},{y},{z}\n", patient.id);
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.path().join("views");
    let volume = patient.volume_path.to_string_lossy().into_owned();
    let args =
        ["sample", &volume, "--candidates", csv.to_str().unwrap(), "--views", "3", "--seed", "11", "--size", "16"];
    let o = cadet(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    // the training pipeline's own view parameters for the same candidates, seed and stream
    let pipeline = TrainConfig::paper_defaults(&sample_study(), ModelKind::Cifarnet).pipeline();
    let table = std::fs::read_to_string(out.join("views.csv")).unwrap();
    let rows: Vec<Vec<f64>> =
        table.lines().skip(1).map(|l| l.split(',').skip(2).map(|v| v.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 6);
    for (i, row) in rows.iter().enumerate() {
        let (candidate, view) = (picked[i / 3], (i % 3) as u64);
        let sample = Sample { patient: p, candidate, label: 0, view };
        let spec = pipeline.spec(&study, &sample, 11, Purpose::Train.stream());
        assert_eq!(row[0], view as f64);
        assert_eq!(row[7], spec.fov_mm, "row {i}: field of view");
        assert_eq!(&row[4..7], &spec.shift_mm, "row {i}: shift");
        assert_eq!(&row[8..11], &spec.rotation[0], "row {i}: first rotation row");
    }
}

#[test]
fn a_run_records_absolute_paths_and_evaluates_from_anywhere() {
    // train from a working directory where the study is a relative path, then evaluate from
    // another: the run must have recorded where its study is
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(sample_study(), work.path().join("study")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .current_dir(work.path())
        .args(["train", "--study", "study", "--model", "cifarnet", "--epochs", "1", "--batch", "64"])
        .args(["--views-per-candidate", "1", "--val-views", "1", "--device", "cpu", "--runs-dir", "runs"])
        .args(["--name", "rel"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let run = work.path().join("runs/rel");
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    let study_line = config.lines().find(|l| l.starts_with("study = ")).unwrap();
    let recorded = PathBuf::from(study_line.trim_start_matches("study = ").trim_matches('"'));
    assert!(recorded.is_absolute(), "{study_line}");
    assert_eq!(recorded, work.path().join("study"));
    let elsewhere = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .current_dir(elsewhere.path())
        .args(["eval", "--run", run.to_str().unwrap(), "--views", "1", "--bootstrap", "20", "--device", "cpu"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("CPM (step)") && text.contains("CPM (LUNA16)"), "{text}");
}

#[test]
fn bad_sizes_are_refused_with_a_message() {
    let volume = sample_study().join("MED_SYNTH_001/MED_SYNTH_001.nii.gz");
    let v = volume.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.npy");
    let o = cadet(&["sample", v, "--center", "0,0,0", "--sample-size", "0", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "an error, not a panic: {}", stderr(&o));
    assert!(stderr(&o).contains("--sample-size must be 1 to 1024, got 0"), "{}", stderr(&o));
    assert!(!out.exists());
    let o =
        cadet(&["deconv", "--run", "nowhere", "--volume", v, "--center", "0,0,0", "--scale", "500", "--out", "x.png"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--scale must be 1 to 32"), "checked before anything is read: {}", stderr(&o));
}

#[test]
fn a_region_cross_validation_trains_and_tests_each_of_that_regions_patients_once() {
    let work = tempfile::tempdir().unwrap();
    let study = sample_study();
    let cv = |region: &str| {
        Command::new(env!("CARGO_BIN_EXE_cadet"))
            .args(["cv", "--study", study.to_str().unwrap(), "--model", "cifarnet", "--epochs", "1"])
            .args(["--batch", "64", "--views-per-candidate", "1", "--val-views", "1", "--device", "cpu"])
            .args(["--folds", "3", "--region", region, "--name", "abd"])
            .args(["--runs-dir", work.path().to_str().unwrap()])
            .output()
            .unwrap()
    };
    let o = cv("abdominal");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut tested = Vec::new();
    for fold in 1..=3 {
        let run = work.path().join(format!("abd-f{fold}"));
        let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
        assert!(config.lines().any(|l| l == "region = \"ABD\""), "{config}");
        let split: serde_json::Value = serde_json::from_slice(&std::fs::read(run.join("split.json")).unwrap()).unwrap();
        let set = |name: &str| -> Vec<String> {
            split[name].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
        };
        let mut all: Vec<String> = ["train", "val", "test"].iter().flat_map(|s| set(s)).collect();
        all.sort_unstable();
        // the sample study's three ABD patients in three folds: one each to test, validate, train
        assert_eq!(all, ["ABD_SYNTH_002", "ABD_SYNTH_004", "ABD_SYNTH_006"], "fold {fold}");
        assert_eq!(set("test").len(), 1, "fold {fold}");
        tested.extend(set("test"));
    }
    tested.sort_unstable();
    assert_eq!(tested, ["ABD_SYNTH_002", "ABD_SYNTH_004", "ABD_SYNTH_006"], "each tested once");
    assert!(stdout(&o).contains("abd-f3"), "{}", stdout(&o));
    let o = cv("NECK");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no patient of region NECK (the study's regions: ABD, MED)"), "{}", stderr(&o));
}
