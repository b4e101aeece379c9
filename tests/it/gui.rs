//! The workbench driven as a user drives it (egui_kittest): load the sample study, select
//! candidates, change the window, scroll, drop a broken file; plus one image snapshot per view
//! orientation rendered by the WGSL shader on a software rasteriser (Mesa lavapipe).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cadet::core::sampling::{Plane, SliceGeometry};
use cadet::gui::CadetApp;
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data")
}

/// Steps frames until `done` holds (background loading), for at most ten seconds.
pub fn step_until(h: &mut Harness<'_, CadetApp>, done: impl Fn(&CadetApp) -> bool) {
    for _ in 0..1000 {
        h.step();
        if done(h.state()) && !h.state().jobs.is_busy() {
            h.step();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the workbench did not finish loading");
}

pub fn harness(path: PathBuf, wgpu: bool) -> Harness<'static, CadetApp> {
    // small when rendering snapshots (they are committed), roomy otherwise
    let size = if wgpu { egui::vec2(720.0, 460.0) } else { egui::vec2(1280.0, 800.0) };
    let builder = Harness::builder().with_size(size).with_max_steps(10_000);
    let builder = if wgpu { builder.wgpu() } else { builder };
    let mut h = builder.build_eframe(move |cc| CadetApp::new(cc, Some(path.clone())));
    step_until(&mut h, |app| app.workspace.volume.is_some());
    h
}

#[test]
fn selecting_a_candidate_moves_the_cursor_in_all_three_views() {
    let mut h = harness(sample().join("synthetic"), false);
    let patient = h.state().workspace.patient().expect("the first patient is selected").clone();
    let candidate = &patient.candidates[12];
    h.get_by_label(&format!("#{}", candidate.id)).click();
    h.step();
    h.step();
    let app = h.state();
    assert_eq!(app.workspace.candidate, Some(candidate.id));
    let volume = &app.workspace.volume.as_ref().unwrap().volume;
    let expected = volume.affine().voxel_from_world_point(candidate.center());
    assert!((app.viewer.cursor_voxel - expected).length() < 1e-6, "{} vs {expected}", app.viewer.cursor_voxel);
    for &plane in Plane::ALL {
        let g = SliceGeometry::new(volume, plane);
        assert_eq!(
            app.viewer.cursor_voxel[g.slice_axis].round(),
            expected[g.slice_axis].round(),
            "{plane:?} shows the candidate's slice"
        );
    }
    // keyboard: n moves to the next candidate
    h.key_press(egui::Key::N);
    h.step();
    assert_eq!(h.state().workspace.candidate, Some(candidate.id + 1));
}

#[test]
fn presets_change_the_window() {
    let mut h = harness(sample().join("synthetic"), false);
    h.get_by_label("Window").click();
    h.run_steps(3);
    h.get_by_label("Lung").click();
    h.run_steps(3);
    let w = h.state().viewer.window;
    assert_eq!((w.lower_hu, w.upper_hu), (-1400.0, -200.0));
    h.get_by_label("Window").click();
    h.run_steps(3);
    h.get_by_label("Low attenuation (ILD)").click();
    h.run_steps(3);
    let w = h.state().viewer.window;
    assert_eq!((w.lower_hu, w.upper_hu), (-1400.0, -950.0));
}

#[test]
fn the_wheel_and_page_keys_step_slices() {
    let mut h = harness(sample().join("synthetic"), false);
    let volume = h.state().workspace.volume.as_ref().unwrap().volume.clone();
    let axial = SliceGeometry::new(&volume, Plane::Axial);
    let before = h.state().viewer.cursor_voxel[axial.slice_axis];
    let rect = cadet::gui::viewer::view_rect(&h.ctx, Plane::Axial).expect("the axial view was drawn");
    h.event(egui::Event::PointerMoved(rect.center()));
    h.step();
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: egui::vec2(0.0, 3.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.step();
    let after = h.state().viewer.cursor_voxel[axial.slice_axis];
    assert_eq!(after - before, 3.0);
    h.key_press(egui::Key::PageDown);
    h.step();
    assert_eq!(h.state().viewer.cursor_voxel[axial.slice_axis] - before, 2.0);
}

#[derive(Debug)]
pub struct Dropped(pub PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_broken_file_shows_an_error_and_keeps_the_study() {
    let mut h = harness(sample().join("synthetic"), false);
    let before = h.state().workspace.volume.as_ref().unwrap().path.clone();
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.nii.gz");
    std::fs::write(&broken, b"\x1f\x8bnot really gzip").unwrap();
    h.input_mut().dropped_files.push(Arc::new(Dropped(broken)));
    step_until(&mut h, |app| app.notice.is_some());
    let notice = h.state().notice.clone().unwrap();
    assert!(notice.is_error && notice.text.contains("broken.nii.gz"), "{notice:?}");
    assert!(h.query_by_label_contains("broken.nii.gz").is_some(), "the error is shown");
    assert_eq!(h.state().workspace.volume.as_ref().unwrap().path, before, "the previous volume stays open");
    assert!(h.state().workspace.study.is_some());
}

#[test]
fn view_snapshots_on_the_software_rasteriser() {
    let mut h = harness(sample().join("synthetic/MED_SYNTH_001/MED_SYNTH_001.nii.gz"), true);
    let mut results = egui_kittest::SnapshotResults::new();
    for &plane in Plane::ALL {
        h.state_mut().viewer.maximized = Some(plane);
        h.step();
        h.step();
        let options = egui_kittest::SnapshotOptions::new().threshold(1.0).max_failed_pixels(200usize);
        results.add(h.try_snapshot_options(format!("view_{}", plane.label().to_lowercase()), &options));
    }
}

#[test]
fn wgsl_shaders_are_valid() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let module = naga::front::wgsl::parse_str(&src)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&src)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::default())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&src)));
    }
}

