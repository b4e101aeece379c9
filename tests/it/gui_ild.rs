//! The ILD study viewer driven as a user drives it (egui_kittest) on `sample_data/ild`: the root
//! opens as an ILD study (not as a DICOM folder), lists its patients and annotated slices, says
//! why there is no coronal or sagittal view, counts the gallery's patches as the core does; a
//! slice is selected, a class toggled off, the HU and the RGB composite read back, a patch
//! clicked; a dropped ILD folder replaces the lymph-node study.

use std::collections::HashSet;

use cadet::core::ild::lung::estimate_lung_mask;
use cadet::core::ild::patches::select_patches;
use cadet::core::ild::polygon::rasterize;
use cadet::core::ild::{IldClass, IldDatabase};
use cadet::core::sampling::Plane;
use cadet::core::window::WindowPreset;
use cadet::gui::CadetApp;
use cadet::gui::ild::{Display, GALLERY_PER_ROI, GALLERY_SEED, GALLERY_SIZE, LUNG_COLOUR, axial_image_rect};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::gui::{Dropped, harness, sample, step_until};

fn ild_harness() -> (Harness<'static, CadetApp>, IldDatabase) {
    let root = sample().join("ild");
    let db = IldDatabase::open(&root).unwrap();
    let builder = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).with_max_steps(10_000);
    let mut h = builder.build_eframe(move |cc| CadetApp::new(cc, Some(root.clone())));
    step_until(&mut h, |app| app.ild.gallery.is_some() && app.ild.shown_hu().is_some());
    (h, db)
}

fn label(slice: &cadet::core::ild::IldSlice) -> String {
    let classes: Vec<&str> = slice.classes().iter().map(|c| c.name()).collect();
    format!("slice {}: {}", slice.slice_number, classes.join(", "))
}

#[test]
fn an_ild_root_lists_patients_notes_the_gaps_and_counts_patches_as_the_core() {
    let (h, db) = ild_harness();
    let app = h.state();
    assert!(app.ild.is_open() && app.workspace.volume.is_none(), "opened as an ILD study, not as a DICOM folder");
    assert_eq!(db.patients.len(), 6);
    let mut labels = Vec::new();
    for p in &db.patients {
        assert_eq!(p.slices.len(), 3);
        h.get_by_label(&format!("Patient {} · 3 of 3 slices annotated", p.id));
        labels.extend(p.slices.iter().map(label));
    }
    for l in &labels {
        let expected = labels.iter().filter(|x| *x == l).count();
        assert_eq!(h.query_all_by_label(l).count(), expected, "{l}");
    }
    // the synthetic slices are numbers 3, 8 and 13, 10 mm per number: 50 mm apart
    let note = "50 mm gaps: coronal and sagittal views are not meaningful for this series";
    assert_eq!(h.query_all_by_label(note).count(), 2, "the coronal and the sagittal pane");
    assert!(cadet::gui::viewer::view_rect(&h.ctx, Plane::Coronal).is_none(), "no coronal smear is drawn");
    // the gallery counts the patches of `cadet ild patches` (size 64, 100 per contour, seed 2016)
    assert_eq!((GALLERY_SIZE, GALLERY_PER_ROI, GALLERY_SEED), (64, 100, 2016));
    let patches = select_patches(&db, 64, 100, 2016);
    for class in IldClass::ALL {
        let of_class: Vec<_> = patches.iter().filter(|p| p.class == class).collect();
        let contours: HashSet<(usize, usize)> = of_class.iter().map(|p| (p.patient, p.roi)).collect();
        assert!(!of_class.is_empty(), "{class}");
        let contours = match contours.len() {
            1 => "1 contour".to_string(),
            n => format!("{n} contours"),
        };
        h.get_by_label(&format!("{class}: {} patches from {contours}", of_class.len()));
    }
}

