//! The synthetic study: deterministic bytes for a seed, plausible tissue HU, nodes and
//! candidates where they should be, and a study the importer reads back.

use std::path::Path;

use cadet::core::nifti::read_nifti;
use cadet::core::study::{Label, Study};
use cadet::core::synth::{SynthConfig, write_study};
use glam::DVec3;

fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        let rel = entry.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        out.push((rel, std::fs::read(&entry).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let config = SynthConfig { patients: 1, seed: 77, full_size: false };
    write_study(a.path(), &config, &|_| {}).unwrap();
    write_study(b.path(), &config, &|_| {}).unwrap();
    write_study(c.path(), &SynthConfig { patients: 1, seed: 78, full_size: false }, &|_| {}).unwrap();
    let (fa, fb, fc) = (all_files(a.path()), all_files(b.path()), all_files(c.path()));
    assert_eq!(fa.len(), 7, "manifest, synth.json, volume and four annotation files");
    assert_eq!(fa, fb);
    let volume = |files: &[(String, Vec<u8>)]| files.iter().find(|f| f.0.ends_with(".nii.gz")).unwrap().1.clone();
    assert_ne!(volume(&fa), volume(&fc));
    assert!(write_study(a.path(), &config, &|_| {}).unwrap_err().to_string().contains("already holds a study"));
}

/// Fraction of voxels with HU in `[lo, hi)`.
fn fraction(values: &[f32], lo: f32, hi: f32) -> f64 {
    values.iter().filter(|v| **v >= lo && **v < hi).count() as f64 / values.len() as f64
}

#[test]
fn a_chest_and_an_abdomen_with_nodes_in_fat_and_candidates_in_the_body() {
    let dir = tempfile::tempdir().unwrap();
    write_study(dir.path(), &SynthConfig { patients: 2, seed: 5, full_size: false }, &|_| {}).unwrap();
    let study = Study::load(dir.path()).unwrap();
    assert_eq!(study.patients.len(), 2);
    let summary = study.summary();
    assert_eq!(summary.iter().map(|r| r.region.as_str()).collect::<Vec<_>>(), vec!["MED", "ABD"]);
    for p in &study.patients {
        let volume = read_nifti(&p.volume_path).unwrap().volume;
        assert_eq!(volume.affine().orientation(), "LPS");
        let s = volume.spacing_mm();
        assert!(s.x > 2.0 && s.x < 2.7 && (s.z == 2.5 || s.z == 3.0), "anisotropic spacing {s}");
        let hu = volume.to_f32();
        // air around the body, subcutaneous and visceral fat, muscle and organs, bone
        assert!(fraction(&hu, -1024.0, -990.0) > 0.1, "{}: air", p.id);
        assert!(fraction(&hu, -150.0, -50.0) > 0.08, "{}: fat", p.id);
        assert!(fraction(&hu, 0.0, 100.0) > 0.04, "{}: soft tissue", p.id);
        assert!(fraction(&hu, 400.0, 3072.0) > 0.002, "{}: bone", p.id);
        assert!(fraction(&hu, 150.0, 400.0) > 0.003, "{}: contrast-filled vessels", p.id);
        if p.id.starts_with("MED") {
            assert!(fraction(&hu, -950.0, -700.0) > 0.08, "{}: lungs", p.id);
        }
        // 7–10 mediastinal or 8–12 abdominal nodes are wanted; crowded stations may hold fewer
        let most = if p.id.starts_with("MED") { 10 } else { 12 };
        assert!((4..=most).contains(&p.lesions.len()), "{}: {} nodes", p.id, p.lesions.len());
        assert!((32..=50).contains(&p.candidates.len()), "{}: {} candidates", p.id, p.candidates.len());
        for lesion in &p.lesions {
            assert!((5.0..=25.0).contains(&lesion.diameter_mm));
            assert!(
                p.candidates.iter().any(|c| c.lesion == Some(lesion.id)),
                "{}: node {} has a candidate",
                p.id,
                lesion.id
            );
            if lesion.diameter_mm >= 10.0 {
                let v = volume.affine().voxel_from_world_point(lesion.center()).round();
                let mut sum = 0.0;
                for dk in -1..=1 {
                    for dj in -1..=1 {
                        for di in -1..=1 {
                            sum += volume.hu_at(v.x as i64 + di, v.y as i64 + dj, v.z as i64 + dk).unwrap();
                        }
                    }
                }
                let mean = sum / 27.0;
                assert!((0.0..90.0).contains(&mean), "{} node {}: mean HU {mean}", p.id, lesion.id);
            }
        }
        for c in &p.candidates {
            assert!(volume.contains_world(c.center()), "{} candidate {} inside the volume", p.id, c.id);
            let v = volume.affine().voxel_from_world_point(c.center()).round();
            let mut air = 0;
            for dk in -2..=2 {
                for dj in -2..=2 {
                    for di in -2..=2 {
                        if volume.hu_at(v.x as i64 + di, v.y as i64 + dj, v.z as i64 + dk).is_none_or(|h| h <= -1000.0)
                        {
                            air += 1;
                        }
                    }
                }
            }
            assert!(air < 60, "{} candidate {} lies in the body", p.id, c.id);
            let from_pos_file = c.source == cadet::core::study::CandidateSource::PositiveFile;
            assert_eq!(c.label == Label::Positive, from_pos_file, "labels agree with the CADe files");
        }
    }
}

#[test]
fn the_importer_converts_lps_files_to_ras_once() {
    let dir = tempfile::tempdir().unwrap();
    write_study(dir.path(), &SynthConfig { patients: 1, seed: 9, full_size: false }, &|_| {}).unwrap();
    let study = Study::load(dir.path()).unwrap();
    let p = &study.patients[0];
    let text = std::fs::read_to_string(dir.path().join(&p.id).join(format!("{}_lymphnodes_physicalPoints.txt", p.id)))
        .unwrap();
    let first: Vec<f64> = text.lines().next().unwrap().split_whitespace().map(|v| v.parse().unwrap()).collect();
    let ras = p.lesions[0].center();
    assert!((ras - DVec3::new(-first[0], -first[1], first[2])).length() < 1e-9);
}