/// Pixels of `image` inside `rect` within 3 of `colour` in every channel.
fn pixels_like(image: &image::RgbaImage, rect: egui::Rect, colour: egui::Color32) -> usize {
    let near = |a: u8, b: u8| a.abs_diff(b) <= 3;
    image
        .enumerate_pixels()
        .filter(|(x, y, _)| rect.contains(egui::pos2(*x as f32, *y as f32)))
        .filter(|(_, _, p)| near(p[0], colour.r()) && near(p[1], colour.g()) && near(p[2], colour.b()))
        .count()
}

#[test]
fn the_node_mask_toggle_changes_the_rendered_view() {
    let mut h = harness(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dicom/tcia"), true);
    let open = h.state().workspace.volume.as_ref().unwrap();
    assert!(open.mask.is_some(), "the first patient's mask loads with its volume");
    let volume = open.volume.clone();
    let node = h.state().workspace.patient().unwrap().lesions[0].clone();
    // the candidate table shows both positives' node extents (3 × 3 × 1 voxels of 0.6 × 0.8 × 2 mm)
    assert_eq!(h.query_all_by_label("1.8×2.4×2.0").count(), 2);
    let app = h.state_mut();
    app.dicom.show_warnings = false;
    app.viewer.maximized = Some(Plane::Axial);
    app.viewer.set_cursor_world(&volume, node.center());
    h.run_steps(2);
    let rect = cadet::gui::viewer::view_rect(&h.ctx, Plane::Axial).unwrap();
    let colour = cadet::gui::viewer::mask::node_colour(node.id as u16);
    let outline = h.render().unwrap();
    let ring = pixels_like(&outline, rect, colour);
    assert!(ring > 200, "the node's outline is drawn in its colour ({ring} pixels)");
    h.get_by_label("fill").click();
    h.run_steps(2);
    let fill = h.render().unwrap();
    let changed = outline.pixels().zip(fill.pixels()).filter(|(a, b)| a != b).count();
    assert!(changed > 50, "filling changes the node's interior ({changed} pixels)");
    h.get_by_label("Node masks").click();
    h.run_steps(2);
    assert!(!h.state().viewer.show_mask);
    let off = h.render().unwrap();
    assert_eq!(pixels_like(&off, rect, colour), 0, "no node colour without the mask");
}