#[test]
fn a_slice_is_selected_a_class_toggled_off_and_hu_and_patches_read_back() {
    let (mut h, db) = ild_harness();
    // the second slice of patient 3; slices of other patients may share its label (listed in order)
    let all: Vec<(usize, usize, String)> = db
        .patients
        .iter()
        .enumerate()
        .flat_map(|(p, patient)| patient.slices.iter().enumerate().map(move |(s, slice)| (p, s, label(slice))))
        .collect();
    let (p, s) = (2, 1);
    let text = label(&db.patients[p].slices[s]);
    let earlier = all.iter().take_while(|x| (x.0, x.1) != (p, s)).filter(|x| x.2 == text).count();
    h.query_all_by_label(&text).nth(earlier).unwrap().click();
    step_until(&mut h, |app| app.ild.shown_hu().is_some() && app.ild.patient == p);
    let slice = &db.patients[p].slices[s];
    assert_eq!(h.state().ild.shown_annotated().map(|x| x.slice_number), Some(slice.slice_number));
    let (rows, cols) = (slice.rows(), slice.cols());
    let contour = &slice.contours[0];
    let mask = rasterize(&contour.points, rows, cols);
    let hu = h.state().ild.shown_hu().unwrap().clone();
    let (before, size) = h.state().ild.shown_rgba().map(|(b, s)| (b.to_vec(), s)).unwrap();
    assert_eq!(size, [cols, rows]);
    assert!(h.state().ild.outlined.contains(&contour.roi));
    let grey = |i: usize| [WindowPreset::Lung.window().apply_u8(hu[i]); 3];
    let inside: Vec<usize> = (0..rows * cols).filter(|&i| mask[i]).collect();
    assert!(
        inside.len() > 100 && inside.iter().all(|&i| before[4 * i..4 * i + 3] != grey(i)),
        "filled by class colour"
    );
    h.get_by_label(contour.class.name()).click();
    h.run_steps(2);
    let app = h.state();
    assert!(!app.ild.visible[contour.class.index()] && !app.ild.outlined.contains(&contour.roi));
    let after = app.ild.shown_rgba().unwrap().0;
    assert!(inside.iter().all(|&i| after[4 * i..4 * i + 3] == grey(i)), "toggled off: the window's grey again");
    let outside_same =
        (0..rows * cols).filter(|&i| !mask[i]).all(|i| after[4 * i..4 * i + 4] == before[4 * i..4 * i + 4]);
    assert!(outside_same, "nothing else changes");
    // the lung mask toggle outlines the estimated lung (the bundled study has no HUG masks)
    let after = after.to_vec();
    h.get_by_label("lung mask (estimated)").click();
    h.run_steps(2);
    let lung = estimate_lung_mask(&hu, rows, cols);
    let edge = |i: usize| {
        let (r, c) = (i / cols, i % cols);
        lung[i]
            && (r == 0
                || c == 0
                || r + 1 == rows
                || c + 1 == cols
                || ![i - cols, i + cols, i - 1, i + 1].iter().all(|&j| lung[j]))
    };
    let outlined = h.state().ild.shown_rgba().unwrap().0.to_vec();
    let edges = (0..rows * cols).filter(|&i| edge(i)).count();
    assert!(edges > 100, "{edges} boundary pixels");
    for i in 0..rows * cols {
        let [r, g, b] = if edge(i) { LUNG_COLOUR } else { [after[4 * i], after[4 * i + 1], after[4 * i + 2]] };
        let expected = [r, g, b, 255];
        assert_eq!(outlined[4 * i..4 * i + 4], expected, "pixel {i}");
    }
    h.get_by_label("lung mask (estimated)").click();
    h.run_steps(2);
    // the readout over the top-left pixel, outside the field of view (written as −2000 HU)
    let rect = axial_image_rect(&h.ctx).unwrap();
    h.event(egui::Event::PointerMoved(rect.min + egui::vec2(0.2, 0.2) * rect.width() / cols as f32));
    h.run_steps(2);
    assert_eq!(h.state().ild.hover, Some((0, 0, -1024.0)), "padding reads as air");
    // RGB composite of −1024 HU: R 376/1200, G 0, B 376/450
    h.get_by_label("RGB composite").click();
    h.run_steps(2);
    assert_eq!(h.state().ild.display, Display::Rgb);
    assert_eq!(&h.state().ild.shown_rgba().unwrap().0[..4], [80, 0, 213, 255]);
    // keys: N moves to the next annotated slice (the next patient's first after a last one)
    let (patient, position) = (h.state().ild.patient, h.state().ild.position);
    h.key_press(egui::Key::N);
    h.step();
    let next = if position + 1 < 3 { (patient, position + 1) } else { (patient + 1, 0) };
    assert_eq!((h.state().ild.patient, h.state().ild.position), next);
    h.key_press(egui::Key::P);
    h.step();
    assert_eq!((h.state().ild.patient, h.state().ild.position), (patient, position));
    // a patch of the gallery shows its slice
    let (patch, alt) = {
        let app = h.state();
        let gallery = app.ild.gallery.as_ref().unwrap().as_ref().unwrap();
        let t = gallery.thumbs.iter().find(|t| t.patch.patient != patient).unwrap();
        let pt = &db.patients[t.patch.patient];
        let number = pt.slices[t.patch.slice].slice_number;
        let alt = format!(
            "{} patch at ({}, {}), patient {} slice {number}",
            t.patch.class, t.patch.center_row, t.patch.center_col, pt.id
        );
        (t.patch, alt)
    };
    h.get_by_label(&alt).click();
    h.run_steps(2);
    let app = h.state();
    assert_eq!((app.ild.patient, app.ild.shown().and_then(|s| s.annotated)), (patch.patient, Some(patch.slice)));
    assert_eq!(app.ild.highlight, Some(patch));
}

#[test]
fn a_dropped_ild_folder_replaces_the_lymph_node_study_until_another_study_opens() {
    let mut h = harness(sample().join("synthetic"), false);
    assert!(h.state().workspace.study.is_some() && !h.state().ild.is_open());
    h.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(sample().join("ild"))));
    step_until(&mut h, |app| app.ild.study.is_some());
    let app = h.state();
    assert_eq!(app.ild.root(), Some(sample().join("ild").as_path()));
    assert!(app.workspace.study.is_none() && app.workspace.volume.is_none(), "the ILD study replaced it");
    assert_eq!(app.settings.recent.first(), Some(&sample().join("ild")));
    h.state_mut().open(sample().join("synthetic"));
    step_until(&mut h, |app| app.workspace.volume.is_some());
    assert!(!h.state().ild.is_open(), "opening a lymph-node study closes the ILD study");
}
