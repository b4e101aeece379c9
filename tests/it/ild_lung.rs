//! The masks of ILD slices: the HUG database's lung and label masks paired with their slices and
//! read as written, the morphological estimate and the contours against them, and the slice
//! level's two lung settings.

use cadet::core::dataset::{InputNormalization, Purpose, Sample};
use cadet::core::ild::dataset::{IldInput, IldItem, IldLevel, IldSet};
use cadet::core::ild::label_masks::label_agreement;
use cadet::core::ild::lung::{LungFocus, estimate_lung_mask, read_lung_mask, shrink_mask};
use cadet::core::ild::polygon::rasterize;
use cadet::core::ild::synth::{Anatomy, IldSynthConfig, write_ild_study};
use cadet::core::ild::{IldClass, IldDatabase, ild_rgb};

use crate::common::{cadet, stderr};
use crate::ild::{hand_made, write_mask_of_slice_9};

fn study_with_masks() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ild");
    let config = IldSynthConfig { patients: 4, slices: 2, size: 128, spacing_mm: 2.5, seed: 5, masks: true };
    write_ild_study(&root, &config, &Anatomy::Phantom, &|_| {}).unwrap();
    (tmp, root)
}

#[test]
fn hug_lung_masks_pair_with_their_slices_and_read_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    hand_made(tmp.path());
    let db = IldDatabase::open(tmp.path()).unwrap();
    let p = &db.patients[0];
    let (four, nine) = (&p.slices[0], &p.slices[1]);
    assert_eq!(four.lung_mask, None);
    let path = nine.lung_mask.clone().expect("slice 9 has its mask");
    assert!(path.ends_with("lung_mask/lung_mask_a_09.dcm"));
    let mask = read_lung_mask(&path, 16, 16).unwrap();
    let lung: Vec<usize> = (0..256).filter(|&i| mask[i]).collect();
    let written: Vec<usize> = (2..6).flat_map(|r| (3..9).map(move |c| r * 16 + c)).collect();
    assert_eq!(lung, written, "nonzero pixels are lung, row-major as stored");
    let err = read_lung_mask(&path, 16, 32).unwrap_err().to_string();
    assert!(err.contains("lung_mask_a_09.dcm") && err.contains("16 × 16 pixels, its slice 16 × 32"), "{err}");

    // a synthetic study with masks: every slice has one, and every contour lies in its lung
    let (_tmp, root) = study_with_masks();
    let db = IldDatabase::open(&root).unwrap();
    assert!(db.patients[2].dir.join("HRCT").is_dir(), "a patient whose series is in a sub-folder");
    for p in &db.patients {
        assert!(p.warnings.is_empty(), "patient {}: {:?}", p.id, p.warnings);
        for s in &p.slices {
            let path = s.lung_mask.as_ref().unwrap_or_else(|| panic!("patient {} slice {}", p.id, s.slice_number));
            assert!(path.starts_with(root.join("ILD_DB_lungMasks").join(&p.id)));
            let mask = read_lung_mask(path, s.rows(), s.cols()).unwrap();
            for c in &s.contours {
                let inside = rasterize(&c.points, s.rows(), s.cols());
                let area = inside.iter().filter(|&&b| b).count();
                let in_lung = (0..inside.len()).filter(|&i| inside[i] && mask[i]).count();
                assert!(
                    in_lung * 100 >= area * 90,
                    "{}: {in_lung} of {area} contour pixels in the lung",
                    path.display()
                );
            }
            // the morphological estimate finds the same lungs (Dice against the HUG mask), except
            // that consolidation (dense, above −400 HU) against the chest wall is not lung to it
            let estimate = estimate_lung_mask(&s.load_hu().unwrap(), s.rows(), s.cols());
            let both = (0..mask.len()).filter(|&i| mask[i] && estimate[i]).count();
            let sizes = mask.iter().filter(|&&b| b).count() + estimate.iter().filter(|&&b| b).count();
            let dice = 2.0 * both as f64 / sizes as f64;
            if s.has(IldClass::Consolidation) {
                assert!(dice > 0.75, "{}: Dice {dice:.3}", path.display());
            } else {
                assert!(dice > 0.97, "{}: Dice {dice:.3}", path.display());
            }
        }
    }
    // its label masks agree with the contours, class by class, with the codes 1 to 6
    let (slices, agreement) = label_agreement(&db).unwrap().expect("label masks");
    assert_eq!(slices, 8);
    for (i, a) in agreement.iter().enumerate() {
        assert_eq!(a.code, Some(i as i64 + 1), "{a:?}");
        assert!(a.dice().unwrap() > 0.98, "{a:?}");
    }
    let out = cadet(&["ild", "summary", root.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("8 of 8 annotated slices have one"), "{}", stderr(&out));
    assert!(text.contains("label masks (ILD_DB_volumeROIs) on 8 annotated slices"), "{text}");
}

