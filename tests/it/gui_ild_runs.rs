//! ILD runs in the workbench, driven as a user drives it: the run form offers the ILD tasks and
//! the ILD study root; a tiny 2-fold ILD cross-validation trained with `cadet cv` shows its task
//! in the runs browser, a fold is evaluated from the Evaluation tab (its confusion-matrix cells
//! carry the counts the core's evaluation of the same run gives) and then the whole
//! cross-validation (the folds pooled as the core pools them), and the Visualisation tab draws the filters, pool-5
//! maps, a deconvnet reconstruction and Grad-CAM for an annotated patch of its study, fed the
//! input the evaluation feeds the network.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cadet::core::dataset::{Purpose, Sample};
use cadet::core::eval::ScoreOptions;
use cadet::core::eval::ild_eval::evaluate_ild;
use cadet::core::eval::session::EvalKind;
use cadet::core::ild::IldClass;
use cadet::core::ild::lung::LungFocus;
use cadet::core::train::{DeviceChoice, RunDir, Task, open_ild};
use cadet::core::vis::ViewInput;
use cadet::gui::{CadetApp, Tab};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::common::{cadet, stderr};

/// Steps the UI until `done`, at most 60 s (evaluation and figures run in the background).
fn wait_for(h: &mut Harness<'static, CadetApp>, what: &str, done: impl Fn(&Harness<'static, CadetApp>) -> bool) {
    for _ in 0..6000 {
        h.step();
        if done(h) {
            h.step();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the UI never showed {what}");
}

/// A tiny patch-level 2-fold cross-validation (the settings of
/// `ild::a_tiny_ild_run_trains_evaluates_and_reports`): its two runs.
fn tiny_patch_cv(root: &Path, runs: &Path) -> [PathBuf; 2] {
    let (r, runs_s) = (root.to_str().unwrap(), runs.to_str().unwrap());
    let out = cadet(&[
        "cv",
        "--folds",
        "2",
        "--task",
        "ild-patch",
        "--size",
        "16",
        "--per-roi",
        "20",
        "--name",
        "patch",
        "--study",
        r,
        "--model",
        "cifarnet",
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--runs-dir",
        runs_s,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    ["patch-f1", "patch-f2"].map(|name| std::path::absolute(runs.join(name)).unwrap())
}

#[test]
fn an_ild_run_is_trained_for_evaluated_and_visualised_in_the_workbench() {
    let (tmp, root) = crate::ild::synth_study(11);
    let runs = tmp.path().join("runs");
    let folds = tiny_patch_cv(&root, &runs);
    let run = folds[0].clone();
    // the workbench opened on the ILD root offers it to the run form
    let opened = root.clone();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 950.0))
        .with_max_steps(100_000)
        .build_eframe(move |cc| CadetApp::new(cc, Some(opened.clone())));
    wait_for(&mut h, "the start-up load end", |h| !h.state().jobs.is_busy());
    let offered = root.clone();
    wait_for(&mut h, "the ILD root offered to the run form", move |h| {
        h.state().training.ild.root.as_ref() == Some(&offered)
    });
    h.state_mut().training.form.runs_dir = runs.clone();

    // the run form left the lymph-node task (the ILD study closed the lymph-node one); the
    // combobox goes to the slice task and back to the patch task with its settings
    assert_eq!(h.state().training.form.task, Task::IldPatch);
    h.get_by_label("Training").click();
    h.run_steps(2);
    for (label, task) in [("ILD slices (6 classes)", Task::IldSlice), ("ILD patches (6 classes)", Task::IldPatch)] {
        h.get_by_role_and_label(egui::Role::ComboBox, "task").click();
        h.run_steps(2);
        h.get_by_label(label).click();
        h.run_steps(2);
        assert_eq!(h.state().training.form.task, task);
        if task == Task::IldSlice {
            // the slice level's lung setting
            h.get_by_role_and_label(egui::Role::ComboBox, "lung").click();
            h.run_steps(2);
            h.get_by_label("smooth").click();
            h.run_steps(2);
            assert_eq!(h.state().training.form.lung, LungFocus::Smooth);
        }
    }
    let form = h.state().training.form.clone();
    assert_eq!((form.task, form.classes, form.folds, form.study.as_path()), (Task::IldPatch, 6, 5, root.as_path()));
    assert_eq!(form.lung, LungFocus::None, "the patch task has no lung setting");
    assert!(h.query_by_label("lung").is_none());
    assert!(h.query_by_label("patches per contour").is_some());
    assert!(h.query_by_label("views per candidate").is_none(), "a lymph-node setting");
    assert!(!h.get_by_label("Start").accesskit_node().is_disabled(), "an ILD root is ready to train on");
    wait_for(&mut h, "the run in the runs browser", |h| {
        h.query_by_label_contains("ild-patch · cifarnet ri fold 1/2 · 1 epochs").is_some()
    });

    // Evaluation: the run scored in the background, the confusion matrix as the core has it
    h.get_by_label("Evaluation").click();
    h.run_steps(2);
    assert_eq!(h.state().tab, Tab::Evaluation);
    h.state_mut().eval.run = Some(run.clone());
    h.run_steps(2);
    h.get_by_label("Evaluate").click();
    wait_for(&mut h, "the ILD evaluation", |h| !h.state().eval.evaluating && h.state().eval.ild.selected.is_some());
    let shown = h.state().eval.ild.selected.clone().unwrap();
    assert!(shown.starts_with(&run) && shown.join("confusion.png").is_file(), "{}", shown.display());
    let options = ScoreOptions { device: DeviceChoice::Cpu, ..Default::default() };
    let out = tmp.path().join("core-eval");
    let (_, core) = evaluate_ild(EvalKind::Run, std::slice::from_ref(&run), &options, 0, 1, Some(&out)).unwrap();
    let total: usize = core.pooled.confusion.iter().flatten().sum();
    assert!(total > 0, "the test patient has patches");
    for (t, row) in core.pooled.confusion.iter().enumerate() {
        for (p, count) in row.iter().enumerate() {
            let cell = format!("true {}, predicted {}: {count}", IldClass::ALL[t].name(), IldClass::ALL[p].name());
            assert!(h.query_by_label(&cell).is_some(), "no cell {cell:?}");
        }
    }
    let accuracy = format!("{} items, accuracy {:.3} [", core.pooled.samples, core.pooled.accuracy);
    assert!(h.query_by_label_contains(&accuracy).is_some(), "{accuracy} with its bootstrap interval");

    // the run's cross-validation: both folds pooled, every patient tested once
    h.get_by_label("Evaluate its cross-validation (2 folds)").click();
    let fold_eval = shown.clone();
    wait_for(&mut h, "the cross-validation's evaluation", move |h| {
        !h.state().eval.evaluating && h.state().eval.ild.selected.as_ref().is_some_and(|s| s != &fold_eval)
    });
    let (_, pooled) = evaluate_ild(EvalKind::Cv, &folds, &options, 0, 1, Some(&tmp.path().join("core-cv"))).unwrap();
    assert!(pooled.pooled.samples > core.pooled.samples, "two test folds score more than one");
    assert!(h.query_by_label_contains("(cifarnet ri, ild-patch, cv)").is_some(), "listed as a cross-validation");
    let pooled_accuracy = format!("{} items, accuracy {:.3} [", pooled.pooled.samples, pooled.pooled.accuracy);
    assert!(h.query_by_label_contains(&pooled_accuracy).is_some(), "{pooled_accuracy}");
    for (i, fold) in ["patch-f1", "patch-f2"].iter().enumerate() {
        assert!(h.query_by_label(fold).is_some(), "the fold {} is offered on its own", i + 1);
    }

    // Visualisation: an annotated patch of the run's study, fed to the network as evaluation does
    h.get_by_label("Visualisation").click();
    h.state_mut().vis.runs[0] = Some(run.clone());
    wait_for(&mut h, "the pool-5 maps", |h| {
        h.state().vis.results[0].as_ref().is_some_and(|r| r.pool.as_ref().is_some_and(|p| p.is_ok()))
    });
    let target = h.state().vis.ild.chosen.clone().expect("a patch is chosen");
    let (roi, row, col) = target.patch.expect("a patch-level run is shown patches");
    assert!(h.query_by_label_contains(&format!("patient {}, slice {}", target.patient, target.slice_number)).is_some());
    let config = RunDir::open(&run).unwrap().read_config().unwrap();
    let mut set = open_ild(&config).unwrap();
    let item = set
        .items
        .iter()
        .position(|it| match it {
            cadet::core::ild::dataset::IldItem::Patch(p) => (p.roi, p.center_row, p.center_col) == (roi, row, col),
            _ => false,
        })
        .unwrap();
    set.load_images(&[set.items[item].patient()]).unwrap();
    let sample = Sample { patient: set.items[item].patient(), candidate: item, label: 0, view: 0 };
    let batch = set.render_batch(&[sample], Purpose::Evaluate);
    let expected = ViewInput::new(batch.images, batch.size).image;
    let result = h.state().vis.results[0].as_ref().unwrap();
    let pool = result.pool.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(pool.input, expected, "the evaluation's input for that patch");
    assert!(result.filters.is_ok() && pool.grid.width > 0 && !pool.units.is_empty());
    let cam = pool.gradcam.as_ref().expect("Grad-CAM of the predicted class");
    assert_eq!(cam.label, IldClass::ALL[cam.class].name());
    assert!(h.query_by_label_contains(&format!("Grad-CAM of class {}", cam.label)).is_some());
    // a unit of the maps projected back by the deconvnet (cifarnet is a plain chain)
    let unit = pool.units[0];
    h.state_mut().vis.unit = Some(unit);
    wait_for(&mut h, "the reconstruction", |h| {
        let pool = h.state().vis.results[0].as_ref().and_then(|r| r.pool.as_ref()).and_then(|p| p.as_ref().ok());
        pool.is_some_and(|p| p.unit == Some(unit) && p.reconstruction.is_some())
    });
    assert!(h.query_by_label("Save reconstruction as PNG…").is_some());
}
