//! Every subcommand once as a user runs it and once with a bad input: the happy path succeeds
//! and writes what it says, the bad input ends with exit status 1 (a refused value, 2 when clap
//! refuses it) and a message naming the problem, never a panic. `train` and `sweep` run their
//! happy paths in rough_edges.rs and sweep.rs (each trains); the rest share one tiny run.

use std::path::Path;

use cadet::core::study::Study;

use crate::common::{cadet, sample_study, stderr, stdout, tiny_run};

/// A subcommand's two cases: the happy arguments and the file they must write (if any), then
/// the bad arguments, the exit status and a part of the message.
struct Case {
    happy: Vec<String>,
    writes: Option<String>,
    bad: Vec<String>,
    status: i32,
    message: &'static str,
}

fn case(happy: &[&str], writes: Option<&str>, bad: &[&str], status: i32, message: &'static str) -> Case {
    let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
    Case { happy: owned(happy), writes: writes.map(String::from), bad: owned(bad), status, message }
}

#[test]
fn every_subcommand_runs_once_and_refuses_a_bad_input_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let study_dir = sample_study();
    let study = study_dir.to_string_lossy().into_owned();
    let first = &Study::load(&study_dir).unwrap().patients[0];
    let volume = first.volume_path.to_string_lossy().into_owned();
    let [x, y, z] = first.candidates[0].center_world_mm;
    let center = format!("{x},{y},{z}");
    let run = tiny_run().to_string_lossy().into_owned();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture = |name: &str| fixtures.join(name).to_string_lossy().into_owned();
    let eval_dir = d("eval");
    let (scores, lesions) = (format!("{eval_dir}/scores.csv"), format!("{eval_dir}/lesions.csv"));
    let missing = d("missing.nii.gz");

    // in order: eval writes the folder froc and report read
    let cases = [
        case(&["info", &volume], None, &["info", &missing], 1, "cannot read the volume"),
        case(
            &["synth", "--out", &d("synth"), "--patients", "1"],
            Some("synth/study.csv"),
            &["synth", "--out", &d("s2"), "--patients", "x"],
            2,
            "invalid value 'x'",
        ),
        case(&["study", &study], None, &["study", &d("nostudy")], 1, "nostudy"),
        case(
            &["convert", &fixture("dicom/axial"), "--out", &d("axial.nii.gz")],
            Some("axial.nii.gz"),
            &["convert", &fixture("dicom/bad"), "--out", &d("bad.nii.gz")],
            1,
            "bad",
        ),
        case(
            &["crop", &volume, "--box", "0:8,0:8,0:4", "--out", &d("crop.nii.gz")],
            Some("crop.nii.gz"),
            &["crop", &volume, "--box", "8:0,0:8,0:4", "--out", &d("c2.nii.gz")],
            1,
            "--box",
        ),
        case(
            &["slice", &volume, "--out", &d("slice.png")],
            Some("slice.png"),
            &["slice", &volume, "--axis", "oblique", "--out", &d("s.png")],
            2,
            "invalid value 'oblique'",
        ),
        case(&["models"], None, &["models", "--classes", "1"], 1, "--classes must be at least 2"),
        case(
            &["sample", &volume, "--center", &center, "--out", &d("view.npy")],
            Some("view.npy"),
            &["sample", &volume, "--center", "1,2", "--out", &d("v2.npy")],
            1,
            "--center",
        ),
        case(
            &["bank", "--study", &study, "--views-per-candidate", "1", "--size", "16", "--out", &d("bank")],
            None,
            &["bank", "--study", &study, "--size", "0", "--out", &d("b2")],
            1,
            "a size of at least 8 px",
        ),
        case(
            &["cache", "--cache", &d("cache")],
            None,
            &["cache", "--cache", &d("cache"), "--clear", "--json", "--nonsense"],
            2,
            "--nonsense",
        ),
        case(
            &["curves", &run, "--out", &d("curves.png")],
            Some("curves.png"),
            &["curves", &d("norun"), "--out", &d("c.png")],
            1,
            "norun",
        ),
        case(
            &["eval", "--run", &run, "--views", "1", "--bootstrap", "0", "--device", "cpu", "--out", &eval_dir],
            Some("eval/report.json"),
            &["eval", "--run", &run, "--device", "tpu"],
            2,
            "invalid value 'tpu'",
        ),
        case(
            &["froc", "--scores", &scores, "--lesions", &lesions, "--png", &d("froc.png")],
            Some("froc.png"),
            &["froc", "--scores", &lesions],
            1,
            "lesions.csv",
        ),
        case(
            &["report", &eval_dir, "--csv", &d("table.csv")],
            Some("table.csv"),
            &["report", &d("nothing")],
            1,
            "nothing/report.json",
        ),
        case(
            &[
                "pretrained",
                "predict",
                "--model",
                "alexnet-h",
                "--weights",
                &fixture("alexnet-torchvision-random.pth"),
                "--image",
                &fixture("chelsea.png"),
                "--top",
                "2",
            ],
            None,
            &["pretrained", "predict", "--weights", &fixture("chelsea.png"), "--image", &fixture("chelsea.png")],
            1,
            "chelsea.png",
        ),
        case(
            &["filters", "--run", &run, "--out", &d("filters.png")],
            Some("filters.png"),
            &["filters", "--run", &run, "--scale", "0", "--out", &d("f.png")],
            1,
            "--scale must be 1 to 64",
        ),
        case(
            &[
                "deconv",
                "--run",
                &run,
                "--volume",
                &volume,
                "--center",
                &center,
                "--scale",
                "1",
                "--out",
                &d("deconv.png"),
            ],
            Some("deconv.png"),
            &["deconv", "--run", &run, "--volume", &volume, "--center", &center, "--unit", "999", "--out", &d("d.png")],
            1,
            "--unit 999: the layer has 64 units",
        ),
        case(
            &[
                "explain",
                "--run",
                &run,
                "--volume",
                &volume,
                "--center",
                &center,
                "--scale",
                "1",
                "--out",
                &d("cam.png"),
            ],
            Some("cam.png"),
            &["explain", "--run", &run, "--volume", &volume, "--center", &center, "--class", "7", "--out", &d("e.png")],
            1,
            "--class 7: the network has 2 classes",
        ),
        case(
            &[
                "explain",
                "--method",
                "deconv",
                "--run",
                &run,
                "--volume",
                &volume,
                "--center",
                &center,
                "--scale",
                "1",
                "--top",
                "2",
                "--out",
                &d("explain-deconv.png"),
            ],
            Some("explain-deconv.png"),
            &["explain", "--method", "lime", "--run", &run],
            2,
            "invalid value 'lime'",
        ),
        case(&["cv", "--help"], None, &["cv", "--study", &study, "--model", "nonsense"], 2, "invalid value 'nonsense'"),
        case(
            &["train", "--help"],
            None,
            &["train", "--study", &study, "--model", "cifarnet", "--epochs", "0", "--runs-dir", &d("runs")],
            1,
            "epochs must be at least 1",
        ),
        case(&["sweep", "--help"], None, &["sweep", "status", &d("nosweep")], 1, "nosweep"),
    ];
    for c in &cases {
        let o = cadet(&c.happy.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "cadet {}: {}", c.happy.join(" "), stderr(&o));
        assert!(!stdout(&o).is_empty() || c.writes.is_some(), "cadet {} says what it did", c.happy[0]);
        if let Some(file) = &c.writes {
            assert!(dir.path().join(file).is_file(), "cadet {} writes {file}", c.happy[0]);
        }
        let o = cadet(&c.bad.iter().map(String::as_str).collect::<Vec<_>>());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(c.status), "cadet {}: {err}", c.bad.join(" "));
        assert!(err.contains(c.message), "cadet {}: expected '{}' in: {err}", c.bad.join(" "), c.message);
        assert!(!err.contains("panicked"), "cadet {}: {err}", c.bad.join(" "));
    }
}
