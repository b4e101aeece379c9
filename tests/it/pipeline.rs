//! The data pipeline's last steps and the study's labelling rule, by hand: a view is centre
//! (or seeded-randomly) cropped, windowed and normalised per channel; a candidate is a positive
//! exactly when it lies within a true node's radius, and belongs to the node it is relatively
//! closest to.

use cadet::core::dataset::{IMAGENET_MEAN, IMAGENET_STD, InputNormalization};
use cadet::core::models::ModelKind;
use cadet::core::study::{Label, Lesion, Study, matching_lesion};
use cadet::core::train::TrainConfig;
use cadet::core::window::Window;
use glam::DVec3;

use crate::common::sample_study;

/// A 4×4 view in three channels: HU = 100·channel + 10·row + column.
fn view() -> Vec<f32> {
    (0..3 * 16).map(|i| (100 * (i / 16) + 10 * (i % 16 / 4) + i % 4) as f32).collect()
}

#[test]
fn views_are_cropped_windowed_and_normalised_per_channel() {
    let mut pipeline = TrainConfig::paper_defaults(&sample_study(), ModelKind::Cifarnet).pipeline();
    pipeline.view_size = 4;
    pipeline.input_size = 2;
    pipeline.window = Window::new(0.0, 400.0);
    pipeline.normalization = InputNormalization::Imagenet;
    let mut out = vec![0f32; 3 * 4];
    pipeline.finish(&view(), true, 4, None, &mut out);
    // the centre crop starts at (1, 1): HU 100c + 11, 12, 21, 22; windowed /400; normalised
    for c in 0..3 {
        for (k, hu) in [11.0, 12.0, 21.0, 22.0].into_iter().enumerate() {
            let expected = ((100.0 * c as f32 + hu) / 400.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
            assert!((out[c * 4 + k] - expected).abs() < 1e-6, "channel {c}, pixel {k}: {}", out[c * 4 + k]);
        }
    }
    // without normalisation and on already windowed values, the crop is the values themselves
    pipeline.normalization = InputNormalization::None;
    let windowed: Vec<f32> = view().iter().map(|v| v / 1000.0).collect();
    pipeline.finish(&windowed, false, 4, None, &mut out);
    assert_eq!(&out[..4], &[0.011, 0.012, 0.021, 0.022]);
    // a seeded crop is one of the nine 2×2 windows, the same for the same seed, and the seeds
    // reach more than one
    let crop = |seed: u64| {
        let mut o = vec![0f32; 12];
        pipeline.finish(&windowed, false, 4, Some(seed), &mut o);
        let (dy, dx) = (((o[0] * 1000.0).round() as usize / 10) % 10, (o[0] * 1000.0).round() as usize % 10);
        assert!(dy <= 2 && dx <= 2, "offset ({dx}, {dy})");
        assert_eq!(o[3], windowed[(dy + 1) * 4 + dx + 1], "a contiguous window");
        (dx, dy, o)
    };
    assert_eq!(crop(5).2, crop(5).2);
    let offsets: std::collections::BTreeSet<(usize, usize)> = (0..20).map(|s| (crop(s).0, crop(s).1)).collect();
    assert!(offsets.len() > 1, "{offsets:?}");
}

fn lesion(id: usize, center: [f64; 3], diameter_mm: f64) -> Lesion {
    Lesion { id, center_world_mm: center, diameter_mm, other_axis_mm: None }
}

#[test]
fn a_candidate_belongs_to_the_node_it_is_relatively_closest_to() {
    // node 1 at the origin, radius 5; node 2 at x = 8, radius 10
    let nodes = [lesion(1, [0.0; 3], 10.0), lesion(2, [8.0, 0.0, 0.0], 20.0)];
    let at = |x: f64, z: f64| matching_lesion(&nodes, DVec3::new(x, 0.0, z));
    assert_eq!(at(4.0, 0.0), Some(2), "4 mm from both: 0.8 of node 1's radius, 0.4 of node 2's");
    assert_eq!(at(-5.0, 0.0), Some(1), "on node 1's surface (node 2 is 13 mm away)");
    assert_eq!(at(-5.01, 0.0), None, "just outside every node");
    assert_eq!(at(0.0, 5.0), Some(2), "5 mm from node 1 (1.0), 9.43 from node 2 (0.94)");
    assert_eq!(at(20.0, 0.0), None);
}

#[test]
fn the_sample_study_labels_by_distance_to_its_nodes() {
    let study = Study::load(&sample_study()).unwrap();
    let mut positives = 0;
    for p in &study.patients {
        for c in &p.candidates {
            let point = DVec3::from_array(c.center_world_mm);
            let inside: Vec<usize> = p
                .lesions
                .iter()
                .filter(|l| DVec3::from_array(l.center_world_mm).distance(point) <= l.diameter_mm / 2.0)
                .map(|l| l.id)
                .collect();
            assert_eq!(c.label == Label::Positive, !inside.is_empty(), "{}/{}", p.id, c.id);
            assert_eq!(c.lesion.is_some(), !inside.is_empty(), "{}/{}", p.id, c.id);
            if let Some(l) = c.lesion {
                assert!(inside.contains(&l), "{}/{}: node {l} is not one it lies in", p.id, c.id);
                positives += 1;
            }
        }
    }
    assert!(positives > 0, "the sample study has positives");
}
