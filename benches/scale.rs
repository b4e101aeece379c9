//! Training at the collection's scale: peak anonymous memory and images/s of one cifarnet epoch
//! from fresh views and from a bank, against the number of full-size patients; and how fast a
//! bank feeds a consumer that only reads batches.
//!
//!     cargo bench --bench scale -- [steps] [memory] [bank-read] [--patients 4,8,16]
//!
//! Studies are made once with `cadet synth --full-size` under `target/bench-data/`. Each run is
//! a `cadet` process of its own, polled for VmHWM and RssAnon (anonymous pages only: mapped cache
//! and bank files are the OS's to keep or drop). Results go to `target/bench/scale.json`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cadet::core::cache::bank::ViewBank;
use cadet::core::dataset::{Prefetcher, Prior, Purpose, ViewSource, epoch_samples};
use cadet::core::models::ModelKind;
use cadet::core::train::{Sgd, SgdConfig, TrainConfig};
use serde_json::{Value, json};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

fn cadet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cadet"))
}

/// The first `n` patients of one full-size synthetic study of `all` patients (made once; the
/// smaller studies list the same volumes, since patient i is the same whatever the study size).
fn study(n: usize, all: usize) -> PathBuf {
    let base = data_dir().join(format!("full-{all}"));
    if !base.join("study.csv").is_file() {
        println!("making {} (once) ...", base.display());
        let ok = cadet().args(["synth", "--full-size", "--patients", &all.to_string(), "--out"]).arg(&base).status();
        assert!(ok.is_ok_and(|s| s.success()), "cadet synth --full-size failed");
    }
    if n >= all {
        return base;
    }
    let dir = data_dir().join(format!("full-{all}-first-{n}"));
    let text = std::fs::read_to_string(base.join("study.csv")).expect("study.csv");
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap_or_default());
    for line in lines.take(n) {
        let mut cols: Vec<String> = line.split(',').map(str::to_string).collect();
        cols[2] = format!("../full-{all}/{}", cols[2]);
        out.push_str(&cols.join(","));
        out.push('\n');
    }
    std::fs::create_dir_all(&dir).expect("study folder");
    std::fs::write(dir.join("study.csv"), out).expect("study.csv");
    dir
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

