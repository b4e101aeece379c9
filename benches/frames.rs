//! Frame times of the workbench while scrolling through a 512×512×600 CT (the volume of
//! `cargo bench --bench compare`), with the WGSL slice path and with the CPU path, rendered by
//! egui_kittest on whatever wgpu adapter exists (Mesa lavapipe on a machine without a GPU).
//!
//!     cargo bench --bench frames
//!
//! Each frame steps the axial slice with the mouse wheel, runs the UI and renders it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cadet::gui::CadetApp;
use cadet::gui::viewer::SliceRenderer;
use eframe::egui;
use egui_kittest::Harness;

fn main() {
    let volume = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/big_512x512x600.nii.gz");
    assert!(volume.is_file(), "run `cargo bench --bench compare -- nifti` first: it makes {}", volume.display());
    for renderer in [SliceRenderer::Gpu, SliceRenderer::Cpu] {
        let path = volume.clone();
        let mut h = Harness::builder()
            .with_size(egui::vec2(1500.0, 950.0))
            .with_max_steps(100_000)
            .wgpu()
            .build_eframe(move |cc| CadetApp::new(cc, Some(path.clone())));
        while h.state().workspace.volume.is_none() || h.state().jobs.is_busy() {
            h.step();
            std::thread::sleep(Duration::from_millis(20));
        }
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
        frames.sort_by(f64::total_cmp);
        let median = frames[frames.len() / 2];
        println!(
            "{renderer:?} slices: median frame {median:.1} ms (min {:.1}, max {:.1}) while scrolling",
            frames[0],
            frames[frames.len() - 1]
        );
    }
}
