//! Frame times of the workbench while scrolling through a 512×512×600 CT (the volume of
//! `cargo bench --bench compare`), with the WGSL slice path and with the CPU path, rendered by
//! egui_kittest on whatever wgpu adapter exists (Mesa lavapipe on a machine without a GPU).
//!
//!     cargo bench --bench frames
//!
//! Each frame steps the axial slice with the mouse wheel, runs the UI and renders it. A third
//! scenario measures frames of the Training tab while a CPU training run is active, and saves
//! the last frame to `target/bench/training-tab.png`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cadet::core::models::ModelKind;
use cadet::core::train::{DeviceChoice, Start, TrainConfig, TrainControl};
use cadet::gui::viewer::SliceRenderer;
use cadet::gui::{CadetApp, Tab};
use eframe::egui;
use egui_kittest::Harness;

fn main() {
    let volume = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/big_512x512x600.nii.gz");
    assert!(volume.is_file(), "run `cargo bench --bench compare -- nifti` first: it makes {}", volume.display());
    for renderer in [SliceRenderer::Gpu, SliceRenderer::Cpu] {
        let mut h = opened(volume.clone());
        h.state_mut().renderer = renderer;
        let rect = cadet::gui::viewer::view_rect(&h.ctx, cadet::core::sampling::Plane::Axial).expect("axial view");
        h.event(egui::Event::PointerMoved(rect.center()));
        let mut frames = Vec::new();
        for i in 0..40 {
            let t = Instant::now();
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Line,
                delta: egui::vec2(0.0, if i % 2 == 0 { 1.0 } else { -1.0 }),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: egui::Modifiers::NONE,
            });
            h.step();
            let _ = h.render();
            frames.push(t.elapsed().as_secs_f64() * 1e3);
        }
        report(&format!("{renderer:?} slices, scrolling"), frames);
    }
    training();
}

/// The workbench in a 1500×950 window with `path` opened and loaded.
fn opened(path: PathBuf) -> Harness<'static, CadetApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .with_max_steps(100_000)
        .wgpu()
        .build_eframe(move |cc| CadetApp::new(cc, Some(path.clone())));
    while h.state().workspace.volume.is_none() || h.state().jobs.is_busy() {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h
}

fn report(what: &str, mut frames: Vec<f64>) {
    frames.sort_by(f64::total_cmp);
    let median = frames[frames.len() / 2];
    let p95 = frames[frames.len() * 95 / 100];
    println!(
        "{what}: median frame {median:.1} ms, 95th percentile {p95:.1} ms, max {:.1} ms ({} frames)",
        frames[frames.len() - 1],
        frames.len()
    );
}

/// Frames of the Training tab while cifarnet trains on the CPU.
fn training() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let study = root.join("sample_data/synthetic");
    let mut h = opened(study.clone());
    h.state_mut().tab = Tab::Training;
    let mut config = TrainConfig::paper_defaults(&study, ModelKind::Cifarnet);
    config.runs_dir = root.join("target/bench-runs");
    config.name = "frames".into();
    config.epochs = 30;
    config.views_per_candidate = 20;
    config.device = DeviceChoice::Cpu;
    let ctx = h.ctx.clone();
    h.state_mut().training.start(Start::New(Box::new(config)), &ctx).expect("training starts");
    let mut frames = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(40) {
        let t = Instant::now();
        h.step();
        let image = h.render();
        frames.push(t.elapsed().as_secs_f64() * 1e3);
        if started.elapsed() >= Duration::from_secs(39)
            && let Ok(img) = image
        {
            let _ = std::fs::create_dir_all(root.join("target/bench"));
            let _ = img.save(root.join("target/bench/training-tab.png"));
        }
    }
    h.state().training.control(TrainControl::Stop);
    report("Training tab while training cifarnet on the CPU", frames);
}
