//! The GPU check (`benches/device/gpu_check.sh`) in its CPU dry run: tiny steps, no PyTorch.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{stderr, stdout};

#[test]
fn the_gpu_check_runs_as_a_cpu_dry_run() {
    let out_dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("benches/device/gpu_check.sh"))
        .arg("--cpu")
        .env("CADET_BIN", env!("CARGO_BIN_EXE_cadet"))
        .env("OUT", out_dir.path())
        .env("XDG_CACHE_HOME", cache.path())
        .env("PYTHON", "/nonexistent/python")
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = std::fs::read_to_string(out_dir.path().join("gpu_check.json")).unwrap();
    let check: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(check["mode"], "cpu");
    let models: Vec<&str> =
        check["cadet"].as_array().unwrap().iter().map(|r| r["model"].as_str().unwrap_or("?")).collect();
    assert_eq!(models, ["cifarnet", "alexnet-l", "googlenet-l", "alexnet-h"], "{text}");
    for r in check["cadet"].as_array().unwrap() {
        assert!(r["images_per_second"].as_f64().unwrap() > 0.0, "{r}");
    }
    // without torch the reference says why, once per model
    let torch = check["pytorch"].as_array().unwrap();
    assert_eq!(torch.len(), 4);
    assert!(torch.iter().all(|r| r["error"].as_str().is_some_and(|e| e.contains("torch"))), "{text}");
    let study = &check["sample_study"];
    assert_eq!(study["summary"]["epochs_completed"], 2, "{text}");
    assert_eq!(study["epochs"].as_array().unwrap().len(), 2);
}