/// Runs a cadet command to its end; returns (seconds, peak RssAnon MiB, VmHWM MiB).
fn measured(args: &[&str]) -> (f64, f64, f64) {
    let start = Instant::now();
    let mut child = cadet().args(args).stdout(std::process::Stdio::null()).spawn().expect("cadet runs");
    let (mut anon, mut hwm) = (0u64, 0u64);
    loop {
        anon = anon.max(status_kib(child.id(), "RssAnon:").unwrap_or(0));
        hwm = hwm.max(status_kib(child.id(), "VmHWM:").unwrap_or(0));
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "cadet {args:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (start.elapsed().as_secs_f64(), anon as f64 / 1024.0, hwm as f64 / 1024.0)
}

/// images/s of the training pass of the run's first epoch (metrics.jsonl).
fn epoch_rate(runs: &Path) -> Option<(f64, f64)> {
    let run = std::fs::read_dir(runs).ok()?.flatten().next()?.path();
    let text = std::fs::read_to_string(run.join("metrics.jsonl")).ok()?;
    let epoch: Value =
        text.lines().filter_map(|l| serde_json::from_str(l).ok()).find(|v: &Value| v["kind"] == "epoch")?;
    Some((epoch["images_per_second"].as_f64()?, epoch["data_wait_seconds"].as_f64()?))
}

fn memory(n: usize, all: usize, results: &mut Value) {
    let study = study(n, all);
    let work = tempfile::tempdir().expect("temporary folder");
    let cache = data_dir().join("cache");
    let (s, c) = (study.to_str().unwrap_or_default(), cache.to_str().unwrap_or_default());
    let common = ["--model", "cifarnet", "--epochs", "1", "--views-per-candidate", "100", "--val-views", "2"];
    let common = [&common[..], &["--device", "cpu", "--patience", "0", "--cache", c]].concat();
    // warm the cache so that the figures are those of every later run
    let runs = work.path().join("warm");
    measured(&[&["train", "--study", s, "--runs-dir", runs.to_str().unwrap_or_default()], &common[..]].concat());
    let runs = work.path().join("fresh");
    let fresh =
        measured(&[&["train", "--study", s, "--runs-dir", runs.to_str().unwrap_or_default()], &common[..]].concat());
    let fresh_rate = epoch_rate(&runs);
    let bank = work.path().join("bank");
    let b = bank.to_str().unwrap_or_default();
    let made =
        measured(&["bank", "--study", s, "--views-per-candidate", "100", "--size", "32", "--out", b, "--cache", c]);
    let runs = work.path().join("banked");
    let banked =
        measured(&[&["train", "--bank", b, "--runs-dir", runs.to_str().unwrap_or_default()], &common[..]].concat());
    let bank_rate = epoch_rate(&runs);
    let line = |name: &str, m: (f64, f64, f64), rate: Option<(f64, f64)>| {
        println!(
            "N={n:>2} {name:<6} {:>7.1} s  RssAnon {:>7.0} MiB  VmHWM {:>7.0} MiB  {:>6.0} img/s  waited {:.1} s",
            m.0,
            m.1,
            m.2,
            rate.map_or(0.0, |r| r.0),
            rate.map_or(0.0, |r| r.1)
        );
        json!({"seconds": m.0, "peak_rss_anon_mib": m.1, "vm_hwm_mib": m.2,
               "images_per_second": rate.map(|r| r.0), "data_wait_seconds": rate.map(|r| r.1)})
    };
    results[format!("patients_{n}")] = json!({
        "fresh": line("fresh", fresh, fresh_rate),
        "bank_build": line("bank", made, None),
        "from_bank": line("banked", banked, bank_rate),
    });
}

/// Images/s a bank delivers through the prefetching loader to a consumer that only counts.
fn bank_read(all: usize, results: &mut Value) {
    let study = study(4, all);
    let work = tempfile::tempdir().expect("temporary folder");
    let bank = work.path().join("bank");
    let cache = data_dir().join("cache");
    let args = ["bank", "--study", study.to_str().unwrap_or_default(), "--views-per-candidate", "50", "--size", "32"];
    let ok = cadet().args(args).arg("--out").arg(&bank).arg("--cache").arg(&cache).status();
    assert!(ok.is_ok_and(|s| s.success()), "cadet bank failed");
    let bank = std::sync::Arc::new(ViewBank::open(&bank).expect("bank opens"));
    let study = std::sync::Arc::new(bank.manifest.study());
    let config = TrainConfig::paper_defaults(Path::new("."), ModelKind::Cifarnet);
    let patients: Vec<usize> = (0..study.patients.len()).collect();
    let source = ViewSource {
        study: study.clone(),
        samplers: std::sync::Arc::new(vec![None; study.patients.len()]),
        pipeline: std::sync::Arc::new(config.pipeline()),
        seed: 1,
        bank: Some(bank),
    };
    let samples = epoch_samples(&study, &patients, Prior::Biased, 50, 0, 1);
    let start = Instant::now();
    let mut images = 0;
    for batch in Prefetcher::start(source, samples, 50, 4, Purpose::Train).expect("loader starts") {
        images += batch.labels.len();
    }
    let rate = images as f64 / start.elapsed().as_secs_f64();
    println!("bank read: {images} images of 3×32×32 at {rate:.0} images/s (cifarnet input, random crops)");
    results["bank_read"] = json!({"images": images, "images_per_second": rate});
}

/// Images/s of bare cifarnet SGD steps on the CPU (batch 50, random input, no data pipeline):
/// what a whole epoch's images/s is compared with.
fn bare_steps(results: &mut Value) {
    use burn::prelude::*;
    let device = Device::flex().autodiff();
    let (batch, steps, s) = (50, 40, ModelKind::Cifarnet.input_size());
    let mut model = ModelKind::Cifarnet.build(2, &device);
    let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, weight_decay: 0.0005 });
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&device);
    let labels: Vec<i64> = (0..batch as i64).map(|i| i % 2).collect();
    let mut step = |model: cadet::core::models::Net| {
        let x = Tensor::<4>::random([batch, 3, s, s], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [batch]), &device);
        let loss = loss_fn.forward(model.forward(x), y);
        let _: f32 = loss.clone().into_scalar();
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        sgd.step(model, &|_| 0.01, grads)
    };
    model = step(model);
    let start = Instant::now();
    for _ in 0..steps {
        model = step(model);
    }
    drop(model);
    let rate = (steps * batch) as f64 / start.elapsed().as_secs_f64();
    println!("bare cifarnet steps (CPU, batch 50): {rate:.0} images/s");
    results["bare_steps_images_per_second"] = json!(rate);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let patients: Vec<usize> = match args.iter().position(|a| a == "--patients") {
        Some(i) => args.get(i + 1).map_or(vec![], |s| s.split(',').filter_map(|n| n.parse().ok()).collect()),
        None => vec![4, 8, 16],
    };
    let largest = patients.iter().copied().max().unwrap_or(4).max(4);
    let every = !args.iter().any(|a| a == "memory" || a == "bank-read" || a == "steps");
    let mut results = json!({});
    if every || args.iter().any(|a| a == "steps") {
        bare_steps(&mut results);
    }
    if every || args.iter().any(|a| a == "bank-read") {
        bank_read(largest, &mut results);
    }
    if every || args.iter().any(|a| a == "memory") {
        for n in patients {
            memory(n, largest, &mut results);
        }
    }
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("scale.json"), format!("{results:#}\n"));
}