#[test]
fn label_codes_are_found_from_the_contours_and_their_agreement_counted() {
    let tmp = tempfile::tempdir().unwrap();
    hand_made(tmp.path());
    // slice 9's label mask: code 7 on its emphysema contours' pixels and on 4 pixels outside them
    let db = IldDatabase::open(tmp.path()).unwrap();
    let nine = &db.patients[0].slices[1];
    let mut inside = vec![false; 256];
    for c in &nine.contours {
        inside.iter_mut().zip(rasterize(&c.points, 16, 16)).for_each(|(a, b)| *a |= b);
    }
    let area = inside.iter().filter(|&&b| b).count();
    let extra = [15 * 16, 15 * 16 + 1, 15 * 16 + 2, 15 * 16 + 3];
    assert!(area > 10 && extra.iter().all(|&i| !inside[i]));
    let stored: Vec<i16> = (0..256).map(|i| if inside[i] || extra.contains(&i) { 7 } else { 0 }).collect();
    let dir = tmp.path().join("ILD_DB_volumeROIs").join("12").join("roi_mask");
    std::fs::create_dir_all(&dir).unwrap();
    write_mask_of_slice_9(&dir.join("roi_mask_a_09.dcm"), &stored);
    let db = IldDatabase::open(tmp.path()).unwrap();
    assert!(
        db.patients[0].warnings.iter().any(|w| w.contains("no roi mask for slice(s) 4 ")),
        "{:?}",
        db.patients[0].warnings
    );
    let (slices, agreement) = label_agreement(&db).unwrap().unwrap();
    assert_eq!(slices, 1);
    let emphysema = &agreement[IldClass::Emphysema.index()];
    assert_eq!(
        (emphysema.code, emphysema.contour_pixels, emphysema.code_pixels, emphysema.both),
        (Some(7), area, area + 4, area)
    );
    assert_eq!(emphysema.dice(), Some(2.0 * area as f64 / (2 * area + 4) as f64));
    let healthy = &agreement[IldClass::Healthy.index()];
    assert_eq!((healthy.code, healthy.contour_pixels), (None, 0), "slice 4, healthy's only slice, has no label mask");
}

fn render(root: &std::path::Path, lung: LungFocus, item: usize) -> (Vec<f32>, IldSet) {
    let db = IldDatabase::open(root).unwrap();
    let input =
        IldInput { patch_size: 64, per_roi: 1, input_size: 32, normalization: InputNormalization::None, seed: 1, lung };
    let mut set = IldSet::new(db, IldLevel::Slice, input);
    let all: Vec<usize> = (0..set.db.patients.len()).collect();
    set.set_training_patients(&all);
    let p = set.items[item].patient();
    set.load_images(&[p]).unwrap();
    let mut out = vec![0f32; 3 * 32 * 32];
    set.render_into(&Sample { patient: p, candidate: item, label: 0, view: 0 }, Purpose::Evaluate, &mut out);
    (out, set)
}

