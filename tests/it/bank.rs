//! The view bank: same seed, same bytes; an interrupted bank resumes to the same bytes; a run
//! trains and scores from a bank without opening a volume; the selection honours the prior.

use std::path::{Path, PathBuf};

use cadet::core::cache::VolumeCache;
use cadet::core::cache::bank::{BankRequest, ViewBank, build_bank};
use cadet::core::dataset::{Prior, bank_slot, epoch_samples, fixed_samples};
use cadet::core::eval::{ScoreOptions, score_run};
use cadet::core::models::ModelKind;
use cadet::core::sampling::{Interpolation, ViewProtocol};
use cadet::core::train::{DeviceChoice, MetricRecord, RunDir, Start, TrainConfig, TrainEvent, train_blocking};
use cadet::core::window::WindowPreset;

fn sample_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic")
}

fn request(out: &Path, seed: u64) -> BankRequest {
    BankRequest {
        study: sample_study(),
        out: out.to_path_buf(),
        seed,
        views_per_candidate: 3,
        size: 16,
        interpolation: Interpolation::Linear,
        protocol: ViewProtocol::default(),
        window: WindowPreset::SoftTissue.window(),
    }
}

fn bytes(bank: &Path) -> (Vec<u8>, Vec<u8>) {
    (std::fs::read(bank.join("views.u8")).unwrap(), std::fs::read(bank.join("params.f64")).unwrap())
}

#[test]
fn same_seed_same_bytes_and_an_interrupted_bank_resumes_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let cache = VolumeCache::new(dir.path().join("cache"));
    let whole = dir.path().join("a");
    let summary = build_bank(&request(&whole, 5), &cache, &mut |_, _| true).unwrap();
    assert!(summary.complete);
    assert_eq!(summary.views, summary.rows * 3);
    let again = dir.path().join("b");
    let mut calls = 0;
    let first = build_bank(&request(&again, 5), &cache, &mut |_, _| {
        calls += 1;
        false // interrupted after the first chunk
    })
    .unwrap();
    assert!(!first.complete && first.written_rows > 0 && first.written_rows < first.rows);
    assert!(ViewBank::open(&again).is_err(), "an incomplete bank is refused");
    let rest = build_bank(&request(&again, 5), &cache, &mut |_, _| true).unwrap();
    assert!(rest.complete);
    assert_eq!(first.written_rows + rest.written_rows, rest.rows, "the resumed run wrote only what was left");
    assert_eq!(bytes(&whole), bytes(&again));
    let other = dir.path().join("c");
    build_bank(&request(&other, 6), &cache, &mut |_, _| true).unwrap();
    assert_ne!(bytes(&whole).0, bytes(&other).0, "another seed, other views");
    let refused = build_bank(&request(&whole, 6), &cache, &mut |_, _| true);
    assert!(refused.unwrap_err().to_string().contains("other settings"));
    let bank = ViewBank::open(&whole).unwrap();
    let params = bank.params(0, 1).unwrap();
    assert_eq!(params[..3], bank.manifest.patients[0].candidates[0].center_world_mm, "logged centre");
    assert!((35.0..128.0).contains(&params[6]), "logged field of view");
}

#[test]
fn the_prior_is_honoured_in_a_bank_selection() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bank");
    build_bank(&request(&out, 1), &VolumeCache::new(dir.path().join("cache")), &mut |_, _| true).unwrap();
    let bank = ViewBank::open(&out).unwrap();
    let study = bank.manifest.study();
    let patients: Vec<usize> = (0..study.patients.len()).collect();
    let positives: usize = study.patients.iter().map(|p| p.positives()).sum();
    let labelled: usize = study.patients.iter().map(|p| p.candidates.len()).sum();
    let equal = epoch_samples(&study, &patients, Prior::Equal, 2, 0, 3);
    assert_eq!(equal.iter().filter(|s| s.label == 1).count(), 2 * positives);
    assert_eq!(equal.iter().filter(|s| s.label == 0).count(), 2 * positives, "as many negatives");
    assert_eq!(epoch_samples(&study, &patients, Prior::Biased, 2, 0, 3).len(), 2 * labelled);
    assert_eq!(fixed_samples(&study, &patients, Prior::Biased, 3, 3).len(), 3 * labelled);
    for s in equal {
        assert!(bank_slot(3, &study.patients[s.patient].id, s.candidate, s.view, 3) < 3);
    }
}

#[test]
fn a_run_trains_and_scores_from_a_bank() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bank");
    let mut r = request(&out, 2);
    r.size = 32;
    build_bank(&r, &VolumeCache::new(dir.path().join("cache")), &mut |_, _| true).unwrap();
    let mut c = TrainConfig::paper_defaults(Path::new("/nonexistent-study"), ModelKind::Cifarnet);
    c.name = "bank".into();
    c.runs_dir = dir.path().join("runs");
    c.epochs = 1;
    c.batch = 32;
    c.views_per_candidate = 2;
    c.val_views = 1;
    c.device = DeviceChoice::Cpu;
    c.bank = Some(out.clone());
    let mut failed = None;
    let run = train_blocking(Start::New(Box::new(c)), &mut |e| {
        if let TrainEvent::Failed { message, .. } = e {
            failed = Some(message.clone());
        }
    })
    .unwrap();
    assert_eq!(failed, None);
    let metrics = RunDir::open(&run).unwrap().read_metrics().unwrap();
    let epoch = metrics.iter().find_map(|m| if let MetricRecord::Epoch(e) = m { Some(e.clone()) } else { None });
    let epoch = epoch.unwrap();
    assert!(epoch.images_per_second > 0.0 && epoch.data_wait_seconds >= 0.0);
    let options = ScoreOptions { views: 5, device: DeviceChoice::Cpu, bank: Some(out), ..ScoreOptions::default() };
    let scores = score_run(&run, &options, &mut |_, _| {}).unwrap();
    assert!(!scores.candidates.is_empty());
    assert!(scores.candidates.iter().all(|c| (0.0..=1.0).contains(&c.score)));
}
