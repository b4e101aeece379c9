//! The Training tab driven as a user drives it: invalid settings keep Start disabled with an
//! explanation; a tiny run starts from the panel, its curves and progress fill in, the runs
//! browser says it is training (and offers no Resume), Stop ends it with a run directory on disk
//! and the final state; a finished run's curves load from the runs browser; a failed run says why.

use std::path::Path;
use std::time::Duration;

use cadet::core::train::{DeviceChoice, Regime, RunDir};
use cadet::gui::training::{MemoryLimit, RunStatus};
use cadet::gui::{CadetApp, Tab};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn harness() -> Harness<'static, CadetApp> {
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic");
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_max_steps(100_000)
        .build_eframe(move |cc| CadetApp::new(cc, Some(study.clone())));
    for _ in 0..500 {
        h.step();
        if h.state().workspace.volume.is_some() && !h.state().jobs.is_busy() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    h.get_by_label("Training").click();
    h.run_steps(2);
    assert_eq!(h.state().tab, Tab::Training);
    h
}

/// Steps the UI (the runs list arrives from a background scan) until `done`, at most 20 s.
fn wait_for(h: &mut Harness<'static, CadetApp>, done: impl Fn(&Harness<'static, CadetApp>) -> bool) {
    for _ in 0..2000 {
        h.step();
        if done(h) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the UI never showed what was awaited");
}

#[test]
fn a_failed_run_says_why_and_a_run_started_elsewhere_appears() {
    let runs = tempfile::tempdir().unwrap();
    let mut h = harness();
    h.state_mut().training.form.runs_dir = runs.path().to_path_buf();
    h.run_steps(2);
    // another process makes a run that fails: the browser picks it up and shows the log's reason
    let config = h.state().training.form.clone();
    let run = RunDir::create(runs.path(), "elsewhere").unwrap();
    run.write_config(&config).unwrap();
    run.log("training cifarnet (ri) on CPU");
    run.log("failed: the loss became NaN at epoch 2");
    wait_for(&mut h, |h| h.query_by_label_contains("failed: the loss became NaN at epoch 2").is_some());
    assert!(h.query_by_label_contains("in progress or interrupted").is_none());
    assert!(h.query_by_label("Resume").is_none(), "a failed run is not offered for resuming");
}

#[test]
fn invalid_settings_are_explained_and_start_stays_disabled() {
    let mut h = harness();
    h.state_mut().training.form.regime = Regime::Tl;
    h.state_mut().training.form.weights = None;
    h.run_steps(2);
    assert!(h.query_by_label_contains("needs pretrained weights").is_some());
    assert!(h.get_by_label("Start").accesskit_node().is_disabled());
    h.state_mut().training.form.regime = Regime::Ri;
    h.state_mut().training.form.batch = 1000;
    h.run_steps(2);
    assert!(h.query_by_label_contains("larger than cadet allows").is_some());
    assert!(h.get_by_label("Start").accesskit_node().is_disabled());

    // a batch the device could not hold last time is refused for the same setting
    let form = h.state().training.form.clone();
    h.state_mut().training.memory_limit = Some(MemoryLimit {
        model: form.model,
        input_size: form.pipeline().input_size,
        device: form.device,
        device_name: "GPU: test adapter".into(),
        batch: 64,
    });
    h.state_mut().training.form.batch = 64;
    h.run_steps(2);
    assert!(h.query_by_label_contains("ran out of memory on GPU: test adapter").is_some());
    assert!(h.get_by_label("Start").accesskit_node().is_disabled());
    h.state_mut().training.form.batch = 32;
    h.run_steps(2);
    assert!(h.query_by_label_contains("ran out of memory").is_none());
    assert!(!h.get_by_label("Start").accesskit_node().is_disabled());
}

#[test]
fn a_tiny_run_from_the_panel_fills_the_plots_and_stops() {
    let runs = tempfile::tempdir().unwrap();
    let mut h = harness();
    {
        let f = &mut h.state_mut().training.form;
        f.runs_dir = runs.path().to_path_buf();
        f.name = "gui-run".into();
        f.epochs = 20;
        f.views_per_candidate = 2;
        f.val_views = 1;
        f.batch = 32;
        f.device = DeviceChoice::Cpu;
    }
    h.run_steps(2);
    assert!(!h.get_by_label("Start").accesskit_node().is_disabled());
    h.get_by_label("Start").click();
    let mut saw_warmup = false;
    for _ in 0..3000 {
        h.step();
        saw_warmup |= h.state().training.status == RunStatus::WarmingUp;
        if h.state().training.live.as_ref().is_some_and(|l| l.epochs.len() >= 2) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(saw_warmup, "the panel showed the warming-up state");
    let live = h.state().training.live.clone().expect("live curves");
    assert!(live.epochs.len() >= 2, "epoch events arrived");
    assert!(!live.iterations.is_empty(), "the loss plot holds points");
    let (fraction, _) = h.state().training.progress().expect("the progress bar moved");
    assert!(fraction > 0.0);
    // the runs browser lists the run as training here, without a Resume button
    wait_for(&mut h, |h| h.query_by_label_contains("training now, in this workbench").is_some());
    assert!(h.query_by_label("Resume").is_none(), "no Resume for the run that is training");
    h.get_by_label("Stop").click();
    for _ in 0..2000 {
        h.step();
        if matches!(h.state().training.status, RunStatus::Finished(_)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let RunStatus::Finished(summary) = h.state().training.status.clone() else {
        panic!("{:?}", h.state().training.status)
    };
    assert!(summary.stopped_by_user);
    // the progress bar shows where the run ended, with no time left to estimate
    let (fraction, eta) = h.state().training.progress().expect("the final state");
    assert_eq!(eta, None);
    assert_eq!(fraction, summary.epochs_completed as f32 / 20.0);
    // and the runs browser says it stopped, and can resume it
    wait_for(&mut h, |h| h.query_by_label_contains("stopped after").is_some());
    assert!(h.query_by_label("Resume").is_some());
    let run = RunDir::open(&runs.path().join("gui-run")).unwrap();
    assert!(run.path.join("checkpoints/best/model.bpk").is_file(), "stop keeps the best snapshot");
    assert_eq!(run.epoch_metrics().unwrap().len(), summary.epochs_completed);

    // the finished run, ticked in the runs browser, plots from its metrics.jsonl
    h.state_mut().training.live = None;
    h.get_by_label("Refresh").click();
    wait_for(&mut h, |h| h.query_by_label("gui-run").is_some());
    h.get_by_label("gui-run").click();
    h.run_steps(2);
    let overlay = h.state().training.overlays.first().expect("the run is overlaid").clone();
    assert_eq!(overlay.epochs, run.epoch_metrics().unwrap());
}

#[test]
fn a_sweep_folder_opens_with_its_runs_live_curves_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic");
    let out = crate::common::cadet(&[
        "sweep",
        "--study",
        study.to_str().unwrap(),
        "--models",
        "cifarnet",
        "--folds",
        "2",
        "--epochs",
        "1",
        "--views-per-candidate",
        "2",
        "--val-views",
        "1",
        "--device",
        "cpu",
        "--runs-dir",
        runs.to_str().unwrap(),
        "--jobs",
        "2",
        "--wait",
        "--views",
        "5",
        "--bootstrap",
        "0",
        "--eval-device",
        "cpu",
    ]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let mut h = harness();
    h.state_mut().training.sweep.path_text = runs.display().to_string();
    h.get_by_label("Open sweep").click();
    for _ in 0..300 {
        h.step();
        if h.state().training.sweep.snapshot.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
    assert_eq!(h.query_all_by_label("finished").count(), 2, "the grid shows the runs' state");
    assert!(h.query_by_label_contains("| cifarnet-ri | cifarnet | ri | 2 |").is_none(), "the report is folded");
    h.get_by_label("cifarnet-ri-f2").click();
    for _ in 0..300 {
        h.step();
        if h.state().training.overlays.iter().any(|c| c.name == "cifarnet-ri-f2") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let curves = h.state().training.overlays.iter().find(|c| c.name == "cifarnet-ri-f2").expect("curves overlaid");
    assert_eq!(curves.epochs.len(), 1);
    h.get_by_label("Report").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("| cifarnet-ri | cifarnet | ri | 2 |").is_some(), "the report is shown");
}

/// The workbench with a form for a 2-fold local sweep of tiny `epochs`-epoch CPU runs in `runs`.
fn local_sweep_harness(runs: &Path, epochs: usize) -> Harness<'static, CadetApp> {
    let mut h = harness();
    let t = &mut h.state_mut().training;
    t.form.folds = 2;
    t.form.epochs = epochs;
    t.form.views_per_candidate = 2;
    t.form.val_views = 1;
    t.form.device = DeviceChoice::Cpu;
    t.sweep.exe = Some(env!("CARGO_BIN_EXE_cadet").into());
    t.sweep.path_text = runs.display().to_string();
    h
}

#[test]
fn the_forms_folds_run_as_a_local_sweep_from_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let mut h = local_sweep_harness(&runs, 1);
    h.run_steps(2);
    h.get_by_label("Run every fold as a local sweep").click();
    h.run_steps(2);
    assert!(h.state().training.sweep.is_running());
    for _ in 0..6000 {
        h.step();
        let s = &h.state().training.sweep;
        let finished =
            s.snapshot.as_ref().is_some_and(|s| s.rows.iter().filter(|r| r.state.label() == "finished").count() == 2);
        if !s.is_running() && finished {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = &h.state().training.sweep;
    assert!(!s.is_running(), "the sweep ended");
    assert_eq!(s.error, None);
    let names: Vec<&str> = s.snapshot.as_ref().unwrap().rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["cifarnet-ri-f1", "cifarnet-ri-f2"]);
    assert!(runs.join("runs/cifarnet-ri-f2/summary.json").is_file());
}

#[test]
fn cancel_sweep_ends_the_running_task_and_starts_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("R");
    let mut h = local_sweep_harness(&runs, 500);
    h.run_steps(2);
    assert!(h.get_by_label("Cancel sweep").accesskit_node().is_disabled(), "nothing runs yet");
    h.get_by_label("Run every fold as a local sweep").click();
    h.run_steps(2);
    for _ in 0..3000 {
        if cadet::core::sweep::task_alive(&runs, 0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(cadet::core::sweep::task_alive(&runs, 0), "the first fold's task started");
    h.get_by_label("Cancel sweep").click();
    for _ in 0..3000 {
        h.step();
        if !h.state().training.sweep.is_running() && !h.state().training.sweep.is_cancelling() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = &h.state().training.sweep;
    assert!(!s.is_running(), "the local sweep ended");
    assert_eq!(s.notice.as_deref(), Some("the local sweep was cancelled"));
    assert!(!cadet::core::sweep::task_alive(&runs, 0), "its task process was ended");
    assert!(!runs.join("runs/cifarnet-ri-f1/summary.json").exists(), "500 epochs did not finish");
    assert!(!runs.join("runs/cifarnet-ri-f2").exists(), "the second fold never started");
}