/// Output pixels whose 3 × 3 neighbourhood of `fraction` cells (32 × 32) all satisfy `keep`.
fn interior(fraction: &[f32], keep: impl Fn(f32) -> bool) -> Vec<usize> {
    (0..32 * 32)
        .filter(|&i| {
            let (r, c) = ((i / 32) as i64, (i % 32) as i64);
            (-1..=1).all(|dr| {
                (-1..=1).all(|dc| {
                    let (rr, cc) = ((r + dr).clamp(0, 31), (c + dc).clamp(0, 31));
                    keep(fraction[(rr * 32 + cc) as usize])
                })
            })
        })
        .collect()
}

#[test]
fn slice_inputs_show_the_lung_as_asked() {
    let (_tmp, root) = study_with_masks();
    let (plain, set) = render(&root, LungFocus::None, 0);
    let IldItem::Slice { patient, slice, .. } = set.items[0] else { panic!("slice items") };
    let s = &set.db.patients[patient].slices[slice];
    let mask = read_lung_mask(s.lung_mask.as_ref().unwrap(), 128, 128).unwrap();
    let lung = shrink_mask(&mask, 128, 128, 4); // the 32 px input's cells
    let (smooth, _) = render(&root, LungFocus::Smooth, 0);
    let inside = interior(&lung, |f| f == 1.0);
    assert!(inside.len() > 50, "{} lung pixels", inside.len());
    for &i in &inside {
        for ch in 0..3 {
            let k = ch * 1024 + i;
            assert!((smooth[k] - plain[k]).abs() < 1e-6, "pixel {i} inside the lung is kept");
        }
    }
    let changed = (0..3 * 1024).filter(|&k| (smooth[k] - plain[k]).abs() > 0.05).count();
    assert!(changed > 20, "outside the lung is smoothed ({changed} values changed)");

    // the average over all patients' lungs: where no lung ever is, the input is air
    let (average, set) = render(&root, LungFocus::Average, 0);
    let masks: Vec<Vec<bool>> = set
        .db
        .patients
        .iter()
        .flat_map(|p| &p.slices)
        .map(|s| read_lung_mask(s.lung_mask.as_ref().unwrap(), 128, 128).unwrap())
        .collect();
    let ever: Vec<f32> =
        (0..32 * 32).map(|i| masks.iter().map(|m| shrink_mask(m, 128, 128, 4)[i]).fold(0.0, f32::max)).collect();
    let never = interior(&ever, |f| f == 0.0);
    let air = ild_rgb(-1024.0);
    let mut tissue_hidden = 0;
    for &i in &never {
        for ch in 0..3 {
            assert!((average[ch * 1024 + i] - air[ch]).abs() < 1e-5, "pixel {i}: never lung, shown as air");
        }
        tissue_hidden += usize::from((plain[1024 + i] - air[1]).abs() > 0.1);
    }
    assert!(tissue_hidden > 20, "the chest wall ({tissue_hidden} pixels) is blended away");
    // where every slice has lung, the input is the slice as it is
    let every: Vec<f32> =
        (0..32 * 32).map(|i| masks.iter().map(|m| shrink_mask(m, 128, 128, 4)[i]).fold(1.0, f32::min)).collect();
    let always = interior(&every, |f| f == 1.0);
    assert!(always.len() > 10, "{} pixels are lung in every slice", always.len());
    for &i in &always {
        assert!((average[i] - plain[i]).abs() < 1e-5, "pixel {i}: always lung, kept");
    }
}

#[test]
fn the_lung_focus_is_a_slice_task_setting() {
    let (tmp, root) = study_with_masks();
    let runs = tmp.path().join("runs");
    let args = ["train", "--task", "ild-patch", "--lung", "smooth", "--model", "cifarnet", "--study"];
    let out = cadet(&[&args[..], &[root.to_str().unwrap(), "--runs-dir", runs.to_str().unwrap()]].concat());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("the lung focus (smooth) is a setting of the ild-slice task"), "{}", stderr(&out));
    assert!(!runs.join("ild-patch-cifarnet-ri").exists(), "nothing was started");
}
